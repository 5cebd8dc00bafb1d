"""Every consumer of a SpellData's link to its case history finds spells by ``spell_id``.

Reordering the rows of ``SpellData.spells`` must give each spell the same results;
filtering them must give the subset's results; a row that cannot be matched to its spell
must raise a clear error. Before the link was keyed by ``spell_id``, a reversed table gave
other children's split times silently and a filtered one raised ``IndexError``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from escalation import simulate_local_authority
from escalation.design import default_design
from escalation.errors import DataValidationError
from escalation.survival import fit_cox, pathway_transitions, state_occupation
from escalation.timeline import SpellData, build_spells, counting_process, landmark

HISTORY = simulate_local_authority(1200, seed=5).history


@pytest.fixture(scope="module")
def data() -> SpellData:
    design = default_design()
    design = dataclasses.replace(
        design, time_zero=dataclasses.replace(design.time_zero, spells="all")
    )
    built = build_spells(HISTORY, design)
    assert len(built.spells) > 500
    return built


def _reversed(data: SpellData) -> SpellData:
    return dataclasses.replace(data, spells=data.spells.iloc[::-1])


def _subset(data: SpellData) -> tuple[SpellData, np.ndarray]:
    """Every third spell, and the ids kept (the index is left as it was)."""
    spells = data.spells.iloc[1::3]
    return dataclasses.replace(data, spells=spells), spells["spell_id"].to_numpy()


def _by_spell(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    return frame.sort_values(["spell_id", *keys], kind="stable").reset_index(drop=True)


def test_counting_process_follows_spell_id_when_rows_are_reordered(data: SpellData) -> None:
    full = counting_process(data)
    turned = counting_process(_reversed(data))
    # each spell keeps its own intervals and time-varying treatment...
    pd.testing.assert_frame_equal(_by_spell(turned, "start"), _by_spell(full, "start"))
    # ...and the rows come in the order of the spells table
    assert turned["spell_id"].iloc[0] == data.spells["spell_id"].iloc[-1]
    assert (full["treatment_tv"] == 1).any()  # the check can see a wrong treatment


def test_counting_process_of_a_filtered_table_is_the_subset(data: SpellData) -> None:
    subset, kept = _subset(data)
    full = counting_process(data)
    expected = full[full["spell_id"].isin(kept)]
    pd.testing.assert_frame_equal(
        _by_spell(counting_process(subset), "start"), _by_spell(expected, "start")
    )


def test_the_cached_counting_form_follows_the_table(data: SpellData) -> None:
    subset, kept = _subset(data)
    assert set(subset.counting["spell_id"]) == set(kept)
    spells = data.spells.copy()
    local = dataclasses.replace(data, spells=spells)
    before = local.counting
    assert local.counting is before  # kept while the table is unchanged
    spells.drop(index=spells.index[::2], inplace=True)  # noqa: PD002 (edited in place)
    after = local.counting
    assert set(after["spell_id"]) == set(spells["spell_id"])


def test_the_cached_counting_form_follows_an_edited_covariate(data: SpellData) -> None:
    """Review (session 25): the cache was keyed on spell_id, duration and event only, so
    ``spells["age"] /= 12`` in place after ``counting`` was read left the old ages in the
    counting rows, and ``fit_cox(time_varying=True)`` fitted them silently (-0.027 against
    -0.320 on fresh spells); a missing value put in was not refused."""
    spells = data.spells.copy()
    local = dataclasses.replace(data, spells=spells)
    assert local.counting["age"].max() > 2
    spells["age"] /= 12
    by_spell = spells.set_index("spell_id")["age"]
    counted = local.counting
    assert np.allclose(counted["age"], counted["spell_id"].map(by_spell))
    spells["weight"] = 2.0  # a column added in place reaches the counting rows
    assert (local.counting["weight"] == 2.0).all()
    spells.loc[spells.index[4], "age"] = np.nan
    with pytest.raises(DataValidationError, match="'age'"):
        fit_cox(local, ["age"], cluster=None, time_varying=True)


def test_landmark_follows_spell_id(data: SpellData) -> None:
    full = landmark(data, at=90)
    pd.testing.assert_frame_equal(_by_spell(landmark(_reversed(data), at=90)), _by_spell(full))
    subset, kept = _subset(data)
    expected = full[full["spell_id"].isin(kept)]
    pd.testing.assert_frame_equal(_by_spell(landmark(subset, at=90)), _by_spell(expected))


def test_pathway_and_state_occupation_follow_spell_id(data: SpellData) -> None:
    full = pathway_transitions(data)
    turned = pathway_transitions(_reversed(data))
    pd.testing.assert_frame_equal(_by_spell(turned, "start"), _by_spell(full, "start"))
    subset, kept = _subset(data)
    expected = full[full["spell_id"].isin(kept)]
    rows = pathway_transitions(subset)
    pd.testing.assert_frame_equal(_by_spell(rows, "start"), _by_spell(expected, "start"))
    occupied = state_occupation(subset).tidy()
    pd.testing.assert_frame_equal(occupied, state_occupation(expected).tidy())
    # without a link, the rebuilt spells are matched to the given (filtered) rows
    bare = SpellData(subset.spells, subset.flow, subset.design, subset.extract_date)
    rebuilt = pathway_transitions(bare, history=HISTORY)
    pd.testing.assert_frame_equal(_by_spell(rebuilt, "start"), _by_spell(expected, "start"))


def test_time_varying_cox_is_the_same_on_reordered_spells(data: SpellData) -> None:
    covariates = ["treatment_tv", "age", "prior_referrals"]
    fit = fit_cox(data, covariates, time_varying=True, cluster=None)
    turned = fit_cox(_reversed(data), covariates, time_varying=True, cluster=None)
    np.testing.assert_allclose(turned.coefficients, fit.coefficients, rtol=1e-9)
    subset, kept = _subset(data)
    rows = counting_process(data)
    expected = fit_cox(rows[rows["spell_id"].isin(kept)], covariates, time_varying=True,
                       cluster=None)  # fmt: skip
    got = fit_cox(subset, covariates, time_varying=True, cluster=None)
    np.testing.assert_allclose(got.coefficients, expected.coefficients, rtol=1e-9)


@pytest.mark.parametrize(
    ("edit", "column", "message"),
    [
        (lambda s: s.assign(spell_id=s["spell_id"] + 10**6), "spell_id", "match no spell"),
        (lambda s: pd.concat([s, s.iloc[:3]]), "spell_id", "repeat a spell_id"),
        (lambda s: s.drop(columns="spell_id"), "spell_id", "no spell_id column"),
        (
            lambda s: s.assign(time_zero=s["time_zero"] + pd.Timedelta(days=1)),
            "time_zero",
            "time_zero other than",
        ),
        (
            lambda s: s.assign(child_id=s["child_id"].iloc[::-1].to_numpy()),
            "child_id",
            "another child",
        ),
    ],
)
def test_rows_that_do_not_match_their_spell_raise(
    data: SpellData, edit: object, column: str, message: str
) -> None:
    assert callable(edit)
    broken = dataclasses.replace(data, spells=edit(data.spells))
    for consumer in (counting_process, lambda d: landmark(d, at=30), pathway_transitions):
        with pytest.raises(DataValidationError, match=message) as caught:
            consumer(broken)
        problem = caught.value.problems[0]
        assert (problem.table, problem.column) == ("spells", column)
        assert "<withheld" in problem.describe() or column != "child_id"


def test_landmark_names_the_users_row_of_a_bad_spell_id_at_risk_or_not(data: SpellData) -> None:
    """Was: ``landmark`` checked only the rows still at risk, so a bad ``spell_id`` was
    named at its row among those (another spell's row), and one on a row no longer at risk
    was accepted, where ``counting_process`` refuses the same table (session 26's review)."""
    durations = data.spells["duration"].to_numpy()
    at = 100
    ended = int(np.flatnonzero(durations <= at)[3])  # not at risk at day 100
    at_risk = int(np.flatnonzero(durations > at)[5])
    for row in (ended, at_risk):
        spells = data.spells.copy()
        spells.iloc[row, spells.columns.get_loc("spell_id")] = 10**7
        broken = dataclasses.replace(data, spells=spells)
        named = []
        for consumer in (counting_process, lambda d: landmark(d, at=at)):
            with pytest.raises(DataValidationError, match="match no spell") as caught:
                consumer(broken)
            named.append(caught.value.problems[0].row)
        assert named[0] == named[1], (row, named)
