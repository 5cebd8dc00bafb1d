"""The brief's key numbers lead with the estimate the design supports.

They lead with the change in risk with early help (the headline answer), then give the
risk without early help as context.

When the effects stage warns that untreated spells ended within the grace period (which
biases the unadjusted, IPW, g-formula and AIPW estimates towards benefit) and the
clone-censor-weight (CCW) estimate was made, the key numbers lead with CCW, show AIPW
beside it for comparison and carry the caveat with them; otherwise they lead with AIPW.
"""

from __future__ import annotations

import html
import re
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

import escalation.pipeline as pipeline
from escalation import StatisticalWarning
from tests.report.report_support import run_brief

GRACE_WARNING = (
    "treatment is classified by early help starting within 14 days of time zero; 60 untreated "
    "spells ended within that grace period and could not have been treated, which biases "
    "unadjusted, ipw, gformula, aipw towards benefit (immortal time). The ccw estimator "
    "handles the grace period."
)
#: Risk without early help and change in risk, by 365 days (as the demo's effects.csv).
ESTIMATES = {
    "unadjusted": ((0.081, 0.073, 0.089), (0.021, 0.008, 0.034)),
    "aipw": ((0.098, 0.089, 0.108), (-0.0213, -0.0357, -0.0068)),
    "ccw": ((0.094, 0.085, 0.104), (-0.0147, -0.0285, -0.0008)),
}


def _effects_table(estimators: tuple[str, ...] = tuple(ESTIMATES)) -> pd.DataFrame:
    rows = []
    for estimator in estimators:
        untreated, difference = ESTIMATES[estimator]
        for estimand, (estimate, low, high) in (
            ("risk_untreated", untreated),
            ("risk_difference", difference),
        ):
            rows.append(
                {
                    "estimator": estimator,
                    "horizon": 365,
                    "estimand": estimand,
                    "estimate": estimate,
                    "conf_low": low,
                    "conf_high": high,
                    "suppressed": False,
                }
            )
    return pd.DataFrame(rows)


def _text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _brief_text(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    grace_warning: bool,
    subfolders: bool = True,
    estimators: tuple[str, ...] = tuple(ESTIMATES),
) -> str:
    """Run the effects stage (replaced by the demo's estimates) and the brief.

    Returns the text of the key numbers (the whole brief is ``out/brief.html``).
    """

    def effects(run: Any, *args: Any, **kwargs: Any) -> object:
        if grace_warning:
            warnings.warn(GRACE_WARNING, StatisticalWarning, stacklevel=1)
        run.table("effects", _effects_table(estimators))
        # what estimate_effects records beside that warning: the estimators it biases
        biased = ["unadjusted", "ipw", "gformula", "aipw"] if grace_warning else []
        return SimpleNamespace(settings={"grace_biased": biased})

    monkeypatch.setattr(pipeline, "_effects", effects)
    page = run_brief(tmp_path / "out", ("effects",), subfolders=subfolders)
    return _text(page[page.index('<section aria-labelledby="key">') : page.index('"cohort"')])


def test_report_brief_headline_is_ccw_when_the_grace_period_biases_aipw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _brief_text(tmp_path, monkeypatch, grace_warning=True)
    labels = re.findall(r"Change in risk with early help, by 365 days \(([^)]*)\)", key)
    assert labels == ["CCW", "AIPW, for comparison"]
    assert "without early help (estimated, CCW)" in key
    assert "-1.5 points" in key and "-2.1 points" in key
    assert key.index("-1.5 points") < key.index("-2.1 points")
    # The headline answer leads: the change in risk (with AIPW beside it for comparison and
    # the caveat that governs both), then the risk without early help as context.
    untreated = key.index("without early help (estimated, CCW)")
    assert key.index("-1.5 points") < key.index("Read with this caveat.") < untreated
    # The leading change gives the risk without early help for scale (that card comes
    # after the caveat), the comparison card does not repeat it.
    first = key[key.index("-1.5 points") : key.index("-2.1 points")]
    assert re.search(r"Without early help, an estimated \d+ in every 100 would\.", first)
    assert key.count("Without early help, an estimated") == 1
    # The caveat sits with the key numbers, its reason in plain words (the effects stage's
    # warning, with its count and "IPW, g-formula", stays in the caveats list).
    assert "Read with this caveat." in key
    assert (
        "Some children without early help escalated or left the study within the 14-day "
        "grace period, before they could have received it, which makes early help look more "
        "beneficial than it is ( immortal time ). The CCW estimate allows for this; the AIPW "
        "estimate does not."  # "immortal time" links to the glossary
    ) in key
    assert "IPW, g-formula" not in key


