"""The brief's risk-tool paragraph, as run_study writes it, gives both verdicts.

The calibration verdict (the slope's interval) and the case-note verdict (the interval of
the paired AUC difference of the model with and without case-note features, or without it
their two AUC intervals) come from the validation's metrics; the prediction stage is
replaced by constructed tables, one each way (:mod:`tests.report.test_report_risk_tool`
tests the wording rules themselves).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import escalation.pipeline as pipeline
from tests.report.report_support import run_brief
from tests.report.risk_tool_support import DEMO, DEMO_TEXT, GAIN, metrics_table


def _brief_paragraph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, metrics: pd.DataFrame) -> str:
    """Run the brief on a validation's metrics (the prediction stage replaced by them)."""

    def prediction(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"fit": None, "metrics": metrics, "horizon": 365}

    monkeypatch.setattr(pipeline, "_prediction", prediction)
    page = run_brief(tmp_path / "out", ("prediction",))
    section = re.search(r'<section aria-labelledby="tool">(.*?)</section>', page, re.S)
    assert section is not None
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section.group(1))))


def test_report_brief_risk_tool_paragraph_gives_both_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = metrics_table({"cox": DEMO, "cox+text": DEMO_TEXT})
    text = _brief_paragraph(tmp_path / "demo", monkeypatch, demo)
    assert "Its predicted risks were too extreme: the calibration slope was 0.76" in text
    assert "Adding features from case notes showed no sign of improving it" in text
    # The other way: text helps, and the predictions are well calibrated.
    good = metrics_table(
        {
            "cox": {**DEMO, "calibration_slope": (0.98, 0.85, 1.12)},
            "cox+text": {**DEMO, "auc": (0.780, 0.750, 0.810)},
        }
    )
    text = _brief_paragraph(tmp_path / "good", monkeypatch, good)
    assert "The spread of its predicted risks was consistent with what happened" in text
    assert "Adding features from case notes improved its ranking" in text
    assert "too extreme" not in text and "did not improve" not in text


def test_report_brief_reads_the_paired_auc_difference(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gain whose AUC intervals overlap but whose paired interval lies above 0."""
    gain = metrics_table({"cox": DEMO, "cox+text": GAIN})
    text = _brief_paragraph(tmp_path / "gain", monkeypatch, gain)
    assert (
        "Adding features from case notes improved its ranking: with them its AUC was 0.69 "
        "(95% CI 0.66 to 0.74), against 0.68 (95% CI 0.64 to 0.72) on structured data alone "
        "(difference 0.017, 95% CI 0.004 to 0.030)."
    ) in text
