"""Groups, risk curves and scores given as pandas objects are read by label, never by position.

Was (review of session 26, left open; session 27 findings 1 to 3): ``subgroup_metrics``
read ``groups`` by position, so a table of groups sorted by value gave each group other
children's metrics; ``integrated_brier_score`` read a data frame of risks by row and column
position, so risks in another row order or with their columns (times) in another order were
scored against the wrong children and times; ``learn_rules(fixed_scores=)``,
``operating_counts``, ``top_share(ids=)``, ``RiskModel.fit`` and ``censoring_survival`` read
a Series by position too. Each now follows the one rule of the risks
(:func:`escalation.predict._inputs.by_label`): the spells' labels in another order are put
in order, other labels are refused naming the table and column.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.policy import learn_rules
from escalation.policy.groups import operating_counts
from escalation.policy.rules import top_share
from escalation.predict import metrics
from escalation.predict.fairness import fairness_groups, subgroup_metrics
from escalation.predict.models import risk_model
from tests.predict.test_predict_inputs_checked import _test_spells

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "predict"


def _auc_by_group(table: pd.DataFrame) -> pd.Series:
    rows = table[(table["metric"] == "auc") & (table["attribute"] == "sex")]
    # "U" (no child of these spells) is listed from fairness_groups, with no AUC.
    return rows[~rows["suppressed"]].set_index("group")["estimate"]


def test_groups_sorted_by_value_are_read_by_the_spells_labels() -> None:
    """Each group's AUC is the AUC of that group's own rows, computed apart."""
    spells, risk = _test_spells()  # spells and risks on the labels 1000..1799
    groups = fairness_groups(spells)[["sex"]]
    d, e = spells["duration"], spells["event"]
    by_value = groups.sort_values("sex")  # the same labels, grouped F first, then M
    table = subgroup_metrics(d, e, risk, by_value, 365, model="m", min_n=1, min_events=1)
    for group, auc in _auc_by_group(table).items():
        own = spells["sex"] == group  # the reference: the group's rows, selected by label
        assert auc == metrics.time_dependent_auc(d[own], e[own], risk[own], 365)
    # A Series of groups is one attribute, read by label too.
    series = subgroup_metrics(
        d, e, risk, spells["sex"].sort_values(), 365, model="m", min_n=1, min_events=1
    )
    pd.testing.assert_series_equal(_auc_by_group(series), _auc_by_group(table))


def test_groups_on_other_labels_are_refused_naming_the_table() -> None:
    spells, risk = _test_spells()
    groups = fairness_groups(spells)[["sex"]].reset_index(drop=True)  # labels 0.. for 1000..
    with pytest.raises(DataValidationError, match="does not match the spells' index") as error:
        subgroup_metrics(spells["duration"], spells["event"], risk, groups, 365, model="m")
    (problem,) = error.value.problems
    assert (problem.table, problem.column, problem.row) == ("groups", "groups", 0)


def _reference_curves() -> tuple[pd.DataFrame, dict[str, object]]:
    predictions = pd.read_csv(REFERENCE / "predictions.csv")
    return predictions, json.loads((REFERENCE / "sksurv_reference.json").read_text())


def test_a_frame_of_risk_curves_is_read_by_row_label_and_column_time() -> None:
    """The integrated Brier score of risks at the reference times equals scikit-survival's
    ``integrated_brier_score`` (frozen in sksurv_reference.json), whatever the order of the
    frame's rows and of its columns (named by their times)."""
    predictions, sksurv = _reference_curves()
    times = [float(t) for t in sksurv["times"]]  # type: ignore[attr-defined]
    curves = predictions[[f"risk_{k}" for k in range(len(times))]].set_axis(times, axis=1)
    order = np.random.default_rng(3).permutation(len(curves))
    shuffled = curves.iloc[order, ::-1]  # rows in another order, columns latest time first
    ibs = metrics.integrated_brier_score(
        predictions["time"], predictions["event"], shuffled, times, competing="censor"
    )
    assert ibs == pytest.approx(sksurv["integrated_brier"], abs=1e-10)


@pytest.mark.parametrize(
    ("columns", "named"),
    [(["early", "late"], "early"), ([100, 200], "200"), ([100, 100], "365")],
)
def test_a_frame_of_risks_whose_columns_are_not_the_times_is_refused(
    columns: list[object], named: str
) -> None:
    frame = pd.DataFrame([[0.1, 0.2], [0.3, 0.4], [0.2, 0.3]], columns=columns)
    with pytest.raises(DataValidationError, match="read as the times they hold") as error:
        metrics.integrated_brier_score([50, 150, 400], [1, 0, 0], frame, [100, 365])
    (problem,) = error.value.problems
    assert (problem.table, problem.column) == ("predictions", named)


