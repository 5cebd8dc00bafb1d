"""The order of several years' files of one table, told by their names.

A return's files that hold no dates (the SSDA903 header) can be put in order only by the
collection year their names carry, as the DfE's and local authorities' tools name them:
``header_2024.csv``, ``header_2023-24.csv``, ``SSDA903_202324_header.csv`` or
``header_23-24.csv`` (each the year ending 31 March 2024). A single year is the year the
collection ends, as the DfE names returns and :func:`~escalation.data.statutory.write_ssda903`
writes them: files an authority named by the year the collection starts (``2023`` for
2023-24) must be renamed, or named by their range. Files whose names carry no year, or the
same year, cannot be told apart; they are put in the order of their names with numbers
compared as numbers (``header_9.csv`` before ``header_10.csv``), and a reader says so where
the choice matters.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Final

__all__ = ["collection_year_of", "name_order", "path_order", "told_apart"]

#: Two-digit years from this one up are of the 1900s (``98-99`` is 1998-99), the others
#: of the 2000s; four-digit years are read from ``1950`` (the pattern below) to ``2099``.
_CENTURY_TURN: Final = 50
#: A year 1950 to 2099, optionally followed by the next (``2023-24``, ``202324``,
#: ``2023-2024``, ``1998-99``).
_FULL: Final = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?:[-_ ]?((?:19|20)\d{2}|\d{2}))?(?!\d)")
#: Two two-digit years (``23-24``, ``2324``, ``1920``, ``9899``), read if consecutive.
_SHORT: Final = re.compile(r"(?<!\d)(\d{2})[-_ ]?(\d{2})(?!\d)")


def _full_year(first: str, second: str | None) -> int | None:
    """Return the collection year of ``2023`` or ``2023-24`` (None: not a year range).

    The second year, of two digits or four, must be the year after the first.
    """
    start = int(first)
    if second is None:
        return start
    follows = int(second) == (start + 1 if len(second) == 4 else (start + 1) % 100)
    return start + 1 if follows else None


def _short_year(first: str, second: str) -> int | None:
    """Return the collection year of ``23-24`` or ``98-99`` (None: not consecutive years).

    The first year is of the 1900s from :data:`_CENTURY_TURN` up, else of the 2000s.
    """
    century = 1900 if int(first) >= _CENTURY_TURN else 2000
    return _full_year(str(century + int(first)), second)


def collection_year_of(name: str) -> int | None:
    """Return the collection year a file's name carries (the year it ends on 31 March).

    ``2024``, ``2023-24``, ``2023_24``, ``202324``, ``2023-2024``, ``23-24`` and ``2324``
    all name the year 1 April 2023 to 31 March 2024, as the DfE's returns are named: a
    single year is the year ending 31 March of it. Two two-digit years must be consecutive,
    and are of the 1900s from ``50`` up (``9899`` and ``1998-99`` name 1998-99). None when
    the name carries no year, or several different ones; a number running on into other
    digits (``20240615``, a date) is not read as a year.

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
    >>> [collection_year_of(n) for n in ("header_9899.csv", "header_1998-99.csv",
    ...                                  "header_1998-1999.csv", "header_9900.csv")]
    [1999, 1999, 1999, 2000]
    >>> print(collection_year_of("header_9800.csv"))  # not consecutive years
    None

    A local authority's code beside the year is not a year, nor is a date written as one
    number, on its own or after the year:

    >>> collection_year_of("header_316_2024.csv"), collection_year_of("header_20240615.csv")
    (2024, None)
    >>> collection_year_of("header_2023-24_resubmission_20240615.csv")
    2024

    A date written with separators carries a year: with the collection year's range the
    name carries two different years (2023 and 2025), and which is the collection year
    cannot be told:

    >>> print(collection_year_of("header_2022-23_exported_2025-01-10.csv"))
    None
    """
    stem = name.rsplit(".", 1)[0] if "." in name else name
    years = set()
    for match in _FULL.finditer(stem):
        year = _full_year(match.group(1), match.group(2))
        years.add(year if year is not None else int(match.group(1)))
    if not years:
        for match in _SHORT.finditer(stem):
            year = _short_year(match.group(1), match.group(2))
            if year is not None:
                years.add(year)
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


def path_order(path: PurePath) -> tuple[tuple[tuple[str, int], ...], str]:
    """Return a key putting files in order of their names (:func:`name_order`), then paths.

    Returns of the same date are ranked so, whatever order they are given in; two files of
    one name in different folders by their whole paths.

    Examples
    --------
    >>> from pathlib import PurePosixPath as P
    >>> [str(p) for p in sorted([P("b/cin_10.xml"), P("a/cin_9.xml"), P("a/cin_10.xml")],
    ...                         key=path_order)]
    ['a/cin_9.xml', 'a/cin_10.xml', 'b/cin_10.xml']
    """
    return name_order(path.name), str(path)


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
