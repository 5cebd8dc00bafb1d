"""Shared pieces of every result object: summaries and provenance.

Every fit in escalation returns an immutable result (a frozen dataclass) with

- ``tidy()``: a long :class:`pandas.DataFrame` with stable snake_case columns
  (``term``/``estimand``, ``estimate``, ``std_error``, ``conf_low``, ``conf_high``,
  ``conf_level``, ``p_value`` where they apply);
- ``glance()``: a one-row :class:`pandas.DataFrame` (``n``, ``events``, ``dropped``,
  ``method`` and the package versions of :func:`provenance`);
- ``summary()``: a :class:`Summary` that renders as text, HTML or LaTeX and never prints.

Results are exact: every count and estimate as computed, for use inside the local
authority (summaries say so, :data:`EXACT_NOTE`). What is shared passes through the
disclosure gate, :mod:`escalation.disclosure`, first; the commands that write
folders do that.

:class:`Presents` gives every result the rest of what R and lifelines users expect:
``print(result)`` shows the summary as text and Jupyter renders it as HTML. Summaries
round for reading (:func:`format_number`, :func:`format_p`); ``tidy()`` keeps full precision.
"""

from __future__ import annotations

import hashlib
import html
import math
import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._interval_words import unbounded_words

__all__ = [
    "EXACT_NOTE",
    "Presents",
    "Summary",
    "data_hash",
    "format_number",
    "format_p",
    "package_versions",
    "provenance",
    "root_variance",
    "standard_errors",
    "used_data_hash",
]

FloatArray = npt.NDArray[np.float64]

#: Closes every summary: results are exact, not under disclosure control.
EXACT_NOTE = (
    "Exact results for use inside the local authority, not under disclosure control; "
    "share only outputs that passed escalation.disclosure (the commands' folders do)."
)

#: Distributions whose versions every result records: Python's, and every package the
#: estimates are computed with (scikit-survival's gradient boosting, formulaic's model
#: matrices, numba's compiled kernels, networkx's causal graph among them).
_TRACKED = (
    "escalation",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "lifelines",
    "econml",
    "dowhy",
    "scikit-learn",
    "scikit-survival",
    "formulaic",
    "numba",
    "networkx",
    "plotnine",
)


def package_versions() -> dict[str, str]:
    """Return the installed versions of Python and the packages results depend on."""
    versions = {"python": platform.python_version()}
    for name in _TRACKED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def machine_record() -> dict[str, Any]:
    """Return the machine a run was made on: system, architecture, processor, cores.

    A seed reproduces a run bit for bit on one machine; on another CPU model some
    results move in their last digits (about 1e-14 in the policy study), through
    floating-point differences in the numerical libraries underneath (BLAS kernels chosen
    for the CPU). The causal forest's rule moved more (the demo's "largest estimated
    benefit" rule read 3.8 fewer escalations per 1,000 on one 2-core machine and 3.6 on
    another) until its nuisance predictions were put on a fixed grid
    (``docs/policy.md``, "Reproducibility"). The manifest records the machine so that a
    reader comparing two runs can tell.

    Examples
    --------
    >>> sorted(machine_record())
    ['cpus', 'machine', 'processor', 'system']
    """
    return {
        "system": platform.system(),
        "machine": platform.machine(),
        "processor": _processor_name(),
        "cpus": os.cpu_count(),
    }


