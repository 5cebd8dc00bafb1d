"""The Cox model's concordance against R's ``coxph(...)$concordance``.

Was: the concordance of a weighted fit ignored the case weights (R weights each
comparable pair by the product of its rows' weights), and ``glance()``/``summary()``
raised scikit-survival's errors when a stratum had one spell or no comparable pair; the
concordance of a (start, stop] counting-process fit was NaN (R compares each case with the
rows at risk at its time).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.survival import fit_cox

REF = Path(__file__).parents[1] / "reference" / "survival"


def _spells(case: str) -> pd.DataFrame:
    spells = pd.read_csv(REF / "spells.csv")
    if not case.startswith("small"):
        return spells
    # a stratum of one spell (an event) and one whose two spells make no comparable pair
    small = spells.iloc[:3].assign(
        stratum=[3, 4, 4], duration=[5.0, 9.0, 10.0], event=[1, 0, 1], weight=1.0
    )
    return pd.concat([spells, small], ignore_index=True)


@pytest.mark.parametrize(
    "case",
    ["plain", "weights", "strata", "strata_weights", "small_strata", "small_strata_weights"],
)
def test_cox_concordance_matches_coxph(case: str) -> None:
    ref = pd.read_csv(REF / "cox_concordance_reference.csv").set_index("case").loc[case]
    options: dict[str, object] = {"cluster": None, "min_count": 1}
    if "strata" in case:
        options["strata"] = "stratum"
    if "weights" in case:
        options["weights"] = "weight"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the one-spell stratum is warned about
        fit = fit_cox(_spells(case), ["x1", "x2", "x3"], **options)
        concordance = fit.glance()["concordance"].iloc[0]
        assert "oncordance" in fit.summary().as_text()
    np.testing.assert_allclose(concordance, ref["concordance"], rtol=1e-8)


@pytest.mark.parametrize("case", ["counting", "counting_strata_weights"])
def test_counting_process_cox_concordance_matches_coxph(case: str) -> None:
    ref = pd.read_csv(REF / "cox_concordance_reference.csv").set_index("case").loc[case]
    rows = pd.read_csv(REF / "counting.csv")
    options: dict[str, object] = {"cluster": None}
    formula = "Surv(start, stop, event) ~ tv + x1"
    if "strata" in case:
        rows = rows.assign(stratum=rows["id"] % 2, weight=0.5 + (rows["id"] % 3) / 2)
        formula += " + strata(stratum)"
        options["weights"] = "weight"
    fit = fit_cox(rows, formula, **options)
    concordance = fit.glance()["concordance"].iloc[0]
    np.testing.assert_allclose(concordance, ref["concordance"], rtol=1e-8)
    assert f"{concordance:.3f}" in fit.summary().as_text()
