"""Propensity scores: the probability of early help given baseline covariates.

A main-effects logistic model is the default, fitted by the package's one logistic
regression (:mod:`escalation.core.logistic`: Newton–Raphson with one convergence rule and
one separation rule, so a covariate that predicts treatment perfectly gives a
:class:`~escalation.errors.StatisticalWarning`, never a silently clipped coefficient); the
statsmodels GLM of the same model is available as ``.backend``. Any scikit-learn
classifier with ``predict_proba`` can be used instead. Covariates are coded with
:class:`escalation.timeline.CovariateCoding`, the one coding every model shares; constant
and collinear columns are left out by the core's one collinearity check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._formula_shown import shown_formula
from escalation._vocabulary import INTERCEPT, covariates_apart, spells_of, warn_deprecated
from escalation.core.collinearity import left_out_phrase, redundant_columns
from escalation.core.logistic import fit_logistic, predict_logistic
from escalation.errors import DataValidationError, DesignError, Problem, available_columns
from escalation.formula import FormulaCoding, formula_argument, warn_rare_levels
from escalation.results import Presents, Summary, package_versions, standard_errors
from escalation.survival._result import check_conf_level
from escalation.timeline.matrix import Coding, CovariateCoding, coding_left_out, given_coding

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "PropensityModel",
    "PropensityResult",
    "drop_redundant",
    "fit_propensity",
    "treatment_vector",
]

FloatArray = npt.NDArray[np.float64]
#: Kinds of propensity model.
PropensityModel = Literal["logistic", "learner"]
PROPENSITY_MODELS = get_args(PropensityModel)


def treatment_vector(
    frame: pd.DataFrame, treatment: str, *, both_arms: bool = True
) -> npt.NDArray[np.int64]:
    """Return the 0/1 treatment column as integers, or raise naming the bad rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The spells.
    treatment : str
        The treatment column.
    both_arms : bool, default True
        Require rows of both arms (an effect needs them; a summary by arm does not).

    Raises
    ------
    DesignError
        When the column is not in the table, the table has no rows or one arm only.
    DataValidationError
        When the column holds values other than 0 and 1 (naming the rows).
    """
    if treatment not in frame.columns:
        raise DesignError(
            f"treatment column {treatment!r} is not in the table"
            f"{available_columns([treatment], frame.columns)}"
        )
    if both_arms and not len(frame):
        raise DesignError("the spells table has no rows: effects need treated and untreated spells")
    values = pd.to_numeric(frame[treatment], errors="coerce")
    bad = ~values.isin([0, 1])
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        problems = [
            Problem("spells", int(r), treatment, frame[treatment].iloc[r], "must be 0 or 1")
            for r in rows[:20]
        ]
        raise DataValidationError(problems, f"treatment column {treatment!r}")
    out: npt.NDArray[np.int64] = values.to_numpy(dtype=np.int64)
    if both_arms and out.min() == out.max():
        raise DesignError(
            f"treatment column {treatment!r} has only the value {int(out[0])}: "
            "effects need treated and untreated spells"
        )
    return out


def drop_redundant(matrix: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Drop constant columns and columns that are linear combinations of earlier ones.

    Coded covariates often contain such columns (a flag nobody has in this cohort, a count
    equal to the sum of flags); models cannot estimate them. The check is the core's
    :func:`escalation.core.collinearity.redundant_columns`.

    Returns
    -------
    tuple
        The reduced matrix and the names of the dropped columns.

    Examples
    --------
    >>> m = pd.DataFrame({"a": [1.0, 0, 1, 0], "b": [0.0, 1, 1, 0], "c": [1.0, 1, 2, 0],
    ...                   "d": [3.0, 3, 3, 3]})
    >>> drop_redundant(m)[1]
    ('c', 'd')
    """
    reduced, reasons = left_out_columns(matrix)
    return reduced, tuple(reasons)


