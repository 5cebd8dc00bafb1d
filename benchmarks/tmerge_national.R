# The counting-process step of benchmarks/bench_national.py in R: survival::tmerge.
#
#   Rscript benchmarks/tmerge_national.R spells.csv early_help.csv
#
# Reads the spells escalation built (spell_id, child_id, time_zero, duration, event) and the
# raw early-help episodes (child_id, start, end) with data.table::fread (R's fastest CSV
# reader), then builds the same (start, stop] rows as tests/reference/timeline/timeline.R
# (treatment_tv while early help runs, early_help_episodes started so far; a change on day 0
# at 0.5 days). Prints one JSON line: seconds reading, seconds in tmerge, rows.
suppressPackageStartupMessages({
  library(survival)
  library(data.table)
})
args <- commandArgs(trailingOnly = TRUE)
clock <- function() proc.time()[["elapsed"]]
t0 <- clock()
spells <- fread(args[1], select = c("spell_id", "child_id", "time_zero", "duration", "event"))
eh <- fread(args[2], na.strings = "")
t1 <- clock()
pairs <- merge(spells[, .(spell_id, child_id, time_zero)], eh, by = "child_id")
day <- function(x) as.numeric(as.Date(x))
at <- function(d) ifelse(d == 0, 0.5, d)
start_day <- day(pairs$start) - day(pairs$time_zero)
end_day <- day(pairs$end) - day(pairs$time_zero)
on <- data.frame(spell_id = pairs$spell_id, time = at(start_day), delta = 1)
off <- data.frame(spell_id = pairs$spell_id, time = at(end_day), delta = -1)
off <- off[!is.na(off$time), ]
changes <- rbind(on, off)
base <- data.frame(spell_id = spells$spell_id, duration = spells$duration, status = spells$event)
out <- tmerge(base, base, id = spell_id, tstop = duration, event = event(duration, status))
out <- tmerge(out, changes, id = spell_id, active = cumtdc(time, delta))
out <- tmerge(out, on, id = spell_id, early_help_episodes = cumtdc(time))
t2 <- clock()
cat(sprintf('{"read": %.2f, "tmerge": %.2f, "rows": %d, "spells": %d, "r": "%s", "survival": "%s"}\n',
            t1 - t0, t2 - t1, nrow(out), nrow(spells), R.version$version.string,
            as.character(packageVersion("survival"))))
