"""Hazards of escalation: Cox hazard ratios, Schoenfeld residuals, state occupation.

Run: `.venv/bin/python analyses/02_hazards.py [--design design.toml] [--out figures]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main

STAGES = ("survival",)

if __name__ == "__main__":
    sys.exit(main(STAGES, __doc__ or ""))
