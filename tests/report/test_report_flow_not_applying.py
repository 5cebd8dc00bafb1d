"""A rule that cannot leave a child out, by the design, is shown as not applying.

The spell rule keeps the first spell of every child: it leaves episodes out, never a
child, so its count of children is 0 by construction. The flow figure showed it as "<10
children", like a rule that could have left children out and left fewer than 10; and,
suppressed, that zero made disclosure control withhold another count of its block to
protect it ("[c]"), which protected nothing. A rule that could leave children out and left
none still reads "<10".
"""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import escalation.pipeline as pipeline
from escalation import SpellData, default_design, simulate_local_authority
from escalation.timeline import build_spells

#: Exclusions: unusable episodes of 50 children, and the reason rule left no child out (it
#: could have); then the age rule left 30 children out (and 39 episodes), and the spell
#: rule 45 episodes and, as ever, no child.
FLOW = pd.DataFrame(
    [
        ("entered", "history", "children in the history", 1000, 3000),
        ("excluded", "unusable_episode", "unusable episodes", 50, 60),
        ("excluded", "reason", "referral ended with another closure reason", 0, 0),
        ("remaining", "candidates", "candidate time-zero episodes", 950, 2940),
        ("excluded", "age", "aged 18 or over", 30, 39),
        ("excluded", "spell_rule", "eligible spells that are not the first of the child", 0, 45),
        ("remaining", "spells", "spells analysed", 920, 2856),
    ],
    columns=["stage", "rule", "description", "children", "episodes"],
)


@pytest.fixture(scope="module")
def run_with(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the description and the brief with this flow (one run for the module)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _run_with(tmp_path_factory.mktemp("not_applying"), monkeypatch)


def _run_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    describe = pipeline._describe

    def with_flow(run: Any, data: SpellData) -> None:
        object.__setattr__(data, "flow", FLOW.copy())
        describe(run, data)

    plots: dict[str, Any] = {}
    save = pipeline._write_figure

    def capture(plot: Any, stem: Path, *args: Any) -> Any:
        plots[Path(stem).name] = plot
        return save(plot, stem, *args)

    monkeypatch.setattr(pipeline, "_describe", with_flow)
    monkeypatch.setattr(pipeline, "_write_figure", capture)
    monkeypatch.setattr(pipeline, "available", lambda: False)  # figures drawn here
    out = tmp_path / "out"
    pipeline.run_study(
        simulate_local_authority(300, seed=5).history,
        default_design(),
        out=out,
        progress=False,
        stages=("describe", "brief"),
        design_file=tmp_path / "design.toml",
    )
    return {"out": out, "plots": plots}


def _text(path: Path) -> str:
    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", path.read_text())
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", text)))


def test_flow_table_shows_the_spell_rule_leaving_no_child_as_not_applying(
    run_with: dict[str, Any],
) -> None:
    flow = pd.read_csv(run_with["out"] / "results" / "flow.csv").set_index("rule")
    # Not a suppressed count: no count at all.
    assert pd.isna(flow.loc["spell_rule", "children"])
    assert not flow.loc["spell_rule", "suppressed"]
    assert flow.loc["spell_rule", "not_applicable"] == "children"
    assert flow["not_applicable"].isna().sum() == len(flow) - 1  # empty elsewhere
    assert flow.loc["spell_rule", "episodes"] == 45
    # No count withheld to protect it: the age rule's 30 children are shown.
    assert flow.loc["age", "children"] == 30
    # A rule that could have left children out and left none is a count below 10.
    assert pd.isna(flow.loc["reason", "children"]) and flow.loc["reason", "suppressed"]
    assert pd.isna(flow.loc["unusable_episode", "children"])  # withheld to protect it


def test_flow_figure_and_brief_show_the_spell_rule_leaving_no_child_as_not_applying(
    run_with: dict[str, Any],
) -> None:
    boxes = run_with["plots"]["flow"].data
    side = " ".join(" ".join(boxes.loc[boxes["kind"] == "excluded", "text"]).split())
    assert "Eligible spells that are not the first of the child: — children; 45 episodes" in side
    assert "Aged 18 or over: 30 children; 40 episodes" in side
    assert "ended with another closure reason: <10 children; <10 episodes" in side
    brief = _text(run_with["out"] / "brief.html")
    assert "—: does not apply (keeping one spell of each child leaves no child out)" in brief


def test_keeping_every_spell_lists_no_spell_rule() -> None:
    """With spells = "all" the spell rule leaves nothing out: no row, as other rules that
    do not apply to the design (it read "dropped by the spell rule (all kept)": <10)."""
    design = default_design()
    design = dataclasses.replace(
        design, time_zero=dataclasses.replace(design.time_zero, spells="all")
    )
    data = build_spells(simulate_local_authority(60, seed=1).history, design)
    assert "spell_rule" not in set(data.flow["rule"])
    assert data.flow.loc[data.flow["rule"] == "spells", "episodes"].item() == len(data.spells)
