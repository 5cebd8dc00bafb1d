"""Write the input tables for ``competing.R`` (competing risks and multi-state references).

Run from the repository root::

    .venv/bin/python tests/reference/survival/make_competing_inputs.py
    Rscript tests/reference/survival/competing.R

Tables (all seeded, no personal data):

- ``competing_continuous.csv``: 400 subjects, continuous times (no ties), causes 1 and 2;
- ``competing_ties.csv``: 300 subjects, whole-day times (many ties), causes 1 and 2;
- ``competing_nocomp.csv``: 250 subjects, whole-day times, cause 1 only (Fine–Gray = Cox);
- ``multistate_rows.csv``: (start, stop] rows of a progressive pathway
  0 referral_closed -> 1 cin_plan -> 2 cp_plan -> 3 looked_after, absorbing 4 death,
  whole-day times with ties, censoring.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def competing(n: int, seed: int, *, whole_days: bool, causes: int = 2) -> pd.DataFrame:
    """Two latent exponential causes plus uniform censoring."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = (rng.random(n) < 0.4).astype(int)
    x3 = rng.uniform(0, 1, size=n)
    t1 = rng.exponential(1.0 / (0.002 * np.exp(0.5 * x1 - 0.7 * x2 + 0.3 * x3)))
    t2 = rng.exponential(1.0 / (0.001 * np.exp(-0.4 * x1 + 0.5 * x2)))
    if causes == 1:
        t2 = np.full(n, np.inf)
    c = rng.uniform(50, 700, size=n)
    time = np.minimum.reduce([t1, t2, c])
    event = np.select([time == t1, time == t2], [1, 2], 0)
    time = np.ceil(time) if whole_days else np.round(time, 6)
    weight = np.round(rng.uniform(0.2, 3.0, size=n), 4)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "time": time,
            "event": event,
            "x1": x1,
            "x2": x2,
            "x3": x3,
            "w": weight,
        }
    )


def multistate(n: int, seed: int) -> pd.DataFrame:
    """A progressive pathway with skips, death from every state and censoring."""
    rng = np.random.default_rng(seed)
    rows = []
    # rates out of each state: to next states and to death (per day)
    rates = {
        0: {1: 0.003, 2: 0.0015, 3: 0.0005, 4: 0.0002},
        1: {2: 0.004, 3: 0.001, 4: 0.0002},
        2: {3: 0.003, 4: 0.0003},
        3: {4: 0.0004},
    }
    for i in range(1, n + 1):
        censor = float(np.ceil(rng.uniform(100, 900)))
        state, start = 0, 0.0
        while True:
            if state == 4:
                break
            out = rates[state]
            total = sum(out.values())
            stay = float(np.ceil(rng.exponential(1.0 / total)))
            stop = start + stay
            if stop >= censor:
                rows.append((i, start, censor, state, 0))
                break
            to = int(rng.choice(list(out), p=np.array(list(out.values())) / total))
            rows.append((i, start, stop, state, to))
            state, start = to, stop
    frame = pd.DataFrame(rows, columns=["id", "start", "stop", "from_state", "to_state"])
    return frame


def main() -> None:
    competing(400, 20261125, whole_days=False).to_csv(
        HERE / "competing_continuous.csv", index=False, float_format="%.10g"
    )
    competing(300, 20261126, whole_days=True).to_csv(
        HERE / "competing_ties.csv", index=False, float_format="%.10g"
    )
    competing(250, 20261127, whole_days=True, causes=1).to_csv(
        HERE / "competing_nocomp.csv", index=False, float_format="%.10g"
    )
    multistate(500, 20261128).to_csv(HERE / "multistate_rows.csv", index=False)


if __name__ == "__main__":
    main()
