"""Checks of the events-per-parameter caveats, recomputing the events and columns here.

The run raises a caveat on ``[covariates] include`` when the effect estimators' outcome or
propensity model, or the models of escalation by the first horizon (heterogeneity, the
policy study, the risk tool in its training years), have fewer than 10 events per column
of their coded design matrix. These helpers count both from the spells themselves, not
with the package's own helpers.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pandas as pd

from escalation import build_spells
from escalation.design import StudyDesign
from escalation.disclosure import DEFAULT_RULES
from escalation.pipeline import _withheld_words

__all__ = ["check_small_authority_caveats", "count_columns", "epp_caveats"]

#: "about 230 escalations for 65 model parameters (fewer than the 650 needed: ...model)"
COUNTED = re.compile(
    r": about (\d+) (.+?) for (\d+) model parameters \(fewer than the "
    r"(\d+) needed: 10 per parameter, the usual minimum for a stable (.+?)\)\.$"
)


def count_columns(spells: pd.DataFrame, covariates: list[str]) -> int:
    """Columns of the coded design matrix, counted here from the spells themselves.

    One for each numeric covariate; one for each categorical level seen at least 20 times
    but the first, plus one for ``other`` when rarer levels are pooled into it.
    """
    return coded(spells, covariates).shape[1]


def coded(spells: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    """The covariates coded here: numbers as they are, categories as indicators of their
    levels seen at least 20 times (rarer ones pooled as ``other``), the first left out."""
    parts = []
    for name in covariates:
        values = spells[name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parts.append(values.astype(float).rename(name))
            continue
        text = values.astype("string").fillna("<missing>")
        counts = text.value_counts()
        pooled = text.where(text.map(counts) >= 20, "other")
        parts.append(pd.get_dummies(pooled, prefix=name, drop_first=True, dtype=float))
    return pd.concat(parts, axis=1)


def estimable_columns(spells: pd.DataFrame, covariates: list[str]) -> int:
    """Columns left once those that are a combination of others (and the intercept) go.

    The models drop such redundant columns before fitting; the rank counts what is left.
    """
    matrix = coded(spells, covariates).to_numpy()
    return int(np.linalg.matrix_rank(np.column_stack([np.ones(len(matrix)), matrix]))) - 1


def _shown_count(text: str, exact: int) -> None:
    """The count shown is the disclosed one, rounded to 5 (and read "about", even when exact)."""
    assert int(text) % 5 == 0 and abs(int(text) - exact) <= 2, (text, exact)


def epp_caveats(outputs: Any) -> dict[str, list[Any]]:
    """The run's events-per-parameter caveats, by stage."""
    found: dict[str, list[Any]] = {}
    for caveat in outputs.caveats:
        if "model parameters (fewer than the" in caveat.message:
            found.setdefault(caveat.stage, []).append(caveat)
    return found


def check_message(
    message: str, start: str, exact: int, counted: str, columns: int, model: str
) -> None:
    """``message`` starts so, shows ``exact`` disclosed, counts ``counted`` over ``columns``."""
    assert message.startswith(start), message
    found = COUNTED.search(message)
    assert found is not None, message
    _shown_count(found.group(1), exact)
    assert found.group(2) == counted, message
    assert int(found.group(3)) == columns and int(found.group(4)) == 10 * columns, message
    assert found.group(5) == model, message


def training_years(spells: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, int]:
    """The risk tool's training spells and their escalations by ``horizon`` seen by then.

    Trained on the earliest 70% of time zeros, follow-up censored at the first later one.
    """
    time_zero = pd.to_datetime(spells["time_zero"])
    cutoff = time_zero.sort_values().iloc[int(0.7 * len(spells))]
    train = spells[time_zero < cutoff]
    seen = train["duration"] <= (cutoff - pd.to_datetime(train["time_zero"])).dt.days
    escalated = (train["event"] == 1) & (train["duration"] <= horizon) & seen
    return train, int(escalated.sum())


