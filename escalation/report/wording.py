"""Plain words for a study design: who was studied, what counted, what ended follow-up.

The brief's title, question, cohort sentence and limits are written from the design that
ran, so a design with another decision point, window, outcome or treatment is described as
it is (a brief once described every study in the words of the default design).

Examples
--------
>>> from escalation.design import default_design
>>> print(cohort_sentence(default_design()))  # doctest: +NORMALIZE_WHITESPACE
Children whose referral ended as 'case closed after assessment, no further action' (RC8)
or 'case closed after assessment, referred to early help' (RC9) between 2019-04-01 and
2023-03-31, aged up to 17 (each child's first such decision point), followed from that
decision point until a child protection plan or care, death, moving away, turning 18 or
the end of the records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

from escalation.data.codes import CLOSURE_REASONS
from escalation.design import StudyDesign

__all__ = [
    "arms_sentence",
    "attribute_label",
    "cohort_sentence",
    "follow_up_limit",
    "join_words",
    "spell_definition",
    "study_limits",
    "study_question",
    "study_title",
    "treatment_words",
]

#: An episode kind as a noun ("referral"; see :func:`_episode` for "a referral").
_EPISODE: Final = {
    "contact": "contact",
    "referral": "referral",
    "assessment": "assessment",
    "early_help": "episode of early help",
    "cin_plan": "child in need plan",
    "s47": "section 47 enquiry",
    "icpc": "initial child protection conference",
    "cp_plan": "child protection plan",
    "looked_after": "period of being looked after",
    "moved_out": "move out of the authority",
    "death": "death",
}
#: An ending of follow-up, as what follow-up runs "until".
_UNTIL: Final = {
    "contact": "a new contact",
    "referral": "a new referral",
    "assessment": "an assessment",
    "early_help": "early help",
    "cin_plan": "a child in need plan",
    "s47": "a section 47 enquiry",
    "icpc": "an initial child protection conference",
    "cp_plan": "a child protection plan",
    "looked_after": "care",
    "moved_out": "moving away",
    "death": "death",
    "age_18": "turning 18",
}
#: What a child "needs" when the outcome happens: as "until", but "to be looked after".
_NEED: Final = {**_UNTIL, "looked_after": "to be looked after"}
#: The outcome as what a service keeps children "out of".
_OUT_OF: Final = {
    "contact": "further contacts",
    "referral": "re-referral",
    "assessment": "assessment",
    "early_help": "early help",
    "cin_plan": "child in need plans",
    "s47": "section 47 enquiries",
    "icpc": "child protection conferences",
    "cp_plan": "child protection",
    "looked_after": "care",
}
#: An ending of follow-up as what children "did" (past tense).
_DID: Final = {
    "moved_out": "moved away",
    "age_18": "turned 18",
    "death": "died",
}
#: A competing event as a plural noun ("deaths are treated as a competing event").
_COMPETING: Final = {"death": "deaths", "moved_out": "moves away", "age_18": "18th birthdays"}
#: Closure reasons that end a case without statutory action.
_CLOSED_WITHOUT_ACTION: Final = frozenset({"RC8", "RC9"})


def _words(kind: str, table: dict[str, str]) -> str:
    return table.get(kind, kind.replace("_", " "))


def _episode(kind: str) -> str:
    """Return an episode kind with its article: ``"an assessment"``."""
    noun = _words(kind, _EPISODE)
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def join_words(items: Sequence[str], word: str = "or") -> str:
    """Join ``["a", "b", "c"]`` as ``"a, b or c"`` (or with another ``word``: "and").

    Examples
    --------
    >>> join_words(["a", "b", "c"]), join_words(["a", "b"], "and"), join_words(["a"])
    ('a, b or c', 'a and b', 'a')
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


def _reasons(reasons: Sequence[str]) -> str:
    """Closure reasons as the return's words and code: ``'adopted' (RC1) or ...``."""
    shown = [
        f"'{CLOSURE_REASONS[r].lower()}' ({r})" if r in CLOSURE_REASONS else r for r in reasons
    ]
    return join_words(shown)


