"""A self-contained HTML policy brief: one file, figures embedded, disclosure-controlled.

The brief is written for policy readers: the question, who was studied, the key
numbers with their uncertainty in plain words, what the evidence does and does not
show, whether a risk tool would help (always as decision support only) and the
limits. It is one HTML file with the figures embedded as PNG data URIs and a print
stylesheet, so it can be e-mailed, archived or printed to PDF.

Disclosure control: cohort counts are given to :class:`Brief` as raw numbers and are
rounded or suppressed by :func:`escalation.disclosure.format_count` under the
brief's :class:`~escalation.disclosure.DisclosureRules` when the brief is
rendered; free text must be built with the same function (the helpers here never put a
count in a sentence), and figures must be drawn from disclosed tables. The footer states
the rules. :func:`render_brief` refuses to produce a brief containing any of the
identifiers it is given.
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import jinja2
import plotnine as p9
from markupsafe import Markup, escape

from escalation._decimals import signed_text
from escalation._interval_words import NO_INTERVAL, ci_words, has_interval
from escalation.disclosure import DEFAULT_RULES, DisclosureRules, format_count
from escalation.errors import DataValidationError, Problem
from escalation.figures._labels import interval_digits
from escalation.figures.save import PNG_COMPRESSION, asked_size
from escalation.figures.save import drawn as drawn_figure
from escalation.figures.theme import width_mm
from escalation.report.table_one import table_one_note
from escalation.report.wording import spell_definition

__all__ = [
    "DECISION_SUPPORT_CAVEAT",
    "ESTIMATOR_NAMES",
    "GLOSSARY",
    "SPELL_CHOICE",
    "Brief",
    "BriefFigure",
    "BriefImages",
    "KeyNumber",
    "PolicySection",
    "check_no_identifiers",
    "describe_difference",
    "describe_risk",
    "figure_data_uri",
    "figure_images",
    "interval_digits",
    "render_brief",
    "write_brief",
]

#: Effect estimators in words, as briefs name them.
ESTIMATOR_NAMES: Final = {
    "unadjusted": "unadjusted comparison",
    "ipw": "inverse probability weighting",
    "gformula": "g-formula",
    "aipw": "augmented inverse probability weighting",
    "ccw": "clone-censor-weight",
}

#: The words of the brief's "Decision support only" box, the one text shown wherever the
#: brief discusses a score: with the risk tool, whatever its performance, and with the
#: policy section's rules deciding who is offered early help.
DECISION_SUPPORT_CAVEAT: Final = (
    "A risk score can support a practitioner's judgement; it must never make or replace "
    "a decision about a child. It will miss children who go on to need protection and "
    "flag children who do not, often many of them: how many, and how those errors differ "
    "between groups of children, must be known and explained to the people using it."
)
#: Terms explained at the end of the brief, each linked from its first use; a brief lists
#: only the terms it uses.
GLOSSARY: Final = {
    "grace period": "The days after the decision point within which early help has to "
    "start to count as early help. Children whose help starts later count as not having "
    "had it, so that children are compared by what happened at the decision, not later.",
    "spell": spell_definition(),
    "horizon": "The number of days after the decision within which escalation is counted "
    "(escalation within 365 days, say); children are compared at each horizon the study "
    "names.",
    "AIPW": "Augmented inverse probability weighting: an estimate of what would have "
    "happened had every child (or no child) received early help, combining a model of who "
    "gets early help with a model of escalation. It stays correct if either model is "
    "(which is why it is called doubly robust), provided everything that drove both early "
    "help and escalation was recorded.",
    "IPW": "Inverse probability weighting: an estimate of what would have happened had "
    "every child (or no child) received early help, from a model of who gets early help "
    "alone, in which the children whose help (or lack of it) was least expected count most.",
    "g-formula": "An estimate of what would have happened had every child (or no child) "
    "received early help, from a model of escalation alone: each child's risk is predicted "
    "both ways and the predictions are averaged.",
    "CCW": "Clone-censor-weight: each child is copied into both strategies (early help "
    "within the grace period, or not), and a copy stops being followed when what happened "
    "departs from its strategy, with weights for the copies stopped. No child's time "
    "counts for early help before it could have started, which the other estimates "
    "cannot avoid when help may start days after the decision.",
    "immortal time": "Days in which a child counted as having had early help could not have "
    "escalated, because children who escalated or left the study before their help started "
    "count as not having had it, which makes early help look better than it is.",
    "counterfactual": "What would have happened had things gone otherwise than they did "
    "(had none of the children received early help, say). It cannot be observed or "
    "counted, only estimated from a model of what did happen.",
    "CI": "95% confidence interval: the range of values the data are compatible with; "
    "intervals made this way contain the true value in 95 of every 100 studies.",
    "bootstrap": "A way of measuring how uncertain an estimate is: the analysis is repeated "
    "on many random resamples of the families studied, and the spread of the results is "
    "the uncertainty.",
    "Monte Carlo error": "How much a result made from random resamples (the bootstrap) "
    "could change if the analysis were rerun with another random seed; more resamples make "
    "it smaller.",
    "influence function": "A formula for how much each child's data moves an estimate. "
    "It gives the estimate's uncertainty, and so its confidence interval, without repeating "
    "the analysis on resamples as the bootstrap does; the two ways give slightly different "
    "intervals for the same estimate.",
    "SMD": "Standardised mean difference: the difference between two groups' averages or "
    "shares, in units of how much children vary; 0.1 or more is usually taken as a sign "
    "that the groups differ.",
    "Aalen–Johansen": "The estimate of the share of children who escalated by each day "
    "that allows for children who left the study early and for deaths, which stop "
    "escalation from happening.",
    "AUC": "Area under the ROC curve: the chance that the tool ranks a child who went on to "
    "escalate above one who did not. 0.5 is no better than chance, 1 is perfect.",
    "quintile": "One of five equal-sized groups after ranking (for example, of "
    "deprivation): the first quintile is the fifth with the lowest values.",
    "competing event": "An event that stops the outcome from happening (here a child's "
    "death): it is counted as such, not as if the child might still escalate later.",
    "censored": "Followed until their records end (a move away, turning 18, the end of the "
    "data) without escalating: what happened to them later is not known, and they are "
    "counted for the time they were followed, not as children who never escalated.",
    "calibration slope": "How far a risk tool's predicted risks spread compared with what "
    "happened: 1 is ideal; below 1, its predictions are too extreme (too high for children "
    "at high predicted risk, too low for those at low risk).",
    "Gray's test": "A test of whether the shares of children who escalated by each day "
    "differ between groups, allowing for deaths (competing events); a small p-value means "
    "a difference this large would rarely arise by chance if the groups did not differ.",
}
#: What the glossary adds to "spell" for each ``[time_zero] spells`` of the design.
SPELL_CHOICE: Final = {
    "first": "This study kept each child's first spell only, so each child counts once.",
    "last": "This study kept each child's last spell only, so each child counts once.",
    "all": "This study kept every spell of a child, so a child can count more than once "
    "(the intervals allow for this by resampling families).",
}
_GLOSSARY_PATTERNS: Final = {
    "grace period": r"grace period",
    "spell": r"spells?",
    "horizon": r"horizons?",
    "AIPW": r"AIPW|augmented inverse probability weighting|doubly robust",
    "IPW": r"IPW|(?<!augmented )inverse probability weighting",
    "g-formula": r"g-formula",
    "CCW": r"CCW|clone-censor-weight",
    "immortal time": r"immortal time",
    "counterfactual": r"counterfactuals?",
    "CI": r"CI|confidence intervals?",
    "bootstrap": r"bootstrap",
    "Monte Carlo error": r"Monte Carlo error",
    "influence function": r"influence functions?",
    "SMD": r"SMD|standardised mean difference",
    "Aalen–Johansen": r"Aalen[–-]Johansen",
    "AUC": r"AUC",
    "quintile": r"quintiles?",
    "competing event": r"competing events?",
    "calibration slope": r"calibration slopes?",
    "censored": r"censored",
    "Gray's test": r"Gray(?:'|’|&#39;)s test",  # matched in escaped text
}


class _Glossary:
    """Links the first use of each glossary term in the brief to its definition."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        flags = re.IGNORECASE
        self.patterns = {
            term: re.compile(rf"(?<![\w-])({pattern})(?![\w-])", flags)
            for term, pattern in _GLOSSARY_PATTERNS.items()
        }

    def __call__(self, text: object) -> Markup:
        escaped = str(escape(str(text)))
        for term, pattern in self.patterns.items():
            if term in self.seen:
                continue
            match = pattern.search(escaped)
            if match is None:
                continue
            self.seen.add(term)
            link = f'<a class="gloss" href="#{_anchor(term)}">{match.group(1)}</a>'
            escaped = escaped[: match.start()] + link + escaped[match.end() :]
        return Markup(escaped)


