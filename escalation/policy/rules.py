"""Rules that could decide who is offered early help, learned without judging on their own data.

Fixed rules need no learning: offer early help to ``everyone`` or to ``no_one``. The
targeting rules offer it to the share of decision points the capacity allows:

``risk_<model>``
    the highest predicted risk of escalation by the horizon, from a risk model of
    :mod:`escalation.predict` (Cox, penalised Cox, gradient boosting, random forest);
``benefit``
    the largest estimated benefit of early help (minus the estimated change in risk,
    the CATE of the causal forest in :mod:`escalation.causal.heterogeneity`), only where
    it is positive: the capacity is a maximum, and the places left are counted
    (:attr:`LearnedRules.unused`);
``tree``
    a shallow policy tree (Athey & Wager 2021; econml's ``PolicyTree``) chosen to
    maximise the doubly robust estimate of escalations prevented, with a shadow price
    per offer raised until the tree flags no more than the capacity (and never a group
    whose estimated benefit is negative).

Every learned rule is **cross-fitted**: families are dealt to folds
(:func:`escalation.predict.splits.grouped_folds`), and each fold's children are flagged
by a rule learned on the other folds only: the model, the cut-off that fills the
capacity (the training score of the last spell flagged, ties at it decided by a draw
seeded and keyed on ``spell_id``) and the tree's doubly robust scores
(:func:`escalation.causal.policy.policy_scores` refitted on the training folds). A rule
is therefore never judged on the data that chose it; the value estimated is that of the
learning procedure at this sample size. The rule one would deploy (learned on every
family) is described in words by :attr:`LearnedRules.descriptions`.

References
----------
Athey S, Wager S (2021). Policy learning with observational data. Econometrica
89:133–61. doi:10.3982/ECTA15732.
Chernozhukov V, Chetverikov D, Demirer M, Duflo E, Hansen C, Newey W, Robins J (2018).
Double/debiased machine learning for treatment and structural parameters. Econom J
21:C1–68. doi:10.1111/ectj.12097.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._finite import finite_numbers
from escalation._lazy import import_module_quietly
from escalation._row_order import check_same_spells, in_canonical_order, restore
from escalation._top_share import TopCut, capacity_places, tie_keys, top_cut, top_weights
from escalation._vocabulary import refuse_repeats, spells_of
from escalation.causal._estimable import check_estimable
from escalation.causal.heterogeneity import (
    EffectModel,
    fit_effect_model,
    forest_size,
    split_candidates,
)
from escalation.causal.policy import policy_scores
from escalation.causal.propensity import treatment_vector
from escalation.compute import one_blas_thread, resolve_jobs, run_tasks
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
)
from escalation.predict._inputs import by_label, labels_of
from escalation.predict.models import MODEL_KINDS, risk_model
from escalation.predict.splits import grouped_folds
from escalation.survival._outcome import durations, event_codes, reordered_rows
from escalation.timeline.matrix import CovariateCoding

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["FIXED_RULES", "LearnedRules", "describe_tree", "learn_rules", "top_share"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
#: Rules that need no learning.
FIXED_RULES: Final = ("everyone", "no_one")
_LEARNED: Final = ("risk", "benefit", "tree")
#: Ridge penalty of the Cox risk model where the unpenalised one does not converge.
_RIDGE: Final = 0.01
#: Smallest leaf of the benefit rule's causal forest.
_LEAF: Final = 20


@dataclass(frozen=True)
class LearnedRules:
    """Each spell's flag under every rule, from rules learned on other families.

    Attributes
    ----------
    flags : dict of str to numpy.ndarray
        Rule name to 0/1 flags in the row order of the spells (1: offer early help).
    scores : dict of str to numpy.ndarray
        For targeting rules, the out-of-fold score the rule ranked by (predicted risk,
        estimated benefit); never leaves the local authority.
    fold : numpy.ndarray of int
        Cross-fitting fold of each spell.
    descriptions : dict of str to str
        Each rule in words (for the tree: the tree learned on every family).
    capacity : float
        Share of decision points the targeting rules may flag.
    horizon : int
        Days: risks and benefits are by this horizon.
    spell_id : numpy.ndarray
        The spells' identifiers, in row order (checked when flags are used).
    backend : dict
        The rules learned on every family when ``deployable=True``: ``coding`` (the
        covariate coding), and per rule its model and cut-off (``(model, cut)``; the tree
        alone); :meth:`apply` uses them.
    seed : int
        The seed of :func:`learn_rules` (also that of the tie keys :meth:`apply` draws).
    unused : dict of str to int
        For each targeting rule (``risk_<model>``, ``top_<name>``, ``benefit``, ``tree``),
        the places the capacity allows (``floor(capacity · n)``) minus the children the
        rule flagged: offers left unused. The benefit rule and the tree leave places
        unused where fewer children than the capacity have a positive estimated benefit;
        a ranking rule's count is near 0 (negative when a cut-off carried to a held-out
        fold flagged a few more than its share, as ties can).
    """

    flags: dict[str, FloatArray]
    scores: dict[str, FloatArray] = field(repr=False)
    fold: IntArray = field(repr=False)
    descriptions: dict[str, str]
    capacity: float
    horizon: int
    spell_id: npt.NDArray[Any] = field(repr=False)
    backend: dict[str, Any] = field(repr=False, default_factory=dict)
    seed: int = 1
    unused: dict[str, int] = field(default_factory=dict)

    def aligned(self, spell_id: npt.ArrayLike) -> dict[str, FloatArray]:
        """Return the flags, checking that they belong to spells ``spell_id`` in that order.

        Raises
        ------
        DesignError
            When the spells differ (flags never ride on row positions unchecked), naming
            the first row that differs (:func:`~escalation._row_order.check_same_spells`).
        """
        check_same_spells(spell_id, self.spell_id, function="LearnedRules.aligned", done="learned")
        return dict(self.flags)

    def apply(self, spells: SpellData | pd.DataFrame) -> dict[str, FloatArray]:
        """Flag new decision points (another period or authority) with the deployable rules.

        ``spells`` is a :class:`~escalation.timeline.SpellData` or a data frame of spells.

        The rules learned on every family (``deployable=True``) are applied unchanged:
        the same models and the same cut-offs, so the share flagged may differ from the
        capacity where the new children's risks differ. Children at exactly a cut-off
        score are flagged by the same seeded draw keyed on ``spell_id`` as in
        :func:`learn_rules` (on the row position where there is no ``spell_id``): about the
        share of the tied learning spells that was flagged. An assessment-factor flag
        (``factor_<code>``) the new spells lack is a factor none of them has (0). Rules
        built on ``fixed_scores`` cannot be applied (their scores are not known here) and
        are left out.

        A categorical covariate's value the rules' coding has no level for (not seen when
        they were learned, or missing where no value was) and no ``other`` level takes is
        refused: it would be scored as the reference level.

        Raises
        ------
        DesignError
            When the rules were learned with ``deployable=False``.
        DataValidationError
            When a categorical value has no level to take it, naming the table ``spells``,
            the row, the column and the value.
        """
        frame = spells_of(spells, function="LearnedRules.apply").reset_index(drop=True)
        if "coding" not in self.backend:
            raise DesignError("these rules were learned with deployable=False: nothing to apply")
        # build_spells writes a factor_<code> flag only for factors some child has: one
        # the learning spells had and these lack is a factor no child here has (0).
        absent = [
            c for c in self.backend["coding"].columns if c.startswith("factor_") and c not in frame
        ]
        frame = frame.assign(**dict.fromkeys(absent, 0))
        n = len(frame)
        out: dict[str, FloatArray] = {}
        for name in self.flags:
            if name == "everyone":
                out[name] = np.ones(n)
            elif name == "no_one":
                out[name] = np.zeros(n)
        coded = self.backend["coding"].apply(frame, table="spells")
        keys = _tie_keys_of(frame, self.seed)
        for name in self.backend:
            if name != "coding":
                out[name] = _flag(self.backend, name, frame, self.horizon, coded, keys)[0]
        return out


def _tie_keys_of(frame: pd.DataFrame, seed: int) -> FloatArray:
    """Return the tie keys of ``frame``'s rows: a draw seeded and keyed on ``spell_id``.

    Without a ``spell_id`` column, on the row labels (:func:`learn_rules` numbers the
    rows in their canonical order).
    """
    ids = frame["spell_id"] if "spell_id" in frame.columns else frame.index
    return tie_keys(np.asarray(ids), seed)


def _capacity_cut(score: FloatArray, capacity: float, keys: FloatArray) -> TopCut:
    """Return the cut-off of a ranking rule at ``capacity`` (:func:`top_cut`).

    A capacity of every child (1, ``capacity_per_1000 = 1000``) flags every child,
    wherever the cut-off is carried: ``top_cut`` would carry the lowest score it was
    learned on, and a child of a fold left out (or of another authority) scoring below
    it would go without the offer the capacity has room for.
    """
    if capacity >= 1:
        return TopCut(float("-inf"))
    return top_cut(score, capacity, keys)


#: The benefit rule's cut-off when fewer benefits than the capacity are positive: every
#: estimated benefit above 0 is flagged, none at 0 (no tie key reaches infinity).
POSITIVE_ONLY: Final = TopCut(0.0, 0.0, float("inf"))


def _benefit_cut(benefit: FloatArray, capacity: float, keys: FloatArray) -> TopCut:
    """Return the cut-off of the ``benefit`` rule: the capacity as a maximum, benefit > 0.

    The largest estimated benefits fill the capacity (:func:`_capacity_cut`), but only
    where the estimated benefit is positive: early help is never offered to a child whose
    estimated risk it would raise (or leave unchanged) to fill a place. When fewer
    children than the capacity allows have a positive estimated benefit the cut-off is
    0, exclusive (:data:`POSITIVE_ONLY`), and the places left are unused
    (:attr:`LearnedRules.unused`), as the tree leaves them.
    """
    cut = _capacity_cut(benefit, capacity, keys)
    return cut if cut.score > 0 else POSITIVE_ONLY


def top_share(
    score: npt.ArrayLike,
    share: float,
    *,
    ids: npt.ArrayLike | None = None,
    seed: int = 1,
    reference: npt.ArrayLike | None = None,
    reference_ids: npt.ArrayLike | None = None,
) -> FloatArray:
    """Flag the highest scores: exactly ``floor(share · n)`` of the ``n`` rows of ``reference``.

    The cut-off comes from ``reference`` (the training scores; default ``score``
    itself), so a rule learned on some families can be applied unchanged to others.
    Rows tied at the cut-off are chosen by a draw seeded by ``seed`` and keyed on their
    identifiers ``ids`` (``reference_ids`` for ``reference``; default: row positions), so
    the same rows are chosen whatever the order they come in (see
    :mod:`escalation._top_share`). Applied to other rows, scores tied at the cut-off are
    flagged when their draw is at least that of the last tied reference row flagged:
    about the same share of them as in ``reference``. A ``share`` of 1 flags every row,
    whatever its score. A Series of ``ids`` is read by the labels of ``score`` when it is
    a Series (``reference_ids`` by those of ``reference``): other labels are refused, as
    for risks (:func:`~escalation.predict._inputs.by_label`).

    Raises
    ------
    DesignError
        When ``share`` is outside (0, 1].
    DataValidationError
        When a score of ``score`` or ``reference`` is missing or not a finite number
        (naming the argument, the first rows and their values), or ``ids`` or
        ``reference_ids`` has not one identifier per score.

    Examples
    --------
    >>> top_share([0.1, 0.5, 0.3, 0.9], 0.5).tolist()
    [0.0, 1.0, 0.0, 1.0]
    >>> int(top_share([0.9, 0.5, 0.5, 0.5, 0.1], 0.4, ids=[11, 12, 13, 14, 15]).sum())
    2
    >>> top_share([0.2, 0.95], 0.25, reference=[0.1, 0.5, 0.3, 0.9]).tolist()
    [0.0, 1.0]
    """
    if not 0 < share <= 1:
        raise DesignError(f"the share flagged must lie in (0, 1], got {share}")
    values = _ranked("score", score)
    base = values if reference is None else _ranked("reference", reference)
    # Identifiers in a Series are read by the scores' labels (refused on others).
    ids = by_label(ids, labels_of(score), table="scores", column="ids")
    reference_ids = by_label(
        reference_ids, labels_of(reference), table="reference", column="reference_ids"
    )
    keys = tie_keys(_identifiers("ids", ids, len(values)), seed)
    if reference is None:
        base_keys = keys
    else:
        base_keys = tie_keys(_identifiers("reference_ids", reference_ids, len(base)), seed)
    return top_weights(values, _capacity_cut(base, share, base_keys), keys)


def _ranked(name: str, values: npt.ArrayLike) -> FloatArray:
    """Return the scores ``name`` of :func:`top_share` as floats, or raise naming the rows.

    One dimension, every score a finite number (:func:`escalation._finite.finite_numbers`):
    a missing score would silently go unflagged (or, at a share of 1, leave every row
    unflagged), since it compares false with any cut-off.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        reason = f"needs one score per row, in one dimension; {array.ndim} dimensions given"
        raise DataValidationError([Problem(name, None, name, array.ndim, reason)], "top share")
    return finite_numbers(
        pd.Series(array, name=name),
        table=name,
        why="every row is ranked by its score: give each row one",
        context="top share",
    )


