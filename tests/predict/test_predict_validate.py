"""validate_risk_models end to end: tables, the oracle, text features, the CLI."""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation import default_design, validate_case_history, write_case_history
from escalation.cli import predict as predict_command
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import DisclosureSpec
from escalation.disclosure import (
    DisclosureRules,
    disclose_metric_counts,
    disclose_model_card,
    rank_decimals,
)
from escalation.errors import DataValidationError, DesignError, StatisticalWarning
from escalation.predict.fairness import FAIRNESS_COLUMNS
from escalation.predict.metrics import bootstrap_indices, percentile_interval, time_dependent_auc
from escalation.predict.splits import family_groups, temporal_split
from escalation.predict.validate import UNSEEN_LEVELS, RiskValidation, validate_risk_models
from escalation.timeline import CovariateCoding, SpellData, build_spells
from tests.predict.predict_support import simulated_spells
from tests.timeline.timeline_support import synthetic_history

OPTIONS = {
    "gradient_boosting": {"n_estimators": 30, "min_samples_leaf": 20},
    "random_forest": {"n_estimators": 20, "min_samples_leaf": 20},
}


#: The warning of subgroup bootstrap draws left out (a group with nobody flagged).
SUBGROUP_DRAWS = r".*subgroup metrics. bootstrap draws on which a metric could not"


@pytest.fixture(scope="module")
def simulated() -> tuple[object, pd.DataFrame]:
    return simulated_spells(6000, 21)


@pytest.fixture(scope="module")
def result(simulated: tuple[object, pd.DataFrame]) -> RiskValidation:
    data, truth = simulated
    with warnings.catch_warnings():
        # A small group with nobody flagged on some draws: counted and warned of
        # (tests/predict/test_predict_left_out_counted.py).
        warnings.filterwarnings("ignore", SUBGROUP_DRAWS, StatisticalWarning)
        return validate_risk_models(
            data,  # type: ignore[arg-type]
            horizon=365,
            models=["cox", "penalised_cox", "gradient_boosting", "random_forest"],
            bootstrap=25,
            seed=5,
            truth=truth,
            model_options=OPTIONS,
        )


def test_tables_follow_the_contract(result: RiskValidation) -> None:
    assert list(result.calibration.columns) == [
        "model", "predicted", "observed", "conf_low", "conf_high", "conf_level",
    ]  # fmt: skip
    assert list(result.decision_curve.columns) == [
        "model", "threshold", "net_benefit", "conf_low", "conf_high", "conf_level",
        "true_positives", "false_positives", "n", "draws_left_out",
    ]  # fmt: skip
    assert list(result.subgroup_metrics.columns) == list(FAIRNESS_COLUMNS)
    assert list(result.metrics.columns[:6]) == [
        "model", "feature_set", "metric", "estimate", "conf_low", "conf_high",
    ]  # fmt: skip
    models = {"cox", "penalised_cox", "gradient_boosting", "random_forest", "oracle"}
    assert set(result.metrics["model"]) == models
    assert set(result.decision_curve["model"]) == models | {"treat_all", "treat_none"}
    assert set(result.model_cards) == models - {"oracle"}
    with_ci = result.metrics[~result.metrics["metric"].isin(["n", "events"])].dropna(
        subset=["estimate"]
    )
    inside = (with_ci["conf_low"] <= with_ci["estimate"] + 1e-9) & (
        with_ci["estimate"] <= with_ci["conf_high"] + 1e-9
    )
    assert inside.mean() > 0.95
    assert result.glance()["n"].iloc[0] == result.n_test
    assert "oracle" in result.summary().as_text()


def test_the_oracle_is_the_best_achievable(result: RiskValidation) -> None:
    m = result.metrics.set_index(["model", "metric"])["estimate"]
    oracle_auc = m[("oracle", "auc")]
    for model in ("cox", "penalised_cox", "gradient_boosting", "random_forest"):
        assert m[(model, "auc")] <= oracle_auc + 0.02, model
        assert m[(model, "brier")] >= m[("oracle", "brier")] - 0.003, model
    # the oracle is calibrated: slope ~1, observed ~ expected
    assert m[("oracle", "calibration_slope")] == pytest.approx(1, abs=0.25)
    assert m[("oracle", "calibration_in_the_large")] == pytest.approx(0, abs=0.03)
    # the correctly specified Cox model is close to it
    assert m[("cox", "auc")] > oracle_auc - 0.03
    assert m[("cox", "calibration_in_the_large")] == pytest.approx(0, abs=0.04)