def _anchor(term: str) -> str:
    return "gloss-" + re.sub(r"[^a-z]+", "-", term.lower()).strip("-")


_MM_PER_INCH: Final = 25.4
#: Widths figures are drawn at for the brief: double-column figures a little narrower
#: than in print so that their text reads at a size close to single-column figures'.
_SCREEN_WIDTH_MM: Final = {"single": 85.0, "double": 150.0}


@dataclass(frozen=True)
class KeyNumber:
    """One headline number: a label, the value with its interval, a plain sentence.

    Parameters
    ----------
    label : str
        What the number is (e.g. "Escalation within a year, no early help").
    value : str
        The number as shown (e.g. "18%").
    plain : str
        The number in plain words, uncertainty included.
    interval : str
        The interval, shown small under the number (e.g. "95% CI 16% to 21%").
    comparison : bool
        Shown for comparison only (muted), with :attr:`Brief.key_caveat` right after it.
    """

    label: str
    value: str
    plain: str
    interval: str = ""
    comparison: bool = False


@dataclass(frozen=True)
class BriefFigure:
    """A figure for the brief: a ggplot with title, caption and alternative text.

    Parameters
    ----------
    title : str
        Short title (shown as "Figure n. Title.").
    caption : str
        What the figure shows, in plain words.
    plot : plotnine.ggplot
        The figure (drawn when the brief is rendered).
    alt : str
        Alternative text for screen readers.
    width : {"single", "double"}, default "single"
        Journal column width the figure is drawn at.
    height_mm : float, optional
        Height (default: the figure's own theme).
    narrow : plotnine.ggplot, optional
        The same figure laid out for one column, shown instead of a double-column
        figure on phones so that its text stays readable (default: ``plot`` redrawn
        at single-column width).
    images : BriefImages, optional
        The figure already drawn for the brief (:func:`figure_images`, e.g. in another
        process while the study ran); used instead of drawing ``plot`` again when their
        resolution is the brief's.
    """

    title: str
    caption: str
    plot: p9.ggplot
    alt: str
    width: Literal["single", "double"] = "single"
    height_mm: float | None = None
    narrow: p9.ggplot | None = None
    images: BriefImages | None = None


