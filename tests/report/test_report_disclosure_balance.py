"""The published balance table says no more of a 0/1 covariate than its disclosed counts.

Review (session 19): ``balance.csv`` published the exact SMD and variance ratio of each
0/1 covariate before weighting. With the arm sizes rounded to 5, disability's SMD
0.092154 and variance ratio 1.362223 had exactly two solutions, 45 of 537 against 51 of
850 and its mirror, undoing the rounding of Table 1. Each test below builds those arms,
runs the balance table as ``estimate_effects`` does and attacks what
:func:`~escalation.disclosure.disclose_balance` publishes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from escalation.causal import balance_table, table_one
from escalation.disclosure import DEFAULT_RULES, disclose_balance, disclose_count
from escalation.figures import plot_love

#: The review's counts: (children with disability, arm size) treated, then untreated.
TREATED, UNTREATED = (45, 537), (51, 850)


def _arms(treated: tuple[int, int], untreated: tuple[int, int]) -> tuple[pd.DataFrame, np.ndarray]:
    """Return a matrix (disability, age) and the arms for the given counts."""
    (k1, n1), (k0, n0) = treated, untreated
    disability = [1] * k1 + [0] * (n1 - k1) + [1] * k0 + [0] * (n0 - k0)
    age = np.random.default_rng(1).uniform(0, 17, n1 + n0)
    arm = np.array([1] * n1 + [0] * n0)
    return pd.DataFrame({"disability": disability, "age": age}), arm


def _published(
    treated: tuple[int, int], untreated: tuple[int, int], weights: bool = True
) -> pd.DataFrame:
    """Return the balance table as shared (ATE-like weights, fixed seed)."""
    matrix, arm = _arms(treated, untreated)
    w = np.random.default_rng(2).uniform(0.5, 3.0, len(arm)) if weights else None
    return disclose_balance(balance_table(matrix, arm, w), matrix, arm).set_index(
        ["covariate", "sample"]
    )


def _exact_smd(k1: int, n1: int, k0: int, n0: int) -> float:
    """The balance table's exact SMD of a 0/1 covariate (variances over n - 1)."""
    p1, p0 = k1 / n1, k0 / n0
    v1, v0 = p1 * (1 - p1) * n1 / (n1 - 1), p0 * (1 - p0) * n0 / (n0 - 1)
    return (p1 - p0) / np.sqrt((v1 + v0) / 2)


def _sizes(n: int) -> range:
    """The arm sizes an arm published as ``disclose_count(n)`` may have."""
    shown = disclose_count(n)
    return range(n - 5, n + 6) if shown is None else range(shown - 2, shown + 3)


def test_balance_exact_smd_attack_no_longer_recovers_the_counts() -> None:
    # The review's attack: counts whose exact SMD is the published one, arm sizes
    # within their rounding (the variance ratio, which it also used, is now withheld).
    row = _published(TREATED, UNTREATED).loc[("disability", "unweighted")]
    smd = float(row["smd"])
    hits = [
        (k1, n1, k0, n0)
        for n1, n0 in itertools.product(_sizes(TREATED[1]), _sizes(UNTREATED[1]))
        for k1 in range(10, n1 - 9)
        for k0 in range(max(10, TREATED[0] - 40), min(n0 - 9, UNTREATED[0] + 40))
        if abs(_exact_smd(k1, n1, k0, n0) - smd) < 1e-9
    ]
    assert (*TREATED, *UNTREATED) not in hits
    assert np.isnan(row["variance_ratio"])


def test_balance_smd_is_a_function_of_the_disclosed_counts() -> None:
    # Every pair of counts the rounded ones allow (43..47 shown as 45, 48..52 as 50) gives
    # the published SMD: the counts consistent with it are all those, nothing narrowed.
    box = itertools.product(range(43, 48), range(48, 53))
    assert {(disclose_count(k1), disclose_count(k0)) for k1, k0 in box} == {(45, 50)}
    smds = {
        float(
            _published((k1, TREATED[1]), (k0, UNTREATED[1])).loc[
                ("disability", "unweighted"), "smd"
            ]
        )
        for k1, k0 in itertools.product(range(43, 48), range(48, 53))
    }
    assert len(smds) == 1
    assert smds == {float(_published(TREATED, UNTREATED).loc[("disability", "unweighted"), "smd"])}


def test_balance_smd_of_an_indicator_is_table_ones() -> None:
    matrix, arm = _arms(TREATED, UNTREATED)
    shown = disclose_balance(balance_table(matrix, arm), matrix, arm)
    spells = pd.DataFrame({"treatment": arm, "disability": matrix["disability"] == 1})
    t1 = table_one(spells, variables=["disability"])
    printed = t1.table(count_rule=lambda c: disclose_count(c, DEFAULT_RULES))
    smd = float(shown.loc[shown["covariate"] == "disability", "smd"].iloc[0])
    assert f"{abs(smd):.3f}" == printed.loc[1, "SMD"]
    assert smd > 0  # signed, treated minus untreated: 45/535 > 50/850


