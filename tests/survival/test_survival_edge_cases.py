"""Edge cases: each gives a clear error or a warning saying what to do, never a wrong number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError, DesignError, StatisticalWarning
from escalation.survival import (
    aalen_johansen,
    fit_aft,
    fit_cox,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    rmst,
)
from tests.survival.survival_reference import read, spells

COVARIATES = ["x1", "x2", "x3"]


def test_no_events_is_an_error() -> None:
    d = spells().assign(event=0)
    with pytest.raises(DesignError, match="no events of cause 1"):
        fit_cox(d, COVARIATES, cluster=None)
    with pytest.raises(DesignError, match="no events of cause 1"):
        fit_aft(d, COVARIATES, cluster=None)
    km = kaplan_meier(d).tidy()
    # nothing happens: the curve stays at one, from 0 to the last follow-up
    assert km["estimate"].tolist() == [1.0, 1.0]
    assert km["time"].tolist() == [0.0, d["duration"].max()]


def test_all_events_fit_and_reach_zero() -> None:
    d = spells().assign(event=1)
    km = kaplan_meier(d).tidy()
    assert km["estimate"].iloc[-1] == 0.0
    # without censoring KM is the empirical survival function
    t = 50.0
    assert km.loc[km["time"] <= t, "estimate"].iloc[-1] == pytest.approx(
        float((d["duration"] > t).mean())
    )
    fit = fit_cox(d, COVARIATES, cluster=None)
    assert fit.events == len(d)
    assert np.isfinite(fit.tidy()["std_error"]).all()


def test_covariate_without_variation_is_left_out_with_a_warning() -> None:
    d = spells().assign(constant=1.0)
    with pytest.warns(StatisticalWarning, match="constant do not vary"):
        fit = fit_cox(d, [*COVARIATES, "constant"], cluster=None)
    assert fit.dropped_terms == ("constant",)
    ref = read("cox_reference.csv").query("model == 'efron'")
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-7)
    assert fit.glance().loc[0, "dropped_terms"] == "constant"


def test_collinear_covariate_is_left_out_with_a_warning() -> None:
    d = spells().assign(x4=lambda f: f["x1"] + 2 * f["x2"])
    with pytest.warns(StatisticalWarning, match=r"x4 \(collinear with x1, x2\) are linear"):
        fit = fit_cox(d, [*COVARIATES, "x4"], cluster=None, ties="breslow")
    assert list(fit.tidy()["term"]) == COVARIATES


def test_only_constant_covariates_is_an_error() -> None:
    d = spells().assign(constant=1.0)
    with pytest.warns(StatisticalWarning), pytest.raises(DesignError, match="nothing to estimate"):
        fit_cox(d, ["constant"], cluster=None)


def test_covariate_constant_within_strata_is_reported() -> None:
    d = spells().assign(level=lambda f: f["stratum"] * 1.0)
    with pytest.warns(StatisticalWarning, match="do not vary within strata"):
        fit = fit_cox(d, [*COVARIATES, "level"], cluster=None, strata="stratum")
    assert "level" not in fit.coefficients.index


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_perfect_separation_warns_that_the_coefficient_is_infinite(ties: str) -> None:
    d = spells()
    # every spell with flag = 1 has the event before any spell with flag = 0
    flag = d["id"] % 7 == 0
    d = d.assign(
        flag=flag.astype(float),
        duration=np.where(flag, d["duration"] / 1000.0, d["duration"] + 1.0),
        event=np.where(flag, 1, d["event"]),
    )
    # the one rule of escalation.core.newton: keep it, warn, record it (as R's coxph)
    with pytest.warns(StatisticalWarning, match="(?i)coefficient may be infinite"):
        fit = fit_cox(d, ["x1", "flag"], cluster=None, ties=ties)  # type: ignore[arg-type]
    assert fit.separated == ("flag",) and fit.dropped_terms == ()
    assert fit.coefficients["flag"] > 10
    with pytest.warns(StatisticalWarning, match="flag"):
        alone = fit_cox(d, ["flag"], cluster=None, ties=ties)  # type: ignore[arg-type]
    assert alone.separated == ("flag",)


def test_stratum_with_one_spell_warns() -> None:
    d = spells()
    d.loc[0, "stratum"] = 3
    with pytest.warns(StatisticalWarning, match="single row"):
        fit_cox(d, COVARIATES, cluster=None, strata="stratum")


def test_stratum_without_events_warns() -> None:
    d = spells()
    d.loc[:4, "stratum"] = 3
    d.loc[:4, "event"] = 0
    with pytest.warns(StatisticalWarning, match="no events"):
        fit_cox(d, COVARIATES, cluster=None, strata="stratum")


def test_bad_inputs_name_the_column_and_row() -> None:
    d = spells()
    with pytest.raises(DesignError, match="covariates are required"):
        fit_cox(d)
    with pytest.raises(DesignError, match="family_id"):
        fit_cox(d, COVARIATES, cluster="family_id")
    bad = d.assign(weight=lambda f: f["weight"].where(f.index != 7, -1.0))
    for fit in (
        lambda: fit_cox(bad, COVARIATES, cluster=None, weights="weight"),
        lambda: kaplan_meier(bad, weights="weight"),
        lambda: fit_aft(bad, COVARIATES, cluster=None, weights="weight"),
    ):
        with pytest.raises(DataValidationError, match=r"row 7, column 'weight', value '-1\.0'"):
            fit()
    zero = d.assign(duration=lambda f: f["duration"].where(f.index != 3, 0.0))
    with pytest.raises(DataValidationError, match="row 3, column 'duration'"):
        fit_cox(zero, COVARIATES, cluster=None)
    with pytest.raises(DataValidationError, match="row 3, column 'duration'"):
        nelson_aalen(zero)
    half = d.assign(event=lambda f: f["event"].where(f.index != 4, 0.5))
    for fit in (lambda: fit_cox(half, COVARIATES, cluster=None), lambda: kaplan_meier(half)):
        with pytest.raises(DataValidationError, match="row 4, column 'event'"):
            fit()
    with pytest.raises(DesignError, match="ties must be"):
        fit_cox(d, COVARIATES, cluster=None, ties="exact")  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="conf_type"):
        kaplan_meier(d, conf_type="arcsin")  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="single group"):
        logrank_test(d.assign(one="a"), "one")
    with pytest.raises(DesignError, match="tau"):
        rmst(d, -1)
    with pytest.raises(DesignError, match="distribution"):
        fit_aft(d, COVARIATES, distribution="gamma", cluster=None)  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="penalizer"):
        fit_cox(d, COVARIATES, cluster=None, ties="breslow", penalizer=-0.1)


def test_messages_never_show_personal_data() -> None:
    d = spells().assign(family_id=[f"secret-family-{i}" for i in range(400)])
    d.loc[5, "duration"] = -2.0
    with pytest.raises(DataValidationError) as error:
        fit_cox(d, COVARIATES)
    assert "secret" not in str(error.value)
    # an identifier is no stratum (its values would label the baseline hazards): refused
    # without echoing them
    families = spells().assign(family_id=[f"secret-family-{i % 50}" for i in range(400)])
    with pytest.raises(DataValidationError) as error:
        fit_cox(families, ["x1"], strata="family_id", cluster=None)
    assert "cannot be a stratum" in str(error.value) and "secret" not in str(error.value)
    # a stratum the fit has not seen is not echoed either
    sites = spells().assign(site=[f"secret-site-{i % 5}" for i in range(400)])
    fit = fit_cox(sites, ["x1"], strata="site", cluster=None)
    with pytest.raises(DesignError) as error:
        fit.predict_survival(pd.DataFrame({"x1": [0.0], "site": ["secret-site-x"]}), [10])
    assert "secret" not in str(error.value)


def test_penalizer_shrinks_towards_zero() -> None:
    d = spells()
    plain = fit_cox(d, COVARIATES, cluster=None).coefficients
    ridge = fit_cox(d, COVARIATES, cluster=None, penalizer=1.0).coefficients
    assert (np.abs(ridge) < np.abs(plain)).all()


def test_competing_event_only_cause_gives_zero_incidence_for_the_other() -> None:
    d = pd.DataFrame({"duration": [1.0, 2.0, 3.0], "event": [2, 2, 0]})
    with pytest.warns(StatisticalWarning, match=r"cause\(s\) 1 have no events"):
        tidy = aalen_johansen(d, causes=[1, 2]).tidy()
    assert tidy.query("cause == 1")["estimate"].eq(0).all()
    assert tidy.query("cause == 2")["estimate"].iloc[-1] == pytest.approx(2 / 3)


def test_a_cause_without_events_is_flagged_not_silently_zero() -> None:
    with pytest.warns(StatisticalWarning, match=r"cause\(s\) 3 have no events.*present are 1, 2"):
        tidy = aalen_johansen(spells(), causes=[3]).tidy()
    assert tidy["estimate"].eq(0).all()
