"""What the hub checks in a share pack's values before it pools them.

A share pack is a zip of CSV files that people open, read and may edit before sending (or
by mistake). :func:`check_pack_values` refuses, naming the table, the row a spreadsheet
shows (the header is row 1), the column and the value:

- a number column holding text (``62x``), which stopped the hub with pandas' "could not
  convert string to float" or was read as withheld and pooled as if it were;
- a count that is negative or not a whole number, a rate outside 0 to 1, a negative
  standard error or SD;
- an arm (``group``) that is not one of the pack's (``Untreated`` was left out of the
  pooled curves as "an arm withheld");
- an authority code in ``authority.csv`` other than the pack's own (its characteristics
  then went to the other authority's row of the meta-regressions, twice);
- a risk-set boundary off the pack's time grid, or an arm's interval given twice;
- an empty cell in a likelihood profile (the hub stopped with "non-finite values", not
  saying whose).

The manifest's keys are checked by :func:`check_manifest`. Disclosure control is checked
separately (:func:`~escalation.federated._disclose.check_pack`), on values that passed
these checks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation.errors import Problem, RecordProblem

__all__ = [
    "COUNT_COLUMNS",
    "PackProblem",
    "WithheldValueProblem",
    "check_manifest",
    "check_pack_values",
    "located",
]

#: Columns of numbers, by table (an empty cell is a withheld or missing value).
NUMBERS: Final[Mapping[str, tuple[str, ...]]] = {
    "effects": (
        "horizon", "estimate", "std_error", "conf_low", "conf_high", "conf_level", "p_value",
        "std_error_mc", "log_estimate", "log_std_error",
    ),
    "bootstrap": (
        "horizon", "replicates", "mean", "std_error", "conf_low", "conf_high", "conf_level",
    ),
    "hazard_ratios": (
        "estimate", "std_error", "conf_low", "conf_high", "conf_level", "events_treated",
        "events_untreated",
    ),
    "cox_profiles": ("point", "value", "derivative"),
    "risk_sets": ("interval_start", "interval_end", "at_risk", "events", "competing", "censored"),
    "covariates": ("n", "count", "mean", "sd"),
    "authority": ("spells", "early_help_rate", "escalation_rate", "deprivation"),
}  # fmt: skip
#: Columns of pack tables that hold counts of children or spells.
COUNT_COLUMNS: Final = frozenset(
    {
        "n",
        "count",
        "at_risk",
        "events",
        "competing",
        "censored",
        "spells",
        "treated",
        "events_treated",
        "events_untreated",
    }
)
#: Columns of counts: whole numbers, not negative (the bootstrap's replicates too).
_COUNTS: Final = COUNT_COLUMNS | {"replicates"}
#: Columns that cannot be negative beside the counts.
_NOT_NEGATIVE: Final = frozenset({"std_error", "std_error_mc", "log_std_error", "sd"})
#: Shares: between 0 and 1.
_SHARES: Final = frozenset({"early_help_rate", "escalation_rate", "conf_level"})
#: The arms (``group``) a table may hold.
_GROUPS: Final[Mapping[str, frozenset[str]]] = {
    "risk_sets": frozenset({"treated", "untreated"}),
    "covariates": frozenset({"all", "treated", "untreated"}),
}
#: Manifest keys the hub reads, and their types.
_MANIFEST: Final[Mapping[str, type | tuple[type, ...]]] = {
    "authority": str,
    "design_sha256": str,
    "design_toml": str,
    "escalation_version": str,
    "time_grid": list,
}
#: A value of a pack's table shown in a message: a number, a code or a word (the tables
#: hold aggregates, never records; anything longer is described, as elsewhere).
_SHOWN: Final = re.compile(r"[\w.+\-]{1,24}")


@dataclass(frozen=True)
class PackProblem(RecordProblem):
    """A value of a share pack's table, located as a spreadsheet shows it (header row 1).

    Examples
    --------
    >>> PackProblem("risk_sets.csv", 0, "at_risk", "62x", "not a number").describe()
    "table 'risk_sets.csv', row 2, column 'at_risk', value '62x': not a number"
    """

    def value_form(self) -> re.Pattern[str] | None:
        """Return the form of a value shown as read: a number, a code or a word."""
        return _SHOWN


@dataclass(frozen=True)
class WithheldValueProblem(PackProblem):
    """A pack's cell whose value a message must not show (a count under the threshold)."""

    def shown_value(self) -> str:
        """Return the value's place in a message: not shown."""
        return "<not shown>"


def located(problem: Problem) -> Problem:
    """Return a problem of a pack's table located as a spreadsheet shows it.

    The one rule for :func:`~escalation.federated._disclose.check_pack`, on the
    authority's side (making a pack) and the hub's (reading one) alike: its checks name
    the table and the row of the frame (from 0); the problem names the pack's file and
    the row a spreadsheet shows (header row 1), as :class:`PackProblem` does, and the
    value stays unshown.

    Examples
    --------
    >>> located(Problem("risk_sets", 0, "events", 3, "count under 10")).describe()
    "table 'risk_sets.csv', row 2, column 'events', value <not shown>: count under 10"
    """
    return WithheldValueProblem(
        f"{problem.table}.csv", problem.row, problem.column, problem.value, problem.reason
    )


