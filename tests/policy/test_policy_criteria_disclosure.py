"""Criteria on withheld values, and the disparity criterion over every attribute."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import PolicyValueResult, estimate_policy_values, policy_scores
from escalation.design import CriteriaSpec
from escalation.disclosure import DisclosureRules
from escalation.policy import PolicyStudy, evaluate_policies, judge, judge_criteria
from escalation.policy.criteria import WITHHELD_NOTE
from escalation.policy.study import WITHHELD_VERDICT, withhold_revealing_verdicts
from escalation.report.policy_section import _criterion_row
from tests.policy.policy_support import authority, small_spells

SPEC = CriteriaSpec(min_precision=0.65, min_recall=0.5, max_disparity=0.1,
                    min_prevented_per_1000=10)  # fmt: skip


def _values(
    precision: tuple[float, float, float], recall: tuple[float, float, float]
) -> pd.DataFrame:
    rows = {"precision": precision, "recall": recall, "prevented_per_1000": (12.0, 10.5, 13.5)}
    return pd.DataFrame(
        [{"rule": "r", "horizon": 365, "estimand": e, "estimate": v[0], "conf_low": v[1],
          "conf_high": v[2]} for e, v in rows.items()]
    )  # fmt: skip


def _gaps(attributes: list[str], lows: list[float], highs: list[float]) -> pd.DataFrame:
    middle = [(lo + hi) / 2 for lo, hi in zip(lows, highs, strict=True)]
    return pd.DataFrame(
        {"rule": "r", "horizon": 365, "attribute": attributes, "metric": "recall",
         "higher": "a", "lower": "b", "estimate": middle, "conf_low": lows, "conf_high": highs}
    )  # fmt: skip


def test_a_withheld_value_is_judged_on_its_exact_interval_and_only_the_verdict_shown() -> None:
    """A precision of 0.085 (0.035 to 0.194) against "at least 0.65", blanked for disclosure,
    was "inconclusive" and the brief said "not estimable"."""
    nan = float("nan")
    published = _values((nan, nan, nan), (nan, nan, nan))
    exact = _values((0.085, 0.035, 0.194), (0.45, 0.3, 0.6))
    gaps = _gaps(["sex"], [0.0], [0.05])
    out = judge_criteria(published, gaps, SPEC, rule="r", horizon=365, attributes=["sex"],
                         exact=exact).set_index("criterion", drop=False)  # fmt: skip
    precision, recall = out.loc["min_precision"], out.loc["min_recall"]
    assert precision["verdict"] == judge(0.035, 0.194, 0.65, at_least=True) == "not met"
    assert recall["verdict"] == judge(0.3, 0.6, 0.5, at_least=True) == "inconclusive"
    for row in (precision, recall):
        assert bool(row["withheld"])
        assert row[["estimate", "conf_low", "conf_high"]].isna().all()  # never published
        assert row["note"].endswith("Estimate withheld (disclosure).")
        assert _criterion_row(row, "recall")[2] == WITHHELD_NOTE  # not "not estimable"
    # A value shown is judged as shown; without the exact values nothing can be judged.
    assert not out.loc["min_prevented_per_1000", "withheld"]
    bare = judge_criteria(published, gaps, SPEC, rule="r", horizon=365, attributes=["sex"])
    assert bare.set_index("criterion").loc["min_precision", "verdict"] == "inconclusive"
    assert not bare["withheld"].any()


@pytest.fixture(scope="module")
def scored() -> tuple[PolicyValueResult, np.ndarray, float, float]:
    """A rule on a small frame; its number flagged and the escalations (exact)."""
    frame = small_spells()
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    flags = (np.arange(len(frame)) % 30 == 0).astype(float)
    fit = estimate_policy_values(scores, {"r": flags})
    return fit, flags, float(flags.sum()), float(scores.observed[:, 0].sum())


def _hidden(verdicts: dict[str, tuple[float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"criterion": c, "rule": "r", "horizon": 365, "threshold": t, "verdict": v,
          "withheld": True, "note": "Estimate withheld (disclosure)."}
         for c, (t, v) in verdicts.items()]
    )  # fmt: skip


def test_a_verdict_that_would_give_a_withheld_count_back_is_withheld_too(
    scored: tuple[PolicyValueResult, np.ndarray, float, float],
) -> None:
    """A withheld precision is h / n with h, the escalations flagged, below the threshold
    (10). "Not met" against 0.65 says h < 0.65 n: every h from 0 to 9 agrees, nothing is
    given back. Against a threshold below 1 / n it says h = 0, and together precision "not
    met" below 6 / n and recall "met" from 5 / E say h = 5: those verdicts are withheld."""
    fit, _, flagged, escalations = scored
    rules = DisclosureRules()
    kept = _hidden({"min_precision": (0.65, "not met"), "min_recall": (0.5, "not met")})
    pd.testing.assert_frame_equal(withhold_revealing_verdicts(kept, fit, rules), kept)
    zero = _hidden({"min_precision": (0.5 / flagged, "not met")})
    out = withhold_revealing_verdicts(zero, fit, rules)
    assert out["verdict"].tolist() == [WITHHELD_VERDICT]
    assert "The verdict is withheld too" in out["note"].iloc[0]
    five = _hidden({"min_precision": (5.5 / round(flagged), "not met"),
                    "min_recall": (4.5 / round(escalations), "met")})  # fmt: skip
    assert (withhold_revealing_verdicts(five, fit, rules)["verdict"] == WITHHELD_VERDICT).all()
    # Either verdict alone leaves 0..5 or 5..9: kept.
    for one in ("min_precision", "min_recall"):
        alone = five[five["criterion"] == one].reset_index(drop=True)
        assert (withhold_revealing_verdicts(alone, fit, rules)["verdict"] != WITHHELD_VERDICT).all()
    # The brief says why there is no verdict.
    nan = float("nan")
    row = pd.concat([out.iloc[0], pd.Series({"estimate": nan, "conf_low": nan, "conf_high": nan})])
    assert _criterion_row(row, "recall")[3] == "withheld (disclosure)"


