"""SSDA903 reader: nothing lost or changed without a located problem saying so.

Missing expected columns, an excluded row whose earlier year's copy stands in, repeated
rows and children, children with no episode, and the order of the problems.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.data.statutory import read_ssda903, source_report
from escalation.data.statutory.problems import SourceProblem
from escalation.errors import DataValidationError

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

HEADER = csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,", "B,2,15/08/2008,BCRB,,,"])


def without(columns: str, text: str, drop: str) -> str:
    """Return CSV ``text`` with header ``columns`` minus the column ``drop``."""
    names = columns.split(",")
    at = names.index(drop)
    lines = text.splitlines()
    kept = [",".join(v for i, v in enumerate(line.split(",")) if i != at) for line in lines]
    return "\n".join(kept) + "\n"


def problems_of(history: object) -> list[SourceProblem]:
    return list(history.exclusions.problems)  # type: ignore[attr-defined]


def _episodes_without(folder: Path, column: str) -> None:
    """A header and a year's episodes file (two children, one period each) lacking ``column``."""
    write(folder, "header.csv", HEADER)
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1", "10/05/2019", "E11"),
        episode_row("B", "01/06/2019", "S", "C2", "U3"),
    ]
    write(folder, "episodes_2020.csv", without(EPISODE_COLUMNS, csv(EPISODE_COLUMNS, rows), column))


@pytest.mark.parametrize("column", ["DEC", "REC"])
def test_a_missing_episode_column_is_an_error_naming_file_and_column(
    tmp_path: Path, column: str
) -> None:
    """Deleting ``DEC`` from a year's episodes file was silent: "No problems found", and
    periods that had ended became open. Every missing episode column is now an error
    naming the file and the column; lenient reading says what became of the rows."""
    _episodes_without(tmp_path, column)
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    assert f"file 'episodes_2020.csv', column {column!r}:" in str(error.value)
    assert f"the column {column} expected in the SSDA903 episodes table is missing" in str(
        error.value
    )
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    (problem,) = problems_of(history)
    assert (problem.table, problem.row, problem.column) == ("episodes_2020.csv", None, column)
    assert problem.severity == "error" and problem.action == "value dropped"
    if column == "DEC":
        assert "read with no end date" in problem.reason
        assert history.episodes["end"].isna().all()  # as the report says


@pytest.mark.parametrize("column", ["LS", "CIN", "PLACE"])
def test_a_missing_descriptive_episode_column_is_a_note_naming_file_and_column(
    tmp_path: Path, column: str
) -> None:
    """Legal status (optional in the contract), category of need and placement type only
    describe a period of care: without their column a file is read, those values unknown,
    with a note naming the file and the column (they went missing silently)."""
    _episodes_without(tmp_path, column)
    history = read_ssda903(tmp_path, extract_date="2020-03-31")  # strict: a note only
    (problem,) = problems_of(history)
    assert (problem.table, problem.row, problem.column) == ("episodes_2020.csv", None, column)
    assert problem.severity == "note" and problem.action == "value dropped"
    assert f"the column {column} expected in the SSDA903 episodes table is missing" in (
        problem.reason
    )
    assert len(history.episodes[history.episodes["kind"] == "looked_after"]) == 2


def test_a_missing_rec_column_reads_episodes_as_continuing_when_the_next_does(
    tmp_path: Path,
) -> None:
    """Without ``REC`` an episode followed by one that does not start a period (RNE not S)
    is read as continuing it, not reported as a broken chain."""
    write(tmp_path, "header.csv", HEADER)
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1", "10/05/2019", "X1"),
        episode_row("A", "10/05/2019", "P", "V2", "U3", "01/07/2019", "E11"),
        episode_row("B", "01/04/2019", "S", "C2", "U1", "10/05/2019", "E11"),
        episode_row("B", "01/06/2019", "S", "C2", "U1"),
    ]
    write(tmp_path, "episodes.csv", without(EPISODE_COLUMNS, csv(EPISODE_COLUMNS, rows), "REC"))
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    assert [p.column for p in problems_of(history)] == ["REC"]
    got = history.episodes[["child_id", "start", "end"]].astype(str).values.tolist()
    assert sorted(got) == [
        ["A", "2019-04-01", "2019-07-01"],
        ["B", "2019-04-01", "2019-05-10"],
        ["B", "2019-06-01", "NaT"],
    ]


