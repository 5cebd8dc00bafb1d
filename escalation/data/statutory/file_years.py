"""The order of several years' files of one table, told by their names.

A return's files that hold no dates (the SSDA903 header) can be put in order only by the
collection year their names carry, as the DfE's and local authorities' tools name them:
``header_2024.csv``, ``header_2023-24.csv``, ``SSDA903_202324_header.csv`` or
``header_23-24.csv`` (each the year ending 31 March 2024). Files whose names carry no
year, or the same year, cannot be told apart; they are put in the order of their names
with numbers compared as numbers (``header_9.csv`` before ``header_10.csv``), and a reader
says so where the choice matters.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["collection_year_of", "name_order", "told_apart"]

#: A year 20YY, optionally followed by the next (``2023-24``, ``202324``, ``2023-2024``).
_FULL: Final = re.compile(r"(?<!\d)(20\d{2})(?:[-_ ]?(20\d{2}|\d{2}))?(?!\d)")
#: Two consecutive two-digit years (``23-24``, ``2324``, ``1920``).
_SHORT: Final = re.compile(r"(?<!\d)(\d{2})[-_ ]?(\d{2})(?!\d)")


def _full_year(first: str, second: str | None) -> int | None:
    """Return the collection year of ``2023`` or ``2023-24`` (None: not a year range)."""
    start = int(first)
    if second is None:
        return start
    end = int(second) if len(second) == 4 else start // 100 * 100 + int(second)
    return end if end == start + 1 else None


def collection_year_of(name: str) -> int | None:
    """Return the collection year a file's name carries (the year it ends on 31 March).

    ``2024``, ``2023-24``, ``2023_24``, ``202324``, ``2023-2024``, ``23-24`` and ``2324``
    all name the year 1 April 2023 to 31 March 2024, as the DfE's returns are named. None
    when the name carries no year, or several different ones; a number running on into
    other digits (``20240615``) is not read as a year.

    Parameters
    ----------
    name : str
        The file's name (its suffix is ignored).

    Returns
    -------
    int or None
        The collection year, or None.

    Examples
    --------
    >>> [collection_year_of(n) for n in ("header_2024.csv", "header_2023-24.csv",
    ...                                  "SSDA903_202324_Header.csv", "header_23-24.csv")]
    [2024, 2024, 2024, 2024]
    >>> [collection_year_of(n) for n in ("header.csv", "header_10.csv", "h_2019_to_2024.csv")]
    [None, None, None]
    >>> collection_year_of("header_1920.csv"), collection_year_of("header_2024_v2.csv")
    (2020, 2024)
    """
    stem = name.rsplit(".", 1)[0] if "." in name else name
    years = set()
    for match in _FULL.finditer(stem):
        year = _full_year(match.group(1), match.group(2))
        years.add(year if year is not None else int(match.group(1)))
    if not years:
        for match in _SHORT.finditer(stem):
            first, second = int(match.group(1)), int(match.group(2))
            if second == (first + 1) % 100:
                years.add(2000 + second)
    return years.pop() if len(years) == 1 else None


def name_order(name: str) -> tuple[tuple[str, int], ...]:
    """Return a key putting names in order with their numbers compared as numbers.

    Examples
    --------
    >>> sorted(["header_10.csv", "header_9.csv", "header.csv"], key=name_order)
    ['header.csv', 'header_9.csv', 'header_10.csv']
    """
    return tuple(
        (text, int(digits) if digits else -1) for text, digits in re.findall(r"(\D*)(\d*)", name)
    )


def told_apart(first: str, second: str) -> bool:
    """Return whether two files' names carry different collection years.

    Examples
    --------
    >>> told_apart("header_2023.csv", "header_2023-24.csv")
    True
    >>> told_apart("header_2024.csv", "header_2023-24.csv"), told_apart("a.csv", "b_2024.csv")
    (False, False)
    """
    years = collection_year_of(first), collection_year_of(second)
    return None not in years and years[0] != years[1]
