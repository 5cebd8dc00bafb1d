"""The causal estimators' confounders are coded by the package's one coding, and say how.

From the review of the causal estimators in session 26:

- finding 1: a categorical confounder whose every level had fewer than ``min_count`` rows
  was pooled into ``other`` alone, coded no column and vanished from every model without
  a word, while ``settings["covariates"]`` still named it; a column of numbers with one
  word in it became a categorical of one level per number and vanished the same way;
- finding 5: with a formula, that word made the numbers a categorical whose coefficients
  (named by each child's value and by the word) were printed in the separation warnings;
- finding 6: ``min_count`` (and the levels it pooled) was recorded nowhere;
- finding 7: with a formula ``min_count`` was ignored without a word;
- finding 8: ``check_assumptions`` fitted its proportional-hazards model with the default
  column names and ``min_count``, not the estimate's.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_curves, estimate_effects, fit_propensity
from escalation.errors import DataValidationError, StatisticalWarning
from escalation.formula import FormulaCoding
from escalation.survival import fit_cox
from escalation.survival.assumptions import ph_checks
from escalation.timeline.matrix import CovariateCoding

#: A word that must never appear in a message: text in a column of numbers.
_NAME = "Jane Smith"


def _spells(n: int = 300, seed: int = 3, teams: int = 20) -> pd.DataFrame:
    """Spells with a confounder ``team`` of ``teams`` levels of n / teams spells each."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    team = np.repeat([f"T{k:02d}" for k in range(teams)], n // teams)
    effect = np.repeat(rng.normal(scale=1.0, size=teams), n // teams)
    g = rng.choice(["north", "east", "west"], size=n, p=[0.5, 0.3, 0.2])
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.5 * x + effect)))).astype(int)
    t = rng.exponential(400 / np.exp(0.5 * x - 0.4 * a + effect))
    c = rng.uniform(50, 900, size=n)
    return pd.DataFrame(
        {
            "x": x,
            "team": team,
            "g": g,
            "treatment": a,
            "duration": np.ceil(np.minimum(t, c)),
            "event": (t <= c).astype(int),
        }
    )


def _with_word(frame: pd.DataFrame, row: int = 11) -> pd.DataFrame:
    out = frame.copy()
    out["x"] = out["x"].astype(object)
    out.loc[row, "x"] = _NAME
    return out


def _caught(call: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, list(caught)


def _team_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "'team'" in str(w.message)]


# -- finding 1: a covariate that codes no column is named, not lost ---------------------


def test_all_rare_categorical_warns_and_is_listed_as_dropped() -> None:
    frame = _spells()  # 20 teams of 15 spells: every level rarer than min_count=20
    fit, caught = _caught(
        lambda: estimate_effects(
            frame,
            estimators=["ipw"],
            bootstrap=0,
            covariates=["x", "team"],
            horizons=[300],
            min_count=20,
        )
    )
    said = _team_warnings(caught)
    assert len(said) == 1
    assert all(w.category is StatisticalWarning for w in caught if "'team'" in str(w.message))
    assert "20 level(s)" in said[0] and "min_count=20" in said[0]
    assert "T00" not in said[0]  # the levels are counted, not listed
    assert "team" in fit.settings["dropped_columns"]
    assert "team" in fit.propensity.dropped
    assert list(fit.propensity.matrix.columns) == ["x"]
    # with min_count=15 every team is kept and nothing is said or dropped
    kept, caught = _caught(
        lambda: estimate_effects(
            frame,
            estimators=["ipw"],
            bootstrap=0,
            covariates=["x", "team"],
            horizons=[300],
            min_count=15,
        )
    )
    assert not _team_warnings(caught)
    assert "team" not in kept.settings["dropped_columns"]
    assert len(kept.propensity.matrix.columns) == 1 + 19


def test_coding_names_the_covariate_it_leaves_out_for_every_model() -> None:
    frame = _spells()
    coding, caught = _caught(lambda: CovariateCoding.learn(frame, ["x", "team", "g"]))
    assert coding.left_out == ("team",)
    assert len(_team_warnings(caught)) == 1
    # the Cox path (survival) lists it with the constant columns it leaves out
    cox, _ = _caught(lambda: fit_cox(frame, ["x", "team"], cluster=None))
    assert "team" in cox.dropped_terms
    reason = dict(zip(cox.dropped_terms, cox.dropped_reasons, strict=True))["team"]
    assert "min_count" in reason
    # a level kept (g: every level has >= 20 rows) is not left out
    assert CovariateCoding.learn(frame, ["g"]).left_out == ()


def test_word_in_numbers_is_a_located_error_not_a_categorical() -> None:
    frame = _with_word(_spells())
    for call in (
        lambda: fit_propensity(frame, "treatment", ["x", "g"]),
        lambda: estimate_curves(frame, ["x", "g"], method="ipw", times=[300]),
    ):
        with pytest.raises(DataValidationError) as caught:
            call()
        problem = caught.value.problems[0]
        assert (problem.table, problem.row, problem.column) == ("spells", 11, "x")
        assert _NAME not in str(caught.value)
        assert "otherwise numeric" in str(caught.value)
    # a column of codes (text, not numbers) stays a categorical
    codes = _spells().assign(g=lambda d: d["g"].map({"north": "N1", "east": "E2", "west": "W3"}))
    assert CovariateCoding.learn(codes, ["g"]).names == ("g_N1", "g_W3")


