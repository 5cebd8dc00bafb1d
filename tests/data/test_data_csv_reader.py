"""The multi-threaded CSV reader gives exactly what the pandas reader gave, or steps aside.

Every case is read both ways: with pyarrow (escalation.data.csv_reader) and with the
previous single-threaded pandas reader (escalation.data.io._read_csv); the frames, the
validated histories and the located error messages must be the same.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import escalation.data.io as io_module
from escalation.data.csv_reader import read_csv_table
from escalation.data.io import read_case_history
from escalation.errors import DataValidationError

CHILDREN = (
    "child_id,birth_date,sex,family_id,imd_decile\nc1,2012-05-04,F,f1,3\nc2,2015-01-20,M,,12\n"
)
EPISODES = (
    "child_id,kind,start,end,source,need,factors,category,reason,legal_status\n"
    "c1,referral,2019-06-01,2019-07-15,2A,N1,,,RC9,\n"
    'c1,assessment,2019-06-03,2019-07-10,,,"3B;4B",,,\n'
    "c2,referral,2021-02-01,,3A,N4,,,,\n"
)


def pandas_frame(file: Path) -> pd.DataFrame:
    frame, problems = io_module._read_csv(file, file.stem, "utf-8")
    assert frame is not None and not problems
    return frame


def same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns)
    assert fast.dtypes.tolist() == slow.dtypes.tolist()

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(object).where(frame.notna(), None)

    pd.testing.assert_frame_equal(plain(fast), plain(slow))


@pytest.mark.parametrize(
    "text",
    [
        "a,b\n1,2\n3,\n",
        "\ufeffa,b\r\n1,2\r\n,x\r\n",  # byte-order mark, Windows line ends
        'a,b\n"x, y","multi\nline ""quoted"" text"\n"",NA\n',  # quotes, commas, newlines
        "a,b\n  padded  , null\n\n5,6\n",  # whitespace kept, an empty line a row
        "a,b\r\n1,2\r\n\r\n\r\n3,4\r\n\r\n\n",  # empty lines rows, but not at the end
        'a,b\n1,"x\n\ny"\n\n3,4\n',  # an empty line inside a quoted value and after it
        "a,b\n1,2",  # no final newline
        "a,b\n",  # header only
        "a,b\n,\n",  # a row of empty fields
    ],
)
def test_fast_reader_equals_pandas_reader(tmp_path: Path, text: str) -> None:
    file = tmp_path / "t.csv"
    file.write_bytes(text.encode("utf-8"))
    fast = read_csv_table(file)
    assert fast is not None
    same(fast, pandas_frame(file))


def test_empty_lines_above_the_header_are_still_skipped(tmp_path: Path) -> None:
    file = tmp_path / "t.csv"
    file.write_bytes(b"\r\n  \na,b\n1,2\n")
    assert read_csv_table(file) is None  # no header on the first line: the pandas reader
    assert pandas_frame(file).values.tolist() == [["1", "2"]]


def test_an_empty_line_is_a_row_of_missing_values_in_both_readers(tmp_path: Path) -> None:
    file = tmp_path / "t.csv"
    file.write_bytes(b"a,b\n1,2\n\n3,4\n\n\n")
    for frame in (read_csv_table(file), pandas_frame(file)):
        assert frame is not None
        assert frame.astype(object).where(frame.notna(), None).values.tolist() == [
            ["1", "2"],
            [None, None],
            ["3", "4"],
        ]


@pytest.mark.parametrize("tail", ["   \n", "\t\n", " \t", "\n  \r\n\t\n", "   "])
def test_lines_of_spaces_that_end_a_file_are_not_rows(tmp_path: Path, tail: str) -> None:
    """As empty lines at the end (they shift no row); a file ending so was read before
    empty lines became rows, and the final review found it refused as a blank row."""
    file = tmp_path / "t.csv"
    file.write_bytes(f"a,b\n1,2\n3,4  \n{tail}".encode())
    for frame in (read_csv_table(file), pandas_frame(file)):
        assert frame is not None
        assert frame.values.tolist() == [["1", "2"], ["3", "4  "]]  # the last value's spaces kept


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (b"a,b\n1,2,3\n", "utf-8"),  # a ragged row: pandas names the line
        (b"a,b\n1,2\n3\n", "utf-8"),  # a short row: pandas fills it
        (b"a,b\n\xe9t\xe9,2\n", "utf-8"),  # not UTF-8: the byte and row are located
        (b"a,b\n\xe9t\xe9,2\n", "cp1252"),  # another encoding
        (b"a,a\n1,2\n", "utf-8"),  # a repeated column name
        (b"", "utf-8"),  # empty
    ],
)
def test_awkward_files_go_to_the_pandas_reader(
    tmp_path: Path, content: bytes, encoding: str
) -> None:
    file = tmp_path / "t.csv"
    file.write_bytes(content)
    assert read_csv_table(file, encoding) is None


def write_folder(folder: Path, children: str, episodes: str, encoding: str = "utf-8") -> Path:
    folder.mkdir()
    (folder / "children.csv").write_bytes(children.encode(encoding))
    (folder / "episodes.csv").write_bytes(episodes.encode(encoding))
    return folder


def read_both(folder: Path, monkeypatch: pytest.MonkeyPatch, **kwargs: object):  # type: ignore[no-untyped-def]
    outcomes = []
    for fast in (True, False):
        with monkeypatch.context() as patch:
            if not fast:
                patch.setattr(io_module, "read_csv_table", lambda *a, **k: None)
            try:
                outcomes.append(read_case_history(folder, extract_date="2024-03-31", **kwargs))
            except DataValidationError as error:
                outcomes.append(str(error))
    return outcomes


def test_validated_histories_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_folder(tmp_path / "h", CHILDREN, EPISODES)
    fast, slow = read_both(folder, monkeypatch)
    for table in ("children", "episodes", "notes"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(slow, table))
    assert fast.children["imd_decile"].tolist() == [3, 12]  # numbers, as before


def test_located_errors_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = EPISODES.replace("2019-07-15", "2019-02-30").replace("RC9", "RC99")
    folder = write_folder(tmp_path / "h", CHILDREN, bad)
    fast, slow = read_both(folder, monkeypatch)
    assert isinstance(fast, str) and fast == slow
    assert "table 'episodes', row 2, column 'end', value '2019-02-30'" in fast
    lenient_fast, lenient_slow = read_both(folder, monkeypatch, lenient=True)
    pd.testing.assert_frame_equal(
        lenient_fast.exclusions.to_frame(), lenient_slow.exclusions.to_frame()
    )


def test_bad_bytes_still_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_bytes(CHILDREN.encode() + b"c3,2016-01-01,F,f\xff,1\n")
    (folder / "episodes.csv").write_text(EPISODES)
    fast, slow = read_both(folder, monkeypatch)
    assert fast == slow and "is not valid utf-8 text (byte" in fast and "row 4" in fast


def test_missing_values_of_extra_columns_are_the_same_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The Arrow reader gave None where pandas' reader gives NaN in columns outside the
    # contract (kept as text), so the validated histories differed.
    children = "child_id,birth_date,imd_decile,school\nc1,2012-05-04,,\nc2,2015-01-20,,St Mary's\n"
    folder = write_folder(tmp_path / "h", children, EPISODES)
    fast, slow = read_both(folder, monkeypatch)
    pd.testing.assert_frame_equal(fast.children, slow.children)
    assert fast.children["school"].isna().tolist() == [True, False]
