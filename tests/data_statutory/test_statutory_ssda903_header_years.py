"""SSDA903 reader: which year's header record of a child is kept, and which file is a header.

Header files hold no dates: a child in several years' files is told by the collection year
in their names, and when no year tells them apart and they disagree, an error says so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation.data.statutory import read_ssda903
from escalation.data.statutory.file_years import collection_year_of
from escalation.data.statutory.problems import SourceProblem
from escalation.errors import DataValidationError

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

EPISODES = csv(EPISODE_COLUMNS, [episode_row("SECRET7", "10/09/2022", "S", "V2", "U1")])


def header(sex: str, ethnic: str, dob: str = "01/05/2010") -> str:
    """A header file of one child (identifier SECRET7) with these characteristics."""
    return csv(HEADER_COLUMNS, [f"SECRET7,{sex},{dob},{ethnic},,,"])


def errors_of(history: object) -> list[SourceProblem]:
    problems = history.exclusions.problems  # type: ignore[attr-defined]
    return [p for p in problems if p.severity == "error"]


def test_header_files_are_ranked_by_the_collection_year_in_their_names(tmp_path: Path) -> None:
    """Header files were ranked by name as text: 'header_2023.csv' came after
    'header_2023-24.csv' ('.' after '-'), so the child's sex and ethnicity recorded for
    2022-23 were kept over those the later year 2023-24 recorded."""
    write(tmp_path, "header_2023.csv", header("1", "WBRI"))
    write(tmp_path, "header_2023-24.csv", header("2", "WIRI"))
    write(tmp_path, "episodes_2024.csv", EPISODES)
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    (child,) = history.children[["sex", "ethnicity"]].astype(str).values.tolist()
    assert child == ["F", "WIRI"]
    notes = [(p.table, p.row) for p in history.exclusions.problems]
    assert notes == [("header_2023-24.csv", 0), ("header_2023-24.csv", 0)]  # sex, ethnicity
    assert errors_of(history) == []


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("header_9899.csv", 1999),  # was 2099, ranked above every real year
        ("header_98-99.csv", 1999),
        ("header_1998-99.csv", 1999),  # were not read (only years 20YY)
        ("header_1998-1999.csv", 1999),
        ("header_199899.csv", 1999),
        ("header_9900.csv", 2000),
        ("header_1999-2000.csv", 2000),
        ("header_0910.csv", 2010),
        ("header_4950.csv", 2050),
        ("header_9800.csv", None),  # not consecutive years
        ("header_9998.csv", None),
    ],
)
def test_a_collection_year_of_the_1900s_is_read_as_one(name: str, year: int | None) -> None:
    """Two-digit years are of the 1900s from 50 up: 'header_9899.csv' was read as
    2098-99 and its header kept over every later year's."""
    assert collection_year_of(name) == year


@pytest.mark.parametrize("old", ["header_9899.csv", "header_1998-99.csv"])
def test_a_header_file_of_1998_99_ranks_below_a_later_years(tmp_path: Path, old: str) -> None:
    """A 1998-99 header ('header_9899.csv', read as 2099) outranked 2023-24's and its
    values were kept; one named 'header_1998-99.csv' was read as having no year, so the
    two could not be told apart and disagreeing on SEX was an error."""
    write(tmp_path, old, header("1", "WBRI"))
    write(tmp_path, "header_2023-24.csv", header("2", "WBRI"))
    write(tmp_path, "episodes_2024.csv", EPISODES)
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    assert history.children["sex"].astype(str).tolist() == ["F"]
    assert errors_of(history) == []


def test_header_files_whose_years_cannot_be_told_apart_and_disagree_are_an_error(
    tmp_path: Path,
) -> None:
    """Two header files without a collection year in their names were ranked by name, and
    the child's ethnicity taken from the last in name order, with only a note calling it
    'the latest return's'. It is now an error naming the files and the column, never the
    child or the values."""
    write(tmp_path, "header.csv", header("1", "WBRI"))
    write(tmp_path, "header_corrected.csv", header("1", "BCRB"))
    write(tmp_path, "episodes.csv", EPISODES)
    with pytest.raises(DataValidationError, match="cannot be told") as error:
        read_ssda903(tmp_path, extract_date="2024-03-31")
    message = str(error.value)
    assert "'header.csv' and 'header_corrected.csv'" in message and "ETHNIC" in message
    assert not any(secret in message for secret in ("SECRET7", "WBRI", "BCRB"))
    history = read_ssda903(tmp_path, extract_date="2024-03-31", lenient=True)
    (problem,) = errors_of(history)
    assert (problem.table, problem.row, problem.column) == ("header_corrected.csv", None, "ETHNIC")
    assert "no collection year in the name of 'header.csv' and 'header_corrected.csv'" in (
        problem.reason
    )
    assert history.children["ethnicity"].tolist() == ["BCRB"]


def test_header_files_of_one_named_year_that_disagree_are_an_error(tmp_path: Path) -> None:
    """Two versions of one year's header ('header_9' and 'header_10' of 2023-24) were
    ranked by name as text, 'header_2024_10' before 'header_2024_9'; they are now in
    number order, and the birth date they disagree on is an error naming the year."""
    write(tmp_path, "header_2024_9.csv", header("1", "WBRI", "01/05/2010"))
    write(tmp_path, "header_2024_10.csv", header("1", "WBRI", "02/05/2010"))
    write(tmp_path, "episodes_2024.csv", EPISODES)
    history = read_ssda903(tmp_path, extract_date="2024-03-31", lenient=True)
    untold = [p for p in errors_of(history) if p.row is None]
    assert [(p.table, p.column) for p in untold] == [("header_2024_10.csv", "DOB")]
    assert "both are named for the collection year 2023-24" in untold[0].reason
    assert history.children["birth_date"].astype(str).tolist() == ["2010-05-02"]


