r"""Random-effects meta-analysis and meta-regression of authority-level estimates.

:func:`meta_analyse` fits the normal–normal random-effects model

.. math::

    y_i = x_i^\top \beta + u_i + e_i, \qquad u_i \sim N(0, \tau^2), \quad
    e_i \sim N(0, v_i),

to estimates :math:`y_i` with known sampling variances :math:`v_i` (one per local
authority), with :math:`\tau^2` by restricted maximum likelihood (REML, Fisher scoring;
``method="DL"``: DerSimonian–Laird; ``method="FE"``: the fixed-effect model, 0),
Hartung–Knapp(–Sidik–Jonkman) standard errors and :math:`t_{k-p}` intervals, prediction
intervals for a new authority, Cochran's :math:`Q`, :math:`I^2` and :math:`H^2`. With
moderators (authority-level characteristics such as the early-help offer rate or
deprivation) it is a mixed-effects meta-regression. The numbers match R's
``metafor::rma(yi, vi, mods = ..., method = "REML", test = "knha")`` (and ``"DL"``, ``"FE"``) and
``predict()`` (see ``tests/reference/federated``).

statsmodels' ``combine_effects`` offers DerSimonian–Laird and Paule–Mandel but neither
REML nor moderators, hence this module.

References
----------
Viechtbauer W (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. *J Educ Behav Stat* 30:261–293. doi:10.3102/10769986030003261.
Hartung J, Knapp G (2001). On tests of the overall treatment effect in meta-analysis
with normally distributed responses. *Stat Med* 20:1771–1782. doi:10.1002/sim.791.
Higgins JPT, Thompson SG, Spiegelhalter DJ (2009). A re-evaluation of random-effects
meta-analysis. *JRSS A* 172:137–159. doi:10.1111/j.1467-985X.2008.00552.x.
Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. *J Stat
Softw* 36(3). doi:10.18637/jss.v036.i03.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import INTERCEPT
from escalation.errors import ConvergenceError, DesignError
from escalation.results import (
    Presents,
    Summary,
    package_versions,
    root_variance,
    standard_errors,
)
from escalation.survival._result import check_conf_level

__all__ = ["MetaAnalysisResult", "MetaMethod", "MetaTest", "meta_analyse"]

FloatArray = npt.NDArray[np.float64]
#: Inference for the coefficients: Hartung–Knapp (``knha``) or normal (``z``).
MetaTest = Literal["knha", "z"]
#: Estimator of tau^2 (metafor's ``rma(method=)``): restricted maximum likelihood,
#: DerSimonian–Laird, or none (``"FE"``: the fixed / common-effect model, tau^2 = 0).
MetaMethod = Literal["REML", "DL", "FE"]
#: How :meth:`MetaAnalysisResult.glance` and ``summary()`` name each method.
_METHOD_NAMES: Final = {"REML": "REML", "DL": "DerSimonian-Laird", "FE": "fixed effect"}

#: Fisher scoring stops when tau^2 changes by at most ``_RELATIVE * (tau^2 + min v)``
#: (metafor: an absolute 1e-5), so that the fit does not depend on the units of the
#: estimates (near the optimum a step is rounding noise of about eps * tau^2), or when
#: halving a step 60 times gains no likelihood.
_RELATIVE: Final = 1e-10
#: Rounding error of the restricted log-likelihood per unit of its terms' size.
_LL_NOISE: Final = 1e-12
_MAX_ITER: Final = 1000
_LL_TOL: Final = np.finfo(float).eps ** 0.25  # metafor's check of tau^2 = 0


@dataclass(frozen=True)
class MetaAnalysisResult(Presents):
    """A fitted random-effects meta-analysis (or meta-regression), or a fixed-effect one.

    Attributes
    ----------
    coefficients : pandas.Series
        Pooled effect (``(Intercept)``) and moderator coefficients.
    covariance : pandas.DataFrame
        Their covariance (Hartung–Knapp scaled with ``test="knha"``).
    tau2, se_tau2 : float
        Between-authority variance (by :attr:`method`) and its standard error (NaN under
        ``"FE"``, where tau^2 is 0 by assumption, as metafor's NA).
    i2, h2 : float
        :math:`I^2` (percent of total variability due to heterogeneity) and :math:`H^2`;
        under ``"FE"`` from Q: ``max(0, 100 (Q - df) / Q)`` and ``Q / df``, as metafor.
    q, q_df, q_p_value : float, int, float
        Cochran's test of residual heterogeneity.
    qm, qm_df, qm_p_value : float, tuple, float
        Omnibus test of the moderators (of the intercept without moderators): an F
        statistic with ``(m, k - p)`` degrees of freedom under ``knha``, else chi-squared;
        NaN under ``knha`` when the estimates fit the model exactly (identical ones: the
        standard errors are then 0), as metafor's NA.
    studies : pandas.DataFrame
        ``study, estimate, std_error, weight`` (percent of the random-effects weight) and
        the moderators.
    k : int
        Number of estimates (authorities).
    df : int
        Residual degrees of freedom ``k - p`` (of the t and F distributions).
    test : {"knha", "z"}
    conf_level : float
    moderators : tuple of str
    method : {"REML", "DL", "FE"}
        Estimator of tau^2 (metafor's ``rma(method=)``).
    """

    coefficients: pd.Series
    covariance: pd.DataFrame
    tau2: float
    se_tau2: float
    i2: float
    h2: float
    q: float
    q_df: int
    q_p_value: float
    qm: float
    qm_df: tuple[int, int | None]
    qm_p_value: float
    studies: pd.DataFrame
    k: int
    df: int
    test: MetaTest
    conf_level: float
    moderators: tuple[str, ...] = field(default=())
    method: MetaMethod = "REML"

    def _critical(self) -> float:
        alpha = 1 - self.conf_level
        if self.test == "knha":
            return float(stats.t.ppf(1 - alpha / 2, self.df))
        return float(stats.norm.ppf(1 - alpha / 2))

    def tidy(self) -> pd.DataFrame:
        """Return one row per coefficient.

        Returns
        -------
        pandas.DataFrame
            ``term, estimate, std_error, statistic, df, p_value, conf_low, conf_high,
            conf_level``.
        """
        beta = self.coefficients.to_numpy()
        se = standard_errors(self.covariance)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a standard error of 0 (identical estimates under knha): inf, or NaN at 0
            statistic = beta / se
        if self.test == "knha":
            p = 2 * stats.t.sf(np.abs(statistic), self.df)
            df: float = self.df
        else:
            p = 2 * stats.norm.sf(np.abs(statistic))
            df = np.inf
        crit = self._critical()
        return pd.DataFrame(
            {
                "term": list(self.coefficients.index),
                "estimate": beta,
                "std_error": se,
                "statistic": statistic,
                "df": df,
                "p_value": p,
                "conf_low": beta - crit * se,
                "conf_high": beta + crit * se,
                "conf_level": self.conf_level,
            }
        )

    def predict(self, moderators: pd.DataFrame | None = None) -> pd.DataFrame:
        """Return the predicted effect with confidence and prediction intervals.

        The prediction interval is where the true effect of a new authority (with the
        given characteristics) is expected to lie: ``estimate ± crit * sqrt(se² + τ²)``
        with the same critical value as the coefficients (metafor's default). A
        fixed-effect model (``method="FE"``) assumes one true effect and gives no
        prediction interval (NaN, as metafor's ``predict`` leaves it out).

        Parameters
        ----------
        moderators : pandas.DataFrame, optional
            One row per prediction with the moderator columns; required when the model
            has moderators, not allowed otherwise.

        Returns
        -------
        pandas.DataFrame
            ``estimate, std_error, conf_low, conf_high, pi_low, pi_high, conf_level`` (and
            the moderator columns).
        """
        if self.moderators:
            if moderators is None:
                raise DesignError(
                    f"give the moderator values ({', '.join(self.moderators)}) to predict at"
                )
            missing = [m for m in self.moderators if m not in moderators.columns]
            if missing:
                raise DesignError(f"moderator column(s) {', '.join(missing)} are missing")
            x = np.column_stack(
                [np.ones(len(moderators)), moderators[list(self.moderators)].to_numpy(float)]
            )
            out = moderators[list(self.moderators)].reset_index(drop=True).copy()
        else:
            if moderators is not None:
                raise DesignError("the model has no moderators; call predict() without any")
            x = np.ones((1, 1))
            out = pd.DataFrame(index=pd.RangeIndex(1))
        beta = self.coefficients.to_numpy()
        vb = self.covariance.to_numpy()
        pred = x @ beta
        se = root_variance(np.einsum("ij,jk,ik->i", x, vb, x))
        crit = self._critical()
        spread = np.sqrt(se**2 + self.tau2) if self.method != "FE" else np.full_like(se, np.nan)
        columns = {
            "estimate": pred,
            "std_error": se,
            "conf_low": pred - crit * se,
            "conf_high": pred + crit * se,
            "pi_low": pred - crit * spread,
            "pi_high": pred + crit * spread,
            "conf_level": np.full(len(pred), self.conf_level),
        }
        # one frame built at once: adding the columns one by one cost most of a call
        return pd.concat([out, pd.DataFrame(columns, index=out.index)], axis=1)

    def forest(self, *, studies: bool = True, exponentiate: bool = False) -> pd.DataFrame:
        """Return the rows of a forest plot (see ``escalation.figures.plot_authority_forest``).

        Parameters
        ----------
        studies : bool, default True
            Include a row per estimate (normal 95% interval from its standard error,
            ``weight`` in percent).
        exponentiate : bool, default False
            Exponentiate estimates and limits (log ratios to ratios).

        Returns
        -------
        pandas.DataFrame
            ``label, estimate, conf_low, conf_high, kind, weight``: the estimates
            (``kind = "authority"``), the pooled estimate (``"pooled"``) and the prediction
            interval (``"prediction"``; none after a fixed-effect fit).
        """
        if self.moderators:
            raise DesignError("a forest plot shows a meta-analysis without moderators")
        f = np.exp if exponentiate else (lambda v: v)
        z = float(stats.norm.ppf(0.5 + self.conf_level / 2))
        pred = self.predict().iloc[0]
        rows = []
        if studies:
            for row in self.studies.to_dict("records"):
                est, se = float(row["estimate"]), float(row["std_error"])
                rows.append(
                    {
                        "label": row["study"],
                        "estimate": f(est),
                        "conf_low": f(est - z * se),
                        "conf_high": f(est + z * se),
                        "kind": "authority",
                        "weight": float(row["weight"]),
                    }
                )
        pooled = [
            ("Pooled (fixed effect)", "pooled", "conf_low", "conf_high")
            if self.method == "FE"
            else ("Pooled (random effects)", "pooled", "conf_low", "conf_high")
        ]
        if self.method != "FE":
            pooled.append(("Prediction interval", "prediction", "pi_low", "pi_high"))
        for label, kind, low, high in pooled:
            rows.append(
                {
                    "label": label,
                    "estimate": f(float(pred["estimate"])),
                    "conf_low": f(float(pred[low])),
                    "conf_high": f(float(pred[high])),
                    "kind": kind,
                    "weight": np.nan,
                }
            )
        return pd.DataFrame(rows)

    def glance(self) -> pd.DataFrame:
        """Return one row: k, tau², I², H², Q and its test, moderator test, method, versions.

        Without moderators, the prediction interval of a new authority's effect too
        (``pi_low, pi_high``) and the level it is at (``conf_level``), as in :meth:`predict`.
        """
        row: dict[str, Any] = {
            "k": self.k,
            "tau2": self.tau2,
            "tau": float(np.sqrt(self.tau2)),
            "se_tau2": self.se_tau2,
            "i2": self.i2,
            "h2": self.h2,
            "q": self.q,
            "q_df": self.q_df,
            "q_p_value": self.q_p_value,
            "qm": self.qm,
            "qm_p_value": self.qm_p_value,
            "method": f"{_METHOD_NAMES[self.method]}, "
            f"{'Hartung-Knapp' if self.test == 'knha' else 'normal'} inference",
            "moderators": ", ".join(self.moderators) or "none",
            **package_versions(),
        }
        if not self.moderators:
            pred = self.predict().iloc[0]
            row["pi_low"] = float(pred["pi_low"])
            row["pi_high"] = float(pred["pi_high"])
            row["conf_level"] = self.conf_level
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return a printable summary (never prints)."""
        g = self.glance().iloc[0]
        facts = {
            "authorities (k)": self.k,
            f"tau^2 ({_METHOD_NAMES[self.method]})": (
                "0 (assumed)" if self.method == "FE" else f"{self.tau2:.4g} (SE {self.se_tau2:.3g})"
            ),
            "I^2": f"{self.i2:.1f}%",
            "Q": f"{self.q:.3f} on {self.q_df} df, p = {self.q_p_value:.3g}",
            "method": g["method"],
        }
        kind = "Fixed-effect" if self.method == "FE" else "Random-effects"
        return Summary(
            f"{kind} meta-analysis" + (" (meta-regression)" if self.moderators else ""),
            facts,
            self.tidy(),
            ("Intervals for a new authority: see predict() (prediction intervals).",)
            if self.method != "FE"
            else ("A fixed-effect model assumes one true effect: no prediction interval.",),
        )


#: Names the results use for their own columns and coefficients: a moderator named like
#: one of them would overwrite it in the studies table or duplicate it in predictions.
_RESERVED: Final = frozenset(
    (INTERCEPT, "study", "estimate", "std_error", "weight", "conf_low", "conf_high",
     "pi_low", "pi_high", "conf_level")
)  # fmt: skip


def _design_matrix(
    moderators: pd.DataFrame | None, k: int, labels: Sequence[str] | None = None
) -> tuple[FloatArray, list[str], tuple[str, ...]]:
    """Return the design matrix, the coefficient names and the moderators' names.

    A moderator value that is not a finite number is refused, naming the estimate's
    label (``labels``, default its position from 1) rather than a row of ``moderators``.
    """
    if moderators is None or moderators.shape[1] == 0:
        return np.ones((k, 1)), [INTERCEPT], ()
    if len(moderators) != k:
        raise DesignError(f"moderators have {len(moderators)} rows for {k} estimates")
    names = tuple(str(c) for c in moderators.columns)
    taken = sorted(set(names) & _RESERVED)
    if taken:
        raise DesignError(
            f"moderator(s) {', '.join(map(repr, taken))} share a name with a column of the "
            "results (studies, coefficients or predictions); rename them"
        )
    values = moderators.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row, col = (int(v) for v in bad[0])
        study = labels[row] if labels is not None else str(row + 1)
        raise DesignError(
            f"moderator {names[col]!r} of {study!r}: value {moderators.iloc[row, col]!r} is "
            "not a finite number"
        )
    x = np.column_stack([np.ones(k), values])
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise DesignError(
            f"the moderators ({', '.join(names)}) are collinear or constant across the "
            "authorities; drop one"
        )
    return x, [INTERCEPT, *names], names


def _weighted_fit(
    x: FloatArray, y: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return (X'WX)^-1, beta and the projection P = W - W X (X'WX)^-1 X' W."""
    xw = x * w[:, None]
    inv = np.asarray(np.linalg.inv(x.T @ xw), dtype=float)
    beta = np.asarray(inv @ (xw.T @ y), dtype=float)
    p_mat = np.asarray(np.diag(w) - xw @ inv @ xw.T, dtype=float)
    return inv, beta, p_mat


def _reml_loglik(x: FloatArray, y: FloatArray, v: FloatArray, tau2: float) -> float:
    """Restricted log-likelihood (up to a constant) at ``tau2``."""
    w = 1 / (v + tau2)
    xw = x * w[:, None]
    xtwx = x.T @ xw
    beta = np.linalg.solve(xtwx, xw.T @ y)
    rss = float(np.sum(w * (y - x @ beta) ** 2))
    _, logdet = np.linalg.slogdet(xtwx)
    return -0.5 * (float(np.sum(np.log(v + tau2))) + float(logdet) + rss)


def _rounding_noise(v: FloatArray, tau2: float) -> float:
    """Return a bound on the rounding error of :func:`_reml_loglik` at ``tau2``.

    Its terms are sums of ``k`` logarithms and a residual sum of squares near ``k``:
    differences of the restricted log-likelihood smaller than this are noise.
    """
    return _LL_NOISE * (v.size + float(np.sum(np.abs(np.log(v + tau2)))))


def _safeguarded_step(
    x: FloatArray,
    y: FloatArray,
    v: FloatArray,
    tau2: float,
    adj: float,
    current: float,
    previous: float,
) -> tuple[float, float, bool]:
    """Return the step, the log-likelihood after it and whether it may be taken.

    The step is kept within ``tau2 + adj >= 0`` and halved (up to 60 times) while it
    lowers the restricted likelihood by more than rounding noise, or, where the gain is
    within rounding noise, while it is no shorter than the ``previous`` step: plain
    Fisher scoring can oscillate with growing steps, and near the optimum the
    likelihood cannot tell them apart.
    """
    while tau2 + adj < 0:
        adj /= 2
    noise = _rounding_noise(v, tau2)
    new = _reml_loglik(x, y, v, tau2 + adj)
    halvings = 0
    while halvings < 60 and (
        new < current - noise or (new <= current + noise and abs(adj) >= previous)
    ):
        adj /= 2
        halvings += 1
        new = _reml_loglik(x, y, v, tau2 + adj)
    return adj, new, halvings < 60


def _reml_tau2(x: FloatArray, y: FloatArray, v: FloatArray) -> float:
    """REML tau^2 by Fisher scoring from the Hedges (HE) start, as metafor does.

    Unlike metafor's default, a step that lowers the restricted likelihood (by more than
    rounding noise) is halved, as metafor's ``stepadj`` does on request: plain Fisher
    scoring can oscillate with growing steps. Iteration goes on until tau^2 changes by
    at most 1e-10 of ``tau^2 + min(v)`` (metafor: an absolute 1e-5) or no halving of the
    step gains likelihood. The stopping rule is relative so that the estimate does
    not depend on the units: tau^2 / c^2 is the same for estimates and standard errors
    multiplied by any c (an absolute rule failed for every tau^2 above about 40, where a
    step near the optimum is rounding noise of about eps * tau^2).
    """
    k, p = x.shape
    yc = y - y.mean()
    ols = np.linalg.inv(x.T @ x)
    proj = np.eye(k) - x @ ols @ x.T
    rss = float(yc @ proj @ yc)
    tau2 = max(0.0, (rss - float(np.trace(proj * v[None, :]))) / (k - p))
    current, previous, smallest = _reml_loglik(x, y, v, tau2), np.inf, float(v.min())
    for _ in range(_MAX_ITER):
        w = 1 / (v + tau2)
        _, _, p_mat = _weighted_fit(x, yc, w)
        pp = p_mat @ p_mat
        adj = (float(yc @ pp @ yc) - float(np.trace(p_mat))) / float(np.trace(pp))
        adj, new, gains = _safeguarded_step(
            x, y, v, tau2, adj if np.isfinite(adj) else 0.0, current, previous
        )
        if not gains:
            break
        tau2, current, previous = tau2 + adj, max(new, current), abs(adj)
        if abs(adj) <= _RELATIVE * (tau2 + smallest):
            break
    else:
        raise ConvergenceError(
            "Fisher scoring for the REML between-authority variance did not converge; "
            "check for an estimate with a tiny or huge standard error"
        )
    if tau2 > 0 and _reml_loglik(x, y, v, 0.0) - _reml_loglik(x, y, v, tau2) > _LL_TOL:
        tau2 = 0.0  # a local maximum: the likelihood is higher at zero
    return float(tau2)


def meta_analyse(
    estimates: Sequence[float] | npt.ArrayLike,
    std_errors: Sequence[float] | npt.ArrayLike,
    *,
    moderators: pd.DataFrame | None = None,
    studies: Sequence[str] | None = None,
    test: MetaTest = "knha",
    conf_level: float = 0.95,
    method: MetaMethod = "REML",
) -> MetaAnalysisResult:
    r"""Pool authority-level estimates by random-effects meta-analysis (REML by default).

    Estimand: the mean :math:`\mu` of the distribution of true effects across
    authorities like those included (with moderators, its linear dependence on them),
    assuming the true effects are normal around it with variance :math:`\tau^2` and each
    estimate is normal around its authority's true effect with the given standard error.
    Risk ratios and hazard ratios are pooled on the log scale.

    Parameters
    ----------
    estimates : array_like
        One estimate per authority.
    std_errors : array_like
        Their standard errors (positive).
    moderators : pandas.DataFrame, optional
        Authority-level characteristics (one row per estimate, numeric columns) for a
        meta-regression.
    studies : sequence of str, optional
        Labels of the estimates (default ``1, 2, ...``).
    test : {"knha", "z"}, default "knha"
        Hartung–Knapp standard errors with t and F tests on ``k - p`` degrees of
        freedom, or normal (Wald) inference.
    conf_level : float, default 0.95
        Level of the confidence and prediction intervals.
    method : {"REML", "DL", "FE"}, default "REML"
        Estimator of :math:`\tau^2`, as metafor's ``rma(method=)``: restricted maximum
        likelihood; DerSimonian–Laird's moment estimator ``max(0, (Q - (k - p)) /
        tr(P))`` with ``P`` the fixed-effect projection (standard error as metafor's);
        or ``"FE"``, the fixed (common) effect model, :math:`\tau^2 = 0` (no standard
        error, no prediction interval; :math:`I^2` and :math:`H^2` from Q). With
        ``test="knha"`` an ``"FE"`` fit scales the variance by the weighted residual
        sum of squares over ``k - p`` as metafor does (which warns that Hartung–Knapp
        "is not meant" for it): use ``test="z"`` for the textbook fixed-effect analysis.

    Returns
    -------
    MetaAnalysisResult

    Raises
    ------
    DesignError
        Fewer estimates than coefficients plus one, non-finite values or standard
        errors that are not positive, collinear moderators, an unknown ``method``.

    References
    ----------
    DerSimonian R, Laird N (1986). Meta-analysis in clinical trials. *Control Clin
    Trials* 7:177–188. doi:10.1016/0197-2456(86)90046-2.

    Examples
    --------
    >>> fit = meta_analyse([-0.02, -0.05, 0.01, -0.03], [0.015, 0.02, 0.018, 0.012])
    >>> round(float(fit.coefficients["(Intercept)"]), 4)
    -0.0225
    >>> list(fit.predict().columns[:6])
    ['estimate', 'std_error', 'conf_low', 'conf_high', 'pi_low', 'pi_high']
    """
    if test not in get_args(MetaTest):
        raise DesignError(f"test must be 'knha' or 'z', got {test!r}")
    if method not in get_args(MetaMethod):
        raise DesignError(f"method must be 'REML', 'DL' or 'FE', got {method!r}")
    check_conf_level(conf_level)
    y = np.asarray(estimates, dtype=float).ravel()
    se = np.asarray(std_errors, dtype=float).ravel()
    k = y.size
    labels = [str(s) for s in studies] if studies is not None else [str(i + 1) for i in range(k)]
    if se.size != k or len(labels) != k:
        raise DesignError(
            f"{k} estimates, {se.size} standard errors and {len(labels)} labels: give one each"
        )
    for i in range(k):
        if not np.isfinite(y[i]):
            raise DesignError(f"estimate of {labels[i]!r} is not a finite number ({y[i]!r})")
        if not (np.isfinite(se[i]) and se[i] > 0):
            raise DesignError(
                f"standard error of {labels[i]!r} must be a positive number, got {se[i]!r}"
            )
    x, names, mods = _design_matrix(moderators, k, labels)
    p = x.shape[1]
    if k - p < 1:
        raise DesignError(
            f"{k} authorities cannot support {p} coefficient(s): a random-effects "
            f"{'meta-regression' if mods else 'meta-analysis'} needs at least {p + 1}"
        )
    v = se**2
    # Heterogeneity with fixed-effect weights (also DerSimonian-Laird's moment equation).
    _, _, p_fe = _weighted_fit(x, y, 1 / v)
    yc = y - y.mean()
    q = max(0.0, float(yc @ p_fe @ yc))
    tr_fe = float(np.trace(p_fe))
    if method == "REML":
        tau2 = _reml_tau2(x, y, v)
    elif method == "DL":
        tau2 = max(0.0, (q - (k - p)) / tr_fe)
    else:
        tau2 = 0.0
    w = 1 / (v + tau2)
    inv, beta, p_mat = _weighted_fit(x, y, w)
    if method == "REML":
        se_tau2 = float(np.sqrt(2 / np.sum(p_mat * p_mat)))
    elif method == "DL":  # metafor's, from the variance of Q
        se_tau2 = float(
            np.sqrt(
                (2 * (k - p) + 4 * tau2 * tr_fe + 2 * tau2**2 * float(np.sum(p_fe * p_fe)))
                / tr_fe**2
            )
        )
    else:
        se_tau2 = np.nan
    s2w = 1.0
    if test == "knha":
        rss = float(np.sum(w * (y - x @ beta) ** 2))
        s2w = rss / (k - p) if rss > np.finfo(float).eps else 0.0
    vb = s2w * inv
    if method == "FE":  # metafor: from Q (NaN when Q is 0, as R's max(0, NaN))
        i2 = max(0.0, 100 * (q - (k - p)) / q) if q > 0 else np.nan
        h2 = q / (k - p)
    else:
        vt = (k - p) / tr_fe
        i2 = 100 * tau2 / (vt + tau2)
        h2 = tau2 / vt + 1
    # Omnibus test: the moderators (or the intercept alone).
    btt = list(range(1, p)) if mods else [0]
    sub = beta[btt]
    m = len(btt)
    # With s2w = 0 (estimates the model fits exactly: identical ones, say) the covariance
    # is 0 and the test undefined: NaN, as metafor's NA (it was numpy's "Singular matrix").
    qm = float(sub @ np.linalg.solve(vb[np.ix_(btt, btt)], sub)) if s2w > 0 else np.nan
    if test == "knha":
        qm /= m
        qm_p = float(stats.f.sf(qm, m, k - p))
        qm_df: tuple[int, int | None] = (m, k - p)
    else:
        qm_p = float(stats.chi2.sf(qm, m))
        qm_df = (m, None)
    table = pd.DataFrame(
        {"study": labels, "estimate": y, "std_error": se, "weight": 100 * w / w.sum()}
    )
    if mods and moderators is not None:
        for name in mods:
            table[name] = moderators[name].to_numpy(dtype=float)
    return MetaAnalysisResult(
        coefficients=pd.Series(beta, index=names, name="estimate"),
        covariance=pd.DataFrame(vb, index=names, columns=names),
        tau2=float(tau2),
        se_tau2=se_tau2,
        i2=float(i2),
        h2=float(h2),
        q=q,
        q_df=k - p,
        q_p_value=float(stats.chi2.sf(q, k - p)),
        qm=qm,
        qm_df=qm_df,
        qm_p_value=qm_p,
        studies=table,
        k=k,
        df=k - p,
        test=test,
        conf_level=float(conf_level),
        moderators=mods,
        method=method,
    )
