# Reference time-dependent AUC and Brier score with riskRegression::Score.
#
# Run from the repository root after make_predict_inputs.py:
#   Rscript tests/reference/predict/predict.R
# Reads predictions.csv (time, days, event 0/1/2, risk = predicted risk of escalation by
# day 365) and writes score_reference.csv with one row per time scale (continuous "time",
# tied whole "days"), outcome definition ("competing": death is a competing risk and those
# who died count as controls; "censor": death treated as censoring) and metric.
# Censoring weights: marginal Kaplan-Meier of the censoring times (cens.model = "km").
suppressPackageStartupMessages({
  library(riskRegression)
  library(prodlim)
  library(survival)
})

here <- file.path("tests", "reference", "predict")
d <- read.csv(file.path(here, "predictions.csv"))
horizon <- 365
rows <- list()
for (scale in c("time", "days")) {
  d$t <- d[[scale]]
  d$escalated <- as.integer(d$event == 1)
  for (outcome in c("competing", "censor")) {
    f <- if (outcome == "competing") Hist(t, event) ~ 1 else Hist(t, escalated) ~ 1
    s <- Score(list(model = d$risk), formula = f, data = d, times = horizon, cause = 1,
               metrics = c("auc", "brier"), cens.model = "km", null.model = FALSE,
               se.fit = FALSE, split.method = "none")
    rows[[length(rows) + 1]] <- data.frame(scale = scale, outcome = outcome, metric = "auc",
                                           estimate = s$AUC$score$AUC)
    rows[[length(rows) + 1]] <- data.frame(scale = scale, outcome = outcome, metric = "brier",
                                           estimate = s$Brier$score$Brier)
  }
}
out <- do.call(rbind, rows)
write.csv(out, file.path(here, "score_reference.csv"), row.names = FALSE)
cat(sprintf("R %s, riskRegression %s, prodlim %s\n", getRversion(),
            packageVersion("riskRegression"), packageVersion("prodlim")))
print(out, digits = 10)
