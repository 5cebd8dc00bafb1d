"""``results.xlsx``: every results table in one workbook for analysts who work in Excel.

One sheet per table with human column names, frozen header row and sensible widths,
and a README sheet first with the design and the disclosure rules. Written with
openpyxl (pandas' own engine for ``.xlsx``, maintained, and also able to read the file
back, which the tests do).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation._archives import fix_archive_times
from escalation._interval_words import UNBOUNDED

__all__ = ["COLUMN_NAMES", "human_column", "write_workbook"]

#: Human names of the columns the results tables use.
COLUMN_NAMES: Final = {
    "estimate": "Estimate",
    "std_error": "Standard error",
    "std_error_scale": "Scale of the standard error",
    "conf_low": "95% CI lower",
    "conf_high": "95% CI upper",
    "conf_level": "Confidence level",
    "p_value": "p-value",
    "estimator": "Estimator",
    "estimand": "Estimand",
    "horizon": "Horizon (days)",
    "time": "Days since decision",
    "group": "Group",
    "arm": "Arm",
    "covariate": "Covariate",
    "sample": "Sample",
    "smd": "Standardised mean difference",
    "variance_ratio": "Variance ratio",
    "at_risk": "Number at risk",
    "events": "Escalations",
    "censored": "Censored",
    "children": "Children",
    "episodes": "Episodes",
    "n": "Number",
    "count": "Count",
    "measure": "Measure",
    "model": "Model",
    "metric": "Metric",
    "attribute": "Attribute",
    "suppressed": "Suppressed",
    "not_applicable": "Not applicable (zero by construction)",
    "term": "Term",
    "statistic": "Test statistic",
    "df": "Degrees of freedom",
    "state": "State",
    "probability": "Probability",
    "predicted": "Predicted risk",
    "observed": "Observed risk",
    "threshold": "Threshold",
    "net_benefit": "Net benefit",
    "stage": "Stage",
    "rule": "Rule",
    "description": "Description",
    "subgroup": "Subgroup",
    "level": "Level",
    "cause": "Outcome",
    "se_method": "Standard error method",
    "std_error_mc": "Monte Carlo error of the standard error",
    "transform": "Time transform",
    "feature_set": "Features",
    "ess": "Effective sample size",
    "fpr": "False positive rate",
    "tpr": "True positive rate (recall)",
    "p01": "1st percentile",
    "p99": "99th percentile",
    "flagged_per_1000": "Flagged per 1,000",
    "flagged_low": "Flagged per 1,000: 95% CI lower",
    "flagged_high": "Flagged per 1,000: 95% CI upper",
    "prevented_per_1000": "Escalations prevented per 1,000",
}
#: Words of table names written as acronyms in sheet names ("roc_curves": "ROC curves").
_ACRONYMS: Final = {"roc": "ROC", "rmst": "RMST", "smd": "SMD", "ccw": "CCW", "aipw": "AIPW"}


def human_column(name: object) -> str:
    """Return the human name of a column: known names from :data:`COLUMN_NAMES`.

    Examples
    --------
    >>> human_column("conf_low"), human_column("prior_referrals")
    ('95% CI lower', 'Prior referrals')
    """
    text = str(name)
    if text in COLUMN_NAMES:
        return COLUMN_NAMES[text]
    spaced = text.replace("_", " ")
    return spaced[:1].upper() + spaced[1:]


def _sheet_name(name: str, used: set[str]) -> str:
    """Return a table's sheet name: in words, acronyms in capitals, unique, 31 characters.

    Examples
    --------
    >>> _sheet_name("roc_curves", set()), _sheet_name("rmst_curves", set())
    ('ROC curves', 'RMST curves')
    >>> _sheet_name("table_one", {"table one"})
    'Table one 2'
    """
    words = " ".join(_ACRONYMS.get(word, word) for word in name.split("_"))
    base = words[:1].upper() + words[1:]
    for char in "[]:*?/\\":
        base = base.replace(char, " ")
    base = base[:31]
    candidate, k = base, 2
    while candidate.lower() in used:
        suffix = f" {k}"
        candidate, k = base[: 31 - len(suffix)] + suffix, k + 1
    used.add(candidate.lower())
    return candidate


#: The README's note on cells reading "inf": pandas writes an infinite number as text.
_INFINITE_NOTE: Final = (
    f"A cell reading 'inf' or '-inf' is an {UNBOUNDED} value, written as text because a "
    "workbook cell cannot hold an infinite number (as the CSV files write it): e.g. the "
    "upper end of the interval of a number needed to offer when the interval of the "
    "escalations prevented includes none, or the first threshold of a ROC curve. Sheets "
    "with such cells: "
)


def _has_infinity(frame: pd.DataFrame) -> bool:
    """Whether any numeric cell of ``frame`` is infinite (written to the sheet as text).

    Examples
    --------
    >>> _has_infinity(pd.DataFrame({"a": [1.0, float("inf")], "b": ["x", "y"]}))
    True
    >>> _has_infinity(pd.DataFrame({"a": [1.0, None]}))
    False
    """
    numbers = frame.select_dtypes("number").to_numpy(dtype=float, na_value=0.0)
    return bool(np.isinf(numbers).any())


#: A number as a table prints it in text: "0.112", "1,190", "-3".
_PRINTED_NUMBER: Final = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
#: What else a column of printed numbers holds: a count below the threshold ("<10"), one
#: withheld beside it ("[c]"), a value not shown or not applying, or nothing.
_MARKER: Final = re.compile(r"<\d[\d,]*|\[c\]|not shown|not applicable|—|")


def _printed_numbers(column: pd.Series) -> bool:
    """Whether a column of text holds numbers as printed, beside disclosure markers only.

    Table 1's SMD and Missing columns are text in its table ("0.112", "not shown", "<10"):
    their numbers are stored as numbers in the workbook, the markers as text.

    Examples
    --------
    >>> _printed_numbers(pd.Series(["0.112", "", "not shown", None]))
    True
    >>> _printed_numbers(pd.Series(["1,190", "<10", "[c]"]))
    True
    >>> _printed_numbers(pd.Series(["0", "1", "3+"])), _printed_numbers(pd.Series(["5 (50.0)"]))
    (False, False)
    >>> _printed_numbers(pd.Series([0.1, 0.2]))  # already numbers
    False
    """
    values = [v for v in column if not pd.isna(v)]
    if column.dtype != object or not all(isinstance(v, str) for v in values):
        return False
    numbers = [_PRINTED_NUMBER.fullmatch(v) is not None for v in values]
    markers = [_MARKER.fullmatch(v) is not None for v in values]
    return any(numbers) and all(n or m for n, m in zip(numbers, markers, strict=True))


def _store_numbers(cells: Any) -> None:
    """Store each printed number of ``cells`` as a number shown as printed ("#,##0.000")."""
    for cell in cells:
        found = _PRINTED_NUMBER.fullmatch(cell.value) if isinstance(cell.value, str) else None
        if found is None:
            continue
        decimals = found.group(1)
        plain = cell.value.replace(",", "")
        cell.value = float(plain) if decimals else int(plain)
        cell.number_format = "#,##0" + ("." + "0" * len(decimals) if decimals else "")


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    readme: Mapping[str, str],
) -> Path:
    """Write ``tables`` to one ``.xlsx`` with a README sheet first.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet (table) name to table, in order; counts already disclosed.
    path : str or Path
        The workbook.
    readme : mapping of str to str
        Rows of the README sheet (topic, text): the design, the disclosure rules, ...
        Followed by an "Infinite values" row naming the sheets with an infinite number
        (written as the text 'inf'), when any has one, and a row per sheet with its rows.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     out = write_workbook({"effects": pd.DataFrame({"estimate": [0.1]})},
    ...                          f"{folder}/results.xlsx", readme={"Design": "default"})
    ...     with pd.ExcelFile(out) as book:
    ...         book.sheet_names
    ['README', 'Effects']
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    used = {"readme"}
    index = [
        {"Sheet": _sheet_name(name, set(used)), "Rows": len(frame)}
        for name, frame in tables.items()
    ]
    rows = [{"Topic": k, "Text": v} for k, v in readme.items()]
    unbounded = [
        str(i["Sheet"]) for i, frame in zip(index, tables.values(), strict=True)
        if _has_infinity(frame)
    ]  # fmt: skip
    if unbounded:
        rows.append(
            {"Topic": "Infinite values", "Text": _INFINITE_NOTE + ", ".join(unbounded) + "."}
        )
    rows += [{"Topic": f"Sheet: {i['Sheet']}", "Text": f"{i['Rows']} rows"} for i in index]
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        pd.DataFrame(rows).to_excel(writer, sheet_name="README", index=False)
        sheet = writer.sheets["README"]
        sheet.column_dimensions["A"].width = 28
        sheet.column_dimensions["B"].width = 110
        for cell in sheet["B"]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for name, frame in tables.items():
            title = _sheet_name(name, used)
            out = frame.copy()
            for column in out.columns:
                if isinstance(out[column].dtype, pd.BooleanDtype | pd.Int64Dtype):
                    out[column] = out[column].astype(object).where(out[column].notna(), None)
            out.columns = [human_column(c) for c in out.columns]
            out.to_excel(writer, sheet_name=title, index=False)
            sheet = writer.sheets[title]
            sheet.freeze_panes = "A2"
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for j, column in enumerate(out.columns, start=1):
                values = [str(column), *map(str, out[column].head(200).tolist())]
                width = min(max(len(v) for v in values) + 2, 60)
                sheet.column_dimensions[get_column_letter(j)].width = width
                if _printed_numbers(out[column]):
                    _store_numbers(sheet[get_column_letter(j)][1:])
    return fix_archive_times(target)  # the same bytes on every run
