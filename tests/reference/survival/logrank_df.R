# Log-rank degrees of freedom when a group carries no information: spells.csv plus a group
# "0" of one spell censored at day 0.5, before the first event (nobody of it is at risk at
# any event time). survdiff counts the groups with expected > 0: df = that count - 1.
# Run: Rscript tests/reference/survival/logrank_df.R  (R 4.2.2, survival 3.5.3)
# Tests: tests/survival/test_survival_ksample_df.py
suppressPackageStartupMessages(library(survival))
here <- function(f) {
  args <- commandArgs(trailingOnly = FALSE)
  script <- sub("^--file=", "", args[grep("^--file=", args)])
  file.path(dirname(normalizePath(script)), f)
}
d <- read.csv(here("spells.csv"))
extra <- d[1, ]
extra$duration <- 0.5
extra$event <- 0
extra$group <- "0"
d <- rbind(d, extra)
out <- NULL
for (case in list(list(name = "any", rho = 0, hit = d$event > 0),
                  list(name = "cause2", rho = 0, hit = d$event == 2),
                  list(name = "any_rho1", rho = 1, hit = d$event > 0))) {
  d$hit <- case$hit
  s <- survdiff(Surv(duration, hit) ~ group, data = d, rho = case$rho)
  df <- sum(s$exp > 0) - 1
  out <- rbind(out, data.frame(case = case$name, statistic = s$chisq, df = df,
                               p_value = pchisq(s$chisq, df, lower.tail = FALSE)))
}
write.csv(out, here("logrank_df_reference.csv"), row.names = FALSE)
