"""Pooled individual-level analysis: several authorities in one case history."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from escalation.data.simulator import simulate_local_authorities
from escalation.design import AnalysisSpec, default_design
from escalation.disclosure import disclose_count
from escalation.pipeline import run_study
from escalation.survival import fit_cox
from escalation.timeline import build_spells
from tests.report.alt_support import check_alt_texts

# The checks read tables, notes and the PNG: figures in one format (tests/figure_formats.py).
pytestmark = pytest.mark.usefixtures("png_figures")


def _design(authority: str) -> object:
    base = default_design()
    return base.replace(
        estimation=dataclasses.replace(base.estimation, estimators=("unadjusted", "ipw")),
        analysis=AnalysisSpec(authority=authority),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def history() -> object:
    return simulate_local_authorities(3, n_children=2_500, seed=21).history


# Small simulated authorities: models may rightly warn about sparse levels.
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_stratified_study_reports_effects_by_authority_beside_the_pooled(
    history: object, tmp_path: Path
) -> None:
    design = _design("stratify")
    out = run_study(
        history,  # type: ignore[arg-type]
        design,  # type: ignore[arg-type]
        out=tmp_path,
        seed=2,
        bootstrap=5,
        progress=False,
        stages=("effects", "authorities", "survival", "brief"),
    )
    by = pd.read_csv(tmp_path / "results" / "effects_by_authority.csv")
    assert set(by["authority"]) == {"LA01", "LA02", "LA03"}
    assert (tmp_path / "figures" / "effects_by_authority.png").exists()
    hr = pd.read_csv(tmp_path / "results" / "hazard_ratios.csv").set_index("term")
    data = build_spells(history, design)  # type: ignore[arg-type]
    from escalation.pipeline import HAZARD_COVARIATES

    _check_observed_risks_are_disclosed_shares(by, data.spells)
    covariates = [c for c in HAZARD_COVARIATES if c in data.spells.columns]
    expected = fit_cox(data, covariates, strata="la").tidy(exponentiate=True).set_index("term")
    assert hr.loc["treatment", "estimate"] == pytest.approx(
        expected.loc["treatment", "estimate"], rel=1e-9
    )
    html = (tmp_path / "brief.html").read_text()
    assert "By local authority" in html
    assert out.brief is not None
    # The forest by authority says what it plots and its estimates, from the written tables.
    ids = [*history.children["child_id"], *history.children["family_id"]]  # type: ignore[attr-defined]
    alts = dict((title, alt) for alt, title in check_alt_texts(tmp_path, ids))
    assert "3 authorities shown" in alts["Effect of early help in each local authority"]


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_clustering_by_few_authorities_is_noted(history: object, tmp_path: Path) -> None:
    out = run_study(
        history,  # type: ignore[arg-type]
        _design("cluster"),  # type: ignore[arg-type]
        out=tmp_path,
        seed=2,
        bootstrap=5,
        progress=False,
        stages=("effects",),
    )
    assert any("3 local authorities as clusters" in n for n in out.notes)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert 'authority = "cluster"' in manifest["design"]["toml"]


def _check_observed_risks_are_disclosed_shares(by: pd.DataFrame, spells: pd.DataFrame) -> None:
    """Each authority's unadjusted risks are disclosed counts over its disclosed arm sizes.

    At full precision (0.1023... of an arm) they, or the difference and ratio of two,
    gave the authority's exact escalations back; the difference is that of the risks
    shown.
    """
    rows = by[(by["estimator"] == "unadjusted") & ~by["suppressed"]]
    assert len(rows)
    for (authority, _), part in rows.groupby(["authority", "horizon"]):
        risk = part.set_index("estimand")["estimate"]
        mine = spells[spells["la"] == authority]
        for arm, code in (("treated", 1), ("untreated", 0)):
            size = disclose_count(int((mine["treatment"] == code).sum()))
            expected = risk[f"risk_{arm}"] * size
            assert expected == pytest.approx(5 * round(expected / 5), abs=1e-6), authority
        difference = risk["risk_treated"] - risk["risk_untreated"]
        assert risk["risk_difference"] == pytest.approx(difference, abs=1e-15)
