"""A UTF-8 file read as cp1252 (or latin-1) is refused, not garbled without a word.

Was: ``--encoding cp1252`` on a UTF-8 file read ``Zoë`` as ``ZoÃ«`` (each byte of the
two-byte UTF-8 ë a cp1252 character) and every later step used the garbled text. Now the
file is refused, naming the file, the first garbled value's row and column and
``--encoding utf-8``; a personal value (a name, note text) is never shown. The garbling is
computed here by hand: ``"Zoë".encode("utf-8")`` is ``b"Zo\\xc3\\xab"``, which cp1252 reads
``"ZoÃ«"``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation import DataValidationError, read_case_history

_EPISODES = "child_id,kind,start\nc1,referral,2020-01-01\nc2,referral,2020-01-01\n"


def _folder(tmp_path: Path, children: bytes) -> Path:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_bytes(children)
    (folder / "episodes.csv").write_bytes(_EPISODES.encode("ascii"))
    return folder


def test_the_garbling_is_the_classic_one() -> None:
    assert "Zoë".encode().decode("cp1252") == "ZoÃ«"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_a_utf8_name_read_as_cp1252_is_refused_at_its_row_and_column(
    tmp_path: Path, encoding: str
) -> None:
    text = "child_id,birth_date,first_name\nc1,2015-01-01,Ann\nc2,2016-01-01,Zoë\n"
    folder = _folder(tmp_path, text.encode("utf-8"))
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31", encoding=encoding)
    message = str(error.value)
    assert "table 'children', row 3, column 'first_name', value <withheld: personal data>" in (
        message
    )
    assert f"children.csv is UTF-8 text but was read as {encoding}" in message
    assert "--encoding utf-8" in message
    assert "Zo" not in message


def test_a_garbled_value_of_a_column_that_is_not_personal_is_described(tmp_path: Path) -> None:
    text = "child_id,birth_date,school\nc1,2015-01-01,Café Hill\nc2,2016-01-01,Elm\n"
    folder = _folder(tmp_path, text.encode("utf-8"))
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31", encoding="cp1252")
    message = str(error.value)
    assert "row 2, column 'school', value <not shown: " in message
    assert "Caf" not in message


def test_a_utf8_byte_order_mark_read_as_cp1252_is_refused(tmp_path: Path) -> None:
    text = "child_id,birth_date\nc1,2015-01-01\nc2,2016-01-01\n"
    folder = _folder(tmp_path, text.encode("utf-8-sig"))
    with pytest.raises(DataValidationError, match="UTF-8 text but was read as cp1252"):
        read_case_history(folder, extract_date="2024-03-31", encoding="cp1252")


def test_a_utf8_file_cp1252_cannot_decode_is_said_to_be_utf8(tmp_path: Path) -> None:
    # "Ł" is C5 81 in UTF-8; cp1252 has no character at 0x81, so decoding fails.
    text = "child_id,birth_date,first_name\nc1,2015-01-01,Łucja\nc2,2016-01-01,Ann\n"
    folder = _folder(tmp_path, text.encode("utf-8"))
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31", encoding="cp1252")
    assert "it is UTF-8 text; read it as UTF-8 (command line: --encoding utf-8" in str(error.value)


def test_a_cp1252_file_read_as_cp1252_is_read_as_written(tmp_path: Path) -> None:
    text = "child_id,birth_date,first_name\nc1,2015-01-01,Ann\nc2,2016-01-01,Zoë\n"
    folder = _folder(tmp_path, text.encode("cp1252"))  # ë is the one byte 0xEB
    history = read_case_history(folder, extract_date="2024-03-31", encoding="cp1252")
    assert history.children["first_name"].tolist() == ["Ann", "Zoë"]


def test_a_utf8_file_read_as_utf8_is_read_as_written(tmp_path: Path) -> None:
    text = "child_id,birth_date,first_name\nc1,2015-01-01,Ann\nc2,2016-01-01,Zoë\n"
    folder = _folder(tmp_path, text.encode("utf-8"))
    history = read_case_history(folder, extract_date="2024-03-31")
    assert history.children["first_name"].tolist() == ["Ann", "Zoë"]
