r"""Heterogeneous effects of early help on escalation by a horizon (EconML and AIPW).

The outcome is escalation by the horizon (cumulative incidence, death competing). A causal
forest with double machine learning (``econml.dml.CausalForestDML``; Athey, Tibshirani &
Wager 2019, doi:10.1214/18-AOS1709) on the censoring-weighted outcome
(:func:`escalation.causal.curves.ipcw_outcome`, a transformed outcome whose conditional
mean is the cumulative incidence) estimates each child's effect (risk difference). The
best linear projection of the effect on the subgroup variables (Semenova & Chernozhukov
2021, doi:10.1093/ectj/utaa027) is the least-squares regression of each child's doubly
robust score (below) on the subgroups' indicators, with cluster-robust (families)
standard errors, as R grf's ``best_linear_projection``; its Wald test of each subgroup
variable's indicators together is the test of heterogeneity (interaction) by it.

Effects within pre-registered subgroups (age band, number of assessment factors,
deprivation) are not averages of the forest's estimates: EconML's ``ate_interval`` for a
subset of the training rows is a conservative bound (the root mean squared pointwise
error; EconML issues #340 and #479) that does not shrink with the group: on the demo
authority up to 3.4 times as wide as the intervals below for large groups, and narrower
for the smallest. They are the mean of each child's doubly robust score within the
subgroup, with the standard error of that mean (:func:`subgroup_effects`; as R grf's
``average_treatment_effect(forest, subset = ...)``, Athey & Wager 2019,
doi:10.1353/obs.2019.0001). The score is the package's AIPTW-AIPCW score at the horizon
(:func:`escalation.causal.curves.run_estimator`, Ozenne et al. 2020, Biometrical Journal
62(3):751–763, doi:10.1002/bimj.201800298): for arm :math:`a`,

.. math::

    \Gamma_i(a) = F_a(h \mid X_i) + \frac{1\{A_i = a\}}{\pi_a(X_i)}
    \Big[\frac{1\{T_i \le h, \text{cause}_i = 1\}}{G(T_i- \mid a, X_i)} - F_a(h \mid X_i)
    + \int_0^{h \wedge T_i} \frac{F_a(h \mid X_i) - F_a(u \mid X_i)}
    {S_a(u \mid X_i)\, G(u \mid a, X_i)}\, dM^C_i(u)\Big],

with :math:`F_a, S_a` from the cause-specific Cox models of escalation and of competing
events, :math:`\pi_a` from the logistic propensity model and :math:`G` and the censoring
martingale :math:`M^C` from a Cox model of censoring given treatment and covariates. So
censoring enters the subgroup effects through the censoring model (censoring independent
of escalation given treatment and covariates), not through the forest's marginal
Kaplan–Meier weights; the estimand is the same risk difference by the horizon. The
subgroup estimate is :math:`\bar\psi_S`, the mean of
:math:`\psi_i = \Gamma_i(1) - \Gamma_i(0)` over the subgroup's children, with the
cluster-robust standard error
:math:`\{\sum_c (\sum_{i \in S \cap c} (\psi_i - \bar\psi_S))^2\}^{1/2} / n_S`
(families as clusters, :func:`escalation.causal.influence.cluster_standard_error`). Over
every child this is exactly the AIPW risk difference of
:func:`escalation.causal.estimate_effects` with its influence-function standard error.
The scores are those of :func:`escalation.causal.policy_scores` (``treated -
untreated``). The models are those of the package's AIPW estimator, fitted once on every
child: the subgroup mean is consistent when the propensity model or the outcome models
are right (the outcome models have no treatment-covariate interaction, so with effect
modification it is the propensity model that carries it), and the standard error leaves
out the nuisance-estimation terms, which vanish when both are (as for the whole cohort).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from escalation._age_bands import AGE_BANDS, age_bands
from escalation._finite import LISTED, finite_problems
from escalation._lazy import import_module_quietly
from escalation._row_order import in_canonical_order, restore
from escalation._vocabulary import AUTO, INTERCEPT, horizon_days, resolve_cluster
from escalation.causal._confounders import confounders, spells_and_covariates
from escalation.causal._estimable import check_estimable
from escalation.causal.curves import ipcw_outcome_of, run_estimator
from escalation.causal.influence import influence_clusters
from escalation.compute import one_blas_thread
from escalation.errors import (
    SUBGROUP_ROLE,
    DataValidationError,
    DesignError,
    Problem,
    refuse_personal,
)
from escalation.results import Presents, Summary, package_versions, standard_errors
from escalation.survival._outcome import reordered_rows
from escalation.survival._result import check_conf_level
from escalation.timeline.matrix import Coding

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "AGE_BANDS",
    "SUBGROUPS",
    "EffectModel",
    "HeterogeneityResult",
    "age_bands",
    "estimate_heterogeneity",
    "fit_effect_model",
    "forest_size",
    "split_candidates",
    "subgroup_effects",
    "subgroup_levels",
    "subgroup_sort_key",
]

#: Pre-registered subgroups: name → column they are derived from.
SUBGROUPS = {"age_band": "age_years", "n_factors": "n_factors", "deprivation": "imd_decile"}
#: The whole cohort's row of the subgroup table: its ``subgroup`` and ``level``.
WHOLE_COHORT: Final = ("all", "all")
#: The fewest children of each arm in a subgroup whose effect is estimated: with fewer the
#: doubly robust mean rests on the outcome models' extrapolation, and its standard error
#: (which leaves the models' uncertainty out) would be too small.
MIN_PER_ARM: Final = 10
#: The columns of the subgroup table, in order.
SUBGROUP_COLUMNS: Final = (
    "subgroup", "level", "n", "estimate", "std_error", "conf_low", "conf_high", "conf_level",
    "method", "se_method",
)  # fmt: skip
#: How the subgroup table's standard errors are made (as ``effects.csv``'s ``se_method``):
#: from the scores (clustered), not the bootstrap, so the whole-cohort row's interval
#: differs from the bootstrap interval of the same AIPW estimate in ``effects.csv``.
SUBGROUP_SE_METHOD: Final = "influence_function"
#: What the subgroup table's ``method`` names: the mean of doubly robust scores.
SUBGROUP_METHOD: Final = "aipw_scores"
#: Dependency warnings known to be harmless here, by category and message (start).
_ECONML_NOISE: Final = (
    (UserWarning, "Could not generate out-of-bag predictions on some training data"),
)


def subgroup_sort_key(level: str) -> tuple[float, str]:
    """Sort key of a subgroup level: by its leading number ("5-10" before "11-15").

    ``unborn`` comes first (before ``0-4``); levels without a leading number follow, by
    their text. Subgroup tables and the policy study's groups are listed in this order.

    Examples
    --------
    >>> sorted(["11-15", "5-10", "unborn", "0-4", "missing"], key=subgroup_sort_key)
    ['unborn', '0-4', '5-10', '11-15', 'missing']
    """
    if level == AGE_BANDS[0]:
        return (-1.0, level)
    digits = re.match(r"\d+", level)
    return (float(digits.group()) if digits else np.inf, level)


#: The deprivation subgroups: Index of Multiple Deprivation deciles, 1 the most deprived.
DEPRIVATION_BANDS: Final = ("1-3 (most deprived)", "4-7", "8-10 (least deprived)")
#: The levels of each pre-registered subgroup (:func:`subgroup_levels`). A subgroup table
#: lists them all, those no child is in too: a level left out would say it has none, a
#: count (zero) the disclosure rules suppress.
SUBGROUP_BANDS: Final = {
    "age_band": AGE_BANDS,
    "n_factors": ("0", "1", "2", "3+"),
    "deprivation": DEPRIVATION_BANDS,
}


def subgroup_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the pre-registered subgroup of each row (columns present in ``frame`` only).

    ``age_band``: unborn (the decision was made before birth), 0-4, 5-10, 11-15, 16-17
    completed years at time zero; ``n_factors``: 0, 1, 2, 3+; ``deprivation``: IMD
    deciles "1-3 (most deprived)", "4-7", "8-10 (least deprived)".

    Age bands follow one rule: the completed years ``age_years`` that
    :func:`escalation.build_spells` computes from the birth date and time zero by the
    calendar (-1 when unborn; a child is 5 on its fifth birthday, and one born on 29
    February has its birthday on 1 March in other years). The decimal ``age`` (days /
    365.25) would put a child in the band below on a birthday. A frame without
    ``age_years`` is banded by the whole years of its ``age``, which is right only for
    exact ages (as :func:`escalation.simulate_spells` draws them), not for ages made by
    dividing days.

    Raises
    ------
    DataValidationError
        When ``age`` is missing or not finite, ``n_factors`` is not a whole number >= 0
        or ``imd_decile`` is not a whole number from 1 to 10 (table ``spells``, naming
        the row, by position in ``frame``, the column and the value): such a row has no
        band, and none is made up for it.

    Examples
    --------
    >>> subgroup_levels(pd.DataFrame({"imd_decile": [1, 5, 10]}))["deprivation"].tolist()
    ['1-3 (most deprived)', '4-7', '8-10 (least deprived)']
    >>> subgroup_levels(pd.DataFrame({"age": [-0.3, 2, 12], "n_factors": [1, 0, 5]}))
      age_band n_factors
    0   unborn         1
    1      0-4         0
    2    11-15        3+

    Born 2017-12-03, time zero 2022-12-03: ``age`` 4.9993, but 5 completed years.

    >>> subgroup_levels(pd.DataFrame({"age": [4.9993], "age_years": [5]}))["age_band"].tolist()
    ['5-10']
    """
    _check_subgroup_sources(frame)
    out = pd.DataFrame(index=frame.index)
    if "age_years" in frame:
        out["age_band"] = age_bands(pd.to_numeric(frame["age_years"]).to_numpy(float))
    elif "age" in frame:
        out["age_band"] = age_bands(np.floor(pd.to_numeric(frame["age"]).to_numpy(float)))
    if "n_factors" in frame:
        k = pd.to_numeric(frame["n_factors"]).clip(upper=3).astype(int)
        out["n_factors"] = k.astype(str).replace({"3": "3+"})
    if "imd_decile" in frame:
        imd = pd.to_numeric(frame["imd_decile"], errors="coerce")
        # The ends named, as the risk tool's quintiles are: decile 1 is the most deprived.
        out["deprivation"] = pd.cut(imd, [0, 3, 7, 10], labels=list(DEPRIVATION_BANDS)).astype(str)
    return out


