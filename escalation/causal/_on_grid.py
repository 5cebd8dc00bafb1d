"""Nuisance predictions on a fixed binary grid: the causal forest the same on every CPU.

The causal forest's splits are chosen on the residuals of its two nuisance models (the
outcome's linear regression and the treatment's logistic regression). Their predictions
come from BLAS and LAPACK, whose kernels are chosen at run time for the CPU (OpenBLAS picks
``SkylakeX`` where AVX-512 is found, ``Haswell`` where only AVX2 is), and the kernels add in
different orders: the predictions differ in their last bits from one CPU to another (up to
5e-15 on the demo's 9,282 spells). With dummy-coded covariates two candidate splits often
cut a node's rows the same way, so their scores are equal in exact arithmetic and the last
bits decide between them; a different split grows a different tree, and the forest's
estimates then differ by far more than the last bits (up to 0.005 in the risk, for 1,463 of
the demo's 9,282 spells, cross-fitted; ``docs/policy.md``, "Reproducibility").

:class:`GridRegressor` and :class:`GridClassifier` wrap the nuisance models and put their
predictions on the grid of multiples of :data:`GRID` (2^-24, about 6e-8): a prediction
computed on two CPUs lands on the same grid point unless it lies within its last-bit
difference of a midpoint between two (odds about 1e-7 a prediction), so the residuals, and
with them the forest, are bit-for-bit the same. Moving a prediction by at most 3e-8 changes
no estimate by more than that.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, clone

__all__ = ["GRID", "GridClassifier", "GridRegressor", "on_grid"]

#: Exponent of the grid: predictions are put on multiples of ``2**-GRID_BITS``.
GRID_BITS: Final = 24
#: The grid's step, 2^-24 (about 6e-8).
GRID: Final = 2.0**-GRID_BITS


def on_grid(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Return ``values`` rounded to the nearest multiple of :data:`GRID` (ties to even).

    Scaling by a power of two is exact, so the only rounding is the one to the grid.

    Examples
    --------
    >>> on_grid([0.1, 0.1 + 1e-15, -0.25])
    array([ 0.10000002,  0.10000002, -0.25      ])
    >>> bool(on_grid([0.1])[0] == on_grid([0.1 + 1e-15])[0])
    True
    """
    x = np.asarray(values, dtype=float)
    out: npt.NDArray[np.float64] = np.ldexp(np.rint(np.ldexp(x, GRID_BITS)), -GRID_BITS)
    return out


class GridRegressor(RegressorMixin, BaseEstimator):  # type: ignore[misc]
    """A regressor whose predictions are on the grid of :data:`GRID` (:func:`on_grid`).

    Parameters
    ----------
    estimator : scikit-learn regressor
        Cloned and fitted by :meth:`fit`.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, x: Any, y: Any, **fit_params: Any) -> GridRegressor:
        """Fit a clone of ``estimator`` (kept as ``estimator_``) and return ``self``."""
        self.estimator_ = clone(self.estimator).fit(x, y, **fit_params)
        return self

    def predict(self, x: Any) -> npt.NDArray[np.float64]:
        """Return the fitted estimator's predictions on the grid."""
        return on_grid(self.estimator_.predict(x))


class GridClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """A binary classifier whose probabilities are on the grid of :data:`GRID`.

    The probability of the second class is put on the grid and the first is one minus it
    (exact: both are multiples of the grid step in [0, 1]).

    Parameters
    ----------
    estimator : scikit-learn classifier
        Of two classes; cloned and fitted by :meth:`fit`.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, x: Any, y: Any, **fit_params: Any) -> GridClassifier:
        """Fit a clone of ``estimator`` (kept as ``estimator_``) and return ``self``."""
        self.estimator_ = clone(self.estimator).fit(x, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        if len(self.classes_) != 2:
            raise ValueError(f"GridClassifier takes two classes, got {len(self.classes_)}")
        return self

    def predict_proba(self, x: Any) -> npt.NDArray[np.float64]:
        """Return the two classes' probabilities, on the grid, summing to 1 exactly."""
        p1 = on_grid(self.estimator_.predict_proba(x)[:, 1])
        return np.column_stack([1.0 - p1, p1])

    def predict(self, x: Any) -> npt.NDArray[Any]:
        """Return the class of the larger probability (the first at 0.5, as scikit-learn)."""
        out: npt.NDArray[Any] = np.asarray(self.classes_)[
            (self.predict_proba(x)[:, 1] > 0.5).astype(int)
        ]
        return out
