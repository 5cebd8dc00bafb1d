"""The risk-set engine: compiled and numpy paths agree, and the invariants of a likelihood hold.

The numpy path (``engine="numpy"``) is plain whole-array code; the compiled walk must give the
same log-likelihood, score, information, baseline hazard, Schoenfeld and score residuals to
1e-12 (relative), for Efron and Breslow ties, strata, (start, stop] rows, weights and offsets.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.core.coxfit import fit_cox_model
from escalation.core.riskset import CoxData, Terms, cox_terms


def _data(seed: int, n: int = 600, p: int = 3, *, entry: bool = True, strata: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    stop = np.ceil(rng.exponential(15, n))
    start = np.where(rng.random(n) < 0.4, np.floor(rng.uniform(0, stop)), 0.0) if entry else None
    return {
        "stop": stop,
        "status": rng.random(n) < 0.6,
        "x": rng.normal(size=(n, p)) + np.array([0.0, 3.0, -1.0])[:p],
        "start": start,
        "weights": rng.uniform(0.2, 3.0, n),
        "strata": rng.integers(0, strata, n),
        "offset": rng.normal(scale=0.3, size=n),
    }


def _close(a: Terms, b: Terms) -> None:
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    np.testing.assert_allclose(a.score, b.score, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(a.information, b.information, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(a.hazard_strata, b.hazard_strata)
    np.testing.assert_array_equal(a.hazard_time, b.hazard_time)
    np.testing.assert_allclose(a.hazard, b.hazard, rtol=1e-12)
    np.testing.assert_allclose(a.hazard_events, b.hazard_events, rtol=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("entry", [True, False])
def test_compiled_and_numpy_paths_agree(ties: str, entry: bool) -> None:
    raw = _data(1, entry=entry)
    data, _ = CoxData.build(**raw)
    beta = np.array([0.4, -0.3, 0.2])
    compiled = cox_terms(data, beta, ties, residuals=True)  # type: ignore[arg-type]
    numpy = cox_terms(data, beta, ties, residuals=True, engine="numpy")  # type: ignore[arg-type]
    _close(compiled, numpy)
    assert compiled.schoenfeld is not None and numpy.schoenfeld is not None
    np.testing.assert_allclose(compiled.schoenfeld, numpy.schoenfeld, rtol=1e-12, atol=1e-12)
    assert compiled.score_residuals is not None and numpy.score_residuals is not None
    np.testing.assert_allclose(
        compiled.score_residuals, numpy.score_residuals, rtol=1e-12, atol=1e-12
    )
    # the score residuals add up to the score (weighted), as R's residuals(fit, "score")
    np.testing.assert_allclose(
        (compiled.score_residuals * data.weights[:, None]).sum(axis=0), compiled.score, atol=1e-9
    )


def test_score_and_information_are_the_derivatives_of_the_loglik() -> None:
    data, _ = CoxData.build(**_data(2))
    beta = np.array([0.2, 0.1, -0.4])
    terms = cox_terms(data, beta, "efron")
    eps = 1e-6
    for j in range(3):
        up = cox_terms(data, beta + eps * np.eye(3)[j], "efron")
        down = cox_terms(data, beta - eps * np.eye(3)[j], "efron")
        assert (up.loglik - down.loglik) / (2 * eps) == pytest.approx(terms.score[j], rel=1e-6)
        np.testing.assert_allclose(
            -(up.score - down.score) / (2 * eps), terms.information[j], rtol=1e-5
        )


def test_a_model_without_covariates_gives_the_efron_corrected_nelson_aalen() -> None:
    # two tied events among four at risk: Efron's increment is 1/4 + 1/3, Breslow's 2/4
    data, _ = CoxData.build([1.0, 1.0, 2.0, 3.0], [1, 1, 0, 1], np.zeros((4, 0)))
    efron = cox_terms(data, np.zeros(0), "efron")
    breslow = cox_terms(data, np.zeros(0), "breslow")
    np.testing.assert_allclose(efron.hazard, [1 / 4 + 1 / 3, 1.0])
    np.testing.assert_allclose(breslow.hazard, [2 / 4, 1.0])
    assert fit_cox_model(data, "efron", what="a null model").beta.size == 0


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), ties=st.sampled_from(["efron", "breslow"]))
def test_row_order_changes_nothing(seed: int, ties: str) -> None:
    raw = _data(seed, n=80)
    order = np.random.default_rng(seed + 1).permutation(80)
    shuffled = {k: (v[order] if v is not None else None) for k, v in raw.items()}
    a = fit_cox_model(CoxData.build(**raw)[0], ties, what="a", residuals=True)  # type: ignore[arg-type]
    b = fit_cox_model(CoxData.build(**shuffled)[0], ties, what="b", residuals=True)  # type: ignore[arg-type]
    np.testing.assert_allclose(a.beta, b.beta, rtol=1e-9, atol=1e-12)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)
    np.testing.assert_allclose(a.terms.hazard, b.terms.hazard, rtol=1e-9)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), ties=st.sampled_from(["efron", "breslow"]))
def test_unit_weights_are_no_weights(seed: int, ties: str) -> None:
    raw = _data(seed, n=80, entry=False)
    raw.pop("weights")
    plain = fit_cox_model(CoxData.build(**raw)[0], ties, what="plain")  # type: ignore[arg-type]
    unit = fit_cox_model(CoxData.build(**raw, weights=np.ones(80))[0], ties, what="unit")  # type: ignore[arg-type]
    np.testing.assert_allclose(plain.beta, unit.beta, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(plain.information, unit.information, rtol=1e-12)


def test_integer_breslow_weights_are_replicated_rows() -> None:
    raw = _data(5, n=150)
    copies = 1 + np.arange(150) % 3
    weighted = fit_cox_model(
        CoxData.build(**{**raw, "weights": copies.astype(float)})[0], "breslow", what="w"
    )
    long = {k: (np.repeat(v, copies, axis=0) if v is not None else None) for k, v in raw.items()}
    long["weights"] = None
    replicated = fit_cox_model(CoxData.build(**long)[0], "breslow", what="r")
    np.testing.assert_allclose(weighted.beta, replicated.beta, rtol=1e-10)
    assert weighted.loglik == pytest.approx(replicated.loglik, rel=1e-12)
    np.testing.assert_allclose(weighted.terms.hazard, replicated.terms.hazard, rtol=1e-10)


def test_an_offset_equals_a_fixed_coefficient() -> None:
    raw = _data(6, n=300, entry=False)
    raw.pop("offset")
    x = raw.pop("x")
    fixed = fit_cox_model(
        CoxData.build(**raw, x=x[:, :2], offset=0.7 * x[:, 2])[0], "efron", what="offset"
    )
    terms = cox_terms(CoxData.build(**raw, x=x)[0], np.r_[fixed.beta, 0.7], "efron")
    np.testing.assert_allclose(terms.score[:2], 0.0, atol=1e-8)


@pytest.mark.parametrize("strata", [False, True])
def test_collinearity_check_compiled_equals_numpy(strata: bool) -> None:
    from escalation.core.collinearity import redundant_columns

    rng = np.random.default_rng(8)
    x = rng.normal(size=(500, 4))
    codes = rng.integers(0, 3, 500)
    level = codes.astype(float)  # constant within strata
    x = np.column_stack([x, x[:, 0] + 2 * x[:, 1], level, np.full(500, 7.0)])
    kwargs = {"strata": codes} if strata else {}
    compiled = redundant_columns(x, **kwargs)
    numpy = redundant_columns(x, engine="numpy", **kwargs)
    np.testing.assert_array_equal(compiled.constant, numpy.constant)
    np.testing.assert_array_equal(compiled.aliased, numpy.aliased)
    assert compiled.aliased.tolist() == [False, False, False, False, True, False, False]
    assert compiled.constant.tolist() == [False] * 5 + [strata, True]


def test_sorted_centred_data_and_sandwich_equal_their_numpy_definitions() -> None:
    from escalation.core.sandwich import cluster_sandwich

    raw = _data(9, n=200)
    data, order = CoxData.build(**raw)
    w = raw["weights"][order]
    center = np.average(raw["x"][order], axis=0, weights=w)
    np.testing.assert_allclose(data.x, raw["x"][order] - center, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        data.event_score, data.x.T @ (w * raw["status"][order]), rtol=1e-12, atol=1e-10
    )
    rng = np.random.default_rng(10)
    scores, bread = rng.normal(size=(200, 3)), np.linalg.inv(np.cov(rng.normal(size=(3, 50))))
    cluster = rng.integers(0, 40, 200)
    summed = np.zeros((40, 3))
    np.add.at(summed, cluster, scores @ bread)
    np.testing.assert_allclose(
        cluster_sandwich(scores, bread, cluster), summed.T @ summed, rtol=1e-12
    )


@pytest.mark.parametrize("n", [1, 4, 7, 30])
def test_weighted_gram_adds_the_rows_one_after_another(n: int) -> None:
    # The information's x' diag(v) x is summed row by row, in row order (rows of weight
    # zero skipped): the same numbers to the last bit however the kernel groups the rows.
    from escalation.core._riskset_kernel import weighted_gram

    rng = np.random.default_rng(n)
    x = rng.normal(size=(n, 5)) * np.exp(rng.normal(size=(n, 1)) * 3)
    r = rng.exponential(size=n)
    h = np.where(rng.random(n) < 0.3, 0.0, rng.exponential(size=n))
    expected = np.zeros((5, 5))
    for i in range(n):
        if r[i] * h[i] != 0.0:
            expected += np.outer(r[i] * h[i] * x[i], x[i])
    lower = np.tril(expected)
    expected = lower + np.tril(expected, -1).T
    assert np.array_equal(weighted_gram(x, r, h), expected)