#: What each subgroup's source column may hold: (least, most, whole numbers only, in words).
_SOURCE_VALUES: Final = {
    "age": (-np.inf, np.inf, False, "a finite number of years"),
    "age_years": (-1.0, np.inf, True, "a whole number of completed years, -1 when unborn"),
    "n_factors": (0.0, np.inf, True, "a whole number >= 0"),
    "imd_decile": (1.0, 10.0, True, "a whole number from 1 to 10"),
}


def _check_subgroup_sources(frame: pd.DataFrame) -> None:
    """Refuse a value of a subgroup's source column that no band takes (see ``_SOURCE_VALUES``).

    Raises
    ------
    DataValidationError
        Naming table ``spells``, each bad row (position), the column and the value.
    """
    problems: list[Problem] = []
    for column, (least, most, whole, words) in _SOURCE_VALUES.items():
        if column not in frame:
            continue
        why = f"{column} must be {words} to place the child in a subgroup"
        numbers, found = finite_problems(frame[column], table="spells", why=why)
        problems += found
        with np.errstate(invalid="ignore"):
            bad = np.isfinite(numbers) & ((numbers < least) | (numbers > most))
            if whole:
                bad |= np.isfinite(numbers) & (numbers != np.round(numbers))
        rows = np.flatnonzero(bad)
        reason = f"{rows.size} value(s) not allowed; {why}"
        problems += [
            Problem("spells", int(row), column, float(numbers[row]), reason)
            for row in rows[:LISTED]
        ]
    if problems:
        raise DataValidationError(problems, "spells")


