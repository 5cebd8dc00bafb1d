r"""Risk models of escalation by a horizon: Cox, penalised Cox, gradient boosting, forests.

Each model learns the *cause-specific* hazard of escalation from the training spells
(children who died or were censored leave the risk set without escalating) and predicts
each child's cumulative incidence of escalation by a horizon with the package's one
cumulative-incidence formula (:mod:`escalation.core.cif`), the product limit

.. math:: F_1(t \mid x) = \sum_{t_j \le t} S(t_{j-1} \mid x)\, \Delta\Lambda_1(t_j \mid x),
          \qquad S(t_j \mid x) = \prod_{t_k \le t_j}
          \{1 - \Delta\Lambda_1(t_k \mid x) - \Delta\Lambda_2(t_k)\},

where :math:`\Lambda_1` is the model's cumulative hazard of escalation and
:math:`\Lambda_2` the cumulative hazard of death (the competing event) in the training
spells without covariates (an intercept-only Cox model with Efron ties: the
Efron-corrected Nelson–Aalen estimate). Deaths are rare in children's social care, too
rare to model, but they still remove children from the risk of escalation, so the
predicted risk is a proper cumulative incidence, never above 1, not one minus a survival
probability that would treat death as censoring. For ``cox`` this is exactly
``riskRegression::predictRisk`` of ``CSC(list(Hist(time, event) ~ x, Hist(time, event) ~ 1))``
(``tests/reference/core``).

Models
------
``cox``
    Cox proportional hazards with Efron ties, fitted by the package's numerical core
    (:mod:`escalation.core.coxfit`); the baseline hazard is Efron-corrected, as R's. Constant
    and collinear columns are dropped before fitting (the core's collinearity check).
``penalised_cox``
    Elastic-net Cox (lifelines ``CoxPHFitter`` with ``penalizer`` and ``l1_ratio``;
    covariates are standardised internally so the penalty treats them alike).
``gradient_boosting``
    Gradient-boosted Cox model (``sksurv.ensemble.GradientBoostingSurvivalAnalysis``,
    regression-tree base learners, Cox partial likelihood loss), its loss evaluated by
    the package's risk sets (:class:`escalation.predict.boosting.BoostedCox`).
``random_forest``
    Random survival forest (``sksurv.ensemble.RandomSurvivalForest``).

References
----------
Ishwaran H, Kogalur UB, Blackstone EH, Lauer MS (2008). Random survival forests. Ann Appl
Stat 2:841–60. doi:10.1214/08-AOAS169.
Putter H, Fiocco M, Geskus RB (2007). Tutorial in biostatistics: competing risks and
multi-state models. Stat Med 26:2389–430. doi:10.1002/sim.2712.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import spare_column
from escalation.core.cif import cumulative_incidence
from escalation.core.collinearity import redundant_columns
from escalation.core.coxfit import CoxFit, fit_cox_model
from escalation.core.riskset import CoxData, cox_terms
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
)
from escalation.predict._inputs import by_label
from escalation.survival._outcome import durations, past_follow_up

__all__ = ["MODEL_KINDS", "FittedRiskModel", "ModelKind", "RiskModel", "risk_model"]

FloatArray = npt.NDArray[np.float64]
ModelKind = Literal["cox", "penalised_cox", "gradient_boosting", "random_forest"]
#: The model kinds, in the order reports list them.
MODEL_KINDS: Final[tuple[str, ...]] = get_args(ModelKind)


@dataclass(frozen=True)
class RiskModel:
    """Configuration of a risk model (no data); :meth:`fit` returns a fitted model.

    Parameters
    ----------
    kind : {"cox", "penalised_cox", "gradient_boosting", "random_forest"}
        Which model.
    penalizer : float
        Penalty strength of ``penalised_cox`` (lifelines ``penalizer``).
    l1_ratio : float
        Share of the L1 (lasso) penalty in ``penalised_cox``.
    n_estimators : int
        Boosting iterations or trees.
    learning_rate : float
        Shrinkage of ``gradient_boosting``.
    max_depth : int
        Depth of the boosted trees.
    min_samples_leaf : int
        Smallest leaf of the trees.
    seed : int
        Seed of the tree learners.

    Examples
    --------
    >>> spec = risk_model("penalised_cox")
    >>> spec.kind, spec.penalizer, spec.l1_ratio
    ('penalised_cox', 0.05, 0.5)
    """

    kind: ModelKind = "cox"
    penalizer: float = 0.05
    l1_ratio: float = 0.5
    n_estimators: int = 100
    learning_rate: float = 0.1
    max_depth: int = 3
    min_samples_leaf: int = 20
    seed: int = 0

    def fit(
        self, covariates: pd.DataFrame, duration: npt.ArrayLike, event: npt.ArrayLike
    ) -> FittedRiskModel:
        """Fit the model on numeric ``covariates`` (e.g. from ``CovariateCoding.apply``).

        A Series of ``duration`` or ``event`` is read by the labels of ``covariates``
        (:func:`~escalation.predict._inputs.by_label`: other labels are refused); an
        array by position.

        Parameters
        ----------
        covariates : pandas.DataFrame
            Numeric covariates, one row per training spell.
        duration : array_like
            Follow-up in days (> 0); times equal up to floating-point rounding are one
            time, as R's ``coxph`` makes them (``timefix``).
        event : array_like of int
            0 censored, 1 escalation, 2+ competing (death).

        Returns
        -------
        FittedRiskModel

        Raises
        ------
        DataValidationError
            When there are no escalations, the inputs do not line up, or a duration is
            missing or not > 0 (naming table ``training``, the row, the column and value).
        ConvergenceError
            When the Cox fit fails (try ``penalised_cox``).

        Warns
        -----
        StatisticalWarning
            Separation in the ``cox`` model (a covariate with all or none of the
            escalations), by the one rule of :mod:`escalation.core.newton`.
        """
        index = covariates.index
        given = np.asarray(by_label(duration, index, table="training", column="duration"))
        code = np.asarray(by_label(event, index, table="training", column="event"), np.int64)
        if len(given) != len(covariates) or len(code) != len(given):
            raise DataValidationError(
                [Problem("training", None, None, None, "covariates, duration, event differ")],
                "training spells",
            )
        # Positive, finite days; times equal up to rounding made one time, as coxph's
        # timefix (the package's one rule): Efron's ties split them otherwise.
        time = durations(pd.Series(given, name="duration"), table="training")
        if not (code == 1).any():
            raise DataValidationError(
                [Problem("training", None, "event", None, "no escalations to learn from")],
                "training spells",
            )
        x = covariates.astype(float)
        keep = _usable_columns(x, drop_collinear=self.kind == "cox")
        x = x[keep]
        grid = np.unique(time[code > 0])
        backend = self._fit_backend(x, time, code == 1)
        return FittedRiskModel(
            self, tuple(keep), grid, _death_hazard(time, code, grid), backend, float(time.max())
        )

    def _fit_backend(self, x: pd.DataFrame, time: FloatArray, escalated: Any) -> Any:
        if self.kind == "cox":
            data, _ = CoxData.build(time, escalated, x.to_numpy(dtype=float))
            return fit_cox_model(
                data, "efron", what="the cox risk model of escalation", names=list(x.columns)
            )
        if self.kind == "penalised_cox":
            from lifelines import CoxPHFitter
            from lifelines.exceptions import ConvergenceError as LifelinesConvergence
            from lifelines.exceptions import ConvergenceWarning as LifelinesWarning
            from scipy.linalg import LinAlgWarning

            # helper columns named apart from the covariates, which they must not overwrite
            duration = spare_column("_duration", x.columns)
            event = spare_column("_event", [*x.columns, duration])
            frame = x.assign(**{duration: time, event: escalated.astype(int)})
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", LifelinesWarning)
                    # Numerical trouble on the way (an ill-conditioned Newton step, an
                    # overflow) is reported like non-convergence, once, as a
                    # StatisticalWarning naming the remedy; dropped if the fit fails.
                    warnings.simplefilter("always", LinAlgWarning)
                    warnings.simplefilter("always", RuntimeWarning)
                    fitted = CoxPHFitter(penalizer=self.penalizer, l1_ratio=self.l1_ratio).fit(
                        frame, duration_col=duration, event_col=event
                    )
                _rewarn(caught, self.kind)
                return fitted
            except (LifelinesConvergence, np.linalg.LinAlgError) as error:
                raise ConvergenceError(
                    f"the {self.kind} model did not converge on {len(x):,} spells and "
                    f"{x.shape[1]} covariates ({error.__class__.__name__}); use fewer "
                    "covariates"
                ) from error
        # imported by name: scikit-survival ships no type information
        ensemble: Any = importlib.import_module("sksurv.ensemble")
        util: Any = importlib.import_module("sksurv.util")
        y = util.Surv.from_arrays(escalated.astype(bool), time)
        model: Any
        if self.kind == "gradient_boosting":
            from escalation.predict.boosting import BoostedCox

            model = BoostedCox(
                n_estimators=self.n_estimators,
                learning_rate=self.learning_rate,
                max_depth=self.max_depth,
                min_samples_leaf=self.min_samples_leaf,
                random_state=self.seed,
            )
        elif self.kind == "random_forest":
            model = ensemble.RandomSurvivalForest(
                n_estimators=self.n_estimators,
                min_samples_leaf=self.min_samples_leaf,
                random_state=self.seed,
                n_jobs=1,
            )
        else:  # pragma: no cover - guarded by risk_model
            raise DesignError(f"unknown risk model {self.kind!r}")
        return model.fit(x.to_numpy(), y)


def risk_model(kind: str, **options: Any) -> RiskModel:
    """Return the configuration of a risk model by name, validating the name.

    Examples
    --------
    >>> risk_model("random_forest", n_estimators=50).n_estimators
    50
    """
    if kind not in MODEL_KINDS:
        raise DesignError(f"unknown risk model {kind!r}; choose from {', '.join(MODEL_KINDS)}")
    return RiskModel(kind=kind, **options)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False)
class FittedRiskModel:
    """A fitted risk model: predicts cumulative incidence of escalation at any time.

    Attributes
    ----------
    spec : RiskModel
        The configuration.
    columns : tuple of str
        Covariates used (constant or collinear columns dropped).
    grid : numpy.ndarray
        Training event times (any cause) where the hazards jump.
    death_hazard : numpy.ndarray
        Cumulative hazard of the competing event on ``grid`` (intercept-only Cox model,
        Efron ties: the Efron-corrected Nelson–Aalen estimate).
    backend : object
        The core's :class:`~escalation.core.coxfit.CoxFit` (``cox``), the lifelines
        ``CoxPHFitter`` (``penalised_cox``) or the scikit-survival estimator.
    last_follow_up : float
        The longest training follow-up (days, event or censoring): :meth:`predict_risk`
        gives NaN past it (the one rule,
        :func:`~escalation.survival._outcome.past_follow_up`), where the risk was held
        flat at its value at the end of the training data.
    """

    spec: RiskModel
    columns: tuple[str, ...]
    grid: FloatArray
    death_hazard: FloatArray
    backend: Any = field(repr=False)
    last_follow_up: float = float("inf")

    @property
    def coefficients(self) -> pd.Series:
        """Log hazard ratios of a ``cox`` or ``penalised_cox`` model."""
        if isinstance(self.backend, CoxFit):
            return pd.Series(self.backend.beta, index=list(self.columns), name="estimate")
        if self.spec.kind == "penalised_cox":
            return pd.Series(self.backend.params_.to_numpy(), index=list(self.columns))
        raise DesignError(f"a {self.spec.kind} model has no coefficients")

    def cumulative_hazard(self, covariates: pd.DataFrame, upto: int | None = None) -> FloatArray:
        """Return the cumulative hazard of escalation on :attr:`grid`, one row per spell.

        ``upto``: only the first ``upto`` grid times (the same values, less work).
        """
        grid = self.grid[:upto]
        x = covariates.astype(float).reindex(columns=list(self.columns), fill_value=0.0)
        if isinstance(self.backend, CoxFit):
            base = np.cumsum(self.backend.hazard_on(self.grid))[:upto]
            relative = np.exp(self.backend.linear_predictor(x.to_numpy(dtype=float)))
            out: FloatArray = np.outer(relative, base)
            return out
        if self.spec.kind == "penalised_cox":
            frame = self.backend.predict_cumulative_hazard(x, times=grid)
            return np.asarray(frame.to_numpy().T, dtype=float)
        functions = self.backend.predict_cumulative_hazard_function(x.to_numpy(), return_array=True)
        own = np.asarray(self.backend.unique_times_, dtype=float)
        index = np.searchsorted(own, grid, side="right") - 1
        values = np.asarray(functions, dtype=float)[:, np.clip(index, 0, None)]
        return np.where(index[None, :] >= 0, values, 0.0)

    def predict_risk(
        self, covariates: pd.DataFrame, times: Sequence[float] | npt.ArrayLike
    ) -> FloatArray:
        """Return the cumulative incidence of escalation by each of ``times``.

        Parameters
        ----------
        covariates : pandas.DataFrame
            Numeric covariates with (at least) :attr:`columns`.
        times : array_like
            Days after time zero.

        Returns
        -------
        numpy.ndarray
            Shape ``(len(covariates), len(times))``, values in [0, 1]; NaN at a time
            past :attr:`last_follow_up` (no training spell is followed that long).

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> x = pd.DataFrame({"a": rng.normal(size=300)})
        >>> t = rng.exponential(400, 300) * np.exp(-0.7 * x["a"].to_numpy()) + 1
        >>> fitted = risk_model("cox").fit(x, t, np.where(t < 500, 1, 0))
        >>> risk = fitted.predict_risk(pd.DataFrame({"a": [-1.0, 0.0, 1.0]}), [365])
        >>> bool(np.all(np.diff(risk[:, 0]) > 0))
        True
        """
        at = np.asarray(times, dtype=float)
        # only the grid up to the last time asked for shapes the result
        upto = int(np.searchsorted(self.grid, at.max(initial=-np.inf), side="right"))
        cumulative = self.cumulative_hazard(covariates, upto)
        # The increments (np.diff with a leading 0) and their bound at 0 are written into
        # one array: each n x grid temporary costs more in fresh memory than in arithmetic.
        escalation = np.empty_like(cumulative)
        escalation[:, :1] = cumulative[:, :1] - 0.0
        np.subtract(cumulative[:, 1:], cumulative[:, :-1], out=escalation[:, 1:])
        death = np.diff(self.death_hazard[:upto], prepend=0.0)
        if np.any(escalation < -1e-12):
            # tree ensembles can give a cumulative hazard that dips: say so, do not hide it
            raise ConvergenceError(
                f"the {self.spec.kind} model's cumulative hazard decreases over time for "
                "some spells; it is not a hazard model there"
            )
        np.maximum(escalation, 0.0, out=escalation)  # rounding only (checked just above)
        # the total increments overwrite the cumulative hazards (no longer needed)
        mine = cumulative.flags.writeable and cumulative.dtype == np.float64
        total = np.add(escalation, death[None, :], out=cumulative if mine else None)
        index = np.searchsorted(self.grid[:upto], at, side="right")
        # F is 0 before the first grid time (index 0), else its value at grid time index - 1
        # (one column per time, in the shape of ``times``: (n,) for a single time)
        flat = index.reshape(-1)
        later = flat > 0
        out = np.zeros((len(escalation), flat.size))
        out[:, later] = cumulative_incidence(
            escalation, total, what=f"the {self.spec.kind} risk model", at=flat[later] - 1
        )
        # A sum of S * dLambda is a probability but can round to 1 + 2e-16, which the
        # metrics refuse as a risk outside [0, 1]: rounding only (the formula is <= 1).
        np.minimum(out, 1.0, out=out)
        out[:, past_follow_up(at.reshape(-1), self.last_follow_up)] = np.nan
        return out.reshape(len(escalation), *index.shape)


def _rewarn(caught: list[warnings.WarningMessage], kind: str) -> None:
    """Re-issue lifelines' convergence warnings as StatisticalWarning, others unchanged.

    Numerical warnings (scipy's ill-conditioning, one per Newton step; numpy overflow)
    are said once per fit, as a StatisticalWarning.
    """
    from scipy.linalg import LinAlgWarning

    said = False
    for item in caught:
        if issubclass(item.category, LinAlgWarning | RuntimeWarning):
            if said:
                continue
            said = True
            advice = "fewer covariates"  # only penalised_cox is fitted by lifelines
            warnings.warn(
                f"{kind} (lifelines): numerical trouble in the fit ({item.message}; collinear "
                f"or sparse covariates); estimates may be unstable: consider {advice}",
                StatisticalWarning,
                stacklevel=4,
            )
        elif item.category.__name__ == "ConvergenceWarning":
            first = str(item.message).strip().split(". ")[0].replace("death event", "event")
            advice = "fewer covariates" if kind == "penalised_cox" else "'penalised_cox'"
            warnings.warn(
                f"{kind} (lifelines): {first}; estimates may be unstable: consider {advice}",
                StatisticalWarning,
                stacklevel=4,
            )
        else:
            warnings.warn(item.message, item.category, stacklevel=4)


def _death_hazard(time: FloatArray, code: Any, grid: FloatArray) -> FloatArray:
    """Cumulative hazard of death on ``grid``: an intercept-only Cox model (Efron ties)."""
    died = np.asarray(code) >= 2
    if not died.any():
        return np.zeros(grid.size)
    data, _ = CoxData.build(time, died, np.zeros((time.size, 0)))
    terms = cox_terms(data, np.zeros(0), "efron")
    keep = terms.hazard_time <= grid[-1]
    position = np.searchsorted(grid, terms.hazard_time[keep])
    out: FloatArray = np.cumsum(
        np.bincount(position, weights=terms.hazard[keep], minlength=grid.size)
    )
    return out


def _usable_columns(x: pd.DataFrame, *, drop_collinear: bool) -> list[str]:
    """Columns that vary; for an unpenalised Cox, also a linearly independent subset.

    The check is the core's :func:`escalation.core.collinearity.redundant_columns`.
    """
    found = redundant_columns(x.to_numpy(dtype=float))
    keep = found.keep if drop_collinear else ~found.constant
    return [str(c) for c, k in zip(x.columns, keep, strict=True) if k]