def test_header_files_that_agree_or_are_told_apart_need_no_error(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", header("1", "WBRI"))
    write(tmp_path, "header_copy.csv", header("1", "WBRI"))
    write(tmp_path, "episodes.csv", EPISODES)
    assert read_ssda903(tmp_path, extract_date="2024-03-31").exclusions.problems == ()
    (tmp_path / "header_copy.csv").unlink()
    write(tmp_path, "header_22-23.csv", header("1", "BCRB"))  # 2023, against no year
    with pytest.raises(DataValidationError, match="cannot be told"):
        read_ssda903(tmp_path, extract_date="2024-03-31")
    (tmp_path / "header.csv").unlink()
    write(tmp_path, "header_2023-24.csv", header("1", "WBRI"))
    history = read_ssda903(tmp_path, extract_date="2024-03-31")  # strict: notes only
    assert history.children["ethnicity"].tolist() == ["WBRI"]


@pytest.mark.parametrize(("extra", "other"), [("IN_TOUCH", "OC3"), ("DUC", "uasc")])
def test_a_header_file_with_another_tables_column_is_not_taken_as_that_table(
    tmp_path: Path, extra: str, other: str
) -> None:
    """A file with the header's whole layout and one column of another table was taken as
    that table: with OC3's IN_TOUCH it was set aside in a note, with DUC read as the UASC
    table, and its children were lost. Which table it holds cannot be told: it is now an
    error naming both, and the episodes of its children point to it."""
    columns = f"{HEADER_COLUMNS},{extra}"
    write(tmp_path, "header_2024.csv", csv(columns, ["SECRET7,1,01/05/2010,WBRI,,,,"]))
    write(tmp_path, "episodes_2024.csv", EPISODES)
    write(tmp_path, "header_2023.csv", csv(HEADER_COLUMNS, ["OTHER1,2,01/05/2011,WBRI,,,"]))
    history = read_ssda903(tmp_path, extract_date="2024-03-31", lenient=True)
    first, *rest = errors_of(history)
    assert (first.table, first.row, first.action) == ("header_2024.csv", None, "file not read")
    assert f"the SSDA903 header and {other} tables" in first.reason
    assert any("the header file(s) 'header_2024.csv' could not be read" in p.reason for p in rest)


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("header_2024-06-15.csv", None),  # was 2024: a date read as a collection year
        ("header_15-06-2024.csv", None),  # was 2024
        ("header_2024_06_15.csv", None),  # was 2024
        ("header_20240615.csv", None),
        ("header_2023-24_2024-06-15.csv", 2024),  # the date beside the year passed over
        ("header_2022-23_exported_2025-01-10.csv", 2023),  # was None (2023 and 2025)
        ("header_2023-25.csv", None),  # was 2023: two years apart, not one collection year
        ("header_2023-2025.csv", None),  # was 2023
        ("header_2019_2024.csv", None),  # was 2019
        ("header_2024-2023.csv", None),  # was 2024
        ("header_2024_10.csv", 2024),  # a version after the year, as before
        ("header_2011-12.csv", 2012),  # a range, though 12 could be a month
    ],
)
def test_a_date_in_a_name_is_no_collection_year_and_years_apart_are_none(
    name: str, year: int | None
) -> None:
    """A date in a file's name ('header_2024-06-15.csv', the day it was exported, after
    the year it holds) was read as the collection year 2023-24 (its year, 2024), and
    'header_2023-25.csv' as 2022-23 (its first year): guesses. Neither names one now."""
    assert collection_year_of(name) == year


@pytest.mark.parametrize("name", ["header_2023-25.csv", "header_2019_2024.csv"])
def test_a_name_whose_collection_year_cannot_be_told_is_an_error_naming_the_file(
    tmp_path: Path, name: str
) -> None:
    """'header_2023-25.csv' was read as the collection year 2022-23 and ranked below
    'header_2023-24.csv' without a word, so the child's values of the other file were
    kept. It is now an error naming the file (no guess); lenient reading ranks it as a
    file whose name carries no year, so the two files disagreeing is an error too."""
    write(tmp_path, name, header("2", "WBRI"))
    write(tmp_path, "header_2023-24.csv", header("1", "WBRI"))
    write(tmp_path, "episodes_2024.csv", EPISODES)
    with pytest.raises(DataValidationError, match=f"file '{name}': the file's name carries"):
        read_ssda903(tmp_path, extract_date="2024-03-31")
    history = read_ssda903(tmp_path, extract_date="2024-03-31", lenient=True)
    named = [p for p in errors_of(history) if p.table == name]
    assert [(p.row, p.column, p.action) for p in named] == [(None, None, "kept")]
    assert "which collection year the file holds cannot be told" in named[0].reason
    (untold,) = [p for p in errors_of(history) if p.column == "SEX"]
    assert f"no collection year in the name of {name!r}" in untold.reason


def test_a_header_named_by_its_export_date_is_not_taken_for_a_collection_year(
    tmp_path: Path,
) -> None:
    """'header_2024-06-15.csv' (exported on that day) was taken for the collection year
    2023-24: beside 'header_2023-24.csv' the error said both 'are named for the collection
    year 2023-24'. Its name carries no collection year (and is no error in itself): the
    error says so."""
    write(tmp_path, "header_2023-24.csv", header("1", "WBRI"))
    write(tmp_path, "header_2024-06-15.csv", header("2", "WBRI"))
    write(tmp_path, "episodes_2024.csv", EPISODES)
    history = read_ssda903(tmp_path, extract_date="2024-03-31", lenient=True)
    (problem,) = errors_of(history)
    assert problem.column == "SEX"
    assert "no collection year in the name of 'header_2024-06-15.csv'" in problem.reason
