"""``ExclusionReport.counts`` counts excluded rows by reason; hints are kept apart.

Was: the hint naming what a case probably meant ("did you mean 'NEG'?") or which row it
repeats ("repeats row 5") was part of the reason, so one kind of problem was split into
as many rows of ``counts()`` as there were hints: three unknown category codes gave
three rows (two with hints naming NEG and EMO, one without), two repeated rows two.
The counts below are made by hand from the rows changed.
"""

from __future__ import annotations

import pandas as pd

from escalation import validate_case_history

from .conftest import history_from, valid_tables


def _lenient_report() -> tuple[pd.DataFrame, pd.DataFrame]:
    tables = valid_tables()
    episodes = tables["episodes"]
    # Three unknown category codes: two a listed code but for case, one not a code at all.
    plans = pd.concat([episodes.loc[[6]]] * 3, ignore_index=True)
    plans["start"] = ["2021-04-01", "2021-05-01", "2021-06-01"]  # after c1's plan ended
    plans["end"] = ["2021-04-10", "2021-05-10", "2021-06-10"]
    plans["category"] = ["neg", "emo", "XYZ"]
    # Two repeats of the same point event (rows 6 and 7 of the file: s47 is row 6).
    repeats = pd.concat([episodes.loc[[4]]] * 2, ignore_index=True)
    tables["episodes"] = pd.concat([episodes, plans, repeats], ignore_index=True)
    history = validate_case_history(history_from(tables), lenient=True)
    return history.exclusions.counts(), history.exclusions.to_frame()


def test_counts_have_one_row_per_reason() -> None:
    counts, _ = _lenient_report()
    category = counts[counts["reason"].str.startswith("unknown category code")]
    assert category["rows"].tolist() == [3]
    repeated = counts[counts["reason"].str.contains("repeats")]
    assert repeated["rows"].tolist() == [2]
    assert counts["rows"].sum() == 5 and len(counts) == 2
    assert not counts["reason"].str.contains("did you mean|repeats row").any()


def test_hints_are_kept_apart_and_name_only_listed_codes_or_rows() -> None:
    _, frame = _lenient_report()
    hints = frame.loc[frame["column"] == "category", "hint"].tolist()  # neg, emo, XYZ
    meant = "? (codes are read exactly as the list writes them, case included)"
    assert hints[:2] == ["did you mean 'NEG'" + meant, "did you mean 'EMO'" + meant]
    assert pd.isna(hints[2])
    # The repeats name the row repeated (s47: data row 4, spreadsheet row 6).
    assert frame.loc[frame["column"] == "kind", "hint"].tolist() == ["repeats row 6"] * 2
    assert not frame["reason"].str.contains("did you mean|repeats row").any()
    # A hint never carries the value as written: only the code list's own spelling.
    assert not frame["hint"].dropna().str.contains("neg|emo").any()
    assert "child_id" not in frame.columns
    assert not frame["hint"].dropna().str.contains("c1").any()


def test_a_subset_says_its_report_is_the_whole_history_s() -> None:
    """``CaseHistory.subset`` kept the whole history's report without a word, so that a
    subset of children seemed to have had 5 rows excluded that may be other children's
    (an excluded row is in no table kept, so whose it was cannot be told): the report is
    kept whole, and its scope is said in ``describe()`` and in the history's ``repr``."""
    tables = valid_tables()
    episodes = tables["episodes"]
    plans = pd.concat([episodes.loc[[6]]] * 3, ignore_index=True)
    plans["start"] = ["2021-04-01", "2021-05-01", "2021-06-01"]
    plans["end"] = ["2021-04-10", "2021-05-10", "2021-06-10"]
    plans["category"] = ["neg", "emo", "XYZ"]
    tables["episodes"] = pd.concat([episodes, plans], ignore_index=True)
    history = validate_case_history(history_from(tables), lenient=True)
    assert history.exclusions.scope is None and "whole" not in repr(history)
    others = history.children["child_id"][history.children["child_id"] != "c1"]
    part = history.subset(others)
    assert part.exclusions.problems == history.exclusions.problems  # nothing hidden
    lines = part.exclusions.describe().splitlines()
    assert lines[0] == (
        "Problems of the whole history this subset was taken from, not of these children only:"
    )
    assert lines[1:] == history.exclusions.describe().splitlines()
    assert repr(part).endswith("excluded_problems=3 of the whole history)")
    # A subset of a subset, or the report added to by validation, says the same.
    again = validate_case_history(part.subset(others[:1]), lenient=True)
    assert again.exclusions.scope == part.exclusions.scope
