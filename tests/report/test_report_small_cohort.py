"""A local authority of 80 children: no CSV, figure or brief reveals a count under 10.

The demo runs on 80 simulated children (``keep_going``: the risk tool cannot be validated
on so few). Every table it writes is checked column by column, every figure it draws is
checked on the data the figure plots (captured as it is saved), and the curves and effect
estimates are checked against event counts recomputed from the written case histories.
The ``estimate`` command is checked the same way on the same data.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.pipeline as pipeline
from escalation import build_spells, read_case_history, read_design
from escalation.cli import main
from escalation.cli.run import run_demo
from escalation.disclosure import disclose_count
from tests.figure_formats import png_figures
from tests.report.alt_support import check_alt_texts

THRESHOLD = 10
#: Columns that hold counts of children, spells, episodes or events.
COUNTS = {
    "n", "children", "episodes", "events", "at_risk", "count", "treated", "censored",
    "competing", "spells", "ess", "sum", "n_extreme", "n_extreme_treated",
    "n_extreme_untreated",
}  # fmt: skip


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("small") / "demo"
    plots: dict[str, Any] = {}
    briefs: list[Any] = []
    save, write = pipeline._write_figure, pipeline.write_brief

    def capture(plot: Any, stem: Path, *args: Any) -> Any:
        plots[Path(stem).name] = plot
        return save(plot, stem, *args)

    def keep(brief: Any, path: Path, **kwargs: Any) -> Any:
        briefs.append(brief)
        return write(brief, path, **kwargs)

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numerical warnings of tiny data, as on the CLI
        patch.setattr(pipeline, "_write_figure", capture)
        patch.setattr(pipeline, "write_brief", keep)
        # figures drawn in this process, where _write_figure is seen (the helper process
        # writes the same files: test_report_pipeline)
        patch.setattr(pipeline, "available", lambda: False)
        with png_figures():  # the checks read tables, the PNGs and the plots drawn
            outputs = run_demo(
                out, children=80, seed=1, bootstrap=0, progress=False, keep_going=True
            )
    design = read_design(out / "design.toml")
    spells = build_spells(read_case_history(out / "data"), design).spells
    yield {"out": out, "outputs": outputs, "plots": plots, "spells": spells, "brief": briefs[0]}


def assert_counts_disclosed(frame: pd.DataFrame, where: str) -> None:
    """Every count is missing, or at least 10 and a multiple of 5."""
    for column in frame.columns:
        if str(column) not in COUNTS:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").dropna().to_numpy()
        bad = values[(values < THRESHOLD) | (values % 5 != 0)]
        assert len(bad) == 0, f"{where}: {column} reveals {bad.tolist()}"
    if {"metric", "estimate"} <= set(frame.columns):
        rows = frame[frame["metric"].isin(["n", "events"])]
        assert_counts_disclosed(rows.rename(columns={"estimate": "count"})[["count"]], where)


def events_between(spells: pd.DataFrame, arm: int | None, low: float, high: float) -> int:
    """Escalations in one arm (or all spells) with low < time <= high."""
    part = spells if arm is None else spells[spells["treatment"] == arm]
    t = part.loc[part["event"] == 1, "duration"].to_numpy(float)
    return int(((t > low) & (t <= high)).sum())


def assert_steps_rest_on_ten_events(
    curves: pd.DataFrame, spells: pd.DataFrame, keys: list[str], value: str, arm_of: Callable
) -> None:
    """Each change between shown values of a curve rests on at least 10 events."""
    shown = curves[~curves["suppressed"].astype(bool)]
    for key, curve in shown.groupby(keys):
        curve = curve.sort_values("time")
        values = curve[value].to_numpy(float)
        since = curve["shown_from"].to_numpy(float)
        for i in range(1, len(curve)):
            if abs(values[i] - values[i - 1]) > 1e-12:
                n = events_between(spells, arm_of(key), since[i - 1], since[i])
                assert n >= THRESHOLD, f"{key}: a step at {since[i]} rests on {n} events"


def test_small_cohort_every_table_is_disclosed(study: dict[str, Any]) -> None:
    out, spells = study["out"], study["spells"]
    assert len(spells) < 60  # a cohort where small counts are everywhere
    tables = sorted((out / "results").glob("*.csv"))
    assert {p.stem for p in tables} >= {"flow", "cohort", "effects", "adjusted_curves"}
    for path in tables:
        assert_counts_disclosed(pd.read_csv(path), path.name)
    weights = pd.read_csv(out / "results" / "weights.csv")
    assert weights[["min", "max"]].isna().all().all()  # one child's weight each


def test_small_cohort_blanked_counts_are_marked_suppressed(study: dict[str, Any]) -> None:
    """Every CSV with a blanked count says so in its ``suppressed`` column (docs/outputs.md);
    a count that does not apply (zero by construction) is named in ``not_applicable``."""
    checked = set()
    for path in sorted((study["out"] / "results").glob("*.csv")):
        table = pd.read_csv(path)
        counts = [c for c in table.columns if str(c) in COUNTS]
        blanks = table[counts].isna() if counts else pd.DataFrame(index=table.index)
        if "not_applicable" in table.columns:
            named = table["not_applicable"].fillna("").astype(str)
            for column in counts:
                blanks[column] &= ~named.str.split(", ").map(lambda names, c=column: c in names)
        blank = blanks.any(axis=1) if counts else pd.Series(False, table.index)
        if not blank.any():
            continue
        assert "suppressed" in table.columns, f"{path.name} blanks counts without saying so"
        assert table.loc[blank, "suppressed"].astype(bool).all(), path.name
        checked.add(path.stem)
    assert {"flow", "transitions"} <= checked


def test_small_cohort_curves_step_by_at_least_ten_events(study: dict[str, Any]) -> None:
    out, spells = study["out"], study["spells"]
    curves = pd.read_csv(out / "results" / "adjusted_curves.csv")
    arm = {"treated": 1, "untreated": 0}
    assert_steps_rest_on_ten_events(
        curves, spells, ["estimator", "group"], "estimate", lambda key: arm[key[1]]
    )
    # The treated arm's unadjusted curve cannot step by one child (1/15) any more.
    unadjusted = curves[(curves["estimator"] == "unadjusted") & ~curves["suppressed"]]
    treated = (spells["treatment"] == 1).sum()
    steps = np.diff(unadjusted.loc[unadjusted["group"] == "treated", "estimate"].to_numpy())
    children = np.abs(steps[steps != 0]) * treated
    assert not np.any(np.isclose(children, np.round(children)) & (np.round(children) < 10))
    states = pd.read_csv(out / "results" / "state_occupation.csv")
    moved = spells.assign(event=(spells["event"] != 0).astype(int))
    assert_steps_rest_on_ten_events(states, moved, ["state"], "probability", lambda key: None)


def test_small_cohort_effects_rest_on_ten_children_each_way(study: dict[str, Any]) -> None:
    out, spells = study["out"], study["spells"]
    effects = pd.read_csv(out / "results" / "effects.csv")
    for horizon, rows in effects.groupby("horizon"):
        if rows["estimate"].isna().all():
            continue
        for arm in (0, 1):
            part = spells[spells["treatment"] == arm]
            hit = int(((part["event"] == 1) & (part["duration"] <= horizon)).sum())
            assert min(hit, len(part) - hit) >= THRESHOLD, (horizon, arm)


FigureCheck = Callable[[pd.DataFrame, dict[str, Any]], None]


def shown(out: Path, name: str) -> pd.DataFrame:
    table = pd.read_csv(out / "results" / f"{name}.csv")
    return table[~table["suppressed"].astype(bool)] if "suppressed" in table else table


def within(values: pd.Series, allowed: pd.Series, what: str) -> None:
    plotted = set(np.round(pd.to_numeric(values, errors="coerce").dropna(), 10))
    table = set(np.round(pd.to_numeric(allowed, errors="coerce").dropna(), 10))
    assert plotted <= table, f"{what} plots values its table does not show"


def check_flow(data: pd.DataFrame, study: dict[str, Any]) -> None:
    text = " ".join(data.select_dtypes("object").astype(str).to_numpy().ravel())
    numbers = re.findall(r"(<10|\[c\]|[\d,]+) (?:children|episodes)", text)
    assert numbers, "the flow diagram shows no counts"
    for number in numbers:
        if number not in ("<10", "[c]"):
            value = int(number.replace(",", ""))
            assert value >= THRESHOLD and value % 5 == 0, f"flow shows {number}"


def check_curves(name: str) -> FigureCheck:
    def check(data: pd.DataFrame, study: dict[str, Any]) -> None:
        within(data["estimate"], shown(study["out"], "adjusted_curves")["estimate"], name)

    return check


def check_overlap(data: pd.DataFrame, study: dict[str, Any]) -> None:
    spells = study["spells"]
    for (sample, arm), bars in data.groupby(["sample", "treatment"], observed=True):
        if sample != "Unweighted":
            continue
        size = int((spells["treatment"] == (1 if arm == "Early help" else 0)).sum())
        children = np.round((bars["ymax"] - bars["ymin"]).abs() * size).to_numpy()
        small = children[(children > 0) & (children < THRESHOLD)]
        assert len(small) == 0, f"overlap bars of {small.tolist()} children"


def check_effect_distribution(data: pd.DataFrame, study: dict[str, Any]) -> None:
    bars = data["children"].to_numpy(float)
    assert not np.any((bars > 0) & (bars < THRESHOLD))


def check_subgroups(data: pd.DataFrame, study: dict[str, Any]) -> None:
    table = pd.read_csv(study["out"] / "results" / "subgroups.csv")
    hidden = set(table.loc[table["suppressed"], "level"].astype(str))
    assert not hidden & set(data["level"].astype(str)), "plots a suppressed subgroup"
    within(data["estimate"], shown(study["out"], "subgroups")["estimate"], "subgroup effects")


def check_love(data: pd.DataFrame, study: dict[str, Any]) -> None:
    table = shown(study["out"], "balance")
    assert set(data["covariate"].astype(str)) <= set(table["covariate"].astype(str))


def check_states(data: pd.DataFrame, study: dict[str, Any]) -> None:
    # A state suppressed at a time (fewer than 10 expected in it) is drawn at zero.
    drawn = pd.to_numeric(data["probability"], errors="coerce")
    within(drawn[drawn != 0], shown(study["out"], "state_occupation")["probability"], "states")


def check_points(data: pd.DataFrame, study: dict[str, Any]) -> None:
    counts = data.groupby(["covariate", "time"]).size()
    assert (counts >= THRESHOLD).all(), "a residual point stands for fewer than 10 escalations"


def check_values(name: str, table: str, column: str = "estimate") -> FigureCheck:
    def check(data: pd.DataFrame, study: dict[str, Any]) -> None:
        within(data[column], shown(study["out"], table)[column], name)

    return check


def check_distribution(data: pd.DataFrame, study: dict[str, Any]) -> None:
    """Bars (few distinct values) are shares of an arm: each stands for 0 or >= 10 children."""
    spells = study["spells"]
    before = data[data["sample"] == "Before weighting"]
    if before.groupby("treatment", observed=True).size().max() >= 200:
        return  # a density of the micro-aggregated values: no bar stands for a count
    for arm, bars in before.groupby("treatment", observed=True):
        size = int((spells["treatment"] == (1 if arm == "Early help" else 0)).sum())
        # disclosed count over the disclosed arm size: exact shares would name the size
        children = bars["y"].to_numpy(float) * (disclose_count(size) or 0)
        assert np.allclose(children / 5, np.round(children / 5), atol=1e-9), children
        assert not np.any((children > 0) & (children < THRESHOLD)), "a bar of < 10 children"


def check_transitions(data: pd.DataFrame, study: dict[str, Any]) -> None:
    table = pd.read_csv(study["out"] / "results" / "transitions.csv")
    assert_counts_disclosed(table, "transitions.csv")
    for column in ("n", "count"):
        if column in data.columns:
            values = pd.to_numeric(data[column], errors="coerce").dropna()
            assert ((values >= THRESHOLD) & (values % 5 == 0)).all(), "transition counts"


def check_forest(name: str, table: str) -> FigureCheck:
    def check(data: pd.DataFrame, study: dict[str, Any]) -> None:
        within(data["estimate"], shown(study["out"], table)["estimate"], name)

    return check


CHECKS: dict[str, FigureCheck] = {
    "flow": check_flow,
    "cumulative_incidence": check_curves("cumulative incidence"),
    "adjusted_curves": check_curves("adjusted curves"),
    "risk_differences": check_forest("risk differences", "effects"),
    "love_plot": check_love,
    "propensity_overlap": check_overlap,
    "hazard_ratios": check_forest("hazard ratios", "hazard_ratios"),
    "schoenfeld": check_points,
    "state_occupation": check_states,
    "effect_distribution": check_effect_distribution,
    "subgroup_effects": check_subgroups,
    "hazard_ratio_table": check_forest("hazard ratio table", "hazard_ratios"),
    "difference_curve": check_values("difference curve", "difference_curve"),
    "rmst_curves": check_values("RMST curves", "rmst_curves"),
    "distribution_balance": check_distribution,
    "transitions": check_transitions,
    "roc": check_values("ROC", "roc_curves", "tpr"),
    "precision_recall": check_values("precision-recall", "precision_recall_curves", "precision"),
    "calibration": check_values("calibration", "calibration", "observed"),
    "decision_curve": check_values("decision curve", "decision_curve", "net_benefit"),
    "fairness": check_forest("fairness", "fairness"),
}


def test_small_cohort_every_figure_plots_only_disclosed_data(study: dict[str, Any]) -> None:
    plots, out = study["plots"], study["out"]
    written = {p.stem for p in (out / "figures").glob("*.png")}
    assert written == set(plots), "a figure was saved without passing through the check"
    assert {"flow", "propensity_overlap"} <= written
    # No subgroup of 80 children has 10 with and without an escalation by the horizon in
    # each arm (disclose_subgroups): every level is withheld and the figure is not drawn.
    subgroups = pd.read_csv(out / "results" / "subgroups.csv")
    assert subgroups["estimate"].isna().all() and subgroups["suppressed"].all()
    assert "subgroup_effects" not in written
    for name, plot in plots.items():
        assert name in CHECKS, f"figure {name} has no disclosure check"
        CHECKS[name](plot.data, study)
    # The brief embeds only plots that were checked above.
    embedded = study["brief"].figures
    assert embedded and all(any(f.plot is p for p in plots.values()) for f in embedded)


def test_small_cohort_brief_shows_no_small_count(study: dict[str, Any]) -> None:
    html = (study["out"] / "brief.html").read_text()
    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", html)
    cohort = re.search(r'<table class="facts cohort">(.*?)</table>', text, re.S)
    assert cohort is not None
    cells = re.findall(r'<td class="num">([^<]+)</td>', cohort.group(1))
    assert cells, "the brief lists no cohort counts"
    for cell in cells:
        assert cell in ("fewer than 10", "not shown") or int(cell.replace(",", "")) % 5 == 0, cell
    assert "Statistical disclosure control: counts below 10" in text


def test_small_cohort_brief_images_state_their_findings(study: dict[str, Any]) -> None:
    """Every figure's alt text says what it plots and a disclosed number, or that it is not
    shown (WCAG 2.2 SC 1.1.1); it was one generic phrase per figure."""
    spells = study["spells"]
    ids = pd.concat([spells[c] for c in ("child_id", "family_id") if c in spells.columns])
    notes = read_case_history(study["out"] / "data").notes["text"]
    images = check_alt_texts(study["out"], ids.astype(str), notes)
    titles = [title for _, title in images]
    assert "Who was studied" in titles, titles
    for alt, _ in images:
        # no small count: a number in an alt text is never a count below the threshold
        for count in re.findall(r"(\d[\d,]*) (?:children|spells|episodes)\b", alt):
            assert int(count.replace(",", "")) >= THRESHOLD, alt


def test_small_cohort_estimate_command_is_disclosed(
    study: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = study["out"]
    design = (
        (out / "design.toml")
        .read_text()
        .replace(
            'estimators = ["unadjusted", "ipw", "gformula", "aipw", "ccw"]',
            'estimators = ["unadjusted", "ipw"]',
        )
    )
    design_file = tmp_path / "design.toml"
    design_file.write_text(design)
    target = tmp_path / "estimate"
    argv = ["estimate", str(design_file), "--data", str(out / "data"), "--out", str(target)]
    argv += ["--bootstrap", "0"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([*argv, "--refutations", "0", "--trees", "20", "--no-progress"]) == 0
    capsys.readouterr()
    for name in ("weights", "positivity", "effects", "balance", "heterogeneity", "curves"):
        assert_counts_disclosed(pd.read_csv(target / f"{name}.csv"), f"estimate {name}.csv")
    curves = pd.read_csv(target / "curves.csv")
    arm = {"treated": 1, "untreated": 0}
    assert_steps_rest_on_ten_events(
        curves, study["spells"], ["estimator", "group"], "estimate", lambda key: arm[key[1]]
    )


def _visible_text(html: str) -> str:
    text = re.sub(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", "", html)
    text = re.sub(r"<(style|script|svg)\b.*?</\1>", " ", text, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_small_cohort_brief_lists_what_was_left_out(study: dict[str, Any]) -> None:
    """What was skipped or not drawn, and why, is in the brief (not only in the log)."""
    text = _visible_text((study["out"] / "brief.html").read_text())
    assert "Notes on this run" in text
    notes = text.split("Notes on this run", 1)[1].split("Glossary", 1)[0]
    assert "The comparison of the risk tool between groups: skipped, no validated risk tool" in (
        notes
    )
    # "in one arm or both": beside the cohort's count of escalations, "fewer than 10
    # children escalated" read as if it were the whole cohort's count
    assert (
        "unadjusted risk curves by early help are not drawn: in one arm or both, fewer than "
        f"{THRESHOLD} children escalated"
    ) in notes


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_risk_tool_stage_of_a_tiny_authority_is_skipped_not_failed(tmp_path: Path) -> None:
    """80 simulated children: fewer than 10 escalations by the horizon, so neither the risk
    tool's validation nor the policy study could ever be shown. The stages tried anyway
    and failed (an IndexError from scoring a test set whose models gave no prediction; a
    separated Cox model in the policy study), stopping the demo with exit status 3; they
    are now skipped with the reason in the notes."""
    from escalation import default_design
    from escalation.data.simulator import simulate_local_authority

    history = simulate_local_authority(80, seed=1).history
    outputs = pipeline.run_study(
        history, default_design(), out=tmp_path, progress=False,
        stages=("prediction", "policy"), background_figures=False,
    )  # fmt: skip
    assert [n for n in outputs.notes if n.startswith("prediction: skipped (fewer than 10")]
    assert [n for n in outputs.notes if n.startswith("policy: skipped (fewer than 10")]
    assert not outputs.failures


def test_small_cohort_table_one_note_is_beneath_its_scrolling_box(study: dict[str, Any]) -> None:
    # At 390 px the note was a footer as wide as the table, cut off inside the box that
    # scrolls the SMD and missing columns; it now follows the box, with a cue to scroll.
    from escalation.report.table_one import TABLE_ONE_NOTE

    page = (study["out"] / "brief.html").read_text(encoding="utf-8")
    start = page.index(
        '<div class="table-wrap" role="region" aria-labelledby="table-one" tabindex="0">'
        '<table class="tableone">'
    )
    box = page[start : page.index("</div>", start)]
    assert "<tfoot>" not in box and html.escape(TABLE_ONE_NOTE) not in box
    after = page[page.index("</div>", start) :]
    assert after.index(html.escape(TABLE_ONE_NOTE)) < after.index("</section>")
    assert "The table scrolls sideways" in page[:start][-400:]
