"""Write estimates.csv: a frozen set of simulation-study estimates (seeded, numpy only).

Two methods × 2 scenarios × 250 replications of an estimate, its standard error, a Wald
95% interval and p-value, with one truth per scenario. One method is biased and its model SE
too small, so every measure is away from its ideal value. Run from the repository root:

    python tests/reference/simstudy/make_estimates.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(20190101)
    rows = []
    for scenario, truth in (("s1", -0.1), ("s2", 0.0)):
        for method, bias, se_scale in (("good", 0.0, 1.0), ("biased", 0.02, 0.8)):
            n = 250
            sd = 0.03
            estimate = truth + bias + sd * rng.standard_normal(n)
            std_error = se_scale * sd * np.exp(0.15 * rng.standard_normal(n))
            z = stats.norm.ppf(0.975)
            p = 2 * stats.norm.sf(np.abs(estimate) / std_error)
            for i in range(n):
                rows.append(
                    {
                        "scenario_id": scenario,
                        "estimator": method,
                        "replication": i,
                        "estimate": estimate[i],
                        "std_error": std_error[i],
                        "conf_low": estimate[i] - z * std_error[i],
                        "conf_high": estimate[i] + z * std_error[i],
                        "p_value": p[i],
                        "truth": truth,
                    }
                )
    pd.DataFrame(rows).to_csv(HERE / "estimates.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
