# Reference weighted SMD of Table 1 with some weights 0
# (tests/causal/test_causal_tableone_zero_weights.py).
#
# tableone::svyCreateTableOne takes its variances from survey::svyvar, which (survey's
# svyvar.survey.design) scales the weighted variance by n / (n - 1) with
#   n <- sum(weights(design, "sampling") != 0)
# the number of NON-ZERO weights. survey is not installed here (not packaged for Debian):
# the formula is written out below, as the review's p08_svyvar.R had it (session 26).
# A row of weight 0 then takes no part, and dropping it changes nothing.
#
# Run from the repository root (R 4.2.2, base R only):
#   Rscript tests/reference/causal/svyvar_zero_weights.R
# Reads svyvar_zero_weights_data.csv (treatment, age, w), writes
# svyvar_zero_weights_reference.csv (the SMD, and each arm's weighted mean and variance).
out <- "tests/reference/causal"
d <- read.csv(file.path(out, "svyvar_zero_weights_data.csv"))

svy_mean_var <- function(x, w) {
  n <- sum(w != 0)
  m <- sum(w * x) / sum(w)
  c(mean = m, var = sum(w * (x - m)^2 * n / (n - 1)) / sum(w))
}

treated <- d$treatment == 1
a <- svy_mean_var(d$age[treated], d$w[treated])
b <- svy_mean_var(d$age[!treated], d$w[!treated])
smd <- abs(a[["mean"]] - b[["mean"]]) / sqrt((a[["var"]] + b[["var"]]) / 2)
reference <- data.frame(
  quantity = c("smd_weighted", "mean_treated", "var_treated", "mean_untreated", "var_untreated"),
  value = c(smd, a[["mean"]], a[["var"]], b[["mean"]], b[["var"]])
)
write.csv(reference, file.path(out, "svyvar_zero_weights_reference.csv"), row.names = FALSE)
cat(sprintf("svyvar formula: SMD %.10f\n", smd))
