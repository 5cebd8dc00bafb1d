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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from escalation.core.kernels import BOOL, F2, I1, c_array, kernel, rows_or_columns

__all__ = [
    "ALIAS_TOLERANCE",
    "CONSTANT_TOLERANCE",
    "Redundant",
    "left_out_phrase",
    "redundant_columns",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Share of a column's variance left after regressing it on earlier columns, below which
#: the column counts as a linear combination of them.
ALIAS_TOLERANCE = 1e-9
#: Relative spread below which a column counts as constant.
CONSTANT_TOLERANCE = 1e-12
#: Share of the largest (correlation-scale) regression weight below which an earlier
#: column is not named as a partner of an aliased column.
PARTNER_SHARE = 1e-6


@dataclass(frozen=True)
class Redundant:
    """Which columns cannot be estimated.

    Attributes
    ----------
    constant : numpy.ndarray of bool
        Columns without variation (within strata, when strata were given).
    aliased : numpy.ndarray of bool
        Columns that are linear combinations of earlier kept columns.
    partners : tuple of tuple of int
        For each column, the earlier kept columns an aliased column is a combination of
        (``()`` for the others, and when not computed).
    """

    constant: BoolArray
    aliased: BoolArray
    partners: tuple[tuple[int, ...], ...] = ()

    @property
    def keep(self) -> BoolArray:
        """Columns that can be estimated."""
        out: BoolArray = ~(self.constant | self.aliased)
        return out

    def reasons(self, names: Sequence[str], *, where: str = "") -> dict[str, str]:
        """Why each left-out column was left out, in column order.

        Parameters
        ----------
        names : sequence of str
            The names of the columns.
        where : str, default ""
            Appended to "no variation" (e.g. ``" within strata"``).

        Returns
        -------
        dict
            ``{name: "no variation"}`` for a constant column, ``{name: "collinear with a,
            b"}`` for an aliased one (the earlier columns it is a combination of).

        Examples
        --------
        >>> x = np.array([[1.0, 2, 5], [2, 4, 5], [3, 6, 5]])
        >>> redundant_columns(x).reasons(["a", "b", "c"])
        {'b': 'collinear with a', 'c': 'no variation'}
        """
        out: dict[str, str] = {}
        for j, name in enumerate(names):
            if self.constant[j]:
                out[name] = f"no variation{where}"
            elif self.aliased[j]:
                with_ = self.partners[j] if self.partners else ()
                out[name] = (
                    f"collinear with {', '.join(names[k] for k in with_)}"
                    if with_
                    else "collinear with earlier columns"
                )
        return out


def _means(x: FloatArray, codes: npt.NDArray[np.int64] | None) -> FloatArray:
    if codes is None:
        out: FloatArray = x.mean(axis=0, keepdims=True) if len(x) else np.zeros((1, x.shape[1]))
        return out
    k = int(codes.max()) + 1 if codes.size else 1
    counts = np.maximum(np.bincount(codes, minlength=k), 1).astype(float)
    columns = [np.bincount(codes, weights=col, minlength=k) / counts for col in x.T]
    return np.column_stack(columns) if columns else np.zeros((k, 0))


@kernel(F2, I1, F2, BOOL)
def _centred_gram(
    x: Any, codes: Any, means: Any, columns: bool
) -> tuple[Any, Any, Any]:  # pragma: no cover
    """Return the Gram matrix of the centred columns, their spread and scale, in one pass.

    With ``columns``, ``x`` is the (p, n) transpose of the matrix (see ``rows_or_columns``).
    """
    n = codes.shape[0]
    p = means.shape[1]
    gram = np.zeros((p, p))
    spread = np.zeros(p)
    scale = np.zeros(p)
    d = np.empty(p)
    for i in range(n):
        c = codes[i]
        for k in range(p):
            value = x[k, i] if columns else x[i, k]
            d[k] = value - means[c, k]
            spread[k] = max(spread[k], abs(d[k]))
            scale[k] = max(scale[k], abs(value))
        for k in range(p):
            for q in range(k + 1):
                gram[k, q] += d[k] * d[q]
    for k in range(p):
        for q in range(k):
            gram[q, k] = gram[k, q]
    return gram, spread, scale


def _centred_gram_numpy(
    x: FloatArray, codes: npt.NDArray[np.int64], means: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    centred = x - means[codes]
    spread = np.abs(centred).max(axis=0) if len(x) else np.zeros(x.shape[1])
    scale = np.abs(x).max(axis=0) if len(x) else np.zeros(x.shape[1])
    return centred.T @ centred, spread, scale


def redundant_columns(
    x: npt.ArrayLike,
    *,
    strata: npt.ArrayLike | None = None,
    engine: Literal["compiled", "numpy"] = "compiled",
) -> Redundant:
    """Return the constant and the aliased columns of a design matrix (no intercept).

    Parameters
    ----------
    x : array_like, shape (n, p)
        Coded covariates.
    strata : array_like of int, optional
        Stratum codes: variation is then judged within strata (a column constant within
        every stratum has no coefficient in a stratified Cox model).
    engine : {"compiled", "numpy"}, default "compiled"
        One compiled pass over the rows, or the numpy path (equal; used by the tests).

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
    means = _means(values, None if strata is None else np.asarray(strata, np.int64))
    codes = np.zeros(len(values), np.int64) if strata is None else np.asarray(strata, np.int64)
    if engine == "numpy":
        gram, spread, scale = _centred_gram_numpy(values, codes, means)
    else:
        matrix, columns = rows_or_columns(values)
        gram, spread, scale = _centred_gram(
            matrix, c_array(codes, np.int64), c_array(means), columns
        )
    scale = np.maximum(scale, 1.0)
    constant = spread <= CONSTANT_TOLERANCE * scale
    aliased = np.zeros(p, dtype=bool)
    partners: list[tuple[int, ...]] = [()] * p
    varying = np.flatnonzero(~constant)
    if varying.size > 1:  # one varying column is kept and aliases nothing (no correlations)
        sub = gram[np.ix_(varying, varying)]
        norm = np.sqrt(np.diag(sub))
        corr = sub / np.outer(norm, norm)
        kept: list[int] = []
        for j in range(varying.size):
            residual = 1.0
            if kept:
                # While every earlier column is kept, they are the leading block: the same
                # entries read as a slice rather than gathered by index (``cross`` a
                # contiguous copy as before, so that its product is summed alike).
                leading = len(kept) == j
                block = corr[:j, :j] if leading else corr[np.ix_(kept, kept)]
                cross = np.ascontiguousarray(corr[:j, j]) if leading else corr[kept, j]
                beta = np.linalg.solve(block, cross)
                residual = 1.0 - float(cross @ beta)
            if residual <= ALIAS_TOLERANCE:
                aliased[varying[j]] = True
                partners[varying[j]] = _partners(varying[kept], beta)
            else:
                kept.append(j)
    return Redundant(constant=constant, aliased=aliased, partners=tuple(partners))


def _partners(kept: npt.NDArray[np.int64], beta: FloatArray) -> tuple[int, ...]:
    """Return the kept columns weighing in an aliased column's regression on them."""
    size = np.abs(beta)
    return tuple(int(k) for k in kept[size > PARTNER_SHARE * size.max()])


def left_out_phrase(terms: Sequence[str], reasons: Sequence[str]) -> str:
    """Name left-out columns with their reasons, for a summary.

    ``reasons`` are those of :meth:`Redundant.reasons`, one per term; without them (a
    result made before they were kept) the reason reads "no variation or collinear".

    Examples
    --------
    >>> left_out_phrase(["b", "c"], ["collinear with a", "no variation"])
    'b (collinear with a); c (no variation)'
    """
    why = tuple(reasons) or ("no variation or collinear",) * len(terms)
    return "; ".join(f"{term} ({reason})" for term, reason in zip(terms, why, strict=True))
