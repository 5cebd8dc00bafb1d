# Reference values for escalation.causal.policy: the value of fixed treatment rules.
# Run from this folder: Rscript policy.R  (R 4.x, riskRegression 2022.11.28).
# Input: ate_data.csv (make_causal_inputs.py). Output: policy_reference.csv.
#
# riskRegression::ate (AIPTW with an AIPCW censoring augmentation; cause-specific Cox
# models with Breslow ties, logistic propensity, Cox censoring model) returns each row's
# influence value for the risk under each arm. With known.nuisance = TRUE these omit the
# nuisance-estimation terms, as escalation does, so each row's augmented score is
# Gamma_i(a) = n * iid_i(a) + F_a. The value of a fixed rule d is then computed by hand:
# V(d) = mean(d * Gamma(1) + (1 - d) * Gamma(0)), SE = sd of the influence values / sqrt(n);
# and the share offered early help who would not have escalated without it,
# mean(d * (1 - Gamma(0))), with its SE.
suppressMessages({library(survival); library(riskRegression); library(prodlim)})
d <- read.csv("ate_data.csv")
d$treatment <- factor(d$treatment)
times <- c(100, 365, 730)
n <- nrow(d)

csc <- CSC(Hist(duration, event) ~ treatment + risk + factor + age, data = d,
           ties = "breslow")
ps <- glm(treatment ~ risk + factor + age, data = d, family = binomial)
cens <- coxph(Surv(duration, event == 0) ~ treatment + risk + factor + age, data = d,
              ties = "breslow", x = TRUE, y = TRUE)
fit <- ate(event = csc, treatment = ps, censor = cens, data = d, times = times, cause = 1,
           estimator = "AIPTW", se = TRUE, iid = TRUE, known.nuisance = TRUE,
           verbose = FALSE)
risk <- as.data.frame(fit$meanRisk)

rules <- list(
  everyone = rep(1, n),
  no_one = rep(0, n),
  risk_above_0 = as.numeric(d$risk > 0),
  top_30_percent_risk = as.numeric(d$risk >= quantile(d$risk, 0.7, type = 1)),
  young_with_factor = as.numeric(d$age < 9 & d$factor == 1)
)
out <- list()
for (k in seq_along(times)) {
  f1 <- risk$estimate[risk$treatment == "1" & risk$time == times[k]]
  f0 <- risk$estimate[risk$treatment == "0" & risk$time == times[k]]
  gamma1 <- n * fit$iid$AIPTW[["1"]][, k] + f1
  gamma0 <- n * fit$iid$AIPTW[["0"]][, k] + f0
  for (name in names(rules)) {
    r <- rules[[name]]
    psi <- r * gamma1 + (1 - r) * gamma0
    value <- mean(psi)
    se <- sqrt(sum((psi - value)^2)) / n
    # Offers to children who would not have escalated without early help: d (1 - Y^0).
    unneeded <- r * (1 - gamma0)
    out[[length(out) + 1]] <- data.frame(rule = name, time = times[k], estimate = value,
                                         std_error = se, flagged = mean(r),
                                         unneeded = mean(unneeded),
                                         unneeded_se = sqrt(sum((unneeded - mean(unneeded))^2)) / n)
  }
}
write.csv(do.call(rbind, out), "policy_reference.csv", row.names = FALSE)
