r"""Policy value: the risk of escalation if a rule decided who is offered early help.

The estimand
------------
A *rule* ``d`` maps a child's baseline covariates :math:`X` (known at the decision point)
to 1 (offer early help within the grace period) or 0 (do not). Its value at horizon
:math:`h` is the cumulative incidence of escalation by :math:`h`, death competing, had
every child been offered early help as the rule says:

.. math:: V(d) = E\{F_{d(X)}(h \mid X)\}, \qquad
          F_a(h \mid x) = P(T^{a} \le h,\ \text{cause} = 1 \mid X = x).

*Current practice* (the decisions practitioners actually took) has value
:math:`V_{\text{obs}} = P(T \le h, \text{cause} = 1)`, the cumulative incidence of the
cohort as it was. Contrasts between rules (escalations prevented against offering
early help to no one, or the change against current practice) are differences of values.

The estimator
-------------
Each spell gets doubly robust scores from the AIPTW–AIPCW machinery of
:func:`escalation.causal.curves.run_estimator` (logistic propensity, cause-specific Cox
models for escalation and for the competing event, a Cox model for censoring; Ozenne et
al. 2020):

.. math:: \Gamma_i(a) = \hat F_a(h \mid X_i)
          + \frac{1\{A_i = a\}}{\hat\pi_a(X_i)} \hat R_i,

where :math:`\hat R_i` is the censoring-augmented residual of spell *i*'s own outcome
(the augmented inverse-probability-of-censoring term), and the observed-regime score
:math:`Y^*_i = \hat F_{A_i}(h \mid X_i) + \hat R_i`. Then

.. math:: \hat V(d) = n^{-1}\sum_i \{ d(X_i)\,\Gamma_i(1) + (1 - d(X_i))\,\Gamma_i(0) \},
          \qquad \hat V_{\text{obs}} = n^{-1} \sum_i Y^*_i,

the augmented estimator of the value of a fixed regime (Zhang et al. 2012; for censored
outcomes Bai, Tsiatis & O'Brien 2013), whose influence values
:math:`\psi_i = d_i\Gamma_i(1) + (1-d_i)\Gamma_i(0) - \hat V(d)` give standard errors,
summed within families (:func:`escalation.causal.influence.cluster_standard_error`). As
everywhere in the package the nuisance-estimation terms are omitted: they vanish when the
working models are correct (the estimator is Neyman-orthogonal). Rules learned from the
data must be *cross-fitted* (learned on other families than those they are judged on;
:mod:`escalation.policy.rules`): the value is then that of the rule-learning procedure,
and the intervals hold conditionally on the learned rules (Athey & Wager 2021).

Assumptions
-----------
Consistency; no unmeasured confounding of early help and escalation given :math:`X`;
positivity (every child could have been offered early help or not); censoring
independent of escalation given treatment and :math:`X`; for double robustness, either the
propensity and censoring models or the outcome models correctly specified. A rule may
only use what is known at the decision point.

References
----------
Zhang B, Tsiatis AA, Laber EB, Davidian M (2012). A robust method for estimating optimal
treatment regimes. Biometrics 68:1010–18. doi:10.1111/j.1541-0420.2012.01763.x.
Bai X, Tsiatis AA, O'Brien SM (2013). Doubly-robust estimators of treatment-specific
survival distributions in observational studies with stratified sampling. Biometrics
69:830–9. doi:10.1111/biom.12076.
Ozenne BMH, Scheike TH, Stærk L, Gerds TA (2020). On the estimation of average treatment
effects with right-censored time to event outcome and competing risks. Biom J 62(3):751–763.
doi:10.1002/bimj.201800298.
Athey S, Wager S (2021). Policy learning with observational data. Econometrica
89:133–61. doi:10.3982/ECTA15732.
Cui Y, Kosorok MR, Sverdrup E, Wager S, Zhu R (2023). Estimating heterogeneous treatment
effects with right-censored data via causal survival forests. J R Stat Soc B 85:179–211.
doi:10.1093/jrsssb/qkac001.
Altman DG (1998). Confidence intervals for the number needed to treat. BMJ 317:1309–12.
doi:10.1136/bmj.317.7168.1309.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import horizon_days, resolve_cluster, spells_of
from escalation.causal._estimable import check_estimable
from escalation.causal.curves import Nuisance, run_estimator
from escalation.causal.influence import cluster_standard_error, influence_clusters
from escalation.causal.propensity import drop_redundant, treatment_vector
from escalation.causal.weights import PROBABILITY_FLOOR
from escalation.clusters import cluster_codes
from escalation.compute import one_blas_thread
from escalation.core.logistic import predict_logistic
from escalation.errors import DataValidationError, DesignError, Problem
from escalation.results import Presents, Summary, package_versions
from escalation.survival._outcome import durations, event_codes
from escalation.survival._result import check_conf_level
from escalation.timeline.matrix import CovariateCoding

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "CURRENT_PRACTICE",
    "POLICY_COLUMNS",
    "POLICY_ESTIMANDS",
    "PolicyScores",
    "PolicyValueResult",
    "estimate_policy_values",
    "number_needed_pieces",
    "number_needed_words",
    "policy_scores",
    "proportion_interval",
]

FloatArray = npt.NDArray[np.float64]
#: Name of the rule "the decisions actually taken".
CURRENT_PRACTICE: Final = "current_practice"
#: Estimands of :meth:`PolicyValueResult.tidy`, in order.
POLICY_ESTIMANDS: Final = (
    "risk",
    "prevented_per_1000",
    "change_vs_current_per_1000",
    "flagged_per_1000",
    "number_needed_to_offer",
    "number_needed_to_harm",
    "flagged_not_escalating_per_1000",
    "unneeded_offers_per_1000",
    "precision",
    "recall",
)
#: Columns of :meth:`PolicyValueResult.tidy`, in order.
POLICY_COLUMNS: Final = (
    "rule",
    "horizon",
    "estimand",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
)


@dataclass(frozen=True)
class PolicyScores:
    r"""Doubly robust scores of each spell, from which the value of any rule follows.

    Attributes
    ----------
    horizons : tuple of int
        Days.
    treated, untreated : numpy.ndarray, shape (n, H)
        :math:`\\Gamma_i(1)` and :math:`\\Gamma_i(0)`: augmented scores of the risk of
        escalation by each horizon with and without early help.
    observed : numpy.ndarray, shape (n, H)
        :math:`Y^*_i`: the censoring-augmented score of the outcome under the decision
        actually taken (current practice).
    offered_untreated : numpy.ndarray, shape (n, H)
        Doubly robust score of :math:`A_i Y_i^{0}`, whether a child offered early help
        would have escalated without it: :math:`A_i \\hat F_0(h \\mid X_i) +
        \\hat\\pi_1(X_i)\\{\\Gamma_i(0) - \\hat F_0(h \\mid X_i)\\}` (the second term is
        non-zero only for children not offered it; the estimator of the effect on the
        treated). Its mean is the share of children offered early help under current
        practice who would have escalated anyway.
    treatment : numpy.ndarray of int, shape (n,)
        Early help within the grace period (the decision actually taken).
    propensity : numpy.ndarray, shape (n,)
        Estimated probability of early help.
    cluster : numpy.ndarray of int, shape (n,)
        Family codes ``0..k-1`` for clustered standard errors (any family labels given
        are coded so on construction, by :func:`escalation.clusters.cluster_codes`).
    spell_id : numpy.ndarray
        The spells' identifiers (rules are checked against them; never shown).
    backend : Nuisance
        The fitted propensity, outcome and censoring models.
    """

    horizons: tuple[int, ...]
    treated: FloatArray = field(repr=False)
    untreated: FloatArray = field(repr=False)
    observed: FloatArray = field(repr=False)
    offered_untreated: FloatArray = field(repr=False)
    treatment: npt.NDArray[np.int64] = field(repr=False)
    propensity: FloatArray = field(repr=False)
    cluster: npt.NDArray[np.int64] = field(repr=False)
    spell_id: npt.NDArray[Any] = field(repr=False)
    backend: Nuisance = field(repr=False)

    def __post_init__(self) -> None:
        # The standard errors add influence values up by code (``coded=True``): codes
        # must be 0..k-1, so family labels of any kind (text, ids) are coded here.
        object.__setattr__(self, "cluster", cluster_codes(self.cluster))

    @property
    def n(self) -> int:
        """Spells scored."""
        return len(self.treatment)

    def column(self, horizon: int) -> int:
        """Return the position of ``horizon`` in :attr:`horizons` (or raise naming them)."""
        if int(horizon) not in self.horizons:
            raise DesignError(
                f"horizon {horizon} was not scored; the scores cover {list(self.horizons)} days"
            )
        return self.horizons.index(int(horizon))


@one_blas_thread
def policy_scores(
    frame: SpellData | pd.DataFrame,
    *,
    covariates: Sequence[str],
    horizons: Sequence[int],
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    cluster: str | None = "auto",
    spell_id: str = "spell_id",
    min_count: int = 20,
) -> PolicyScores:
    """Compute each spell's doubly robust scores for the value of treatment rules.

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        The spells (a :class:`~escalation.timeline.SpellData` or its ``spells``): one row
        per spell with follow-up, event code (0 censored, 1 escalation, 2+ competing),
        0/1 treatment and the covariates.
    covariates : sequence of str
        Confounders, coded with :class:`escalation.timeline.CovariateCoding`.
    horizons : sequence of int
        Days after time zero.
    duration, event, treatment : str
        Column names.
    cluster : str, None or "auto", default "auto"
        Column of clusters for the standard errors (e.g. ``"family_id"``); ``"auto"``:
        a ``SpellData``'s design cluster (``SpellData.cluster``), each row its own cluster
        on a plain frame; ``None``: each row its own cluster.
    spell_id : str, default "spell_id"
        Identifier column (row numbers when absent).
    min_count : int, default 20
        Rare categorical levels are pooled.

    Returns
    -------
    PolicyScores

    Raises
    ------
    DesignError
        When no effect can be estimated from the spells, as
        :func:`escalation.causal.estimate_effects` refuses them
        (:func:`escalation.causal._estimable.check_estimable`): fewer than 10 spells in an
        arm, no escalation, or a horizon past the longest follow-up (its risk would be
        extrapolated).

    Notes
    -----
    Linear algebra runs on one thread (:func:`escalation.compute.one_blas_thread`): the
    matrices are small, so threads cost more than they gain, and the results do not depend
    on how many threads BLAS would otherwise use.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> x = rng.normal(size=n)
    >>> a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> t = rng.exponential(500 / np.exp(0.5 * x - 0.4 * a))
    >>> frame = pd.DataFrame({"x": x, "treatment": a, "duration": np.minimum(t, 800),
    ...                       "event": (t < 800).astype(int)})
    >>> scores = policy_scores(frame, covariates=["x"], horizons=[365])
    >>> scores.treated.shape
    (400, 1)
    """
    given, frame = frame, spells_of(frame, function="policy_scores")
    if frame.empty:
        raise DataValidationError(
            [Problem("spells", None, None, None, "no spells to score")], "policy value"
        )
    whole = horizon_days(horizons)  # whole days > 0, each once: the labels are what is scored
    days = np.asarray(whole, dtype=float)
    a = treatment_vector(frame, treatment)
    dur = durations(frame[duration])
    ev = event_codes(frame[event])
    check_estimable(a, ev, dur, days)  # the effect estimate's rule, before any model
    coding = CovariateCoding.learn(frame, list(covariates), min_count=min_count)
    matrix, _ = drop_redundant(coding.apply(frame))
    x = matrix.to_numpy(dtype=float)
    names = list(matrix.columns)
    aipw = run_estimator("aipw", dur, ev, a, x, days, days, influence=True, names=names)
    if aipw.influence is None or aipw.fitted is None or aipw.nuisance.propensity is None:
        raise RuntimeError("the AIPW engine returned no influence values")  # pragma: no cover
    # Per-row augmented scores (n, arm, H) and per-row g-formula risks (n, arm, H: the
    # AIPW fit's outcome models, read on its way; every child counts once, weight 1).
    gamma = aipw.influence["risk"] + aipw.risk[None, :, :]
    fitted = aipw.fitted
    # Bounded as the AIPW fit bounded them (and warned, when it had to).
    e = np.clip(
        predict_logistic(aipw.nuisance.propensity, x), PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR
    )
    rows = np.arange(len(a))
    own_prob = np.where(a == 1, e, 1.0 - e)[:, None]
    residual = (gamma[rows, a, :] - fitted[rows, a, :]) * own_prob
    observed = fitted[rows, a, :] + residual
    # A * Y^0, doubly robust (ATT form): gamma_0 - F_0 is non-zero only where A = 0.
    offered_untreated = a[:, None] * fitted[:, 0, :] + e[:, None] * (
        gamma[:, 0, :] - fitted[:, 0, :]
    )
    ids = frame[spell_id].to_numpy() if spell_id in frame.columns else np.arange(len(frame))
    column = resolve_cluster(given, cluster)
    labels = influence_clusters(frame, column)
    families = labels if labels is not None else np.arange(len(frame))
    return PolicyScores(
        horizons=whole,
        treated=np.ascontiguousarray(gamma[:, 1, :]),
        untreated=np.ascontiguousarray(gamma[:, 0, :]),
        observed=observed,
        offered_untreated=offered_untreated,
        treatment=a,
        propensity=e,
        cluster=families,
        spell_id=ids,
        backend=aipw.nuisance,
    )


def _flags(name: str, values: npt.ArrayLike, n: int) -> FloatArray:
    """Return a rule's flags as floats in [0, 1] (1 = offer early help), or raise."""
    d = np.asarray(values, dtype=float)
    if d.shape != (n,):
        raise DataValidationError(
            [Problem("rules", None, name, d.shape, f"needs one flag per spell ({n})")],
            "policy rules",
        )
    bad = ~np.isfinite(d) | (d < 0) | (d > 1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            [Problem("rules", row, name, float(d[row]), "flags must be 0/1 (or in [0, 1])")],
            "policy rules",
        )
    return d


