"""Caveats: every warning tied to a design key, and the default design runs what it advises."""

from __future__ import annotations

import dataclasses
import inspect
import warnings

import numpy as np
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
        ("covariate column(s) prior_assessments (collinear with prior_referrals) are linear "
         "combinations of earlier columns, so they were left out", "survival",
         "[covariates] include"),
        ("cox (lifelines): Newton-Raphson convergence completed successfully but norm(delta) "
         "is still high", "prediction", "[covariates] include"),
        ("something new and unforeseen", "heterogeneity", "[covariates] include"),
    ],
)  # fmt: skip
def test_caveats_known_warnings_name_their_design_key(message: str, stage: str, key: str) -> None:
    caveat = caveat_from_warning(message, stage=stage, design=default_design())
    assert caveat.design_key == key
    assert caveat.advice and caveat.message == message


def test_caveats_a_collinear_column_is_not_said_to_lack_variation() -> None:
    message = (
        "covariate column(s) prior_assessments (collinear with prior_referrals) cannot be "
        "estimated, so the weight models leave them out"
    )
    caveat = caveat_from_warning(message, stage="effects", design=default_design())
    assert caveat.design_key == "[covariates] include"
    assert "collinear" in caveat.advice


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
         'estimate_effects(..., estimators=["ipw"], weight_estimand="overlap", '),
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


SEPARATION = (
    "the Cox model of {model}: the log-likelihood stopped changing while the coefficient(s) "
    "of {terms} kept growing, so the likelihood is monotone in them and their estimates are "
    "infinite (separation: a covariate value with all or none of the events, or that "
    "predicts the outcome perfectly). Coefficient may be infinite: the values shown are where "
    "the fit stopped and their standard errors mean nothing. Merge or drop those levels, or "
    "refit with an explicit penalizer"
)


def _warn_separation(model: str, terms: str) -> None:
    warnings.warn(SEPARATION.format(model=model, terms=terms), StatisticalWarning, stacklevel=2)


