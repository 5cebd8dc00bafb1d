"""Counts hidden by complementary suppression stay hidden, and are not called small.

When counts that add up to a published total have one count below the threshold, the
smallest other is suppressed too. That other count is not small: the flow figure marks it
``[c]``, not ``<10``, and the brief says "not shown", never its raw value (from which the
small one follows by subtraction) nor "fewer than 10" (which would be false).
"""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import escalation.pipeline as pipeline
from escalation import SpellData, default_design, simulate_local_authority

#: A cohort as in the demo of 3,000 children: deaths below 10, so the escalations (the
#: smallest other count adding up to the spells) are suppressed with them.
GLANCE = {"n": 1441, "children": 1203, "events": 228, "competing": 4, "censored": 1209}
#: A flow whose block of exclusions has one small count (4 children, 5 episodes) and one
#: that is not (30 children, 39 episodes), hidden to protect it.
FLOW = pd.DataFrame(
    {
        "stage": ["entered", "excluded", "excluded", "remaining"],
        "rule": ["history", "open", "age", "spells"],
        "description": ["children in the history", "still open", "aged 18 or over", "spells"],
        "children": [1000, 4, 30, 966],
        "episodes": [3000, 5, 39, 2956],
    }
)


@pytest.fixture(scope="module")
def run_with(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the description and the brief on a cohort and flow with these counts.

    One run for the module: both tests read its files and figures and change nothing (each
    test ran the same study in its own folder before).
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        return _run_with(tmp_path_factory.mktemp("complementary"), monkeypatch)


def _run_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    glance = SpellData.glance

    def crafted(self: SpellData) -> pd.DataFrame:
        return glance(self).assign(**GLANCE, treated=500)

    describe = pipeline._describe

    def with_flow(run: Any, data: SpellData) -> None:
        object.__setattr__(data, "flow", FLOW.copy())
        describe(run, data)

    plots: dict[str, Any] = {}
    save = pipeline._write_figure

    def capture(plot: Any, stem: Path, *args: Any) -> Any:
        plots[Path(stem).name] = plot
        return save(plot, stem, *args)

    monkeypatch.setattr(SpellData, "glance", crafted)
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


def test_complementary_flow_figure_marks_the_hidden_count_not_small(
    run_with: dict[str, Any],
) -> None:
    flow = pd.read_csv(run_with["out"] / "results" / "flow.csv")
    assert flow["children"].isna().tolist() == [False, True, True, False]
    boxes = run_with["plots"]["flow"].data
    (side,) = boxes.loc[boxes["kind"] == "excluded", "text"]
    side = " ".join(side.split())
    assert "Still open: <10 children; <10 episodes" in side
    # 30 children and 39 episodes: hidden, but not fewer than 10.
    assert "Aged 18 or over: [c] children; [c] episodes" in side


def test_complementary_brief_takes_its_counts_from_the_disclosed_table(
    run_with: dict[str, Any],
) -> None:
    out = run_with["out"]
    cohort = pd.read_csv(out / "results" / "cohort.csv").set_index("measure")["count"]
    assert pd.isna(cohort["escalations"]) and pd.isna(cohort["competing events"])
    text = _text(out / "brief.html")
    facts = dict(
        re.findall(
            r"(Went on to escalate \(any time in follow-up\)|Died during follow-up|Children) "
            r"(not shown|fewer than 10|[\d,]+)",
            text,
        )
    )
    # Not 230 (the rounded raw count): spells minus censored would give the deaths away.
    assert facts["Went on to escalate (any time in follow-up)"] == "not shown"
    assert facts["Died during follow-up"] == "fewer than 10"
    assert facts["Children"] == f"{int(cohort['children']):,}"
    for raw in ("228", "230", "225"):
        assert not re.search(rf"Went on to escalate \(any time in follow-up\) {raw}\b", text)
