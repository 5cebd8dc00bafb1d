"""Write predictions.csv (seeded) and sksurv_reference.json for the metric references.

Run from the repository root:  .venv/bin/python tests/reference/predict/make_predict_inputs.py
then                            Rscript tests/reference/predict/predict.R

predictions.csv has one row per spell: ``time`` (continuous days, no ties), ``days``
(whole days: many ties), ``event`` (0 censored, 1 escalation, 2 death) and ``risk``, a
predicted risk of escalation by day 365 (a deliberately imperfect model: the true linear
predictor plus noise, through a logistic link).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from sksurv.metrics import (
    brier_score,
    concordance_index_censored,
    concordance_index_ipcw,
    cumulative_dynamic_auc,
    integrated_brier_score,
)
from sksurv.util import Surv

HERE = Path(__file__).resolve().parent
HORIZON = 365.0
TIMES = [120.0, 240.0, 365.0]


def main() -> None:
    rng = np.random.default_rng(20260101)
    n = 600
    x = rng.normal(size=n)
    escalation = rng.exponential(900, n) * np.exp(-0.8 * x)
    death = rng.exponential(9000, n)
    censor = rng.uniform(60, 1200, n)
    time = np.minimum.reduce([escalation, death, censor])
    event = np.select([time == escalation, time == death], [1, 2], 0)
    time = np.round(time, 4)
    days = np.ceil(time)
    noisy = -2.0 + 0.8 * (x + rng.normal(0, 0.6, n))
    risk = np.round(1 / (1 + np.exp(-noisy)), 6)
    frame = pd.DataFrame({"time": time, "days": days, "event": event, "risk": risk})
    for k, t in enumerate(TIMES):  # risk curves for the integrated Brier score
        frame[f"risk_{k}"] = np.round(risk * (t / HORIZON) ** 0.9, 6)
    frame.to_csv(HERE / "predictions.csv", index=False)
    assert frame["time"].is_unique

    y = Surv.from_arrays(frame["event"].to_numpy() == 1, frame["time"].to_numpy())
    curves = frame[[f"risk_{k}" for k in range(len(TIMES))]].to_numpy()
    reference = {
        "horizon": HORIZON,
        "times": TIMES,
        "harrell_c": concordance_index_censored(y["event"], y["time"], risk)[0],
        "uno_c": concordance_index_ipcw(y, y, risk, tau=HORIZON)[0],
        "auc": cumulative_dynamic_auc(y, y, risk, [HORIZON])[0][0],
        "brier": brier_score(y, y, 1 - risk, [HORIZON])[1][0],
        "integrated_brier": integrated_brier_score(y, y, 1 - curves, TIMES),
    }
    text = json.dumps(
        {k: float(v) if np.isscalar(v) else v for k, v in reference.items()}, indent=2
    )
    (HERE / "sksurv_reference.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
