"""What makes two warnings alike: one definition for every place that groups them.

Bootstrap refits raise the same warnings again and again, each time with other numbers: a
model's separation warning names the coefficients that kept growing and where each stopped
(``sex_other (-17.2), factor_3A (-15.5)``), and other refits name other terms. Warnings of
one *kind* are shown once with a count of the others, both by the Python API
(:func:`~escalation.causal.cluster_bootstrap`) and by the command line's caveat log
(:class:`~escalation.report.caveats.CaveatLog`), which both use :func:`warning_kind`.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "MORE_LIKE_IT",
    "NUMBER",
    "SEPARATION",
    "more_like_it",
    "warning_kind",
    "without_numbers",
]

#: Numbers in a message (counts, estimates), masked to tell variants of one warning apart.
NUMBER: Final = re.compile(r"\d[\d,]*(?:\.\d+)?")
#: A model's separation warning: which model, and the coefficients that kept growing.
SEPARATION: Final = re.compile(
    r"^the (?P<model>.+?): the log-likelihood stopped changing while the coefficient\(s\) of "
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
    """
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
