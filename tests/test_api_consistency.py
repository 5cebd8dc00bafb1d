"""The vocabulary holds in use: the same argument takes the same things everywhere.

A reviewer found ``table_one(group=)`` refused, ``fit_cox(weights=<array>)`` failing with
"unhashable type", ``fit_propensity(<SpellData>)`` with "no attribute 'columns'" and
``gray_test`` without ``duration=``/``event=``; docs/vocabulary.md says what each takes.

Every entry point takes its spells one way (``spells_of``): a ``SpellData`` or a data
frame, anything else refused with a ``DesignError`` naming the function. Was:
``table_one`` read the ``spells`` of any object that had one and refused a list as "the
column of the arms is missing" (a ``DataValidationError``); ``check_assumptions`` read
them by duck typing too and reported a list as a proportional-hazards check "not
checked"; ``fit_fine_gray`` and ``fit_cause_specific`` said "expected SpellData or a
pandas DataFrame" without naming themselves; ``estimate_effects`` took a data frame's
column named ``design`` for the study design.

A review found more: ``fairness_table``, ``fairness_groups``, ``policy_groups``,
``grouped_folds``, ``temporal_split``, ``spell_records``, ``learn_rules``,
``LearnedRules.apply`` and the simulator's truth (``GroundTruth.marginal_risks``, ...) read a
data frame only (a ``SpellData`` failed with an ``AttributeError`` or ``TypeError``, a list with
a bare ``TypeError``); ``evaluate_policies`` and ``validate_risk_models`` need a
``SpellData`` and failed on a frame with "no attribute 'design'"; ``state_occupation`` and
``transition_probabilities`` refused a list without naming themselves. The hand list of
readers below missed them all: the walk of the public API now finds every function and
method whose first argument is ``data``, ``frame`` or ``spells``, and each must be called
here with bad data or exempted with its reason.
"""

from __future__ import annotations

import inspect
import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from escalation import SimulatedLocalAuthority, default_design, simulate_local_authority
from escalation.causal import (
    PolicyValueResult,
    clone_censor_weight,
    estimate_curves,
    estimate_effects,
    estimate_policy_values,
    fit_propensity,
    ipw_mean_difference,
    naive_grace_comparison,
    pooled_logistic_survival,
    refute_effect,
    subgroup_effects,
    table_one,
)
from escalation.causal.effects import EffectsResult
from escalation.causal.heterogeneity import estimate_heterogeneity
from escalation.causal.policy import policy_scores
from escalation.data.simulator import GroundTruth, simulate_local_authorities
from escalation.data.simulator.authorities import AuthoritiesTruth
from escalation.design import CriteriaSpec
from escalation.disclosure import spell_records
from escalation.errors import DataValidationError, DesignError, StatisticalWarning
from escalation.federated import profile_cox
from escalation.pipeline import numbers_at_risk
from escalation.policy import (
    LearnedRules,
    disparities,
    evaluate_policies,
    flagged_by_group,
    judge_criteria,
    learn_rules,
    policy_groups,
)
from escalation.policy.study import unused_places
from escalation.predict import (
    RiskValidation,
    fairness_groups,
    fairness_table,
    grouped_folds,
    temporal_split,
    validate_risk_models,
)
from escalation.predict.metrics import calibration_curve
from escalation.survival import (
    aalen_johansen,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    gray_test,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    pathway_transitions,
    rmst,
    state_occupation,
    transition_probabilities,
)
from escalation.timeline import SpellData, build_spells, counting_process, landmark
from tests.public_api import public_names

SPELLS = Path(__file__).resolve().parent / "reference" / "survival" / "spells.csv"
COVARIATES = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    return pd.read_csv(SPELLS)


@pytest.fixture(scope="module")
def sim() -> SimulatedLocalAuthority:
    return simulate_local_authority(400, seed=1)


@pytest.fixture(scope="module")
def data(sim: SimulatedLocalAuthority) -> SpellData:
    return build_spells(sim.history, default_design())


def test_table_one_groups_by_group(data: SpellData) -> None:
    t1 = table_one(data, group="treatment")
    assert t1.groups == table_one(data).groups
    assert len(t1.groups) == 2


def test_weights_as_values_equal_weights_as_a_column(spells: pd.DataFrame) -> None:
    w = spells["weight"].to_numpy()
    fits = [
        lambda weights: fit_cox(spells, COVARIATES, weights=weights).coefficients,
        lambda weights: fit_aft(spells, COVARIATES, weights=weights).coefficients,
        lambda weights: fit_fine_gray(spells, COVARIATES, weights=weights).coefficients,
        lambda weights: fit_cause_specific(spells, COVARIATES, weights=weights).coefficients[1],
        lambda weights: kaplan_meier(spells, group="group", weights=weights).tidy()["estimate"],
        lambda weights: nelson_aalen(spells, weights=weights).tidy()["estimate"],
        lambda weights: aalen_johansen(spells, weights=weights).tidy()["estimate"],
    ]
    for fit in fits:
        by_column = fit("weight")
        pd.testing.assert_series_equal(fit(w), by_column)
        pd.testing.assert_series_equal(fit(list(w)), by_column)
        # the weights are used: unweighted is different
        assert not np.allclose(fit(None).to_numpy(), by_column.to_numpy())


def test_weights_as_a_series_are_matched_to_the_rows_by_index(spells: pd.DataFrame) -> None:
    """A code review found a Series of weights taken in its own order: the weights of a
    table sorted since (``df.sort_values("duration")["w"]``) went to the wrong rows."""
    by_column = kaplan_meier(spells, weights="weight").tidy()["estimate"]
    shuffled = spells["weight"].sample(frac=1.0, random_state=1)
    pd.testing.assert_series_equal(
        kaplan_meier(spells, weights=shuffled).tidy()["estimate"], by_column
    )
    pd.testing.assert_series_equal(
        fit_cox(spells, COVARIATES, weights=shuffled).coefficients,
        fit_cox(spells, COVARIATES, weights="weight").coefficients,
    )
    foreign = pd.Series(spells["weight"].to_numpy(), index=spells.index + 10**6)
    with pytest.raises(DesignError, match="index is not that of the spells table's rows"):
        kaplan_meier(spells, weights=foreign)


def test_table_one_settings_name_the_group(data: SpellData) -> None:
    """``settings["by"]`` became None when the arms were given as ``group=``."""
    settings = table_one(data, group="treatment").settings
    assert settings["group"] == settings["by"] == "treatment"


def test_weights_of_a_spell_data_are_one_per_spell(data: SpellData) -> None:
    rng = np.random.default_rng(3)
    w = rng.uniform(0.5, 2.0, len(data.spells))
    weighted = replace(data, spells=data.spells.assign(w=w))
    pd.testing.assert_series_equal(
        fit_cox(data, ["treatment"], weights=w).coefficients,
        fit_cox(weighted, ["treatment"], weights="w").coefficients,
    )
    pd.testing.assert_frame_equal(
        kaplan_meier(data, group="treatment", weights=w).tidy(),
        kaplan_meier(weighted, group="treatment", weights="w").tidy(),
    )


def test_weights_of_the_wrong_length_are_refused_clearly(spells: pd.DataFrame) -> None:
    short = np.ones(len(spells) - 1)
    for call in (
        lambda: fit_cox(spells, COVARIATES, weights=short),
        lambda: kaplan_meier(spells, weights=short),
        lambda: fit_fine_gray(spells, COVARIATES, weights=short),
    ):
        with pytest.raises(
            DesignError,
            match=rf"one weight per row of the spells table \({len(spells)} rows\), "
            rf"got {len(short)}",
        ):
            call()
    with pytest.raises(DesignError, match="the weights column 'w' is not in the spells table"):
        fit_cox(spells, COVARIATES, weights="w")


