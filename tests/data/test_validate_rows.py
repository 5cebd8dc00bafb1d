"""Rows a new analyst's own files held: repeated point events, a word in a numeric column,
blank rows from Excel. Each is one located problem, never a silent change."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation import DataValidationError, read_case_history, validate_case_history

from .conftest import EXTRACT, history_from, valid_tables


def _strict_problems(tables: dict[str, pd.DataFrame]) -> list:
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    return list(info.value.problems)


# ------------------------------------------------------------------ repeated point events
def test_a_repeated_point_event_is_one_located_problem_naming_both_rows(tables):
    episodes = tables["episodes"]
    s47 = episodes.index[episodes["kind"] == "s47"][0]  # row 4
    tables["episodes"] = pd.concat([episodes, episodes.loc[[s47]]], ignore_index=True)
    repeated = len(episodes)  # the copy, at the end
    (problem,) = _strict_problems(tables)
    assert (problem.table, problem.row, problem.column) == ("episodes", repeated, "kind")
    assert problem.hint == f"repeats row {s47 + 2}" and "every column" in problem.reason
    assert f"row {repeated + 2}, column 'kind', value " in problem.describe()
    assert f"repeats row {s47 + 2}" in problem.describe()
    assert "the same s47 of the same child" in problem.reason
    lenient = validate_case_history(history_from(tables), lenient=True)
    assert len(lenient.episodes) == len(episodes)  # the first kept, the copy excluded
    (excluded,) = lenient.exclusions.problems
    assert (excluded.row, excluded.action) == (repeated, "episode excluded")


def test_point_events_alike_but_not_identical_are_kept(tables):
    episodes = tables["episodes"]
    other = episodes.loc[episodes["kind"] == "s47"].assign(source="2A").assign(kind="contact")
    again = episodes.loc[episodes["kind"] == "s47"].assign(category="NEG")
    tables["episodes"] = pd.concat([episodes, other, other.assign(start="2020-03-06")])
    assert len(validate_case_history(history_from(tables)).episodes) == len(episodes) + 2
    # a code that differs (here dropped as misplaced) makes the rows different records
    tables["episodes"] = pd.concat([episodes, again], ignore_index=True)
    problems = _strict_problems(tables)
    assert ["repeats" in p.reason for p in problems] == [False]


def test_a_repeated_interval_episode_is_reported_once_as_an_overlap(tables):
    episodes = tables["episodes"]
    tables["episodes"] = pd.concat([episodes, episodes.loc[[6]]], ignore_index=True)  # cp_plan
    (problem,) = _strict_problems(tables)
    assert problem.row == len(episodes) and "overlaps an earlier episode" in problem.reason


def test_a_repeated_death_is_reported_once(tables):
    death = pd.DataFrame({"child_id": ["c3"], "kind": ["death"], "start": ["2019-01-01"]})
    tables["episodes"] = pd.concat([tables["episodes"], death, death], ignore_index=True)
    (problem,) = _strict_problems(tables)  # as a second death (a rule of its own), once
    assert problem.reason == "a second death recorded for the child"


# ------------------------------------------------------------------ a word among numbers
def _children_with_imd(imd: list[str]) -> pd.DataFrame:
    n = len(imd)
    return pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(1, n + 1)],
            "birth_date": ["2012-05-04"] * n,
            "imd_decile": imd,
        }
    )


def test_a_word_in_a_numeric_column_is_a_located_problem(tables):
    imd = [str(1 + i % 10) for i in range(30)]
    imd[7] = "unknown"
    tables["children"] = _children_with_imd(imd)
    (problem,) = _strict_problems(tables)
    assert (problem.table, problem.row, problem.column) == ("children", 7, "imd_decile")
    assert "otherwise numeric" in problem.reason and "not a number" in problem.reason
    # shown safely: described, not echoed
    assert "value <not shown: 7 characters, lower-case letters>" in problem.describe()
    lenient = validate_case_history(history_from(tables), lenient=True)
    column = lenient.children["imd_decile"]
    assert pd.api.types.is_numeric_dtype(column) and column.isna().tolist().count(True) == 1
    assert pd.isna(column[7]) and column[8] == 9
    (dropped,) = lenient.exclusions.problems
    assert (dropped.row, dropped.action) == (7, "value dropped")


def test_a_cell_of_whitespace_is_empty_not_a_word(tables):
    """A cell holding only spaces beside a word: the word is the one problem, the spaces
    are an empty value (not "not a number ... leave unknown values empty")."""
    imd = [str(1 + i % 10) for i in range(30)]
    imd[7], imd[12] = "unknown", "  "
    tables["children"] = _children_with_imd(imd)
    (problem,) = _strict_problems(tables)
    assert (problem.row, problem.column) == (7, "imd_decile")
    column = validate_case_history(history_from(tables), lenient=True).children["imd_decile"]
    assert pd.api.types.is_numeric_dtype(column) and pd.isna(column[12]) and column[13] == 4


def test_a_column_of_words_or_codes_stays_text(tables):
    many = [str(1 + i % 10) for i in range(30)]
    many[:5] = ["unknown", "n/a", "x", "y", "z"]  # five different words: not "a few"
    tables["children"] = _children_with_imd(many)
    history = validate_case_history(history_from(tables))
    assert history.children["imd_decile"].tolist()[:5] == ["unknown", "n/a", "x", "y", "z"]
    codes = ["1", "2", "R1"] * 10  # a code list with a letter code in a third of the rows
    tables["children"] = _children_with_imd(codes)
    assert validate_case_history(history_from(tables)).children["imd_decile"].tolist() == codes


# ------------------------------------------------------------------ blank rows
def test_a_blank_row_from_excel_is_one_problem(tmp_path: Path):
    folder = tmp_path / "la"
    folder.mkdir()
    for name, frame in valid_tables().items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    with (folder / "episodes.csv").open("a", encoding="utf-8") as handle:
        handle.write(",,,,,,,,,\n")  # the trailing row a spreadsheet leaves
    with (folder / "children.csv").open("a", encoding="utf-8") as handle:
        handle.write(", ,,,,,\n")
    with pytest.raises(DataValidationError) as info:
        read_case_history(folder, extract_date=EXTRACT)
    found = [(p.table, p.row, p.column, p.reason) for p in info.value.problems]
    assert [(t, r, c) for t, r, c, _ in found] == [("children", 3, None), ("episodes", 12, None)]
    assert all(reason.startswith("blank row") for *_, reason in found)
    lenient = read_case_history(folder, extract_date=EXTRACT, lenient=True)
    assert len(lenient.episodes) == 12 and len(lenient.children) == 3
    assert [p.action for p in lenient.exclusions.problems] == [
        "child excluded",
        "episode excluded",
    ]
