"""Invariants of the timeline builder, checked on random histories (hypothesis).

The histories are small and crowded (every date within a few months) so that same-day
events, overlaps and day-0 events are common; they are not validated, so they may break
the no-overlap rule, which the builder must survive.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalation.data.history import CODE_DTYPES, CaseHistory
from escalation.design import StudyDesign, TimeZeroSpec, TreatmentSpec, default_design
from escalation.timeline import SPELL_COLUMNS, build_spells

EXTRACT = pd.Timestamp("2020-04-15")
ORIGIN = pd.Timestamp("2020-01-01")
KINDS = ("referral", "assessment", "early_help", "cp_plan", "looked_after", "moved_out", "death")
POINT = {"moved_out", "death"}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def design_for(spells: str, grace: int, horizon_censor: bool) -> StudyDesign:
    base = default_design()
    return base.replace(
        time_zero=TimeZeroSpec(
            kind="referral", at="end", reasons=("RC8", "RC9"), spells=spells,  # type: ignore[arg-type]
            min_age=0, max_age=17,
        ),
        treatment=TreatmentSpec(kind="early_help", grace_days=grace),
    )  # fmt: skip


@st.composite
def histories(draw: st.DrawFn) -> CaseHistory:
    n_children = draw(st.integers(1, 4))
    births = [
        ORIGIN - pd.Timedelta(days=draw(st.integers(100, 18 * 366 + 60))) for _ in range(n_children)
    ]
    children = pd.DataFrame(
        {
            "child_id": pd.array([f"k{i}" for i in range(n_children)], dtype="string"),
            "birth_date": pd.to_datetime(births),
            "sex": pd.Categorical(["F"] * n_children, dtype=CODE_DTYPES["sex"]),
            "family_id": pd.array(["f"] * n_children, dtype="string"),
            "imd_decile": np.arange(n_children),
        }
    )
    rows: list[dict[str, Any]] = []
    n_episodes = draw(st.integers(n_children, n_children + 14))
    for number in range(n_episodes):
        # Every child gets a referral first; then kinds are drawn (referrals twice as often).
        kind = (
            "referral"
            if number < n_children
            else draw(st.sampled_from(("referral", "early_help", "cp_plan", *KINDS)))
        )
        start = ORIGIN + pd.Timedelta(days=draw(st.integers(0, 105)))
        length = draw(st.one_of(st.none(), st.integers(0, 40), st.integers(0, 40)))
        end = None if kind in POINT or length is None else start + pd.Timedelta(days=length)
        if end is not None and end > EXTRACT:
            end = None
        rows.append(
            {
                "child_id": f"k{number}"
                if number < n_children
                else f"k{draw(st.integers(0, n_children - 1))}",
                "kind": kind,
                "start": start,
                "end": end,
                "reason": draw(st.sampled_from(["RC8", "RC9", "RC9", "RC7"]))
                if kind == "referral" and end is not None
                else None,
                "source": "2A" if kind == "referral" else None,
                "need": "N1" if kind == "referral" else None,
                "factors": draw(st.sampled_from(["3B", "4B;16A", "21"]))
                if kind == "assessment"
                else None,
            }
        )
    episodes = pd.DataFrame(rows)
    episodes["child_id"] = episodes["child_id"].astype("string")
    episodes["start"] = pd.to_datetime(episodes["start"])
    episodes["end"] = pd.to_datetime(episodes["end"])
    for column in ("kind", "reason", "source", "need"):
        episodes[column] = episodes[column].astype(CODE_DTYPES[column])
    episodes["factors"] = episodes["factors"].astype("string")
    return CaseHistory(children, episodes, extract_date=EXTRACT)


options = st.tuples(st.sampled_from(["first", "last", "all"]), st.integers(0, 20), st.booleans())


@SETTINGS
@given(histories(), options)
def test_durations_are_positive_and_end_by_the_extract_date(
    history: CaseHistory, option: tuple[str, int, bool]
) -> None:
    design = design_for(*option)
    data = build_spells(history, design, censor_at_horizon=option[2])
    spells = data.spells
    assert (spells["duration"] > 0).all()
    to_extract = (EXTRACT - spells["time_zero"]).dt.days
    assert (spells["duration"] <= np.maximum(to_extract, 0.5)).all()
    assert (to_extract > 0).all()
    if option[2]:
        assert (spells["duration"] <= max(design.outcome.horizons)).all()
    started = spells["treatment_start"].notna()
    assert (spells.loc[started, "treatment_start"] < spells.loc[started, "duration"]).all()
    assert (spells.loc[~started, "treatment"] == 0).all()
    assert set(spells["event"]) <= {0, 1, 2}
    assert spells["spell_id"].tolist() == list(range(1, len(spells) + 1))
    # The counting-process rows tile (0, duration] with the event on the last row only.
    counting = data.counting
    assert (counting["stop"] > counting["start"]).all()
    grouped = counting.groupby("spell_id")
    pd.testing.assert_series_equal(
        grouped["stop"].max(), spells.set_index("spell_id")["duration"], check_names=False
    )
    assert (grouped["start"].min() == 0).all()
    gaps = counting["start"].to_numpy()[1:] - counting["stop"].to_numpy()[:-1]
    same = counting["spell_id"].to_numpy()[1:] == counting["spell_id"].to_numpy()[:-1]
    assert np.all(gaps[same] == 0)
    assert (grouped["event"].sum() == spells.set_index("spell_id")["event"]).all()
    # The flow accounts for every candidate episode.
    flow = data.flow.set_index("rule")
    candidates = flow.loc["candidates", "episodes"]
    excluded = data.flow.loc[
        (data.flow["stage"] == "excluded") & (data.flow["step"] > flow.loc["candidates", "step"]),
        "episodes",
    ].sum()
    assert candidates - excluded == len(spells) == flow.loc["spells", "episodes"]
    assert flow.loc["history", "episodes"] == len(history.episodes)


@SETTINGS
@given(histories(), options, st.randoms(use_true_random=False))
def test_row_order_of_the_input_changes_nothing(
    history: CaseHistory, option: tuple[str, int, bool], random: Any
) -> None:
    design = design_for(*option)
    data = build_spells(history, design)
    seed = random.randint(0, 2**31)
    shuffled = history.with_tables(
        children=history.children.sample(frac=1, random_state=seed),
        episodes=history.episodes.sample(frac=1, random_state=seed + 1),
    )
    again = build_spells(shuffled, design)
    pd.testing.assert_frame_equal(data.spells, again.spells)
    pd.testing.assert_frame_equal(data.counting, again.counting)
    pd.testing.assert_frame_equal(data.flow, again.flow)


def truncate_after_time_zero(
    history: CaseHistory, spells: pd.DataFrame, junk: list[tuple[int, str, int]]
) -> CaseHistory:
    """Forget everything after each spell's time zero, then add unrelated later episodes."""
    t0 = spells.set_index("child_id")["time_zero"]
    episodes = history.episodes.copy()
    when = episodes["child_id"].map(t0)
    has = when.notna()
    tz_like = (episodes["kind"] == "referral") & (episodes["end"] == when)
    keep = ~has | (episodes["start"] < when) | tz_like
    episodes = episodes[keep].copy()
    when = when[keep]
    unknown_end = when.notna() & (episodes["end"] > when)
    episodes.loc[unknown_end, "end"] = pd.NaT
    extra = []
    for child_number, kind, offset in junk:
        child = spells["child_id"].iloc[child_number % len(spells)]
        start = t0[child] + pd.Timedelta(days=1 + offset)
        if start <= EXTRACT:
            extra.append({"child_id": child, "kind": kind, "start": start, "factors": "1B;2B"})
    if extra:
        add = pd.DataFrame(extra)
        add["child_id"] = add["child_id"].astype("string")
        add["kind"] = add["kind"].astype(CODE_DTYPES["kind"])
        add["factors"] = add["factors"].astype("string")
        episodes = pd.concat([episodes, add], ignore_index=True)
        for column in ("reason", "source", "need", "category", "legal_status"):
            if column in episodes:
                episodes[column] = episodes[column].astype(CODE_DTYPES[column])
    return history.with_tables(episodes=episodes.reset_index(drop=True))


