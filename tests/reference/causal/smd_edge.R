# Reference SMDs of Table 1 where they are infinite or not defined
# (tests/causal/test_causal_tableone_smd_edges.py).
#
# R's tableone is not installed (not packaged for Debian): its two SMD functions,
# StdDiff (numeric) and StdDiffMulti / StdDiffFromLstMeans (categorical, yes/no), are
# written out below as tableone 0.13's modules-smd.R has them (Yoshida), with MASS::ginv,
# the NA-only-stratum rule (na.rm turned off) and the guard "if S is a zero matrix ... Such
# a case should be NaN". The same formulas the review's p15_ref.R wrote by hand.
#
# Run from the repository root (R 4.2.2, MASS):
#   Rscript tests/reference/causal/smd_edge.R
# Writes smd_edge_data.csv (case, kind, treatment, value) and smd_edge_reference.csv
# (case, smd; NaN, NA and Inf as R writes them).
suppressPackageStartupMessages(library(MASS))
out <- "tests/reference/causal"

std_diff <- function(variable, group) {
  all_na <- tapply(variable, group, function(v) all(is.na(v)))
  na_rm <- !any(all_na)
  means <- tapply(variable, group, mean, na.rm = na_rm)
  vars <- tapply(variable, group, var, na.rm = na_rm)
  out <- outer(means, means, "-") / sqrt(outer(vars, vars, "+") / 2)
  abs(out[lower.tri(out)])
}

multinomial_var <- function(p) {
  covs <- -outer(p, p)
  diag(covs) <- p * (1 - p)
  drop(covs)
}

std_diff_multi <- function(variable, group) {
  tab <- prop.table(table(group, variable), margin = 1)
  if (ncol(tab) > 1) tab <- tab[, -1, drop = FALSE]
  p <- lapply(seq_len(nrow(tab)), function(i) tab[i, ])
  d <- p[[1]] - p[[2]]
  s <- (multinomial_var(p[[1]]) + multinomial_var(p[[2]])) / 2
  if (all(s[!is.na(s)] %in% 0)) return(NaN)
  sqrt(drop(t(d) %*% ginv(as.matrix(s)) %*% d))
}

set.seed(20261207)
cases <- list(
  # numeric: arms constant at different values (the review's p15: IMD 2 against 9)
  separated_numeric = list("numeric", rep(2, 50), rep(9, 50)),
  # numeric: an arm of one child (var is NA)
  one_child_numeric = list("numeric", 15, c(1, 2, 3)),
  # numeric: no value recorded in an arm
  all_missing_numeric = list("numeric", rep(NA, 5), c(1, 2, 3, 4, 5)),
  # numeric: both arms the same constant (0 / 0)
  same_constant_numeric = list("numeric", rep(4, 6), rep(4, 8)),
  # numeric: an ordinary case, as a check the two agree where the SMD is defined
  ordinary_numeric = list("numeric", round(rnorm(30, 8, 4), 1), round(rnorm(40, 7, 3), 1)),
  # yes/no: every treated child has the flag, no untreated child (p15's factor 3A)
  separated_flag = list("flag", rep(1, 50), rep(0, 50)),
  # yes/no: an ordinary case
  ordinary_flag = list("flag", rep(c(1, 0, 0), 10), rep(c(1, 0), 20)),
  # categorical: every treated child female, every untreated male (p15's sex)
  separated_levels = list("levels", rep("F", 50), rep("M", 50)),
  # categorical: no value recorded in an arm
  all_missing_levels = list("levels", rep(NA, 5), c("F", "M", "M", "F", "F")),
  # categorical: three levels, an ordinary case
  ordinary_levels = list("levels", rep(c("N1", "N2", "N4", "N1"), 10), rep(c("N2", "N4", "N4"), 12))
)

data <- do.call(rbind, lapply(names(cases), function(name) {
  case <- cases[[name]]
  data.frame(case = name, kind = case[[1]],
             treatment = c(rep(1, length(case[[2]])), rep(0, length(case[[3]]))),
             value = c(as.character(case[[2]]), as.character(case[[3]])))
}))
reference <- data.frame(case = names(cases), smd = sapply(names(cases), function(name) {
  rows <- data[data$case == name, ]
  if (cases[[name]][[1]] == "numeric") {
    std_diff(as.numeric(rows$value), rows$treatment)
  } else {
    std_diff_multi(rows$value, rows$treatment)
  }
}))
write.csv(data, file.path(out, "smd_edge_data.csv"), row.names = FALSE)
write.csv(reference, file.path(out, "smd_edge_reference.csv"), row.names = FALSE)
