"""SSDA903 reader: which files of a folder are read, and which year's record is used."""

from __future__ import annotations

from pathlib import Path

from escalation.data.statutory import read_ssda903
from escalation.data.statutory.problems import SourceProblem

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

HEADER = csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,", "B,2,15/08/2008,BCRB,,,"])
EARLIER = [  # a return whose year ended on 31 March 2023: both periods still open
    episode_row("A", "10/09/2022", "S", "V2", "U1"),
    episode_row("B", "01/03/2023", "S", "C2", "U3"),
]
LATER = [  # the next year's: A's period ended; no period started after B's
    episode_row("A", "10/09/2022", "S", "V2", "U1", "18/11/2023", "E11"),
    episode_row("B", "01/03/2023", "S", "C2", "U3"),
]


def problems_of(history: object) -> list[SourceProblem]:
    return list(history.exclusions.problems)  # type: ignore[attr-defined]


def ends(history: object) -> dict[str, str]:
    care = history.episodes  # type: ignore[attr-defined]
    return dict(zip(care["child_id"], care["end"].astype(str), strict=True))


def test_the_later_year_is_told_by_its_end_dates_not_only_its_start_dates(
    tmp_path: Path,
) -> None:
    """Files were ranked by their latest DECOM alone: a later year in which no period
    started after the earlier year's last one tied with it, and the names decided
    ('episodes_current' before 'episodes_last_year'): the earlier year's open record
    was used and A's period, ended in the later file, read as open, without a word."""
    write(tmp_path, "header.csv", HEADER)
    write(tmp_path, "episodes_last_year.csv", csv(EPISODE_COLUMNS, EARLIER))
    write(tmp_path, "episodes_current.csv", csv(EPISODE_COLUMNS, LATER))
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    assert ends(history) == {"A": "2023-11-18", "B": "NaT"}


def test_a_year_with_iso_dates_is_ranked_by_them(tmp_path: Path) -> None:
    """ISO dates are read, but a file's rank parsed dd/mm/YYYY only: a later year written
    with ISO dates ranked before every other, and its end dates were overridden."""
    write(tmp_path, "header.csv", HEADER)
    write(tmp_path, "episodes_2023.csv", csv(EPISODE_COLUMNS, EARLIER))
    iso = [
        episode_row("A", "2022-09-10", "S", "V2", "U1", "2023-11-18", "E11"),
        episode_row("B", "2023-03-01", "S", "C2", "U3", "2023-12-01", "E11"),
    ]
    write(tmp_path, "episodes_2024.csv", csv(EPISODE_COLUMNS, iso))
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    assert ends(history) == {"A": "2023-11-18", "B": "2023-12-01"}


def test_two_files_of_one_year_are_named(tmp_path: Path) -> None:
    """Two versions of one year's episodes (a resubmission beside the first) were joined
    without a word, one of them used where both record an episode. Now a note on the
    version not preferred names the other."""
    write(tmp_path, "header.csv", HEADER)
    write(tmp_path, "episodes_2024.csv", csv(EPISODE_COLUMNS, LATER))
    corrected = [LATER[0].replace("18/11/2023", "19/11/2023"), LATER[1]]
    write(tmp_path, "episodes_2024_v2.csv", csv(EPISODE_COLUMNS, corrected))
    history = read_ssda903(tmp_path, extract_date="2024-03-31")  # strict: a note only
    (note,) = problems_of(history)
    assert (note.table, note.row, note.severity) == ("episodes_2024.csv", None, "note")
    assert "'episodes_2024_v2.csv'" in note.reason and "2023-24" in note.reason
    assert ends(history)["A"] == "2023-11-19"
    # Consecutive years are not two versions of one.
    (tmp_path / "episodes_2024_v2.csv").unlink()
    write(tmp_path, "episodes_2023.csv", csv(EPISODE_COLUMNS, EARLIER))
    assert problems_of(read_ssda903(tmp_path, extract_date="2024-03-31")) == []
    # Nor is a year in which nothing started or ended (its latest date is an earlier
    # year's): it agrees with that year on every episode both hold.
    write(tmp_path, "episodes_2025.csv", csv(EPISODE_COLUMNS, [LATER[1]]))
    assert problems_of(read_ssda903(tmp_path, extract_date="2025-03-31")) == []


def test_a_csv_file_with_an_upper_case_suffix_is_read(tmp_path: Path) -> None:
    """``episodes_2024.CSV`` (as some Windows exports name it) was never looked at: the
    later year's end dates were lost without a word."""
    write(tmp_path, "header.csv", HEADER)
    write(tmp_path, "episodes_2023.csv", csv(EPISODE_COLUMNS, EARLIER))
    write(tmp_path, "episodes_2024.CSV", csv(EPISODE_COLUMNS, LATER))
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    assert ends(history) == {"A": "2023-11-18", "B": "NaT"}


def test_a_workbook_in_the_folder_is_named_as_not_read(tmp_path: Path) -> None:
    """A table kept as a workbook (``Episodes 2024.xlsx``) was passed over in silence."""
    write(tmp_path, "header.csv", HEADER)
    write(tmp_path, "episodes_2023.csv", csv(EPISODE_COLUMNS, EARLIER))
    (tmp_path / "Episodes 2024.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "truth.json").write_text("{}")  # not a table: not mentioned
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    (note,) = problems_of(history)
    assert (note.table, note.severity, note.action) == ("Episodes 2024.xlsx", "note", "ignored")
    assert "CSV" in note.reason


def test_versions_with_the_same_latest_date_are_ranked_with_numbers_as_numbers(
    tmp_path: Path,
) -> None:
    """Two versions of a year's episodes with the same latest date were ranked by name as
    text: 'episodes_v10.csv' before 'episodes_v9.csv', so the ninth version's legal status
    was used. Numbers in names now compare as numbers: the tenth is the later."""
    write(tmp_path, "header.csv", HEADER)
    write(tmp_path, "episodes_v9.csv", csv(EPISODE_COLUMNS, LATER))
    corrected = [LATER[0].replace(",V2,", ",C2,"), LATER[1]]
    write(tmp_path, "episodes_v10.csv", csv(EPISODE_COLUMNS, corrected))
    history = read_ssda903(tmp_path, extract_date="2024-03-31")
    care = history.episodes.set_index("child_id")
    assert care.loc["A", "legal_status"] == "C2"
    (note,) = problems_of(history)
    assert note.table == "episodes_v9.csv" and "'episodes_v10.csv'" in note.reason
