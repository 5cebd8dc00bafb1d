"""``escalation estimate design.toml --out DIR`` on a synthetic history."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from escalation.cli import estimate as estimate_command
from escalation.data.history import CaseHistory
from escalation.data.io import write_case_history
from escalation.data.validate import validate_case_history
from escalation.design import default_design
from escalation.errors import StatisticalWarning
from tests.timeline.timeline_support import synthetic_history


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="escalation")
    estimate_command.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def test_estimate_writes_effects_and_diagnostics(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = validate_case_history(synthetic_history(6000, seed=4), lenient=True)
    write_case_history(history, tmp_path / "data")
    text = default_design().to_toml().replace("[data]\n", '[data]\npath = "data"\n', 1)
    (tmp_path / "design.toml").write_text(text)
    args = parse(
        "estimate", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out"),
        "--bootstrap", "4", "--refutations", "2", "--trees", "8", "--no-progress",
    )  # fmt: skip
    with pytest.warns(StatisticalWarning) as caught:
        assert args.func(args) == 0
    assert any("immortal time" in str(w.message) for w in caught)
    out = tmp_path / "out"
    effects = pd.read_csv(out / "effects.csv")
    assert list(effects.columns[:7]) == [
        "estimator", "horizon", "estimand", "estimate", "std_error", "conf_low", "conf_high",
    ]  # fmt: skip
    assert set(effects["estimator"]) == {"unadjusted", "ipw", "gformula", "aipw", "ccw"}
    # Every row names its population after the fixed columns: the design's estimators
    # estimate the effect on every child; the unadjusted rows are the crude contrast.
    assert effects.columns[7] == "population"
    assert effects.groupby("estimator")["population"].unique().map(list).to_dict() == {
        "unadjusted": ["crude"], "ipw": ["all"], "gformula": ["all"], "aipw": ["all"],
        "ccw": ["all"],
    }  # fmt: skip
    assert set(effects["horizon"]) == {365, 730}
    assert list(effects["estimand"].unique()) == [
        "risk_treated", "risk_untreated", "risk_difference", "risk_ratio", "rmst_difference",
    ]  # fmt: skip
    # Horizons where an arm has fewer than 10 children with (or without) an escalation are
    # blanked by disclosure control; the rest are estimated.
    shown = effects[~effects["suppressed"]]
    assert len(shown) and shown["std_error"].gt(0).all()
    assert effects.loc[effects["suppressed"], "estimate"].isna().all()
    effects = shown
    risks = effects[
        effects["estimand"].str.startswith("risk_t") | (effects["estimand"] == "risk_untreated")
    ]
    assert risks["estimate"].between(0, 1).all()
    balance = pd.read_csv(out / "balance.csv")
    assert set(balance["sample"]) == {"unweighted", "weighted"}
    for name in ("weights.csv", "refutations.csv", "heterogeneity.csv", "evalues.csv"):
        assert len(pd.read_csv(out / name)) > 0
    text_out = (out / "effects.csv").read_text() + (out / "balance.csv").read_text()
    assert "c1" not in text_out.split(",")  # no child identifiers
    assert "Wrote effects.csv" in capsys.readouterr().out


@pytest.fixture(scope="module")
def small_authority(tmp_path_factory: pytest.TempPathFactory) -> tuple[CaseHistory, Path]:
    """``escalation estimate`` on a simulated authority of 700 children: the history and
    the output folder (small enough that disclosure control blanks rows)."""
    from escalation.data.simulator import simulate_local_authority

    folder = tmp_path_factory.mktemp("estimate")
    history = simulate_local_authority(700, seed=4).history
    write_case_history(history, folder / "data")
    text = default_design().to_toml().replace("[data]\n", '[data]\npath = "data"\n', 1)
    (folder / "design.toml").write_text(text)
    args = parse(
        "estimate", str(folder / "design.toml"), "--out", str(folder / "out"),
        "--bootstrap", "0", "--refutations", "0", "--trees", "8", "--no-progress",
    )  # fmt: skip
    with pytest.warns(StatisticalWarning):
        assert args.func(args) == 0
    return history, folder / "out"


def _one_blanked_level(table: pd.DataFrame) -> list[tuple[object, object]]:
    """(horizon, subgroup) pairs with exactly one level's estimate blanked."""
    levels = table[table["subgroup"] != "all"]
    blanked = levels["estimate"].isna().groupby([levels["horizon"], levels["subgroup"]]).sum()
    return [key for key, count in blanked.items() if count == 1]


