# Reference values for escalation.causal from riskRegression::ate and survival.
# Run from this folder: Rscript riskregression.R  (R 4.x, riskRegression 2022.11.28).
# Input: ate_data.csv (make_causal_inputs.py). Output: ate_reference.csv, cox_reference.csv,
# ipw_aj_reference.csv.
suppressMessages({library(survival); library(riskRegression); library(prodlim)})
d <- read.csv("ate_data.csv")
d$treatment <- factor(d$treatment)
times <- c(100, 365, 730)

# Cause-specific Cox (Breslow ties) as used by the g-formula.
cox1 <- coxph(Surv(duration, event == 1) ~ treatment + risk + factor + age, data = d,
              ties = "breslow")
cox2 <- coxph(Surv(duration, event == 2) ~ treatment + risk + factor + age, data = d,
              ties = "breslow")
write.csv(data.frame(model = rep(c("cause1", "cause2"), each = 4),
                     term = c(names(coef(cox1)), names(coef(cox2))),
                     estimate = c(coef(cox1), coef(cox2))),
          "cox_reference.csv", row.names = FALSE)

csc <- CSC(Hist(duration, event) ~ treatment + risk + factor + age, data = d,
           ties = "breslow")
ps <- glm(treatment ~ risk + factor + age, data = d, family = binomial)
cens <- coxph(Surv(duration, event == 0) ~ treatment + risk + factor + age, data = d,
              ties = "breslow", x = TRUE, y = TRUE)
fit <- ate(event = csc, treatment = ps, censor = cens, data = d, times = times, cause = 1,
           estimator = c("GFORMULA", "IPTW", "AIPTW"), se = TRUE, verbose = FALSE)
risk <- as.data.frame(fit$meanRisk)
diff <- as.data.frame(fit$diffRisk)
out <- rbind(
  data.frame(estimator = risk$estimator, time = risk$time,
             estimand = ifelse(risk$treatment == "1", "risk_treated", "risk_untreated"),
             estimate = risk$estimate, std_error = risk$se),
  data.frame(estimator = diff$estimator, time = diff$time, estimand = "risk_difference",
             estimate = diff$estimate, std_error = diff$se)
)
write.csv(out, "ate_reference.csv", row.names = FALSE)

# IP-weighted Aalen-Johansen (unstabilised ATE weights from the same glm).
e <- fitted(ps)
d$w <- ifelse(d$treatment == "1", 1 / e, 1 / (1 - e))
aj <- survfit(Surv(duration, factor(event)) ~ treatment, data = d, weights = w)
s <- summary(aj, times = times)
col <- which(s$states == "1")
write.csv(data.frame(treatment = sub("treatment=", "", s$strata), time = s$time,
                     risk = s$pstate[, col]),
          "ipw_aj_reference.csv", row.names = FALSE)
