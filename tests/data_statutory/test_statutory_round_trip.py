"""Simulator → CIN census writer → reader reproduces what the census holds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.data.simulator import simulate_local_authority
from escalation.data.statutory import read_cin_census, write_cin_census
from escalation.data.statutory.cin_writer import CENSUS_KINDS

from .statutory_builders import assessment, child, cin_details, cin_plan, message, write

EPISODE_COLUMNS = [
    "child_id",
    "kind",
    "start",
    "end",
    "source",
    "need",
    "factors",
    "category",
    "reason",
]
CHILD_COLUMNS = ["child_id", "birth_date", "sex", "ethnicity", "disability"]


def canonical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].astype(str)
    return out.sort_values(columns).reset_index(drop=True)


@pytest.mark.parametrize("year", [2024, 2025])
def test_round_trip_reproduces_the_census_part(tmp_path: Path, year: int) -> None:
    history = simulate_local_authority(1500, seed=11).history
    summary = write_cin_census(history, tmp_path / "cin.xml", year=year)
    text = (tmp_path / "cin.xml").read_text()
    assert ("<Sex>" in text) == (year >= 2025) and ("<GenderCurrent>" in text) == (year < 2025)
    back = read_cin_census(tmp_path / "cin.xml")
    # children still unborn at the reference date are written with their expected birth
    # date only; reading says so in a note, one per such child
    unborn = int((history.children["birth_date"] > history.extract_date).sum())
    assert unborn > 0 and text.count("<ExpectedPersonBirthDate>") == unborn
    assert len(back.exclusions) == unborn
    assert {p.severity for p in back.exclusions.problems} == {"note"}  # type: ignore[attr-defined]
    assert back.extract_date == history.extract_date
    held = history.episodes[history.episodes["kind"].astype(str).isin(CENSUS_KINDS)]
    pd.testing.assert_frame_equal(
        canonical(back.episodes, EPISODE_COLUMNS), canonical(held, EPISODE_COLUMNS)
    )
    pd.testing.assert_frame_equal(
        canonical(back.children, CHILD_COLUMNS), canonical(history.children, CHILD_COLUMNS)
    )
    not_held = history.episodes["kind"].astype(str).value_counts()
    for kind in ("early_help", "looked_after", "moved_out"):
        assert summary.skipped.get(kind, 0) == not_held.get(kind, 0)
    assert summary.episodes == len(held)


def test_writer_skips_episodes_outside_every_referral(tmp_path: Path) -> None:
    history = simulate_local_authority(200, seed=5).history
    eps = history.episodes
    first = eps[eps["kind"] == "referral"].iloc[0]
    stray = pd.DataFrame(
        {
            "child_id": [first["child_id"]],
            "kind": ["s47"],
            "start": [first["start"] - pd.Timedelta(days=400)],
        }
    )
    extra = history.with_tables(episodes=pd.concat([eps, stray], ignore_index=True))
    summary = write_cin_census(extra, tmp_path / "cin.xml")
    base = write_cin_census(history, tmp_path / "base.xml")
    assert summary.skipped.get("s47", 0) == base.skipped.get("s47", 0) + 1


def test_an_nfa_referral_reads_back_as_cleanly_as_it_was_read(tmp_path: Path) -> None:
    """A referral with ``ReferralNFA`` true and no closure date (closed on its day, no
    reason) was written with a ``CINclosureDate`` and no ``ReasonForClosure``, an error
    that stopped strict reading of the package's own file."""
    details = [
        cin_details("2022-02-05", nfa="true"),  # NFA, no closure, nothing in it
        cin_details("2021-05-03", nfa="true", blocks=[assessment("2021-05-03", auth=None)]),
        cin_details("2021-01-04", closure="2021-01-04", reason="RC8", nfa="true"),
        cin_details("2020-03-02", "1A", "N1", "2020-03-02", "RC1", blocks=[cin_plan("2020-03-02")]),
    ]
    source = write(tmp_path, "cin.xml", message([child("N1", details=details)]))
    first = read_cin_census(source)  # strict, and nothing to report
    assert not first.exclusions
    write_cin_census(first, tmp_path / "again.xml", year=2022)
    back = read_cin_census(tmp_path / "again.xml")  # strict again
    assert not back.exclusions
    pd.testing.assert_frame_equal(
        canonical(back.episodes, EPISODE_COLUMNS), canonical(first.episodes, EPISODE_COLUMNS)
    )
    referrals = first.episodes[first.episodes["kind"] == "referral"]
    assert (referrals["end"] == referrals["start"]).all()
