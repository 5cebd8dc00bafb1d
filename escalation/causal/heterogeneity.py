"""Heterogeneous effects of early help on escalation by a horizon (EconML).

The outcome is escalation by the horizon, made usable despite censoring by inverse
probability of censoring weighting (:func:`escalation.causal.curves.ipcw_outcome`, a
transformed outcome whose conditional mean is the cumulative incidence). A causal forest
with double machine learning (``econml.dml.CausalForestDML``; Athey, Tibshirani & Wager
2019, doi:10.1214/18-AOS1709) estimates each child's effect (risk difference), averaged
within pre-registered subgroups (age band, number of assessment factors, deprivation);
a linear DML model (``econml.dml.LinearDML``) gives the best linear projection of the
effect on the subgroup variables (Semenova & Chernozhukov 2021, doi:10.1093/ectj/utaa027).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from escalation._lazy import import_module_quietly
from escalation._row_order import in_canonical_order, restore
from escalation.causal._confounders import confounders, spells_and_covariates
from escalation.causal.curves import ipcw_outcome
from escalation.compute import one_blas_thread
from escalation.errors import DesignError
from escalation.results import Presents, Summary, package_versions
from escalation.timeline.matrix import Coding

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "SUBGROUPS",
    "EffectModel",
    "HeterogeneityResult",
    "estimate_heterogeneity",
    "fit_effect_model",
    "forest_size",
    "subgroup_levels",
    "subgroup_sort_key",
]

#: Pre-registered subgroups: name → column they are derived from.
SUBGROUPS = {"age_band": "age", "n_factors": "n_factors", "deprivation": "imd_decile"}
#: Age bands at time zero, youngest first. Unborn children (a negative age: records
#: before birth, which the case-history contract allows) are a band of their own.
AGE_BANDS: Final = ("unborn", "0-4", "5-10", "11-15", "16-17")
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


def subgroup_levels(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the pre-registered subgroup of each row (columns present in ``frame`` only).

    ``age_band``: unborn (age at time zero below 0: the decision was made before
    birth), 0-4, 5-10, 11-15, 16-17 years; ``n_factors``: 0, 1, 2, 3+;
    ``deprivation``: IMD deciles 1-3 (most deprived), 4-7, 8-10.

    Examples
    --------
    >>> subgroup_levels(pd.DataFrame({"age": [-0.3, 2, 12], "n_factors": [1, 0, 5]}))
      age_band n_factors
    0   unborn         1
    1      0-4         0
    2    11-15        3+
    """
    out = pd.DataFrame(index=frame.index)
    if "age" in frame:
        out["age_band"] = pd.cut(
            frame["age"],
            [-np.inf, 0, 5, 11, 16, np.inf],
            right=False,
            labels=list(AGE_BANDS),
        ).astype(str)
    if "n_factors" in frame:
        k = frame["n_factors"].clip(upper=3).astype(int)
        out["n_factors"] = k.astype(str).replace({"3": "3+"})
    if "imd_decile" in frame:
        imd = pd.to_numeric(frame["imd_decile"], errors="coerce")
        out["deprivation"] = pd.cut(imd, [0, 3, 7, 10], labels=["1-3", "4-7", "8-10"]).astype(str)
    return out


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
        when the caller has it: it is not coded again.
        """
        x = (self.coding.apply(frame) if coded is None else coded).to_numpy(dtype=float)
        out: np.ndarray = (x - self.center) / self.scale
        return out

    def predict(self, frame: pd.DataFrame, coded: pd.DataFrame | None = None) -> np.ndarray:
        """Return each row's estimated effect: risk with treatment minus risk without.

        ``coded``: ``frame`` already coded by :attr:`coding`, if at hand (see
        :meth:`standardised`).
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
        Minimum leaf size.
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
    dml = import_module_quietly("econml.dml")
    from sklearn.linear_model import LinearRegression, LogisticRegression

    adjust = confounders(
        frame, covariates, formula, duration=duration, event=event, min_count=min_count,
        treatment=treatment,
    )  # fmt: skip
    duration, event = adjust.duration, adjust.event
    coding = adjust.coding
    # The forest draws rows by position: in spell_id order, the same spells grow the same
    # forest whatever order they arrive in.
    frame, _ = in_canonical_order(frame)
    x = coding.apply(frame).to_numpy(dtype=float)
    center = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    xs = (x - center) / scale
    y, _ = ipcw_outcome(frame[duration].to_numpy(float), frame[event].to_numpy(np.int64), horizon)
    a = frame[treatment].to_numpy().astype(int)
    trees = forest_size(n_estimators)
    with warnings.catch_warnings():
        _quiet_noise()
        forest = dml.CausalForestDML(
            model_y=LinearRegression(),
            model_t=LogisticRegression(max_iter=1000),
            discrete_treatment=True,
            n_estimators=trees,
            min_samples_leaf=min_samples_leaf,
            cv=2,
            random_state=seed,
            n_jobs=1,
            # No doubly robust ATE on the training rows (``ate_``, unused here): it cost
            # a tenth of the fit in out-of-bag predictions and changes nothing else.
            drate=False,
        )
        forest.fit(y, a, X=xs)
    return EffectModel(int(horizon), coding, center, scale, forest, duration, event)


