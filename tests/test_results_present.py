"""Results present themselves: rounded summaries with exp(coef) and reference levels,
Jupyter HTML on every public result class, compact printing, ``.plot()`` with human
labels and ``check_assumptions()`` advice (judged on simulations with known truth)."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import numpy as np
import pandas as pd
import plotnine as p9
import pytest

from escalation.causal import estimate_effects
from escalation.results import Presents
from escalation.survival import fit_cox, kaplan_meier

REFERENCE = Path(__file__).parent / "reference" / "survival"
ROSSI_TERMS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "rossi.csv")
    return frame.rename(columns={"week": "duration", "arrest": "event"})


def test_cox_summary_reads_like_r(rossi: pd.DataFrame) -> None:
    fit = fit_cox(rossi, ROSSI_TERMS, cluster=None)
    reference = pd.read_csv(REFERENCE / "cox_reference.csv")
    reference = reference[reference["model"] == "rossi_efron"].set_index("term")
    table = fit.summary().table.set_index("term")
    # exp(coef) and the exponentiated interval, as summary(coxph) prints them
    np.testing.assert_allclose(
        table.loc[ROSSI_TERMS, "exp(coef)"],
        np.exp(reference.loc[ROSSI_TERMS, "estimate"]),
        rtol=1e-6,
    )
    z = 1.959963984540054
    low = np.exp(reference["estimate"] - z * reference["std_error"])
    np.testing.assert_allclose(table.loc[ROSSI_TERMS, "lower 95%"], low[ROSSI_TERMS], rtol=1e-5)
    text = str(fit)  # print(fit) shows the summary
    loglik = float(reference["loglik"].iloc[0])
    assert f"{loglik:,.2f}" in text  # -658.75, not -658.747659446087
    assert str(loglik) not in text
    assert "reference levels" in text and "exp(coef)" in text


def test_cox_summary_names_reference_levels() -> None:
    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], n),
            "need": rng.choice(["N1", "N2", "N3"], n),
            "duration": rng.exponential(100, n).round() + 1,
            "event": rng.integers(0, 2, n),
        }
    )
    fit = fit_cox(frame, ["sex", "need"], cluster=None)
    facts = fit.summary().facts
    reference = {c: fit.coding.levels[c][0] for c in ("sex", "need")}
    assert facts["reference levels"] == f"sex = {reference['sex']}; need = {reference['need']}"
    html = fit._repr_html_()
    assert "<table" in html and "exp(coef)" in html and "reference levels" in html


def test_every_public_result_renders_in_jupyter() -> None:
    modules = [
        "escalation.survival",
        "escalation.causal",
        "escalation.predict",
        "escalation.federated",
        "escalation.timeline",
        "escalation.policy",
    ]
    found = []
    for name in modules:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            value = getattr(module, attr)
            if inspect.isclass(value) and hasattr(value, "summary") and hasattr(value, "tidy"):
                found.append(value)
                assert issubclass(value, Presents), f"{name}.{attr} does not render in Jupyter"
    names = {c.__name__ for c in found}
    assert {
        "CoxResult",
        "FineGrayResult",
        "CauseSpecificResult",
        "AFTResult",
        "CurveResult",
    } <= names
    assert {"EffectsResult", "RiskValidation", "GrayTestResult"} <= names
    assert {"PolicyValueResult", "PolicyStudy"} <= names


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 800
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    t = rng.exponential(400 / np.exp(0.5 * x - 0.4 * a))
    return pd.DataFrame(
        {
            "x": x,
            "sex": rng.choice(["F", "M"], n),
            "treatment": a,
            "duration": np.ceil(np.minimum(t, 800)),
            "event": (t < 800).astype(int),
            "family_id": np.arange(n) // 2,
        }
    )


def test_effects_print_compactly(spells: pd.DataFrame) -> None:
    fit = estimate_effects(
        spells, covariates=["x"], estimators=["unadjusted", "aipw"], horizons=[180, 365],
        bootstrap=0,
    )  # fmt: skip
    text = repr(fit)
    assert len(text) < 300 and "DataFrame" not in text and "estimators=[unadjusted, aipw]" in text
    table = fit.summary().table
    assert len(table) == 4  # one row per estimator and horizon, not every estimand
    tidy = fit.tidy().query("estimand == 'risk_difference'")
    np.testing.assert_allclose(table["difference"], tidy["estimate"])
    assert isinstance(fit.plot(), p9.ggplot)
    assert isinstance(fit.plot("differences"), p9.ggplot)


def test_plot_uses_human_labels(spells: pd.DataFrame) -> None:
    km = kaplan_meier(spells, group="treatment")
    plot = km.plot()
    assert set(plot.data["group"].dropna().astype(str)) == {"Early help", "No early help"}
    by_sex = kaplan_meier(spells, group="sex").plot()
    assert set(by_sex.data["group"].dropna().astype(str)) == {"Female", "Male"}
    cox = fit_cox(spells, ["sex", "x"], cluster=None)
    forest = cox.plot()
    assert set(forest.data["term"].astype(str)) == {"Sex: Male", "X"}
    assert forest.labels.x.startswith("Hazard ratio")


def _ph_data(seed: int, crossing: bool) -> pd.DataFrame:
    """Two arms; with ``crossing`` the hazard ratio is 4 before day 60 and 1/4 after."""
    rng = np.random.default_rng(seed)
    n = 1500
    g = rng.integers(0, 2, n)
    base = 1 / 200
    early = np.where(g == 1, 4 * base if crossing else 2 * base, base)
    late = np.where(g == 1, base / 4 if crossing else 2 * base, base)
    t = rng.exponential(1 / early)
    after = t > 60
    t[after] = 60 + rng.exponential(1 / late[after])
    c = rng.uniform(100, 700, n)
    return pd.DataFrame(
        {"g": g, "duration": np.ceil(np.minimum(t, c)), "event": (t <= c).astype(int)}
    )


def test_check_assumptions_finds_non_proportional_hazards() -> None:
    bad = fit_cox(_ph_data(1, crossing=True), ["g"], cluster=None).check_assumptions()
    assert [c.topic for c in bad.warnings] == ["proportional hazards"]
    assert "seems to change over follow-up" in str(bad)
    good = fit_cox(_ph_data(2, crossing=False), ["g"], cluster=None).check_assumptions()
    assert not good.warnings
    assert set(good.tidy()["topic"]) == {"proportional hazards", "sparse events"}


def test_check_assumptions_flags_sparse_events() -> None:
    rng = np.random.default_rng(3)
    n = 60
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.integers(0, 2, n),
            "duration": rng.integers(1, 100, n).astype(float),
            "event": (rng.random(n) < 0.25).astype(int),
        }
    )
    advice = fit_cox(frame, ["a", "b", "c"], cluster=None).check_assumptions()
    sparse = advice.tidy().query("topic == 'sparse events'")
    assert (sparse["status"] == "warning").any()
    assert "per coefficient" in " ".join(sparse["message"])


def test_effects_check_assumptions_finds_poor_overlap() -> None:
    rng = np.random.default_rng(8)
    n = 800
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-4 * x))).astype(int)  # near-deterministic
    t = rng.exponential(300, n)
    spells = pd.DataFrame(
        {"x": x, "treatment": a, "duration": np.ceil(np.minimum(t, 700)),
         "event": (t < 700).astype(int), "family_id": np.arange(n)}
    )  # fmt: skip
    with pytest.warns(Warning):
        fit = estimate_effects(
            spells, covariates=["x"], estimators=["ipw", "aipw"], horizons=[365], bootstrap=0
        )
    advice = fit.check_assumptions(spells)
    topics = advice.tidy().set_index("topic")["status"]
    assert topics["positivity"] == "warning"
    assert "proportional hazards" in topics.index


def _unescaped(line: str, character: str) -> int:
    """Count ``character`` in ``line`` not written as ``\\character``."""
    return len(re.findall(rf"(?<!\\){re.escape(character)}", line))


def test_latex_summaries_compile_as_they_are(rossi: pd.DataFrame) -> None:
    # Summary.as_latex() wrote "lower 95%" (LaTeX reads "% upper 95% & p \\" as a comment,
    # leaving the header row two cells short and unended) and covariate names such as
    # prior_x with a bare "_" (an error outside maths): the table did not compile.
    frame = rossi.rename(columns={"prio": "prior_x"})
    fit = fit_cox(frame, ["fin", "age", "prior_x"], cluster=None)
    latex = fit.summary().as_latex()
    lines = latex.splitlines()
    assert lines[0].startswith("% ")  # the title, as a comment
    rows = [line for line in lines[1:] if line.endswith(r"\\")]
    columns = len(fit.summary().table.columns)
    assert len(rows) == 1 + 3  # the header and one row per term
    for line in rows:
        assert _unescaped(line, "&") == columns - 1, line
        assert _unescaped(line, "%") == 0 and _unescaped(line, "_") == 0, line
    assert r"lower 95\%" in latex and r"prior\_x" in latex
    # the one rule is Table 1's too (its booktabs .tex), now with its backslash kept whole
    from escalation.report.table_one import table_one_latex

    tex = table_one_latex(pd.DataFrame({"Characteristic": ["a\\b_c"], "Level": ["%"]}))
    assert r"a\textbackslash{}b\_c & \%" in tex
