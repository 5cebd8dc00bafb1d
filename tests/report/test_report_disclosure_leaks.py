"""No shared output gives back a count another output withholds (reviewer's findings).

* free text (caveats, notes) quotes no count of what the cohort table withholds;
* Table 1 withholds a second count of a characteristic in an arm when one is suppressed;
* a competing event's separated model names no term in the manifest or workbook either;
* ``prediction_metrics.csv`` marks its blanked values ``suppressed``;
* ``fairness.csv`` suppresses a second group where one of an attribute is suppressed.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from escalation import default_design
from escalation.causal import table_one
from escalation.disclosure import (
    DEFAULT_RULES,
    RANK_METRICS,
    disclose_count,
    disclose_metric_counts,
    disclose_text,
)
from escalation.report.caveats import Caveat, brief_caveats
from escalation.report.table_one import disclosed_table_one, table_one_html, write_table_one

#: The words the run withholds counts of when the cohort table withholds escalations.
ESCALATIONS_WITHHELD = ("escalations", "escalation", "events", "event")


# ------------------------------------------------------------------ 1. free text
def test_text_quotes_no_count_of_what_the_cohort_table_withholds() -> None:
    text = (
        "The outcome model may be unstable: about 465 escalations for 63 model parameters; "
        "The Cox model of cause 2 (12 events); escalations=131; 3,045 spells"
    )
    shown = disclose_text(text, DEFAULT_RULES, withheld=ESCALATIONS_WITHHELD)
    assert "465" not in shown and "131" not in shown
    assert "[not shown] escalations for 63 model parameters" in shown
    assert "(fewer than 10 events)" not in shown and "[not shown] events" in shown
    assert "3,045 spells" in shown  # the spells are published


def test_too_few_events_withholds_the_count_when_the_cohort_does() -> None:
    from escalation.pipeline import _too_few_events

    short = _too_few_events(465, 63, DEFAULT_RULES, withheld=True)
    assert short is not None and not re.search(r"\b46[05]\b", short)
    assert "fewer than the 630 needed" in short
    # Unchanged when the cohort publishes the escalations.
    assert (_too_few_events(465, 63, DEFAULT_RULES) or "").startswith("about 465 escalations")


def test_caveats_in_the_brief_workbook_and_manifest_withhold_the_count() -> None:
    from escalation.pipeline import _workbook_readme

    raised = [
        Caveat(
            "effects",
            "[covariates] include",
            f"The {what} may be unstable: about {n} escalations for 63 model parameters "
            "(fewer than the 630 needed: 10 per parameter, the usual minimum for a stable "
            "Cox model).",
            "use fewer or coarser covariates (merge rare levels).",
        )
        for what, n in (("outcome model", 465), ("risk models", 135))
    ]
    brief = " ".join(brief_caveats(raised, DEFAULT_RULES, withheld=ESCALATIONS_WITHHELD))
    readme = _workbook_readme(
        default_design(), None, DEFAULT_RULES, "abc", caveats=raised, withheld=ESCALATIONS_WITHHELD
    )
    manifest = " ".join(
        c.disclosed(DEFAULT_RULES, withheld=ESCALATIONS_WITHHELD).message for c in raised
    )
    for text in (brief, " ".join(readme.values()), manifest):
        assert "465" not in text and "135" not in text
    assert brief.startswith("2 models rest on fewer than 10 events per model parameter")


def test_a_run_whose_cohort_withholds_escalations_quotes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: a caveat on too few escalations, in the brief and the manifest."""
    import escalation.pipeline as pipeline
    from tests.report.report_support import run_brief

    seen: dict[str, Any] = {}

    def survival(run: Any, data: Any, design: Any) -> None:
        seen["run"] = run
        seen["escalations"] = int((data.spells["event"] == 1).sum())
        pipeline._events_caveat(run, "survival", "The model", seen["escalations"], 63)

    monkeypatch.setattr(pipeline, "_survival", survival)
    html = run_brief(tmp_path / "out", ("describe", "survival"))
    cohort = pd.read_csv(tmp_path / "out" / "results" / "cohort.csv").set_index("measure")
    assert bool(cohort.loc["escalations", "suppressed"])  # 300 children: few deaths
    manifest = (tmp_path / "out" / "manifest.json").read_text(encoding="utf-8")
    rounded = 5 * round(seen["escalations"] / 5)
    for text in (html, manifest):
        assert not re.search(rf"\b{rounded} escalations", text)
        assert "too few escalations (their number is withheld" in text
    assert json.loads(manifest)["caveats"]
    notes = " ".join(json.loads(manifest)["notes"])
    assert "too few escalations (their number is withheld" in notes
    # The analyst's own record (StudyOutputs, the terminal) keeps the disclosed count.
    local = [c.message for c in seen["run"].log.caveats if c.stage == "survival"]
    assert local and "escalations for 63 model parameters" in local[0]


