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
disclosure gate, :mod:`escalation.report.disclosure`, first; the commands that write
folders do that.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pandas as pd

__all__ = ["EXACT_NOTE", "Summary", "data_hash", "package_versions", "provenance"]

#: Closes every summary: results are exact, not under disclosure control.
EXACT_NOTE = (
    "Exact results for use inside the local authority, not under disclosure control; "
    "share only outputs that passed escalation.report.disclosure (the commands' folders do)."
)

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


def data_hash(*frames: pd.DataFrame) -> str:
    """Return a SHA-256 digest of the content of one or more tables.

    The digest depends on values, column names and order, not on memory layout, so the
    same data read from CSV or Parquet hash alike once normalised.
    """
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def provenance(**extra: Any) -> dict[str, Any]:
    """Return how a result was made: versions plus any extra facts given (seed, design)."""
    return {"versions": package_versions(), **extra}


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
        """Return the summary as plain text."""
        width = max(len(self.title), 40)
        lines = [self.title, "=" * width]
        lines += [f"{k:<24}{v}" for k, v in self.facts.items()]
        lines += ["-" * width, self.table.to_string(index=False, float_format=_fmt(digits))]
        lines += [f"Note: {n}" for n in (*self.notes, EXACT_NOTE)]
        return "\n".join(lines)

    def as_html(self, digits: int = 4) -> str:
        """Return the summary as an HTML fragment."""
        facts = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in self.facts.items())
        table = self.table.to_html(index=False, float_format=_fmt(digits), border=0)
        notes = "".join(f"<p><em>Note:</em> {n}</p>" for n in (*self.notes, EXACT_NOTE))
        return f"<h3>{self.title}</h3><table>{facts}</table>{table}{notes}"

    def as_latex(self, digits: int = 4) -> str:
        """Return the main table as a LaTeX ``tabular`` with the title as a caption comment."""
        body = self.table.to_latex(index=False, float_format=_fmt(digits))
        return f"% {self.title}\n{body}"


def _fmt(digits: int) -> Any:
    return lambda x: f"{x:.{digits}g}"