junk_episodes = st.lists(
    st.tuples(st.integers(0, 10), st.sampled_from(KINDS), st.integers(0, 60)), max_size=6
)


@SETTINGS
@given(histories(), st.integers(0, 20), junk_episodes)
def test_no_covariate_can_see_past_time_zero(
    history: CaseHistory, grace: int, junk: list[tuple[int, str, int]]
) -> None:
    design = design_for("first", grace, False)
    data = build_spells(history, design)
    if data.spells.empty:
        return
    blind = build_spells(truncate_after_time_zero(history, data.spells, junk), design)
    columns = ["child_id", "time_zero", *data.spells.columns[len(SPELL_COLUMNS) :]]
    pd.testing.assert_frame_equal(data.spells[columns], blind.spells[columns])


def test_no_covariate_can_see_past_time_zero_on_a_larger_history() -> None:
    from tests.timeline.timeline_support import synthetic_history

    history = synthetic_history(3000, seed=7, extract_date="2024-03-31")
    design = default_design()
    data = build_spells(history, design)
    assert len(data.spells) > 300
    extract = history.extract_date
    t0 = data.spells.set_index("child_id")["time_zero"]
    episodes = history.episodes
    when = episodes["child_id"].map(t0)
    keep = (
        when.isna()
        | (episodes["start"] < when)
        | ((episodes["kind"] == "referral") & (episodes["end"] == when))
    )
    trimmed = episodes[keep].copy()
    trimmed.loc[trimmed["end"] > trimmed["child_id"].map(t0), "end"] = pd.NaT
    blind = build_spells(history.with_tables(episodes=trimmed.reset_index(drop=True)), design)
    columns = ["child_id", "time_zero", *data.spells.columns[len(SPELL_COLUMNS) :]]
    pd.testing.assert_frame_equal(data.spells[columns], blind.spells[columns])
    assert extract == blind.extract_date


@SETTINGS
@given(histories(), st.integers(0, 60))
def test_landmark_covariates_cannot_see_past_the_landmark(history: CaseHistory, at: int) -> None:
    design = design_for("first", 14, False)
    data = build_spells(history, design)
    if data.spells.empty:
        return
    limit = data.spells.set_index("child_id")["time_zero"] + pd.Timedelta(days=at)
    episodes = history.episodes.copy()
    when = episodes["child_id"].map(limit)
    keep = when.isna() | (episodes["start"] <= when)
    episodes = episodes[keep].copy()
    episodes.loc[episodes["end"] > episodes["child_id"].map(limit), "end"] = pd.NaT
    blind = build_spells(history.with_tables(episodes=episodes.reset_index(drop=True)), design)
    full, cut = data.landmark(at), blind.landmark(at)
    columns = [
        "child_id", "time_zero", "landmark", "treatment_tv", "early_help_episodes",
        *data.spells.columns[len(SPELL_COLUMNS) :],
    ]  # fmt: skip
    columns = [c for c in columns if c in full.columns and c in cut.columns]
    pd.testing.assert_frame_equal(full[columns], cut[columns])
    assert set(full.columns) == set(cut.columns)