# ------------------------------------------------------------------ 2. Table 1
def _spells() -> pd.DataFrame:
    """Early help: Female 525, Male 525, Unknown 9 (as the reviewer's authority)."""
    sex = ["F"] * 525 + ["M"] * 526 + ["U"] * 9 + ["F"] * 930 + ["M"] * 1035 + ["U"] * 15
    return pd.DataFrame({"treatment": [1] * 1060 + [0] * 1980, "sex": sex})


def test_table_one_withholds_a_second_count_within_each_arm(tmp_path: Path) -> None:
    t1 = table_one(_spells(), variables=["sex"])
    table = disclosed_table_one(t1, DEFAULT_RULES)
    early = table["Early help"].tolist()
    assert early[0] == "1,060"
    assert early.count("<10") == 1 and early.count("[c]") == 1  # Unknown, and one other
    assert "[c]" not in table["No early help"].tolist()  # 15 unknown: nothing to protect
    assert "[c]" in table_one_html(table)  # the brief's Table 1
    written = write_table_one(t1, tmp_path, rules=DEFAULT_RULES)
    assert "[c]" in written[0].read_text(encoding="utf-8")
    assert "[c]" in written[1].read_text(encoding="utf-8")
    with zipfile.ZipFile(written[3]) as docx:
        assert "[c]" in docx.read("word/document.xml").decode("utf-8")


def test_table_one_protects_a_yes_no_row_with_few_without_it() -> None:
    """A flag shown as one row: those with it, n - those without; 5 without is protected."""
    spells = pd.DataFrame({"treatment": [1] * 200, "factor_4A": [1] * 195 + [0] * 5})
    table = disclosed_table_one(table_one(spells, variables=["factor_4A"]), DEFAULT_RULES)
    assert table["Early help"].tolist() == ["200", "[c]"]


# ------------------------------------------------------------------ 3. competing events
def test_shared_caveats_name_no_term_of_a_competing_events_model() -> None:
    from escalation.pipeline import _workbook_readme

    caveat = Caveat(
        "effects",
        "[covariates] include",
        "the Cox model of competing events: the log-likelihood stopped changing while the "
        "coefficient(s) of treatment (-20.7) kept growing, so the likelihood is monotone in "
        "them and their estimates are infinite",
        "remove the covariates named, or merge their rare levels.",
        count=2,
        refits=2,
    )
    shared = caveat.disclosed(DEFAULT_RULES).to_dict()  # the manifest's record
    assert "treatment" not in shared["message"] and "20.7" not in shared["message"]
    assert shared["count"] == 2 and shared["bootstrap_refits"] == 2
    readme = _workbook_readme(default_design(), None, DEFAULT_RULES, "abc", caveats=[caveat])
    assert "treatment (" not in " ".join(readme.values())
    brief = brief_caveats([caveat], DEFAULT_RULES, replicates=20)
    assert "treatment" not in " ".join(brief)