def test_decision_curve_and_calibration_of_the_oracle(result: RiskValidation) -> None:
    curve = result.decision_curve.pivot(index="threshold", columns="model", values="net_benefit")
    # at a threshold of 1% nearly everyone is worth flagging: oracle ~ treat all
    assert curve.loc[0.01, "oracle"] == pytest.approx(curve.loc[0.01, "treat_all"], abs=0.01)
    # above the base rate, flagging everyone loses; the oracle still gains
    assert curve.loc[0.3, "treat_all"] < 0 < curve.loc[0.3, "oracle"]
    assert (curve["treat_none"] == 0).all()
    band = result.decision_curve.query("model == 'oracle' and threshold == 0.3")
    assert (band["conf_low"] < band["net_benefit"]).all()
    assert (band["net_benefit"] < band["conf_high"]).all()
    cal = result.calibration[result.calibration["model"] == "oracle"]
    assert np.median(np.abs(cal["observed"] - cal["predicted"])) < 0.04


def test_cards_and_outputs_hold_no_identifiers(result: RiskValidation) -> None:
    card = result.model_cards["cox"].to_markdown()
    assert "Decision support only" in card and "Subgroup gaps" in card
    assert "AUC of" in card  # the oracle is quoted on simulated data
    html = result.model_cards["gradient_boosting"].to_html()
    assert html.startswith("<h1>Model card: gradient_boosting</h1>")
    tables = [result.metrics, result.subgroup_metrics, result.predictions]
    assert all("child_id" not in t.columns and "family_id" not in t.columns for t in tables)
    assert not any(c.startswith("c") and c[1:].isdigit() for c in card.split())


def test_grouped_cv_and_text_features(simulated: tuple[object, pd.DataFrame]) -> None:
    data, _ = simulated
    spells = data.spells  # type: ignore[attr-defined]
    rng = np.random.default_rng(0)
    # a (deliberately leaky) note feature carrying the outcome must reach the model
    escalated = ((spells["event"] == 1) & (spells["duration"] <= 365)).to_numpy()
    informative = pd.DataFrame(
        {"text_signal": escalated + rng.normal(0, 1.0, len(spells))}, index=spells.index
    )
    out = validate_risk_models(
        data,  # type: ignore[arg-type]
        models=["cox"],
        feature_sets=["structured", "structured+text"],
        validation="grouped_cv",
        n_splits=3,
        bootstrap=0,
        seed=2,
        text_features=informative,
    )
    assert out.n_test == len(spells)  # out-of-fold predictions for every spell
    assert set(out.predictions["split"]) == {"fold 1", "fold 2", "fold 3"}
    auc = out.metrics[out.metrics["metric"] == "auc"].set_index("model")["estimate"]
    assert auc["cox+text"] > auc["cox"] + 0.05
    assert "text_signal" in out.backend["cox+text"].columns
    assert out.metrics["conf_low"].isna().all()  # no bootstrap asked for
    again = validate_risk_models(
        data,  # type: ignore[arg-type]
        models=["cox"], validation="grouped_cv", n_splits=3, bootstrap=0, seed=2,
    )  # fmt: skip
    first = out.metrics[out.metrics["model"] == "cox"]["estimate"].to_numpy()
    assert np.allclose(first, again.metrics["estimate"].to_numpy(), equal_nan=True)


