"""The simulator's shortcuts give exactly what the longer way gives.

Each shortcut (draws without ``Generator.choice``'s checks, kept texts, identifiers made
with an authority's prefix) must leave every table and every random number unchanged.
"""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import escalation.data.simulator.tables as tables
from escalation.data.simulator import (
    SimulationConfig,
    simulate_local_authority,
    simulate_with_prefix,
)
from escalation.data.simulator.authorities import _with_la, label_authority
from escalation.data.simulator.notes import _format_days, _format_each_day
from escalation.data.simulator.pathway import choice_cdf, draw_choice
from escalation.data.simulator.tables import child_ids


@pytest.mark.parametrize("seed", range(20))
def test_draws_without_checks_are_choices_draws(seed: int) -> None:
    sizes = np.random.default_rng(seed + 100)
    p = sizes.random(int(sizes.integers(1, 25)))
    p[sizes.random(len(p)) < 0.2] = 0.0
    p = p / p.sum() if p.sum() > 0 else np.full(len(p), 1 / len(p))
    size = int(sizes.integers(0, 300))
    ours, numpys = np.random.default_rng(seed), np.random.default_rng(seed)
    got = draw_choice(ours, choice_cdf(p), size)
    want = numpys.choice(len(p), size=size, p=p)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert ours.random() == numpys.random()  # the same numbers used up


def test_identifier_texts_kept_are_shared_safely_by_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Threads making identifiers of many prefixes at once, the kept texts overflowing:
    each gets its own identifiers (no error from the shared store)."""
    monkeypatch.setattr(tables, "_KEEP_NUMBERED", 50)
    monkeypatch.setattr(tables, "_NUMBERED", {})
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch often: a race shows

    def made(thread: int) -> bool:
        return all(
            child_ids(20 + k % 7, prefix=f"T{thread}-{k % 5}").tolist()
            == [f"T{thread}-{k % 5}C{i:07d}" for i in range(1, 21 + k % 7)]
            for k in range(300)
        )

    try:
        with ThreadPoolExecutor(8) as pool:
            assert all(pool.map(made, range(8)))
    finally:
        sys.setswitchinterval(switch)


def test_day_texts_inside_the_kept_range_and_beyond_the_most_kept() -> None:
    _format_days(np.arange(17_000, 17_400))  # kept: 17,000 to 17,399
    inside = np.random.default_rng(4).integers(17_100, 17_300, 50)
    assert _format_days(inside).tolist() == _format_each_day(inside).tolist()
    wide = np.array([0, 150_000, 3])  # more days than are ever kept
    assert _format_days(wide).tolist() == _format_each_day(wide).tolist()


def test_day_texts_kept_between_calls_are_each_days_own() -> None:
    rng = np.random.default_rng(3)
    for low, high in [(17_000, 17_100), (16_990, 17_050), (-400, 30), (40_000, 40_010)]:
        days = rng.integers(low, high + 1, 200)
        assert _format_days(days).tolist() == _format_each_day(days).tolist()


def test_identifiers_are_a_new_array_each_time() -> None:
    ids = child_ids(3)
    ids[0] = "changed"
    assert child_ids(3).tolist() == ["C0000001", "C0000002", "C0000003"]


@pytest.mark.parametrize("notes", [True, False])
def test_authority_made_with_its_prefix_is_the_labelled_authority(notes: bool) -> None:
    config = SimulationConfig(notes=notes, effect_heterogeneity=True)
    labelled = label_authority(simulate_local_authority(700, seed=5, config=config), "LA07")
    made = simulate_with_prefix(700, 5, config=config, prefix="LA07-")
    made = _with_la(
        made,
        "LA07",
        children=made.history.children,
        episodes=made.history.episodes,
        notes=made.history.notes,
        risks=made.truth.spell_risks,
    )
    for table in ("children", "episodes", "notes"):
        pd.testing.assert_frame_equal(
            getattr(made.history, table), getattr(labelled.history, table), check_exact=True
        )
    pd.testing.assert_frame_equal(
        made.truth.spell_risks, labelled.truth.spell_risks, check_exact=True
    )
    assert made.truth.extra == labelled.truth.extra
    for field in ("note_mentions", "assessment_factors"):
        pd.testing.assert_frame_equal(
            getattr(made.truth, field), getattr(labelled.truth, field), check_exact=True
        )
    assert made.truth.config == labelled.truth.config
