"""Age bands are made from completed years at time zero, by the calendar, under one rule.

Was: ``subgroup_levels`` banded the decimal ``age`` (days / 365.25), so a child was put in
the band below on a birthday with few leap days between: born 2017-12-03, time zero
2022-12-03 is 1,826 days = 4.9993 "years", banded 0-4 at 5 years old; born 2008-06-10,
time zero 2019-06-10 (an 11th birthday with two leap days, 2012 and 2016, between) is
4,017 days = 10.998, banded 5-10. The policy study's age groups used the same bands.

Expected values are worked by hand from the calendar (a birthday is reached on the same
month and day; one born on 29 February reaches it on 1 March in a common year, as the
study's age rule already does).
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.causal.heterogeneity import subgroup_levels
from escalation.design import default_design
from escalation.errors import DataValidationError
from escalation.policy.groups import policy_groups
from escalation.timeline import build_spells
from tests.timeline.timeline_support import history

#: child id -> (birth date, time zero, completed years, band), worked by hand.
CASES = {
    "fifth": ("2017-12-03", "2022-12-03", 5, "5-10"),  # 1,826 days = 4.9993 "years"
    "eve_of_fifth": ("2017-12-03", "2022-12-02", 4, "0-4"),
    "eleventh": ("2008-06-10", "2019-06-10", 11, "11-15"),  # 4,017 days = 10.998
    "leap_28_feb": ("2012-02-29", "2023-02-28", 10, "5-10"),  # birthday not yet (1 March)
    "leap_1_mar": ("2012-02-29", "2023-03-01", 11, "11-15"),  # 4,018 days = 11.0007
    "leap_sixteenth": ("2004-02-29", "2020-02-29", 16, "16-17"),  # a 29 February itself
    "leap_eve_sixteenth": ("2004-02-29", "2020-02-28", 15, "11-15"),
    "born_that_day": ("2020-02-01", "2020-02-01", 0, "0-4"),
    "unborn": ("2020-03-01", "2020-02-01", -1, "unborn"),  # pre-birth referral closed
}


def _spells() -> pd.DataFrame:
    children, episodes = [], []
    for i, (child, (birth, t0, _, _)) in enumerate(CASES.items()):
        children.append(
            {"child_id": child, "birth_date": birth, "imd_decile": 5, "family_id": f"f{i}"}
        )
        start = (pd.Timestamp(t0) - pd.Timedelta(days=20)).date().isoformat()
        episodes.append(
            {"child_id": child, "kind": "referral", "start": start, "end": t0, "reason": "RC8"}
        )
    data = build_spells(history(children, episodes), default_design())
    return data.spells.set_index("child_id")


def test_spells_carry_completed_years_and_bands_follow_them() -> None:
    spells = _spells()
    assert sorted(spells.index) == sorted(CASES)
    for child, (birth, t0, years, _) in CASES.items():
        row = spells.loc[child]
        assert row["time_zero"] == pd.Timestamp(t0)
        assert row["age"] == pytest.approx((pd.Timestamp(t0) - pd.Timestamp(birth)).days / 365.25)
        assert row["age_years"] == years, child
        assert row["unborn"] == int(years < 0), child
    bands = subgroup_levels(spells.reset_index())["age_band"]
    assert dict(zip(spells.index, bands, strict=True)) == {c: v[3] for c, v in CASES.items()}


def test_policy_groups_use_the_same_bands() -> None:
    spells = _spells()
    groups = policy_groups(spells.reset_index())["age"].astype(str)
    assert dict(zip(spells.index, groups, strict=True)) == {c: v[3] for c, v in CASES.items()}


def test_the_band_rule_at_each_boundary() -> None:
    from escalation.causal.heterogeneity import age_bands

    years = [-1, 0, 4, 5, 10, 11, 15, 16, 17]
    expected = ["unborn", "0-4", "0-4", "5-10", "5-10", "11-15", "11-15", "16-17", "16-17"]
    assert age_bands(years).tolist() == expected


def test_completed_years_must_be_whole() -> None:
    with pytest.raises(DataValidationError, match="age_years"):
        subgroup_levels(pd.DataFrame({"age_years": [4.5]}))
    with pytest.raises(DataValidationError, match="age_years"):
        subgroup_levels(pd.DataFrame({"age_years": [-2]}))
