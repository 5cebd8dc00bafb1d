"""A header cell without a name (``child_id,birth_date,``) is reported, never a silent column.

Was: pandas named it ``Unnamed: 2`` and the table kept it as an extra column (a covariate
no one named), without a word. Now its values are ignored and a warning names the table,
the file and the column's letter as a spreadsheet shows it (C), never a value. A column
without a name and without a value (the separator a spreadsheet leaves at the end of each
line) is dropped without a warning: nothing is lost.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from escalation import read_case_history
from escalation.cli import main
from escalation.data.statutory import read_ssda903

from ..data_statutory.statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row

_EPISODES = "child_id,kind,start\nc1,referral,2020-01-01\nc2,referral,2020-01-01\n"


def _folder(tmp_path: Path, children: str) -> Path:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text(children, encoding="utf-8")
    (folder / "episodes.csv").write_text(_EPISODES, encoding="utf-8")
    return folder


def _read(folder: Path) -> tuple[list[str], list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = read_case_history(folder, extract_date="2024-03-31")
    return [str(c) for c in history.children.columns], list(caught)


@pytest.mark.parametrize(
    ("children", "letter", "count"),
    [
        ("child_id,birth_date,\nc1,2015-01-01,Zoe Smith\nc2,2016-01-01,Ali\n", "C", 2),
        ("child_id,,birth_date\nc1,Zoe Smith,2015-01-01\nc2,,2016-01-01\n", "B", 1),
        ("child_id,birth_date, \nc1,2015-01-01,Zoe Smith\nc2,2016-01-01,\n", "C", 1),
    ],
)
def test_a_column_without_a_name_is_ignored_with_a_warning_naming_it(
    tmp_path: Path, children: str, letter: str, count: int
) -> None:
    columns, caught = _read(_folder(tmp_path, children))
    assert not [c for c in columns if c.startswith("Unnamed") or not c.strip()]
    (warning,) = [w for w in caught if type(w.message).__name__ == "DataWarning"]
    text = str(warning.message)
    values = "1 value is" if count == 1 else f"{count} values are"
    assert text.startswith(f"table 'children': children.csv: column {letter} has no name")
    assert f"so its {values} ignored" in text
    assert "Zoe" not in text and "Smith" not in text and "Ali" not in text


def test_a_column_without_a_name_or_a_value_is_dropped_quietly(tmp_path: Path) -> None:
    columns, caught = _read(
        _folder(tmp_path, "child_id,birth_date,\nc1,2015-01-01,\nc2,2016-01-01,\n")
    )
    assert not [c for c in columns if c.startswith("Unnamed") or not c.strip()]
    assert not [w for w in caught if type(w.message).__name__ == "DataWarning"]


def test_validate_prints_the_column_without_a_name_and_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, "child_id,birth_date,\nc1,2015-01-01,Zoe\nc2,2016-01-01,\n")
    assert main(["validate", str(folder), "--extract-date", "2024-03-31"]) == 0
    out = capsys.readouterr().out
    assert "children.csv: column C has no name in the header, so its 1 value is ignored" in out
    assert "Zoe" not in out


def test_an_ssda903_column_without_a_name_is_a_note(tmp_path: Path) -> None:
    header = csv(HEADER_COLUMNS + ",", ["A1,1,01/05/2010,WBRI,,,,Zoe"])
    (tmp_path / "header.csv").write_text(header, encoding="utf-8")
    episodes = csv(EPISODE_COLUMNS, [episode_row("A1", "01/04/2019", "S", "C2", "U1")])
    (tmp_path / "episodes.csv").write_text(episodes, encoding="utf-8")
    history = read_ssda903(tmp_path, lenient=True, extract_date="2020-03-31")
    text = history.exclusions.describe()
    assert "header.csv" in text and "column H has no name in the header" in text
    assert "Zoe" not in text
    assert not [c for c in history.children.columns if str(c).upper().startswith("UNNAMED")]
