"""Every rule of the case-history contract, each with a bad-input case."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation import CaseHistory, DataValidationError, read_case_history, validate_case_history
from escalation.data.codes import EPISODE_KINDS

from .conftest import EXTRACT, history_from, valid_tables


def problems_of(tables: dict[str, pd.DataFrame]) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    return [(p.table, p.row, p.column, p.reason) for p in info.value.problems]


def test_valid_history_passes_and_is_normalised(tables):
    history = validate_case_history(history_from(tables))
    assert not history.exclusions
    assert len(history.children) == 3 and len(history.episodes) == 12 and len(history.notes) == 2
    assert history.children["child_id"].dtype == "string"
    assert history.children["birth_date"].dtype == "datetime64[ns]"
    assert history.children["disability"].tolist()[:2] == [False, True]
    assert history.children["disability"].isna().tolist() == [False, False, True]
    assert list(history.episodes["kind"].cat.categories) == list(EPISODE_KINDS)
    # open episodes and point events (one recorded with end = start, normalised to empty)
    assert history.episodes["end"].isna().sum() == 5
    # extra columns kept; text that is all numbers becomes numbers (as from Parquet)
    assert history.children["imd_decile"].tolist() == [3, 3, 8]
    assert pd.api.types.is_integer_dtype(history.children["imd_decile"])


def test_extra_text_columns_become_numbers_only_when_all_are(tables):
    kids = tables["children"]
    tables["children"] = kids.assign(
        score=["1.5", None, "2"], area=["0123", "0456", "0789"], mixed=["1", "two", "3"]
    )
    children = validate_case_history(history_from(tables)).children
    assert children["score"].tolist()[::2] == [1.5, 2.0] and children["score"].isna()[1]
    assert children["area"].tolist() == ["0123", "0456", "0789"]  # codes keep leading zeros
    assert children["mixed"].tolist() == ["1", "two", "3"]


def test_missing_optional_columns_are_added_empty(tables):
    tables["children"] = tables["children"][["child_id", "birth_date"]]
    tables["episodes"] = tables["episodes"][["child_id", "kind", "start", "end"]]
    history = validate_case_history(history_from(tables))
    assert {"sex", "ethnicity", "disability", "family_id"} <= set(history.children.columns)
    assert history.episodes["reason"].isna().all()
    assert history.episodes["end"].dtype == "datetime64[ns]"


@pytest.mark.parametrize(
    ("table", "column"),
    [("children", "child_id"), ("children", "birth_date"), ("episodes", "kind"),
     ("episodes", "start"), ("notes", "text")],
)  # fmt: skip
def test_missing_required_column_raises_even_when_lenient(tables, table, column):
    tables[table] = tables[table].drop(columns=column)
    with pytest.raises(DataValidationError, match="required column is missing") as info:
        validate_case_history(history_from(tables), lenient=True)
    assert (info.value.problems[0].table, info.value.problems[0].column) == (table, column)


@pytest.mark.parametrize(
    ("table", "column", "renamed", "kind"),
    [("children", "child_id", "Child ID", "required"),
     ("episodes", "start", "Start Date", "required"),
     ("episodes", "end", "End Date", "optional"),
     ("episodes", "reason", "Reason", "optional"),
     ("children", "sex", "SEX", "optional")],
)  # fmt: skip
def test_a_renamed_contract_column_is_named_with_the_fix(tables, table, column, renamed, kind):
    """A contract column under another spelling is reported, even an optional one, which
    was otherwise ignored without a word (a renamed ``reason`` silently widened the cohort
    to every closure)."""
    tables[table] = tables[table].rename(columns={column: renamed})
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables), lenient=True)
    (problem,) = [p for p in info.value.problems if p.column == column]
    assert problem.table == table and problem.row is None
    assert problem.reason == (
        f"{kind} column is missing, and the table has a column {renamed!r} that looks like "
        f"it{' (it would be ignored)' if kind == 'optional' else ''}: rename it to {column!r}"
    )
    # A column has no value to show (it read "value <withheld: personal data>").
    assert f"table {table!r}, column {column!r}: {kind} column is missing" in str(info.value)


def test_a_missing_column_lists_the_columns_found_and_a_separator_hint(tables):
    """Read with the wrong separator, a table arrives as one column named after them all."""
    header = ";".join(tables["children"].columns)
    tables["children"] = pd.DataFrame({header: ["x"] * len(tables["children"])})
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    problem = next(p for p in info.value.problems if p.column == "child_id")
    assert problem.reason == (
        f"required column is missing; the table's columns are {header!r} (one column: the "
        "file may use another separator than commas)"
    )
    # Unrelated extra columns do not count as look-alikes: an optional column stays optional.
    tables = dict(tables, children=tables["children"].assign(Gender="F"))
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    assert not any(p.column == "sex" for p in info.value.problems)


@pytest.mark.parametrize("table", ["children", "episodes"])
def test_empty_table_raises(tables, table):
    tables[table] = tables[table].iloc[0:0]
    with pytest.raises(DataValidationError, match="table has no rows"):
        validate_case_history(history_from(tables), lenient=True)


def test_duplicate_child_ids_are_reported_on_every_copy(tables):
    tables["children"].loc[2, "child_id"] = "c1"
    found = problems_of(tables)
    dups = [p for p in found if p[3] == "child_id is not unique"]
    assert [(p[0], p[1]) for p in dups] == [("children", 0), ("children", 2)]


def test_empty_child_id(tables):
    tables["children"].loc[1, "child_id"] = "  "
    assert ("children", 1, "child_id", "child_id is empty") in problems_of(tables)


@pytest.mark.parametrize("bad", ["2016-02-30", "31/13/2016", "yesterday"])
def test_impossible_or_unparseable_dates(tables, bad):
    tables["episodes"].loc[7, "start"] = bad
    assert ("episodes", 7, "start", "not a valid date (use YYYY-MM-DD)") in problems_of(tables)


def test_accepted_date_forms(tables):
    tables["episodes"].loc[7, "start"] = "01/02/2021"
    tables["children"].loc[1, "birth_date"] = "2015-01"  # month only: the 1st
    history = validate_case_history(history_from(tables))
    assert history.episodes.loc[7, "start"] == pd.Timestamp("2021-02-01")
    assert history.children.loc[1, "birth_date"] == pd.Timestamp("2015-01-01")


def test_required_date_empty(tables):
    tables["episodes"].loc[3, "start"] = ""
    assert ("episodes", 3, "start", "required date is empty") in problems_of(tables)


def test_end_before_start(tables):
    tables["episodes"].loc[0, "end"] = "2019-05-01"
    assert ("episodes", 0, "end", "end is before start") in problems_of(tables)


def test_dates_after_extract_date(tables):
    tables["episodes"].loc[6, "end"] = "2024-04-01"
    tables["notes"].loc[0, "date"] = "2025-01-01"
    found = problems_of(tables)
    reason = "date is after the extract date 2024-03-31"
    assert ("episodes", 6, "end", reason) in found and ("notes", 0, "date", reason) in found


def test_events_and_notes_more_than_40_weeks_before_birth(tables):
    tables["episodes"].loc[9, "start"] = "2009-01-01"
    tables["episodes"].loc[9, "end"] = "2009-02-01"
    tables["notes"].loc[1, "date"] = "2014-04-15"  # 280 days before 2015-01-20 is 04-15
    tables["notes"].loc[0, "date"] = "2011-06-30"  # 309 days before 2012-05-04
    found = problems_of(tables)
    reason = (
        "episode starts more than 280 days (40 weeks) before the child's birth date "
        "(or expected birth date)"
    )
    assert ("episodes", 9, "start", reason) in found
    note = (
        "note is dated more than 280 days (40 weeks) before the child's birth date "
        "(or expected birth date)"
    )
    assert ("notes", 0, "date", note) in found
    assert not [p for p in found if p[:2] == ("notes", 1)]


def test_unborn_records_within_40_weeks_of_birth_are_valid(tables):
    # c2 (born 2015-01-20) was referred, assessed and on a CP plan before birth
    unborn = pd.DataFrame(
        [
            ("c2", "referral", "2014-06-01", "2014-08-01", "3B", "N1", "", "", "RC7", ""),
            ("c2", "assessment", "2014-06-02", "2014-07-10", "", "", "2B", "", "", ""),
            ("c2", "cp_plan", "2014-08-01", "2015-06-01", "", "", "", "NEG", "", ""),
        ],
        columns=tables["episodes"].columns,
    )
    tables["episodes"] = pd.concat([tables["episodes"], unborn], ignore_index=True)
    tables["notes"].loc[1, "date"] = "2014-06-03"
    history = validate_case_history(history_from(tables))
    assert len(history.episodes) == 15 and not history.exclusions


def test_an_expected_birth_date_widens_the_window_and_may_lie_after_extract(tables):
    # born 20 days late: referred 300 days before birth, 280 days before the expected date
    tables["children"]["expected_birth_date"] = ["", "2014-12-31", ""]
    referral = ("c2", "referral", "2014-03-26", "2014-05-01", "3B", "N1", "", "", "RC8", "")
    tables["episodes"].loc[len(tables["episodes"])] = referral
    history = validate_case_history(history_from(tables))
    assert history.children.loc[1, "expected_birth_date"] == pd.Timestamp("2014-12-31")
    # a child still unborn at the extract date: its expected birth date lies ahead
    tables["children"].loc[1, "birth_date"] = "2024-09-01"
    tables["children"].loc[1, "expected_birth_date"] = "2024-09-01"
    tables["episodes"] = tables["episodes"][tables["episodes"]["child_id"] != "c2"]
    tables["episodes"].loc[99] = ("c2", "referral", "2024-02-01", "", "3B", "N1", "", "", "", "")
    tables["notes"] = tables["notes"].iloc[:1]
    history = validate_case_history(history_from(tables))
    assert history.children.loc[1, "birth_date"] == pd.Timestamp("2024-09-01")
    tables["children"].loc[1, "birth_date"] = "2025-01-15"  # 290 days after the extract
    found = problems_of(tables)
    assert found[0][:3] == ("children", 1, "birth_date")
    assert "more than 280 days (40 weeks) after the extract date" in found[0][3]


def test_unknown_episode_kind(tables):
    tables["episodes"].loc[8, "kind"] = "home_visit"
    found = problems_of(tables)
    assert found[0][:3] == ("episodes", 8, "kind") and "unknown episode kind" in found[0][3]


@pytest.mark.parametrize(
    ("column", "value", "what", "hint"),
    [("source", "11", "source", "see the DfE code list"),  # 21 codes: too many to list
     ("need", "N10", "need", "one of N0, N1, N2, N3, N4, N5, N6, N7, N8 or N9"),
     ("category", "NEGLECT", "category", "one of NEG, EMO, PHY, SAB or MUL"),
     ("reason", "RC10", "reason", "one of RC1, RC2, RC3, RC4, RC5, RC6, RC7, RC8 or RC9"),
     ("legal_status", "X9", "legal status", "see the DfE code list")],  # 13 codes
)  # fmt: skip
def test_unknown_episode_codes(tables, column, value, what, hint):
    """A short code list is given in the message (the analyst cannot see the value)."""
    row = {"category": 6, "legal_status": 8}.get(column, 0)
    tables["episodes"].loc[row, column] = value
    reason = f"unknown {what} code ({hint})"
    assert ("episodes", row, column, reason) in problems_of(tables)


def test_a_sex_written_out_is_told_the_codes(tables):
    tables["children"].loc[0, "sex"] = "Male"
    assert ("children", 0, "sex", "unknown sex code (one of F, M or U)") in problems_of_lenient(
        tables
    )


def problems_of_lenient(
    tables: dict[str, pd.DataFrame],
) -> list[tuple[str, int | None, str | None, str]]:
    history = validate_case_history(history_from(tables), lenient=True)
    return [(p.table, p.row, p.column, p.reason) for p in history.exclusions.problems]


def test_unknown_assessment_factor(tables):
    tables["episodes"].loc[1, "factors"] = "3B; 99Z"
    found = problems_of(tables)
    assert found[0][:3] == ("episodes", 1, "factors")


@pytest.mark.parametrize(("column", "value"), [("sex", "1"), ("ethnicity", "WHITE")])
def test_unknown_child_codes(tables, column, value):
    tables["children"].loc[0, column] = value
    assert problems_of(tables)[0][:3] == ("children", 0, column)


def test_disability_must_be_yes_no(tables):
    tables["children"].loc[0, "disability"] = "sometimes"
    assert problems_of(tables)[0][:3] == ("children", 0, "disability")


def test_empty_kind(tables):
    tables["episodes"].loc[4, "kind"] = ""
    assert ("episodes", 4, "kind", "kind is empty") in problems_of(tables)


def test_episode_and_note_for_unknown_child(tables):
    tables["episodes"].loc[8, "child_id"] = "nobody"
    tables["notes"].loc[1, "child_id"] = "nobody"
    reason = "no child with this child_id in the children table"
    found = problems_of(tables)
    assert ("episodes", 8, "child_id", reason) in found and (
        "notes",
        1,
        "child_id",
        reason,
    ) in found


def _numbered(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables with child c1, c2, c3 numbered 1001, 1002, 1003 (as integers)."""
    number = {"c1": 1001, "c2": 1002, "c3": 1003}
    for frame in tables.values():
        frame["child_id"] = frame["child_id"].map(number)
    return tables


