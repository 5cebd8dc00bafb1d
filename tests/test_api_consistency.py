"""The vocabulary holds in use: the same argument takes the same things everywhere.

A reviewer found ``table_one(group=)`` refused, ``fit_cox(weights=<array>)`` failing with
"unhashable type", ``fit_propensity(<SpellData>)`` with "no attribute 'columns'" and
``gray_test`` without ``duration=``/``event=``; docs/vocabulary.md says what each takes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation import default_design, simulate_local_authority
from escalation.causal import (
    estimate_curves,
    fit_propensity,
    ipw_mean_difference,
    pooled_logistic_survival,
    table_one,
)
from escalation.errors import DesignError
from escalation.survival import (
    aalen_johansen,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    gray_test,
    kaplan_meier,
    nelson_aalen,
)
from escalation.timeline import SpellData, build_spells

SPELLS = Path(__file__).resolve().parent / "reference" / "survival" / "spells.csv"
COVARIATES = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    return pd.read_csv(SPELLS)


@pytest.fixture(scope="module")
def data() -> SpellData:
    sim = simulate_local_authority(400, seed=1)
    return build_spells(sim.history, default_design())


def test_table_one_groups_by_group(data: SpellData) -> None:
    t1 = table_one(data, group="treatment")
    assert t1.groups == table_one(data).groups
    assert len(t1.groups) == 2


def test_weights_as_values_equal_weights_as_a_column(spells: pd.DataFrame) -> None:
    w = spells["weight"].to_numpy()
    fits = [
        lambda weights: fit_cox(spells, COVARIATES, weights=weights).coefficients,
        lambda weights: fit_aft(spells, COVARIATES, weights=weights).coefficients,
        lambda weights: fit_fine_gray(spells, COVARIATES, weights=weights).coefficients,
        lambda weights: fit_cause_specific(spells, COVARIATES, weights=weights).coefficients[1],
        lambda weights: kaplan_meier(spells, group="group", weights=weights).tidy()["estimate"],
        lambda weights: nelson_aalen(spells, weights=weights).tidy()["estimate"],
        lambda weights: aalen_johansen(spells, weights=weights).tidy()["estimate"],
    ]
    for fit in fits:
        by_column = fit("weight")
        pd.testing.assert_series_equal(fit(w), by_column)
        pd.testing.assert_series_equal(fit(list(w)), by_column)
        # the weights are used: unweighted is different
        assert not np.allclose(fit(None).to_numpy(), by_column.to_numpy())


def test_weights_as_a_series_are_matched_to_the_rows_by_index(spells: pd.DataFrame) -> None:
    """A code review found a Series of weights taken in its own order: the weights of a
    table sorted since (``df.sort_values("duration")["w"]``) went to the wrong rows."""
    by_column = kaplan_meier(spells, weights="weight").tidy()["estimate"]
    shuffled = spells["weight"].sample(frac=1.0, random_state=1)
    pd.testing.assert_series_equal(
        kaplan_meier(spells, weights=shuffled).tidy()["estimate"], by_column
    )
    pd.testing.assert_series_equal(
        fit_cox(spells, COVARIATES, weights=shuffled).coefficients,
        fit_cox(spells, COVARIATES, weights="weight").coefficients,
    )
    foreign = pd.Series(spells["weight"].to_numpy(), index=spells.index + 10**6)
    with pytest.raises(DesignError, match="index is not that of the spells table's rows"):
        kaplan_meier(spells, weights=foreign)


def test_table_one_settings_name_the_group(data: SpellData) -> None:
    """``settings["by"]`` became None when the arms were given as ``group=``."""
    settings = table_one(data, group="treatment").settings
    assert settings["group"] == settings["by"] == "treatment"


def test_weights_of_a_spell_data_are_one_per_spell(data: SpellData) -> None:
    rng = np.random.default_rng(3)
    w = rng.uniform(0.5, 2.0, len(data.spells))
    weighted = replace(data, spells=data.spells.assign(w=w))
    pd.testing.assert_series_equal(
        fit_cox(data, ["treatment"], weights=w).coefficients,
        fit_cox(weighted, ["treatment"], weights="w").coefficients,
    )
    pd.testing.assert_frame_equal(
        kaplan_meier(data, group="treatment", weights=w).tidy(),
        kaplan_meier(weighted, group="treatment", weights="w").tidy(),
    )


def test_weights_of_the_wrong_length_are_refused_clearly(spells: pd.DataFrame) -> None:
    short = np.ones(len(spells) - 1)
    for call in (
        lambda: fit_cox(spells, COVARIATES, weights=short),
        lambda: kaplan_meier(spells, weights=short),
        lambda: fit_fine_gray(spells, COVARIATES, weights=short),
    ):
        with pytest.raises(
            DesignError,
            match=rf"one weight per row of the spells table \({len(spells)} rows\), "
            rf"got {len(short)}",
        ):
            call()
    with pytest.raises(DesignError, match="the weights column 'w' is not in the spells table"):
        fit_cox(spells, COVARIATES, weights="w")


def test_spell_data_is_taken_where_spells_are(data: SpellData) -> None:
    covariates = ["age", "prior_referrals"]
    spells = data.spells
    np.testing.assert_allclose(
        fit_propensity(data, "treatment", covariates).scores,
        fit_propensity(spells, "treatment", covariates).scores,
    )
    pd.testing.assert_frame_equal(
        ipw_mean_difference(
            data, outcome="age", treatment="treatment", covariates=["prior_referrals"]
        ),
        ipw_mean_difference(
            spells, outcome="age", treatment="treatment", covariates=["prior_referrals"]
        ),
    )
    curves = estimate_curves(data, covariates=covariates, times=[180])
    pd.testing.assert_frame_equal(
        curves.tidy(), estimate_curves(spells, covariates=covariates, times=[180]).tidy()
    )
    with pytest.raises(DesignError, match=r"fit_propensity: data must be a SpellData or a pandas"):
        fit_propensity([1, 2], "treatment", covariates)  # type: ignore[arg-type]


def test_pooled_logistic_takes_weights_by_column() -> None:
    frame = pd.DataFrame(
        {"t": [3, 3, 1, 2, 2, 3], "d": [0, 0, 1, 1, 0, 1], "a": [1, 0, 1, 0, 1, 0]}
    ).assign(w=[1.0, 2.0, 0.5, 1.5, 1.0, 1.0])
    run = dict(duration="t", event="d", treatment="a", formula="a", times=[3])
    pd.testing.assert_frame_equal(
        pooled_logistic_survival(frame, weights="w", **run),
        pooled_logistic_survival(frame, weights=frame["w"].to_numpy(), **run),
    )


def test_gray_test_names_its_columns(spells: pd.DataFrame) -> None:
    renamed = spells.rename(columns={"duration": "days", "event": "status"})
    ours = gray_test(renamed, "group", duration="days", event="status")
    assert ours.statistic == pytest.approx(gray_test(spells, "group").statistic)


def test_the_intercept_has_one_name(spells: pd.DataFrame) -> None:
    from escalation.federated import meta_analyse

    tables = {
        "propensity": fit_propensity(spells, "x2", ["x1", "x3"]).tidy(),
        "aft": fit_aft(spells, COVARIATES).tidy(),
        "meta-regression": meta_analyse(
            [0.1, 0.2, 0.0, 0.1, 0.3],
            [0.1] * 5,
            moderators=pd.DataFrame({"budget": [0.1, 0.4, 0.2, 0.8, 0.5]}),
        ).tidy(),
    }
    for model, table in tables.items():
        assert table["term"].iloc[0] == "(Intercept)", model
