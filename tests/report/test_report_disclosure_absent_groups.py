"""A group no child is in is listed, suppressed: its absence would say "0 children".

Disclosure red-team (session 27): the published group tables of the risk tool
(``fairness.csv``) and of the policy study (``policy_groups.csv``,
``policy_disparities.csv``) listed only the groups seen. A small group is shown as
suppressed ("<10"), but a group with no child (no child of sex "U", none in the least
deprived quintile) was left out, so its absence read as exactly 0 children and 0
escalations. Every group the attribute defines (the code list of sex, the ethnic groups,
the quintiles, the age bands) is now listed, an empty one with no ``n`` and no metric,
and the complementary suppression of the groups hides a second one beside it, so that
the empty group's 0 cannot be worked out by subtraction from the published total either.

The data are simulated; what is checked is which rows a table lists and hides (no
statistical number is asserted), the attack being subtraction of the shown groups' sizes
from the test set's.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.design import CriteriaSpec
from escalation.disclosure import DEFAULT_RULES, disclose_metric_counts
from escalation.policy import disparities, flagged_by_group, judge_criteria, policy_groups
from escalation.predict.fairness import fairness_groups, fairness_table, subgroup_metrics
from escalation.predict.modelcard import model_card
from tests.policy.policy_support import small_spells

THRESHOLD = DEFAULT_RULES.threshold
#: Ethnicity codes of the simulated authority: no Mixed, no Other child.
CODES = ("WBRI", "AIND", "BAFR", "NOBT")


def _authority(n: int = 1200, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """Test spells where no child is of sex "U", in Q5 (deciles 9-10), Mixed or Other."""
    rng = np.random.default_rng(seed)
    risk = rng.uniform(0.05, 0.6, n)
    escalated = rng.random(n) < risk
    spells = pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i // 2}" for i in range(n)],
            "duration": np.where(escalated, 30.0, 500.0),
            "event": escalated.astype(int),
            "sex": rng.choice(["F", "M"], n),
            "ethnicity": rng.choice(CODES, n),
            "imd_decile": rng.integers(1, 9, n),
        }
    )
    return spells, risk


def _published_fairness() -> tuple[pd.DataFrame, pd.DataFrame]:
    """``fairness.csv`` as the pipeline writes it, and the spells it was made from."""
    spells, risk = _authority()
    table = fairness_table(spells, risk, 365, metrics=None, bootstrap=0)
    return disclose_metric_counts(table, DEFAULT_RULES), spells


#: The groups the simulated authority has no child in, by attribute.
ABSENT = {"sex": {"U"}, "deprivation": {"Q5 (least deprived)"}, "ethnicity": {"Mixed", "Other"}}


def _no_count_by_subtraction(table: pd.DataFrame, keys: list[str], truth: pd.DataFrame) -> None:
    """Assert that the empty group's 0 cannot be read off by subtraction.

    The groups of an attribute add up to the test set, whose size is published: the
    hidden groups' total is the test set's less the shown sizes. With the empty group
    hidden alone that total would be its size, 0; so a second group is hidden with it,
    and where one group alone is empty, the hidden total is that of a group with
    children (at least the threshold: not itself a small count).
    """
    for key, part in table.groupby(keys):
        attribute = key[keys.index("attribute")]
        hidden = set(part.loc[pd.to_numeric(part["n"], errors="coerce").isna(), "group"])
        if hidden:
            assert len(hidden) >= 2, (key, hidden)
        sizes = truth[attribute].astype(str).value_counts()
        empty = {g for g in hidden if int(sizes.get(g, 0)) == 0}
        if len(empty) == 1:
            assert sum(int(sizes.get(g, 0)) for g in hidden) >= THRESHOLD, key


def test_fairness_groups_list_every_group_the_attribute_defines() -> None:
    spells, _ = _authority(40)
    groups = fairness_groups(spells)
    assert list(groups["sex"].cat.categories) == ["F", "M", "U"]
    assert list(groups["ethnicity"].cat.categories) == [
        "White", "Mixed", "Asian", "Black", "Other", "Not known",
    ]  # fmt: skip
    assert list(groups["deprivation"].cat.categories)[-1] == "Q5 (least deprived)"
    # The labels are unchanged.
    assert set(groups["sex"].astype(str)) == {"F", "M"}


def test_fairness_csv_lists_an_absent_group_suppressed_with_no_number() -> None:
    published, spells = _published_fairness()
    for attribute, absent in ABSENT.items():
        rows = published[published["attribute"] == attribute]
        listed = set(rows["group"])
        assert absent <= listed, (attribute, listed)
        empty = rows[rows["group"].isin(absent)]
        # every metric the other groups have, each suppressed with no number
        assert set(empty["metric"]) == set(rows["metric"])
        assert empty["suppressed"].all()
        assert empty["n"].isna().all()
        assert pd.to_numeric(empty["estimate"], errors="coerce").isna().all()
        assert pd.to_numeric(empty["conf_low"], errors="coerce").isna().all()
    _no_count_by_subtraction(published, ["model", "attribute", "metric"], fairness_groups(spells))


def test_subgroup_metrics_of_some_spells_keep_the_groups_of_all() -> None:
    """As the validation scores a model's spells with a prediction (``groups[usable]``)."""
    spells, risk = _authority()
    groups = fairness_groups(spells)
    keep = np.arange(len(spells)) % 3 > 0
    table = subgroup_metrics(
        spells["duration"][keep].to_numpy(), spells["event"][keep].to_numpy(), risk[keep],
        groups[keep].reset_index(drop=True), 365, model="m",
    )  # fmt: skip
    sex = table[table["attribute"] == "sex"]
    assert set(sex["group"]) == {"F", "M", "U"}
    assert sex.loc[sex["group"] == "U", "suppressed"].all()


