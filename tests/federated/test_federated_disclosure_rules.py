"""The federated path follows the design's disclosure rules, in packs and at the hub.

Small simulated authorities (a few hundred children each), where small counts are
common: a pack shares no count under the design's threshold and no withheld count that
can be worked out, blanks the horizons the run blanks, names no term of a separated
competing-event model, and is the same bytes when written twice; the hub's published
tables carry no more than their disclosed counts, and its manifest records the packs
read and the rules applied.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.data.simulator import SimulatedAuthorities, simulate_local_authorities
from escalation.design import DisclosureSpec, StudyDesign
from escalation.disclosure import DisclosureRules, disclose_count
from escalation.errors import DataValidationError, StatisticalWarning
from escalation.federated._disclose import COUNT_COLUMNS, check_pack
from escalation.federated.hub import pool_share_packs
from escalation.federated.outputs import write_pooled
from escalation.federated.pack import SharePack, build_share_pack, write_share_pack
from escalation.timeline import build_spells
from tests.federated.federated_support import cheap_design

STRICT = DisclosureSpec(threshold=20, rounding=10)


@lru_cache(maxsize=1)
def small_authorities() -> SimulatedAuthorities:
    """Three authorities of 200 to 700 spells."""
    return simulate_local_authorities(3, n_children=600, seed=5)


def design(strict: bool = False) -> StudyDesign:
    base = cheap_design()
    return base.replace(disclosure=STRICT) if strict else base


def small_packs(strict: bool = False) -> tuple[SharePack, ...]:
    """The share packs of :func:`small_authorities` under the default or strict rules."""
    return _small_packs(bool(strict))


# Keyed on the arguments as passed, ``small_packs()``, ``small_packs(False)``,
# ``small_packs(strict=True)`` and ``small_packs(True)`` were four entries of a cache of two
# for two sets of packs: a test worker built them ten times in these two files (0.6-1.4 s of
# CPU each, `python benchmarks/profile_fixtures.py tests/federated`); now twice (the two
# files alone: 10.3-11.6 s -> 7.2-7.8 s of CPU).
@lru_cache(maxsize=2)
def _small_packs(strict: bool) -> tuple[SharePack, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return tuple(
            build_share_pack(sim.history, design(strict))
            for sim in small_authorities().authorities.values()
        )


def _levels(covariates: pd.DataFrame) -> pd.DataFrame:
    level = covariates["level"].fillna("").astype(str)
    return covariates[level != ""].assign(level=level)


def _recovered(covariates: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Withheld counts an outsider works out by subtraction (levels to n; all = t + u)."""
    found = []
    rows = _levels(covariates)
    count = pd.to_numeric(rows["count"], errors="coerce")
    n = pd.to_numeric(rows["n"], errors="coerce")
    for (covariate, group), part in rows.groupby(["covariate", "group"]):
        gap = count[part.index].isna()
        binary = set(part["level"]) == {"yes"}
        if gap.sum() == 1 and not binary and n[part.index].notna().all():
            found.append((str(covariate), str(part.loc[gap, "level"].iloc[0]), str(group)))
    for (covariate, level), part in rows.groupby(["covariate", "level"]):
        gap = count[part.index].isna()
        if gap.sum() == 1 and len(part) == 3:
            found.append((str(covariate), str(level), str(part.loc[gap, "group"].iloc[0])))
    return found


def _without_flag(covariates: pd.DataFrame) -> pd.Series:
    """Children without a yes/no flag: n minus those with it (both published)."""
    rows = _levels(covariates)
    flags = rows.groupby("covariate")["level"].transform(lambda v: set(v) == {"yes"})
    rows = rows[flags]
    return (
        pd.to_numeric(rows["n"], errors="coerce") - pd.to_numeric(rows["count"], errors="coerce")
    ).dropna()


