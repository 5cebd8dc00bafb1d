"""Shares of counts are published from the disclosed counts, never at full precision.

A share printed to 17 digits gives back the counts it divides: 0.40484429065743943 is
234/578 and nothing else with a denominator near 580, so the group size the table rounds
to 580 and the number flagged come back exactly. Each test below attacks the published
values with the hidden denominators and checks each share is the disclosed numerator
over the disclosed denominator.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation.disclosure import (
    DisclosureRules,
    disclose_count,
    disclose_curve_shares,
    disclose_metric_counts,
    disclose_share,
    disclose_threshold_curve,
    round_std_error,
)
from escalation.predict import precision_recall_curve, roc_curve
from escalation.predict.metrics import horizon_status, score_risks

HORIZON = 365.0


def gives_back(share: float, hidden: float) -> bool:
    """Whether ``share`` is k/n for a whole k and n the exact ``hidden`` count, when rounding
    to 5 hides that count (a multiple of 5 is shown as it is)."""
    if (
        round(hidden) % 5 == 0
        or not np.isfinite(share)
        or any(abs(share * b - round(share * b)) < 1e-9 for b in (1, 2))
    ):
        return False  # 0, 1/2, 1: k/n for many n alike, naming none
    k = share * round(hidden)
    return bool(abs(k - round(k)) < 1e-9)


def of_disclosed(share: float, denominator: float, base: int = 5) -> bool:
    """Whether ``share`` is a multiple of ``base`` over the disclosed ``denominator``."""
    shown = disclose_count(round(denominator))
    assert shown is not None
    k = share * shown
    return bool(abs(k - round(k)) < 1e-6 and round(k) % base == 0)


# ------------------------------------------------------------------------------ the helper
@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (234, 578, 235 / 580),
        (233.6, 578.2, 235 / 580),  # expected numbers: whole numbers first
        (12, 12, 1.0),
        (10, 1003, 10 / 1005),
        (9, 1003, None),  # numerator below the threshold
        (0, 1003, None),  # zero included
        (5, 9, None),  # denominator below the threshold
        (None, 100, None),
        (10, float("nan"), None),
        (-3.2, 100, None),  # a negative augmented sum: no count to show
    ],
)
def test_report_disclose_share(
    numerator: float | None, denominator: float, expected: float | None
) -> None:
    assert disclose_share(numerator, denominator) == expected


def test_report_disclose_share_scale_and_rules() -> None:
    assert disclose_share(3393, 9282, per=1000) == 1000 * 3395 / 9280
    rules = DisclosureRules(threshold=20, rounding=10)
    assert disclose_share(234, 578, rules) == 230 / 580
    assert disclose_share(19, 578, rules) is None
    assert disclose_share(234, 578, DisclosureRules(threshold=1, rounding=1)) == 234 / 578


@given(st.integers(min_value=10, max_value=50_000), st.integers(min_value=10, max_value=50_000))
def test_report_disclose_share_gives_back_only_disclosed_counts(k: int, n: int) -> None:
    share = disclose_share(k, n)
    assert share == disclose_count(k) / disclose_count(n)  # type: ignore[operator]
    assert share is not None and of_disclosed(share, n)


@pytest.mark.parametrize(
    ("se", "expected"),
    [
        (0.020923557391038235, 0.021),
        (5.123598575734494, 5.1),
        (0.0058355437, 0.0058),
        (123.45, 120.0),
        (0.0, 0.0),
        (float("inf"), float("inf")),
    ],
)
def test_report_round_std_error(se: float, expected: float) -> None:
    assert round_std_error(se) == expected


def test_report_round_std_error_digits_and_missing() -> None:
    assert round_std_error(0.020923557391038235, digits=3) == 0.0209
    assert math.isnan(round_std_error(float("nan")))
    # sqrt(k (n - k) / n^3) at full precision names k = 234 and n = 578; rounded, not
    se = math.sqrt(234 * 344 / 578**3)
    rounded = round_std_error(se)
    assert rounded == 0.02 and rounded != se


# ------------------------------------------------------------------------ risk tool tables
def _test_set(n: int = 1003, seed: int = 1) -> pd.DataFrame:
    """Predicted risks and outcomes with censoring before the horizon (IPCW weights)."""
    rng = np.random.default_rng(seed)
    risk = rng.uniform(0.02, 0.6, size=n)
    event_time = rng.exponential(HORIZON / risk)
    censor = rng.uniform(100, 2000, size=n)
    duration = np.minimum(event_time, censor).round() + 1
    event = (event_time <= censor).astype(int)
    return pd.DataFrame({"duration": duration, "event": event, "risk": risk})


def _hidden(data: pd.DataFrame) -> dict[str, float]:
    status = horizon_status(data["duration"], data["event"], HORIZON)
    case = ((data["event"] == 1) & (data["duration"] <= HORIZON)).to_numpy()
    return {
        "cases": float(case.sum()),
        "non_cases": float((~case).sum()),
        "controls": float(status.control.sum()),
        "n": float(len(data)),
    }


def test_report_threshold_curves_are_shares_of_disclosed_counts() -> None:
    """ROC and precision–recall curves: on the curves as they were, the false-positive rate
    at each step was k/1885, naming the test children without escalation exactly."""
    data = _test_set()
    hidden = _hidden(data)
    assert all(v % 5 for v in hidden.values())  # none hidden by being a multiple of 5
    case = ((data["event"] == 1) & (data["duration"] <= HORIZON)).to_numpy()
    risk = data["risk"].to_numpy()
    roc = roc_curve(data["duration"], data["event"], risk, HORIZON)
    pr = precision_recall_curve(data["duration"], data["event"], risk, HORIZON)
    roc = disclose_threshold_curve(roc, risk, case)
    pr = disclose_threshold_curve(pr, risk, case)
    assert len(roc) > 5 and len(pr) > 5
    for row in roc.iloc[1:].itertuples():
        assert not gives_back(row.fpr, hidden["controls"]), row
        assert not gives_back(row.fpr, hidden["non_cases"]), row
        assert not gives_back(row.tpr, hidden["cases"]), row
        assert of_disclosed(row.fpr, hidden["non_cases"]), row
        assert of_disclosed(row.tpr, hidden["cases"]), row
    for row in pr.iloc[1:].itertuples():
        flagged = float((risk >= row.threshold).sum())
        assert not gives_back(row.recall, hidden["cases"]), row
        assert not gives_back(row.precision, flagged), row
        assert of_disclosed(row.recall, hidden["cases"]), row
        assert of_disclosed(row.precision, flagged), row
    # The fixed ends: nobody flagged, everybody flagged.
    assert roc.iloc[0][["fpr", "tpr"]].tolist() == [0.0, 0.0]
    assert roc.iloc[-1][["fpr", "tpr"]].tolist() == [1.0, 1.0]
    assert pr.iloc[0][["recall", "precision"]].tolist() == [0.0, 1.0]
    assert (np.diff(roc["fpr"]) >= 0).all() and (np.diff(roc["tpr"]) >= 0).all()


def test_report_operating_metrics_are_shares_of_disclosed_counts() -> None:
    """prediction_metrics.csv: fpr_top10 was 158/1885 in the demo."""
    data = _test_set()
    hidden = _hidden(data)
    metrics = score_risks(data["duration"], data["event"], data["risk"], HORIZON, flags=[0.1])
    table = pd.DataFrame(
        {"model": "cox", "metric": list(metrics), "estimate": list(metrics.values())}
    )
    out = disclose_metric_counts(table).set_index("metric")["estimate"].astype(float)
    events, n = metrics["events"], metrics["n"]
    assert not gives_back(out["fpr_top10"], hidden["controls"])
    assert gives_back(metrics["fpr_top10"], hidden["controls"])  # the exact rate does
    assert of_disclosed(out["fpr_top10"], n - events)
    assert of_disclosed(out["recall_top10"], events)
    assert of_disclosed(out["fnr_top10"], events)
    tp = metrics["recall_top10"] * events
    assert of_disclosed(out["precision_top10"], tp / metrics["precision_top10"])
    # A share of two counts each rounded to 5 is off by at most (2.5 + 2.5·share)/(base − 2.5).
    bases = {"fpr_top10": n - events, "recall_top10": events, "fnr_top10": events}
    bases["precision_top10"] = tp / metrics["precision_top10"]
    for key, base in bases.items():
        bound = 2.5 * (1 + metrics[key]) / (base - 2.5)
        assert out[key] == pytest.approx(metrics[key], abs=bound), key
    # Metrics of continuous predictions are left as estimated; rank metrics are rounded
    # (tests/report/test_report_disclosure_rank.py).
    for key in ("brier", "calibration_slope", "expected"):
        assert out[key] == metrics[key]
    for key in ("auc", "harrell_c"):
        assert out[key] == round(metrics[key], 3)


def test_report_group_rates_and_gaps_are_of_disclosed_counts() -> None:
    """fairness.csv: each group's rates from its disclosed counts; a gap (the group's rate
    minus the whole test set's) is the difference of two rates so computed, the whole test
    set's counts being the sums over the attribute's groups."""
    rows = []
    groups = (("a", 603, 62, 23, 101, 78 / 541), ("b", 1402, 148, 41, 199, 158 / 1254))
    for group, n, events, tp, flagged, fp_rate in groups:
        for metric, value in (("events", events), ("recall_top10", tp / events),
                              ("precision_top10", tp / flagged), ("fnr_top10", 1 - tp / events),
                              ("fpr_top10", fp_rate)):  # fmt: skip
            rows.append((group, n, metric, float(value)))
    table = pd.DataFrame(rows, columns=["group", "n", "metric", "estimate"])
    table = table.assign(model="cox", attribute="sex", suppressed=False)
    overall_fnr = 1 - (23 + 41) / (62 + 148)
    gap = table[table["metric"] == "fnr_top10"].assign(
        metric="fnr_gap_top10", estimate=lambda t: t["estimate"] - overall_fnr
    )
    out = disclose_metric_counts(pd.concat([table, gap], ignore_index=True))
    shown = out.set_index(["group", "metric"])["estimate"].astype(float)
    assert shown["a", "recall_top10"] == 25 / 60 and shown["b", "recall_top10"] == 40 / 150
    assert shown["a", "precision_top10"] == 25 / 100 and shown["b", "precision_top10"] == 40 / 200
    assert shown["a", "fpr_top10"] == disclose_share(78 / 541 * (603 - 62), 603 - 62)
    # the whole test set: 210 escalations, 64 found (146 missed) -> 145/210
    for group in ("a", "b"):
        expected = shown[group, "fnr_top10"] - 145 / 210
        assert shown[group, "fnr_gap_top10"] == pytest.approx(expected, abs=1e-12)
        assert not out.loc[out["group"] == group, "suppressed"].any()


def test_observed_curves_are_disclosed_counts_over_disclosed_arms() -> None:
    """An observed risk of 29 of 3,393 was published as 0.0085470..., giving 29 back."""
    from escalation.disclosure import disclose_curve_shares

    records = pd.DataFrame({"group": ["treated"] * 3393 + ["untreated"] * 5887})
    exact = [4 / 3393, 29 / 3393, 58 / 3393]
    curves = pd.DataFrame(
        {
            "estimator": ["unadjusted"] * 3 + ["aipw"],
            "group": ["treated"] * 4,
            "estimate": [*exact, 0.0123456789],
            "conf_low": [0.0, 0.0055, 0.0126, 0.01],
            "conf_high": [0.0024, 0.0116, 0.0216, 0.015],
            "suppressed": False,
        }
    )
    out = disclose_curve_shares(curves, records)
    # 4 expected: suppressed; 29 -> 30 and 58 -> 60, over 3,395
    assert out["suppressed"].tolist() == [True, False, False, False]
    assert np.isnan(out.loc[0, ["estimate", "conf_low", "conf_high"]].astype(float)).all()
    assert out.loc[1:2, "estimate"].tolist() == [30 / 3395, 60 / 3395]
    # the interval is recomputed around the value shown, from a standard error that carries
    # no more than the disclosed counts (2 significant figures)
    shown = out.loc[1:2]
    half = (shown["conf_high"] - shown["estimate"]).to_numpy()
    np.testing.assert_allclose(half, (shown["estimate"] - shown["conf_low"]).to_numpy())
    se = half / 1.959963984540054
    assert [float(f"{x:.2g}") for x in se] == pytest.approx(list(se))
    # model-based rows are not shares of counts: left as they were
    assert out.loc[3, "estimate"] == 0.0123456789


def test_a_published_standard_error_does_not_tell_counts_the_rounding_hides() -> None:
    """sqrt(k(n-k)/n^3) to 2 significant figures told 10, 11 and 12 of 9,282 apart; the
    published standard error of every count the rounding shows as 10 is now the same."""
    from escalation.disclosure import disclose_std_error, round_std_error

    n = 9282
    published = set()
    for k in (10, 11, 12):  # each shown as 10 of 9,280
        exact = k / n
        se = math.sqrt(exact * (1 - exact) / n)
        assert round_std_error(se) != round_std_error(math.sqrt(10 * (n - 10) / n**3)) or k == 10
        published.add(disclose_std_error(se, exact, disclose_share(k, n), n))
    assert published == {0.00034}
    # a design effect (clustering) carries over, to 2 significant figures
    assert disclose_std_error(2 * se, exact, disclose_share(12, n), n) == 0.00068
    # nothing to publish when the denominator is suppressed or a value is missing
    assert math.isnan(disclose_std_error(0.1, 0.5, 0.5, 8))
    assert math.isnan(disclose_std_error(float("nan"), 0.5, 0.5, 100))


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_effects_of_a_run_and_of_the_estimate_command_are_of_disclosed_counts(
    tmp_path: Path,
) -> None:
    """A run's effects.csv (and ``escalation estimate``'s) published the unadjusted risks
    at full precision: 0.0860... of an arm of 1,003 spells gave its exact count of
    escalations back, and a difference and ratio gave both risks. Each observed risk is
    now a multiple of 5 over the arm's disclosed size, and its contrasts those of the
    published risks (as the curves beside them, and as a share pack's effects)."""
    from escalation import build_spells, default_design
    from escalation.cli import main
    from escalation.data.io import write_case_history
    from escalation.data.simulator import SimulationConfig, simulate_local_authority
    from escalation.disclosure import spell_records
    from escalation.pipeline import run_study

    history = simulate_local_authority(1500, seed=11, config=SimulationConfig(notes=False)).history
    design = default_design()
    design = design.replace(
        estimation=dataclasses.replace(design.estimation, estimators=("unadjusted",))
    )
    run_study(history, design, out=tmp_path / "run", progress=False, stages=("effects",),
              bootstrap=0, background_figures=False)  # fmt: skip
    design_file = tmp_path / "design.toml"
    design_file.write_text(design.to_toml())
    write_case_history(history, tmp_path / "data")
    argv = ["estimate", str(design_file), "--data", str(tmp_path / "data")]
    argv += ["--out", str(tmp_path / "estimate"), "--bootstrap", "0", "--refutations", "0"]
    assert main([*argv, "--trees", "0", "--no-progress"]) == 0
    sizes = spell_records(build_spells(history, design).spells)["group"].value_counts()
    for path in (
        tmp_path / "run" / "results" / "effects.csv",
        tmp_path / "estimate" / "effects.csv",
    ):
        effects = pd.read_csv(path)
        rows = effects[(effects["estimator"] == "unadjusted") & effects["estimate"].notna()]
        wide = rows.pivot_table(index="horizon", columns="estimand", values="estimate")
        assert len(wide), path
        for horizon, row in wide.iterrows():
            for estimand, group in (("risk_treated", "treated"), ("risk_untreated", "untreated")):
                assert of_disclosed(row[estimand], sizes[group]), (path.name, horizon, estimand)
            difference = row["risk_treated"] - row["risk_untreated"]
            assert row["risk_difference"] == pytest.approx(difference, abs=1e-15)
            ratio = row["risk_treated"] / row["risk_untreated"]
            assert row["risk_ratio"] == pytest.approx(ratio, rel=1e-12)


def test_a_curve_value_unknown_before_disclosure_is_not_marked_suppressed() -> None:
    """Was: a value NaN because no spell of the arm was followed that long (the package's
    rule past the follow-up) was published as ``suppressed``, as if disclosure control had
    withheld it (session 25's note: the federated pooled curves)."""
    records = pd.DataFrame({"group": ["treated"] * 3393})
    curves = pd.DataFrame(
        {
            "estimator": "unadjusted",
            "group": "treated",
            "estimate": [29 / 3393, 4 / 3393, np.nan],
            "conf_low": [0.0055, 0.0, np.nan],
            "conf_high": [0.0116, 0.0024, np.nan],
            "suppressed": False,
        }
    )
    out = disclose_curve_shares(curves, records)
    assert out["suppressed"].tolist() == [False, True, False]
    assert np.isnan(out["estimate"].iloc[2]) and np.isnan(out["conf_high"].iloc[2])
