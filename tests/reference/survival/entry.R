# Delayed entry (left truncation): survfit(Surv(entry, stop, ...)) for kaplan_meier,
# nelson_aalen and aalen_johansen(entry=). Writes entry_rows.csv (seeded) and
# entry_reference.csv. Run: Rscript tests/reference/survival/entry.R (R 4.2.2, survival 3.5.3)
suppressMessages(library(survival))
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
set.seed(2028)
n <- 240
entry <- ifelse(runif(n) < 0.4, 0, sample(1:30, n, TRUE))
stop <- entry + sample(1:60, n, TRUE)
# ties: some exits on other rows' entry days
event <- sample(0:2, n, TRUE, prob = c(0.4, 0.4, 0.2))
group <- sample(c("a", "b"), n, TRUE)
weight <- round(runif(n, 0.3, 2.5), 2)  # not whole: R's survfit uses the IJ variance
family <- sample(1:90, n, TRUE)
rows <- data.frame(id = 1:n, entry, stop, event, group, weight, family)
write.csv(rows, file.path(here, "entry_rows.csv"), row.names = FALSE)
out <- list()
add <- function(case, fit, kind) {
  s <- summary(fit)
  g <- if (is.null(s$strata)) rep("all", length(s$time)) else sub("group=", "", as.character(s$strata))
  if (kind == "km") {
    out[[length(out) + 1]] <<- data.frame(case, group = g, cause = 0, time = s$time,
      n_risk = s$n.risk, n_event = s$n.event, estimate = s$surv, std_err = s$std.err,
      cumhaz = s$cumhaz, std_chaz = s$std.chaz)
  } else {
    for (k in 1:2) {
      col <- which(s$states == as.character(k))
      out[[length(out) + 1]] <<- data.frame(case, group = g, cause = k, time = s$time,
        n_risk = s$n.risk[, 1], n_event = s$n.event[, col], estimate = s$pstate[, col],
        std_err = s$std.err[, col], cumhaz = NA, std_chaz = NA)
    }
  }
}
add("km_plain", survfit(Surv(entry, stop, event > 0) ~ group, rows), "km")
add("km_overall", survfit(Surv(entry, stop, event > 0) ~ 1, rows), "km")
add("km_weighted", survfit(Surv(entry, stop, event > 0) ~ group, rows, weights = weight), "km")
add("km_cluster", survfit(Surv(entry, stop, event > 0) ~ group, rows, weights = weight,
                          cluster = family), "km")
add("aj_plain", survfit(Surv(entry, stop, factor(event)) ~ group, rows, id = id), "aj")
add("aj_weighted", survfit(Surv(entry, stop, factor(event)) ~ group, rows, id = id,
                           weights = weight), "aj")
add("km_cause1", survfit(Surv(entry, stop, event == 1) ~ group, rows), "km")
# clustered Aalen-Johansen: survival 3.5.3 leaves cluster= out of the multi-state std.err,
# so the per-row influence (influence = TRUE, per unit weight: times the weight) is summed
# by family
fit <- survfit(Surv(entry, stop, factor(event)) ~ group, rows, id = id, weights = weight,
               influence = TRUE)
s <- summary(fit)
for (gi in seq_along(fit$strata)) {
  g <- sub("group=", "", names(fit$strata)[gi])
  keep <- rows$group == g
  first <- if (gi == 1) 0 else sum(fit$strata[1:(gi - 1)])
  at <- first + seq_len(fit$strata[gi])
  events <- rowSums(fit$n.event[at, , drop = FALSE]) > 0
  for (k in 1:2) {
    col <- which(fit$states == as.character(k))
    infl <- fit$influence.pstate[[gi]][, , col] * rows$weight[keep]  # per unit weight
    se <- sqrt(colSums(rowsum(infl, rows$family[keep])^2))
    se <- se[length(se) - rev(seq_along(at)) + 1]  # the first column is the start time
    out[[length(out) + 1]] <- data.frame(case = "aj_cluster", group = g, cause = k,
      time = fit$time[at][events], n_risk = fit$n.risk[at, 1][events],
      n_event = fit$n.event[at, col][events], estimate = fit$pstate[at, col][events],
      std_err = se[events], cumhaz = NA, std_chaz = NA)
  }
}
# read at times (CurveResult.at): before any entry, on entry/exit days, past the end
at <- c(0.5, 5, 20, 45, 80)
for (w in c("plain", "weighted")) {
  fit <- if (w == "plain") survfit(Surv(entry, stop, event > 0) ~ group, rows) else
    survfit(Surv(entry, stop, event > 0) ~ group, rows, weights = weight)
  s <- summary(fit, times = at, extend = TRUE)
  out[[length(out) + 1]] <- data.frame(case = paste0("at_", w),
    group = sub("group=", "", as.character(s$strata)), cause = 0, time = s$time,
    n_risk = s$n.risk, n_event = s$n.event, estimate = s$surv, std_err = s$std.err,
    cumhaz = s$cumhaz, std_chaz = s$std.chaz)
}
ref <- do.call(rbind, out)
write.csv(ref, file.path(here, "entry_reference.csv"), row.names = FALSE)
