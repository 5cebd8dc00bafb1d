# Reference for the Cox models the hub pools from share packs' likelihood profiles:
# R's coxph on the stacked records of the authorities, stratified by authority (and by
# propensity fifth within authority), Efron ties, with the likelihood-ratio interval.
# Run from this folder: Rscript coxph_pooled.R  (R 4.2, survival 3.5-3).
# Input: pooled_spells.csv.gz, the spells of the three simulated authorities of
# tests/federated/federated_support.py (authorities(3, 8_000, 11), cheap_design(); the
# propensity fifths by escalation.federated.pack.propensity_strata within each authority):
# la, duration (days), event (1 = escalation; other codes censor), treatment, ps_stratum.
# Output: coxph_pooled_reference.csv: model, quantity, value.
suppressMessages(library(survival))
d <- read.csv(gzfile("pooled_spells.csv.gz"))
d$escalated <- as.integer(d$event == 1)
models <- list(
  unadjusted = Surv(duration, escalated) ~ treatment + strata(la),
  ps_stratified = Surv(duration, escalated) ~ treatment + strata(la, ps_stratum)
)
ctrl <- coxph.control(eps = 1e-14, toler.chol = 1e-15, iter.max = 100)
rows <- list()
for (name in names(models)) {
  fit <- suppressWarnings(coxph(models[[name]], data = d, ties = "efron", control = ctrl))
  beta <- unname(coef(fit))
  top <- fit$loglik[2]
  # log partial likelihood at a fixed coefficient (no iteration)
  loglik <- function(b) {
    coxph(models[[name]], data = d, ties = "efron", init = b,
          control = coxph.control(iter.max = 0))$loglik[2]
  }
  drop <- qchisq(0.95, 1) / 2
  low <- uniroot(function(b) loglik(b) - (top - drop), c(beta - 1, beta), tol = 1e-13)$root
  high <- uniroot(function(b) loglik(b) - (top - drop), c(beta, beta + 1), tol = 1e-13)$root
  values <- c(estimate = beta, std_error = sqrt(vcov(fit)[1, 1]), lr_low = low,
              lr_high = high, events = fit$nevent, n = fit$n)
  rows[[name]] <- data.frame(model = name, quantity = names(values),
                             value = sprintf("%.17g", values))
}
out <- do.call(rbind, rows)
write.csv(out, "coxph_pooled_reference.csv", row.names = FALSE)
cat(sprintf("survival %s: wrote %d reference values\n", packageVersion("survival"), nrow(out)))