@dataclass(frozen=True)
class BriefImages:
    """A brief figure drawn for the screen: PNG data URIs at a resolution.

    Parameters
    ----------
    uri : str
        The figure at its screen width.
    narrow : str or None
        The one-column version of a double-column figure (``None`` for single-column).
    dpi : int
        Resolution both were drawn at.
    """

    uri: str
    narrow: str | None
    dpi: int


@dataclass(frozen=True)
class PolicySection:
    """The brief's answer to "Would a risk score help decide who is offered early help?".

    Parameters
    ----------
    summary : str
        What the judged rule would do, in plain words (no counts: rates per 1,000 only):
        against offering early help to no one and against current practice, the offers
        to children who would not have escalated, and targeting by benefit instead.
    other_rules : tuple of str
        One sentence per other rule (current practice, largest benefit, learned tree,
        everyone): how many it offers early help to and what it does against offering it
        to no one. Listed under the summary rather than run into it.
    figure : BriefFigure, optional
        The rules side by side: escalations prevented against children flagged.
    criteria : tuple of tuple of str
        One row per pre-registered criterion: (criterion, threshold, estimate with its
        interval, verdict "met" / "not met" / "inconclusive").
    criteria_note : str
        The criteria table's caption: the rule judged, its operating point (the share of
        referrals flagged), the population and how its risks were predicted, and why
        these numbers differ from the risk tool's key number.
    registration : str
        Whether the design was registered before the analysis and changed since.
    criteria_heading : str
        The criteria table's heading: "Pre-registered criteria" only when the design was
        registered and is unchanged since.
    most_flagged : tuple of str
        The groups the judged rule flags most often, one sentence each.
    flagged_by : str
        The rule and population the groups flagged most often refer to (the risk
        tool's fairness figure shows another rule: the riskiest 10% of later years).
    cannot_say : str
        One sentence on what the evidence cannot say.

    Notes
    -----
    The section ends with the brief's "Decision support only" box, in the words of
    :data:`DECISION_SUPPORT_CAVEAT`, as the risk tool's section does: one text, not set
    per section.
    """

    summary: str
    other_rules: tuple[str, ...] = ()
    figure: BriefFigure | None = None
    criteria: tuple[tuple[str, str, str, str], ...] = ()
    criteria_note: str = ""
    registration: str = ""
    criteria_heading: str = "Success criteria"
    most_flagged: tuple[str, ...] = ()
    flagged_by: str = ""
    cannot_say: str = ""