def left_out_columns(matrix: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Return the matrix without its redundant columns, and why each was left out."""
    found = redundant_columns(matrix.to_numpy(dtype=float))
    reasons = found.reasons([str(c) for c in matrix.columns])
    return matrix.loc[:, found.keep], reasons


@dataclass(frozen=True)
class PropensityResult(Presents):
    """A fitted propensity model and its scores.

    Attributes
    ----------
    scores : numpy.ndarray
        P(treatment = 1 | covariates) for each row of the data.
    treatment : numpy.ndarray
        The observed 0/1 treatment.
    coding : CovariateCoding or FormulaCoding
        How covariates were turned into numbers.
    matrix : pandas.DataFrame
        The coded covariate matrix.
    method : str
        ``"logistic"`` or ``"learner"``.
    dropped : tuple of str
        Coded columns left out because constant or collinear, and covariates that code no
        column (a categorical whose every level was pooled into ``other``:
        :attr:`~escalation.timeline.CovariateCoding.left_out`).
    coefficients : pandas.Series or None
        Logistic coefficients (log odds ratios; ``intercept`` first), ``None`` for a
        learner (``coef`` before 0.2).
    covariance : pandas.DataFrame or None
        Their model-based covariance (``None`` for a learner).
    separated : tuple of str
        Terms whose coefficients are infinite (separation: a covariate that predicts
        treatment perfectly, so positivity fails), named in a warning at fit.
    learner : object or None
        The fitted scikit-learn learner (``model="learner"``).
    dropped_reasons : tuple of str
        Why each of :attr:`dropped` was left out (``"no variation"``, ``"collinear with
        a, b"``); :meth:`summary` shows them.
    conf_level : float
        Level of the intervals of :meth:`tidy` (``fit_propensity(conf_level=)``), as every
        model result keeps its level.
    """

    scores: FloatArray
    treatment: npt.NDArray[np.int64]
    coding: Coding
    matrix: pd.DataFrame = field(repr=False)
    method: str
    dropped: tuple[str, ...] = ()
    coefficients: pd.Series | None = field(default=None, repr=False)
    covariance: pd.DataFrame | None = field(default=None, repr=False)
    separated: tuple[str, ...] = ()
    learner: Any = field(default=None, repr=False)
    dropped_reasons: tuple[str, ...] = ()
    conf_level: float = 0.95

    @property
    def coef(self) -> FloatArray | None:
        """Deprecated: :attr:`coefficients` as an array."""
        warn_deprecated("PropensityResult.coef is renamed coefficients")
        if self.coefficients is None:
            return None
        return np.asarray(self.coefficients.to_numpy(), dtype=float)

    @cached_property
    def backend(self) -> Any:
        """The fitted learner, or the statsmodels GLM of the logistic model (fitted on access).

        The GLM starts from the core's estimate, so it only confirms it; it plays no
        part in the scores.
        """
        if self.method != "logistic":
            return self.learner
        import statsmodels.api as sm

        x = sm.add_constant(self.matrix.to_numpy(dtype=float), has_constant="add")
        glm = sm.GLM(self.treatment, x, family=sm.families.Binomial())
        assert self.coefficients is not None
        return glm.fit(start_params=self.coefficients.to_numpy(dtype=float))

    def tidy(self, conf_level: float | None = None) -> pd.DataFrame:
        """Return the logistic coefficients (log odds ratios); empty for a learner.

        Parameters
        ----------
        conf_level : float, optional
            Level of the Wald intervals (default: the fit's :attr:`conf_level`).
        """
        conf_level = self.conf_level if conf_level is None else conf_level
        columns = ["term", "estimate", "std_error", "conf_low", "conf_high", "conf_level"]
        if self.method != "logistic":
            return pd.DataFrame(columns=[*columns, "p_value"])
        assert self.coefficients is not None and self.covariance is not None
        params = self.coefficients.to_numpy(dtype=float)
        se = standard_errors(self.covariance)
        z = stats.norm.ppf(0.5 + check_conf_level(conf_level) / 2)
        return pd.DataFrame(
            {
                "term": list(map(str, self.coefficients.index)),
                "estimate": params,
                "std_error": se,
                "conf_low": params - z * se,
                "conf_high": params + z * se,
                "conf_level": conf_level,
                "p_value": 2.0 * stats.norm.sf(np.abs(params / se)),
            }
        )

    def glance(self) -> pd.DataFrame:
        """Return one row: n, treated, score range, method and versions."""
        row = {
            "n": len(self.scores),
            "treated": int(self.treatment.sum()),
            "min_score": float(self.scores.min()),
            "max_score": float(self.scores.max()),
            "method": self.method,
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return a printable summary (never prints)."""
        facts = {k: v for k, v in self.glance().iloc[0].items() if k in {"n", "treated", "method"}}
        if self.dropped:
            facts["left out"] = left_out_phrase(self.dropped, self.dropped_reasons)
        return Summary("Propensity model", facts, self.tidy())

    def overlap(self, weights: npt.ArrayLike | None = None) -> pd.DataFrame:
        """Return the overlap frame ``propensity, treatment, weight`` (for figures)."""
        w = np.ones(len(self.scores)) if weights is None else np.asarray(weights, dtype=float)
        return pd.DataFrame({"propensity": self.scores, "treatment": self.treatment, "weight": w})


def fit_propensity(
    frame: SpellData | pd.DataFrame,
    treatment: str | None = None,
    covariates: Sequence[str] | None = None,
    *,
    formula: str | None = None,
    model: PropensityModel = "logistic",
    learner: Any = None,
    min_count: int = 20,
    coding: Coding | None = None,
    conf_level: float = 0.95,
) -> PropensityResult:
    """Fit a propensity model for a binary treatment.

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        Any table with the treatment and covariate columns (e.g. ``SpellData.spells``).
    treatment : str
        The 0/1 treatment column (or a formula ``"treatment ~ x + C(g)"``).
    covariates : sequence of str
        Baseline covariates (coded with :class:`CovariateCoding`).
    formula : str, optional
        ``"treatment ~ x + C(g, Treatment('b')) + bs(age, df=3)"`` instead of
        ``treatment`` and ``covariates`` (see :mod:`escalation.formula`); the model has an
        intercept, as R's ``glm``.
    model : {"logistic", "learner"}, default "logistic"
        Main-effects logistic regression (:mod:`escalation.core.logistic`), or a
        scikit-learn classifier.
    learner : sklearn classifier, optional
        Required when ``model="learner"``; cloned and fitted on the coded covariates.
    min_count : int, default 20
        Categorical levels of ``covariates`` with fewer rows are pooled into ``other``
        (see :class:`CovariateCoding`). A formula's levels are used as written: a
        ``StatisticalWarning`` names its categorical variables with rarer levels.
    coding : CovariateCoding or FormulaCoding, optional
        A coding learned earlier (default: learned from ``frame``). The rows of
        ``frame`` are new to it: a categorical value it has no level for (and no
        ``other`` level to take it) is refused, not coded as the reference level.
    conf_level : float, default 0.95
        Level of the intervals of :meth:`PropensityResult.tidy`, as ``fit_cox``'s.

    Returns
    -------
    PropensityResult

    Raises
    ------
    DataValidationError
        When a categorical value of ``frame`` has no level of a ``coding`` given (not
        seen when it was learned, or missing where no value was), naming the table
        ``spells``, the row, the column and the value; or a numeric covariate is missing
        or infinite.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=400)
    >>> frame = pd.DataFrame({"x": x, "a": (rng.random(400) < 1 / (1 + np.exp(-x))).astype(int)})
    >>> fit = fit_propensity(frame, "a", ["x"])
    >>> fit.tidy()["term"].tolist()
    ['(Intercept)', 'x']
    >>> bool(0 < fit.scores.min() < fit.scores.max() < 1)
    True
    >>> fit_propensity(frame, formula="a ~ x + I(x**2)").tidy()["term"].tolist()
    ['(Intercept)', 'x', 'I(x ** 2)']
    """
    frame = spells_of(frame, function="fit_propensity")
    conf_level = check_conf_level(conf_level)
    if model not in PROPENSITY_MODELS:
        raise DesignError(f"propensity model {model!r} is not one of {PROPENSITY_MODELS}")
    parsed = formula_argument(treatment, formula, what="treatment")
    if parsed is not None:
        if len(parsed.response) != 1 or parsed.strata or parsed.cluster:
            raise DesignError(
                "a propensity formula is 'treatment ~ covariates', got "
                f"{shown_formula(parsed.formula)!r}"
            )
        if covariates is not None or coding is not None:
            raise DesignError("give a formula or covariates (or a coding), not both")
        treatment = parsed.response[0]
        learnt = FormulaCoding.learn(frame, parsed.rhs)
        covariates_apart(learnt.columns, {"treatment": treatment})
        warn_rare_levels(frame, learnt, min_count)  # a formula's levels: as written
        coding = learnt
    if treatment is None:
        raise DesignError("name the treatment column, or give a formula 'treatment ~ x'")
    a = treatment_vector(frame, treatment)
    if coding is None:
        if covariates is None:
            raise DesignError("name the covariates, or give a formula 'treatment ~ x'")
        covariates_apart(list(covariates), {"treatment": treatment})
        coding = CovariateCoding.learn(frame, list(covariates), min_count=min_count)
    else:
        coding = given_coding(coding)
    # "spells": rows new to a coding given (one learned here has a level for each value)
    matrix, redundant = left_out_columns(coding.apply(frame, table="spells"))
    left_out = {**coding_left_out(coding), **redundant}  # a covariate coding no column too
    dropped = tuple(left_out)
    x = matrix.to_numpy(dtype=float)
    if model == "learner":
        if learner is None:
            raise DesignError('model="learner" needs a scikit-learn classifier as learner=')
        from sklearn.base import clone

        fitted = clone(learner).fit(x, a)
        scores = np.asarray(fitted.predict_proba(x)[:, 1], dtype=float)
        return PropensityResult(
            scores,
            a,
            coding,
            matrix,
            "learner",
            dropped,
            learner=fitted,
            dropped_reasons=tuple(left_out.values()),
            conf_level=conf_level,
        )
    names = [str(c) for c in matrix.columns]
    fit = fit_logistic(x, a, names=names, what="the propensity model")
    labels = [INTERCEPT, *names]
    return PropensityResult(
        predict_logistic(fit.coef, x),
        a,
        coding,
        matrix,
        "logistic",
        dropped,
        coefficients=pd.Series(fit.coef, index=labels, name="estimate"),
        covariance=pd.DataFrame(fit.covariance, index=labels, columns=labels),
        separated=tuple(labels[j] for j in fit.separated),
        dropped_reasons=tuple(left_out.values()),
        conf_level=conf_level,
    )