def test_report_brief_headline_is_aipw_without_the_grace_period_caveat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _brief_text(tmp_path, monkeypatch, grace_warning=False)
    labels = re.findall(r"Change in risk with early help, by 365 days \(([^)]*)\)", key)
    assert labels == ["AIPW"]
    assert "without early help (estimated, AIPW)" in key
    assert "-2.1 points" in key and "-1.5 points" not in key
    # The change in risk leads; the risk without early help follows it as context.
    assert key.index("-2.1 points") < key.index("without early help (estimated, AIPW)")
    assert "Read with this caveat." not in key and "grace period" not in key


def test_report_brief_glossary_header_and_workbook_say_what_the_design_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _brief_text(tmp_path, monkeypatch, grace_warning=True)
    text = _text((tmp_path / "out" / "brief.html").read_text(encoding="utf-8"))
    # The default design keeps each child's first spell only.
    assert "A child can have more than one spell" not in text
    assert "kept each child's first spell only" in text
    # The cohort includes referrals to early help (RC9): a spell is a referral closed
    # "without statutory action", as the question says, not "without further action".
    assert "RC9" in text and "without further action" not in text
    assert "(a referral closed without statutory action)" in text
    # The key numbers are at 365 days; the header says where the 730-day estimates are.
    assert "Outcomes followed for 365 days and 730 days" not in text
    assert "the estimates at 730 days are in results/effects.csv" in text
    # The workbook's README lists the caveats and says how suppressed cells look.
    readme = pd.read_excel(tmp_path / "out" / "results" / "results.xlsx", sheet_name="README")
    rows = dict(zip(readme["Topic"], readme["Text"], strict=True))
    assert "60 untreated spells ended within that grace period" in rows["Caveat 1"]
    assert "blank cell" in rows["Disclosure control"]
    assert "shown as 'fewer than 10'" not in rows["Disclosure control"]


def test_report_brief_points_to_the_effects_table_where_it_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # analyses/05_brief.py writes everything beside the brief: there is no results/ folder,
    # and the header pointed to results/effects.csv all the same.
    _brief_text(tmp_path, monkeypatch, grace_warning=True, subfolders=False)
    assert (tmp_path / "out" / "effects.csv").exists()
    text = _text((tmp_path / "out" / "brief.html").read_text(encoding="utf-8"))
    assert "the estimates at 730 days are in effects.csv" in text
    assert "results/effects.csv" not in text


def test_report_brief_headline_without_ccw_carries_the_grace_period_caveat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A design without CCW: AIPW leads though the grace period biases it, and the key
    numbers say so beside it (an analyst's design without "ccw" headlined "-2.3 points ...
    2.3 fewer in every 100" with the bias only in the caveats list)."""
    key = _brief_text(tmp_path, monkeypatch, grace_warning=True, estimators=("unadjusted", "aipw"))
    labels = re.findall(r"Change in risk with early help, by 365 days \(([^)]*)\)", key)
    assert labels == ["AIPW"]
    assert key.index("-2.1 points") < key.index("Read with this caveat.")
    caveat = key[key.index("Read with this caveat.") :]
    assert "within the 14-day grace period, before they could have received it" in caveat
    assert "The AIPW estimate does not allow for this." in caveat
    assert (
        "These key numbers come from AIPW, which the grace period biases towards benefit, so "
        "they are likely to overstate the benefit of early help. For an estimate the grace "
        'period does not bias, add clone-censor-weight ("ccw") to [estimation] estimators in '
        "the design file."
    ) in caveat
    assert caveat.count("handles the grace period") <= 1  # the warning's own sentence once