def test_spell_data_is_taken_where_spells_are(data: SpellData) -> None:
    covariates = ["age", "prior_referrals"]
    spells = data.spells
    np.testing.assert_allclose(
        fit_propensity(data, "treatment", covariates).scores,
        fit_propensity(spells, "treatment", covariates).scores,
    )
    pd.testing.assert_frame_equal(
        ipw_mean_difference(
            data, outcome="age", treatment="treatment", covariates=["prior_referrals"]
        ),
        ipw_mean_difference(
            spells, outcome="age", treatment="treatment", covariates=["prior_referrals"]
        ),
    )
    curves = estimate_curves(data, covariates=covariates, times=[180])
    # A SpellData is clustered as its design says ("auto"); its spells table when asked.
    by_family = estimate_curves(spells, covariates=covariates, times=[180], cluster=data.cluster)
    pd.testing.assert_frame_equal(curves.tidy(), by_family.tidy())
    with pytest.raises(DesignError, match=r"fit_propensity: data must be a SpellData or a pandas"):
        fit_propensity([1, 2], "treatment", covariates)  # type: ignore[arg-type]


def test_pooled_logistic_takes_weights_by_column() -> None:
    frame = pd.DataFrame(
        {"t": [3, 3, 1, 2, 2, 3], "d": [0, 0, 1, 1, 0, 1], "a": [1, 0, 1, 0, 1, 0]}
    ).assign(w=[1.0, 2.0, 0.5, 1.5, 1.0, 1.0])
    run = dict(duration="t", event="d", treatment="a", formula="a", times=[3])
    pd.testing.assert_frame_equal(
        pooled_logistic_survival(frame, weights="w", **run),
        pooled_logistic_survival(frame, weights=frame["w"].to_numpy(), **run),
    )


def test_gray_test_names_its_columns(spells: pd.DataFrame) -> None:
    renamed = spells.rename(columns={"duration": "days", "event": "status"})
    ours = gray_test(renamed, "group", duration="days", event="status")
    assert ours.statistic == pytest.approx(gray_test(spells, "group").statistic)


def test_the_intercept_has_one_name(spells: pd.DataFrame) -> None:
    from escalation.federated import meta_analyse

    tables = {
        "propensity": fit_propensity(spells, "x2", ["x1", "x3"]).tidy(),
        "aft": fit_aft(spells, COVARIATES).tidy(),
        "meta-regression": meta_analyse(
            [0.1, 0.2, 0.0, 0.1, 0.3],
            [0.1] * 5,
            moderators=pd.DataFrame({"budget": [0.1, 0.4, 0.2, 0.8, 0.5]}),
        ).tidy(),
    }
    for model, table in tables.items():
        assert table["term"].iloc[0] == "(Intercept)", model


#: Spells enough to pass for spells (too few to estimate anything).
FEW_SPELLS = pd.DataFrame(
    {"x": [0.1, 0.4], "treatment": [0, 1], "duration": [40.0, 50.0], "event": [1, 0]}
)


@cache
def _effects() -> EffectsResult:
    """An effect estimate whose ``check_assumptions`` is given the wrong data."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=200)
    t = rng.exponential(300.0, size=200)
    frame = pd.DataFrame(
        {"x": x, "treatment": np.arange(200) % 2, "duration": np.minimum(t, 500) + 1.0}
    ).assign(event=(t < 500).astype(int))
    return estimate_effects(frame, covariates=["x"], horizons=[100], bootstrap=0)


@cache
def _truth() -> GroundTruth:
    """A simulation's truth, whose methods are given the wrong data."""
    return simulate_local_authority(50, seed=2).truth


@cache
def _rules() -> LearnedRules:
    """Rules to apply to the wrong data (fixed rules only: nothing to learn)."""
    return learn_rules(FEW_SPELLS, covariates=["x"], capacity=0.5, horizon=30, rules=["everyone"])


#: Truth of several authorities (none: the data are refused before it is read).
_AUTHORITIES = AuthoritiesTruth({}, pd.DataFrame())

#: Every public entry point that reads spells, called with the ``data`` given (a
#: method by the name it gives in its errors).
SPELL_READERS: dict[str, Callable[[Any], object]] = {
    "fit_cox": lambda d: fit_cox(d, ["x"]),
    "fit_aft": lambda d: fit_aft(d, ["x"]),
    "fit_cause_specific": lambda d: fit_cause_specific(d, ["x"]),
    "fit_fine_gray": lambda d: fit_fine_gray(d, ["x"]),
    "kaplan_meier": kaplan_meier,
    "nelson_aalen": nelson_aalen,
    "aalen_johansen": aalen_johansen,
    "rmst": lambda d: rmst(d, 30),
    "logrank_test": lambda d: logrank_test(d, "treatment"),
    "gray_test": lambda d: gray_test(d, "treatment"),
    "table_one": table_one,
    "fit_propensity": lambda d: fit_propensity(d, "treatment", ["x"]),
    "ipw_mean_difference": lambda d: ipw_mean_difference(
        d, outcome="duration", treatment="treatment", covariates=["x"]
    ),
    "estimate_curves": lambda d: estimate_curves(d, covariates=["x"], times=[30]),
    "pooled_logistic_survival": lambda d: pooled_logistic_survival(
        d, duration="duration", event="event", treatment="treatment", formula="x", times=[30]
    ),
    "estimate_effects": lambda d: estimate_effects(d, covariates=["x"], horizons=[30]),
    "subgroup_effects": lambda d: subgroup_effects(d, covariates=["x"], horizon=30),
    "estimate_heterogeneity": lambda d: estimate_heterogeneity(d, covariates=["x"], horizon=30),
    "refute_effect": lambda d: refute_effect(d, covariates=["x"], horizon=30),
    "clone_censor_weight": lambda d: clone_censor_weight(
        d, covariates=["x"], grace_days=14, times=[30]
    ),
    "naive_grace_comparison": lambda d: naive_grace_comparison(
        d, covariates=["x"], grace_days=14, times=[30]
    ),
    "profile_cox": profile_cox,
    "EffectsResult.check_assumptions": lambda d: _effects().check_assumptions(d),
    "policy_scores": lambda d: policy_scores(d, covariates=["x"], horizons=[30]),
    "fairness_table": lambda d: fairness_table(d, [0.1, 0.2], 30, bootstrap=0),
    "fairness_groups": fairness_groups,
    "policy_groups": policy_groups,
    "grouped_folds": grouped_folds,
    "temporal_split": temporal_split,
    "spell_records": spell_records,
    "learn_rules": lambda d: learn_rules(d, covariates=["x"], capacity=0.5, horizon=30),
    "numbers_at_risk": lambda d: numbers_at_risk(d, [0, 30]),
    "LearnedRules.apply": lambda d: _rules().apply(d),
    "GroundTruth.marginal_risks": lambda d: _truth().marginal_risks(d),
    "GroundTruth.policy_values": lambda d: _truth().policy_values(d, {"everyone": [1, 1]}),
    "AuthoritiesTruth.by_authority": _AUTHORITIES.by_authority,
    "AuthoritiesTruth.pooled": _AUTHORITIES.pooled,
    "AuthoritiesTruth.mean_effect": _AUTHORITIES.mean_effect,
}

#: Public entry points that need a SpellData (its design, or its link to the case
#: history), not just a table of spells: a data frame is refused too.
SPELL_DATA_READERS: dict[str, Callable[[Any], object]] = {
    "evaluate_policies": evaluate_policies,
    "validate_risk_models": validate_risk_models,
    "pathway_transitions": pathway_transitions,
    "counting_process": counting_process,
    "landmark": lambda d: landmark(d, at=30),
}

#: Public entry points that take a SpellData or a data frame of transitions (not spells).
TRANSITION_READERS: dict[str, Callable[[Any], object]] = {
    "state_occupation": state_occupation,
    "transition_probabilities": transition_probabilities,
}

