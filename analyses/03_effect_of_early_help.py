"""Effect of early help: adjusted curves, risk differences, balance, overlap, subgroups.

Run: `.venv/bin/python analyses/03_effect_of_early_help.py [--design design.toml] [--out figures]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main

STAGES = (
    "effects",
    "heterogeneity",
)

if __name__ == "__main__":
    sys.exit(main(STAGES, __doc__ or ""))
