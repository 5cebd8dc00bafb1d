"""A referral's closure reason goes with its end: an open referral has none.

Contract, episodes: ``reason`` is "why the episode ended: for a referral, the CIN closure
reason"; ``end`` is "empty ... for episodes still open at the extract date". A referral
with ``reason`` RC9 and no ``end`` was kept as it was: open, and closed to early help.
The DfE's CIN census refuses a reason for closure without a closure date (and the CIN
census reader already said so, but kept the reason).
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation import DataValidationError, read_case_history
from escalation.cli import main
from escalation.data.statutory import read_annex_a, read_cin_census
from tests.data_statutory.statutory_builders import child, cin_details, message, workbook, write

from .conftest import EXTRACT

CHILDREN = "child_id,birth_date\nA1,2015-01-02\nB2,2016-05-06\n"
EPISODES = (
    "child_id,kind,start,end,reason\n"
    "A1,referral,2023-01-01,,RC9\n"  # row 2: open, yet closed to early help
    "B2,referral,2023-01-01,2023-02-01,RC8\n"  # row 3: closed, with its reason
    "B2,referral,2023-03-01,,\n"  # row 4: open, no reason
)


def _folder(tmp_path):
    (tmp_path / "children.csv").write_text(CHILDREN)
    (tmp_path / "episodes.csv").write_text(EPISODES)
    return tmp_path


def test_an_open_referral_with_a_closure_reason_is_reported_and_the_reason_dropped(tmp_path):
    history = read_case_history(_folder(tmp_path), extract_date=EXTRACT, lenient=True)
    (problem,) = history.exclusions.problems
    assert (problem.table, problem.shown_row, problem.column) == ("episodes", 2, "reason")
    assert (problem.value, problem.action) == ("RC9", "value dropped")
    assert problem.reason.startswith("a closure reason on a referral with no end date")
    episodes = history.episodes
    assert len(episodes) == 3  # the referral is kept, open
    assert episodes["reason"].isna().tolist() == [True, False, True]
    assert episodes["reason"].iloc[1] == "RC8"


def test_strict_reading_refuses_it_and_the_cli_reports_it(tmp_path, capsys):
    with pytest.raises(DataValidationError, match="a closure reason on a referral with no end"):
        read_case_history(_folder(tmp_path), extract_date=EXTRACT)
    assert main(["validate", str(tmp_path), "--extract-date", EXTRACT]) == 1
    out = capsys.readouterr().out
    assert "row 2, column 'reason', value 'RC9': a closure reason on a referral" in out


def test_the_cin_census_reader_drops_the_reason_it_reports_once(tmp_path):
    file = write(tmp_path, "cin.xml", message([child(details=[cin_details(reason="RC8")])]))
    history = read_cin_census(file, lenient=True)
    assert history.episodes["reason"].isna().all()
    (problem,) = history.exclusions.problems
    assert "<ReasonForClosure> is given without <CINclosureDate>" in problem.reason
    assert problem.action == "value dropped"


def test_an_annex_a_open_referral_with_a_reason_keeps_the_referral_and_says_so(tmp_path):
    """A problem of the validator about a value is reported by a statutory reader as what
    was done ("value dropped"), not as the episode excluded."""
    header = ["Child Unique ID", "Gender", "Date of Birth", "CIN Start Date"]
    header += ["Primary Need Code", "CIN Closure Date", "Reason for Closure"]
    rows = [
        ["0012", "F", "01/02/2015", "2023-04-05", "N1", None, "RC8"],
        ["0013", "F", "01/02/2015", "2023-04-05", "N1", "2023-05-01", "RC8"],
    ]
    path = workbook(tmp_path / "annex.xlsx", {"List 6": [header, *rows]})
    history = read_annex_a(path, lenient=True)
    referrals = history.episodes.set_index("child_id")
    assert pd.isna(referrals.loc["0012", "reason"]) and pd.isna(referrals.loc["0012", "end"])
    assert referrals.loc["0013", "reason"] == "RC8"
    (problem,) = history.exclusions.problems
    assert (problem.unit, problem.shown_row, problem.action) == ("List 6", 2, "value dropped")
    assert problem.reason.startswith("a closure reason on a referral with no end date")