@dataclass(frozen=True)
class Brief:
    """The content of a policy brief.

    Parameters
    ----------
    title : str
        Headline.
    question : str
        The question the study answers, in one or two sentences.
    cohort_text : str
        Who was studied, in words (no counts: put them in ``cohort_counts``).
    cohort_counts : mapping of str to int or str
        Counts of the cohort (children, spells, escalations, ...): a number is a raw count,
        disclosed when rendered (on its own: without the complementary suppression of the
        counts it adds up with); text is a count already disclosed with them, shown as
        given (the study runner gives text from ``results/cohort.csv``).
    key_numbers : tuple of KeyNumber
        Headline numbers.
    key_caveat : str
        A caveat shown beside the key numbers, when one governs which estimate they lead
        with (e.g. the grace period's bias, when the clone-censor-weight estimate leads).
    key_caveat_why : str
        The reason behind ``key_caveat`` (e.g. the analysis's warning, with its counts):
        shown after it on wide screens and in print, one tap away ("Why") on phones, so
        that the evidence starts within the first three screens there.
    shows, does_not_show, limits : tuple of str
        Bullet points.
    risk_tool : str or None
        What the validation says about a risk tool; the decision-support caveat
        (:data:`DECISION_SUPPORT_CAVEAT`) is always shown with it, and with ``policy``.
    policy : PolicySection or None
        Would a risk score help decide who is offered early help (the policy study)?
    figures : tuple of BriefFigure
        Figures, embedded in order.
    paragraphs : tuple of str
        Plain paragraphs shown after the evidence (e.g. on confounding by indication).
    table_one : str or None
        Table 1 as HTML (from :func:`escalation.report.table_one.table_one_html`,
        already disclosed).
    kicker, subtitle : str
        Small text above and below the headline.
    provenance : tuple of str
        Footer lines (versions, design and data hashes).
    caveats : tuple of str
        Warnings raised by the analysis, each saying which design key to change.
    failures : tuple of str
        Parts of the analysis that did not run, and why.
    notes : tuple of str
        Parts of the analysis skipped or left out of the brief, and why.
    disclosure : DisclosureRules
        The disclosure rules the counts are shown under (stated in the footer).
    glossary : mapping of str to str, optional
        Definitions that replace those of :data:`GLOSSARY` for this study (e.g. "spell",
        with which spells of a child the design kept: :data:`SPELL_CHOICE`).
    """

    title: str
    question: str
    cohort_text: str
    cohort_counts: Mapping[str, int | str | None]
    key_numbers: tuple[KeyNumber, ...] = ()
    key_caveat: str = ""
    key_caveat_why: str = ""
    shows: tuple[str, ...] = ()
    does_not_show: tuple[str, ...] = ()
    limits: tuple[str, ...] = ()
    risk_tool: str | None = None
    policy: PolicySection | None = None
    figures: tuple[BriefFigure, ...] = ()
    paragraphs: tuple[str, ...] = ()
    table_one: str | None = None
    kicker: str = "Policy brief"
    subtitle: str = ""
    provenance: tuple[str, ...] = field(default_factory=tuple)
    caveats: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    disclosure: DisclosureRules = DEFAULT_RULES
    glossary: Mapping[str, str] = field(default_factory=dict)