#: Public functions whose first argument is called data, frame or spells but that read
#: some other table, and why (the walk below requires a reason for each).
NOT_SPELL_READERS = {
    "warn_rare_levels": "warns of the table a formula coding was just learnt from (read already)",
    "count_labels": "a disclosed table of counts, shown as a figure's labels",
    "disclose_table": "any table of counts to put under disclosure control",
    "disclose_metric_counts": "a table of a risk model's metrics, not spells",
    "disclose_operating_metrics": "a table of a risk model's metrics, not spells",
    "disclose_model": "a model's table of estimates, not spells",
    "microaggregate": "any record-level table (e.g. a figure's points) to aggregate",
    "plot_zip": "a simulation study's table of replications",
    "check_complete": "any table a formula is evaluated on (e.g. one row per interval)",
    "covariate_matrix": "any table of covariates to code (spells, profiles, new rows)",
    "CovariateCoding.learn": "any table of covariates to code (spells, profiles, new rows)",
    "CovariateCoding.apply": "any table of covariates to code (spells, profiles, new rows)",
    "CovariateCoding.unplaced": "any table of covariates to code (spells, profiles, new rows)",
    "FormulaCoding.learn": "any table of covariates to code (spells, profiles, new rows)",
    "FormulaCoding.apply": "any table of covariates to code (spells, profiles, new rows)",
    "LikelihoodProfile.from_frame": "a likelihood profile's own table, read back",
    "cluster_labels": "the rows an estimator clusters (spells or counting rows), already read",
    "family_labels": "the rows an estimator clusters (spells or counting rows), already read",
    "used_data_hash": "the rows an estimator used, already read and checked by it",
}

NOT_SPELLS = pytest.mark.parametrize(
    "data",
    [[1, 2], FEW_SPELLS.to_numpy(), SimpleNamespace(spells=FEW_SPELLS)],
    ids=["list", "array", "an object with spells"],
)


def _refusal(data: object) -> str:
    return f"data must be a SpellData or a pandas DataFrame of spells, got {type(data).__name__}"


@pytest.mark.parametrize("function", list(SPELL_READERS))
@NOT_SPELLS
def test_data_neither_spell_data_nor_a_frame_is_a_design_error(function: str, data: object) -> None:
    """Same mistake, same class and words, wherever it is made."""
    with pytest.raises(DesignError, match=f"{re.escape(_refusal(data))}$"):
        SPELL_READERS[function](data)


@pytest.mark.parametrize("function", SPELL_READERS)
@NOT_SPELLS
def test_data_neither_spell_data_nor_a_frame_is_refused_naming_the_function(
    function: str, data: object
) -> None:
    expected = f"{function}: {_refusal(data)}"
    with pytest.raises(DesignError, match=f"^{re.escape(expected)}$"):
        SPELL_READERS[function](data)


@pytest.mark.parametrize("function", SPELL_DATA_READERS)
@pytest.mark.parametrize(
    "data",
    [FEW_SPELLS, [1, 2], FEW_SPELLS.to_numpy(), SimpleNamespace(spells=FEW_SPELLS)],
    ids=["a frame of spells", "list", "array", "an object with spells"],
)
def test_a_spell_data_is_needed_and_anything_else_refused_naming_the_function(
    function: str, data: object
) -> None:
    """Was: "'DataFrame' object has no attribute 'design'" (or '_context')."""
    how = (  # landmark takes the case history and its design too
        r"give one \(build_spells\(history, design\)\), or the case history and design="
        if function == "landmark"
        else r"make one with build_spells\(history, design\)"
    )
    expected = (
        rf"^{function} needs a SpellData \(its design[^)]*\), got {type(data).__name__}; {how}$"
    )
    with pytest.raises(DesignError, match=expected):
        SPELL_DATA_READERS[function](data)


@pytest.mark.parametrize("function", TRANSITION_READERS)
@NOT_SPELLS
def test_data_neither_spell_data_nor_transitions_is_refused_naming_the_function(
    function: str, data: object
) -> None:
    """Was: "expected SpellData or a transitions DataFrame, got list", without the name."""
    expected = (
        f"{function}: data must be a SpellData or a pandas DataFrame of transitions "
        f"(spell_id, start, stop, from_state, to_state), got {type(data).__name__}"
    )
    with pytest.raises(DesignError, match=f"^{re.escape(expected)}$"):
        TRANSITION_READERS[function](data)


def _takes_data(function: Callable[..., object]) -> bool:
    """Whether the first argument (after ``self`` or ``cls``) is data, frame or spells."""
    names = [p for p in inspect.signature(function).parameters if p not in ("self", "cls")]
    return bool(names) and names[0] in ("data", "frame", "spells")


def _entry_points_taking_data() -> dict[str, str]:
    """Every public function and method whose first argument is ``data``, ``frame`` or
    ``spells``, by name (``Class.method`` for a method) and where it is."""
    found = {}
    for package, name, obj in public_names():
        if inspect.isfunction(obj) and _takes_data(obj):
            found[name] = f"{package}.{name}"
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                method = getattr(member, "__func__", member)
                if inspect.isfunction(method) and not attr.startswith("_") and _takes_data(method):
                    found[f"{name}.{attr}"] = f"{package}.{name}.{attr}"
    return found


def _checked(name: str) -> bool:
    """Whether ``name`` (``Class.method`` for a method) is called with bad data above."""
    return name in {*SPELL_READERS, *SPELL_DATA_READERS, *TRANSITION_READERS}


def test_every_entry_point_taking_data_is_checked_with_bad_data_or_exempted() -> None:
    """A new entry point is either called above with bad data or exempted with a reason."""
    found = _entry_points_taking_data()
    assert not [name for name in NOT_SPELL_READERS if _checked(name)]
    unlisted = sorted(
        where
        for name, where in found.items()
        if not _checked(name) and name not in NOT_SPELL_READERS
    )
    assert not unlisted, (
        f"{unlisted}: add each to SPELL_READERS (it takes spells: spells_of), "
        "SPELL_DATA_READERS (it needs a SpellData: spell_data_of) or, with the reason, to "
        "NOT_SPELL_READERS"
    )
    assert not set(NOT_SPELL_READERS) - set(found), "an exemption names no entry point"
    # the walk finds the readers (it cannot pass by finding nothing)
    assert {"fit_cox", "fairness_table", "evaluate_policies", "state_occupation"} <= set(found)
    assert {"EffectsResult.check_assumptions", "LearnedRules.apply"} <= set(found)
    assert not {*SPELL_DATA_READERS, *TRANSITION_READERS} - set(found)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")  # immortal time
def test_the_changed_entry_points_take_spell_data_and_frames_alike(data: SpellData) -> None:
    """Passes before and after: ``spells_of`` changed what is refused, not what is taken."""
    spells = data.spells
    covariates = ["age", "prior_referrals"]
    pd.testing.assert_frame_equal(table_one(data).table(), table_one(spells).table())
    pd.testing.assert_series_equal(
        fit_cause_specific(data, covariates).coefficients[1],
        fit_cause_specific(spells, covariates).coefficients[1],
    )
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(spells))
    pd.testing.assert_series_equal(
        fit_fine_gray(data, covariates, weights=w).coefficients,
        fit_fine_gray(spells, covariates, weights=w).coefficients,
    )
    fit = estimate_effects(
        data, covariates=covariates, horizons=[180], bootstrap=0, estimators=["gformula"]
    )
    assert fit.check_assumptions(data) == fit.check_assumptions(spells)
    hazards = fit.check_assumptions(spells).checks[-1]
    assert hazards.topic == "proportional hazards"
    assert hazards.status != "not checked", hazards.message  # the spells were read


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_policy_scores_take_spell_data_with_its_design_cluster(data: SpellData) -> None:
    """``policy_scores`` read a data frame only (a ``SpellData`` failed on ``.empty``):
    a ``SpellData`` gives its spells' scores, clustered by its design's cluster."""
    covariates = ["age", "prior_referrals"]
    given = policy_scores(data, covariates=covariates, horizons=[180])
    frame = policy_scores(data.spells, covariates=covariates, horizons=[180], cluster=data.cluster)
    np.testing.assert_array_equal(given.treated, frame.treated)
    np.testing.assert_array_equal(given.cluster, frame.cluster)
    assert data.cluster is not None  # the families, one code each (not each row its own)
    families = data.spells[data.cluster].to_numpy()
    pairs = set(zip(given.cluster.tolist(), families.tolist(), strict=True))
    assert len(pairs) == len(set(families)) == len(set(given.cluster.tolist())) < len(families)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")  # immortal time