# -- finding 5: the formula path ---------------------------------------------------------


def test_formula_word_in_numbers_is_a_located_error_without_the_word() -> None:
    frame = _with_word(_spells())
    with pytest.raises(DataValidationError) as caught:
        estimate_curves(frame, "Surv(duration, event) ~ x + C(g)", method="ipw", times=[300])
    problem = caught.value.problems[0]
    assert (problem.table, problem.row, problem.column) == ("data", 11, "x")
    assert _NAME not in str(caught.value)


def test_formula_declared_categorical_is_not_refused() -> None:
    frame = _spells().assign(band=lambda d: np.where(d["x"] > 0, "2", "1").astype(object))
    frame.loc[5, "band"] = "unknown"  # a level of a categorical the formula declares
    coding = FormulaCoding.learn(frame, "x + C(band)")
    assert "C(band)[T.unknown]" in coding.names
    with pytest.raises(DataValidationError):  # used as numbers: refused
        FormulaCoding.learn(frame, "x + band")


# -- finding 6: min_count and the levels it pooled are recorded --------------------------


def test_settings_and_provenance_record_min_count_and_pooled_levels() -> None:
    frame = _spells()
    runs = {}
    for min_count in (20, 15):
        fit, _ = _caught(
            lambda min_count=min_count: estimate_effects(
                frame,
                estimators=["ipw"],
                bootstrap=0,
                covariates=["x", "team", "g"],
                horizons=[300],
                min_count=min_count,
            )
        )
        runs[min_count] = fit
    coarse, fine = runs[20].provenance(), runs[15].provenance()
    assert coarse["min_count"] == 20 and fine["min_count"] == 15
    teams = sorted(frame["team"].unique())
    assert coarse["coding"]["pooled"]["team"] == teams
    assert coarse["coding"]["levels"]["team"] == ["other"]
    assert fine["coding"]["pooled"]["team"] == []
    assert fine["coding"]["levels"]["team"] == teams
    assert coarse["coding"]["levels"]["g"] == ["east", "north", "west"]


# -- finding 7: a formula's levels are used as written, and a warning says so ------------


def test_formula_with_rare_levels_warns_that_min_count_does_not_pool_them() -> None:
    frame = _spells()
    frame.loc[:2, "g"] = "rare"  # three spells
    for call in (
        lambda: fit_propensity(frame, formula="treatment ~ x + C(g)", min_count=20),
        lambda: estimate_curves(
            frame, "Surv(duration, event) ~ x + C(g)", method="ipw", times=[300], min_count=20
        ),
    ):
        _, caught = _caught(call)
        said = [str(w.message) for w in caught if "min_count=20" in str(w.message)]
        assert len(said) == 1
        assert "'g' (1 of its 4 levels)" in said[0]
        assert "rare" not in said[0].replace("rare levels", "")  # the level is not shown
    # below min_count nothing is said
    _, caught = _caught(lambda: fit_propensity(frame, formula="treatment ~ x + C(g)", min_count=3))
    assert not [w for w in caught if "min_count" in str(w.message)]


# -- finding 8: check_assumptions tests the model the estimate fitted -------------------


def test_check_assumptions_uses_the_estimates_columns() -> None:
    frame = _spells()
    renamed = frame.rename(columns={"duration": "days", "event": "status", "treatment": "eh"})
    options: dict[str, Any] = {
        "estimators": ["gformula"],
        "bootstrap": 0,
        "covariates": ["x", "g"],
        "horizons": [300],
    }
    default = estimate_effects(frame, **options).check_assumptions(frame)
    named = estimate_effects(
        renamed, **options, duration="days", event="status", treatment="eh"
    ).check_assumptions(renamed)
    ph = [c for c in default.checks if c.topic == "proportional hazards"]
    ph_named = [c for c in named.checks if c.topic == "proportional hazards"]
    assert ph_named and ph_named[0].status != "not checked"
    assert (ph_named[0].status, ph_named[0].message) == (ph[0].status, ph[0].message)


def test_check_assumptions_uses_the_estimates_min_count() -> None:
    frame = _spells()
    options: dict[str, Any] = {
        "estimators": ["gformula"],
        "bootstrap": 0,
        "covariates": ["x", "team"],
        "horizons": [300],
    }
    fit = estimate_effects(frame, **options, min_count=15)
    check = [c for c in fit.check_assumptions(frame).checks if c.topic == "proportional hazards"]
    # the model the estimate fitted: every team kept (min_count=15), fitted here directly
    direct = fit_cox(frame, ["treatment", "x", "team"], cluster=None, min_count=15)
    assert len(direct.coefficients) == 1 + 1 + 19
    expected = ph_checks(direct, what="hazard ratio in the outcome model")
    assert [(c.status, c.message) for c in check] == [(c.status, c.message) for c in expected]