def _study(capacity: int, children: int = 1500, seed: int = 7, **criteria: object) -> PolicyStudy:
    _, data = authority(children, seed)
    design = data.design
    assert design.policy is not None and design.criteria is not None
    design = design.replace(
        policy=dataclasses.replace(design.policy, rules=("everyone", "no_one", "risk"), folds=3,
                                   capacity_per_1000=capacity),
        criteria=dataclasses.replace(design.criteria, **criteria),
    )  # fmt: skip
    return evaluate_policies(data, design, n_jobs=1)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_the_study_judges_a_withheld_precision_on_its_exact_interval() -> None:
    study = _study(30, min_precision=0.99, min_recall=0.9)
    published = study.tidy().set_index(["rule", "horizon", "estimand"])
    exact = study.values.tidy().set_index(["rule", "horizon", "estimand"])
    criteria = study.criteria.set_index("criterion")
    for key, estimand in (("min_precision", "precision"), ("min_recall", "recall")):
        where = ("risk_cox", study.horizon, estimand)
        assert np.isnan(published.loc[where, "estimate"])  # withheld for disclosure
        high = exact.loc[where, "conf_high"]
        assert high < criteria.loc[key, "threshold"]  # wholly on the wrong side
        assert criteria.loc[key, "verdict"] == "not met"
        assert criteria.loc[key, "withheld"]
        assert np.isnan(
            criteria.loc[key, ["estimate", "conf_low", "conf_high"]].astype(float)
        ).all()
        assert WITHHELD_NOTE in str(criteria.loc[key, "note"]).lower()


def test_max_disparity_is_met_only_when_every_attribute_is_compared() -> None:
    """With two of six attributes compared, max_disparity was "met" and the note named only
    the largest gap."""
    values = _values((0.7, 0.66, 0.74), (0.6, 0.55, 0.65))
    gaps = _gaps(["sex", "age"], [0.0, 0.01], [0.05, 0.08])
    every = judge_criteria(values, gaps, SPEC, rule="r", horizon=365, attributes=["sex", "age"])
    assert every.set_index("criterion").loc["max_disparity", "verdict"] == "met"
    assert every.set_index("criterion").loc["max_disparity", "not_compared"] == ""
    some = judge_criteria(values, gaps, SPEC, rule="r", horizon=365,
                          attributes=["ethnicity", "sex", "age", "disability"])  # fmt: skip
    row = some.set_index("criterion", drop=False).loc["max_disparity"]
    assert row["verdict"] == "inconclusive"
    assert row["not_compared"] == "ethnicity, disability"
    assert (
        "Not compared (fewer than two groups large enough to compare, for disclosure control): "
        "ethnicity, disability" in (row["note"])
    )
    assert "(not compared: ethnicity, disability" in _criterion_row(row, "recall")[0]
    # A gap wholly above the threshold fails the criterion whatever was left out.
    wide = _gaps(["sex", "age"], [0.0, 0.11], [0.05, 0.2])
    failed = judge_criteria(values, wide, SPEC, rule="r", horizon=365,
                            attributes=["ethnicity", "sex", "age"])  # fmt: skip
    assert failed.set_index("criterion").loc["max_disparity", "verdict"] == "not met"


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_the_study_names_the_attributes_it_could_not_compare() -> None:
    """3,000 simulated children (seed 3): only deprivation and age have two groups shown,
    both gaps wholly below 0.25, and the criterion was "met"."""
    study = _study(300, 3000, 3, max_disparity=0.25, disparity_metric="flagged")
    row = study.criteria.set_index("criterion").loc["max_disparity"]
    gaps = study.disparities
    gaps = gaps[(gaps["rule"] == "risk_cox") & (gaps["metric"] == "flagged")]
    compared = set(gaps["attribute"])
    attributes = list(dict.fromkeys(study.groups["attribute"]))
    missing = [a for a in attributes if a not in compared]
    assert compared and missing  # some attributes compared, some not
    assert (gaps["conf_high"] <= 0.25).all()  # every gap compared is within the threshold
    assert row["verdict"] == "inconclusive"
    # Sex, whose smaller group F or M is withheld only beside an empty U, is compared
    # (session 28): its verdict alone published; the others are still not compared.
    left = [a for a in missing if a != "sex"]
    assert "sex" in missing and row["not_compared"] == ", ".join(left)
    assert row["withheld"] and np.isnan(row["estimate"])
    assert (
        f"Not compared (fewer than two groups large enough to compare, for disclosure control): "
        f"{', '.join(left)}." in (row["note"])
    )
    # The words are true (session 28): each attribute not compared has fewer than two
    # groups not suppressed for their own sake (the note's "too small to compare"), while
    # sex, compared, has fewer than two groups shown ("could be shown" was not the reason).
    table = study.groups
    table = table[(table["rule"] == "risk_cox") & (table["metric"] == "flagged")]
    small = row["note"].split("Groups too small to compare, left out: ")[1].split(". ")[0]
    named = dict(part.split(": ", 1) for part in small.split("; "))
    for attribute in left:
        groups = set(table.loc[table["attribute"] == attribute, "group"])
        assert len(groups - set(named.get(attribute, "").split(", "))) < 2, attribute
    sexes = table[table["attribute"] == "sex"]
    assert (~sexes["suppressed"].astype(bool)).sum() < 2
    assert len(set(sexes["group"]) - set(named["sex"].split(", "))) == 2
