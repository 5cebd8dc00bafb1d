"""Write meta_input.csv: frozen examples for the metafor reference (run once, then frozen).

Case ``authorities``: ten authorities' risk differences with standard errors and two
authority-level moderators (early-help offer rate and mean deprivation), drawn from a
random-effects model whose mean depends on the offer rate. Case ``homogeneous``: six
estimates with no between-authority variation beyond chance (REML tau^2 at 0). Case
``oscillating`` (appended by hand from a Monte Carlo draw of sixteen simulated authorities'
risk differences): plain Fisher scoring oscillates on it. Cases ``large_scale``
(estimates in hundreds, tau^2 about 3e4) and ``days`` (restricted-mean differences in
days, tau^2 about 270), appended by hand: a between-authority variance far above 1.

Run: ``python tests/reference/federated/make_meta_inputs.py`` from the repository root.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20240331)
k = 10
offer = np.round(rng.uniform(0.25, 0.65, k), 3)
deprivation = np.round(rng.normal(5.0, 1.0, k), 2)
se = np.round(rng.uniform(0.008, 0.03, k), 4)
truth = -0.02 + 0.08 * (offer - 0.45) + rng.normal(0, 0.012, k)
estimate = np.round(truth + rng.normal(0, se), 5)
authorities = pd.DataFrame(
    {
        "case": "authorities",
        "study": [f"LA{i:02d}" for i in range(1, k + 1)],
        "yi": estimate,
        "vi": se**2,
        "early_help_rate": offer,
        "deprivation": deprivation,
    }
)
se_h = np.array([0.05, 0.08, 0.06, 0.1, 0.07, 0.09])
homogeneous = pd.DataFrame(
    {
        "case": "homogeneous",
        "study": [f"LA{i:02d}" for i in range(1, 7)],
        "yi": np.round(-0.2 + np.array([0.2, -0.3, 0.1, 0.0, -0.1, 0.25]) * se_h, 5),
        "vi": se_h**2,
        "early_help_rate": np.nan,
        "deprivation": np.nan,
    }
)
if __name__ == "__main__":
    # The ``oscillating``, ``large_scale`` and ``days`` rows were appended by hand: keep
    # them when regenerating the rest.
    out = Path(__file__).with_name("meta_input.csv")
    kept = pd.read_csv(out).query("case not in ['authorities', 'homogeneous']")
    pd.concat([authorities, homogeneous, kept], ignore_index=True).to_csv(out, index=False)