def test_a_pack_applies_the_designs_threshold_and_records_its_rules() -> None:
    for pack in small_packs(strict=True):
        for name, table in pack.tables.items():
            for column in set(table.columns) & COUNT_COLUMNS:
                values = pd.to_numeric(table[column], errors="coerce").dropna()
                assert (values >= 20).all(), f"{pack.authority} {name}.{column} under 20"
        assert pack.manifest["disclosure"]["threshold"] == 20
        assert pack.manifest["disclosure"]["rounding"] == 10
        assert pack.manifest["disclosure_threshold"] == 20
    strict = DisclosureRules(threshold=20, rounding=10)
    with pytest.raises(DataValidationError, match="count under 20"):
        check_pack({"risk_sets": pd.DataFrame({"events": [25, 15]})}, strict)


def test_no_withheld_covariate_count_of_a_pack_can_be_worked_out() -> None:
    for strict in (False, True):
        threshold = 20 if strict else 10
        for pack in small_packs(strict):
            covariates = pack.tables["covariates"]
            assert covariates["count"].isna().any()  # small cells there are
            assert _recovered(covariates) == [], pack.authority
            small = _without_flag(covariates)
            assert not (small < threshold).any(), pack.authority


def test_check_pack_refuses_a_withheld_count_given_by_subtraction() -> None:
    rows = [
        ("sex", "F", "all", 100.0, 48.0),
        ("sex", "M", "all", 100.0, 48.0),
        ("sex", "U", "all", 100.0, 4.0),
        ("sex", "F", "treated", 40.0, 18.0),
        ("sex", "M", "treated", 40.0, 18.0),
        ("sex", "U", "treated", 40.0, np.nan),  # 40 - 18 - 18 = 4
        ("sex", "F", "untreated", 60.0, 30.0),
        ("sex", "M", "untreated", 60.0, 30.0),
        ("sex", "U", "untreated", 60.0, np.nan),
    ]
    table = pd.DataFrame(rows, columns=["covariate", "level", "group", "n", "count"])
    table = table.assign(mean=np.nan, sd=np.nan)
    with pytest.raises(DataValidationError, match="worked out"):
        check_pack({"covariates": table.assign(count=table["count"].where(table["count"] > 9))})
    # with U's complements withheld too (F in each group, and F overall), it passes
    hidden = table["level"].isin(["F", "U"])
    check_pack({"covariates": table.assign(count=table["count"].mask(hidden))})
    flag = pd.DataFrame(
        [("disabled", "yes", "treated", 40.0, 35.0)],
        columns=["covariate", "level", "group", "n", "count"],
    )
    with pytest.raises(DataValidationError, match="n minus the count"):
        check_pack({"covariates": flag})  # 40 - 35 = 5 without the flag


def test_pack_effects_are_withheld_at_a_horizon_where_an_arm_has_few_escalations() -> None:
    sims = small_authorities()
    blanked = 0
    for pack, sim in zip(small_packs(), sims.authorities.values(), strict=True):
        spells = build_spells(sim.history, design()).spells
        effects = pack.tables["effects"]
        for horizon, part in effects.groupby("horizon"):
            by = spells["duration"] <= float(horizon)
            hits = [
                int(((spells["treatment"] == arm) & (spells["event"] == 1) & by).sum())
                for arm in (0, 1)
            ]
            sizes = [int((spells["treatment"] == arm).sum()) for arm in (0, 1)]
            few = min(*hits, *(s - h for s, h in zip(sizes, hits, strict=True))) < 10
            if few:
                blanked += 1
                assert part["estimate"].isna().all(), (pack.authority, horizon)
                assert part["std_error"].isna().all(), (pack.authority, horizon)
                boot = pack.tables["bootstrap"]
                if len(boot):
                    assert not (boot["horizon"] == horizon).any()
            else:
                assert part["estimate"].notna().any(), (pack.authority, horizon)
    assert blanked, "no horizon of these authorities rests on few escalations"


