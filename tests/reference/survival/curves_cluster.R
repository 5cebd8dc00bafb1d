# Reference for the clustered curves and for curves drawn to the last follow-up time.
# Run from the repository root (spells.csv is written by make_survival_inputs.py):
#   Rscript tests/reference/survival/curves_cluster.R
# survfit(..., cluster = cluster) collapses each row's infinitesimal-jackknife influence by
# cluster (robust = TRUE): var = sum over clusters of (sum of w_i * influence_i)^2.
# Every row of summary(fit, censored = TRUE) is kept, so the last row of each curve is its
# last follow-up time (censored or not), where escalation's curves now end.
# survival 3.5.3's multi-state survfit (Aalen-Johansen) takes cluster= but does not use it
# for std.err (survfitCI passes id, not cluster, to its variance), so the clustered
# Aalen-Johansen rows collapse R's own per-row influence (influence = TRUE, the derivative
# of each state probability with respect to each row's weight) by cluster here:
# std_err = sqrt(sum over clusters of (sum of w_i * influence_i)^2), the same convention
# as R's unclustered weighted std.err (checked below), with survfit's log limits
# p * exp(-/+ z * std_err / p), the upper capped at 1.
# std_err is R's standard error of the survival (KM) or of the state probability (AJ);
# std_chaz that of the cumulative hazard.
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
spells$status <- factor(spells$event, 0:2, c("censor", "1", "2"))
label <- function(s) if (is.null(s$strata)) "all" else sub("group=", "", as.character(s$strata))

km_rows <- function(fit, name) {
  s <- summary(fit, censored = TRUE)
  data.frame(curve = name, group = label(s), cause = NA, time = s$time, n_risk = s$n.risk,
             n_event = s$n.event, estimate = s$surv, std_err = s$std.err, lower = s$lower,
             upper = s$upper, cumhaz = s$cumhaz, std_chaz = s$std.chaz)
}
aj_rows <- function(fit, name) {
  s <- summary(fit, censored = TRUE)
  do.call(rbind, lapply(c("1", "2"), function(k) {
    j <- match(k, fit$states)
    data.frame(curve = name, group = label(s), cause = as.integer(k), time = s$time,
               n_risk = s$n.risk[, 1], n_event = s$n.event[, j], estimate = s$pstate[, j],
               std_err = s$std.err[, j], lower = s$lower[, j], upper = s$upper[, j],
               cumhaz = NA, std_chaz = NA)
  }))
}
aj_cluster_rows <- function(data, name, weighted) {
  do.call(rbind, lapply(split(data, data$group0), function(d) {
    wd <- if (weighted) d$weight else rep(1, nrow(d))
    fit <- survfit(Surv(duration, status) ~ 1, data = d, weights = wd, influence = TRUE)
    s <- summary(fit, censored = TRUE)
    stopifnot(all(s$time == fit$time))
    z <- qnorm(0.975)
    do.call(rbind, lapply(c("1", "2"), function(k) {
      j <- match(k, fit$states)
      infl <- fit$influence.pstate[, -1, j, drop = FALSE][, , 1]
      own <- sqrt(colSums((wd * infl)^2))
      stopifnot(max(abs(own - fit$std.err[, j])) < 1e-12)  # R's unclustered std.err
      se <- sqrt(colSums(rowsum(wd * infl, d$cluster)^2))
      p <- fit$pstate[, j]
      data.frame(curve = name, group = d$group0[1], cause = as.integer(k), time = fit$time,
                 n_risk = fit$n.risk[, 1], n_event = fit$n.event[, j], estimate = p,
                 std_err = se, lower = ifelse(p > 0, p * exp(-z * se / p), NA),
                 upper = ifelse(p > 0, pmin(1, p * exp(z * se / p)), NA),
                 cumhaz = NA, std_chaz = NA)
    }))
  }))
}
out <- rbind(
  km_rows(survfit(Surv(duration, event > 0) ~ 1, data = spells), "km_plain"),
  km_rows(survfit(Surv(duration, event > 0) ~ group, data = spells), "km_plain_by_group"),
  km_rows(survfit(Surv(duration, event > 0) ~ 1, data = spells, cluster = cluster),
          "km_cluster"),
  km_rows(survfit(Surv(duration, event > 0) ~ group, data = spells, cluster = cluster),
          "km_cluster_by_group"),
  km_rows(survfit(Surv(duration, event > 0) ~ 1, data = spells, weights = weight,
                  cluster = cluster), "km_cluster_weighted"),
  aj_rows(survfit(Surv(duration, status) ~ 1, data = spells), "aj_plain"),
  aj_cluster_rows(transform(spells, group0 = "all"), "aj_cluster", FALSE),
  aj_cluster_rows(transform(spells, group0 = group), "aj_cluster_weighted_by_group", TRUE)
)
write.csv(out, file.path(here, "curves_cluster_reference.csv"), row.names = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))

