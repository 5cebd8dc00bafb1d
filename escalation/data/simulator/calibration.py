"""Calibration of a case history against England's base rates (DfE statistics)."""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from escalation.data.history import CaseHistory

__all__ = ["TARGETS", "calibration_report"]

#: measure -> (target, low, high, source). Tolerances are what the simulator promises.
TARGETS: Final = {
    "assessment_days_median": (33.0, 29.0, 37.0, "DfE CIN census: median 33 days"),
    "assessment_days_q1": (17.0, 13.0, 21.0, "DfE: IQR 17-43 days"),
    "assessment_days_q3": (43.0, 39.0, 47.0, "DfE: IQR 17-43 days"),
    "rereferral_12m": (0.22, 0.17, 0.27, "DfE: ~22% of referrals within 12 months of one"),
    "source_police": (0.29, 0.24, 0.34, "DfE: police ~29% of referrals"),
    "source_schools": (0.19, 0.15, 0.24, "DfE: schools ~19-20%"),
    "cp_neglect": (0.50, 0.44, 0.56, "DfE: about half of CP plans neglect"),
    "cp_emotional": (0.33, 0.28, 0.40, "DfE: a third emotional abuse"),
    "cp_physical": (0.08, 0.05, 0.11, "DfE: ~8% physical abuse"),
    "cp_sexual": (0.035, 0.02, 0.05, "DfE: ~3-4% sexual abuse"),
    "cp_multiple": (0.04, 0.025, 0.06, "DfE: ~4% multiple"),
    "cp_up_to_3_months": (0.16, 0.12, 0.21, "DfE: ~16% of ended plans lasted <= 3 months"),
    "cp_6_to_12_months": (0.43, 0.37, 0.49, "DfE: ~43% lasted 6-12 months"),
    "s47_per_cp_plan": (3.7, 2.8, 4.6, "DfE: ~200-230k s47 enquiries, ~52-62k plans a year"),
    "icpc_per_cp_plan": (1.3, 1.1, 1.5, "DfE: ~72-77k conferences, ~52-62k plans a year"),
    "looked_after_per_cp_plan": (0.6, 0.4, 0.8, "DfE: ~33k start care, ~52-62k plans a year"),
    "disability": (0.07, 0.05, 0.10, "CIN census: ~5-10% of children with a disability"),
    "referrals_unborn": (
        0.02,
        0.01,
        0.035,
        "DfE: ~2% of referrals are of children of unknown sex or unborn (2015-16)",
    ),
    "male": (0.52, 0.49, 0.55, "CIN census: slightly more boys"),
    "white_british": (0.64, 0.60, 0.68, "CIN census ethnicity"),
}


def calibration_report(history: CaseHistory) -> pd.DataFrame:
    """Measure a case history against the base rates of :data:`TARGETS`.

    Parameters
    ----------
    history : CaseHistory
        A history in normal form (for instance a simulated one).

    Returns
    -------
    pandas.DataFrame
        One row per measure: ``measure, target, low, high, achieved, within, source``.

    Examples
    --------
    >>> from escalation.data.simulator import simulate_local_authority
    >>> from escalation.data.simulator.calibration import calibration_report
    >>> report = calibration_report(simulate_local_authority(5_000, seed=1).history)
    >>> bool(report.loc[report["measure"] == "assessment_days_median", "within"].item())
    True
    """
    eps = history.episodes
    kind = eps["kind"].astype("string")
    achieved: dict[str, float] = {}
    ass = eps[(kind == "assessment") & eps["end"].notna()]
    days = (ass["end"] - ass["start"]).dt.days.to_numpy(np.float64)
    q1, med, q3 = np.quantile(days, [0.25, 0.5, 0.75]) if len(days) else (np.nan,) * 3
    achieved["assessment_days_median"] = float(med)
    achieved["assessment_days_q1"] = float(q1)
    achieved["assessment_days_q3"] = float(q3)
    ref = eps[kind == "referral"].sort_values(["child_id", "start"], kind="stable")
    same = ref["child_id"].to_numpy() == np.r_[None, ref["child_id"].to_numpy()[:-1]]
    gap = (ref["start"] - ref["start"].shift(1)).dt.days
    achieved["rereferral_12m"] = float(np.mean(same & (gap.to_numpy() <= 365)))
    source = ref["source"].astype("string")
    achieved["source_police"] = float((source == "6").mean())
    achieved["source_schools"] = float((source == "2A").mean())
    cp = eps[kind == "cp_plan"]
    cat = cp["category"].astype("string")
    for name, code in (
        ("cp_neglect", "NEG"),
        ("cp_emotional", "EMO"),
        ("cp_physical", "PHY"),
        ("cp_sexual", "SAB"),
        ("cp_multiple", "MUL"),
    ):
        achieved[name] = float((cat == code).mean())
    ended = cp[cp["end"].notna()]
    length = (ended["end"] - ended["start"]).dt.days.to_numpy(np.float64)
    achieved["cp_up_to_3_months"] = float(np.mean(length <= 91))
    achieved["cp_6_to_12_months"] = float(np.mean((length > 182) & (length <= 365)))
    n_cp = max(len(cp), 1)
    achieved["s47_per_cp_plan"] = float((kind == "s47").sum() / n_cp)
    achieved["icpc_per_cp_plan"] = float((kind == "icpc").sum() / n_cp)
    achieved["looked_after_per_cp_plan"] = float((kind == "looked_after").sum() / n_cp)
    kids = history.children
    birth = ref["child_id"].map(kids.set_index("child_id")["birth_date"])
    achieved["referrals_unborn"] = float((ref["start"] < birth).mean())
    achieved["disability"] = float(kids["disability"].astype("float64").mean())
    achieved["male"] = float((kids["sex"].astype("string") == "M").mean())
    achieved["white_british"] = float((kids["ethnicity"].astype("string") == "WBRI").mean())
    rows = []
    for measure, (target, low, high, source_text) in TARGETS.items():
        value = achieved[measure]
        rows.append(
            {
                "measure": measure,
                "target": target,
                "low": low,
                "high": high,
                "achieved": value,
                "within": bool(low <= value <= high),
                "source": source_text,
            }
        )
    return pd.DataFrame(rows)
