"""Learned rules: cross-fitting never judges a rule on the families that chose it."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.causal.heterogeneity as heterogeneity_module
import escalation.policy.rules as rules_module
from escalation.causal.heterogeneity import fit_effect_model, split_candidates
from escalation.errors import DataValidationError, DesignError
from escalation.policy import learn_rules, top_share
from tests.policy.policy_support import authority, small_spells

COVARIATES = ["risk", "factor", "age"]


def test_top_share_uses_the_reference_cut() -> None:
    assert top_share([1.0, 2.0, 3.0, 4.0], 0.25).tolist() == [0, 0, 0, 1]
    assert top_share([1.0, 2.0, 3.0, 4.0], 1.0).tolist() == [1, 1, 1, 1]
    assert top_share([1.0, 2.0], 0.1).tolist() == [0, 0]  # capacity below one child
    assert top_share([5.0, 0.5], 0.5, reference=[1.0, 2.0, 3.0, 4.0]).tolist() == [1, 0]
    with pytest.raises(DesignError, match="share flagged"):
        top_share([1.0], 0.0)


def test_every_learned_rule_is_judged_on_families_it_never_saw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = small_spells()
    seen: list[tuple[str, frozenset[str]]] = []

    def spy(name: str, original: Any) -> Any:
        def wrapped(train: pd.DataFrame, *args: Any, **kwargs: Any) -> Any:
            seen.append((name, frozenset(train["family_id"])))
            return original(train, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(
        rules_module, "fit_effect_model", spy("benefit", rules_module.fit_effect_model)
    )
    monkeypatch.setattr(rules_module, "policy_scores", spy("tree", rules_module.policy_scores))
    original_risk = rules_module._fit_risk

    def risk_spy(kind: str, coding: Any, train: pd.DataFrame, seed: int) -> Any:
        seen.append(("risk", frozenset(train["family_id"])))
        return original_risk(kind, coding, train, seed)

    monkeypatch.setattr(rules_module, "_fit_risk", risk_spy)
    learned = learn_rules(
        frame,
        covariates=COVARIATES,
        capacity=0.3,
        horizon=365,
        folds=3,
        forest_trees=8,
        deployable=False,
        n_jobs=1,  # the spies record fits made in this process
    )
    assert set(learned.flags) == {"everyone", "no_one", "risk_cox", "benefit", "tree"}
    assert sorted(set(learned.fold)) == [0, 1, 2]
    families = frame["family_id"].to_numpy()
    fits = {name: [f for n, f in seen if n == name] for name in ("risk", "benefit", "tree")}
    for name, trained in fits.items():
        assert len(trained) == 3, name
        for fold, families_trained in enumerate(trained):
            judged = set(families[learned.fold == fold])
            assert judged and judged.isdisjoint(families_trained), name
            assert families_trained == set(families[learned.fold != fold]), name
    # Targeting rules fill about the capacity on families they did not learn from.
    for name in ("risk_cox", "benefit"):
        assert abs(learned.flags[name].mean() - 0.3) < 0.05, name
    assert learned.flags["tree"].mean() <= 0.3 + 0.05
    assert set(np.unique(learned.flags["tree"])) <= {0.0, 1.0}
    assert np.isfinite(learned.scores["risk_cox"]).all()


def test_deployable_rules_apply_to_new_decision_points() -> None:
    frame = small_spells()
    learned = learn_rules(
        frame,
        covariates=COVARIATES,
        capacity=0.25,
        horizon=365,
        rules=("everyone", "risk", "tree"),
        cross_fit=False,
    )
    assert set(learned.flags) == {"everyone"}  # no in-sample flags of learned rules
    assert "is at least" in learned.descriptions["risk_cox"]
    assert learned.descriptions["tree"].startswith("offer early help")
    same = learned.apply(frame)
    assert set(same) == {"everyone", "risk_cox", "tree"}
    assert same["risk_cox"].mean() == pytest.approx(0.25, abs=0.01)
    new = small_spells(600, seed=9)
    other = learned.apply(new)
    assert len(other["tree"]) == 600
    # The same model and cut-off: a child's flag does not depend on who else is scored.
    np.testing.assert_array_equal(learned.apply(new.iloc[:50])["risk_cox"], other["risk_cox"][:50])


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_rules_apply_where_a_factor_was_never_recorded() -> None:
    """Another authority's spells have no factor_9Z column (no child had the factor): the
    rules flag them as if every child had the flag 0 (before: 'not in the table')."""
    frame = small_spells().copy()
    frame["factor_9Z"] = (np.arange(len(frame)) % 7 == 0).astype(int)
    learned = learn_rules(frame, covariates=[*COVARIATES, "factor_9Z"], capacity=0.25,
                          horizon=365, rules=("risk", "tree"), cross_fit=False)  # fmt: skip
    new = small_spells(600, seed=9)
    without = learned.apply(new)
    zeros = learned.apply(new.assign(factor_9Z=0))
    assert set(without) == {"risk_cox", "tree"}
    for name in without:
        np.testing.assert_array_equal(without[name], zeros[name])


def test_flags_are_checked_against_the_spells_they_belong_to() -> None:
    frame = small_spells()
    learned = learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                          rules=("everyone", "no_one"))  # fmt: skip
    assert set(learned.aligned(frame["spell_id"])) == {"everyone", "no_one"}
    with pytest.raises(DesignError, match="not those the rules were learned on"):
        learned.aligned(frame["spell_id"].to_numpy()[::-1])


def test_other_spells_are_refused_naming_the_first_row_that_differs() -> None:
    """Review s27 (leftovers), finding 4: ``aligned`` refused without naming a row.

    It now says what ``flagged_by_group`` says (one rule, ``check_same_spells``): the
    first row whose ``spell_id`` differs, and no identifier.
    """
    frame = small_spells()
    learned = learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                          rules=("everyone", "no_one"))  # fmt: skip
    ids = frame["spell_id"].to_numpy().copy()
    ids[[3, 4]] = ids[[4, 3]]  # rows 0-2 agree; row 3 is the first to differ
    with pytest.raises(DesignError, match=r"spell_id differs from row 3\)"):
        learned.aligned(ids)
    with pytest.raises(DesignError, match=r"spells has 4 rows .*\(spell_id differs\)"):
        learned.aligned(ids[:4])
    with pytest.raises(DesignError, match="deployable=False"):
        learned.apply(frame)


def test_bad_rules_are_refused() -> None:
    frame = small_spells()
    with pytest.raises(DesignError, match="unknown rule"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365, rules=["oracle"])
    with pytest.raises(DesignError, match="unknown risk model"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                    rules=["risk"], risk_models=["xgb"])  # fmt: skip
    # a model (or rule) given twice was learned twice, in every fold, for one rule
    with pytest.raises(DesignError, match=r"risk model\(s\) listed more than once: cox;"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                    rules=["risk"], risk_models=["cox", "penalised_cox", "cox"])  # fmt: skip
    with pytest.raises(DesignError, match=r"rule\(s\) listed more than once: everyone;"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                    rules=["everyone", "no_one", "everyone"])  # fmt: skip
    with pytest.raises(DesignError, match="capacity"):
        learn_rules(frame, covariates=COVARIATES, capacity=1.5, horizon=365)
    with pytest.raises(DataValidationError, match=r"one score per spell \(1500\)"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365, rules=[],
                    fixed_scores={"tool": np.ones(3)})  # fmt: skip
    fixed = learn_rules(frame, covariates=COVARIATES, capacity=0.2, horizon=365, rules=[],
                        fixed_scores={"tool": frame["risk"].to_numpy()})  # fmt: skip
    assert fixed.flags["top_tool"].mean() == pytest.approx(0.2, abs=0.002)


def test_rules_learned_on_two_workers_equal_those_learned_here() -> None:
    frame = small_spells()
    kwargs: dict[str, Any] = {
        "covariates": COVARIATES, "capacity": 0.3, "horizon": 365, "folds": 3,
        "forest_trees": 8,
    }  # fmt: skip
    here = learn_rules(frame, n_jobs=1, **kwargs)
    workers = learn_rules(frame, n_jobs=2, **kwargs)
    assert here.descriptions == workers.descriptions
    np.testing.assert_array_equal(here.fold, workers.fold)
    assert here.flags.keys() == workers.flags.keys()
    for name in here.flags:
        np.testing.assert_array_equal(here.flags[name], workers.flags[name], err_msg=name)
    for name in here.scores:
        np.testing.assert_array_equal(here.scores[name], workers.scores[name], err_msg=name)
    applied_here, applied_workers = here.apply(frame), workers.apply(frame)
    for name in applied_here:
        np.testing.assert_array_equal(applied_here[name], applied_workers[name], err_msg=name)


def test_a_given_forest_is_the_deployed_benefit_rule_and_the_folds_grow_their_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The heterogeneity study's forest, fitted with the rule's settings, deploys exactly
    the rule learn_rules would grow; the cross-fitting folds still grow theirs."""
    frame = small_spells()
    kwargs: dict[str, Any] = {
        "covariates": COVARIATES, "capacity": 0.3, "horizon": 365, "folds": 2,
        "forest_trees": 8, "seed": 3, "rules": ("risk", "benefit"), "n_jobs": 1,
    }  # fmt: skip
    grown = learn_rules(frame, **kwargs)
    forest = fit_effect_model(frame, covariates=COVARIATES, horizon=365, n_estimators=8, seed=3)
    fitted: list[int] = []
    original = rules_module.fit_effect_model

    def counting(train: pd.DataFrame, *args: Any, **kw: Any) -> Any:
        fitted.append(len(train))
        return original(train, *args, **kw)

    monkeypatch.setattr(rules_module, "fit_effect_model", counting)
    given = learn_rules(frame, effect_model=forest, **kwargs)
    assert len(fitted) == 2 and max(fitted) < len(frame)  # the two folds only
    assert given.backend["benefit"][0] is forest
    assert given.backend["benefit"][1] == grown.backend["benefit"][1]  # the same cut-off
    assert list(given.backend) == list(grown.backend)
    assert given.descriptions == grown.descriptions
    for name in grown.flags:
        np.testing.assert_array_equal(given.flags[name], grown.flags[name], err_msg=name)
    np.testing.assert_array_equal(given.apply(frame)["benefit"], grown.apply(frame)["benefit"])


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"seed": 4}, "seed"),
        ({"n_estimators": 12}, "trees"),
        ({"horizon": 730}, "horizon"),
        ({"covariates": ["risk", "age"]}, "covariates"),
        ({"frame": "other"}, "spells"),
    ],
)
def test_a_forest_fitted_otherwise_is_refused(change: dict[str, Any], named: str) -> None:
    frame = small_spells()
    settings: dict[str, Any] = {"covariates": COVARIATES, "horizon": 365, "n_estimators": 8,
                                "seed": 3}  # fmt: skip
    settings.update(change)
    data = frame.iloc[1:] if settings.pop("frame", None) == "other" else frame
    forest = fit_effect_model(data, **settings)
    with pytest.raises(DesignError, match=f"fitted with other {named}"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365, rules=["benefit"],
                    forest_trees=8, seed=3, effect_model=forest, n_jobs=1)  # fmt: skip