def test_a_header_without_an_optional_column_is_read_with_a_note(tmp_path: Path) -> None:
    """A header file missing only ``ETHNIC`` (optional in the contract) was refused whole,
    and each of its children's episodes became a "no child" error. Now its children are
    read, their ethnicity unknown, with a note naming the file and the column."""
    write(tmp_path, "header_2020.csv", without(HEADER_COLUMNS, HEADER, "ETHNIC"))
    write(
        tmp_path,
        "episodes.csv",
        csv(EPISODE_COLUMNS, [episode_row("A", "01/04/2019", "S", "V2", "U1")]),
    )
    history = read_ssda903(tmp_path, extract_date="2020-03-31")  # strict: a note only
    assert history.children["ethnicity"].isna().all()
    assert history.children["sex"].astype(str).tolist() == ["M", "F"]
    ethnic = [p for p in problems_of(history) if p.column == "ETHNIC"]
    assert [(p.table, p.row, p.severity) for p in ethnic] == [("header_2020.csv", None, "note")]


def test_a_refused_header_file_is_named_before_and_in_the_no_child_errors(
    tmp_path: Path,
) -> None:
    """A header file that cannot be read makes every episode of its children a "no child"
    error; the file and why it was refused come first, and each such error names it."""
    write(tmp_path, "header_2020.csv", HEADER)
    write(
        tmp_path,
        "header_2021.csv",
        csv(HEADER_COLUMNS.replace("DOB", "BIRTH"), ["C,1,01/05/2011,WBRI,,,"]),
    )
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1"),
        episode_row("C", "01/04/2020", "S", "V2", "U1"),
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2021-03-31")
    lines = str(error.value).splitlines()[1:]
    assert "'header_2021.csv'" in lines[0] and "DOB" in lines[0] and "not read" in lines[0]
    assert "no child with this child_id" in lines[1]
    assert "the header file(s) 'header_2021.csv' could not be read" in lines[1]


def test_an_excluded_row_says_which_earlier_record_is_used_instead(tmp_path: Path) -> None:
    """A 2024 row with a ``DECOM`` that is not a date was reported "[episode excluded]",
    yet the 2023 file's record of that period (open then) was used, its end lost. The
    report now says which record was used instead and that it has no end date."""
    write(tmp_path, "header.csv", HEADER)
    write(
        tmp_path,
        "episodes_2023.csv",
        csv(
            EPISODE_COLUMNS,
            [
                episode_row("A", "10/09/2022", "S", "V2", "U1"),
                episode_row("B", "01/02/2023", "S", "C2", "U1"),
            ],
        ),
    )
    write(
        tmp_path,
        "episodes_2024.csv",
        csv(
            EPISODE_COLUMNS,
            [
                episode_row("A", "10/09/22", "S", "V2", "U1", "18/11/2023", "E11"),
                episode_row("B", "01/02/2023", "S", "C2", "U1", "13/25/2023", "E11"),
            ],
        ),
    )
    history = read_ssda903(tmp_path, lenient=True)
    got = history.episodes[["child_id", "start", "end"]].astype(str).values.tolist()
    assert sorted(got) == [["A", "2022-09-10", "NaT"], ["B", "2023-02-01", "NaT"]]
    first, second = problems_of(history)
    assert (first.table, first.row, first.column) == ("episodes_2024.csv", 0, "DECOM")
    assert "'episodes_2023.csv' (row 2)" in first.hint and "used instead" in first.hint
    assert "no end date" in first.hint
    assert (second.table, second.row, second.column) == ("episodes_2024.csv", 1, "DEC")
    assert "the record of this episode in 'episodes_2023.csv' (row 3)" in second.hint
    assert "which has no end date, is used instead" in second.hint


def test_repeated_episode_rows_are_reported(tmp_path: Path) -> None:
    """An exact duplicate row was removed with no report; a second row of the same child
    and DECOM with other values was dropped silently. Both are now errors naming the first
    row (and the columns that differ); one period is kept."""
    write(tmp_path, "header.csv", HEADER)
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1"),
        episode_row("A", "01/04/2019", "S", "V2", "U1"),
        episode_row("B", "01/04/2019", "S", "C2", "U1"),
        episode_row("B", "01/04/2019", "S", "C2", "U3"),
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    assert "row 3, column 'DECOM', value '01/04/2019': repeats row 2" in str(error.value)
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    assert len(history.episodes) == 2
    assert history.episodes.set_index("child_id")["placement"].astype(str).to_dict() == {
        "A": "U1",
        "B": "U1",
    }
    copy, other = problems_of(history)
    assert copy.row == 1 and "identical in every column" in copy.reason
    assert other.row == 3 and "as row 4 but a different PLACE" in other.reason
    assert copy.action == other.action == "episode excluded"


def test_a_repeated_header_child_names_the_characteristics_that_differ(tmp_path: Path) -> None:
    """A second header row of a child with another birth date was reported only as "the
    same child identifier appears again"; now the differing column is named, not valued."""
    header = csv(
        HEADER_COLUMNS,
        ["A,1,15/06/2012,WBRI,,,", "B,2,15/08/2008,BCRB,,,", "A,1,01/01/2010,WBRI,,,"],
    )
    write(tmp_path, "header.csv", header)
    write(
        tmp_path,
        "episodes.csv",
        csv(
            EPISODE_COLUMNS,
            [
                episode_row("A", "01/04/2019", "S", "V2", "U1"),
                episode_row("B", "01/04/2019", "S", "V2", "U1"),
            ],
        ),
    )
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    message = str(error.value)
    assert "appears again (first at row 2), with a different DOB;" in message
    assert "2012" not in message and "2010" not in message


