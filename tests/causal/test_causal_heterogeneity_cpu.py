"""The causal forest is the same whichever BLAS kernels the CPU runs (a seed reproduces it).

OpenBLAS chooses its kernels for the CPU at run time (``SkylakeX`` where AVX-512 is found,
``Haswell`` where only AVX2 is, ...); ``OPENBLAS_CORETYPE`` forces a choice, so two CPUs can
be imitated on one. Before the nuisance predictions were put on a grid
(:mod:`escalation.causal._on_grid`), the forest of 1,500 simulated children grew other trees
under the ``Haswell`` and ``Nehalem`` kernels and its estimates differed by 0.0017, and the
policy study's cross-fitted benefit rule on them by 0.0016 (the demo's 20,000 children: 3.6
against 3.8 fewer escalations per 1,000 from the rule; ``docs/policy.md``, "Reproducibility").
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import escalation

# The package this test imported (the fail-before recipe imports another copy).
PACKAGE_ROOT = Path(escalation.__file__).resolve().parents[1]

# One forest in a fresh interpreter: the BLAS kernels OpenBLAS reports, a digest of every
# tree (split columns and thresholds), and the estimates.
_FOREST = """
import hashlib, json, warnings
import numpy as np
from threadpoolctl import threadpool_info
from escalation.causal.heterogeneity import fit_effect_model
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import default_design
from escalation.timeline import build_spells

warnings.simplefilter("ignore")
sim = simulate_local_authority(1500, seed=1, config=SimulationConfig(notes=False))
data = build_spells(sim.history, default_design())
model = fit_effect_model(
    data.spells, covariates=list(data.model_covariates), horizon=365, n_estimators=100, seed=1
)
digest = hashlib.sha256()
for sub in model.backend.model_cate.estimators_:
    for tree in sub.estimators_:
        digest.update(np.asarray(tree.tree_.feature).tobytes())
        digest.update(np.asarray(tree.tree_.threshold).tobytes())
kernels = sorted({p.get("architecture", "") for p in threadpool_info() if p["user_api"] == "blas"})
print(json.dumps({"kernels": kernels, "trees": digest.hexdigest(),
                  "effects": model.predict(data.spells).tolist()}))
"""


# The policy study's benefit rule, learned by cross-fitting over families (five forests):
# each spell's estimated benefit and flag.
_RULE = """
import json, warnings
import numpy as np
from threadpoolctl import threadpool_info
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import default_design
from escalation.policy import learn_rules
from escalation.timeline import build_spells

warnings.simplefilter("ignore")
sim = simulate_local_authority(1500, seed=1, config=SimulationConfig(notes=False))
data = build_spells(sim.history, default_design())
rules = learn_rules(
    data, covariates=list(data.model_covariates), capacity=0.3, horizon=365,
    rules=("benefit",), deployable=False, n_jobs=1, seed=1,
)
kernels = sorted({p.get("architecture", "") for p in threadpool_info() if p["user_api"] == "blas"})
print(json.dumps({"kernels": kernels, "flags": rules.flags["benefit"].tolist(),
                  "benefit": rules.scores["benefit"].tolist()}))
"""


def _run_under(kernel: str, code: str) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": str(PACKAGE_ROOT),
        "OPENBLAS_CORETYPE": kernel,
        "OPENBLAS_NUM_THREADS": "1",
    }
    # -P: the package on PYTHONPATH, not one in the working folder.
    done = subprocess.run(
        [sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True, check=True
    )
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return out


_X86 = pytest.mark.skipif(
    platform.machine() not in ("x86_64", "AMD64"), reason="OpenBLAS x86-64 kernels only"
)


def _under_two_kernels(code: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run ``code`` under OpenBLAS's Haswell (AVX2) and Nehalem (SSE) kernels.

    Both run on any x86-64 CPU of the last decade; skipped where OpenBLAS does not take them.
    """
    haswell, nehalem = _run_under("Haswell", code), _run_under("Nehalem", code)
    if haswell["kernels"] != ["Haswell"] or nehalem["kernels"] != ["Nehalem"]:
        pytest.skip(f"OpenBLAS did not take the kernels asked for: {haswell['kernels']}, "
                    f"{nehalem['kernels']}")  # fmt: skip
    return haswell, nehalem


@_X86
def test_forest_is_the_same_under_two_cpus_blas_kernels() -> None:
    haswell, nehalem = _under_two_kernels(_FOREST)
    # The estimates agree but for the last bits of the forest's own prediction step (before
    # the grid: 0.0017, from other trees).
    gap = np.max(np.abs(np.subtract(haswell["effects"], nehalem["effects"])))
    assert gap < 1e-14
    assert haswell["trees"] == nehalem["trees"]


@_X86
def test_benefit_rule_is_the_same_under_two_cpus_blas_kernels() -> None:
    haswell, nehalem = _under_two_kernels(_RULE)
    # Each spell's cross-fitted estimated benefit (before the grid: 0.0016 apart) and flag.
    gap = np.max(np.abs(np.subtract(haswell["benefit"], nehalem["benefit"])))
    assert gap < 1e-14
    assert haswell["flags"] == nehalem["flags"]
