"""The events-per-parameter rule: a model too large for its events is not fitted.

A small local authority's hazard model has fewer than
:data:`escalation.pipeline.MIN_EVENTS_PER_PARAMETER` escalations per column of its
design matrix: the run skips the hazard ratios and the proportional hazards check, says
why (the rule and the numbers, the count disclosed) in the notes, the manifest and the
brief, and still draws the descriptive transitions. With enough escalations it fits them.

The effect estimators' outcome and propensity models (and the models of escalation by the
first horizon) are fitted either way: below the minimum the run raises a caveat on
``[covariates] include`` with the numbers. A small authority's caveats are checked in the
3,000-child demo (``test_report_demo.py``), which runs every stage anyway.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

import escalation.pipeline as pipeline
from escalation import build_spells, default_design
from escalation.data.simulator import simulate_local_authority
from escalation.disclosure import DEFAULT_RULES
from escalation.errors import StatisticalWarning
from tests.report.epp_support import count_columns, epp_caveats

#: "about 20 escalations for 10 model parameters (fewer than the 100 needed: ...)"
REASON = re.compile(
    r"(about (\d+)|fewer than 10) escalations for (\d+) model parameters \(fewer than the "
    r"(\d+) needed: 10 per parameter, the usual minimum for a stable Cox model\)"
)


def _survival_only(children: int, seed: int, out: Path) -> Any:
    """Run the survival stage (and the brief) on a simulated authority; figures as PNG."""
    return _stages(children, seed, out, ("survival", "brief"))


def _stages(
    children: int, seed: int, out: Path, stages: tuple[str, ...], **kwargs: Any
) -> tuple[Any, Any]:
    """Run ``stages`` on a simulated authority (default design); figures as PNG."""
    from tests.figure_formats import png_figures

    history = simulate_local_authority(children, seed=seed).history
    with png_figures(), warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        outputs = pipeline.run_study(
            history,
            default_design(),
            out=out,
            progress=False,
            stages=stages,
            background_figures=False,
            **kwargs,
        )
    return history, outputs


def _reason(events: int, parameters: int, **kwargs: str) -> str:
    short = pipeline._too_few_events(events, parameters, DEFAULT_RULES, **kwargs)
    assert short is not None
    return short


def test_too_few_events_names_the_rule_and_discloses_the_count() -> None:
    assert pipeline.MIN_EVENTS_PER_PARAMETER == 10
    assert pipeline._too_few_events(100, 10, DEFAULT_RULES) is None
    assert pipeline._too_few_events(20, 2, DEFAULT_RULES) is None
    assert _reason(99, 10).startswith("about 100 escalations for 10 model parameters")
    # Exact counts are never shown: below the threshold suppressed, else rounded to 5.
    assert _reason(7, 2).startswith("fewer than 10 escalations for 2 model parameters")
    # A rounded count reads "about" even when it is exact: "15" alone would say it is 15.
    assert _reason(15, 2).startswith("about 15 escalations")
    arm = _reason(23, 24, counted="spells in the smaller arm", model="propensity model")
    assert arm.startswith("about 25 spells in the smaller arm for 24 model parameters")
    assert arm.endswith(
        "(fewer than the 240 needed: 10 per parameter, the usual minimum for a "
        "stable propensity model)"
    )


def test_small_authority_skips_the_hazard_models_with_the_reason(tmp_path: Path) -> None:
    history, out = _survival_only(250, 1, tmp_path)
    spells = build_spells(history, default_design()).spells
    escalations = int((spells["event"] == 1).sum())
    assert 0 < escalations < 100  # the model's 10 columns would need 100
    notes = [n for n in out.notes if n.startswith("survival: hazard models skipped")]
    assert len(notes) == 1, out.notes
    found = REASON.search(notes[0])
    assert found is not None, notes[0]
    shown = found.group(2)
    # The count is disclosed: suppressed below 10, else rounded to 5 (never the exact one).
    if shown is None:
        assert escalations < 10
    else:
        assert int(shown) % 5 == 0 and int(shown) >= 10 and abs(int(shown) - escalations) <= 2
    results = out.out / "results"
    assert not (results / "hazard_ratios.csv").exists()
    assert not (results / "proportional_hazards.csv").exists()
    assert "hazard_ratios" not in out.figures and "schoenfeld" not in out.figures
    # Descriptive outputs are still written.
    assert (results / "transitions.csv").exists()
    manifest = json.loads(out.manifest.read_text())
    html = (out.out / "brief.html").read_text()
    assert "The hazard models (hazard ratios and the proportional hazards check): skipped" in html
    data = build_spells(history, default_design())
    if "escalations" in pipeline._withheld_words(data, DEFAULT_RULES):
        # The cohort counts withhold the escalations (fewer than 10 deaths): what is shared
        # gives no count of them, the analyst's own notes do.
        withheld = "too few escalations (their number is withheld, as in the cohort counts)"
        assert [n for n in manifest["notes"] if withheld in n]
        assert withheld in html and REASON.search(html) is None
        assert not [n for n in manifest["notes"] if REASON.search(n)]
    else:
        assert [n for n in manifest["notes"] if REASON.search(n)] == notes
        assert REASON.search(html) is not None
    assert not out.failures


def test_authority_just_above_the_minimum_fits_the_hazard_models(tmp_path: Path) -> None:
    # 1,400 simulated children (seed 3) give about 100 escalations for the 10 columns.
    history, out = _survival_only(1_400, 3, tmp_path)
    spells = build_spells(history, default_design()).spells
    escalations = int((spells["event"] == 1).sum())
    assert 100 <= escalations < 120
    assert not [n for n in out.notes if "hazard models skipped" in n], out.notes
    hazard = pd.read_csv(out.out / "results" / "hazard_ratios.csv")
    assert len(hazard) == 10
    assert {"hazard_ratios", "schoenfeld"} <= set(out.figures)


def test_large_authority_gets_no_caveat_on_the_propensity_model(tmp_path: Path) -> None:
    # 5,000 children (seed 1): enough spells in the smaller group for the propensity model,
    # too few escalations for the outcome model.
    history, out = _stages(5_000, 1, tmp_path, ("effects",), bootstrap=0)
    data = build_spells(history, default_design())
    spells = data.spells
    columns = count_columns(spells, list(data.model_covariates))
    treated = int((spells["treatment"] == 1).sum())
    assert min(treated, len(spells) - treated) >= 10 * columns
    assert int((spells["event"] == 1).sum()) < 10 * columns
    messages = [c.message for c in epp_caveats(out).get("effects", [])]
    assert len(messages) == 1 and messages[0].startswith("The outcome model"), messages
