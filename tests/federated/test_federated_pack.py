"""Share packs hold no record-level field, no identifier and no count under the threshold."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.data.simulator import simulate_local_authorities
from escalation.disclosure import THRESHOLD
from escalation.errors import DataValidationError, DesignError
from escalation.federated._disclose import (
    COUNT_COLUMNS,
    RECORD_LEVEL_COLUMNS,
    DisclosureLog,
    check_pack,
    coarsen_risk_sets,
)
from escalation.federated.pack import (
    PACK_TABLES,
    build_share_pack,
    read_share_pack,
    write_share_pack,
)
from escalation.federated.risksets import grid_level, risk_set_counts, time_grid
from escalation.timeline import build_spells
from tests.federated.federated_support import authorities, cheap_design, packs


def test_no_record_level_field_identifier_or_small_cell_leaves_in_a_pack(tmp_path: Path) -> None:
    sims = authorities()
    for pack in packs():
        path = write_share_pack(pack, tmp_path)
        history = sims.authorities[pack.authority].history
        with zipfile.ZipFile(path) as archive:
            texts = {name: archive.read(name).decode("utf-8") for name in archive.namelist()}
        assert set(texts) == {"manifest.json", "design.toml", *(f"{t}.csv" for t in PACK_TABLES)}
        tokens: set[str] = set()
        for text in texts.values():
            tokens |= set(re.findall(r"[A-Za-z0-9_\-:]+", text))
        identifiers = set(history.children["child_id"]) | set(history.children["family_id"])
        assert not tokens & identifiers, "an identifier is in the pack"
        # Dates of the design (the time-zero window) are study parameters, not records.
        design_dates = set(re.findall(r"\d{4}-\d{2}-\d{2}", texts["design.toml"]))
        births = set(history.children["birth_date"].dt.strftime("%Y-%m-%d")) - design_dates
        assert not tokens & births, "a birth date is in the pack"
        dates = set(history.episodes["start"].dt.strftime("%Y-%m-%d")) - design_dates
        assert not tokens & dates, "an episode date is in the pack"
        notes = history.notes["text"].astype(str)
        for sentence in notes.sample(50, random_state=1):
            assert sentence not in "\n".join(texts.values())
        spells = len(build_spells(history, cheap_design()).spells)
        for name, text in texts.items():
            if not name.endswith(".csv") or not text.strip():
                continue
            table = pd.read_csv(io.StringIO(text))
            assert not set(table.columns) & RECORD_LEVEL_COLUMNS, name
            assert len(table) < spells / 4, f"{name} has a row per record?"
            for column in set(table.columns) & COUNT_COLUMNS:
                values = pd.to_numeric(table[column], errors="coerce").dropna()
                assert (values >= THRESHOLD).all(), f"{name}.{column} has a cell under 10"
        manifest = json.loads(texts["manifest.json"])
        assert manifest["design_sha256"] == pack.design_hash
        assert manifest["escalation_version"]


def test_risk_set_tables_reach_the_threshold_on_nested_levels() -> None:
    sims = authorities()
    design = cheap_design()
    grid = time_grid(design)
    anchors = [0.0, *map(float, design.outcome.horizons)]
    for sim in sims.authorities.values():
        spells = build_spells(sim.history, design).spells
        log = DisclosureLog()
        table = coarsen_risk_sets(risk_set_counts(spells, grid), anchors, log)
        cells = table[["at_risk", "events", "competing", "censored"]].to_numpy(dtype=float)
        assert np.all(np.isnan(cells) | (cells >= THRESHOLD))
        edges = np.unique(np.r_[table["interval_start"], table["interval_end"]])
        # the boundaries are one of the nested levels of the shared grid
        assert any(
            np.array_equal(edges, grid_level(grid, anchors, m)[: len(edges)]) for m in range(6)
        )


def test_an_arm_with_too_few_escalations_is_withheld() -> None:
    spells = pd.DataFrame(
        {
            "duration": np.r_[np.arange(1, 200, 2.0), np.arange(1, 40, 2.0)],
            "event": np.r_[np.tile([1, 0], 50), np.zeros(20)],
            "treatment": np.r_[np.zeros(100), np.ones(20)],
        }
    )
    spells.loc[100:102, "event"] = 1  # three escalations among the treated
    log = DisclosureLog()
    table = coarsen_risk_sets(risk_set_counts(spells, [0, 100, 200]), [0, 200], log)
    assert set(table["group"]) == {"untreated"}
    assert "withheld" in " ".join(log.frame()["action"])


def test_check_pack_refuses_small_cells_and_record_level_columns() -> None:
    with pytest.raises(DataValidationError, match="count under 10"):
        check_pack({"risk_sets": pd.DataFrame({"events": [12, 3]})})
    with pytest.raises(DataValidationError, match="record-level column"):
        check_pack({"effects": pd.DataFrame({"child_id": ["x"]})})
    check_pack({"risk_sets": pd.DataFrame({"events": [12, None]})})


def test_write_share_pack_replaces_only_a_share_pack(tmp_path: Path) -> None:
    pack = packs()[0]
    theirs = tmp_path / f"{pack.authority}.zip"
    theirs.write_text("not a pack")
    with pytest.raises(FileExistsError, match="is not a share pack"):
        write_share_pack(pack, tmp_path)
    assert theirs.read_text() == "not a pack"
    theirs.unlink()
    first = write_share_pack(pack, tmp_path)
    assert write_share_pack(pack, tmp_path) == first  # an earlier pack is replaced


def test_a_tampered_pack_is_refused(tmp_path: Path) -> None:
    path = write_share_pack(packs()[0], tmp_path)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["design_toml"] = manifest["design_toml"].replace("365", "366")
                data = json.dumps(manifest).encode()
            target.writestr(name, data)
    with pytest.raises(DataValidationError, match="does not match its design hash"):
        read_share_pack(tampered)
    small = tmp_path / "small.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(small, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "authority.csv":
                table = pd.read_csv(io.BytesIO(data)).assign(spells=4)
                data = table.to_csv(index=False).encode()
            target.writestr(name, data)
    with pytest.raises(DataValidationError, match="count under 10"):
        read_share_pack(small)
    not_zip = tmp_path / "not.zip"
    not_zip.write_text("hello")
    with pytest.raises(DataValidationError, match="not a zip file"):
        read_share_pack(not_zip)


def test_round_trip_keeps_every_table(tmp_path: Path) -> None:
    pack = packs()[1]
    again = read_share_pack(write_share_pack(pack, tmp_path / "x.zip"))
    assert again.authority == pack.authority and again.design_hash == pack.design_hash
    assert set(again.profiles()) == set(pack.profiles())
    pd.testing.assert_frame_equal(
        again.tables["cox_profiles"], pack.tables["cox_profiles"], check_dtype=False
    )


def test_several_authorities_need_a_choice() -> None:
    sims = simulate_local_authorities(2, n_children=600, seed=5)
    with pytest.raises(DesignError, match="hold 2 local authorities"):
        build_share_pack(sims.history, cheap_design())
    with pytest.raises(DesignError, match="'LA09' is not in the data"):
        build_share_pack(sims.history, cheap_design(), authority="LA09")


def test_round_trip_keeps_levels_that_read_like_missing_values(tmp_path: Path) -> None:
    """A level spelled "NA", "None", "null", "nan" or "N/A" (a user's covariate may have
    them) comes back as that text, not as a blank level; empty cells stay missing."""
    pack = packs()[1]
    covariates = pack.tables["covariates"].copy()
    spelled = ["NA", "None", "null", "nan", "N/A"]
    categorical = covariates.index[covariates["level"] != ""][: len(spelled)]
    covariates.loc[categorical, "level"] = spelled
    changed = dataclasses.replace(pack, tables={**pack.tables, "covariates": covariates})
    again = read_share_pack(write_share_pack(changed, tmp_path / "x.zip"))
    assert again.tables["covariates"].loc[categorical, "level"].tolist() == spelled
    for name in PACK_TABLES:  # missing values alike (pandas' NA in memory, NaN read back)
        read, sent = (
            t.astype(object).where(t.notna(), None)
            for t in (again.tables[name], changed.tables[name])
        )
        pd.testing.assert_frame_equal(read, sent, check_dtype=False, obj=name)


def test_the_packs_disclosure_log_quotes_no_small_count_or_row() -> None:
    """The log of what was withheld travels in the share pack and quotes the analysis'
    warnings and errors ("positivity: 12 children (3 treated, 9 untreated) ..."): their
    small counts and row numbers reached the hub as they were."""
    from escalation.federated._disclose import DisclosureLog

    log = DisclosureLog()
    log.add("effects", "warning", "positivity: 12 children (3 treated, 9 untreated) have weights")
    log.add("cox_profiles", "ps_stratified", "failed (table 'spells', row 4: 2 value(s) missing)")
    log.add("risk_sets", "treated", "fewer than 10 escalations or exits: withheld")
    actions = log.frame()["action"].tolist()
    assert actions == [
        "positivity: 10 children (fewer than 10 treated, fewer than 10 untreated) have weights",
        "failed (table 'spells', row [not shown]: fewer than 10 value(s) missing)",
        "fewer than 10 escalations or exits: withheld",
    ]


def test_round_trip_keeps_codes_that_read_like_numbers(tmp_path: Path) -> None:
    """An authority code ``0886`` and levels ``00``, ``01``, ... come back as that text.

    pandas read a column of digits as numbers: the authority 886 (no longer the pack's
    ``0886``) and, beside the numeric covariates' empty levels, the levels 0.0, 1.0, ...
    """
    pack = packs()[1]
    covariates = pack.tables["covariates"]
    # the numeric covariates and one categorical, its levels N0, N1, ... coded 00, 01, ...
    kept = covariates[(covariates["level"] == "") | (covariates["covariate"] == "need")]
    kept = kept.assign(level=kept["level"].str.replace("N", "0", regex=False))
    assert kept["level"].str.fullmatch(r"|0\d").all() and (kept["level"] == "01").any()
    coded = dataclasses.replace(
        pack,
        authority="0886",
        manifest={**pack.manifest, "authority": "0886"},
        tables={
            **pack.tables,
            "covariates": kept.reset_index(drop=True),
            "authority": pack.tables["authority"].assign(authority="0886"),
        },
    )
    again = read_share_pack(write_share_pack(coded, tmp_path))
    assert again.authority == "0886"
    assert again.tables["authority"]["authority"].tolist() == ["0886"]
    assert again.tables["covariates"]["level"].tolist() == kept["level"].tolist()


def test_a_pack_made_under_a_compute_section_is_read_back(tmp_path: Path) -> None:
    """A design with ``[compute]`` (workers, a Dask scheduler) made a pack the hub refused.

    The design hash leaves ``[compute]`` out (it never changes a result), but the design
    text the pack carried kept it, so the text no longer matched the hash and
    ``read_share_pack`` refused the authority's own pack ("its design text does not match
    its design hash"); the scheduler's address on the authority's network went to the hub.
    """
    from escalation.design.study import ComputeSpec
    from escalation.federated.pack import design_hash

    plain = cheap_design()
    design = plain.replace(compute=ComputeSpec(scheduler="tcp://10.0.0.5:8786"))
    assert "[compute]" in design.to_toml()
    history = authorities().authorities["LA01"].history
    pack = build_share_pack(history, design)
    again = read_share_pack(write_share_pack(pack, tmp_path))
    assert again.design_hash == design_hash(plain) == design_hash(again.design)
    assert "10.0.0.5" not in json.dumps(again.manifest)


def _edited(path: Path, member: str, edit: Callable[[pd.DataFrame], None], out: Path) -> Path:
    """Return a copy of the pack at ``path`` with one table edited (as by hand)."""
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == member:
                table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
                edit(table)
                data = table.to_csv(index=False).encode()
            target.writestr(name, data)
    return out


def _set(column: str, value: str, row: int = 0) -> Callable[[pd.DataFrame], None]:
    def edit(table: pd.DataFrame) -> None:
        table.loc[row, column] = value

    return edit


#: member edited, the edit, and what the message must say (beside the pack's name)
HAND_EDITS = {
    "text in a count": (
        "risk_sets.csv",
        _set("at_risk", "62x"),
        "table 'risk_sets.csv', row 2, column 'at_risk', value '62x': not a number",
    ),
    "text in an estimate": (
        "hazard_ratios.csv",
        _set("estimate", "abc"),
        "table 'hazard_ratios.csv', row 2, column 'estimate', value 'abc': not a number",
    ),
    "text in a characteristic": (
        "authority.csv",
        _set("deprivation", "high"),
        "table 'authority.csv', row 2, column 'deprivation', value 'high': not a number",
    ),
    "a negative count": (
        "covariates.csv",
        _set("n", "-3317"),
        "table 'covariates.csv', row 2, column 'n', value '-3317",
    ),
    "a fractional count": (
        "risk_sets.csv",
        _set("at_risk", "628.5"),
        "table 'risk_sets.csv', row 2, column 'at_risk', value '628.5': a count must be",
    ),
    "an arm misspelt": (
        "risk_sets.csv",
        _set("group", "Untreated", row=0),
        "table 'risk_sets.csv', row 2, column 'group', value 'Untreated': not an arm",
    ),
    "another authority's code": (
        "authority.csv",
        _set("authority", "LA02"),
        "table 'authority.csv', row 2, column 'authority', value 'LA02': not the pack's "
        "authority (LA01",
    ),
    "a boundary off the grid": (
        "risk_sets.csv",
        _set("interval_end", "366.0"),
        "table 'risk_sets.csv', row 2, column 'interval_end', value '366.0': not a boundary",
    ),
    "a hole in a profile": (
        "cox_profiles.csv",
        _set("value", ""),
        "table 'cox_profiles.csv', row 2, column 'value', value <empty>: empty: a likelihood",
    ),
    "a small count": (
        "risk_sets.csv",
        _set("events", "5"),
        "disclosure control: 1 problem found\n  - table 'risk_sets.csv', row 2, column "
        "'events', value <not shown>: count under 10",
    ),
}


@pytest.mark.parametrize("case", list(HAND_EDITS))
def test_a_pack_edited_by_hand_is_refused_naming_pack_table_row_column_value(
    case: str, tmp_path: Path
) -> None:
    """A pack's CSV files are read and may be edited before they are sent.

    Text in a number column stopped the hub with pandas' "could not convert string to
    float: '62x'" (no pack, table or row) or, in ``authority.csv``, was read as withheld
    and pooled; a misspelt arm was left out of the pooled curves as "withheld"; another
    authority's code in ``authority.csv`` gave that authority two rows of characteristics
    in the meta-regressions; a boundary off the grid and a hole in a profile were pooled
    or failed without saying whose pack.
    """
    pack = packs()[0]
    assert pack.authority == "LA01"
    path = write_share_pack(pack, tmp_path / "sent")
    member, edit, message = HAND_EDITS[case]
    edited = _edited(path, member, edit, tmp_path / "LA01.zip")
    with pytest.raises(DataValidationError) as caught:
        read_share_pack(edited)
    text = str(caught.value)
    assert text.startswith("Share pack LA01.zip"), text
    assert message in text, text


def test_a_manifest_edited_by_hand_is_refused_naming_the_pack(tmp_path: Path) -> None:
    """A manifest without ``authority`` raised ``KeyError: 'authority'``; one that is no
    longer JSON raised ``JSONDecodeError``: neither named the pack."""
    path = write_share_pack(packs()[0], tmp_path / "sent")
    for label, edit in (
        ("no authority", lambda m: json.dumps({k: v for k, v in m.items() if k != "authority"})),
        ("not JSON", lambda m: json.dumps(m)[:-20]),
    ):
        out = tmp_path / "LA01.zip"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                if name == "manifest.json":
                    data = edit(json.loads(data)).encode()
                target.writestr(name, data)
        with pytest.raises(DataValidationError, match=r"LA01\.zip") as caught:
            read_share_pack(out)
        if label == "no authority":
            assert "table 'manifest.json', column 'authority': missing" in str(caught.value)
        else:
            assert "manifest.json is not JSON" in str(caught.value)


def test_the_order_of_an_authoritys_records_does_not_change_its_pack(tmp_path: Path) -> None:
    """The same records in another order give the same pack, byte for byte (the bootstrap
    included: its replicates resample children, not rows as they happen to lie)."""
    base = cheap_design()
    design = base.replace(estimation=dataclasses.replace(base.estimation, bootstrap=5))
    history = authorities().authorities["LA02"].history
    shuffled = dataclasses.replace(
        history,
        **{
            name: getattr(history, name).sample(frac=1.0, random_state=7).reset_index(drop=True)
            for name in ("children", "episodes", "notes")
        },
    )
    assert not shuffled.children["child_id"].equals(history.children["child_id"])
    one = write_share_pack(build_share_pack(history, design), tmp_path / "one.zip")
    two = write_share_pack(build_share_pack(shuffled, design), tmp_path / "two.zip")
    assert len(read_share_pack(one).tables["bootstrap"]) > 0
    assert one.read_bytes() == two.read_bytes()


def test_a_small_count_is_located_alike_making_and_reading_a_pack(tmp_path: Path) -> None:
    """Was: making a pack (``check_pack`` on the authority's side) named a small count at
    "table 'risk_sets', row 1" (the frame's row from 0) while the hub reading the same
    pack said "table 'risk_sets.csv', row 3" (the row a spreadsheet shows, header row 1).
    One convention now: the second data row is row 3 on both sides."""
    with pytest.raises(DataValidationError) as made:
        check_pack({"risk_sets": pd.DataFrame({"events": [12, 3]})})
    (problem,) = made.value.problems
    assert (problem.table, problem.shown_row) == ("risk_sets.csv", 3)
    said = "table 'risk_sets.csv', row 3, column 'events', value <not shown>: count under 10"
    assert problem.describe() == said
    # The same pack made with a small count, and read by the hub after a hand edit.
    pack = packs()[0]
    path = write_share_pack(pack, tmp_path / "sent")
    risk_sets = pack.tables["risk_sets"].copy()
    risk_sets.loc[1, "events"] = 5
    small = dataclasses.replace(pack, tables={**pack.tables, "risk_sets": risk_sets})
    with pytest.raises(DataValidationError) as making:
        write_share_pack(small, tmp_path / "again")
    edited = _edited(path, "risk_sets.csv", _set("events", "5", row=1), tmp_path / "LA01.zip")
    with pytest.raises(DataValidationError) as reading:
        read_share_pack(edited)
    made_lines = [p.describe() for p in making.value.problems]
    read_lines = [p.describe() for p in reading.value.problems]
    assert made_lines == read_lines
    assert made_lines[0].startswith("table 'risk_sets.csv', row 3, column 'events'")
