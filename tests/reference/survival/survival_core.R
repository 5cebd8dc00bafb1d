# Reference values for escalation.survival (nonparametric, cox, aft) from R's survival.
# Run from the repository root after make_survival_inputs.py:
#   Rscript tests/reference/survival/survival_core.R
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
rd <- function(name) read.csv(file.path(here, name))
wr <- function(x, name) write.csv(x, file.path(here, name), row.names = FALSE)
spells <- rd("spells.csv")
counting <- rd("counting.csv")
rossi <- rd("rossi.csv")
# the frozen tmerge output of the timeline reference (escalation's own counting data)
tmerge <- read.csv("tests/reference/timeline/counting_tmerge.csv")

# ---- Cox models ---------------------------------------------------------------------------
f1 <- Surv(duration, event == 1) ~ x1 + x2 + x3
models <- list(
  efron = coxph(f1, data = spells, ties = "efron"),
  breslow = coxph(f1, data = spells, ties = "breslow"),
  weighted_cluster_efron = coxph(f1, data = spells, weights = weight, cluster = cluster,
                                 ties = "efron"),
  weighted_cluster_breslow = coxph(f1, data = spells, weights = weight, cluster = cluster,
                                   ties = "breslow"),
  strata_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum),
                       data = spells, ties = "efron"),
  strata_breslow = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum),
                         data = spells, ties = "breslow"),
  tv_efron = coxph(Surv(start, stop, event) ~ tv + x1, data = counting, ties = "efron"),
  tv_breslow = coxph(Surv(start, stop, event) ~ tv + x1, data = counting, ties = "breslow"),
  tv_cluster_efron = coxph(Surv(start, stop, event) ~ tv + x1, data = counting,
                           cluster = id, ties = "efron"),
  tmerge_efron = coxph(Surv(start, stop, event == 1) ~ treatment_tv + early_help_episodes,
                       data = tmerge, cluster = spell_id, ties = "efron"),
  tmerge_breslow = coxph(Surv(start, stop, event == 1) ~ treatment_tv + early_help_episodes,
                         data = tmerge, ties = "breslow"),
  rossi_efron = coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
                      data = rossi, ties = "efron")
)
cox <- do.call(rbind, lapply(names(models), function(m) {
  fit <- models[[m]]
  data.frame(model = m, term = names(coef(fit)), estimate = unname(coef(fit)),
             std_error = sqrt(diag(fit$var)),
             naive_std_error = sqrt(diag(if (is.null(fit$naive.var)) fit$var else fit$naive.var)),
             loglik = fit$loglik[2], n = fit$n, events = fit$nevent)
}))
wr(cox, "cox_reference.csv")

# ---- proportional-hazards tests (survival >= 3: exact score test) -------------------------
zph_models <- c("efron", "breslow", "strata_efron", "tv_efron", "rossi_efron",
                "weighted_cluster_efron")
zph <- do.call(rbind, lapply(zph_models, function(m) {
  do.call(rbind, lapply(c("km", "identity"), function(tr) {
    z <- cox.zph(models[[m]], transform = tr)
    data.frame(model = m, transform = tr, term = rownames(z$table),
               chisq = z$table[, "chisq"], df = z$table[, "df"], p = z$table[, "p"])
  }))
}))
wr(zph, "zph_reference.csv")
resid <- do.call(rbind, lapply(c("efron", "strata_efron", "rossi_efron", "tv_efron"), function(m) {
  z <- cox.zph(models[[m]], transform = "km")
  do.call(rbind, lapply(colnames(z$y), function(v) {
    data.frame(model = m, time = z$time, transformed_time = z$x, covariate = v,
               residual = unname(z$y[, v]))
  }))
}))
wr(resid, "zph_residuals.csv")

# ---- predicted survival for new profiles (Breslow baseline hazard: ctype = 1) -------------
profiles <- data.frame(x1 = c(-1, 0, 1.5), x2 = c(0, 1, 1), x3 = c(0, 2, 4))
pred <- do.call(rbind, lapply(c("efron", "breslow"), function(m) {
  sf <- survfit(models[[m]], newdata = profiles, ctype = 1)
  s <- summary(sf, times = c(5, 20, 60, 100))
  do.call(rbind, lapply(1:3, function(j) {
    data.frame(model = m, profile = j - 1, time = s$time, survival = s$surv[, j])
  }))
}))
wr(pred, "cox_predict.csv")

