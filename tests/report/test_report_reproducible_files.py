"""Office files written (``results.xlsx``, ``table_one.docx``, Annex A) carry no time of writing.

Was: zip members dated when written and openpyxl's document properties stamped with the
save time, so two runs of one study on the same data wrote the same tables in files whose
bytes (and SHA-256 in the manifest) differed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from escalation._archives import FIXED_TIME, fix_archive_times
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.data.statutory import write_annex_a
from escalation.report.table_one import write_table_one_docx
from escalation.report.workbook import write_workbook


def _times(path: Path) -> tuple[set[tuple[int, ...]], list[bytes]]:
    with zipfile.ZipFile(path) as archive:
        dates = {info.date_time for info in archive.infolist()}
        # compressed as written (Office files are deflated), not stored after the rewrite
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        names = archive.namelist()
        core = archive.read("docProps/core.xml") if "docProps/core.xml" in names else b""
    return dates, re.findall(rb"<dcterms:(?:created|modified)\b[^>]*>([^<]*)<", core)


def test_workbook_and_word_table_are_dated_at_the_fixed_time(tmp_path: Path) -> None:
    tables = {"effects": pd.DataFrame({"estimate": [0.1, 0.25], "horizon": [365, 730]})}
    book = write_workbook(tables, tmp_path / "results.xlsx", readme={"Design": "default"})
    table = pd.DataFrame({"Characteristic": ["n"], "Level": [""], "Early help": ["1,235"]})
    word = write_table_one_docx(table, tmp_path / "table_one.docx")
    for path in (book, word):
        dates, properties = _times(path)
        assert dates == {FIXED_TIME}, (path.name, dates)
        assert all(p == b"1980-01-01T00:00:00Z" for p in properties), (path.name, properties)
    _, workbook_properties = _times(book)
    assert len(workbook_properties) == 2  # openpyxl writes both; both are fixed
    # The contents are untouched: the sheets read back as written.
    with pd.ExcelFile(book) as read:
        assert read.sheet_names == ["README", "Effects"]
        effects = read.parse("Effects")
    assert effects.to_numpy().tolist() == [[0.1, 365], [0.25, 730]]


def test_writing_again_later_gives_the_same_bytes(tmp_path: Path) -> None:
    tables = {"effects": pd.DataFrame({"estimate": [0.1]})}
    first = write_workbook(tables, tmp_path / "a.xlsx", readme={"Design": "default"}).read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    # The same archive as another run would leave it before the times are fixed: members
    # dated another day, properties stamped with another time.
    with zipfile.ZipFile(tmp_path / "b.xlsx", "w") as archive:
        for info, data in members:
            other = zipfile.ZipInfo(info.filename, date_time=(2031, 5, 6, 7, 8, 10))
            other.compress_type, other.external_attr = info.compress_type, info.external_attr
            archive.writestr(other, data.replace(b"1980-01-01T00:00:00Z", b"2031-05-06T07:08:10Z"))
    assert fix_archive_times(tmp_path / "b.xlsx").read_bytes() == first


def test_a_simulated_annex_a_workbook_is_dated_at_the_fixed_time(tmp_path: Path) -> None:
    """``escalation simulate --format annex-a``: the same seed, the same bytes."""
    history = simulate_local_authority(60, seed=3, config=SimulationConfig(notes=False)).history
    summary = write_annex_a(history, tmp_path / "annex.xlsx")
    dates, properties = _times(summary.path)
    assert dates == {FIXED_TIME}
    assert properties and all(p == b"1980-01-01T00:00:00Z" for p in properties)
