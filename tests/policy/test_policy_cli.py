"""``escalation policy``: the files it writes, and the flag for a change after registration."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pytest

from escalation.cli import main
from escalation.data.io import write_case_history
from escalation.design import ComputeSpec, DataSpec, default_design, register_design
from tests.policy.policy_support import authority


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_policy_command_flags_a_design_changed_after_registration(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, _ = authority(4000, 3)
    write_case_history(sim.history, tmp_path / "data")
    design = default_design()
    assert design.policy is not None and design.criteria is not None
    design = design.replace(
        data=DataSpec(path="data", extract_date="2024-03-31"),
        policy=dataclasses.replace(design.policy, rules=("no_one", "risk"), folds=2),
        # Three small Cox fits: here, not on worker processes started for them (the
        # results are the same on any number: test_policy_rules).
        compute=ComputeSpec(workers=1),
    )
    file = design.write(tmp_path / "design.toml")
    register_design(file)
    # The threshold is lowered after registration: the run must say so.
    design.replace(criteria=dataclasses.replace(design.criteria, min_precision=0.1)).write(file)
    out = tmp_path / "out"
    assert main(["policy", str(file), "--out", str(out), "--seed", "2"]) == 0
    printed = capsys.readouterr().out
    assert "changed after registration" in printed
    assert "[criteria] min_precision: 0.65 -> 0.1" in printed
    criteria = pd.read_csv(out / "policy_criteria.csv")
    assert set(criteria["registration"]) == {"changed after registration"}
    assert criteria.loc[criteria["criterion"] == "min_precision", "threshold"].iloc[0] == 0.1
    values = pd.read_csv(out / "policy_values.csv")
    assert set(values["rule"]) == {"current_practice", "no_one", "risk_cox"}
    assert "Highest predicted risk (Cox)" in set(values["label"])
    for name in ("policy_groups.csv", "policy_values.png", "policy_values.svg",
                 "manifest.json", "design.toml"):  # fmt: skip
        assert (out / name).exists(), name
    # Written through the output folder: the manifest lists every file, with the
    # registration, the disclosure rules and the policy settings.
    manifest = json.loads((out / "manifest.json").read_text())
    listed = {o["path"] for o in manifest["outputs"]}
    assert {"policy_values.csv", "model_cards/risk_cox_policy.md"} <= listed
    assert manifest["registration"]["status"] == "changed"
    assert manifest["disclosure"]["threshold"] == 10
    assert manifest["policy"]["capacity_per_1000"] == 300
    card_text = (out / "model_cards" / "risk_cox_policy.md").read_text()
    assert "Statistical disclosure control" in card_text

    card = (out / "model_cards" / "risk_cox_policy.md").read_text()
    assert "## If offers of early help followed the score" in card
    assert "must never make the decision" in card
    child_ids = set(sim.history.children["child_id"].astype(str))
    for csv in out.glob("*.csv"):
        assert child_ids.isdisjoint(pd.read_csv(csv).astype(str).to_numpy().ravel()), csv


def test_policy_command_needs_a_policy_section(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim, _ = authority(4000, 3)
    write_case_history(sim.history, tmp_path / "data")
    design = default_design().replace(
        data=DataSpec(path="data", extract_date="2024-03-31"), policy=None, criteria=None
    )
    file = design.write(tmp_path / "design.toml")
    assert main(["policy", str(file), "--out", str(tmp_path / "out")]) == 2
    assert "no [policy] section" in capsys.readouterr().err


def test_the_command_s_figure_names_the_horizon_and_its_console_no_nan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`escalation policy` drew the figure without the horizon (its y axis read "Escalations
    prevented per 1,000", where a study run's reads "... within 365 days"), and printed
    "flags   nan per 1,000" for a rule whose offers were withheld for disclosure."""
    from types import SimpleNamespace

    import escalation.cli.policy as command
    from escalation.disclosure import DisclosureRules
    from tests.policy.test_policy_brief_offers import _study

    drawn: list[object] = []
    monkeypatch.setattr(command, "save_figure", lambda plot, path: drawn.append(plot))
    study = _study("risk_cox")
    command._write(tmp_path, study, DisclosureRules())
    (plot,) = drawn
    assert plot.labels.y == "Escalations prevented per 1,000\nwithin 365 days"  # type: ignore[attr-defined]
    row = SimpleNamespace(label="Learned tree", flagged_per_1000=float("nan"),
                          prevented_per_1000=4.0, conf_low=1.0, conf_high=7.0)  # fmt: skip
    line = command._console_line(row)
    assert "nan" not in line and "flags too few to show; prevents   4.0" in line
