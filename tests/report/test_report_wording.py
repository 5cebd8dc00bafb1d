"""The brief and the workbook describe the design that ran, not the default design."""

from __future__ import annotations

import html
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from escalation import default_design
from escalation.design import StudyDesign
from escalation.errors import StatisticalWarning
from escalation.pipeline import run_study
from escalation.report.wording import (
    arms_sentence,
    cohort_sentence,
    study_limits,
    study_question,
    study_title,
)
from tests.timeline.timeline_support import synthetic_history


def _assessment_design() -> StudyDesign:
    """The reviewer's design: assessments from their start, no window, care only, no age 18."""
    sections = default_design().to_dict()
    sections["time_zero"] = {"kind": "assessment", "at": "start"}
    sections["outcome"] = {
        "events": ["looked_after"],
        "competing": ["death"],
        "censor": ["moved_out"],
        "horizons": [365],
    }
    return StudyDesign.from_dict(sections)


def test_the_default_design_reads_as_before() -> None:
    design = default_design()
    assert study_title(design) == "Does early help keep children out of child protection and care?"
    assert study_question(design) == (
        "When a referral to children's social care closes without statutory action, does "
        "offering early help change how often, and how soon, children come back and need a "
        "child protection plan or to be looked after?"
    )
    cohort = cohort_sentence(design)
    assert cohort.startswith("Children whose referral ended as 'case closed after assessment,")
    assert "(RC8) or 'case closed after assessment, referred to early help' (RC9)" in cohort
    assert "between 2019-04-01 and 2023-03-31, aged up to 17" in cohort
    assert cohort.endswith(
        "until a child protection plan or care, death, moving away, turning 18 or the end of "
        "the records."
    )
    assert study_limits(design)[1:] == [
        "Early help is counted when it started within the grace period (14 days) after the "
        "decision; children whose early help started later count as not having had it, so "
        "if early help that starts later also works, the effect of early help against none at "
        "all is larger than the comparison shows.",
        "Children who moved away, turned 18 or whose records end are followed until then; "
        "deaths are treated as a competing event.",
    ]


def test_another_design_is_described_in_its_own_terms() -> None:
    design = _assessment_design()
    assert study_title(design) == "Does early help keep children out of care?"
    assert study_question(design).startswith("At the start of an assessment, does offering")
    assert study_question(design).endswith("children need to be looked after?")
    cohort = cohort_sentence(design)
    assert cohort == (
        "Children whose assessment started (each child's first such decision point), "
        "followed from that decision point until care, death, moving away or the end of the "
        "records."
    )
    assert study_limits(design)[-1] == (
        "Children who moved away or whose records end are followed until then; deaths are "
        "treated as a competing event."
    )
    sections = design.to_dict()
    sections["treatment"] = {"reasons": ["RC9"]}
    sections["time_zero"] = {"kind": "referral", "at": "end", "reasons": ["RC8", "RC9"]}
    sections["outcome"]["competing"] = []
    by_reason = StudyDesign.from_dict(sections)
    assert arms_sentence(by_reason) == (
        "Treated: the decision point ended as 'case closed after assessment, referred to early "
        "help' (RC9). Not treated: it did not."
    )
    assert (
        study_limits(by_reason)[-1]
        == "Children who moved away or whose records end are followed until then."
    )
    assert not any("grace period" in limit for limit in study_limits(by_reason))


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_the_brief_and_workbook_of_a_study_describe_its_design(tmp_path: Path) -> None:
    """A brief once said "between None and None with no further statutory action ... turning
    18" of a study of assessments from their start, with no window and no age-18 censoring."""
    design = _assessment_design()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        run_study(
            synthetic_history(1500, 4),
            design,
            out=tmp_path,
            progress=False,
            stages=("describe", "brief"),
            background_figures=False,
        )
    text = html.unescape(re.sub(r"<[^>]+>", " ", (tmp_path / "brief.html").read_text()))
    text = re.sub(r"\s+", " ", text)
    assert cohort_sentence(design) in text
    assert study_question(design) in text
    for wrong in ("None", "no further statutory action", "turning 18", "turned 18"):
        assert wrong not in text, wrong
    readme = pd.read_excel(tmp_path / "results" / "results.xlsx", sheet_name="README", header=None)
    design_row = readme[readme[0] == "Design"].iloc[0, 1]
    assert design_row.startswith(cohort_sentence(design)) and "None" not in design_row
    # the input data's hash, as in manifest.json
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    hashed = readme[readme[0] == "Input data (SHA-256)"].iloc[0, 1]
    assert hashed == manifest["input_hash"], (hashed, list(manifest))


def test_console_notes_keep_their_square_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console read notes as rich markup: "the design has no [policy] section" was
    shown as "the design has no  section"."""
    design = default_design().replace(policy=None, criteria=None)
    outputs = run_study(
        synthetic_history(300, 4),
        design,
        out=tmp_path,
        progress=True,
        stages=("policy",),
        background_figures=False,
    )
    assert outputs.notes == (
        "policy: skipped (the design has no [policy] section (capacity_per_1000))",
    )
    shown = capsys.readouterr().err
    assert "the design has no [policy]" in shown, shown
