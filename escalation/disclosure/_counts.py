"""The rule set and the disclosure of counts and count tables (see the package docstring)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas._libs.missing import NAType

from escalation.errors import DataValidationError, DesignError, Problem

if TYPE_CHECKING:
    from escalation.design.study import StudyDesign

#: Default: counts below this are suppressed.
THRESHOLD: Final = 10
#: Default: counts at or above the threshold are rounded to a multiple of this.
BASE: Final = 5
#: How a suppressed count reads in text under the default rules.
SUPPRESSED_TEXT: Final = "fewer than 10"

#: The published conventions the rules follow (recorded in manifests, cited in the docs).
CONVENTIONS: Final = (
    "ONS '10-5 rule': counts below 10 suppressed, others rounded to the nearest 5 "
    "(ONS, Comparison of post-tabular statistical disclosure control methods, 2023)",
    "DfE/GSS symbols: 'c' confidential, secondary suppression where a suppressed value could "
    "be derived (DfE statistics methodology, children looked after and children in need)",
    "SDC for research outputs: steps of survival curves, bars and points of figures each "
    "stand for at least the threshold; minima and maxima are unsafe (Griffiths et al., "
    "Handbook on Statistical Disclosure Control for Outputs, SDC Practice, 2019)",
)


@dataclass(frozen=True)
class DisclosureRules:
    """The disclosure rules every shared output follows (see the module docstring).

    Parameters
    ----------
    threshold : int, default 10
        Counts below this are suppressed; curve steps, bars and points stand for at
        least this many children or events.
    rounding : int, default 5
        Counts at or above the threshold are rounded to a multiple of this (1: none).

    Examples
    --------
    >>> rules = DisclosureRules(threshold=20, rounding=10)
    >>> rules.suppressed_text, disclose_count(26, rules)
    ('fewer than 20', 30)
    """

    threshold: int = THRESHOLD
    rounding: int = BASE

    def __post_init__(self) -> None:
        for name in ("threshold", "rounding"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise DesignError(
                    f"design [disclosure] {name} = {value!r}: must be a whole number >= 1"
                )

    @classmethod
    def from_design(cls, design: StudyDesign) -> DisclosureRules:
        """Return the rules of a design's ``[disclosure]`` section."""
        return cls(design.disclosure.threshold, design.disclosure.rounding)

    @property
    def suppressed_text(self) -> str:
        """How a suppressed count reads in text: ``"fewer than 10"``."""
        return f"fewer than {self.threshold}"

    def counts_rule(self) -> str:
        """Return how counts are shown, as a clause (the brief's cohort table and footer).

        Examples
        --------
        >>> print(DisclosureRules().counts_rule())  # doctest: +NORMALIZE_WHITESPACE
        counts below 10 are shown as 'fewer than 10' and every other count is rounded to
        the nearest 5
        >>> DisclosureRules(rounding=1).counts_rule()
        "counts below 10 are shown as 'fewer than 10' and other counts are exact"
        """
        rounded = (
            f"every other count is rounded to the nearest {self.rounding}"
            if self.rounding > 1
            else "other counts are exact"
        )
        return f"counts below {self.threshold} are shown as '{self.suppressed_text}' and {rounded}"

    def statement(self) -> str:
        """Return the rules in one plain paragraph (the brief's footer says this).

        Examples
        --------
        >>> print(DisclosureRules().statement())  # doctest: +NORMALIZE_WHITESPACE
        Statistical disclosure control: counts below 10 are shown as 'fewer than 10' and
        every other count is rounded to the nearest 5; each step of a curve and each bar or
        point of a figure stands for at least 10 children or events; estimates resting on
        fewer are not shown. No names, identifiers or case-note text appear.
        """
        return (
            f"Statistical disclosure control: {self.counts_rule()}; each step of a curve and "
            f"each bar or point of a figure stands for at least {self.threshold} children or "
            "events; "
            "estimates resting on fewer are not shown. No names, identifiers or case-note "
            "text appear."
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the rules as recorded in a manifest."""
        return {
            "threshold": self.threshold,
            "rounding": self.rounding,
            "statement": self.statement(),
            "conventions": list(CONVENTIONS),
        }


#: The package's default rules (threshold 10, rounding 5).
DEFAULT_RULES: Final = DisclosureRules()


# --------------------------------------------------------------------------- counts
def disclose_count(
    count: float | NAType | None, rules: DisclosureRules = DEFAULT_RULES
) -> int | None:
    """Return a count after disclosure control: ``None`` if below the threshold, else rounded.

    Parameters
    ----------
    count : int or float or None
        A non-negative count (``None``, NaN and ``pd.NA`` stay ``None``).
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.

    Returns
    -------
    int or None
        The rounded count, or ``None`` when suppressed.

    Raises
    ------
    DataValidationError
        For a negative or fractional count.

    Examples
    --------
    >>> [disclose_count(n) for n in (0, 9, 10, 12, 13, 1234)]
    [None, None, 10, 10, 15, 1235]
    """
    if count is None or isinstance(count, NAType) or math.isnan(count):
        return None
    value = float(count)
    if value < 0 or value != math.floor(value):
        raise DataValidationError(
            [Problem("count", None, None, count, "a count must be a whole number >= 0")],
            context="disclosure control",
        )
    if value < rules.threshold:
        return None
    return int(math.floor(value / rules.rounding + 0.5) * rules.rounding)


def format_count(count: float | int | None, rules: DisclosureRules = DEFAULT_RULES) -> str:
    """Return a count as text after disclosure control.

    Examples
    --------
    >>> format_count(4), format_count(12_348)
    ('fewer than 10', '12,350')
    """
    disclosed = disclose_count(count, rules)
    return rules.suppressed_text if disclosed is None else f"{disclosed:,}"


#: Words that make the number before them a count of people or records in free text.
_COUNTED: Final = (
    r"(?:children|child|spells?|events?|escalations?|famil(?:y|ies)|deaths?|rows?|cases?|"
    r"episodes?|referrals?|records?|people|persons?|treated|untreated|scores?|"
    r"probabilit(?:y|ies)|predictions?|values?|value\(s\)|observations?|strat(?:um|a)|"
    r"stratum/strata)"
)
#: Words allowed between a count and what it counts ("12 competing events").
_QUALIFIER: Final = r"(?:competing|test|training|censored|distinct|more|other|propensity|held-out)"
#: "3 untreated spells", "12 competing events", "1,204 children" ...
_COUNT_BEFORE: Final = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?![.,]?\d)"
    r"(?=\s+(?:" + _QUALIFIER + r"\s+)?" + _COUNTED + r"(?!\w))",
    re.IGNORECASE,
)
#: "row 0", "rows 3, 5 and 9", "row 12 to 14": where a record is, which locates a child.
_ROW_LOCATOR: Final = re.compile(
    r"\b(rows?)\s+\d+(?:\s*(?:,|and|to|-|–)\s*\d+)*(?![.\d])", re.IGNORECASE
)
#: "escalations=126", "children: 12" ...
_COUNT_AFTER: Final = re.compile(
    r"(\b" + _COUNTED + r"\s?[=:]\s?)(\d{1,3}(?:,\d{3})+|\d+)(?![.,]?\d)", re.IGNORECASE
)


#: How a count that the tables withhold reads in free text.
WITHHELD_COUNT: Final = "[not shown]"


def _withholds(withheld: Collection[str], following: str) -> bool:
    """Whether the words after a number (``following``) count something withheld.

    A qualifier between them ("465 training escalations", "12 more events") is skipped,
    unless it is part of what is withheld ("competing events").
    """
    words = following.lstrip().lower()
    unqualified = re.sub(r"^" + _QUALIFIER + r"\s+", "", words, flags=re.IGNORECASE)
    return any(
        re.match(re.escape(w.lower()) + r"(?!\w)", text)
        for w in withheld
        for text in (words, unqualified)
    )


def disclose_text(
    text: str, rules: DisclosureRules = DEFAULT_RULES, *, withheld: Collection[str] = ()
) -> str:
    """Return free text (a warning, a note) with the counts of people in it disclosed.

    A number followed by what it counts ("3 untreated spells", "12 competing events",
    "1,204 children") or following it ("escalations=126") is written as
    :func:`format_count` writes it; other numbers (days, horizons, percentages, model
    statistics, replicate counts) are left as they are.

    A count of what the run's tables withhold (``withheld``: the words that count it,
    e.g. ``("escalations", "competing events", "events")`` when the cohort counts do
    not show the escalations) reads ``[not shown]`` whatever its size, so that no text
    publishes a count, or a part of one, that a table withholds; "fewer than 10 ..."
    (already disclosed) is left as it is.

    Examples
    --------
    >>> disclose_text("3 untreated spells ended within 14 days; 1,204 children studied")
    'fewer than 10 untreated spells ended within 14 days; 1,205 children studied'
    >>> disclose_text("positivity: 12 children (3 treated, 9 untreated) have weights above 10")
    'positivity: 10 children (fewer than 10 treated, fewer than 10 untreated) have weights above 10'
    >>> disclose_text("4 propensity scores are within 1e-06 of 0 or 1")
    'fewer than 10 propensity scores are within 1e-06 of 0 or 1'
    >>> disclose_text("norm(delta) is still high, 0.248; horizon 730 days")
    'norm(delta) is still high, 0.248; horizon 730 days'

    Row numbers, which locate a record, are not shown:

    >>> disclose_text("table 'spells', row 0, column 'disability': 2 value(s) are missing")
    "table 'spells', row [not shown], column 'disability': fewer than 10 value(s) are missing"

    Counts the tables withhold:

    >>> disclose_text("465 escalations for 63 parameters; 3,045 spells",
    ...               withheld=["escalations"])
    '[not shown] escalations for 63 parameters; 3,045 spells'
    >>> disclose_text("fewer than 10 escalations by 365 days", withheld=["escalations"])
    'fewer than 10 escalations by 365 days'
    >>> disclose_text("465 training escalations; Fewer than 10 escalations",
    ...               withheld=["escalations"])
    '[not shown] training escalations; Fewer than 10 escalations'
    """
    already = rules.suppressed_text.removesuffix(str(rules.threshold)).lower()

    def before(match: re.Match[str]) -> str:
        count = int(match.group(1).replace(",", ""))
        tail = match.string[match.end() :]
        done = match.string[: match.start()].lower().endswith(already)  # "fewer than 10 ..."
        if withheld and not done and _withholds(withheld, tail):
            return WITHHELD_COUNT
        return format_count(count, rules)

    def after(match: re.Match[str]) -> str:
        if withheld and _withholds(withheld, match.group(1)):
            return match.group(1) + WITHHELD_COUNT
        return match.group(1) + format_count(int(match.group(2).replace(",", "")), rules)

    located = _ROW_LOCATOR.sub(lambda m: f"{m.group(1)} [not shown]", text)
    return _COUNT_AFTER.sub(after, _COUNT_BEFORE.sub(before, located))


def disclosed_share(
    part: float | int, whole: float | int, digits: int = 0, rules: DisclosureRules = DEFAULT_RULES
) -> str:
    """Return ``part`` as a percentage of ``whole``, both disclosed first.

    The share is withheld ("not shown") when either count is suppressed.

    Examples
    --------
    >>> disclosed_share(212, 1003)
    '21%'
    >>> disclosed_share(6, 1003)
    'not shown (fewer than 10)'
    """
    share = disclose_share(part, whole, rules, per=100)
    if share is None:
        return f"not shown ({rules.suppressed_text})"
    return f"{share:.{digits}f}%"


def _whole(count: float | NAType | None) -> float | None:
    """Return a count, or an expected number (a sum of weights), as a whole number."""
    if count is None or isinstance(count, NAType) or not math.isfinite(float(count)):
        return None
    return float(max(0, math.floor(float(count) + 0.5)))  # halves up, as disclose_count


def disclose_expected(
    count: float | NAType | None, rules: DisclosureRules = DEFAULT_RULES
) -> int | None:
    """Return a count, or an expected number (a sum of weights), rounded whole and disclosed.

    Examples
    --------
    >>> disclose_expected(233.6), disclose_expected(9.4), disclose_expected(float("nan"))
    (235, None, None)
    """
    return disclose_count(_whole(count), rules)


def disclose_share(
    numerator: float | NAType | None,
    denominator: float | NAType | None,
    rules: DisclosureRules = DEFAULT_RULES,
    *,
    per: float = 1.0,
) -> float | None:
    """Return a ratio of two counts computed from the counts as disclosed.

    A share (recall, precision, a true- or false-positive rate, a share flagged, a rate
    per 1,000) published at full precision gives back the exact counts it divides,
    undoing their rounding: 234/578 = 0.40484429065743943 and no other ratio of counts
    below 1,000 is that number. The value is therefore computed from the disclosed
    (rounded) numerator and denominator, so it carries no more than the counts do; when
    either is suppressed (below the threshold, zero included) so is the share.

    Parameters
    ----------
    numerator, denominator : float or None
        Counts. An expected number (a sum of probabilities or of censoring weights) is
        rounded to a whole number first; ``None``, NaN and ``pd.NA`` are suppressed.
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.
    per : float, default 1.0
        Scale of the result (``1000`` for a rate per 1,000, ``100`` for a percentage).

    Returns
    -------
    float or None
        ``per * disclosed numerator / disclosed denominator``, or ``None`` when either
        count is suppressed (or the denominator is 0).

    See Also
    --------
    round_std_error : the standard error published with such a share.

    Examples
    --------
    >>> disclose_share(234, 578)  # 235 / 580, not 0.40484429065743943
    0.4051724137931034
    >>> disclose_share(3393, 9282, per=1000)  # per 1,000: 3,395 of 9,280
    365.8405172413793
    >>> disclose_share(7, 578) is None, disclose_share(234, None) is None
    (True, True)
    >>> disclose_share(233.6, 578.2)  # expected numbers: 234 of 578, then disclosed
    0.4051724137931034
    """
    a = disclose_expected(numerator, rules)
    b = disclose_expected(denominator, rules)
    if a is None or b is None or b == 0:
        return None
    return per * a / b


def share_of_recorded(
    count: float | None, recorded: float | None, *, per: float = 100.0
) -> float | None:
    """Return a level's share of the children with the value recorded, or ``None`` if withheld.

    The one rule of both Table 1s, the local one
    (:meth:`~escalation.causal.TableOne.table`) and the federated hub's
    (:func:`~escalation.federated.pool_covariate_summaries`): a percentage is of the
    children with the value recorded, the group's ``n`` less its number missing. Where
    that number missing is withheld, so is the number recorded (``None`` or NaN), and so
    is every percentage of it: beside the published ``n`` a percentage of the exact
    number recorded gives the missing back (50 of 96 prints 52.1 beside an arm of 100:
    4 missing), and with it the count its complement protects.

    Parameters
    ----------
    count : float or None
        The level's count as published (``None`` or NaN: withheld).
    recorded : float or None
        The children with the value recorded as published (``None`` or NaN: withheld,
        because the number missing is).
    per : float, default 100
        Scale of the result (100: a percentage).

    Returns
    -------
    float or None
        ``per * count / recorded``; ``None`` when either is withheld or none is recorded.

    Examples
    --------
    >>> share_of_recorded(50, 96), share_of_recorded(50, None), share_of_recorded(3, 0)
    (52.083333333333336, None, None)
    """
    if count is None or recorded is None:
        return None
    if not (math.isfinite(float(count)) and math.isfinite(float(recorded))) or recorded <= 0:
        return None
    return per * float(count) / float(recorded)


def round_std_error(std_error: float, digits: int = 2) -> float:
    r"""Return a standard error rounded to ``digits`` significant figures.

    The standard error of a share k/n estimated from the exact data, e.g.
    :math:`\sqrt{k(n-k)/n^3}`, at full precision gives back k and n as the share
    itself would; rounded to 2 significant figures it still sizes the interval. Zero,
    NaN and infinite values are returned unchanged.

    Examples
    --------
    >>> round_std_error(0.020923557391038235), round_std_error(5.123598575734494)
    (0.021, 5.1)
    >>> round_std_error(0.0), round_std_error(float("nan"))
    (0.0, nan)
    """
    value = float(std_error)
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def disclose_std_error(
    std_error: float,
    exact: float,
    shown: float,
    n: float,
    rules: DisclosureRules = DEFAULT_RULES,
) -> float:
    r"""Return the standard error of a disclosed share, carrying no more than its counts.

    The standard error of a share k/n estimated from the exact data, even rounded to 2
    significant figures, says how many children a small share is (it is about
    :math:`\sqrt{k}/n`: 0.00037 of 9,282 says 12, where the share shows 10). It is
    published as the binomial standard error of the disclosed share over the disclosed
    ``n``, times the estimate's design effect on its standard error (its ratio to the
    binomial one of the exact share: clustering, weights, censoring; 1 for a plain
    share) rounded to 2 significant figures, the product rounded to 2 significant
    figures again (:func:`round_std_error`).

    Parameters
    ----------
    std_error : float
        The standard error estimated from the exact data.
    exact, shown : float
        The share as estimated, and as disclosed (:func:`disclose_share`).
    n : float
        What the share is of (children, escalations, children flagged); a sum of
        weights is rounded to a whole number.
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.

    Returns
    -------
    float
        NaN when ``n`` is suppressed or a value is missing.

    Examples
    --------
    Twelve of 9,282 shown as 10 of 9,280: the exact 0.00037 would say 12.

    >>> exact = math.sqrt(12 * 9270 / 9282**3)
    >>> disclose_std_error(exact, 12 / 9282, 10 / 9280, 9282)
    0.00034
    >>> disclose_std_error(2 * exact, 12 / 9282, 10 / 9280, 9282)  # clustered: twice
    0.00068
    """
    total = disclose_expected(n, rules)
    values = (float(std_error), float(exact), float(shown))
    if not total or not all(math.isfinite(v) for v in values):
        return math.nan
    binomial = math.sqrt(values[1] * (1 - values[1]) / float(n))
    ratio = (1.0 if values[0] == 0 else math.nan) if binomial == 0 else values[0] / binomial
    base = math.sqrt(values[2] * (1 - values[2]) / total)
    return round_std_error(round_std_error(ratio) * base)


_COUNT_NAMES: Final = frozenset(
    {
        "n",
        "children",
        "episodes",
        "events",
        "at_risk",
        "count",
        "treated",
        "censored",
        "competing",
        "spells",
    }
)


def _count_columns(columns: Iterable[object]) -> Iterable[str]:
    for column in columns:
        name = str(column)
        if name in _COUNT_NAMES:
            yield name


def _complement(
    raw: npt.NDArray[np.float64],
    hidden: npt.NDArray[np.bool_],
    groups: npt.NDArray[Any],
    threshold: int,
) -> npt.NDArray[np.bool_]:
    """Hide the smallest other counts of every group whose hidden cells protect too little.

    A group with any hidden cell has the smallest shown count hidden too, then the next,
    while it has a single hidden cell or its hidden cells' counts add up to less than
    ``threshold`` (a hidden cell with no count, NaN, counts as 0), as long as a shown
    count is left.
    """
    out = hidden.copy()
    for key in pd.unique(groups):
        rows = np.flatnonzero(groups == key)
        while out[rows].any():
            shown = rows[~out[rows] & np.isfinite(raw[rows])]
            secret = rows[out[rows]]
            if not len(shown) or (len(secret) > 1 and np.nansum(raw[secret]) >= threshold):
                break
            out[shown[np.argmin(raw[shown])]] = True
    return out


def complementary_suppression(
    raw: npt.NDArray[np.float64],
    hidden: npt.NDArray[np.bool_],
    partitions: Sequence[npt.NDArray[Any]],
    threshold: int = THRESHOLD,
) -> npt.NDArray[np.bool_]:
    """Return ``hidden`` with complements hidden until no hidden count can be worked out.

    Each partition labels the cells whose counts add up to a published total (the levels
    of a characteristic in an arm add up to the arm's n; an overall count is the sum of
    the arms'). The hidden cells of a group add up to its total less its shown cells, so
    they must together stand for at least ``threshold``: within any group holding one
    hidden cell, or hidden cells whose exact counts add up to less than ``threshold``
    (two empty groups: their total, 0, would be published by subtraction), the smallest
    other is hidden too, then the next, until the hidden cells are at least two and
    together reach ``threshold`` or nothing is left to hide (as :func:`disclose_table`
    does for one partition). The partitions are gone through again until none of their
    groups needs another complement. This is secondary suppression as the DfE
    methodology describes it ("secondary suppression may be required" where a
    suppressed value could be derived from the totals; GSS/DfE symbol ``c``), with the
    hidden cells of a margin together at least the threshold, so that their sum is
    itself no small count (ONS "10-5 rule": counts below 10 are not published).

    Parameters
    ----------
    raw : numpy.ndarray
        The exact counts (NaN: not a count, never chosen as a complement; a hidden cell
        with no count counts as 0 towards the threshold, the safe side where the count
        was withheld before, as a group's ``n`` below a minimum).
    hidden : numpy.ndarray of bool
        The cells hidden to begin with (those under the threshold).
    partitions : sequence of numpy.ndarray
        One label per cell for each way the cells add up to totals.
    threshold : int, default 10
        What the hidden cells of a group must add up to (the rules' threshold).

    Returns
    -------
    numpy.ndarray of bool

    Examples
    --------
    Levels a, b by arms t, u (cells a-t, b-t, a-u, b-u); a-t is small:

    >>> raw = np.array([4.0, 40.0, 30.0, 50.0])
    >>> arm, level = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    >>> complementary_suppression(raw, raw < 10, [arm, level]).tolist()
    [True, True, True, True]

    Two empty groups beside two with children (a total of 0 is no protection):

    >>> raw = np.array([0.0, 0.0, 240.0, 230.0])
    >>> complementary_suppression(raw, raw < 10, [np.zeros(4)]).tolist()
    [True, True, False, True]
    """
    out = hidden.copy()
    while True:
        before = out
        for groups in partitions:
            out = _complement(raw, out, groups, threshold)
        if np.array_equal(out, before):
            return out


def disclose_table(
    frame: pd.DataFrame,
    counts: Sequence[str] | None = None,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
    partition: Sequence[str] | None = None,
    hide: Sequence[str] = (),
    withheld: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Return a copy of ``frame`` with every count column under disclosure control.

    Suppressed counts become missing (``pd.NA``) in nullable integer columns; figure
    functions show them as ``<10``. A boolean ``suppressed`` column is added (or
    combined with an existing one) marking rows with any suppressed count.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table.
    counts : sequence of str, optional
        The count columns (default: columns named ``n``, ``children``, ``episodes``,
        ``events``, ``at_risk``, ``count``, ``treated``, ``censored``, ``competing`` or
        ``spells``).
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.
    partition : sequence of str, optional
        Columns whose groups of rows add up to a published total (e.g. the levels of each
        subgroup add up to the cohort); ``()`` for the whole table as one group. Within a
        group with one suppressed count, or suppressed counts adding up to less than the
        threshold, the smallest others are suppressed too until they reach it
        (complementary suppression, :func:`complementary_suppression`). Default: none.
    hide : sequence of str
        Columns blanked on suppressed rows (e.g. a group's estimate and interval).
    withheld : array-like of bool, optional
        Rows whose counts are suppressed whatever their size (a group under a minimum
        size, or whose metrics rest on too few events). Their exact counts still count
        towards the threshold in complementary suppression: a group of 12 withheld
        beside one of 4 already protects it, where counting it as 0 would hide a third.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["a", "b"], "n": [7, 1234]})
    >>> disclose_table(table)
      group     n  suppressed
    0     a  <NA>        True
    1     b  1235       False
    >>> three = pd.DataFrame({"level": ["x", "y", "z"], "n": [4, 30, 51],
    ...                       "estimate": [0.1, 0.2, 0.3]})
    >>> disclose_table(three, partition=(), hide=["estimate"])["estimate"].tolist()
    [nan, nan, 0.3]
    >>> four = pd.DataFrame({"n": [4, 12, 300, 310]})  # 12 under a minimum of 20
    >>> disclose_table(four, partition=(), withheld=[False, True, False, False])["n"].tolist()
    [<NA>, <NA>, 300, 310]
    """
    columns = list(counts) if counts is not None else list(_count_columns(frame.columns))
    missing = [c for c in [*columns, *hide, *(partition or ())] if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [
                Problem("table", None, c, None, "count column to disclose is missing")
                for c in missing
            ],
            context="disclosure control",
        )
    out = frame.copy()
    hidden = np.zeros(len(out), dtype=bool)
    groups: npt.NDArray[Any] | None
    if partition is None:
        groups = None
    elif len(partition) == 0:
        groups = np.zeros(len(out), dtype=np.int64)
    else:
        groups = out.groupby(list(partition), sort=False, dropna=False).ngroup().to_numpy()
    start = np.zeros(len(out), dtype=bool) if withheld is None else np.asarray(withheld, bool)
    if start.shape != (len(out),):
        raise ValueError(f"withheld has {start.size} values for a table of {len(out)} rows")
    for column in columns:
        raw = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float)
        values = [disclose_count(v, rules) for v in raw.tolist()]
        cell = (np.array([v is None for v in values], dtype=bool) & ~np.isnan(raw)) | start
        if groups is not None:
            cell = _complement(raw, cell, groups, rules.threshold)
        out[column] = pd.array(
            [None if h else v for v, h in zip(values, cell, strict=True)], dtype="Int64"
        )
        hidden |= cell
    previous = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = hidden | previous
    for column in hide:
        out[column] = out[column].astype(float).where(~out["suppressed"])
    return out


#: How a count hidden only by complementary suppression (not small itself) reads in
#: figures: the GSS/DfE symbol for a confidential value.
WITHHELD_LABEL: Final = "[c]"
#: How such a count reads in text.
WITHHELD_TEXT: Final = "not shown"
#: How a figure shows a count that does not apply (missing before disclosure, as the
#: children the spell rule of the exclusion flow leaves out, none by construction).
NOT_APPLYING_LABEL: Final = "—"
#: How text says it.
NOT_APPLYING_TEXT: Final = "not applicable"


def _withheld(raw: object, rules: DisclosureRules) -> bool:
    """Whether a suppressed count was hidden to protect another (its raw count is not small)."""
    value = pd.to_numeric(pd.Series([raw]), errors="coerce").iloc[0]
    return bool(not pd.isna(value) and value >= rules.threshold)


def _missing_as(raw: object, rules: DisclosureRules, words: tuple[str, str, str]) -> str:
    """Return how a count missing after disclosure reads, from its count before disclosure.

    ``words`` are what a count below the threshold, one withheld to protect another and
    one that does not apply (missing before disclosure too) read.
    """
    small, withheld, not_applying = words
    if pd.isna(raw):  # type: ignore[call-overload]
        return not_applying
    return withheld if _withheld(raw, rules) else small


def count_labels(
    frame: pd.DataFrame,
    columns: Sequence[str],
    rules: DisclosureRules = DEFAULT_RULES,
    *,
    raw: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return a disclosed table with its count columns as the text a figure shows.

    Suppressed (missing) counts read ``"<10"`` (the rules' threshold), others with
    thousands separators; figure functions draw text counts as given. A count suppressed
    only to protect another (complementary suppression) is not small and must not be
    shown as ``<10``: given the counts before disclosure (``raw``, aligned row by row),
    such a count reads ``"[c]"``, and one missing there too (a count that does not apply)
    reads ``"—"``. Without ``raw`` every missing count reads ``<10``, which is right only
    for tables without complementary suppression.

    Examples
    --------
    >>> table = disclose_table(pd.DataFrame({"n": [4, 1234]}), rules=DisclosureRules(20))
    >>> count_labels(table, ["n"], DisclosureRules(20))["n"].tolist()
    ['<20', '1,235']
    >>> raw = pd.DataFrame({"n": [4, 30, 1234, None]})
    >>> table = disclose_table(raw, partition=())
    >>> count_labels(table, ["n"], raw=raw)["n"].tolist()
    ['<10', '[c]', '1,235', '—']
    """
    out = frame.copy()
    words = (f"<{rules.threshold}", WITHHELD_LABEL, NOT_APPLYING_LABEL)
    for column in columns:
        before = raw[column].tolist() if raw is not None else [0] * len(out)  # 0: small
        out[column] = [
            _missing_as(r, rules, words) if pd.isna(v) else f"{int(v):,}"
            for v, r in zip(out[column].tolist(), before, strict=True)
        ]
    return out


def count_texts(
    disclosed: Iterable[object],
    raw: Iterable[object],
    rules: DisclosureRules = DEFAULT_RULES,
) -> list[str]:
    """Return disclosed counts as the text a sentence or a table of the brief shows.

    ``"fewer than 10"`` for a count below the threshold, ``"not shown"`` for one hidden
    only to protect another (complementary suppression: it is not small, and saying
    so would be false), ``"not applicable"`` for one missing before disclosure too, else
    the disclosed (rounded) count with thousands separators.

    Parameters
    ----------
    disclosed : iterable
        Counts after :func:`disclose_table` (missing: suppressed).
    raw : iterable
        The same counts before disclosure, to tell the two kinds of suppression apart.
    rules : DisclosureRules, optional
        The rules the counts were disclosed under.

    Examples
    --------
    >>> raw = pd.DataFrame({"n": [1440, 230, 4, 1206]})
    >>> table = disclose_table(raw, partition=())
    >>> count_texts(table["n"], raw["n"])
    ['1,440', 'not shown', 'fewer than 10', '1,205']
    """
    words = (rules.suppressed_text, WITHHELD_TEXT, NOT_APPLYING_TEXT)
    return [
        _missing_as(r, rules, words)
        if pd.isna(v)  # type: ignore[call-overload]
        else f"{int(v):,}"  # type: ignore[call-overload]
        for v, r in zip(list(disclosed), list(raw), strict=True)
    ]
