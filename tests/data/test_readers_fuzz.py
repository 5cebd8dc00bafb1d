"""Property tests: damaged input never gives a traceback or echoes an identifier.

Every reader (case-history CSV, CIN census XML, SSDA903 CSV, Annex A workbooks) is fed a
valid file damaged at random (bytes inserted, deleted or replaced; NUL bytes; separators
lost so fields shift; random cell values). Whatever happens, a read either succeeds or
raises :class:`~escalation.errors.DataValidationError`, and the child identifier planted
in the file never appears in a message, an exclusion report or a conversion report.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from escalation import read_case_history
from escalation.data.statutory import (
    read_annex_a,
    read_cin_census,
    read_ssda903,
    source_report,
)
from escalation.errors import DataValidationError
from tests.data_statutory.statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    assessment,
    child,
    cin_details,
    cp_plan,
    csv,
    episode_row,
    message,
    section47,
)

SECRET = "QZSECRET9042"
#: ``ESCALATION_FUZZ_EXAMPLES=2000`` fuzzes harder (and with fresh random examples).
_EXAMPLES = int(os.environ.get("ESCALATION_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    derandomize=_EXAMPLES == 40,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # a failure is reported unshrunk
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: One damage to a text: (kind, position as a fraction of the length, inserted text).
damages = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace", "drop_separator", "nul"]),
        st.floats(0, 1),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    ),
    min_size=1,
    max_size=4,
)


def damage(text: str, steps: list[tuple[str, float, str]], separator: str = ",") -> str:
    for kind, where, piece in steps:
        at = int(where * len(text))
        if kind == "insert":
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + max(len(piece), 1) :]
        elif kind == "replace":
            text = text[:at] + piece + text[at + len(piece) :]
        elif kind == "nul":
            text = text[:at] + "\x00" + text[at:]
        else:
            found = text.find(separator, at)
            if found >= 0:
                text = text[:found] + text[found + 1 :]
    return text


def no_traceback_no_echo(read: Callable[[bool], Any]) -> None:
    """Read strictly and leniently; only contract errors; the identifier never shown."""
    for lenient in (False, True):
        try:
            history = read(lenient)
        except DataValidationError as error:
            assert SECRET not in str(error)
            continue
        shown = history.exclusions.describe() + history.exclusions.to_frame().to_csv()
        shown += source_report(history.exclusions).to_csv()
        assert SECRET not in shown


CHILDREN = (
    "child_id,birth_date,sex,ethnicity,disability,family_id\n"
    f"{SECRET},2012-05-04,F,WBRI,false,f1\n"
    "c2,2015-01-20,M,BAFR,true,f1\n"
)
EPISODES = (
    "child_id,kind,start,end,source,need,factors,category,reason,legal_status\n"
    f"{SECRET},referral,2019-06-01,2019-07-15,2A,N1,,,RC9,\n"
    f"{SECRET},assessment,2019-06-03,2019-07-10,,,3B;4B,,,\n"
    "c2,referral,2021-02-01,2021-03-01,3A,N4,,,RC8,\n"
    "c2,looked_after,2022-01-01,,,,,,,C2\n"
)
NOTES = f'child_id,date,text,author_role\n{SECRET},2019-06-05,"Home visit\nagain",sw\n'


@FUZZ
@given(table=st.sampled_from(["children", "episodes", "notes"]), steps=damages)
def test_case_history_csv(table: str, steps: list[tuple[str, float, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        texts = {"children": CHILDREN, "episodes": EPISODES, "notes": NOTES}
        texts[table] = damage(texts[table], steps)
        for name, text in texts.items():
            (root / f"{name}.csv").write_text(text, encoding="utf-8")
        no_traceback_no_echo(
            lambda lenient: read_case_history(root, extract_date="2024-03-31", lenient=lenient)
        )


CIN = message(
    [
        child(
            SECRET,
            birth="2013-02-17",
            details=[
                cin_details(
                    "2020-01-10",
                    closure="2020-09-30",
                    reason="RC7",
                    blocks=[
                        assessment("2020-01-12", None, "2020-02-05", ["3B"]),
                        section47("2020-02-06", None, "2020-02-20"),
                        cp_plan("2020-02-20", "2020-09-01"),
                    ],
                )
            ],
        ),
        child("K2", details=[cin_details("2021-03-01", nfa="true")]),
    ]
)


@FUZZ
@given(steps=damages)
def test_cin_census_xml(steps: list[tuple[str, float, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cin.xml"
        path.write_bytes(damage(CIN, steps, separator="<").encode("utf-8", "replace"))
        no_traceback_no_echo(lambda lenient: read_cin_census(path, lenient=lenient))


HEADER = csv(HEADER_COLUMNS, [f"{SECRET},1,01/05/2012,WBRI,,,", "B2,2,01/05/2013,WBRI,,,"])
SSDA_EPISODES = csv(
    EPISODE_COLUMNS,
    [
        episode_row(SECRET, "03/01/2022", "S", "V2", "U1", "10/02/2022", "X1"),
        episode_row(SECRET, "10/02/2022", "T", "C1", "U3"),
        episode_row("B2", "03/01/2021", "S", "V2", "U1", "03/03/2021", "E11"),
    ],
)


@FUZZ
@given(
    table=st.sampled_from(["header", "episodes"]),
    steps=damages,
    cp1252=st.booleans(),
)
@example(  # found by fuzzing: the row gained a field, which pandas took as a row label
    table="header",
    steps=[("delete", 0.7257, "abcde"), *[("drop_separator", 0.5, "")] * 3],
    cp1252=False,
)
def test_ssda903_csv(table: str, steps: list[tuple[str, float, str]], cp1252: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        texts = {"header": HEADER, "episodes": SSDA_EPISODES}
        texts[table] = damage(texts[table], steps)
        for name, text in texts.items():
            data = text.encode("cp1252", "replace") if cp1252 else text.encode("utf-8")
            (root / f"{name}.csv").write_bytes(data)
        no_traceback_no_echo(lambda lenient: read_ssda903(root, lenient=lenient))


cells = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=["Cc", "Cs"]), max_size=12),  # what Excel holds
    st.integers(-(10**6), 10**7),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.just(SECRET),
)
HEADERS = {
    "List 1": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Contact",
               "Contact Source"],
    "List 3": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Referral",
               "Referral Source", "Referral NFA?"],
    "List 7": ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
               "Child Protection Plan Start Date", "Initial Category of Abuse",
               "Child Protection Plan End Date"],
}  # fmt: skip


@FUZZ
@given(
    sheet=st.sampled_from(sorted(HEADERS)),
    rows=st.lists(st.lists(cells, min_size=0, max_size=8), min_size=1, max_size=5),
    corrupt=st.one_of(st.none(), st.tuples(st.floats(0, 1), st.binary(min_size=1, max_size=8))),
)
def test_annex_a_workbook(
    sheet: str, rows: list[list[Any]], corrupt: tuple[float, bytes] | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "annex.xlsx"
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = sheet
        ws.append(HEADERS[sheet])
        ws.append([SECRET, "a) Male", "a) WBRI", dt.datetime(2012, 1, 1), dt.datetime(2023, 5, 1)])
        for row in rows:
            ws.append(row)
        book.save(path)
        if corrupt is not None:
            data = path.read_bytes()
            at = int(corrupt[0] * len(data))
            path.write_bytes(data[:at] + corrupt[1] + data[at + len(corrupt[1]) :])
        no_traceback_no_echo(
            lambda lenient: read_annex_a(path, lenient=lenient, extract_date="2024-03-31")
        )
