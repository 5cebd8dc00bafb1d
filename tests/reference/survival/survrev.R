# Review references (session 28): cases the other survival references leave untested.
# Run from the repository root:  Rscript tests/reference/survival/survrev.R
# Writes survrev_reference.csv (long: case, term/time, quantity, value). R 4.2.2, survival 3.5.3.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
counting <- read.csv(file.path(here, "counting.csv"))
counting$s2 <- counting$id %% 2
counting$w <- 0.5 + (counting$id %% 3) / 2
counting$fam <- counting$id %/% 3
ctl <- coxph.control(eps = 1e-12, toler.chol = 1e-13)
out <- list()
add <- function(case, key, quantity, value) {
  out[[length(out) + 1]] <<- data.frame(case = case, key = as.character(key),
                                        quantity = quantity, value = unname(value))
}
coefs <- function(case, fit) {
  add(case, names(coef(fit)), "estimate", coef(fit))
  add(case, names(coef(fit)), "std_error", sqrt(diag(vcov(fit))))
  add(case, "model", "loglik", fit$loglik[2])
}

# ---- Cox: (start, stop] rows with strata, case weights and a cluster ---------------------
for (ties in c("efron", "breslow")) {
  fit <- coxph(Surv(start, stop, event) ~ tv + x1 + strata(s2), data = counting,
               weights = w, cluster = fam, ties = ties, control = ctl)
  coefs(paste0("cox_tv_strata_w_", ties), fit)
  add(paste0("cox_tv_strata_w_", ties), names(coef(fit)), "naive_std_error",
      sqrt(diag(fit$naive.var)))
  for (tr in c("km", "identity")) {
    z <- cox.zph(fit, transform = tr)
    add(paste0("zph_tv_strata_w_", ties, "_", tr), rownames(z$table), "chisq",
        z$table[, "chisq"])
  }
  add(paste0("cox_tv_strata_w_", ties), "model", "concordance",
      fit$concordance["concordance"])
}

# ---- Cox: a covariate constant within strata (not estimable: NA) ---------------------------
spells$sc <- 2 * spells$stratum + 1
fit <- coxph(Surv(duration, event == 1) ~ x1 + sc + x2 + strata(stratum), data = spells,
             control = ctl)
coefs("cox_const_in_strata", fit)
z <- cox.zph(fit)
add("zph_const_in_strata", rownames(z$table), "chisq", z$table[, "chisq"])

# ---- Cox: weights + strata + cluster on spells; zph and predicted survival with CI ----------
fit <- coxph(Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum), data = spells,
             weights = weight, cluster = cluster, control = ctl)
coefs("cox_strata_w_cl", fit)
for (tr in c("km", "identity")) {
  z <- cox.zph(fit, transform = tr)
  add(paste0("zph_strata_w_cl_", tr), rownames(z$table), "chisq", z$table[, "chisq"])
}
add("cox_strata_w_cl", "model", "concordance", fit$concordance["concordance"])

# predicted survival, its standard error and log limits (survfit.coxph defaults)
profiles <- data.frame(x1 = c(-1, 0, 1.5), x2 = c(0, 1, 1), x3 = c(0, 2, 4), stratum = c(1, 2, 1))
times <- c(5, 20, 60, 90)
pred_models <- list(
  plain_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells,
                      control = ctl),
  plain_breslow = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells,
                        ties = "breslow", control = ctl),
  strata_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum),
                       data = spells, control = ctl),
  weighted_cluster_efron = coxph(Surv(duration, event == 1) ~ x1 + x2 + x3, data = spells,
                                 weights = weight, cluster = cluster,
                                 control = ctl)
)
pred_models$strata_weighted_cluster_breslow <- coxph(
  Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum), data = spells, weights = weight,
  cluster = cluster, ties = "breslow", control = ctl)
predict_rows <- function(case, fit, newdata, times, conf_type) {
  for (j in seq_len(nrow(newdata))) {
    # one profile at a time: a stratified model gives the curve of the profile's stratum
    s <- summary(survfit(fit, newdata = newdata[j, , drop = FALSE], conf.type = conf_type),
                 times = times, extend = TRUE)
    key <- paste(j - 1, s$time, sep = "@")
    add(case, key, "survival", s$surv)
    add(case, key, "std_err", s$std.err)
    add(case, key, "lower", s$lower)
    add(case, key, "upper", s$upper)
  }
}
for (m in names(pred_models)) {
  for (ct in c("log", "log-log", "plain")) {
    predict_rows(paste0("predict_", m, "_", ct), pred_models[[m]], profiles, times, ct)
  }
}
# (start, stop] rows: strata, weights, a cluster; Efron and Breslow
tv_profiles <- data.frame(tv = c(0, 1, 1), x1 = c(-0.5, 0, 1.2), s2 = c(0, 1, 0))
for (ties in c("efron", "breslow")) {
  fit <- coxph(Surv(start, stop, event) ~ tv + x1 + strata(s2), data = counting, weights = w,
               cluster = fam, ties = ties, control = ctl)
  predict_rows(paste0("predict_tv_strata_w_", ties, "_log"), fit, tv_profiles,
               c(3, 10, 25, 40), "log")
}
# a stratum without events (the first 25 spells moved to stratum 3 and censored): its
# profile's curve stays at 1 (std.err 0) to the stratum's last follow-up (day 60)
no_events <- spells
no_events$stratum[1:25] <- 3
no_events$event[1:25] <- 0
fit <- coxph(Surv(duration, event == 1) ~ x1 + x2 + strata(stratum), data = no_events,
             control = ctl)
