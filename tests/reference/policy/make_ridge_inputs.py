"""Write ridge_data.csv: spells for the policy stage's ridge-Cox fallback check (ridge.R).

300 spells, seed 11: two correlated continuous covariates and a flag; escalation (code 1)
and a rare competing event (code 2) with exponential times, censored at 730 days.
Run: python tests/reference/policy/make_ridge_inputs.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(11)
n = 300
x1 = rng.normal(size=n)
x2 = 0.6 * x1 + 0.8 * rng.normal(size=n)
flag = (rng.random(n) < 0.3).astype(int)
escalation = rng.exponential(500 * np.exp(-(0.5 * x1 - 0.3 * x2 + 0.7 * flag)))
death = rng.exponential(20_000, n)
censor = rng.uniform(200, 730, n)
duration = np.minimum.reduce([escalation, death, censor])
event = np.where(duration == escalation, 1, np.where(duration == death, 2, 0))
frame = pd.DataFrame(
    {"x1": x1.round(6), "x2": x2.round(6), "flag": flag, "duration": duration.round(4),
     "event": event}
)  # fmt: skip
frame.to_csv(Path(__file__).with_name("ridge_data.csv"), index=False)