def describe_risk(estimate: float, conf_low: float, conf_high: float, digits: int = 0) -> str:
    """Return a risk as a percentage with its 95% interval, for a headline.

    Decimals are added when rounding would otherwise leave the estimate on or outside
    its printed interval (:func:`interval_digits`).

    Examples
    --------
    >>> describe_risk(0.183, 0.161, 0.207)
    '18% (95% CI 16% to 21%)'
    >>> describe_risk(0.0996, 0.0912, 0.1004)
    '9.96% (95% CI 9.12% to 10.04%)'
    >>> describe_risk(0.183, float("nan"), float("nan"))
    '18% (no interval: the design asked for no bootstrap replicates, or none was usable)'
    """
    known = has_interval(conf_low, conf_high)
    d = interval_digits(estimate, conf_low, conf_high, digits=digits) if known else digits
    f = f"{{:.{d}f}}%"
    ends = ci_words(
        conf_low, conf_high, lambda lo, hi: f"{f.format(100 * lo)} to {f.format(100 * hi)}"
    )
    return f"{f.format(100 * estimate)} ({ends})"


def describe_difference(
    estimate: float, conf_low: float, conf_high: float, *, outcome: str = "escalate"
) -> str:
    """Return a risk difference in plain words, per 100 children, with its uncertainty.

    Examples
    --------
    Below 10 in 100 the words keep one decimal, as the key number they stand under
    ("-1.5 points" above "An estimated 1.5 fewer", not "An estimated 1 fewer"); the
    words say "an estimated", as every estimate in the brief is worded.

    >>> print(describe_difference(-0.021, -0.038, -0.004))  # doctest: +NORMALIZE_WHITESPACE
    An estimated 2.1 fewer in every 100 children would escalate (plausibly between 0.4 and
    3.8 fewer).
    >>> print(describe_difference(-0.01, -0.03, 0.01))  # doctest: +NORMALIZE_WHITESPACE
    An estimated 1.0 fewer in every 100 children would escalate; the data are also compatible
    with no difference or 1.0 more.
    >>> print(describe_difference(-0.123, -0.15, -0.096))  # doctest: +NORMALIZE_WHITESPACE
    An estimated 12 fewer in every 100 children would escalate (plausibly between 10 and 15
    fewer).

    An interval not estimated is said in words (:data:`~escalation._interval_words.NO_INTERVAL`):

    >>> print(describe_difference(-0.012, float("nan"), float("nan")))
    ... # doctest: +NORMALIZE_WHITESPACE
    An estimated 1.2 fewer in every 100 children would escalate (no interval: the design
    asked for no bootstrap replicates, or none was usable).
    """
    values = sorted(abs(100 * v) for v in (estimate, conf_low, conf_high))
    d = 1 if abs(100 * estimate) < 10 else 0
    if conf_low < estimate < conf_high and not conf_low <= 0 <= conf_high:
        d = max(d, interval_digits(abs(estimate), values[0] / 100, values[-1] / 100))

    def per100(x: float) -> str:
        value = abs(100 * x)
        return f"{value:.1f}" if 0 < value < 0.95 and d == 0 else f"{value:.{d}f}"

    direction = "fewer" if estimate < 0 else "more"
    head = f"An estimated {per100(estimate)} {direction} in every 100 children would {outcome}"
    if not has_interval(conf_low, conf_high):
        return f"{head} ({NO_INTERVAL})."
    if conf_low <= 0 <= conf_high:
        other = conf_high if estimate < 0 else conf_low
        other_direction = "more" if estimate < 0 else "fewer"
        return (
            f"{head}; the data are also compatible with no difference or "
            f"{per100(other)} {other_direction}."
        )
    low, high = sorted((abs(conf_low), abs(conf_high)))
    return f"{head} (plausibly between {per100(low)} and {per100(high)} {direction})."


def point_digits(estimate: float, conf_low: float, conf_high: float) -> int:
    """Decimals of a difference in points, as the key numbers give it (one at least).

    Examples
    --------
    >>> point_digits(-0.0152, -0.0311, 0.0012), point_digits(-0.0100, -0.0200, -0.0096)
    (1, 2)
    """
    return max(1, interval_digits(estimate, conf_low, conf_high, digits=1))


