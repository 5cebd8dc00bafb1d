"""Means and SDs of whole-number covariates, and the small counts they could give back.

A pack shares a numeric covariate's ``n``, mean and SD per group at full precision (the
hub combines them exactly). For a covariate whose values are whole numbers (prior
child-protection plans, days since the first referral) those give its sum
(``mean × n``) and sum of squares (``(n − 1) sd² + n mean²``) exactly: three equations
in the counts of its values. When it takes at most three values they give every count
(0, 1 and 2 prior plans: ``n₂ = (Σx² − Σx) / 2``, ``n₁ = Σx − 2 n₂``); when the values
other than the most common are few, they say how few.

So in each group, the mean and SD of a whole-number covariate are withheld
(:func:`sparse_values`) when

- fewer than the threshold of its spells (but some) have a value other than the most
  common one, or
- fewer than the threshold (but some) have a value other than the two most common ones:
  with three values that is the third's count, which the moments give exactly; with
  more it is what the moments leave least uncertain,

or when the moments are those of a covariate whose values could lie on three
consecutive whole numbers with a count under the threshold (:func:`small_from_moments`,
what the gate can check of a pack without its records). Their complements across
``all``, ``treated`` and ``untreated`` are withheld too (the ``all`` sums are the arms'),
by :func:`~escalation.federated.summaries.suppress_summary`.

With four or more values the three moments leave the counts undetermined, so the
mean and SD of such a covariate (a decile, a count of days) are shared, though its
moments still bound the counts of its rarer values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.causal.propensity import treatment_vector
from escalation.disclosure import DisclosureRules

__all__ = ["moments_problems", "small_from_moments", "sparse_values", "whole_number_rows"]

_GROUP_CODES = {"all": None, "treated": 1, "untreated": 0}
#: Relative tolerance of "a whole number" for a sum read back from a mean.
_WHOLE = 1e-6


def _whole(value: float) -> bool:
    return bool(
        np.isfinite(value) and abs(value - np.round(value)) <= _WHOLE * max(1.0, abs(value))
    )


def sparse_values(values: np.ndarray, rules: DisclosureRules) -> bool:
    """Whether few spells (but some) lie off a whole-number covariate's one or two commonest values.

    Examples
    --------
    >>> rules = DisclosureRules()
    >>> sparse_values(np.array([0] * 191 + [1] * 11 + [2]), rules)  # one child with 2
    True
    >>> sparse_values(np.array([0] * 191 + [1] * 11 + [2] * 12), rules)
    False
    """
    counts = np.sort(np.unique(values, return_counts=True)[1])[::-1]
    besides_one, besides_two = int(counts[1:].sum()), int(counts[2:].sum())
    return bool(0 < besides_one < rules.threshold or 0 < besides_two < rules.threshold)


def small_from_moments(n: float, mean: float, sd: float, rules: DisclosureRules) -> bool:
    """Whether ``n``, mean and SD give a count under the threshold on three whole numbers.

    When the sum and the sum of squares they imply are whole numbers, the values could
    be ``a``, ``a + 1`` and ``a + 2`` (``a`` the mean's floor, or one less), whose counts
    the three moments give exactly; if those counts are whole, none negative, and one is
    under the threshold (a value not taken, count 0, is not a cell), it is given back.

    Examples
    --------
    >>> n, x = 376, np.array([0] * 367 + [1] * 9)
    >>> small_from_moments(n, x.mean(), x.std(ddof=1), DisclosureRules())
    True
    >>> x = np.array([0] * 300 + [1] * 40 + [2] * 36)
    >>> small_from_moments(n, x.mean(), x.std(ddof=1), DisclosureRules())
    False
    """
    if not (np.isfinite(n) and np.isfinite(mean) and n > 1):
        return False
    sd = float(sd) if np.isfinite(sd) else 0.0
    total = n * mean
    squares = (n - 1) * sd**2 + n * mean**2
    if not (_whole(total) and _whole(squares)):
        return False
    total, squares = float(np.round(total)), float(np.round(squares))
    for low in (np.floor(mean) - 1, np.floor(mean)):
        shifted = total - n * low  # the sum of y = x - low, y in {0, 1, 2}
        shifted_squares = squares - 2 * low * total + n * low**2
        twos = (shifted_squares - shifted) / 2
        ones = shifted - 2 * twos
        counts = np.array([n - ones - twos, ones, twos])
        valid = bool(np.all(counts >= 0)) and all(_whole(c) for c in counts)
        if valid and np.any((counts > 0) & (counts < rules.threshold)):
            return True
    return False


def _numeric_moments(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the positions of a summary's rows with a mean (level ``""``), means and SDs."""
    level = frame["level"].fillna("").astype(str).to_numpy()
    means = pd.to_numeric(frame["mean"], errors="coerce").to_numpy(dtype=float)
    sds = pd.to_numeric(frame["sd"], errors="coerce").to_numpy(dtype=float)
    return np.flatnonzero((level == "") & np.isfinite(means)), means, sds


def whole_number_rows(
    spells: pd.DataFrame,
    summary: pd.DataFrame,
    rules: DisclosureRules,
    *,
    treatment: str = "treatment",
) -> np.ndarray:
    """Return, per row of a covariate summary, whether its mean and SD must be withheld.

    A row of a numeric covariate (level ``""``) whose values in its group are whole
    numbers and :func:`sparse_values`, or whose moments are :func:`small_from_moments`.
    Complements are the caller's (:func:`~escalation.federated.summaries.suppress_summary`).

    Parameters
    ----------
    spells : pandas.DataFrame
        The spells the summary was made of.
    summary : pandas.DataFrame
        :func:`~escalation.federated.summaries.covariate_summary` of them, before
        disclosure control.
    rules : DisclosureRules
    treatment : str, default "treatment"

    Returns
    -------
    numpy.ndarray of bool
    """
    frame = summary.reset_index(drop=True)
    arm = pd.Series(treatment_vector(spells, treatment, both_arms=False), index=spells.index)
    out = np.zeros(len(frame), dtype=bool)
    rows, means, sds = _numeric_moments(frame)
    for row in rows:
        covariate, group = str(frame.at[row, "covariate"]), str(frame.at[row, "group"])
        code = _GROUP_CODES[group]
        values = spells[covariate] if code is None else spells.loc[arm == code, covariate]
        x = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
        whole = bool(x.size) and bool(np.all(x == np.round(x)))
        out[row] = (whole and sparse_values(x, rules)) or small_from_moments(
            float(x.size), means[row], sds[row], rules
        )
    return out


def moments_problems(
    frame: pd.DataFrame, recorded: np.ndarray, rules: DisclosureRules
) -> list[str]:
    """Return the covariates whose published moments give a count under the threshold.

    ``frame`` is a disclosed covariate summary and ``recorded`` its spells with a value
    per row (:func:`~escalation.federated.summaries.recorded_sizes`).
    """
    rows, means, sds = _numeric_moments(frame)
    names = frame["covariate"].astype(str).to_numpy()
    found = [
        str(names[i])
        for i in rows
        if small_from_moments(float(recorded[i]), means[i], sds[i], rules)
    ]
    return list(dict.fromkeys(found))
