"""Determinism, validity, notes and the command line of the simulator."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.cli import simulate as simulate_cli
from escalation.data.io import read_case_history, write_case_history
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.data.simulator.notes import HYPOTHETICAL, NEGATED, PRESENT, UNCERTAIN
from escalation.data.validate import validate_case_history
from escalation.results import data_hash
from tests.data.simulator_support import simulated


def _hash(sim) -> str:  # type: ignore[no-untyped-def]
    h = sim.history
    return data_hash(h.children, h.episodes, h.notes, sim.truth.spell_risks)


def test_same_seed_same_tables_whatever_the_progress_flag() -> None:
    a = simulate_local_authority(3_000, seed=4)
    b = simulate_local_authority(3_000, seed=4, progress=True)
    assert _hash(a) == _hash(b)
    pd.testing.assert_frame_equal(a.truth.note_mentions, b.truth.note_mentions)
    assert _hash(a) != _hash(simulate_local_authority(3_000, seed=5))


def test_notes_do_not_change_the_structured_data() -> None:
    with_notes = simulated(3_000, 4, notes=True)
    without = simulated(3_000, 4, notes=False)
    assert data_hash(with_notes.history.episodes) == data_hash(without.history.episodes)
    assert without.history.notes.empty and without.truth.note_mentions.empty


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_passes_strict_validation(tmp_path: Path, fmt: str) -> None:
    sim = simulated(3_000, 4, notes=True)
    validate_case_history(sim.history)  # strict: raises on any problem
    write_case_history(sim.history, tmp_path, format=fmt)  # type: ignore[arg-type]
    back = read_case_history(tmp_path)
    assert len(back.episodes) == len(sim.history.episodes)
    assert len(back.notes) == len(sim.history.notes)
    assert back.extract_date == pd.Timestamp("2024-03-31")
    pd.testing.assert_frame_equal(
        back.episodes[["child_id", "kind", "start", "end", "reason"]],
        sim.history.episodes[["child_id", "kind", "start", "end", "reason"]],
        check_dtype=False,
        check_categorical=False,
    )


def test_history_shape_and_censoring_events() -> None:
    sim = simulated(3_000, 4, notes=True)
    eps = sim.history.episodes
    kinds = set(eps["kind"].astype(str))
    assert kinds == {
        "referral", "assessment", "early_help", "cin_plan", "s47", "icpc", "cp_plan",
        "looked_after", "moved_out", "death",
    }  # fmt: skip
    # Open episodes at the extract date and history before the index window.
    assert eps["end"].isna().sum() > 0
    assert (eps["start"] < pd.Timestamp("2019-04-01")).mean() > 0.3
    assert eps["start"].max() <= pd.Timestamp("2024-03-31")
    cp = eps[eps["kind"] == "cp_plan"]
    assert cp["category"].notna().all()
    la = eps[eps["kind"] == "looked_after"]
    assert la["legal_status"].notna().all()


def test_note_mentions_match_the_text() -> None:
    sim = simulated(3_000, 4, notes=True)
    notes, mentions = sim.history.notes, sim.truth.note_mentions
    assert len(mentions) > len(notes) / 2
    assert set(mentions["assertion"]) == {"present", "negated", "uncertain", "hypothetical"}
    tables = {
        "present": PRESENT,
        "negated": NEGATED,
        "uncertain": UNCERTAIN,
        "hypothetical": HYPOTHETICAL,
    }
    text = notes["text"].str.lower().to_numpy()
    sample = mentions.sample(2_000, random_state=1)
    for row, kind, code in zip(
        sample["note_row"].tolist(),
        sample["assertion"].tolist(),
        sample["factor"].tolist(),
        strict=True,
    ):
        phrases = tables[str(kind)][str(code)]
        assert any(p.lower() in str(text[int(row)]) for p in phrases)
    # Present mentions state true factors; negations deny absent ones.
    by = mentions.groupby("assertion")["true"].mean()
    assert by["present"] == 1.0 and by["negated"] == 0.0
    assert 0.5 < by["uncertain"] < 1.0


def test_notes_carry_fake_identifiers_for_redaction_tests() -> None:
    notes = simulated(3_000, 4, notes=True).history.notes
    text = notes["text"]
    postcode = r"\b[A-Z]{1,2}\d{1,2} \d[A-Z]{2}\b"
    assert text.str.contains(postcode, regex=True).mean() > 0.5
    assert text.str.contains(r"07700 900\d{3}", regex=True).mean() > 0.2
    assert text.str.contains(r"@example\.com", regex=True).mean() > 0.2
    assert text.str.contains(r"DOB \d{2}/\d{2}/\d{4}", regex=True).mean() > 0.5
    # Notes are dated within their child's record (unborn children's from before birth).
    kids = simulated(3_000, 4, notes=True).history.children.set_index("child_id")
    births = kids.loc[notes["child_id"], "birth_date"].to_numpy()
    assert (notes["date"].to_numpy() >= births - np.timedelta64(280, "D")).all()
    assert (notes["date"].to_numpy() < births).any()
    assert re.search(r"\w", text.iloc[0])


def test_confounding_zero_makes_the_propensity_constant() -> None:
    sim = simulate_local_authority(
        2_000, seed=3, config=SimulationConfig(confounding=0.0, notes=False)
    )
    propensity = sim.truth.spell_risks["propensity"].to_numpy()
    np.testing.assert_allclose(propensity, propensity[0])


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("early_help_hazard_ratio", 0.0, "positive"),
        ("confounding", -1.0, "confounding"),
        ("family_size_probabilities", (0.5, 0.5, 0.5, 0.5), "family_size"),
        ("index_from", "2025-01-01", "history_start"),
    ],
)
def test_invalid_configuration_is_refused(field: str, value: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SimulationConfig(**{field: value})  # type: ignore[arg-type]


def test_cli_writes_tables_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    simulate_cli.register(parser.add_subparsers())
    args = parser.parse_args(
        ["simulate", "--children", "800", "--seed", "2", "--out", str(tmp_path), "--format",
         "csv", "--no-notes"]
    )  # fmt: skip
    assert args.func(args) == 0
    assert {p.name for p in tmp_path.iterdir()} >= {"children.csv", "episodes.csv", "truth.json"}
    truth = json.loads((tmp_path / "truth.json").read_text(encoding="utf-8"))
    assert truth["hazard_ratio"] == 0.75
    assert [row["horizon"] for row in truth["ate"]] == [365, 730]
    assert "800" not in capsys.readouterr().err
    read_case_history(tmp_path)
