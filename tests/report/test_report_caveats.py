"""Caveats: every warning tied to a design key, and the default design runs what it advises."""

from __future__ import annotations

import inspect
import warnings

import pytest

from escalation import StatisticalWarning, build_spells, default_design, simulate_local_authority
from escalation.causal import estimate_effects
from escalation.design import EstimationSpec
from escalation.report.caveats import caveat_from_warning, design_key_line


@pytest.fixture(scope="module")
def immortal_time_warning() -> StatisticalWarning:
    """The warning the effect estimators really raise about the grace period."""
    design = default_design()
    data = build_spells(simulate_local_authority(600, seed=3).history, design)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate_effects(data, design, estimators=["unadjusted"], bootstrap=0, progress=False)
    found = [w.message for w in caught if "immortal time" in str(w.message)]
    assert found, "the naive estimators no longer warn about immortal time"
    message = found[0]
    assert isinstance(message, StatisticalWarning)
    return message


def test_caveats_default_design_runs_what_its_warnings_recommend(
    immortal_time_warning: StatisticalWarning,
) -> None:
    design = default_design()
    assert "ccw" in design.estimation.estimators and design.estimation.bootstrap > 0
    caveat = caveat_from_warning(immortal_time_warning, stage="effects", design=design)
    assert caveat.design_key == "[estimation] estimators"
    assert 'this design includes "ccw"' in caveat.advice
    # A design without ccw is told to add it, in the design file's words.
    naive = design.replace(estimation=EstimationSpec(estimators=("unadjusted", "ipw")))
    advice = caveat_from_warning(immortal_time_warning, stage="effects", design=naive).advice
    assert advice.startswith('add "ccw"')


@pytest.mark.parametrize(
    ("message", "stage", "key"),
    [
        ("positivity: 40 children (30 treated, 10 untreated) have propensity scores outside "
         "(0.01, 0.99)", "effects", "[time_zero]"),
        ("4 propensity scores are within 1e-06 of 0 or 1 (positivity fails for them: the model "
         "gives them no chance of the other arm)", "effects", "[time_zero]"),
        ("13 competing events for 78 model columns (fewer than 5 per column)", "effects",
         "[covariates] include"),
        ("3 of 200 bootstrap replicates failed (a model did not converge)", "effects",
         "[covariates] include"),
        ("covariate column(s) x do not vary, so their hazard ratio cannot be estimated",
         "survival", "[covariates] include"),
        ("cox (lifelines): Newton-Raphson convergence completed successfully but norm(delta) "
         "is still high", "prediction", "[covariates] include"),
        ("something new and unforeseen", "heterogeneity", "[covariates] include"),
    ],
)  # fmt: skip
def test_caveats_known_warnings_name_their_design_key(message: str, stage: str, key: str) -> None:
    caveat = caveat_from_warning(message, stage=stage, design=default_design())
    assert caveat.design_key == key
    assert caveat.advice and caveat.message == message


def test_caveats_a_warning_can_name_its_own_key() -> None:
    warning = StatisticalWarning("few deaths", design_key="[outcome] competing", advice="merge")
    caveat = caveat_from_warning(warning, stage="effects", design=default_design())
    assert (caveat.design_key, caveat.advice) == ("[outcome] competing", "merge")


def test_caveats_prediction_advice_names_what_the_user_can_run() -> None:
    message = "cox: convergence completed but norm(delta) is still high: consider 'penalised_cox'"
    caveat = caveat_from_warning(message, stage="prediction", design=default_design())
    assert "escalation predict DESIGN --models penalised_cox" in caveat.advice


def test_caveats_design_key_line() -> None:
    text = default_design().to_toml()
    lines = text.splitlines()
    assert lines[design_key_line(text, "[estimation] bootstrap") - 1].startswith("bootstrap =")
    assert lines[design_key_line(text, "[time_zero]") - 1] == "[time_zero]"
    assert design_key_line(text, "[outcome] nonexistent") == lines.index("[outcome]") + 1
    assert design_key_line("", "[outcome] horizons") == 1


@pytest.mark.parametrize(
    ("message", "where"),
    [
        ("positivity: 40 children (30 treated, 10 untreated) have propensity scores outside "
         "(0.01, 0.99). Consider restricting the population, overlap weights or truncation.",
         'estimate_effects(..., weight_estimand="overlap", truncate=...)'),
        ("the Cox model: the log-likelihood stopped changing while the coefficient(s) of age "
         "(+31.0) kept growing, so the likelihood is monotone in them (separation). Merge or "
         "drop those levels, or refit with an explicit penalizer",
         "fit_cox(..., penalizer=...)"),
        ("gformula, aipw could not be estimated on these data (the Cox model did not "
         "converge; drop or pool sparse covariates, or raise min_count of the covariate "
         "coding)", "estimate_effects(..., min_count=...)"),
    ],
)  # fmt: skip
def test_caveats_remedies_outside_the_design_say_where_they_are(message: str, where: str) -> None:
    """A warning suggesting what the design file cannot set says it is in the Python API."""
    from escalation.survival import fit_cox

    caveat = caveat_from_warning(message, stage="effects", design=default_design())
    assert where in caveat.advice and "Python API only" in caveat.advice
    # ... and what it names really exists there.
    names = set(inspect.signature(estimate_effects).parameters)
    names |= set(inspect.signature(fit_cox).parameters)
    assert {"weight_estimand", "truncate", "penalizer", "min_count"} <= names


def test_caveats_the_same_warning_with_other_numbers_is_shown_once_and_kept_each_time() -> None:
    """The demo's terminal showed one warning five times, differing only in a count
    (1, 2, 5, 3 and 6 steps). It is shown once (the first, with its own numbers); the log
    keeps each (the brief and manifest list them)."""
    from escalation.report.caveats import CaveatLog

    log = CaveatLog(default_design(), "design.toml")
    text = "the model: at {} (profile, time) step(s) the hazard increments add up to more than 1"
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with log.watch("effects"):
            for count in (1, 2, 5, 1):
                warnings.warn(text.format(count), StatisticalWarning, stacklevel=1)
            warnings.warn("bootstrap replicates failed", StatisticalWarning, stacklevel=1)
    messages = [str(w.message) for w in shown]
    assert len(messages) == 2, messages
    assert "at 1 (profile, time)" in messages[0] and "bootstrap" in messages[1]
    kept = sorted((c.message, c.count) for c in log.caveats if "increments" in c.message)
    assert [count for _, count in kept] == [2, 1, 1]  # three distinct messages, one twice
