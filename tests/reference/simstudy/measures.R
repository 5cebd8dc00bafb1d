# Performance measures of a simulation study, by hand from the published formulas:
# Morris, White & Crowther (2019), "Using simulation studies to evaluate statistical methods",
# Statistics in Medicine 38:2074-2102, doi:10.1002/sim.8086, Table 6.
# (rsimsum implements the same formulas but is not packaged in Debian; base R only here.)
#
# Run from the repository root:  Rscript tests/reference/simstudy/measures.R
# Reads estimates.csv, writes measures_r.csv (17 significant digits).

here <- file.path("tests", "reference", "simstudy")
est <- read.csv(file.path(here, "estimates.csv"), stringsAsFactors = FALSE)
alpha <- 0.05
rows <- list()
for (key in unique(paste(est$scenario_id, est$estimator))) {
  d <- est[paste(est$scenario_id, est$estimator) == key, ]
  n <- nrow(d)
  theta <- d$truth[1]
  th <- d$estimate
  v <- d$std_error^2
  tbar <- mean(th)
  bias <- tbar - theta
  bias_mcse <- sqrt(sum((th - tbar)^2) / (n * (n - 1)))
  empse <- sqrt(sum((th - tbar)^2) / (n - 1))
  empse_mcse <- empse / sqrt(2 * (n - 1))
  mse <- sum((th - theta)^2) / n
  mse_mcse <- sqrt(sum(((th - theta)^2 - mse)^2) / (n * (n - 1)))
  modse <- sqrt(sum(v) / n)
  var_v <- sum((v - mean(v))^2) / (n - 1)
  modse_mcse <- sqrt(var_v / (4 * n * modse^2))
  relerr <- 100 * (modse / empse - 1)
  relerr_mcse <- 100 * (modse / empse) * sqrt(var_v / (4 * n * modse^4) + 1 / (2 * (n - 1)))
  cover <- mean(d$conf_low <= theta & theta <= d$conf_high)
  cover_mcse <- sqrt(cover * (1 - cover) / n)
  becover <- mean(d$conf_low <= tbar & tbar <= d$conf_high)
  becover_mcse <- sqrt(becover * (1 - becover) / n)
  power <- mean(d$p_value <= alpha)
  power_mcse <- sqrt(power * (1 - power) / n)
  measure <- c("bias", "empirical_se", "mse", "model_se", "relative_error_model_se",
               "coverage", "bias_eliminated_coverage", "power")
  rows[[key]] <- data.frame(
    scenario_id = d$scenario_id[1], estimator = d$estimator[1], measure = measure,
    estimate = c(bias, empse, mse, modse, relerr, cover, becover, power),
    mcse = c(bias_mcse, empse_mcse, mse_mcse, modse_mcse, relerr_mcse, cover_mcse,
             becover_mcse, power_mcse))
}
out <- do.call(rbind, rows)
out$estimate <- sprintf("%.17g", out$estimate)
out$mcse <- sprintf("%.17g", out$mcse)
write.csv(out, file.path(here, "measures_r.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("%s: %d rows\n", R.version.string, nrow(out)))
