"""The cluster bootstrap draws families by their labels, each missing label its own.

Was (review of session 26, findings 4 and 6): ``bootstrap_indices`` pooled every row
without a label into one cluster (``pd.factorize(use_na_sentinel=False)``), and
``fairness_table`` gave it family numbers in row order, so the same spells in another
order got other intervals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.predict.fairness import fairness_table
from escalation.predict.metrics import bootstrap_indices


def test_each_row_without_a_label_is_a_cluster_of_its_own() -> None:
    missing = ["f1", "f1", None, None, None, None, None, None]
    # the package's rule (escalation.clusters.cluster_codes): as if each had a label of
    # its own, sorted after the labels present, in row order
    own = ["f1", "f1", "z2", "z3", "z4", "z5", "z6", "z7"]
    drawn = bootstrap_indices(missing, 500, seed=1)
    reference = bootstrap_indices(own, 500, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(drawn, reference, strict=True))
    counts = np.array([np.bincount(rows, minlength=8) for rows in drawn])
    assert (counts[:, 2] != counts[:, 7]).mean() > 0.5  # were drawn together every time
    assert len({len(rows) for rows in drawn}) > 3  # were only 4, 8 or 12 rows
    assert np.array_equal(counts[:, 0], counts[:, 1])  # a family stays whole


def test_fairness_intervals_do_not_depend_on_the_order_of_the_rows() -> None:
    rng = np.random.default_rng(0)
    n = 600
    risk = np.round(rng.uniform(0.05, 0.6, n), 2)
    escalated = rng.random(n) < risk
    spells = pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i // 2}" for i in range(n)],
            "duration": np.where(escalated, rng.integers(1, 365, n), 500).astype(float),
            "event": escalated.astype(int),
            "sex": rng.choice(["F", "M"], n),
        }
    )  # no spell_id column: fairness_table does not ask for one
    order = rng.permutation(n)
    key = ["metric", "group"]
    given = fairness_table(spells, risk, 365, bootstrap=50, seed=1).set_index(key)
    shuffled = fairness_table(spells.iloc[order], risk[order], 365, bootstrap=50, seed=1)
    shuffled = shuffled.set_index(key).loc[given.index]
    for column in ("estimate", "conf_low", "conf_high"):
        # (equal_nan: "U", no child's sex here, is listed suppressed, with no number)
        same = np.allclose(given[column], shuffled[column], rtol=0, atol=1e-10, equal_nan=True)
        assert same, column
