# R's timefix (survival::aeqSurv, on by default in survfit, coxph, survdiff and finegray):
# times that differ only by floating-point rounding are one time. The seeded data have
# durations in weeks computed two ways, days / 7 for even rows and days * (1 / 7) for odd
# ones (equal in exact arithmetic, not always in doubles), and delayed entries in weeks
# computed the other way; written with 17 significant digits, so that Python reads the very
# same doubles. The frozen numbers are R's defaults (Cox fits converged to eps = 1e-13); the same fits with timefix = FALSE are
# written beside them (method "*_no_timefix"), as the package gave before it merged
# near-ties. R 4.2.2, survival 3.5.3. Run from the repository root:
#   Rscript tests/reference/survival/timefix.R
# Tests: tests/survival/test_survival_timefix.py (1e-9).
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
set.seed(25)
n <- 80
days <- sample(1:14, n, replace = TRUE)
entry_days <- floor(days / 2)
odd <- seq_len(n) %% 2 == 1
weeks <- ifelse(odd, days * (1 / 7), days / 7)
entry <- ifelse(odd, entry_days / 7, entry_days * (1 / 7))
event <- rbinom(n, 1, 0.7)
cause <- ifelse(event == 1 & seq_len(n) %% 4 == 0, 2, event)
d <- data.frame(id = seq_len(n), duration = weeks, start = entry, event = event,
                cause = cause, x = round(rnorm(n), 3), g = seq_len(n) %% 3)
stopifnot(length(unique(d$duration)) > length(unique(days)))
write.csv(data.frame(lapply(d, function(v) sprintf("%.17g", v))),
          file.path(here, "timefix_data.csv"), row.names = FALSE, quote = FALSE)
d <- read.csv(file.path(here, "timefix_data.csv"))

rows <- list()
add <- function(method, quantity, time, value) {
  rows[[length(rows) + 1]] <<- data.frame(method = method, quantity = quantity,
                                          time = time, value = value)
}
for (fix in c(TRUE, FALSE)) {
  tag <- if (fix) "" else "_no_timefix"
  km <- survfit(Surv(duration, event) ~ 1, data = d, timefix = fix)
  add(paste0("km", tag), "surv", km$time, km$surv)
  add(paste0("km", tag), "std_err", km$time, km$std.err * km$surv)
  aj <- survfit(Surv(duration, factor(cause)) ~ 1, data = d, timefix = fix)
  add(paste0("aj", tag), "cause1", aj$time, aj$pstate[, 2])
  add(paste0("aj", tag), "cause2", aj$time, aj$pstate[, 3])
  # converged far past coxph's default eps = 1e-9, so that 1e-9 compares the times' rule
  control <- coxph.control(timefix = fix, eps = 1e-13, toler.chol = 1e-15, iter.max = 100)
  cox <- coxph(Surv(duration, event) ~ x, data = d, control = control)
  add(paste0("cox", tag), "coef", NA, coef(cox))
  add(paste0("cox", tag), "se", NA, sqrt(vcov(cox))[1, 1])
  cp <- coxph(Surv(start, duration, event) ~ x, data = d[d$start > 0, ], control = control)
  add(paste0("cox_counting", tag), "coef", NA, coef(cp))
  add(paste0("cox_counting", tag), "se", NA, sqrt(vcov(cp))[1, 1])
  if (fix) {  # survdiff(timefix = FALSE) fails in survival 3.5.3 (it reaches model.frame)
    add("logrank", "chisq", NA, survdiff(Surv(duration, event) ~ g, data = d)$chisq)
  }
  d$status <- factor(d$cause, 0:2, c("censor", "c1", "c2"))
  fg <- finegray(Surv(duration, status) ~ ., data = d[, c("id", "duration", "status", "x")],
                 etype = "c1", id = id, timefix = fix)
  fgfit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x, data = fg, weights = fgwt,
                 cluster = id, control = control)
  add(paste0("finegray", tag), "coef", NA, coef(fgfit))
  add(paste0("finegray", tag), "se", NA, sqrt(vcov(fgfit))[1, 1])
}
out <- do.call(rbind, rows)
write.csv(transform(out, value = sprintf("%.17g", value), time = sprintf("%.17g", time)),
          file.path(here, "timefix_reference.csv"), row.names = FALSE, quote = FALSE)
