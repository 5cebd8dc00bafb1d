# Edge cases of escalation.federated.meta against metafor (REML, Hartung-Knapp; and z).
# Run from this folder: Rscript metafor_edges.R  (R 4.2, metafor 3.8-1).
# Input: meta_edge_input.csv (written by hand): two authorities ("two"); authorities whose
# estimates are identical ("identical", and "identical_zero" at 0), where the
# Hartung-Knapp residual sum of squares is 0, so the standard error is 0 and metafor's
# omnibus test QM is NA (escalation stopped with numpy's "Singular matrix").
# Output: meta_edge_reference.csv, one row per case, test, quantity (NA written as "NA").
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-13, maxiter = 10000)
d <- read.csv("meta_edge_input.csv")
rows <- list()
for (case in unique(d$case)) {
  for (test in c("knha", "z")) {
    fit <- rma(yi, vi, data = d[d$case == case, ], method = "REML", test = test,
               control = ctrl)
    pred <- predict(fit)
    values <- c(estimate = fit$beta[1], std_error = fit$se, statistic = fit$zval,
                p_value = fit$pval, conf_low = fit$ci.lb, conf_high = fit$ci.ub,
                tau2 = fit$tau2, se.tau2 = fit$se.tau2, I2 = fit$I2, H2 = fit$H2,
                QE = fit$QE, QEp = fit$QEp, QM = fit$QM, QMp = fit$QMp,
                pi.lb = pred$pi.lb, pi.ub = pred$pi.ub)
    rows[[length(rows) + 1]] <- data.frame(case = case, test = test,
                                           quantity = names(values),
                                           value = sprintf("%.17g", values))
  }
}
out <- do.call(rbind, rows)
write.csv(out, "meta_edge_reference.csv", row.names = FALSE)
cat(sprintf("metafor %s: wrote %d reference values\n", packageVersion("metafor"), nrow(out)))