def test_a_whole_number_float_child_id_is_the_integer_one(tmp_path, tables):
    """Numeric ids with a blank cell reach pandas as floats (1001.0): still child 1001."""
    tables = _numbered(tables)
    tables["children"]["child_id"] = tables["children"]["child_id"].astype("float64")
    tables["notes"]["child_id"] = tables["notes"]["child_id"].astype("float64")
    tables["children"]["family_id"] = [7.0, 7.0, None]  # a numeric family_id with a blank
    folder = tmp_path / "h"
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet")  # episodes' child_id stays int64
    for history in (
        validate_case_history(history_from(tables)),
        read_case_history(folder, extract_date=EXTRACT),
    ):
        assert not history.exclusions
        assert history.children["child_id"].tolist() == ["1001", "1002", "1003"]
        assert history.episodes["child_id"].value_counts().to_dict() == {
            "1001": 7,
            "1002": 2,
            "1003": 3,
        }
        assert history.notes["child_id"].tolist() == ["1001", "1002"]
        assert history.children["family_id"].tolist()[:2] == ["7", "7"]


def test_a_child_id_that_is_not_a_whole_number_is_a_problem_naming_the_remedy(tables):
    tables = _numbered(tables)
    tables["children"]["child_id"] = [1001.0, 1002.5, 1003.0]
    for table in ("episodes", "notes"):
        tables[table]["child_id"] = tables[table]["child_id"].replace(1002, 1002.5)
    tables["children"]["family_id"] = [1.0, 1.5, 3.0]
    reason = (
        "child_id is stored as a decimal number that is not an exact whole number (a "
        "fraction, or more digits than a decimal number holds exactly); store identifiers "
        "as text"
    )
    found = problems_of(tables)
    assert ("children", 1, "child_id", reason) in found
    assert ("children", 1, "family_id", reason.replace("child_id", "family_id")) in found
    assert [(t, r) for t, r, c, why in found if c == "child_id"] == [
        ("children", 1),
        ("episodes", 7),
        ("episodes", 8),
        ("notes", 1),
    ]
    assert {why for *_, c, why in found if c == "child_id"} == {reason}  # not "no child"
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    assert "1002.5" not in str(info.value)  # an identifier is withheld
    history = validate_case_history(history_from(tables), lenient=True)
    assert history.children["child_id"].tolist() == ["1001", "1003"]
    assert history.children["family_id"].tolist() == ["1", "3"]


