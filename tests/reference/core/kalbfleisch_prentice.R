# Reference for escalation.core.discrete.kalbfleisch_prentice: R's survfit.coxph with
# stype = 1, ctype = 1 (the Kalbfleisch-Prentice estimator) on tied whole-day data where
# one profile's Breslow increment exceeds 1 at the first event time.
# Run from the repository root: Rscript tests/reference/core/kalbfleisch_prentice.R
library(survival)
set.seed(1)
n <- 300
x <- rnorm(n); z <- rbinom(n, 1, 0.3)
t <- pmin(ceiling(rexp(n, 0.1 * exp(1.2 * x + 0.8 * z))), 15)
e <- as.integer(t < 15)
d <- data.frame(t = t, e = e, x = x, z = z)
write.csv(d, "tests/reference/core/kalbfleisch_prentice_data.csv", row.names = FALSE)
fit <- coxph(Surv(t, e) ~ x + z, data = d, ties = "breslow")
nd <- data.frame(x = c(-1, 0, 2.5), z = c(0, 1, 1))
s <- survfit(fit, newdata = nd, stype = 1, ctype = 1)
out <- data.frame(time = s$time, s$surv)
names(out) <- c("time", "profile_1", "profile_2", "profile_3")
out$beta_x <- coef(fit)[["x"]]
out$beta_z <- coef(fit)[["z"]]
write.csv(format(out, digits = 17), "tests/reference/core/kalbfleisch_prentice_r.csv",
          row.names = FALSE, quote = FALSE)
