"""Validation of Arrow text (the CSV reader's) equals validation of Python strings, always.

Validation has fast paths for the multi-threaded CSV reader's Arrow text columns (dates cast
in Arrow, identifiers and codes encoded in Arrow, NUL bytes found in Arrow's buffers) beside
the general code for Python strings that pandas' reader, a user's frame or Parquet give. Here
random, messy case histories (padded, empty, unknown and duplicated identifiers; dates in
every accepted form and many unaccepted ones; unknown and padded codes; NUL bytes; empty
lines) are written
as CSV and read both ways: the validated tables, the exclusion reports (lenient) and the error
messages (strict) must be identical.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import escalation.data.io as io_module
from escalation.data.io import read_case_history
from escalation.errors import DataValidationError

IDS = ["c1", "c2", "c3", " c1", "c2 ", "", "zz9", "c3\x00x"]
DATES = [
    "2012-05-04",
    "2019-06-01",
    "2019-07-15",
    "2020-02-29",
    "2019-02-29",
    "2019-13-01",
    "04/05/2012",
    "2019-06",
    "06/2019",
    "2019-06-01 10:00:00",
    " 2019-06-01",
    "1600-01-01",
    "2030-01-01",
    "2024-09-01",
    "not a date",
    "",
]
KINDS = ["referral", "assessment", "early_help", "cp_plan", "s47", "death", " cp_plan", "x", ""]
CODES = {
    "source": ["2A", "1A", " 3A", "9Z", ""],
    "need": ["N1", "N4", "N9", ""],
    "factors": ["3B;4B", "3B; 99Z", " 16A", ""],
    "category": ["NEG", "PHY", "BAD", ""],
    "reason": ["RC8", "RC9", "RC99", ""],
    "legal_status": ["C2", "V2", "ZZ", ""],
}
CHILD_ROW = st.fixed_dictionaries(
    {
        "child_id": st.sampled_from(IDS),
        "birth_date": st.sampled_from(DATES),
        "sex": st.sampled_from(["F", "M", " U", "Q", ""]),
        "ethnicity": st.sampled_from(["WBRI", "BAFR", "ZZZZ", ""]),
        "disability": st.sampled_from(["true", "No", " 1", "maybe", ""]),
        "family_id": st.sampled_from(["f1", "f2 ", ""]),
        "imd_decile": st.sampled_from(["3", "10", ""]),
    }
)
EPISODE_ROW = st.fixed_dictionaries(
    {
        "child_id": st.sampled_from(IDS),
        "kind": st.sampled_from(KINDS),
        "start": st.sampled_from(DATES),
        "end": st.sampled_from(DATES),
        **{column: st.sampled_from(values) for column, values in CODES.items()},
    }
)


def as_csv(rows: list[dict[str, str]], columns: list[str], empty: frozenset[int]) -> bytes:
    """Write rows as CSV, with an empty line before each row whose position is in ``empty``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for at, row in enumerate(rows):
        if at in empty:
            out.write("\n")
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def read_both(folder: Path, monkeypatch: pytest.MonkeyPatch, lenient: bool) -> list[object]:
    """Read with the Arrow reader, then with the pandas reader only."""
    outcomes: list[object] = []
    for arrow in (True, False):
        with monkeypatch.context() as patch:
            if not arrow:
                patch.setattr(io_module, "read_csv_table", lambda *a, **k: None)
            try:
                outcomes.append(
                    read_case_history(folder, extract_date="2024-03-31", lenient=lenient)
                )
            except DataValidationError as error:
                outcomes.append(str(error))
    return outcomes


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(CHILD_ROW, min_size=1, max_size=6),
    st.lists(EPISODE_ROW, min_size=1, max_size=12),
    st.frozensets(st.integers(0, 12), max_size=2),
    st.booleans(),
)
def test_arrow_text_and_python_strings_validate_alike(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    children: list[dict[str, str]],
    episodes: list[dict[str, str]],
    empty_lines: frozenset[int],
    lenient: bool,
) -> None:
    folder = tmp_path / "h"
    folder.mkdir(exist_ok=True)
    kids = as_csv(children, list(CHILD_ROW_COLUMNS), frozenset())
    (folder / "children.csv").write_bytes(kids)
    eps = as_csv(episodes, list(EPISODE_ROW_COLUMNS), empty_lines)
    (folder / "episodes.csv").write_bytes(eps)
    arrow, pandas = read_both(folder, monkeypatch, lenient)
    if isinstance(arrow, str) or isinstance(pandas, str):
        assert arrow == pandas
        return
    for table in ("children", "episodes", "notes"):
        pd.testing.assert_frame_equal(getattr(arrow, table), getattr(pandas, table))
    pd.testing.assert_frame_equal(arrow.exclusions.to_frame(), pandas.exclusions.to_frame())


CHILD_ROW_COLUMNS = (
    "child_id",
    "birth_date",
    "sex",
    "ethnicity",
    "disability",
    "family_id",
    "imd_decile",
)
EPISODE_ROW_COLUMNS = ("child_id", "kind", "start", "end", *CODES)