def check_manifest(manifest: object) -> list[Problem]:
    """Return the problems of a pack's ``manifest.json``: a key missing or of another type."""
    if not isinstance(manifest, dict):
        return [Problem("manifest.json", None, None, None, "is not a JSON object")]
    problems: list[Problem] = []
    for key, kind in _MANIFEST.items():
        if key not in manifest:
            problems.append(Problem("manifest.json", None, key, None, "missing"))
        elif not isinstance(manifest[key], kind) or manifest[key] in ("", []):
            problems.append(
                PackProblem(
                    "manifest.json", None, key, str(manifest[key]), f"must be a non-empty {kind}"
                )
            )
    grid = manifest.get("time_grid")
    if isinstance(grid, list) and not all(
        isinstance(t, int | float) and not isinstance(t, bool) for t in grid
    ):
        problems.append(Problem("manifest.json", None, "time_grid", None, "must be numbers"))
    return problems


def _problem(table: str, row: int, column: str, value: Any, reason: str) -> PackProblem:
    return PackProblem(f"{table}.csv", row, column, value, reason)


def _number_problems(table: str, frame: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []
    for column in NUMBERS.get(table, ()):
        if column not in frame.columns:
            continue
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        given = raw.notna().to_numpy()
        for row in np.flatnonzero(given & np.isnan(values)):
            problems.append(_problem(table, int(row), column, raw.iloc[row], "not a number"))
        real = given & ~np.isnan(values)
        checks: list[tuple[np.ndarray, str]] = [(real & np.isinf(values), "not a finite number")]
        finite = real & np.isfinite(values)
        with np.errstate(invalid="ignore"):
            if column in _COUNTS:
                checks.append(
                    (finite & ((values < 0) | (values != np.round(values))),
                     "a count must be a whole number, 0 or more")
                )  # fmt: skip
            elif column in _NOT_NEGATIVE:
                checks.append((finite & (values < 0), "must not be negative"))
            elif column in _SHARES:
                checks.append((finite & ((values < 0) | (values > 1)), "must lie in 0 to 1"))
        for where, reason in checks:
            for row in np.flatnonzero(where):
                problems.append(_problem(table, int(row), column, raw.iloc[row], reason))
    return problems


def check_pack_values(
    tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any]
) -> list[Problem]:
    """Return the problems of a pack's values (see the module's docstring).

    Parameters
    ----------
    tables : mapping of str to DataFrame
        The pack's tables as read.
    manifest : mapping
        Its manifest (checked by :func:`check_manifest` first).

    Returns
    -------
    list of Problem
        Empty when every value can be pooled.
    """
    problems: list[Problem] = []
    for table, frame in tables.items():
        if frame.empty:
            continue
        problems += _number_problems(table, frame)
        allowed = _GROUPS.get(table)
        if allowed is not None and "group" in frame.columns:
            for row in np.flatnonzero(~frame["group"].isin(allowed).to_numpy()):
                problems.append(
                    _problem(
                        table, int(row), "group", frame["group"].iloc[row],
                        f"not an arm of a share pack ({', '.join(sorted(allowed))})",
                    )
                )  # fmt: skip
    profiles = tables.get("cox_profiles")
    if profiles is not None and not profiles.empty:
        # a profile is shared whole or not at all (withheld: no rows)
        for column in ("model", *NUMBERS["cox_profiles"]):
            if column in profiles.columns:
                for row in np.flatnonzero(profiles[column].isna().to_numpy()):
                    problems.append(
                        _problem(
                            "cox_profiles", int(row), column, None,
                            "empty: a likelihood profile is shared whole or not at all",
                        )
                    )  # fmt: skip
    authority = tables.get("authority")
    if authority is not None and "authority" in authority.columns:
        own = str(manifest["authority"])
        for row in np.flatnonzero((authority["authority"].astype(str) != own).to_numpy()):
            problems.append(
                _problem(
                    "authority", int(row), "authority", authority["authority"].iloc[row],
                    f"not the pack's authority ({own}, in manifest.json)",
                )
            )  # fmt: skip
    risk_sets = tables.get("risk_sets")
    if risk_sets is not None and {"group", "interval_start"} <= set(risk_sets.columns):
        twice = risk_sets.duplicated(["group", "interval_start"]).to_numpy()
        for row in np.flatnonzero(twice):
            problems.append(
                _problem(
                    "risk_sets", int(row), "interval_start", risk_sets["interval_start"].iloc[row],
                    f"a second row of arm {risk_sets['group'].iloc[row]} from this time",
                )
            )  # fmt: skip
    grid = np.asarray(manifest["time_grid"], dtype=float)
    if risk_sets is not None and not risk_sets.empty and not problems:
        for column in ("interval_start", "interval_end"):
            if column not in risk_sets.columns:
                continue
            values = risk_sets[column].to_numpy(dtype=float)
            off = ~np.isclose(values[:, None], grid[None, :], rtol=1e-12, atol=1e-9).any(axis=1)
            for row in np.flatnonzero(off):
                problems.append(
                    _problem(
                        "risk_sets", int(row), column, risk_sets[column].iloc[row],
                        "not a boundary of the pack's time grid (manifest.json)",
                    )
                )  # fmt: skip
    return problems