def test_a_column_named_design_is_not_the_study_design(data: SpellData) -> None:
    """``estimate_effects`` read ``data.design`` of a data frame: its column ``design``."""
    spells = data.spells
    covariates = ["age", "prior_referrals"]
    run = dict(covariates=covariates, horizons=[180], bootstrap=0, estimators=["ipw"])
    pd.testing.assert_frame_equal(
        estimate_effects(spells.assign(design=1), **run).tidy(),
        estimate_effects(spells, **run).tidy(),
    )


@pytest.mark.filterwarnings(
    # five draws of small groups leave some draws out (counted, and warned of);
    # the test compares a SpellData with its frame, not the intervals
    "ignore:.*bootstrap draws on which a metric could not be estimated"
    ":escalation.errors.StatisticalWarning"
)
def test_the_predict_and_policy_helpers_take_spell_data_and_frames_alike(
    data: SpellData,
) -> None:
    """They read a data frame only: a ``SpellData`` failed (no attribute 'index',
    'columns', or "not subscriptable"); it now gives what its spells give."""
    spells = data.spells
    for function in (fairness_groups, policy_groups, spell_records):
        pd.testing.assert_frame_equal(function(data), function(spells))
    pd.testing.assert_frame_equal(
        numbers_at_risk(data, [0, 180]), numbers_at_risk(spells, [0, 180])
    )
    for given, frame in zip(
        [temporal_split(data), *grouped_folds(data, 3, seed=2)],
        [temporal_split(spells), *grouped_folds(spells, 3, seed=2)],
        strict=True,
    ):
        np.testing.assert_array_equal(given.train, frame.train)
        np.testing.assert_array_equal(given.test, frame.test)
    risk = spells["prior_referrals"].rank(pct=True).to_numpy()
    run = dict(horizon=180, bootstrap=5, seed=3, min_n=5, min_events=1)
    table = fairness_table(data, risk, **run)
    pd.testing.assert_frame_equal(table, fairness_table(spells, risk, **run))
    assert table["estimate"].notna().any()  # groups were scored, not all suppressed


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_learn_rules_takes_spell_data_and_frames_alike(data: SpellData) -> None:
    """``learn_rules`` read a data frame only (a ``SpellData`` failed in the row order)."""
    run = dict(
        covariates=["age", "prior_referrals"],
        capacity=0.3,
        horizon=180,
        rules=("everyone", "risk"),
        folds=2,
        deployable=False,
        n_jobs=1,
    )
    given, frame = learn_rules(data, **run), learn_rules(data.spells, **run)
    assert given.flags.keys() == frame.flags.keys() == {"everyone", "risk_cox"}
    for rule, flags in given.flags.items():
        np.testing.assert_array_equal(flags, frame.flags[rule])


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_rules_apply_to_spell_data_and_frames_alike(data: SpellData) -> None:
    """``LearnedRules.apply`` read a data frame only (a SpellData: no 'reset_index')."""
    rules = learn_rules(
        data,
        covariates=["age", "prior_referrals"],
        capacity=0.3,
        horizon=180,
        rules=("risk",),
        cross_fit=False,
        n_jobs=1,
    )
    given, frame = rules.apply(data), rules.apply(data.spells)
    assert given.keys() == frame.keys() == {"risk_cox"}
    np.testing.assert_array_equal(given["risk_cox"], frame["risk_cox"])
    assert 0 < given["risk_cox"].sum() < len(data.spells)  # some flagged, not all


