"""DoWhy: the causal graph implied by the design, identification, and refutations.

The design says which covariates are confounders (measured at time zero, before the
decision), which is the treatment and which outcome is studied; :func:`causal_graph`
turns that into a directed acyclic graph (every confounder → treatment and → outcome,
treatment → outcome). :func:`refute_effect` identifies the backdoor estimand with DoWhy,
estimates the risk difference at a horizon on the censoring-weighted outcome
(:func:`escalation.causal.curves.ipcw_outcome`) by linear regression adjustment, and
runs three refutations (Sharma & Kiciman 2020, arXiv:2011.04216):

``placebo_treatment``
    The treatment is permuted; the placebo's effect should be near zero.
``random_common_cause``
    A random confounder is added; the effect should not move.
``data_subset``
    The effect is re-estimated on random subsets; it should be stable.

Each refutation has a ``verdict``: ``"failed"`` when DoWhy's p-value is at most
``alpha`` (the refuter found a problem), ``"passed"`` when it is above (no problem
found; this does not show that the effect is real), ``"inconclusive"`` when there is no
p-value, or when the simulations had no spread: their mean effect equals the estimate
to within :data:`NO_SPREAD` of its size (``max(1, |estimate|)``), so DoWhy's p-value
would be rounding noise over rounding noise. Only ``"passed"`` counts as passed.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import networkx as nx
import numpy as np
import pandas as pd

from escalation._lazy import import_module_quietly
from escalation._row_order import in_canonical_order
from escalation._vocabulary import horizon_days
from escalation.causal._confounders import confounders, spells_and_covariates
from escalation.causal.curves import ipcw_outcome_of
from escalation.causal.propensity import drop_redundant, treatment_vector
from escalation.compute import one_blas_thread
from escalation.design.study import StudyDesign
from escalation.errors import DesignError, StatisticalWarning
from escalation.results import Presents, Summary, package_versions
from escalation.survival._outcome import reordered_rows

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "RefutationResult",
    "Verdict",
    "causal_graph",
    "design_graph",
    "refutation_verdict",
    "refute_effect",
]

TREATMENT = "early_help"
Verdict = Literal["passed", "failed", "inconclusive"]
#: Warnings of DoWhy's own source on a first (uncached) import: invalid escape sequences
#: in its regular expressions (DeprecationWarning to Python 3.11, SyntaxWarning from 3.12).
_IMPORT_NOISE: Final = ((DeprecationWarning, "invalid escape sequence"),
                        (SyntaxWarning, "invalid escape sequence"))  # fmt: skip


#: Relative difference between the refuter's mean effect and the estimate below which
#: the simulations are taken to have had no spread (rounding error, not a refutation).
NO_SPREAD: Final = 1e-12


def _without_spread(new_effect: float, estimate: float) -> bool:
    """Whether a refuter's mean effect equals the estimate up to rounding (no spread).

    Examples
    --------
    >>> _without_spread(-0.0263751361599 + 3e-17, -0.0263751361599), _without_spread(0.01, 0.02)
    (True, False)
    """
    return abs(new_effect - estimate) <= NO_SPREAD * max(1.0, abs(estimate))


def _check_fraction(name: str, value: float) -> None:
    """Refuse ``value`` of argument ``name`` unless strictly between 0 and 1.

    Raises
    ------
    DesignError
        Naming the argument and the value.
    """
    number = float(value)
    if not 0.0 < number < 1.0:  # NaN fails too
        raise DesignError(f"{name} = {value!r}: give a number strictly between 0 and 1")


def refutation_verdict(p_value: float, alpha: float = 0.05) -> Verdict:
    """Return the verdict of a refutation from its p-value.

    A refutation tests whether the estimate is consistent with what the refuter simulated
    (DoWhy's null hypothesis); a p-value at most ``alpha`` means the refuter found a
    problem. A missing p-value (NaN, e.g. simulations without spread) decides nothing.

    Examples
    --------
    >>> refutation_verdict(0.46), refutation_verdict(0.01), refutation_verdict(float("nan"))
    ('passed', 'failed', 'inconclusive')
    """
    p = float(p_value)
    if not np.isfinite(p) or not 0.0 <= p <= 1.0:
        return "inconclusive"
    return "failed" if p <= alpha else "passed"


def _safe(name: str) -> str:
    text = re.sub(r"\W", "_", str(name))
    return text if text and not text[0].isdigit() else f"v_{text}"


def causal_graph(
    confounders: Sequence[str], *, treatment: str = TREATMENT, outcome: str = "escalation"
) -> nx.DiGraph:
    """Return the backdoor DAG: confounders → treatment, confounders → outcome, treatment → outcome.

    Examples
    --------
    >>> g = causal_graph(["age", "n_factors"], outcome="escalation_365")
    >>> sorted(g.edges())[:3]
    [('age', 'early_help'), ('age', 'escalation_365'), ('early_help', 'escalation_365')]
    """
    graph = nx.DiGraph()
    graph.add_edge(treatment, outcome)
    for name in confounders:
        graph.add_edge(name, treatment)
        graph.add_edge(name, outcome)
    return graph


def design_graph(design: StudyDesign, horizon: int | None = None) -> nx.DiGraph:
    """Return the DAG a study design implies: its covariates confound treatment and outcome.

    Parameters
    ----------
    design : StudyDesign
        The design (``[covariates] include``, ``[treatment]``, ``[outcome]``).
    horizon : int, optional
        Outcome horizon in days (default: the design's first).

    Examples
    --------
    >>> from escalation import default_design
    >>> g = design_graph(default_design())
    >>> sorted(g.successors("early_help"))
    ['escalation_365']
    >>> "imd_decile" in g.predecessors("early_help")
    True
    """
    h = horizon if horizon is not None else design.outcome.horizons[0]
    treatment = design.treatment.kind or TREATMENT
    return causal_graph(
        list(design.covariates.include), treatment=treatment, outcome=f"escalation_{int(h)}"
    )


@dataclass(frozen=True)
class RefutationResult(Presents):
    """DoWhy identification, estimate and refutations at one horizon.

    Attributes
    ----------
    horizon : int
        Days after time zero.
    estimate : float
        Risk difference by the horizon (regression adjustment on the censoring-weighted
        outcome).
    estimand : str
        DoWhy's identified estimand, as text.
    table : pandas.DataFrame
        One row per refutation (see :meth:`tidy`).
    backend : dowhy.CausalModel
        The DoWhy model.
    """

    horizon: int
    estimate: float
    estimand: str
    table: pd.DataFrame
    backend: Any = field(repr=False)

    def tidy(self) -> pd.DataFrame:
        """Return one row per refutation.

        Columns ``refuter, horizon, estimate, new_effect, p_value, num_simulations,
        passed, verdict``: ``new_effect`` is the mean effect over the simulations (for the
        placebo, the mean placebo effect), ``p_value`` DoWhy's, ``verdict`` ``"passed"``,
        ``"failed"`` or ``"inconclusive"`` (see :func:`refutation_verdict`) and
        ``passed`` true only for ``"passed"``.
        """
        return self.table.copy()

    def glance(self) -> pd.DataFrame:
        """Return one row: horizon, estimate, refutations passed, method, versions."""
        verdicts = self.table["verdict"]
        row = {
            "horizon": self.horizon,
            "estimate": self.estimate,
            "passed": int((verdicts == "passed").sum()),
            "failed": int((verdicts == "failed").sum()),
            "inconclusive": int((verdicts == "inconclusive").sum()),
            "method": "dowhy",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return a printable summary (never prints)."""
        return Summary(
            "DoWhy refutations", {"horizon": self.horizon, "estimate": self.estimate}, self.tidy()
        )


@one_blas_thread
def refute_effect(
    frame: SpellData | pd.DataFrame,
    *,
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    horizon: int,
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    num_simulations: int = 20,
    subset_fraction: float = 0.8,
    seed: int = 1,
    min_count: int = 20,
    alpha: float = 0.05,
) -> RefutationResult:
    """Identify the effect with DoWhy and run placebo, random-cause and subset refutations.

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        One row per spell (a :class:`~escalation.timeline.SpellData` gives its ``spells``).
    covariates : sequence of str, optional
        Confounders (coded with :class:`CovariateCoding`). Default: ``model_covariates``
        of a SpellData; required (or ``formula``) for a plain DataFrame.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g)"``: the confounders as a formula, instead of
        ``covariates`` (see :mod:`escalation.formula`).
    horizon : int
        The outcome is escalation by this many days (censoring-weighted).
    duration, event, treatment : str
        Columns.
    num_simulations : int, default 20
        Simulations per refuter (at least 2: a p-value needs their spread).
    subset_fraction : float, default 0.8
        Fraction kept by the data-subset refuter (strictly between 0 and 1: the whole
        data would give the estimate back each time, with no spread).
    seed : int, default 1
        Random seed of every refuter.
    min_count : int, default 20
        Rare categorical levels are pooled.
    alpha : float, default 0.05
        A refutation passes when its p-value exceeds ``alpha``, fails when it is at most
        ``alpha`` and is inconclusive without a p-value (see :func:`refutation_verdict`)
        or when its simulations had no spread. Strictly between 0 and 1.

    Returns
    -------
    RefutationResult

    Warns
    -----
    StatisticalWarning
        When a refutation is inconclusive (DoWhy gave no p-value, or the simulations'
        mean effect equals the estimate up to rounding: no spread; its ``p_value`` is then
        missing).

    Raises
    ------
    DesignError
        When ``num_simulations`` is below 2 or ``alpha`` or ``subset_fraction`` is not
        strictly between 0 and 1, naming the argument and the value.

    Notes
    -----
    The p-values are DoWhy's (``test_significance``): with fewer than 100 simulations,
    the one-sided normal tail probability of a value under a normal distribution with
    the simulations' mean and standard deviation; from 100 on, a two-sided percentile
    p-value. For the placebo the value tested is zero (the placebo's true effect), so
    the placebo fails when its mean effect is far from zero relative to the spread of
    the placebo effects, whatever the size of the real estimate. For the random common
    cause and the subsets the value tested is the estimate, so they fail when it lies
    outside the spread of the re-estimated effects. A passed refutation shows only that
    this check found no problem. Covariate columns that are constant or linear
    combinations of others are left out first (they do not change the effect estimate).

    The refuters permute, draw and subset rows by position, so the rows are put in
    ``spell_id`` order first (a frame already in that order is used as it is): the same
    spells give the same refutations for a seed whatever their order. Without a
    ``spell_id`` column the row order is part of the input.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> x = rng.normal(size=n)
    >>> a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> t = rng.exponential(300 / np.exp(0.5 * x - 0.5 * a))
    >>> frame = pd.DataFrame({"x": x, "treatment": a, "duration": np.minimum(t, 800),
    ...                       "event": (t < 800).astype(int)})
    >>> out = refute_effect(frame, covariates=["x"], horizon=365, num_simulations=3)
    >>> print(", ".join(out.tidy()["refuter"]))
    placebo_treatment, random_common_cause, data_subset
    """
    if int(num_simulations) < 2:
        raise DesignError(
            f"num_simulations = {num_simulations!r}: give at least 2 (each refutation's "
            "p-value needs the spread of its simulations)"
        )
    _check_fraction("alpha", alpha)
    _check_fraction("subset_fraction", subset_fraction)
    (horizon,) = horizon_days([horizon])  # whole days > 0: the label is what is estimated
    with warnings.catch_warnings():
        for category, message in _IMPORT_NOISE:
            warnings.filterwarnings("ignore", message=message, category=category)
        dowhy = import_module_quietly("dowhy")

    # The refuters permute, draw and subset rows by position: in spell_id order, the same
    # spells give the same refutations whatever order they arrive in.
    spells, covariates = spells_and_covariates(frame, covariates, formula, function="refute_effect")
    frame, order = in_canonical_order(spells)
    with reordered_rows(frame, order).input_rows():  # errors name the rows of the user's table
        adjust = confounders(
            frame, covariates, formula, duration=duration, event=event, min_count=min_count,
            treatment=treatment,
        )  # fmt: skip
        duration, event = adjust.duration, adjust.event
        x, _ = drop_redundant(adjust.coding.apply(frame))
        names = [_safe(c) for c in x.columns]
        if len(set(names)) != len(names):
            raise DesignError("covariate names collide after making them identifiers; rename them")
        data = pd.DataFrame(x.to_numpy(dtype=float), columns=names)
        outcome = f"escalation_{horizon}"
        taken = sorted({TREATMENT, outcome} & set(names))
        if taken:
            raise DesignError(
                f"covariate(s) {', '.join(map(repr, taken))} share a name with the treatment "
                f"({TREATMENT!r}) or outcome ({outcome!r}) column of the refutation data; rename "
                "them"
            )
        y, _ = ipcw_outcome_of(frame, duration, event, horizon)
        arm = treatment_vector(frame, treatment)
    data[outcome] = y
    data[TREATMENT] = arm.astype(bool)
    graph = causal_graph(names, outcome=outcome)
    rows = []
    # DoWhy's own warnings (e.g. a rank-deficient design) reach the caller.
    model = dowhy.CausalModel(data=data, treatment=TREATMENT, outcome=outcome, graph=graph)
    # Maximal adjustment: every design covariate is a confounder (and DoWhy's default
    # search over minimal sets grows exponentially with the number of covariates).
    identified = model.identify_effect(
        proceed_when_unidentifiable=True, method_name="maximal-adjustment"
    )
    # DoWhy's adjustment sets come from sets of names, whose order (that of the OLS
    # columns, so the estimate's last bits) follows PYTHONHASHSEED: sorted, it is fixed.
    for key, names_of_set in list((identified.backdoor_variables or {}).items()):
        identified.set_backdoor_variables(sorted(names_of_set), key)
    # Regression adjustment: DoWhy's propensity-weighting estimator caches the scores
    # in the data, so its placebo refutation reuses the real treatment's propensity.
    estimate = model.estimate_effect(
        identified, method_name="backdoor.linear_regression", target_units="ate"
    )
    refuters: tuple[tuple[str, str, dict[str, Any]], ...] = (
        ("placebo_treatment", "placebo_treatment_refuter", {"placebo_type": "permute"}),
        ("random_common_cause", "random_common_cause", {}),
        ("data_subset", "data_subset_refuter", {"subset_fraction": subset_fraction}),
    )
    for label, method, extra in refuters:
        # A generator of its own for each refuter: reproducible from ``seed``, and the
        # global numpy state is left alone (DoWhy's random_seed= reseeds it).
        result = model.refute_estimate(
            identified,
            estimate,
            method_name=method,
            num_simulations=num_simulations,
            random_state=np.random.RandomState(seed),
            **extra,
        )
        detail = result.refutation_result or {}
        raw = detail.get("p_value") if isinstance(detail, dict) else None
        values = np.asarray(np.nan if raw is None else raw, dtype=float).ravel()
        p = float(values[0]) if values.size == 1 else np.nan
        new = float(np.asarray(result.new_effect).ravel()[0])
        flat = _without_spread(new, float(estimate.value))
        if flat:  # DoWhy's p-value would be rounding noise over rounding noise
            p = np.nan
        verdict = refutation_verdict(p, alpha)
        if verdict == "inconclusive":
            why = (
                "its simulations' effects equal the estimate up to rounding (no spread)"
                if flat
                else f"DoWhy gave no p-value ({p!r})"
            )
            warnings.warn(
                f"the {label} refutation at {horizon} days is inconclusive: {why}, so it "
                "is not counted as passed; run more simulations or check that the "
                "estimate varies across them",
                StatisticalWarning,
                stacklevel=2,
            )
        rows.append(
            {
                "refuter": label,
                "horizon": horizon,
                "estimate": float(estimate.value),
                "new_effect": new,
                "p_value": p,
                "num_simulations": num_simulations,
                "passed": verdict == "passed",
                "verdict": verdict,
            }
        )
    return RefutationResult(
        horizon, float(estimate.value), str(identified), pd.DataFrame(rows), model
    )
