"""one_blas_thread (run_study, the policy study) limits every BLAS to one thread, SciPy's own
included (loaded lazily)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter (SciPy's BLAS not loaded yet), what the BLAS libraries report
# from inside the study's one-thread limit, after the study's first least-squares fit
# has loaded scipy.linalg.
_PROBE = """
import json
from threadpoolctl import threadpool_info
from escalation.compute import one_blas_thread

def inside():
    import scipy.linalg  # first loaded here, as the causal forest's outcome model does
    return [[p["filepath"], p["num_threads"]] for p in threadpool_info() if p["user_api"] == "blas"]

print(json.dumps(one_blas_thread(inside)()))
"""


def test_report_pipeline_blas_limit_covers_scipys_lazily_loaded_blas() -> None:
    # Two threads by default, whatever the machine's cores, so that a library the limit
    # missed shows 2.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "2"}
    env.pop("OMP_NUM_THREADS", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    libraries = json.loads(done.stdout.strip().splitlines()[-1])
    assert libraries, "no BLAS library reported"
    assert {threads for _, threads in libraries} == {1}, libraries
