"""A weighted Table 1 SMD counts only the non-zero weights in n/(n-1), as survey::svyvar.

Found by the review of Table 1 (session 26, finding 4). ``_wmean_var`` scaled the weighted
variance by n/(n-1) with n every row, weight 0 included, where ``survey::svyvar`` (whose
variances ``tableone::svyCreateTableOne`` prints) counts the non-zero weights: the SMD
after weighting was 0.2302 for 0.2154, and changed when rows of weight 0 were dropped.

Reference: tests/reference/causal/svyvar_zero_weights.R (R 4.2.2) writes survey's formula
out (survey is not installed) on svyvar_zero_weights_data.csv, frozen in
svyvar_zero_weights_reference.csv.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal.tableone import smd_numeric, table_one

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "causal"
DATA = pd.read_csv(REFERENCE / "svyvar_zero_weights_data.csv")
R = pd.read_csv(REFERENCE / "svyvar_zero_weights_reference.csv").set_index("quantity")["value"]


def test_causal_table_one_weighted_smd_with_zero_weights_is_survey_svyvars() -> None:
    t1 = table_one(DATA, variables=["age"], weights="w")
    assert t1.smd["smd_weighted"].iloc[0] == pytest.approx(R["smd_weighted"], rel=1e-12)


def test_causal_table_one_rows_of_weight_zero_change_no_weighted_smd() -> None:
    kept = DATA[DATA["w"] > 0]
    every = table_one(DATA, variables=["age"], weights="w").smd["smd_weighted"].iloc[0]
    fewer = table_one(kept, variables=["age"], weights="w").smd["smd_weighted"].iloc[0]
    assert every == pytest.approx(fewer, rel=1e-12)


def test_causal_smd_numeric_with_one_non_zero_weight_in_an_arm_is_not_defined() -> None:
    # one value of non-zero weight has no variance (svyvar: n - 1 = 0), whatever its rows
    x1, w1 = np.array([3.0, 5.0, 8.0]), np.array([1.0, 0.0, 0.0])
    x0, w0 = np.array([4.0, 6.0, 7.0]), np.array([1.0, 1.0, 1.0])
    assert np.isnan(smd_numeric(x1, x0, w1, w0))
