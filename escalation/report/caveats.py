"""What a run must tell its reader: caveats raised on the way, and stages that failed.

Every :class:`~escalation.errors.StatisticalWarning` raised while a study runs becomes a
:class:`Caveat`: the warning's text, the design-file key that governs it and what to
change there. The study runner lists the caveats in the brief and the manifest, and
re-issues each warning against the design file's line (``design.toml:31``) rather than
the line of code that raised it. A warning names its key itself
(``StatisticalWarning(message, design_key=..., advice=...)``); for the package's own
warnings that do not yet, the key is recognised from the text, else it falls back to the
key of the stage that raised it.

A :class:`Failure` records a stage that raised an error, so the brief can say what did
not run and why.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from escalation.causal.bootstrap import each_refit_warning, refitting
from escalation.design.study import StudyDesign
from escalation.disclosure import DisclosureRules, disclose_text
from escalation.errors import StatisticalWarning
from escalation.report.wording import join_words
from escalation.warning_kinds import (
    SEPARATION,
    Alike,
    more_like_it,
    warning_kind,
    with_more_like_it,
    without_numbers,
)

__all__ = [
    "NOT_SHARED",
    "Caveat",
    "CaveatLog",
    "Failure",
    "brief_caveats",
    "caveat_from_warning",
    "design_key_line",
    "in_words",
    "redact_separation",
]


#: What a shared competing event's separation warning says in place of its terms.
NOT_NAMED: Final = "[not shown]"


def redact_separation(message: str, columns: Collection[str] = ()) -> str:
    """Return a separation warning as shared: no level of a covariate named.

    A coefficient that kept growing says that the few children with that level had all
    or none of the model's event (escalated, or got early help): naming a level held by
    fewer children than the disclosure threshold gives their outcome away (group
    disclosure). What is shared (the manifest, the workbook, a federated pack) names the
    covariate whose levels separated (``source``, ``factors``; ``case-note features``),
    never the level, nor its coefficient; a numeric covariate of the vocabulary (age,
    prior referrals: :data:`_NAMED_NUMBERS`) names no group and stays. A yes/no covariate
    (``treatment``, ``disability``, ``unborn``) is a group as a level is, and naming it
    names its level (``disability (-20.6)`` says the few disabled children had none of
    the events; ``treatment`` that one arm had none), so it is not named, nor is a
    covariate of the design's own whose kind the message does not tell: they read
    "[not shown] other characteristics". So does a level of a factor that is the model's
    only column of that factor (``columns``): a factor of two levels (``sex_M`` where the
    cohort has only F and M), whose separation says that one of them had none of the
    events, as a yes/no covariate's does; when ``columns`` are not known (a warning that
    did not carry them), the covariate of a level is named.
    A competing event (death) is rare: "the coefficient of treatment kept growing" in its
    model says that one arm had none of them, so it names no term at all. The warning as
    raised (the terminal, Python's warnings) keeps the detail for the analyst.

    Examples
    --------
    >>> raised = ("the Cox model of competing events: the log-likelihood stopped changing "
    ...           "while the coefficient(s) of treatment (-20.7) kept growing, so ...")
    >>> redact_separation(raised)[-54:]
    'the coefficient(s) of [not shown] kept growing, so ...'
    >>> redact_separation("the propensity model: the log-likelihood stopped changing while "
    ...     "the coefficient(s) of age (+31.0), factor_6A (-9.1), source_3C (-15.0), "
    ...     "factor_2A (-12.0) kept growing")[-81:]
    'coefficient(s) of age (+31.0), [not shown] levels of factors, source kept growing'
    >>> redact_separation("the Cox model of escalation: the log-likelihood stopped changing "
    ...     "while the coefficient(s) of disability (-20.6), age (+3.0) kept growing")[-76:]
    'coefficient(s) of age (+3.0), [not shown] other characteristics kept growing'
    >>> two_levels = ("the Cox model of escalation: the log-likelihood stopped changing "
    ...               "while the coefficient(s) of sex_M (-19.0) kept growing")
    >>> redact_separation(two_levels, columns=("age", "sex_M", "source_3C", "source_2A"))[-64:]
    'coefficient(s) of [not shown] other characteristics kept growing'
    >>> redact_separation("horizon 730 days is past the longest follow-up")
    'horizon 730 days is past the longest follow-up'
    """
    match = SEPARATION.match(message)
    if match is None:
        return message
    if _of_competing_events(match.group("model")):
        shared = NOT_NAMED
    else:
        terms = list(_TERM.finditer(match.group("terms")))
        kept = [t.group() for t in terms if _level_of(t) is None and not _unnamed(t)]
        grouped = list(
            dict.fromkeys(
                level[0] for t in terms if (level := _level_of(t)) and not _unnamed(t, columns)
            )
        )
        if grouped:
            kept.append(f"{NOT_NAMED} levels of {', '.join(grouped)}")
        if any(_unnamed(t, columns) for t in terms):
            kept.append(f"{NOT_NAMED} {_OTHERS}")
        shared = ", ".join(kept) or NOT_NAMED
    return message[: match.start("terms")] + shared + message[match.end("terms") :]


#: How shared separation caveats name case-note features (each a group of children).
_CASE_NOTES: Final = "case-note features"
#: How they say terms they do not name at all (yes/no covariates, the design's own).
_OTHERS: Final = "other characteristics"
#: The numeric covariates of the vocabulary that a shared separation caveat names: a
#: count or a measure of every child, no group of children.
_NAMED_NUMBERS: Final = frozenset(
    {
        "age",
        "imd_decile",
        "prior_referrals",
        "prior_assessments",
        "prior_cp_plans",
        "prior_looked_after",
        "days_since_first_referral",
        "n_factors",
    }
)


def _unnamed(term: re.Match[str], columns: Collection[str] = ()) -> bool:
    """Whether a separated term is not named where shared, nor its covariate.

    A yes/no covariate (treatment, disability, unborn) names its level by naming
    itself, and a covariate of the design's own may be one; only the numeric covariates
    of the vocabulary (:data:`_NAMED_NUMBERS`) are named. A level is a yes/no covariate
    too when it is the only column of its covariate among the model's ``columns`` (a
    factor of two levels): naming the covariate names which of its two groups had all or
    none of the events.

    Examples
    --------
    >>> [_unnamed(_TERM.match(t)) for t in ("treatment (-20.7)", "disability (-20.6)",
    ...                                     "age (+1.0)", "source_3C (-1.0)")]
    [True, True, False, False]
    >>> [_unnamed(_TERM.match("sex_M (-19.0)"), columns)
    ...  for columns in (("sex_M", "age"), ("sex_M", "sex_other", "age"))]
    [True, False]
    """
    level = _level_of(term)
    if level is None:
        return term.group("name") not in _NAMED_NUMBERS
    return sum(_covariate_of(column) == level[0] for column in columns) == 1


def _covariate_of(column: str) -> str | None:
    """Return the covariate a model column is a level of (as :func:`_level_of` groups it)."""
    level = _level_of_column(column)
    return level[0] if level is not None else None


def _level_of(term: re.Match[str]) -> tuple[str, str] | None:
    """Return the covariate of a separated term that is a level (design name, in words).

    ``None`` for a numeric covariate, which names no group. A case-note feature (a flag
    or count of a theme in the notes) is a group of children as a level is.

    Examples
    --------
    >>> [_level_of(_TERM.match(t)) for t in ("source_3C (-1.0)", "factor_6A (-1.0)",
    ...                                      "text_flag_cce (+1.0)", "age (+1.0)")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('source', 'Referral source'), ('factors', 'assessment factors'),
     ('case-note features', 'case-note features'), None]
    """
    return _level_of_column(term.group("name"))


def _level_of_column(name: str) -> tuple[str, str] | None:
    """Return the covariate a model column is a level of (see :func:`_level_of`)."""
    from escalation.timeline.labels import describe_covariate

    if name.startswith("text_"):
        return (_CASE_NOTES, _CASE_NOTES)
    described = describe_covariate(name)
    if described.level is None:
        return None
    if described.variable == "factor":
        return ("factors", "assessment factors")
    return (described.variable, described.variable_label)


def _of_competing_events(model: str) -> bool:
    """Whether a separation warning's model is of a competing event (its groups unnamed)."""
    return "competing event" in model