@pytest.mark.filterwarnings(f"ignore:{SUBGROUP_DRAWS}:escalation.errors.StatisticalWarning")
def test_text_gain_has_a_paired_interval(simulated: tuple[object, pd.DataFrame]) -> None:
    """auc_difference: the text model's AUC minus the structured model's, paired bootstrap.

    A modest note feature raises the AUC by about 0.04: the two AUC intervals overlap
    (the old rule could not tell), but the paired interval, recomputed here from the same
    family resamples with the public AUC, lies above 0.
    """
    data, _ = simulated
    spells = data.spells  # type: ignore[attr-defined]
    escalated = ((spells["event"] == 1) & (spells["duration"] <= 365)).to_numpy()
    noise = np.random.default_rng(0).normal(0, 1.0, len(spells))
    notes = pd.DataFrame({"text_signal": 0.5 * escalated + noise}, index=spells.index)
    out = validate_risk_models(
        data,  # type: ignore[arg-type]
        horizon=365,
        models=["cox"],
        feature_sets=["structured", "structured+text"],
        bootstrap=50,
        seed=4,
        text_features=notes,
        n_jobs=1,
    )
    rows = out.metrics.set_index(["model", "metric"])
    row = rows.loc[("cox+text", "auc_difference")]
    assert row["feature_set"] == "structured+text" and row["horizon"] == 365
    assert row["conf_level"] == 0.95
    assert ("cox", "auc_difference") not in rows.index
    base, text = rows.loc[("cox", "auc")], rows.loc[("cox+text", "auc")]
    assert row["estimate"] == pytest.approx(text["estimate"] - base["estimate"], abs=1e-12)
    # by hand: the test spells in spell_id order, the same family resamples, the public AUC
    risk = out.predictions.pivot(index="spell_id", columns="model", values="risk")
    test = spells.set_index("spell_id").loc[risk.index]
    duration, event = test["duration"].to_numpy(), test["event"].to_numpy()

    def auc(rows: np.ndarray, model: str) -> float:
        return time_dependent_auc(duration[rows], event[rows], risk[model].to_numpy()[rows], 365)

    every = np.arange(len(test))
    assert row["estimate"] == pytest.approx(auc(every, "cox+text") - auc(every, "cox"))
    replicates = bootstrap_indices(family_groups(test.reset_index()), 50, 4)
    by_hand = percentile_interval([auc(r, "cox+text") - auc(r, "cox") for r in replicates])
    assert (row["conf_low"], row["conf_high"]) == pytest.approx(by_hand, abs=1e-9)
    # the separate intervals overlap; the paired one finds the gain
    assert text["conf_low"] < base["conf_high"]
    assert 0 < row["conf_low"] < row["estimate"] < row["conf_high"]
    # a difference of two AUCs on the same children is a ratio of counts as each AUC is:
    # disclosure rounds it as it rounds the AUC (3 decimals: over 100 escalations)
    shown = disclose_metric_counts(out.tidy()).set_index(["model", "metric"])
    for column in ("estimate", "conf_low", "conf_high"):
        published = shown.loc[("cox+text", "auc_difference"), column]
        assert published == round(row[column], 3), column
    assert shown.loc[("cox+text", "auc"), "estimate"] == round(text["estimate"], 3)
    assert "AUC with case-note features minus without" in out.model_cards["cox+text"].to_markdown()


def test_auc_difference_only_pairs_the_same_spells() -> None:
    from escalation.predict.validate import _auc_difference  # the private pairing step

    table = pd.DataFrame({"metric": ["auc"], "estimate": [0.7], "conf_low": [0.6],
                          "conf_high": [0.8]})  # fmt: skip
    draws = {"cox": np.array([0.70, 0.72]), "cox+text": np.array([0.71, 0.74])}
    same = {"cox": np.ones(3, bool), "cox+text": np.ones(3, bool)}
    tables = {"cox": table, "cox+text": table.assign(estimate=0.75)}
    (row,) = _auc_difference("cox+text", tables, draws, same, conf_level=0.5)
    assert row["estimate"].iloc[0] == pytest.approx(0.05)
    assert row[["conf_low", "conf_high"]].iloc[0].tolist() == pytest.approx([0.0125, 0.0175])
    other = {**same, "cox+text": np.array([True, True, False])}
    with pytest.warns(StatisticalWarning, match="not compared pairwise"):
        assert _auc_difference("cox+text", tables, draws, other, conf_level=0.5) == []


def test_bad_requests_say_what_to_do(simulated: tuple[object, pd.DataFrame]) -> None:
    data, _ = simulated
    with pytest.raises(DesignError, match="unknown risk model"):
        validate_risk_models(data, models=["svm"])  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="history"):
        validate_risk_models(data, feature_sets=["structured+text"])  # type: ignore[arg-type]
    partial = pd.DataFrame({"text_x": 1.0}, index=data.spells.index[:-5])  # type: ignore[attr-defined]
    with pytest.raises(DataValidationError, match="5 spell"):
        validate_risk_models(
            data,  # type: ignore[arg-type]
            models=["cox"], feature_sets=["structured+text"], text_features=partial, bootstrap=0,
        )  # fmt: skip
    censored = dataclasses.replace(data, censor_at_horizon=True)  # type: ignore[type-var]
    with pytest.raises(DesignError, match="no controls"):
        validate_risk_models(censored, horizon=730, models=["cox"], bootstrap=0)


