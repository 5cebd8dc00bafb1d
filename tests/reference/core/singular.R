# Reference for the singularity and separation rules of escalation.core.newton: R's coxph
# and glm on a small data set with a covariate the likelihood does not depend on and a
# separated one.
#   early  1 only for the two spells that end (censored) before the first event: they are
#          in no risk set at an event time, so the partial likelihood does not depend on
#          its coefficient. coxph reports it NA ("X matrix deemed to be singular").
#   flag   1 for eight spells, none with an event: the partial likelihood is monotone in
#          its coefficient. coxph stops with "Loglik converged before variable 3;
#          coefficient may be infinite" (flag near -19.6). In glm of y ~ x + x2 + flag no
#          flagged row has y = 1: glm stops its IRLS with flag near -22 (its fitted
#          probabilities are not below 1e-15, so without its "fitted probabilities
#          numerically 0 or 1" warning).
#   x2     2 * x in glm: aliased, reported NA ("not defined because of singularities").
# The messages R gives are printed; singular_r.csv holds the estimates (NA: not
# estimated) and log-likelihoods.
# What a user sees (fit_cox's tidy() and ph_test()): singular_coef.csv holds summary(coxph)'s
# coefficient table of y ~ x + early and of y ~ x + g (g a factor whose level "a" is the
# early rows: gc is then aliased among the rows that count, and NA), and singular_zph.csv
# holds cox.zph of both (km and identity transforms), which leaves the NA coefficients out.
# Run from the repository root: Rscript tests/reference/core/singular.R
# R 4.2.2, survival 3.5.3.
library(survival)
set.seed(7)
n <- 40
x <- round(rnorm(n), 4)
time <- 1:n
early <- as.integer(time <= 2)
flag <- as.integer(time %% 5 == 0)
status <- as.integer(time > 2 & flag == 0 & runif(n) < 0.7)
y <- as.integer(flag == 0 & (x + rnorm(n)) > 0)
d <- data.frame(time = time, status = status, x = x, early = early, flag = flag, y = y)
write.csv(d, "tests/reference/core/singular_data.csv", row.names = FALSE)
rows <- list()
for (ties in c("breslow", "efron")) {
  fit <- withCallingHandlers(
    coxph(Surv(time, status) ~ x + early + flag, data = d, ties = ties),
    warning = function(w) {
      message("coxph (", ties, "): ", conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  rows[[ties]] <- data.frame(
    model = paste0("coxph_", ties), term = names(coef(fit)), estimate = unname(coef(fit)),
    loglik = fit$loglik[2]
  )
}
d$x2 <- 2 * d$x
lfit <- withCallingHandlers(
  glm(y ~ x + x2 + flag, family = binomial, data = d),
  warning = function(w) {
    message("glm: ", conditionMessage(w))
    invokeRestart("muffleWarning")
  }
)
rows[["glm"]] <- data.frame(
  model = "glm", term = names(coef(lfit)), estimate = unname(coef(lfit)),
  loglik = as.numeric(logLik(lfit))
)
out <- do.call(rbind, rows)
write.csv(format(out, digits = 17), "tests/reference/core/singular_r.csv",
          row.names = FALSE, quote = FALSE)

# The user-facing tables: summary(coxph) (NA coefficients) and cox.zph (NA ones left out).
d$g <- factor(ifelse(d$early == 1, "a", ifelse(d$time %% 3 == 0, "b", "c")))
models <- list(x_early = Surv(time, status) ~ x + early, x_g = Surv(time, status) ~ x + g)
coefs <- list()
zph <- list()
for (m in names(models)) {
  fit <- coxph(models[[m]], data = d)
  s <- summary(fit)$coefficients
  coefs[[m]] <- data.frame(
    model = m, term = rownames(s), estimate = s[, "coef"], std_error = s[, "se(coef)"],
    p_value = s[, "Pr(>|z|)"]
  )
  for (transform in c("km", "identity")) {
    z <- cox.zph(fit, transform = transform)
    print(z)
    zph[[paste(m, transform)]] <- data.frame(
      model = m, transform = transform, term = rownames(z$table),
      statistic = z$table[, "chisq"], df = z$table[, "df"], p_value = z$table[, "p"]
    )
  }
}
write.csv(format(do.call(rbind, coefs), digits = 17), "tests/reference/core/singular_coef.csv",
          row.names = FALSE, quote = FALSE)
write.csv(format(do.call(rbind, zph), digits = 17), "tests/reference/core/singular_zph.csv",
          row.names = FALSE, quote = FALSE)