def test_the_truth_takes_spell_data_and_frames_alike(
    sim: SimulatedLocalAuthority, data: SpellData
) -> None:
    """The simulator's truth read a data frame only (a SpellData: "not subscriptable")."""
    index = data.spells[data.spells["child_id"].isin(sim.truth.spell_risks["child_id"])]
    chosen = replace(data, spells=index)
    for estimand in ("ate", "att"):
        pd.testing.assert_frame_equal(
            sim.truth.marginal_risks(chosen, estimand=estimand),
            sim.truth.marginal_risks(chosen.spells, estimand=estimand),
        )
    flags = {"first half": (np.arange(len(index)) < len(index) // 2).astype(float)}
    pd.testing.assert_frame_equal(
        sim.truth.policy_values(chosen, flags), sim.truth.policy_values(chosen.spells, flags)
    )
    sims = simulate_local_authorities(2, n_children=300, seed=4)
    pooled = build_spells(sims.history, default_design())
    pooled = replace(
        pooled,
        spells=pooled.spells[pooled.spells["child_id"].isin(sims.truth.spell_risks["child_id"])],
    )
    for method in ("by_authority", "pooled", "mean_effect"):
        given = getattr(sims.truth, method)(pooled)
        pd.testing.assert_frame_equal(given, getattr(sims.truth, method)(pooled.spells))
        assert len(given)


@cache
def _effects_at_90() -> EffectsResult:
    """Effects with bootstrap intervals at a level that is not the default 95%."""
    from tests.causal.causal_support import simulate

    return estimate_effects(
        simulate(300, seed=5), covariates=["risk"], estimators=["ipw"], horizons=[180],
        bootstrap=20, seed=1, conf_level=0.9, curve_points=8,
    )  # fmt: skip


def _contrast_tables() -> dict[str, Callable[[EffectsResult], pd.DataFrame]]:
    """Every public function of ``escalation.causal.contrasts``, by name (walked, so a new one is
    held to the rule), and the effects' own tables beside them."""
    import escalation.causal.contrasts as contrasts

    tables: dict[str, Callable[[EffectsResult], pd.DataFrame]] = {
        name: getattr(contrasts, name) for name in contrasts.__all__
    }
    return tables | {
        "EffectsResult.tidy": lambda r: r.tidy(),
        "EffectsResult.curves": lambda r: r.curves,
    }


@pytest.mark.parametrize("table", list(_contrast_tables()))
def test_every_table_of_intervals_says_their_level(table: str) -> None:
    """A table with ``conf_low``/``conf_high`` has ``conf_level``, the level they are at.

    Was: ``rmst_curves`` and ``difference_curve`` (and the ``rmst_curves`` table and figure
    of a run) gave intervals without it, where ``tidy()`` and ``curves`` said 0.9.
    """
    result = _effects_at_90()
    frame = _contrast_tables()[table](result)
    assert {"conf_low", "conf_high"} <= set(frame.columns)
    assert "conf_level" in frame.columns, table
    assert set(frame["conf_level"]) == {0.9}
    if "std_error" in frame.columns and table != "EffectsResult.tidy":
        # the intervals are of that level: estimate ± z(0.95) x standard error
        shown = frame["std_error"].notna() & (frame["std_error"] > 0)
        assert shown.sum() >= 3
        z = stats.norm.ppf(0.95)
        np.testing.assert_allclose(
            (frame["conf_high"] - frame["estimate"])[shown], z * frame["std_error"][shown],
            rtol=1e-9,
        )  # fmt: skip


# A misspelled column is the error an academic meets first. Every "not in the data" error
# named the column and listed all the columns there are (43 for the spells) but said
# nothing of the close name: `fit_cox(data, ["agee"])`, `kaplan_meier(data, group="sexx")`,
# `table_one(data, group="treatmnt")` (the last gave "the column of the arms is missing").
# One rule (`errors.did_you_mean`) now names it.
MISSPELLED: dict[str, tuple[Callable[[pd.DataFrame], Any], str]] = {
    "fit_cox covariates": (lambda s: fit_cox(s, ["x1", "x22"]), "x2"),
    "fit_cox formula": (lambda s: fit_cox(s, "Surv(duration, event) ~ x1 + C(grup)"), "group"),
    "fit_cox formula time": (lambda s: fit_cox(s, "Surv(durration, event) ~ x1"), "duration"),
    "fit_cox strata": (lambda s: fit_cox(s, ["x1"], strata="stratm"), "stratum"),
    "fit_cox cluster": (lambda s: fit_cox(s, ["x1"], cluster="clustr"), "cluster"),
    "fit_cox weights": (lambda s: fit_cox(s, ["x1"], weights="weigth"), "weight"),
    "fit_aft covariates": (lambda s: fit_aft(s, ["X1"]), "x1"),
    "fit_fine_gray covariates": (lambda s: fit_fine_gray(s, ["x3", "x11"]), "x1"),
    "kaplan_meier group": (lambda s: kaplan_meier(s, group="grop"), "group"),
    "aalen_johansen group": (lambda s: aalen_johansen(s, group="Group"), "group"),
    "logrank_test group": (lambda s: logrank_test(s, "grou"), "group"),
    "rmst group": (lambda s: rmst(s, 30, group="groups"), "group"),
    "fit_propensity treatment": (lambda s: fit_propensity(s, "x_2", ["x1"]), "x2"),
    "table_one group": (lambda s: table_one(s, group="grup"), "group"),
    "table_one variables": (lambda s: table_one(s, group="x2", variables=["x11"]), "x1"),
    "table_one weights": (lambda s: table_one(s, group="x2", weights="weigth"), "weight"),
}


@pytest.mark.parametrize("case", list(MISSPELLED))
def test_a_misspelled_column_is_named_with_the_close_one(spells: pd.DataFrame, case: str) -> None:
    """One error for a column not in the data: a ``DesignError`` (the call is wrong, not
    a value of the data) with the close name and every column there is
    (``errors.available_columns``). Was: ``table_one`` raised a ``DataValidationError``
    ("the column of the arms is missing", "column is not in the data", "the column of the
    weights is not in the data", the last without the close name) and listed no columns.
    """
    call, close = MISSPELLED[case]
    with pytest.raises(DesignError) as error:
        call(spells)
    assert f"(did you mean {close!r}?)" in str(error.value)
    assert str(error.value).endswith(f"; available: {', '.join(map(str, spells.columns))}")


def test_a_column_close_to_none_gets_no_suggestion(spells: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="not in the data; available: id, cluster") as error:
        kaplan_meier(spells, group="qqqqqq")
    assert "did you mean" not in str(error.value)


def test_several_misspelled_columns_are_each_named_with_the_close_one(
    spells: pd.DataFrame,
) -> None:
    with pytest.raises(DesignError) as error:
        fit_cox(spells, ["x11", "qqqqqq", "grop"])
    assert "(did you mean 'x1' for 'x11', 'group' for 'grop'?)" in str(error.value)


def test_a_column_label_that_is_not_text_is_a_column_like_any_other(
    spells: pd.DataFrame,
) -> None:
    # `kaplan_meier(spells, group=3)` failed with AttributeError "'int' object has no
    # attribute 'rsplit'" (the personal-data check read every label as text), whether
    # or not the data had a column 3: a frame read without a header has labels 0, 1, 2.
    with pytest.raises(DesignError, match=r"column\(s\) 3 are not in the data"):
        kaplan_meier(spells, group=3)
    with pytest.raises(DesignError, match="covariates not in the spells table: 3"):
        fit_cox(spells, [3])
    numbered = spells.assign(**{"3": spells["group"]}).rename(columns={"3": 3})
    by_number = kaplan_meier(numbered, group=3).tidy()
    by_name = kaplan_meier(spells, group="group").tidy()
    assert np.allclose(by_number["estimate"], by_name["estimate"])
    assert list(by_number["group"]) == list(by_name["group"])


# One vocabulary of result tables (docs/vocabulary.md, STYLE.md): a tidy() that gives an
# interval gives `std_error` and `conf_level` beside `conf_low`/`conf_high`, and no
# result names these columns otherwise. `estimate_curves(...).tidy()` (and
# `clone_censor_weight`'s) gave the interval without the standard error it is built from,
# which the result held (`AdjustedCurveResult.std_error`) and every other table gives.
TIDY_BUILDERS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "kaplan_meier": lambda s: kaplan_meier(s, group="group"),
    "nelson_aalen": lambda s: nelson_aalen(s),
    "aalen_johansen": lambda s: aalen_johansen(s, group="group"),
    "rmst": lambda s: rmst(s, 30, group="group"),
    "fit_cox": lambda s: fit_cox(s, COVARIATES),
    "fit_aft": lambda s: fit_aft(s, COVARIATES),
    "fit_fine_gray": lambda s: fit_fine_gray(s, COVARIATES),
    "fit_cause_specific": lambda s: fit_cause_specific(s, COVARIATES),
    "fit_propensity": lambda s: fit_propensity(s, "x2", ["x1", "x3"]),
    "estimate_curves": lambda s: estimate_curves(s, ["x1", "x3"], treatment="x2", times=[30]),
    "clone_censor_weight": lambda s: clone_censor_weight(
        s.assign(treatment_start=np.where(s["x2"] == 1, 1.0, np.nan)),
        covariates=["x1", "x3"],
        grace_days=3,
        times=[30],
    ),
}
#: Names other packages give these columns; never a column of a result here.
FOREIGN_NAMES = {"se", "std_err", "lower", "upper", "ci_low", "ci_high", "pvalue", "coef"}


@pytest.mark.parametrize("builder", list(TIDY_BUILDERS))
def test_a_tidy_interval_comes_with_its_standard_error_and_level(
    spells: pd.DataFrame, builder: str
) -> None:
    table = TIDY_BUILDERS[builder](spells).tidy()
    assert {"estimate", "conf_low", "conf_high"} <= set(table.columns), builder
    assert {"std_error", "conf_level"} <= set(table.columns), builder
    assert not FOREIGN_NAMES & set(table.columns), builder
    order = list(table.columns)
    assert order.index("estimate") < order.index("std_error") < order.index("conf_low")


def test_adjusted_curves_give_the_standard_error_their_interval_is_built_from(
    spells: pd.DataFrame,
) -> None:
    fit = estimate_curves(spells, ["x1", "x3"], treatment="x2", times=[10, 30], cluster=None)
    table = fit.tidy()
    treated = table[table["group"] == "treated"]
    assert fit.std_error is not None
    np.testing.assert_allclose(treated["std_error"], fit.std_error[1], rtol=0, atol=0)
    # the Wald interval around the estimate (inside [0, 1] here), at its level
    z = 1.959963984540054
    half = (table["conf_high"] - table["conf_low"]) / 2
    np.testing.assert_allclose(half, z * table["std_error"], rtol=1e-12)
    assert (table["std_error"] > 0).all()


# Wrong types an academic types: each failed inside pandas or numpy with a message about
# neither the argument nor the function ("unhashable type: 'list'", "'<' not supported
# between instances of 'float' and 'str'", "ufunc 'isfinite' not supported ...", and for
# `I(age^2)` formulaic's "Cannot perform 'xor' with a dtyped [float64] array").
WRONG_TYPES: dict[str, tuple[Callable[[pd.DataFrame], Any], str]] = {
    "kaplan_meier group list": (
        lambda s: kaplan_meier(s, group=["group"]),
        r"kaplan_meier: group is the name of one column, got a list of 1",
    ),
    "logrank_test group list": (
        lambda s: logrank_test(s, ["group", "x2"]),
        r"logrank_test: group is the name of one column, got a list of 2",
    ),
    "logrank_test strata tuple": (
        lambda s: logrank_test(s, "group", strata=("stratum",)),
        r"strata is the name of one column, got a tuple of 1",
    ),
    "rmst group series": (
        lambda s: rmst(s, 30, group=s["group"]),
        r"rmst: group is the name of one column, got a Series of 400",
    ),
    "fit_cox conf_level text": (
        lambda s: fit_cox(s, COVARIATES, conf_level="0.95"),
        r"conf_level must be a number, got text '0.95'",
    ),
    "kaplan_meier conf_level text": (
        lambda s: kaplan_meier(s, conf_level="0.9"),
        r"conf_level must be a number, got text '0.9'",
    ),
    "rmst tau text": (lambda s: rmst(s, "30"), r"rmst: tau must be a number, got text '30'"),
    "fit_cox penalizer text": (
        lambda s: fit_cox(s, COVARIATES, penalizer="0.1"),
        r"fit_cox: penalizer must be a number, got text '0.1'",
    ),
    "formula power written as in R": (
        lambda s: fit_cox(s, "Surv(duration, event) ~ I(x1^2) + x2"),
        r"'\^' is Python's exclusive or, not a power as in R: write I\(x\*\*2\)",
    ),
}


@pytest.mark.parametrize("case", list(WRONG_TYPES))
def test_a_wrong_type_is_named_with_its_argument(spells: pd.DataFrame, case: str) -> None:
    call, message = WRONG_TYPES[case]
    with pytest.raises(DesignError, match=message):
        call(spells)


def test_a_series_given_as_group_is_refused_without_its_values(spells: pd.DataFrame) -> None:
    # the values of a column passed in place of its name may be identifiers
    with pytest.raises(DesignError) as error:
        kaplan_meier(
            spells.assign(child_id=[f"C{i:04d}" for i in range(len(spells))]),
            group=spells["id"].map("C{:04d}".format),
        )
    assert "C0001" not in str(error.value)


def test_the_power_hint_leaves_a_python_power_alone(spells: pd.DataFrame) -> None:
    squared = fit_cox(spells, "Surv(duration, event) ~ I(x1**2) + x2").coefficients
    by_hand = fit_cox(spells.assign(x1_sq=spells["x1"] ** 2), ["x1_sq", "x2"]).coefficients
    np.testing.assert_allclose(squared.to_numpy(), by_hand.to_numpy(), rtol=1e-10)


def test_covariates_and_a_formula_differ_only_in_missing_categories_as_documented(
    spells: pd.DataFrame,
) -> None:
    # docs/vocabulary.md: `covariates=` codes a missing category as the level `missing`,
    # a formula refuses it; filling the level first gives the formula the same model.
    gaps = spells.assign(group=spells["group"].astype(object))
    gaps.loc[gaps.index[::7], "group"] = np.nan  # 58 rows: kept as a level of its own
    listed = fit_cox(gaps, ["group", "x1"], cluster=None)
    with pytest.raises(DataValidationError, match=r"column 'group'"):
        fit_cox(gaps, "Surv(duration, event) ~ group + x1", cluster=None)
    filled = gaps.assign(group=gaps["group"].fillna("missing"))
    written = fit_cox(filled, "Surv(duration, event) ~ group + x1", cluster=None)
    assert list(listed.coefficients.index) == ["group_b", "group_c", "group_missing", "x1"]
    np.testing.assert_allclose(listed.coefficients, written.coefficients, rtol=1e-10)
    np.testing.assert_allclose(listed.tidy()["std_error"], written.tidy()["std_error"], rtol=1e-10)


def _pooled_profile() -> Any:
    from escalation.federated import LikelihoodProfile, pool_profiles

    points = np.linspace(-2, 2, 9)
    profiles = [
        LikelihoodProfile("m", points, -((points - b) ** 2) * 10, -20 * (points - b))
        for b in (0.1, 0.3)
    ]
    return pool_profiles(profiles)


#: Every public result whose tidy() takes ``exponentiate``, built on the reference spells.
EXPONENTIATED: dict[str, Callable[[pd.DataFrame], Any]] = {
    "CoxResult": lambda s: fit_cox(s, COVARIATES),
    "AFTResult": lambda s: fit_aft(s, COVARIATES),
    "FineGrayResult": lambda s: fit_fine_gray(s, COVARIATES),
    "CauseSpecificResult": lambda s: fit_cause_specific(s, COVARIATES),
    "PooledProfile": lambda s: _pooled_profile(),
}


def test_every_exponentiating_result_is_checked() -> None:
    found = {
        name
        for _, name, obj in public_names()
        if inspect.isclass(obj)
        and hasattr(obj, "tidy")
        and "exponentiate" in inspect.signature(obj.tidy).parameters
    }
    assert found == set(EXPONENTIATED)


@pytest.mark.parametrize("result", list(EXPONENTIATED))
def test_an_exponentiated_table_says_its_standard_error_is_on_the_log_scale(
    spells: pd.DataFrame, result: str
) -> None:
    # docs/vocabulary.md: "Every tidy(exponentiate=True) table has the std_error_scale
    # column". `PooledProfile.tidy(exponentiate=True)` (the federated pooled hazard
    # ratio) gave hazard ratios beside the log hazard ratio's standard error, unsaid.
    fit = EXPONENTIATED[result](spells)
    logs, ratios = fit.tidy(), fit.tidy(exponentiate=True)
    assert (ratios["std_error_scale"] == "log").all()
    assert "std_error_scale" not in logs.columns
    np.testing.assert_allclose(ratios["std_error"], logs["std_error"])
    finite = np.isfinite(logs["estimate"].to_numpy(dtype=float))
    if result == "AFTResult":  # (Intercept) and log(scale) are not ratios
        finite &= ~logs["term"].isin(["(Intercept)", "log(scale)"]).to_numpy()
    np.testing.assert_allclose(
        ratios["estimate"].to_numpy(dtype=float)[finite],
        np.exp(logs["estimate"].to_numpy(dtype=float)[finite]),
        rtol=1e-12,
    )


def test_pooled_profiles_refuse_a_level_outside_0_and_1() -> None:
    # pool_profiles(conf_level=95) read chi2.ppf(95) = NaN and failed in scipy's root
    # finder: "The function value at x=... is NaN; solver cannot continue"
    from escalation.federated import LikelihoodProfile, pool_profiles

    points = np.linspace(-2, 2, 9)
    profile = LikelihoodProfile("m", points, -(points**2) * 10, -20 * points)
    with pytest.raises(DesignError, match="conf_level must lie strictly between 0 and 1"):
        pool_profiles([profile], conf_level=95)


def test_every_model_takes_its_level_when_fitted(spells: pd.DataFrame) -> None:
    # `fit_propensity` alone took no conf_level (its level was `tidy(conf_level=)`,
    # statsmodels' way): `fit_propensity(..., conf_level=0.9)` was a TypeError.
    fits = {
        name: obj
        for _, name, obj in public_names()
        if inspect.isfunction(obj) and name.startswith("fit_")
    }
    exempt = {"fit_note_topics": "topics of case notes: no estimate has an interval"}
    lacking = [
        name
        for name, function in fits.items()
        if name not in exempt and "conf_level" not in inspect.signature(function).parameters
    ]
    assert not lacking, lacking
    fit = fit_propensity(spells, "x2", ["x1", "x3"], conf_level=0.9)
    table = fit.tidy()
    z = 1.6448536269514722  # the 95th percentile of the normal distribution
    assert (table["conf_level"] == 0.9).all()
    np.testing.assert_allclose(table["conf_high"], table["estimate"] + z * table["std_error"])
    np.testing.assert_allclose(fit.tidy(conf_level=0.95)["conf_level"], 0.95)
    with pytest.raises(DesignError, match="conf_level must lie strictly between 0 and 1"):
        fit_propensity(spells, "x2", ["x1"], conf_level=95)


def test_every_model_of_covariates_takes_a_coding(spells: pd.DataFrame) -> None:
    # `fit_fine_gray`, `fit_cause_specific` and `fit_propensity` took `coding=` (a
    # `CovariateCoding` with another reference level, or learnt on a training cohort);
    # `fit_cox` and `fit_aft` did not, so with `covariates=` their reference level could
    # not be chosen (docs/vocabulary.md: "CovariateCoding.learn(..., reference=...)
    # chooses another").
    models = {
        name: obj
        for _, name, obj in public_names()
        if inspect.isfunction(obj)
        and name.startswith("fit_")
        and "covariates" in inspect.signature(obj).parameters
    }
    assert {"fit_cox", "fit_aft", "fit_fine_gray", "fit_cause_specific"} <= set(models)
    lacking = [n for n, f in models.items() if "coding" not in inspect.signature(f).parameters]
    assert not lacking, lacking
    from escalation.timeline import CovariateCoding

    coding = CovariateCoding.learn(spells, ["group", "x1"], reference={"group": "b"})
    rhs = "C(group, Treatment('b')) + x1"  # R: relevel(group, "b"); checked against R
    for fit in (fit_cox, fit_aft):
        listed = fit(spells, coding=coding).tidy()
        written = fit(spells, f"Surv(duration, event) ~ {rhs}").tidy()
        assert "group_a" in set(listed["term"]) and "group_b" not in set(listed["term"])
        np.testing.assert_allclose(listed["estimate"], written["estimate"], rtol=1e-10)
        np.testing.assert_allclose(listed["std_error"], written["std_error"], rtol=1e-10)
    with pytest.raises(DesignError, match="give a formula or a coding, not both"):
        fit_cox(spells, "Surv(duration, event) ~ x1", coding=coding)


def test_a_formulas_terms_are_named_as_written_in_advice_and_figures() -> None:
    # check_assumptions() advised on "Bs(age, df=3)" for the term bs(age, df=3), and the
    # figures' covariate labels read "bs(prior referrals, df=3)[1]" (underscores made
    # spaces): a formula's column names are code, shown as written.
    from lifelines.datasets import load_rossi

    from escalation.timeline.labels import covariate_label

    rossi = load_rossi().assign(fin=lambda r: r["fin"].map({0: "no", 1: "yes"}))
    rhs = "fin * prio + bs(age, df=3) + strata(wexp)"
    fit = fit_cox(rossi, f"Surv(week, arrest) ~ {rhs}", cluster=None)
    # R 4.2.2, survival 3.5: cox.zph(coxph(Surv(week, arrest) ~ fin * prio +
    # bs(age, df = 3) + strata(wexp), data = rossi)): bs(age, df = 3) 13.41009, 3 df,
    # p = 0.0038; the only term below 0.05
    tests = fit.ph_test().set_index("term")
    assert tests.loc["bs(age, df=3)", "statistic"] == pytest.approx(13.41009, rel=1e-5)
    advice = str(fit.check_assumptions())
    assert "the hazard ratio of bs(age, df=3) seems to change" in advice
    for name in ("bs(prior_referrals, df=3)[1]", "fin[T.yes]", "fin:prio", "np.log(prio)"):
        assert covariate_label(name) == name
    assert covariate_label("prior_referrals") == "Prior referrals"  # a plain column


# R's habits in a formula: each failed with formulaic's "NameError: name 'factor' is not
# defined" (or, for an unquoted level, "uses b, not in the data"), saying nothing of the
# formula's own way to write it (docs/vocabulary.md, the formula table).
R_HABITS = {
    "factor(group) + x1": r"factor\(\) is R's, not a function here: write C\(g\)",
    "relevel(group, 'b') + x1": r"relevel\(\) is R's.*write C\(g, Treatment\('b'\)\)",
    "ns(x1, df=3)": r"ns\(\) is R's.*write bs\(x, df=3\).*or cr\(x, df=4\)",
    "x1 + offset(x2)": r"offset\(\) is R's, not a function here: a model here has no offset",
    "C(group, Treatment(b)) + x1": r"a reference level is text in quotes: write Treatment\('b'\)",
}


@pytest.mark.parametrize("rhs", list(R_HABITS))
def test_a_formula_written_as_in_r_says_how_to_write_it(spells: pd.DataFrame, rhs: str) -> None:
    with pytest.raises(DesignError, match=R_HABITS[rhs]):
        fit_cox(spells, f"Surv(duration, event) ~ {rhs}")


def test_the_written_forms_the_hints_give_fit_the_model(spells: pd.DataFrame) -> None:
    relevelled = fit_cox(spells, "Surv(duration, event) ~ C(group, Treatment('b')) + x1")
    assert list(relevelled.coefficients.index)[:2] == [
        "C(group, Treatment('b'))[T.a]",
        "C(group, Treatment('b'))[T.c]",
    ]
    spline = fit_cox(spells, "Surv(duration, event) ~ bs(x1, df=3)")
    assert len(spline.coefficients) == 3  # R: coxph(... ~ bs(x1, df = 3)), 3 coefficients
    with pytest.warns(StatisticalWarning, match=r"cr\(x1, df=4\)\[4\] .* left out"):
        natural = fit_cox(spells, "Surv(duration, event) ~ cr(x1, df=4)")
    assert len(natural.coefficients.dropna()) == 3  # a natural cubic spline on 3 df


def test_rare_levels_are_counted_by_spell_with_time_varying_rows_too() -> None:
    # fit_cox(data, covs) pooled sex "U" (fewer than min_count=20 spells) into "other",
    # while fit_cox(data, covs, time_varying=True) counted the (start, stop] rows, which
    # repeat a spell, and kept "U" as its own level: the same children, two codings.
    data = build_spells(simulate_local_authority(2_000, seed=1).history, default_design())
    spells_u = int((data.spells["sex"].astype(str) == "U").sum())
    rows_u = int((data.counting["sex"].astype(str) == "U").sum())
    assert spells_u < 20 <= rows_u  # the case: rare by spell, not by row
    covariates = ["age", "sex", "prior_referrals"]
    baseline = fit_cox(data, covariates, cluster=None)
    started = fit_cox(data, covariates, time_varying=True, cluster=None)
    assert baseline.coding.levels["sex"] == started.coding.levels["sex"] == ("F", "M", "other")
    assert list(started.coefficients.index) == [
        "treatment_started",
        *baseline.coefficients.index,
    ]


# The same rule beyond the contrasts. A scan found tables of intervals without their level
# in the hub's analysis (``effects``, ``meta_regression``, ``curves`` and the published
# ``effects_by_authority.csv``), a pack's ``hazard_ratios.csv``, the policy criteria, a
# prediction model's calibration and decision curves and its subgroup metrics. Every
# public function (or result) of these modules that documents ``conf_low`` is walked:
# one added is held to the rule by being listed here, with the level it was asked for.
_INTERVAL_MODULES = (
    "escalation.federated.hub",
    "escalation.federated.meta",
    "escalation.federated.pack",
    "escalation.federated.profile",
    "escalation.federated.risksets",
    "escalation.policy.criteria",
    "escalation.policy.groups",
    "escalation.policy.study",
    "escalation.predict.fairness",
    "escalation.predict.metrics",
    "escalation.predict.validate",
)


def _frames(result: object) -> dict[str, pd.DataFrame]:
    """Every data frame a result holds, by attribute (walked: a new one is held too)."""
    return {
        name: value
        for name, value in vars(result).items()
        if isinstance(value, pd.DataFrame) and "conf_low" in value.columns
    }


@cache
def _pooled() -> dict[str, pd.DataFrame]:
    """The hub's tables and a pack's, from small simulated authorities (95%: the hub's)."""
    from escalation.federated.hub import pool_share_packs
    from tests.federated.federated_support import packs

    chosen = list(packs(3, 3_000, 11))
    pooled = pool_share_packs(chosen)
    tables = {f"PooledAnalysis.{k}": v for k, v in _frames(pooled).items()}
    return tables | {
        f"SharePack.{name}": table
        for name, table in chosen[0].tables.items()
        if "conf_low" in table.columns
    }


@cache
def _policy_at_90() -> tuple[PolicyValueResult, pd.DataFrame]:
    from tests.policy.policy_support import small_spells

    frame = small_spells(800, 3)
    scores = policy_scores(frame, covariates=["risk", "age"], horizons=[365])
    flags = (frame["risk"] > frame["risk"].median()).to_numpy(float)
    return estimate_policy_values(scores, {"r": flags}, conf_level=0.9), frame


def _policy_tables() -> dict[str, pd.DataFrame]:
    fit, frame = _policy_at_90()
    groups = flagged_by_group(fit, frame, horizon=365, min_group=5)
    gaps = disparities(fit, frame, groups, horizon=365)
    spec = CriteriaSpec(min_precision=0.2, min_recall=0.5, max_disparity=0.5)
    return {
        "flagged_by_group": groups,
        "disparities": gaps,
        "judge_criteria": judge_criteria(
            fit.tidy(), gaps, spec, rule="r", horizon=365, attributes=["sex"]
        ),
        "unused_places": unused_places(fit.tidy(), 0.3, ["r"]),
    }


@cache
def _validation_at_90() -> RiskValidation:
    from tests.predict.predict_support import two_covariate_spells

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return validate_risk_models(
            two_covariate_spells(600, seed=3), horizon=365, models=["cox"], bootstrap=10,
            seed=1, conf_level=0.9,
        )  # fmt: skip


def _prediction_tables() -> dict[str, pd.DataFrame]:
    from tests.predict.predict_support import two_covariate_spells

    spells = two_covariate_spells(600, seed=3).spells
    risk = spells["prior_referrals"].rank(pct=True).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fairness = fairness_table(
            spells.assign(sex=np.where(np.arange(len(spells)) % 2, "F", "M")), risk, 365,
            bootstrap=10, min_n=5, min_events=1, conf_level=0.9,
        )  # fmt: skip
    return {
        "calibration_curve": calibration_curve(
            spells["duration"], spells["event"], risk, 365, conf_level=0.9
        ),
        "fairness_table": fairness,
        "subgroup_metrics": fairness,  # fairness_table is subgroup_metrics on a bootstrap
    } | {f"RiskValidation.{k}": v for k, v in _frames(_validation_at_90()).items()}


def _federated_tables() -> dict[str, pd.DataFrame]:
    from escalation.federated.meta import meta_analyse
    from escalation.federated.profile import pool_profiles
    from escalation.federated.risksets import curves_from_risk_sets
    from tests.policy.policy_support import small_spells

    meta = meta_analyse([0.1, 0.3, 0.2, 0.5], [0.1, 0.12, 0.08, 0.2], conf_level=0.9)
    risk_sets = pd.DataFrame({"group": ["treated"] * 2, "interval_start": [0.0, 30.0],
        "interval_end": [30.0, 60.0], "at_risk": [100, 80], "events": [10, 10],
        "competing": [0, 0], "censored": [10, 10]})  # fmt: skip
    profile = profile_cox(small_spells(400, 2))
    return {
        "meta_analyse.tidy": meta.tidy(),
        "meta_analyse.predict": meta.predict(),
        "PooledProfile.tidy": pool_profiles([profile], conf_level=0.9).tidy(),
        "curves_from_risk_sets": curves_from_risk_sets(risk_sets, conf_level=0.9),
    }


def _glance_tables() -> dict[str, pd.DataFrame]:
    """Every model's ``glance()`` fitted at 90%: a row with an interval says its level.

    Of these only ``meta_analyse``'s carries one (the prediction interval of a new
    authority's effect, ``pi_low, pi_high``), which it gave without ``conf_level``.
    """
    from escalation.federated.meta import meta_analyse

    spells = pd.read_csv(SPELLS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fits = {
            "meta_analyse": meta_analyse(
                [0.1, 0.3, 0.2, 0.5], [0.1, 0.12, 0.08, 0.2], conf_level=0.9
            ),
            "kaplan_meier": kaplan_meier(spells, group="group", conf_level=0.9),
            "aalen_johansen": aalen_johansen(spells, group="group", conf_level=0.9),
            "rmst": rmst(spells, 30, group="group", conf_level=0.9),
            "fit_cox": fit_cox(spells, COVARIATES, conf_level=0.9),
            "fit_aft": fit_aft(spells, COVARIATES, conf_level=0.9),
            "fit_propensity": fit_propensity(spells, "x2", ["x1", "x3"], conf_level=0.9),
        }
    return {f"{name}.glance": fit.glance() for name, fit in fits.items()}


def _limits(frame: pd.DataFrame) -> list[str]:
    """The limits of the intervals of a table: ``conf_low``, ``pi_high``, ``flagged_low``..."""
    return [
        column
        for low in frame.columns
        if str(low).endswith("_low") and f"{str(low)[:-4]}_high" in frame.columns
        for column in (low, f"{str(low)[:-4]}_high")
    ]


#: The tables of each public function or result of :data:`_INTERVAL_MODULES`, and their level.
_LEVEL_TABLES: dict[str, tuple[Callable[[], dict[str, pd.DataFrame]], float]] = {
    "PooledAnalysis": (_pooled, 0.95),
    "policy": (_policy_tables, 0.9),
    "prediction": (_prediction_tables, 0.9),
    "federated": (_federated_tables, 0.9),
    "glance": (_glance_tables, 0.9),
}
#: Public names documenting ``conf_low`` and where their tables are checked.
_LEVEL_CHECKED: dict[str, str] = {
    "PooledAnalysis": "PooledAnalysis",
    "meta_analyse": "federated",
    "PooledProfile": "federated",
    "curves_from_risk_sets": "federated",
    "judge_criteria": "policy",
    "disparities": "policy",
    "flagged_by_group": "policy",
    "unused_places": "policy",
    "calibration_curve": "prediction",
    "RiskValidation": "prediction",
    "fairness_table": "prediction",
    "subgroup_metrics": "prediction",
}


def test_every_public_table_of_intervals_is_held_to_the_rule() -> None:
    """A public function or result of these modules documenting ``conf_low`` is checked."""
    import importlib

    documented = {
        name
        for module in _INTERVAL_MODULES
        for name in importlib.import_module(module).__all__
        if callable(getattr(importlib.import_module(module), name))
        and "conf_low" in (inspect.getdoc(getattr(importlib.import_module(module), name)) or "")
    }
    assert documented <= set(_LEVEL_CHECKED), documented - set(_LEVEL_CHECKED)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.parametrize("group", list(_LEVEL_TABLES))
def test_every_table_of_intervals_beyond_the_contrasts_says_their_level(group: str) -> None:
    """Was: ``PooledAnalysis.effects``, ``meta_regression`` and ``curves`` (and the pack's
    ``hazard_ratios``), ``judge_criteria``, ``calibration_curve``, the decision curve and
    the subgroup metrics gave intervals without their level; ``meta_analyse(...).glance()``
    its prediction interval. An interval is any pair of limits (``conf_low``/``conf_high``,
    ``pi_low``/``pi_high``, ...); a table without one (most ``glance()`` rows) is not held
    to the rule."""
    build, level = _LEVEL_TABLES[group]
    tables = {name: frame for name, frame in build().items() if _limits(frame)}
    assert tables, group  # the group has intervals to hold to the rule
    named = {n for n, g in _LEVEL_CHECKED.items() if g == group}
    assert all(any(t.startswith(n) for t in tables) for n in named), (named, list(tables))
    missing = [name for name, frame in tables.items() if "conf_level" not in frame.columns]
    assert not missing, missing
    levels = {
        name: set(frame.loc[frame[_limits(frame)].notna().any(axis=1), "conf_level"].astype(float))
        for name, frame in tables.items()
    }
    assert {name: shown for name, shown in levels.items() if shown - {level}} == {}
    # each function's table has intervals to say the level of (a table may have none: a
    # pack's effects without a bootstrap, subgroups all too small)
    assert all(any(levels[t] for t in tables if t.startswith(n)) for n in named), levels
