# Reference for CurveResult.at(): R's summary(survfit, times = ) read off at chosen times.
# Run from the repository root (spells.csv is written by make_survival_inputs.py):
#   Rscript tests/reference/survival/curves_at.R
# n_risk is the (weighted) number at risk at the time, n_risk_unweighted the same count
# without weights; n_event the (weighted) events in the interval since the previous
# requested time (since the start for the first). The times fall before the first event
# (0.5), between event times (10.5, 90), on event times (20, 64) and past the last
# follow-up of a group or of all (110, 200); extend = TRUE keeps the rows past the last
# follow-up (n_risk 0), where escalation leaves the curve NaN.
# A multi-state survfit (Aalen-Johansen) reports unweighted counts even with weights, so
# the weighted counts of a cause come from survfit(Surv(duration, event == cause)), whose
# risk set and events of that cause are the same.
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
spells$status <- factor(spells$event, 0:2, c("censor", "1", "2"))
times <- c(0.5, 10.5, 20, 64, 90, 110, 200)
label <- function(s) if (is.null(s$strata)) "all" else sub("group=", "", as.character(s$strata))
at <- function(fit) summary(fit, times = times, extend = TRUE)
one <- rep(1, nrow(spells))

km_at <- function(formula, w, name) {
  d <- transform(spells, w = w)
  s <- at(survfit(formula, data = d, weights = w))
  plain <- at(survfit(formula, data = spells))
  data.frame(curve = name, group = label(s), cause = NA, time = s$time, n_risk = s$n.risk,
             n_event = s$n.event, n_risk_unweighted = plain$n.risk, survival = s$surv,
             cumhaz = s$cumhaz, incidence = NA)
}
aj_at <- function(formula, w, name) {
  d <- transform(spells, w = w)
  fit <- survfit(formula, data = d, weights = w)
  s <- at(fit)
  do.call(rbind, lapply(c("1", "2"), function(k) {
    j <- match(k, fit$states)
    cause_formula <- update(formula, as.formula(sprintf("Surv(duration, event == %s) ~ .", k)))
    weighted <- at(survfit(cause_formula, data = d, weights = w))
    data.frame(curve = name, group = label(s), cause = as.integer(k), time = s$time,
               n_risk = weighted$n.risk, n_event = weighted$n.event,
               n_risk_unweighted = s$n.risk[, 1], survival = NA, cumhaz = NA,
               incidence = s$pstate[, j])
  }))
}
out <- rbind(
  km_at(Surv(duration, event > 0) ~ group, one, "km_by_group"),
  km_at(Surv(duration, event > 0) ~ 1, spells$weight, "km_weighted"),
  aj_at(Surv(duration, status) ~ 1, one, "aj_overall"),
  aj_at(Surv(duration, status) ~ group, spells$weight, "aj_weighted_by_group")
)
write.csv(out, file.path(here, "curves_at_reference.csv"), row.names = FALSE)