def test_the_model_card_never_compares_an_absent_group() -> None:
    published, _ = _published_fairness()
    metrics = pd.DataFrame(
        {"model": "model", "metric": ["auc"], "estimate": [0.7], "conf_low": [0.6],
         "conf_high": [0.8]}
    )  # fmt: skip
    card = model_card("model", metrics, published, description="d", facts={})
    assert not set(card.subgroups["group"]) & set().union(*ABSENT.values())
    assert any("suppressed as too small" in limit for limit in card.limits)


def _policy() -> tuple[pd.DataFrame, pd.DataFrame, object]:
    """``policy_groups.csv`` of a rule flagging the riskiest 30% (no child of sex "U")."""
    frame = small_spells()
    assert "U" not in set(frame["sex"])
    risk = frame["risk"].to_numpy(dtype=float)
    flags = (risk >= np.quantile(risk, 0.7)).astype(float)
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    fit = estimate_policy_values(scores, {"top": flags})
    return flagged_by_group(fit, frame, horizon=365, rules=["top"]), frame, fit


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_policy_groups_list_an_absent_group_suppressed() -> None:
    table, frame, _ = _policy()
    sex = table[table["attribute"] == "sex"]
    assert set(sex["group"]) == {"F", "M", "U"}
    unknown = sex[sex["group"] == "U"]
    assert set(unknown["metric"]) == {"flagged", "recall"}
    assert unknown["suppressed"].all() and unknown["n"].isna().all()
    assert unknown[["estimate", "std_error", "conf_low", "conf_high"]].isna().all().all()
    # The age bands too: no child of the simulated authority is unborn or 16-17.
    ages = set(table.loc[table["attribute"] == "age", "group"])
    assert {"unborn", "16-17"} <= ages
    _no_count_by_subtraction(table, ["rule", "attribute", "metric"], policy_groups(frame))


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_an_absent_group_is_not_compared_in_the_disparities_or_criteria() -> None:
    table, frame, fit = _policy()
    gaps = disparities(fit, frame, table, horizon=365)
    assert "U" not in set(gaps["higher"]) | set(gaps["lower"])
    assert "unborn" not in set(gaps["higher"]) | set(gaps["lower"])
    # Sex has one group shown (U empty, the smaller of F and M withheld beside it):
    # no gap, and the criterion names sex as not compared.
    assert "sex" not in set(gaps["attribute"])
    row = judge_criteria(
        pd.DataFrame(columns=["rule", "horizon", "estimand", "estimate", "conf_low",
                              "conf_high"]),
        gaps, CriteriaSpec(max_disparity=0.5), rule="top", horizon=365,
        attributes=list(dict.fromkeys(table["attribute"])),
    ).iloc[0]  # fmt: skip
    assert "sex" in row["not_compared"].split(", ")
    assert "U" not in row["groups"]
    assert row["verdict"] == "inconclusive"


