r"""Gray's test: whether the cumulative incidences of one cause differ between groups.

With competing events the log-rank test compares cause-specific hazards, which need not
order the cumulative incidences the same way. Gray's K-sample test compares the
subdistribution hazards :math:`\gamma_g(t) = f_g(t) / \{1 - F_g(t)\}` instead, so it
tests the curves that :func:`~escalation.survival.aalen_johansen` draws. The score of
group :math:`g` is :math:`\int \{1 - \hat F(t-)\}^\rho \{d N_g(t) - R_g(t)\, d\hat
\Gamma(t)\}` with :math:`R_g = Y_g (1 - \hat F_g(t-)) / \hat S_g(t-)` and
:math:`\hat \Gamma` the pooled subdistribution hazard; its variance is Gray's
martingale estimate (cause-of-interest and competing-event terms). Strata add their
scores and variances. Matches R's ``cmprsk::cuminc(...)$Tests`` (see
``tests/reference/survival/present.R``).

The risk sets, product-limit and cumulative-incidence estimates per group come from
:mod:`escalation.core.productlimit`; only the score and variance sums are here.

Reference: Gray RJ (1988). A class of K-sample tests for comparing the cumulative
incidence of a competing risk. *Annals of Statistics* 16:1141–1154.
doi:10.1214/aos/1176350951
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import cause_code
from escalation.core import productlimit
from escalation.errors import DesignError
from escalation.survival._curve_data import curve_arrays, levels_seen
from escalation.survival._ksample import (
    check_rho,
    quadratic_statistic,
    uninformative_groups,
    warn_lost_df,
)
from escalation.survival._result import KSampleTestResult

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["GrayTestResult", "gray_test"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GrayTestResult(KSampleTestResult):
    r"""Gray's test of equal cumulative incidence of one cause across groups.

    Attributes
    ----------
    table : pandas.DataFrame
        ``group, n, events``: spells and events of the cause in each group.
    statistic, df, p_value : float
        The chi-squared statistic, its degrees of freedom (groups - 1) and p-value.
    cause : int
        The cause tested; other causes compete.
    rho : float
        Weight power :math:`\{1 - \hat F(t-)\}^\rho` (0: the usual test).
    strata : str or None
        Column the test was stratified on.
    """

    cause: int = field(kw_only=True)

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return f"Gray's test of cumulative incidence (cause {self.cause})"

    @property
    def method(self) -> str:
        """The test, as ``glance()`` names it."""
        return "gray"

    def tidy(self) -> pd.DataFrame:
        """Return one row: ``cause, statistic, df, p_value, rho``."""
        return pd.DataFrame(
            [
                {
                    "cause": self.cause,
                    "statistic": self.statistic,
                    "df": self.df,
                    "p_value": self.p_value,
                    "rho": self.rho,
                }
            ]
        )

    def _test_facts(self) -> dict[str, Any]:
        return {"cause": self.cause}


def _stratum(
    duration: FloatArray, event: npt.NDArray[np.int64], codes: npt.NDArray[np.int64], k: int,
    cause: int, rho: float,
) -> tuple[FloatArray, FloatArray]:  # fmt: skip
    """Scores of the first ``k - 1`` groups and their covariance in one stratum."""
    code = np.where(event == cause, 1, np.where(event > 0, 2, 0))
    grid = productlimit.distinct(duration[code > 0])
    if grid.size == 0:
        return np.zeros(k - 1), np.zeros((k - 1, k - 1))
    n_t = grid.size
    rs, d1, d2 = np.zeros((n_t, k)), np.zeros((n_t, k)), np.zeros((n_t, k))
    before_s, before_f, after_s = np.ones((n_t, k)), np.zeros((n_t, k)), np.ones((n_t, k))
    for g in range(k):
        rows = codes == g
        counts = productlimit.count(duration[rows], code[rows], times=grid)
        rs[:, g], d1[:, g], d2[:, g] = counts.at_risk, counts.cause(1), counts.cause(2)
        after_s[:, g] = productlimit.survival(counts)
        before_s[:, g] = np.r_[1.0, after_s[:-1, g]]
        before_f[:, g] = np.r_[0.0, productlimit.cumulative_incidence(counts, 1)[:-1]]
    live = rs > 0
    safe_s = np.where(live, before_s, 1.0)
    weight = np.where(live, rs / safe_s, 0.0)  # R_g / (1 - F_g(t-)), Gray's h_g
    total = weight.sum(axis=1)  # sum of h
    share = np.where(live, rs * (1.0 - before_f) / safe_s, 0.0)  # R_g
    pooled = share.sum(axis=1)
    n1 = d1.sum(axis=1)
    f_after = np.cumsum(n1 / total)  # pooled cumulative incidence
    f_before = np.r_[0.0, f_after[:-1]]
    fb = (1.0 - f_before) ** rho
    score = (fb[:, None] * (d1 - n1[:, None] * share / pooled[:, None])).sum(axis=0)[: k - 1]
    # a_t = fb (diag(h) - h h' / sum h);  c = running sum of a_t dN / {sum h (1 - F(t-))}
    a = fb[:, None, None] * (
        np.einsum("ti,ij->tij", weight, np.eye(k)) - weight[:, :, None] * weight[:, None, :]
        / total[:, None, None]
    )  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(f_before < 1.0, n1 / (total * (1.0 - f_before)), 0.0)
    c = np.cumsum(a * step[:, None, None], axis=0)
    v = np.zeros((k - 1, k - 1))
    v2 = np.zeros((k - 1, k))
    v3 = np.zeros(k)
    # events of the cause: every group at risk contributes
    with np.errstate(divide="ignore", invalid="ignore"):
        t4 = np.where(after_s > 0, 1.0 - (1.0 - f_after[:, None]) / after_s, 1.0)
        t5 = np.where(
            n1[:, None] > 1, 1.0 - (n1[:, None] - 1.0) / (total[:, None] * safe_s - 1.0), 1.0
        )
        t3 = np.where(live, t5 * safe_s * n1[:, None] / (total[:, None] * rs), 0.0)
    t3 = np.where((n1 > 0)[:, None], t3, 0.0)
    v3 += (t4**2 * t3).sum(axis=0)
    t1 = a[:, : k - 1, :] - t4[:, None, :] * c[:, : k - 1, :]  # (t, i, k)
    v2 += np.einsum("tik,tk->ik", t1, t4 * t3)
    v += np.einsum("tik,tjk,tk->ij", t1, t1, t3)
    # competing events: groups with a competing event and survivors
    hit = (d2 > 0) & (after_s > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        u4 = np.where(hit, (1.0 - f_after[:, None]) / np.where(hit, after_s, 1.0), 0.0)
        u5 = np.where(d2 > 1, 1.0 - (d2 - 1.0) / (rs - 1.0), 1.0)
        u3 = np.where(hit, u5 * safe_s**2 * d2 / np.where(live, rs, 1.0) ** 2, 0.0)
    v3 += (u4**2 * u3).sum(axis=0)
    u1 = u4[:, None, :] * c[:, : k - 1, :]
    v2 -= np.einsum("tik,tk->ik", u1, u4 * u3)
    v += np.einsum("tik,tjk,tk->ij", u1, u1, u3)
    cf = c[-1, : k - 1, :]
    v += np.einsum("ik,jk,k->ij", cf, cf, v3) + cf @ v2.T + v2 @ cf.T
    return score, v


def gray_test(
    data: SpellData | pd.DataFrame,
    group: str,
    *,
    cause: int = 1,
    strata: str | None = None,
    rho: float = 0.0,
    duration: str = "duration",
    event: str = "event",
) -> GrayTestResult:
    r"""Test whether the cumulative incidence of ``cause`` is the same in every group.

    Estimand: none (a test). Null hypothesis: equal subdistribution hazards of
    ``cause``, hence equal cumulative incidence curves, in every group (within each
    stratum), with the other causes as competing events, assuming censoring
    independent of the events within groups.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with the ``duration`` and ``event`` columns.
    group : str
        Column of the groups compared.
    cause : int, default 1
        The cause whose cumulative incidence is compared (1 = escalation).
    strata : str, optional
        Column of strata: the test compares groups within strata.
    rho : float, default 0.0
        Power of the weight :math:`\{1 - \hat F(t-)\}^\rho` (R's ``rho``).
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).

    Returns
    -------
    GrayTestResult

    Raises
    ------
    DesignError
        A single group, a missing column, no events of ``cause``, ``cause`` not a
        whole number >= 1 (0 means censored), or ``rho`` not a finite number.

    References
    ----------
    Gray RJ (1988). A class of K-sample tests for comparing the cumulative incidence of a
    competing risk. *Annals of Statistics* 16:1141–1154. doi:10.1214/aos/1176350951

    Examples
    --------
    >>> spells = pd.DataFrame({"duration": [1, 2, 3, 4, 5, 6, 7, 8],
    ...                        "event": [1, 2, 1, 0, 2, 1, 0, 2], "arm": list("aaaabbbb")})
    >>> round(gray_test(spells, "arm").p_value, 4)  # R cmprsk::cuminc: 0.1351518
    0.1352
    """
    cause = cause_code(cause, function="gray_test")
    rho = check_rho(rho, function="gray_test")
    arrays = curve_arrays(
        data, function="gray_test", group=group, strata=strata, duration=duration, event=event
    )
    levels = list(arrays.levels)
    k = len(levels)
    if k < 2:
        raise DesignError(f"column {group!r} has a single group; a test needs two or more")
    events = int((arrays.event == cause).sum())
    if events == 0:
        raise DesignError(f"no events of cause {cause}: there is nothing to compare")
    score = np.zeros(k - 1)
    variance = np.zeros((k - 1, k - 1))
    for level in levels_seen(arrays.strata):
        rows = arrays.strata == level
        s, v = _stratum(
            arrays.duration[rows], arrays.event[rows], arrays.codes[rows], k, cause, float(rho)
        )
        score += s
        variance += v
    statistic, df = quadratic_statistic(score, variance)
    lost = uninformative_groups(
        arrays.duration, arrays.event == cause, arrays.codes, arrays.strata, k
    )
    warn_lost_df("gray_test", levels, lost, df)
    table = pd.DataFrame(
        {
            "group": levels,
            "n": np.bincount(arrays.codes, minlength=k),
            "events": np.bincount(arrays.codes[arrays.event == cause], minlength=k),
        }
    )
    return GrayTestResult(
        table,
        statistic,
        df,
        float(stats.chi2.sf(statistic, df)),
        float(rho),
        strata,
        arrays.duration.size,
        events,
        dropped=arrays.dropped,
        cause=int(cause),
    )
