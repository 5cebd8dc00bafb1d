# Reference values for escalation.federated.meta from metafor (REML, Hartung-Knapp).
# Run from this folder: Rscript metafor.R  (R 4.2, metafor 3.8-1, metadat).
# Input: meta_input.csv (make_meta_inputs.py) and metadat's dat.bcg (written to
# bcg_input.csv). Output: meta_reference.csv, one row per case, model, quantity and term.
# Fisher scoring is run to a change in tau^2 below 1e-12 (metafor's default stops at 1e-5),
# so the frozen values are the REML optimum to full precision.
suppressMessages(library(metafor))
ctrl <- list(threshold = 1e-12, maxiter = 10000)
d <- read.csv("meta_input.csv")
bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
bcg_in <- data.frame(case = "bcg", study = paste0("T", bcg$trial), yi = as.numeric(bcg$yi),
                     vi = as.numeric(bcg$vi), early_help_rate = NA, deprivation = NA,
                     ablat = bcg$ablat)
write.csv(bcg_in, "bcg_input.csv", row.names = FALSE)

rows <- list()
add <- function(case, model, quantity, term, value) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, model = model, quantity = quantity,
                                          term = term, value = as.numeric(value))
}
record <- function(case, model, fit, newmods = NULL) {
  terms <- rownames(fit$beta)
  terms[terms == "intrcpt"] <- "(Intercept)"  # escalation's name for it (R's lm, glm)
  add(case, model, "estimate", terms, fit$beta)
  add(case, model, "std_error", terms, fit$se)
  add(case, model, "statistic", terms, fit$zval)
  add(case, model, "p_value", terms, fit$pval)
  add(case, model, "conf_low", terms, fit$ci.lb)
  add(case, model, "conf_high", terms, fit$ci.ub)
  for (q in c("tau2", "se.tau2", "I2", "H2", "QE", "QEp", "QM", "QMp", "k", "p")) {
    add(case, model, q, "", fit[[q]])
  }
  pred <- if (is.null(newmods)) predict(fit) else predict(fit, newmods = newmods)
  for (q in c("pred", "se", "ci.lb", "ci.ub", "pi.lb", "pi.ub")) {
    add(case, model, paste0("predict_", q), "", pred[[q]])
  }
}

a <- d[d$case == "authorities", ]
record("authorities", "intercept",
       rma(yi, vi, data = a, method = "REML", test = "knha", control = ctrl))
record("authorities", "offer",
       rma(yi, vi, mods = ~ early_help_rate, data = a, method = "REML", test = "knha",
           control = ctrl), newmods = 0.5)
record("authorities", "offer_deprivation",
       rma(yi, vi, mods = ~ early_help_rate + deprivation, data = a, method = "REML",
           test = "knha", control = ctrl), newmods = c(0.5, 5))
record("authorities", "intercept_z",
       rma(yi, vi, data = a, method = "REML", test = "z", control = ctrl))
record("authorities", "intercept_default_control",
       rma(yi, vi, data = a, method = "REML", test = "knha"))
h <- d[d$case == "homogeneous", ]
record("homogeneous", "intercept",
       rma(yi, vi, data = h, method = "REML", test = "knha", control = ctrl))
o <- d[d$case == "oscillating", ]
# Plain Fisher scoring oscillates with growing steps on these estimates; metafor converges
# with halved steps (stepadj), as escalation halves a step that lowers the likelihood.
record("oscillating", "intercept",
       rma(yi, vi, data = o, method = "REML", test = "knha",
           control = list(threshold = 1e-12, maxiter = 10000, stepadj = 0.5)))
# Large between-authority variance (the escalation review of session 23): tau^2 of about
# 3e4 (estimates in hundreds) and 270 (restricted-mean differences in days). escalation's
# Fisher scoring once stopped on an absolute change in tau^2 and failed on both.
for (case in c("large_scale", "days")) {
  record(case, "intercept", rma(yi, vi, data = d[d$case == case, ], method = "REML",
                                test = "knha", control = ctrl))
}
record("bcg", "intercept", rma(yi, vi, data = bcg_in, method = "REML", test = "knha",
                                control = ctrl))
record("bcg", "ablat", rma(yi, vi, mods = ~ ablat, data = bcg_in, method = "REML",
                            test = "knha", control = ctrl), newmods = 30)
out <- do.call(rbind, rows)
write.csv(out, "meta_reference.csv", row.names = FALSE)
cat(sprintf("metafor %s: wrote %d reference values\n", packageVersion("metafor"), nrow(out)))