def test_the_forest_splits_among_grf_s_share_of_the_columns() -> None:
    """Each split of the causal forest chooses among R grf's default number of columns."""
    frame = small_spells()
    model = fit_effect_model(frame, covariates=COVARIATES, horizon=365, n_estimators=8, seed=3)
    columns = len(model.center)
    assert model.backend.max_features == split_candidates(columns)
    assert all(tree.max_features == split_candidates(columns)
               for tree in model.backend.model_cate.estimators_)  # fmt: skip
    assert split_candidates(78) == 29  # the default design's coded columns


def test_a_forest_with_other_split_candidates_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = small_spells()
    with monkeypatch.context() as patched:
        patched.setattr(heterogeneity_module, "split_candidates", lambda columns: 1)
        forest = fit_effect_model(frame, covariates=COVARIATES, horizon=365, n_estimators=8,
                                  seed=3)  # fmt: skip
    assert forest.backend.max_features == 1
    with pytest.raises(DesignError, match="fitted with other split candidates"):
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365, rules=["benefit"],
                    forest_trees=8, seed=3, effect_model=forest, n_jobs=1)  # fmt: skip


def test_a_forest_grown_with_econml_s_default_is_taken_when_that_is_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A forest from before split candidates were set (every column, EconML's default)
    is given to the rules when grf's number is every column too (26 columns or fewer)."""
    frame = small_spells()
    with monkeypatch.context() as patched:
        patched.setattr(heterogeneity_module, "split_candidates", lambda columns: "auto")
        forest = fit_effect_model(frame, covariates=COVARIATES, horizon=365, n_estimators=8,
                                  seed=3)  # fmt: skip
    assert forest.backend.max_features == "auto"
    assert split_candidates(len(forest.center)) == len(forest.center)
    given = learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                        rules=["benefit"], forest_trees=8, seed=3, effect_model=forest,
                        n_jobs=1)  # fmt: skip
    assert given.backend["benefit"][0] is forest


