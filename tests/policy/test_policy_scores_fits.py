"""policy_scores fits each nuisance model once, on one BLAS thread."""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import escalation.causal.curves as curves
import escalation.causal.policy as causal_policy
from escalation.causal.curves import run_estimator
from escalation.causal.policy import estimate_policy_values, policy_scores
from tests.policy.policy_support import small_spells

COVARIATES = ["risk", "factor", "age"]


def test_each_outcome_model_is_fitted_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows' g-formula risks come from the AIPW fit's own Cox models (fitted twice
    before: the escalation and competing-event models of a second, g-formula fit)."""
    fitted: list[str] = []
    original = curves.fit_hazard

    def counting(*args: Any, **kwargs: Any) -> Any:
        fitted.append(str(args[4]))
        return original(*args, **kwargs)

    monkeypatch.setattr(curves, "fit_hazard", counting)
    frame = small_spells()
    assert (frame["event"] >= 2).any()  # a competing-event model is fitted
    policy_scores(frame, covariates=COVARIATES, horizons=[365, 730])
    assert Counter(fitted) == {
        "the Cox model of escalation": 1,
        "the Cox model of competing events": 1,
        "the censoring model": 1,
    }


def test_given_outcome_models_give_the_fit_they_replace() -> None:
    frame = small_spells()
    x = frame[COVARIATES].to_numpy(dtype=float)
    days = np.array([365.0, 730.0])
    args = (frame["duration"].to_numpy(float), frame["event"].to_numpy(np.int64),
            frame["treatment"].to_numpy(np.int64), x, days, days)  # fmt: skip
    aipw = run_estimator("aipw", *args, influence=True)
    again = run_estimator("gformula", *args, influence=True)
    given = run_estimator("gformula", *args, influence=True, outcome=aipw.nuisance)
    assert given.influence is not None and again.influence is not None
    np.testing.assert_array_equal(given.risk, again.risk)
    np.testing.assert_array_equal(given.influence["risk"], again.influence["risk"])
    assert given.nuisance.cause is aipw.nuisance.cause


def test_scores_are_computed_on_one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    original = causal_policy.run_estimator

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        return original(*args, **kwargs)

    monkeypatch.setattr(causal_policy, "run_estimator", recording)
    with threadpool_limits(limits=2, user_api="blas"):
        policy_scores(small_spells(), covariates=COVARIATES, horizons=[365])
        after = {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
    assert seen and set(seen) == {1}
    assert after == {2}


def test_scores_with_family_labels_of_any_kind_give_the_same_standard_errors() -> None:
    """Scores built with the families' own labels (text, or integer ids that are not codes
    0..k-1) are clustered by family as the study's scores are; text labels raised a
    ValueError and negative ids a bincount error in the standard errors."""
    frame = small_spells()
    scores = policy_scores(frame, covariates=COVARIATES, horizons=[365], cluster="family_id")
    flags = {"risk": (frame["risk"] > frame["risk"].median()).to_numpy(float)}
    expected = estimate_policy_values(scores, flags).tidy()
    families = frame["family_id"].to_numpy()
    as_ints = -np.unique(families, return_inverse=True)[1] - 7  # negative, not 0..k-1
    for labels in (families, as_ints):
        relabelled = dataclasses.replace(scores, cluster=labels)
        k = len(np.unique(families))
        np.testing.assert_array_equal(np.unique(relabelled.cluster), np.arange(k))
        got = estimate_policy_values(relabelled, flags).tidy()
        # the same families, perhaps numbered otherwise: sums of squares in another order
        pd.testing.assert_frame_equal(got, expected, rtol=1e-12, atol=0)
