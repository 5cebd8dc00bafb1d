"""The decision curve's net benefit does not give back the counts it is made of.

Net benefit at a threshold p_t is TP/n - FP/n · p_t/(1 - p_t). Published at full
precision, ``treat_all`` gave back the prevalence (23/88 exactly) and a model's net
benefit times n·(100 - q) (p_t = q%) was a whole number only for the true n, so the
published 90 children named the true 88. Disclosed, it is computed from the disclosed
counts, as a share is (``disclose_share``): the attack finds the published 90 and nothing
else.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from escalation.disclosure import disclose_count, disclose_decision_curve
from escalation.errors import DataValidationError
from escalation.predict.metrics import net_benefit
from escalation.predict.validate import _decision_curve

HORIZON = 365
#: Thresholds of whole percents, as the validation's (1% to 50%).
THRESHOLDS = np.round(np.arange(0.01, 0.505, 0.01), 2)


def _small_test_set(seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """88 test children, 23 escalations; none censored before the horizon."""
    rng = np.random.default_rng(seed)
    n, events = 88, 23
    escalated = np.arange(n) < events
    risk = np.clip(0.2 + 0.2 * escalated + rng.normal(0, 0.15, n), 0.01, 0.99)
    duration = np.where(escalated, 100.0, 400.0)
    return duration, escalated.astype(int), risk


def _published(seed: int = 3) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """decision_curve.csv of the small test set, as the validation and disclosure make it."""
    duration, event, risk = _small_test_set(seed)
    rng = np.random.default_rng(seed + 1)
    replicates = [rng.integers(0, len(risk), len(risk)) for _ in range(20)]
    curve = _decision_curve(
        duration, event, risk, HORIZON, THRESHOLDS, replicates,
        conf_level=0.95, competing="control",
    )  # fmt: skip
    curve["model"] = curve["model"].replace({"model": "cox"})
    predictions = pd.DataFrame({"model": "cox", "risk": risk})
    return disclose_decision_curve(curve, predictions), event.astype(bool), risk


def children_allowed(n: int) -> list[int]:
    """Every number of children the published ``disclose_count(n)`` stands for."""
    return [m for m in range(n - 5, n + 6) if disclose_count(m) == disclose_count(n)]


def attack(table: pd.DataFrame, n: int) -> list[int]:
    """The children consistent with every net benefit shown (the previous helper's attack).

    ``treat_all`` = p - (1 - p)·odds gives the prevalence p, and p·m is whole; a model's
    net benefit·m·(100 - q) is whole (TP·(100 - q) - FP·q).
    """
    shown = table[~table["suppressed"].astype(bool) & (table["model"] != "treat_none")]
    found = children_allowed(n)
    for model, threshold, value in shown[["model", "threshold", "net_benefit"]].itertuples(
        index=False
    ):
        q = round(100 * threshold)
        if model == "treat_all":
            odds = threshold / (1 - threshold)
            whole = [(value + odds) / (1 + odds) * m for m in found]
        else:
            whole = [value * m * (100 - q) for m in found]
        found = [m for m, w in zip(found, whole, strict=True) if abs(w - round(w)) < 1e-8]
    return found


def test_the_published_net_benefit_no_longer_names_the_children() -> None:
    table, escalated, _ = _published()
    n = len(escalated)
    assert len(children_allowed(n)) > 1 and n != disclose_count(n)
    # Before: the exact net benefits left 88 of the 88 to 92 children that 90 stands for.
    # Now: only the published 90 fits, which is no news.
    assert attack(table, n) == [disclose_count(n)]
    for model in ("cox", "treat_all"):
        assert (~table.loc[table["model"] == model, "suppressed"]).sum() >= 10, model


def test_net_benefit_is_made_of_the_disclosed_counts() -> None:
    """Each shown value is (TP' - FP'·odds)/n' of the counts (found here from the risks)
    disclosed; a point whose TP or FP is below the threshold (zero included), or that
    flags fewer than the threshold or all but fewer, is blanked."""
    table, escalated, risk = _published()
    n = disclose_count(len(risk))
    assert n is not None
    cox = table[table["model"] == "cox"].set_index("threshold")
    for threshold in THRESHOLDS:
        flagged = risk >= threshold
        tp = disclose_count(int((flagged & escalated).sum()))
        fp = disclose_count(int((flagged & ~escalated).sum()))
        few = min(flagged.sum(), (~flagged).sum()) < 10
        row = cox.loc[threshold]
        if tp is None or fp is None or few:
            assert row["suppressed"] and math.isnan(row["net_benefit"]), threshold
            assert math.isnan(row["conf_low"]) and math.isnan(row["conf_high"]), threshold
            continue
        odds = threshold / (1 - threshold)
        assert not row["suppressed"], threshold
        assert row["net_benefit"] == pytest.approx((tp - fp * odds) / n, abs=1e-12), threshold
    # The curve ends where fewer than 10 flagged children did not escalate.
    assert cox["suppressed"].iloc[-1] and not cox["suppressed"].iloc[len(cox) // 2]
    every = table[table["model"] == "treat_all"].set_index("threshold")
    events = disclose_count(int(escalated.sum()))
    others = disclose_count(int((~escalated).sum()))
    assert events is not None and others is not None
    odds = THRESHOLDS / (1 - THRESHOLDS)
    expected = (events - others * odds) / n
    np.testing.assert_allclose(every.loc[THRESHOLDS, "net_benefit"], expected, atol=1e-12)
    none = table[table["model"] == "treat_none"]
    assert (none["net_benefit"] == 0).all() and not none["suppressed"].any()
    assert list(table.columns) == [
        "model", "threshold", "net_benefit", "conf_low", "conf_high", "conf_level",
        "draws_left_out", "suppressed",
    ]  # fmt: skip


def test_the_counts_returned_are_those_the_net_benefit_is_made_of() -> None:
    """With censoring before the horizon the counts are expected numbers (sums of
    censoring weights); the exact net benefit is made of them."""
    rng = np.random.default_rng(8)
    n = 300
    duration = rng.uniform(1, 700, n)
    event = (rng.random(n) < 0.5).astype(int)
    risk = rng.uniform(0.01, 0.7, n)
    table = net_benefit(duration, event, risk, HORIZON, [0.1, 0.2, 0.3])
    odds = table["threshold"] / (1 - table["threshold"])
    made = (table["true_positives"] - table["false_positives"] * odds) / n
    np.testing.assert_allclose(table["model"], made, rtol=1e-12)
    made_all = (table["escalations"] - table["non_escalations"] * odds) / n
    np.testing.assert_allclose(table["treat_all"], made_all, rtol=1e-12)
    assert (table["true_positives"] % 1 != 0).any()  # weighted: not whole numbers
    assert (table["n"] == n).all()


def test_a_curve_without_its_counts_is_refused() -> None:
    curve = pd.DataFrame({"model": "cox", "threshold": [0.1], "net_benefit": [0.05]})
    predictions = pd.DataFrame({"model": "cox", "risk": [0.2] * 40})
    with pytest.raises(DataValidationError, match=r"decision curve.*true_positives"):
        disclose_decision_curve(curve, predictions)
