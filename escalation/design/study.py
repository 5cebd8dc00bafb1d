"""The study design: a frozen, validated description of one analysis, read from TOML.

A design is declared before any result is seen, like a pre-registered analysis plan
(see ``docs``: *The study design file*). It has nine sections, each a frozen dataclass:
:class:`DataSpec`, :class:`TimeZeroSpec`, :class:`OutcomeSpec`, :class:`TreatmentSpec`,
:class:`CovariateSpec`, :class:`EstimationSpec`, :class:`AnalysisSpec` (optional:
several local authorities), :class:`DisclosureSpec` (optional: the disclosure rules),
:class:`PredictionSpec` (optional: the risk models) and :class:`ComputeSpec` (optional:
where parallel work runs; it never changes a result); and two optional ones for the
policy study, :class:`PolicySpec` and its pre-registered :class:`CriteriaSpec`. Every
section checks its own values when constructed; :class:`StudyDesign` checks the rules
that join sections. Invalid designs raise :class:`~escalation.errors.DesignError` naming
the section, the key, the value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import numbers
import os
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import MISSING as MISSING_VALUE
from dataclasses import dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Final, cast

from escalation._atomic import write_text_atomically
from escalation._vocabulary import horizon_days
from escalation.data.codes import CLOSURE_REASONS, CODED_KINDS, EPISODE_KINDS, POINT_KINDS
from escalation.design.options import (
    AUTHORITY_HANDLING,
    BUILTIN_COVARIATES,
    DERIVED_END_KINDS,
    DISPARITY_METRICS,
    ESTIMATORS,
    POLICY_RULES,
    RISK_MODELS,
    SPELL_RULES,
    TIME_ZERO_AT,
    AuthorityHandling,
    DisparityMetric,
    EpisodeKind,
    EstimatorName,
    PolicyRuleName,
    RiskModelName,
    SpellRule,
    TimeZeroAt,
    bootstrap_problem,
    bootstrap_replicates,
)
from escalation.errors import DesignError

__all__ = [
    "AnalysisSpec",
    "ComputeSpec",
    "CovariateSpec",
    "CriteriaSpec",
    "DataSpec",
    "DisclosureSpec",
    "EstimationSpec",
    "OutcomeSpec",
    "PolicySpec",
    "PredictionSpec",
    "StudyDesign",
    "TimeZeroSpec",
    "TreatmentSpec",
    "default_design",
    "path_from",
    "read_design",
    "toml_value",
]

#: Columns of the children table that are never usable as covariates.
_RESERVED_COLUMNS: Final = frozenset({"child_id", "family_id", "birth_date", "la"})
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Columns ``build_spells`` makes in the spells (and counting-process) table; an extra
#: children column of the same name (or a ``factor_`` name) would be a second column.
_MADE_COLUMNS: Final = frozenset(
    {"spell_id", "time_zero", "duration", "event", "end_reason", "treatment",
     "treatment_start", "start", "stop", "treatment_tv", "treatment_started",
     "early_help_episodes", "n_factors"}
)  # fmt: skip


def _fail(section: str, key: str, value: object, problem: str) -> DesignError:
    return _about(DesignError(f"design [{section}] {key} = {value!r}: {problem}"), section, key)


def _about(error: DesignError, section: str, key: str | None = None) -> DesignError:
    """Return ``error`` marked with the ``[section]`` and key it is about (for its line)."""
    error.section, error.key = section, key
    return error


def _suggest(value: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _listing(allowed: Iterable[str]) -> str:
    return ", ".join(repr(a) for a in allowed)


def _choice(section: str, key: str, value: object, allowed: Sequence[str]) -> None:
    if not isinstance(value, str) or value not in allowed:
        hint = _suggest(value, allowed) if isinstance(value, str) else ""
        raise _fail(section, key, value, f"must be one of {_listing(allowed)}{hint}")


def _strings(section: str, key: str, value: object) -> tuple[str, ...]:
    # Only a list: a TOML table ({RC8 = false}) would read as its keys, its values
    # ignored, and a string as its letters.
    if not isinstance(value, list | tuple):
        raise _fail(section, key, value, 'must be a list of strings, e.g. ["a", "b"]')
    items = tuple(value)
    if not all(isinstance(v, str) for v in items):
        raise _fail(section, key, value, "must be a list of strings")
    duplicated = sorted({v for v in items if items.count(v) > 1})
    if duplicated:
        raise _fail(section, key, value, f"lists {_listing(duplicated)} more than once")
    return cast(tuple[str, ...], items)


def _members(section: str, key: str, values: tuple[str, ...], allowed: Sequence[str]) -> None:
    for v in values:
        if v not in allowed:
            raise _fail(
                section,
                key,
                list(values),
                f"unknown value {v!r}{_suggest(v, allowed)}; allowed: {_listing(allowed)}",
            )


def _refuse_reasons_off_referrals(section: str, reasons: tuple[str, ...], kind: str) -> None:
    """Refuse closure ``reasons`` when the time-zero ``kind`` never records one.

    Only the kinds of ``CODED_KINDS["reason"]`` (referrals) carry a closure reason, so
    ``reasons`` on another kind would exclude every candidate (``[time_zero]``) or treat
    no one (``[treatment]``), silently.
    """
    carriers = sorted(CODED_KINDS["reason"])
    if kind in carriers:
        return
    if section == "time_zero":
        effect = f"every {kind} would be excluded; leave reasons out"
    else:
        effect = "no spell would be treated; use the point form (kind, grace_days)"
    raise _fail(
        section,
        "reasons",
        list(reasons),
        f"only {' and '.join(carriers)} episodes carry a closure reason, and [time_zero] "
        f"kind = {kind!r} never has one: {effect}, or set [time_zero] kind = "
        f"{carriers[0]!r}",
    )


def _date(section: str, key: str, value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0) or value.utcoffset():
            raise _fail(
                section,
                key,
                value.isoformat(),
                "must be a date written YYYY-MM-DD, without a time of day (the design "
                "counts whole days: the time would be dropped)",
            )
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(section, key, value, "must be a date written YYYY-MM-DD")


#: The largest whole number a TOML file can hold (a signed 64-bit integer, TOML 1.0
#: "Integer"): a design holding a larger one is written as text other parsers refuse.
TOML_MAX_INTEGER: Final = 2**63 - 1


def _integer(
    section: str, key: str, value: object, *, minimum: int, maximum: int = TOML_MAX_INTEGER
) -> int:
    """Return ``value``, a whole number from ``minimum`` to ``maximum``, or refuse it.

    The default ``maximum`` is the largest integer TOML holds, so every whole number of a
    design reads back (and is written) as valid TOML.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(section, key, value, "must be a whole number")
    if value < minimum:
        raise _fail(section, key, value, f"must be at least {minimum}")
    if value > maximum:
        raise _fail(
            section,
            key,
            value,
            f"must be at most {maximum} (2**63 - 1, the largest whole number a TOML file holds)",
        )
    return value


