"""Properties of the validation metrics (cases with known answers, invariances)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.errors import DataValidationError, DesignError
from escalation.predict import metrics, risk_histogram, roc_curve, subgroup_metrics


def uncensored(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Everyone followed past the horizon or escalating before it: no censoring."""
    rng = np.random.default_rng(seed)
    risk = rng.uniform(0.02, 0.7, n)
    escalated = rng.random(n) < risk
    duration = np.where(escalated, rng.uniform(1, 364, n), 800.0)
    return duration, escalated.astype(int), risk


def test_without_censoring_the_metrics_are_the_plain_ones() -> None:
    duration, event, risk = uncensored(500, 1)
    y = event.astype(bool)
    assert metrics.brier_score(duration, event, risk, 365) == pytest.approx(
        np.mean((y - risk) ** 2)
    )
    cases, controls = risk[y], risk[~y]
    plain_auc = np.mean(cases[:, None] > controls[None, :])
    assert metrics.time_dependent_auc(duration, event, risk, 365) == pytest.approx(plain_auc)
    assert metrics.observed_risk(duration, event, 365) == pytest.approx(y.mean())


def test_perfect_ranking_and_calibration_of_the_true_risk() -> None:
    duration, event, risk = uncensored(20000, 2)
    assert metrics.time_dependent_auc(duration, event, event * 0.5 + 0.1, 365) == 1.0
    assert metrics.calibration_slope(duration, event, risk, 365) == pytest.approx(1, abs=0.08)
    curve = metrics.calibration_curve(duration, event, risk, 365)
    assert np.max(np.abs(curve["observed"] - curve["predicted"])) < 0.04
    assert (curve["conf_low"] <= curve["observed"]).all()
    assert (curve["observed"] <= curve["conf_high"]).all()
    # halving the risks: slope unchanged-ish in logit terms, calibration in the large ~ mean
    out = metrics.score_risks(duration, event, risk / 2, 365)
    assert out["calibration_in_the_large"] == pytest.approx(risk.mean() / 2, abs=0.01)
    assert out["observed_expected"] == pytest.approx(2, abs=0.05)


def test_operating_point_and_net_benefit_by_hand() -> None:
    duration = np.array([10.0, 20, 30, 400, 500, 600, 700, 800, 900, 1000])
    event = np.array([1, 1, 2, 0, 0, 0, 0, 0, 0, 0])
    risk = np.array([0.9, 0.3, 0.8, 0.1, 0.2, 0.25, 0.05, 0.6, 0.15, 0.12])
    out = metrics.operating_point(duration, event, risk, 365, flag=0.3)
    # flagged: 0.9 (case), 0.8 (death: control), 0.6 (control)
    assert out["precision"] == pytest.approx(1 / 3)
    assert out["recall"] == pytest.approx(1 / 2)
    assert out["fnr"] == pytest.approx(1 / 2)
    assert out["fpr"] == pytest.approx(2 / 8)
    table = metrics.net_benefit(duration, event, risk, 365, [0.2])
    odds = 0.2 / 0.8
    assert table["model"].iloc[0] == pytest.approx(
        2 / 10 - 4 / 10 * odds
    )  # 0.9,0.3 | 0.8,.6,.25,.2
    assert table["treat_all"].iloc[0] == pytest.approx(2 / 10 - 8 / 10 * odds)


