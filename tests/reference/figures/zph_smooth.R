# The smooth and band of survival::plot.cox.zph, frozen for escalation.figures.plot_schoenfeld.
# Run from the repository root: Rscript tests/reference/figures/zph_smooth.R
# R 4.2.2, survival 3.5.3. The Rossi model of ../survival/survival_core.R, cox.zph with its
# default km transform; for every covariate, the smooth exactly as plot.cox.zph computes it
# (df = 4, nsmo = 40: the lines it draws), written out instead of drawn.
suppressPackageStartupMessages({
  library(survival)
  library(splines)
})
here <- "tests/reference/figures"
rossi <- read.csv("tests/reference/survival/rossi.csv")
fit <- coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio,
             data = rossi, ties = "efron")
zph <- cox.zph(fit)  # transform = "km"
df <- 4
nsmo <- 40
xx <- zph$x
pred.x <- seq(from = min(xx), to = max(xx), length = nsmo)
lmat <- ns(c(pred.x, xx), df = df, intercept = TRUE)
pmat <- lmat[1:nsmo, ]
xmat <- lmat[-(1:nsmo), ]
names <- colnames(zph$y)
points <- do.call(rbind, lapply(seq_along(names), function(i) {
  data.frame(covariate = names[i], time = zph$time, x = xx, y = zph$y[, i])
}))
smooth <- do.call(rbind, lapply(seq_along(names), function(i) {
  y <- zph$y[, i]
  qmat <- qr(xmat)
  yhat <- pmat %*% qr.coef(qmat, y)
  bk <- backsolve(qmat$qr[1:df, 1:df], diag(df))
  xtx <- bk %*% t(bk)
  seval <- ((pmat %*% xtx) * pmat) %*% rep(1, df)
  half <- 2 * sqrt(zph$var[i, i] * seval)
  data.frame(covariate = names[i], var = zph$var[i, i], at = pred.x,
             fit = drop(yhat), low = drop(yhat - half), high = drop(yhat + half))
}))
wr <- function(x, f) write.csv(x, file.path(here, f), row.names = FALSE)
wr(points, "zph_smooth_points.csv")
wr(smooth, "zph_smooth_reference.csv")
