"""The causal tests' data-generating process: the package's spell simulator.

``escalation.data.simulator.exponential`` (moved there from this file so simulation studies
can use it): confounding by indication, siblings sharing families, a competing event and
administrative censoring, with closed-form true potential-outcome risks.
"""

from __future__ import annotations

import pandas as pd

from escalation.data.simulator.exponential import simulate_spells as _simulate_spells
from escalation.data.simulator.exponential import true_cif, true_risks

__all__ = ["simulate", "true_cif", "true_risks"]


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Spells of the default settings (the tests' historical call ``simulate(n, seed)``)."""
    return _simulate_spells(n, seed)
