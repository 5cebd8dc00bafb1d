# Reference values for competing-risks regression and multi-state curves.
#
# Inputs are written by make_competing_inputs.py; run from the repository root:
#   .venv/bin/python tests/reference/survival/make_competing_inputs.py
#   Rscript tests/reference/survival/competing.R
# Needs survival, cmprsk, riskRegression (Debian: r-cran-survival, r-cran-cmprsk,
# r-cran-riskregression). Output: competing_*.csv and multistate_*.csv in this folder.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(riskRegression)
})
args <- commandArgs(trailingOnly = FALSE)
here <- dirname(sub("--file=", "", args[grep("--file=", args)]))
path <- function(name) file.path(here, name)
covs <- c("x1", "x2", "x3")
profiles <- data.frame(x1 = c(-1, 0, 1.5), x2 = c(0, 1, 0), x3 = c(0.2, 0.5, 0.9))
times <- c(30, 100, 200, 365, 500)
out_coef <- list()
out_cif <- list()

fg_fit <- function(d, cause, label) {
  d$status <- factor(d$event, 0:2, c("censor", "c1", "c2"))
  fg <- finegray(Surv(time, status) ~ ., data = d[, c("id", "time", "status", covs)],
                 etype = paste0("c", cause), id = id)
  for (ties in c("efron", "breslow")) {
    fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2 + x3, data = fg,
                 weights = fgwt, cluster = id, ties = ties)
    out_coef[[length(out_coef) + 1]] <<- data.frame(
      data = label, cause = cause, method = paste0("finegray_coxph_", ties), term = covs,
      estimate = unname(coef(fit)), std_error = unname(sqrt(diag(vcov(fit)))),
      naive_std_error = unname(sqrt(diag(fit$naive.var))))
    {
      sf <- survfit(fit, newdata = profiles)
      s <- summary(sf, times = times, extend = TRUE)$surv
      for (p in seq_len(nrow(profiles))) {
        out_cif[[length(out_cif) + 1]] <<- data.frame(
          data = label, cause = cause, method = paste0("finegray_coxph_", ties), profile = p,
          time = times, cif = 1 - s[, p])
      }
    }
  }
  fg_rows <- nrow(fg)
  crr_fit <- crr(d$time, d$event, as.matrix(d[, covs]), failcode = cause, cencode = 0)
  out_coef[[length(out_coef) + 1]] <<- data.frame(
    data = label, cause = cause, method = "crr", term = covs,
    estimate = unname(crr_fit$coef), std_error = unname(sqrt(diag(crr_fit$var))),
    naive_std_error = NA)
  pr <- predict(crr_fit, as.matrix(profiles))
  for (p in seq_len(nrow(profiles))) {
    idx <- findInterval(times, pr[, 1])
    val <- ifelse(idx == 0, 0, pr[pmax(idx, 1), p + 1])
    out_cif[[length(out_cif) + 1]] <<- data.frame(
      data = label, cause = cause, method = "crr", profile = p, time = times, cif = val)
  }
  fg_rows
}

cs_fit <- function(d, label) {
  d$status <- d$event
  for (pl in c(TRUE, FALSE)) {
    fit <- CSC(Hist(time, status) ~ x1 + x2 + x3, data = d, ties = "efron")
    for (cause in 1:2) {
      if (pl) {
        cf <- fit$models[[cause]]
        out_coef[[length(out_coef) + 1]] <<- data.frame(
          data = label, cause = cause, method = "cause_specific_coxph", term = covs,
          estimate = unname(coef(cf)), std_error = unname(sqrt(diag(vcov(cf)))),
          naive_std_error = NA)
      }
      risk <- predictRisk(fit, newdata = profiles, times = times, cause = cause,
                          product.limit = pl)
      for (p in seq_len(nrow(profiles))) {
        out_cif[[length(out_cif) + 1]] <<- data.frame(
          data = label, cause = cause,
          method = if (pl) "csc_product_limit" else "csc_exponential",
          profile = p, time = times, cif = risk[p, ])
      }
    }
  }
}