def _quiet_noise() -> None:
    """Hide only the dependency noise known to be harmless (inside ``catch_warnings``).

    EconML's note that some rows lack out-of-bag predictions concerns its ``ate_``, which
    is not used. Every other warning (EconML's, scikit-learn's, escalation's) reaches the
    caller.
    """
    for category, message in _ECONML_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)


@dataclass(frozen=True)
class EffectModel:
    """A causal forest of each child's effect on escalation by a horizon, for new children.

    Attributes
    ----------
    horizon : int
        Days.
    coding : Coding
        How the covariates (or the formula's terms) were coded (applied unchanged to
        new rows).
    center, scale : numpy.ndarray
        Standardisation of the coded covariates.
    backend : econml.dml.CausalForestDML
        The fitted forest.
    duration, event : str
        The outcome columns it was fitted on (the formula's ``Surv(duration, event)``).
    """

    horizon: int
    coding: Coding
    center: np.ndarray = field(repr=False)
    scale: np.ndarray = field(repr=False)
    backend: Any = field(repr=False)
    duration: str = "duration"
    event: str = "event"

    def standardised(self, frame: pd.DataFrame, coded: pd.DataFrame | None = None) -> np.ndarray:
        """Return the coded, standardised covariates of ``frame`` (the forest's input).

        ``coded`` is ``frame`` already coded by :attr:`coding` (``coding.apply(frame)``),
        when the caller has it: it is not coded again. ``frame`` is coded as new rows
        (table ``profiles``): a categorical value the coding has no level for is refused.

        Raises
        ------
        DataValidationError
            When a categorical value of ``frame`` has a level not seen when the forest was
            fitted (or is missing where no value was) and no ``other`` level takes it,
            naming the table ``profiles``, the row, the column and the value; or a numeric
            covariate is missing or infinite.
        DesignError
            When a covariate is absent (or, for a formula, a level is not seen).
        """
        if coded is None:
            coded = self.coding.apply(frame, table="profiles")
        x = coded.to_numpy(dtype=float)
        out: np.ndarray = (x - self.center) / self.scale
        return out

    def predict(self, frame: pd.DataFrame, coded: pd.DataFrame | None = None) -> np.ndarray:
        """Return each row's estimated effect: risk with treatment minus risk without.

        ``coded``: ``frame`` already coded by :attr:`coding`, if at hand (see
        :meth:`standardised`). A child with a categorical level the forest never saw is
        refused (see :meth:`standardised`), not predicted as the reference level.
        """
        with warnings.catch_warnings():
            _quiet_noise()
            return _forest_effect(self.backend, self.standardised(frame, coded))


def _forest_effect(forest: Any, x: np.ndarray) -> np.ndarray:
    """Return a fitted ``CausalForestDML``'s effect of treatment 1 against 0 at rows ``x``.

    The forest's ``effect(x)`` is its ``const_marginal_effect(x)`` times ``T1 - T0 = 1``
    (one binary treatment, one outcome), after checking and one-hot coding ``T0`` and
    ``T1`` for every row; here the same numbers are read without that coding. ``+ 0.0``
    as in ``effect``'s sum: a zero effect is written ``0.0``, never ``-0.0``.
    """
    theta = np.asarray(forest.const_marginal_effect(x), dtype=float)
    out: np.ndarray = theta.reshape(len(x)) + 0.0
    return out


def forest_size(n_estimators: int) -> int:
    """Return the trees of a causal forest asked for ``n_estimators``: a multiple of 4.

    EconML grows the trees in subforests of 4 (for the forest's confidence intervals).

    Examples
    --------
    >>> forest_size(100), forest_size(101), forest_size(1)
    (100, 104, 4)
    """
    return max(4, int(np.ceil(n_estimators / 4)) * 4)


