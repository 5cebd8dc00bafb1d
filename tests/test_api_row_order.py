"""The public API gives the same answer whatever the row order and index of its input.

Every function that takes a table of spells is run on the table as built (default index,
spells in ``spell_id`` order) and on the same rows in another order, with a non-default
index (gaps in descending order, text labels, a repeated label). A summary (coefficients,
curves, tests, tables) must agree to rounding (``rtol=1e-10``); a per-row output (scores,
flags, predictions) follows the input's order, so it is compared spell by spell (aligned
on ``spell_id``). Mixing ``.to_numpy()`` arrays with Series that align by label, or
resampling rows by position, fails these checks.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    balance_table,
    clone_censor_weight,
    estimate_curves,
    estimate_effects,
    estimate_heterogeneity,
    estimate_policy_values,
    fit_propensity,
    ipw_mean_difference,
    policy_scores,
    pooled_logistic_survival,
    refute_effect,
    table_one,
)
from escalation.data.simulator import simulate_local_authority
from escalation.design import default_design
from escalation.errors import StatisticalWarning
from escalation.federated import meta_analyse, profile_cox
from escalation.federated.summaries import covariate_summary
from escalation.policy import flagged_by_group, learn_rules, policy_groups
from escalation.predict import (
    fairness_table,
    grouped_folds,
    subgroup_metrics,
    temporal_split,
    validate_risk_models,
)
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
from escalation.timeline import SpellData, build_spells

COVARIATES = ["age", "imd_decile", "prior_referrals", "n_factors"]
CATEGORICAL = [*COVARIATES, "sex", "need"]


@cache
def spell_data() -> SpellData:
    """A small simulated authority's spells, with a competing cause and a weight added."""
    data = build_spells(simulate_local_authority(1500, seed=3).history, default_design())
    spells = data.spells.copy()
    rng = np.random.default_rng(11)
    # A few more competing events than the simulator draws at this size.
    censored = spells["event"].to_numpy() == 0
    spells["event"] = np.where(censored & (rng.random(len(spells)) < 0.1), 2, spells["event"])
    spells["w"] = rng.uniform(0.5, 2.0, len(spells))
    spells["group"] = np.where(spells["imd_decile"].to_numpy() <= 5, "deprived", "other")
    return dataclasses.replace(data, spells=spells)


def _spells() -> pd.DataFrame:
    return spell_data().spells