def test_an_identifier_written_with_point_zero_in_one_csv_says_why_nothing_links(tmp_path, tables):
    """Text is compared as written ('1001.0' is not '1001'); the message says why."""
    tables = _numbered(tables)
    tables["children"]["child_id"] = tables["children"]["child_id"].astype("float64")
    folder = tmp_path / "h"
    folder.mkdir()
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)  # pandas writes 1001.0
    with pytest.raises(DataValidationError) as info:
        read_case_history(folder, extract_date=EXTRACT)
    reasons = {p.reason for p in info.value.problems}
    assert len(reasons) == 1
    (reason,) = reasons
    assert reason.startswith("no child with this child_id in the children table; ")
    assert "differs from it only by a decimal point" in reason
    assert "store identifiers as text" in reason


def test_point_event_with_a_different_end(tables):
    tables["episodes"].loc[4, "end"] = "2020-03-06"
    found = problems_of(tables)
    assert found == [
        (
            "episodes",
            4,
            "end",
            "a point event (contact, s47, icpc, moved_out, death) has no end date",
        )
    ]


def test_point_event_with_end_equal_to_start_is_normalised_to_empty(tables):
    tables["episodes"].loc[4, "end"] = tables["episodes"].loc[4, "start"]
    episodes = validate_case_history(history_from(tables)).episodes
    assert pd.isna(episodes.loc[4, "end"]) and len(episodes) == 12