def test_text_features_must_have_one_row_per_spell_and_no_other(
    simulated: tuple[object, pd.DataFrame],
) -> None:
    """Review s27 (leftovers), finding 5: rows of ``text_features`` for no spell were
    dropped without a word (``reindex``), and a spell without a row was counted but not
    named. A table for other spells (renumbered 0..n-1, say) gave its rows to the wrong
    children; now each kind is refused naming a row (a position, never an index label).
    """
    data, _ = simulated
    # the spells in another row order: errors still name rows of data.spells as given
    spells = data.spells.sample(frac=1.0, random_state=3)  # type: ignore[attr-defined]
    shuffled = dataclasses.replace(data, spells=spells)  # type: ignore[type-var]
    full = pd.DataFrame({"text_x": np.arange(len(spells), dtype=float)}, index=spells.index)

    def refused(features: pd.DataFrame) -> str:
        with pytest.raises(DataValidationError) as error:
            validate_risk_models(
                shuffled, models=["cox"], feature_sets=["structured+text"],  # type: ignore[arg-type]
                text_features=features, bootstrap=0,
            )  # fmt: skip
        return str(error.value)

    # spell at row 7 of data.spells (not its label, not its canonical position) has none
    message = refused(full.drop(index=spells.index[7]))
    assert "table 'spells', row 7" in message and "1 spell(s) have none" in message
    # a row for no spell: two extra rows at the end of text_features (rows n and n + 1)
    extra = pd.DataFrame({"text_x": [0.0, 0.0]}, index=[10**9, 10**9 + 1])
    message = refused(pd.concat([full, extra]))
    assert f"table 'text_features', row {len(spells)}" in message
    assert "2 such row(s)" in message and str(10**9) not in message
    # a repeated row
    message = refused(pd.concat([full, full.iloc[[5]]]))
    assert f"table 'text_features', row {len(spells)}" in message and "repeats" in message
    # a missing value: its row and column of text_features
    gaps = full.assign(text_y=0.0)
    gaps.iloc[12, 1] = np.nan
    message = refused(gaps)
    assert "table 'text_features', row 12, column 'text_y'" in message
    # every spell once, in any order: read by label, so the order changes nothing
    fits = [
        validate_risk_models(
            shuffled,  # type: ignore[arg-type]
            models=["cox"],
            feature_sets=["structured+text"],
            text_features=features,
            bootstrap=0,
        )
        for features in (full, full.iloc[::-1])
    ]
    assert "text_x" in fits[0].backend["cox+text"].columns
    pd.testing.assert_frame_equal(fits[0].predictions, fits[1].predictions)


def test_names_that_would_be_duplicated_are_refused(
    simulated: tuple[object, pd.DataFrame],
) -> None:
    data, _ = simulated
    # a model listed twice was fitted twice and every spell's prediction written twice
    with pytest.raises(DesignError, match=r"risk model\(s\) listed more than once: cox"):
        validate_risk_models(data, models=["cox", "cox"], bootstrap=0)  # type: ignore[arg-type]
    with pytest.raises(DesignError, match=r"feature set\(s\) listed more than once: structured"):
        validate_risk_models(
            data,  # type: ignore[arg-type]
            models=["cox"], feature_sets=["structured", "structured"], bootstrap=0,
        )  # fmt: skip
    # a text feature named like a covariate failed in pandas ("duplicate labels")
    spells = data.spells  # type: ignore[attr-defined]
    clashing = pd.DataFrame({"age": 1.0, "text_x": 0.0}, index=spells.index)
    with pytest.raises(DesignError, match=r"text feature.*'age' share a name with a coded"):
        validate_risk_models(
            data,  # type: ignore[arg-type]
            models=["cox"], feature_sets=["structured+text"], text_features=clashing, bootstrap=0,
        )  # fmt: skip