def _refitting(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A bootstrap statistic whose every refit warns of separation (as the demo's did)."""
    _warn_separation("competing events", f"treatment (-{19 + rows[0] % 3})")
    return np.array([values[rows].mean()])


def test_caveats_count_the_warnings_of_bootstrap_refits() -> None:
    """A warning raised by a bootstrap replicate is counted as a refit's, not the main fit's
    (the demo's brief read as if its main model had failed eleven times)."""
    from escalation.causal import cluster_bootstrap
    from escalation.report.caveats import CaveatLog

    log = CaveatLog(default_design(), "design.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with log.watch("effects"):
            cluster_bootstrap(_refitting, np.arange(40) // 2, 12, args=(np.arange(40.0),), n_jobs=1)
    caveats = [c for c in log.caveats if "separation" in c.message]
    # The first call of the statistic (on every row, to size the output) is not a refit.
    assert sum(c.count for c in caveats) == 13
    assert sum(c.refits for c in caveats) == 12
    assert all(c.to_dict()["bootstrap_refits"] == c.refits for c in caveats)


def test_caveats_in_the_brief_are_grouped_labelled_and_disclosed() -> None:
    from escalation.disclosure import DEFAULT_RULES
    from escalation.report.caveats import Caveat, brief_caveats, caveat_from_warning

    design = default_design()

    def caveat(message: str, count: int = 1, refits: int = 0) -> Caveat:
        found = caveat_from_warning(message, stage="effects", design=design)
        return dataclasses.replace(found, count=count, refits=refits)

    raised = [
        caveat(SEPARATION.format(model="escalation", terms="source_3C (-15.0)"), 1, 1),
        caveat(SEPARATION.format(model="competing events", terms="treatment (-19.8)"), 6, 6),
        caveat(SEPARATION.format(model="escalation", terms="need_N7 (-15.7)"), 1, 1),
        caveat(SEPARATION.format(model="competing events", terms="treatment (-19.7)"), 5, 5),
        caveat(
            SEPARATION.format(
                model="escalation", terms="ethnicity_WIRI (-16.1), factor_2A (-15.9)"
            ),
            1,
            1,
        ),
        caveat(
            "10 competing events for 78 model columns (fewer than 5 per column): the g-formula "
            "and AIPW model the competing event by treatment only (its covariate effects set "
            "to 0); settings['competing_model'] says so"
        ),
        caveat("positivity: 40 children (38 treated, 2 untreated) have extreme scores"),
    ]
    lines = brief_caveats(raised, DEFAULT_RULES, replicates=50)
    assert len(lines) == 4  # one line per model, however many refits and levels
    escalation, competing, _, positivity = lines
    # Refits are counted as such, of the replicates run, not as failures of the main fit.
    assert "in 3 of the 50 bootstrap refits" in escalation
    assert "in 11 of the 50 bootstrap refits" in competing
    assert "come from a fit without this problem" in competing
    # The covariates in words, not model columns; never their levels (few children).
    for code in ("source_3C", "need_N7", "ethnicity_WIRI", "factor_2A"):
        assert code not in escalation
    assert "Primary need" in escalation and "Ethnicity" in escalation
    assert "Low income" not in escalation and "White Irish" not in escalation
    # A competing event's model names no group: which arm had none of a rare event would
    # give a small count away.
    assert "treatment" not in competing and "all or none" not in competing
    # Advice about the Python API and pointers into Python objects stay in the manifest.
    for line in lines:
        assert "Python API" not in line and "penalizer" not in line and "settings[" not in line
    assert "fit_cox" in raised[0].advice  # ... where they still are
    # Counts below the threshold are disclosed.
    assert "2 untreated" not in positivity and "fewer than 10 untreated" in positivity


def test_caveats_name_case_note_features_in_words() -> None:
    # A separation caveat named "a feature from case notes (flag cce)".
    from escalation.report.caveats import _term_label

    assert _term_label("text_flag_cce") == "case notes mention child criminal exploitation"
    assert _term_label("text_n_cce_affirmed") == (
        "affirmed mentions of child criminal exploitation in case notes"
    )
    assert _term_label("text_n_notes") == "the number of case notes"


def test_caveats_models_short_of_events_are_one_sentence_in_the_brief() -> None:
    """Several models with too few events per parameter: one sentence in the brief, each
    model with its numbers, the design key once; the manifest keeps every caveat."""
    from escalation.disclosure import DEFAULT_RULES
    from escalation.report.caveats import Caveat, brief_caveats

    def short(what: str, concern: str, numbers: str) -> Caveat:
        message = (
            f"{what} may be {concern}: {numbers} (fewer than the 650 needed: 10 per "
            "parameter, the usual minimum for a stable model)."
        )
        return Caveat("effects", "[covariates] include", message, "use fewer covariates.")

    raised = [
        short("The outcome model", "unstable", "about 230 escalations for 65 model parameters"),
        Caveat("effects", "[outcome] horizons", "Horizon 730 is past follow-up.", "shorten."),
        short("The propensity model", "unstable", "about 560 spells for 64 model parameters"),
        short("The risk models", "overfitted", "about 85 escalations for 59 model parameters"),
    ]
    lines = brief_caveats(raised, DEFAULT_RULES)
    assert len(lines) == 2, lines
    combined, other = lines
    assert combined.startswith("3 models rest on fewer than 10 events per model parameter")
    assert "the outcome model, about 230 escalations for 65 model parameters; " in combined
    assert "the risk models, which may be overfitted, about 85 escalations" in combined
    assert combined.count("In the design file, [covariates] include") == 1
    assert other.startswith("Horizon 730 is past follow-up.")
    # One such caveat alone reads as raised.
    (alone,) = brief_caveats(raised[:1], DEFAULT_RULES)
    assert alone.startswith("The outcome model may be unstable: about 230 escalations")


def _separating(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A bootstrap statistic whose refits warn of separation in other terms each time."""
    terms = ("source_3C", "need_N7", "factor_2A")[rows[0] % 3]
    _warn_separation("escalation", f"{terms} (-{15 + rows[1] % 4})")
    return np.array([values[rows].mean()])


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_caveats_warnings_of_bootstrap_refits_are_shown_once_with_their_count(n_jobs: int) -> None:
    """A run of 200 refits printed 47 separation warnings of one model on the terminal. The
    refits' warnings of a kind are shown once, the first in full, with the exact count of
    the others; the log keeps every one (the brief and manifest count them), in this
    process or from worker processes (the bootstrap does not group them for it)."""
    from escalation.causal import cluster_bootstrap
    from escalation.report.caveats import CaveatLog

    log = CaveatLog(default_design(), "design.toml")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with log.watch("effects"):
            cluster_bootstrap(
                _separating,
                np.arange(40) // 2,
                12,
                args=(np.arange(40.0),),
                n_jobs=n_jobs,
                seed=5,
                progress=False,
            )
    separation = [str(w.message) for w in shown if "separation" in str(w.message)]
    # The fit on every row (not a refit), then the first refit's with the other 11 counted.
    assert len(separation) == 2, separation
    assert "more like it" not in separation[0]
    assert separation[1].endswith("(and 11 more like it during the bootstrap refits)")
    assert "kept growing, so the likelihood is monotone" in separation[1]  # in full
    caveats = [c for c in log.caveats if "separation" in c.message]
    assert sum(c.count for c in caveats) == 13 and sum(c.refits for c in caveats) == 12


def test_caveats_alike_once_disclosed_are_one_line_in_the_brief() -> None:
    """Caveats whose counts differ but read alike once disclosed are one line, with every
    time raised: an analyst's brief listed "Fewer than 10 propensity scores are within
    1e-06 ..." three times (raised with 3, 5 and 7 scores). Counts that stay apart once
    disclosed stay on their own lines."""
    from escalation.disclosure import DEFAULT_RULES
    from escalation.report.caveats import Caveat, brief_caveats

    message = "{} propensity scores are within 1e-06 of 0 or 1 (positivity fails for them)"
    raised = [(3, 1), (5, 2), (7, 1), (25, 1)]
    caveats = [
        Caveat("effects", "[time_zero]", message.format(n), "restrict who is studied.", count=c)
        for n, c in raised
    ]
    lines = brief_caveats(caveats, DEFAULT_RULES)
    assert lines == (
        "Fewer than 10 propensity scores are within 1e-06 of 0 or 1 (positivity fails for "
        "them). In the design file, [time_zero]: restrict who is studied. (Raised 4 times.)",
        "25 propensity scores are within 1e-06 of 0 or 1 (positivity fails for them). In the "
        "design file, [time_zero]: restrict who is studied.",
    )


def test_caveats_on_the_console_are_grouped_as_their_warnings() -> None:
    """``escalation estimate`` ended with one ``caveat:`` line per bootstrap refit (78 for
    10 replicates, thousands at the design's 200). The console lines group them as the
    warnings are grouped: the refits' caveats of a kind once, with how many more; the
    same caveat raised again in the same words once, with how many more times. The log
    (and so the manifest, with ``count`` and ``bootstrap_refits``) keeps every one."""
    from escalation.causal import cluster_bootstrap
    from escalation.report.caveats import Caveat, CaveatLog

    log = CaveatLog(default_design(), "design.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with log.watch("effects"):
            cluster_bootstrap(
                _separating, np.arange(40) // 2, 12, args=(np.arange(40.0),), n_jobs=1, seed=5
            )
    horizon = Caveat("effects", "[outcome] horizons", "Horizon 730 is past follow-up.", "ok.")
    for _ in range(3):
        log.add(horizon)
    separation = [c for c in log.caveats if "separation" in c.message]
    assert len(separation) > 2  # raised in other terms by the refits: apart in the log
    lines = log.lines()
    # The fit on every row (not a refit) and the 12 refits': one line, the first in full.
    assert len(lines) == 2, lines
    assert "kept growing, so the likelihood is monotone" in lines[0]
    assert lines[0].endswith("(and 12 more like it, 12 of them during the bootstrap refits)")
    assert lines[1] == f"{horizon.text()} (and 2 more like it)"
    assert sum(c.refits for c in log.caveats) == 12  # every one kept


#: The demo's warning from validating the Cox risk model with case-note features (manifest).
_CASE_NOTE_SEPARATION = (
    "the cox risk model of escalation: the log-likelihood stopped changing while the "
    "coefficient(s) of text_flag_cce (+15.7), text_n_cce_affirmed (-15.6) kept growing, so "
    "the likelihood is monotone in them and their estimates are infinite (separation: a "
    "covariate value with all or none of the events, or that predicts the outcome "
    "perfectly). Coefficient may be infinite: the values shown are where the fit stopped "
    "and their standard errors mean nothing; the other estimates and the predictions are at "
    "the limit the fit approaches. Merge or drop those levels, or refit with an explicit "
    "penalizer"
)


def test_caveats_separation_of_case_note_features_names_the_model_with_them() -> None:
    """Session 27: the demo brief's caveat read "The Cox risk model of escalation could not
    estimate the coefficients of some rare characteristics (case notes mention child
    criminal exploitation; ...) ... In the design file, [covariates] include: merge rare
    levels or leave these covariates out": the brief's risk tool is that Cox model on
    structured data, which was not affected, and case-note features are not in
    [covariates] include, so the advice could not be followed."""
    from escalation.disclosure import DEFAULT_RULES
    from escalation.report.caveats import Caveat, brief_caveats

    caveat = Caveat("prediction", "[covariates] include", _CASE_NOTE_SEPARATION, "remove them.")
    (text,) = brief_caveats([caveat], DEFAULT_RULES)
    assert text.startswith("The Cox risk model of escalation with case-note features could not")
    assert "characteristics (case-note features, not named here" in text
    assert "criminal exploitation" not in text
    assert "The risk tool the brief describes uses structured case data only" in text
    assert "merge rare levels or leave these covariates out" not in text
    assert text.endswith(
        "[covariates] include: nothing to change (case-note features are not listed there)."
    )
    # A structured covariate among the terms: the model is not said to be the text model.
    mixed = Caveat(
        "prediction",
        "[covariates] include",
        _CASE_NOTE_SEPARATION.replace("text_flag_cce (+15.7)", "source_3C (+15.7)"),
        "remove them.",
    )
    (text,) = brief_caveats([mixed], DEFAULT_RULES)
    assert "with case-note features" not in text and "not affected" not in text
    assert "merge rare levels or leave these covariates out" in text


#: The demo's separation warnings of the Cox model of escalation (its manifest, raised by
#: bootstrap refits of the effect estimates): their terms and where the fit stopped.
_DEMO_TERMS = (
    "source_3C (-15.0)", "factor_2A (-14.6)", "need_N7 (-15.7)", "ethnicity_WIRI (-14.3)",
    "factor_1A (-13.8)", "ethnicity_WIRI (-16.1), factor_2A (-15.9)",
)  # fmt: skip
#: What the demo's brief named: each a level of few children, all or none escalating.
_DEMO_LEVELS = (
    "Health services: school nurse", "Drug misuse: child", "Low income", "White Irish",
    "Alcohol misuse: child", "source_3C", "factor_2A", "need_N7", "ethnicity_WIRI",
    "factor_1A",
)  # fmt: skip


def test_caveats_separation_names_the_covariate_not_the_level_where_shared() -> None:
    """Session 27: the demo brief's caveat read "The Cox model of escalation could not
    estimate the coefficients of some rare characteristics (Referral source: Health
    services: school nurse; Drug misuse: child; Primary need: Low income; Ethnicity: White
    Irish; Alcohol misuse: child), because too few children had them": a coefficient that
    grows without end says the few children with that level all or none escalated (the
    10-5 rule's group disclosure), and the manifest's caveats named the model columns with
    the coefficient's sign. What is shared names the covariates whose levels separated, in
    words in the brief (source, need, ethnicity, factors); the terminal keeps the detail."""
    from escalation.disclosure import DEFAULT_RULES
    from escalation.report.caveats import CaveatLog, brief_caveats

    design = default_design()
    raised = [
        dataclasses.replace(
            caveat_from_warning(
                SEPARATION.format(model="escalation", terms=terms), stage="effects", design=design
            ),
            refits=1,
        )
        for terms in _DEMO_TERMS
    ]
    (brief,) = brief_caveats(raised, DEFAULT_RULES, replicates=50)
    manifest = [c.disclosed(DEFAULT_RULES).to_dict()["message"] for c in raised]
    for level in _DEMO_LEVELS:
        assert level not in brief, level
        assert not any(level in message for message in manifest), level
    assert "(levels of Referral source, assessment factors, Primary need and Ethnicity, " in (brief)
    assert "in 6 of the 50 bootstrap refits" in brief
    assert manifest[-1].startswith(
        "the Cox model of escalation: the log-likelihood stopped changing while the "
        "coefficient(s) of [not shown] levels of ethnicity, factors kept growing"
    )
    assert "-16.1" not in manifest[-1]  # nor the sign: all or none
    # The design-file advice still has a covariate to act on.
    assert all("levels of " in message for message in manifest)
    # The analyst's terminal: the warning as raised, with the level.
    log = CaveatLog(design, "design.toml")
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        with log.watch("effects"):
            _warn_separation("escalation", _DEMO_TERMS[-1])
    assert any("ethnicity_WIRI (-16.1), factor_2A (-15.9)" in str(w.message) for w in shown)


def test_caveats_separation_of_a_numeric_covariate_still_names_it() -> None:
    """A numeric covariate names no group: shared as raised, in words in the brief."""
    from escalation.disclosure import DEFAULT_RULES
    from escalation.report.caveats import Caveat, brief_caveats

    caveat = Caveat("effects", "[covariates] include",
                    SEPARATION.format(model="escalation", terms="prior_referrals (+31.0)"),
                    "remove them.")  # fmt: skip
    (brief,) = brief_caveats([caveat], DEFAULT_RULES)
    assert "(Prior referrals)" in brief and "not named here" not in brief
    assert "prior_referrals (+31.0)" in caveat.disclosed(DEFAULT_RULES).message
