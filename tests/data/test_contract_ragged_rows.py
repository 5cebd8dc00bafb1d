"""A CSV row with a field too many is refused at its row, as a spreadsheet shows it.

Contract: "the error ... names the table, the row, the column, the value and why". A row
after the first with a separator too many was refused as ``episodes.csv is not readable
CSV: Error tokenizing data. C error: Expected 4 fields in line 3, saw 5``: pandas' words
and no row in the problem (``row`` None, an empty ``row`` in the report).
"""

from __future__ import annotations

import pytest

from escalation import DataValidationError, read_case_history
from escalation.cli import main
from escalation.data.statutory import read_ssda903
from tests.data_statutory.statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    csv,
    episode_row,
)

from .conftest import EXTRACT

CHILDREN = "child_id,birth_date\nA1,2015-01-02\nB2,2016-05-06\n"
EPISODES = "child_id,kind,start,end\nA1,referral,2023-01-01,\n"
# Row 2 is a note over three lines (one spreadsheet row); row 3, the file's line 5, has a
# field too many (an unquoted comma in the text).
NOTES = 'child_id,date,text\nA1,2023-01-02,"one\ntwo\nthree"\nB2,2023-01-03,left, and right\n'


def _folder(tmp_path, children=CHILDREN, episodes=EPISODES, notes=None):
    for name, text in (("children", children), ("episodes", episodes), ("notes", notes)):
        if text is not None:
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("lenient", [False, True])
def test_a_later_row_with_a_field_too_many_is_named_by_its_row(tmp_path, lenient):
    episodes = EPISODES + "B2,referral,2023-02-01,,RC8\nB2,cp_plan,2023-03-01,\n"
    with pytest.raises(DataValidationError) as caught:
        read_case_history(
            _folder(tmp_path, episodes=episodes), extract_date=EXTRACT, lenient=lenient
        )
    (problem,) = caught.value.problems
    assert (problem.table, problem.shown_row) == ("episodes", 3)
    assert "has 5 fields but the header names 4 columns" in problem.reason
    assert "C error" not in problem.reason and "tokenizing" not in problem.reason


def test_the_row_of_a_note_after_a_note_over_several_lines_is_the_spreadsheets(tmp_path):
    with pytest.raises(DataValidationError) as caught:
        read_case_history(_folder(tmp_path, notes=NOTES), extract_date=EXTRACT)
    (problem,) = caught.value.problems
    assert (problem.table, problem.shown_row) == ("notes", 3)
    assert "has 4 fields but the header names 3 columns" in problem.reason
    assert "right" not in str(caught.value)  # the note's text is not shown


def test_the_cli_names_the_row(tmp_path, capsys):
    assert main(["validate", str(_folder(tmp_path, notes=NOTES)), "--extract-date", EXTRACT]) == 1
    out = capsys.readouterr().out  # the report, as for rows that break the contract
    assert "table 'notes', row 3: notes.csv: has 4 fields but the header names 3" in out


def test_a_first_row_with_a_field_too_many_is_row_2(tmp_path):
    children = "child_id,birth_date\nX9,A1,2015-01-02\n"
    with pytest.raises(DataValidationError) as caught:
        read_case_history(_folder(tmp_path, children=children), extract_date=EXTRACT)
    (problem,) = caught.value.problems
    assert (problem.table, problem.shown_row) == ("children", 2)
    assert "has 3 fields but the header names 2 columns" in problem.reason


def test_an_ssda903_row_with_a_field_too_many_is_named_by_its_row(tmp_path):
    rows = ["A1,1,01/05/2012,WBRI,,,", "B2,2,01/05/2013,WBRI,,,,"]  # row 3: a field too many
    (tmp_path / "header.csv").write_text(csv(HEADER_COLUMNS, rows))
    (tmp_path / "episodes.csv").write_text(
        csv(EPISODE_COLUMNS, [episode_row("A1", "03/01/2022", "S", "V2", "U1")])
    )
    with pytest.raises(DataValidationError, match="has 8 fields but the header names 7") as err:
        read_ssda903(tmp_path)
    (problem,) = [p for p in err.value.problems if "fields" in p.reason]
    assert (problem.table, problem.shown_row) == ("header.csv", 3)
