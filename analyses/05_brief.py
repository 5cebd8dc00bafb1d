"""The whole study and the policy brief (brief.html).

Run: `.venv/bin/python analyses/05_brief.py [--design design.toml] [--out figures]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import main

from escalation.pipeline import STAGES

if __name__ == "__main__":
    sys.exit(main(STAGES, __doc__ or ""))