def test_a_count_of_held_out_spells_in_a_warning_is_disclosed() -> None:
    """The held-out level warning of cross-validation and temporal validation ("3
    held-out spell(s) have 1 level(s) ...") reached the manifest's caveats with its count
    exact: "held-out" between the number and "spell(s)" hid it from disclose_text."""
    raised = (
        "covariate 'sex': 3 held-out spell(s) have 1 level(s) that the training spells "
        "(time zero before 2022-03-14) never had"
    )
    assert disclose_text(raised, DEFAULT_RULES).startswith(
        "covariate 'sex': fewer than 10 held-out spell(s) have 1 level(s)"
    )
    assert "1,200 held-out spell(s)" in disclose_text(raised.replace("3 ", "1,200 "), DEFAULT_RULES)


# ------------------------------------------------------------------ 4. risk-tool metrics
def test_prediction_metrics_mark_blanked_values_suppressed() -> None:
    tidy = pd.DataFrame(
        {
            "model": "cox",
            "feature_set": "structured",
            "metric": ["n", "events", "auc", "precision_top10", "recall_top10", "fpr_top10"],
            "estimate": [775.0, 35.0, 0.66, 4 / 78, 4 / 35, 74 / 740],  # TP = 4: unsafe
            "conf_low": [None, None, 0.51, 0.01, 0.02, 0.05],
            "conf_high": [None, None, 0.72, 0.1, 0.2, 0.15],
        }
    )
    shown = disclose_metric_counts(tidy, DEFAULT_RULES).set_index("metric")
    assert "suppressed" in shown.columns
    blank = ["precision_top10", "recall_top10", "fpr_top10"]
    assert shown.loc[blank, "estimate"].isna().all()
    assert shown.loc[blank, "suppressed"].all()
    assert not shown.loc[["n", "events", "auc"], "suppressed"].any()
    few = tidy.assign(estimate=[775.0, 7.0, 0.66, float("nan"), float("nan"), float("nan")])
    assert (
        disclose_metric_counts(few, DEFAULT_RULES).set_index("metric").loc["events", "suppressed"]
    )


def test_table_one_withholds_the_smd_of_a_characteristic_with_a_count_withheld() -> None:
    """An SMD comes from the exact shares of every level in both arms: at three decimals
    beside a suppressed count it narrowed that count (Sex: Female [c], Male 525, Unknown
    <10 and SMD 0.053 put Unknown at 6 to 9). It reads "not shown" where a cell of its
    characteristic is withheld; other characteristics keep theirs."""
    import numpy as np

    from escalation.causal import table_one
    from escalation.report.table_one import disclosed_table_one

    rng = np.random.default_rng(1)
    n = 600
    sex = np.where(rng.random(n) < 0.49, "F", "M")
    sex[:7] = "U"
    spells = pd.DataFrame(
        {"treatment": (rng.random(n) < 0.5).astype(int), "sex": sex,
         "age": rng.integers(0, 17, n), "disability": rng.random(n) < 0.2}
    )  # fmt: skip
    table = disclosed_table_one(table_one(spells, variables=["sex", "age", "disability"]))
    smd = dict(zip(table["Characteristic"], table["SMD"], strict=True))
    assert "<10" in set(table["Early help"]) | set(table["No early help"])
    assert smd["Sex, n (%)"] == "not shown"
    assert smd["Age (years), mean (SD)"] != "not shown" and smd["Disability, n (%)"] != "not shown"