def test_the_forest_effect_is_econml_effect_bit_for_bit() -> None:
    """The benefit rule reads the forest's effect without EconML coding T0 and T1 for
    every row: the same numbers as ``CausalForestDML.effect`` (one binary treatment)."""
    frame = small_spells()
    model = fit_effect_model(frame, covariates=COVARIATES, horizon=365, n_estimators=8, seed=3)
    new = small_spells(600, seed=9)
    x = model.standardised(new)
    expected = np.asarray(model.backend.effect(x), dtype=float)
    got = model.predict(new)
    assert got.shape == expected.shape == (len(new),)
    assert np.array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_top_share_breaks_ties_at_the_cut_off_by_spell_not_by_row() -> None:
    """Scores 0.9, 0.5, 0.5, 0.5, 0.1 at a 40% capacity flagged all three ties (4 of 5)."""
    score = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
    assert top_share(score, 0.4).sum() == 2
    ids = np.array([11, 12, 13, 14, 15])
    flags = top_share(score, 0.4, ids=ids)
    assert flags.sum() == 2
    assert flags[0] == 1 and flags[4] == 0
    order = np.array([3, 0, 4, 2, 1])
    assert top_share(score[order], 0.4, ids=ids[order]).tolist() == flags[order].tolist()


def _binary_spells(n: int, seed: int) -> pd.DataFrame:
    """Spells whose only covariates are two 0/1 flags: risk models tie in whole groups."""
    rng = np.random.default_rng(seed)
    prior = (rng.random(n) < 0.25).astype(int)
    neglect = (rng.random(n) < 0.5).astype(int)
    treatment = (rng.random(n) < 0.4).astype(int)
    time = rng.exponential(900 * np.exp(-1.2 * prior - 0.4 * neglect + 0.3 * treatment))
    return pd.DataFrame(
        {
            "spell_id": np.arange(1, n + 1),
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": np.arange(n) // 2,
            "duration": np.ceil(np.minimum(time, 700)),
            "event": (time < 700).astype(int),
            "treatment": treatment,
            "prior_cpp": prior,
            "neglect": neglect,
        }
    )


