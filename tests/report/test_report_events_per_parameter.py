"""The events-per-parameter rule: a model too large for its events is not fitted.

A small local authority's hazard model has fewer than
:data:`escalation.pipeline.MIN_EVENTS_PER_PARAMETER` escalations per column of its
design matrix: the run skips the hazard ratios and the proportional hazards check, says
why (the rule and the numbers, the count disclosed) in the notes, the manifest and the
brief, and still draws the descriptive transitions. With enough escalations it fits them.

The effect estimators' outcome and propensity models (and the models of escalation by the
first horizon) are fitted either way: below the minimum the run raises a caveat on
``[covariates] include`` with the numbers.
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
    assert _reason(15, 2).startswith("15 escalations")
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
    assert [n for n in manifest["notes"] if REASON.search(n)] == notes
    html = (out.out / "brief.html").read_text()
    assert "The hazard models (hazard ratios and the proportional hazards check): skipped" in html
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


#: "about 230 escalations for 65 model parameters (fewer than the 650 needed: ...model)"
COUNTED = re.compile(
    r": (?:about )?(\d+|fewer than 10) (.+?) for (\d+) model parameters \(fewer than the "
    r"(\d+) needed: 10 per parameter, the usual minimum for a stable (.+?)\)\.$"
)


def _columns(spells: pd.DataFrame, covariates: list[str]) -> int:
    """Columns of the coded design matrix, counted here from the spells themselves.

    One for each numeric covariate; one for each categorical level seen at least 20 times
    but the first, plus one for ``other`` when rarer levels are pooled into it.
    """
    columns = 0
    for name in covariates:
        values = spells[name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            columns += 1
            continue
        counts = values.astype("string").value_counts()
        kept = int((counts >= 20).sum())
        pooled = bool((counts < 20).any())
        columns += kept + pooled - 1
    return columns


def _shown_count(text: str, exact: int) -> None:
    """The count shown is the disclosed one: rounded to 5 (never exact unless a multiple)."""
    assert int(text) % 5 == 0 and abs(int(text) - exact) <= 2, (text, exact)


def _epp_caveats(outputs: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for caveat in outputs.caveats:
        if "model parameters (fewer than the" in caveat.message:
            found.setdefault(caveat.stage, []).append(caveat)
    return found


def _check(message: str, start: str, exact: int, counted: str, columns: int, model: str) -> None:
    """``message`` starts so, shows ``exact`` disclosed, counts ``counted`` over ``columns``."""
    assert message.startswith(start), message
    found = COUNTED.search(message)
    assert found is not None, message
    _shown_count(found.group(1), exact)
    assert found.group(2) == counted, message
    assert int(found.group(3)) == columns and int(found.group(4)) == 10 * columns, message
    assert found.group(5) == model, message


def _training_years(spells: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, int]:
    """The risk tool's training spells and their escalations by ``horizon`` seen by then.

    Trained on the earliest 70% of time zeros, follow-up censored at the first later one.
    """
    time_zero = pd.to_datetime(spells["time_zero"])
    cutoff = time_zero.sort_values().iloc[int(0.7 * len(spells))]
    train = spells[time_zero < cutoff]
    seen = train["duration"] <= (cutoff - pd.to_datetime(train["time_zero"])).dt.days
    escalated = (train["event"] == 1) & (train["duration"] <= horizon) & seen
    return train, int(escalated.sum())


def test_small_authority_gets_caveats_on_its_models(tmp_path: Path) -> None:
    stages = ("effects", "heterogeneity", "prediction", "policy")
    history, out = _stages(3_000, 1, tmp_path, stages, bootstrap=0)
    data = build_spells(history, default_design())
    spells, horizon = data.spells, 365
    covariates = list(data.model_covariates)
    columns = _columns(spells, covariates)
    escalations = int((spells["event"] == 1).sum())
    treated = int((spells["treatment"] == 1).sum())
    smaller = min(treated, len(spells) - treated)
    by_horizon = int(((spells["event"] == 1) & (spells["duration"] <= horizon)).sum())
    train, trained_on = _training_years(spells, horizon)
    train_columns = _columns(train, covariates)
    # Every model falls short of 10 escalations (or spells) per column.
    assert escalations < 10 * columns and smaller < 10 * columns
    assert by_horizon < 10 * columns and trained_on < 10 * train_columns
    caveats = _epp_caveats(out)
    assert sorted(caveats) == sorted(stages), caveats
    assert [len(caveats[s]) for s in stages] == [2, 1, 1, 1], caveats
    outcome, propensity = caveats["effects"]
    _check(outcome.message, "The outcome model of the effect estimates (G-formula, AIPW) may "
           "be unstable: ", escalations, "escalations", columns, "Cox model")  # fmt: skip
    _check(propensity.message, "The propensity model (the chance of early help) may be "
           "unstable: ", smaller, "spells in the smaller group (with or without early help)",
           columns, "propensity model")  # fmt: skip
    _check(caveats["heterogeneity"][0].message, "The models of escalation by 365 days behind "
           "the differences in effect between groups may be unstable: ", by_horizon,
           "escalations by 365 days", columns, "model")  # fmt: skip
    _check(caveats["policy"][0].message, "The models of escalation by 365 days behind the "
           "rules deciding who is offered early help may be unstable: ", by_horizon,
           "escalations by 365 days", columns, "model")  # fmt: skip
    _check(caveats["prediction"][0].message, "The risk models may be overfitted (predicted "
           "risks too extreme): ", trained_on, "escalations by 365 days in the training years",
           train_columns, "model")  # fmt: skip
    for caveat in [c for found in caveats.values() for c in found]:
        assert caveat.design_key == "[covariates] include"
        assert caveat.advice == "use fewer or coarser covariates (merge rare levels)."
        assert f"{caveat.stage}: {caveat.message}" in out.notes
    manifest = json.loads(out.manifest.read_text())
    shared = {(c["stage"], c["message"]) for c in manifest["caveats"]}
    assert {(c.stage, c.message) for found in caveats.values() for c in found} <= shared


def test_large_authority_gets_no_caveat_on_the_propensity_model(tmp_path: Path) -> None:
    # 5,000 children (seed 1): enough spells in the smaller group for the propensity model,
    # too few escalations for the outcome model.
    history, out = _stages(5_000, 1, tmp_path, ("effects",), bootstrap=0)
    data = build_spells(history, default_design())
    spells = data.spells
    columns = _columns(spells, list(data.model_covariates))
    treated = int((spells["treatment"] == 1).sum())
    assert min(treated, len(spells) - treated) >= 10 * columns
    assert int((spells["event"] == 1).sum()) < 10 * columns
    messages = [c.message for c in _epp_caveats(out).get("effects", [])]
    assert len(messages) == 1 and messages[0].startswith("The outcome model"), messages