predict_rows("predict_stratum_without_events_log", fit,
             data.frame(x1 = c(0, 0), x2 = c(1, 1), stratum = c(3, 1)), c(5, 10, 60), "log")

# a coefficient R reports NA (`early`: its rows leave before the first event;
# ../core/singular.R): survfit holds it at 0 and its variance row at 0
singular <- read.csv("tests/reference/core/singular_data.csv")
fit <- coxph(Surv(time, status) ~ x + early, data = singular, control = ctl)
predict_rows("predict_singular_log", fit, data.frame(x = c(0, 1), early = c(0, 1)),
             c(5, 15, 30), "log")

# ---- quantiles of Kaplan-Meier curves (probs 0.25, 0.5, 0.75) ------------------------------
for (ct in c("log", "log-log", "plain")) {
  fits <- list(
    overall = survfit(Surv(duration, event > 0) ~ 1, data = spells, conf.type = ct),
    weighted = survfit(Surv(duration, event > 0) ~ 1, data = spells, weights = weight,
                       conf.type = ct),
    by_group = survfit(Surv(duration, event > 0) ~ group, data = spells, conf.type = ct)
  )
  for (f in names(fits)) {
    q <- quantile(fits[[f]], probs = c(0.25, 0.5, 0.75))
    grp <- if (is.matrix(q$quantile)) sub("group=", "", rownames(q$quantile)) else "all"
    qq <- function(x) if (is.matrix(x)) x else matrix(x, nrow = 1)
    for (g in seq_along(grp)) {
      for (k in 1:3) {
        key <- paste(grp[g], c(0.25, 0.5, 0.75)[k], sep = "@")
        add(paste0("quantile_", f, "_", ct), key, "quantile", qq(q$quantile)[g, k])
        add(paste0("quantile_", f, "_", ct), key, "lower", qq(q$lower)[g, k])
        add(paste0("quantile_", f, "_", ct), key, "upper", qq(q$upper)[g, k])
      }
    }
  }
}

# ---- Fine-Gray: family clusters, case weights; cmprsk::crr on tied and untied times ------------------
spells$status <- factor(spells$event, 0:2, c("censor", "c1", "c2"))
for (cause in 1:2) {
  fg <- finegray(Surv(duration, status) ~ ., etype = paste0("c", cause), id = id,
                 data = spells[, c("id", "duration", "status", "x1", "x2", "x3", "cluster",
                                   "weight")])
  fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2 + x3, data = fg, weights = fgwt,
               cluster = cluster, control = ctl)
  coefs(paste0("finegray_family_cause", cause), fit)
  fgw <- finegray(Surv(duration, status) ~ ., etype = paste0("c", cause), id = id,
                  weights = weight,
                  data = spells[, c("id", "duration", "status", "x1", "x2", "x3", "cluster",
                                    "weight")])
  fit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ x1 + x2 + x3, data = fgw, weights = fgwt,
               cluster = cluster, control = ctl)
  coefs(paste0("finegray_weighted_family_cause", cause), fit)
  cr <- crr(spells$duration, spells$event, as.matrix(spells[, c("x1", "x2", "x3")]),
            failcode = cause, cencode = 0)
  add(paste0("crr_cause", cause), c("x1", "x2", "x3"), "estimate", cr$coef)
  add(paste0("crr_cause", cause), c("x1", "x2", "x3"), "std_error", sqrt(diag(cr$var)))
  # the same times untied (id * 1e-5 days added): crr equals finegray + coxph there
  cr <- crr(spells$duration + spells$id * 1e-5, spells$event,
            as.matrix(spells[, c("x1", "x2", "x3")]), failcode = cause, cencode = 0)
  add(paste0("crr_untied_cause", cause), c("x1", "x2", "x3"), "estimate", cr$coef)
  add(paste0("crr_untied_cause", cause), c("x1", "x2", "x3"), "std_error", sqrt(diag(cr$var)))
}

# ---- cause-specific Cox per cause, weights and family cluster ------------------------------
for (cause in 1:2) {
  fit <- coxph(Surv(duration, event == cause) ~ x1 + x2 + x3, data = spells, weights = weight,
               cluster = cluster, control = ctl)
  coefs(paste0("cause_specific_w_cl_cause", cause), fit)
}

# ---- Gray's test, strata and two groups with rho = 1 ---------------------------------------
for (cause in 1:2) {
  ci <- cuminc(spells$duration, spells$event, spells$x2, strata = spells$stratum, rho = 1,
               cencode = 0)
  add(paste0("gray_x2_strata_rho1_cause", cause), "test", "statistic",
      ci$Tests[as.character(cause), "stat"])
}

# ---- AFT with family clusters, no weights, lognormal on strata-free data --------------------
for (d in c("weibull", "lognormal", "loglogistic")) {
  fit <- survreg(Surv(duration, event > 0) ~ x1 + x2 + factor(group), data = spells, dist = d,
                 cluster = cluster)
  est <- c(coef(fit), "log(scale)" = log(fit$scale))
  add(paste0("aft_any_cl_", d), names(est), "estimate", est)
  add(paste0("aft_any_cl_", d), names(est), "std_error", sqrt(diag(vcov(fit))))
}

res <- do.call(rbind, out)
write.csv(res, file.path(here, "survrev_reference.csv"), row.names = FALSE)
cat("R", R.version$major, R.version$minor, "survival", format(packageVersion("survival")),
    "cmprsk", format(packageVersion("cmprsk")), "\n")
