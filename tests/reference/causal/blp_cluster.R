# Reference best linear projection of doubly robust scores on subgroup indicators, with
# cluster-robust standard errors and each subgroup variable's Wald test
# (tests/causal/test_causal_heterogeneity_projection.py).
#
# R grf is not installed (not packaged for Debian); its best_linear_projection is
# lm(DR.scores ~ A) with lmtest::coeftest(vcov = sandwich::vcovCL, type = vcov.type,
# cluster = clusters). Here the same least squares with sandwich::vcovCL(type = "HC0",
# cadjust = FALSE), the covariance whose intercept-only case is the standard error of a
# clustered mean (the package's subgroup table). The Wald statistic of a variable's
# indicators S is b_S' V_SS^-1 b_S, chi-squared on |S| degrees of freedom.
#
# Run from the repository root (R 4.2.2, sandwich):
#   Rscript tests/reference/causal/blp_cluster.R
# Writes blp_cluster_data.csv (psi, band, factor, family) and blp_cluster_reference.csv
# (kind, term, estimate, std_error, statistic, df, p_value).
suppressPackageStartupMessages(library(sandwich))
out <- "tests/reference/causal"
set.seed(20261208)

families <- 260
size <- sample(1:3, families, replace = TRUE, prob = c(0.5, 0.3, 0.2))
family <- rep(seq_len(families), size)
n <- length(family)
band <- sample(c("0-4", "5-10", "11-15"), n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
factor <- sample(c("0", "1", "2"), n, replace = TRUE)
shared <- rnorm(families, sd = 0.6)[family]  # siblings' scores are correlated
psi <- -0.05 + 0.08 * (band == "11-15") + 0.03 * (factor == "2") + shared + rnorm(n)
data <- data.frame(psi = psi, band = band, factor = factor, family = family)
write.csv(data, file.path(out, "blp_cluster_data.csv"), row.names = FALSE)

# Reference levels as pandas.get_dummies(drop_first = TRUE): the first in text order.
data$band <- factor(data$band, levels = sort(unique(data$band)))
data$factor <- factor(data$factor, levels = sort(unique(data$factor)))
fit <- lm(psi ~ band + factor, data = data)
v <- vcovCL(fit, cluster = ~family, type = "HC0", cadjust = FALSE)
b <- coef(fit)
se <- sqrt(diag(v))
terms <- c("(Intercept)", paste0("band_", levels(data$band)[-1]),
           paste0("factor_", levels(data$factor)[-1]))
rows <- data.frame(kind = "projection", term = terms, estimate = unname(b),
                   std_error = unname(se), statistic = NA, df = NA,
                   p_value = unname(2 * pnorm(-abs(b / se))))
for (name in c("band", "factor")) {
  s <- grep(paste0("^", name), names(b))
  w <- drop(t(b[s]) %*% solve(v[s, s]) %*% b[s])
  rows <- rbind(rows, data.frame(kind = "interaction", term = name, estimate = NA,
                                 std_error = NA, statistic = w, df = length(s),
                                 p_value = pchisq(w, length(s), lower.tail = FALSE)))
}
# The intercept-only projection: the clustered mean's standard error.
mean_fit <- lm(psi ~ 1, data = data)
rows <- rbind(rows, data.frame(kind = "mean", term = "(Intercept)",
                               estimate = unname(coef(mean_fit)),
                               std_error = sqrt(vcovCL(mean_fit, cluster = ~family,
                                                       type = "HC0", cadjust = FALSE)[1, 1]),
                               statistic = NA, df = NA, p_value = NA))
write.csv(rows, file.path(out, "blp_cluster_reference.csv"), row.names = FALSE)