def bootstrap_edge_note(
    estimate: float, conf_low: float, conf_high: float, *, std_error_mc: float, replicates: int
) -> str | None:
    """Say when a bootstrap interval's verdict could change with another seed.

    The interval ``estimate ± z s`` (``s`` the bootstrap standard error from ``replicates``
    replicates) has ends whose Monte Carlo error is ``e = z`` times ``std_error_mc``
    (:func:`escalation.causal.bootstrap.standard_error_mc_error`). When the end nearest no
    difference lies within ``2 e`` of it, whether the interval includes no difference is
    not settled by this many replicates (in simulations, another seed moved the end across
    no difference in about a quarter of such cases). Returns a sentence saying so, in
    plain words, and how many replicates would put the end 3 Monte Carlo errors from no
    difference, ``R (3 e / |end|)²`` rounded up to hundreds ("at least about": the end
    moves too); or None when the verdict is settled or no bootstrap was run.

    Examples
    --------
    >>> print(bootstrap_edge_note(-0.0147, -0.0285, -0.0008, std_error_mc=0.0007,
    ...                           replicates=50))  # doctest: +NORMALIZE_WHITESPACE
    This result is only just clear of no difference: with 50 bootstrap resamples, a rerun
    with another random seed could show no clear effect (the interval's end nearest no
    difference, -0.1 points, is within twice its Monte Carlo error of it). Repeat the
    analysis with at least about 1,400 resamples (bootstrap in the design's [estimation]
    table) before a decision rests on it.
    >>> bootstrap_edge_note(-0.03, -0.05, -0.01, std_error_mc=0.0007, replicates=50) is None
    True
    """
    if not (replicates > 0 and math.isfinite(std_error_mc) and std_error_mc > 0):
        return None
    error = 1.959963984540054 * std_error_mc  # the Monte Carlo error of each end
    edge = conf_high if estimate < 0 else conf_low
    if abs(edge) >= 2 * error:
        return None
    digits = point_digits(estimate, conf_low, conf_high)
    includes = conf_low <= 0 <= conf_high
    head = (
        f"This result is only just {'short of being clear' if includes else 'clear'} of no "
        f"difference: with {replicates} bootstrap resamples, a rerun with another random "
        f"seed could show {'a clear effect' if includes else 'no clear effect'} (the "
        f"interval's end nearest no difference, {signed_text(100 * edge, digits, sign=True)} "
        "points, is within "
        "twice its Monte Carlo error of it)."
    )
    needed = math.inf if edge == 0 else replicates * (3 * error / abs(edge)) ** 2
    if needed > 10_000:
        return (
            f"{head} Only an impractical number of resamples (over 10,000) would settle it: "
            "read the interval as touching no difference."
        )
    return (
        f"{head} Repeat the analysis with at least about {100 * math.ceil(needed / 100):,} "
        "resamples (bootstrap in the design's [estimation] table) before a decision rests "
        "on it."
    )


def figure_data_uri(
    plot: p9.ggplot,
    *,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
    dpi: int = 200,
) -> str:
    """Draw ``plot`` as PNG and return it as a ``data:image/png;base64,`` URI.

    The figure is drawn as :func:`escalation.figures.save.save_figure` draws it (one
    drawing path, :func:`escalation.figures.save.drawn`): a title, subtitle or caption
    wider than the figure is wrapped into lines, the figure taller by them unless
    ``height_mm`` is given.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation.figures import plot_hazard_ratios
    >>> effects = pd.DataFrame({"term": ["treatment"], "estimate": [0.8],
    ...                         "conf_low": [0.7], "conf_high": [0.92]})
    >>> figure_data_uri(plot_hazard_ratios(effects), dpi=50)[:22]
    'data:image/png;base64,'
    """
    with drawn_figure(plot, width=width, height_mm=height_mm, dpi=dpi, measured=False) as figure:
        return _png_uri(figure, dpi)


def _size_inches(
    plot: p9.ggplot, width: Literal["single", "double"] | float, height_mm: float | None
) -> tuple[float, float]:
    w = width_mm(width) / _MM_PER_INCH
    if height_mm is None:
        size = plot.theme.themeables.property("figure_size") if plot.theme else None
        return w, float(size[1]) if size else w * 0.75
    return w, height_mm / _MM_PER_INCH


