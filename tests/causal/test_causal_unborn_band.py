"""Unborn children (time zero before birth) are an age band of their own, and min_age says so.

Was: the subgroup bands put a negative age at time zero in "0-4", and the design refused a
negative ``min_age``, so a study could not state "keep unborn children" explicitly.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pytest

from escalation.causal.heterogeneity import estimate_heterogeneity, subgroup_levels
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import default_design
from escalation.design.study import StudyDesign
from escalation.errors import DesignError
from escalation.policy.groups import policy_groups
from escalation.timeline import SpellData, build_spells


@cache
def _history() -> object:
    """A simulated authority where a quarter of the children are first referred unborn."""
    config = SimulationConfig(unborn_share=0.25, notes=False)
    return simulate_local_authority(3_000, seed=7, config=config).history


def _spells(**time_zero: float) -> SpellData:
    design = default_design()
    design = dataclasses.replace(
        design, time_zero=dataclasses.replace(design.time_zero, **time_zero)
    )
    return build_spells(_history(), design)  # type: ignore[arg-type]


def test_unborn_children_have_their_own_age_band() -> None:
    frame = _spells().spells
    unborn = frame["unborn"].to_numpy() == 1
    assert unborn.sum() >= 20 and (frame.loc[unborn, "age"] < 0).all()
    bands = subgroup_levels(frame[["age"]])["age_band"].to_numpy()
    assert (bands[unborn] == "unborn").all()
    assert "unborn" not in set(bands[~unborn])
    assert (frame.loc[bands == "0-4", "age"] >= 0).all()
    groups = policy_groups(frame)["age"].to_numpy()
    assert (groups[unborn] == "unborn").all() and "unborn" not in set(groups[~unborn])


# The subgroups' AIPW scores: no competing event among the treated of this small cohort, so
# the competing-event model's treatment coefficient diverges (warned, as estimate_effects
# warns on the same data; its predictions are the limit, no competing event when treated).
@pytest.mark.filterwarnings("ignore:the Cox model of competing events")
def test_heterogeneity_reports_unborn_children_first() -> None:
    frame = _spells().spells
    frame = frame.assign(treatment=frame["treatment"].astype(int))
    out = estimate_heterogeneity(
        frame, covariates=["age", "n_factors"], horizon=365, n_estimators=20, seed=1
    )
    ages = out.tidy()
    ages = ages[ages["subgroup"] == "age_band"]
    assert ages["level"].iloc[0] == "unborn"
    assert int(ages["n"].iloc[0]) == int((frame["age"] < 0).sum())


def test_min_age_can_include_or_exclude_unborn_children() -> None:
    kept = _spells().spells  # the default design sets no min_age: unborn children kept
    n_unborn = int((kept["unborn"] == 1).sum())
    assert n_unborn > 0
    explicit = _spells(min_age=-1).spells  # keep them, said explicitly
    assert int((explicit["unborn"] == 1).sum()) == n_unborn
    born = _spells(min_age=0)
    assert not (born.spells["unborn"] == 1).any()
    excluded = born.flow[(born.flow["rule"] == "age") & (born.flow["stage"] == "excluded")]
    assert int(excluded["episodes"].sum()) >= n_unborn
    only = _spells(max_age=-1).spells  # a study of pre-birth decisions only
    assert len(only) == n_unborn and (only["age"] < 0).all()
    assert np.isfinite(only["duration"]).all()


def test_min_age_below_minus_one_is_refused_with_the_reason() -> None:
    text = default_design().to_toml().replace("max_age = 17", "min_age = -2\nmax_age = 17")
    with pytest.raises(DesignError, match=r"min_age.*between -1 \(an unborn child"):
        StudyDesign.from_toml(text)
    again = StudyDesign.from_toml(text.replace("min_age = -2", "min_age = -1"))
    assert again.time_zero.min_age == -1
    assert StudyDesign.from_toml(again.to_toml()) == again