@dataclass(frozen=True)
class HeterogeneityResult(Presents):
    """Child-level and subgroup effects, and the best linear projection.

    Attributes
    ----------
    horizon : int
        Days.
    effect : numpy.ndarray
        Each child's estimated risk difference by the horizon, in the row order of the
        frame.
    subgroups : pandas.DataFrame
        ``subgroup, level, n, estimate, conf_low, conf_high``.
    projection : pandas.DataFrame
        ``term, estimate, std_error, conf_low, conf_high, conf_level, p_value``.
    backend : dict
        ``{"forest": CausalForestDML, "projection": LinearDML, "effect_model":
        EffectModel}`` (the forest with its coding, e.g. for the policy study's benefit
        rule).
    """

    horizon: int
    effect: np.ndarray
    subgroups: pd.DataFrame
    projection: pd.DataFrame
    backend: dict[str, Any] = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """Return the subgroup table with ``horizon``."""
        return self.subgroups.assign(horizon=self.horizon)

    def effects(self) -> pd.DataFrame:
        """Return per-child effects (column ``effect``), in row order, without identifiers."""
        return pd.DataFrame({"effect": self.effect})

    def glance(self) -> pd.DataFrame:
        """Return one row: n, horizon, mean effect, method, versions."""
        row = {
            "n": len(self.effect),
            "horizon": self.horizon,
            "mean_effect": float(np.mean(self.effect)),
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
) -> HeterogeneityResult:
    """Estimate heterogeneous effects with a causal forest on the censoring-weighted outcome.

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

    Returns
    -------
    HeterogeneityResult

    Notes
    -----
    The forest and the projection's cross-fitting draw rows at random by position, so the
    rows are put in ``spell_id`` order first (a frame already in that order is used as it
    is): the same spells give the same estimates for a seed whatever their order. Without a
    ``spell_id`` column the row order is part of the input: the same rows in another order
    give other estimates.

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
    >>> out = estimate_heterogeneity(frame, covariates=["age", "n_factors", "imd_decile"],
    ...                              horizon=365, n_estimators=20)
    >>> sorted(out.tidy()["subgroup"].unique())
    ['age_band', 'deprivation', 'n_factors']
    """
    dml = import_module_quietly("econml.dml")
    from sklearn.linear_model import LinearRegression, LogisticRegression

    # The forest and the projection's cross-fitting draw rows by position: in spell_id
    # order, the same spells give the same answer whatever order they arrive in.
    spells, covariates = spells_and_covariates(frame, covariates, formula)
    frame, order = in_canonical_order(spells)
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
    xs = model.standardised(frame)
    y, _ = ipcw_outcome(frame[duration].to_numpy(float), frame[event].to_numpy(np.int64), horizon)
    a = frame[treatment].to_numpy().astype(int)
    alpha = 1 - conf_level
    with warnings.catch_warnings():
        _quiet_noise()
        effect = _forest_effect(forest, xs)
        groups = subgroup_levels(frame)
        if groups.empty:
            raise DesignError(
                "no subgroup columns (age, n_factors, imd_decile) in the data: "
                "heterogeneity needs at least one"
            )
        rows = []
        for name in groups.columns:
            for level in sorted(groups[name].unique(), key=subgroup_sort_key):
                index = np.flatnonzero(groups[name].to_numpy() == level)
                low, high = forest.ate_interval(X=xs[index], alpha=alpha)
                rows.append(
                    {
                        "subgroup": name,
                        "level": str(level),
                        "n": len(index),
                        "estimate": float(np.mean(effect[index])),
                        "conf_low": float(np.asarray(low).ravel()[0]),
                        "conf_high": float(np.asarray(high).ravel()[0]),
                    }
                )
        blp_x = pd.get_dummies(groups, drop_first=True, dtype=float)
        projection = dml.LinearDML(
            model_y=LinearRegression(),
            model_t=LogisticRegression(max_iter=1000),
            discrete_treatment=True,
            cv=2,
            random_state=seed,
        )
        projection.fit(y, a, X=blp_x.to_numpy(), W=xs)
        coef = projection.coef__inference()
        intercept = projection.intercept__inference()
    est = np.r_[np.ravel(intercept.point_estimate), np.ravel(coef.point_estimate)]
    se = np.r_[np.ravel(intercept.stderr), np.ravel(coef.stderr)]
    from scipy import stats

    z = stats.norm.ppf(0.5 + conf_level / 2)
    blp = pd.DataFrame(
        {
            "term": ["intercept", *blp_x.columns],
            "estimate": est,
            "std_error": se,
            "conf_low": est - z * se,
            "conf_high": est + z * se,
            "conf_level": conf_level,
            "p_value": 2 * stats.norm.sf(np.abs(est / se)),
        }
    )
    return HeterogeneityResult(
        int(horizon),
        restore(effect, order),
        pd.DataFrame(rows),
        blp,
        {"forest": forest, "projection": projection, "effect_model": model},
    )