def test_table_one_smd_does_not_narrow_the_rounded_counts_beside_it() -> None:
    """With nothing withheld, the SMD was printed to three decimals from the exact shares
    while the counts beside it were rounded to 5: 98 to 102 women of 200 all print as
    "100 (50.0)" beside 90 of 200 in the other arm, but gave five SMDs (0.080 to 0.120,
    on both sides of 0.1), each naming the exact count. It is now computed from the counts
    as published, as the percentages are: one SMD for every count that prints alike."""
    from escalation.causal import table_one
    from escalation.causal.tableone import smd_categorical
    from escalation.report.table_one import disclosed_table_one

    def printed(women: int, flagged: int) -> pd.DataFrame:
        treated = pd.DataFrame(
            {"treatment": 1, "sex": ["F"] * women + ["M"] * (200 - women),
             "factor_3A": [1] * flagged + [0] * (200 - flagged)}
        )  # fmt: skip
        untreated = pd.DataFrame(
            {"treatment": 0, "sex": ["F"] * 90 + ["M"] * 110, "factor_3A": [1, 0, 0, 0] * 50}
        )
        spells = pd.concat([treated, untreated], ignore_index=True)
        return disclosed_table_one(table_one(spells, variables=["sex", "factor_3A"]))

    tables = [printed(w, f) for w, f in zip(range(98, 103), range(48, 53), strict=True)]
    arms = ["Early help", "No early help"]
    assert all(t[arms].equals(tables[0][arms]) for t in tables)  # the counts print alike
    assert len({tuple(t["SMD"]) for t in tables}) == 1, [list(t["SMD"]) for t in tables]
    smd = dict(zip(tables[0]["Characteristic"], tables[0]["SMD"], strict=True))
    assert smd["Sex, n (%)"] == f"{smd_categorical([0.5, 0.5], [0.55, 0.45]):.3f}"  # as printed


@pytest.mark.parametrize(
    ("missing", "rounding", "printed"),
    [(13, 5, "15"), (12, 5, "10"), (3, 5, "<10"), (0, 5, "0"), (13, 1, "13")],
)
def test_table_one_missing_is_disclosed_as_the_other_counts(
    missing: int, rounding: int, printed: str
) -> None:
    """The Missing column (all arms together) is rounded and suppressed as every count of
    Table 1; none missing reads 0 (the value recorded for every child)."""
    from escalation.disclosure import DisclosureRules

    sex = ["F", "M"] * 100
    sex[:missing] = [None] * missing
    spells = pd.DataFrame({"treatment": [1, 0] * 100, "sex": sex})
    rules = DisclosureRules(threshold=10, rounding=rounding)
    table = disclosed_table_one(table_one(spells, variables=["sex"]), rules)
    assert table["Missing"].tolist()[1] == printed


def test_table_one_complement_is_a_printed_count() -> None:
    """The complement of a suppressed Table 1 count was once the arm's missing count,
    which is not printed, so nothing printed was withheld: with exact counts, F 30 (40.5%),
    M 40 (54.1%) gave the arm's recorded n (74) and Unknown = 74 - 30 - 40 = 4. A printed
    count is now withheld with it."""
    from escalation.causal import table_one
    from escalation.disclosure import DisclosureRules
    from escalation.report.table_one import disclosed_table_one

    def arm(treated: int, f: int, m: int, u: int, missing: int) -> pd.DataFrame:
        sex = ["F"] * f + ["M"] * m + ["U"] * u + [None] * missing
        return pd.DataFrame({"treatment": treated, "sex": sex})

    spells = pd.concat([arm(1, 30, 40, 4, 12), arm(0, 50, 60, 20, 15)], ignore_index=True)
    rules = DisclosureRules(threshold=10, rounding=1)
    table = disclosed_table_one(table_one(spells, variables=["sex"]), rules)
    early = table["Early help"].tolist()[1:]
    assert early.count("<10") == 1 and early.count("[c]") == 1, early


def test_table_one_withholds_no_more_than_a_small_unprinted_count_needs() -> None:
    """An arm's missing below the threshold is not printed; the printed count withheld as
    its complement (the smallest level) is enough: a second printed count was withheld too,
    which hid a count of 30 for nothing."""
    from escalation.causal import table_one
    from escalation.report.table_one import disclosed_table_one

    def arm(treated: int, f: int, m: int, u: int, missing: int) -> pd.DataFrame:
        sex = ["F"] * f + ["M"] * m + ["U"] * u + [None] * missing
        return pd.DataFrame({"treatment": treated, "sex": sex})

    spells = pd.concat([arm(1, 30, 40, 14, 3), arm(0, 50, 60, 20, 4)], ignore_index=True)
    table = disclosed_table_one(table_one(spells, variables=["sex"]))
    for group in ("Early help", "No early help"):
        cells = table[group].tolist()[1:]
        assert cells.count("[c]") == 1 and "<10" not in cells, cells
    assert table["Missing"].tolist()[1] == "<10"