def check_small_authority_caveats(outputs: Any, history: Any, design: StudyDesign) -> None:
    """Every model of a small authority's run has its caveat, with the numbers recomputed.

    ``outputs`` ran the effects, heterogeneity, prediction and policy stages on ``history``
    with ``design``, and every one of their models falls short of 10 events per column.
    """
    stages = ("effects", "heterogeneity", "prediction", "policy")
    data = build_spells(history, design)
    spells, horizon = data.spells, int(design.outcome.horizons[0])
    assert design.policy_horizon == horizon  # the policy study's models: the same horizon
    covariates = list(data.model_covariates)
    columns = count_columns(spells, covariates)
    estimable = estimable_columns(spells, covariates)  # what the effect models fit
    escalations = int((spells["event"] == 1).sum())
    treated = int((spells["treatment"] == 1).sum())
    smaller = min(treated, len(spells) - treated)
    by_horizon = int(((spells["event"] == 1) & (spells["duration"] <= horizon)).sum())
    train, trained_on = training_years(spells, horizon)
    train_columns = count_columns(train, covariates)
    # Every model falls short of 10 escalations (or spells) per column.
    assert escalations < 10 * columns and smaller < 10 * columns
    assert by_horizon < 10 * columns and trained_on < 10 * train_columns
    caveats = epp_caveats(outputs)
    assert sorted(caveats) == sorted(stages), caveats
    assert [len(caveats[s]) for s in stages] == [2, 1, 1, 1], caveats
    outcome, propensity = caveats["effects"]
    start = {
        "outcome": "The outcome model of the effect estimates (G-formula, AIPW) may be unstable: ",
        "propensity": "The propensity model (the chance of early help) may be unstable: ",
        "heterogeneity": f"The models of escalation by {horizon} days behind the differences "
        "in effect between groups may be unstable: ",
        "policy": f"The models of escalation by {horizon} days behind the rules deciding who "
        "is offered early help may be unstable: ",
        "prediction": "The risk models may be overfitted (predicted risks too extreme; more "
        "so those with case-note features, which have more parameters than counted here): ",
    }
    by = f"escalations by {horizon} days"
    smaller_arm = "spells in the smaller group (with or without early help)"
    # The outcome model is a Cox model of treatment and the confounders: one column more.
    check_message(outcome.message, start["outcome"], escalations, "escalations", estimable + 1,
                  "Cox model")  # fmt: skip
    check_message(propensity.message, start["propensity"], smaller, smaller_arm, estimable,
                  "propensity model")  # fmt: skip
    for stage in ("heterogeneity", "policy"):
        check_message(caveats[stage][0].message, start[stage], by_horizon, by, columns, "model")
    check_message(caveats["prediction"][0].message, start["prediction"], trained_on,
                  f"{by} in the training years", train_columns, "model")  # fmt: skip
    for caveat in [c for found in caveats.values() for c in found]:
        assert caveat.design_key == "[covariates] include"
        assert caveat.advice == "use fewer or coarser covariates (merge rare levels)."
        assert f"{caveat.stage}: {caveat.message}" in outputs.notes
    # The brief, read by people who decide policy, puts the five in one sentence.
    html = (outputs.out / "brief.html").read_text()
    assert html.count("5 models rest on fewer than 10 events per model parameter") == 1
    assert "model may be unstable: about" not in html
    manifest = json.loads(outputs.manifest.read_text())
    shared = {(c["stage"], c["message"]) for c in manifest["caveats"]}
    # Each is in the manifest as shared: when the cohort counts withhold the escalations
    # (fewer than 10 deaths), without their number.
    withheld = _withheld_words(data, DEFAULT_RULES)
    found = [c.disclosed(DEFAULT_RULES, withheld=withheld) for f in caveats.values() for c in f]
    assert {(c.stage, c.message) for c in found} <= shared
    if "escalations" in withheld:
        assert not any(re.search(r"about [\d,]+ escalations", m) for _, m in shared), shared
