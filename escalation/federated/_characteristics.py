"""The hub's table of further authority characteristics: checked when read.

``pool_share_packs(characteristics=...)`` (``escalation pool --characteristics FILE``)
takes one row per authority with numeric characteristics to meta-regress on. A problem
is named as a spreadsheet shows it: table ``characteristics``, row (the header is row 1),
column and value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from escalation.errors import DataValidationError, DesignError, RecordProblem

__all__ = ["TABLE", "CharacteristicProblem", "checked_characteristics", "unmatched_notes"]

#: The name messages give the table.
TABLE: Final = "characteristics"
#: An authority's code or name (``LA02``, ``E10000016``, ``886``, ``Isle of Wight``): the
#: hub's notes name the pooled authorities by their codes.
_AUTHORITY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.&'()-]{0,59}")
#: A number as a spreadsheet may hold it (``0.4``, ``-1e-3``, ``60%``, ``1,200``): a bad
#: characteristic of this form is shown so that it can be corrected.
_NUMBERISH: Final = re.compile(r"[-+]?[\d.,]*\d[\d.,]*([eE][-+]?\d+)?\s*%?|nan|inf")
#: Codes a note lists before "and n more" (a national table lists every authority).
_LISTED: Final = 10


@dataclass(frozen=True)
class CharacteristicProblem(RecordProblem):
    """A problem of the characteristics table: authority codes and numbers are shown.

    Examples
    --------
    >>> CharacteristicProblem("characteristics", 1, "authority", "LA02", "twice").describe()
    "table 'characteristics', row 3, column 'authority', value 'LA02': twice"
    """

    def value_form(self) -> re.Pattern[str] | None:
        """Return the form of an authority's code (see :func:`~escalation.errors.disclosed`)."""
        return _AUTHORITY if self.column == "authority" else _NUMBERISH


def checked_characteristics(extra: pd.DataFrame, moderators: Sequence[str]) -> pd.DataFrame:
    """Return the characteristics table with text codes, each on one row, and numbers.

    Parameters
    ----------
    extra : pandas.DataFrame
        An ``authority`` column and characteristics.
    moderators : sequence of str
        The characteristics to meta-regress on: those in ``extra`` must be numbers (an
        empty value is missing: the authority is left out of the meta-regressions on it).

    Returns
    -------
    pandas.DataFrame
        ``extra`` with ``authority`` as text and the moderators as numbers.

    Raises
    ------
    DesignError
        Without an ``authority`` column.
    DataValidationError
        Naming every row (as a spreadsheet shows it) with no authority code, with an
        authority listed on more than one row (its estimate would enter each
        meta-regression once per row), or with a moderator that is not a finite number.

    Examples
    --------
    >>> extra = pd.DataFrame({"authority": [1, 2], "offer": ["0.4", None]})
    >>> checked_characteristics(extra, ["offer"])
      authority  offer
    0         1    0.4
    1         2    NaN
    """
    if "authority" not in extra.columns:
        raise DesignError("authority characteristics need an 'authority' column")
    codes = extra["authority"].astype(str).where(extra["authority"].notna(), "")
    problems = [*_code_problems(codes), *_value_problems(extra, codes, moderators)]
    if problems:
        raise DataValidationError(problems, "authority characteristics")
    numbers = {m: _numbers(extra[m]) for m in moderators if m in extra.columns}
    return extra.assign(authority=codes, **numbers)


def _code_problems(codes: pd.Series) -> list[CharacteristicProblem]:
    """Return a problem for each row with no authority code or with a code listed twice."""
    empty = codes.str.strip() == ""
    twice = codes.duplicated(keep=False) & ~empty
    return [
        CharacteristicProblem(
            TABLE,
            int(row),
            "authority",
            codes.iloc[row],
            "no authority code"
            if empty.iloc[row]
            else "the authority is listed on more than one row (its estimate would count once "
            "per row in the meta-regressions); give one row per authority",
        )
        for row in np.flatnonzero((empty | twice).to_numpy())
    ]


def _value_problems(
    extra: pd.DataFrame, codes: pd.Series, moderators: Sequence[str]
) -> list[CharacteristicProblem]:
    """Return a problem for each moderator value given that is not a finite number."""
    problems = []
    for column in (m for m in moderators if m in extra.columns):
        values = extra[column]
        given = values.notna() & (values.astype(str).str.strip() != "")
        bad = given & ~np.isfinite(_numbers(values))
        problems += [
            CharacteristicProblem(
                TABLE,
                int(row),
                column,
                values.iloc[row],
                f"authority {codes.iloc[row]}: not a finite number (a moderator of the "
                "meta-regressions; leave it empty if unknown)",
            )
            for row in np.flatnonzero(bad.to_numpy())
        ]
    return problems


def _numbers(values: pd.Series) -> pd.Series:
    """Return the values as numbers (NaN where not one)."""
    return pd.to_numeric(values, errors="coerce").astype(float)


def unmatched_notes(extra: pd.DataFrame, pooled: Sequence[str]) -> list[str]:
    """Return notes on the rows of ``extra`` and the pooled authorities that do not match.

    A row whose authority was not pooled (a national table lists every authority; a
    misspelt code, ``LA5`` for ``LA05``) is not used, and a pooled authority without a
    row has no value of ``extra``'s characteristics: the meta-regressions on them leave
    it out. Both are noted rather than refused, so that one table can serve any set of
    packs.

    Parameters
    ----------
    extra : pandas.DataFrame
        The table as :func:`checked_characteristics` returns it.
    pooled : sequence of str
        The codes of the authorities pooled.

    Returns
    -------
    list of str

    Examples
    --------
    >>> notes = unmatched_notes(pd.DataFrame({"authority": ["LA01", "LA5"]}), ["LA01", "LA05"])
    >>> for note in notes:
    ...     print(note)
    characteristics: LA5 is not a pooled authority (not used).
    characteristics: no row for LA05; the table's characteristics are empty there.
    """
    listed = extra["authority"].tolist()
    unknown = [code for code in listed if code not in set(pooled)]
    absent = [code for code in pooled if code not in set(listed)]
    notes = []
    if unknown:
        verb = "is not a pooled authority" if len(unknown) == 1 else "are not pooled authorities"
        notes.append(f"{TABLE}: {_codes(unknown)} {verb} (not used).")
    if absent:
        notes.append(
            f"{TABLE}: no row for {_codes(absent)}; the table's characteristics are empty there."
        )
    return notes


def _codes(codes: Sequence[str]) -> str:
    """Return up to ten codes, then how many more."""
    more = len(codes) - _LISTED
    return ", ".join(codes[:_LISTED]) + (f" and {more} more" if more > 0 else "")
