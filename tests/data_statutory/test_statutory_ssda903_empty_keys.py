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