def test_table_one_note_states_the_rules_it_was_disclosed_under(tmp_path: Path) -> None:
    """Under ``[disclosure] threshold = 20, rounding = 10`` the table shows <20 and tens, and
    its note (CSV aside, in every format and the brief) says so, not the default 10 and 5."""
    from escalation.disclosure import DisclosureRules
    from escalation.report.brief import Brief, render_brief

    rules = DisclosureRules(threshold=20, rounding=10)
    t1 = table_one(_spells(), variables=["sex"])
    written = write_table_one(t1, tmp_path, rules=rules)
    with zipfile.ZipFile(written[3]) as docx:
        word = docx.read("word/document.xml").decode("utf-8")
    brief = Brief(
        title="T", question="Q", cohort_text="C", cohort_counts={}, disclosure=rules,
        table_one=table_one_html(disclosed_table_one(t1, rules), footer=False),
    )  # fmt: skip
    texts = {
        "html": written[1].read_text(encoding="utf-8"),
        "tex": written[2].read_text(encoding="utf-8"),
        "docx": word,
        "brief": render_brief(brief, dpi=30),
    }
    for name, text in texts.items():
        assert "nearest 10 and counts below 20 shown as" in text, name
        assert "nearest 5" not in text and "below 10" not in text, name


def test_a_subgroup_effect_needs_ten_with_and_without_an_escalation_in_each_arm() -> None:
    """The whole cohort's effect is shown only with 10 children with and without the event
    by the horizon in each arm (disclose_effects); a subgroup's, the same within its level."""
    from escalation.disclosure import disclose_subgroups, spell_records

    # Level a: 40 children, 10 escalations in each arm; level b: 40 children, 9 and 11.
    spells = pd.DataFrame({
        "treatment": [1] * 20 + [0] * 20 + [1] * 20 + [0] * 20,
        "duration": [100.0] * 80,
        "event": ([1] * 10 + [0] * 10) * 2 + [1] * 9 + [0] * 11 + [1] * 11 + [0] * 9,
    })  # fmt: skip
    levels = pd.DataFrame({"band": ["a"] * 40 + ["b"] * 40})
    table = pd.DataFrame({
        "subgroup": ["all", "band", "band"], "level": ["all", "a", "b"], "n": [80, 40, 40],
        "estimate": [0.0, 0.1, 0.2], "conf_low": [-0.1, 0.0, 0.1], "conf_high": [0.1, 0.2, 0.3],
    })  # fmt: skip
    out = disclose_subgroups(table, levels, spell_records(spells), horizon=365)
    # b is blanked; a too, as b's complement (80 x all = 40 x a + 40 x b would give b).
    assert out["suppressed"].tolist() == [False, True, True]
    assert out.loc[[1, 2], ["estimate", "conf_low", "conf_high"]].isna().all(None)
    assert out["n"].tolist() == [80, 40, 40]  # labels and sizes kept (disclose_table's job)
    # By day 50 nobody has escalated: nothing is shown.
    early = disclose_subgroups(table, levels, spell_records(spells), horizon=50)
    assert early["suppressed"].all()


