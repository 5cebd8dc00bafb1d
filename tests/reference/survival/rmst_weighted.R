# Reference for the restricted mean survival time of weighted curves (weights =), with and
# without clusters. Run from the repository root (spells.csv: make_survival_inputs.py):
#   Rscript tests/reference/survival/rmst_weighted.R
# survfit(weights = ) gives the weighted Kaplan-Meier curve, and the std.err of its
# summary is the infinitesimal jackknife sqrt(sum_i (w_i D_i)^2): influence = TRUE gives
# influence.surv, already w_i D_i (D_i the derivative of S with respect to row i's weight,
# checked below against summary(fit, censored = TRUE)$std.err). print(survfit, rmean = tau)'s
# se(rmean), however, is the Greenwood-style sum over event times of
# A_j^2 d_j / (Y_j (Y_j - d_j)) with the weighted counts, not a variance of the weighted
# curve; it is written as print_se for comparison. The standard error escalation gives a
# weighted RMST (as its weighted curves) integrates each row's influence on the curve to tau,
# I_i = sum_j (min(t_{j+1}, tau) - t_j) D_i(t_j) over the times t_j < tau, and is
# sqrt(sum_i (w_i I_i)^2); with cluster, sqrt(sum_c (sum_{i in c} w_i I_i)^2) (R's
# print ignores cluster too). A
# difference's sums each row's (or cluster's) influence on one group minus that on the
# first group (rows of other groups have none).
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))

row_influence <- function(d, tau) {
  fit <- survfit(Surv(duration, event > 0) ~ 1, data = d, weights = weight, influence = TRUE)
  infl <- fit$influence.surv
  stopifnot(nrow(infl) == nrow(d))
  own <- sqrt(colSums(infl^2))
  stopifnot(max(abs(own - summary(fit, censored = TRUE)$std.err)) < 1e-12)
  ends <- pmin(c(fit$time[-1], Inf), tau)
  width <- pmax(ends - fit$time, 0)
  table <- summary(fit, rmean = tau)$table
  list(rmean = table[["rmean"]], print_se = table[["se(rmean)"]],
       infl = setNames(drop(infl %*% width), d$id))
}
rows <- do.call(rbind, lapply(c(30, 80), function(tau) {
  do.call(rbind, lapply(c("none", "cluster"), function(clustering) {
    parts <- lapply(split(spells, spells$group), row_influence, tau = tau)
    unit <- if (clustering == "none") spells$id else spells$cluster
    ids <- as.character(sort(unique(unit)))
    full <- sapply(parts, function(p) {
      x <- setNames(rep(0, length(ids)), ids)
      by <- rowsum(p$infl, unit[match(names(p$infl), spells$id)])
      x[rownames(by)] <- by[, 1]
      x
    })
    se <- sqrt(colSums(full^2))
    diff_se <- sqrt(colSums((full[, -1, drop = FALSE] - full[, 1])^2))
    rmean <- sapply(parts, `[[`, "rmean")
    print_se <- sapply(parts, `[[`, "print_se")
    data.frame(tau = tau, cluster = clustering,
               term = c(rep("rmst", ncol(full)), rep("difference", ncol(full) - 1)),
               group = c(colnames(full), paste(colnames(full)[-1], "-", colnames(full)[1])),
               estimate = c(rmean, rmean[-1] - rmean[1]), std_error = c(se, diff_se),
               print_se = c(print_se, rep(NA, ncol(full) - 1)))
  }))
}))
# one curve (no group), weighted, not clustered
overall <- lapply(c(30, 80), function(tau) {
  p <- row_influence(spells, tau)
  data.frame(tau = tau, cluster = "none", term = "rmst", group = "all", estimate = p$rmean,
             std_error = sqrt(sum(p$infl^2)), print_se = p$print_se)
})
rows <- rbind(rows, do.call(rbind, overall))
write.csv(rows, file.path(here, "rmst_weighted_reference.csv"), row.names = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
