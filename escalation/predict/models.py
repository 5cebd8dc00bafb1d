r"""Risk models of escalation by a horizon: Cox, penalised Cox, gradient boosting, forests.

Each model learns the *cause-specific* hazard of escalation from the training spells
(children who died or were censored leave the risk set without escalating) and predicts
each child's cumulative incidence of escalation by a horizon,

.. math:: F_1(t \mid x) = \sum_{t_j \le t} \exp\{-\Lambda_1(t_{j-1} \mid x) - \Lambda_2(t_{j-1})\}
          \, \Delta\Lambda_1(t_j \mid x),

where :math:`\Lambda_1` is the model's cumulative hazard of escalation and
:math:`\Lambda_2` the Nelson–Aalen cumulative hazard of death (the competing event) in
the training spells, without covariates: deaths are rare in children's social care, too
rare to model, but they still remove children from the risk of escalation, so the
predicted risk is a proper cumulative incidence, not one minus a survival probability
that would treat death as censoring.

Models
------
``cox``
    Cox proportional hazards (lifelines ``CoxPHFitter``, Efron ties); constant and
    collinear columns are dropped before fitting.
``penalised_cox``
    Elastic-net Cox (lifelines ``penalizer`` and ``l1_ratio``; covariates are
    standardised internally so the penalty treats them alike).
``gradient_boosting``
    Gradient-boosted Cox model (``sksurv.ensemble.GradientBoostingSurvivalAnalysis``,
    regression-tree base learners, Cox partial likelihood loss).
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

from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
)

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

        Parameters
        ----------
        covariates : pandas.DataFrame
            Numeric covariates, one row per training spell.
        duration : array_like
            Follow-up in days (> 0).
        event : array_like of int
            0 censored, 1 escalation, 2+ competing (death).

        Returns
        -------
        FittedRiskModel

        Raises
        ------
        DataValidationError
            When there are no escalations or the inputs do not line up.
        ConvergenceError
            When the Cox fit fails (try ``penalised_cox``).
        """
        time = np.asarray(duration, dtype=float)
        code = np.asarray(event, dtype=np.int64)
        if len(time) != len(covariates) or len(code) != len(time):
            raise DataValidationError(
                [Problem("training", None, None, None, "covariates, duration, event differ")],
                "training spells",
            )
        if not (code == 1).any():
            raise DataValidationError(
                [Problem("training", None, "event", None, "no escalations to learn from")],
                "training spells",
            )
        x = covariates.astype(float)
        keep = _usable_columns(x, drop_collinear=self.kind == "cox")
        x = x[keep]
        grid = np.unique(time[code > 0])
        death = _nelson_aalen(time, code >= 2, grid)
        backend = self._fit_backend(x, time, code == 1)
        return FittedRiskModel(self, tuple(keep), grid, death, backend)

    def _fit_backend(self, x: pd.DataFrame, time: FloatArray, escalated: Any) -> Any:
        if self.kind in ("cox", "penalised_cox"):
            from lifelines import CoxPHFitter
            from lifelines.exceptions import ConvergenceError as LifelinesConvergence
            from lifelines.exceptions import ConvergenceWarning as LifelinesWarning

            penalizer = 0.0 if self.kind == "cox" else self.penalizer
            l1 = 0.0 if self.kind == "cox" else self.l1_ratio
            frame = x.assign(_duration=time, _event=escalated.astype(int))
            try:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", LifelinesWarning)
                    fitted = CoxPHFitter(penalizer=penalizer, l1_ratio=l1).fit(
                        frame, duration_col="_duration", event_col="_event"
                    )
                _rewarn(caught, self.kind)
                return fitted
            except (LifelinesConvergence, np.linalg.LinAlgError) as error:
                raise ConvergenceError(
                    f"the {self.kind} model did not converge on {len(x):,} spells and "
                    f"{x.shape[1]} covariates ({error.__class__.__name__}); use "
                    "'penalised_cox' or fewer covariates"
                ) from error
        # imported by name: scikit-survival ships no type information
        ensemble: Any = importlib.import_module("sksurv.ensemble")
        util: Any = importlib.import_module("sksurv.util")
        y = util.Surv.from_arrays(escalated.astype(bool), time)
        model: Any
        if self.kind == "gradient_boosting":
            model = ensemble.GradientBoostingSurvivalAnalysis(
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
        Nelson–Aalen cumulative hazard of the competing event on ``grid``.
    backend : object
        The lifelines ``CoxPHFitter`` or scikit-survival estimator.
    """

    spec: RiskModel
    columns: tuple[str, ...]
    grid: FloatArray
    death_hazard: FloatArray
    backend: Any = field(repr=False)

    def cumulative_hazard(self, covariates: pd.DataFrame) -> FloatArray:
        """Return the cumulative hazard of escalation on :attr:`grid`, one row per spell."""
        x = covariates.astype(float).reindex(columns=list(self.columns), fill_value=0.0)
        if self.spec.kind in ("cox", "penalised_cox"):
            frame = self.backend.predict_cumulative_hazard(x, times=self.grid)
            return np.asarray(frame.to_numpy().T, dtype=float)
        functions = self.backend.predict_cumulative_hazard_function(x.to_numpy(), return_array=True)
        own = np.asarray(self.backend.unique_times_, dtype=float)
        index = np.searchsorted(own, self.grid, side="right") - 1
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
            Shape ``(len(covariates), len(times))``, values in [0, 1].

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
        escalation = self.cumulative_hazard(covariates)
        increments = np.diff(escalation, axis=1, prepend=0.0)
        total = escalation + self.death_hazard[None, :]
        before = np.exp(-np.concatenate([np.zeros((len(total), 1)), total[:, :-1]], axis=1))
        cif = np.cumsum(before * np.clip(increments, 0, None), axis=1)
        index = np.searchsorted(self.grid, at, side="right") - 1
        out = np.where(index[None, :] >= 0, cif[:, np.clip(index, 0, None)], 0.0)
        return np.asarray(np.clip(out, 0.0, 1.0), dtype=float)


def _rewarn(caught: list[warnings.WarningMessage], kind: str) -> None:
    """Re-issue lifelines' convergence warnings as StatisticalWarning, others unchanged."""
    for item in caught:
        if item.category.__name__ == "ConvergenceWarning":
            first = str(item.message).strip().split(". ")[0].replace("death event", "event")
            advice = "fewer covariates" if kind == "penalised_cox" else "'penalised_cox'"
            warnings.warn(
                f"{kind} (lifelines): {first}; estimates may be unstable: consider {advice}",
                StatisticalWarning,
                stacklevel=4,
            )
        else:
            warnings.warn(item.message, item.category, stacklevel=4)


def _nelson_aalen(time: FloatArray, died: Any, grid: FloatArray) -> FloatArray:
    at_risk = len(time) - np.searchsorted(np.sort(time), grid, side="left")
    deaths = np.bincount(
        np.searchsorted(grid, time[np.asarray(died, bool)]), minlength=len(grid) + 1
    )[: len(grid)]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(at_risk > 0, deaths / at_risk, 0.0)
    return np.asarray(np.cumsum(hazard), dtype=float)


def _usable_columns(x: pd.DataFrame, *, drop_collinear: bool) -> list[str]:
    """Columns that vary; for an unpenalised Cox, also a linearly independent subset."""
    varying = [c for c in x.columns if x[c].nunique() > 1]
    if not drop_collinear or not varying:
        return varying
    matrix = x[varying].to_numpy()
    matrix = (matrix - matrix.mean(axis=0)) / matrix.std(axis=0)
    basis = np.zeros((len(matrix), 0))
    kept: list[int] = []
    for j in range(matrix.shape[1]):
        column = matrix[:, j]
        residual = column - basis @ (basis.T @ column)
        norm = float(np.linalg.norm(residual))
        if norm > 1e-6 * float(np.linalg.norm(column)):
            basis = np.column_stack([basis, residual / norm])
            kept.append(j)
    return [varying[j] for j in kept]
