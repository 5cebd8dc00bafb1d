"""SSDA903 reader: episodes joined into periods of care, codes, dates, extra tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.data.statutory import read_ssda903, source_report
from escalation.errors import DataValidationError

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

HEADER = csv(
    HEADER_COLUMNS,
    [
        "A,1,01/05/2010,WBRI,A123456789012,,",
        "B,2,15/08/2008,BCRB,,,",
        "C,1,03/03/2006,AIND,,,",
    ],
)


def folder_with(tmp_path: Path, episodes: list[str], header: str = HEADER) -> Path:
    write(tmp_path, "header.csv", header)
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, episodes))
    return tmp_path


def periods(history: object) -> list[tuple[str, ...]]:
    frame = history.episodes  # type: ignore[attr-defined]
    cols = [
        "child_id",
        "kind",
        "start",
        "end",
        "legal_status",
        "legal_statuses",
        "placement",
        "placements",
        "reason_ceased",
    ]
    return sorted(tuple(str(v) for v in row) for row in frame[cols].astype(str).to_numpy())


def test_episodes_join_into_periods_of_care(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        [
            episode_row("A", "01/04/2019", "S", "V2", "U1", "10/05/2019", "X1"),
            episode_row("A", "10/05/2019", "T", "C1", "U3", "20/09/2019", "X1"),
            episode_row("A", "20/09/2019", "L", "C2", "U3", "01/02/2020", "E11"),
            episode_row("A", "01/06/2021", "S", "C2", "K2"),
            episode_row("C", "05/01/2021", "S", "V2", "R1", "06/01/2021", "E2"),
        ],
    )
    history = read_ssda903(folder, extract_date="2022-03-31")
    assert periods(history) == sorted(
        [
            (
                "A",
                "looked_after",
                "2019-04-01",
                "2020-02-01",
                "V2",
                "V2;C1;C2",
                "U1",
                "U1;U3",
                "E11",
            ),
            ("A", "looked_after", "2021-06-01", "NaT", "C2", "C2", "K2", "K2", "<NA>"),
            ("C", "looked_after", "2021-01-05", "2021-01-06", "V2", "V2", "R1", "R1", "E2"),
            ("C", "death", "2021-01-06", "NaT", "nan", "<NA>", "<NA>", "<NA>", "<NA>"),
        ]
    )
    kids = history.children.set_index("child_id")
    assert kids["sex"].astype(str).to_dict() == {"A": "M", "B": "F", "C": "M"}
    assert kids.loc["B", "birth_date"] == pd.Timestamp("2008-08-15")
    (note,) = history.exclusions.problems  # B has no episode: kept, with a note
    assert (note.table, note.row, note.severity) == ("header.csv", 1, "note")  # type: ignore[attr-defined]


def test_extract_date_inferred_from_the_collection_year(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, [episode_row("A", "01/04/2022", "S", "V2", "U1")])
    history = read_ssda903(folder)
    assert history.extract_date == pd.Timestamp("2023-03-31")
    assert "31 March after the latest episode date" in history.extract_date_source


def test_period_starting_before_the_data_and_broken_chains(tmp_path: Path) -> None:
    rows = [
        episode_row("A", "01/04/2019", "P", "C2", "U1", "10/05/2019", "X1"),  # began earlier
        episode_row("A", "12/05/2019", "P", "C2", "U2", "01/07/2019", "E13"),  # gap after X1
        episode_row("B", "01/04/2019", "S", "V2", "U1", "10/05/2019", "E12"),
        episode_row("B", "01/06/2019", "P", "V2", "U1", "01/07/2019", "X1"),  # after an end
    ]
    folder = folder_with(tmp_path, rows)
    with pytest.raises(DataValidationError) as error:
        read_ssda903(folder, extract_date="2020-03-31")
    assert "file 'episodes.csv', row 3, column 'DECOM'" in str(error.value)
    history = read_ssda903(folder, extract_date="2020-03-31", lenient=True)
    report = source_report(history.exclusions)
    assert report[["file", "row", "element", "severity"]].values.tolist() == [
        ["episodes.csv", 2, "RNE", "note"],
        ["episodes.csv", 3, "DECOM", "error"],
        ["episodes.csv", 5, "RNE", "error"],
        ["episodes.csv", 5, "REC", "error"],
        ["header.csv", 4, None, "note"],  # C has no episode
    ]
    got = periods(history)
    assert [(r[0], r[2], r[3]) for r in got] == [
        ("A", "2019-04-01", "2019-07-01"),
        ("B", "2019-04-01", "2019-05-10"),
        ("B", "2019-06-01", "NaT"),  # X1 with nothing after it: still open
    ]


def test_unknown_codes_and_invalid_dates(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path,
        [
            episode_row("A", "01/04/2019", "S", "V9", "Q9", "10/05/2019", "E99"),
            episode_row("B", "31/02/2019", "S", "V2", "U1"),
            episode_row("C", "2019-06-01", "S", "V2", "u1"),  # ISO dates accepted; codes exact
        ],
    )
    history = read_ssda903(folder, extract_date="2020-03-31", lenient=True)
    report = source_report(history.exclusions)
    assert report[["file", "row", "element", "value", "action"]].values.tolist() == [
        ["episodes.csv", 2, "LS", "V9", "value dropped"],
        ["episodes.csv", 2, "PLACE", "Q9", "value dropped"],
        ["episodes.csv", 2, "REC", "E99", "value dropped"],
        ["episodes.csv", 3, "DECOM", "31/02/2019", "episode excluded"],
        ["episodes.csv", 4, "PLACE", "u1", "value dropped"],
        ["header.csv", 3, None, None, "kept"],  # B: its only episode was excluded
    ]
    assert periods(history)[1][:5] == ("C", "looked_after", "2019-06-01", "NaT", "V2")


def test_unknown_child_and_personal_values_withheld(tmp_path: Path) -> None:
    header = csv(HEADER_COLUMNS, ["SECRET9,1,31/13/2010,WBRI,,,", "A,3,01/05/2010,XXXX,,,"])
    folder = folder_with(tmp_path, [episode_row("Z", "01/04/2019", "S", "V2", "U1")], header)
    with pytest.raises(DataValidationError) as error:
        read_ssda903(folder, extract_date="2020-03-31")
    message = str(error.value)
    assert "SECRET9" not in message and "31/13/2010" not in message
    assert "file 'header.csv', row 2, column 'DOB', value <withheld" in message
    assert "no child with this child_id" in message and "'episodes.csv', row 2" in message
    history = read_ssda903(folder, extract_date="2020-03-31", lenient=True)
    assert history.children["child_id"].tolist() == ["A"] and history.episodes.empty
    shown = history.exclusions.describe() + source_report(history.exclusions).to_csv()
    assert "SECRET9" not in shown and "'Z'" not in shown
    assert sorted(source_report(history.exclusions)["element"].dropna()) == [
        "CHILD",
        "DOB",
        "ETHNIC",
        "SEX",
    ]


def test_extra_tables_and_several_years(tmp_path: Path) -> None:
    write(tmp_path, "header_2020.csv", HEADER)
    write(tmp_path, "header_2021.csv", HEADER)
    write(
        tmp_path,
        "episodes_2020.csv",
        csv(
            EPISODE_COLUMNS,
            [
                episode_row("A", "01/04/2019", "S", "V2", "U1"),
            ],
        ),
    )
    write(
        tmp_path,
        "episodes_2021.csv",
        csv(
            EPISODE_COLUMNS,
            [
                episode_row("A", "01/04/2019", "S", "V2", "U1", "01/09/2020", "E4A"),
                episode_row("B", "01/02/2021", "S", "C1", "U4"),
            ],
        ),
    )
    write(tmp_path, "uasc.csv", csv("CHILD,SEX,DOB,DUC", ["B,2,15/08/2008,15/08/2026"]))
    write(
        tmp_path,
        "missing.csv",
        csv(
            "CHILD,DOB,MISSING,MIS_START,MIS_END",
            [
                "A,01/05/2010,M,02/05/2019,03/05/2019",
                "A,01/05/2010,A,09/06/2019,10/06/2019",
            ],
        ),
    )
    write(
        tmp_path,
        "reviews.csv",
        csv("CHILD,DOB,REVIEW,REVIEW_CODE", ["A,01/05/2010,01/06/2019,PN1"]),
    )
    write(tmp_path, "notes.csv", "something,else\n1,2\n")
    history = read_ssda903(tmp_path, extract_date="2021-03-31")
    assert periods(history) == sorted(
        [
            ("A", "looked_after", "2019-04-01", "2020-09-01", "V2", "V2", "U1", "U1", "E4A"),
            ("B", "looked_after", "2021-02-01", "NaT", "C1", "C1", "U4", "U4", "<NA>"),
        ]
    )
    kids = history.children.set_index("child_id")
    assert kids["uasc"].to_dict() == {"A": False, "B": True, "C": False}
    assert kids["missing_episodes"].to_dict() == {"A": 2, "B": 0, "C": 0}
    assert kids["reviews"].to_dict() == {"A": 1, "B": 0, "C": 0}
    notes = [(p.table, p.row) for p in history.exclusions.problems]
    assert notes == [("header_2021.csv", 2), ("notes.csv", None)]  # C: no episode
    assert {p.severity for p in history.exclusions.problems} == {"note"}  # type: ignore[attr-defined]


def test_missing_tables(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", HEADER)
    with pytest.raises(DataValidationError, match="no episodes table found"):
        read_ssda903(tmp_path, lenient=True)
    with pytest.raises(FileNotFoundError):
        read_ssda903(tmp_path / "absent")


def test_a_years_table_with_a_renamed_column_is_an_error_not_a_note(tmp_path: Path) -> None:
    """``header_2020.csv`` with ``DOB`` renamed was "not recognised ... [ignored]", a note,
    and the conversion succeeded without that year's children. It is now an error naming
    the columns it lacks: strict reading stops, lenient reading reports it."""
    write(tmp_path, "header_2020.csv", HEADER.replace("DOB", "Date of Birth", 1))
    write(tmp_path, "header_2021.csv", HEADER)
    write(
        tmp_path,
        "episodes.csv",
        csv(EPISODE_COLUMNS, [episode_row("A", "01/04/2019", "S", "V2", "U1")]),
    )
    with pytest.raises(DataValidationError, match=r"header_2020\.csv.*lacks the column\(s\) DOB"):
        read_ssda903(tmp_path, extract_date="2021-03-31")
    history = read_ssda903(tmp_path, extract_date="2021-03-31", lenient=True)
    (problem,) = [p for p in history.exclusions.problems if p.table == "header_2020.csv"]
    assert problem.severity == "error" and problem.action == "file not read"  # type: ignore[attr-defined]
    # Someone else's file in the folder is still only a note.
    write(tmp_path, "notes.csv", "something,else\n1,2\n")
    history = read_ssda903(tmp_path, extract_date="2021-03-31", lenient=True)
    (note,) = [p for p in history.exclusions.problems if p.table == "notes.csv"]
    assert note.severity == "note"  # type: ignore[attr-defined]