def split_candidates(n_columns: int) -> int:
    """Return how many of the forest's ``n_columns`` columns each split chooses among.

    R grf's default ``mtry``, ``min(ceil(sqrt(p) + 20), p)`` of the ``p`` columns (grf's
    ``causal_forest`` documentation); grf draws a Poisson number around it at each split,
    EconML's ``max_features`` takes exactly this many, drawn afresh at each split.
    EconML's default considers every column at every split, and took twice the time.
    Against the simulator's truth (forests fitted on one authority of 20,000 children and
    judged on another, 5 pairs of authorities by 3 forest seeds, 365 days, 100 trees;
    ``benchmarks/bench_forest_split_candidates.py``) grf's number estimated each child's
    effect better in each of the 5 pairs: correlation with the true effect 0.197 against
    0.166 (mean paired difference 0.032, SD 0.023 over the pairs), a larger share of the
    escalations an oracle would prevent (0.594 against 0.576; 0.018, SD 0.013) and a lower
    root mean squared error.

    Examples
    --------
    >>> split_candidates(78), split_candidates(10), split_candidates(1)
    (29, 10, 1)
    """
    return min(int(np.ceil(np.sqrt(n_columns) + 20)), n_columns)


@one_blas_thread
def fit_effect_model(
    frame: pd.DataFrame,
    *,
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    horizon: int,
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    n_estimators: int = 200,
    min_samples_leaf: int = 20,
    seed: int = 1,
    min_count: int = 20,
) -> EffectModel:
    """Fit a causal forest of the effect on escalation by ``horizon`` (see the module notes).

    The outcome is the censoring-weighted indicator of escalation by the horizon
    (:func:`escalation.causal.curves.ipcw_outcome`); nuisance models are linear (outcome)
    and logistic (treatment), cross-fitted in two folds by EconML.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per spell with ``duration, event, treatment`` and the covariates.
    covariates : sequence of str, optional
        Effect modifiers and confounders.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g)"``: the covariates as a formula, instead of
        ``covariates`` (see :mod:`escalation.formula`).
    horizon : int
        Escalation by this many days.
    duration, event, treatment : str
        Column names.
    n_estimators : int, default 200
        Trees (rounded up to a multiple of 4).
    min_samples_leaf : int, default 20
        Minimum leaf size. Each split chooses among :func:`split_candidates` of the
        coded columns (R grf's default number).
    seed : int, default 1
        Random seed.
    min_count : int, default 20
        Rare categorical levels are pooled.

    Returns
    -------
    EffectModel

    Notes
    -----
    The forest draws rows at random by position, so the rows are put in ``spell_id`` order
    first (a frame already in that order is used as it is): the same spells grow the same
    forest for a seed whatever their order. Without a ``spell_id`` column the row order is
    part of the input: the same rows in another order grow another forest.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> age = rng.uniform(0, 17, n)
    >>> a = (rng.random(n) < 0.5).astype(int)
    >>> t = rng.exponential(300 / np.exp(-0.5 * a * (age > 10)))
    >>> frame = pd.DataFrame({"age": age, "treatment": a, "duration": np.minimum(t, 800),
    ...                       "event": (t < 800).astype(int)})
    >>> model = fit_effect_model(frame, covariates=["age"], horizon=365, n_estimators=20)
    >>> model.predict(frame.head(3)).shape
    (3,)
    """
    (horizon,) = horizon_days([horizon])  # whole days > 0: the label is what is estimated
    dml = import_module_quietly("econml.dml")
    from sklearn.linear_model import LinearRegression, LogisticRegression

    from escalation.causal._on_grid import GridClassifier, GridRegressor
    from escalation.causal.propensity import treatment_vector

    adjust = confounders(
        frame, covariates, formula, duration=duration, event=event, min_count=min_count,
        treatment=treatment,
    )  # fmt: skip
    duration, event = adjust.duration, adjust.event
    coding = adjust.coding
    # The forest draws rows by position: in spell_id order, the same spells grow the same
    # forest whatever order they arrive in.
    frame, order = in_canonical_order(frame)
    with reordered_rows(frame, order).input_rows():  # errors name the rows of the user's table
        x = coding.apply(frame).to_numpy(dtype=float)
        y, _ = ipcw_outcome_of(frame, duration, event, horizon)
        a = treatment_vector(frame, treatment)
    center = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    xs = (x - center) / scale
    trees = forest_size(n_estimators)
    with warnings.catch_warnings():
        _quiet_noise()
        forest = dml.CausalForestDML(
            # Nuisance predictions on a fixed grid: the same residuals, so the same
            # forest, whichever BLAS kernels the CPU runs (escalation.causal._on_grid).
            model_y=GridRegressor(LinearRegression()),
            model_t=GridClassifier(LogisticRegression(max_iter=1000)),
            discrete_treatment=True,
            n_estimators=trees,
            min_samples_leaf=min_samples_leaf,
            max_features=split_candidates(xs.shape[1]),
            cv=2,
            random_state=seed,
            n_jobs=1,
            # No doubly robust ATE on the training rows (``ate_``, unused here): it cost
            # a tenth of the fit in out-of-bag predictions and changes nothing else.
            drate=False,
        )
        forest.fit(y, a, X=xs)
    return EffectModel(horizon, coding, center, scale, forest, duration, event)


