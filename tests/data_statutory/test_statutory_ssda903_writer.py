"""Simulator → SSDA903 writer → reader gives back the periods of care exactly."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from escalation.data.history import CaseHistory
from escalation.data.simulator import simulate_local_authority
from escalation.data.statutory import read_ssda903, write_ssda903
from escalation.data.statutory.ssda903_writer import EPISODE_COLUMNS, HEADER_COLUMNS

from .statutory_builders import EPISODE_COLUMNS as BUILDER_EPISODES
from .statutory_builders import HEADER_COLUMNS as BUILDER_HEADER
from .statutory_builders import csv, episode_row, write

CARE = ["child_id", "kind", "start", "end", "legal_status"]
PERSON = ["child_id", "birth_date", "sex", "ethnicity"]


@functools.cache
def simulated() -> CaseHistory:
    return simulate_local_authority(1500, seed=11).history


def canonical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].astype(str)
    return out.sort_values(columns).reset_index(drop=True)


def care_of(history: CaseHistory) -> pd.DataFrame:
    eps = history.episodes
    return canonical(eps[eps["kind"].astype(str) == "looked_after"], CARE)


@pytest.mark.parametrize("years", [None, range(2010, 2025)], ids=["one return", "yearly returns"])
def test_round_trip_preserves_the_periods_of_care(tmp_path: Path, years: range | None) -> None:
    history = simulated()
    summary = write_ssda903(history, tmp_path, years=years)
    back = read_ssda903(tmp_path, extract_date=history.extract_date)  # strict: no problem at all
    assert len(back.exclusions) == 0
    expected = care_of(history)
    assert len(expected) > 50  # a real test: many periods, open and closed
    assert expected["end"].eq("NaT").any() and expected["end"].ne("NaT").any()
    pd.testing.assert_frame_equal(care_of(back), expected)
    assert summary.episodes == len(expected)
    in_care = history.children[history.children["child_id"].isin(expected["child_id"])]
    assert summary.children == len(in_care) == len(back.children)
    # SSDA903's SEX has codes 1 (male) and 2 (female) only: a U is written empty, read as missing
    expected_children = in_care.assign(sex=in_care["sex"].astype(str).replace("U", "nan"))
    assert (in_care["sex"] == "U").any()
    pd.testing.assert_frame_equal(
        canonical(back.children.assign(sex=back.children["sex"].astype(str)), PERSON),
        canonical(expected_children, PERSON),
    )
    assert summary.skipped.get("referral", 0) == (history.episodes["kind"] == "referral").sum()


def test_yearly_returns_hold_what_each_year_knew(tmp_path: Path) -> None:
    history = simulated()
    care = history.episodes[history.episodes["kind"].astype(str) == "looked_after"]
    spanning = care[(care["start"] < "2023-03-31") & (care["end"] > "2023-03-31")].iloc[0]
    summary = write_ssda903(history, tmp_path, years=[2023, 2024])
    assert [p.name for p in summary.files] == [
        "header_2023.csv",
        "episodes_2023.csv",
        "header_2024.csv",
        "episodes_2024.csv",
    ]
    first = pd.read_csv(tmp_path / "episodes_2023.csv", dtype=str, keep_default_na=False)
    later = pd.read_csv(tmp_path / "episodes_2024.csv", dtype=str, keep_default_na=False)
    assert tuple(first.columns) == EPISODE_COLUMNS == tuple(BUILDER_EPISODES.split(","))
    header = pd.read_csv(tmp_path / "header_2023.csv", dtype=str)
    assert tuple(header.columns) == HEADER_COLUMNS == tuple(BUILDER_HEADER.split(","))
    decom = spanning["start"].strftime("%d/%m/%Y")
    row = first[(first["CHILD"] == spanning["child_id"]) & (first["DECOM"] == decom)]
    assert row[["DEC", "REC"]].values.tolist() == [["", ""]]  # still running on 31 March 2023
    row = later[(later["CHILD"] == spanning["child_id"]) & (later["DECOM"] == decom)]
    assert row["DEC"].tolist() == [spanning["end"].strftime("%d/%m/%Y")]
    # periods over before 1 April 2022 are in neither return
    assert summary.skipped["looked_after"] == int((care["end"] < "2022-04-01").sum()) > 0
    back = read_ssda903(tmp_path, extract_date=history.extract_date)
    recent = care[care["end"].isna() | (care["end"] >= "2022-04-01")]
    pd.testing.assert_frame_equal(care_of(back), canonical(recent, CARE))


def test_a_death_ending_a_period_is_written_as_e2_and_read_back(tmp_path: Path) -> None:
    history = simulated()
    eps = history.episodes
    closed = eps[(eps["kind"].astype(str) == "looked_after") & eps["end"].notna()].iloc[0]
    death = eps.iloc[[0]].assign(
        child_id=closed["child_id"], kind="death", start=closed["end"], end=pd.NaT
    )
    died = history.with_tables(episodes=pd.concat([eps, death], ignore_index=True))
    write_ssda903(died, tmp_path)
    back = read_ssda903(tmp_path, extract_date=history.extract_date)
    mine = back.episodes[back.episodes["child_id"] == closed["child_id"]]
    assert mine.loc[mine["kind"] == "death", "start"].tolist() == [closed["end"]]
    rec = mine.loc[mine["start"] == closed["start"], "reason_ceased"]
    assert rec.tolist() == ["E2"]


def a_return(folder: Path, header: list[str], episodes: list[str]) -> Path:
    """Write a small SSDA903 return (a header and an episodes file) into ``folder``."""
    folder.mkdir(exist_ok=True)
    write(folder, "header.csv", csv(BUILDER_HEADER, header))
    write(folder, "episodes.csv", csv(BUILDER_EPISODES, episodes))
    return folder


def test_a_return_read_and_written_again_keeps_its_codes(tmp_path: Path) -> None:
    source = a_return(
        tmp_path / "source",
        ["A,1,01/05/2010,WBRI,,,", "B,2,15/08/2008,BCRB,,,"],
        [
            episode_row("A", "01/04/2019", "S", "V2", "U1", "01/02/2020", "E11"),
            episode_row("B", "05/01/2021", "S", "C2", "R1"),
        ],
    )
    once = read_ssda903(source, extract_date="2022-03-31")
    write_ssda903(once, tmp_path / "again")
    twice = read_ssda903(tmp_path / "again", extract_date="2022-03-31")
    columns = [*CARE, "placement", "category_of_need", "reason_ceased"]
    pd.testing.assert_frame_equal(
        canonical(twice.episodes, columns), canonical(once.episodes, columns)
    )
    assert canonical(once.episodes, columns)["reason_ceased"].tolist() == ["E11", "<NA>"]


def test_an_empty_placement_is_read_as_missing(tmp_path: Path) -> None:
    # an episode without a placement code used to stop the reader with a TypeError
    a_return(
        tmp_path,
        ["A,1,01/05/2010,WBRI,,,"],
        [
            episode_row("A", "01/04/2019", "S", "", "", "10/05/2019", "X1"),
            episode_row("A", "10/05/2019", "P", "C2", "U3"),
        ],
    )
    history = read_ssda903(tmp_path, extract_date="2022-03-31")
    period = history.episodes.iloc[0]
    assert pd.isna(period["placement"]) and period["placements"] == "U3"
    assert pd.isna(period["legal_status"]) and period["legal_statuses"] == "C2"


def test_simulate_cli_writes_yearly_returns_that_convert_reads(tmp_path: Path) -> None:
    from escalation.cli import main

    out = tmp_path / "returns"
    assert (
        main(
            [
                "simulate",
                "--children",
                "300",
                "--seed",
                "2",
                "--format",
                "ssda903",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    episodes = sorted(p.name for p in out.glob("episodes_*.csv"))
    assert episodes[-1] == "episodes_2024.csv" and len(episodes) > 3
    history = simulate_local_authority(300, seed=2).history
    back = read_ssda903(out, extract_date=history.extract_date)
    pd.testing.assert_frame_equal(care_of(back), care_of(history))