def test_a_child_without_episodes_is_noted(tmp_path: Path) -> None:
    """A header child with no episode was added to the children with no word."""
    write(tmp_path, "header.csv", HEADER)
    write(
        tmp_path,
        "episodes.csv",
        csv(EPISODE_COLUMNS, [episode_row("A", "01/04/2019", "S", "V2", "U1")]),
    )
    history = read_ssda903(tmp_path, extract_date="2020-03-31")
    assert history.children["child_id"].tolist() == ["A", "B"]
    (note,) = problems_of(history)
    assert (note.table, note.row, note.severity, note.action) == ("header.csv", 1, "note", "kept")
    assert "no episode" in note.reason
    assert source_report(history.exclusions)["row"].tolist() == [3]


def test_strict_problems_are_listed_by_file_then_row(tmp_path: Path) -> None:
    """Problems were listed check by check (row 1's date before row 0's code)."""
    write(tmp_path, "header.csv", HEADER)
    rows = [
        episode_row("A", "01/04/2019", "S", "ZZ", "U1"),
        episode_row("B", "31/02/2019", "S", "V2", "U1"),
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    rows_listed = [
        line.split("row ")[1].split(" ")[0] for line in str(error.value).splitlines()[1:]
    ]
    assert rows_listed == sorted(rows_listed)
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    report = source_report(history.exclusions)
    ordered = report.sort_values(["file", "row"], kind="stable")
    pd.testing.assert_frame_equal(report, ordered)


def test_an_excluded_earlier_row_says_the_later_record_is_used(tmp_path: Path) -> None:
    """An earlier year's row excluded for its ``DEC`` is superseded by the later record."""
    write(tmp_path, "header.csv", HEADER)
    write(
        tmp_path,
        "episodes_2023.csv",
        csv(EPISODE_COLUMNS, [episode_row("A", "10/09/2022", "S", "V2", "U1", "31/31/2022")]),
    )
    write(
        tmp_path,
        "episodes_2024.csv",
        csv(
            EPISODE_COLUMNS, [episode_row("A", "10/09/2022", "S", "V2", "U1", "18/11/2023", "E11")]
        ),
    )
    history = read_ssda903(tmp_path, lenient=True)
    assert history.episodes["end"].astype(str).tolist() == ["2023-11-18"]
    (problem,) = [p for p in problems_of(history) if p.column == "DEC"]
    assert "recorded in the later file 'episodes_2024.csv' (row 2), which is used" in problem.hint


def test_a_corrected_row_after_an_excluded_one_is_kept(tmp_path: Path) -> None:
    """A row excluded for a bad value is not the episode's first record: the corrected
    row after it was called a repeat of itself and excluded too, losing the episode."""
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nA1,1,01/05/2012,WBRI\n")
    (tmp_path / "episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\n"
        "A1,03/01/2022,S,V2,N1,U1,10/13/2022,E11\n"
        "A1,03/01/2022,S,V2,N1,U1,10/02/2022,E11\n"
    )
    history = read_ssda903(tmp_path, extract_date="2023-03-31", lenient=True)
    care = history.episodes[history.episodes["kind"] == "looked_after"]
    assert care["end"].astype(str).tolist() == ["2022-02-10"]
    assert [(p.row, p.column) for p in problems_of(history)] == [(0, "DEC")]


def test_a_year_without_rec_is_read_as_such_beside_years_with_it(tmp_path: Path) -> None:
    """Whether REC is known is a property of each file: a year without it read its
    episodes as continuing only when every year lacked it (the files are joined)."""
    (tmp_path / "header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC\nA1,1,01/05/2012,WBRI\nB1,2,01/05/2013,WBRI\n"
    )
    (tmp_path / "episodes_2022.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC\nB1,03/01/2022,S,V2,N1,U1,10/02/2022\n"
        "B1,10/02/2022,P,V2,N1,U3,\n"
    )
    alone = read_ssda903(tmp_path, extract_date="2023-03-31", lenient=True)
    (tmp_path / "episodes_2021.csv").write_text(
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\nA1,03/01/2021,S,V2,N1,U1,10/02/2021,E11\n"
    )
    beside = read_ssda903(tmp_path, extract_date="2023-03-31", lenient=True)
    for history in (alone, beside):
        care = history.episodes[
            (history.episodes["kind"] == "looked_after") & (history.episodes["child_id"] == "B1")
        ]
        assert len(care) == 1  # one period: the P episode continues the S one
        assert not any(p.column == "RNE" for p in problems_of(history))