def test_a_blanked_subgroup_effect_cannot_be_worked_out_from_the_others() -> None:
    """The levels of a subgroup partition the cohort and each estimate is a mean of the same
    scores, so N x all = sum of n x level: one blanked level was given back by the others
    (n_factors = 0 to 0.0002 on 5,000 children). Within a subgroup with one blanked level,
    the smallest other (here c, 60 children, not the 70 of a) is blanked too, with its
    standard error and interval; a subgroup with none blanked is left as it is."""
    from escalation.disclosure import disclose_subgroups, spell_records

    enough = [1] * 10 + [0] * 10  # ten with and ten without an escalation, in each arm
    a = {"treatment": [1] * 20 + [0] * 20 + [1] * 15 + [0] * 15, "event": enough * 2 + [0] * 30}
    b = {"treatment": [1] * 20 + [0] * 20, "event": [1] * 9 + [0] * 11 + enough}
    c = {"treatment": [1] * 20 + [0] * 20 + [1] * 10 + [0] * 10, "event": enough * 2 + [0] * 20}
    spells = pd.DataFrame({
        "treatment": a["treatment"] + b["treatment"] + c["treatment"],
        "event": a["event"] + b["event"] + c["event"],
    }).assign(duration=100.0)  # fmt: skip
    levels = pd.DataFrame({
        "band": ["a"] * 70 + ["b"] * 40 + ["c"] * 60,
        "pair": ["x"] * 70 + ["y"] * 100,  # y = b and c: enough escalations, none blanked
    })  # fmt: skip
    table = pd.DataFrame({
        "subgroup": ["all", "band", "band", "band", "pair", "pair"],
        "level": ["all", "a", "b", "c", "x", "y"],
        "n": [170, 70, 40, 60, 70, 100],
        "estimate": [0.02, 0.01, -0.05, 0.08, 0.01, 0.026],
        "std_error": [0.01, 0.02, 0.03, 0.02, 0.02, 0.015],
    })  # fmt: skip
    table["conf_low"], table["conf_high"] = table["estimate"] - 0.1, table["estimate"] + 0.1
    out = disclose_subgroups(table, levels, spell_records(spells), horizon=365).set_index("level")
    assert out["suppressed"].to_dict() == {
        "all": False, "a": False, "b": True, "c": True, "x": False, "y": False,
    }  # fmt: skip
    stats = ["estimate", "std_error", "conf_low", "conf_high"]
    assert out.loc[["b", "c"], stats].isna().all(None)
    assert out.loc[["all", "a", "x", "y"], stats].notna().all(None)
    # What remains shown gives one equation in two unknowns: 170 x all - 70 x a.
    assert out["n"].tolist() == table["n"].tolist()


def test_the_overlap_figure_gives_back_no_exact_arm_size() -> None:
    """Its bars were exact block counts over the exact arm size (163 and 315 here), which
    Table 1 and the cohort table round; with the run's rules they are disclosed counts over
    the disclosed sizes (165 and 315)."""
    import numpy as np

    from escalation.disclosure import microaggregate
    from escalation.figures import plot_overlap

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "propensity": np.r_[rng.uniform(0.2, 0.8, 163), rng.uniform(0.1, 0.7, 315)],
        "treatment": [1] * 163 + [0] * 315,
        "weight": 1.0,
    })  # fmt: skip
    overlap = microaggregate(
        frame, ["propensity", "weight"], by=["treatment"], order="propensity", rules=DEFAULT_RULES
    )
    bars = plot_overlap(overlap, rules=DEFAULT_RULES).data
    bars = bars[bars["sample"] == "Unweighted"]
    treated = bars.loc[bars["treatment"] == "Early help", "ymax"].to_numpy() * 165
    untreated = -bars.loc[bars["treatment"] == "No early help", "ymin"].to_numpy() * 315
    for counts in (treated, untreated):
        assert np.allclose(counts / 5, np.round(counts / 5), atol=1e-9), counts
    exact = plot_overlap(overlap).data  # without rules: the exact shares, as before
    exact = exact[(exact["sample"] == "Unweighted") & (exact["treatment"] == "Early help")]
    assert np.allclose(exact["ymax"] * 163, np.round(exact["ymax"] * 163))
    assert not np.allclose(treated * 163 / 165, np.round(treated * 163 / 165))


