"""Every model takes its standard errors from one NaN-safe helper (``standard_errors``).

Was: Cox and AFT took ``sqrt(diag(covariance))`` safely (``NaN`` where a numerically
singular information, after a separated fit, leaves a negative variance), but Fine–Gray,
cause-specific Cox, the propensity model and the meta-analysis took it raw: numpy warned
"invalid value encountered in sqrt" and the NaN came with it. Each model's ``tidy()`` is
asserted here with warnings as errors, on its own fit given a covariance with one negative
variance (what a separated fit can leave).
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation
from escalation.causal import fit_propensity
from escalation.federated.meta import meta_analyse
from escalation.survival import fit_aft, fit_cause_specific, fit_cox, fit_fine_gray

PACKAGE = Path(escalation.__file__).parent


def _spells() -> pd.DataFrame:
    rng = np.random.default_rng(20)
    n = 240
    return pd.DataFrame(
        {
            "duration": rng.integers(1, 200, n).astype(float),
            "event": rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2]),
            "age": rng.normal(10.0, 3.0, n),
            "prior": rng.poisson(1.0, n).astype(float),
            "treatment": rng.integers(0, 2, n),
        }
    )


def _negative(covariance: pd.DataFrame) -> pd.DataFrame:
    """The covariance with its last variance made negative (its other entries kept)."""
    out = covariance.copy()
    out.iloc[-1, -1] = -abs(float(out.iloc[-1, -1])) - 1e-3
    return out


def _tidy_without_warnings(result: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table: pd.DataFrame = result.tidy()
    return table


def _fine_gray() -> tuple[Any, str]:
    fit = fit_fine_gray(_spells(), ["age", "prior"], cause=1, cluster=None)
    return dataclasses.replace(fit, covariance=_negative(fit.covariance)), "prior"


def _cause_specific() -> tuple[Any, str]:
    fit = fit_cause_specific(_spells(), ["age", "prior"], cluster=None)
    covariance = {cause: _negative(v) for cause, v in fit.covariance.items()}
    return dataclasses.replace(fit, covariance=covariance), "prior"


def _propensity() -> tuple[Any, str]:
    fit = fit_propensity(_spells(), "treatment", ["age", "prior"])
    assert fit.covariance is not None
    return dataclasses.replace(fit, covariance=_negative(fit.covariance)), "prior"


def _meta() -> tuple[Any, str]:
    moderators = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    fit = meta_analyse(
        [0.1, 0.3, 0.2, 0.5, 0.4, 0.2], [0.1, 0.2, 0.15, 0.2, 0.3, 0.1], moderators=moderators
    )
    return dataclasses.replace(fit, covariance=_negative(fit.covariance)), "size"


def _cox() -> tuple[Any, str]:
    fit = fit_cox(_spells(), ["age", "prior"], cluster=None)
    return dataclasses.replace(fit, covariance=_negative(fit.covariance)), "prior"


def _aft() -> tuple[Any, str]:
    fit = fit_aft(_spells(), ["age", "prior"], cluster=None)
    return dataclasses.replace(fit, covariance=_negative(fit.covariance)), "log(scale)"


MODELS: dict[str, Callable[[], tuple[Any, str]]] = {
    "fine_gray": _fine_gray,
    "cause_specific": _cause_specific,
    "propensity": _propensity,
    "meta_analysis": _meta,
    "cox": _cox,
    "aft": _aft,
}


@pytest.mark.parametrize("model", list(MODELS))
def test_a_negative_variance_gives_nan_and_no_warning(model: str) -> None:
    result, term = MODELS[model]()
    table = _tidy_without_warnings(result)
    rows = table[table["term"] == term]
    assert len(rows) >= 1 and rows["std_error"].isna().all()
    assert rows["conf_low"].isna().all() and rows["conf_high"].isna().all()
    others = table[table["term"] != term]
    assert np.isfinite(others["std_error"].to_numpy(dtype=float)).all()


def test_the_helper_takes_frames_and_arrays_and_keeps_nan() -> None:
    from escalation.results import standard_errors  # its home since it is shared

    covariance = [[4.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, np.nan]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from_array = standard_errors(np.array(covariance))
        from_frame = standard_errors(pd.DataFrame(covariance))
    np.testing.assert_array_equal(from_array, [2.0, np.nan, np.nan])
    np.testing.assert_array_equal(from_frame, from_array)


def test_no_model_takes_the_square_root_of_a_covariance_diagonal_itself() -> None:
    raw = re.compile(r"sqrt\(\s*np\.diag")
    found = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if raw.search(path.read_text("utf-8"))
    }
    # the collinearity check's Gram matrix of centred columns is not a covariance
    assert found <= {"core/collinearity.py", "results.py"}, sorted(found)


def test_a_prediction_with_a_negative_variance_gives_nan_and_no_warning() -> None:
    """The meta-regression's ``predict()`` takes its standard errors by the same rule.

    Its quadratic form :math:`x^\\top V x` went through a raw ``np.sqrt`` (review): with
    warnings as errors it raised numpy's "invalid value encountered in sqrt".
    """
    result, _ = _meta()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = result.predict(pd.DataFrame({"size": [0.0, 6.0]}))
    # at size 0 the slope's negative variance does not enter; at size 6 it does
    assert np.isfinite(table["std_error"].iloc[0]) and np.isnan(table["std_error"].iloc[1])


def test_no_module_takes_the_square_root_of_a_quadratic_form_itself() -> None:
    raw = re.compile(r"np\.sqrt\(\s*np\.einsum")
    found = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if raw.search(path.read_text("utf-8"))
    )
    assert not found, found
