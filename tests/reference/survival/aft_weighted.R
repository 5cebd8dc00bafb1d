# AFT standard errors with case weights: survreg's robust variance with weights = uses the
# unweighted score residuals (V sum(s s') V; therneau/survival issues #176, #287), so it is
# not the variance of the weighted fit. escalation's weighted sandwich (V sum((w s)(w s)') V,
# as coxph) equals the robust variance of the replicated rows: with integer weights (copies
# = 1 + id %% 3 on spells.csv), survreg on the rows repeated `copies` times, clustered by the
# original row (variant "replicated_id") or by family ("replicated_cluster"); survreg's own
# weighted robust SEs are written beside them ("survreg_weighted_id",
# "survreg_weighted_cluster"), for the record. R 4.2.2, survival 3.5.3. Run from the
# repository root:
#   Rscript tests/reference/survival/aft_weighted.R
# Tests: tests/survival/test_survival_aft.py (1e-6 relative).
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
spells$copies <- 1 + spells$id %% 3
replicated <- spells[rep(seq_len(nrow(spells)), spells$copies), ]
fo <- Surv(duration, event == 1) ~ x1 + x2 + x3
rows <- list()
for (d in c("weibull", "lognormal", "loglogistic")) {
  fits <- list(
    replicated_id = survreg(fo, data = replicated, dist = d, cluster = id),
    replicated_cluster = survreg(fo, data = replicated, dist = d, cluster = cluster),
    survreg_weighted_id = survreg(fo, data = spells, dist = d, weights = copies, cluster = id),
    survreg_weighted_cluster = survreg(fo, data = spells, dist = d, weights = copies,
                                       cluster = cluster)
  )
  for (variant in names(fits)) {
    fit <- fits[[variant]]
    est <- c(coef(fit), "log(scale)" = log(fit$scale))
    rows[[length(rows) + 1]] <- data.frame(
      variant = variant, distribution = d, term = names(est), estimate = unname(est),
      std_error = unname(sqrt(diag(vcov(fit)))))
  }
}
write.csv(do.call(rbind, rows), file.path(here, "aft_weighted_reference.csv"),
          row.names = FALSE)
