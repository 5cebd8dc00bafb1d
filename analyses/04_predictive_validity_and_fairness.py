"""Would a risk tool help? Temporal validation, calibration, decision curve, fairness.

Run: `.venv/bin/python analyses/04_predictive_validity_and_fairness.py [--design FILE]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main

STAGES = (
    "prediction",
    "fairness",
)

if __name__ == "__main__":
    sys.exit(main(STAGES, __doc__ or ""))
