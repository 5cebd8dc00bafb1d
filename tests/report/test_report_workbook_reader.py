"""results.xlsx read with openpyxl, as an analyst opens it (session 27).

Was, in the demo's workbook:

* sheets "Roc curves" and "Rmst curves", and columns "Fpr", "Tpr", "P01", "P99",
  "Flagged per 1000" (the table's own names with a capital);
* the policy values' interval ends and the ROC curves' first threshold read "inf" as text
  in columns of numbers, with nothing saying why;
* the README recorded the version and the input data's hash but not the design's hash or
  how the simulated data were made, which the brief's footer gives: the workbook could
  not be matched to the brief and manifest of its run.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import openpyxl
import pandas as pd

from escalation.report.workbook import write_workbook
from tests.report.report_support import run_brief


def test_workbook_sheet_and_column_names_read_as_words(tmp_path: Path) -> None:
    tables = {
        "roc_curves": pd.DataFrame(
            {"threshold": [float("inf"), 0.5], "fpr": [0.0, 0.2], "tpr": [0.0, 0.6]}
        ),
        "rmst_curves": pd.DataFrame({"time": [30], "estimate": [29.5]}),
        "weights": pd.DataFrame({"group": ["all"], "p01": [0.4], "p99": [2.5]}),
        "policy_figure": pd.DataFrame(
            {"flagged_per_1000": [300.0], "flagged_low": [290.0], "prevented_per_1000": [17.4]}
        ),
    }
    book = openpyxl.load_workbook(write_workbook(tables, tmp_path / "r.xlsx", readme={}))
    assert book.sheetnames == ["README", "ROC curves", "RMST curves", "Weights", "Policy figure"]

    def header(sheet: str) -> list[object]:
        return [cell.value for cell in book[sheet][1]]

    assert header("ROC curves") == [
        "Threshold",
        "False positive rate",
        "True positive rate (recall)",
    ]
    assert header("Weights") == ["Group", "1st percentile", "99th percentile"]
    assert header("Policy figure") == [
        "Flagged per 1,000",
        "Flagged per 1,000: 95% CI lower",
        "Escalations prevented per 1,000",
    ]


def test_workbook_readme_says_why_a_number_reads_inf(tmp_path: Path) -> None:
    tables = {
        "roc_curves": pd.DataFrame({"threshold": [float("inf"), 0.5], "fpr": [0.0, 0.2]}),
        "policy_values": pd.DataFrame({"estimate": [81.8], "conf_high": [float("-inf")]}),
        "effects": pd.DataFrame({"estimate": [0.1], "conf_high": [None]}),
    }
    book = openpyxl.load_workbook(write_workbook(tables, tmp_path / "r.xlsx", readme={}))
    assert book["ROC curves"]["A2"].value == "inf"  # as pandas writes it (and the CSV)
    readme = {row[0]: row[1] for row in book["README"].iter_rows(min_row=2, values_only=True)}
    note = readme["Infinite values"]
    assert "cannot hold an infinite number" in note
    assert note.endswith("Sheets with such cells: ROC curves, Policy values.")
    # None without an infinite number.
    plain = {"effects": tables["effects"]}
    book = openpyxl.load_workbook(write_workbook(plain, tmp_path / "p.xlsx", readme={}))
    assert "Infinite values" not in [r[0] for r in book["README"].iter_rows(values_only=True)]


def test_workbook_readme_records_the_provenance_the_brief_gives(tmp_path: Path) -> None:
    page = run_brief(tmp_path / "out", ("describe",))
    footer = page[page.index("<footer>") : page.index("</footer>")]
    lines = [html.unescape(line) for line in re.findall(r"<p>(.*?)</p>", footer, re.S)]
    made = next(line for line in lines if line.startswith("Made with escalation"))
    book = openpyxl.load_workbook(tmp_path / "out" / "results" / "results.xlsx")
    readme = {row[0]: row[1] for row in book["README"].iter_rows(min_row=2, values_only=True)}
    assert made in readme["Provenance"]  # the design's and the input data's hashes
    assert re.search(r"design SHA-256 [0-9a-f]{12}", readme["Provenance"])
    # Simulated data: the simulator's settings, as the brief's footer gives them.
    from escalation import default_design
    from escalation.data.simulator import simulation_record
    from escalation.disclosure import DEFAULT_RULES
    from escalation.pipeline import _provenance, _workbook_readme

    lines = _provenance(default_design(), "ab" * 32, simulation_record(20_000, 1))
    rows = _workbook_readme(default_design(), None, DEFAULT_RULES, "ab" * 32, provenance=lines)
    assert rows["Provenance"] == " ".join(lines)
    assert "20,000 children, seed 1" in rows["Provenance"]


def test_workbook_readme_explains_blanks_in_rows_not_marked_suppressed() -> None:
    """The README said every suppressed value's row "reads TRUE in the 'Suppressed'
    column", but the demo's Weights sheet has its minimum and maximum blank with
    Suppressed FALSE (extremes are always withheld), and Fairness a group's size blank
    beside its shown rank metrics: a reader took them for errors."""
    from escalation import default_design
    from escalation.disclosure import DEFAULT_RULES
    from escalation.pipeline import _workbook_readme

    text = _workbook_readme(default_design(), None, DEFAULT_RULES, "ab")["Disclosure control"]
    assert "A blank in a row reading FALSE is a value withheld on its own" in text
    assert "smallest and largest weights" in text and "does not apply" in text


def test_workbook_table_one_stores_its_smds_and_missing_counts_as_numbers(tmp_path: Path) -> None:
    """Table 1's sheet held every cell as text: its SMDs ("0.112") could not be sorted or
    compared with 0.1 in Excel. Numbers are now numbers, shown as printed; the disclosure
    markers and the arms' "count (%)" cells stay text."""
    table = pd.DataFrame(
        {
            "Characteristic": ["n", "Sex, n (%)", "", "Age (years), mean (SD)"],
            "Level": ["", "Female", "Male", ""],
            "No early help": ["5,890", "2,795 (47.5)", "<10", "8.65 (5.26)"],
            "SMD": ["", "0.080", "", "not shown"],
            "Missing": ["", "1,190", "", "[c]"],
        }
    )
    book = openpyxl.load_workbook(
        write_workbook({"table_one": table}, tmp_path / "t.xlsx", readme={})
    )
    sheet = book["Table one"]
    smd, missing = sheet["D3"], sheet["E3"]
    assert smd.value == 0.08 and smd.number_format == "#,##0.000"  # shown as "0.080"
    assert missing.value == 1190 and missing.number_format == "#,##0"  # shown as "1,190"
    assert sheet["D5"].value == "not shown" and sheet["E5"].value == "[c]"
    assert sheet["C2"].value == "5,890" and sheet["C4"].value == "<10"  # an arm: text