def test_estimate_withholds_the_subgroup_effects_a_run_withholds(
    small_authority: tuple[CaseHistory, Path],
) -> None:
    """heterogeneity.csv went through disclose_table of ``n`` only: on a small authority it
    published the whole cohort's AIPW risk difference at 365 days that effects.csv blanks
    (too few escalations in an arm), and levels resting on 2 treated escalations. Now each
    shown level (and the whole cohort) has 10 children with and without an escalation in
    each arm, the whole cohort's row is blanked where effects.csv's AIPW row is, and no
    subgroup has a single blanked level (it would be N x all - sum n x level)."""
    from escalation.causal.heterogeneity import subgroup_levels
    from escalation.timeline import build_spells

    history, out = small_authority
    effects = pd.read_csv(out / "effects.csv")
    table = pd.read_csv(out / "heterogeneity.csv", dtype={"level": str})
    aipw = effects.query("estimator == 'aipw' and estimand == 'risk_difference'")
    whole = table[table["subgroup"] == "all"]
    assert aipw["suppressed"].any()  # the case: at 365 days an arm has too few escalations
    assert dict(zip(whole["horizon"], whole["suppressed"], strict=True)) == dict(
        zip(aipw["horizon"], aipw["suppressed"], strict=True)
    )
    assert table.loc[table["suppressed"], ["estimate", "std_error", "conf_low"]].isna().all(None)
    assert (table["conf_level"] == 0.95).all()
    assert _one_blanked_level(table) == []
    spells = build_spells(history, default_design()).spells.reset_index(drop=True)
    levels = subgroup_levels(spells)
    for row in table[table["estimate"].notna()].itertuples():
        mine = spells if row.subgroup == "all" else spells[levels[row.subgroup] == row.level]
        for arm in (0, 1):
            part = mine[mine["treatment"] == arm]
            hit = int(((part["event"] == 1) & (part["duration"] <= row.horizon)).sum())
            assert min(hit, len(part) - hit) >= 10, (row.subgroup, row.level, arm, hit)


def test_estimate_balance_gives_back_no_count_table_one_withholds(
    small_authority: tuple[CaseHistory, Path],
) -> None:
    """balance.csv of ``escalation estimate`` was disclosed without Table 1's hidden cells
    (``disclose_balance(withheld=)``, which a run passes): on 700 simulated children it
    published the SMDs of ``ethnicity_other``, ``need_other`` and ``source_other``, whose
    counts Table 1 withholds (<10 or [c]); an SMD from disclosed counts gives such a count
    back against the other arm's. Now every covariate Table 1 hides is blank, before and
    after weighting, as in a run."""
    from escalation.causal import estimate_effects, table_one
    from escalation.report.table_one import hidden_indicators
    from escalation.timeline import build_spells

    history, out = small_authority
    balance = pd.read_csv(out / "balance.csv")
    data = build_spells(history, default_design())
    with pytest.warns(StatisticalWarning):  # the same separation caveats as the command's
        coding = estimate_effects(data, bootstrap=0, seed=1, progress=False).propensity.coding
    hidden = hidden_indicators(table_one(data), coding)
    assert {"ethnicity_other", "need_other", "source_other"} <= hidden  # the case
    rows = balance[balance["covariate"].isin(hidden)]
    assert set(rows["covariate"]) == hidden
    assert rows["suppressed"].all() and rows["smd"].isna().all(), rows
    assert balance.loc[~balance["covariate"].isin(hidden), "smd"].notna().any()
