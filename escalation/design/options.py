"""Allowed option values of the study design, as ``Literal`` aliases.

One source for types, documentation and validation: the design validator checks user
values against ``typing.get_args`` of these aliases, so adding a value here adds it
everywhere.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Final, Literal, TypeVar, cast, get_args

from escalation.errors import DesignError

__all__ = [
    "AUTHORITY_HANDLING",
    "BUILTIN_COVARIATES",
    "DERIVED_END_KINDS",
    "DISPARITY_METRICS",
    "ESTIMATORS",
    "OUTCOME_MODEL_ESTIMATORS",
    "POLICY_RULES",
    "PROPENSITY_MODEL_ESTIMATORS",
    "RISK_MODELS",
    "SPELL_RULES",
    "TIME_ZERO_AT",
    "UNCONVERGED_DROP_ORDER",
    "AuthorityHandling",
    "BuiltinCovariate",
    "DerivedEndKind",
    "DisparityMetric",
    "EpisodeKind",
    "EstimatorName",
    "PolicyRuleName",
    "RiskModelName",
    "SpellRule",
    "TimeZeroAt",
    "bootstrap_problem",
    "bootstrap_replicates",
    "without_unconverged",
]

#: Episode kinds of the case-history contract (same order as ``codes.EPISODE_KINDS``).
EpisodeKind = Literal[
    "contact",
    "referral",
    "assessment",
    "early_help",
    "cin_plan",
    "s47",
    "icpc",
    "cp_plan",
    "looked_after",
    "moved_out",
    "death",
]
#: Which end of the time-zero episode is the decision point.
TimeZeroAt = Literal["start", "end"]
#: Which eligible spells of a child are kept.
SpellRule = Literal["first", "last", "all"]
#: Ends of follow-up derived from dates rather than episodes (usable in ``censor``/``competing``).
DerivedEndKind = Literal["age_18"]
#: Estimators the estimation layer offers.
EstimatorName = Literal["unadjusted", "ipw", "gformula", "aipw", "ccw"]
#: Risk models the prediction layer validates (``[prediction] models``; also the models a
#: risk-targeting rule of ``[policy]`` can use).
RiskModelName = Literal["cox", "penalised_cox", "gradient_boosting", "random_forest"]
#: How analyses treat the local authority (the ``la`` column) when data hold several:
#: its own baseline and model terms (``stratify``), a cluster of the standard errors
#: (``cluster``), or not at all (``ignore``).
AuthorityHandling = Literal["stratify", "cluster", "ignore"]
#: Covariates the timeline builder computes from the history up to time zero.
BuiltinCovariate = Literal[
    "age",
    "unborn",
    "sex",
    "ethnicity",
    "disability",
    "prior_referrals",
    "prior_assessments",
    "prior_cp_plans",
    "prior_looked_after",
    "days_since_first_referral",
    "source",
    "need",
    "factors",
]

#: Rules the policy study can compare (current practice is always included).
PolicyRuleName = Literal["everyone", "no_one", "risk", "benefit", "tree"]
#: What a pre-registered disparity criterion compares between groups: the share of
#: children who escalated that the rule flagged (``recall``), or the share flagged.
DisparityMetric = Literal["recall", "flagged"]

TIME_ZERO_AT: Final[tuple[str, ...]] = get_args(TimeZeroAt)
SPELL_RULES: Final[tuple[str, ...]] = get_args(SpellRule)
DERIVED_END_KINDS: Final[tuple[str, ...]] = get_args(DerivedEndKind)
ESTIMATORS: Final[tuple[str, ...]] = get_args(EstimatorName)
#: The estimators that use the propensity model, and those that use the cause-specific
#: Cox models of escalation and of competing events (the outcome models): each model is
#: fitted once and handed to the others (``estimate_effects``).
PROPENSITY_MODEL_ESTIMATORS: Final = ("ipw", "aipw")
OUTCOME_MODEL_ESTIMATORS: Final = ("gformula", "aipw")
#: The estimators that fit a Cox model (the outcome models; the clone-censor weights'
#: model of artificial censoring), in the order they are left out, group by group, when a
#: fit does not converge on small or sparse data (the pipeline and a share pack alike).
UNCONVERGED_DROP_ORDER: Final = (OUTCOME_MODEL_ESTIMATORS, ("ccw",))

_Name = TypeVar("_Name", bound=str)
BUILTIN_COVARIATES: Final[tuple[str, ...]] = get_args(BuiltinCovariate)
AUTHORITY_HANDLING: Final[tuple[str, ...]] = get_args(AuthorityHandling)
POLICY_RULES: Final[tuple[str, ...]] = get_args(PolicyRuleName)
DISPARITY_METRICS: Final[tuple[str, ...]] = get_args(DisparityMetric)
#: Allowed values of ``[prediction] models`` and ``[policy] risk_models``.
RISK_MODELS: Final = get_args(RiskModelName)


def without_unconverged(estimators: Sequence[_Name]) -> tuple[list[_Name], list[_Name]] | None:
    """Return the estimators kept and those left out after a Cox model did not converge.

    The next group of :data:`UNCONVERGED_DROP_ORDER` that ``estimators`` holds is left out
    (the error does not say which model failed, so the outcome models go first).

    Parameters
    ----------
    estimators : sequence of str
        The estimators of the fit that failed, in the design's order.

    Returns
    -------
    tuple of (list of str, list of str) or None
        The estimators kept and those left out, each in the given order; ``None`` when no
        group is left to drop or none would be kept (the error then stands).

    Examples
    --------
    >>> without_unconverged(["unadjusted", "aipw", "ccw"])
    (['unadjusted', 'ccw'], ['aipw'])
    >>> without_unconverged(["unadjusted", "ccw"])
    (['unadjusted'], ['ccw'])
    >>> without_unconverged(["unadjusted", "ipw"]) is None
    True
    """
    tier = next((t for t in UNCONVERGED_DROP_ORDER if set(t) & set(estimators)), None)
    if tier is None:
        return None
    kept = [e for e in estimators if e not in tier]
    dropped = [e for e in estimators if e in tier]
    return (kept, dropped) if kept else None


def bootstrap_problem(value: object) -> str | None:
    """Return what is wrong with ``value`` as a number of bootstrap replicates, or None.

    The one rule for every ``bootstrap`` (the design's ``[estimation] bootstrap``, the
    ``bootstrap=`` of the API functions, the command line's ``--bootstrap``): a whole
    number, 0 for no bootstrap or at least 2. One replicate has no spread, so its standard
    error and interval would be missing, yet labelled as a bootstrap's.

    Parameters
    ----------
    value : object
        The number of replicates asked for.

    Returns
    -------
    str or None
        The problem, worded to follow the key or argument's name; None when ``value``
        is allowed.

    Examples
    --------
    >>> bootstrap_problem(0) is None, bootstrap_problem(200) is None
    (True, True)
    >>> bootstrap_problem(1)  # doctest: +ELLIPSIS
    'must be 0 (no bootstrap) or at least 2 replicates: one replicate has no spread...'
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        return "must be a whole number of replicates (0 for no bootstrap)"
    if value < 0 or value == 1:
        return (
            "must be 0 (no bootstrap) or at least 2 replicates: one replicate has no spread, "
            "so it gives no standard error or interval"
        )
    return None


def bootstrap_replicates(value: object, argument: str = "bootstrap") -> int:
    """Return ``value`` as a number of bootstrap replicates, refusing what is not one.

    Parameters
    ----------
    value : object
        The ``bootstrap=`` argument of an API function.
    argument : str, default "bootstrap"
        Its name, for the message.

    Returns
    -------
    int

    Raises
    ------
    DesignError
        When :func:`bootstrap_problem` finds a problem (1, a negative number, a fraction).

    Examples
    --------
    >>> bootstrap_replicates(50)
    50
    >>> bootstrap_replicates(1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: bootstrap=1: must be 0 (no bootstrap) or at least 2 ...
    """
    problem = bootstrap_problem(value)
    if problem is not None:
        raise DesignError(f"{argument}={value!r}: {problem}")
    return int(cast(numbers.Integral, value))
