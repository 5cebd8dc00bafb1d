# Reference Harrell's C and Cox risk-model coefficients with near-tied times, R's way.
#
# Run from the repository root:
#   Rscript tests/reference/predict/concordance.R
# Makes 300 spells (seeded): whole days 1..400 (many ties), weeks computed as days / 7 on
# even rows and days * (1 / 7) on odd rows (equal in exact arithmetic, but for many days
# one unit in the last place apart in floating point), event 0 censored / 1 escalation /
# 2 death, a risk score rounded to 0.1 (many ties) and two covariates. Writes
#   concordance_data.csv  days, form (0: days / 7, 1: days * (1 / 7)), event, risk, x1, x2
#                         (weeks are recomputed from days and form: no digits lost)
#   concordance_r.csv     survival::concordance(Surv(weeks, event == 1) ~ risk,
#                         reverse = TRUE, timewt = "n"): the pair counts and C (ties in risk
#                         count 1/2; deaths censored), and coxph(Surv(weeks, event == 1) ~
#                         x1 + x2, ties = "efron") coefficients, on weeks (timefix = TRUE,
#                         R's default: near-tied weeks are one time) and on days
# R 4.2.2, survival 3.5.3.
suppressPackageStartupMessages(library(survival))
here <- file.path("tests", "reference", "predict")
set.seed(2026)
n <- 300
days <- sample(1:400, n, replace = TRUE)
form <- rep(0:1, length.out = n)
weeks <- ifelse(form == 0, days / 7, days * (1 / 7))
event <- sample(0:2, n, replace = TRUE, prob = c(0.5, 0.4, 0.1))
x1 <- rbinom(n, 1, 0.4)
x2 <- round(rnorm(n), 2)
risk <- round(plogis(-1 + 0.8 * x1 + 0.5 * x2 + rnorm(n, sd = 0.5)), 1)
write.csv(data.frame(days, form, event, risk, x1, x2), file.path(here, "concordance_data.csv"),
          row.names = FALSE)
near <- sum(weeks != days / 7)
c_weeks <- concordance(Surv(weeks, event == 1) ~ risk, reverse = TRUE, timewt = "n")
c_days <- concordance(Surv(days, event == 1) ~ risk, reverse = TRUE, timewt = "n")
tight <- coxph.control(eps = 1e-12, toler.chol = 1e-13, iter.max = 100)
cox_weeks <- coxph(Surv(weeks, event == 1) ~ x1 + x2, ties = "efron", control = tight)
cox_days <- coxph(Surv(days, event == 1) ~ x1 + x2, ties = "efron", control = tight)
rows <- rbind(
  data.frame(scale = "weeks", quantity = c(names(c_weeks$count), "concordance"),
             value = c(unname(c_weeks$count), c_weeks$concordance)),
  data.frame(scale = "days", quantity = c(names(c_days$count), "concordance"),
             value = c(unname(c_days$count), c_days$concordance)),
  data.frame(scale = "weeks", quantity = paste0("coef_", names(coef(cox_weeks))),
             value = unname(coef(cox_weeks))),
  data.frame(scale = "days", quantity = paste0("coef_", names(coef(cox_days))),
             value = unname(coef(cox_days))),
  data.frame(scale = "weeks", quantity = "near_ties", value = near)
)
write.csv(rows, file.path(here, "concordance_r.csv"), row.names = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
print(rows, digits = 15)