def _variant(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The same rows in another order or with another index."""
    n = len(frame)
    order = np.random.default_rng(7).permutation(n)
    if kind == "shuffled":  # rows reordered, labels carried along
        return frame.iloc[order]
    if kind == "shuffled_reset":  # rows reordered, default index
        return frame.iloc[order].reset_index(drop=True)
    if kind == "descending_gaps":  # same order, a descending index with gaps
        return frame.set_axis(np.arange(n)[::-1] * 3 + 5, axis=0)
    if kind == "text_labels":  # shuffled rows with text labels
        return frame.iloc[order].set_axis([f"r{i}" for i in order[::-1]], axis=0)
    if kind == "repeated_label":  # shuffled rows, every label used twice
        return frame.iloc[order].set_axis(np.arange(n) // 2, axis=0)
    raise AssertionError(kind)


VARIANTS = ["shuffled", "shuffled_reset", "descending_gaps", "text_labels", "repeated_label"]


def _by_spell(values: dict[str, np.ndarray], spell_id: pd.Series) -> pd.DataFrame:
    """Per-row outputs (in input order) as a table in spell_id order."""
    table = pd.DataFrame(values)
    table.insert(0, "spell_id", spell_id.to_numpy())
    return table.sort_values("spell_id").reset_index(drop=True)


def _quiet(call: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return call()


# --- survival -------------------------------------------------------------------------


def _kaplan_meier(s: pd.DataFrame) -> pd.DataFrame:
    return kaplan_meier(s, group="group", weights="w").tidy()


def _aalen_johansen(s: pd.DataFrame) -> pd.DataFrame:
    return aalen_johansen(s, causes=[1, 2], group="sex").tidy()


def _nelson_aalen(s: pd.DataFrame) -> pd.DataFrame:
    return nelson_aalen(s, group="group", cause=1).tidy()


def _rmst(s: pd.DataFrame) -> pd.DataFrame:
    return rmst(s, 730, group="group").tidy()


def _cox(s: pd.DataFrame) -> pd.DataFrame:
    fit = fit_cox(s, [*COVARIATES, "group"], cause=1, cluster="family_id", weights="w")
    return fit.tidy()


def _cox_strata(s: pd.DataFrame) -> pd.DataFrame:
    return fit_cox(s, COVARIATES, cause=1, strata="group", ties="breslow").tidy()


def _cause_specific(s: pd.DataFrame) -> pd.DataFrame:
    return fit_cause_specific(s, COVARIATES, causes=[1, 2], min_count=1).tidy()


def _fine_gray(s: pd.DataFrame) -> pd.DataFrame:
    return fit_fine_gray(s, COVARIATES, cause=1).tidy()


def _aft(s: pd.DataFrame) -> pd.DataFrame:
    return fit_aft(s, COVARIATES, cause=1).tidy()


def _logrank(s: pd.DataFrame) -> pd.DataFrame:
    return logrank_test(s, "group", strata="sex").tidy()


def _gray(s: pd.DataFrame) -> pd.DataFrame:
    return gray_test(s, "group").tidy()


def _state_occupation(s: pd.DataFrame) -> pd.DataFrame:
    data = dataclasses.replace(spell_data(), spells=s)
    return state_occupation(data).tidy()


def _transition_probabilities(s: pd.DataFrame) -> pd.DataFrame:
    data = dataclasses.replace(spell_data(), spells=s)
    return transition_probabilities(data, 30.0).tidy()


def _pathway_rows(s: pd.DataFrame) -> pd.DataFrame:
    """state_occupation on a table of transitions (a frame, not SpellData)."""
    rows = pathway_transitions(spell_data())
    keep = rows[rows["spell_id"].isin(s["spell_id"])]
    mapping = dict(zip(s["spell_id"], range(len(s)), strict=True))
    order = np.argsort(keep["spell_id"].map(mapping).to_numpy(), kind="stable")
    shaped = keep.iloc[order]
    if not isinstance(s.index, pd.RangeIndex):
        shaped = shaped.set_axis(np.arange(len(shaped))[::-1] * 2, axis=0)
    return state_occupation(shaped).tidy()


# --- causal ---------------------------------------------------------------------------


def _effects(s: pd.DataFrame) -> pd.DataFrame:
    data = dataclasses.replace(spell_data(), spells=s)
    options = {"bootstrap": 4, "seed": 2, "horizons": [365], "covariates": COVARIATES}
    return _quiet(lambda: estimate_effects(data, **options).tidy())  # type: ignore[arg-type]


def _effects_missing_families(s: pd.DataFrame) -> pd.DataFrame:
    """Children without a recorded family are each a family of one in the bootstrap."""
    spells = s.assign(family_id=s["family_id"].mask(s["spell_id"] % 3 == 0))
    options = {"bootstrap": 4, "seed": 2, "horizons": [365], "covariates": COVARIATES}
    data = dataclasses.replace(spell_data(), spells=spells)
    fit = _quiet(lambda: estimate_effects(data, estimators=["ipw"], **options).tidy())  # type: ignore[arg-type]
    rows = _quiet(
        lambda: estimate_effects(spells, estimators=["ipw"], cluster=None, **options).tidy()  # type: ignore[arg-type]
    )
    return pd.concat([fit, rows], keys=["families", "rows"])


def _propensity(s: pd.DataFrame) -> pd.DataFrame:
    fit = fit_propensity(s, "treatment", CATEGORICAL)
    per_row = _by_spell({"score": fit.scores}, s["spell_id"])
    return pd.concat([fit.tidy(), per_row], keys=["tidy", "rows"])


def _balance(s: pd.DataFrame) -> pd.DataFrame:
    # Series in, as a user would pass them from the same frame
    return balance_table(s[COVARIATES], s["treatment"], s["w"])


def _balance_from_fit(s: pd.DataFrame) -> pd.DataFrame:
    fit = fit_propensity(s, "treatment", COVARIATES)
    return balance_table(fit.matrix, s["treatment"], s["w"])


def _table_one(s: pd.DataFrame) -> pd.DataFrame:
    return table_one(s, variables=CATEGORICAL, weights="w").tidy()


def _table_one_array_weights(s: pd.DataFrame) -> pd.DataFrame:
    return table_one(s, variables=CATEGORICAL, weights=s["w"]).tidy()


def _policy_values(s: pd.DataFrame) -> pd.DataFrame:
    scores = policy_scores(s, covariates=COVARIATES, horizons=[365], cluster="family_id")
    flags = (s["prior_referrals"] > 0).to_numpy(float)
    fit = estimate_policy_values(scores, {"referred": flags, "older": s["age"] > 10})
    per_row = _by_spell(
        {"treated": scores.treated[:, 0], "untreated": scores.untreated[:, 0]}, s["spell_id"]
    )
    return pd.concat([fit.tidy(), per_row], keys=["tidy", "rows"])


def _flagged_by_group(s: pd.DataFrame) -> pd.DataFrame:
    scores = policy_scores(s, covariates=COVARIATES, horizons=[365], cluster="family_id")
    fit = estimate_policy_values(scores, {"referred": (s["prior_referrals"] > 0).to_numpy(float)})
    return flagged_by_group(fit, s, horizon=365, min_group=10)


def _heterogeneity(s: pd.DataFrame) -> pd.DataFrame:
    # Too few unborn children in an arm for their subgroup effect: warned, and left out.
    fit = _quiet(
        lambda: estimate_heterogeneity(
            s, covariates=COVARIATES, horizon=365, n_estimators=8, min_samples_leaf=40, seed=3
        )
    )
    per_row = _by_spell({"effect": fit.effect}, s["spell_id"])
    return pd.concat([fit.tidy(), per_row], keys=["tidy", "rows"])


def _pooled_logistic(s: pd.DataFrame) -> pd.DataFrame:
    months = s.assign(months=np.ceil(s["duration"] / 61).astype(int))
    return pooled_logistic_survival(
        months,
        duration="months",
        event="event",
        treatment="treatment",
        formula="age + prior_referrals",
        times=[2, 6],
        weights=s["w"],
    )


def _refute(s: pd.DataFrame) -> pd.DataFrame:
    fit = refute_effect(s, covariates=COVARIATES, horizon=365, num_simulations=2, seed=4)
    return fit.tidy()


def _curves(s: pd.DataFrame) -> pd.DataFrame:
    fit = estimate_curves(s, COVARIATES, method="aipw", times=[90, 365, 730])
    return fit.tidy()


def _clone_censor_weight(s: pd.DataFrame) -> pd.DataFrame:
    fit = clone_censor_weight(s, covariates=["age", "imd_decile"], grace_days=14, times=[180, 365])
    return fit.tidy()


def _ipw_mean_difference(s: pd.DataFrame) -> pd.DataFrame:
    outcome = s.assign(early=(s["event"] == 1) & (s["duration"] <= 365))
    return ipw_mean_difference(
        outcome, outcome="early", treatment="treatment", covariates=COVARIATES
    )


# --- predict, federated, policy -------------------------------------------------------


def _validate(s: pd.DataFrame) -> pd.DataFrame:
    data = dataclasses.replace(spell_data(), spells=s)
    out = _quiet(
        lambda: validate_risk_models(  # type: ignore[arg-type]
            data,
            horizon=365,
            models=["cox"],
            bootstrap=3,
            seed=5,
            validation="grouped_cv",
            n_splits=3,
        )
    )
    return pd.concat(
        [out.metrics, out.subgroup_metrics, out.predictions.sort_values("spell_id")],
        keys=["metrics", "subgroups", "predictions"],
    )


def _subgroup_metrics(s: pd.DataFrame) -> pd.DataFrame:
    risk = 1 / (1 + np.exp(-(s["prior_referrals"] - s["age"] / 5)))
    return subgroup_metrics(
        s["duration"], s["event"], risk, s[["sex", "group"]], 365, model="m", min_events=5
    )


def _fairness_table(s: pd.DataFrame) -> pd.DataFrame:
    risk = 1 / (1 + np.exp(-(s["prior_referrals"] - s["age"] / 5)))
    return fairness_table(s, risk, 365, bootstrap=4, seed=2, min_events=5)


def _grouped_folds(s: pd.DataFrame) -> pd.DataFrame:
    fold = np.zeros(len(s), dtype=np.int64)
    for k, split in enumerate(grouped_folds(s, 3, seed=4)):
        fold[split.test] = k
    return _by_spell({"fold": fold}, s["spell_id"])


def _temporal_split(s: pd.DataFrame) -> pd.DataFrame:
    split = temporal_split(s)
    side = np.full(len(s), "left out", dtype=object)
    side[split.train], side[split.test] = "train", "test"
    return _by_spell({"side": side}, s["spell_id"])


def _policy_groups(s: pd.DataFrame) -> pd.DataFrame:
    groups = policy_groups(s)
    return _by_spell({c: groups[c].to_numpy() for c in groups.columns}, s["spell_id"])


def _profile_cox(s: pd.DataFrame) -> pd.DataFrame:
    return profile_cox(s, model="unadjusted", strata=["sex"], cause=1).tidy()


def _covariate_summary(s: pd.DataFrame) -> pd.DataFrame:
    return covariate_summary(s, CATEGORICAL)


def _meta(s: pd.DataFrame) -> pd.DataFrame:
    studies = s[s["spell_id"] <= 8]  # eight "authorities", in the order of the rows
    estimates = studies["age"] / 10
    std_errors = 0.1 + studies["imd_decile"] / 50
    moderators = studies[["prior_referrals"]]
    fit = meta_analyse(
        estimates, std_errors, moderators=moderators, studies=list(studies["child_id"])
    )
    return fit.tidy()


@cache
def _learned() -> object:
    return learn_rules(
        _spells(),
        covariates=COVARIATES,
        capacity=0.2,
        horizon=365,
        rules=("everyone", "risk", "tree"),
        folds=2,
        forest_trees=8,
    )


def _apply_rules(s: pd.DataFrame) -> pd.DataFrame:
    flags = _learned().apply(s)  # type: ignore[attr-defined]
    return _by_spell(flags, s["spell_id"])


def _learn_rules(s: pd.DataFrame) -> pd.DataFrame:
    fit = learn_rules(
        s,
        covariates=COVARIATES,
        capacity=0.2,
        horizon=365,
        rules=("everyone", "risk", "benefit", "tree"),
        folds=2,
        forest_trees=8,
        fixed_scores={"age": s["age"]},
        deployable=False,
        n_jobs=1,
    )
    scores = {f"score_{k}": v for k, v in fit.scores.items()}
    return _by_spell({**fit.flags, **scores, "fold": fit.fold}, s["spell_id"])


CASES: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "kaplan_meier": _kaplan_meier,
    "aalen_johansen": _aalen_johansen,
    "nelson_aalen": _nelson_aalen,
    "rmst": _rmst,
    "fit_cox": _cox,
    "fit_cox_strata": _cox_strata,
    "fit_cause_specific": _cause_specific,
    "fit_fine_gray": _fine_gray,
    "fit_aft": _aft,
    "logrank_test": _logrank,
    "gray_test": _gray,
    "state_occupation": _state_occupation,
    "transition_probabilities": _transition_probabilities,
    "state_occupation_rows": _pathway_rows,
    "estimate_effects": _effects,
    "estimate_effects_missing_families": _effects_missing_families,
    "fit_propensity": _propensity,
    "balance_table": _balance,
    "balance_table_fit": _balance_from_fit,
    "table_one": _table_one,
    "table_one_weights": _table_one_array_weights,
    "estimate_policy_values": _policy_values,
    "flagged_by_group": _flagged_by_group,
    "estimate_heterogeneity": _heterogeneity,
    "pooled_logistic_survival": _pooled_logistic,
    "refute_effect": _refute,
    "validate_risk_models": _validate,
    "subgroup_metrics": _subgroup_metrics,
    "covariate_summary": _covariate_summary,
    "meta_analyse": _meta,
    "learn_rules_apply": _apply_rules,
    "estimate_curves": _curves,
    "clone_censor_weight": _clone_censor_weight,
    "ipw_mean_difference": _ipw_mean_difference,
    "fairness_table": _fairness_table,
    "grouped_folds": _grouped_folds,
    "temporal_split": _temporal_split,
    "policy_groups": _policy_groups,
    "profile_cox": _profile_cox,
    "learn_rules": _learn_rules,
}


@cache
def _reference(case: str) -> pd.DataFrame:
    return CASES[case](_spells())


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = got.reset_index(drop=True)
    expected = expected.reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", VARIANTS)
@pytest.mark.parametrize("case", list(CASES))
def test_same_answer_whatever_the_row_order_and_index(case: str, kind: str) -> None:
    _same(CASES[case](_variant(_spells(), kind)), _reference(case))


# Without a spell_id column the row order is the only order there is: the functions that
# draw rows at random say so in their Notes, and give one answer for an order and a seed.
def _heterogeneity_without_id(rows: pd.DataFrame) -> pd.DataFrame:
    fit = _quiet(
        lambda: estimate_heterogeneity(
            rows, covariates=COVARIATES, horizon=365, n_estimators=8, min_samples_leaf=40, seed=3
        )
    )
    return pd.concat([fit.tidy(), pd.DataFrame({"effect": fit.effect})], keys=["tidy", "rows"])


def _refute_without_id(rows: pd.DataFrame) -> pd.DataFrame:
    return refute_effect(rows, covariates=COVARIATES, horizon=365, num_simulations=2).tidy()


WITHOUT_ID = {
    "estimate_heterogeneity": _heterogeneity_without_id,
    "refute_effect": _refute_without_id,
}


@pytest.mark.parametrize("case", list(WITHOUT_ID))
def test_without_spell_id_an_order_and_a_seed_give_one_answer(case: str) -> None:
    rows = _variant(_spells(), "text_labels").drop(columns="spell_id")
    _same(WITHOUT_ID[case](rows), WITHOUT_ID[case](rows.copy()))
