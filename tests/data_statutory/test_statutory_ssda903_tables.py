"""SSDA903 reader: each file is recognised as the table whose columns identify it.

The column sets are those of the DfE's SSDA903 CSV layouts (2016-17 onward); several
tables repeat the child's ``CHILD``, ``SEX``, ``DOB`` (and, in some exports, ``ETHNIC``),
which identify no table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation.data.statutory import read_ssda903
from escalation.data.statutory.problems import SourceProblem
from escalation.errors import DataValidationError

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

HEADER = csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,", "B,2,15/08/2008,BCRB,,,"])
EPISODES = csv(
    EPISODE_COLUMNS,
    [
        episode_row("A", "01/04/2019", "S", "V2", "U1", "10/05/2019", "E11"),
        episode_row("B", "01/06/2019", "S", "C2", "U3"),
    ],
)
#: The tables the reader does not use, with their own columns (after CHILD and DOB).
NOT_READ = {
    "OC2": "SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
    "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED",
    "OC3": "IN_TOUCH,ACTIV,ACCOM",
    "AD1": "DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR",
    "PlacedAdoption": "DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED",
    "PrevPerm": "PREV_PERM,LA_PERM,DATE_PERM",
    "SocialWorker": "SW_ID,SW_DECOM,SW_DEC,SW_REASON",
}
#: The child's columns a table may carry: as published, with SEX, with SEX and ETHNIC.
CHILD_COLUMNS = {
    "as published": ("CHILD,DOB", "A,01/05/2010"),
    "with SEX": ("CHILD,SEX,DOB", "A,1,01/05/2010"),
    "with SEX and ETHNIC": ("CHILD,SEX,DOB,ETHNIC", "A,1,01/05/2010,WBRI"),
}


def problems_of(history: object) -> list[SourceProblem]:
    return list(history.exclusions.problems)  # type: ignore[attr-defined]


def a_return(folder: Path) -> Path:
    write(folder, "header.csv", HEADER)
    write(folder, "episodes.csv", EPISODES)
    return folder


@pytest.mark.parametrize("child", list(CHILD_COLUMNS))
@pytest.mark.parametrize("table", list(NOT_READ))
def test_a_table_not_read_is_named_and_set_aside(tmp_path: Path, table: str, child: str) -> None:
    """OC2, OC3, AD1, PlacedAdoption, PrevPerm and SocialWorker files carry the child's
    CHILD and DOB (some exports SEX and ETHNIC too). As published they were taken for a
    header lacking SEX and ETHNIC (an error: strict reading failed); with SEX they were
    read as a header (their children merged into the children table); with SEX and
    ETHNIC too, as a header without a word. Each is now named as its table, set aside
    with a note saying the reader does not use it."""
    a_return(tmp_path)
    columns, values = CHILD_COLUMNS[child]
    own = NOT_READ[table]
    write(tmp_path, "extra.csv", csv(f"{columns},{own}", [values + "," * own.count(",")]))
    history = read_ssda903(tmp_path, extract_date="2020-03-31")  # strict: a note only
    (problem,) = [p for p in problems_of(history) if p.table == "extra.csv"]
    assert problem.severity == "note" and problem.action == "ignored"
    assert f"the SSDA903 {table} table" in problem.reason
    assert "not used" in problem.reason
    assert sorted(history.children["child_id"]) == ["A", "B"]
    assert "ethnicity" not in problem.reason and "header table" not in problem.reason


@pytest.mark.parametrize("child", list(CHILD_COLUMNS))
def test_a_uasc_file_is_the_uasc_table_whatever_child_columns_it_carries(
    tmp_path: Path, child: str
) -> None:
    a_return(tmp_path)
    columns, values = CHILD_COLUMNS[child]
    write(tmp_path, "u.csv", csv(f"{columns},DUC", [f"{values},15/08/2026"]))
    history = read_ssda903(tmp_path, extract_date="2020-03-31")
    assert history.children.set_index("child_id")["uasc"].to_dict() == {"A": True, "B": False}
    assert not any(p.table == "u.csv" for p in problems_of(history))


def test_a_file_holding_two_tables_is_an_error_naming_both(tmp_path: Path) -> None:
    """A file with the identifying columns of two tables read (episodes and UASC) was
    read as the first one matched, the other table's rows lost without a word."""
    a_return(tmp_path)
    write(
        tmp_path,
        "joined.csv",
        csv(EPISODE_COLUMNS + ",DUC", [episode_row("A", "01/06/2019", "S", "V2", "U1") + ","]),
    )
    with pytest.raises(DataValidationError, match=r"joined\.csv.*episodes and uasc"):
        read_ssda903(tmp_path, extract_date="2020-03-31")
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    (problem,) = [p for p in problems_of(history) if p.table == "joined.csv"]
    assert problem.severity == "error" and problem.action == "file not read"
    assert len(history.episodes) == 2  # the file was not read