def _window(start: dt.date | None, end: dt.date | None) -> str:
    if start and end:
        return f" between {start} and {end}"
    if start:
        return f" on or after {start}"
    if end:
        return f" on or before {end}"
    return ""


def _ages(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f", aged {low:g} to {high:g}"
    if high is not None:
        return f", aged up to {high:g}"
    if low is not None:
        return f", aged {low:g} or over"
    return ""


_SPELLS: Final = {
    "first": " (each child's first such decision point)",
    "last": " (each child's last such decision point)",
    "all": " (every such decision point of a child)",
}


def _follow_up_ends(design: StudyDesign) -> list[str]:
    outcome = design.outcome
    events = join_words([_words(k, _UNTIL) for k in outcome.events])
    ends = [events] if events else []
    ends += [_words(k, _UNTIL) for k in (*outcome.competing, *outcome.censor)]
    return [*ends, "the end of the records"]


def cohort_sentence(design: StudyDesign, *, where: str = "") -> str:
    """Return who was studied and how they were followed, in the design's own terms.

    Parameters
    ----------
    design : StudyDesign
        The design that ran.
    where : str, optional
        Words placed after the decision point, e.g. ``" in each of 4 local authorities"``.

    Returns
    -------
    str
    """
    t0 = design.time_zero
    verb = "ended" if t0.at == "end" else "started"
    reason = f" as {_reasons(t0.reasons)}" if t0.reasons else ""
    return (
        f"Children whose {_words(t0.kind, _EPISODE)} {verb}{reason}"
        f"{_window(t0.from_, t0.to)}{_ages(t0.min_age, t0.max_age)}"
        f"{_SPELLS.get(t0.spells, '')}{where}, followed from that decision point until "
        f"{join_words(_follow_up_ends(design))}."
    )


def treatment_words(design: StudyDesign) -> str:
    """Return the intervention compared, e.g. ``"early help"``."""
    treatment = design.treatment
    if treatment.kind is not None:
        return "early help" if treatment.kind == "early_help" else _episode(treatment.kind)
    return f"closure as {_reasons(treatment.reasons or ())}"


def _closed_without_action(design: StudyDesign) -> bool:
    t0 = design.time_zero
    return (
        t0.kind == "referral"
        and t0.at == "end"
        and bool(t0.reasons)
        and set(t0.reasons or ()) <= _CLOSED_WITHOUT_ACTION
    )


def spell_definition(design: StudyDesign | None = None) -> str:
    """Return what a spell is (the glossary's "spell"), in the design's own terms.

    Parameters
    ----------
    design : StudyDesign, optional
        The design that ran (default: a referral closed without statutory action, the
        package's default design, in the words of the brief's question).

    Returns
    -------
    str

    Examples
    --------
    A referral closed with no further action (RC8) or referred to early help (RC9): the
    referral to early help is the intervention studied, not a "further action" absent.

    >>> from escalation import default_design
    >>> print(spell_definition(default_design()))  # doctest: +NORMALIZE_WHITESPACE
    One decision point for one child (a referral closed without statutory action) and the
    time followed from it.
    >>> from dataclasses import replace
    >>> design = default_design()
    >>> other = replace(design, time_zero=replace(design.time_zero, kind="assessment",
    ...                                           reasons=None))
    >>> print(spell_definition(other))  # doctest: +NORMALIZE_WHITESPACE
    One decision point for one child (the end of an assessment) and the time followed
    from it.
    """
    if design is None or _closed_without_action(design):
        point = "a referral closed without statutory action"
    else:
        t0 = design.time_zero
        point = f"the {'end' if t0.at == 'end' else 'start'} of {_episode(t0.kind)}"
        if t0.reasons:
            point += f" closed as {_reasons(t0.reasons)}"
    return f"One decision point for one child ({point}) and the time followed from it."


def study_title(design: StudyDesign) -> str:
    """Return the brief's title question, e.g. "Does early help keep children out of care?"."""
    out_of = join_words([_words(k, _OUT_OF) for k in design.outcome.events], "and")
    return f"Does {treatment_words(design)} keep children out of {out_of}?"


def study_question(design: StudyDesign, *, between_authorities: bool = False) -> str:
    """Return the question the study answers, in the design's own terms.

    Parameters
    ----------
    design : StudyDesign
        The design that ran.
    between_authorities : bool, default False
        Add "and does that differ between local authorities?" (a pooled study).

    Returns
    -------
    str
    """
    t0 = design.time_zero
    need = join_words([_words(k, _NEED) for k in design.outcome.events])
    if _closed_without_action(design):
        when, children = (
            "When a referral to children's social care closes without statutory action",
            f"children come back and need {need}",
        )
    else:
        moment = "end" if t0.at == "end" else "start"
        when = f"At the {moment} of {_episode(t0.kind)}"
        children = f"children need {need}"
    treatment = treatment_words(design)
    offering = f"offering {treatment}" if design.treatment.kind is not None else treatment
    question = f"{when}, does {offering} change how often, and how soon, {children}"
    if between_authorities:
        return f"{question}, and does that differ between local authorities?"
    return f"{question}?"


def follow_up_limit(design: StudyDesign) -> str:
    """Return how follow-up ends and what competes with the outcome, in plain words."""
    outcome = design.outcome
    did = [_words(k, _DID) for k in outcome.censor]
    if did:
        did[0] = f"who {did[0]}"
    sentence = f"Children {join_words([*did, 'whose records end'])} are followed until then"
    competing = [_words(k, _COMPETING) for k in outcome.competing]
    if competing:
        verb = "is" if len(competing) == 1 and not competing[0].endswith("s") else "are"
        return f"{sentence}; {join_words(competing)} {verb} treated as a competing event."
    return f"{sentence}."


def study_limits(design: StudyDesign) -> list[str]:
    """Return the limits every brief states: confounding, the grace period, follow-up."""
    treatment = design.treatment
    got = treatment_words(design)
    reasons = _reasons(treatment.reasons or ())
    compared = (
        f"families who did and did not get {got}"
        if treatment.kind is not None
        else f"families whose decision point did and did not end as {reasons}"
    )
    limits = [
        f"Observational data: the comparison of {compared} adjusts only for what was "
        "recorded; unrecorded differences may remain."
    ]
    if treatment.kind is not None:
        days = f" ({treatment.grace_days} days)" if treatment.grace_days is not None else ""
        limits.append(
            f"{got[0].upper()}{got[1:]} is counted when it started within the grace "
            f"period{days} after the decision; children whose {got} started later count as "
            f"not having had it, so if {got} that starts later also works, the effect of "
            f"{got} against none at all is larger than the comparison shows."
        )
    limits.append(follow_up_limit(design))
    return limits


def arms_sentence(design: StudyDesign) -> str:
    """Return what puts a child in each arm, e.g. "Early help: ... No early help: ..."."""
    treatment = design.treatment
    got = treatment_words(design)
    if treatment.kind is None:
        reasons = _reasons(treatment.reasons or ())
        return f"Treated: the decision point ended as {reasons}. Not treated: it did not."
    days = f" of {treatment.grace_days} days" if treatment.grace_days is not None else ""
    name = got[0].upper() + got[1:]
    return f"{name}: {got} started within the grace period{days}. No {got}: it did not."


#: Labels of the attributes that name subgroups and groups in figures and the brief.
_ATTRIBUTES: Final = {"age_band": "Age", "n_factors": "Factors at assessment", "imd_decile": "IMD"}


def attribute_label(name: object) -> str:
    """Return a column-like attribute name as a label.

    Examples
    --------
    >>> attribute_label("age_band"), attribute_label("sex")
    ('Age', 'Sex')
    """
    text = str(name)
    return _ATTRIBUTES.get(text, text.replace("_", " ").capitalize())