def test_balance_keeps_numbers_and_the_weighted_smd() -> None:
    matrix, arm = _arms(TREATED, UNTREATED)
    w = np.random.default_rng(2).uniform(0.5, 3.0, len(arm))
    exact = balance_table(matrix, arm, w).set_index(["covariate", "sample"])
    shown = _published(TREATED, UNTREATED)
    pd.testing.assert_series_equal(
        shown.loc["age", ["smd", "variance_ratio"]].stack(),
        exact.loc["age", ["smd", "variance_ratio"]].stack(),
    )
    assert (
        shown.loc[("disability", "weighted"), "smd"] == exact.loc[("disability", "weighted"), "smd"]
    )
    withheld = shown.loc["disability", ["variance_ratio", "mean_treated", "mean_untreated"]]
    assert withheld.isna().all().all()
    assert not shown["suppressed"].any()


@pytest.mark.parametrize("ones", [9, 841])
def test_balance_blanks_an_indicator_rare_in_an_arm(ones: int) -> None:
    shown = _published(TREATED, (ones, UNTREATED[1])).loc["disability"]
    assert shown[["smd", "variance_ratio"]].isna().all().all()
    assert shown["suppressed"].all()


def test_balance_love_plot_shows_the_published_values() -> None:
    shown = _published(TREATED, UNTREATED).reset_index()
    plot = plot_love(shown)
    drawn = plot.data[plot.data["covariate"].astype(str).str.contains("isab")]
    assert "Variance ratio" not in set(drawn["panel"])
    before = drawn.loc[drawn["sample"].astype(str) == "Before weighting", "x"]
    unweighted = shown[(shown["covariate"] == "disability") & (shown["sample"] == "unweighted")]
    assert before.tolist() == pytest.approx([abs(float(unweighted["smd"].iloc[0]))])


#: Ethnicity by arm (early help, then none): E is small in early help, so Table 1 hides it
#: and withholds D there as ``[c]``; F and G, rare overall, are pooled into ``other``.
ETHNICITY = {
    "A": (150, 200),
    "B": (100, 120),
    "C": (30, 40),
    "D": (11, 25),
    "E": (5, 15),
    "F": (12, 3),
    "G": (14, 4),
}


def _ethnicity_run() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (Table 1 as printed, its raw stats, the balance table as a run publishes it).

    As ``run_pipeline`` does: the propensity model's coding of the spells (rare levels
    pooled into ``other``), the balance table of its matrix, and Table 1 of the spells,
    whose hidden counts the balance table is given.
    """
    from escalation.causal import table_one
    from escalation.report.table_one import disclosed_table_one, hidden_indicators
    from escalation.timeline.matrix import CovariateCoding

    arms = {1: [], 0: []}
    for level, (treated, untreated) in ETHNICITY.items():
        arms[1] += [level] * treated
        arms[0] += [level] * untreated
    spells = pd.DataFrame(
        {"treatment": [1] * len(arms[1]) + [0] * len(arms[0]), "ethnicity": arms[1] + arms[0]}
    )
    coding = CovariateCoding.learn(spells, ["ethnicity"])
    matrix = coding.apply(spells)
    arm = spells["treatment"].to_numpy()
    w = np.random.default_rng(3).uniform(0.5, 3.0, len(arm))
    t1 = table_one(spells, variables=["ethnicity"])
    published = disclose_balance(
        balance_table(matrix, arm, w), matrix, arm, withheld=hidden_indicators(t1, coding)
    )
    return disclosed_table_one(t1), t1.stats, published


def test_balance_gives_back_no_count_table_one_withholds() -> None:
    # Review (session 23): balance.csv published the SMD of an indicator whose early-help
    # count Table 1 withholds as [c]; solved against the other arm's printed count it gave
    # the [c] count back, and the arm's n minus the printed counts the small one it
    # protects. The attack, on every count Table 1 hides (<10 or [c]).
    printed, stats, published = _ethnicity_run()
    table = published.set_index(["covariate", "sample"])
    sizes = stats.groupby("group")["n"].first()
    arms = [c for c in printed.columns if c in set(stats["group"])]
    hidden = [
        (str(row["Level"]), arm)
        for _, row in printed.iterrows()
        for arm in arms
        if str(row[arm]).startswith(("[c]", "<"))
    ]
    assert ("D", "Early help") in hidden  # the [c] to attack (it protects E)
    level_of = dict(zip(stats["level_label"], stats["level"], strict=False))
    for label, arm in hidden:
        covariate = f"ethnicity_{level_of[label]}"
        if covariate not in set(published["covariate"]):
            continue  # the reference level, or a pooled one: no row of its own
        other = next(a for a in arms if a != arm)
        at = stats["level_label"] == label
        k_other = disclose_count(int(stats.loc[at & (stats["group"] == other), "count"].iloc[0]))
        n_arm, n_other = (int(disclose_count(int(sizes[a])) or 0) for a in (arm, other))
        smd = abs(float(table.loc[(covariate, "unweighted"), "smd"]))
        fits = [
            k
            for k in range(n_arm + 1)
            if k_other is not None
            and abs(abs(_share_smd(k / n_arm, k_other / n_other)) - smd) < 5e-7
        ]
        assert fits == [], (covariate, arm, fits)
        assert table.loc[covariate, "smd"].isna().all(), covariate  # before and after weights
    # F and G (pooled into other) are hidden in the arm without early help: other too.
    assert table.loc["ethnicity_other", "smd"].isna().all()
    assert table.loc["ethnicity_B", "smd"].notna().all()  # levels Table 1 prints stay


def _share_smd(p1: float, p0: float) -> float:
    """Table 1's SMD of a level from its shares in the two arms (as the review solved it)."""
    return (p1 - p0) / np.sqrt((p1 * (1 - p1) + p0 * (1 - p0)) / 2)