def _share(section: str, key: str, value: object, *, high: float = 1.0) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(section, key, value, "must be a number")
    if not 0 <= value <= high:
        raise _fail(section, key, value, f"must be between 0 and {high:g}")
    return float(value)


def _age(section: str, key: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(section, key, value, "must be a number of years")
    if not -1 <= value <= 25:
        raise _fail(
            section,
            key,
            value,
            "must be between -1 (an unborn child: time zero before birth) and 25 years",
        )
    return float(value)


@dataclass(frozen=True)
class DataSpec:
    """Where the case history is and when it was extracted.

    Parameters
    ----------
    path : str, optional
        Folder with children, episodes and (optionally) notes as ``.csv`` or
        ``.parquet``. A relative path is read relative to the folder of the design file
        (``"."`` for that folder itself). Never empty: leave it out to give the folder on
        the command line (``--data``).
    extract_date : datetime.date or str, optional
        The extract date (``YYYY-MM-DD``), when the source does not state it.
    """

    path: str | None = None
    extract_date: dt.date | None = None

    def __post_init__(self) -> None:
        if self.path is not None and not isinstance(self.path, str):
            raise _fail("data", "path", self.path, "must be a folder name (a string)")
        if self.path is not None and not self.path.strip():
            raise _fail(
                "data",
                "path",
                self.path,
                'is empty: name the case-history folder (e.g. "data/"; "." for the '
                "design file's own folder), or leave path out and pass --data DIR",
            )
        object.__setattr__(self, "extract_date", _date("data", "extract_date", self.extract_date))


@dataclass(frozen=True)
class TimeZeroSpec:
    """Eligibility and the decision point where follow-up starts.

    Parameters
    ----------
    kind : str, default "referral"
        Episode kind that defines the decision point.
    at : {"end", "start"}, default "end"
        Which end of that episode is time zero. A point event (``contact``, ``s47``,
        ``icpc``, ``moved_out``, ``death``) has a date but no end, so it needs ``"start"``.
    reasons : tuple of str, optional
        Keep only episodes that ended with one of these closure reasons (``RC1``–``RC9``).
        Needs ``at = "end"``: a closure reason is not known before the episode ends; and
        ``kind = "referral"``, the only kind that records one
        (:data:`~escalation.data.codes.CODED_KINDS`).
    from_ : datetime.date or str, optional
        First allowed time-zero date (TOML key ``from``).
    to : datetime.date or str, optional
        Last allowed time-zero date (inclusive).
    spells : {"first", "last", "all"}, default "first"
        Which eligible spells of a child are kept.
    min_age, max_age : float, optional
        Allowed age at time zero, in completed years (inclusive): ``max_age = 17``
        keeps children up to the day before their 18th birthday. Age at time zero is
        negative for an unborn child (a pre-birth referral: -1 completed years), so
        ``min_age = 0`` excludes unborn children, ``min_age = -1`` (or no ``min_age``)
        keeps them, and ``max_age = -1`` studies only them. Between -1 and 25.
    """

    kind: EpisodeKind = "referral"
    at: TimeZeroAt = "end"
    reasons: tuple[str, ...] | None = None
    from_: dt.date | None = None
    to: dt.date | None = None
    spells: SpellRule = "first"
    min_age: float | None = None
    max_age: float | None = None

    def __post_init__(self) -> None:
        _choice("time_zero", "kind", self.kind, EPISODE_KINDS)
        _choice("time_zero", "at", self.at, TIME_ZERO_AT)
        _choice("time_zero", "spells", self.spells, SPELL_RULES)
        if self.kind in POINT_KINDS and self.at == "end":
            raise _fail(
                "time_zero",
                "at",
                self.at,
                f"{self.kind} is a point event: it has a date but no end, so time zero at "
                f'its end would give no spell; set at = "start" (the date of the {self.kind})',
            )
        if self.reasons is not None:
            reasons = _strings("time_zero", "reasons", self.reasons)
            _members("time_zero", "reasons", reasons, tuple(CLOSURE_REASONS))
            if not reasons:
                raise _fail("time_zero", "reasons", [], "is empty; leave it out to keep all")
            _refuse_reasons_off_referrals("time_zero", reasons, self.kind)
            if self.at != "end":
                raise _fail(
                    "time_zero",
                    "reasons",
                    list(reasons),
                    'needs at = "end": the closure reason is only known when the episode '
                    "ends, so selecting on it at the start would use the future",
                )
            object.__setattr__(self, "reasons", reasons)
        start = _date("time_zero", "from", self.from_)
        stop = _date("time_zero", "to", self.to)
        if start is not None and stop is not None and start > stop:
            raise _fail(
                "time_zero", "from", start.isoformat(), f"is after to = {stop.isoformat()!r}"
            )
        object.__setattr__(self, "from_", start)
        object.__setattr__(self, "to", stop)
        low = _age("time_zero", "min_age", self.min_age)
        high = _age("time_zero", "max_age", self.max_age)
        if low is not None and high is not None and low > high:
            raise _fail("time_zero", "min_age", low, f"is greater than max_age = {high}")
        object.__setattr__(self, "min_age", low)
        object.__setattr__(self, "max_age", high)


@dataclass(frozen=True)
class OutcomeSpec:
    """Escalation, competing events, censoring and the horizons of interest.

    Parameters
    ----------
    events : tuple of str
        Episode kinds that count as escalation: the first of them after time zero.
    competing : tuple of str, default ("death",)
        Kinds (or ``"age_18"``) that end follow-up and preclude escalation; event codes
        2, 3, ... follow this order. The default is the design contract's: a kind in
        none of ``events``, ``competing`` and ``censor`` does not end follow-up, so
        ``competing = []`` keeps a child who died at risk of escalation
        (:func:`~escalation.timeline.build_spells` warns when the history has such a
        death).
    censor : tuple of str, default ("moved_out", "age_18")
        Kinds (or ``"age_18"``) that end follow-up without an event (the contract's
        default: a child who moved out is no longer observed, and children's social care
        ends at 18). The extract date always censors.
    horizons : tuple of int
        Days after time zero at which risks are reported (each > 0), kept sorted in
        increasing order whatever the order written.
    """

    events: tuple[str, ...] = ("cp_plan", "looked_after")
    competing: tuple[str, ...] = ("death",)
    censor: tuple[str, ...] = ("moved_out", "age_18")
    horizons: tuple[int, ...] = (365,)

    def __post_init__(self) -> None:
        ends = (*EPISODE_KINDS, *DERIVED_END_KINDS)
        events = _strings("outcome", "events", self.events)
        if not events:
            raise _fail("outcome", "events", [], "needs at least one escalation kind")
        _members("outcome", "events", events, EPISODE_KINDS)
        competing = _strings("outcome", "competing", self.competing)
        _members("outcome", "competing", competing, ends)
        censor = _strings("outcome", "censor", self.censor)
        _members("outcome", "censor", censor, ends)
        for key, values, others in (
            ("competing", competing, events),
            ("censor", censor, (*events, *competing)),
        ):
            both = [v for v in values if v in others]
            if both:
                raise _fail(
                    "outcome",
                    key,
                    list(values),
                    f"{_listing(both)} already ends follow-up as an escalation or competing "
                    "event; list each kind in one place only",
                )
        horizons = horizon_days(  # the one rule of a horizon, as estimate_effects'
            self.horizons, lambda problem: _fail("outcome", "horizons", self.horizons, problem)
        )
        object.__setattr__(self, "events", events)
        object.__setattr__(self, "competing", competing)
        object.__setattr__(self, "censor", censor)
        object.__setattr__(self, "horizons", horizons)

    @property
    def event_codes(self) -> dict[str, int]:
        """Map each end of follow-up with an event code to that code (1 escalation, 2..)."""
        codes = dict.fromkeys(self.events, 1)
        codes.update({kind: 2 + i for i, kind in enumerate(self.competing)})
        return codes


@dataclass(frozen=True)
class TreatmentSpec:
    """The treatment: exactly one of the point form or the reasons form.

    Parameters
    ----------
    kind : str, optional
        Point form: treated when an episode of this kind starts within ``grace_days``
        days after time zero (day 0 included).
    grace_days : int, optional
        Grace period of the point form in days (default 0: the day of time zero only).
    reasons : tuple of str, optional
        Reasons form: treated when the time-zero episode ended with one of these closure
        reasons. Needs ``[time_zero] at = "end"`` and ``[time_zero] kind = "referral"``
        (the only kind that records a closure reason).
    """

    kind: EpisodeKind | None = None
    grace_days: int | None = None
    reasons: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if (self.kind is None) == (self.reasons is None):
            raise _about(
                DesignError(
                    "design [treatment]: give exactly one of kind (with grace_days) or "
                    f"reasons; {'both were' if self.kind is not None else 'neither was'} given"
                ),
                "treatment",
            )
        if self.kind is not None:
            _choice("treatment", "kind", self.kind, EPISODE_KINDS)
            grace = 0 if self.grace_days is None else self.grace_days
            object.__setattr__(
                self, "grace_days", _integer("treatment", "grace_days", grace, minimum=0)
            )
        else:
            if self.grace_days is not None:
                raise _fail(
                    "treatment",
                    "grace_days",
                    self.grace_days,
                    "only applies with kind (the point form); remove it or use kind",
                )
            reasons = _strings("treatment", "reasons", self.reasons)
            if not reasons:
                raise _fail("treatment", "reasons", [], "needs at least one closure reason")
            _members("treatment", "reasons", reasons, tuple(CLOSURE_REASONS))
            object.__setattr__(self, "reasons", reasons)

    @property
    def form(self) -> str:
        """``"point"`` or ``"reasons"``."""
        return "point" if self.kind is not None else "reasons"

    @property
    def episode_kind(self) -> str:
        """Kind whose episodes drive the time-varying treatment (``early_help`` by default)."""
        return self.kind if self.kind is not None else "early_help"


@dataclass(frozen=True)
class CovariateSpec:
    """Baseline covariates, measured at time zero from the history up to time zero only.

    Parameters
    ----------
    include : tuple of str
        Built-in covariates (see :data:`escalation.design.options.BuiltinCovariate`) or
        names of extra columns of the children table (e.g. ``imd_decile``); at least one.
    """

    include: tuple[str, ...] = ("age", "sex")

    def __post_init__(self) -> None:
        names = _strings("covariates", "include", self.include)
        if not names:
            raise _fail(
                "covariates",
                "include",
                [],
                "needs at least one covariate: the adjusted estimators, Table 1 and the risk "
                "models all use them (the unadjusted estimator ignores them, so an "
                'unadjusted-only study can keep e.g. ["age", "sex"])',
            )
        for name in names:
            if name in BUILTIN_COVARIATES:
                continue
            close = difflib.get_close_matches(name, BUILTIN_COVARIATES, n=1, cutoff=0.8)
            if close:
                raise _fail(
                    "covariates",
                    "include",
                    list(names),
                    f"unknown covariate {name!r} (did you mean {close[0]!r}?)",
                )
            if name in _MADE_COLUMNS or name.startswith("factor_"):
                raise _fail(
                    "covariates",
                    "include",
                    list(names),
                    f"{name!r} is a column the spells table makes itself (its follow-up, "
                    "treatment or factor flags); rename that children column",
                )
            if name in _RESERVED_COLUMNS or not _NAME.match(name):
                raise _fail(
                    "covariates",
                    "include",
                    list(names),
                    f"{name!r} is neither a built-in covariate ({_listing(BUILTIN_COVARIATES)}) "
                    "nor a usable children column name",
                )
        object.__setattr__(self, "include", names)

    @property
    def builtin(self) -> tuple[str, ...]:
        """The built-in covariates requested, in the order given."""
        return tuple(n for n in self.include if n in BUILTIN_COVARIATES)

    @property
    def extra(self) -> tuple[str, ...]:
        """Requested names taken from extra columns of the children table."""
        return tuple(n for n in self.include if n not in BUILTIN_COVARIATES)


@dataclass(frozen=True)
class EstimationSpec:
    """Estimators, bootstrap replicates and the random seed.

    Parameters
    ----------
    estimators : tuple of str
        Any of ``unadjusted``, ``ipw``, ``gformula``, ``aipw``, ``ccw``.
    bootstrap : int, default 200
        Bootstrap replicates: 0 for none, else at least 2 (one replicate gives no
        standard error).
    seed : int, default 1
        Seed of every random step: a whole number from 0 to 2**63 - 1 (the largest
        whole number a TOML file holds).
    """

    estimators: tuple[EstimatorName, ...] = ("unadjusted",)
    bootstrap: int = 200
    seed: int = 1

    def __post_init__(self) -> None:
        names = _strings("estimation", "estimators", self.estimators)
        if not names:
            raise _fail("estimation", "estimators", [], "needs at least one estimator")
        _members("estimation", "estimators", names, ESTIMATORS)
        object.__setattr__(self, "estimators", names)
        problem = bootstrap_problem(self.bootstrap)
        if problem is not None:
            raise _fail("estimation", "bootstrap", self.bootstrap, problem)
        object.__setattr__(self, "bootstrap", int(self.bootstrap))
        _integer("estimation", "seed", self.seed, minimum=0)


@dataclass(frozen=True)
class ComputeSpec:
    """Where bootstrap replicates, folds and partitions run (see :mod:`escalation.compute`).

    Results are bit-identical wherever they run, so this section never changes a result;
    the command line's ``--workers`` and ``--scheduler`` override it.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: one, this process; -1: every core).
    scheduler : str, optional
        Address of an existing Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``; not with
        ``workers`` (the cluster has its own). The rule is
        :func:`escalation.compute.compute_problem`'s, as for ``--workers``/``--scheduler``.
    """

    workers: int | None = None
    scheduler: str | None = None

    def __post_init__(self) -> None:
        from escalation.compute import compute_problem

        problem = compute_problem(self.workers, self.scheduler)
        if problem is not None:
            key, text = problem
            raise _fail("compute", key, getattr(self, key), text)


@dataclass(frozen=True)
class AnalysisSpec:
    """How the analysis treats several local authorities in one study.

    Used when the case history holds several authorities (an ``la`` column in the
    children table) and by federated analysis (``escalation share`` / ``pool``). The
    section is optional; left at its defaults it is not written to the design file, so
    designs without it keep their hash.

    Parameters
    ----------
    authority : {"stratify", "cluster", "ignore"}, default "stratify"
        ``stratify``: each authority has its own baseline hazard (Cox strata) and its
        own intercept in the propensity and outcome models, and results are also shown
        by authority. ``cluster``: authorities are clusters of the standard errors
        (robust Cox variance and a bootstrap resampling whole authorities; sensible only
        with many authorities). ``ignore``: the authorities are analysed as one
        population.
    interval_days : int, default 30
        Width in days of the coarsened time intervals of the risk-set tables a share
        pack holds (every authority uses the same grid, so the hub can add them up).
    """

    authority: AuthorityHandling = "stratify"
    interval_days: int = 30

    def __post_init__(self) -> None:
        _choice("analysis", "authority", self.authority, AUTHORITY_HANDLING)
        _integer("analysis", "interval_days", self.interval_days, minimum=1)

    @property
    def is_default(self) -> bool:
        """Whether every value is the default (then the section is not written)."""
        return self == AnalysisSpec()


@dataclass(frozen=True)
class DisclosureSpec:
    """Statistical disclosure control of every output that leaves the local authority.

    The defaults follow the ONS "10-5 rule" (counts below 10 suppressed, others rounded
    to the nearest 5). Set them to the local authority's own disclosure policy; the
    rules as run are recorded in every manifest and stated in the brief. Left at its
    defaults the section is not written to the design file, so designs without it keep
    their hash.

    Parameters
    ----------
    threshold : int, default 10
        Counts below this are suppressed (zero too); every curve step, bar and point of a
        figure stands for at least this many children or events.
    rounding : int, default 5
        Counts at or above the threshold are rounded to a multiple of this (1: unrounded).
    """

    threshold: int = 10
    rounding: int = 5

    def __post_init__(self) -> None:
        _integer("disclosure", "threshold", self.threshold, minimum=1)
        _integer("disclosure", "rounding", self.rounding, minimum=1)

    @property
    def is_default(self) -> bool:
        """Whether every value is the default (then the section is not written)."""
        return self == DisclosureSpec()


@dataclass(frozen=True)
class PredictionSpec:
    """Which risk models ``escalation predict`` and ``escalation run`` validate.

    Optional; left at its default it is not written to the design file, so designs
    without it keep their hash.

    Parameters
    ----------
    models : tuple of str, default ("cox", "gradient_boosting")
        Any of ``cox``, ``penalised_cox`` (elastic-net Cox: recommended when the Cox
        fit warns of separation or many sparse levels), ``gradient_boosting``,
        ``random_forest``.
    """

    models: tuple[RiskModelName, ...] = ("cox", "gradient_boosting")

    def __post_init__(self) -> None:
        names = _strings("prediction", "models", self.models)
        if not names:
            raise _fail("prediction", "models", [], "needs at least one risk model")
        _members("prediction", "models", names, RISK_MODELS)
        object.__setattr__(self, "models", names)

    @property
    def is_default(self) -> bool:
        """Whether every value is the default (then the section is not written)."""
        return self == PredictionSpec()


@dataclass(frozen=True)
class PolicySpec:
    """Rules that could decide who is offered early help, and the places available.

    Parameters
    ----------
    capacity_per_1000 : int
        Early-help places per 1,000 decision points (referrals closed without statutory
        action): the targeting rules offer early help to this many, the riskiest (or
        those expected to benefit most) first.
    rules : tuple of str, default all
        Rules compared with current practice (always included): ``everyone``,
        ``no_one``, ``risk`` (top by predicted risk, one rule per risk model),
        ``benefit`` (top by estimated benefit of early help) and ``tree`` (a learned
        shallow tree).
    risk_models : tuple of str, optional
        Risk models of :mod:`escalation.predict` for the ``risk`` rules (one rule per
        model). Left out, the policy study uses the design's ``[prediction] models``
        (:attr:`StudyDesign.policy_risk_models`), so the risk rules are the models the
        study validates.
    horizon : int, optional
        Days: risks, benefits and the criteria are judged by this horizon; it must be one
        of ``[outcome] horizons``. Default: the first of ``[outcome] horizons`` as written
        in the design file. The horizons are kept sorted, so a file writing a larger one
        first (``[730, 365]``) reads with that horizon as an explicit ``[policy] horizon``
        (recorded in the design written beside the outputs); a design built in Python
        without one uses the first of the sorted ``OutcomeSpec.horizons``, the smallest.
    folds : int, default 5
        Cross-fitting folds (grouped by family): each learned rule is judged on families
        it was not learned from.
    tree_depth : int, default 2
        Depth of the learned tree (1 to 3: a rule a practitioner can read).
    min_group : int, default 10
        Groups with fewer children (or, for recall, fewer escalations) are suppressed.
    """

    capacity_per_1000: int
    rules: tuple[PolicyRuleName, ...] = cast(tuple[PolicyRuleName, ...], POLICY_RULES)
    risk_models: tuple[RiskModelName, ...] | None = None
    horizon: int | None = None
    folds: int = 5
    tree_depth: int = 2
    min_group: int = 10

    def __post_init__(self) -> None:
        capacity = _integer("policy", "capacity_per_1000", self.capacity_per_1000, minimum=1)
        if capacity > 1000:
            raise _fail("policy", "capacity_per_1000", capacity, "must be at most 1000")
        rules = _strings("policy", "rules", self.rules)
        _members("policy", "rules", rules, POLICY_RULES)
        if not rules:
            raise _fail("policy", "rules", [], "needs at least one rule besides current practice")
        models = None
        if self.risk_models is not None:
            models = _strings("policy", "risk_models", self.risk_models)
            _members("policy", "risk_models", models, RISK_MODELS)
            if "risk" in rules and not models:
                raise _fail("policy", "risk_models", [], "the risk rule needs at least one model")
        if self.horizon is not None:
            _integer("policy", "horizon", self.horizon, minimum=1)
        _integer("policy", "folds", self.folds, minimum=2)
        depth = _integer("policy", "tree_depth", self.tree_depth, minimum=1)
        if depth > 3:
            raise _fail("policy", "tree_depth", depth, "must be 1, 2 or 3 (a readable rule)")
        _integer("policy", "min_group", self.min_group, minimum=10)
        object.__setattr__(self, "rules", rules)
        object.__setattr__(self, "risk_models", models)

    @property
    def capacity(self) -> float:
        """The share of decision points that can be offered early help."""
        return self.capacity_per_1000 / 1000


@dataclass(frozen=True)
class CriteriaSpec:
    """Success criteria stated before any outcome is seen (``escalation register``).

    Each criterion is judged on one rule at the capacity of ``[policy]``, by the policy
    horizon: *met* when its whole 95% interval is on the right side of the threshold,
    *not met* when it is wholly on the wrong side, *inconclusive* otherwise.

    Parameters
    ----------
    rule : {"risk", "benefit", "tree"}, default "risk"
        The rule judged (``risk``: the first risk model's rule).
    min_precision : float, optional
        Smallest acceptable share of flagged children who went on to escalate (the
        WWCSC 2020 pilots pre-specified 0.65).
    min_recall : float, optional
        Smallest acceptable share of children who escalated that the rule flagged.
    max_disparity : float, optional
        Largest acceptable difference between any two groups of one attribute (sex,
        ethnicity, disability, deprivation, age, unborn) in ``disparity_metric``.
    disparity_metric : {"recall", "flagged"}, default "recall"
        Compare the share of escalating children flagged (equal opportunity) or the
        share flagged.
    min_prevented_per_1000 : float, optional
        Fewest escalations the rule must prevent per 1,000 decision points, against
        offering early help to no one.
    """

    rule: PolicyRuleName = "risk"
    min_precision: float | None = None
    min_recall: float | None = None
    max_disparity: float | None = None
    disparity_metric: DisparityMetric = "recall"
    min_prevented_per_1000: float | None = None

    def __post_init__(self) -> None:
        _choice("criteria", "rule", self.rule, ("risk", "benefit", "tree"))
        _choice("criteria", "disparity_metric", self.disparity_metric, DISPARITY_METRICS)
        for key in ("min_precision", "min_recall", "max_disparity"):
            object.__setattr__(self, key, _share("criteria", key, getattr(self, key)))
        object.__setattr__(
            self,
            "min_prevented_per_1000",
            _share("criteria", "min_prevented_per_1000", self.min_prevented_per_1000, high=1000),
        )
        if not self.stated:
            raise DesignError(
                "design [criteria]: states no criterion; give at least one of "
                "min_precision, min_recall, max_disparity, min_prevented_per_1000"
            )

    @property
    def stated(self) -> dict[str, float]:
        """The criteria given, by key."""
        keys = ("min_precision", "min_recall", "max_disparity", "min_prevented_per_1000")
        return {k: float(v) for k in keys if (v := getattr(self, k)) is not None}


#: TOML keys of each section mapped to field names (where they differ).
_SECTIONS: Final[dict[str, type]] = {
    "data": DataSpec,
    "time_zero": TimeZeroSpec,
    "outcome": OutcomeSpec,
    "treatment": TreatmentSpec,
    "covariates": CovariateSpec,
    "estimation": EstimationSpec,
    "analysis": AnalysisSpec,
    "disclosure": DisclosureSpec,
    "prediction": PredictionSpec,
    "compute": ComputeSpec,
    "policy": PolicySpec,
    "criteria": CriteriaSpec,
}
_RENAMED: Final = {"from": "from_"}
_REQUIRED_SECTIONS: Final = ("time_zero", "outcome", "treatment")
#: Sections that may be left out entirely (``None`` in the design).
_OPTIONAL_SECTIONS: Final = ("policy", "criteria")


def _policy_horizon_as_written(built: dict[str, Any], mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Return the sections with ``[policy] horizon`` set when its default is not the smallest.

    ``[policy] horizon`` defaults to the first of ``[outcome] horizons`` as written. The
    horizons are kept sorted (:func:`~escalation._vocabulary.horizon_days`), so a file
    writing a larger horizon first (``[730, 365]``) would otherwise have the policy study
    use the smallest; that first horizon is made the explicit ``[policy] horizon``, which
    the design written beside the outputs, its hash and the manifest then record. Files
    writing their horizons in increasing order read (and hash) as before.
    """
    policy = built.get("policy")
    written = mapping["outcome"].get("horizons")
    if policy is None or policy.horizon is not None or not isinstance(written, list | tuple):
        return built
    first = int(written[0])  # a whole number of days: [outcome] was validated
    if first == built["outcome"].horizons[0]:
        return built
    return {**built, "policy": replace(policy, horizon=first)}


def _toml_key(name: str) -> str:
    return {v: k for k, v in _RENAMED.items()}.get(name, name)


@dataclass(frozen=True)
class StudyDesign:
    """A complete study design: eligibility, time zero, outcome, treatment, covariates.

    Build one with :func:`read_design` (a TOML file), :meth:`from_dict`, or directly
    from the section objects. Every value is checked when the object is built.

    Parameters
    ----------
    time_zero : TimeZeroSpec
        Eligibility and the decision point.
    outcome : OutcomeSpec
        Escalation, competing events, censoring and horizons.
    treatment : TreatmentSpec
        The treatment (point form or reasons form).
    covariates : CovariateSpec, optional
        Baseline covariates.
    estimation : EstimationSpec, optional
        Estimators, bootstrap and seed.
    data : DataSpec, optional
        Where the data are.
    analysis : AnalysisSpec, optional
        How several local authorities are handled.
    disclosure : DisclosureSpec, optional
        Disclosure control of the outputs (default: counts below 10 suppressed, others
        rounded to 5).
    prediction : PredictionSpec, optional
        Which risk models are validated.
    compute : ComputeSpec, optional
        Where parallel work runs (never changes a result).
    policy : PolicySpec, optional
        Rules that could decide who is offered early help, and the capacity.
    criteria : CriteriaSpec, optional
        Pre-registered success criteria of the policy study (needs ``policy``).

    Raises
    ------
    DesignError
        When a value or a combination of values is invalid.

    Examples
    --------
    >>> from escalation.design import StudyDesign, TimeZeroSpec, OutcomeSpec, TreatmentSpec
    >>> design = StudyDesign(
    ...     time_zero=TimeZeroSpec(kind="referral", at="end", reasons=("RC8", "RC9")),
    ...     outcome=OutcomeSpec(events=("cp_plan",), horizons=(365,)),
    ...     treatment=TreatmentSpec(kind="early_help", grace_days=14),
    ... )
    >>> design.treatment.form
    'point'
    """

    time_zero: TimeZeroSpec
    outcome: OutcomeSpec
    treatment: TreatmentSpec
    covariates: CovariateSpec = field(default_factory=CovariateSpec)
    estimation: EstimationSpec = field(default_factory=EstimationSpec)
    data: DataSpec = field(default_factory=DataSpec)
    analysis: AnalysisSpec = field(default_factory=AnalysisSpec)
    disclosure: DisclosureSpec = field(default_factory=DisclosureSpec)
    prediction: PredictionSpec = field(default_factory=PredictionSpec)
    compute: ComputeSpec = field(default_factory=ComputeSpec)
    policy: PolicySpec | None = None
    criteria: CriteriaSpec | None = None

    def __post_init__(self) -> None:
        for name, kind in _SECTIONS.items():
            value = getattr(self, name)
            if value is None and name in _OPTIONAL_SECTIONS:
                continue
            if not isinstance(value, kind):
                raise DesignError(f"design [{name}] must be a {kind.__name__}")
        self._check_policy()
        tz, treatment = self.time_zero, self.treatment
        if treatment.reasons is not None:
            _refuse_reasons_off_referrals("treatment", treatment.reasons, tz.kind)
        if treatment.reasons is not None and tz.at != "end":
            raise _fail(
                "treatment",
                "reasons",
                list(treatment.reasons),
                'needs [time_zero] at = "end": the closure reason is only known when the '
                "time-zero episode ends",
            )
        if treatment.reasons is not None and tz.reasons is not None:
            never = [r for r in treatment.reasons if r not in tz.reasons]
            if len(never) == len(treatment.reasons):
                raise _fail(
                    "treatment",
                    "reasons",
                    list(treatment.reasons),
                    "no eligible spell can be treated: none of these reasons is in "
                    f"[time_zero] reasons = {list(tz.reasons)!r}",
                )
        ends = (*self.outcome.events, *self.outcome.competing, *self.outcome.censor)
        if treatment.kind is not None and treatment.kind in ends:
            raise _fail(
                "treatment",
                "kind",
                treatment.kind,
                "is also listed in [outcome]; the treatment cannot end follow-up",
            )
        if tz.kind in (*self.outcome.competing, *self.outcome.censor):
            raise _fail(
                "time_zero",
                "kind",
                tz.kind,
                "also ends follow-up ([outcome] competing or censor); choose another kind",
            )

    def _check_policy(self) -> None:
        policy, criteria = self.policy, self.criteria
        if criteria is not None and policy is None:
            raise DesignError(
                "design [criteria]: needs a [policy] section: the criteria judge a rule at "
                "the early-help capacity that [policy] capacity_per_1000 states"
            )
        if policy is None:
            return
        if policy.horizon is not None and policy.horizon not in self.outcome.horizons:
            raise _fail(
                "policy",
                "horizon",
                policy.horizon,
                f"must be one of [outcome] horizons = {list(self.outcome.horizons)}",
            )
        if criteria is not None and criteria.rule not in policy.rules:
            raise _fail(
                "criteria",
                "rule",
                criteria.rule,
                f"is not among [policy] rules = {list(policy.rules)}",
            )

    @property
    def policy_horizon(self) -> int:
        """The horizon of the policy study: ``[policy] horizon``, else the smallest horizon.

        A design file that writes a larger horizon first has it as ``[policy] horizon``
        (see :class:`PolicySpec`).
        """
        if self.policy is not None and self.policy.horizon is not None:
            return int(self.policy.horizon)
        return int(self.outcome.horizons[0])

    @property
    def policy_risk_models(self) -> tuple[RiskModelName, ...]:
        """Risk models of the policy's risk rules.

        ``[policy] risk_models`` when the design states them, else ``[prediction]
        models`` (the models the study validates).
        """
        if self.policy is not None and self.policy.risk_models is not None:
            return self.policy.risk_models
        return self.prediction.models

    # ----------------------------------------------------------------- reading
    @classmethod
    def from_dict(cls, mapping: Mapping[str, Any]) -> StudyDesign:
        """Build a design from a mapping shaped like the TOML file.

        Parameters
        ----------
        mapping : mapping
            Sections (``data``, ``time_zero``, ``outcome``, ``treatment``, ``covariates``,
            ``estimation``, ``analysis``, ``disclosure``, ``prediction``, ``compute``, and
            optionally ``policy`` and ``criteria``) of key–value pairs, as
            :func:`tomllib.loads` returns them.

        Returns
        -------
        StudyDesign

        Raises
        ------
        DesignError
            On unknown sections or keys, missing sections, or invalid values.
        """
        if not isinstance(mapping, Mapping):
            raise DesignError("a design must be a mapping of sections")
        unknown = [name for name in mapping if name not in _SECTIONS]
        if unknown:
            name = str(unknown[0])
            raise _about(
                DesignError(
                    f"design: unknown section [{name}]{_suggest(name, _SECTIONS)}; "
                    f"sections are {_listing(_SECTIONS)}"
                ),
                name,
            )
        missing = [name for name in _REQUIRED_SECTIONS if name not in mapping]
        if missing:
            raise DesignError(f"design: section [{missing[0]}] is missing")
        built: dict[str, Any] = {}
        for name, kind in _SECTIONS.items():
            if name not in mapping:
                continue
            values = mapping[name]
            if not isinstance(values, Mapping):
                raise DesignError(f"design: [{name}] must be a table of keys")
            allowed = {_toml_key(f.name): f.name for f in fields(kind)}
            kwargs: dict[str, Any] = {}
            for key, value in values.items():
                if key not in allowed:
                    raise _about(
                        DesignError(
                            f"design [{name}]: unknown key {key!r}"
                            f"{_suggest(str(key), allowed)}; keys are {_listing(allowed)}"
                        ),
                        name,
                        str(key),
                    )
                kwargs[allowed[key]] = value
            try:
                built[name] = kind(**kwargs)
            except TypeError as error:
                missing = [
                    _toml_key(f.name)
                    for f in fields(kind)
                    if f.default is MISSING_VALUE
                    and f.default_factory is MISSING_VALUE
                    and f.name not in kwargs
                ]
                if not missing:
                    raise
                raise _about(
                    DesignError(f"design [{name}]: key {missing[0]!r} is required"), name
                ) from error
        return cls(**_policy_horizon_as_written(built, mapping))

    @classmethod
    def from_toml(cls, text: str) -> StudyDesign:
        """Build a design from the text of a TOML design file.

        Raises
        ------
        DesignError
            When the text is not valid TOML or the design is invalid.
        """
        try:
            mapping = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise DesignError(f"design file is not valid TOML: {error}") from error
        return cls.from_dict(mapping)

    # ----------------------------------------------------------------- writing
    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Return the design as TOML-shaped sections (dates as ``YYYY-MM-DD`` text).

        Unset optional values are left out, and so are the ``[analysis]``,
        ``[disclosure]`` and ``[prediction]`` sections when they hold only defaults (designs
        written before they existed keep their text and hash) and an empty ``[compute]``
        section, so ``from_dict(to_dict())`` rebuilds an equal
        design.
        """
        out: dict[str, dict[str, Any]] = {}
        for name in _SECTIONS:
            section = getattr(self, name)
            if section is None or (
                name in ("analysis", "disclosure", "prediction") and section.is_default
            ):
                continue
            if name == "compute" and section == ComputeSpec():
                continue
            values: dict[str, Any] = {}
            for f in fields(section):
                value = getattr(section, f.name)
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    value = value.isoformat()
                elif isinstance(value, tuple):
                    value = list(value)
                elif isinstance(value, float) and value.is_integer():
                    value = int(value)
                values[_toml_key(f.name)] = value
            out[name] = values
        return out

    def to_toml(self) -> str:
        """Return the design as TOML text that :meth:`from_toml` reads back to an equal design."""
        lines: list[str] = []
        for name, values in self.to_dict().items():
            lines.append(f"[{name}]")
            lines += [f"{key} = {toml_value(value)}" for key, value in values.items()]
            lines.append("")
        return "\n".join(lines)

    def write(self, path: str | Path) -> Path:
        """Write the design to a TOML file and return its path.

        The file is replaced whole (written beside it, then renamed over it): a write that
        fails half-way leaves an existing file as it was.
        """
        return write_text_atomically(path, self.to_toml())

    def replace(self, **sections: Any) -> StudyDesign:
        """Return a copy with whole sections replaced (the design itself never changes)."""
        return replace(self, **sections)

    def with_estimation(
        self, *, seed: int | None = None, bootstrap: int | None = None
    ) -> StudyDesign:
        """Return the design with the seed and bootstrap replicates a run overrides.

        The one rule of every override of ``[estimation] seed`` and ``bootstrap`` (the
        command line's ``--seed`` and ``--bootstrap``, the ``seed=`` and ``bootstrap=`` of
        :func:`~escalation.pipeline.run_study` and ``build_share_pack``): the design
        recorded beside the outputs (``design.toml``, the manifest's design and its hash,
        the registration check) is the design that made them.

        Parameters
        ----------
        seed : int, optional
            The seed used (None: the design's).
        bootstrap : int, optional
            The bootstrap replicates used (None: the design's); 0, or at least 2.

        Returns
        -------
        StudyDesign
            This design when neither is given.

        Raises
        ------
        DesignError
            When ``bootstrap`` is 1, negative or not a whole number, or ``seed`` is not a
            whole number from 0 to 2**63 - 1.

        Examples
        --------
        >>> design = default_design().with_estimation(seed=7, bootstrap=0)
        >>> design.estimation.seed, design.estimation.bootstrap
        (7, 0)
        """
        if seed is None and bootstrap is None:
            return self
        estimation = self.estimation
        if bootstrap is not None:
            estimation = replace(estimation, bootstrap=bootstrap_replicates(bootstrap))
        if seed is not None:
            given = cast(object, seed)  # numpy's integers too; EstimationSpec refuses others
            whole = isinstance(given, numbers.Integral) and not isinstance(given, bool)
            estimation = replace(estimation, seed=int(seed) if whole else seed)
        return replace(self, estimation=estimation)

    def relocated(self, design_file: str | Path | None, folder: str | Path) -> StudyDesign:
        """Return the design as a copy of ``design_file`` written into ``folder`` must read.

        A relative ``[data] path`` is read relative to the design file's folder, so a copy
        of the file elsewhere (the ``design.toml`` every command writes beside its outputs)
        would point to another folder, or to none. The copy's path is re-expressed
        relative to ``folder`` so that it names the same data: relative when the two
        folders share a root, else absolute. Everything else is unchanged; so is a design
        without a path, with an absolute one, or read from no file (``design_file``
        None). The copy's text, and so its hash, differs from the original's only in
        ``[data] path``.

        Parameters
        ----------
        design_file : str, Path or None
            The file the design was read from (its ``[data] path`` is relative to it).
        folder : str or Path
            The folder the copy is written into.

        Examples
        --------
        >>> design = default_design().replace(data=DataSpec(path="../la/"))
        >>> design.relocated("study/design.toml", "deep/a/b").data.path
        '../../../la/'
        >>> design.relocated("study/design.toml", "results").data.path
        '../la/'
        """
        path = self.data.path
        if path is None or design_file is None or Path(path).is_absolute():
            return self
        moved = path_from((Path(design_file).parent / path).resolve(), folder)
        if path.endswith(("/", "\\")) and not moved.endswith("/"):
            moved += "/"
        return replace(self, data=replace(self.data, path=moved))


def path_from(target: str | Path, folder: str | Path) -> str:
    """Return ``target`` as a path from ``folder``: relative, or absolute on another drive.

    Examples
    --------
    >>> path_from("/data/la", "/data/study/results")
    '../../la'
    """
    target = Path(target).resolve()
    try:
        return Path(os.path.relpath(target, Path(folder).resolve())).as_posix()
    except ValueError:  # another drive (Windows): no relative path
        return target.as_posix()


#: Characters a TOML basic string cannot hold as they are: the quotation mark, the
#: backslash and the control characters other than tab (TOML 1.0, "String").
_TOML_ESCAPES: Final = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\b": "\\b",
    "\f": "\\f",
}


def _toml_char(char: str) -> str:
    if char in _TOML_ESCAPES:
        return _TOML_ESCAPES[char]
    if char != "\t" and (ord(char) < 0x20 or ord(char) == 0x7F):
        return f"\\u{ord(char):04X}"
    return char


def toml_value(value: object) -> str:
    r"""Render one value of the design's limited vocabulary as TOML.

    The one rule of every design text the package writes (:meth:`StudyDesign.to_toml`,
    ``escalation init``): text is a basic string with the quotation mark, the backslash
    and control characters escaped, so any folder name reads back as it was.

    Examples
    --------
    >>> print(toml_value(["C:\\la", 'a "b"', "two\nlines", 7, 0.5, True]))
    ["C:\\la", "a \"b\"", "two\nlines", 7, 0.5, true]
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return '"' + "".join(_toml_char(c) for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} to a design file")


def read_design(path: str | Path) -> StudyDesign:
    """Read and validate a study design TOML file.

    Parameters
    ----------
    path : str or Path
        The design file.

    Returns
    -------
    StudyDesign

    Raises
    ------
    DesignError
        When the path is a folder, the file is not UTF-8 text or not valid TOML, or the
        design is invalid.
    FileNotFoundError
        When the file does not exist.

    Examples
    --------
    >>> from escalation.design import read_design
    >>> design = read_design("design.toml")  # doctest: +SKIP
    """
    file = Path(path)
    if file.is_dir():
        raise DesignError(f"{file}: is a folder, not a design file (give the .toml file)")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DesignError(
            f"{file.name}: not UTF-8 text (byte {error.start}, line {line}); save the design "
            "file as UTF-8"
        ) from None
    try:
        return StudyDesign.from_toml(text)
    except DesignError as error:
        found = _line_of(text, error.section, error.key)
        where = file.name if found is None else f"{file.name}, line {found}"
        located = DesignError(f"{where}: {error}")
        located.section, located.key = error.section, error.key
        raise located from error


_TABLE: Final = re.compile(r"^\s*\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$")


def _line_of(text: str, section: str | None, key: str | None) -> int | None:
    r"""Return the line (from 1) of ``[section]``'s ``key`` in a design's text, or None.

    The table's header line when ``key`` is None; None when the section or key is not
    written as a plain ``[section]`` table and ``key = ...`` line (a default, say).

    Examples
    --------
    >>> _line_of("[outcome]\nhorizons = [0]\n", "outcome", "horizons")
    2
    """
    if section is None:
        return None
    assignment = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\")\s*=") if key else None
    current = None
    for number, line in enumerate(text.splitlines(), start=1):
        table = _TABLE.match(line)
        if table is not None:
            current = table.group(1)
            if assignment is None and current == section:
                return number
        elif assignment is not None and current == section and assignment.match(line):
            return number
    return None


def default_design() -> StudyDesign:
    """Return the package's default design: the built-in synthetic local authority study.

    Time zero is the end of a referral closed with RC8 or RC9 between 2019-04-01 and
    2023-03-31 (first spell per child, up to age 17, unborn children included); escalation
    is a CP plan or becoming looked after, death competes, moving out and turning 18
    censor; the treatment is an early-help episode starting within 14 days.

    Examples
    --------
    >>> from escalation.design import default_design
    >>> default_design().outcome.horizons
    (365, 730)
    """
    text = resources.files("escalation.design").joinpath("default.toml").read_text("utf-8")
    return StudyDesign.from_toml(text)
