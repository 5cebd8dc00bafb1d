"""SMDs that are infinite or not defined are never 0 ("perfect balance").

Reference: tests/reference/causal/smd_edge.R (R 4.2.2, MASS) writes R's ``tableone`` SMD
functions out (``StdDiff`` and ``StdDiffMulti``/``StdDiffFromLstMeans`` of its
``modules-smd.R``; tableone itself is not installed) and runs them on the cases of
smd_edge_data.csv, frozen in smd_edge_reference.csv: arms constant at different values
give ``Inf`` (numeric) or NaN (yes/no and categorical: ``S`` all zeros), an arm of one
child or with no value recorded NaN, as the review's p15_ref.R computed by hand. Before,
Table 1, ``smd_categorical`` and ``balance_table`` printed 0.000 for every one of them.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from escalation.causal.assumptions import _balance
from escalation.causal.balance import balance_table
from escalation.causal.tableone import smd_numeric, table_one
from escalation.core.smd import smd_categorical
from escalation.figures import plot_love
from escalation.report.table_one import disclosed_table_one, table_one_latex

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "causal"
DATA = pd.read_csv(REFERENCE / "smd_edge_data.csv")
R = pd.read_csv(REFERENCE / "smd_edge_reference.csv").set_index("case")["smd"]
#: The column each kind of case is described as (a number, a yes/no flag, levels).
COLUMN = {"numeric": "age", "flag": "factor_3A", "levels": "sex"}


def _frame(case: str) -> tuple[pd.DataFrame, str]:
    rows = DATA[DATA["case"] == case]
    kind = str(rows["kind"].iloc[0])
    values = rows["value"]
    if kind == "numeric":
        values = values.astype(float)
    elif kind == "flag":
        values = values.astype(float).astype(int)
    column = COLUMN[kind]
    frame = pd.DataFrame({"treatment": rows["treatment"].to_numpy(), column: values.to_numpy()})
    return frame, column


def _same(ours: float, theirs: float) -> bool:
    if np.isnan(theirs):
        return bool(np.isnan(ours))
    if np.isinf(theirs):
        return ours == theirs
    return ours == pytest.approx(theirs, rel=1e-12)


@pytest.mark.parametrize("case", list(R.index))
def test_causal_table_one_smd_equals_tableones_formulas_where_undefined(case: str) -> None:
    frame, column = _frame(case)
    t1 = table_one(frame, variables=[column], weights=np.ones(len(frame)))
    smd = t1.smd.set_index("variable")
    assert _same(float(smd.loc[column, "smd"]), float(R[case])), (case, smd)
    # equal weights give the unweighted SMD (the weighted formulas, survey-style)
    assert _same(float(smd.loc[column, "smd_weighted"]), float(R[case])), (case, smd)


def test_causal_table_one_prints_an_infinite_or_undefined_smd_in_words() -> None:
    separated, _ = _frame("separated_numeric")
    one_child, _ = _frame("one_child_numeric")
    flag, _ = _frame("separated_flag")
    # both arms of 50, treated first: one frame
    frame = pd.concat([separated, flag.drop(columns="treatment")], axis=1)
    printed = table_one(frame, variables=["age", "factor_3A"]).table()
    assert printed["SMD"].tolist() == ["", "∞", "not defined"]
    assert "0.000" not in printed["SMD"].tolist()
    assert table_one(one_child, variables=["age"]).table()["SMD"].tolist() == ["", "not defined"]
    # disclosed (arms of 50: the means are shown), and in LaTeX as $\infty$
    shown = disclosed_table_one(table_one(frame, variables=["age", "factor_3A"]))
    assert shown.loc[1, "SMD"] == "∞"
    assert r"$\infty$" in table_one_latex(shown)


def test_core_smd_is_not_zero_where_it_is_not_defined() -> None:
    from escalation.core.smd import standardised_difference  # new: the numeric core

    # the pseudo-inverse of an all-zero S is 0: two arms with nothing in common got 0.0
    assert np.isnan(smd_categorical([0, 1], [1, 0]))
    assert np.isnan(smd_categorical([np.nan, np.nan], [0.5, 0.5]))
    assert smd_categorical([0.3, 0.7], [0.5, 0.5]) == pytest.approx(0.2 / np.sqrt(0.23))
    d = standardised_difference([2.0 - 9.0, 1.0, 0.0, 1.0], [0.0, 0.0, 0.0, np.nan], 0.0)
    assert d[0] == -np.inf and d[1] == np.inf and np.isnan(d[2]) and np.isnan(d[3])
    assert smd_numeric([2.0, 2.0], [9.0, 9.0]) == -np.inf
    assert np.isnan(smd_numeric([15.0], [1.0, 2.0, 3.0]))
    assert np.isnan(smd_numeric([], [1.0, 2.0, 3.0]))


def test_causal_balance_table_gives_separated_arms_infinite_smds() -> None:
    # p15: every treated child has factor 3A and IMD decile 2, no untreated child has the
    # flag and all have decile 9; balance_table said 0.0 before and after weighting
    n = 50
    matrix = pd.DataFrame({"factor_3A": [1.0] * n + [0.0] * n, "imd_decile": [2.0] * n + [9.0] * n})
    arm = [1] * n + [0] * n
    table = balance_table(matrix, arm, np.ones(2 * n)).set_index(["covariate", "sample"])
    assert table.loc[("factor_3A", "unweighted"), "smd"] == np.inf
    assert table.loc[("imd_decile", "unweighted"), "smd"] == -np.inf
    assert table.loc[("imd_decile", "weighted"), "smd"] == -np.inf
    # an arm of one child has no variance: the SMD is not defined (it was 0)
    single = balance_table(pd.DataFrame({"x": [1.0, 2, 3, 4, 5]}), [1, 0, 0, 0, 0])
    assert np.isnan(single["smd"].iloc[0])


def test_causal_balance_check_warns_of_infinite_and_undefined_smds() -> None:
    balance = pd.DataFrame(
        {
            "covariate": ["age", "imd_decile", "factor_3A"],
            "sample": ["weighted"] * 3,
            "smd": [0.01, np.nan, 0.02],
        }
    )
    unknown = _balance(SimpleNamespace(balance=balance))  # type: ignore[arg-type]
    assert unknown.status == "warning"
    assert "not defined" in unknown.message and "Deprivation" in unknown.message
    infinite = _balance(SimpleNamespace(balance=balance.fillna(-np.inf)))  # type: ignore[arg-type]
    assert infinite.status == "warning" and "above 0.1" in infinite.message
    fine = _balance(SimpleNamespace(balance=balance.fillna(0.03)))  # type: ignore[arg-type]
    assert fine.status == "ok"


def test_figures_love_plot_draws_an_infinite_smd_and_names_an_undefined_one() -> None:
    balance = pd.DataFrame(
        {
            "covariate": ["age", "age", "imd_decile", "imd_decile", "factor_3A", "factor_3A"],
            "sample": ["unweighted", "weighted"] * 3,
            "smd": [0.3, 0.05, np.nan, np.nan, np.inf, 0.2],
        }
    )
    plot = plot_love(balance)
    scale = plot.scales.get_scales("y")
    names = [n.strip() for n in scale.labels(scale.limits)]
    assert "Deprivation (IMD decile) (SMD not defined)" in names
    flag = plot.data[(plot.data["covariate"] == "factor_3A")]
    before = flag.loc[flag["sample"] == "Before weighting", "x"].iloc[0]
    # drawn at the right edge, past every finite SMD, and marked ∞
    assert np.isfinite(before) and before > 0.3
    marks = [layer.geom.data for layer in plot.layers if type(layer.geom).__name__ == "geom_text"]
    assert any(isinstance(m, pd.DataFrame) and "∞" in set(m.get("label", [])) for m in marks)
    # an SMD not defined ranks first in its domain (its balance is unknown), not last; the
    # scale's limits run from the bottom row up
    top_down = names[::-1]
    assert top_down.index("Deprivation (IMD decile) (SMD not defined)") < top_down.index(
        "Age (years)"
    )
