# Reference counting-process data for escalation.timeline, made with survival::tmerge.
#
# Run from the repository root after make_inputs.py:
#   Rscript tests/reference/timeline/timeline.R
# Reads spells.csv (spell_id, child_id, time_zero, duration, event, from build_spells) and
# the raw early-help episodes of history/episodes.csv, and writes counting_tmerge.csv.
#
# The package's conventions, restated here independently of the Python code:
# * analysis time is days after time zero; a change on day 0 takes effect at 0.5 days
#   (day d > 0 stays d); changes before time zero set the initial values;
# * treatment_tv is 1 while an early-help episode is under way: +1 at its start, -1 at its
#   end (open episodes never end); early_help_episodes counts episodes started so far;
# * treatment_started is 1 from the first early-help episode starting on or after time
#   zero and before the day follow-up ends (an episode starting on the outcome's day does
#   not count), whether or not it is still under way.
suppressPackageStartupMessages(library(survival))

here <- file.path("tests", "reference", "timeline")
spells <- read.csv(file.path(here, "spells.csv"), stringsAsFactors = FALSE)
episodes <- read.csv(file.path(here, "history", "episodes.csv"), stringsAsFactors = FALSE,
                     na.strings = "")
eh <- episodes[episodes$kind == "early_help", c("child_id", "start", "end")]

pairs <- merge(spells[, c("spell_id", "child_id", "time_zero")], eh, by = "child_id")
day <- function(x) as.numeric(as.Date(x))
at <- function(d) ifelse(d == 0, 0.5, d)
start_day <- day(pairs$start) - day(pairs$time_zero)
end_day <- day(pairs$end) - day(pairs$time_zero)
on <- data.frame(spell_id = pairs$spell_id, time = at(start_day), delta = 1)
off <- data.frame(spell_id = pairs$spell_id, time = at(end_day), delta = -1)
off <- off[!is.na(off$time), ]
changes <- rbind(on, off)

base <- data.frame(spell_id = spells$spell_id, duration = spells$duration,
                   status = spells$event)
out <- tmerge(base, base, id = spell_id, tstop = duration, event = event(duration, status))
out <- tmerge(out, changes, id = spell_id, active = cumtdc(time, delta))
out <- tmerge(out, on, id = spell_id, early_help_episodes = cumtdc(time))
# the first start on or after time zero, before follow-up ends (time < duration)
duration_of <- base$duration[match(pairs$spell_id, base$spell_id)]
counted <- start_day >= 0 & at(start_day) < duration_of
first <- aggregate(time ~ spell_id, data = on[counted, ], FUN = min)
out <- tmerge(out, first, id = spell_id, treatment_started = tdc(time))

zero_if_na <- function(x) ifelse(is.na(x), 0, x)  # spells with no early help at all
result <- data.frame(
  spell_id = out$spell_id,
  start = out$tstart,
  stop = out$tstop,
  event = out$event,
  treatment_tv = as.integer(zero_if_na(out$active) > 0),
  treatment_started = as.integer(zero_if_na(out$treatment_started)),
  early_help_episodes = as.integer(zero_if_na(out$early_help_episodes))
)
result <- result[order(result$spell_id, result$start), ]
write.csv(result, file.path(here, "counting_tmerge.csv"), row.names = FALSE)
cat(sprintf("%s; survival %s: %d rows for %d spells\n", R.version.string,
            packageVersion("survival"), nrow(result), nrow(spells)))
