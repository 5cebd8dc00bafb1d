# Reference for predictions past the last follow-up (tests/survival/test_survival_past_follow_up.py
# and tests/core/test_core_baseline.py).
#
# Run from the repository root:
#   Rscript tests/reference/survival/past_follow_up.R
# Input: tests/reference/survival/spells.csv (stratum 1 ends at day 116, a censoring;
# stratum 2 at day 98, an event). R 4.2.2, survival 3.5.3.
# Output: past_follow_up_reference.csv: summary(survfit(fit, newdata), times, extend = FALSE)
# of the Efron Cox models of tests/reference/core/core.R (stratified, plain, weighted), with
# its profiles: R leaves out the times past the last
# follow-up of the profile's stratum; the rows it keeps are written with their survival.
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
tight <- coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100)
models <- list(
  strata_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum),
                       data = spells, ties = "efron", control = tight),
  efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells, ties = "efron",
                control = tight),
  weighted_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells,
                         weights = weight, ties = "efron", control = tight)
)
profiles <- data.frame(x1 = c(-1, 0, 1.5), x2 = c(0, 1, 1), x3 = c(0, 2, 4), stratum = c(1, 2, 1))
times <- c(5, 20, 60, 98, 100, 116, 117)
out <- do.call(rbind, lapply(names(models), function(m) {
  do.call(rbind, lapply(1:3, function(j) {
    s <- summary(survfit(models[[m]], newdata = profiles[j, ]), times = times, extend = FALSE)
    data.frame(model = m, profile = j - 1, time = s$time, survival = s$surv)
  }))
}))
write.csv(out, file.path(here, "past_follow_up_reference.csv"), row.names = FALSE)