def test_the_age_balance_figure_gives_back_no_exact_arm_size() -> None:
    """Its bars before weighting were exact block counts over the exact arm sizes (63 and
    47 here: 10/63, 13/63, 10/47, 17/47), which every table rounds (to 65 and 45); with
    the run's rules they are disclosed counts over the disclosed sizes, as the overlap's."""
    import numpy as np

    from escalation.disclosure import microaggregate
    from escalation.figures import plot_distribution_balance

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "value": rng.uniform(0, 17, 110).round(1),
        "treatment": [0] * 63 + [1] * 47,
        "weight": rng.uniform(1, 3, 110),
    })  # fmt: skip
    ages = microaggregate(frame, ["value", "weight"], by=["treatment"], order="value")
    data = plot_distribution_balance(ages, covariate="age", rules=DEFAULT_RULES).data
    before = data[data["sample"] == "Before weighting"]
    for arm, exact, shown in (("No early help", 63, 65), ("Early help", 47, 45)):
        shares = before.loc[before["treatment"] == arm, "y"].to_numpy(float)
        children = shares * shown
        assert (shares > 0).sum() >= 4, "the figure draws bars here"
        assert np.allclose(children / 5, np.round(children / 5), atol=1e-9), children
        assert not np.allclose(shares * exact, np.round(shares * exact), atol=1e-9)


# ------------------------------------------------------------------ 5. fairness groups
def _fairness_table() -> tuple[pd.DataFrame, int, int]:
    """Subgroup metrics of a test set where sex "U" (20 children, 5 escalating) is too
    small to show and F, M are not: (fairness.csv as published, test n, test events)."""
    import numpy as np

    from escalation.predict.fairness import subgroup_metrics

    rng = np.random.default_rng(7)
    sex = np.array(["F"] * 1050 + ["M"] * 1195 + ["U"] * 20)
    risk = rng.uniform(0.02, 0.2, len(sex))
    escalated = np.zeros(len(sex), dtype=bool)
    for group, events in (("F", 80), ("M", 105), ("U", 5)):
        escalated[rng.choice(np.flatnonzero(sex == group), events, replace=False)] = True
    duration = np.where(escalated, 100.0, 400.0)
    table = subgroup_metrics(
        duration, escalated, risk, pd.DataFrame({"sex": sex}), 365, model="cox"
    )
    return disclose_metric_counts(table, DEFAULT_RULES), len(sex), int(escalated.sum())


def test_fairness_group_suppressed_alone_cannot_be_worked_out_by_subtraction() -> None:
    """Review (session 23): fairness.csv showed F (1,050 children, 80 escalations) and M
    (1,195, 105) beside a suppressed U; prediction_metrics.csv publishes the test set's
    2,265 and 190, so U was 20 children with 5 escalations by subtraction. Attacked as the
    review did, with the totals as published (rounded to 5)."""
    fairness, n, events = _fairness_table()
    n_all, e_all = disclose_count(n), disclose_count(events)
    rows = fairness[fairness["metric"] == "events"]
    assert rows.loc[rows["group"] == "U", "suppressed"].all()  # too small to show
    for (model, attribute), part in rows.groupby(["model", "attribute"]):
        hidden = part[part["suppressed"].astype(bool)]
        shown = part[~part["suppressed"].astype(bool)]
        if len(hidden) == 1:
            recovered = (n_all - shown["n"].sum(), e_all - shown["estimate"].astype(float).sum())
            pytest.fail(f"{model} {attribute} {hidden['group'].iloc[0]}: {recovered}")
        # The group suppressed as the complement shows no n, escalations or metric made
        # of counts (a rate beside withheld counts would narrow them); only its rank
        # metrics, to 2 decimals (test_report_disclosure_complement_rank.py).
        blank = fairness[fairness["group"].isin(hidden["group"])]
        counted = blank[~blank["metric"].isin(RANK_METRICS)]
        assert blank["n"].isna().all() and counted["estimate"].isna().all()
    assert len(rows) == 3 and int(rows["suppressed"].sum()) == 2