# ---- Kaplan-Meier and Nelson-Aalen ---------------------------------------------------------
curve <- function(fit, name, conf) {
  s <- summary(fit, censored = FALSE)
  g <- if (is.null(s$strata)) "all" else sub("group=", "", as.character(s$strata))
  data.frame(curve = name, conf_type = conf, group = g, time = s$time, n_risk = s$n.risk,
             n_event = s$n.event, surv = s$surv, std_err = s$std.err, lower = s$lower,
             upper = s$upper, cumhaz = s$cumhaz, std_chaz = s$std.chaz)
}
km <- rbind(
  curve(survfit(Surv(duration, event > 0) ~ 1, data = spells, conf.type = "log"),
        "overall", "log"),
  curve(survfit(Surv(duration, event > 0) ~ 1, data = spells, conf.type = "log-log"),
        "overall", "log-log"),
  curve(survfit(Surv(duration, event > 0) ~ 1, data = spells, conf.type = "plain"),
        "overall", "plain"),
  curve(survfit(Surv(duration, event > 0) ~ 1, data = spells, weights = weight,
                conf.type = "log"), "weighted", "log"),
  curve(survfit(Surv(duration, event > 0) ~ group, data = spells, conf.type = "log-log"),
        "by_group", "log-log")
)
wr(km, "km_reference.csv")

# ---- Aalen-Johansen cumulative incidence ---------------------------------------------------
aj_curve <- function(fit, name) {
  s <- summary(fit, censored = FALSE)
  states <- fit$states
  do.call(rbind, lapply(c("1", "2"), function(k) {
    j <- match(k, states)
    data.frame(curve = name, cause = as.integer(k), time = s$time, estimate = s$pstate[, j],
               std_err = s$std.err[, j], lower = s$lower[, j], upper = s$upper[, j])
  }))
}
spells$status <- factor(spells$event, 0:2, c("censor", "1", "2"))
aj <- rbind(
  aj_curve(survfit(Surv(duration, status) ~ 1, data = spells), "overall"),
  aj_curve(survfit(Surv(duration, status) ~ 1, data = spells, weights = weight), "weighted")
)
wr(aj, "aj_reference.csv")

# ---- log-rank tests ------------------------------------------------------------------------
lr <- function(fit, name) {
  data.frame(test = name, group = sub("group=", "", names(fit$n)), observed =
               if (is.matrix(fit$obs)) rowSums(fit$obs) else fit$obs,
             expected = if (is.matrix(fit$exp)) rowSums(fit$exp) else fit$exp,
             chisq = fit$chisq, df = length(fit$n) - 1,
             p = pchisq(fit$chisq, length(fit$n) - 1, lower.tail = FALSE))
}
logrank <- rbind(
  lr(survdiff(Surv(duration, event == 1) ~ group, data = spells), "plain"),
  lr(survdiff(Surv(duration, event == 1) ~ group + strata(stratum), data = spells), "strata"),
  lr(survdiff(Surv(duration, event == 1) ~ group, data = spells, rho = 1), "rho1"),
  lr(survdiff(Surv(duration, event == 1) ~ group + strata(stratum), data = spells, rho = 0.5),
     "strata_rho05")
)
wr(logrank, "logrank_reference.csv")

# ---- restricted mean survival time ---------------------------------------------------------
rm <- do.call(rbind, lapply(c(30, 80), function(tau) {
  fit <- survfit(Surv(duration, event > 0) ~ group, data = spells)
  tab <- summary(fit, rmean = tau)$table
  data.frame(tau = tau, group = sub("group=", "", rownames(tab)),
             rmst = tab[, "rmean"], std_error = tab[, "se(rmean)"])
}))
wr(rm, "rmst_reference.csv")

# ---- accelerated failure time --------------------------------------------------------------
aft <- do.call(rbind, lapply(c("weibull", "lognormal", "loglogistic"), function(d) {
  fit <- survreg(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells, dist = d)
  v <- vcov(fit)
  est <- c(coef(fit), "log(scale)" = log(fit$scale))
  data.frame(distribution = d, term = names(est), estimate = unname(est),
             std_error = sqrt(diag(v)), loglik = fit$loglik[2])
}))
wr(aft, "aft_reference.csv")
cat("R", R.version$major, R.version$minor, "survival", format(packageVersion("survival")), "\n")

# ---- AFT with cluster-robust variance ---------------------------------------------------
# Note: with case weights survreg's robust variance uses *unweighted* score residuals
# (V sum(s s') V); escalation uses V sum((w s)(w s)') V as coxph does, so only the
# weighted point estimates and the unweighted robust SEs are compared.
aftw <- do.call(rbind, lapply(c("weibull", "lognormal", "loglogistic"), function(d) {
  rbind(
    {
      fit <- survreg(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells, dist = d,
                     weights = weight, cluster = cluster)
      est <- c(coef(fit), "log(scale)" = log(fit$scale))
      data.frame(variant = "weighted_cluster", distribution = d, term = names(est),
                 estimate = unname(est), std_error = sqrt(diag(vcov(fit))),
                 loglik = fit$loglik[2])
    },
    {
      fit <- survreg(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells, dist = d,
                     cluster = cluster)
      est <- c(coef(fit), "log(scale)" = log(fit$scale))
      data.frame(variant = "cluster", distribution = d, term = names(est),
                 estimate = unname(est), std_error = sqrt(diag(vcov(fit))),
                 loglik = fit$loglik[2])
    }
  )
}))
wr(aftw, "aft_cluster_reference.csv")