@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [("2021-02-15", "2021-04-01", True), ("2021-03-01", "2021-04-01", False),
     ("2020-01-01", "2021-02-10", True)],
)  # fmt: skip
def test_overlapping_episodes_of_the_same_kind(tables, start, end, overlaps):
    extra = tables["episodes"].iloc[[7]].assign(start=start, end=end)
    tables["episodes"] = pd.concat([tables["episodes"], extra], ignore_index=True)
    if not overlaps:
        validate_case_history(history_from(tables))
        return
    found = problems_of(tables)
    assert [p[3] for p in found] == ["overlaps an earlier episode of the same kind for this child"]


def test_open_episode_runs_to_extract_date_for_overlap(tables):
    extra = tables["episodes"].iloc[[8]].assign(start="2023-01-01", end="2023-02-01")
    tables["episodes"] = pd.concat([tables["episodes"], extra], ignore_index=True)
    assert problems_of(tables)[0][1] == 12


def test_death_rules(tables):
    death = tables["episodes"].iloc[[11]].assign(kind="death", start="2019-01-01", end="")
    tables["episodes"] = pd.concat([tables["episodes"], death, death], ignore_index=True)
    found = problems_of(tables)
    assert ("episodes", 13, "kind", "a second death recorded for the child") in found
    after = [p for p in found if p[3] == "episode starts after the child's death"]
    assert sorted(p[1] for p in after) == []  # c3's episodes all predate 2019
    tables["episodes"].loc[12, "start"] = "2018-01-15"
    found = problems_of(tables)
    assert ("episodes", 10, "start", "episode starts after the child's death") in found


