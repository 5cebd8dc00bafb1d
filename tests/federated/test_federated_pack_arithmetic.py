"""No small count comes back by arithmetic across the files of one share pack.

An outsider holding one pack can add and subtract its totals: the escalations in all
(``escalation_rate`` × ``spells``) less one arm's give the other arm's; an arm's
escalations less those of its risk-set table give those after the table; the mean and
SD of a whole-number covariate give its sum and sum of squares, and so the counts of its
values; a Cox profile's slope at low hazard ratios tends to the treated escalations.
Each test does that arithmetic on real packs of small simulated authorities (the
records tell the truth), and the gate is shown hand-made tables that leak.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.disclosure import DisclosureRules
from escalation.errors import DataValidationError
from escalation.federated._disclose import DisclosureLog, check_pack
from escalation.federated.pack import _covariates
from escalation.timeline import build_spells
from tests.federated.test_federated_disclosure_rules import design, small_authorities, small_packs

ARMS = {"treated": 1, "untreated": 0}


def _spells(strict: bool) -> list[pd.DataFrame]:
    sims = small_authorities().authorities.values()
    return [build_spells(sim.history, design(strict)).spells for sim in sims]


def _first(frame: pd.DataFrame, column: str) -> float:
    return float(pd.to_numeric(frame[column], errors="coerce").astype(float).iloc[0])


@pytest.mark.parametrize("strict", [False, True])
def test_escalations_by_subtraction_across_pack_files_are_never_small(strict: bool) -> None:
    threshold = 20 if strict else 10
    derived = []
    for pack, spells in zip(small_packs(strict), _spells(strict), strict=True):
        authority, ratios = pack.tables["authority"], pack.tables["hazard_ratios"]
        risk_sets = pack.tables["risk_sets"]
        total = _first(authority, "escalation_rate") * _first(authority, "spells")
        arms = {arm: _first(ratios, f"events_{arm}") for arm in ARMS}
        for arm, other in (("treated", "untreated"), ("untreated", "treated")):
            truth = int(((spells["treatment"] == ARMS[arm]) & (spells["event"] == 1)).sum())
            if np.isnan(arms[arm]) and np.isfinite(total) and np.isfinite(arms[other]):
                derived.append((pack.authority, f"{arm} in all", total - arms[other], truth))
            rows = risk_sets[risk_sets["group"] == arm] if len(risk_sets) else risk_sets
            if len(rows) and np.isfinite(arms[arm]):
                end = float(rows["interval_end"].max())
                after = int(
                    (
                        (spells["treatment"] == ARMS[arm])
                        & (spells["event"] == 1)
                        & (spells["duration"] > end)
                    ).sum()
                )
                tail = arms[arm] - float(pd.to_numeric(rows["events"]).sum())
                derived.append((pack.authority, f"{arm} after day {end:g}", tail, after))
    assert derived, "no total of these packs can be subtracted from"
    for authority, what, value, truth in derived:
        assert value == pytest.approx(truth), (authority, what)  # the arithmetic is right
        assert value >= threshold, f"{authority}: {what} = a count under {threshold}"


def test_no_cox_profile_or_hazard_ratio_beside_withheld_escalations() -> None:
    withheld = 0
    for pack in (*small_packs(), *small_packs(strict=True)):
        ratios, profiles = pack.tables["hazard_ratios"], pack.tables["cox_profiles"]
        if not ratios[["events_treated", "events_untreated"]].isna().any().any():
            continue
        withheld += 1
        # score(b) = d1 - c e^b at low b: two points give the treated escalations d1
        assert profiles.empty, pack.authority
        assert ratios[["estimate", "std_error"]].isna().all().all(), pack.authority
        assert not pack.profiles()
    assert withheld, "no pack of these authorities withholds an arm's escalations"


def _value_counts(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values, errors="coerce").dropna().value_counts()


@pytest.mark.parametrize("strict", [False, True])
def test_means_of_whole_number_covariates_give_no_small_count_back(strict: bool) -> None:
    threshold = 20 if strict else 10
    shown = 0
    for pack, spells in zip(small_packs(strict), _spells(strict), strict=True):
        table = pack.tables["covariates"]
        numeric = table[(table["level"].fillna("") == "")]
        for covariate, rows in numeric.groupby("covariate"):
            values = pd.to_numeric(spells[covariate], errors="coerce").dropna()
            if not (values == values.round()).all():
                continue
            published = rows.set_index("group")["mean"].notna()
            # all = treated + untreated: one mean withheld alone comes back
            assert published.sum() != 2, (pack.authority, covariate)
            for group in published[published].index:
                mine = (
                    spells[covariate]
                    if group == "all"
                    else spells.loc[spells["treatment"] == ARMS[str(group)], covariate]
                )
                counts = _value_counts(mine).sort_values(ascending=False)
                shown += 1
                # n, sum and sum of squares give up to three values' counts exactly, and
                # the children off the commonest value(s) when they are few
                if len(counts) <= 3:
                    assert (counts >= threshold).all(), (pack.authority, covariate, group)
                for top in (1, 2):
                    rest = int(counts.iloc[top:].sum())
                    assert rest == 0 or rest >= threshold, (pack.authority, covariate, group)
    assert shown, "no whole-number covariate's mean is shared"


def test_a_covariate_with_one_child_of_two_keeps_its_mean_and_its_complement_back() -> None:
    # The reviewer's LA03: 191 none, 11 one, 1 two (n, sum 13 and sum of squares 15 give
    # them all), and an untreated arm with 9 ones and no two.
    spells = pd.DataFrame(
        {
            "treatment": [1] * 203 + [0] * 376,
            "prior": [0] * 191 + [1] * 11 + [2] + [0] * 367 + [1] * 9,
        }
    )
    rules = DisclosureRules()
    table = _covariates(spells, ["prior"], DisclosureLog(), rules).set_index("group")
    assert table[["mean", "sd"]].isna().all().all()
    # 40 of each of 0, 1 and 2 in both arms: nothing small, the means are shared
    wide = pd.DataFrame({"treatment": [1] * 120 + [0] * 120, "prior": list(range(3)) * 80})
    shared = _covariates(wide, ["prior"], DisclosureLog(), rules).set_index("group")
    assert shared["mean"].notna().all()
    assert shared.loc["all", "mean"] == pytest.approx(1.0)


def _numeric_row(group: str, values: list[int]) -> dict[str, object]:
    x = np.asarray(values, dtype=float)
    return {
        "covariate": "prior",
        "level": "",
        "group": group,
        "n": float(x.size),
        "count": np.nan,
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)),
    }


def test_check_pack_refuses_means_that_give_a_small_count() -> None:
    treated, untreated = [0] * 40 + [1] * 30, [0] * 367 + [1] * 9
    table = pd.DataFrame(
        [
            _numeric_row("all", treated + untreated),
            _numeric_row("treated", treated),
            _numeric_row("untreated", untreated),
        ]
    )
    with pytest.raises(DataValidationError, match="mean and SD give a count under 10"):
        check_pack({"covariates": table})
    alone = table.assign(mean=table["mean"].where(table["group"] != "untreated"))
    alone = alone.assign(sd=alone["sd"].where(alone["group"] != "untreated"))
    with pytest.raises(DataValidationError, match="withheld mean is the only one withheld"):
        check_pack({"covariates": alone})  # all less treated gives it back
    both = alone.assign(mean=alone["mean"].where(alone["group"] == "treated"))
    check_pack({"covariates": both.assign(sd=both["sd"].where(both["group"] == "treated"))})


def _escalation_tables(
    treated: float, untreated: float, table: tuple[float, float] | None
) -> dict[str, pd.DataFrame]:
    tables = {
        "authority": pd.DataFrame({"spells": [448], "escalation_rate": [50 / 448]}),
        "hazard_ratios": pd.DataFrame(
            {"model": ["unadjusted"], "events_treated": [treated], "events_untreated": [untreated]}
        ),
    }
    if table is not None:
        tables["risk_sets"] = pd.DataFrame(
            {
                "group": ["untreated", "untreated"],
                "interval_start": [0.0, 365.0],
                "interval_end": [365.0, 730.0],
                "events": list(table),
            }
        )
    return tables


def test_check_pack_refuses_escalations_given_by_subtraction() -> None:
    # The reviewer's LA04: 50 in all, 43 untreated, so 7 treated
    with pytest.raises(DataValidationError, match="treated spells in all are under 10"):
        check_pack(_escalation_tables(np.nan, 43, None))
    # 43 untreated, 23 + 13 of them within the table: 7 after it
    with pytest.raises(DataValidationError, match="untreated spells after the risk-set"):
        check_pack(_escalation_tables(np.nan, 43, (23.0, 13.0)))
    check_pack(_escalation_tables(np.nan, np.nan, (23.0, 13.0)))  # nothing comes back
    spread = _escalation_tables(np.nan, np.nan, (23.0, 10.0))  # 43 - 33 = 10 after: a 10
    spread["hazard_ratios"]["events_untreated"] = 43.0
    spread["authority"]["escalation_rate"] = np.nan
    check_pack(spread)


def test_check_pack_refuses_a_cox_profile_beside_withheld_escalations() -> None:
    tables = _escalation_tables(np.nan, np.nan, None)
    tables["hazard_ratios"] = tables["hazard_ratios"].assign(estimate=[0.3], std_error=[0.4])
    tables["cox_profiles"] = pd.DataFrame(
        {"model": ["unadjusted"] * 2, "point": [-2.3, -2.2], "value": [-9.0, -8.3]}
    ).assign(derivative=[6.2, 6.1])
    with pytest.raises(DataValidationError, match="profile beside withheld escalations"):
        check_pack(tables)
    tables["cox_profiles"] = tables["cox_profiles"].iloc[0:0]
    with pytest.raises(DataValidationError, match="Cox estimate beside withheld"):
        check_pack(tables)
    unfitted = tables["hazard_ratios"].assign(estimate=np.nan, std_error=np.nan)
    check_pack({**tables, "hazard_ratios": unfitted})
