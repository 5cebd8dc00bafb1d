# State occupation from a later start time: survival::survfit(start.time =) on whole-day
# multi-state data where transitions, censorings and delayed entries fall exactly on the
# start times (tests: tests/survival/test_survival_multistate_start.py).
# Run: Rscript tests/reference/survival/multistate_start.R  (R 4.2.2, survival 3.5.3)
suppressPackageStartupMessages(library(survival))
here <- function(f) {
  args <- commandArgs(trailingOnly = FALSE)
  script <- sub("^--file=", "", args[grep("^--file=", args)])
  file.path(dirname(normalizePath(script)), f)
}
S <- c("referral_closed", "cin_plan", "cp_plan", "looked_after")
nxt <- list(c(2, 3), c(3, 4, 1), c(4, 2), c(2))
set.seed(22)
rows <- NULL
for (i in 1:80) {
  t <- if (runif(1) > 0.25) 0 else sample(1:6, 1)  # some delayed entry
  state <- if (runif(1) > 0.2) 1 else 2            # some start in cin_plan
  while (t < 25) {
    stop <- t + sample(1:7, 1)
    if (stop > 25 || runif(1) < 0.15) {
      rows <- rbind(rows, data.frame(spell_id = i, start = t, stop = min(stop, 25),
                                     from_state = S[state], to_state = NA))
      break
    }
    new <- nxt[[state]][sample.int(length(nxt[[state]]), 1)]
    rows <- rbind(rows, data.frame(spell_id = i, start = t, stop = stop,
                                   from_state = S[state], to_state = S[new]))
    t <- stop
    state <- new
    if (state == 4 && runif(1) < 0.5) break
  }
}
write.csv(rows, here("multistate_start_rows.csv"), row.names = FALSE, na = "")
d <- rows
d$to <- factor(ifelse(is.na(d$to_state), "censor", d$to_state), c("censor", S))
d$from <- factor(d$from_state, S)
out <- NULL
for (s in c(0, 5, 5.5, 7)) {
  f <- if (s == 0) {
    survfit(Surv(start, stop, to) ~ 1, data = d, id = spell_id, istate = from,
            influence = TRUE)
  } else {
    survfit(Surv(start, stop, to) ~ 1, data = d, id = spell_id, istate = from,
            start.time = s, influence = TRUE)
  }
  for (j in seq_along(S)) {
    out <- rbind(out, data.frame(start_time = s, time = f$time, state = S[j],
                                 probability = f$pstate[, j], std_error = f$std.err[, j]))
  }
}
write.csv(out, here("multistate_start_reference.csv"), row.names = FALSE)
