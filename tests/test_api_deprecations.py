"""Renamed arguments and attributes still work for one release, with a DeprecationWarning."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escalation.causal
from escalation import survival
from escalation.causal import fit_propensity
from escalation.federated import profile_cox

SPELLS = Path(__file__).resolve().parent / "reference" / "survival" / "spells.csv"
COVARIATES = ["x1", "x2", "x3"]


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    return pd.read_csv(SPELLS)


def test_event_as_a_cause_code_is_deprecated_in_every_function(spells: pd.DataFrame) -> None:
    pairs = [
        (lambda **k: survival.fit_cox(spells, COVARIATES, **k), lambda f: f.coefficients),
        (lambda **k: survival.kaplan_meier(spells, **k), lambda f: f.tidy()["estimate"]),
        (lambda **k: survival.nelson_aalen(spells, **k), lambda f: f.tidy()["estimate"]),
        (lambda **k: survival.rmst(spells, 100, **k), lambda f: f.tidy()["estimate"]),
        (
            lambda **k: survival.logrank_test(spells, "group", **k),
            lambda f: pd.Series([f.statistic]),
        ),
        (
            lambda **k: profile_cox(spells.assign(treatment=spells["x2"]), **k),
            lambda f: pd.Series(f.value),
        ),
    ]
    for fit, values in pairs:
        with pytest.warns(DeprecationWarning, match=r"event=2\) gave the cause code.*cause=2"):
            old = fit(event=2)  # type: ignore[arg-type]
        new = fit(cause=2)
        pd.testing.assert_series_equal(values(old), values(new))
        # the new meaning is not the old one: the cause changes the estimate
        other = values(fit(cause=1)).to_numpy()
        assert len(other) != len(values(new)) or not np.allclose(values(new).to_numpy(), other)


def test_aft_event_code_is_deprecated(spells: pd.DataFrame) -> None:
    with pytest.warns(DeprecationWarning, match=r"fit_aft\(event=1\) gave the cause code"):
        old = survival.fit_aft(spells, COVARIATES, event=1)  # type: ignore[arg-type]
    new = survival.fit_aft(spells, COVARIATES)
    pd.testing.assert_series_equal(old.coefficients, new.coefficients)


def test_event_none_meant_any_event(spells: pd.DataFrame) -> None:
    with pytest.warns(DeprecationWarning, match="cause=None"):
        old = survival.kaplan_meier(spells, event=None)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(old.tidy(), survival.kaplan_meier(spells).tidy())


def test_event_code_and_cause_together_are_an_error(spells: pd.DataFrame) -> None:
    from escalation.errors import DesignError

    with pytest.raises(DesignError, match="give the code as cause= only"):
        survival.fit_cox(spells, COVARIATES, event=1, cause=1)  # type: ignore[arg-type]


def test_renamed_result_attributes_warn(spells: pd.DataFrame) -> None:
    fg = survival.fit_fine_gray(spells, COVARIATES, min_count=1)
    cs = survival.fit_cause_specific(spells, COVARIATES, min_count=1)
    cox = survival.fit_cox(spells, COVARIATES, cause=2)
    aft = survival.fit_aft(spells, COVARIATES)
    ps = fit_propensity(spells.assign(a=spells["x2"]), "a", ["x1", "x3"])
    checks = [
        (lambda: fg.coef, fg.coefficients.to_numpy()),
        (lambda: fg.vcov, fg.covariance.to_numpy()),
        (lambda: fg.naive_vcov, fg.naive_covariance.to_numpy()),
        (lambda: cs.coef[1], cs.coefficients[1].to_numpy()),
        (lambda: cs.vcov[2], cs.covariance[2].to_numpy()),
        (lambda: ps.coef, ps.coefficients.to_numpy()),  # type: ignore[union-attr]
        (lambda: cox.event, cox.cause),
        (lambda: aft.event, aft.cause),
    ]
    for old, new in checks:
        with pytest.warns(DeprecationWarning, match="renamed|cause"):
            value = old()
        np.testing.assert_array_equal(value, new)


def test_causal_curve_result_is_renamed() -> None:
    with pytest.warns(DeprecationWarning, match="AdjustedCurveResult"):
        old = escalation.causal.CurveResult
    assert old is escalation.causal.AdjustedCurveResult
    assert "CurveResult" not in escalation.causal.__all__


@pytest.mark.parametrize(("strict", "keep_going"), [(True, False), (False, True)])
def test_run_study_strict_is_keep_going_reversed(
    strict: bool, keep_going: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``strict=`` (before issue 13) still works for one release: ``strict=False`` carried
    on past a failed stage, as ``keep_going=True`` does now."""
    import escalation.pipeline as pipeline
    from escalation import default_design

    given: list[bool] = []
    monkeypatch.setattr(pipeline, "_run_into", lambda *args, **_: given.append(args[6]))
    with pytest.warns(DeprecationWarning, match="keep_going") as caught:
        pipeline.run_study(None, default_design(), out=tmp_path / "out", strict=strict)  # type: ignore[arg-type, call-arg]
    assert given == [keep_going]
    assert caught[0].filename == __file__  # reported against the caller's line


def test_table_one_by_is_renamed_group() -> None:
    frame = pd.DataFrame(
        {"arm": [1, 1, 0, 0, 0], "age": [4.0, 6.0, 5.0, 9.0, 7.0], "sex": list("FMMMF")}
    )
    from escalation.causal import table_one

    with pytest.warns(DeprecationWarning, match=r"table_one\(by=\) is renamed group=") as caught:
        old = table_one(frame, by="arm", variables=["age", "sex"])
    assert caught[0].filename == __file__  # reported against the caller's line
    new = table_one(frame, group="arm", variables=["age", "sex"])
    pd.testing.assert_frame_equal(old.table(), new.table())
