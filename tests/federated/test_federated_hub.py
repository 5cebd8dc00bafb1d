"""The hub checks the design of every pack and pools what it should."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.design import ComputeSpec
from escalation.errors import DataValidationError, DesignError
from escalation.federated.hub import pool_share_packs
from escalation.federated.pack import SharePack, design_hash
from escalation.federated.summaries import covariate_summary, pool_covariate_summaries
from tests.federated.federated_support import cheap_design, packs, pooled_analysis


def _with_design(pack: SharePack, hash_: str) -> SharePack:
    return dataclasses.replace(pack, manifest={**pack.manifest, "design_sha256": hash_})


def test_a_pack_with_another_design_is_refused_excluded_or_flagged() -> None:
    good = list(packs())
    odd = [*good[:2], _with_design(good[2], "0" * 64)]
    with pytest.raises(DesignError, match="LA03 used a different design"):
        pool_share_packs(odd)
    excluded = pool_share_packs(odd, on_mismatch="exclude")
    assert excluded.authorities == ("LA01", "LA02")
    assert any("left out" in n for n in excluded.notes)
    assert not excluded.checks.set_index("authority").loc["LA03", "pooled"]
    flagged = pool_share_packs(odd, on_mismatch="flag")
    assert flagged.authorities == ("LA01", "LA02", "LA03")
    assert any("pooled anyway" in n for n in flagged.notes)


def test_the_registered_design_is_the_reference() -> None:
    design = cheap_design()
    result = pool_share_packs(list(packs()), design=design)
    assert result.design_sha256 == design_hash(design)
    other = design.replace(outcome=dataclasses.replace(design.outcome, horizons=(180, 365)))
    with pytest.raises(DesignError, match="registered design"):
        pool_share_packs(list(packs()), design=other)
    # Where the work ran is no part of the analysis: a hub or an authority with a
    # [compute] section (its own cluster) still matches.
    on_cluster = design.replace(compute=ComputeSpec(scheduler="tcp://10.0.0.5:8786"))
    assert design_hash(on_cluster) == design_hash(design)
    assert pool_share_packs(list(packs()), design=on_cluster).design_sha256 == design_hash(design)


def test_designs_tied_without_a_registered_one_are_refused_naming_each() -> None:
    # Two packs, two designs: no design was used by most packs, so the hub must not pick
    # one by the spelling of its hash (the lower one won before), whatever the order.
    first, second = packs()[:2]
    for low, high in (("0" * 64, "f" * 64), ("f" * 64, "0" * 64)):
        odd = [_with_design(first, low), _with_design(second, high)]
        for order in (odd, odd[::-1]):
            with pytest.raises(DesignError) as raised:
                pool_share_packs(order)
            message = str(raised.value)
            assert "000000000000: LA01" in message or "000000000000: LA02" in message
            assert "ffffffffffff: LA0" in message and "--design" in message
    # a spread of three designs is no majority either; two of three is one
    three = list(packs())
    spread = [_with_design(p, c * 64) for p, c in zip(three, "abc", strict=True)]
    with pytest.raises(DesignError, match="no design was used by most"):
        pool_share_packs(spread, on_mismatch="exclude")
    majority = [*spread[:2], _with_design(three[2], "a" * 64)]
    with pytest.raises(DesignError, match="LA02 used a different design"):
        pool_share_packs(majority)


def test_two_packs_from_one_authority_are_refused() -> None:
    with pytest.raises(DesignError, match="several packs come from authority LA01"):
        pool_share_packs([packs()[0], packs()[0]])


def test_two_packs_from_one_authority_are_named_by_their_files(tmp_path: Path) -> None:
    """The refusal said "several packs come from authority LA01" and not which files: with
    ``packs/*.zip`` the hub could not tell a pack copied twice from two extracts."""
    from escalation.federated.pack import read_share_pack, write_share_pack

    first = write_share_pack(packs()[0], tmp_path / "LA01.zip")
    copy = tmp_path / "LA01 (copy).zip"
    copy.write_bytes(first.read_bytes())
    with pytest.raises(
        DesignError,
        match=re.escape("authority LA01 (LA01.zip, LA01 (copy).zip: the same bytes, given twice)"),
    ):
        pool_share_packs([read_share_pack(first), read_share_pack(copy), packs()[1]])


def test_pooled_estimates_and_meta_regression_are_reported() -> None:
    result = pooled_analysis()
    meta = result.meta.set_index(["estimator", "horizon", "estimand"])
    row = meta.loc[("cox_ps_stratified", 0, "log_hazard_ratio")]
    assert row["k"] == 3 and row["pi_low"] <= row["conf_low"] <= row["estimate"]
    # the unadjusted estimator has no bootstrap here: nothing to meta-analyse, said so
    assert any("fewer than two authorities" in n for n in result.notes)
    reg = result.meta_regression
    assert set(reg["moderators"]) >= {"early_help_rate", "deprivation"}
    chars = result.characteristics.set_index("authority")
    assert chars["early_help_rate"].between(0, 1).all()


def test_unknown_moderators_are_refused() -> None:
    with pytest.raises(DesignError, match="moderator\\(s\\) budget"):
        pool_share_packs(list(packs()), moderators=["budget"])
    extra = pd.DataFrame({"authority": ["LA01", "LA02", "LA03"], "budget": [1.0, 2.0, 4.0]})
    result = pool_share_packs(list(packs()), characteristics=extra, moderators=["budget"])
    assert set(result.meta_regression["term"]) == {"(Intercept)", "budget"}


def test_pooled_table1_equals_the_table_of_the_pooled_data_without_withheld_cells() -> None:
    rng = np.random.default_rng(3)
    frames = {
        name: pd.DataFrame(
            {
                "treatment": rng.integers(0, 2, n),
                "age": rng.normal(8, 4, n),
                "sex": rng.choice(["F", "M"], n),
            }
        )
        for name, n in (("A", 300), ("B", 500))
    }
    pooled = pool_covariate_summaries(
        {k: covariate_summary(v, ["age", "sex"]) for k, v in frames.items()}
    )
    direct = covariate_summary(pd.concat(frames.values(), ignore_index=True), ["age", "sex"])
    merged = pooled.merge(direct, on=["covariate", "level", "group"], suffixes=("", "_direct"))
    assert np.allclose(merged["n"], merged["n_direct"])
    assert np.allclose(merged["mean"].fillna(0), merged["mean_direct"].fillna(0))
    assert np.allclose(merged["sd"].fillna(0), merged["sd_direct"].fillna(0))
    assert np.allclose(merged["count"].fillna(0), merged["count_direct"].fillna(0))


def test_a_covariate_summarised_twice_is_never_counted_twice() -> None:
    # a covariate listed twice was summarised twice, and pooling added both copies: the
    # authority's children counted twice in the pooled n, count and mean
    spells = pd.DataFrame({"treatment": [1, 0, 0, 1], "age": [3.0, 5, 7, 2]})
    with pytest.raises(DesignError, match=r"covariate\(s\) listed more than once: age"):
        covariate_summary(spells, ["age", "age"])
    once = covariate_summary(spells, ["age"])
    twice = pd.concat([once, once.iloc[[0]]], ignore_index=True)  # e.g. a hand-edited pack
    with pytest.raises(DataValidationError, match=r"B covariate summary.*row 3.*counted twice"):
        pool_covariate_summaries({"A": once, "B": twice})


def test_a_blank_level_is_pooled_as_a_level_like_any_other() -> None:
    # covariate_summary shares a blank ("") value of a categorical covariate as the level
    # "" with its count; pooling read level "" as a numeric summary and dropped the count
    frames = {
        name: pd.DataFrame({"treatment": [1, 0, 0, 1, 1, 0], "ethnicity": values})
        for name, values in (
            ("A", ["", "A", "A", "B", "", "B"]),
            ("B", ["A", "", "B", "B", "", ""]),
        )
    }
    pooled = pool_covariate_summaries(
        {k: covariate_summary(v, ["ethnicity"]) for k, v in frames.items()}
    ).set_index(["level", "group"])
    blank = pooled.loc[("", "all")]
    assert (blank["n"], blank["count"], blank["withheld"]) == (12, 5, 0)
    assert blank["percent"] == pytest.approx(100 * 5 / 12)
    assert pooled.loc[("", "treated"), "count"] == 3  # rows 0, 4 of A and 4 of B
    direct = covariate_summary(pd.concat(frames.values()), ["ethnicity"])
    assert pooled["count"].tolist() == direct["count"].tolist()


def test_a_count_that_is_0_or_1_in_one_authority_is_pooled_as_a_number() -> None:
    """A count (prior care episodes) 0 or 1 in every child of a small authority is
    summarised there as a 0/1 covariate (n and the count of ones) and elsewhere as a
    number (n, mean, SD): pooled, the count of ones is the same values' n, mean and SD, so
    the pooled row equals the numeric summary of every child together (the federated demo
    failed here when the mix was refused; before that the two halves were pooled apart)."""
    frames = {
        "A": pd.DataFrame({"treatment": [1, 0, 0, 1, 1, 0, 1], "x": [0, 1, 0, 1, 1, 0, 0]}),
        "B": pd.DataFrame({"treatment": [1, 0, 0, 1, 0, 1], "x": [2, 0, 1, 3, 0, 1]}),
    }
    shared = {k: covariate_summary(v, ["x"]) for k, v in frames.items()}
    assert set(shared["A"]["level"]) == {"yes"} and set(shared["B"]["level"]) == {""}
    pooled = pool_covariate_summaries(shared).set_index("group")
    direct = covariate_summary(pd.concat(frames.values()), ["x"]).set_index("group")
    assert set(pooled["level"]) == {""}
    for group in ("all", "treated", "untreated"):
        assert pooled.loc[group, "n"] == direct.loc[group, "n"]
        assert pooled.loc[group, "mean"] == pytest.approx(direct.loc[group, "mean"], rel=1e-12)
        assert pooled.loc[group, "sd"] == pytest.approx(direct.loc[group, "sd"], rel=1e-12)
    assert (pooled["withheld"] == 0).all()


def test_an_authority_without_values_in_a_group_adds_nothing_to_the_pooled_mean() -> None:
    # n = 0 and no mean in the treated group of B: the pooled mean was missing, unexplained
    frames = {
        "A": pd.DataFrame({"treatment": [1, 0, 0, 1], "x": [2.0, 3.0, 5.0, 4.0]}),
        "B": pd.DataFrame({"treatment": [1, 0, 0], "x": [np.nan, 7.0, 1.0]}),
    }
    shared = {k: covariate_summary(v, ["x"]) for k, v in frames.items()}
    numbers = "level == ''"  # B's missing value has a row of its own
    pooled = pool_covariate_summaries(shared).query(numbers).set_index("group")
    direct = covariate_summary(pd.concat(frames.values()), ["x"]).query(numbers)
    direct = direct.set_index("group")
    for group in ("all", "treated", "untreated"):
        assert pooled.loc[group, "mean"] == pytest.approx(direct.loc[group, "mean"], rel=1e-12)
        assert pooled.loc[group, "sd"] == pytest.approx(direct.loc[group, "sd"], rel=1e-12)


def test_a_covariate_numeric_in_one_pack_and_categorical_in_another_is_refused() -> None:
    # its numeric row (level "") would have been pooled with the other's blank level
    numeric = covariate_summary(pd.DataFrame({"treatment": [1, 0, 0], "x": [2.0, 3, 5]}), ["x"])
    text = covariate_summary(pd.DataFrame({"treatment": [1, 0, 0], "x": ["", "a", "b"]}), ["x"])
    with pytest.raises(
        DataValidationError, match=r"'x' is summarised as numeric in A.*categorical in B"
    ):
        pool_covariate_summaries({"A": numeric, "B": text})


def test_a_personal_covariate_is_refused_not_summarised_by_its_values() -> None:
    # an identifier as a covariate was summarised with one level per child: the
    # identifiers were the levels of the summary an authority shares (counts suppressed,
    # the levels not); refused by the rule Table 1 uses (errors.refuse_personal)
    spells = pd.DataFrame({"treatment": [1, 0, 1, 0], "child_id": ["C123", "C456", "C7", "C0"]})
    with pytest.raises(DataValidationError, match=r"covariate summary.*'child_id': personal"):
        covariate_summary(spells, ["child_id"])
