"""The shared shape of survival results: ``tidy()``, ``glance()``, ``summary()``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from escalation._vocabulary import real_number
from escalation.errors import DesignError
from escalation.results import Presents, Summary, package_versions

if TYPE_CHECKING:
    from escalation.timeline.matrix import Coding

__all__ = [
    "KSampleTestResult",
    "SurvivalResult",
    "check_conf_level",
    "coefficient_table",
    "ratio_table",
    "reference_levels",
]

#: Columns of every coefficient table, in order.
COEFFICIENT_COLUMNS = (
    "term",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
    "p_value",
)


def check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` after checking it lies strictly between 0 and 1."""
    real_number(conf_level, function=None, argument="conf_level")  # not text
    if not 0.0 < conf_level < 1.0:
        raise DesignError(f"conf_level must lie strictly between 0 and 1, got {conf_level!r}")
    return float(conf_level)


def coefficient_table(
    terms: list[str] | tuple[str, ...],
    estimate: np.ndarray,
    std_error: np.ndarray,
    conf_level: float,
    *,
    exponentiate: bool = False,
    inestimable: Sequence[str] = (),
    separated: Sequence[str] = (),
    not_ratios: Sequence[str] = (),
) -> pd.DataFrame:
    """Return Wald estimates, intervals and two-sided p-values as a tidy frame.

    Terms in ``inestimable`` (the likelihood does not depend on them: the singularity
    rule of :mod:`escalation.core.newton`) get ``NaN`` for the estimate, standard error,
    interval and p-value, as R's ``coxph``, ``survreg`` and ``glm`` report them ``NA``:
    the 0 the fit holds them at (a ratio of 1) is not an estimate.

    Terms in ``separated`` (their estimates are infinite: the separation rule) keep the
    value where the fit stopped, which says the direction, but get ``NaN`` for the
    standard error, interval and p-value: a Wald interval around a value that is not a
    maximum means nothing (a separated level's hazard ratio of 1e-9 came with an
    interval of 6e-11 to 1e-8 and a p-value of 1e-51).

    With ``exponentiate=True`` the estimate and interval are exponentiated (hazard or time
    ratios); ``std_error`` stays on the log scale, as in R's ``broom``, and a last column
    ``std_error_scale`` says so (``"log"``), so a table of ratios (``hazard_ratios.csv``)
    names the scale of its standard errors. Terms in ``not_ratios`` (an AFT model's
    ``(Intercept)`` and ``log(scale)``: baseline parameters, not effects) stay on their
    own scale, under their own names, as flexsurv's ``tidy(transform = "coefs.exp")``.

    Examples
    --------
    >>> coefficient_table(["x"], np.array([0.0]), np.array([0.1]), 0.95,
    ...                   exponentiate=True).columns.tolist()[-2:]
    ['p_value', 'std_error_scale']
    >>> coefficient_table(["x", "early"], np.array([0.2, 0.0]), np.array([0.1, np.nan]),
    ...                   0.95, inestimable=["early"])["estimate"].tolist()
    [0.2, nan]
    >>> table = coefficient_table(["x", "rare"], np.array([0.2, -21.0]), np.array([0.1, 1.4]),
    ...                           0.95, separated=["rare"])
    >>> table[["estimate", "p_value"]].round(3).values.tolist()
    [[0.2, 0.046], [-21.0, nan]]
    """
    z = stats.norm.ppf(0.5 + conf_level / 2.0)
    names = np.asarray(list(terms), dtype=object)
    held = np.isin(names, list(inestimable))
    infinite = np.isin(names, list(separated))
    est = np.where(held, np.nan, np.asarray(estimate, dtype=float))
    se = np.where(held | infinite, np.nan, np.asarray(std_error, dtype=float))
    low, high = est - z * se, est + z * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2.0 * stats.norm.sf(np.abs(est / se))
    if exponentiate:
        ratio = ~np.isin(names, list(not_ratios))
        est, low, high = (np.where(ratio, np.exp(v), v) for v in (est, low, high))
    table = pd.DataFrame(
        {
            "term": list(terms),
            "estimate": est,
            "std_error": se,
            "conf_low": low,
            "conf_high": high,
            "conf_level": conf_level,
            "p_value": p,
        }
    )
    if exponentiate:
        table["std_error_scale"] = "log"
    return table