def test_adoption_tables_in_one_file_are_named_together(tmp_path: Path) -> None:
    a_return(tmp_path)
    both = NOT_READ["AD1"] + "," + NOT_READ["PlacedAdoption"]
    write(tmp_path, "adoption.csv", csv(f"CHILD,DOB,{both}", ["A,01/05/2010" + ",0" * 9]))
    history = read_ssda903(tmp_path, extract_date="2020-03-31")
    (problem,) = [p for p in problems_of(history) if p.table == "adoption.csv"]
    assert "the SSDA903 AD1 and PlacedAdoption tables" in problem.reason
    assert problem.severity == "note"


@pytest.mark.parametrize("column", ["MISSING", "MIS_END"])
def test_a_missing_table_without_a_column_is_a_note_naming_file_and_column(
    tmp_path: Path, column: str
) -> None:
    """The Missing table's MISSING and MIS_END went missing silently (the other tables'
    columns are reported): now a note naming the file and the column, saying what the
    count of missing episodes is then."""
    a_return(tmp_path)
    names = ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
    values = ["A", "01/05/2010", "M", "02/05/2019", "03/05/2019"]
    at = names.index(column)
    del names[at], values[at]
    write(tmp_path, "missing_2020.csv", csv(",".join(names), [",".join(values)]))
    history = read_ssda903(tmp_path, extract_date="2020-03-31")  # strict: a note only
    (problem,) = [p for p in problems_of(history) if p.table == "missing_2020.csv"]
    assert (problem.row, problem.column) == (None, column)
    assert problem.severity == "note" and problem.action == "value dropped"
    assert f"the column {column} expected in the SSDA903 missing table is missing" in (
        problem.reason
    )
    assert history.children.set_index("child_id")["missing_episodes"].to_dict() == {"A": 1, "B": 0}


def test_a_reviews_file_with_review_renamed_is_named_as_reviews(tmp_path: Path) -> None:
    """A Reviews file whose REVIEW column was renamed was called a header lacking SEX and
    ETHNIC (its CHILD and DOB); its REVIEW_CODE names it as the Reviews table."""
    a_return(tmp_path)
    write(
        tmp_path,
        "r.csv",
        csv("CHILD,DOB,REVIEW_DATE,REVIEW_CODE", ["A,01/05/2010,01/06/2019,PN1"]),
    )
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    (problem,) = [p for p in problems_of(history) if p.table == "r.csv"]
    assert "the SSDA903 reviews table lacks the column(s) REVIEW," in problem.reason
    assert "header table" not in problem.reason