cont <- read.csv(path("competing_continuous.csv"))
ties <- read.csv(path("competing_ties.csv"))
nocomp <- read.csv(path("competing_nocomp.csv"))
rows <- c(continuous = fg_fit(cont, 1, "continuous"))
fg_fit(cont, 2, "continuous")
rows <- c(rows, ties = fg_fit(ties, 1, "ties"))
cs_fit(cont, "continuous")
cs_fit(ties, "ties")
# no competing events: Fine-Gray is the ordinary Cox model
for (tie in c("efron", "breslow")) {
  fit <- coxph(Surv(time, event) ~ x1 + x2 + x3, data = nocomp, ties = tie, robust = TRUE)
  out_coef[[length(out_coef) + 1]] <- data.frame(
    data = "nocomp", cause = 1, method = paste0("coxph_", tie), term = covs,
    estimate = unname(coef(fit)), std_error = unname(sqrt(diag(vcov(fit)))),
    naive_std_error = unname(sqrt(diag(fit$naive.var))))
}
# case weights (e.g. inverse probability weights), robust variance by subject
tie_w <- ties
tie_w$status <- factor(tie_w$event, 0:2, c("censor", "c1", "c2"))
fgw <- finegray(Surv(time, status) ~ ., data = tie_w[, c("id", "time", "status", "w", covs)],
                etype = "c1", id = id, weights = w)
fitw <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2 + x3, data = fgw, weights = fgwt,
              cluster = id)
out_coef[[length(out_coef) + 1]] <- data.frame(
  data = "ties", cause = 1, method = "finegray_coxph_efron_weighted", term = covs,
  estimate = unname(coef(fitw)), std_error = unname(sqrt(diag(vcov(fitw)))),
  naive_std_error = unname(sqrt(diag(fitw$naive.var))))
for (cause in 1:2) {
  fitc <- coxph(Surv(time, event == cause) ~ x1 + x2 + x3, data = ties, weights = w,
                cluster = id)
  out_coef[[length(out_coef) + 1]] <- data.frame(
    data = "ties", cause = cause, method = "cause_specific_coxph_weighted", term = covs,
    estimate = unname(coef(fitc)), std_error = unname(sqrt(diag(vcov(fitc)))),
    naive_std_error = unname(sqrt(diag(fitc$naive.var))))
}
write.csv(do.call(rbind, out_coef), path("competing_coefficients.csv"), row.names = FALSE)
write.csv(do.call(rbind, out_cif), path("competing_cif.csv"), row.names = FALSE)
write.csv(data.frame(data = names(rows), finegray_rows = unname(rows)),
          path("competing_finegray_rows.csv"), row.names = FALSE)

# Multi-state Aalen-Johansen: survfit with a multi-state factor, id and istate
ms <- read.csv(path("multistate_rows.csv"))
lev <- c("referral_closed", "cin_plan", "cp_plan", "looked_after", "death")
ms$to <- factor(ifelse(ms$to_state == 0, "censor", lev[ms$to_state + 1]),
                levels = c("censor", lev[-1]))
ms$from <- factor(lev[ms$from_state + 1], levels = lev)
sf <- survfit(Surv(start, stop, to) ~ 1, data = ms, id = id, istate = from)
states <- sf$states
states[states == "(s0)"] <- "referral_closed"
long <- data.frame(time = rep(sf$time, length(states)),
                   state = rep(states, each = length(sf$time)),
                   probability = c(sf$pstate),
                   std_error = c(sf$std.err),
                   conf_low = c(sf$lower),
                   conf_high = c(sf$upper))
write.csv(long, path("multistate_pstate.csv"), row.names = FALSE)
# transition probabilities P(s, t) from state referral_closed and cin_plan at s = 100
sf100 <- survfit(Surv(start, stop, to) ~ 1, data = ms, id = id, istate = from,
                 start.time = 100)
st <- sf100$states
write.csv(data.frame(time = rep(sf100$time, length(st)),
                     state = rep(st, each = length(sf100$time)),
                     probability = c(sf100$pstate)),
          path("multistate_pstate_from100.csv"), row.names = FALSE)
cat("done\n")
