"""Describe the cohort: the exclusion flow and counts after disclosure control.

Run: `.venv/bin/python analyses/01_describe_cohort.py [--design design.toml] [--out figures]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main

STAGES = ("describe",)

if __name__ == "__main__":
    sys.exit(main(STAGES, __doc__ or ""))
