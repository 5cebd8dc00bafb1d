"""SSDA903 rows without a child or a start: reported at their row, never dropped or matched."""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation.data.statutory import read_ssda903, source_report
from escalation.data.statutory.problems import SourceProblem
from escalation.errors import DataValidationError

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

HEADER = ["A1,1,01/05/2012,WBRI,,,", "A2,2,02/06/2013,WIRI,,,", "A3,1,03/07/2014,NOBT,,,"]


def located(problems: tuple[object, ...]) -> list[tuple[object, ...]]:
    """Each error's file, row, column, value as shown and action."""
    return [
        (p.file, p.shown_row, p.column, p.shown_value(), p.action)
        for p in problems
        if isinstance(p, SourceProblem) and p.severity == "error"
    ]


def test_an_episode_row_without_child_or_decom_is_an_error_at_its_row(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, HEADER))
    rows = [
        episode_row("A1", "03/01/2022", "S", "C2", "U1", "10/02/2022", "E11"),
        episode_row("A2", "05/01/2022", "S", "V2", "U1"),
        episode_row("", "07/01/2022", "T", "C2", "U1"),  # row 4: A2's change, no CHILD
        episode_row("A3", "", "S", "C2", "U1", "10/02/2022", "E11"),  # row 5: no DECOM
        episode_row("  ", "08/01/2022", "P", "C2", "U1"),  # row 6: CHILD only blanks
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    expected = [
        ("episodes.csv", 4, "CHILD", "<empty>", "episode excluded"),
        ("episodes.csv", 5, "DECOM", "<empty>", "episode excluded"),
        ("episodes.csv", 6, "CHILD", "<empty>", "episode excluded"),
    ]
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path)
    assert located(error.value.problems) == expected
    history = read_ssda903(tmp_path, lenient=True)
    assert located(history.exclusions.problems) == expected
    assert sorted(history.episodes["child_id"]) == ["A1", "A2"]  # A3's only period excluded


def test_two_blank_rows_ending_a_header_file_are_each_a_blank_row(tmp_path: Path) -> None:
    # Excel's "Save as CSV" leaves ,,,,,, rows: each is the contract's one blank-row problem
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, [*HEADER[:2], ",,,,,,", ",,,,,,"]))
    rows = [
        episode_row("A1", "03/01/2022", "S", "C2", "U1", "10/02/2022", "E11"),
        episode_row("A2", "05/01/2022", "S", "V2", "U1"),
        ",,,,,,,,,,,,",  # and one in the episodes file
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    for lenient in (False, True):
        if lenient:
            problems = read_ssda903(tmp_path, lenient=True).exclusions.problems
        else:
            with pytest.raises(DataValidationError) as error:
                read_ssda903(tmp_path)
            problems = error.value.problems
        report = source_report(problems)
        report["reason"] = report["reason"].str.split(":").str[0]
        assert report[["file", "row", "reason", "action"]].values.tolist() == [
            ["episodes.csv", 4, "blank row", "episode excluded"],
            ["header.csv", 4, "blank row", "child excluded"],
            ["header.csv", 5, "blank row", "child excluded"],
        ]


def test_header_rows_without_a_child_are_reported_never_matched(tmp_path: Path) -> None:
    # two rows with values but no CHILD: each is reported, none merged with the other
    rows = [*HEADER[:2], ",1,01/05/2012,WBRI,,,", ",2,02/06/2013,WIRI,,,"]
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, rows))
    episodes = [
        episode_row("A1", "03/01/2022", "S", "C2", "U1", "10/02/2022", "E11"),
        episode_row("A2", "05/01/2022", "S", "V2", "U1"),
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, episodes))
    history = read_ssda903(tmp_path, lenient=True)
    report = source_report(history.exclusions)
    assert report[["file", "row", "element", "reason"]].values.tolist() == [
        ["header.csv", 4, "CHILD", "child_id is empty"],
        ["header.csv", 5, "CHILD", "child_id is empty"],
    ]
    assert sorted(history.children["child_id"]) == ["A1", "A2"]