def test_cli_writes_tables_and_cards(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = validate_case_history(synthetic_history(2500, 8), lenient=True)
    write_case_history(history, tmp_path / "data")
    # The design's own disclosure rules govern every count written and printed: rounding
    # to 7 (a count rounded to 5 by default agrees with it only at multiples of 35).
    design = default_design().replace(disclosure=DisclosureSpec(threshold=10, rounding=7))
    (tmp_path / "design.toml").write_text(design.to_toml())
    rules = DisclosureRules(threshold=10, rounding=7)
    parser = argparse.ArgumentParser(prog="escalation")
    predict_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        [
            "predict", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out"),
            "--models", "cox,gradient_boosting", "--bootstrap", "5", "--seed", "1",
            "--validation", "grouped_cv", "--folds", "3", "--data", str(tmp_path / "data"),
        ]
    )  # fmt: skip
    assert args.func(args) == 0
    out = tmp_path / "out"
    for name in ("metrics", "subgroup_metrics", "calibration", "decision_curve"):
        assert len(pd.read_csv(out / f"{name}.csv")) > 0
    assert sorted(p.name for p in (out / "model_cards").glob("*.md")) == [
        "cox.md", "gradient_boosting.md",
    ]  # fmt: skip
    # Rank metrics leave rounded (2 or 3 decimals), as written and as printed.
    metrics = pd.read_csv(out / "metrics.csv")
    ranked = metrics[metrics["metric"].isin(["auc", "harrell_c", "uno_c", "average_precision"])]
    for column in ("estimate", "conf_low", "conf_high"):
        values = ranked[column].dropna().astype(float)
        assert len(values) and (values == values.round(3)).all(), column
    groups = pd.read_csv(out / "subgroup_metrics.csv")
    ranked = groups.loc[groups["metric"] == "auc", "estimate"].dropna().astype(float)
    assert len(ranked) and (ranked == ranked.round(3)).all()
    printed = capsys.readouterr().out
    cox = metrics.set_index(["model", "metric"]).loc["cox", "estimate"].astype(float)
    assert cox["n"] % 7 == 0 and cox["events"] % 7 == 0, cox  # the design's rounding
    assert cox["n"] % 35 and cox["events"] % 35, cox  # not what the defaults would show
    # the terminal's counts are those written, under the same rules
    assert f"Test spells    {int(cox['n']):,} ({int(cox['events']):,} escalations" in printed
    # printed and on the card with the decimals it was rounded to (as the counts allow)
    decimals = rank_decimals(cox["events"], cox["n"], rules)
    assert decimals in (2, 3) and cox["auc"] == round(cox["auc"], decimals)
    assert f"AUC {cox['auc']:.{decimals}f} (" in printed, printed
    card = (out / "model_cards" / "cox.md").read_text(encoding="utf-8")
    assert f"| Time-dependent AUC | {cox['auc']:.{decimals}f} |" in card
    # Net benefit leaves made of disclosed counts: (TP' - FP'·q/(100 - q))/n' with TP',
    # FP' multiples of 7 and n' the published test spells, so n'·(100 - q)·NB is one too.
    decision = pd.read_csv(out / "decision_curve.csv")
    assert list(decision.columns) == [
        "model", "threshold", "net_benefit", "conf_low", "conf_high", "conf_level",
        "draws_left_out", "suppressed",
    ]  # fmt: skip
    spells = cox["n"]
    made = decision[~decision["suppressed"] & (decision["model"] != "treat_none")]
    scaled = made["net_benefit"] * float(spells) * (100 - (100 * made["threshold"]).round())
    assert len(made) and np.allclose(scaled / 7, (scaled / 7).round(), atol=1e-6)
    args = parser.parse_args(["predict", str(tmp_path / "design.toml"), "--out", "x",
                              "--models", "svm"])  # fmt: skip
    with pytest.raises(DesignError, match="svm"):
        args.func(args)


@pytest.mark.filterwarnings(
    # eight stock sentences make some topic weights nearly constant: lifelines says so
    "ignore:penalised_cox \\(lifelines\\).*low variance:escalation.errors.StatisticalWarning"
)
def test_structured_plus_text_from_case_notes(simulated: tuple[object, pd.DataFrame]) -> None:
    """The text feature set runs the case-note pipeline: notes before time zero only."""
    data, _ = simulated
    spells = data.spells  # type: ignore[attr-defined]
    rng = np.random.default_rng(4)
    escalated = ((spells["event"] == 1) & (spells["duration"] <= 365)).to_numpy()
    pool = np.array(
        [
            "School attendance is good.",
            "Health visitor saw the baby at home.",
            "Family support worker visited twice this month.",
            "Housing officer reports rent arrears.",
            "Grandmother helps with childcare at weekends.",
            "The child enjoys football and art club.",
            "Parents attended the parenting course.",
            "No concerns about alcohol.",
        ]
    )
    filler = (
        pool[rng.integers(0, len(pool), len(spells))]
        + " "
        + pool[rng.integers(0, len(pool), len(spells))]
    )
    concern = "Mother drinks alcohol daily and there is domestic abuse at home."
    phrases = np.where(escalated & (rng.random(len(spells)) < 0.6), filler + " " + concern, filler)
    before = pd.DataFrame(
        {
            "child_id": spells["child_id"].to_numpy(),
            "date": spells["time_zero"] - pd.Timedelta(days=20),
            "text": phrases,
        }
    )
    after = before.assign(  # written after time zero: must not be used
        date=spells["time_zero"] + pd.Timedelta(days=30),
        text="Neglect of the home; cannabis use by father.",
    )
    history = synthetic_history(6000, 21).with_tables(
        notes=pd.concat([before, after], ignore_index=True)
    )
    out = validate_risk_models(
        data,  # type: ignore[arg-type]
        models=["penalised_cox"],
        feature_sets=["structured", "structured+text"],
        history=history,
        bootstrap=0,
        seed=3,
    )
    columns = out.backend["penalised_cox+text"].columns
    assert any(c.startswith("text_flag_") for c in columns)
    assert not any("neglect" in c or "drugs" in c for c in columns)  # post-time-zero notes
    auc = out.metrics[out.metrics["metric"] == "auc"].set_index("model")["estimate"]
    assert auc["penalised_cox+text"] > auc["penalised_cox"] + 0.05


