# Reference values for escalation.core (risk sets, baseline hazards, risks, Fine-Gray).
#
# Run from the repository root:
#   Rscript tests/reference/core/core.R
# Inputs: tests/reference/survival/spells.csv (400 spells, whole weeks: events, competing
# events and censorings tied on the same days; weights; family clusters; strata) and
# counting.csv ((start, stop] rows). R 4.2.2, survival 3.5.3, riskRegression 2022.11.28.
# Every coxph fit converges tightly (eps = 1e-12) so the frozen values carry ~12 digits.
# Output (this folder):
#   cox_efron_baseline.csv  basehaz(fit, centered = FALSE) after Efron fits (Efron-corrected)
#   cox_efron_predict.csv   survfit(fit, newdata) with its defaults after Efron fits
#   predict_risk.csv        riskRegression::predictRisk of a cause-specific Cox model for
#                           escalation (covariates) with an intercept-only Cox model for the
#                           competing event (the structure of risk_model("cox")), product limit
#   finegray_spells.csv     finegray() + coxph(ties = "efron") coefficients, SEs, loglik
#   finegray_spells_cif.csv their predicted cumulative incidence (survfit defaults)
#   reverse_km.csv          prodlim's reverse Kaplan-Meier (censoring survival) on 8 rows with
#                           events and censorings tied: events come before censorings
suppressPackageStartupMessages({
  library(survival)
  library(riskRegression)
  library(prodlim)
})
here <- "tests/reference/core"
src <- "tests/reference/survival"
spells <- read.csv(file.path(src, "spells.csv"))
counting <- read.csv(file.path(src, "counting.csv"))
wr <- function(x, name) write.csv(x, file.path(here, name), row.names = FALSE)
tight <- coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100)
f1 <- Surv(duration, event == 1) ~ x1 + x2 + x3
times <- c(5, 20, 60, 100)

# ---- Efron-corrected baseline hazard and predicted survival -------------------------------
models <- list(
  efron = coxph(f1, data = spells, ties = "efron", control = tight),
  weighted_efron = coxph(f1, data = spells, weights = weight, ties = "efron", control = tight),
  strata_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum),
                       data = spells, ties = "efron", control = tight),
  tv_efron = coxph(Surv(start, stop, event) ~ tv + x1, data = counting, ties = "efron",
                   control = tight)
)
base <- do.call(rbind, lapply(names(models), function(m) {
  b <- basehaz(models[[m]], centered = FALSE)
  data.frame(model = m, stratum = if (is.null(b$strata)) "all" else sub("stratum=", "", b$strata),
             time = b$time, cumulative_hazard = b$hazard)
}))
wr(base, "cox_efron_baseline.csv")
profiles <- data.frame(x1 = c(-1, 0, 1.5), x2 = c(0, 1, 1), x3 = c(0, 2, 4), stratum = c(1, 2, 1))
pred <- do.call(rbind, lapply(c("efron", "weighted_efron", "strata_efron"), function(m) {
  fit <- models[[m]]
  do.call(rbind, lapply(1:3, function(j) {
    sf <- survfit(fit, newdata = profiles[j, ])
    s <- summary(sf, times = times, extend = TRUE)
    data.frame(model = m, profile = j - 1, time = times, survival = s$surv)
  }))
}))
wr(pred, "cox_efron_predict.csv")

# ---- risks of a cause-specific Cox model with a null model for the competing event ---------
csc <- CSC(list(Hist(duration, event) ~ x1 + x2 + x3, Hist(duration, event) ~ 1),
           data = spells, ties = "efron", control = tight)
risk_profiles <- data.frame(x1 = c(-2, -1, 0, 1, 2.5), x2 = c(0, 1, 0, 1, 1),
                            x3 = c(0, 1, 2, 3, 5))
risk_times <- c(5, 20, 40, 60, 80)
risk <- predictRisk(csc, newdata = risk_profiles, times = risk_times, cause = 1)
wr(data.frame(profile = rep(seq_len(nrow(risk_profiles)) - 1, times = length(risk_times)),
              time = rep(risk_times, each = nrow(risk_profiles)), risk = as.vector(risk)),
   "predict_risk.csv")
wr(data.frame(term = names(coef(csc$models[[1]])), estimate = unname(coef(csc$models[[1]]))),
   "predict_risk_coefficients.csv")

# ---- Fine-Gray: finegray() + coxph(ties = "efron") on tied whole-week data -----------------
fg_ref <- function(label, weighted) {
  d <- spells
  d$status <- factor(d$event, 0:2, c("censor", "c1", "c2"))
  keep <- c("id", "cluster", "duration", "status", "weight", "x1", "x2", "x3")
  fg <- if (weighted) {
    finegray(Surv(duration, status) ~ ., data = d[, keep], etype = "c1", id = id,
             weights = weight)
  } else {
    finegray(Surv(duration, status) ~ ., data = d[, keep], etype = "c1", id = id)
  }
  fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2 + x3, data = fg, weights = fgwt,
               cluster = cluster, ties = "efron", control = tight)
  coefs <- data.frame(model = label, term = names(coef(fit)), estimate = unname(coef(fit)),
                      std_error = unname(sqrt(diag(vcov(fit)))),
                      naive_std_error = unname(sqrt(diag(fit$naive.var))),
                      loglik = fit$loglik[2], rows = nrow(fg))
  fp <- data.frame(x1 = c(-1, 0, 1.5), x2 = c(0, 1, 0), x3 = c(0.2, 0.5, 0.9))
  s <- summary(survfit(fit, newdata = fp), times = c(10, 30, 60, 90), extend = TRUE)$surv
  cif <- do.call(rbind, lapply(1:3, function(j) {
    data.frame(model = label, profile = j - 1, time = c(10, 30, 60, 90), cif = 1 - s[, j])
  }))
  list(coefs, cif)
}
plain <- fg_ref("finegray", FALSE)
weighted <- fg_ref("finegray_weighted", TRUE)
wr(rbind(plain[[1]], weighted[[1]]), "finegray_spells.csv")
wr(rbind(plain[[2]], weighted[[2]]), "finegray_spells_cif.csv")
# ---- the tie rule of censoring survival: prodlim's reverse Kaplan-Meier ---------------------
tied <- data.frame(time = c(1, 2, 2, 3, 3, 3, 4, 5), status = c(1, 0, 1, 1, 0, 2, 0, 1))
reverse <- prodlim(Hist(time, status != 0) ~ 1, data = tied, reverse = TRUE)
naive <- summary(survfit(Surv(time, status == 0) ~ 1, data = tied), times = 1:5)$surv
wr(data.frame(time = 1:5, censoring_survival = predict(reverse, times = 1:5),
              censoring_as_event = naive), "reverse_km.csv")

cat(sprintf("R %s, survival %s, riskRegression %s\n", getRversion(), packageVersion("survival"),
            packageVersion("riskRegression")))
