"""Table 1 against the Python ``tableone`` package and the published SMD formulas.

Reference: R's ``tableone::CreateTableOne`` is not packaged for Debian, so the printed
cells are compared with the Python ``tableone`` package (Pollard et al., 2018), which
follows the same conventions (n (%), mean (SD), median [Q1,Q3], Yang & Dalton SMDs),
on a frozen, seeded example without missing values (the packages differ only in how
missing categories enter percentages: R and this package use the non-missing values).
Weighted SMDs are checked against a hand computation of the formulas of
``tableone::svyCreateTableOne`` (survey-weighted means, ``svyvar`` variances).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal.tableone import smd_categorical, smd_numeric, table_one
from escalation.disclosure import disclose_count
from escalation.errors import DataValidationError
from escalation.timeline.labels import ARM_LABELS

tableone = pytest.importorskip("tableone")


def frozen_example() -> pd.DataFrame:
    rng = np.random.default_rng(20261205)
    n = 400
    arm = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "treatment": arm,
            "age": (rng.normal(8, 4, n) + arm).round(1),
            "sex": rng.choice(["F", "M"], n, p=[0.48, 0.52]),
            "need": rng.choice(["N1", "N2", "N4", "N5"], n),
            "prior_referrals": rng.poisson(1.2 + 0.4 * arm),
        }
    )


def _squash(text: str) -> str:
    return text.replace(" ", "")


def test_causal_table_one_matches_python_tableone() -> None:
    data = frozen_example()
    ours = table_one(data, variables=["age", "sex", "need", "prior_referrals"])
    printed = ours.table()
    reference = tableone.TableOne(
        data.assign(treatment=data["treatment"].map({0: "No early help", 1: "Early help"})),
        columns=["age", "sex", "need", "prior_referrals"],
        categorical=["sex", "need"],
        nonnormal=["prior_referrals"],
        groupby="treatment",
        smd=True,
        decimals={"age": 2, "prior_referrals": 2, "sex": 1, "need": 1},
        overall=False,
        pval=False,
        missing=False,
    ).tableone
    reference.columns = [c[1] for c in reference.columns]
    smd_column = next(c for c in reference.columns if str(c).startswith("SMD"))
    # Rows: n, age, sex F/M, need N1/N2/N4/N5, prior referrals.
    arms = ["No early help", "Early help"]
    assert [printed.loc[0, a] for a in arms] == [str(reference.iloc[0][a]) for a in arms]
    ref_rows = reference.iloc[1:]
    ours_rows = printed.iloc[1:]
    assert len(ref_rows) == len(ours_rows) == 8
    for (_, mine), (_, theirs) in zip(ours_rows.iterrows(), ref_rows.iterrows(), strict=True):
        for a in arms:
            assert _squash(mine[a]) == _squash(str(theirs[a]))
    # SMDs to the printed three decimals (one per variable, on its first row); R's
    # tableone prints them unsigned, the Python package signs numeric ones.
    ours_smd = [s for s in ours_rows["SMD"] if s]
    theirs_smd = [str(s).lstrip("-") for s in ref_rows[smd_column] if str(s).strip()]
    assert ours_smd == theirs_smd


def test_causal_table_one_smd_formulas_by_hand() -> None:
    # Yang & Dalton: binary 0.2 / sqrt((0.21 + 0.25) / 2).
    assert smd_categorical([0.3, 0.7], [0.5, 0.5]) == pytest.approx(0.2 / np.sqrt(0.23))
    # Three levels: Mahalanobis distance with the mean multinomial covariance.
    p1, p0 = np.array([0.2, 0.3, 0.5]), np.array([0.4, 0.4, 0.2])
    d = (p1 - p0)[1:]
    s = (
        np.diag(p1[1:]) - np.outer(p1[1:], p1[1:]) + np.diag(p0[1:]) - np.outer(p0[1:], p0[1:])
    ) / 2
    assert smd_categorical(p1, p0) == pytest.approx(float(np.sqrt(d @ np.linalg.solve(s, d))))
    # Weighted numeric: survey-weighted means and svyvar (weighted, times n/(n-1)).
    x1, w1 = np.array([1.0, 2.0, 4.0]), np.array([1.0, 2.0, 1.0])
    x0, w0 = np.array([2.0, 3.0, 3.0, 5.0]), np.array([0.5, 1.0, 1.0, 2.0])
    m1 = (w1 * x1).sum() / w1.sum()
    m0 = (w0 * x0).sum() / w0.sum()
    v1 = (w1 * (x1 - m1) ** 2).sum() / w1.sum() * 3 / 2
    v0 = (w0 * (x0 - m0) ** 2).sum() / w0.sum() * 4 / 3
    assert smd_numeric(x1, x0, w1, w0) == pytest.approx((m1 - m0) / np.sqrt((v1 + v0) / 2))


def test_causal_table_one_weighted_and_missing() -> None:
    data = frozen_example()
    data.loc[::25, "need"] = None
    weights = np.where(data["treatment"] == 1, 2.0, 1.5)
    t1 = table_one(data, variables=["age", "need"], weights=weights)
    printed = t1.table()
    assert "SMD after weighting" in printed.columns
    need = printed[printed["Characteristic"].str.startswith("Primary need")].iloc[0]
    assert need["Missing"] == str(int(data["need"].isna().sum()))
    # Constant weights within arms leave proportions, hence the categorical SMD, unchanged.
    smd = t1.smd.set_index("variable")
    assert smd.loc["need", "smd_weighted"] == pytest.approx(smd.loc["need", "smd"])
    # Percentages are of the non-missing values.
    stats = t1.stats[(t1.stats["variable"] == "need") & (t1.stats["group"] == "Early help")]
    assert stats["percent"].sum() == pytest.approx(100.0)


def test_causal_table_one_disclosure_rounds_counts_and_recomputes_percentages() -> None:
    data = pd.DataFrame(
        {"treatment": [1] * 23 + [0] * 30, "sex": ["F"] * 7 + ["M"] * 16 + ["F"] * 30}
    )
    printed = table_one(data, variables=["sex"]).table(count_rule=disclose_count)
    early = printed["Early help"].tolist()
    assert early[0] == "25"  # 23 children, rounded to 5
    assert early[1] == "<10"  # 7 girls: suppressed
    assert early[2] == "15 (60.0)"  # 16 boys -> 15, of 25


def test_causal_table_one_counts_unborn_children_by_default() -> None:
    data = frozen_example()
    data["unborn"] = (np.arange(len(data)) % 7 == 0).astype(np.int64)
    data.loc[data["unborn"] == 1, "age"] = -0.3
    stats = table_one(data).stats
    rows = stats[stats["variable"] == "unborn"]
    assert set(rows["kind"]) == {"binary"}
    assert rows["label"].iloc[0] == "Unborn at time zero (pre-birth referral)"
    for arm, part in data.groupby("treatment"):
        row = rows[rows["group"] == ARM_LABELS[int(arm)]]
        assert int(row["count"].iloc[0]) == int(part["unborn"].sum())
        assert row["percent"].iloc[0] == pytest.approx(100 * part["unborn"].mean())
    printed = table_one(data).table()
    assert printed.iloc[:, 0].str.startswith("Unborn at time zero").any()
    # A cohort with no unborn child gets no row for them.
    born = table_one(data.assign(unborn=0)).stats
    assert "unborn" not in set(born["variable"])


def test_causal_table_one_shows_a_prior_count_repeating_another_once() -> None:
    # Simulated histories give every referral one assessment: the two counts are equal.
    data = frozen_example()
    data["prior_referrals"] = np.arange(len(data)) % 3
    data["prior_assessments"] = data["prior_referrals"]
    data["prior_cp_plans"] = 0
    data["prior_looked_after"] = 0
    t1 = table_one(data)
    shown = set(t1.stats["variable"])
    assert "prior_assessments" not in shown and "prior_referrals" in shown
    assert t1.settings["repeats"] == {"prior_assessments": "prior_referrals"}
    # Two counts that are 0 for everyone each keep their row; counts that differ too.
    assert {"prior_cp_plans", "prior_looked_after"} <= shown
    other = table_one(data.assign(prior_assessments=data["prior_referrals"] + (data.index == 0)))
    assert "prior_assessments" in set(other.stats["variable"])
    assert other.settings["repeats"] == {}
    # Variables named explicitly are all shown.
    named = table_one(data, variables=["prior_referrals", "prior_assessments"])
    assert set(named.stats["variable"]) == {"prior_referrals", "prior_assessments"}


def test_causal_table_one_refuses_a_variable_listed_twice() -> None:
    # a variable listed twice was described twice: its rows and SMD doubled in tidy()
    spells = pd.DataFrame({"treatment": [1, 1, 0, 0, 0], "age": [4.0, 6, 5, 9, 7]})
    with pytest.raises(DataValidationError, match=r"age.*listed more than once"):
        table_one(spells, variables=["age", "age"])


@pytest.mark.parametrize(
    ("arms", "named"),
    [
        ([1, "1", 0, 0, 1, "1"], r"'1' \(int\) and '1' \(str\)"),
        ([1, "Early help", 0, 0, 1, "Early help"], r"'1' \(int\) and 'Early help' \(str\)"),
    ],
)
def test_causal_table_one_refuses_arm_values_that_would_share_a_label(
    arms: list[object], named: str
) -> None:
    # 1 and "1" (or 1 and "Early help") were both named "Early help" and silently merged
    # into one arm: its n, means and the SMD described two groups as one
    spells = pd.DataFrame({"treatment": arms, "age": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(DataValidationError, match=rf"'treatment'.*{named}.*'Early help'"):
        table_one(spells, variables=["age"])
    # one coding of the arms is described as before
    kept = table_one(spells.assign(treatment=[1, 1, 0, 0, 1, 1]), variables=["age"])
    assert kept.n == {"No early help": 2, "Early help": 4}


def test_causal_table_one_three_arms_smd_is_the_mean_of_the_pairwise_smds() -> None:
    """Three arms: the SMD is the mean of the three pairwise SMDs, as R's tableone reports
    it (ExtractSmd); each pair is compared with the Python tableone package's own pairwise
    SMD columns. (Before, only the first and last arms were compared.)"""
    rng = np.random.default_rng(11)
    n = 300
    data = pd.DataFrame(
        {
            "arm": rng.choice(["A", "B", "C"], n),
            "age": rng.normal(8, 4, n).round(1),
            "sex": rng.choice(["F", "M"], n),
        }
    )
    data.loc[data["arm"] == "B", "age"] += 1.5
    ours = table_one(data, group="arm", variables=["age", "sex"]).smd.set_index("variable")["smd"]
    reference = tableone.TableOne(
        data, columns=["age", "sex"], categorical=["sex"], groupby="arm", smd=True,
        overall=False, pval=False, missing=False,
    ).tableone  # fmt: skip
    pairs = [c for c in reference.columns if str(c[1]).startswith("SMD (")]
    assert len(pairs) == 3
    for variable, label in (("age", "age, mean (SD)"), ("sex", "sex, n (%)")):
        cells = reference.loc[label, pairs].replace("", np.nan).dropna(how="all")
        pairwise = [abs(float(v)) for v in cells.iloc[0]]
        assert ours[variable] == pytest.approx(np.mean(pairwise), abs=1.5e-3)  # 3 decimals


def test_causal_table_one_refuses_rows_without_an_arm() -> None:
    """A missing arm is not an arm called "nan": the rows are named and refused."""
    data = frozen_example().astype({"treatment": float})
    data.loc[[3, 17], "treatment"] = np.nan
    with pytest.raises(DataValidationError, match="treatment") as caught:
        table_one(data, variables=["age"])
    rows = {p.row for p in caught.value.problems}
    assert rows == {3, 17}


@pytest.mark.parametrize("group", ["UPN", "LAchildID", "Child Unique ID", "child_id"])
def test_causal_table_one_refuses_a_personal_arm_column(group: str) -> None:
    # the arm column's values head Table 1's columns: an identifier is refused as the
    # arms, by the one disclosure rule (errors.is_personal), naming the column and no value
    # (before, its values were withheld from the error on clashing arms, and with arms
    # that did not clash the table was built with the identifiers as headers)
    for arms in ([7, 7, 0, 0, 7, 7], [7, "7", 0, 0, 7, "7"]):  # arms that clash too
        spells = pd.DataFrame({group: arms, "age": [1.0, 2, 3, 4, 5, 6]})
        with pytest.raises(DataValidationError, match=rf"'{group}': personal data") as error:
            table_one(spells, group=group, variables=["age"])
        assert "7" not in str(error.value)