def _png_uri(figure: Any, dpi: int) -> str:
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=dpi,
        metadata={"Software": None},
        pil_kwargs=dict(PNG_COMPRESSION),
    )
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_images(figure: BriefFigure, *, dpi: int = 200, drawn: Any = None) -> BriefImages:
    """Draw a brief figure for the screen: at its screen width, and narrow if double.

    Parameters
    ----------
    figure : BriefFigure
        The figure.
    dpi : int, default 200
        Resolution of the images.
    drawn : matplotlib.figure.Figure, optional
        ``figure.plot`` already drawn, e.g. to write its files
        (:func:`escalation.figures.save.drawn`). When it was drawn for the screen size
        (a single-column figure at its own height; its titles wrapped or not,
        :func:`escalation.figures.save.asked_size`) the screen image is rendered from it
        at ``dpi`` instead of drawing the plot again.

    Returns
    -------
    BriefImages

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation.figures import plot_hazard_ratios as plot
    >>> ratios = pd.DataFrame({"term": ["age", "sex"], "estimate": [0.8, 1.2],
    ...                        "conf_low": [0.7, 1.0], "conf_high": [0.9, 1.4]})
    >>> figure = BriefFigure("Ratios", "Caption.", plot(ratios), "Alt.", width="double")
    >>> images = figure_images(figure, dpi=30)
    >>> images.uri[:22], images.narrow[:22], images.dpi
    ('data:image/png;base64,', 'data:image/png;base64,', 30)
    """
    width = _SCREEN_WIDTH_MM[figure.width]
    size = _size_inches(figure.plot, width, figure.height_mm)
    # Asked for the screen size, the drawing is the screen's (a wrapped title made both
    # taller alike): rendered from it, the figure is drawn once.
    if drawn is not None and all(
        math.isclose(a, b, abs_tol=1e-9) for a, b in zip(asked_size(drawn), size, strict=True)
    ):
        uri = _png_uri(drawn, dpi)
    else:
        uri = figure_data_uri(figure.plot, width=width, height_mm=figure.height_mm, dpi=dpi)
    narrow = None
    if figure.width == "double":
        plot = figure.narrow if figure.narrow is not None else figure.plot
        narrow = figure_data_uri(plot, width="single", dpi=dpi)
    return BriefImages(uri, narrow, dpi)


_TOKEN: Final = re.compile(r"[A-Za-z0-9_\-]+")