def test_a_tied_fixed_score_flags_exactly_the_capacity_in_any_row_order() -> None:
    """A 0/1 tool score held by 25% of spells flagged all 25% at a capacity of 20%."""
    spells = _binary_spells(400, seed=11)
    score = spells["prior_cpp"].to_numpy(dtype=float)
    kwargs: dict[str, Any] = {"covariates": ["prior_cpp"], "capacity": 0.2, "horizon": 365}
    learned = learn_rules(spells, rules=("everyone",), fixed_scores={"prior": score}, **kwargs)
    flags = learned.flags["top_prior"]
    assert flags.sum() == 80  # floor(0.2 · 400)
    assert set(np.flatnonzero(flags)) <= set(np.flatnonzero(score == 1))
    order = np.random.default_rng(2).permutation(len(spells))
    shuffled = spells.iloc[order].set_index(np.arange(len(spells)) + 500)
    again = learn_rules(
        shuffled, rules=("everyone",), fixed_scores={"prior": score[order]}, **kwargs
    )
    assert again.flags["top_prior"].tolist() == flags[order].tolist()


def test_a_risk_rule_on_binary_covariates_keeps_to_the_capacity() -> None:
    """A Cox risk model on two 0/1 covariates gives four risks; its rule flagged 26% at 20%."""
    spells = _binary_spells(600, seed=11)
    kwargs: dict[str, Any] = {
        "covariates": ["prior_cpp", "neglect"], "capacity": 0.2, "horizon": 365,
        "rules": ("risk",), "risk_models": ("cox",), "folds": 3, "seed": 1, "n_jobs": 1,
    }  # fmt: skip
    learned = learn_rules(spells, **kwargs)
    # The rule to deploy, applied to the spells it was learned on, flags exactly the
    # capacity: its cut-off and tie keys are those of the learning spells.
    assert learned.apply(spells)["risk_cox"].sum() == 120
    assert "at exactly" in learned.descriptions["risk_cox"]
    # The cross-fitted flags carry each training cut-off to the fold left out: around the
    # capacity (every share of a tie group flagged whole was at least 0.25 here).
    assert abs(learned.flags["risk_cox"].mean() - 0.2) < 0.03
    # Ties are decided by spell, so another row order and index give the same flags.
    order = np.random.default_rng(5).permutation(len(spells))
    again = learn_rules(spells.iloc[order].set_index(7 * np.arange(len(spells))), **kwargs)
    assert again.flags["risk_cox"].tolist() == learned.flags["risk_cox"][order].tolist()
    assert again.apply(spells.iloc[order])["risk_cox"].tolist() == (
        learned.apply(spells)["risk_cox"][order].tolist()
    )