def test_empty_note_text(tables):
    tables["notes"].loc[0, "text"] = " "
    assert ("notes", 0, "text", "note text is empty") in problems_of(tables)


def test_every_problem_is_listed_not_only_the_first(tables):
    tables["children"].loc[0, "sex"] = "Q"
    tables["episodes"].loc[0, "reason"] = "RC0"
    tables["notes"].loc[1, "text"] = ""
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    assert {p.table for p in info.value.problems} == {"children", "episodes", "notes"}
    assert "3 problems found" in str(info.value)


def test_lenient_keeps_valid_rows_and_reports_the_rest(tables):
    tables["children"].loc[1, "birth_date"] = "not a date"  # excludes c2 and its rows
    tables["episodes"].loc[0, "source"] = "ZZ"  # drops the value, keeps the referral
    tables["episodes"].loc[3, "end"] = "2019-01-01"  # end before start: drops the episode
    history = validate_case_history(history_from(tables), lenient=True)
    assert history.children["child_id"].tolist() == ["c1", "c3"]
    assert "c2" not in set(history.episodes["child_id"]) | set(history.notes["child_id"])
    assert len(history.episodes) == 12 - 2 - 1
    assert pd.isna(history.episodes.loc[0, "source"])
    report = history.exclusions.to_frame()
    excluded_child = report["reason"] == "the child was excluded (see the children table)"
    assert sorted(report.loc[excluded_child, "table"]) == ["episodes", "episodes", "notes"]
    counted = history.exclusions.counts().set_index(["table", "reason"])["rows"]
    assert counted[("episodes", "unknown source code (see the DfE code list)")] == 1
    assert set(report["action"]) == {
        "child excluded",
        "episode excluded",
        "note excluded",
        "value dropped",
    }
    # every input row is either kept or reported: nothing vanishes silently
    gone = report[report["action"] != "value dropped"]
    excluded_rows = {(t, r) for t, r in gone[["table", "row"]].itertuples(index=False)}
    for table, kept in (("episodes", history.episodes), ("notes", history.notes)):
        reported = sum(1 for t, _ in excluded_rows if t == table)
        assert len(kept) + reported == len(tables[table])


def test_messages_never_show_identifiers_or_birth_dates(tables):
    tables["children"].loc[0, "child_id"] = "c2"  # duplicate id
    tables["children"].loc[2, "birth_date"] = "2010-13-45"
    tables["notes"].loc[0, "child_id"] = "SECRET-ID-42"
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    message = str(info.value)
    for secret in ("c2", "2010-13-45", "SECRET-ID-42"):
        assert secret not in message
    assert "<withheld: personal data>" in message
    assert "SECRET-ID-42" not in history_report(tables)


def test_an_empty_identifier_is_said_to_be_empty_not_withheld(tables):
    """An empty child_id discloses nothing: the analyst is told it is empty (it was
    "<withheld: personal data>", which sent them looking for a value that is not there)."""
    tables["children"].loc[1, "child_id"] = ""
    with pytest.raises(DataValidationError) as info:
        validate_case_history(history_from(tables))
    empty = [p for p in info.value.problems if p.table == "children" and p.column == "child_id"]
    assert empty, info.value.problems
    message = str(info.value)
    assert "table 'children', row 3, column 'child_id', value <empty>" in message, message
    # The other tables' rows of that child still withhold their (non-empty) identifiers.
    assert "table 'episodes', row 9, column 'child_id', value <withheld" in message