def _identifiers(name: str, ids: npt.ArrayLike | None, n: int) -> npt.NDArray[Any]:
    """Return the identifiers ``name`` of :func:`top_share` (row positions when None), or raise.

    One per score: the tie keys are drawn for them, row by row.
    """
    if ids is None:
        return np.arange(n)
    given = np.asarray(ids)
    if given.shape != (n,):
        count = int(given.size)  # how many identifiers were given (a number, shown)
        reason = f"needs one identifier per score ({n}), in one dimension; {count} given"
        raise DataValidationError([Problem(name, None, name, count, reason)], "top share")
    return given


def _policy_tree(
    x: FloatArray, benefit: FloatArray, capacity: float, *, depth: int, seed: int
) -> tuple[Any, float]:
    """Fit a policy tree flagging at most ``capacity`` of the rows; return it and its price.

    The reward of offering early help is the doubly robust benefit minus a shadow price
    per offer (never below zero: no offer where the benefit is negative). The share a
    tree flags does not fall smoothly as the price rises (a split can flip a large leaf),
    so the price is searched in two steps: bisection finds the smallest price at which the
    tree flags no more than the capacity, then a grid up to twice that price keeps, of
    the trees within the capacity, the one with the largest estimated benefit.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        policy = import_module_quietly("econml.policy")

    leaf = max(20, len(x) // 40)
    fitted: dict[float, tuple[Any, FloatArray]] = {}

    def fit(price: float) -> tuple[Any, FloatArray]:
        # Seeded, so a price already tried (the bisection's last) gives the same tree.
        if price in fitted:
            return fitted[price]
        rewards = np.column_stack([np.zeros(len(x)), benefit - price])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = policy.PolicyTree(
                max_depth=depth, min_samples_leaf=leaf, random_state=seed, honest=True
            ).fit(x, rewards)
            flags = np.asarray(tree.predict(x), dtype=float)
        fitted[price] = tree, flags
        return tree, flags

    tree, flags = fit(0.0)
    if flags.mean() <= capacity:
        return tree, 0.0
    low, high = 0.0, float(np.max(np.abs(benefit))) + 1e-9
    for _ in range(30):
        middle = (low + high) / 2
        if fit(middle)[1].mean() <= capacity:
            high = middle
        else:
            low = middle
        if high - low < 1e-6:
            break
    best, best_flags = fit(high)
    best_price, best_gain = high, float(best_flags @ benefit)
    for price in np.linspace(0.0, 2.0 * high, 41)[1:]:
        candidate, chosen = fit(float(price))
        gain = float(chosen @ benefit)
        if chosen.mean() <= capacity and gain > best_gain:
            best, best_price, best_gain = candidate, float(price), gain
    return best, best_price


def describe_tree(tree: Any, columns: Sequence[str], x: FloatArray | None = None) -> str:
    """Return a fitted policy tree as a sentence: when it offers early help.

    ``x`` (the training matrix) lets 0/1 columns read as "with"/"without" the column.

    Examples
    --------
    >>> import warnings
    >>> from econml.policy import PolicyTree
    >>> rng = np.random.default_rng(0)
    >>> x = np.column_stack([rng.integers(0, 2, 400), rng.normal(size=400)])
    >>> rewards = np.column_stack([np.zeros(400), x[:, 0] - 0.5])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     tree = PolicyTree(max_depth=1, min_samples_leaf=20, random_state=0).fit(x, rewards)
    >>> print(describe_tree(tree, ["factor_4B", "age"], x))
    offer early help with factor_4B
    """
    structure = tree.tree_
    binary = set()
    if x is not None:
        for j in range(x.shape[1]):
            if np.isin(x[:, j], (0.0, 1.0)).all():
                binary.add(j)

    def condition(node: int, left: bool) -> str:
        j = int(structure.feature[node])
        name = str(columns[j])
        if j in binary and 0 < structure.threshold[node] < 1:
            return f"without {name}" if left else f"with {name}"
        sign = "<=" if left else ">"
        return f"{name} {sign} {structure.threshold[node]:.3g}"

    def walk(node: int) -> list[list[str]] | bool:
        """Paths (conditions) to treating leaves below ``node``; True/False: all/none."""
        left, right = structure.children_left[node], structure.children_right[node]
        if left < 0:
            return bool(int(np.argmax(structure.value[node, :, 0])) == 1)
        below = (walk(int(left)), walk(int(right)))
        if below == (True, True) or below == (False, False):
            return below[0]
        paths: list[list[str]] = []
        for side, sub in zip((True, False), below, strict=True):
            if sub is True:
                paths.append([condition(node, side)])
            elif sub is not False:
                paths += [[condition(node, side), *p] for p in sub]
        return paths

    found = walk(0)
    if found is False:
        return "offer early help to no one"
    if found is True:
        return "offer early help to everyone"
    paths = found
    return "offer early help " + " or ".join(" and ".join(p) for p in paths)


def _fit_risk(kind: str, coding: CovariateCoding, train: pd.DataFrame, seed: int) -> Any:
    """Fit a risk model on ``train``; a Cox model that does not converge gets a ridge."""
    x = coding.apply(train)
    duration = train["duration"].to_numpy(dtype=float)
    event = train["event"].to_numpy(dtype=np.int64)
    try:
        return risk_model(kind, seed=seed).fit(x, duration, event)
    except ConvergenceError:
        if kind != "cox":
            raise
        # A fit that fails outright (separation only warns): a small ridge, said aloud.
        warnings.warn(
            StatisticalWarning(
                f"the cox risk model did not converge on {len(train):,} training spells and "
                f"{x.shape[1]} covariate columns; the risk rule uses a ridge-penalised Cox "
                f"model (penalizer {_RIDGE}) there instead",
                design_key="[policy] risk_models",
                advice='use risk_models = ["penalised_cox"], or fewer covariates.',
            ),
            stacklevel=4,
        )
        return risk_model("penalised_cox", penalizer=_RIDGE, l1_ratio=0.0, seed=seed).fit(
            x, duration, event
        )


@one_blas_thread
def learn_rules(
    spells: SpellData | pd.DataFrame,
    *,
    covariates: Sequence[str],
    capacity: float,
    horizon: int,
    rules: Sequence[str] = ("everyone", "no_one", "risk", "benefit", "tree"),
    risk_models: Sequence[str] = ("cox",),
    folds: int = 5,
    seed: int = 1,
    tree_depth: int = 2,
    forest_trees: int = 100,
    fixed_scores: Mapping[str, npt.ArrayLike] | None = None,
    deployable: bool = True,
    cross_fit: bool = True,
    n_jobs: int | None = None,
    effect_model: EffectModel | None = None,
    progress: bool = False,
) -> LearnedRules:
    """Learn the rules by cross-fitting over families and flag every spell.

    Parameters
    ----------
    spells : SpellData or pandas.DataFrame
        A :class:`~escalation.timeline.SpellData` or its ``spells`` (``spell_id``,
        ``family_id``, ``duration``, ``event``, ``treatment`` and the covariates; and
        ``child_id`` if some spells have no ``family_id``: the folds group them by child).
    covariates : sequence of str
        Baseline covariates the rules may use (e.g. ``SpellData.model_covariates``).
    capacity : float
        Share of decision points that can be offered early help, in (0, 1].
    horizon : int
        Days: risk and benefit by this horizon.
    rules : sequence of str
        From ``everyone``, ``no_one``, ``risk``, ``benefit``, ``tree``.
    risk_models : sequence of str
        Risk models of :mod:`escalation.predict` for ``risk`` (one rule each).
    folds : int, default 5
        Cross-fitting folds, grouped by family.
    seed : int, default 1
        Seed of the folds and of every learner.
    tree_depth : int, default 2
        Depth of the policy tree.
    forest_trees : int, default 100
        Trees of the causal forest behind ``benefit``.
    fixed_scores : mapping of str to array_like, optional
        Scores of existing tools, one per spell (e.g. a risk score built elsewhere): an
        array in the row order of ``spells``, or a Series read by the spells' labels
        (index; refused when they differ). Each gives a rule ``top_<name>`` flagging the
        highest scores up to the capacity (ties at the cut-off decided as in the Notes).
        They are not learned from these data, so they are not cross-fitted.
    deployable : bool, default True
        Also learn each rule on every family, to describe the rule one would deploy and
        to :meth:`LearnedRules.apply` it to other decision points.
    cross_fit : bool, default True
        Flag these spells by cross-fitting. With ``False`` only the rules to deploy are
        learned (to apply to another period or authority): ``flags`` then holds the
        fixed rules only, since flags of these spells from rules learned on them must
        not be used to judge the rules.
    n_jobs : int, optional
        Worker processes for the folds and the rules to deploy (each learned apart):
        default every core; ``1`` learns them here. The flags are identical for any
        number (every learner is seeded).
    effect_model : EffectModel, optional
        The causal forest of the ``benefit`` rule to deploy, already fitted on every
        family of ``spells`` with these covariates, horizon, trees and seed (the
        heterogeneity study's, ``HeterogeneityResult.backend["effect_model"]``, when
        their settings agree): used as it is instead of growing the same forest again.
    progress : bool, default False
        Show a progress bar over the learning tasks (one per fold, and the rule to deploy)
        on standard error.

    Returns
    -------
    LearnedRules

    Raises
    ------
    DesignError
        For an unknown rule or model, a rule or model listed twice, a capacity outside
        (0, 1], too few families, or an ``effect_model`` fitted on other spells or with
        other settings; and, when a rule is learned, for spells from which no effect can
        be estimated, as :func:`escalation.causal.estimate_effects` refuses them (a
        ``horizon`` past the longest follow-up, fewer than 10 spells in an arm, or no
        escalation), before any model is fitted.
    DataValidationError
        When a ``fixed_scores`` entry has not one score per spell, is a Series labelled
        otherwise than the spells, or has a score that is not a finite number: the table
        ``fixed_scores``, the column (the score's name), and the row and value of the
        first bad scores.

    Warns
    -----
    StatisticalWarning
        When a spell of a fold has a categorical value the rules learned on the other
        folds have no level for (it lives only in that fold's families, so it is rarer
        than ``min_count``; or missing where no value was) and no ``other`` level takes
        it: it is coded as the reference level, as a pooled level is, and the warning
        names the covariate and how many spells and levels, never the values
        (:meth:`~escalation.timeline.CovariateCoding.apply`, ``held_out``).

    Notes
    -----
    Linear algebra runs on one thread (:func:`escalation.compute.one_blas_thread`): the
    matrices are small, so threads cost more than they gain, and the results do not depend
    on how many threads BLAS would otherwise use.

    The folds, the forest and the tree are decided by row position, so the rules are
    learned on the spells in ``spell_id`` order (spells already in that order are used as
    they are); the flags, scores and folds returned are in the row order of ``spells``.
    The same spells give the same rules and the same flag for each spell whatever their
    row order or index.

    Every ranking rule (``risk_<model>``, ``benefit``, ``top_<name>``) flags exactly
    ``floor(capacity · n)`` of the ``n`` spells it is learned on (the floor: never more
    than the capacity, as the tree). Spells tied at the cut-off are chosen by a draw
    seeded by ``seed`` and keyed on ``spell_id`` (:mod:`escalation._top_share`), not by
    their position. The cut-off learned on the training folds, or on every family for the
    rule to deploy, is carried as it is: new spells scoring above it are flagged, and those
    at exactly the cut-off score when their draw is at least that of the last training
    spell flagged there, so about the same share of the tied spells is flagged. A fold's
    share flagged therefore varies around the capacity, as it does without ties. A
    capacity of 1 (every child) flags every spell, wherever the rule is carried.
    """
    spells = spells_of(spells, function="learn_rules")
    unknown = [r for r in rules if r not in (*FIXED_RULES, *_LEARNED)]
    if unknown:
        raise DesignError(f"unknown rule(s) {unknown}; choose from {[*FIXED_RULES, *_LEARNED]}")
    bad_models = [m for m in risk_models if m not in MODEL_KINDS]
    if bad_models:
        raise DesignError(f"unknown risk model(s) {bad_models}; choose from {MODEL_KINDS}")
    refuse_repeats("rule(s)", rules, "each is learned and judged once")
    refuse_repeats("risk model(s)", risk_models, "each is fitted and scored once")
    if not 0 < capacity <= 1:
        raise DesignError(f"capacity must be a share in (0, 1], got {capacity}")
    # Folds, forests and ties are decided by row position: in spell_id order, the same
    # spells give the same rules and flags whatever order they arrive in.
    ordered, order = in_canonical_order(spells)
    frame = ordered.reset_index(drop=True)
    n = len(frame)
    keys = _tie_keys_of(frame, seed)
    covs = list(covariates)
    flags: dict[str, FloatArray] = {}
    scores: dict[str, FloatArray] = {}
    descriptions: dict[str, str] = {}
    backend: dict[str, Any] = {}
    if "everyone" in rules:
        flags["everyone"] = np.ones(n)
        descriptions["everyone"] = "offer early help to every child"
    if "no_one" in rules:
        flags["no_one"] = np.zeros(n)
        descriptions["no_one"] = "offer early help to no child"
    for name, values in (fixed_scores or {}).items():
        # A Series is read by the spells' labels (refused on others), an array by position.
        given = by_label(values, spells.index, table="fixed_scores", column=name)
        score = _fixed_score(name, given, n)
        score = score if order is None else score[order]
        flags[f"top_{name}"] = top_weights(score, _capacity_cut(score, capacity, keys), keys)
        scores[f"top_{name}"] = score
        descriptions[f"top_{name}"] = f"offer early help to the highest {name} scores"
    learned = [r for r in rules if r in _LEARNED]
    if learned:
        _check_estimable_by(frame, int(horizon))
    deploy = bool(learned) and (deployable or not cross_fit)
    given = effect_model if deploy and "benefit" in learned else None
    if given is not None:
        _check_effect_model(given, frame, covs, int(horizon), forest_trees, seed)
    settings = _Settings(
        covs, float(capacity), int(horizon), tuple(learned), tuple(risk_models), seed,
        tree_depth, forest_trees, benefit_given=given is not None,
    )  # fmt: skip
    fold = np.full(n, -1, dtype=np.int64)
    splits = grouped_folds(frame, folds, seed=seed) if learned and cross_fit else []
    # One task per fold, and one for the rules to deploy (first: it is the largest).
    tasks: list[IntArray | None] = [split.train for split in splits]
    if deploy:
        tasks.insert(0, None)
    done = run_tasks(
        _learn_task, tasks, args=(frame, settings), n_jobs=resolve_jobs(n_jobs),
        progress=progress, description="policy rules",
    )  # fmt: skip
    if given is not None:  # the forest given, in the place the task kept for it
        done[0]["benefit"] = (given, _benefit_cut(-given.predict(frame), capacity, keys))
    if splits:
        names = [f"risk_{m}" for m in risk_models] if "risk" in learned else []
        names += [r for r in ("benefit", "tree") if r in learned]
        for name in names:
            flags[name] = np.zeros(n)
            scores[name] = np.full(n, np.nan)
        for k, (split, models) in enumerate(zip(splits, done[-len(splits) :], strict=True)):
            fold[split.test] = k
            given_rows = split.test if order is None else order[split.test]
            _flag_fold(
                models, frame.iloc[split.test], (split.test, given_rows), settings, flags, scores
            )
    if deploy:
        descriptions.update(_deployable(frame, settings, done[0], backend))
    elif learned:
        descriptions.update(_plain_descriptions(learned, risk_models))
    places = capacity_places(capacity, n)
    unused = {
        name: places - round(float(values.sum()))
        for name, values in flags.items()
        if name not in FIXED_RULES
    }
    return LearnedRules(
        flags={name: restore(values, order) for name, values in flags.items()},
        scores={name: restore(values, order) for name, values in scores.items()},
        fold=restore(fold, order),
        descriptions=descriptions,
        capacity=float(capacity),
        horizon=int(horizon),
        spell_id=spells["spell_id"].to_numpy() if "spell_id" in spells else np.arange(n),
        backend=backend,
        seed=seed,
        unused=unused,
    )


def _fixed_score(name: str, values: npt.ArrayLike, n: int) -> FloatArray:
    """Return a tool's scores, one per spell in the spells' row order, or raise.

    The length first (one score per spell), then every score a finite number (the
    package's one rule, :func:`escalation._finite.finite_numbers`): either error names
    the table ``fixed_scores`` and the column ``name``, the second the first bad rows
    (positions in the spells as given) and their values.
    """
    if np.shape(values) != (n,):
        given = int(np.size(values))  # how many scores were given (a number, shown)
        reason = f"needs one score per spell ({n}), in one dimension; {given} given"
        raise DataValidationError(
            [Problem("fixed_scores", None, name, given, reason)], "fixed scores"
        )
    return finite_numbers(
        pd.Series(np.asarray(values), name=name),
        table="fixed_scores",
        why="a tool's scores rank every spell: give each spell a score",
        context="fixed scores",
    )


def _check_estimable_by(frame: pd.DataFrame, horizon: int) -> None:
    """Refuse spells from which no rule's risk or benefit by ``horizon`` can be estimated.

    The effect estimate's rule (:func:`escalation.causal._estimable.check_estimable`),
    asked once of every spell before any model is fitted: a horizon past the longest
    follow-up, too few spells in an arm, or no escalation.
    """
    check_estimable(
        treatment_vector(frame, "treatment"),
        event_codes(frame["event"]),
        durations(frame["duration"]),
        np.array([float(horizon)]),
    )


def _plain_descriptions(learned: Sequence[str], risk_models: Sequence[str]) -> dict[str, str]:
    out = {
        f"risk_{m}": f"offer early help to the highest predicted risks ({m})" for m in risk_models
    }
    out = out if "risk" in learned else {}
    if "benefit" in learned:
        out["benefit"] = "offer early help to the largest estimated benefits (causal forest)"
    if "tree" in learned:
        out["tree"] = "offer early help as a shallow policy tree learned from the data says"
    return out


@dataclass(frozen=True)
class _Settings:
    """What every learner needs (one place for the fold and the deployable learners)."""

    covariates: list[str]
    capacity: float
    horizon: int
    learned: tuple[str, ...]
    risk_models: tuple[str, ...]
    seed: int
    tree_depth: int
    forest_trees: int
    #: The forest of the benefit rule to deploy is given (not grown by the task).
    benefit_given: bool = False


def _same_split_candidates(forest: Any, columns: int) -> bool:
    """Whether ``forest`` chose each split among :func:`split_candidates` of its columns.

    A forest grown before the package set them (EconML's default, ``"auto"`` or None:
    every column) qualifies when that is the same number.
    """
    wanted = split_candidates(columns)
    given = forest.max_features
    return bool(given == wanted or (given in ("auto", None) and wanted == columns))


def _check_effect_model(
    model: EffectModel,
    frame: pd.DataFrame,
    covariates: list[str],
    horizon: int,
    trees: int,
    seed: int,
) -> None:
    """Refuse a causal forest fitted on other spells or with other settings than the rule's.

    The same covariates coded the same way, the same coded column means (the same spells),
    horizon, outcome columns, trees, leaf size, split candidates and seed as
    :func:`fit_effect_model` in :func:`_learn_on` would use.
    """
    coding = CovariateCoding.learn(frame, covariates)
    forest = model.backend
    differs = [
        name
        for name, same in (
            ("covariates", model.coding == coding),
            ("horizon", model.horizon == horizon),
            ("outcome", (model.duration, model.event) == ("duration", "event")),
            ("trees", forest.n_estimators == forest_size(trees)),
            ("leaf size", forest.min_samples_leaf == _LEAF),
            ("split candidates", _same_split_candidates(forest, len(model.center))),
            ("seed", forest.random_state == seed),
        )
        if not same
    ]
    if not differs:
        center = coding.apply(frame).to_numpy(dtype=float).mean(axis=0)
        if not np.array_equal(center, model.center):
            differs.append("spells")
    if differs:
        raise DesignError(
            "the causal forest given for the benefit rule was fitted with other "
            f"{', '.join(differs)} than the rule's; leave effect_model out to fit it here"
        )


def _learn_on(frame: pd.DataFrame, settings: _Settings) -> dict[str, Any]:
    """Learn every rule on ``frame``: ``coding`` and, per rule, ``(model, cut)`` or the tree.

    With ``settings.benefit_given`` the benefit rule's place is kept (``None``) for the
    caller's forest.
    """
    covariates, capacity, horizon = settings.covariates, settings.capacity, settings.horizon
    learned, risk_models, seed = settings.learned, settings.risk_models, settings.seed
    tree_depth, forest_trees = settings.tree_depth, settings.forest_trees
    coding = CovariateCoding.learn(frame, covariates)
    coded = coding.apply(frame)
    keys = _tie_keys_of(frame, seed)
    out: dict[str, Any] = {"coding": coding}
    if "risk" in learned:
        for kind in risk_models:
            fitted = _fit_risk(kind, coding, frame, seed)
            own = fitted.predict_risk(coded, [horizon])[:, 0]
            out[f"risk_{kind}"] = (fitted, _capacity_cut(own, capacity, keys))
    if "benefit" in learned and settings.benefit_given:
        out["benefit"] = None
    elif "benefit" in learned:
        model = fit_effect_model(
            frame, covariates=covariates, horizon=horizon, n_estimators=forest_trees,
            min_samples_leaf=_LEAF, seed=seed,
        )  # fmt: skip
        same = model.coding == coding
        benefit = -model.predict(frame, coded if same else None)
        out["benefit"] = (model, _benefit_cut(benefit, capacity, keys))
    if "tree" in learned:
        dr = policy_scores(frame, covariates=covariates, horizons=[horizon])
        gain = dr.untreated[:, 0] - dr.treated[:, 0]
        matrix = coded.to_numpy(dtype=float)
        out["tree"], _ = _policy_tree(matrix, gain, capacity, depth=tree_depth, seed=seed)
    return out


def _flag(
    models: dict[str, Any],
    name: str,
    frame: pd.DataFrame,
    horizon: int,
    coded: pd.DataFrame,
    keys: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Return the flags of ``frame`` under a learned rule, and the score it ranks by.

    ``coded`` is ``frame`` coded by the rules' covariate coding and ``keys`` its rows'
    tie keys (:func:`_tie_keys_of`), both computed once per call.
    """
    if name == "tree":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            chosen = models["tree"].predict(coded.to_numpy(dtype=float))
        flags = np.asarray(chosen, dtype=float)
        return flags, flags
    model, cut = models[name]
    if name == "benefit":
        # The forest's coding is the rules' own (the same covariates, learned on the same
        # rows) unless the forest was given: then it codes the rows itself.
        same = model.coding == models["coding"]
        score = -model.predict(frame, coded if same else None)
    else:
        score = model.predict_risk(coded, [horizon])[:, 0]
    score = np.asarray(score, dtype=float)
    return top_weights(score, cut, keys), score


def _learn_task(train: IntArray | None, frame: pd.DataFrame, settings: _Settings) -> dict[str, Any]:
    """Learn every rule on the rows ``train`` of ``frame`` (``None``: every row).

    Module level, so the folds are learned on worker processes. A given forest is the
    rule to deploy's only: the folds grow their own.
    """
    if train is None:
        return _learn_on(frame, settings)
    return _learn_on(frame.iloc[train], replace(settings, benefit_given=False))


def _flag_fold(
    models: dict[str, Any],
    test: pd.DataFrame,
    rows: tuple[IntArray, IntArray],
    settings: _Settings,
    flags: dict[str, FloatArray],
    scores: dict[str, FloatArray],
) -> None:
    """Flag the ``test`` rows by the rules learned on the other folds.

    ``rows`` holds their positions in the frame the rules are learned on and in the
    spells the user passed. They are a held-out fold to the rules' coding: a categorical
    value only this fold's families hold (and no ``other`` to take it) is coded as the
    reference level with a warning naming the covariate and the counts
    (:meth:`~escalation.timeline.CovariateCoding.apply`, ``held_out``).
    """
    positions, given_rows = rows
    with reordered_rows(test, given_rows).input_rows():  # errors name the user's rows
        coded = models["coding"].apply(test, table="spells", held_out=True)
    keys = _tie_keys_of(test, settings.seed)
    for name in flags:
        if name in models:
            flags[name][positions], scores[name][positions] = _flag(
                models, name, test, settings.horizon, coded, keys
            )


def _whole_or_none(cut: TopCut) -> str | None:
    """Return a ranking rule that flags every child or no child in words (else None).

    A capacity of every child flags all of them (:func:`_capacity_cut`); one below a
    single child of those the rule was learned on flags none (:func:`top_cut`): neither
    has a score to quote.
    """
    if cut.score == float("-inf"):
        return "offer early help to every child (the capacity covers every referral)"
    if cut.score == float("inf"):
        return "offer early help to no child (the capacity allows fewer than one offer)"
    return None


def _at_least(cut: TopCut, shown: float, unit: str) -> str:
    """Return "at least <cut-off>" in words, saying how a tie at the cut-off is decided."""
    text = f"at least {shown:.1f}{unit}"
    if cut.ties < 1:
        text = (
            f"above {shown:.1f}{unit}, and of the children at exactly {shown:.1f}{unit}, "
            f"about {100 * cut.ties:.0f}% (by a draw seeded on the spell)"
        )
    return text


def _deployable(
    frame: pd.DataFrame, settings: _Settings, models: dict[str, Any], backend: dict[str, Any]
) -> dict[str, str]:
    """Keep each rule learned on every family (the rule one would deploy); describe it."""
    learned, horizon = settings.learned, settings.horizon
    out = _plain_descriptions(learned, settings.risk_models)
    backend.update(models)
    for kind in settings.risk_models if "risk" in learned else ():
        cut = models[f"risk_{kind}"][1]
        out[f"risk_{kind}"] = _whole_or_none(cut) or (
            f"offer early help when the predicted risk of escalation by day {horizon} "
            f"({kind} model) is {_at_least(cut, 100 * cut.score, '%')}"
        )
    if "benefit" in learned:
        cut = models["benefit"][1]
        fall = f"the estimated fall in the risk of escalation by day {horizon} (causal forest)"
        out["benefit"] = (
            f"offer early help when {fall} is above 0 (fewer children than the capacity "
            "allows have a positive estimated benefit: the other places are left unused)"
            if cut == POSITIVE_ONLY
            else _whole_or_none(cut)
            or (
                f"offer early help when {fall} is "
                f"{_at_least(cut, 100 * cut.score, ' percentage points')}"
            )
        )
    if "tree" in learned:
        x = models["coding"].apply(frame)
        out["tree"] = describe_tree(models["tree"], list(x.columns), x.to_numpy(dtype=float))
    return out