def _cells(error: pytest.ExceptionInfo[DataValidationError]) -> list[tuple[object, ...]]:
    return [(p.table, p.row, p.column, p.value) for p in error.value.problems]


def test_deployed_rules_refuse_new_spells_of_a_level_they_never_saw() -> None:
    """A new spell of a sex the rules never saw (or none recorded, where every learning
    spell had one) was scored as the reference level, F; it is refused naming the row."""
    learned = learn_rules(small_spells(), covariates=[*COVARIATES, "sex"], capacity=0.25,
                          horizon=365, rules=("risk", "tree"), cross_fit=False,
                          n_jobs=1)  # fmt: skip
    new = small_spells(600, seed=9)
    sex = new["sex"].copy()
    sex.iloc[[3, 5]] = ["X", None]
    with pytest.raises(DataValidationError) as raised:
        learned.apply(new.assign(sex=sex))
    assert _cells(raised) == [("spells", 3, "sex", "X"), ("spells", 5, "sex", None)]
    assert "a level not seen when the model was fitted" in str(raised.value)
    assert learned.apply(new)["risk_cox"].shape == (600,)  # the levels seen: scored


def _fold_level_run(frame: pd.DataFrame) -> tuple[Any, list[str]]:
    """Learn the Cox risk rule by 3-fold cross-fitting; return it and the warnings' text."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        learned = learn_rules(frame, covariates=[*COVARIATES, "sex"], capacity=0.25,
                              horizon=365, rules=("risk",), folds=3, deployable=False,
                              n_jobs=1)  # fmt: skip
    return learned, [str(w.message) for w in caught if "held-out" in str(w.message)]


def _of_spells(learned: Any, kept: str, ids: pd.Series) -> np.ndarray:
    """Return the rule's fold, flags or Cox risk scores of the spells ``ids``."""
    values = learned.fold if kept == "fold" else getattr(learned, kept)["risk_cox"]
    by_id = dict(zip(learned.spell_id, values, strict=True))
    return np.array([by_id[i] for i in ids], dtype=float)