@dataclass(frozen=True)
class _Pieces:
    """Per-row influence values of one rule at one horizon."""

    risk: FloatArray
    flagged: FloatArray
    hits: FloatArray  # d * Y*: flagged and escalated under current practice
    flagged_untreated: FloatArray  # d * Y^0: flagged and would escalate without early help


def _pieces(d: FloatArray | None, scores: PolicyScores, column: int) -> _Pieces:
    observed = scores.observed[:, column]
    if d is None:  # current practice
        flagged = scores.treatment.astype(float)
        risk = observed
        flagged_untreated = scores.offered_untreated[:, column]
    else:
        flagged = d
        risk = d * scores.treated[:, column] + (1.0 - d) * scores.untreated[:, column]
        flagged_untreated = d * scores.untreated[:, column]
    return _Pieces(
        risk=risk, flagged=flagged, hits=flagged * observed, flagged_untreated=flagged_untreated
    )


@dataclass(frozen=True)
class PolicyValueResult(Presents):
    """The value of treatment rules, with family-clustered influence-function intervals.

    Attributes
    ----------
    values : pandas.DataFrame
        The tidy table (see :meth:`tidy`).
    rules : tuple of str
        The rules, ``current_practice`` first.
    horizons : tuple of int
        Days.
    n : int
        Spells.
    conf_level : float
        Level of the intervals.
    backend : PolicyScores
        The scores (per-spell values stay inside the local authority).
    flags : dict of str to numpy.ndarray
        Each rule's flags (row order of the scores; ``current_practice`` is the treatment).
    """

    values: pd.DataFrame
    rules: tuple[str, ...]
    horizons: tuple[int, ...]
    n: int
    conf_level: float
    backend: PolicyScores = field(repr=False)
    flags: dict[str, FloatArray] = field(repr=False, default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """Return the values: one row per rule, horizon and estimand.

        Columns :data:`POLICY_COLUMNS` (``rule, horizon, estimand, estimate, std_error,
        conf_low, conf_high, conf_level``); estimands :data:`POLICY_ESTIMANDS`.

        ``risk`` is the value (cumulative incidence of escalation by the horizon had the
        rule decided); ``prevented_per_1000`` escalations prevented per 1,000 decision
        points against offering early help to no one; ``change_vs_current_per_1000``
        escalations per 1,000 against current practice (negative: fewer);
        ``flagged_per_1000`` children offered early help; ``number_needed_to_offer``
        offers per escalation prevented and ``number_needed_to_harm`` offers per
        escalation caused, each with its piece of the interval that inverts that of the
        escalations prevented (Altman 1998: when that includes 0, the benefit piece runs
        from ``conf_low`` to no bound and the harm piece likewise; infinite where there is
        no bound or no such piece, :func:`number_needed_pieces`); the last three describe the
        flag against the outcome under current practice: flagged children per 1,000 who
        did not escalate, the share of flagged children who escalated (``precision``)
        and the share of children who escalated who were flagged (``recall``).
        ``unneeded_offers_per_1000`` counts, per 1,000 decision points, the children the
        rule offers early help who would not have escalated by the horizon without it
        (``d (1 - Y^0)``, doubly robust; for current practice the estimator of the effect
        on the treated). A count cannot be negative: its interval is the logit interval
        of the share of decision points (:func:`proportion_interval`) times 1,000, within
        [0, 1,000] (the Wald interval went below 0 in 70% of simulated authorities whose
        true count was 1.8 per 1,000, and covered it 86% of the time; the logit interval
        93%).
        """
        return self.values.copy()

    def glance(self) -> pd.DataFrame:
        """Return one row: n, rules, horizons, method and versions."""
        row = {
            "n": self.n,
            "rules": ", ".join(self.rules),
            "horizons": ", ".join(map(str, self.horizons)),
            "method": "AIPTW-AIPCW policy value (influence function, clustered by family)",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return the values and prevented escalations as a printable summary."""
        table = self.values[self.values["estimand"].isin(["risk", "prevented_per_1000"])]
        return Summary(
            "Value of rules deciding who is offered early help",
            {"n": self.n, "rules": len(self.rules)},
            table,
            (
                "risk: cumulative incidence of escalation by the horizon had the rule "
                "decided (death competing)",
                "prevented_per_1000: against offering early help to no one",
            ),
        )

    def compare(self, rule: str, other: str, *, horizon: int | None = None) -> pd.DataFrame:
        """Return the difference in value between two rules, per 1,000 decision points.

        ``estimate`` is escalations per 1,000 under ``rule`` minus under ``other``
        (negative: ``rule`` prevents more), with a family-clustered interval and a
        two-sided p-value; both rules are judged on the same spells, so the interval
        accounts for their correlation.

        Raises
        ------
        DesignError
            When a rule is unknown, the two rules are the same rule, or ``horizon`` was
            not scored.

        Examples
        --------
        >>> rng = np.random.default_rng(5)
        >>> z, early = rng.normal(size=400), rng.integers(0, 2, 400)
        >>> days = rng.exponential(400 * np.exp(0.5 * early - 0.5 * z))
        >>> frame = pd.DataFrame({"x": z, "treatment": early, "duration": np.minimum(days, 900),
        ...                       "event": np.where(days < 900, 1 + (rng.random(400) < 0.1), 0)})
        >>> scores = policy_scores(frame, covariates=["x"], horizons=[365])
        >>> n = len(frame)
        >>> fit = estimate_policy_values(scores, {"everyone": np.ones(n), "no_one": np.zeros(n)})
        >>> float(fit.compare("everyone", "no_one")["estimate"].iloc[0]) < 0
        True
        """
        for name in (rule, other):
            if name not in self.flags:
                raise DesignError(f"unknown rule {name!r}; rules are {list(self.rules)}")
        if rule == other:
            raise DesignError(
                f"cannot compare rule {rule!r} with itself (the difference is 0 by "
                f"construction, with no p-value); compare two of {list(self.rules)}"
            )
        scores = self.backend
        chosen = self.horizons if horizon is None else (int(horizon),)
        z = _normal_quantile(self.conf_level)
        estimates, errors = [], []
        for h in chosen:
            column = scores.column(h)
            one = _pieces(_rule_flags(self.flags, rule), scores, column).risk
            two = _pieces(_rule_flags(self.flags, other), scores, column).risk
            diff = one - two
            estimates.append(1000 * float(diff.mean()))
            errors.append(
                1000
                * float(
                    cluster_standard_error(
                        (diff - diff.mean())[:, None], scores.cluster, coded=True
                    )[0]
                )
            )
        estimate, se = np.array(estimates), np.array(errors)
        # two-sided p-values, one call for every horizon (NaN where the SE is 0)
        tested = se > 0
        p = np.full(len(se), np.nan)
        p[tested] = 2 * stats.norm.sf(np.abs(estimate[tested]) / se[tested])
        return pd.DataFrame(
            {
                "rule": [rule] * len(chosen),
                "other": [other] * len(chosen),
                "horizon": [int(h) for h in chosen],
                "estimand": ["difference_per_1000"] * len(chosen),
                "estimate": estimates,
                "std_error": errors,
                "conf_low": [e - z * s for e, s in zip(estimates, errors, strict=True)],
                "conf_high": [e + z * s for e, s in zip(estimates, errors, strict=True)],
                "conf_level": [self.conf_level] * len(chosen),
                "p_value": p.tolist(),
            }
        )


@functools.lru_cache(maxsize=8)
def _normal_quantile(conf_level: float) -> Any:
    """Return the normal quantile of two-sided intervals at ``conf_level`` (asked often)."""
    return stats.norm.ppf(0.5 + conf_level / 2)


def _rule_flags(flags: Mapping[str, FloatArray], name: str) -> FloatArray | None:
    return None if name == CURRENT_PRACTICE else flags[name]


def proportion_interval(estimate: float, std_error: float, z: float) -> tuple[float, float]:
    r"""Return an interval for a proportion that stays within [0, 1].

    Recall, precision, the share flagged and the share of decision points offered early
    help needlessly (``unneeded_offers_per_1000`` / 1,000) are means or ratios of means
    whose standard errors
    come from their (family-clustered) influence values. The symmetric Wald interval
    ``estimate ± z SE`` on the proportion scale can cross 0 or 1 (a group's recall of
    0.04 with SE 0.04 gave -0.035), and it under-covers near the bounds, where the
    estimator's distribution is skewed. The interval is therefore formed on the logit
    scale, by the delta method with the same standard error,
    :math:`\operatorname{logit}\hat p \pm z\,\widehat{SE}/\{\hat p(1-\hat p)\}`,
    and transformed back: it stays inside (0, 1), is asymmetric near a bound, and agrees
    with the Wald interval where that is safe (the logit interval of survey estimation,
    e.g. R's ``survey::svyciprop(method = "logit")`` and Stata's ``proportion``). A
    Wilson interval would need a number of independent trials, which clustered,
    censoring-augmented scores do not have; the standard error already accounts for
    both.

    A proportion estimated as exactly 0 or 1 with no variation (everyone, no one) has the
    degenerate interval at its estimate. The censoring-augmented scores are not bounded,
    so an estimate may (rarely) fall at or outside a bound with a positive standard
    error: the logit does not exist there, and the Wald interval is clipped to [0, 1]
    (the proportion estimated cannot lie outside it; clipping only drops impossible
    values). The point estimate and standard error are left as estimated.

    Parameters
    ----------
    estimate, std_error : float
        The proportion and its standard error.
    z : float
        Normal quantile of the interval (1.96 for 95%).

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN when the estimate or standard error is.

    Examples
    --------
    >>> low, high = proportion_interval(0.04, 0.04, 1.96)
    >>> 0 < low < 0.04 < high < 1
    True
    >>> proportion_interval(1.0, 0.0, 1.96)
    (1.0, 1.0)
    """
    p, se = float(estimate), float(std_error)
    if not (np.isfinite(p) and np.isfinite(se)):
        return float("nan"), float("nan")
    if se == 0 or not 0 < p < 1:
        return float(np.clip(p - z * se, 0.0, 1.0)), float(np.clip(p + z * se, 0.0, 1.0))
    centre = np.log(p / (1 - p))
    half = z * se / (p * (1 - p))
    return float(1 / (1 + np.exp(-(centre - half)))), float(1 / (1 + np.exp(-(centre + half))))


def _ratio(
    top: FloatArray, bottom: FloatArray, cluster: npt.NDArray[np.int64]
) -> tuple[float, float]:
    """Ratio of means and its delta-method (clustered) standard error."""
    mean_bottom = float(bottom.mean())
    if mean_bottom <= 0:
        return float("nan"), float("nan")
    ratio = float(top.mean()) / mean_bottom
    phi = (top - ratio * bottom) / mean_bottom
    return ratio, float(cluster_standard_error(phi[:, None], cluster, coded=True)[0])


def estimate_policy_values(
    scores: PolicyScores,
    rules: Mapping[str, npt.ArrayLike],
    *,
    conf_level: float = 0.95,
) -> PolicyValueResult:
    """Estimate the value of treatment rules from doubly robust scores.

    Parameters
    ----------
    scores : PolicyScores
        From :func:`policy_scores`.
    rules : mapping of str to array_like
        Rule name to flags, one per scored spell in the scores' row order (1: offer early
        help within the grace period; values in (0, 1) are a randomised rule's
        probabilities). ``current_practice`` (the decisions actually taken) is always
        added first and cannot be given.
    conf_level : float, default 0.95
        Level of the intervals (Wald; for precision, recall and the unneeded offers on
        the logit scale, within [0, 1]: :func:`proportion_interval`).

    Returns
    -------
    PolicyValueResult

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=500)
    >>> treated = (rng.random(500) < 0.5).astype(int)
    >>> time = rng.exponential(600 / np.exp(0.4 * x - 0.3 * treated)) + 1
    >>> frame = pd.DataFrame({"x": x, "treatment": treated,
    ...                       "duration": np.minimum(time, 900), "event": (time < 900) * 1})
    >>> scores = policy_scores(frame, covariates=["x"], horizons=[365])
    >>> fit = estimate_policy_values(scores, {"top half": (x > np.median(x)) * 1})
    >>> fit.tidy()[["rule", "estimand"]].drop_duplicates()["rule"].unique().tolist()
    ['current_practice', 'top half']
    """
    check_conf_level(conf_level)
    if CURRENT_PRACTICE in rules:
        raise DesignError(
            f"{CURRENT_PRACTICE!r} is the decisions actually taken and is always included; "
            "give your own rules other names"
        )
    flags = {name: _flags(name, values, scores.n) for name, values in rules.items()}
    z = _normal_quantile(conf_level)
    cluster = scores.cluster
    # the table's columns, filled row by row (one frame built at the end)
    table: dict[str, list[Any]] = {column: [] for column in POLICY_COLUMNS}
    names = (CURRENT_PRACTICE, *flags)

    def add(rule: str, h: int, estimand: str, estimate: float, se: float, **bounds: float) -> None:
        low = bounds.get("low", estimate - z * se)
        high = bounds.get("high", estimate + z * se)
        row = (rule, h, estimand, estimate, se, low, high, conf_level)
        for column, value in zip(table.values(), row, strict=True):
            column.append(value)

    def se_of(phi: FloatArray) -> float:
        return float(cluster_standard_error((phi - phi.mean())[:, None], cluster, coded=True)[0])

    for h in scores.horizons:
        column = scores.column(h)
        nobody = scores.untreated[:, column]
        current = _pieces(None, scores, column).risk
        for name in names:
            piece = _pieces(_rule_flags(flags, name), scores, column)
            value = float(piece.risk.mean())
            add(name, h, "risk", value, se_of(piece.risk))
            prevented = 1000 * (nobody - piece.risk)
            prevented_mean = float(prevented.mean())
            prevented_se = se_of(prevented)
            add(name, h, "prevented_per_1000", prevented_mean, prevented_se)
            change = 1000 * (piece.risk - current)
            add(name, h, "change_vs_current_per_1000", float(change.mean()), se_of(change))
            flagged = 1000 * piece.flagged
            flagged_mean = float(flagged.mean())
            add(name, h, "flagged_per_1000", flagged_mean, se_of(flagged))
            # Altman's interval in its two pieces, one row each (number_needed_pieces).
            pieces = number_needed_pieces(
                flagged_mean, prevented_mean, prevented_mean - z * prevented_se,
                prevented_mean + z * prevented_se, prevented_se,
            )  # fmt: skip
            for estimand, (estimate, se, low, high) in pieces.items():
                add(name, h, estimand, estimate, se, low=low, high=high)
            missed = 1000 * (piece.flagged - piece.hits)
            add(name, h, "flagged_not_escalating_per_1000", float(missed.mean()), se_of(missed))
            # A count per 1,000: its interval is the logit interval of the share of
            # referrals (proportion_interval), within [0, 1,000], never below 0.
            unneeded = 1000 * (piece.flagged - piece.flagged_untreated)
            unneeded_mean, unneeded_se = float(unneeded.mean()), se_of(unneeded)
            low, high = proportion_interval(unneeded_mean / 1000, unneeded_se / 1000, z)
            add(name, h, "unneeded_offers_per_1000", unneeded_mean, unneeded_se,
                low=1000 * low, high=1000 * high)  # fmt: skip
            # Proportions: intervals within [0, 1] (logit scale, proportion_interval).
            precision, precision_se = _ratio(piece.hits, piece.flagged, cluster)
            low, high = proportion_interval(precision, precision_se, z)
            add(name, h, "precision", precision, precision_se, low=low, high=high)
            recall, recall_se = _ratio(piece.hits, scores.observed[:, column], cluster)
            low, high = proportion_interval(recall, recall_se, z)
            add(name, h, "recall", recall, recall_se, low=low, high=high)
    values = pd.DataFrame(table)
    return PolicyValueResult(
        values=values,
        rules=names,
        horizons=scores.horizons,
        n=scores.n,
        conf_level=conf_level,
        backend=scores,
        flags={CURRENT_PRACTICE: scores.treatment.astype(float), **flags},
    )


def number_needed_pieces(
    flagged: float,
    prevented: float,
    prevented_low: float,
    prevented_high: float,
    prevented_se: float = float("nan"),
) -> dict[str, tuple[float, float, float, float]]:
    """Return the number needed to offer and to harm, each with its piece of Altman's interval.

    The number needed is the reciprocal of the escalations prevented, scaled by the
    number offered (both per 1,000, say): ``flagged / prevented`` offers per escalation
    prevented (benefit), or ``flagged / -prevented`` per escalation caused (harm). Its
    interval inverts that of the escalations prevented, ``prevented_low`` to
    ``prevented_high`` (Altman 1998): on one side of 0 it is one piece; when it includes
    0, two, from the benefit end through no bound (none prevented) to the harm end.
    ``number_needed_to_offer`` carries the benefit piece and ``number_needed_to_harm``
    the harm piece, so the two rows of ``policy_values.csv`` hold the whole interval, and
    :func:`number_needed_words` says it from the same ends. Infinite: no bound (an
    estimate of no benefit, or of no harm; a piece that does not exist is ``(inf,
    inf)``). The standard error is the delta method's, ``flagged · SE / prevented²``, on
    the side the estimate is. NaN when nobody is flagged.

    Returns
    -------
    dict
        ``{"number_needed_to_offer": (estimate, std_error, low, high),
        "number_needed_to_harm": (estimate, std_error, low, high)}``.

    Examples
    --------
    >>> out = number_needed_pieces(200.0, 1.4, -5.0, 7.8125)
    >>> [round(v, 1) for v in out["number_needed_to_offer"][::2]], out["number_needed_to_offer"][3]
    ([142.9, 25.6], inf)
    >>> out["number_needed_to_harm"][0], out["number_needed_to_harm"][2:]
    (inf, (40.0, inf))
    """
    names = ("number_needed_to_offer", "number_needed_to_harm")
    if flagged <= 0:
        return dict.fromkeys(names, (float("nan"),) * 4)
    pieces = {}
    for name, sign in zip(names, (1.0, -1.0), strict=True):
        # On the harm side the escalations caused are -prevented: the same inversion.
        effect = sign * prevented
        near, far = sorted((sign * prevented_low, sign * prevented_high), reverse=True)
        se = flagged * prevented_se / prevented**2 if effect > 0 else float("nan")
        pieces[name] = (
            _per_one(flagged, effect),
            se,
            _per_one(flagged, near),
            _per_one(flagged, far),
        )
    return pieces


def _per_one(flagged: float, prevented: float) -> float:
    """Offers per escalation prevented (``prevented > 0``), or infinite (none prevented)."""
    return flagged / prevented if prevented > 0 else float("inf")


def number_needed_words(flagged: float, prevented_low: float, prevented_high: float) -> str:
    """Return the 95% interval of the number needed to offer in words, as Altman (1998).

    The interval inverts that of the escalations prevented (``prevented_low`` to
    ``prevented_high``, on the scale of ``flagged``, e.g. both per 1,000). When it
    includes 0 the interval of the number needed is in two pieces, not "to infinity":
    from ``flagged / prevented_high`` offers per escalation prevented (benefit), through
    no bound (none prevented), to ``flagged / -prevented_low`` offers per escalation
    caused (harm). :meth:`PolicyValueResult.tidy` holds the benefit piece in the row
    ``number_needed_to_offer`` and the harm piece in ``number_needed_to_harm``, from the
    same ends (:func:`number_needed_pieces`); this sentence says both.

    Examples
    --------
    >>> number_needed_words(200.0, 10.0, 20.0)
    '10.0 to 20.0 offers per escalation prevented'
    >>> print(number_needed_words(200.0, -5.0, 7.8125))
    25.6 offers per escalation prevented (benefit) to no bound (none prevented) to 40.0 offers per escalation caused (harm)
    >>> number_needed_words(200.0, -20.0, -10.0)
    '10.0 to 20.0 offers per escalation caused (harm)'
    """  # noqa: E501
    pieces = number_needed_pieces(flagged, float("nan"), prevented_low, prevented_high)
    _, _, benefit_low, benefit_high = pieces["number_needed_to_offer"]
    _, _, harm_low, harm_high = pieces["number_needed_to_harm"]
    if prevented_low > 0:
        return f"{_end(benefit_low)} to {_end(benefit_high)} offers per escalation prevented"
    if prevented_high < 0:
        return f"{_end(harm_low)} to {_end(harm_high)} offers per escalation caused (harm)"
    return (
        f"{_end(benefit_low)} offers per escalation prevented (benefit) to no bound (none "
        f"prevented) to {_end(harm_low)} offers per escalation caused (harm)"
    )


def _end(needed: float) -> str:
    """One end of a number needed: one decimal, or "no bound"."""
    return "no bound" if math.isinf(needed) else f"{needed:.1f}"
