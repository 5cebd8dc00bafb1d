"""Write the small datasets the R reference (survival_core.R) is computed on.

Run from the repository root:
``.venv/bin/python tests/reference/survival/make_survival_inputs.py``.

- ``spells.csv``: 400 seeded spells with tied whole-day times, events 0/1/2, covariates
  ``x1`` (normal), ``x2`` (0/1), ``x3`` (count), ``group`` (a/b/c), ``stratum`` (1/2), case
  ``weight`` and a ``cluster`` (family) of one to three spells.
- ``counting.csv``: (start, stop] rows of 300 spells with a covariate ``tv`` that switches
  on part-way through follow-up (the layout of ``survival::tmerge`` output).
- ``rossi.csv``: lifelines' copy of the Rossi et al. recidivism data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def spells(n: int = 400, seed: int = 20261125) -> pd.DataFrame:
    """Return spells with ties, two causes, weights, clusters and strata."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.integers(0, 2, n)
    x3 = rng.poisson(1.5, n)
    group = rng.choice(["a", "b", "c"], n)
    stratum = rng.integers(1, 3, n)
    eta1 = 0.5 * x1 - 0.4 * x2 + 0.15 * x3 + np.where(group == "b", 0.3, 0.0)
    t1 = rng.exponential(300 * np.exp(-eta1) * np.where(stratum == 2, 0.7, 1.0))
    t2 = rng.exponential(2000, n)
    c = rng.uniform(100, 900, n)
    time = np.minimum(np.minimum(t1, t2), c)
    event = np.where(time == t1, 1, np.where(time == t2, 2, 0))
    duration = np.ceil(time / 7.0)  # weeks: many ties
    cluster = np.cumsum(rng.random(n) < 0.5)  # families of one to a few spells
    weight = np.round(rng.uniform(0.5, 2.0, n), 3)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "cluster": cluster,
            "duration": duration,
            "event": event,
            "x1": np.round(x1, 4),
            "x2": x2,
            "x3": x3,
            "group": group,
            "stratum": stratum,
            "weight": weight,
        }
    )


def counting(n: int = 300, seed: int = 11) -> pd.DataFrame:
    """Return (start, stop] rows with a covariate switching on at a random time."""
    rng = np.random.default_rng(seed)
    x1 = np.round(rng.normal(size=n), 4)
    switch = np.ceil(rng.uniform(1, 60, n))
    switches = rng.random(n) < 0.6
    rows = []
    for i in range(n):
        # hazard 0.02 * exp(0.4 x1) before the switch, times exp(-0.7) after it
        rate0 = 0.02 * np.exp(0.4 * x1[i])
        t_a = rng.exponential(1 / rate0)
        cens = np.ceil(rng.uniform(20, 120))
        if switches[i] and t_a > switch[i]:
            t = switch[i] + rng.exponential(1 / (rate0 * np.exp(-0.7)))
        else:
            t = t_a
        stop = float(min(np.ceil(t), cens))
        event = int(np.ceil(t) <= cens)
        if switches[i] and switch[i] < stop:
            rows.append((i + 1, 0.0, switch[i], 0, 0, x1[i]))
            rows.append((i + 1, switch[i], stop, event, 1, x1[i]))
        else:
            rows.append((i + 1, 0.0, stop, event, 0, x1[i]))
    return pd.DataFrame(rows, columns=["id", "start", "stop", "event", "tv", "x1"])


def main() -> None:
    """Write the three CSV files next to this script."""
    from lifelines.datasets import load_rossi

    spells().to_csv(HERE / "spells.csv", index=False)
    counting().to_csv(HERE / "counting.csv", index=False)
    load_rossi().to_csv(HERE / "rossi.csv", index=False)


if __name__ == "__main__":
    main()
