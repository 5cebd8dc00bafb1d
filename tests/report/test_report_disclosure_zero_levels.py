"""A subgroup level no child is in is listed, suppressed: its absence said "none".

Review (session 27, disclosure). ``subgroups.csv`` (and ``escalation estimate``'s
``heterogeneity.csv``) listed only the levels some child was in: with no unborn child
(or none aged 16-17), the ``unborn`` row was missing, so the count Table 1 shows as
"<10" (unborn at time zero) could be read as exactly 0. Every pre-registered level is
now listed; a level with no child has ``n = 0``, which disclosure suppresses like any
count below the threshold (and protects by complementary suppression).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation.causal.heterogeneity import subgroup_effects, subgroup_levels
from escalation.disclosure import disclose_subgroup_table
from escalation.errors import StatisticalWarning


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """800 spells aged 0 to 15: no child unborn, none aged 16-17 (the truth: 0 and 0)."""
    rng = np.random.default_rng(0)
    n = 800
    age = rng.uniform(0, 15.9, n)
    a = (rng.random(n) < 0.5).astype(int)
    t = rng.exponential(600 / np.exp(-0.5 * a * (age > 10)))
    return pd.DataFrame(
        {"age": age, "treatment": a, "duration": np.minimum(t, 800), "event": (t < 800).astype(int)}
    )


def test_subgroup_levels_no_child_is_in_are_listed_suppressed(frame: pd.DataFrame) -> None:
    assert not (frame["age"] < 0).any() and not (frame["age"] >= 16).any()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        table = subgroup_effects(frame, covariates=["age"], horizon=365)
    said = " ".join(str(w.message) for w in caught if w.category is StatisticalWarning)
    published = disclose_subgroup_table(table, subgroup_levels(frame), frame, horizon=365)
    bands = published[published["subgroup"] == "age_band"].set_index("level")
    # The adversary: a pre-registered level missing from the table has no child.
    assert {"unborn", "16-17"} <= set(bands.index), "a level with no child is left out"
    for level in ("unborn", "16-17"):
        assert pd.isna(bands.loc[level, "n"]) and bands.loc[level, "suppressed"]
        assert np.isnan(bands.loc[level, "estimate"])
    assert list(bands.index) == ["unborn", "0-4", "5-10", "11-15", "16-17"]
    assert "age_band = unborn has fewer than 10" in said  # not estimated, and says so
    # Before disclosure the table says what it is: n = 0, no estimate.
    raw = table[table["subgroup"] == "age_band"].set_index("level")
    assert raw.loc["unborn", "n"] == 0 and np.isnan(raw.loc["unborn", "estimate"])
    # The levels children are in keep their counts (rounded to 5: the 10-5 rule).
    # The two empty levels (0 children together) are no protection for each other: a
    # level with children is withheld beside them, so that the hidden levels hold at least
    # the threshold (complementary suppression by the total); the others keep their counts.
    seen = subgroup_levels(frame)["age_band"].value_counts()
    hidden = [level for level in seen.index if pd.isna(bands.loc[level, "n"])]
    assert hidden and sum(seen[level] for level in hidden) >= 10
    for level, exact in seen.items():
        assert raw.loc[level, "n"] == exact
        if level not in hidden:
            assert bands.loc[level, "n"] % 5 == 0 and abs(bands.loc[level, "n"] - exact) <= 2
