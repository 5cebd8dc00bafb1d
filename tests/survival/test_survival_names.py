"""A survival model's user-chosen names never clash with its own columns or each other.

A covariate named like a helper column the model adds next to the covariates (the
outcome columns of the lifelines backends, the ``design`` and ``expanded`` tables) was
overwritten by it, and a covariate listed twice was left out as collinear with itself;
both without an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import (
    aalen_johansen,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    gray_test,
    logrank_test,
    state_occupation,
    transition_probabilities,
)


def _spells(n: int = 400, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    z = rng.binomial(1, 0.5, n).astype(float)
    t1 = rng.exponential(1 / (0.002 * np.exp(0.5 * x - 0.4 * z)))
    t2 = rng.exponential(500, n)
    c = rng.uniform(200, 900, n)
    duration = np.minimum.reduce([t1, t2, c])
    event = np.select([duration == t1, duration == t2], [1, 2], 0)
    return pd.DataFrame({"duration": duration + 1, "event": event, "x": x, "z": z})


@pytest.mark.parametrize("fit", [fit_cox, fit_cause_specific, fit_fine_gray])
def test_a_covariate_listed_twice_is_refused(fit: object) -> None:
    with pytest.raises(DesignError, match="listed more than once: x"):
        fit(_spells(), ["x", "z", "x"])  # type: ignore[operator]


@pytest.mark.parametrize("name", ["_stop", "_event", "_w"])
def test_the_lifelines_cox_backend_keeps_a_covariate_named_like_its_helper_columns(
    name: str,
) -> None:
    spells = _spells().rename(columns={"x": name})
    fit = fit_cox(spells, [name, "z"])
    params = fit.backend.params_
    assert list(params.index) == [name, "z"]
    # lifelines' own fit of the same model: the same estimates
    np.testing.assert_allclose(params.to_numpy(), fit.coefficients.to_numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    ("fit", "name"),
    [
        (fit_cause_specific, "cs_duration"),
        (fit_cause_specific, "cs_status"),
        (fit_fine_gray, "fg_status"),
        (fit_fine_gray, "fg_weight"),
    ],
)
def test_a_covariate_named_like_a_column_of_the_result_tables_is_refused(
    fit: object, name: str
) -> None:
    spells = _spells().rename(columns={"x": name})
    with pytest.raises(DesignError, match=f"'{name}' share a name with a column"):
        fit(spells, [name, "z"])  # type: ignore[operator]


@pytest.mark.parametrize("fit", [fit_cox, fit_cause_specific, fit_fine_gray, fit_aft])
@pytest.mark.parametrize("column", ["duration", "event"])
def test_the_outcome_as_a_covariate_is_refused(fit: object, column: str) -> None:
    # the event codes as a covariate fitted a model of the outcome on itself without a word
    with pytest.raises(DesignError, match=f"covariate '{column}' is the {column} column"):
        fit(_spells(), [column, "x"])  # type: ignore[operator]


@pytest.mark.parametrize("fit", [fit_cox, fit_cause_specific, fit_fine_gray, fit_aft])
def test_the_outcome_in_a_formula_is_refused(fit: object) -> None:
    with pytest.raises(DesignError, match="covariate 'event' is the event column"):
        fit(_spells(), "Surv(duration, event) ~ x + event")  # type: ignore[operator]


@pytest.mark.parametrize("test", [logrank_test, gray_test])
def test_a_k_sample_test_stratified_by_its_own_group_is_refused(test: object) -> None:
    # it compared nothing within each stratum and reported statistic 0, p = 1
    spells = _spells().assign(arm=lambda f: (f["x"] > 0).astype(int))
    with pytest.raises(DesignError, match="'arm' is both the group and the strata"):
        test(spells, "arm", strata="arm")  # type: ignore[operator]


def test_a_cause_listed_twice_is_refused() -> None:
    # its curves (or coefficients) were written twice
    with pytest.raises(DesignError, match=r"cause\(s\) listed more than once: 1"):
        aalen_johansen(_spells(), causes=[1, 1])
    with pytest.raises(DesignError, match=r"cause\(s\) listed more than once: 1"):
        fit_cause_specific(_spells(), ["x", "z"], causes=[1, 2, 1])


@pytest.mark.parametrize("estimate", [state_occupation, transition_probabilities])
def test_a_state_listed_twice_is_refused(estimate: object) -> None:
    # the first copy got no spells: a second row for the state, with probability 0
    rows = pd.DataFrame(
        {
            "spell_id": [1, 2, 3, 3],
            "start": [0.0, 0.0, 0.0, 5.0],
            "stop": [4.0, 6.0, 5.0, 9.0],
            "from_state": ["a", "a", "a", "b"],
            "to_state": ["b", None, "b", None],
        }
    )
    with pytest.raises(DesignError, match=r"state\(s\) listed more than once: a"):
        estimate(rows, states=["a", "a", "b"])  # type: ignore[operator]