def test_two_empty_groups_take_a_group_with_children_with_them() -> None:
    """No child is Mixed or Other: hidden alone, the two sizes would add up to 0.

    The hidden groups' total is the test set's less the shown sizes; it must stand for
    at least the threshold of children (counted here from the spells, not the table).
    """
    published, spells = _published_fairness()
    sizes = fairness_groups(spells)["ethnicity"].astype(str).value_counts()
    for _, part in published[published["attribute"] == "ethnicity"].groupby(["metric"]):
        hidden = set(part.loc[part["n"].isna(), "group"])
        assert sum(int(sizes.get(g, 0)) for g in hidden) >= THRESHOLD, hidden


@pytest.mark.slow
def test_the_study_publishes_an_absent_sex_suppressed_and_never_compares_it(
    tmp_path: Path,
) -> None:
    """The pipeline's ``fairness.csv``, ``policy_groups.csv``, ``policy_disparities.csv``,
    ``policy_criteria.csv`` and brief on a simulated authority with no child of sex "U"."""
    import escalation.pipeline as pipeline
    from escalation import StatisticalWarning, default_design, simulate_local_authority

    history = simulate_local_authority(3000, seed=5).history
    children = history.children.assign(sex=history.children["sex"].astype(str).replace("U", "F"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        outputs = pipeline.run_study(
            dataclasses.replace(history, children=children), default_design(),
            out=tmp_path / "out", progress=False, background_figures=False,
            stages=("prediction", "fairness", "policy", "brief"),
        )  # fmt: skip
    results = tmp_path / "out" / "results"
    fairness = pd.read_csv(results / "fairness.csv")
    groups = pd.read_csv(results / "policy_groups.csv")
    for table in (fairness, groups):
        unknown = table[(table["attribute"] == "sex") & (table["group"] == "U")]
        assert len(unknown) and unknown["suppressed"].all() and unknown["n"].isna().all()
        assert unknown["estimate"].isna().all()
        # a second sex is withheld beside it (the groups add up to the published total)
        sex = table[table["attribute"] == "sex"]
        keys = ["model", "metric"] if "model" in table else ["rule", "metric"]
        for _, part in sex.groupby(keys):
            assert part["n"].isna().sum() >= 2
    gaps = pd.read_csv(results / "policy_disparities.csv")
    assert "U" not in set(gaps["higher"].astype(str)) | set(gaps["lower"].astype(str))
    criteria = pd.read_csv(results / "policy_criteria.csv").set_index("criterion")
    # F and M are compared (the one withheld beside U is not small: session 28), U is
    # named as left out, and the verdict alone is published
    assert "sex" not in str(criteria.loc["max_disparity", "not_compared"]).split(", ")
    assert "sex: U" in criteria.loc["max_disparity", "note"]
    assert bool(criteria.loc["max_disparity", "withheld"])
    brief = Path(outputs.brief).read_text(encoding="utf-8")
    assert "Sex: U" not in brief and "sex (U vs" not in brief


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_policy_groups_two_empty_age_bands_take_a_band_with_children() -> None:
    """No child is unborn or 16-17 (the 88 aged 16-17 made 15): hidden alone, the two
    bands' sizes add up to 0, the cohort less the shown bands.

    Counted from the spells: in every rule, attribute and metric with a group shown, the
    hidden groups' children add up to at least the threshold.
    """
    frame = small_spells()
    frame["age"] = frame["age"].clip(upper=15.0)
    risk = frame["risk"].to_numpy(dtype=float)
    flags = (risk >= np.quantile(risk, 0.7)).astype(float)
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    fit = estimate_policy_values(scores, {"top": flags})
    table = flagged_by_group(fit, frame, horizon=365, rules=["top"])
    groups = policy_groups(frame)
    assert set(groups["age"].astype(str)) == {"0-4", "5-10", "11-15"}
    for (_, attribute, _), part in table.groupby(["rule", "attribute", "metric"]):
        hidden = part.loc[part["n"].isna(), "group"]
        if len(hidden) and len(hidden) < len(part):
            sizes = groups[attribute].astype(str).value_counts()
            total = sum(int(sizes.get(g, 0)) for g in hidden)
            assert total >= THRESHOLD, (attribute, set(hidden))
