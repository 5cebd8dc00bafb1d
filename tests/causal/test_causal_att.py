"""Effects of early help on the treated (ATT) and the population every row of effects.csv is of.

``weight_estimand="att"`` once changed the IPW estimate only: the g-formula, AIPW and
clone–censor–weight rows stayed average effects over every child, and no table said which
population a row was of. Here every row names its population; the g-formula and AIPW
estimate the ATT (checked against hand computations with statsmodels and against the
simulator's known ATT); estimators that cannot are refused; and ``truncate`` says what it
is (a percentile) and whom it affects (``ipw``).
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
import statsmodels.api as sm

from escalation.causal import EffectsResult, estimate_curves, estimate_effects
from escalation.causal.effects import EFFECT_COLUMNS
from escalation.data.simulator.exponential import (
    SpellSimulationConfig,
    simulate_spells,
    true_cif,
)
from escalation.errors import DesignError, StatisticalWarning

FloatArray = npt.NDArray[np.float64]
COVARIATES = ["risk", "factor", "age"]
HORIZON = 365


def _fit(spells: pd.DataFrame, weight_estimand: str, **options: object) -> pd.DataFrame:
    """Return ``tidy()`` indexed by estimator and estimand."""
    return _tidy(spells, weight_estimand, **options).set_index(["estimator", "estimand"])


def _tidy(spells: pd.DataFrame, weight_estimand: str, **options: object) -> pd.DataFrame:
    return _effects(spells, weight_estimand, **options).tidy()


def _effects(spells: pd.DataFrame, weight_estimand: str, **options: object) -> EffectsResult:
    options = {"estimators": ["unadjusted", "ipw", "gformula", "aipw"], **options}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return estimate_effects(
            spells,
            covariates=COVARIATES,
            horizons=[HORIZON],
            bootstrap=0,
            weight_estimand=weight_estimand,  # type: ignore[arg-type]
            cluster=None,
            **options,  # type: ignore[arg-type]
        )


def _cause_specific_risk(spells: pd.DataFrame, arm: int) -> FloatArray:
    """Each child's risk of escalation by the horizon under ``arm``, by hand.

    Cause-specific Cox models (Breslow ties) of escalation and of the competing event fitted
    by statsmodels' PHReg, Breslow's baseline hazard written out, each child's hazard
    increments at the event times up to the horizon, and the product-limit cumulative
    incidence sum_k S(t_k-) dA1_k with S = prod(1 - dA1 - dA2).
    """
    x = spells[["treatment", *COVARIATES]].to_numpy(float)
    time = spells["duration"].to_numpy(float)
    code = spells["event"].to_numpy()
    times = np.unique(time[(code > 0) & (time <= HORIZON)])
    steps = []
    profile = x.copy()
    profile[:, 0] = arm
    for cause in (1, 2):
        status = code == cause
        beta = sm.PHReg(time, x, status=status.astype(float), ties="breslow").fit().params
        # Breslow's baseline hazard: events at t over the sum of exp(x beta) at risk at t.
        risk_set = np.exp(x @ beta)
        increments = np.array([status[time == t].sum() / risk_set[time >= t].sum() for t in times])
        relative = np.exp(profile @ beta)
        steps.append(relative[:, None] * increments[None, :])
    d1, d2 = steps
    survival = np.cumprod(1.0 - d1 - d2, axis=1)
    before = np.hstack([np.ones((len(x), 1)), survival[:, :-1]])
    risk: FloatArray = (before * d1).sum(axis=1)
    return risk


def test_gformula_att_standardises_over_the_treated_children() -> None:
    """The g-formula ATT: each treated child's predicted risks, averaged (statsmodels)."""
    spells = simulate_spells(800, 3)
    treated = spells["treatment"].to_numpy() == 1
    for weight_estimand, rows in (("att", treated), ("ate", np.ones(len(spells), bool))):
        got = _fit(spells, weight_estimand, estimators=["gformula"]).loc["gformula"]
        for arm, estimand in ((1, "risk_treated"), (0, "risk_untreated")):
            want = _cause_specific_risk(spells, arm)[rows].mean()
            assert got.loc[estimand, "estimate"] == pytest.approx(want, abs=1e-10)