def test_censored_before_the_horizon_have_no_weight_and_reweight_the_rest() -> None:
    status = metrics.horizon_status([5, 50, 100, 400], [1, 0, 1, 0], 365)
    assert status.weight.tolist() == pytest.approx([1.0, 0.0, 1.5, 1.5])
    assert status.weight.sum() == pytest.approx(4)  # weights restore the sample size


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_permuting_rows_changes_nothing(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    duration = rng.integers(1, 700, n).astype(float)
    event = rng.choice([0, 1, 2], n, p=[0.5, 0.4, 0.1])
    event[0] = 1
    risk = rng.random(n)
    order = rng.permutation(n)
    a = metrics.score_risks(duration, event, risk, 365)
    b = metrics.score_risks(duration[order], event[order], risk[order], 365)
    for key, value in a.items():
        assert b[key] == pytest.approx(value, nan_ok=True), key


def test_bootstrap_keeps_families_whole_and_is_seeded() -> None:
    family = np.repeat(np.arange(50), 3)[:140]
    draws = metrics.bootstrap_indices(family, 5, seed=7)
    again = metrics.bootstrap_indices(family, 5, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(draws, again, strict=True))
    for rows in draws:
        counts = np.bincount(family[rows], minlength=50)
        sizes = np.bincount(family, minlength=50)
        assert np.all(counts % np.where(sizes > 0, sizes, 1) == 0)  # whole families only
    # one NaN draw in 20 (5%) is left out: the quartiles of 1..19 (numpy's linear rule)
    low, high = metrics.percentile_interval([*range(1, 20), np.nan], 0.5)
    assert (low, high) == (5.5, 14.5)
    # one in four is too many: no interval (it would describe the estimable draws only)
    assert np.isnan(metrics.percentile_interval([1.0, 2.0, 3.0, np.nan], 0.5)).all()


def test_bad_inputs_are_reported() -> None:
    with pytest.raises(DataValidationError, match="duration"):
        metrics.brier_score([0, 1], [1, 0], [0.1, 0.2], 365)
    with pytest.raises(DataValidationError, match="risk"):
        metrics.brier_score([1, 2], [1, 0], [np.nan, 0.2], 365)
    with pytest.raises(DataValidationError, match="column per time"):
        metrics.integrated_brier_score([1, 2], [1, 0], [0.1, 0.2], [365])


#: Measures that read a risk as a probability: a risk outside [0, 1] is refused.
_SCORED = {
    "score_risks": lambda d, e, r: metrics.score_risks(d, e, r, 365),
    "brier_score": lambda d, e, r: metrics.brier_score(d, e, r, 365),
    "calibration_slope": lambda d, e, r: metrics.calibration_slope(d, e, r, 365),
    "calibration_curve": lambda d, e, r: metrics.calibration_curve(d, e, r, 365),
    "net_benefit": lambda d, e, r: metrics.net_benefit(d, e, r, 365, [0.1, 0.3]),
    "subgroup_metrics": lambda d, e, r: subgroup_metrics(
        d, e, r, pd.DataFrame({"sex": ["F", "M"] * (len(d) // 2)}), 365, model="m"
    ),
}
#: Measures of the scores' order alone: any finite score (a linear predictor, points).
_RANKED = {
    "time_dependent_auc": lambda d, e, r: metrics.time_dependent_auc(d, e, r, 365),
    "harrell_c": metrics.harrell_c,
    "uno_c": lambda d, e, r: metrics.uno_c(d, e, r, 365),
    "operating_point": lambda d, e, r: metrics.operating_point(d, e, r, 365),
    "average_precision": lambda d, e, r: metrics.average_precision(d, e, r, 365),
    "roc_curve": lambda d, e, r: roc_curve(d, e, r, 365),
}


@pytest.mark.parametrize("name", sorted(_SCORED))
@pytest.mark.parametrize(
    ("change", "row", "shown"), [("percent", 0, "'12.34567891'"), ("negative", 3, "'-0.3'")]
)
def test_risks_outside_zero_to_one_are_refused_by_row(
    name: str, change: str, row: int, shown: str
) -> None:
    # A tool's score in percent gave a Brier score of 1605 and a wrong decision curve
    # with the AUC unchanged; a negative risk moved the expected risk. Both were scored.
    duration, event, risk = uncensored(40, 3)
    risk[0] = 0.1234567891234  # in percent 17 characters: shown to 10 digits
    risk = 100 * risk if change == "percent" else np.r_[risk[:3], -0.3, risk[4:]]
    with pytest.raises(DataValidationError) as error:
        _SCORED[name](duration, event, risk)
    message = str(error.value)
    assert f"table 'predictions', row {row}, column 'risk', value {shown}" in message
    assert "risks must be probabilities" in message and "percent" in message


@pytest.mark.parametrize("name", sorted(_RANKED))
def test_measures_of_order_take_any_score_as_its_probability(name: str) -> None:
    """A Cox model's linear predictor (or a points score) ranks as its probability does: the
    same concordance, AUC, curves and operating point (refused as "not a probability" in
    one change of this session; sksurv and R's concordance take any score)."""
    duration, event, risk = uncensored(40, 3)
    linear = np.log(risk / (1 - risk))  # the same order, mostly outside [0, 1]
    assert ((linear < 0) | (linear > 1)).any()
    as_risk, as_score = _RANKED[name](duration, event, risk), _RANKED[name](duration, event, linear)
    if isinstance(as_risk, pd.DataFrame):  # a curve: its points, thresholds aside
        kept = [c for c in as_risk.columns if c != "threshold"]
        pd.testing.assert_frame_equal(as_risk[kept], as_score[kept])
    elif isinstance(as_risk, dict):  # the operating point: all but the score at the cut
        as_risk.pop("threshold"), as_score.pop("threshold")
        assert as_risk == pytest.approx(as_score)
    else:
        assert as_risk == pytest.approx(as_score)
    with pytest.raises(DataValidationError, match="missing or infinite"):
        _RANKED[name](duration, event, np.r_[linear[:-1], np.inf])


def test_risk_histogram_counts_every_risk_or_names_the_one_it_cannot() -> None:
    # np.histogram left risks above the top edge out of every bar, silently.
    risk = [0.1, 0.2, 0.9, 0.3, 0.0, 1.0, 0.5]
    frame = pd.DataFrame({"model": ["a"] * 4 + ["b"] * 3, "risk": risk})
    bins = risk_histogram(frame, bins=4)
    assert bins.groupby("model", sort=False)["count"].sum().tolist() == [4, 3]
    assert bins["predicted_high"].max() == 1.0
    with pytest.raises(DataValidationError) as error:
        risk_histogram(frame, bins=4, top=0.8)
    message = str(error.value)
    assert "table 'predictions', row 2, column 'risk', value '0.9'" in message
    assert "2 value(s) above the histogram's top edge 0.8" in message
    with pytest.raises(DataValidationError, match=re.escape("row 0, column 'risk', value '10.0'")):
        risk_histogram(frame.assign(risk=100 * frame["risk"]), bins=4)


def test_calibration_curve_falls_back_to_a_line_when_predictions_bunch() -> None:
    # Predictions bunched on four values (as a model on a few discrete covariates gives):
    # two knots fall inside one bunch, the spline fit diverges, and the curve is the
    # logistic recalibration line, which is finite and matches a direct logistic fit.
    rng = np.random.default_rng(0)
    centres = np.repeat([-1.24, -0.47, 1.56, 3.5], [300, 200, 200, 40])
    x = centres + 1e-3 * rng.random(len(centres))
    risk = 1 / (1 + np.exp(-x))
    escalated = rng.random(len(risk)) < risk
    curve = metrics.calibration_curve(np.where(escalated, 1.0, 2.0), escalated, risk, 1.5)
    assert np.isfinite(curve[["observed", "conf_low", "conf_high"]].to_numpy()).all()
    import statsmodels.api as sm

    line = sm.GLM(escalated.astype(float), sm.add_constant(x), family=sm.families.Binomial()).fit()
    grid = np.log(curve["predicted"] / (1 - curve["predicted"]))
    expected = line.predict(sm.add_constant(grid.to_numpy()))
    np.testing.assert_allclose(curve["observed"], expected, atol=1e-6)


@pytest.mark.parametrize("n", [1, 40, 2500])
def test_prefix_counts_equal_a_direct_count(n: int) -> None:
    # the concordance's counts of lower and tied risks among the spells followed longer
    rng = np.random.default_rng(n)
    values = np.round(rng.uniform(0, 1, n), 2)  # many ties
    prefix = rng.integers(0, n + 1, 300)  # any order, repeats, empty and full prefixes
    query = np.where(rng.random(300) < 0.7, rng.choice(values, 300), rng.uniform(-0.1, 1.1, 300))
    less, upto = metrics._prefix_counts(values, prefix, query - 1e-8, query + 1e-8)
    pairs = list(zip(prefix, query, strict=True))
    assert less.tolist() == [float((values[:p] < q - 1e-8).sum()) for p, q in pairs]
    assert upto.tolist() == [float((values[:p] <= q + 1e-8).sum()) for p, q in pairs]


def test_top_share_metrics_flag_exactly_the_share_when_risks_tie() -> None:
    """Three risks tied at the top-20% cut-off of ten children were all flagged (40%)."""
    risk = np.array([0.9, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    case = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    duration = np.where(case == 1, 50.0, 400.0)  # nobody censored before day 365
    out = metrics.operating_point(duration, case, risk, 365, flag=0.2)
    # Two places: the 0.9 (a case) and one of the three 0.5s, each a third of a place.
    tp, fp = 1 + 1 / 3, 2 / 3
    assert out["flagged"] == pytest.approx(0.2)
    assert out["precision"] == pytest.approx(tp / (tp + fp))
    assert out["recall"] == pytest.approx(tp / 2)
    assert out["fpr"] == pytest.approx(fp / 8)
    scored = metrics.score_risks(duration, case, risk, 365, flags=(0.2,))
    assert scored["precision_top20"] == pytest.approx(out["precision"])
    order = np.random.default_rng(0).permutation(10)
    again = metrics.score_risks(duration[order], case[order], risk[order], 365, flags=(0.2,))
    assert again["recall_top20"] == pytest.approx(scored["recall_top20"], abs=1e-12)


@pytest.mark.parametrize(
    ("flags", "named"), [((0.025,), "0.025"), ((0.02, 0.025), "0.025"), ((0.1, 0.1), "0.1")]
)
def test_flags_that_would_share_a_label_are_refused(flags: tuple[float, ...], named: str) -> None:
    """flags=(0.02, 0.025) gave one recall_top2, holding the 2.5% value."""
    duration, event, risk = uncensored(200, seed=3)
    with pytest.raises(DesignError, match=named):
        metrics.score_risks(duration, event, risk, 365, flags=flags)


def test_the_observed_risk_past_the_last_follow_up_is_unknown_not_carried_forward() -> None:
    # Was: spells followed to day 300 at most gave, at horizon 365, the risk by day 300
    # as the observed risk (and calibration-in-the-large from it), with no word.
    duration, event, risk = uncensored(200, 4)
    short = np.minimum(duration, 300.0)
    event = np.where(duration > 300.0, 0, event)
    within = metrics.observed_risk(short, event, 300.0)
    assert 0 < within < 1
    assert np.isnan(metrics.observed_risk(short, event, 365.0))
    scored = metrics.score_risks(short, event, risk, 365.0)
    assert np.isnan([scored[k] for k in ("observed", "calibration_in_the_large")]).all()
    assert np.isnan(scored["observed_expected"])
    assert metrics.score_risks(short, event, risk, 300.0)["observed"] == within
