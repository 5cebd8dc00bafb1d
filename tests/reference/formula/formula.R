# Reference values for escalation's formula interface (tests/formula/test_formula_reference.py).
# Run from the repository root (R 4.2.2, survival 3.5.3):
#   Rscript tests/reference/formula/formula.R
# Inputs are the frozen tests/reference/survival/rossi.csv (lifelines' copy of Rossi et al.'s
# recidivism data, coded 0/1) and tests/reference/causal/nhefs.csv (causaldata's NHEFS).
suppressPackageStartupMessages({
  library(survival)
  library(splines)
})
out <- "tests/reference/formula"

# ---- Rossi, with the factors of carData::Rossi (Fox & Weisberg, Appendix on Cox models) ----
rossi <- read.csv("tests/reference/survival/rossi.csv")
rossi$fin <- factor(rossi$fin, 0:1, c("no", "yes"))
rossi$race <- factor(rossi$race, 0:1, c("black", "other"))
rossi$wexp <- factor(rossi$wexp, 0:1, c("no", "yes"))
rossi$mar <- factor(rossi$mar, 0:1, c("married", "not married"))
rossi$paro <- factor(rossi$paro, 0:1, c("no", "yes"))
rossi$family <- (seq_len(nrow(rossi)) - 1) %/% 3
write.csv(rossi, file.path(out, "rossi_factors.csv"), row.names = FALSE)

models <- list(
  rossi_main = coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
                     data = rossi),
  rossi_formula = coxph(Surv(week, arrest) ~ fin + bs(age, df = 3) + relevel(race, "other") +
                          prio + fin:prio + strata(wexp) + cluster(family), data = rossi),
  rossi_interaction_breslow = coxph(Surv(week, arrest) ~ fin * prio + mar, data = rossi,
                           ties = "breslow")
)

# ---- NHEFS: Hernan & Robins, What If, chapters 12 and 17 -----------------------------------
nhefs <- read.csv("tests/reference/causal/nhefs.csv")
nhefs$survtime <- ifelse(nhefs$death == 0, 120, (nhefs$yrdth - 83) * 12 + nhefs$modth)
nmv <- nhefs[!is.na(nhefs$wt82_71), ]
propensity <- glm(qsmk ~ sex + race + age + I(age^2) + as.factor(education) +
                    smokeintensity + I(smokeintensity^2) + smokeyrs + I(smokeyrs^2) +
                    as.factor(exercise) + as.factor(active) + wt71 + I(wt71^2),
                  family = binomial(), data = nmv)
nhefs_cox <- coxph(Surv(survtime, death) ~ qsmk + sex + race + age + I(age^2) +
                     as.factor(education) + smokeintensity + smokeyrs +
                     as.factor(exercise) + as.factor(active) + wt71, data = nhefs)

rows <- function(model, fit, se) {
  data.frame(model = model, term = names(coef(fit)), estimate = unname(coef(fit)),
             std_error = unname(se))
}
reference <- rbind(
  do.call(rbind, lapply(names(models), function(m) {
    rows(m, models[[m]], sqrt(diag(models[[m]]$var)))
  })),
  rows("nhefs_propensity", propensity, sqrt(diag(vcov(propensity)))),
  rows("nhefs_cox", nhefs_cox, sqrt(diag(nhefs_cox$var)))
)
write.csv(reference, file.path(out, "formula_reference.csv"), row.names = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