def _uncensored(n: int, seed: int) -> pd.DataFrame:
    """Spells followed until escalation or the competing event (no censoring)."""
    return simulate_spells(n, seed, config=SpellSimulationConfig(followup=1e9))


def test_aipw_att_equals_the_doubly_robust_att_by_hand() -> None:
    """Without censoring the AIPW ATT is the textbook doubly robust ATT estimator.

    Treated risk: the treated children's observed risk. Untreated risk (Hahn 1998; Moodie
    et al. 2018): (1/n1) sum [A m0(X) + (1 - A) e/(1 - e) (Y - m0(X))], with e from a
    logistic regression (statsmodels) and m0 the g-formula risk without treatment (by
    hand, above); standard error from the influence function
    (n/n1) [A (Y - m0) - (1 - A) e/(1 - e) (Y - m0) - A tau].
    """
    spells = _uncensored(1000, 5)
    assert (spells["event"] > 0).all()
    a = spells["treatment"].to_numpy(float)
    y = ((spells["event"] == 1) & (spells["duration"] <= HORIZON)).to_numpy(float)
    x = sm.add_constant(spells[COVARIATES].to_numpy(float))
    e = sm.Logit(a, x).fit(disp=0).predict(x)
    m0 = _cause_specific_risk(spells, 0)
    n, n1 = len(a), a.sum()
    risk_treated = (a * y).sum() / n1
    odds = (1 - a) * e / (1 - e)
    risk_untreated = (a * m0 + odds * (y - m0)).sum() / n1
    difference = risk_treated - risk_untreated
    influence = n / n1 * (a * (y - m0) - odds * (y - m0) - a * difference)
    got = _fit(spells, "att", estimators=["aipw"]).loc["aipw"]
    assert got.loc["risk_treated", "estimate"] == pytest.approx(risk_treated, abs=1e-10)
    assert got.loc["risk_untreated", "estimate"] == pytest.approx(risk_untreated, abs=1e-8)
    assert got.loc["risk_difference", "estimate"] == pytest.approx(difference, abs=1e-8)
    se = np.sqrt((influence**2).sum()) / n
    assert got.loc["risk_difference", "std_error"] == pytest.approx(se, rel=1e-6)


def test_att_recovers_the_simulators_att_and_differs_from_the_ate() -> None:
    """Over 30 simulated studies, the ATT estimates centre on the true ATT, not the ATE.

    Early help goes to children at higher risk, so the true ATT (about -10.5 points at a
    year) is larger than the ATE (about -9.1). Paired within each study, the mean
    difference ATT estimate minus ATE estimate matches the true difference; the AIPW
    intervals cover the true ATT of each study's treated children.
    """
    gaps, truth_gaps, errors, covered = [], [], [], 0
    seeds = range(100, 130)
    for seed in seeds:
        spells = simulate_spells(1500, seed)
        treated = spells["treatment"].to_numpy() == 1
        effect = true_cif(spells, 1, HORIZON) - true_cif(spells, 0, HORIZON)
        att, ate = float(effect[treated].mean()), float(effect.mean())
        rows = {w: _fit(spells, w, estimators=["gformula", "aipw"]) for w in ("att", "ate")}
        for name in ("gformula", "aipw"):
            key = (name, "risk_difference")
            gaps.append(rows["att"].loc[key, "estimate"] - rows["ate"].loc[key, "estimate"])
            truth_gaps.append(att - ate)
            errors.append(rows["att"].loc[key, "estimate"] - att)
        aipw = rows["att"].loc[("aipw", "risk_difference")]
        covered += int(aipw["conf_low"] <= att <= aipw["conf_high"])
    assert np.mean(truth_gaps) < -0.01  # the ATT and the ATE differ here
    assert np.mean(gaps) == pytest.approx(np.mean(truth_gaps), abs=0.004)
    assert abs(np.mean(errors)) < 0.01  # about 2 Monte Carlo standard errors
    assert covered >= 25  # of 30 (binomial(30, 0.95): at least 25 with probability 0.998)