def test_training_follow_up_can_end_at_the_cutoff(simulated: tuple[object, pd.DataFrame]) -> None:
    data, _ = simulated
    spells = data.spells  # type: ignore[attr-defined]
    kwargs = {"models": ["cox"], "bootstrap": 0, "seed": 1, "cutoff": "2022-01-01"}
    full = validate_risk_models(data, **kwargs)  # type: ignore[arg-type]
    cut = validate_risk_models(data, censor_training=True, **kwargs)  # type: ignore[arg-type]
    first = pd.to_datetime(spells["time_zero"]).min()
    longest = (pd.Timestamp("2022-01-01") - first).days
    assert cut.backend["cox"].grid.max() <= longest < full.backend["cox"].grid.max()
    assert len(cut.backend["cox"].grid) < len(full.backend["cox"].grid)  # fewer events seen
    assert cut.n_test == full.n_test and cut.provenance["censor_training"]


def _spells_with_deaths(n: int, seed: int) -> SpellData:
    """Spells with deaths (event 2) and a small group of sex ``U``."""
    rng = np.random.default_rng(seed)
    prior = rng.poisson(1.0, n)
    t = rng.exponential(1500 * np.exp(-0.6 * prior))
    event = (t < 730).astype(int)
    event[(event == 1) & (rng.random(n) < 0.15)] = 2
    spells = pd.DataFrame(
        {
            "spell_id": np.arange(1, n + 1),
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i}" for i in range(n)],
            "time_zero": pd.Timestamp("2019-04-01")
            + pd.to_timedelta(rng.integers(0, 1400, n), "D"),
            "duration": np.ceil(np.minimum(t, 730)),
            "event": event,
            "age": rng.uniform(0, 17, n),
            "prior_referrals": prior,
            "sex": rng.choice(["F", "M", "U"], n, p=[0.5, 0.38, 0.12]),
        }
    )
    design = default_design()
    covariates = dataclasses.replace(design.covariates, include=("age", "prior_referrals"))
    design = dataclasses.replace(design, covariates=covariates)
    return SpellData(spells, pd.DataFrame(), design, pd.Timestamp("2024-03-31"))


def test_the_result_and_its_card_record_the_settings_that_move_the_metrics() -> None:
    # competing="censor" moves every metric, yet the result recorded nothing of it and
    # its card said "death competing"; flags, min_group, cutoff, model_options, n_splits
    # and conf_level were not recorded either.
    data = _spells_with_deaths(800, 0)
    settings = {"models": ["penalised_cox"], "bootstrap": 0, "seed": 1, "n_jobs": 1}
    options = {"penalised_cox": {"penalizer": 0.1}}
    censor = validate_risk_models(
        data, competing="censor", flags=(0.2,), min_group=25, conf_level=0.9,
        cutoff="2022-01-01", model_options=options, **settings,  # type: ignore[arg-type]
    )  # fmt: skip
    control = validate_risk_models(data, validation="grouped_cv", n_splits=3, **settings)  # type: ignore[arg-type]
    assert {k: censor.provenance[k] for k in _RECORDED} == {
        "competing": "censor", "flags": [0.2], "min_group": 25, "cutoff": "2022-01-01",
        "n_splits": None, "conf_level": 0.9, "model_options": options,
    }  # fmt: skip
    assert {k: control.provenance[k] for k in _RECORDED} == {
        "competing": "control", "flags": [0.1], "min_group": 10, "cutoff": None,
        "n_splits": 3, "conf_level": 0.95, "model_options": {},
    }  # fmt: skip
    outcome = censor.model_cards["penalised_cox"].facts["Outcome"]
    assert outcome.endswith("; a child who died first is scored as censored at death")
    outcome = control.model_cards["penalised_cox"].facts["Outcome"]
    assert outcome.endswith(
        "; a child who died first is scored as not escalating (death competing)"
    )
    with pytest.raises(DesignError, match="competing must be 'control' or 'censor'"):
        validate_risk_models(data, competing="ignore", **settings)  # type: ignore[arg-type]


_RECORDED = ("competing", "flags", "min_group", "cutoff", "n_splits", "conf_level", "model_options")


