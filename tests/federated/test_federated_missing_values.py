"""A covariate's missing values in a share pack and in the hub's Table 1.

A covariate's ``n`` in a pack counted its spells with a value, so ``n`` less another
covariate's ``n``, or less the arm's size (in ``risk_sets.csv``), gave the exact number
of spells missing it: 2, which disclosure control would have withheld as a count. Now
``n`` is the arm's size and the missing are a count cell of their own (level
``(missing)``), withheld with their complements like any small count; the hub still
pools means, SDs and percentages over the spells with a value.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest

from escalation.data.simulator import simulate_local_authorities
from escalation.disclosure import DisclosureRules
from escalation.errors import DataValidationError, StatisticalWarning
from escalation.federated._disclose import check_pack
from escalation.federated.pack import SharePack, build_share_pack
from escalation.federated.summaries import (
    covariate_summary,
    pool_covariate_summaries,
    suppress_summary,
)
from escalation.timeline import build_spells
from tests.federated.federated_support import cheap_design

MISSING = "(missing)"


@lru_cache(maxsize=1)
def pack_with_two_missing() -> SharePack:
    """A simulated authority's pack, ethnicity blanked for 2 treated children with spells."""
    design = cheap_design()
    sim = next(iter(simulate_local_authorities(1, n_children=1500, seed=3).authorities.values()))
    spells = build_spells(sim.history, design).spells
    blanked = spells.loc[spells["treatment"] == 1, "child_id"].unique()[:2]
    children = sim.history.children.copy()
    children.loc[children["child_id"].isin(blanked), "ethnicity"] = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return build_share_pack(sim.history.with_tables(children=children), design)


def test_a_packs_n_gives_no_small_number_missing_by_subtraction() -> None:
    pack = pack_with_two_missing()
    covariates = pack.tables["covariates"]
    arms = pack.tables["risk_sets"].groupby("group")["at_risk"].first()
    sizes = {**arms.to_dict(), "all": arms.sum()}
    for (covariate, group), part in covariates.groupby(["covariate", "group"]):
        n = pd.to_numeric(part["n"], errors="coerce").dropna()
        # every covariate's n is the arm's size: no difference of two says who is missing
        assert (n == sizes[str(group)]).all(), (covariate, group, n.tolist())
    ethnicity = covariates[covariates["covariate"] == "ethnicity"].set_index(["level", "group"])
    assert ethnicity.loc[(MISSING, "treated"), "count"] is pd.NA  # 2: withheld
    assert ethnicity.loc[(MISSING, "all"), "count"] is pd.NA
    check_pack({"covariates": covariates})  # and none withheld can be worked out


def test_a_numeric_covariates_mean_is_withheld_with_a_small_number_missing() -> None:
    # 2 of the 40 treated miss x, 12 of the 60 untreated: the 2 are withheld, and with
    # them the number with a value (n less the missing) on which the mean and SD rest;
    # the 12 are withheld too (treated = all - untreated), so the untreated mean is; the
    # 14 missing of all are shown, and the mean of all with them
    rng = np.random.default_rng(1)
    x = rng.normal(10, 2, 100)
    x[[0, 1, *range(40, 52)]] = np.nan
    spells = pd.DataFrame({"treatment": [1] * 40 + [0] * 60, "x": x})
    summary = covariate_summary(spells, ["x"]).set_index(["level", "group"])
    assert summary.loc[("", "treated"), "n"] == 40
    assert summary.loc[(MISSING, "treated"), "count"] == 2
    assert summary.loc[(MISSING, "untreated"), "count"] == 12
    hidden_n, hidden_count = suppress_summary(summary.reset_index(), DisclosureRules())
    withheld = set(summary.index[hidden_count])
    assert withheld == {
        (MISSING, "treated"),
        ("", "treated"),  # its mean and SD
        (MISSING, "untreated"),
        ("", "untreated"),
    }
    assert not hidden_n.any()


def test_a_covariate_without_missing_values_has_no_row_of_the_missing() -> None:
    spells = pd.DataFrame({"treatment": [1, 0, 0, 1], "x": [1.0, 2.0, 3.0, 5.0]})
    assert MISSING not in set(covariate_summary(spells, ["x"])["level"])


def test_a_value_that_reads_as_the_missing_level_is_refused_naming_the_row() -> None:
    spells = pd.DataFrame({"treatment": [1, 0, 0], "band": ["a", MISSING, "b"]})
    with pytest.raises(DataValidationError, match=r"'spells', row 1, column 'band'.*recode it"):
        covariate_summary(spells, ["band"])


def test_pooled_table1_with_missing_values_equals_the_pooled_data() -> None:
    """Independent reference: counts, means and SDs of the pooled spells by hand."""
    rng = np.random.default_rng(7)
    frames = {}
    for name, n in (("A", 300), ("B", 500), ("C", 200)):
        age = rng.normal(8, 4, n)
        sex = rng.choice(["F", "M"], n).astype(object)
        if name != "C":  # C has none missing: no row of the missing
            age[rng.choice(n, 7, replace=False)] = np.nan
            sex[rng.choice(n, 4, replace=False)] = None
        frames[name] = pd.DataFrame({"treatment": rng.integers(0, 2, n), "age": age, "sex": sex})
    shared = {k: covariate_summary(v, ["age", "sex"]) for k, v in frames.items()}
    pooled = pool_covariate_summaries(shared).set_index(["covariate", "level", "group"])
    every = pd.concat(frames.values(), ignore_index=True)
    for group, rows in (
        ("all", every),
        ("treated", every[every["treatment"] == 1]),
        ("untreated", every[every["treatment"] == 0]),
    ):
        age = rows["age"].dropna()
        number = pooled.loc[("age", "", group)]
        assert number["n"] == len(rows)
        assert number["mean"] == pytest.approx(age.mean(), rel=1e-12)
        assert number["sd"] == pytest.approx(age.std(ddof=1), rel=1e-12)
        assert pooled.loc[("age", MISSING, group), "count"] == rows["age"].isna().sum()
        assert pooled.loc[("age", MISSING, group), "n"] == len(rows)
        sex = rows["sex"].dropna()
        for level in ("F", "M"):
            cell = pooled.loc[("sex", level, group)]
            assert cell["n"] == len(rows) and cell["count"] == (sex == level).sum()
            assert cell["percent"] == pytest.approx(100 * (sex == level).mean(), rel=1e-12)
        assert pooled.loc[("sex", MISSING, group), "count"] == rows["sex"].isna().sum()
        assert np.isnan(pooled.loc[("sex", MISSING, group), "percent"])