def test_a_frame_of_risks_on_other_labels_is_refused() -> None:
    duration = pd.Series([50.0, 150.0, 400.0], index=[7, 8, 9])
    frame = pd.DataFrame({100: [0.1, 0.3, 0.2], 365: [0.2, 0.4, 0.3]})  # labels 0, 1, 2
    with pytest.raises(DataValidationError, match="index of risks") as error:
        metrics.integrated_brier_score(duration, [1, 0, 0], frame, [100, 365])
    assert error.value.problems[0].table == "predictions"


def test_fixed_scores_in_a_series_are_read_by_the_spells_labels() -> None:
    """A tool's scores sorted by value flagged other children than the scores' own."""
    rng = np.random.default_rng(5)
    n = 200
    spells = pd.DataFrame(
        {
            "spell_id": np.arange(1, n + 1),
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": np.arange(n) // 2,
            "duration": rng.integers(30, 700, n).astype(float),
            "event": rng.integers(0, 2, n),
            "treatment": rng.integers(0, 2, n),
            "age": rng.uniform(0, 17, n),
        },
        index=np.arange(n) + 300,
    )
    score = pd.Series(rng.normal(size=n), index=spells.index)
    kwargs: dict[str, Any] = {
        "covariates": ["age"], "capacity": 0.1, "horizon": 365, "rules": ("everyone",)
    }  # fmt: skip
    plain = learn_rules(spells, fixed_scores={"tool": score.to_numpy()}, **kwargs)
    by_value = learn_rules(spells, fixed_scores={"tool": score.sort_values()}, **kwargs)
    flagged = plain.flags["top_tool"]
    # the reference: the 20 highest scores, by hand
    assert np.flatnonzero(flagged).tolist() == sorted(np.argsort(-score.to_numpy())[:20])
    assert by_value.flags["top_tool"].tolist() == flagged.tolist()
    other = score.reset_index(drop=True)  # labels 0.. for spells 300..
    with pytest.raises(DataValidationError, match="does not match the spells' index") as error:
        learn_rules(spells, fixed_scores={"tool": other}, **kwargs)
    assert (error.value.problems[0].table, error.value.problems[0].column) == (
        "fixed_scores",
        "tool",
    )


def test_operating_counts_read_series_by_label() -> None:
    flags = pd.Series([1.0, 1.0, 0.0, 0.0, 1.0], index=list("abcde"))
    escalated = pd.Series([True, False, True, False, False], index=list("abcde"))
    # by hand: a flagged and escalated; b, e flagged, not escalated; c missed; d neither
    expected = [1.0, 1.0, 2.0, 1.0]
    assert operating_counts(flags, escalated.sort_values()).tolist() == expected
    member = pd.Series([True, True, True, False, False], index=list("abcde"))
    assert operating_counts(flags, escalated, member.iloc[::-1]).tolist() == [1.0, 1.0, 1.0, 0.0]


def test_top_share_reads_a_series_of_ids_by_the_scores_labels() -> None:
    """Ties are broken by a draw keyed on each row's id: ids in another order moved it."""
    score = pd.Series([0.9, 0.5, 0.5, 0.5, 0.1], index=[10, 11, 12, 13, 14])
    ids = pd.Series([101, 102, 103, 104, 105], index=score.index)
    flags = top_share(score, 0.4, ids=ids.to_numpy())
    assert top_share(score, 0.4, ids=ids.iloc[::-1]).tolist() == flags.tolist()
    with pytest.raises(DataValidationError, match="index of ids"):
        top_share(score, 0.4, ids=ids.reset_index(drop=True))


def test_risk_model_fit_reads_the_outcome_by_the_covariates_labels() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=300)}, index=np.arange(300) + 50)
    t = rng.exponential(400, 300) * np.exp(-0.7 * x["a"].to_numpy()) + 1
    duration = pd.Series(np.ceil(t), index=x.index)
    event = pd.Series(np.where(t < 500, 1, 0), index=x.index)
    plain = risk_model("cox").fit(x, duration.to_numpy(), event.to_numpy())
    sorted_ = risk_model("cox").fit(x, duration.sort_values(), event.sort_values())
    assert sorted_.coefficients.tolist() == pytest.approx(plain.coefficients.tolist())
    assert 0.5 < plain.coefficients["a"] < 0.9  # the simulated log hazard ratio is 0.7
    with pytest.raises(DataValidationError, match="index of duration"):
        risk_model("cox").fit(x, duration.reset_index(drop=True), event)


def test_censoring_survival_reads_the_event_codes_by_label() -> None:
    duration = pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abcd"))
    event = pd.Series([1, 0, 1, 0], index=list("abcd"))
    # by hand, reverse Kaplan-Meier: censored at 2 (3 at risk) and at 4 (1 at risk), so
    # G = 1, 1 - 1/3, 2/3, 0 (read by position, the reversed codes gave 3/4, ...)
    _, survival = metrics.censoring_survival(duration, event.iloc[::-1])
    assert survival.tolist() == pytest.approx([1.0, 2 / 3, 2 / 3, 0.0])
