"""Harrell's C and the Cox risk model read times equal up to rounding as one time, as R does.

Was (session 27's note, left open): the risk-tool metrics and models took follow-up times
as given, so weeks computed as ``days / 7`` and ``days * (1 / 7)`` (equal in exact
arithmetic, one unit in the last place apart for many days) were different times: two
escalations in the same week were compared as a pair, a censoring "just before" an
escalation of the same week was not compared with it, and the Efron ties of the Cox
risk model were split. R's ``concordance`` and ``coxph`` merge such near-ties first
(``timefix = TRUE``), as the package's other estimators do
(:func:`escalation.core.timefix.near_ties_merged`).

Reference: ``tests/reference/predict/concordance.R`` (R 4.2.2, survival 3.5.3) and its
frozen output ``concordance_r.csv``: ``concordance(Surv(weeks, event == 1) ~ risk,
reverse = TRUE, timewt = "n")``, whose C is (concordant + tied.x / 2) / (concordant +
discordant + tied.x) (ties in risk count 1/2; pairs tied on time, both escalating, are
not compared; deaths censored), and ``coxph(..., ties = "efron")`` coefficients.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.predict import metrics
from escalation.predict.models import risk_model

HERE = Path(__file__).resolve().parents[1] / "reference" / "predict"


def _data() -> tuple[pd.DataFrame, np.ndarray, dict[tuple[str, str], float]]:
    data = pd.read_csv(HERE / "concordance_data.csv")
    days = data["days"].to_numpy(dtype=float)
    weeks = np.where(data["form"] == 0, days / 7, days * (1 / 7))
    r = pd.read_csv(HERE / "concordance_r.csv")
    ref = {(s, q): float(v) for s, q, v in r[["scale", "quantity", "value"]].itertuples(False)}
    return data, weeks, ref


def test_the_reference_has_near_ties() -> None:
    data, weeks, ref = _data()
    near = int((weeks != data["days"].to_numpy(dtype=float) / 7).sum())
    assert near == ref[("weeks", "near_ties")] == 52


@pytest.mark.parametrize("scale", ["weeks", "days"])
def test_harrell_c_counts_the_pairs_as_r_concordance(scale: str) -> None:
    data, weeks, ref = _data()
    time = weeks if scale == "weeks" else data["days"].to_numpy(dtype=float)
    # R's C from its pair counts, by hand: ties in risk count 1/2.
    agree, disagree, tied = (ref[(scale, k)] for k in ("concordant", "discordant", "tied.x"))
    by_hand = (agree + tied / 2) / (agree + disagree + tied)
    assert by_hand == pytest.approx(ref[(scale, "concordance")], abs=1e-14)
    c = metrics.harrell_c(time, data["event"].to_numpy(), data["risk"].to_numpy())
    assert c == pytest.approx(by_hand, abs=1e-12)


def test_the_cox_risk_model_merges_near_tied_times_as_coxph() -> None:
    data, weeks, ref = _data()
    x = data[["x1", "x2"]].astype(float)
    fitted = risk_model("cox").fit(x, weeks, data["event"].to_numpy())
    expected = [ref[("weeks", "coef_x1")], ref[("weeks", "coef_x2")]]
    assert fitted.coefficients.to_numpy() == pytest.approx(expected, abs=1e-8)
    # The partial likelihood reads only the times' order: weeks and days are one fit.
    on_days = risk_model("cox").fit(x, data["days"].to_numpy(dtype=float), data["event"])
    np.testing.assert_allclose(on_days.coefficients, fitted.coefficients, rtol=0, atol=1e-10)
