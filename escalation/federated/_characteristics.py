"""The hub's table of further authority characteristics: checked when read.

``pool_share_packs(characteristics=...)`` (``escalation pool --characteristics FILE``)
takes one row per authority with numeric characteristics to meta-regress on. A problem
is named as a spreadsheet shows it: table ``characteristics``, row (the header is row 1),
column and value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from escalation.errors import DataValidationError, DesignError, RecordProblem

__all__ = ["TABLE", "CharacteristicProblem", "checked_characteristics"]

#: The name messages give the table.
TABLE: Final = "characteristics"
#: An authority's code or name (``LA02``, ``E10000016``, ``886``, ``Isle of Wight``): the
#: hub's notes name the pooled authorities by their codes.
_AUTHORITY: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _.&'()-]{0,59}")


@dataclass(frozen=True)
class CharacteristicProblem(RecordProblem):
    """A problem of the characteristics table, whose authority codes are shown.

    Examples
    --------
    >>> CharacteristicProblem("characteristics", 1, "authority", "LA02", "twice").describe()
    "table 'characteristics', row 3, column 'authority', value 'LA02': twice"
    """

    def value_form(self) -> re.Pattern[str] | None:
        """Return the form of an authority's code (see :func:`~escalation.errors.disclosed`)."""
        return _AUTHORITY if self.column == "authority" else None


def checked_characteristics(extra: pd.DataFrame) -> pd.DataFrame:
    """Return the characteristics table with text authority codes, each on one row.

    Parameters
    ----------
    extra : pandas.DataFrame
        An ``authority`` column and characteristics.

    Returns
    -------
    pandas.DataFrame
        ``extra`` with ``authority`` as text.

    Raises
    ------
    DesignError
        Without an ``authority`` column.
    DataValidationError
        An authority listed on more than one row (its estimate would enter each
        meta-regression once per row), naming every such row.

    Examples
    --------
    >>> checked_characteristics(pd.DataFrame({"authority": [1, 2], "offer": [0.4, 0.5]}))
      authority  offer
    0         1    0.4
    1         2    0.5
    """
    if "authority" not in extra.columns:
        raise DesignError("authority characteristics need an 'authority' column")
    codes = extra["authority"].astype(str)
    problems = [
        CharacteristicProblem(
            TABLE,
            int(row),
            "authority",
            codes.iloc[row],
            "the authority is listed on more than one row (its estimate would count once "
            "per row in the meta-regressions); give one row per authority",
        )
        for row in np.flatnonzero(codes.duplicated(keep=False).to_numpy())
    ]
    if problems:
        raise DataValidationError(problems, "authority characteristics")
    return extra.assign(authority=codes)