def test_every_row_names_its_population() -> None:
    """``population`` follows the fixed columns: all, treated or crude (unadjusted)."""
    spells = simulate_spells(800, 2)
    for weight_estimand, adjusted in (("ate", "all"), ("att", "treated")):
        table = _tidy(spells, weight_estimand)
        assert list(table.columns[: len(EFFECT_COLUMNS) + 1]) == [*EFFECT_COLUMNS, "population"]
        by = table.groupby("estimator")["population"].unique()
        assert by.to_dict() == {
            "unadjusted": ["crude"],
            "ipw": [adjusted],
            "gformula": [adjusted],
            "aipw": [adjusted],
        }
    fit = _effects(spells, "att", estimators=["unadjusted", "aipw"])
    text = str(fit.summary())
    assert "population" in text and "treated" in text and "crude" in text
    assert fit.summary().table["population"].tolist() == ["crude", "treated"]
    assert fit.glance()["population"].iloc[0] == "crude,treated"
    assert set(fit.curves["population"]) == {"crude", "treated"}
    # The figure of the ATT's curves says whose they are (it said "every child").
    subtitle = " ".join(str(fit.plot(estimator="aipw").labels.subtitle).split())
    assert subtitle == (
        "Adjusted (aipw): the children who received early help, had they received it or not"
    )
    crude = _effects(spells, "att", estimators=["unadjusted"])
    assert crude.glance()["population"].iloc[0] == "crude"  # it said "treated"
    # ... and its curves are the groups as observed (they read "Adjusted (unadjusted): had
    # every child, or none, received early help").
    subtitle = " ".join(str(crude.plot().labels.subtitle).split())
    assert subtitle == "Unadjusted: the children as observed, by whether they received early help"


@pytest.mark.parametrize(
    ("weight_estimand", "estimators", "refused"),
    [
        ("att", ["ipw", "gformula", "aipw", "ccw"], "ccw"),
        ("overlap", ["ipw", "gformula", "aipw"], "gformula, aipw"),
    ],
)
def test_a_population_an_estimator_cannot_estimate_is_refused(
    weight_estimand: str, estimators: list[str], refused: str
) -> None:
    """No silent mix: the estimators that cannot estimate the population are named."""
    spells = simulate_spells(300, 2)
    with pytest.raises(DesignError, match=f"not estimated by {refused}: only by"):
        _fit(spells, weight_estimand, estimators=estimators)


def test_estimate_curves_names_and_checks_the_population() -> None:
    spells = simulate_spells(400, 2)
    fit = estimate_curves(
        spells, COVARIATES, method="gformula", times=[HORIZON], weight_estimand="att"
    )
    assert set(fit.tidy()["population"]) == {"treated"}
    assert fit.glance()["population"].iloc[0] == "treated"
    with pytest.raises(DesignError, match="does not estimate weight_estimand='overlap'"):
        estimate_curves(spells, COVARIATES, method="aipw", weight_estimand="overlap")


def test_truncate_is_a_percentile_of_the_ipw_weights() -> None:
    """0.05 meant as 5% warns; outside (0, 50) is refused; without ipw nothing changes."""
    spells = simulate_spells(800, 2)

    def effects(estimators: list[str], truncate: float) -> None:
        estimate_effects(
            spells,
            covariates=COVARIATES,
            horizons=[HORIZON],
            estimators=estimators,
            bootstrap=0,
            truncate=truncate,
        )

    with pytest.warns(StatisticalWarning, match=r"truncate=0.05 is a percentile.*truncate=5"):
        effects(["ipw"], 0.05)
    with pytest.raises(DesignError, match="1st and 99th percentiles"):
        effects(["ipw"], 60)
    with pytest.warns(StatisticalWarning, match="ipw estimator's weights only"):
        effects(["gformula", "aipw"], 1)
    with pytest.warns(StatisticalWarning, match=r"truncate=0.5 is a percentile"):
        estimate_curves(spells, COVARIATES, method="ipw", times=[HORIZON], truncate=0.5)
