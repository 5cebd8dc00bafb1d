"""A column named twice is reported, never renamed into an extra covariate nor a crash.

Contract: "Column names are exact; extra columns are kept." With ``sex`` twice, which is the
child's sex cannot be chosen; pandas' CSV reader used to rename the second to ``sex.1`` (kept
as a covariate without a word) and a frame with a repeated contract column crashed.
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation import CaseHistory, DataValidationError, read_case_history, validate_case_history
from escalation.cli import main

from .conftest import EXTRACT

EPISODES = "child_id,kind,start,end\nA1,referral,2023-01-01,\n"


def _folder(tmp_path, children: str, episodes: str = EPISODES):
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "children.csv").write_text(children, encoding="utf-8")
    (tmp_path / "episodes.csv").write_text(episodes, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("lenient", [False, True])
@pytest.mark.parametrize(
    ("table", "children", "episodes", "column"),
    [
        ("children", "child_id,birth_date,sex,sex\nA1,2015-01-02,F,M\n", EPISODES, "sex"),
        (
            "episodes",
            "child_id,birth_date\nA1,2015-01-02\n",
            "child_id,kind,start,end,end\nA1,referral,2023-01-01,,2023-02-01\n",
            "end",
        ),
        ("children", "child_id,birth_date,imd,imd\nA1,2015-01-02,3,4\n", EPISODES, "imd"),
    ],
)
def test_a_repeated_column_name_in_a_csv_header_is_reported(
    tmp_path, table, children, episodes, column, lenient
):
    folder = _folder(tmp_path, children, episodes)
    with pytest.raises(DataValidationError) as caught:
        read_case_history(folder, extract_date=EXTRACT, lenient=lenient)
    (problem,) = caught.value.problems
    assert (problem.table, problem.row, problem.column) == (table, None, column)
    assert "appears 2 times in the header" in problem.reason


def test_a_repeated_contract_column_in_a_frame_is_reported_not_a_crash():
    children = pd.DataFrame(
        [["A1", "2015-01-02", "F", "M"]], columns=["child_id", "birth_date", "sex", "sex"]
    )
    episodes = pd.DataFrame({"child_id": ["A1"], "kind": ["referral"], "start": ["2023-01-01"]})
    with pytest.raises(DataValidationError, match="column 'sex': column name appears 2 times"):
        validate_case_history(CaseHistory(children, episodes, extract_date=EXTRACT))


def test_the_cli_reports_a_repeated_column_and_exits_1(tmp_path, capsys):
    folder = _folder(tmp_path, "child_id,birth_date,sex,sex\nA1,2015-01-02,F,M\n")
    assert main(["validate", str(folder), "--extract-date", EXTRACT]) == 1
    assert "column 'sex': column name appears 2 times" in capsys.readouterr().out


def test_a_header_of_distinct_names_is_read_as_before(tmp_path):
    folder = _folder(tmp_path, "child_id,birth_date,sex,sex.1\nA1,2015-01-02,F,3\n")
    history = read_case_history(folder, extract_date=EXTRACT)
    assert history.children.columns[-1] == "sex.1"
    assert history.children["sex.1"].tolist() == [3]
