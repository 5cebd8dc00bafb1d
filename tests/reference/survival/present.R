# Reference values for median survival (with its confidence interval) and Gray's test.
#
# Run from the repository root (R 4.2.2, survival 3.5.3, cmprsk 2.2.11 were used):
#   Rscript tests/reference/survival/present.R
# Input: spells.csv (written by make_survival_inputs.py). Output: median_reference.csv and
# gray_reference.csv in this folder.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(sub("--file=", "", args[grep("--file=", args)]))
path <- function(name) file.path(here, name)
spells <- read.csv(path("spells.csv"))
# A curve that sits exactly at 0.5 between two event times (R takes the midpoint), and
# one whose lower limit never reaches 0.5 (NA).
tiny <- data.frame(duration = c(1, 2, 3, 4, 5, 6), event = c(1, 1, 1, 0, 1, 0),
                   group = "all")
short <- data.frame(duration = c(2, 4, 6, 8, 10, 12, 14, 16),
                    event = c(1, 0, 1, 0, 1, 0, 0, 0), group = "all")

medians <- list()
add_median <- function(fit, label, conf_type) {
  q <- quantile(fit, probs = 0.5)
  groups <- if (is.null(fit$strata)) "all" else sub("group=", "", names(fit$strata))
  medians[[length(medians) + 1]] <<- data.frame(
    data = label, conf_type = conf_type, group = groups,
    median = as.numeric(q$quantile), lower = as.numeric(q$lower),
    upper = as.numeric(q$upper))
}
for (ct in c("log", "log-log", "plain")) {
  add_median(survfit(Surv(duration, event != 0) ~ group, data = spells, conf.type = ct),
             "spells_any", ct)
  add_median(survfit(Surv(duration, event != 0) ~ 1, data = spells, conf.type = ct),
             "spells_overall", ct)
  add_median(survfit(Surv(duration, event == 1) ~ group, data = spells, conf.type = ct),
             "spells_cause1", ct)
  add_median(survfit(Surv(duration, event) ~ 1, data = tiny, conf.type = ct), "tiny", ct)
  add_median(survfit(Surv(duration, event) ~ 1, data = short, conf.type = ct), "short", ct)
}
write.csv(do.call(rbind, medians), path("median_reference.csv"), row.names = FALSE)

tests <- list()
add_test <- function(fit, label) {
  t <- fit$Tests
  tests[[length(tests) + 1]] <<- data.frame(
    variant = label, cause = as.integer(rownames(t)), statistic = t[, "stat"],
    p_value = t[, "pv"], df = t[, "df"])
}
add_test(cuminc(spells$duration, spells$event, spells$group), "three_groups")
add_test(cuminc(spells$duration, spells$event, spells$group, rho = 1), "rho_1")
add_test(cuminc(spells$duration, spells$event, spells$group, strata = spells$stratum),
         "strata")
ab <- spells[spells$group != "c", ]
add_test(cuminc(ab$duration, ab$event, ab$group), "two_groups")
add_test(cuminc(spells$duration, spells$event, spells$x2), "x2")
write.csv(do.call(rbind, tests), path("gray_reference.csv"), row.names = FALSE)
