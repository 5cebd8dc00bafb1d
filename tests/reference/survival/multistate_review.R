# Multi-state Aalen-Johansen against survival::survfit on seeded pathway rows with delayed
# entry, spells starting in a later state, moves back, deaths, and transitions, censorings
# and entries tied on whole days; families as clusters
# (tests: tests/survival/test_survival_multistate_review.py).
# Run: Rscript tests/reference/survival/multistate_review.R  (R 4.2.2, survival 3.5.3)
suppressPackageStartupMessages(library(survival))
here <- function(f) {
  args <- commandArgs(trailingOnly = FALSE)
  script <- sub("^--file=", "", args[grep("^--file=", args)])
  file.path(dirname(normalizePath(script)), f)
}
S <- c("referral_closed", "cin_plan", "cp_plan", "looked_after", "death")
# moves from each state (death absorbing); cin_plan -> referral_closed is a move back
nxt <- list(c(2, 3, 5), c(3, 4, 1, 5), c(4, 2, 5), c(5))
set.seed(27)
rows <- NULL
family <- sample(1:110, 300, replace = TRUE)
for (i in 1:300) {
  t <- if (runif(1) > 0.2) 0 else sample(1:8, 1)               # delayed entry
  state <- sample(1:3, 1, prob = c(0.8, 0.15, 0.05))          # some start later on
  repeat {
    stop <- t + sample(1:9, 1)
    if (stop >= 60 || runif(1) < 0.12) {                      # censored
      rows <- rbind(rows, data.frame(spell_id = i, family = family[i], start = t,
                                     stop = min(stop, 60), from_state = S[state],
                                     to_state = NA))
      break
    }
    new <- nxt[[state]][sample.int(length(nxt[[state]]), 1)]
    rows <- rbind(rows, data.frame(spell_id = i, family = family[i], start = t, stop = stop,
                                   from_state = S[state], to_state = S[new]))
    t <- stop
    state <- new
    if (state == 5) break
  }
}
write.csv(rows, here("multistate_review_rows.csv"), row.names = FALSE, na = "")
d <- rows
d$to <- factor(ifelse(is.na(d$to_state), "censor", d$to_state), c("censor", S))
d$from <- factor(d$from_state, S)
check <- survcheck(Surv(start, stop, to) ~ 1, data = d, id = spell_id, istate = from)
stopifnot(all(check$flag == 0))
# ties: days with both a move and a censoring
moves <- d$stop[d$to != "censor"]
censored <- d$stop[d$to == "censor"]
stopifnot(length(intersect(moves, censored)) > 10)

fit <- function(s, p0 = NULL) {
  args <- list(Surv(start, stop, to) ~ 1, data = d, id = d$spell_id, istate = d$from,
               influence = TRUE)
  if (s > 0) args$start.time <- s
  if (!is.null(p0)) args$p0 <- p0
  do.call(survfit, args)
}
out <- NULL
add <- function(quantity, s, time, from, to, value) {
  out <<- rbind(out, data.frame(quantity = quantity, start_time = s, time = time,
                                from_state = from, to_state = to, value = value))
}
for (s in c(0, 10, 10.5)) {
  f <- fit(s)
  # influence.pstate: (spells, times, states) with the spells in order of spell_id;
  # summed over a family's spells for the clustered standard error
  inf <- f$influence.pstate
  stopifnot(dim(inf)[2] == length(f$time) + 1)
  ids <- as.numeric(dimnames(inf)[[1]])
  stopifnot(!anyNA(ids), length(ids) == dim(inf)[1])
  fam <- rows$family[match(ids, rows$spell_id)]
  for (j in seq_along(S)) {
    add("probability", s, f$time, NA, S[j], f$pstate[, j])
    add("std_error", s, f$time, NA, S[j], f$std.err[, j])
    stopifnot(all.equal(sqrt(colSums(inf[, -1, j]^2)), f$std.err[, j], tolerance = 1e-12))
    by_family <- rowsum(inf[, -1, j], fam)  # the first column is the start
    add("std_error_family", s, f$time, NA, S[j], sqrt(colSums(by_family^2)))
  }
  if (s %in% c(0, 10)) {
    # cumulative transition hazards (Nelson-Aalen) from s; columns "h.j" name the states
    for (k in seq_len(ncol(f$cumhaz))) {
      hj <- as.integer(strsplit(colnames(f$cumhaz)[k], ".", fixed = TRUE)[[1]])
      add("cumulative_hazard", s, f$time, S[hj[1]], S[hj[2]], f$cumhaz[, k])
    }
  }
}
# P(s, t) over (s, t]: survfit(start.time = s, p0 = e_h) for s not a transition time
# (10.5; on whole days the same product as over (10, t])
for (h in 1:4) {
  f <- fit(10.5, p0 = replace(numeric(5), h, 1))
  for (j in seq_along(S)) add("transition_probability", 10.5, f$time, S[h], S[j], f$pstate[, j])
}
write.csv(out, here("multistate_review_reference.csv"), row.names = FALSE, na = "")
