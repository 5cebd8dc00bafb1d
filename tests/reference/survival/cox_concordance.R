# coxph(...)$concordance with case weights and strata on spells.csv, and with two small
# strata added: one of a single spell (an event) and one of two spells with no comparable
# pair (censored at day 9, event at day 10), and on the (start, stop] rows of counting.csv.
# R weights each comparable pair by the product
# of its rows' weights and compares pairs within strata only.
# Run: Rscript tests/reference/survival/cox_concordance.R  (R 4.2.2, survival 3.5.3)
# Tests: tests/survival/test_survival_cox_concordance.py
suppressPackageStartupMessages(library(survival))
here <- function(f) {
  args <- commandArgs(trailingOnly = FALSE)
  script <- sub("^--file=", "", args[grep("^--file=", args)])
  file.path(dirname(normalizePath(script)), f)
}
d <- read.csv(here("spells.csv"))
small <- d[1:3, ]
small$stratum <- c(3, 4, 4)
small$duration <- c(5, 9, 10)
small$event <- c(1, 0, 1)
small$weight <- c(1, 1, 1)
small <- rbind(d, small)
out <- NULL
for (case in c("plain", "weights", "strata", "strata_weights", "small_strata",
              "small_strata_weights")) {
  data <- if (grepl("small", case)) small else d
  fo <- if (grepl("strata", case)) {
    Surv(duration, event == 1) ~ x1 + x2 + x3 + strata(stratum)
  } else {
    Surv(duration, event == 1) ~ x1 + x2 + x3
  }
  fit <- if (grepl("weights", case)) {
    coxph(fo, data = data, weights = weight)
  } else {
    coxph(fo, data = data)
  }
  out <- rbind(out, data.frame(case = case, concordance = unname(fit$concordance["concordance"]),
                               concordant = unname(fit$concordance["concordant"]),
                               discordant = unname(fit$concordance["discordant"])))
}
# (start, stop] rows (counting.csv): a case is compared with the rows at risk at its time,
# start < t; with two strata and case weights made from the id (the test makes the same).
counting <- read.csv(here("counting.csv"))
counting$stratum <- counting$id %% 2
counting$weight <- 0.5 + (counting$id %% 3) / 2
for (case in c("counting", "counting_strata_weights")) {
  fit <- if (case == "counting") {
    coxph(Surv(start, stop, event) ~ tv + x1, data = counting)
  } else {
    coxph(Surv(start, stop, event) ~ tv + x1 + strata(stratum), data = counting,
          weights = weight)
  }
  out <- rbind(out, data.frame(case = case, concordance = unname(fit$concordance["concordance"]),
                               concordant = unname(fit$concordance["concordant"]),
                               discordant = unname(fit$concordance["discordant"])))
}
write.csv(out, here("cox_concordance_reference.csv"), row.names = FALSE)