def _score_differences(
    frame: pd.DataFrame,
    x: pd.DataFrame,
    *,
    duration: str,
    event: str,
    treatment: str,
    horizon: int,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Return each row's doubly robust score of the risk difference by ``horizon``.

    :math:`\psi_i = \Gamma_i(1) - \Gamma_i(0)` (see the module notes): the AIPW
    estimator's per-row values at the horizon, from one run of the package's engine
    (:func:`escalation.causal.curves.run_estimator`) on the coded covariates ``x`` less
    their redundant columns, as :func:`escalation.causal.estimate_effects` runs it: their
    mean is its AIPW risk difference.
    Returns the scores and the 0/1 treatment.
    """
    from escalation.causal.propensity import drop_redundant, treatment_vector
    from escalation.survival._outcome import durations, event_codes

    # Redundant columns dropped as estimate_effects drops them: the same models.
    x, _ = drop_redundant(x)
    a = treatment_vector(frame, treatment)
    dur = durations(frame[duration])
    ev = event_codes(frame[event])
    at = np.array([float(horizon)])
    check_estimable(a, ev, dur, at)
    out = run_estimator(
        "aipw",
        dur,
        ev,
        a,
        x.to_numpy(dtype=float),
        at,
        at,
        influence=True,
        names=list(x.columns),
    )
    if out.influence is None:  # pragma: no cover - aipw with influence=True always has them
        raise RuntimeError("the AIPW engine returned no influence values")
    # The engine's influence values are the per-row scores less their mean (the estimate).
    scores = out.influence["risk"][:, :, 0] + out.risk[None, :, 0]
    psi: np.ndarray = scores[:, 1] - scores[:, 0]
    return psi, a


def _subgroup_rows(
    psi: np.ndarray,
    treated: np.ndarray,
    groups: pd.DataFrame,
    cluster: np.ndarray | None,
    conf_level: float,
    bands: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Return the subgroup table: the mean score in each level, its standard error, interval.

    The first row is the whole cohort (:data:`WHOLE_COHORT`); then each column of
    ``groups``, its levels in :func:`subgroup_sort_key` order: those of ``bands`` (the
    pre-registered subgroups' :data:`SUBGROUP_BANDS`, no child in them too: ``n = 0``)
    and any other seen. A level with fewer than
    :data:`MIN_PER_ARM` children in either arm has no estimate (a
    :class:`~escalation.errors.StatisticalWarning` names it).
    """
    from scipy import stats

    from escalation.causal.influence import cluster_standard_error
    from escalation.errors import StatisticalWarning

    z = float(stats.norm.ppf(0.5 + conf_level / 2))

    def row(name: str, level: str, index: np.ndarray) -> dict[str, Any]:
        n_treated = int(treated[index].sum())
        estimate = se = np.nan
        if min(n_treated, len(index) - n_treated) < MIN_PER_ARM:
            warnings.warn(
                f"subgroup {name} = {level} has fewer than {MIN_PER_ARM} children with or "
                "without early help: its effect is not estimated",
                StatisticalWarning,
                stacklevel=4,
            )
        else:
            estimate = float(np.mean(psi[index]))
            labels = None if cluster is None else cluster[index]
            centred = (psi[index] - estimate)[:, None]
            se = float(cluster_standard_error(centred, labels)[0])
        return {
            "subgroup": name,
            "level": level,
            "n": len(index),
            "estimate": estimate,
            "std_error": se,
            "conf_low": estimate - z * se,
            "conf_high": estimate + z * se,
            "conf_level": conf_level,
            "method": SUBGROUP_METHOD,
            "se_method": SUBGROUP_SE_METHOD,
        }

    rows = [row(*WHOLE_COHORT, np.arange(len(psi)))]
    for name in groups.columns:
        values = groups[name].astype(str).to_numpy()
        listed = set(values) | set((bands or {}).get(str(name), ()))
        for level in sorted(listed, key=subgroup_sort_key):
            rows.append(row(str(name), str(level), np.flatnonzero(values == level)))
    return pd.DataFrame(rows, columns=list(SUBGROUP_COLUMNS))


#: The columns of the best linear projection, in order.
PROJECTION_COLUMNS: Final = (
    "term", "estimate", "std_error", "conf_low", "conf_high", "conf_level", "p_value",
)  # fmt: skip
#: The columns of the tests of heterogeneity by each subgroup variable, in order.
INTERACTION_COLUMNS: Final = ("subgroup", "statistic", "df", "p_value", "method")


def _projection(
    psi: np.ndarray,
    groups: pd.DataFrame,
    cluster: np.ndarray | None,
    conf_level: float,
    treated: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    r"""Return the best linear projection of the scores on the subgroups, and its Wald tests.

    Least squares of :math:`\psi_i` on an intercept and the indicators of ``groups``'
    levels (``pandas.get_dummies(drop_first=True)``: the first level of each variable in
    text order is the reference), with the cluster-robust covariance
    :math:`(Z^\top Z)^{-1} \{\sum_c (\sum_{i \in c} z_i e_i)(\sum_{i \in c} z_i e_i)^\top\}
    (Z^\top Z)^{-1}` (R's ``sandwich::vcovCL(type = "HC0", cadjust = FALSE)``; the
    intercept alone gives the whole cohort's standard error of the subgroup table). The
    Wald statistic :math:`b_S^\top V_{SS}^{-1} b_S` of each variable's indicators :math:`S`
    (chi-squared on :math:`|S|` degrees of freedom) tests that the effect does not vary
    with that variable, the others held fixed.

    With ``treated``, the children of a level with fewer than :data:`MIN_PER_ARM` children
    in either arm (a level the subgroup table does not estimate) are left out, with a
    :class:`~escalation.errors.StatisticalWarning`: a level's own term fits its few
    children exactly, and its standard error, from a family or two, would be near 0.
    """
    from scipy import stats

    from escalation.clusters import cluster_codes
    from escalation.core.sandwich import cluster_sandwich
    from escalation.errors import StatisticalWarning

    keep = np.ones(len(psi), dtype=bool)
    if treated is not None:
        arm = np.asarray(treated).astype(bool)
        for name in groups.columns:
            values = groups[name].astype(str).to_numpy()
            for level in sorted(set(values), key=subgroup_sort_key):
                rows = values == level
                if min(int(arm[rows].sum()), int((~arm[rows]).sum())) < MIN_PER_ARM:
                    keep &= ~rows
                    warnings.warn(
                        f"subgroup {name} = {level} has fewer than {MIN_PER_ARM} children "
                        "with or without early help: its children are left out of the "
                        "best linear projection and its tests",
                        StatisticalWarning,
                        stacklevel=3,
                    )
        if not keep.all():
            psi, groups = psi[keep], groups.loc[keep]
            cluster = None if cluster is None else np.asarray(cluster)[keep]
    dummies = (
        pd.get_dummies(groups.astype(str), drop_first=True, dtype=float)
        if len(groups.columns)
        else pd.DataFrame(index=groups.index)
    )
    z = np.column_stack([np.ones(len(psi)), dummies.to_numpy(dtype=float)])
    bread = np.linalg.pinv(z.T @ z)
    beta = bread @ (z.T @ psi)
    residual = psi - z @ beta
    codes = None if cluster is None else cluster_codes(cluster)
    cov = cluster_sandwich(z * residual[:, None], bread, codes)
    se = standard_errors(cov)
    zq = float(stats.norm.ppf(0.5 + conf_level / 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(beta / se))
    projection = pd.DataFrame(
        {
            "term": [INTERCEPT, *map(str, dummies.columns)],
            "estimate": beta,
            "std_error": se,
            "conf_low": beta - zq * se,
            "conf_high": beta + zq * se,
            "conf_level": conf_level,
            "p_value": p,
        },
        columns=list(PROJECTION_COLUMNS),
    )
    tests = []
    for name in groups.columns:
        prefix = f"{name}_"
        # columns of this variable: 1 + position among the dummies (0 is the intercept)
        taken = [1 + j for j, c in enumerate(dummies.columns) if str(c).startswith(prefix)]
        statistic = p_value = np.nan
        if taken:
            b = beta[taken]
            v = cov[np.ix_(taken, taken)]
            statistic = float(b @ np.linalg.pinv(v) @ b)
            p_value = float(stats.chi2.sf(statistic, len(taken)))
        tests.append(
            {
                "subgroup": str(name),
                "statistic": statistic,
                "df": len(taken),
                "p_value": p_value,
                "method": "wald_blp",
            }
        )
    return projection, pd.DataFrame(tests, columns=list(INTERACTION_COLUMNS))


@one_blas_thread
def subgroup_effects(
    frame: SpellData | pd.DataFrame,
    *,
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    horizon: int,
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    groups: pd.DataFrame | None = None,
    cluster: str | None = AUTO,
    min_count: int = 20,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Estimate the effect of early help within subgroups: means of doubly robust scores.

    Each child's AIPTW-AIPCW score of the risk difference by ``horizon`` is averaged over
    the subgroup; the standard error is that of the mean, clustered (see the module
    notes). The first row, ``subgroup = level = "all"``, is the whole cohort: the AIPW
    risk difference of :func:`~escalation.causal.estimate_effects` with its
    influence-function standard error.

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        One row per spell with ``duration, event, treatment``, the covariates and the
        subgroup columns (``age``, ``n_factors``, ``imd_decile``) unless ``groups`` is
        given.
    covariates : sequence of str, optional
        Confounders of the propensity, outcome and censoring models. Default:
        ``model_covariates`` of a SpellData; required (or ``formula``) for a plain
        DataFrame.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g)"``: the confounders as a formula.
    horizon : int
        Escalation by this many days.
    duration, event, treatment : str
        Column names.
    groups : pandas.DataFrame, optional
        One column per subgroup variable, one row per row of ``frame`` (in its order),
        holding each row's level. Default: :func:`subgroup_levels` of ``frame``.
    cluster : str, None or "auto", default "auto"
        Column of clusters for the standard errors (``"auto"``: the design's, families,
        for a SpellData; none for a data frame).
    min_count : int, default 20
        Rare categorical levels are pooled.
    conf_level : float, default 0.95
        Interval level.

    Returns
    -------
    pandas.DataFrame
        ``subgroup, level, n, estimate, std_error, conf_low, conf_high, conf_level,
        method, se_method``.

    Raises
    ------
    DataValidationError
        When a subgroup's source column holds a value it cannot be banded by (see
        :func:`subgroup_levels`), naming table ``spells``, the row, column and value; or
        a column of ``groups`` is personal (``child_id``: its values would label the
        table's levels; :func:`~escalation.errors.refuse_personal`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 800
    >>> age = rng.uniform(0, 17, n)
    >>> a = (rng.random(n) < 0.5).astype(int)
    >>> t = rng.exponential(600 / np.exp(-0.5 * a * (age > 10)))
    >>> frame = pd.DataFrame({"age": age, "treatment": a, "duration": np.minimum(t, 800),
    ...                       "event": (t < 800).astype(int)})
    >>> import warnings
    >>> from escalation.errors import StatisticalWarning
    >>> with warnings.catch_warnings():  # no child is unborn: a warning says so
    ...     warnings.simplefilter("ignore", StatisticalWarning)
    ...     table = subgroup_effects(frame, covariates=["age"], horizon=365)
    >>> table[["subgroup", "level", "n"]].values.tolist()[:3]  # listed all the same: n 0
    [['all', 'all', 800], ['age_band', 'unborn', 0], ['age_band', '0-4', 220]]
    """
    check_conf_level(conf_level)
    (horizon,) = horizon_days([horizon])  # whole days > 0, as estimate_effects'
    cluster = resolve_cluster(frame, cluster)
    spells, covariates = spells_and_covariates(
        frame, covariates, formula, function="subgroup_effects"
    )
    bands = SUBGROUP_BANDS if groups is None else None
    if groups is None:
        groups = subgroup_levels(spells)
    refuse_personal(list(map(str, groups.columns)), SUBGROUP_ROLE, "groups")
    if len(groups) != len(spells):
        raise DesignError(
            f"groups has {len(groups)} rows for {len(spells)} spells: give one row per spell"
        )
    spells, order = in_canonical_order(spells)
    if order is not None:
        groups = groups.iloc[order]
    with reordered_rows(spells, order).input_rows():  # errors name the rows of the user's table
        adjust = confounders(
            spells, covariates, formula, duration=duration, event=event, min_count=min_count,
            treatment=treatment,
        )  # fmt: skip
        psi, a = _score_differences(
            spells,
            adjust.coding.apply(spells),
            duration=adjust.duration,
            event=adjust.event,
            treatment=treatment,
            horizon=horizon,
        )
    clusters = influence_clusters(spells, cluster)
    return _subgroup_rows(psi, a, groups, clusters, conf_level, bands)


@dataclass(frozen=True)
class HeterogeneityResult(Presents):
    """Child-level and subgroup effects, and the best linear projection.

    Attributes
    ----------
    horizon : int
        Days.
    effect : numpy.ndarray
        Each child's estimated risk difference by the horizon (the causal forest), in the
        row order of the frame.
    subgroups : pandas.DataFrame
        ``subgroup, level, n, estimate, std_error, conf_low, conf_high, conf_level,
        method, se_method``: the mean doubly robust score within each subgroup
        (:func:`subgroup_effects`), the whole cohort first (``subgroup = level = "all"``).
    projection : pandas.DataFrame
        ``term, estimate, std_error, conf_low, conf_high, conf_level, p_value``: the best
        linear projection of the doubly robust scores on the subgroups' indicators (the
        intercept is the reference levels' effect, each other term a difference from its
        reference level, the other variables held fixed), cluster-robust standard errors.
    backend : dict
        ``{"forest": CausalForestDML, "effect_model": EffectModel}`` (the forest with its
        coding, e.g. for the policy study's benefit rule).
    interaction : pandas.DataFrame
        ``subgroup, statistic, df, p_value, method``: for each subgroup variable, the Wald
        test that the projection's terms of its levels are all zero (no heterogeneity by
        it, the other variables held fixed). One test per variable, not adjusted for
        their number.
    """

    horizon: int
    effect: np.ndarray
    subgroups: pd.DataFrame
    projection: pd.DataFrame
    backend: dict[str, Any] = field(repr=False)
    interaction: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())

    def tidy(self) -> pd.DataFrame:
        """Return the subgroup table with ``horizon``."""
        return self.subgroups.assign(horizon=self.horizon)

    def effects(self) -> pd.DataFrame:
        """Return per-child effects (column ``effect``), in row order, without identifiers."""
        return pd.DataFrame({"effect": self.effect})

    def overall(self) -> pd.Series:
        """Return the whole cohort's row of the subgroup table (the AIPW risk difference)."""
        table = self.subgroups
        whole = (table["subgroup"] == WHOLE_COHORT[0]) & (table["level"] == WHOLE_COHORT[1])
        return table.loc[whole].iloc[0]

    def glance(self) -> pd.DataFrame:
        """Return one row: n, horizon, the forest's mean effect, the AIPW effect, versions.

        ``mean_effect`` is the mean of the forest's per-child effects; ``average_effect``
        the whole cohort's doubly robust (AIPW) risk difference, the subgroup table's
        first row.
        """
        row = {
            "n": len(self.effect),
            "horizon": self.horizon,
            "mean_effect": float(np.mean(self.effect)),
            "average_effect": float(self.overall()["estimate"]),
            "method": "CausalForestDML",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return a printable summary (never prints)."""
        return Summary(
            "Heterogeneous effects", {"horizon": self.horizon, "n": len(self.effect)}, self.tidy()
        )


@one_blas_thread
def estimate_heterogeneity(
    frame: SpellData | pd.DataFrame,
    *,
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    horizon: int,
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    n_estimators: int = 200,
    min_samples_leaf: int = 20,
    seed: int = 1,
    min_count: int = 20,
    conf_level: float = 0.95,
    cluster: str | None = AUTO,
) -> HeterogeneityResult:
    """Estimate heterogeneous effects: a causal forest, subgroup effects, a projection.

    Each child's effect is the causal forest's on the censoring-weighted outcome; the
    subgroups' effects are means of doubly robust scores (:func:`subgroup_effects`, with
    the same covariates), not averages of the forest's estimates (see the module notes).

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        One row per spell with ``duration, event, treatment``, covariates and the subgroup
        columns (``age``, ``n_factors``, ``imd_decile``) where available (a
        :class:`~escalation.timeline.SpellData` gives its ``spells``).
    covariates : sequence of str, optional
        Effect modifiers and confounders. Default: ``model_covariates`` of a SpellData;
        required (or ``formula``) for a plain DataFrame.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g)"``: the confounders as a formula, instead of
        ``covariates`` (see :mod:`escalation.formula`).
    horizon : int
        Escalation by this many days.
    n_estimators : int, default 200
        Trees (a multiple of 4).
    min_samples_leaf : int, default 20
        Minimum leaf size.
    seed : int, default 1
        Random seed.
    min_count : int, default 20
        Rare categorical levels are pooled.
    conf_level : float, default 0.95
        Interval level.
    cluster : str, None or "auto", default "auto"
        Column of clusters for the subgroups' standard errors (``"auto"``: the design's,
        families, for a SpellData; none for a data frame).

    Returns
    -------
    HeterogeneityResult

    Notes
    -----
    The forest draws rows at random by position, so the rows are put in ``spell_id`` order
    first (a frame already in that order is used as it is): the same spells give the same
    estimates for a seed whatever their order. Without a ``spell_id`` column the row order
    is part of the input: the same rows in another order give other estimates.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> age = rng.uniform(0, 17, n)
    >>> a = (rng.random(n) < 0.5).astype(int)
    >>> t = rng.exponential(300 / np.exp(-0.5 * a * (age > 10)))
    >>> frame = pd.DataFrame({"age": age, "n_factors": rng.integers(0, 4, n),
    ...                       "imd_decile": rng.integers(1, 11, n), "treatment": a,
    ...                       "duration": np.minimum(t, 800), "event": (t < 800).astype(int)})
    >>> import warnings
    >>> from escalation.errors import StatisticalWarning
    >>> with warnings.catch_warnings():  # no child is unborn: a warning says so
    ...     warnings.simplefilter("ignore", StatisticalWarning)
    ...     out = estimate_heterogeneity(frame, covariates=["age", "n_factors", "imd_decile"],
    ...                                  horizon=365, n_estimators=20)
    >>> sorted(out.tidy()["subgroup"].unique())
    ['age_band', 'all', 'deprivation', 'n_factors']
    """
    check_conf_level(conf_level)
    (horizon,) = horizon_days([horizon])  # whole days > 0: the label is what is estimated
    # The forest draws rows by position: in spell_id order, the same spells give the same
    # answer whatever order they arrive in.
    cluster = resolve_cluster(frame, cluster)
    spells, covariates = spells_and_covariates(
        frame, covariates, formula, function="estimate_heterogeneity"
    )
    frame, order = in_canonical_order(spells)
    with reordered_rows(frame, order).input_rows():  # errors name the rows of the user's table
        labels = influence_clusters(frame, cluster)
        groups = subgroup_levels(frame)
        if groups.empty:
            raise DesignError(
                "no subgroup columns (age, n_factors, imd_decile) in the data: "
                "heterogeneity needs at least one"
            )
        model = fit_effect_model(
            frame,
            covariates=covariates,
            formula=formula,
            horizon=horizon,
            duration=duration,
            event=event,
            treatment=treatment,
            n_estimators=n_estimators,
            min_samples_leaf=min_samples_leaf,
            seed=seed,
            min_count=min_count,
        )
        duration, event = model.duration, model.event
        forest = model.backend
        coded = model.coding.apply(frame)
        xs = model.standardised(frame, coded)
        # Subgroup effects: means of the AIPW engine's doubly robust scores (with the
        # forest's covariates, unstandardised as estimate_effects codes them).
        psi, treated = _score_differences(
            frame, coded, duration=duration, event=event, treatment=treatment, horizon=horizon
        )
    table = _subgroup_rows(psi, treated, groups, labels, conf_level, SUBGROUP_BANDS)
    projection, interaction = _projection(psi, groups, labels, conf_level, treated)
    with warnings.catch_warnings():
        _quiet_noise()
        effect = _forest_effect(forest, xs)
    return HeterogeneityResult(
        horizon,
        restore(effect, order),
        table,
        projection,
        {"forest": forest, "effect_model": model},
        interaction,
    )