#: Each extra table's file: its columns, a row read (row 2), a row with values but no
#: CHILD (row 3) and, for the tables counted by a date, a row with no date (row 4).
EXTRA_TABLES = {
    "uasc": ("CHILD,SEX,DOB,DUC", ["A1,1,01/05/2012,01/05/2030", ",2,02/06/2013,02/06/2031"]),
    "missing": (
        "CHILD,DOB,MISSING,MIS_START,MIS_END",
        [
            "A1,01/05/2012,M,02/02/2022,03/02/2022",
            ",02/06/2013,M,04/02/2022,05/02/2022",
            "A2,02/06/2013,M,,05/02/2022",
        ],
    ),
    "reviews": (
        "CHILD,DOB,REVIEW,REVIEW_CODE",
        ["A1,01/05/2012,06/02/2022,PN1", ",02/06/2013,07/02/2022,PN1", "A2,02/06/2013,,PN1"],
    ),
}
#: The children's column each extra table gives.
EXTRA_COLUMN = {"uasc": "uasc", "missing": "missing_episodes", "reviews": "reviews"}


def errors_of(problems: tuple[object, ...]) -> list[tuple[object, ...]]:
    """Each error's file, row, column, value as shown, action and reason up to its colon."""
    return [
        (p.file, p.shown_row, p.column, p.shown_value(), p.action, p.reason.split(":")[0])
        for p in problems
        if isinstance(p, SourceProblem) and p.severity == "error"
    ]


@pytest.mark.parametrize("table", sorted(EXTRA_TABLES))
def test_an_extra_table_row_without_its_child_or_date_is_an_error_at_its_row(
    tmp_path: Path, table: str
) -> None:
    # a UASC, Missing or Reviews row with values but no CHILD was skipped without a word
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, HEADER))
    rows = [
        episode_row("A1", "03/01/2022", "S", "C2", "U1", "10/02/2022", "E11"),
        episode_row("A2", "05/01/2022", "S", "V2", "U1"),
        episode_row("A3", "06/01/2022", "S", "V2", "U1"),
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    columns, values = EXTRA_TABLES[table]
    blank = "," * columns.count(",")  # the one blank-row rule, as in every file
    write(tmp_path, f"{table}.csv", csv(columns, [*values, blank]))
    name = f"{table}.csv"
    requires = f"which the SSDA903 {table} table requires"
    expected = [(name, 3, "CHILD", "<empty>", "ignored", f"CHILD is empty, {requires}")]
    if len(values) == 3:
        date = columns.split(",")[2 if table == "reviews" else 3]
        expected.append((name, 4, date, "<empty>", "ignored", f"{date} is empty, {requires}"))
    expected.append((name, len(values) + 2, None, "<empty>", "ignored", "blank row"))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path)
    assert errors_of(error.value.problems) == expected
    history = read_ssda903(tmp_path, lenient=True)
    assert errors_of(history.exclusions.problems) == expected
    given = history.children.set_index("child_id")[EXTRA_COLUMN[table]]
    assert given.astype(int).to_dict() == {"A1": 1, "A2": 0, "A3": 0}


@pytest.mark.parametrize("table", ["missing", "reviews"])
def test_a_counted_table_of_only_blank_or_keyless_rows_counts_nothing(
    tmp_path: Path, table: str
) -> None:
    # a file of only blank rows crashed ("No objects to concatenate"); a keyless row vanished
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, HEADER[:1]))
    episodes = [episode_row("A1", "03/01/2022", "S", "C2", "U1", "10/02/2022", "E11")]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, episodes))
    columns, values = EXTRA_TABLES[table]
    write(tmp_path, f"{table}.csv", csv(columns, [values[1], "," * columns.count(",")]))
    history = read_ssda903(tmp_path, lenient=True)
    assert [row[1:3] for row in errors_of(history.exclusions.problems)] == [(2, "CHILD"), (3, None)]
    assert history.children[EXTRA_COLUMN[table]].tolist() == [0]
