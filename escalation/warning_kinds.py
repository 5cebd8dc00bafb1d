"""What makes two warnings alike: one definition for every place that groups them.

Bootstrap refits raise the same warnings again and again, each time with other numbers: a
model's separation warning names the coefficients that kept growing and where each stopped
(``sex_other (-17.2), factor_3A (-15.5)``), and other refits name other terms. Warnings of
one *kind* are shown once with a count of the others, both by the Python API
(:func:`~escalation.causal.cluster_bootstrap`) and by the command line's caveat log
(:class:`~escalation.report.caveats.CaveatLog`), which both group them with :class:`Alike`
and show each group's first warning with the count of the others (:func:`with_more_like_it`).
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

__all__ = [
    "MORE_LIKE_IT",
    "NUMBER",
    "SEPARATION",
    "Alike",
    "as_raised",
    "more_like_it",
    "warning_kind",
    "with_more_like_it",
    "without_numbers",
]

T = TypeVar("T")
W = TypeVar("W", bound=Warning)

#: Numbers in a message (counts, estimates), masked to tell variants of one warning apart.
NUMBER: Final = re.compile(r"\d[\d,]*(?:\.\d+)?")
#: A model's separation warning: which model, and the coefficients that kept growing. A
#: model is named "the ..." (:func:`~escalation.core.newton.newton`'s ``what``), lower
#: case as the package's models are; one named "The ..." is matched as well, so that no
#: label's capital keeps a warning from being recognised (and its terms from being
#: redacted where shared).
SEPARATION: Final = re.compile(
    r"^[Tt]he (?P<model>.+?): the log-likelihood stopped changing while the coefficient\(s\) of "
    r"(?P<terms>.+?) kept growing"
)


def without_numbers(message: str) -> str:
    """Return ``message`` with every number replaced by ``#``.

    Examples
    --------
    >>> without_numbers("3 of 1,200 spells ended within 14.5 days")
    '# of # spells ended within # days'
    """
    return NUMBER.sub("#", message)


def warning_kind(message: str) -> str:
    """Return what makes warnings alike: a model's separation, else the text but its numbers.

    A warning already shown for others of its kind is of the kind of the first: the count
    it ends with (:func:`more_like_it`) does not count.

    Parameters
    ----------
    message : str
        The warning's text.

    Returns
    -------
    str
        ``"separation of the <model>"`` for a model's separation warning (whatever
        coefficients it names), else the text with its numbers masked
        (:func:`without_numbers`).

    Examples
    --------
    >>> raised = "the propensity model: the log-likelihood stopped changing while the "
    >>> raised += "coefficient(s) of {} kept growing, so ..."
    >>> warning_kind(raised.format("sex_other (-19.5)"))
    'separation of the propensity model'
    >>> warning_kind(raised.format("factor_7A (-18.4), need_N2 (+17.0)"))
    'separation of the propensity model'
    >>> warning_kind("9 untreated spells ended early")
    '# untreated spells ended early'
    >>> warning_kind("9 untreated spells ended early" + more_like_it(4))
    '# untreated spells ended early'
    """
    message = as_raised(message)
    match = SEPARATION.match(message)
    if match is not None:
        return f"separation of the {match.group('model')}"
    return without_numbers(message)


#: What a warning shown for several of its kind ends with (:func:`more_like_it`).
MORE_LIKE_IT: Final = re.compile(r" \(and \d+ more like it during the bootstrap refits\)$")


def more_like_it(more: int) -> str:
    """Return what a warning shown once for ``more`` others of its kind ends with.

    One wording for the command line's caveat log and for a bootstrap called from Python.

    Examples
    --------
    >>> more_like_it(13)
    ' (and 13 more like it during the bootstrap refits)'
    >>> bool(MORE_LIKE_IT.search("few events" + more_like_it(2)))
    True
    """
    return f" (and {more} more like it during the bootstrap refits)"


def as_raised(message: str) -> str:
    """Return a warning's text without the count :func:`with_more_like_it` added.

    Examples
    --------
    >>> as_raised("few events (and 2 more like it during the bootstrap refits)")
    'few events'
    """
    return MORE_LIKE_IT.sub("", message)


def with_more_like_it(first: W, more: int) -> W:
    """Return ``first`` saying that ``more`` warnings like it were raised.

    ``first`` itself when ``more`` is 0; otherwise a new warning of ``first``'s own class
    (a subclass stays itself) with its attributes (a statistical warning's design key and
    advice), its text ending with the count (:func:`more_like_it`, replacing any count it
    had) and ``more_like_it`` set to ``more``. ``first`` is left as raised.

    Examples
    --------
    >>> from escalation.errors import StatisticalWarning
    >>> first = StatisticalWarning("3 spells ended early", design_key="[outcome] horizons")
    >>> grouped = with_more_like_it(first, 4)
    >>> str(grouped)
    '3 spells ended early (and 4 more like it during the bootstrap refits)'
    >>> grouped.design_key, grouped.more_like_it, first.more_like_it
    ('[outcome] horizons', 4, 0)
    """
    if not more:
        return first
    text = as_raised(str(first)) + more_like_it(more)
    # A new warning, not copy.copy(first): a copy goes through copyreg, where other
    # libraries register reducers for exceptions, and with tblib's (which distributed
    # installs) the copy shared its attributes with the first warning. Built without
    # calling the class, whose subclasses may take other arguments; its attributes copied.
    cls = type(first)
    grouped = cls.__new__(cls, text)
    grouped.__dict__.update(vars(first))
    grouped.more_like_it = more  # type: ignore[attr-defined]
    return grouped


@dataclass
class _Group(Generic[T]):
    """The first of a kind, and how many more like it were counted."""

    first: T
    more: int = 0


class Alike(Generic[T]):
    """Things (warnings, caveats) grouped by kind: the first of each and how many more.

    Examples
    --------
    >>> alike: Alike[str] = Alike()
    >>> for text in ("3 spells", "a remark", "5 spells", "8 spells"):
    ...     alike.add(text, kind=None if text == "a remark" else without_numbers(text))
    >>> alike.groups()
    [('3 spells', 2), ('a remark', 0)]
    """

    def __init__(self) -> None:
        self._groups: dict[Hashable, _Group[T]] = {}

    def add(self, item: T, kind: Hashable | None, *, more: int = 0) -> None:
        """Count ``item`` with the others of its ``kind``.

        Parameters
        ----------
        item : object
            What is counted; the first of its kind stands for the others.
        kind : hashable or None
            What makes items alike (e.g. :func:`warning_kind`); ``None``: an item alike no
            other, its own group.
        more : int, default 0
            How many others ``item`` already stands for (a warning already grouped): they
            count with it.
        """
        key = _Alone() if kind is None else kind
        group = self._groups.get(key)
        if group is None:
            self._groups[key] = _Group(item, more)
        else:
            group.more += 1 + more

    def groups(self) -> list[tuple[T, int]]:
        """Return the first of each kind and how many more like it, in the order first added."""
        return [(group.first, group.more) for group in self._groups.values()]


class _Alone:
    """The kind of an item alike no other: each equal only to itself."""