def test_the_card_states_the_suppression_limit_used_and_counts_groups() -> None:
    # The card said "fewer than 10 children" whatever min_group was, and counted the 17
    # suppressed metric rows of one group as "17 subgroup results".
    data = _spells_with_deaths(1500, 0)
    settings = {"models": ["cox"], "bootstrap": 0, "seed": 1, "n_jobs": 1}
    result = validate_risk_models(data, min_group=40, **settings)  # type: ignore[arg-type]
    raw = result.model_cards["cox"]
    table = result.subgroup_metrics
    assert table.loc[table["suppressed"] & (table["attribute"] == "sex"), "group"].unique() == ["U"]
    shared = disclose_model_card(raw, result.metrics, table, events=400, n=900)
    limit = "Subgroup results with fewer than 40 children or 40 escalations are suppressed"
    # Shared: M (191 children) is withheld only beside U (complementary suppression), so
    # it is counted apart from the groups suppressed as too small (U), and F, whose size is
    # shown but whose precision is withheld (few flagged), is counted apart again: it was
    # counted among the groups "suppressed as too small".
    shared_groups = disclose_metric_counts(table)
    assert shared_groups.loc[shared_groups["n"].isna(), "group"].unique().tolist() == ["M", "U"]
    for card, groups, beside in ((raw, table, []), (shared, shared_groups, ["M"])):
        # A group is small where its n is withheld or (as computed: the exact n is kept
        # there) every one of its results is suppressed.
        whole = groups.groupby(["attribute", "group"])["suppressed"].transform("all")
        hidden = groups.loc[groups["suppressed"], ["attribute", "group", "n"]]
        unsized = hidden["n"].isna() | whole[hidden.index]
        small = hidden.loc[unsized, ["attribute", "group"]].drop_duplicates()
        n = len(small) - len(beside)
        partly = len(hidden.loc[~unsized, ["attribute", "group"]].drop_duplicates())
        assert n and groups["suppressed"].sum() > n  # several rows for each group
        assert partly == (1 if beside else 0)  # F's precision, under disclosure control
        counted = f"Results of {n} subgroup{'s' if n > 1 else ''} were suppressed as too small"
        counted += (
            f"; 1 more was withheld beside {'them' if n > 1 else 'it'}, so that their counts "
            "cannot be worked out by subtraction. Some results of 1 other subgroup were "
            "withheld because they rest on too few children (for example, rates among few "
            "children flagged)."
            if beside
            else "."
        )
        assert limit in card.limits[4] and counted == card.limits[5], card.limits
        assert not any("fewer than 10" in line for line in card.limits)


