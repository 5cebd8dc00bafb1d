"""The order of several years' files of one table, told by their names.

A return's files that hold no dates (the SSDA903 header) can be put in order only by the
collection year their names carry, as the DfE's and local authorities' tools name them:
``header_2024.csv``, ``header_2023-24.csv``, ``SSDA903_202324_header.csv`` or
``header_23-24.csv`` (each the year ending 31 March 2024). A single year is the year the
collection ends, as the DfE names returns and :func:`~escalation.data.statutory.write_ssda903`
writes them: files an authority named by the year the collection starts (``2023`` for
2023-24) must be renamed, or named by their range. A date in a name (``2024-06-15``,
``20240615``) is the day a file was made or exported, not a collection year, and is
passed over. A name whose collection year cannot be told (``2023-25``, or two different
years) is said to be so (:func:`unclear_year`), never guessed. Files whose names carry no
year, or the same year, cannot be told apart; they are put in the order of their names
with numbers compared as numbers (``header_9.csv`` before ``header_10.csv``), and a
reader says so where the choice matters.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Final

__all__ = ["collection_year_of", "name_order", "path_order", "told_apart", "unclear_year"]

#: Two-digit years from this one up are of the 1900s (``98-99`` is 1998-99), the others
#: of the 2000s; four-digit years are read from ``1950`` (the pattern below) to ``2099``.
_CENTURY_TURN: Final = 50
#: A year 1950 to 2099, optionally followed by another number of two or four digits
#: (``2023-24``, ``202324``, ``2023-2024``, ``1998-99``; ``2024_10``, ``2023-25``).
_FULL: Final = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?:[-_ ]?((?:19|20)\d{2}|\d{2}))?(?!\d)")
#: Two two-digit years (``23-24``, ``2324``, ``1920``, ``9899``), read if consecutive.
_SHORT: Final = re.compile(r"(?<!\d)(\d{2})[-_ ]?(\d{2})(?!\d)")
_DAY: Final = r"(?:0?[1-9]|[12]\d|3[01])"
_MONTH: Final = r"(?:0?[1-9]|1[0-2])"
_YEAR: Final = r"(?:19|20)\d{2}"
#: A date written with separators, year first or last (``2024-06-15``, ``2024_06_15``,
#: ``15-06-2024``, ``15.06.2024``): a date, never a collection year. A date written as
#: one number (``20240615``) is passed over by the patterns above, which take no year
#: out of a longer number.
_DATE: Final = re.compile(
    rf"(?<!\d)(?:{_YEAR}([-_. ]){_MONTH}\1{_DAY}|{_DAY}([-_. ]){_MONTH}\2{_YEAR})(?!\d)"
)


def _is_next(start: int, second: str) -> bool:
    """Return whether ``second`` (two digits or four) is the year after ``start``."""
    return int(second) == (start + 1 if len(second) == 4 else (start + 1) % 100)


def _full_year(first: str, second: str | None) -> int | str:
    """Return the collection year of ``2023``, ``2023-24`` or ``2024_10`` (a version).

    The second number, of two digits or four, is the year after the first (a range: the
    year it ends is returned), or a number of two digits that is no later year (a
    version or part: ``2024_10``, ``2024-24``: the first year). Otherwise (``2023-25``,
    ``2019_2024``, ``2024-2023``) the two are several years, and the text returned says so.
    """
    start = int(first)
    if second is None:
        return start
    if _is_next(start, second):
        return start + 1
    later = int(second) if len(second) == 4 else start - start % 100 + int(second)
    if len(second) == 2 and later <= start:
        return start
    return f"the years {start} and {later}, not one collection year"


def _short_year(first: str, second: str) -> int | None:
    """Return the collection year of ``23-24`` or ``98-99`` (None: not consecutive years).

    The first year is of the 1900s from :data:`_CENTURY_TURN` up, else of the 2000s.
    """
    start = (1900 if int(first) >= _CENTURY_TURN else 2000) + int(first)
    return start + 1 if _is_next(start, second) else None


def _name_years(name: str) -> tuple[int | None, str | None]:
    """Return the collection year a name carries, or why it cannot be told.

    ``(year, None)``, ``(None, None)`` for a name with no year, ``(None, why)`` for a
    name whose years cannot be told apart (:func:`unclear_year`).
    """
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _DATE.sub(" ", stem)
    years: set[int] = set()
    for match in _FULL.finditer(stem):
        year = _full_year(match.group(1), match.group(2))
        if isinstance(year, str):
            return None, year
        years.add(year)
    if not years:
        for match in _SHORT.finditer(stem):
            short = _short_year(match.group(1), match.group(2))
            if short is not None:
                years.add(short)
    if len(years) > 1:
        listed = " and ".join(f"{y - 1}-{y % 100:02d}" for y in sorted(years))
        return None, f"the collection years {listed}"
    return (years.pop() if years else None), None


def collection_year_of(name: str) -> int | None:
    """Return the collection year a file's name carries (the year it ends on 31 March).

    ``2024``, ``2023-24``, ``2023_24``, ``202324``, ``2023-2024``, ``23-24`` and ``2324``
    all name the year 1 April 2023 to 31 March 2024, as the DfE's returns are named: a
    single year is the year ending 31 March of it. Two two-digit years must be consecutive,
    and are of the 1900s from ``50`` up (``9899`` and ``1998-99`` name 1998-99). None when
    the name carries no year, or when which year it names cannot be told
    (:func:`unclear_year`: ``2023-25``, two different years). A date (``2024-06-15``,
    ``15_06_2024``, ``20240615``) is a date, the day the file was made or exported,
    which falls after the year the return holds: it names no collection year and is
    passed over. A number running on into other digits is not a year, and a number of
    two digits after a year that is no later year is not one either (a version:
    ``header_2024_10.csv`` is 2023-24).

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

    A local authority's code beside the year is not a year, nor is a date, written as one
    number or with separators, on its own or beside the collection year:

    >>> collection_year_of("header_316_2024.csv"), collection_year_of("header_20240615.csv")
    (2024, None)
    >>> print(collection_year_of("header_2024-06-15.csv"))
    None
    >>> collection_year_of("header_2023-24_resubmission_20240615.csv")
    2024
    >>> collection_year_of("header_2022-23_exported_2025-01-10.csv")
    2023
    """
    return _name_years(name)[0]


def unclear_year(name: str) -> str | None:
    """Return why the collection year a file's name carries cannot be told, or None.

    A year followed by a later year that is not the next (``2023-25``, ``2023-2025``,
    ``2019_2024``) or by another four-digit year (``2024-2023``) names several years, and
    so does a name carrying two different collection years (``h_2019_to_2024.csv``,
    ``header_2022-23_2023-24.csv``): which one the file holds cannot be told, and a
    reader refuses to guess. None for a name with one collection year or none.

    Examples
    --------
    >>> unclear_year("header_2023-25.csv")
    'the years 2023 and 2025, not one collection year'
    >>> unclear_year("h_2019_to_2024.csv")
    'the collection years 2018-19 and 2023-24'
    >>> [unclear_year(n) for n in ("header_2023-24.csv", "header.csv", "header_2024_10.csv",
    ...                            "header_2024-06-15.csv")]
    [None, None, None, None]
    """
    return _name_years(name)[1]


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
