"""Write the small dataset the R reference (riskregression.R) is computed on.

Run from the repository root: ``.venv/bin/python tests/reference/causal/make_causal_inputs.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    """Simulate 600 spells of the test DGP with continuous times and write ate_data.csv."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    import numpy as np

    from tests.causal.causal_support import simulate

    frame = simulate(600, seed=20261125)
    # Continuous times: riskRegression's AIPCW counts tied censoring times once per tie.
    frame["duration"] = frame["duration"] - np.random.default_rng(7).uniform(0, 1, len(frame))
    columns = ["duration", "event", "treatment", "risk", "factor", "age"]
    frame[columns].round(6).to_csv(Path(__file__).with_name("ate_data.csv"), index=False)


if __name__ == "__main__":
    main()