def test_a_fold_s_spells_of_a_level_only_its_families_have_are_scored_as_the_reference() -> None:
    """Cross-fitting: a sex recorded only in one family's spells is unseen by the rules
    learned on the other folds (which pool nothing into 'other'). It stopped the study
    with a DataValidationError; it is coded as the reference level, F, as a level rarer
    than min_count is pooled, with a warning naming the covariate and counts, not the value.

    Independent check: the folds are dealt by family, not by sex, so the family's fold is
    learned on the same spells whether the family's sex reads X or F; its spells must get
    the scores and flags they get when the family's sex is recorded as F."""
    frame = small_spells()
    family = frame["family_id"].iloc[0]
    theirs = (frame["family_id"] == family).to_numpy()
    as_x = frame.assign(sex=frame["sex"].where(~theirs, "X"))
    as_f = frame.assign(sex=frame["sex"].where(~theirs, "F"))
    order = np.random.default_rng(4).permutation(len(frame))
    shuffled = as_x.iloc[order].set_index(np.arange(len(frame)) + 100)
    learned, said = _fold_level_run(shuffled)
    assert len(said) == 1, said
    assert said[0].startswith(
        f"covariate 'sex': {int(theirs.sum())} held-out spell(s) have 1 level(s) that the "
        "spells of the other folds never had"
    )
    assert "reference level 'F'" in said[0] and "'X'" not in said[0]
    reference, _ = _fold_level_run(as_f)
    ids = frame["spell_id"][theirs]
    for kept in ("fold", "flags", "scores"):
        got, want = (_of_spells(run, kept, ids) for run in (learned, reference))
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=kept)
    again, _ = _fold_level_run(shuffled)  # the same seed: the same flags and scores
    assert np.array_equal(again.flags["risk_cox"], learned.flags["risk_cox"])
    assert np.array_equal(again.scores["risk_cox"], learned.scores["risk_cox"])


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_rules_learn_on_a_small_simulated_authority_with_one_child_of_sex_u() -> None:
    """300 simulated children (seed 5, as ``escalation simulate --children 300 --seed 5``):
    one spell of sex U, which the other folds' spells lack when its fold is held out.
    ``escalation policy`` stopped with a DataValidationError on row 68 ('U'); the rules are
    learned and the same seed gives the same flags and scores."""
    _, data = authority(300, 5)
    assert data.spells["sex"].value_counts().get("U") == 1  # the case: one child of sex U
    runs = [
        learn_rules(data, covariates=["age", "sex", "prior_referrals"], capacity=0.3,
                    horizon=365, rules=("risk", "tree"), folds=5, seed=5, n_jobs=1)
        for _ in range(2)
    ]  # fmt: skip
    for name in ("risk_cox", "tree"):
        assert runs[0].flags[name].shape == (len(data.spells),)
        assert np.array_equal(runs[0].flags[name], runs[1].flags[name]), name
        assert np.array_equal(runs[0].scores[name], runs[1].scores[name]), name


def test_a_capacity_of_every_child_flags_every_child_wherever_the_rule_is_carried() -> None:
    """At capacity_per_1000 = 1000 the cross-fitted Cox risk rule flagged 1,499 of 1,500
    children (one child of a fold scored below every training child, the carried cut-off)
    and, applied to spells with lower risks, none: "offer to the highest risks, up to every
    child" is "offer to every child" (the `everyone` rule), whatever the scores."""
    spells = small_spells()
    learned = learn_rules(
        spells, covariates=COVARIATES, capacity=1.0, horizon=365, rules=("risk",),
        folds=5, seed=1, n_jobs=1,
    )  # fmt: skip
    assert learned.flags["risk_cox"].tolist() == [1.0] * len(spells)
    lower = spells.assign(risk=spells["risk"] - 100.0)  # every score below the learned ones
    assert learned.apply(lower)["risk_cox"].tolist() == [1.0] * len(spells)
    assert learned.descriptions["risk_cox"] == (
        "offer early help to every child (the capacity covers every referral)"
    )
    # The same for a cut-off carried by top_share: 0.5 is below every reference score.
    assert top_share([0.5, 9.0], 1.0, reference=[1.0, 2.0, 3.0]).tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("kwargs", "cell"),
    [
        # A missing score compared false with every cut-off: at a share of 1 no row at all
        # was flagged ([0, 0, 0]), and at 0.5 numpy failed with an IndexError.
        ({"score": [0.1, np.nan, 0.5], "share": 1.0}, ("score", 1, "score")),
        ({"score": [0.1, np.nan, 0.5, 0.7], "share": 0.5}, ("score", 1, "score")),
        ({"score": [0.1, 0.2], "share": 0.5, "reference": [0.4, 0.3, np.inf]},
         ("reference", 2, "reference")),
        ({"score": [0.1, 0.2, 0.3], "share": 0.5, "ids": [1, 2]}, ("ids", None, "ids")),
    ],
)  # fmt: skip
def test_top_share_refuses_bad_scores_naming_argument_row_and_value(
    kwargs: dict[str, Any], cell: tuple[object, ...]
) -> None:
    """Bad input to the public top_share is refused by name, never flagged as it falls."""
    with pytest.raises(DataValidationError) as error:
        top_share(**kwargs)
    assert [(p.table, p.row, p.column) for p in error.value.problems] == [cell]
