"""State occupation as the pipeline publishes it gives back no exact or small count.

The table ``state_occupation.csv`` (and the figure drawn from it) is made by
``pipeline._pathways``. On a simulated authority of 916 spells (1 death, 3 moves from a
CP plan into care) every state's published change must rest on at least 10 moves into
or out of that state, and no published probability times the exact number of spells may
give back a count below 10, an exact count that rounding hides, or the exact cohort.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation as esc
import escalation.pipeline as pipeline
from escalation.disclosure import (
    DEFAULT_RULES,
    disclose_count,
    disclose_state_occupation,
    round_std_error,
)
from escalation.survival import pathway_transitions, state_occupation

THRESHOLD = DEFAULT_RULES.threshold


class _Run:
    """The parts of a pipeline run ``_pathways`` uses: the rules, tables and figures."""

    def __init__(self) -> None:
        self.rules = DEFAULT_RULES
        self.tables: dict[str, pd.DataFrame] = {}
        self.figures: dict[str, Any] = {}

    def table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        self.tables[name] = frame
        return frame

    def figure(self, name: str, plot: Any, **kwargs: Any) -> None:
        self.figures[name] = (plot, kwargs)


@pytest.fixture(scope="module")
def published() -> Iterator[dict[str, Any]]:
    history = esc.simulate_local_authority(2000, seed=5).history
    data = esc.build_spells(history, esc.default_design())
    run = _Run()
    pipeline._pathways(run, data)  # type: ignore[arg-type]
    rows = pathway_transitions(data)
    yield {
        "states": run.tables["state_occupation"],
        "figures": run.figures,
        "rows": rows,
        "exact": state_occupation(rows).tidy(),
        "n": len(data.spells),
        "data": data,
    }


def _whole(value: float) -> bool:
    return math.isclose(value, round(value), rel_tol=0, abs_tol=1e-6)


def test_state_occupation_gives_back_no_small_or_hidden_count(
    published: dict[str, Any],
) -> None:
    states, exact, n = published["states"], published["exact"], published["n"]
    assert n == 916
    hidden = set()  # exact expected counts that rounding to 5 hides
    for value in exact["probability"] * n:
        if _whole(value) and round(value) % DEFAULT_RULES.rounding:
            hidden.add(round(value))
    shown = states.loc[~states["suppressed"].astype(bool), "probability"].dropna()
    assert len(shown)
    given = {round(p * n) for p in shown if _whole(p * n)}
    small = sorted(k for k in given if k < THRESHOLD)
    assert not small, f"published values are {small} of {n}"
    assert not (given & hidden) - {n}, f"exact counts {sorted(given & hidden)} given back"


def test_state_occupation_shows_no_exact_cohort(published: dict[str, Any]) -> None:
    """Every published probability is a disclosed count over the disclosed spells."""
    states, n = published["states"], published["n"]
    total = disclose_count(n)
    assert total is not None and total != n
    for p in states["probability"].dropna():
        k = Fraction(p).limit_denominator(total) * total
        assert k.denominator == 1 and math.isclose(float(k) / total, p), p
        assert k >= THRESHOLD and k % DEFAULT_RULES.rounding == 0, (p, k)


def test_state_occupation_every_change_rests_on_ten_moves(published: dict[str, Any]) -> None:
    states, rows = published["states"], published["rows"]
    moves = rows[rows["to_state"].notna()]
    steps = 0
    for state, curve in states.groupby("state", sort=False):
        touched = moves.loc[
            (moves["from_state"].astype(str) == state) | (moves["to_state"].astype(str) == state),
            "stop",
        ].to_numpy(float)
        curve = curve.sort_values("time")
        values = curve["probability"].to_numpy(float)
        times = curve["time"].to_numpy(float)
        last_value, last_change = values[0], -np.inf
        for time, value in zip(times[1:], values[1:], strict=True):
            if np.isnan(value) or (not np.isnan(last_value) and value == last_value):
                continue
            moved = int(((touched > last_change) & (touched <= time)).sum())
            assert moved >= THRESHOLD, f"{state} changes at {time} on {moved} moves"
            last_value, last_change, steps = value, time, steps + 1
    assert steps > 0, "no state's curve moves at all"
    deaths = states[states["state"] == "death"]
    assert deaths["probability"].isna().all(), "1 death: the state is never shown"


def test_state_occupation_figure_draws_what_the_table_shows(published: dict[str, Any]) -> None:
    states = published["states"]
    plot, kwargs = published["figures"]["state_occupation"]
    drawn = plot.data
    allowed = set(np.round(states["probability"].dropna(), 10))
    values = pd.to_numeric(drawn["probability"])
    assert set(np.round(values[values > 0], 10)) <= allowed
    assert "at least 10 moves into or out of it" in kwargs["caption"]
    assert "may not add up to exactly 100%" in kwargs["caption"]


def test_disclose_state_occupation_a_dozen_deaths_step_once() -> None:
    """Twelve deaths, one a day: the death state shows one step, 10 of the disclosed 1,280."""
    from escalation.disclosure import disclose_state_occupation

    n = 1283
    stop = [float(d) for d in range(1, 13)] + [100.0] * (n - 12)
    rows = pd.DataFrame(
        {
            "spell_id": range(n),
            "start": 0.0,
            "stop": stop,
            "from_state": "referral_closed",
            "to_state": ["death"] * 12 + [None] * (n - 12),
        }
    )
    out = disclose_state_occupation(state_occupation(rows).tidy(), rows)
    death = out[out["state"] == "death"].sort_values("time")
    shown = death["probability"].dropna()
    assert list(shown) == [10 / 1285]
    assert death.loc[death["probability"].notna(), "time"].min() == 12.0
    # Before any censoring the standard error is that of the disclosed share: the exact
    # one, sqrt(12 * 1271 / 1283^3) = 0.0027 even at 2 figures, would say 12 deaths.
    shown_rows = out[~out["suppressed"]]
    p = shown_rows["probability"].to_numpy(float)
    binomial = [round_std_error(x) for x in np.sqrt(p * (1 - p) / 1285)]
    assert np.allclose(shown_rows["std_error"].to_numpy(float), binomial, rtol=0, atol=1e-12)
    assert death["std_error"].dropna().tolist() == [0.0025]


def test_disclose_curves_jointly_is_deprecated() -> None:
    from escalation.disclosure import disclose_curves

    curve = pd.DataFrame({"time": [0.0, 0.0], "state": ["a", "b"], "probability": [1.0, 0.0]})
    records = pd.DataFrame({"duration": [5.0] * 20, "event": 1})
    with pytest.warns(DeprecationWarning, match="disclose_state_occupation"):
        disclose_curves(curve, records, by=(), match=None, jointly="state")


def test_state_occupation_standard_errors_are_clustered_by_family(
    published: dict[str, Any],
) -> None:
    """Review (session 27): they were per spell, where the hazard models cluster by family.

    Siblings' spells (and a child's several spells) are not independent; the published
    standard errors and intervals now treat a family as one cluster, the design's
    (``SpellData.cluster``), as ``fit_cox`` in the same stage does.
    """
    data, rows, states = published["data"], published["rows"], published["states"]
    assert data.cluster == "family_id"
    every = list(pd.unique(states["state"]))  # every state, those no child entered too
    clustered = state_occupation(data, cluster="family_id", states=every)
    assert clustered.clusters is not None and clustered.clusters < published["n"]
    expected = disclose_state_occupation(clustered.tidy(), rows)
    per_spell = disclose_state_occupation(state_occupation(rows, states=every).tidy(), rows)
    for column in ("std_error", "conf_low", "conf_high"):
        np.testing.assert_allclose(states[column], expected[column], rtol=0, atol=0)
    differs = ~np.isclose(states["std_error"], per_spell["std_error"], equal_nan=True)
    assert differs.any()


def _read_off(states: pd.DataFrame) -> list[float]:
    """The times listed after the first and before any state shows a new value.

    What an adversary reads off the table: each such time is a day on which a child
    moved (the occupation is estimated at the moves), so their number counts moves that
    no published step shows.
    """
    times = sorted(set(states["time"].astype(float)))
    first = states[states["time"] == times[0]].set_index("state")["probability"]
    read = []
    for time in times[1:]:
        now = states[states["time"] == time].set_index("state")["probability"]
        if not now.dropna().equals(first.reindex(now.index).dropna()):
            break
        read.append(time)
    return read


def test_state_occupation_lists_no_day_of_a_hidden_move() -> None:
    """Review (session 27, disclosure): the table listed every day a child moved.

    Three of 200 spells move to a CP plan (days 5, 7 and 11), 20 into care on day 100,
    the rest are censored on day 500. The CP plan state never rests on 10 moves and is
    suppressed throughout, as ``transitions.csv`` shows its count as "<10"; yet the
    table had rows at days 5, 7 and 11 (every value carried forward or suppressed), so
    the days of the three moves and their number, 3, could be read off it. Now only the
    first time and the times of a published step are listed: day 0 and day 100.
    """
    stop = [5.0, 7.0, 11.0] + [100.0] * 20 + [500.0] * 177
    to_state = ["cp_plan"] * 3 + ["looked_after"] * 20 + [None] * 177
    rows = pd.DataFrame(
        {
            "spell_id": range(200),
            "start": 0.0,
            "stop": stop,
            "from_state": "referral_closed",
            "to_state": to_state,
        }
    )
    out = disclose_state_occupation(state_occupation(rows).tidy(), rows)
    assert out.loc[out["state"] == "cp_plan", "probability"].isna().all()
    assert _read_off(out) == [], "the days (and number) of the hidden moves are listed"
    assert not {5.0, 7.0, 11.0} & set(out["time"]), "a hidden move's day is listed"
    assert sorted(set(out["time"])) == [0.0, 100.0]
    # Day 100's values: 20 of 200 in care, 177 not moved, rounded to 5 (the 10-5 rule,
    # worked by hand): 20/200 = 0.1 and 175/200 = 0.875.
    day_100 = out[out["time"] == 100.0].set_index("state")["probability"]
    assert day_100["looked_after"] == pytest.approx(0.1, abs=1e-12)
    assert day_100["referral_closed"] == pytest.approx(0.875, abs=1e-12)


def test_state_occupation_as_published_lists_only_its_steps(published: dict[str, Any]) -> None:
    """Review (session 27, disclosure): the pipeline's table listed every move's day.

    On the simulated authority (916 spells) ``state_occupation.csv`` had a row for
    every day some child moved, hundreds of them, though each state's curve steps only
    every 10 moves: the rows between the steps gave away each move's day, and counted,
    the moves behind a suppressed state. Every listed time after the first must now be
    one at which some state shows a new value; the figure draws the same times.
    """
    states, rows = published["states"], published["rows"]
    moves = rows.loc[rows["to_state"].notna(), "stop"].astype(float)
    times = sorted(set(states["time"].astype(float)))
    assert times[0] == 0.0
    previous = states[states["time"] == times[0]].set_index("state")
    for time in times[1:]:
        now = states[states["time"] == time].set_index("state")
        new = ~now["suppressed"] & (
            now["probability"].ne(previous["probability"].reindex(now.index))
        )
        assert new.any(), f"day {time} is listed though no state shows a new value there"
        previous = now
    # Each step of a state rests on at least 10 of its moves (the test above), and a move
    # counts for the state it leaves and the one it enters: at most 2 listed times per
    # 10 moves, not one per day on which a child moved.
    assert len(times) - 1 <= 2 * len(moves) // THRESHOLD
    plot, _ = published["figures"]["state_occupation"]
    drawn_days = set(np.round(plot.data["time"].astype(float), 4))
    assert drawn_days <= set(np.round(times, 4))


def test_moves_and_states_no_child_made_are_listed_suppressed() -> None:
    """Review (session 27, disclosure): a move or state no child made was left out.

    In a simulated authority of 500 children (233 spells) nobody died: ``cohort.csv``
    withholds the competing events and the brief says "fewer than 10" died, but
    ``transitions.csv`` had no move to ``death`` and ``state_occupation.csv`` no
    ``death`` state, so the number of deaths, 0, could be read off either. Every move the
    pathway can make (``pathway_moves``) and every state is now listed, a zero
    suppressed as any count below the threshold.
    """
    history = esc.simulate_local_authority(500, seed=3).history
    data = esc.build_spells(history, esc.default_design())
    assert int(data.glance()["competing"].iloc[0]) == 0  # the truth: no death
    run = _Run()
    pipeline._pathways(run, data)  # type: ignore[arg-type]
    moves, states = run.tables["transitions"], run.tables["state_occupation"]
    # The adversary: a move to death listed or a death state shown means someone died.
    to_death = moves[moves["to_state"] == "death"]
    assert len(to_death), "no move to death listed: 0 deaths can be read off"
    assert to_death["n"].isna().all() and to_death["suppressed"].all()
    from escalation.survival.multistate import PATHWAY_STATES, pathway_moves

    assert set(states["state"]) == {*PATHWAY_STATES, "death"}
    assert states.loc[states["state"] == "death", "probability"].isna().all()
    listed = list(zip(moves["from_state"], moves["to_state"], strict=True))
    assert listed[: len(pathway_moves(("death",)))] == pathway_moves(("death",))
    # The moves children made are counted as before (rounded to 5, the 10-5 rule).
    rows = pathway_transitions(data)
    made = rows[rows["to_state"].notna()].groupby(["from_state", "to_state"]).size()
    for (origin, to), exact in made.items():
        shown = moves.loc[(moves["from_state"] == origin) & (moves["to_state"] == to), "n"]
        assert len(shown) == 1
        assert pd.isna(shown.iloc[0]) or shown.iloc[0] == disclose_count(exact)


def test_state_occupation_figure_draws_no_state_never_shown(published: dict[str, Any]) -> None:
    """Review (session 27, disclosure): the figure's legend said whether anyone died.

    The figure drew (at zero) and named every state seen: "Died" in its legend on this
    authority, where one child died, and not where none did. The table shows the death
    state suppressed either way; the figure now draws only the states it shows a value
    of, so it reads the same for no death and for a few.
    """
    states = published["states"]
    plot, _ = published["figures"]["state_occupation"]
    never = {s for s, part in states.groupby("state") if part["suppressed"].all()}
    assert "death" in never  # one death: never shown
    drawn = set(plot.data["state"].astype(str))
    assert "Died" not in drawn and "death" not in drawn, "the legend names a state never shown"
    assert drawn == {pipeline._STATE_LABELS[s] for s in set(states["state"]) - never}
