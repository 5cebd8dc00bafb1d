"""SSDA903 problems of a period of care are located at the row whose date they judge.

A period of care joins several episode rows: its start is the first row's ``DECOM``, its
end the last row's ``DEC``. A problem of the end (a date after the extract date, a death
after it) names the row that holds that ``DEC``, in its own file, and the value as that row
writes it; a problem of the start stays at the first row. Rows are 1-based as a spreadsheet
shows them (the header is row 1). Each folder is built so that the right row is known.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escalation.data.statutory import read_ssda903, source_report

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write


def located(history: Any) -> list[list[object]]:
    """Each problem's file, row, column, value and reason."""
    table = source_report(history.exclusions)[["file", "row", "element", "value", "reason"]]
    return table.astype(object).where(table.notna(), None).values.tolist()


def folder_of(tmp_path: Path, files: dict[str, list[str]]) -> Path:
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, ["K1,1,01/05/2012,WBRI,,,"]))
    for name, rows in files.items():
        write(tmp_path, name, csv(EPISODE_COLUMNS, rows))
    return tmp_path


def test_an_end_after_the_extract_date_is_at_the_row_holding_it(tmp_path: Path) -> None:
    rows = [
        episode_row("K1", "01/01/2020", "S", "C2", "U1", "01/02/2020", "X1"),
        episode_row("K1", "01/02/2020", "P", "C2", "U3", "01/06/2021", "E11"),
    ]
    history = read_ssda903(folder_of(tmp_path, {"episodes.csv": rows}), lenient=True,
                           extract_date="2021-03-31")  # fmt: skip
    assert located(history) == [
        ["episodes.csv", 3, "DEC", "01/06/2021", "date is after the extract date 2021-03-31"]
    ]


def test_an_end_in_a_later_years_file_is_at_that_files_row(tmp_path: Path) -> None:
    first = episode_row("K1", "01/01/2020", "S", "C2", "U1", "01/02/2020", "X1")
    files = {
        "episodes_2020.csv": [first, episode_row("K1", "01/02/2020", "P", "C2", "U3")],
        "episodes_2021.csv": [
            episode_row("K1", "02/03/2021", "B", "C2", "U3", "10/03/2021", "X1"),
            episode_row("K1", "10/03/2021", "P", "C2", "U4", "1/6/2021", "E11"),
        ],
    }
    history = read_ssda903(folder_of(tmp_path, files), lenient=True, extract_date="2021-03-31")
    problems = [p for p in located(history) if p[4].startswith("date is after")]
    assert problems == [
        ["episodes_2021.csv", 3, "DEC", "1/6/2021", "date is after the extract date 2021-03-31"]
    ]


def test_a_death_after_the_extract_date_is_at_its_dec(tmp_path: Path) -> None:
    rows = [
        episode_row("K1", "01/01/2020", "S", "C2", "U1", "01/02/2020", "X1"),
        episode_row("K1", "01/02/2020", "P", "C2", "U3", "01/06/2021", "E2"),
    ]
    history = read_ssda903(folder_of(tmp_path, {"episodes.csv": rows}), lenient=True,
                           extract_date="2021-03-31")  # fmt: skip
    assert sorted(p[:4] for p in located(history)) == [
        ["episodes.csv", 3, "DEC", "01/06/2021"],  # the period's end
        ["episodes.csv", 3, "DEC", "01/06/2021"],  # the death's date, the same cell
    ]


def test_a_start_problem_stays_at_the_first_row(tmp_path: Path) -> None:
    rows = [
        episode_row("K1", "01/01/2011", "S", "C2", "U1", "01/02/2011", "X1"),  # before birth
        episode_row("K1", "01/02/2011", "P", "C2", "U3", "01/03/2011", "E11"),
    ]
    history = read_ssda903(folder_of(tmp_path, {"episodes.csv": rows}), lenient=True,
                           extract_date="2021-03-31")  # fmt: skip
    ((file, row, column, value, reason),) = located(history)
    assert (file, row, column, value) == ("episodes.csv", 2, "DECOM", "01/01/2011")
    assert reason.startswith("episode starts more than 280 days")
