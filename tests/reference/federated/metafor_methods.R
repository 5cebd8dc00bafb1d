# DerSimonian-Laird and fixed (common) effect meta-analysis against metafor (session 28).
# Run from this folder: Rscript metafor_methods.R  (R 4.2, metafor 3.8-1).
# Inputs: meta_input.csv (authorities, homogeneous) and bcg_input.csv (written by
# metafor.R). rma(method = "DL" / "FE", test = "knha" / "z"), with and without moderators,
# and predict(). Homogeneous estimates: the DL estimate of tau^2 is negative, truncated at 0.
# metafor warns that Hartung-Knapp "is not meant to be used" with FE models; it computes it
# all the same (s2w = the weighted residual sum of squares over k - p), as escalation.
# Output: meta_methods_reference.csv: case, model, method, test, quantity, term, value
# (17 significant digits; NA written as "NA"). predict() of an FE model gives no prediction
# interval (pi.lb, pi.ub: NA here); escalation gives NaN there.
suppressMessages(library(metafor))
d <- read.csv("meta_input.csv")
bcg <- read.csv("bcg_input.csv")
rows <- list()
add <- function(key, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(key, quantity = quantity, term = term,
                                          value = sprintf("%.17g", as.numeric(value)))
  # (predict() of an FE model has no pi.lb, pi.ub: NULL, written as NA)
}
record <- function(key, fit, newmods = NULL) {
  terms <- rownames(fit$beta)
  terms[terms == "intrcpt"] <- "(Intercept)"
  add(key, "estimate", terms, fit$beta)
  add(key, "std_error", terms, fit$se)
  add(key, "statistic", terms, fit$zval)
  add(key, "p_value", terms, fit$pval)
  add(key, "conf_low", terms, fit$ci.lb)
  add(key, "conf_high", terms, fit$ci.ub)
  for (q in c("tau2", "se.tau2", "I2", "H2", "QE", "QEp", "QM", "QMp", "k", "p")) {
    add(key, q, "", if (is.null(fit[[q]])) NA else fit[[q]])
  }
  pred <- if (is.null(newmods)) predict(fit) else predict(fit, newmods = newmods)
  for (q in c("pred", "se", "ci.lb", "ci.ub", "pi.lb", "pi.ub")) {
    add(key, paste0("predict_", q), "", if (is.null(pred[[q]])) NA else pred[[q]])
  }
}
models <- list(
  list("authorities", "intercept", NULL, NULL),
  list("authorities", "offer", ~ early_help_rate, 0.5),
  list("authorities", "offer_deprivation", ~ early_help_rate + deprivation, c(0.5, 5)),
  list("homogeneous", "intercept", NULL, NULL),
  list("bcg", "intercept", NULL, NULL),
  list("bcg", "ablat", ~ ablat, 30)
)
for (m in models) {
  data <- if (m[[1]] == "bcg") bcg else d[d$case == m[[1]], ]
  for (method in c("DL", "FE")) {
    for (test in c("knha", "z")) {
      fit <- suppressWarnings(
        if (is.null(m[[3]])) rma(yi, vi, data = data, method = method, test = test)
        else rma(yi, vi, mods = m[[3]], data = data, method = method, test = test))
      key <- data.frame(case = m[[1]], model = m[[2]], method = method, test = test)
      record(key, fit, m[[4]])
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, "meta_methods_reference.csv", row.names = FALSE)
cat(sprintf("metafor %s: wrote %d reference values\n", packageVersion("metafor"), nrow(out)))