def ratio_table(table: pd.DataFrame, ratio: str = "exp(coef)") -> pd.DataFrame:
    """Return a log-scale coefficient table as R's ``summary.coxph`` shows it.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`coefficient_table` on the log scale (``exponentiate=False``), with any
        leading key columns (``cause``).
    ratio : str, default "exp(coef)"
        Heading of the exponentiated estimate.

    Returns
    -------
    pandas.DataFrame
        The key columns, ``term, coef, <ratio>, se(coef), lower 95%, upper 95%, p``
        (the interval exponentiated; the heading names its level).

    Examples
    --------
    >>> t = coefficient_table(["x"], np.array([0.5]), np.array([0.1]), 0.95)
    >>> ratio_table(t).columns.tolist()
    ['term', 'coef', 'exp(coef)', 'se(coef)', 'lower 95%', 'upper 95%', 'p']
    """
    level = f"{100 * float(table['conf_level'].iloc[0]):g}%" if len(table) else "95%"
    keys = [c for c in table.columns if c not in COEFFICIENT_COLUMNS]
    out = table[keys].copy()
    out["term"] = table["term"]
    out["coef"] = table["estimate"]
    out[ratio] = np.exp(table["estimate"])
    out["se(coef)"] = table["std_error"]
    out[f"lower {level}"] = np.exp(table["conf_low"])
    out[f"upper {level}"] = np.exp(table["conf_high"])
    out["p"] = table["p_value"]
    return out.reset_index(drop=True)


def reference_levels(coding: Coding) -> str:
    """Return the reference level of each categorical covariate, e.g. ``"sex = F"``.

    Levels pooled into ``other`` (rare codes) are named too; for a formula, each
    categorical term coded against a level it drops (``C(g, Treatment('b')) = b``; see
    :attr:`~escalation.formula.FormulaCoding.references`). ``"none"`` when no covariate
    has one: every covariate numeric, or its levels coded without a reference
    (``C(g, Sum)``, as R's ``contr.sum``; ``C(g):x`` alone, a slope for every level).
    """
    from escalation.timeline.matrix import CovariateCoding

    if not isinstance(coding, CovariateCoding):
        references: dict[str, str] = getattr(coding, "references", {})
        return "; ".join(f"{term} = {level}" for term, level in references.items()) or "none"
    parts = []
    for column, levels in coding.levels.items():
        text = f"{column} = {levels[0]}"
        pooled = coding.pooled.get(column, ())
        if pooled:
            text += f" (pooled as other: {', '.join(pooled)})"
        parts.append(text)
    return "; ".join(parts) or "none"


@dataclass(frozen=True)
class SurvivalResult(Presents):
    """Base of the survival results: ``glance()`` and ``summary()`` from ``tidy()``.

    Subclasses define ``tidy()``, :attr:`title` and :meth:`_facts`.
    """

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return type(self).__name__

    def tidy(self) -> pd.DataFrame:  # pragma: no cover - overridden
        """Return the main table."""
        raise NotImplementedError

    def _facts(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _notes(self) -> tuple[str, ...]:
        return ()

    def _counts(self) -> dict[str, Any]:
        """Return the first facts of a result that has them: ``n, events, dropped, method``."""
        return {name: getattr(self, name) for name in ("n", "events", "dropped", "method")}

    def glance(self) -> pd.DataFrame:
        """Return one row: the model facts plus the package versions."""
        return pd.DataFrame([{**self._facts(), **package_versions()}])

    def _summary_table(self) -> pd.DataFrame:
        return self.tidy()

    def _summary_facts(self) -> dict[str, Any]:
        return self._facts()

    def summary(self) -> Summary:
        """Return a :class:`escalation.results.Summary` (text, HTML, LaTeX).

        ``print(result)`` prints it; Jupyter renders it as HTML.
        """
        return Summary(self.title, self._summary_facts(), self._summary_table(), self._notes())


@dataclass(frozen=True)
class KSampleTestResult(SurvivalResult):
    """Base of the K-sample tests (log-rank, Gray): one chi-squared test across groups.

    Subclasses name their :attr:`method` and may add facts (:meth:`_test_facts`) and
    fields (keyword-only); ``summary()`` shows the facts and the per-group table.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (the subclass says which columns).
    statistic, df, p_value : float
        The chi-squared statistic, its degrees of freedom and p-value. Unclustered, ``df``
        is the rank of the variance: groups with nobody at risk at any event time are not
        counted (R's ``survdiff`` rule; a ``StatisticalWarning`` names them).
    rho : float
        Power of the test's weight function (0: the unweighted test).
    strata : str or None
        Column the test was stratified on.
    n, events, dropped : int
        Spells used, events of the cause tested, and rows left out.
    """

    table: pd.DataFrame
    statistic: float
    df: int
    p_value: float
    rho: float
    strata: str | None
    n: int
    events: int
    backend: None = field(default=None, repr=False)
    dropped: int = 0

    @property
    def method(self) -> str:  # pragma: no cover - overridden
        """The test, as ``glance()`` names it."""
        raise NotImplementedError

    def tidy(self) -> pd.DataFrame:
        """Return the per-group table."""
        return self.table.copy()

    def _test_facts(self) -> dict[str, Any]:
        return {}

    def _summary_table(self) -> pd.DataFrame:
        return self.table

    def _facts(self) -> dict[str, Any]:
        return {
            **self._counts(),
            **self._test_facts(),
            "strata": self.strata or "none",
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
        }
