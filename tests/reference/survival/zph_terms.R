# cox.zph per term (terms = TRUE, R's default): a factor or a spline is one test on its
# degrees of freedom. Reference for CoxResult.ph_test (tests/survival/test_survival_cox.py).
# Run from the repository root: Rscript tests/reference/survival/zph_terms.R
suppressPackageStartupMessages({
  library(survival)
  library(splines)
})
here <- "tests/reference/survival"
spells <- read.csv(file.path(here, "spells.csv"))
models <- list(
  factor = Surv(duration, event == 1) ~ x1 + factor(group) + x3,
  interaction = Surv(duration, event == 1) ~ x1 + factor(group) + x1:factor(group),
  spline = Surv(duration, event == 1) ~ bs(x1, df = 3) + x2 + factor(group)
)
out <- do.call(rbind, lapply(names(models), function(m) {
  fit <- coxph(models[[m]], data = spells, ties = "efron")
  do.call(rbind, lapply(c("km", "identity"), function(tr) {
    z <- cox.zph(fit, transform = tr)$table
    data.frame(model = m, transform = tr, term = rownames(z), chisq = z[, "chisq"],
               df = z[, "df"], p = z[, "p"])
  }))
}))
write.csv(out, file.path(here, "zph_terms_reference.csv"), row.names = FALSE)