@pytest.mark.parametrize(
    ("model", "term", "shown"),
    [
        ("competing events", "treatment (+22.0)", "[not shown] kept"),
        # a level of few children, all or none escalating (the 10-5 rule's group disclosure)
        ("escalation", "source_3C (-15.0)", "[not shown] levels of source kept"),
    ],
)
def test_a_packs_log_names_no_term_of_a_separated_competing_event_model(
    monkeypatch: pytest.MonkeyPatch, model: str, term: str, shown: str
) -> None:
    import escalation.causal

    real = escalation.causal.estimate_effects

    def separated(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(
            f"the Cox model of {model}: the log-likelihood stopped changing while "
            f"the coefficient(s) of {term} kept growing, so the likelihood is "
            "monotone in them; the values shown are where the fit stopped",
            StatisticalWarning,
            stacklevel=2,
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(escalation.causal, "estimate_effects", separated)
    sim = next(iter(small_authorities().authorities.values()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        pack = build_share_pack(sim.history, design())
    log = pack.tables["disclosure"]
    text = " ".join(log["action"].astype(str))
    assert f"Cox model of {model}" in text
    assert term[:-3] not in text  # "treatment (+22", "source_3C (-15"
    assert shown in text


def test_a_pack_written_twice_is_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pack = small_packs()[0]
    first = write_share_pack(pack, tmp_path / "a")
    later = time.time() + 3 * 3600  # three hours on: what a clock would stamp
    monkeypatch.setattr(time, "time", lambda: later)
    monkeypatch.setattr(time, "localtime", lambda *_: time.gmtime(later))
    second = write_share_pack(pack, tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(second) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        manifest = json.loads(archive.read("manifest.json"))
    assert "created" not in manifest


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Packs written and read back, pooled and published, under both rule sets."""
    from escalation.federated.pack import read_share_pack

    root = tmp_path_factory.mktemp("pooled_rules")
    out: dict[str, Any] = {}
    for strict in (False, True):
        folder = root / ("strict" if strict else "default")
        paths = [write_share_pack(p, folder / "packs") for p in small_packs(strict)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            result = pool_share_packs([read_share_pack(p) for p in paths])
            write_pooled(result, folder / "pooled")
        out[strict] = {"paths": paths, "out": folder / "pooled"}
    return out


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "results" / f"{name}.csv", keep_default_na=False, na_values=[""])


def _whole(values: pd.Series | np.ndarray, rounding: int) -> bool:
    """Whether every value is a whole multiple of ``rounding`` (to float precision)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)] / rounding
    return bool(np.allclose(x, np.round(x), rtol=0, atol=1e-6))


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.usefixtures("png_figures")
@pytest.mark.parametrize("strict", [False, True])
def test_the_hubs_authorities_table_carries_no_more_than_disclosed_spells(
    pooled: dict[str, Any], strict: bool
) -> None:
    rounding, threshold = (10, 20) if strict else (5, 10)
    authorities = _read(pooled[strict]["out"], "authorities")
    spells = authorities["spells"].astype(float)
    assert _whole(spells, rounding) and (spells >= threshold).all()
    for rate in ("early_help_rate", "escalation_rate"):
        assert _whole(authorities[rate] * spells, rounding), rate
    # a mean of whole deciles at full precision would give the exact spells back
    assert np.allclose(authorities["deprivation"], authorities["deprivation"].round(2))


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.usefixtures("png_figures")
@pytest.mark.parametrize("strict", [False, True])
def test_the_hubs_table1_carries_no_more_than_its_disclosed_counts(
    pooled: dict[str, Any], strict: bool
) -> None:
    rounding, threshold = (10, 20) if strict else (5, 10)
    table1 = _read(pooled[strict]["out"], "table1")
    for column in ("n", "count"):
        values = table1[column].dropna()
        assert _whole(values, rounding) and (values >= threshold).all(), column
    shown = table1.dropna(subset=["count", "n"])
    assert np.allclose(shown["percent"], 100 * shown["count"] / shown["n"])
    assert _recovered(table1) == []
    for column in ("mean", "sd"):  # as Table 1 prints them: a mean × n would give n back
        values = table1[column].dropna()
        assert len(values) and np.allclose(values, values.round(2)), column


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.usefixtures("png_figures")
@pytest.mark.parametrize("strict", [False, True])
def test_the_hubs_curves_and_risk_sets_carry_no_more_than_their_disclosed_counts(
    pooled: dict[str, Any], strict: bool
) -> None:
    rounding = 10 if strict else 5
    folder = pooled[strict]["out"]
    if not (folder / "results" / "curves.csv").exists():
        assert strict  # under 20 these small authorities share no risk-set table
        return
    curves = _read(folder, "curves")
    for (_, _), part in curves.groupby(["authority", "group"]):
        part = part.sort_values("time")
        size = float(part["at_risk"].iloc[0])
        assert _whole(part["estimate"] * size, rounding), part["authority"].iloc[0]
    assert "std_error" not in curves.columns  # an exact one would give the counts back
    risk_sets = _read(folder, "risk_sets")
    for column in ("at_risk", "events", "censored"):
        assert _whole(risk_sets[column].dropna(), rounding), column


def _observed_risks(effects: pd.DataFrame) -> pd.DataFrame:
    """The unadjusted risks an outsider solves from a published difference and log ratio.

    d = p1 - p0 and r = exp(log ratio) = p1 / p0 give p0 = d / (r - 1) and p1 = r p0.
    """
    rows = effects[effects["estimator"] == "unadjusted"]
    wide = rows.pivot_table(index=["authority", "horizon"], columns="estimand", values="estimate")
    if not {"risk_difference", "log_risk_ratio"} <= set(wide.columns):
        return pd.DataFrame(columns=["treated", "untreated"])  # none shown
    wide = wide.dropna()
    ratio = np.exp(wide["log_risk_ratio"])
    untreated = wide["risk_difference"] / (ratio - 1)
    return pd.DataFrame({"treated": ratio * untreated, "untreated": untreated})


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.usefixtures("png_figures")
def test_the_hubs_effects_by_authority_carry_no_more_than_disclosed_counts(
    pooled: dict[str, Any],
) -> None:
    """An authority's observed risks, solved from its published unadjusted difference and
    ratio, were its exact risks (0.16374273433846978 of 88 treated spells: 14.4 expected
    escalations, undoing the rounding of every count); now each is a disclosed count over
    the arm's disclosed size, as a run's observed curves are. (Under 20 these small
    authorities show no effect at all.)"""
    rules = DisclosureRules()
    risks = _observed_risks(_read(pooled[False]["out"], "effects_by_authority"))
    assert len(risks)
    for pack in small_packs(False):
        table = pack.tables["risk_sets"].sort_values("interval_start").drop_duplicates("group")
        sizes = dict(zip(table["group"], table["at_risk"].astype(int), strict=True))
        for (authority, horizon), row in risks.iterrows():
            if authority != pack.authority:
                continue
            for group in ("treated", "untreated"):
                shown = disclose_count(sizes[group], rules)
                assert _whole(row[group] * shown, rules.rounding), (authority, horizon, group)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.usefixtures("png_figures")
def test_the_pooled_manifest_records_the_packs_read_and_the_rules(
    pooled: dict[str, Any],
) -> None:
    for strict in (False, True):
        run = pooled[strict]
        manifest = json.loads((run["out"] / "manifest.json").read_text())
        recorded = {p["file"]: p["sha256"] for p in manifest["packs"]}
        expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in run["paths"]}
        assert recorded == expected
        assert manifest["input_hash"] and len(manifest["input_hash"]) == 64
        assert manifest["disclosure"]["threshold"] == (20 if strict else 10)
        assert manifest["disclosure"]["rounding"] == (10 if strict else 5)
    hashes = {
        json.loads((pooled[s]["out"] / "manifest.json").read_text())["input_hash"]
        for s in (False, True)
    }
    assert len(hashes) == 2


def test_the_pooled_brief_carries_no_date(pooled: dict[str, Any]) -> None:
    """docs/outputs.md: no output carries the time it was written (the manifest's
    ``created`` does); the pooled brief said "Pooled with escalation ... on <today>"."""
    import datetime as dt

    page = (pooled[False]["out"] / "brief.html").read_text(encoding="utf-8")
    assert "Pooled with escalation" in page
    assert dt.date.today().isoformat() not in page


def test_a_packs_own_effects_carry_no_more_than_disclosed_counts() -> None:
    """The pack leaves the authority: its effects table published each arm's exact
    observed risk (1/6 of an arm: an exact count of escalations by each horizon, however
    few between two horizons), and its difference and log ratio gave them back as well.
    Now every observed risk, written or solved from its contrasts, is a disclosed count
    over the arm's disclosed size, as the hub's republished table is."""
    rules = DisclosureRules()
    checked = 0
    for pack, sim in zip(small_packs(False), small_authorities().authorities.values(), strict=True):
        effects = pack.tables["effects"].assign(authority=pack.authority)
        # each arm's spells (a pack whose risk sets are withheld does not show them)
        arm = build_spells(sim.history, design()).spells["treatment"]
        sizes = {"treated": int((arm == 1).sum()), "untreated": int((arm == 0).sum())}
        written = effects[effects["estimator"] == "unadjusted"].pivot_table(
            index=["authority", "horizon"], columns="estimand", values="estimate"
        )
        written = written.rename(columns={"risk_treated": "treated", "risk_untreated": "untreated"})
        for risks in (written[["treated", "untreated"]].dropna(), _observed_risks(effects)):
            for (authority, horizon), row in risks.iterrows():
                for group in ("treated", "untreated"):
                    shown = disclose_count(sizes[group], rules)
                    assert _whole(row[group] * shown, rules.rounding), (authority, horizon, group)
                    checked += 1
    assert checked, "no pack shows an unadjusted effect"


def test_check_pack_refuses_withheld_counts_of_a_group_adding_up_to_a_small_count() -> None:
    """Two withheld levels of 3 and 1 beside a published 36 of 40: 40 - 36 = 4 for both."""
    rows = [
        ("sex", "F", "all", 100.0, 66.0),
        ("sex", "M", "all", 100.0, np.nan),  # 23
        ("sex", "U", "all", 100.0, np.nan),  # 11
        ("sex", "F", "treated", 40.0, 36.0),
        ("sex", "M", "treated", 40.0, np.nan),  # 3
        ("sex", "U", "treated", 40.0, np.nan),  # 1
        ("sex", "F", "untreated", 60.0, 30.0),
        ("sex", "M", "untreated", 60.0, np.nan),  # 20
        ("sex", "U", "untreated", 60.0, np.nan),  # 10
    ]
    table = pd.DataFrame(rows, columns=["covariate", "level", "group", "n", "count"])
    table = table.assign(mean=np.nan, sd=np.nan)
    with pytest.raises(DataValidationError, match="group treated add up to under 10") as error:
        check_pack({"covariates": table})
    assert "group untreated" not in str(error.value)  # 60 - 30 = 30 withheld there
    assert "group all" not in str(error.value)  # 100 - 66 = 34
    # with F withheld too in every group, the treated ones withheld add up to 40
    check_pack({"covariates": table.assign(count=np.nan)})


def test_check_pack_refuses_an_escalation_rate_that_gives_a_small_count() -> None:
    """8 of 200 spells escalated: the rate gives the 8 back (and the two arms' withheld
    escalations add up to it); 192 of 200 gives the 8 without one back."""
    arms = pd.DataFrame({"events_treated": [np.nan], "events_untreated": [np.nan]})
    for rate in (8 / 200, 192 / 200):
        authority = pd.DataFrame({"spells": [200], "escalation_rate": [rate]})
        with pytest.raises(DataValidationError, match="escalation_rate times spells"):
            check_pack({"authority": authority, "hazard_ratios": arms})
    check_pack({"authority": authority.assign(escalation_rate=40 / 200), "hazard_ratios": arms})