def test_a_missing_or_review_date_that_is_not_a_date_is_reported_not_counted(
    tmp_path: Path,
) -> None:
    """The Missing and Reviews tables' dates were never checked: a row whose MIS_START or
    REVIEW was not a date, or empty, was counted as an episode or a review without a word."""
    a_return(tmp_path)
    write(
        tmp_path,
        "missing.csv",
        csv(
            "CHILD,DOB,MISSING,MIS_START,MIS_END",
            ["A,01/05/2010,M,02/05/2019,03/05/2019", "A,01/05/2010,M,31/02/2019,", "B,,A,,"],
        ),
    )
    write(
        tmp_path,
        "reviews.csv",
        csv("CHILD,DOB,REVIEW,REVIEW_CODE", ["A,01/05/2010,01/06/2019,PN1", "B,,2019-13-01,"]),
    )
    with pytest.raises(DataValidationError, match=r"'missing\.csv', row 3, column"):
        read_ssda903(tmp_path, extract_date="2020-03-31")
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    found = [(p.table, p.row, p.column, p.action) for p in problems_of(history)]
    assert found == [
        ("missing.csv", 1, "MIS_START", "ignored"),
        ("missing.csv", 2, "MIS_START", "ignored"),
        ("reviews.csv", 1, "REVIEW", "ignored"),
    ]
    kids = history.children.set_index("child_id")
    assert kids["missing_episodes"].to_dict() == {"A": 1, "B": 0}
    assert kids["reviews"].to_dict() == {"A": 1, "B": 0}


def test_rows_of_a_child_in_no_header_are_named(tmp_path: Path) -> None:
    """A UASC, Missing or Reviews row of a child in no header table was dropped from the
    counts without a word (the child's header may be the file that is missing)."""
    a_return(tmp_path)
    write(tmp_path, "uasc.csv", csv("CHILD,SEX,DOB,DUC", ["Z9,1,01/05/2010,01/05/2028"]))
    write(
        tmp_path,
        "reviews.csv",
        csv("CHILD,DOB,REVIEW,REVIEW_CODE", ["A,01/05/2010,01/06/2019,PN1", "Z9,,01/06/2019,"]),
    )
    history = read_ssda903(tmp_path, extract_date="2020-03-31")  # strict: notes only
    found = [(p.table, p.row, p.column, p.severity) for p in problems_of(history)]
    assert found == [("reviews.csv", 1, "CHILD", "note"), ("uasc.csv", 0, "CHILD", "note")]
    assert all("no child with this CHILD in the header" in p.reason for p in problems_of(history))
    assert "Z9" not in history.exclusions.describe()


@pytest.mark.parametrize(
    "duc",
    ["31/13/2020", "30/02/2021", "soon"],
)
def test_a_uasc_date_ceased_that_is_not_a_date_is_an_error_at_its_row(
    tmp_path: Path, duc: str
) -> None:
    """The UASC table's DUC was never checked: '31/13/2020' or 'soon' passed without a
    word (rule 104 of the DfE's SSDA903 validation). It is an error at its file, row and
    column; an empty DUC (the child is still UASC) is none; the child is still UASC. Its
    value is withheld: a DUC is most often the child's 18th birthday (rule 304)."""
    children = ["SECRET1,1,01/05/2010,WBRI,,,", "SECRET2,2,15/08/2008,BCRB,,,"]
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, children))
    periods = [episode_row(c, "01/06/2019", "S", "C2", "U3") for c in ("SECRET1", "SECRET2")]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, periods))
    write(
        tmp_path,
        "uasc.csv",
        csv("CHILD,SEX,DOB,DUC", ["SECRET1,1,01/05/2010,", f"SECRET2,2,15/08/2008,{duc}"]),
    )
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    message = str(error.value)
    assert "file 'uasc.csv', row 3, column 'DUC', value <withheld: personal data>: not a date" in (
        message
    )
    assert not any(secret in message for secret in ("SECRET", "15/08/2008", "01/05/2010", duc))
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    found = [(p.table, p.row, p.column, p.action) for p in problems_of(history)]
    assert found == [("uasc.csv", 1, "DUC", "value dropped")]
    assert history.children.set_index("child_id")["uasc"].to_dict() == {
        "SECRET1": True,
        "SECRET2": True,
    }
