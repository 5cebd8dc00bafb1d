"""The RMST difference, weighted and not, is treated minus untreated, as the risk difference.

A check asked for in session 27 ("the weighted RMST reference group"): which arm is the
reference of the restricted-mean difference with IP weights, and does its sign agree with
the unweighted one and with the risk difference (treated minus untreated)? The reference
here is a hand computation from the formula, written out below: with no competing event
the escalation-free curve is the (weighted) Kaplan–Meier curve
``S(t) = prod_{t_j <= t} (1 - d_j / Y_j)`` (``d_j``, ``Y_j`` the weighted events at and
numbers at risk from ``t_j``), and the restricted mean to ``h`` is its area
``sum_k S(u_k) (u_{k+1} - u_k)`` over its steps ``0 = u_0 < u_1 < ... < h``. The IP
weights are 1/e and 1/(1 - e) with ``e`` the share treated among the spells with the same
binary covariate (the logistic propensity model on one binary covariate is saturated, so
its fitted probabilities are those shares).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_effects
from escalation.errors import DesignError, StatisticalWarning
from escalation.survival import rmst

HORIZON = 40


def _spells() -> pd.DataFrame:
    """120 spells; treatment (more likely when x = 1) halves the hazard of escalation."""
    rng = np.random.default_rng(4)
    n = 120
    x = rng.integers(0, 2, n)
    a = (rng.random(n) < np.where(x == 1, 0.7, 0.3)).astype(int)
    t = np.ceil(rng.exponential(30 / np.exp(0.8 * x - 0.7 * a)))
    c = rng.integers(10, 80, n)
    return pd.DataFrame(
        {
            "duration": np.minimum(t, c).astype(float),
            "event": (t <= c).astype(int),
            "treatment": a,
            "x": x,
        }
    )


def _ip_weights(frame: pd.DataFrame) -> np.ndarray:
    """1/e for the treated, 1/(1 - e) for the untreated; e = share treated given x."""
    e = frame.groupby("x")["treatment"].transform("mean").to_numpy()
    a = frame["treatment"].to_numpy()
    return np.where(a == 1, 1 / e, 1 / (1 - e))


def _area_by_hand(duration: np.ndarray, event: np.ndarray, w: np.ndarray, h: float) -> float:
    """Area to ``h`` under the weighted Kaplan–Meier curve, step by step (see module)."""
    area, surv, last = 0.0, 1.0, 0.0
    for t in np.unique(duration[(event == 1) & (duration <= h)]):
        area += surv * (t - last)
        at_risk = w[duration >= t].sum()
        events = w[(duration == t) & (event == 1)].sum()
        surv *= 1 - events / at_risk
        last = t
    return area + surv * (h - last)


def _by_hand(frame: pd.DataFrame, w: np.ndarray) -> dict[int, float]:
    """Each arm's restricted mean to the horizon."""
    out = {}
    for arm in (0, 1):
        rows = frame["treatment"].to_numpy() == arm
        out[arm] = _area_by_hand(
            frame["duration"].to_numpy()[rows],
            frame["event"].to_numpy()[rows],
            w[rows],
            HORIZON,
        )
    return out