def check_no_identifiers(text: str, identifiers: Iterable[object], min_length: int = 5) -> None:
    """Raise if any identifier appears as a whole word in ``text`` (embedded images excluded).

    Identifiers shorter than ``min_length`` characters are not checked: they cannot be
    told apart from ordinary numbers and words (a child numbered ``235`` and a count of
    235). The message says how many identifiers were found, never which.

    Examples
    --------
    >>> check_no_identifiers("<p>Children studied: 235</p>", ["C000123", "235"])
    >>> check_no_identifiers("<p>child C000123</p>", ["C000123"])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Policy brief: 1 problem found
      - table 'brief': 1 identifier(s) appear in the text; remove them before sharing
    """
    visible = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", text)
    tokens = set(_TOKEN.findall(visible))
    found = tokens & {str(i) for i in identifiers if len(str(i)) >= min_length}
    if found:
        raise DataValidationError(
            [
                Problem(
                    "brief",
                    None,
                    None,
                    None,
                    f"{len(found)} identifier(s) appear in the text; remove them before sharing",
                )
            ],
            context="policy brief",
        )


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("escalation.report", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_brief(brief: Brief, *, identifiers: Iterable[object] = (), dpi: int = 200) -> str:
    """Return the brief as one self-contained HTML document.

    Parameters
    ----------
    brief : Brief
        The content.
    identifiers : iterable, optional
        Child and family identifiers that must not appear (checked on the output).
    dpi : int, default 200
        Resolution of the embedded figures.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> brief = Brief(title="Early help and escalation", question="Does early help help?",
    ...               cohort_text="Children whose referral closed.",
    ...               cohort_counts={"Children": 1234, "Died": 3})
    >>> html = render_brief(brief)
    >>> "1,235" in html and "fewer than 10" in html and "1234" not in html
    True
    """
    from escalation import __version__

    figures: list[dict[str, Any]] = []
    for f in brief.figures:
        images = f.images if f.images is not None and f.images.dpi == dpi else None
        if images is None:
            images = figure_images(f, dpi=dpi)
        figures.append(
            {
                "title": f.title,
                "caption": f.caption,
                "alt": f.alt,
                "width": f.width,
                "width_mm": _SCREEN_WIDTH_MM[f.width],
                "svg": None,
                "uri": images.uri,
                "narrow": images.narrow,
            }
        )
    policy_figure = None
    if brief.policy is not None and brief.policy.figure is not None:
        f = brief.policy.figure
        images = f.images if f.images is not None and f.images.dpi == dpi else None
        if images is None:
            images = figure_images(f, dpi=dpi)
        policy_figure = {
            "title": f.title,
            "caption": f.caption,
            "alt": f.alt,
            "width": f.width,
            "width_mm": _SCREEN_WIDTH_MM[f.width],
            "uri": images.uri,
        }
    rows = [
        (label, count if isinstance(count, str) else format_count(count, brief.disclosure))
        for label, count in brief.cohort_counts.items()
    ]
    values: dict[str, Any] = dict(
        dpi=dpi,
        table_one=Markup(brief.table_one) if brief.table_one else None,
        table_one_note=table_one_note(brief.disclosure),
        brief=brief,
        figures=figures,
        policy_figure=policy_figure,
        cohort_rows=rows,
        cohort_caption=_sentence(brief.disclosure.counts_rule()),
        caveat=DECISION_SUPPORT_CAVEAT,
        disclosure=brief.disclosure.statement(),
        version=__version__,
    )
    html = _render(values, GLOSSARY)
    used = _terms_used(html[: html.index(_GLOSSARY_SECTION)])
    if used != set(GLOSSARY):
        html = _render(values, {t: text for t, text in GLOSSARY.items() if t in used})
    check_no_identifiers(html, identifiers)
    return html


def _sentence(clause: str) -> str:
    """Return a clause as a sentence: its first letter a capital, a full stop at the end.

    Examples
    --------
    >>> _sentence("counts below 10 are shown as 'fewer than 10'")
    "Counts below 10 are shown as 'fewer than 10'."
    """
    return f"{clause[:1].upper()}{clause[1:]}."


#: Where the brief's glossary starts (the text before it is where its terms are used).
_GLOSSARY_SECTION: Final = '<section aria-labelledby="glossary">'


def _render(values: Mapping[str, Any], glossary: Mapping[str, str]) -> str:
    """Render the brief's template with the terms of ``glossary`` and their definitions.

    ``glossary`` gives each term's default definition; the brief's own replace them.
    """
    brief: Brief = values["brief"]
    environment = _environment()
    environment.filters["gloss"] = _Glossary()
    return environment.get_template("brief.html").render(
        glossary=[
            (term, _anchor(term), brief.glossary.get(term, text)) for term, text in glossary.items()
        ],
        **values,
    )


def _terms_used(html: str) -> set[str]:
    """Return the glossary terms used in ``html``'s text (its tags and styles left out).

    Examples
    --------
    >>> sorted(_terms_used('<p>The <a class="gloss" href="#gloss-ccw">CCW</a> spells</p>'))
    ['CCW', 'spell']
    >>> _terms_used("<style>.auc {}</style><p>Q1 (most deprived)</p>")
    set()
    """
    text = re.sub(r"<(style|script)\b.*?</\1>|<[^>]*>", " ", html, flags=re.S)
    return {term for term, pattern in _Glossary().patterns.items() if pattern.search(text)}


def write_brief(
    brief: Brief, path: str | Path, *, identifiers: Iterable[object] = (), dpi: int = 200
) -> Path:
    """Render the brief and write it to ``path`` (UTF-8); return the path.

    Examples
    --------
    >>> import tempfile
    >>> brief = Brief(title="T", question="Q", cohort_text="C", cohort_counts={})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_brief(brief, f"{folder}/brief.html").name
    'brief.html'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_brief(brief, identifiers=identifiers, dpi=dpi), encoding="utf-8")
    return target
