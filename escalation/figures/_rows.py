"""Rows of a forest-like figure grouped under headers on a discrete y axis.

Strips beside short panels clip long names ("Factors at assessment"); instead the groups
become header rows of the y axis, with their members indented beneath, all left-aligned.
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pandas as pd
import plotnine as p9

from escalation.figures._labels import wrap_row_label
from escalation.figures.theme import ColumnWidth

__all__ = ["INDENT", "grouped_rows", "row_lines", "row_pitch_mm", "row_scale"]

#: Indentation of a member row under its header.
INDENT: Final = "    "


def grouped_rows(
    groups: Sequence[object],
    labels: Sequence[object],
    *,
    width: ColumnWidth | float | None = None,
) -> tuple[list[str], list[str], dict[str, str]]:
    """Return a key per row, the categories top-down with header rows, and their labels.

    Rows keep their order within a group; groups keep the order of first appearance.
    A ``None`` group gives rows without a header. With the figure's ``width``, a name too
    wide for the margin is wrapped into lines
    (:func:`~escalation.figures._labels.wrap_row_label`), each line of a member indented.

    Examples
    --------
    >>> keys, order, names = grouped_rows(["Age", "Age", "Sex"], ["0-4", "5-11", "F"])
    >>> [names[k] for k in order]
    ['Age', '    0-4', '    5-11', 'Sex', '    F']
    """
    keys: list[str] = []
    order: list[str] = []
    names: dict[str, str] = {}
    seen: dict[object, list[int]] = {}
    for i, group in enumerate(groups):
        seen.setdefault(group, []).append(i)
    row_key = {}
    for g_index, (group, rows) in enumerate(seen.items()):
        if group is not None and not (isinstance(group, float) and pd.isna(group)):
            header = f"h{g_index:03d}"
            order.append(header)
            names[header] = _wrapped(str(group), width)
            indent = INDENT
        else:
            indent = ""
        for i in rows:
            key = f"r{i:04d}"
            row_key[i] = key
            order.append(key)
            names[key] = indent + _wrapped(str(labels[i]), width).replace("\n", "\n" + indent)
    keys = [row_key[i] for i in range(len(labels))]
    return keys, order, names


def _wrapped(name: str, width: ColumnWidth | float | None) -> str:
    """Return ``name`` wrapped for the margin of a figure ``width`` wide (as it is without)."""
    return name if width is None else wrap_row_label(name, width)


def row_lines(names: dict[str, str]) -> int:
    """Return the most lines a row's name takes (rows are as tall as the tallest needs).

    Examples
    --------
    >>> row_lines({"h000": "Sex", "r0000": "    Female"})
    1
    """
    return max((name.count("\n") + 1 for name in names.values()), default=1)


#: The height of a line of a row's name, and the space between two rows' names, in mm.
NAME_LINE_MM: Final = 3.3
NAME_GAP_MM: Final = 1.7


def row_pitch_mm(lines: int, least_mm: float) -> float:
    """Return the height of each row, in mm: at least ``least_mm``, or what ``lines`` need.

    Rows are evenly spaced, so every row is as tall as the tallest name needs (``lines``,
    :func:`row_lines`): a name wrapped into three lines overlapped its neighbours' at 5 mm
    a row.

    Examples
    --------
    >>> row_pitch_mm(1, 5.0), round(row_pitch_mm(3, 5.0), 1)
    (5.0, 11.6)
    """
    return max(least_mm, NAME_LINE_MM * lines + NAME_GAP_MM)


def row_scale(order: list[str], names: dict[str, str]) -> list[Any]:
    """Return the y scale (top-down order, headers kept) and left-aligned row labels."""
    return [
        p9.scale_y_discrete(limits=order[::-1], labels=lambda keys: [names[str(k)] for k in keys]),
        p9.theme(axis_text_y=p9.element_text(ha="left", ma="left")),
    ]