@dataclass(frozen=True)
class Caveat:
    """A warning raised during a run, tied to the design key to change.

    Attributes
    ----------
    stage : str
        The stage that raised it (``effects``, ``survival``, ...).
    design_key : str
        The design-file key, written ``"[section] key"``.
    message : str
        The warning as raised.
    advice : str
        What to change in the design file (or that nothing needs to change).
    count : int
        How many times it was raised.
    refits : int
        How many of those times it was raised by a bootstrap refit (a model fitted again
        on resampled families for the intervals), not by the fit the estimates come from.
    shared : str or None
        How the message is shared (brief, manifest, workbook) when it must say less than
        the message as raised, e.g. without a count the cohort counts withhold; ``None``:
        the message, disclosed.
    columns : tuple of str
        The model's columns, for a separation warning that carried them
        (:class:`~escalation.errors.StatisticalWarning`): what is shared names no factor
        of two levels whose level separated (:func:`redact_separation`).
    """

    stage: str
    design_key: str
    message: str
    advice: str
    count: int = 1
    refits: int = 0
    shared: str | None = None
    columns: tuple[str, ...] = ()

    def sharable(self) -> Caveat:
        """Return the caveat with its message as shared (:attr:`shared`), not yet disclosed."""
        if self.shared is None:
            return self
        return dataclasses.replace(self, message=self.shared, shared=None)

    def text(self) -> str:
        """Return the caveat as one sentence for the brief.

        Examples
        --------
        >>> print(Caveat("effects", "[outcome] horizons", "Horizon 730 is past follow-up.",
        ...              "shorten the horizons.").text())
        Horizon 730 is past follow-up. In the design file, [outcome] horizons: shorten the horizons.
        """
        message = self.message.rstrip()
        end = "" if message.endswith((".", "!", "?")) else "."
        return f"{message}{end} In the design file, {self.design_key}: {self.advice}"

    def disclosed(self, rules: DisclosureRules, *, withheld: Collection[str] = ()) -> Caveat:
        """Return the caveat as shared (brief, manifest, workbook): counts in it disclosed.

        The warning raised by the API keeps the exact counts, for use inside the authority.
        What is shared names no level of a covariate that separated (which few children
        had all or none of the event), nor any term of a competing event's model that
        separated (which arm had none of a rare event), as the brief does
        (:func:`redact_separation`), and quotes no count of what the tables withhold
        (``withheld``, see :func:`~escalation.disclosure.disclose_text`).

        Examples
        --------
        >>> from escalation.disclosure import DEFAULT_RULES
        >>> Caveat("effects", "[estimation] estimators", "3 untreated spells ended early",
        ...        "add ccw.").disclosed(DEFAULT_RULES).message
        'fewer than 10 untreated spells ended early'
        """
        caveat = self.sharable()
        return dataclasses.replace(
            caveat,
            message=disclose_text(
                redact_separation(caveat.message, caveat.columns), rules, withheld=withheld
            ),
            advice=disclose_text(caveat.advice, rules, withheld=withheld),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the caveat as recorded in the manifest."""
        return {
            "stage": self.stage,
            "design_key": self.design_key,
            "message": self.message,
            "advice": self.advice,
            "count": self.count,
            "bootstrap_refits": self.refits,
        }


#: What the shared outputs (brief, manifest) say in place of a failed stage's message.
NOT_SHARED: Final = (
    "the full message is not shared, as it can quote counts and rows of the data; it was "
    "printed on the terminal when the run ended (in Python: StudyOutputs.failures)"
)


@dataclass(frozen=True)
class Failure:
    """A stage that raised an error: what did not run and why.

    The message is the error's own text, exact, for the analyst inside the authority (the
    terminal, :class:`~escalation.pipeline.StudyOutputs`); what is shared carries only the
    stage and the kind of error (:meth:`shared`).

    Examples
    --------
    >>> Failure("survival", "ValueError", "model did not converge").text()
    'survival: ValueError: model did not converge'
    """

    stage: str
    error: str
    message: str

    def text(self) -> str:
        """Return the failure as one line."""
        return f"{self.stage}: {self.error}: {self.message}"

    def shared(self) -> Failure:
        """Return the failure as shared (brief, manifest): the stage and kind of error only.

        An error's text quotes the data as the code met it (row numbers, counts of
        values, of children), below the disclosure threshold as often as not: it is
        replaced by where the full message is.

        Examples
        --------
        >>> failure = Failure("spells", "DataValidationError",
        ...                   "table 'spells', row 0: 2 value(s) of 'disability' are missing")
        >>> failure.shared().message == NOT_SHARED
        True
        """
        return dataclasses.replace(self, message=NOT_SHARED)

    def disclosed(self, rules: DisclosureRules) -> Failure:
        """Return the failure as shared (as :meth:`shared`; ``rules`` are not needed)."""
        return self.shared()

    def to_dict(self) -> dict[str, str]:
        """Return the failure as recorded in the manifest."""
        return {"stage": self.stage, "error": self.error, "message": self.message}


Advice = Callable[[StudyDesign, str], str]


def _immortal(design: StudyDesign, stage: str) -> str:
    if "ccw" in design.estimation.estimators:
        return (
            'this design includes "ccw" (clone-censor-weight), which handles the grace period: '
            "compare its estimate (the CCW rows of effects.csv and of the figure of "
            "risk differences) with the others, which this bias affects."
        )
    return (
        'add "ccw" (clone-censor-weight), which handles the grace period, and read its '
        "estimate first."
    )


def _fixed(text: str) -> Advice:
    def advice(design: StudyDesign, stage: str) -> str:
        return text

    return advice


def _convergence(design: StudyDesign, stage: str) -> str:
    text = "use fewer or coarser covariates (rare levels make models unstable)"
    if stage in ("prediction", "fairness"):
        text += (
            "; or validate the penalised Cox model: escalation predict DESIGN "
            "--models penalised_cox,gradient_boosting"
        )
    return text + "."


#: The package's warnings recognised by their text: pattern, design key, advice.
_KNOWN: Final[tuple[tuple[re.Pattern[str], str, Advice], ...]] = (
    (re.compile(r"immortal time|immortal-time"), "[estimation] estimators", _immortal),
    (
        re.compile(r"past the longest follow-up"),
        "[outcome] horizons",
        _fixed("use horizons within the follow-up of both groups (shorter horizons)."),
    ),
    (
        re.compile(r"^positivity|propensity scores outside|positivity fails"),
        "[time_zero]",
        _fixed(
            "restrict who is studied (e.g. min_age, max_age or reasons) so that every child "
            "could have got either option, or leave the covariates named out of "
            "[covariates] include."
        ),
    ),
    (
        re.compile(r"competing events for \d+ model columns"),
        "[covariates] include",
        _fixed(
            "there are too few competing events to adjust them for every covariate, so the "
            "g-formula and AIPW model them by early help only; fewer covariates would let "
            "them be adjusted fully. The other estimators are not affected."
        ),
    ),
    (
        re.compile(r"bootstrap replicates failed"),
        "[covariates] include",
        _fixed(
            "the failed replicates were left out of the intervals; if many failed, use fewer "
            "or coarser covariates."
        ),
    ),
    (
        # Before "do not vary": a message naming both reasons gets the advice for both.
        re.compile(r"collinear|linear combinations"),
        "[covariates] include",
        _fixed(
            "remove the covariates named as collinear, or keep them: in this cohort they "
            "repeat the columns named with them (or do not vary), so the models leave them "
            "out and the estimates are those without them."
        ),
    ),
    (
        re.compile(r"do not vary|does not vary"),
        "[covariates] include",
        _fixed("remove the covariates named: they do not vary in this cohort."),
    ),
    (
        re.compile(r"monotone|separation|perfectly predict"),
        "[covariates] include",
        _fixed("remove the covariates named, or merge their rare levels."),
    ),
    (re.compile(r"converge|norm\(delta\)|unstable"), "[covariates] include", _convergence),
    (
        re.compile(r"bootstrap", re.IGNORECASE),
        "[estimation] bootstrap",
        _fixed("use more bootstrap replicates."),
    ),
)

#: Remedies a warning's own text may suggest that the design file does not offer: the
#: caveat says where they are (the Python API), so it never points at a key that does not
#: exist.
_API_ONLY: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (
        re.compile(r"overlap weights|truncation"),
        "overlap weights and weight truncation: "
        'escalation.causal.estimate_effects(..., estimators=["ipw"], weight_estimand="overlap", '
        "truncate=...) (overlap weights and truncation are of the ipw estimator only)",
    ),
    (
        re.compile(r"penalizer"),
        "a penalizer: escalation.survival.fit_cox(..., penalizer=...)",
    ),
    (
        re.compile(r"min_count"),
        "min_count: escalation.causal.estimate_effects(..., min_count=...) and "
        "escalation.survival.fit_cox(..., min_count=...)",
    ),
)

#: Where each stage's choices live in the design (used for warnings not recognised).
_STAGE_KEYS: Final = {
    "spells": "[time_zero]",
    "describe": "[time_zero]",
    "effects": "[estimation] estimators",
    "survival": "[covariates] include",
    "heterogeneity": "[covariates] include",
    "prediction": "[covariates] include",
    "fairness": "[covariates] include",
    "policy": "[policy] rules",
    "brief": "[outcome] horizons",
}


def caveat_from_warning(warning: Warning | str, *, stage: str, design: StudyDesign) -> Caveat:
    """Return the caveat of a warning raised in ``stage``, tied to its design key.

    The key and advice come from the warning itself when it carries them
    (``StatisticalWarning(..., design_key=..., advice=...)``), else from the package's
    known warnings, else from the stage.

    Examples
    --------
    >>> from escalation import default_design
    >>> caveat = caveat_from_warning(
    ...     "horizon(s) 730 days are past the longest follow-up of the treated spells",
    ...     stage="effects", design=default_design())
    >>> caveat.design_key
    '[outcome] horizons'
    """
    message = str(warning)
    key = getattr(warning, "design_key", None)
    advice = getattr(warning, "advice", None)
    if key is None:
        for pattern, known_key, known_advice in _KNOWN:
            if pattern.search(message):
                key, advice = known_key, advice or known_advice(design, stage)
                break
    if key is None:
        key = _STAGE_KEYS.get(stage, "[estimation]")
    if advice is None:
        advice = (
            "no change is needed unless this matters for the question; it concerns the "
            f"{stage} stage."
        )
    elsewhere = [where for pattern, where in _API_ONLY if pattern.search(message)]
    if elsewhere:
        advice += (
            " The warning also mentions options the design file does not have; they are in "
            "the Python API only: " + "; ".join(elsewhere) + "."
        )
    return Caveat(stage, key, message, advice, columns=tuple(getattr(warning, "columns", ())))


_KEY: Final = re.compile(r"^\[(?P<section>[a-z_]+)\](?:\s+(?P<key>[A-Za-z_]+))?$")


def design_key_line(text: str, design_key: str) -> int:
    r"""Return the line of ``design_key`` (``"[section] key"``) in a design file's text.

    The key's own line when it is written, else its section's header, else 1.

    Examples
    --------
    >>> design_key_line("[outcome]\nevents = []\nhorizons = [365]\n", "[outcome] horizons")
    3
    >>> design_key_line("[data]  # where\n[covariates]   # kept\ninclude = []\n",
    ...                 "[covariates] include")
    3
    """
    match = _KEY.match(design_key.strip())
    if match is None:
        return 1
    section, key = match.group("section"), match.group("key")
    header = None
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0].strip()  # a header may carry a comment
        if stripped.startswith("["):
            if header is not None:
                break
            if stripped == f"[{section}]":
                header = number
            continue
        if header is not None and key is not None and re.match(rf"{key}\s*=", stripped):
            return number
    return header or 1


class CaveatLog:
    """The caveats of one run: warnings watched stage by stage, re-issued against the design.

    Parameters
    ----------
    design : StudyDesign
        The design run (its keys name the caveats).
    design_file : str or Path
        The design file warnings are reported against (its text gives the line numbers);
        when it does not exist yet (written with the outputs), the design's own TOML is used.

    Examples
    --------
    >>> from escalation import default_design
    >>> log = CaveatLog(default_design(), "design.toml")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # the re-issued warning
    ...     with log.watch("effects"):
    ...         warnings.warn("bootstrap replicates failed", StatisticalWarning)
    >>> [c.design_key for c in log.caveats]
    ['[covariates] include']
    """

    def __init__(self, design: StudyDesign, design_file: str | Path) -> None:
        self.design = design
        self.file = str(design_file)
        path = Path(design_file)
        self.text = path.read_text(encoding="utf-8") if path.is_file() else design.to_toml()
        self._caveats: dict[tuple[str, str, str], Caveat] = {}
        self._shown: set[tuple[str, str, str]] = set()

    @property
    def caveats(self) -> tuple[Caveat, ...]:
        """Every caveat so far, in the order first raised."""
        return tuple(self._caveats.values())

    def lines(self) -> list[str]:
        """Return the caveats as the console shows them: each kind once, with a count.

        Grouped as their warnings are shown (:meth:`watch`): the caveats of bootstrap
        refits alike (:func:`_kind`) are one line, the first in full ending with how many
        more like it the refits raised; a caveat raised several times in the same words is
        one line saying how many more times. The log (and the manifest, with ``count``
        and ``refits``) keeps every one.

        Examples
        --------
        >>> from escalation import default_design
        >>> log = CaveatLog(default_design(), "design.toml")
        >>> for n in (3, 5, 8):
        ...     log.add(Caveat("effects", "[outcome] horizons", f"{n} ended early.", "ok.",
        ...                    refits=1))
        >>> log.lines()
        ['3 ended early. In the design file, [outcome] horizons: ok. (and 2 more like it during the bootstrap refits)']
        """  # noqa: E501
        alike: Alike[Caveat] = Alike()
        refits: dict[tuple[str, ...], int] = {}
        for caveat in self.caveats:
            kind = _kind(caveat) if caveat.refits else None
            alike.add(caveat, kind, more=caveat.count - 1)
            if kind is not None:
                refits[kind] = refits.get(kind, 0) + caveat.refits
        return [
            caveat.text() + _more(more, refits.get(_kind(caveat), 0) if caveat.refits else 0)
            for caveat, more in alike.groups()
        ]

    def add(self, caveat: Caveat) -> None:
        """Record a caveat (the runner's own, e.g. a fallback it had to take)."""
        key = (caveat.stage, caveat.design_key, caveat.message)
        old = self._caveats.get(key)
        self._caveats[key] = (
            caveat
            if old is None
            else dataclasses.replace(
                old, count=old.count + caveat.count, refits=old.refits + caveat.refits
            )
        )

    @contextmanager
    def watch(self, stage: str) -> Iterator[None]:
        """Keep every statistical warning raised inside as a caveat of ``stage``.

        Statistical warnings are always kept, whatever the filters; each is re-issued once,
        against the line of its design key in the design file (a warning differing from one
        already shown only in its numbers, such as a count of steps in another model's fit,
        is kept but not shown again; the warnings of bootstrap refits are shown once per
        kind, the first in full with the count of the others: "(and 46 more like it during
        the bootstrap refits)"). Other warnings follow the caller's filters and are passed
        on unchanged. Inside, bootstraps pass on every refit's warning rather than one per
        kind (:func:`~escalation.causal.bootstrap.each_refit_warning`), so that each is kept.
        """
        recorded: list[tuple[warnings.WarningMessage, bool]] = []

        def keep(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: Any = None,
            line: str | None = None,
        ) -> None:
            caught = warnings.WarningMessage(message, category, filename, lineno, file, line)
            recorded.append((caught, refitting()))

        try:
            with warnings.catch_warnings(), each_refit_warning():
                warnings.simplefilter("always", StatisticalWarning)
                warnings.showwarning = keep
                yield
        finally:
            self._pass_on(stage, recorded)

    def _pass_on(self, stage: str, recorded: list[tuple[warnings.WarningMessage, bool]]) -> None:
        """Keep the statistical warnings of ``stage`` as caveats and re-issue them.

        Warnings of bootstrap refits are shown once per kind (:func:`_kind`), grouped as a
        bootstrap called from Python groups them (:class:`~escalation.warning_kinds.Alike`):
        the first in full, saying how many more like it the refits raised; the log keeps
        every one.
        """
        alike: Alike[tuple[warnings.WarningMessage, Caveat | None]] = Alike()
        for caught, refit in recorded:
            caveat = None
            if issubclass(caught.category, StatisticalWarning):
                caveat = caveat_from_warning(caught.message, stage=stage, design=self.design)
                caveat = dataclasses.replace(caveat, refits=int(refit))
                self.add(caveat)
            refits_kind = _kind(caveat) if caveat is not None and caveat.refits else None
            alike.add((caught, caveat), refits_kind)
        for (caught, caveat), more in alike.groups():
            if caveat is None:
                warnings.warn_explicit(
                    caught.message, caught.category, caught.filename, caught.lineno
                )
            else:
                self._show(caveat, more=more)

    def _show(self, caveat: Caveat, more: int = 0) -> None:
        """Issue a caveat's warning against its design key's line, unless already shown.

        A warning differing from one shown only in its numbers is not shown again, unless
        ``more`` (other bootstrap refits' warnings of its kind, not shown) is to be told.
        """
        shape = (caveat.stage, caveat.design_key, without_numbers(caveat.message))
        if shape in self._shown and not more:
            return
        self._shown.add(shape)
        shown = StatisticalWarning(
            f"{caveat.design_key}: {caveat.message} (in the design file: {caveat.advice})",
            design_key=caveat.design_key,
            advice=caveat.advice,
        )
        warnings.warn_explicit(
            with_more_like_it(shown, more),
            StatisticalWarning,
            self.file,
            design_key_line(self.text, caveat.design_key),
        )


def _more(more: int, refits: int) -> str:
    """Return what a caveat shown once for ``more`` others like it ends with.

    ``refits`` of the ``more + 1`` were raised by bootstrap refits.

    Examples
    --------
    >>> _more(0, 0), _more(2, 0)
    ('', ' (and 2 more like it)')
    >>> _more(11, 12)
    ' (and 11 more like it during the bootstrap refits)'
    >>> _more(12, 12)
    ' (and 12 more like it, 12 of them during the bootstrap refits)'
    """
    if not more:
        return ""
    if refits == more + 1:
        return more_like_it(more)
    if refits:
        return f" (and {more} more like it, {refits} of them during the bootstrap refits)"
    return f" (and {more} more like it)"


def _kind(caveat: Caveat) -> tuple[str, ...]:
    """Return what makes caveats alike: their stage, design key and warning's kind.

    The kind is :func:`~escalation.warning_kinds.warning_kind`'s: a model's separation, else
    the text but its numbers.

    Examples
    --------
    >>> raised = "the propensity model: the log-likelihood stopped changing while the "
    >>> raised += "coefficient(s) of {} kept growing, so ..."
    >>> one, two = (Caveat("effects", "[covariates] include", raised.format(terms), "")
    ...             for terms in ("sex_other (-19.5)", "factor_7A (-18.4)"))
    >>> _kind(one) == _kind(two), _kind(one)[-1]
    (True, 'separation of the propensity model')
    """
    return (caveat.stage, caveat.design_key, warning_kind(caveat.message))


#: A coefficient named in a warning, with the value where its fit stopped.
_TERM: Final = re.compile(r"(?P<name>[A-Za-z][\w+-]*) \([-+]?[\d.]+\)")
#: Coded model columns a warning may name (``source_3C``), shown by their labels.
_CODED_COLUMN: Final = re.compile(
    r"\b(?:source|need|factor|ethnicity|sex|disability|imd_decile)_[A-Za-z0-9]+\b"
)
#: Estimators as the brief names them ("ipw, gformula, aipw" in a warning).
_ESTIMATOR_WORDS: Final = {"ipw": "IPW", "gformula": "g-formula", "aipw": "AIPW", "ccw": "CCW"}
_ESTIMATOR_WORD: Final = re.compile(r"(?<![\w\"(])(?:ipw|gformula|aipw|ccw)(?![\w\")])")
#: Advice about the Python API, kept in the manifest, left out of the brief.
#: A model with fewer events per parameter than the usual minimum (the runner's caveats on
#: the effect, heterogeneity, risk and policy models): what, its numbers and the minimum.
_SHORT_OF_EVENTS: Final = re.compile(
    r"^(?P<what>.+?) may be (?P<concern>.+?): (?P<numbers>.+? for \d+ model parameters) "
    r"\(fewer than the [\d,]+ needed: (?P<minimum>\d+) per parameter, the usual minimum "
    r"for a stable [^)]+\)\.$"
)
_API_ADVICE: Final = re.compile(r" The warning also mentions options the design file.*$", re.S)
#: Pointers into Python objects, kept in the manifest, left out of the brief.
_API_POINTER: Final = re.compile(r";?\s*settings\[[^\]]*\] says so")


def _term_label(name: str) -> str:
    from escalation.timeline.labels import covariate_label

    if name.startswith("text_"):
        return _text_feature_label(name)
    return covariate_label(name)


def _text_feature_label(name: str) -> str:
    """Return a case-note feature in words, from its factor group's assessment-factor label.

    ``text_flag_cce`` is "case notes mention child criminal exploitation",
    ``text_n_cce_affirmed`` "affirmed mentions of child criminal exploitation in case notes".
    """
    from escalation.predict.text.lexicon import ASSERTIONS, FACTOR_GROUPS
    from escalation.timeline.labels import covariate_label

    rest = name.removeprefix("text_")
    if rest == "n_notes":
        return "the number of case notes"
    kind, _, group = rest.partition("_")
    assertion = ""
    if kind == "n" and group.rsplit("_", 1)[-1] in ASSERTIONS:
        group, assertion = group.rsplit("_", 1)
    codes = FACTOR_GROUPS.get(group)
    if not codes:
        return "a feature from case notes (" + rest.replace("_", " ") + ")"
    factor = covariate_label(f"factor_{codes[0]}")
    if len(codes) > 1:  # e.g. domestic abuse: the codes' common name before ":"
        factor = factor.split(":")[0]
    factor = factor[:1].lower() + factor[1:]
    if kind == "flag":
        return f"case notes mention {factor}"
    return f"{assertion + ' ' if assertion else ''}mentions of {factor} in case notes"


def _labelled(text: str) -> str:
    """Replace the coded model columns in ``text`` by their labels."""
    return _CODED_COLUMN.sub(lambda m: _term_label(m.group()), text)


def in_words(text: str) -> str:
    """Return a warning's text with model columns and estimators named in words.

    Examples
    --------
    >>> in_words("biases ipw, aipw; see need_N7")
    'biases IPW, AIPW; see Primary need: Low income'
    """
    return _ESTIMATOR_WORD.sub(lambda m: _ESTIMATOR_WORDS[m.group()], _labelled(text))


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _short_of_events_text(caveats: list[Caveat]) -> str:
    """One sentence for several models with too few events per parameter.

    Examples
    --------
    >>> raised = [Caveat("effects", "[covariates] include", f"The {m} may be {c}: about {n} "
    ...                  "escalations for 65 model parameters (fewer than the 650 needed: 10 per "
    ...                  "parameter, the usual minimum for a stable model).", "use fewer.")
    ...           for m, c, n in (("outcome model", "unstable", 230),
    ...                           ("risk models", "overfitted", 85))]
    >>> print(_short_of_events_text(raised))  # doctest: +NORMALIZE_WHITESPACE
    2 models rest on fewer than 10 events per model parameter, the usual minimum for stable
    estimates, so their results may be unstable: the outcome model, about 230 escalations for
    65 model parameters; the risk models, which may be overfitted, about 85 escalations for
    65 model parameters. In the design file, [covariates] include: use fewer.
    """
    parts, minimum = [], "10"
    for caveat in caveats:
        found = _SHORT_OF_EVENTS.match(caveat.message)
        assert found is not None  # the caller kept only these
        what, concern, minimum = found.group("what", "concern", "minimum")
        which = "" if concern == "unstable" else f", which may be {concern}"
        parts.append(f"{what[:1].lower()}{what[1:]}{which}, {found.group('numbers')}")
    keys = dict.fromkeys((c.design_key, c.advice) for c in caveats)
    advice = " ".join(f"In the design file, {key}: {text}" for key, text in keys)
    return (
        f"{len(caveats)} models rest on fewer than {minimum} events per model parameter, the "
        "usual minimum for stable estimates, so their results may be unstable: "
        f"{'; '.join(parts)}. {advice}"
    )


def _separation_text(
    stage: str, model: str, group: list[Caveat], rules: DisclosureRules, replicates: int
) -> str:
    """One brief caveat for a model's separation warnings, grouped over refits."""
    refits = sum(c.refits for c in group)
    main = sum(c.count - c.refits for c in group)
    competing = _of_competing_events(model)
    terms: list[str] = []  # numeric covariates, by their labels
    levels: list[str] = []  # covariates whose levels separated, never the levels
    names: set[str] = set()
    if not competing:  # a competing event's model is of a rare event: no group is named
        for caveat in group:
            match = SEPARATION.match(caveat.message)
            for term in _TERM.finditer(match.group("terms") if match else ""):
                names.add(term.group("name"))
                level = _level_of(term)
                if _unnamed(term, caveat.columns):
                    level = (_OTHERS, _OTHERS)
                kind = terms if level is None else levels
                words = _term_label(term.group("name")) if level is None else level[1]
                if words not in kind:
                    kind.append(words)
    # Only case-note features separated: the model fitted with them (validated beside the
    # structured one the brief's risk tool describes), which no design key lists.
    case_notes = bool(names) and all(name.startswith("text_") for name in names)
    if levels:  # which levels would say what happened to the few children with them
        coded = [words for words in levels if words not in (_CASE_NOTES, _OTHERS)]
        which = [f"levels of {join_words(coded, 'and')}"] if coded else []
        which += [words for words in (_CASE_NOTES, _OTHERS) if words in levels]
        terms.append(
            f"{' and '.join(which)}, not named here, as that would tell what happened to "
            "the few children with them; the terminal names them"
        )
    what = (
        "could not estimate every coefficient, because the events it models are rare"
        if competing or not terms
        else "could not estimate the coefficients of some rare characteristics ("
        + "; ".join(terms)
        + "), because too few children had them"
    )
    where = []
    if main:
        where.append("in the fit the estimates come from")
    if refits:
        of = f" of the {replicates}" if stage == "effects" and replicates >= refits else ""
        where.append(
            f"in {refits}{of} bootstrap refit{'s' if refits != 1 else ''} (the model fitted "
            "again on resampled families to work out the intervals)"
        )
    consequence = (
        " The estimates themselves come from a fit without this problem; these refits are "
        "included in the intervals, which they may widen a little."
        if refits and not main
        else " The values of those coefficients mean nothing, but the other estimates and "
        "the predictions are still valid."
    )
    change = (
        "merge rare levels or leave these covariates out."
        if main
        else "nothing needs to change; merging rare levels or leaving these covariates out "
        "would avoid it."
    )
    if case_notes:
        consequence += (
            " The risk tool the brief describes uses structured case data only and is not affected."
        )
        change = "nothing to change (case-note features are not listed there)."
    model = re.sub(r"\bcox\b", "Cox", model) + (" with case-note features" if case_notes else "")
    text = (
        f"The {model} {what}, {' and '.join(where)}.{consequence} In the design file, "
        f"{group[0].design_key}: {change}"
    )
    return disclose_text(text[:1].upper() + text[1:], rules)


def brief_caveats(
    caveats: tuple[Caveat, ...] | list[Caveat],
    rules: DisclosureRules,
    *,
    replicates: int = 0,
    withheld: Collection[str] = (),
) -> tuple[str, ...]:
    """Return the caveats as the brief lists them: grouped, in words, counts disclosed.

    The manifest keeps every caveat as raised (:meth:`Caveat.to_dict`); the brief is read
    by people who decide policy, so there

    * a model's separation warnings (one per rare level and per refit) become one line
      per model, saying how many of them came from bootstrap refits rather than the fit
      the estimates come from, naming the covariates whose levels separated in words
      (``source_3C`` is "Referral source") but not the levels (:func:`redact_separation`:
      which few children all or none escalated); a competing event's model names no
      group, since saying which group had none of a rare event would give a small count
      away;
    * advice about the Python API and pointers into Python objects are left out;
    * every line goes through :func:`~escalation.disclosure.disclose_text`.

    Parameters
    ----------
    caveats : sequence of Caveat
        The run's caveats, as recorded (not yet disclosed).
    rules : DisclosureRules
        The brief's disclosure rules.
    replicates : int, default 0
        The bootstrap replicates of the effect estimates ("in 11 of the 50 refits").
    withheld : collection of str, optional
        What the run's tables withhold (the words that count it, ``"escalations"``): no
        line quotes a count of it (:func:`~escalation.disclosure.disclose_text`).

    Examples
    --------
    >>> from escalation.disclosure import DEFAULT_RULES
    >>> raised = "the Cox model of escalation: the log-likelihood stopped changing while "
    >>> raised += "the coefficient(s) of source_3C (-15.0) kept growing, so ..."
    >>> refits = [Caveat("effects", "[covariates] include", raised.replace("15.0", v),
    ...                  "remove them.", refits=1) for v in ("15.0", "14.2")]
    >>> text = brief_caveats(refits, DEFAULT_RULES, replicates=50)[0]
    >>> "(levels of Referral source, not named here" in text, "source_3C" in text
    (True, False)
    >>> "school nurse" in text  # the level: a few children who all or none escalated
    False
    >>> text[text.index("in 2 of"):].split(" (")[0]
    'in 2 of the 50 bootstrap refits'
    """
    lines: list[str] = []
    raised: dict[str, int] = {}  # a line from caveats below, and how many times raised
    caveats = [c.sharable() for c in caveats]
    grouped: dict[tuple[str, str], list[Caveat]] = {}
    for caveat in caveats:
        match = SEPARATION.match(caveat.message)
        if match is None:
            continue
        grouped.setdefault((caveat.stage, match.group("model")), []).append(caveat)
    short = [c for c in caveats if _SHORT_OF_EVENTS.match(c.message)]
    done: set[tuple[str, str]] = set()
    for caveat in caveats:
        if len(short) > 1 and caveat in short:
            if caveat is short[0]:  # one line for them all, where the first was raised
                lines.append(disclose_text(_short_of_events_text(short), rules, withheld=withheld))
            continue
        match = SEPARATION.match(caveat.message)
        if match is not None:
            key = (caveat.stage, match.group("model"))
            if key not in done:
                done.add(key)
                text = _separation_text(*key, grouped[key], rules, replicates)
                lines.append(disclose_text(text, rules, withheld=withheld))
            continue
        text = disclose_text(
            in_words(_API_POINTER.sub("", _API_ADVICE.sub("", caveat.text()))),
            rules,
            withheld=withheld,
        )
        text = text[:1].upper() + text[1:]
        # Caveats that read alike once their counts are disclosed ("Fewer than 10
        # propensity scores ..." from 3 and from 7) are one line, with every time raised.
        if text in raised:
            raised[text] += caveat.count
        else:
            raised[text] = caveat.count
            lines.append(text)
    return tuple(
        f"{line} (Raised {_times(raised[line])}.)" if raised.get(line, 1) > 1 else line
        for line in lines
    )