def _processor_name() -> str:
    """Return the CPU's model name (Linux's /proc/cpuinfo), else what platform says."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def data_hash(*frames: pd.DataFrame, any_row_order: bool = False) -> str:
    """Return a SHA-256 digest of the content of one or more tables.

    The digest depends on values, column names and order, not on memory layout, so the
    same data read from CSV or Parquet hash alike once normalised. With ``any_row_order``
    it does not depend on the order of each table's rows either: the rows' own hashes are
    taken in sorted order, which is the digest of the rows sorted by their content.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    >>> data_hash(frame) == data_hash(frame.iloc[::-1])
    False
    >>> data_hash(frame, any_row_order=True) == data_hash(frame.iloc[::-1], any_row_order=True)
    True
    """
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(",".join(map(str, frame.columns)).encode())
        rows = pd.util.hash_pandas_object(frame, index=False).to_numpy()
        digest.update((np.sort(rows) if any_row_order else rows).tobytes())
    return digest.hexdigest()


def used_data_hash(frame: pd.DataFrame, columns: Iterable[str | None]) -> str:
    """Return the :func:`data_hash` of the columns an analysis used, whatever the row order.

    Two results with the same hash were made from the same values of the same columns:
    a confounder left out of the hash could change while the hash stayed, and rows in
    another order gave another hash for the same data. The rows are put in the order of
    their own content first (sorted by each row's hash of the used columns), so the same
    rows in any order, with or without a ``spell_id`` to sort by
    (:func:`~escalation._row_order.canonical_order` leaves a table without one in its
    given order), hash alike.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table the analysis read.
    columns : iterable of str or None
        Its columns the analysis used, in a fixed order (``None`` and repeats skipped).

    Returns
    -------
    str
        The SHA-256 hex digest.

    Examples
    --------
    >>> frame = pd.DataFrame({"duration": [5, 3, 4], "x": [0.5, 0.1, 0.2]})
    >>> digest = used_data_hash(frame, ["duration", "x"])
    >>> digest == used_data_hash(frame.iloc[[2, 0, 1]], ["duration", "x", None, "x"])
    True
    >>> digest == used_data_hash(frame.assign(x=[0.1, 0.5, 0.2]), ["duration", "x"])
    False
    """
    used = frame[list(dict.fromkeys(c for c in columns if c is not None))]
    return data_hash(used, any_row_order=True)


def provenance(**extra: Any) -> dict[str, Any]:
    """Return how a result was made: versions plus any extra facts given (seed, design)."""
    return {"versions": package_versions(), **extra}


def standard_errors(covariance: pd.DataFrame | npt.ArrayLike) -> FloatArray:
    """Return the square roots of the diagonal of ``covariance``; ``NaN`` where negative.

    Every model's ``tidy()`` takes its standard errors here (Cox, AFT, Fine–Gray,
    cause-specific Cox, the propensity model, the meta-analysis). A negative variance
    comes from an information matrix that is numerically singular: separated terms
    (infinite estimates, which the fit has warned of and named) and the levels coded
    with them. It has no standard error: ``NaN``, as R's ``sqrt`` gives, rather than
    numpy's "invalid value encountered in sqrt" warning. ``NaN`` stays ``NaN``.

    Parameters
    ----------
    covariance : pandas.DataFrame or array_like, shape (p, p)
        The covariance of the coefficients.

    Returns
    -------
    numpy.ndarray
        One standard error per coefficient, in order.

    Examples
    --------
    >>> standard_errors(pd.DataFrame([[4.0, 0.0], [0.0, -1.0]])).tolist()
    [2.0, nan]
    """
    return root_variance(np.diag(np.asarray(covariance, dtype=float)))


def root_variance(variance: npt.ArrayLike) -> FloatArray:
    r"""Return the square roots of ``variance``: ``NaN`` where it is negative (or ``NaN``).

    The rule of :func:`standard_errors`, for variances computed otherwise (the quadratic
    form :math:`x^\top V x` of a prediction's standard error, say): a negative variance
    has no standard error, and numpy's "invalid value encountered in sqrt" is not raised.

    Examples
    --------
    >>> root_variance([4.0, -1e-18, 0.0]).tolist()
    [2.0, nan, 0.0]
    """
    values = np.asarray(variance, dtype=float)
    out: FloatArray = np.sqrt(np.where(values >= 0, values, np.nan))
    return out


def format_number(value: Any, digits: int = 4) -> str:
    """Return a number rounded for reading.

    Whole numbers get thousands separators; numbers of 100 or more two decimals, smaller
    ones ``digits`` significant digits; an infinite number in words
    (:func:`~escalation._interval_words.unbounded_words`, never "inf"); text passes
    through.

    Examples
    --------
    >>> format_number(-1747.4958503488094), format_number(0.70723), format_number(12345)
    ('-1,747.50', '0.7072', '12,345')
    >>> format_number(float("inf")), format_number(-np.inf)
    ('unbounded', 'unbounded (negative)')
    """
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        x = float(value)
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return unbounded_words(x) or ""
        if abs(x) >= 100:
            return f"{x:,.2f}"
        return f"{x:#.{digits}g}".rstrip(".")
    return str(value)


def format_p(value: Any) -> str:
    """Return a p-value as people read it: three decimals, or ``<0.001``.

    Examples
    --------
    >>> format_p(0.04567), format_p(2.1e-7), format_p(float("nan"))
    ('0.046', '<0.001', '')
    """
    p = float(value)
    if math.isnan(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _is_p(name: object) -> bool:
    text = str(name)
    return text in {"p", "p_value"} or text.endswith("_p_value") or text.startswith("p_value")


def _display(table: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Return ``table`` as text, every number rounded for reading."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if _is_p(column) and pd.api.types.is_numeric_dtype(values.dtype):
            out[column] = [format_p(v) for v in values]
        elif pd.api.types.is_float_dtype(values.dtype):
            out[column] = [format_number(v, digits) for v in values]
        elif pd.api.types.is_object_dtype(values.dtype):
            out[column] = [
                format_number(v, digits) if isinstance(v, float | np.floating) else v
                for v in values
            ]
    return out


def _facts(facts: dict[str, Any], digits: int) -> list[tuple[str, str]]:
    return [
        (str(k), format_p(v) if _is_p(k) and isinstance(v, float) else format_number(v, digits))
        for k, v in facts.items()
    ]


#: LaTeX's special characters and how each is written as text, one character at a time
#: (so that the braces of ``\textbackslash{}`` are not escaped in turn).
_LATEX: Final = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "∞": r"$\infty$",  # an infinite SMD
}


def latex_escape(text: object) -> str:
    r"""Return ``text`` with LaTeX's special characters written as text.

    The one rule of every LaTeX table (:meth:`Summary.as_latex`, Table 1's ``.tex``):
    ``_`` in a covariate's name, ``%`` in "lower 95%" (a comment to the end of the
    line otherwise), ``&``, ``#``, ``$``, braces, ``\``, ``~``, ``^``, ``<`` and ``>``; an infinite
    SMD's ``∞`` as ``$\infty$``.

    Examples
    --------
    >>> print(latex_escape("prior_referrals"), latex_escape("lower 95%"), latex_escape("<0.001"))
    prior\_referrals lower 95\% \textless{}0.001
    >>> print(latex_escape("a\\b"))  # the braces of \textbackslash{} are kept
    a\textbackslash{}b
    """
    return "".join(_LATEX.get(character, character) for character in str(text))


@dataclass(frozen=True)
class Summary:
    """A printable account of a result, rendered as text, HTML or LaTeX.

    Parameters
    ----------
    title : str
        Heading, e.g. ``"Cox proportional hazards"``.
    facts : dict
        Model-level facts shown above the table (n, events, method, ...).
    table : pandas.DataFrame
        The main table (usually ``tidy()``).
    notes : tuple of str
        Footnotes (assumptions, warnings).
    """

    title: str
    facts: dict[str, Any]
    table: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

    def as_text(self, digits: int = 4) -> str:
        """Return the summary as plain text, numbers rounded for reading."""
        body = _display(self.table, digits).to_string(index=False) if len(self.table) else ""
        width = max(len(self.title), 40, *(len(line) for line in body.splitlines()))
        lines = [self.title, "=" * width]
        lines += [f"{k:<24}{v}" for k, v in _facts(self.facts, digits)]
        if body:
            lines += ["-" * width, body]
        lines += [f"Note: {n}" for n in (*self.notes, EXACT_NOTE)]
        return "\n".join(lines)

    def as_html(self, digits: int = 4) -> str:
        """Return the summary as an HTML fragment (as Jupyter shows it)."""
        facts = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k, quote=False)}</th>"
            f"<td style='text-align:left'>{html.escape(v, quote=False)}</td></tr>"
            for k, v in _facts(self.facts, digits)
        )
        table = (
            _display(self.table, digits).to_html(index=False, border=0) if len(self.table) else ""
        )
        notes = "".join(
            f"<p><em>Note:</em> {html.escape(n, quote=False)}</p>"
            for n in (*self.notes, EXACT_NOTE)
        )
        return (
            f"<h3>{html.escape(self.title, quote=False)}</h3><table>{facts}</table>{table}{notes}"
        )

    def as_latex(self, digits: int = 4) -> str:
        """Return the main table as a LaTeX ``tabular`` with the title as a caption comment.

        Names and cells are escaped (:func:`latex_escape`): the table compiles as it is.
        """
        shown = _display(self.table, digits)
        shown = shown.rename(columns=latex_escape).map(
            lambda v: latex_escape(v) if isinstance(v, str) else v
        )
        body = shown.to_latex(index=False, escape=False)
        return f"% {latex_escape(self.title)}\n{body}"


class Presents:
    """Mixin of every result: ``print(result)`` and Jupyter show its :meth:`summary`.

    A class using it defines ``summary()`` returning a :class:`Summary`.
    """

    def summary(self) -> Summary:  # pragma: no cover - every result defines it
        """Return the result's :class:`Summary`."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