def history_report(tables: dict[str, pd.DataFrame]) -> str:
    history = validate_case_history(history_from(tables), lenient=True)
    return history.exclusions.to_frame().to_string() + history.exclusions.describe()


def test_row_order_does_not_change_the_result():
    tables = valid_tables()
    shuffled = {k: v.sample(frac=1.0, random_state=3) for k, v in tables.items()}
    a = validate_case_history(history_from(tables))
    b = validate_case_history(history_from(shuffled))
    key = ["child_id", "kind", "start"]
    pd.testing.assert_frame_equal(
        a.episodes.sort_values(key, ignore_index=True),
        b.episodes.sort_values(key, ignore_index=True),
    )


def test_a_history_needs_its_extract_date(tables):
    # never guessed (e.g. as today): open episodes are censored at it
    with pytest.raises(DataValidationError, match="no extract date given"):
        CaseHistory(tables["children"], tables["episodes"], tables["notes"])


def test_absent_optional_columns_are_each_their_own() -> None:
    """Optional columns a table lacks are added empty, each with its own values."""
    from escalation.data.validate import EPISODE_COLUMNS, _with_all_columns

    frame = pd.DataFrame({"child_id": ["C1"], "kind": ["referral"], "start": ["2020-01-01"]})
    filled = _with_all_columns(frame, EPISODE_COLUMNS)
    absent = [name for name in EPISODE_COLUMNS if name not in frame]
    assert len(absent) >= 2, absent
    filled.loc[0, absent[0]] = "written"
    assert filled.loc[0, absent[1:]].isna().all()


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("children", "sex", "M\ud800"),
        ("episodes", "start", "2020-01-0\udcff"),
        ("episodes", "kind", "referral\ud800"),
    ],
)
def test_text_utf8_cannot_hold_is_named_not_a_crash(table: str, column: str, value: str) -> None:
    """A lone surrogate (a damaged file, or one read with the wrong encoding) is a problem
    naming its table, row and column; leniently its row is excluded."""
    tables = valid_tables()
    frame = tables[table].copy()
    frame[column] = frame[column].astype(object)
    frame.loc[1, column] = value
    tables[table] = frame
    with pytest.raises(DataValidationError) as raised:
        validate_case_history(history_from(tables))
    problems = raised.value.problems
    named = [(p.table, p.row, p.column) for p in problems if "UTF-8" in p.reason]
    assert named == [(table, 1, column)]
    kept = validate_case_history(history_from(tables), lenient=True)
    excluded = [(p.table, p.row, p.column) for p in kept.exclusions.problems]
    assert (table, 1, column) in excluded
    assert len(getattr(kept, table)) < len(frame)


@pytest.mark.parametrize("month", ["2021-02", "02/2021"])
@pytest.mark.parametrize(
    ("table", "row", "column"),
    [("episodes", 7, "start"), ("episodes", 0, "end"), ("notes", 0, "date")],
)
def test_a_month_without_its_day_is_refused_outside_birth_date(tables, month, table, row, column):
    # The contract allows a month-only date in birth_date only ("day precision; a
    # month-only date is read as the 1st"); elsewhere it was read as the 1st, silently.
    tables[table].loc[row, column] = month
    assert _month_only_problems(tables) == [(table, row, column)]


def test_a_month_without_its_day_is_refused_as_an_expected_birth_date(tables):
    tables["children"]["expected_birth_date"] = None
    tables["children"].loc[1, "expected_birth_date"] = "2015-01"
    assert _month_only_problems(tables) == [("children", 1, "expected_birth_date")]


def _month_only_problems(tables):
    """Where the problems name a month without its day, and say to give the day."""
    return [
        (t, r, c)
        for t, r, c, why in problems_of(tables)
        if why.startswith("a month without its day") and "give the day (YYYY-MM-DD)" in why
    ]


@pytest.mark.parametrize("month", ["2015-01", "01/2015"])
def test_a_month_without_its_day_is_a_birth_date_on_the_1st(tables, month):
    tables["children"].loc[1, "birth_date"] = month
    history = validate_case_history(history_from(tables))
    assert history.children.loc[1, "birth_date"] == pd.Timestamp("2015-01-01")