# ---- Cox with a robust variance: R's Wald test (it uses the robust variance) and the
# likelihood-ratio test (which assumes independent rows) -------------------------------------
cox <- list(
  cluster = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells, cluster = cluster),
  weighted_cluster = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells,
                           weights = weight, cluster = cluster),
  # weights without a cluster: the robust variance and score test take each row as its own
  # cluster (escalation's weighted fits always use the robust variance)
  weighted = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells,
                   weights = weight, robust = TRUE)
)
tests <- do.call(rbind, lapply(names(cox), function(m) {
  fit <- cox[[m]]
  lr <- 2 * diff(fit$loglik)
  data.frame(model = m, clusters = if (m == "weighted") NA else length(unique(spells$cluster)),
             wald = unname(fit$wald.test), wald_df = length(coef(fit)),
             lr = lr, robust_score = unname(fit$rscore))
}))
write.csv(tests, file.path(here, "cox_cluster_tests.csv"), row.names = FALSE)

# ---- restricted mean survival time with clusters --------------------------------------------
# print(survfit(..., cluster = ), rmean = tau) ignores cluster (its se(rmean) is the
# unclustered one), so the clustered standard error integrates R's own influence on the
# curve (influence = TRUE, already summed by cluster: rows named by cluster) to tau,
# sum_j (min(t_{j+1}, tau) - t_j) * influence.surv[, j] over the curve's times t_j < tau;
# a difference's uses each cluster's influence on one group minus that on the first group.
rmst_influence <- function(d, tau) {
  fit <- survfit(Surv(duration, event > 0) ~ 1, data = d, cluster = cluster, influence = TRUE)
  ends <- pmin(c(fit$time[-1], Inf), tau)
  width <- pmax(ends - fit$time, 0)
  infl <- fit$influence.surv %*% width
  rmean <- summary(fit, rmean = tau)$table[["rmean"]]
  list(rmean = rmean, infl = setNames(infl[, 1], rownames(fit$influence.surv)))
}
rmst_rows <- do.call(rbind, lapply(c(30, 80), function(tau) {
  parts <- lapply(split(spells, spells$group), rmst_influence, tau = tau)
  ids <- as.character(sort(unique(spells$cluster)))
  full <- sapply(parts, function(p) {
    x <- setNames(rep(0, length(ids)), ids)
    x[names(p$infl)] <- p$infl
    x
  })
  se <- sqrt(colSums(full^2))
  diff_se <- sqrt(colSums((full[, -1, drop = FALSE] - full[, 1])^2))
  rmean <- sapply(parts, `[[`, "rmean")
  data.frame(tau = tau,
             term = c(rep("rmst", ncol(full)), rep("difference", ncol(full) - 1)),
             group = c(colnames(full), paste(colnames(full)[-1], "-", colnames(full)[1])),
             estimate = c(rmean, rmean[-1] - rmean[1]), std_error = c(se, diff_se))
}))
write.csv(rmst_rows, file.path(here, "rmst_cluster_reference.csv"), row.names = FALSE)
