# Reference for the clustered (robust) log-rank test.
# Run from the repository root (spells.csv is written by make_survival_inputs.py):
#   Rscript tests/reference/survival/logrank_cluster.R
# survdiff's statistic (hypergeometric variance) is the score test of coxph with the group
# as a factor and ties = "exact" (on untied times also ties = "breslow"; on tied times the
# Breslow score test differs): the columns survdiff, score_exact and score_breslow show it.
# The clustered log-rank test is the robust score test of the same model with
# cluster(cluster) (R's rscore, the "Robust" line of summary(fit), summary(fit)$robscore):
# U(0)' (sum_c U_c U_c')^-1 U(0), with U_c the score residuals at beta = 0 summed by
# cluster. coxph's robust variance is not available for ties = "exact" ("dfbeta residuals
# are not available for the exact method"), so the robust test uses ties = "breslow"; its
# U(0) (observed minus expected) is survdiff's. robust_check recomputes it from
# residuals(type = "score") at beta = 0 collapsed by cluster.
suppressPackageStartupMessages(library(survival))
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
spells$two <- ifelse(spells$group == "a", "a", "bc")
spells$any <- spells$event > 0
spells$first <- spells$event == 1
spells$second <- spells$event == 2

cases <- list(
  # name, group column, event column, strata column (or NA)
  list("three_groups", "group", "first", NA),
  list("two_groups", "two", "first", NA),
  list("strata", "group", "first", "stratum"),
  list("any_event", "group", "any", NA),
  list("cause_2_strata", "two", "second", "stratum")
)
model <- function(group, event, strata, extra = "") {
  rhs <- paste0("factor(", group, ")", if (is.na(strata)) "" else
                paste0(" + strata(", strata, ")"), extra)
  as.formula(paste0("Surv(duration, ", event, ") ~ ", rhs))
}
rows <- do.call(rbind, lapply(cases, function(case) {
  name <- case[[1]]; group <- case[[2]]; event <- case[[3]]; strata <- case[[4]]
  sd_rhs <- paste0(group, if (is.na(strata)) "" else paste0(" + strata(", strata, ")"))
  sd <- survdiff(as.formula(paste0("Surv(duration, ", event, ") ~ ", sd_rhs)), data = spells)
  exact <- coxph(model(group, event, strata), data = spells, ties = "exact")
  breslow <- coxph(model(group, event, strata), data = spells, ties = "breslow")
  robust <- coxph(model(group, event, strata, " + cluster(cluster)"), data = spells,
                  ties = "breslow")
  p <- length(coef(robust))
  null <- coxph(model(group, event, strata), data = spells, ties = "breslow",
                init = rep(0, p), control = coxph.control(iter.max = 0))
  r <- as.matrix(residuals(null, type = "score", collapse = spells$cluster))
  u <- colSums(r)
  check <- drop(u %*% solve(crossprod(r)) %*% u)
  stopifnot(abs(check - robust$rscore) < 1e-10 * robust$rscore)
  stopifnot(abs(sd$chisq - exact$score) < 1e-8 * sd$chisq)
  data.frame(test = name, group = group, event = event, strata = strata,
             survdiff = sd$chisq, score_exact = unname(exact$score),
             score_breslow = unname(breslow$score), robust_score = unname(robust$rscore),
             robust_check = check, df = p,
             p_value = unname(summary(robust)$robscore[["pvalue"]]),
             clusters = length(unique(spells$cluster)))
}))
write.csv(rows, file.path(here, "logrank_cluster_reference.csv"), row.names = FALSE)
cat(sprintf("R %s, survival %s\n", getRversion(), packageVersion("survival")))
