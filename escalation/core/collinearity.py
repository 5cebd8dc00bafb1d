r"""The one collinearity check: columns that cannot be estimated.

Every model of the package (Cox, Fine–Gray, cause-specific, AFT, logistic propensity,
risk models) asks the same question before fitting: which coded columns are constant,
and which are linear combinations of earlier columns? Their coefficients are not
identifiable, so they are left out (the model decides whether to warn or stop).

Rule
----
Columns are centred (within strata when given). A column is *constant* when its largest
absolute centred value is at most :data:`CONSTANT_TOLERANCE` times its scale
(``max |x|``, at least 1). A column is *aliased* when less than :data:`ALIAS_TOLERANCE`
of its variance is left after regressing it on the earlier kept columns (read from the
correlation matrix, so the cost is one :math:`p \times p` cross-product). The order of
the columns decides which of two collinear columns is kept: the earlier one, as R's
``coxph`` and ``lm`` do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["ALIAS_TOLERANCE", "CONSTANT_TOLERANCE", "Redundant", "redundant_columns"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Share of a column's variance left after regressing it on earlier columns, below which
#: the column counts as a linear combination of them.
ALIAS_TOLERANCE = 1e-9
#: Relative spread below which a column counts as constant.
CONSTANT_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Redundant:
    """Which columns cannot be estimated.

    Attributes
    ----------
    constant : numpy.ndarray of bool
        Columns without variation (within strata, when strata were given).
    aliased : numpy.ndarray of bool
        Columns that are linear combinations of earlier kept columns.
    """

    constant: BoolArray
    aliased: BoolArray

    @property
    def keep(self) -> BoolArray:
        """Columns that can be estimated."""
        out: BoolArray = ~(self.constant | self.aliased)
        return out


def _centred(x: FloatArray, strata: npt.NDArray[np.int64] | None) -> FloatArray:
    if strata is None:
        out: FloatArray = x - x.mean(axis=0)
        return out
    codes = np.asarray(strata, dtype=np.int64)
    k = int(codes.max()) + 1 if codes.size else 0
    sums = np.zeros((k, x.shape[1]))
    np.add.at(sums, codes, x)
    counts = np.bincount(codes, minlength=k).astype(float)
    means = sums / np.maximum(counts, 1.0)[:, None]
    centred: FloatArray = x - means[codes]
    return centred


def redundant_columns(x: npt.ArrayLike, *, strata: npt.ArrayLike | None = None) -> Redundant:
    """Return the constant and the aliased columns of a design matrix (no intercept).

    Parameters
    ----------
    x : array_like, shape (n, p)
        Coded covariates.
    strata : array_like of int, optional
        Stratum codes: variation is then judged within strata (a column constant within
        every stratum has no coefficient in a stratified Cox model).

    Returns
    -------
    Redundant

    Examples
    --------
    >>> x = np.array([[1.0, 0, 1, 3], [0, 1, 1, 3], [1, 1, 2, 3], [0, 0, 0, 3]])
    >>> r = redundant_columns(x)
    >>> r.constant.tolist(), r.aliased.tolist()
    ([False, False, False, True], [False, False, True, False])
    """
    values = np.asarray(x, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    p = values.shape[1]
    codes = None if strata is None else np.asarray(strata, dtype=np.int64)
    centred = _centred(values, codes)
    if len(values):
        spread = np.abs(centred).max(axis=0)
        scale = np.maximum(np.abs(values).max(axis=0), 1.0)
    else:
        spread = scale = np.zeros(p)
    constant = spread <= CONSTANT_TOLERANCE * scale
    aliased = np.zeros(p, dtype=bool)
    varying = np.flatnonzero(~constant)
    if varying.size:
        sub = centred[:, varying]
        gram = sub.T @ sub
        norm = np.sqrt(np.diag(gram))
        corr = gram / np.outer(norm, norm)
        kept: list[int] = []
        for j in range(varying.size):
            residual = 1.0
            if kept:
                block = corr[np.ix_(kept, kept)]
                cross = corr[kept, j]
                residual = 1.0 - float(cross @ np.linalg.solve(block, cross))
            if residual <= ALIAS_TOLERANCE:
                aliased[varying[j]] = True
            else:
                kept.append(j)
    return Redundant(constant=constant, aliased=aliased)