def _effects(frame: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = estimate_effects(
            frame, covariates=["x"], estimators=["unadjusted", "ipw"], horizons=[HORIZON],
            bootstrap=0, cluster=None,
        )  # fmt: skip
    return fit.tidy().set_index(["estimator", "estimand"])["estimate"]


@pytest.mark.parametrize(("estimator", "weighted"), [("unadjusted", False), ("ipw", True)])
def test_the_rmst_difference_is_treated_minus_untreated_by_hand(
    estimator: str, weighted: bool
) -> None:
    frame = _spells()
    w = _ip_weights(frame) if weighted else np.ones(len(frame))
    hand = _by_hand(frame, w)
    effects = _effects(frame)
    assert effects[(estimator, "rmst_difference")] == pytest.approx(hand[1] - hand[0], rel=1e-8)
    # the risk difference has the same orientation: treatment delays escalation here
    assert effects[(estimator, "risk_difference")] == pytest.approx(
        effects[(estimator, "risk_treated")] - effects[(estimator, "risk_untreated")]
    )
    assert effects[(estimator, "risk_difference")] < 0 < effects[(estimator, "rmst_difference")]


@pytest.mark.parametrize("weighted", [False, True])
def test_the_survival_rmst_difference_is_against_the_untreated_arm(weighted: bool) -> None:
    """``rmst(group="treatment")``'s difference is "1 - 0": the untreated arm is the reference."""
    frame = _spells()
    w = _ip_weights(frame) if weighted else None
    hand = _by_hand(frame, np.ones(len(frame)) if w is None else w)
    table = rmst(frame, HORIZON, group="treatment", weights=w, cause=1).tidy()
    difference = table[table["term"] == "difference"].iloc[0]
    assert difference["group"] == "1 - 0"
    assert difference["estimate"] == pytest.approx(hand[1] - hand[0], rel=1e-10)
    means = table[table["term"] == "rmst"].set_index("group")["estimate"]
    assert means[1] == pytest.approx(hand[1], rel=1e-10)
    assert means[0] == pytest.approx(hand[0], rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_the_survival_rmst_reference_orients_text_labelled_arms(weighted: bool) -> None:
    """Review s27 (leftovers), finding 1: with arms labelled "treated" and "untreated",
    sorted order made "treated" the reference, the opposite of the causal results.

    ``reference=`` chooses it: ``reference="untreated"`` gives "treated - untreated", the
    by-hand difference hand[1] - hand[0] and the causal ``rmst_difference``'s orientation,
    with the same standard error as the 0/1 coding's "1 - 0" (the jackknife's too).
    """
    frame = _spells()
    w = _ip_weights(frame) if weighted else None
    hand = _by_hand(frame, np.ones(len(frame)) if w is None else w)
    named = frame.assign(arm=np.where(frame["treatment"] == 1, "treated", "untreated"))

    def difference(**options: object) -> pd.Series:
        table = rmst(named, HORIZON, group="arm", weights=w, cause=1, **options).tidy()
        return table[table["term"] == "difference"].iloc[0]

    default = difference()  # the first group in sorted order, documented
    assert default["group"] == "untreated - treated"
    assert default["estimate"] == pytest.approx(hand[0] - hand[1], rel=1e-10)
    chosen = difference(reference="untreated")
    assert chosen["group"] == "treated - untreated"
    assert chosen["estimate"] == pytest.approx(hand[1] - hand[0], rel=1e-10)
    coded = rmst(frame, HORIZON, group="treatment", weights=w, cause=1).tidy().iloc[-1]
    assert chosen["std_error"] == pytest.approx(coded["std_error"], rel=1e-12)
    assert chosen["p_value"] == pytest.approx(coded["p_value"], rel=1e-12)
    # 0/1 codes: the reference matches as the number or as text
    for zero in (0, "0"):
        again = rmst(frame, HORIZON, group="treatment", weights=w, cause=1, reference=zero)
        assert again.tidy().iloc[-1]["group"] == "1 - 0"
    flipped = rmst(frame, HORIZON, group="treatment", weights=w, cause=1, reference=1).tidy()
    assert flipped.iloc[-1]["group"] == "0 - 1"
    assert flipped.iloc[-1]["estimate"] == pytest.approx(hand[0] - hand[1], rel=1e-10)


def test_the_survival_rmst_refuses_an_unknown_reference() -> None:
    named = _spells().assign(arm=lambda f: np.where(f["treatment"] == 1, "treated", "untreated"))
    with pytest.raises(DesignError, match=r"reference='control' is not a group of column 'arm'.*"
                       r"'treated', 'untreated'"):  # fmt: skip
        rmst(named, HORIZON, group="arm", reference="control")
    with pytest.raises(DesignError, match="reference='untreated' was given without group="):
        rmst(named, HORIZON, reference="untreated")
