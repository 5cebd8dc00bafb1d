# Reference values for the policy stage's ridge-Cox fallback (escalation.policy.rules).
# Run from this folder: Rscript ridge.R  (R 4.x, survival 3.5).
# Input: ridge_data.csv (make_ridge_inputs.py). Output: ridge_reference.csv.
#
# Where the Cox risk model does not converge, the policy stage fits lifelines'
# CoxPHFitter(penalizer = 0.01, l1_ratio = 0): Efron ties, covariates standardised
# (sample SD), penalty n * 0.01 / 2 * sum(beta_std^2). survival::ridge(scale = TRUE)
# penalises theta / 2 * sum(beta^2 * var(x)) = theta / 2 * sum(beta_std^2), so the same
# fit is theta = n * 0.01. Escalation (event 1) is the event; the competing event
# (event 2) and censoring end follow-up without it, as in the risk model's Cox fit.
suppressMessages(library(survival))
d <- read.csv("ridge_data.csv")
penalizer <- 0.01
theta <- nrow(d) * penalizer
fit <- coxph(Surv(duration, event == 1) ~ ridge(x1, x2, flag, theta = theta, scale = TRUE),
             data = d, ties = "efron", control = coxph.control(eps = 1e-10, iter.max = 100))
out <- data.frame(term = c("x1", "x2", "flag"), estimate = unname(coef(fit)),
                  std_error = sqrt(diag(fit$var)), penalizer = penalizer, theta = theta)
write.csv(out, "ridge_reference.csv", row.names = FALSE)
print(out, digits = 10)