def _temporal(data: SpellData) -> tuple[RiskValidation, list[str]]:
    """Validate a Cox model on the default temporal split; return it and the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = validate_risk_models(data, models=["cox"], bootstrap=0, seed=1, n_jobs=1)
    return fitted, [str(w.message) for w in caught if "held-out" in str(w.message)]


def test_a_level_first_seen_after_the_cutoff_is_predicted_as_the_reference() -> None:
    """A small simulated authority (300 children, seed 5) where three test-period spells
    are the only ones of sex U (their sex recoded; the training spells' U recoded to M).
    The default temporal split stopped with a DataValidationError; the test period stands
    in for use, where a tool meets such a level, so they are coded as the reference level,
    F, with a warning naming the covariate and counts (not the value), and the model card
    and provenance count them. Independent check: the model is fitted on the training
    spells alone, so the three spells' predictions must be those made when their sex is
    recorded as F."""
    sim = simulate_local_authority(300, seed=5, config=SimulationConfig(notes=False))
    data = build_spells(sim.history, default_design())
    spells = data.spells.copy()
    split = temporal_split(spells)
    sex = np.where(spells["sex"].astype(str) == "U", "M", spells["sex"].astype(str))
    late = split.test[:3]
    sex[late] = "U"
    spells["sex"] = sex
    as_u = dataclasses.replace(data, spells=spells)
    fitted, said = _temporal(as_u)
    assert len(said) == 1, said
    assert said[0].startswith(
        "covariate 'sex': 3 held-out spell(s) have 1 level(s) that the training spells "
        f"(time zero before {split.cutoff:%Y-%m-%d}) never had"
    )
    assert "reference level 'F'" in said[0] and "'U'" not in said[0]
    assert fitted.provenance["unseen_levels"] == 3
    assert all(card.facts[UNSEEN_LEVELS] == 3 for card in fitted.model_cards.values())
    shared = disclose_model_card(
        fitted.model_cards["cox"], fitted.metrics, fitted.subgroup_metrics,
        events=fitted.events_test, n=fitted.n_test,
    )  # fmt: skip
    assert shared.facts[UNSEEN_LEVELS] == "fewer than 10"  # a count of children, disclosed
    as_f = dataclasses.replace(as_u, spells=spells.assign(sex=np.where(sex == "U", "F", sex)))
    reference, none = _temporal(as_f)
    assert not none and reference.provenance["unseen_levels"] == 0
    assert UNSEEN_LEVELS not in reference.model_cards["cox"].facts
    pd.testing.assert_frame_equal(fitted.predictions, reference.predictions, rtol=1e-12)
    changed = spells["spell_id"].to_numpy()[late]
    assert set(changed) <= set(fitted.predictions["spell_id"])


def test_a_fitted_model_still_refuses_a_level_it_never_saw() -> None:
    """Deployment-style coding of new rows (``table``, not ``held_out``) still refuses a
    level the coding never saw, naming the table, row, column and value."""
    train = pd.DataFrame({"sex": ["F"] * 30 + ["M"] * 30})
    coding = CovariateCoding.learn(train, ["sex"])
    with pytest.raises(DataValidationError) as raised:
        coding.apply(pd.DataFrame({"sex": ["F", "U"]}), table="profiles")
    assert [(p.table, p.row, p.column, p.value) for p in raised.value.problems] == [
        ("profiles", 1, "sex", "U")
    ]


def _grouped_cv(data: SpellData) -> tuple[RiskValidation, list[str]]:
    """Validate a Cox model by 5-fold family cross-validation; return it and the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = validate_risk_models(data, models=["cox"], validation="grouped_cv",
                                      bootstrap=0, seed=1, n_jobs=1)  # fmt: skip
    return fitted, [str(w.message) for w in caught if "held-out" in str(w.message)]


def test_a_fold_s_level_the_other_folds_lack_is_predicted_as_the_reference() -> None:
    """Grouped cross-validation: a sex recorded only in one family's spells is unseen by the
    models fitted on the other folds, which pool nothing into 'other'. It stopped the
    validation with a DataValidationError; it is coded as the reference level, F, with a
    warning naming the covariate and counts, not the value.

    Independent check: the folds are dealt by family, not by sex, so that family's fold is
    fitted on the same spells whether its sex reads X or F: its predictions must be those
    made when its sex is recorded as F."""
    data = _spells_with_deaths(600, 3)
    covariates = dataclasses.replace(data.design.covariates, include=("age", "sex"))
    design = dataclasses.replace(data.design, covariates=covariates)
    spells = data.spells.assign(sex=np.where(data.spells["sex"] == "U", "M", data.spells["sex"]))
    spells.loc[[7], "sex"] = "X"  # every spell has its own family: one family, one spell
    as_x = dataclasses.replace(data, spells=spells, design=design)
    fitted, said = _grouped_cv(as_x)
    assert len(said) == 1, said
    assert said[0].startswith(
        "covariate 'sex': 1 held-out spell(s) have 1 level(s) that the spells of the other "
        "folds never had"
    )
    assert "reference level 'F'" in said[0] and "'X'" not in said[0]
    as_f = dataclasses.replace(as_x, spells=spells.assign(sex=spells["sex"].replace("X", "F")))
    reference, _ = _grouped_cv(as_f)
    spell = int(spells["spell_id"].iloc[7])
    mine, theirs = (
        r.predictions.loc[r.predictions["spell_id"] == spell, ["split", "risk"]]
        for r in (fitted, reference)
    )
    assert len(mine) == 1
    assert mine["split"].tolist() == theirs["split"].tolist()
    np.testing.assert_allclose(mine["risk"].to_numpy(), theirs["risk"].to_numpy(), rtol=1e-12)
    again, _ = _grouped_cv(as_x)  # the same seed: the same predictions
    pd.testing.assert_frame_equal(again.predictions, fitted.predictions)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_grouped_cv_on_a_small_simulated_authority_with_one_child_of_sex_u() -> None:
    """300 simulated children (seed 5): one spell of sex U, which every fold's training
    spells lack when its fold is held out. Validation stopped with a DataValidationError
    on row 68 ('U'); it runs, every spell predicted once."""
    sim = simulate_local_authority(300, seed=5, config=SimulationConfig(notes=False))
    data = build_spells(sim.history, default_design())
    assert data.spells["sex"].value_counts().get("U") == 1  # the case: one child of sex U
    fitted, said = _grouped_cv(data)
    assert said and said[0].startswith("covariate 'sex': 1 held-out spell(s)")
    assert sorted(fitted.predictions["spell_id"]) == sorted(data.spells["spell_id"])


def test_a_missing_covariate_of_a_training_spell_names_its_row_of_data_spells() -> None:
    """The error named the row in spell_id order, not the row of ``data.spells``."""
    data = _spells_with_deaths(400, 0)
    spells = data.spells.iloc[::-1].reset_index(drop=True)
    early = int(np.flatnonzero(spells["time_zero"] < pd.Timestamp("2022-01-01"))[0])
    spells.loc[early, "age"] = np.nan
    with pytest.raises(DataValidationError) as raised:
        validate_risk_models(
            dataclasses.replace(data, spells=spells),
            models=["cox"], bootstrap=0, seed=1, n_jobs=1, cutoff="2022-01-01",
        )  # fmt: skip
    assert [(p.table, p.row, p.column) for p in raised.value.problems] == [("spells", early, "age")]
