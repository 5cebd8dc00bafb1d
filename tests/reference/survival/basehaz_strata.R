# basehaz() of stratified Cox models with a stratum without events (session 28).
# Run from the repository root:  Rscript tests/reference/survival/basehaz_strata.R
# Writes basehaz_strata_reference.csv: model, stratum, time, cumulative_hazard
# (basehaz(fit, centered = FALSE)). R 4.2.2, survival 3.5.3; coxph to eps = 1e-12.
# R lists a stratum without events at each of its distinct (stop) times with hazard 0.
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
counting <- read.csv(file.path(here, "counting.csv"))
ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-13)

# the first 25 spells moved to a stratum 3 and censored (as survrev.R)
no_events <- spells
no_events$stratum[1:25] <- 3
no_events$event[1:25] <- 0
# (start, stop] rows: subjects 1-20 in a stratum 3 without events, the rest by id %% 2
counting$s3 <- ifelse(counting$id <= 20, 3, counting$id %% 2)
counting$event[counting$id <= 20] <- 0

models <- list(
  spells_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + strata(stratum),
                       data = no_events, control = ctl),
  spells_breslow = coxph(Surv(duration, event == 1) ~ x1 + x2 + strata(stratum),
                         data = no_events, ties = "breslow", control = ctl),
  counting_efron = coxph(Surv(start, stop, event) ~ tv + x1 + strata(s3), data = counting,
                         control = ctl)
)
res <- do.call(rbind, lapply(names(models), function(m) {
  b <- basehaz(models[[m]], centered = FALSE)
  data.frame(model = m, stratum = sub("^[a-z0-9]+=", "", b$strata), time = b$time,
             cumulative_hazard = b$hazard)
}))
write.csv(res, file.path(here, "basehaz_strata_reference.csv"), row.names = FALSE)
cat("R", R.version$major, R.version$minor, "survival", format(packageVersion("survival")), "\n")
