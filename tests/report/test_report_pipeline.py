"""run_study: stages, disclosure of written counts, manifest, brief, skipped stages."""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.pipeline as pipeline
import escalation.predict
from escalation import build_spells, default_design
from escalation.disclosure import RANK_METRICS
from escalation.errors import DesignError, StageError, StatisticalWarning
from escalation.pipeline import numbers_at_risk, run_study
from tests.timeline.timeline_support import synthetic_history


@pytest.fixture(scope="module", autouse=True)
def _helper_closed_after_the_module() -> Iterator[None]:
    """Close the figures helper the module's studies started, once they are done.

    Left open, it idled for a minute in the test worker and was then closed by whichever
    test ran at that moment: its CPU (the plotting stack's imports and every figure drawn
    in it, 6-8 s) was counted against that test by ``benchmarks/bench_tests.py``.
    """
    yield
    from escalation import background

    background.close()


@pytest.fixture(scope="module")
def history() -> Any:
    return synthetic_history(3000, 11)


#: The stages of the module's study; the helper-process test runs them again to compare.
STAGES = ("describe", "survival", "brief")


@pytest.fixture(scope="module")
def study(history: Any, tmp_path_factory: pytest.TempPathFactory) -> pipeline.StudyOutputs:
    """One study, its figures drawn in this process (read by several tests)."""
    out = tmp_path_factory.mktemp("study")
    with warnings.catch_warnings():
        # the small synthetic study separates on rare levels; the figures are the point
        warnings.simplefilter("ignore", StatisticalWarning)
        return run_study(
            history,
            default_design(),
            out=out,
            seed=3,
            progress=False,
            stages=STAGES,
            background_figures=False,
        )


def test_report_pipeline_writes_disclosed_counts(history: Any, study: Any) -> None:
    flow = pd.read_csv(study.out / "results" / "flow.csv")
    raw = build_spells(history, default_design()).flow
    for column in ("children", "episodes"):
        written = flow[column].to_numpy(float)
        original = raw[column].to_numpy(float)
        small = original < 10
        assert np.isnan(written[small]).all()
        shown = ~np.isnan(written)
        assert (written[shown] % 5 == 0).all()
        assert np.abs(written[shown] - original[shown]).max() <= 2
        # Complementary suppression: no block of exclusions has exactly one count hidden.
        block = (raw["stage"] != "excluded").cumsum().to_numpy()
        for b in np.unique(block):
            assert np.isnan(written[(block == b) & ~np.isnan(original)]).sum() != 1
    cohort = pd.read_csv(study.out / "results" / "cohort.csv")
    assert (cohort["count"].dropna() % 5 == 0).all()


def test_report_pipeline_manifest_lists_every_output(study: Any) -> None:
    manifest = json.loads(study.manifest.read_text())
    files = sorted(
        p.relative_to(study.out).as_posix()
        for p in study.out.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    assert [o["path"] for o in manifest["outputs"]] == files
    for entry in manifest["outputs"]:
        digest = hashlib.sha256((study.out / entry["path"]).read_bytes()).hexdigest()
        assert entry["sha256"] == digest
    assert manifest["seeds"] == {"study": 3}
    assert {"figures/flow.png", "figures/flow.pdf", "figures/flow.svg", "brief.html"} <= set(files)


def test_report_pipeline_brief_has_no_identifiers(history: Any, study: Any) -> None:
    html = (study.out / "brief.html").read_text()
    spells = build_spells(history, default_design()).spells
    tokens = set(html.replace("<", " ").replace(">", " ").split())
    assert not tokens & set(spells["child_id"].astype(str))
    assert "Who was studied" in html


def test_report_pipeline_failed_stage_stops_the_run_unless_keep_going(
    history: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import escalation.survival

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("model did not converge")

    monkeypatch.setattr(escalation.survival, "fit_cox", broken)
    target = tmp_path / "out"
    with pytest.raises(StageError, match="'survival' failed: ValueError: model did not converge"):
        run_study(history, default_design(), out=target, progress=False, stages=("survival",))
    assert not target.exists()
    out = run_study(
        history, default_design(), out=target, progress=False, stages=("survival",),
        keep_going=True,
    )  # fmt: skip
    assert out.notes == ("survival: failed (ValueError: model did not converge)",)
    assert [f.text() for f in out.failures] == ["survival: ValueError: model did not converge"]
    manifest = json.loads(out.manifest.read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["notes"] == [
        "survival: failed (ValueError; the full message is not shared, as it can quote counts "
        "and rows of the data; it was printed on the terminal when the run ended (in Python: "
        "StudyOutputs.failures))"
    ]
    assert out.figures == {} and out.brief is None
    with pytest.raises(DesignError, match="unknown stage"):
        run_study(history, default_design(), out=target, progress=False, stages=("plots",))


def test_report_pipeline_numbers_at_risk() -> None:
    spells = pd.DataFrame({"duration": [0.5, 3.0, 10.0, 10.0, 40.0], "treatment": [1, 1, 0, 0, 0]})
    table = numbers_at_risk(spells, [0, 3, 10, 41])
    assert table["at_risk"].tolist() == [2, 1, 0, 0, 3, 3, 3, 0]


# Small synthetic data: the risk models rightly warn that sparse levels make them unstable.
@pytest.mark.usefixtures("png_figures")  # tables and PNGs checked: one format
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_report_pipeline_prediction_outputs_are_disclosed(
    history: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binned: list[tuple[pd.DataFrame, pd.DataFrame]] = []
    histogram = escalation.predict.risk_histogram

    def recorded(predictions: pd.DataFrame, **options: Any) -> pd.DataFrame:
        bins = histogram(predictions, **options)
        binned.append((predictions, bins))
        return bins

    monkeypatch.setattr(escalation.predict, "risk_histogram", recorded)
    out = run_study(
        history,
        default_design(),
        out=tmp_path,
        seed=2,
        progress=False,
        bootstrap=5,
        stages=("prediction", "fairness"),
    )
    fairness = pd.read_csv(out.out / "results" / "fairness.csv")
    # So few children that every group's recall and precision is suppressed: the figure
    # would be empty, so it is not drawn and the note says why (the table is written).
    rates = fairness[fairness["metric"].isin(["recall_top10", "precision_top10"])]
    assert len(rates) and rates["estimate"].isna().all()
    assert [n for n in out.notes if n.startswith("fairness: skipped (every group")], out.notes
    n = fairness["n"].dropna()
    assert (n % 5 == 0).all() and (n >= 10).all()
    events = fairness.loc[fairness["metric"] == "events", "estimate"].dropna()
    assert (events % 5 == 0).all() and (events >= 10).all()
    # A blank n is a suppressed row, but for the rank metrics of a group withheld as a
    # complement, shown to 2 decimals (test_report_disclosure_complement_rank.py).
    beside = fairness["n"].isna() & ~fairness["suppressed"].astype(bool)
    assert fairness.loc[beside, "metric"].isin(sorted(RANK_METRICS)).all()
    shown = fairness.loc[beside, "estimate"].astype(float)
    assert np.allclose(shown, shown.round(2))
    metrics = pd.read_csv(out.out / "results" / "prediction_metrics.csv")
    counts = metrics.loc[metrics["metric"].isin(["n", "events"]), "estimate"].dropna()
    assert (counts % 5 == 0).all()
    drawn = {p.name for paths in out.figures.values() for p in paths}
    assert {"calibration.png", "decision_curve.png"} <= drawn
    assert "fairness.png" not in drawn
    # Every test child is in the predicted-risk histogram, the riskiest too (the bars
    # stopped at the calibration curve's top, its 97.5th percentile): complementary
    # suppression of the bars rests on their adding up to the children.
    [(predictions, bins)] = binned
    pd.testing.assert_series_equal(
        bins.groupby("model", sort=False)["count"].sum(),
        predictions.groupby("model", sort=False).size(),
        check_names=False,
    )


@pytest.mark.usefixtures("png_figures")  # tables and PNGs checked: one format
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_report_pipeline_table_one_workbook_and_arm_names(history: Any, tmp_path: Path) -> None:
    out = run_study(
        history,
        default_design(),
        out=tmp_path,
        seed=2,
        progress=False,
        bootstrap=0,
        stages=("describe", "effects", "brief"),
    )
    results = out.out / "results"
    for suffix in ("csv", "html", "tex", "docx"):
        assert (results / f"table_one.{suffix}").stat().st_size > 0
    t1 = pd.read_csv(results / "table_one.csv", dtype=str, keep_default_na=False)
    assert list(t1.columns[:4]) == ["Characteristic", "Level", "No early help", "Early help"]
    assert "SMD after weighting" in t1.columns
    n_row = t1.iloc[0]
    for arm in ("No early help", "Early help"):
        assert int(n_row[arm].replace(",", "")) % 5 == 0
    # One arm labelling in every table that names arms.
    for name in ("adjusted_curves", "weights", "at_risk"):
        groups = set(pd.read_csv(results / f"{name}.csv")["group"].astype(str))
        assert groups - {"all"} <= {"Early help", "No early help"}, (name, groups)
    at_risk = pd.read_csv(results / "at_risk.csv")
    for column in ("at_risk", "events", "censored"):
        assert (at_risk[column].dropna() % 5 == 0).all()
    # Blanked counts are marked, as in every table (docs/outputs.md).
    blank = at_risk[["at_risk", "events", "censored"]].isna().any(axis=1)
    assert "suppressed" in at_risk.columns
    assert at_risk["suppressed"].astype(bool).equals(blank)
    with pd.ExcelFile(results / "results.xlsx") as book:
        assert book.sheet_names[0] == "README"
        readme = book.parse("README")
        assert readme["Text"].str.contains("rounded to the nearest 5").any()
        effects = book.parse("Effects")
    assert {"Estimate", "95% CI lower", "95% CI upper", "Estimator"} <= set(effects.columns)
    html = (out.out / "brief.html").read_text()
    assert 'class="tableone"' in html and 'id="glossary"' in html
    assert "model-based" in html
    # Every synthetic referral has one assessment: the two prior counts are one row and a
    # note says why (they used to be two rows, prior assessments one more than referrals).
    assert t1["Characteristic"].str.startswith("Prior referrals").any()
    assert not t1["Characteristic"].str.startswith("Prior assessments").any()
    assert "Prior assessments equal prior referrals for every child" in html


# The effects stage on 3,000 children (about 40 s): the curves are drawn only with enough
# escalations in each arm.
@pytest.mark.slow
@pytest.mark.usefixtures("png_figures")
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_report_pipeline_curve_captions_point_to_the_effects_table_where_it_was_written(
    history: Any, tmp_path: Path
) -> None:
    """A run writing its tables beside the brief (``analyses/05_brief.py``): the captions
    and alt text of the curves named "results/effects.csv", a file that run never wrote."""
    run_study(
        history,
        default_design(),
        out=tmp_path,
        seed=2,
        progress=False,
        bootstrap=0,
        subfolders=False,
        stages=("effects", "brief"),
    )
    assert (tmp_path / "effects.csv").exists() and not (tmp_path / "results").exists()
    page = html_lib.unescape((tmp_path / "brief.html").read_text(encoding="utf-8"))
    said = "estimates in the key numbers (effects.csv), which the text gives."
    assert page.count(said) == 4, page.count(said)  # two figures' captions and alt texts
    assert "results/effects.csv" not in page


def test_report_pipeline_policy_stage_needs_a_policy_section(history: Any, tmp_path: Path) -> None:
    design = default_design().replace(policy=None, criteria=None)
    out = run_study(history, design, out=tmp_path, progress=False, stages=("policy", "brief"))
    assert any(
        n.startswith("policy: skipped (the design has no [policy] section") for n in out.notes
    )
    html = (tmp_path / "brief.html").read_text()
    assert "Would a risk score help decide" not in html
    assert "The study of rules deciding who is offered early help: skipped" in html
    manifest = json.loads(out.manifest.read_text())
    assert manifest["registration"]["status"] == "not_registered"


@pytest.mark.usefixtures("png_figures")  # tables and PNGs checked: one format
def test_report_pipeline_blas_runs_on_one_thread_during_the_study(
    history: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    seen: list[int] = []
    describe = pipeline._describe

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas")
        return describe(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_describe", recording)
    with threadpool_limits(limits=2, user_api="blas"):
        run_study(history, default_design(), out=tmp_path, progress=False, stages=("describe",))
        after = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert seen and set(seen) == {1}
    assert set(after) == {2}


def test_report_pipeline_figures_drawn_in_the_helper_are_the_same_files(
    history: Any, study: pipeline.StudyOutputs, tmp_path: Path
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # as in the module's study
        helper = run_study(
            history,
            default_design(),
            out=tmp_path / "helper",
            seed=3,
            progress=False,
            stages=STAGES,
            background_figures=True,
        )
    here = study  # the same study, its figures drawn in this process
    assert "figures" in helper.timings and "figures" not in here.timings
    assert list(helper.figures) == list(here.figures) and len(here.figures) >= 4
    for name, paths in here.figures.items():
        assert [p.name for p in helper.figures[name]] == [p.name for p in paths]
        for path in paths:
            assert (helper.out / "figures" / path.name).read_bytes() == path.read_bytes(), path
    assert helper.brief is not None and here.brief is not None
    assert helper.brief.read_text() == here.brief.read_text()
    assert helper.notes == here.notes == ()


def test_report_pipeline_figure_failing_in_the_helper_is_a_failure_of_its_stage(
    history: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plotnine as p9

    def broken_flow(*args: Any, **kwargs: Any) -> Any:
        return p9.ggplot(pd.DataFrame({"x": [1]}), p9.aes("x", "missing")) + p9.geom_point()

    monkeypatch.setattr(pipeline, "plot_flow", broken_flow)
    notes = []
    for background in (True, False):
        out = run_study(
            history,
            default_design(),
            out=tmp_path / str(background),
            progress=False,
            stages=("describe",),
            background_figures=background,
            keep_going=True,
        )
        assert "flow" not in out.figures
        assert [f.stage for f in out.failures] == ["describe"]
        notes.append(out.notes)
    assert notes[0] == notes[1] and len(notes[0]) == 1
    assert notes[0][0].startswith("describe: failed (")
    with pytest.raises(StageError, match="missing"):
        run_study(
            history,
            default_design(),
            out=tmp_path / "stop",
            progress=False,
            stages=("describe",),
            background_figures=True,
        )


def _fails_at_once(*args: Any, **kwargs: Any) -> Any:
    raise ValueError("the effects stage failed")


def test_report_pipeline_a_failed_run_leaves_no_staging_folder(
    history: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stage failing while the helper still drew an earlier stage's figures: the staging
    folder was removed, then the helper wrote the figures again into a new one, left beside
    the output (``.out.escalation-partial-<pid>/figures/flow.*``) after "Nothing was
    written". The figures still pending are given up before the staging folder goes."""
    from escalation import background

    monkeypatch.setattr(pipeline, "_effects", _fails_at_once)
    with pytest.raises(StageError, match="effects stage failed"):
        run_study(
            history,
            default_design(),
            out=tmp_path / "out",
            progress=False,
            stages=("describe", "effects"),
            background_figures=True,
        )
    background.submit(int).result()  # the helper has finished whatever it was given
    assert not [p.name for p in tmp_path.iterdir()]


def test_report_pipeline_flow_figure_lists_every_rule_as_disclosed(
    history: Any, study: Any
) -> None:
    """Every exclusion rule of flow.csv is in the flow figure (its alt text lists each with
    its disclosed count), those that left out no one too: zero is a count below the
    threshold, withheld in the table, and leaving those rules out of the figure told the
    reader which withheld counts were zero."""
    raw = build_spells(history, default_design()).flow
    excluded = raw[raw["stage"] == "excluded"]
    nobody = excluded[(excluded["children"] == 0) & (excluded["episodes"] == 0)]
    assert len(nobody) >= 2  # this history: several rules apply to no one
    written = pd.read_csv(study.out / "results" / "flow.csv").set_index("rule")
    assert written.loc[nobody["rule"], "suppressed"].all()
    text = " ".join(html_lib.unescape((study.out / "brief.html").read_text()).split())
    (alt,) = re.findall(r'alt="(Flow diagram of who was studied[^"]*)"', text)
    assert f"episodes were left out for {len(excluded)} reasons" in alt, alt
    for description in nobody["description"].str.replace("; ", ", "):
        assert f"{description} (fewer than 10 episodes)" in alt, (description, alt)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_report_pipeline_subgroup_caption_states_the_intervals_level(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caption said "95%" whatever the level of the subgroup table's intervals; it is
    now that table's ``conf_level`` (here 80%, as subgroups.csv records)."""
    import escalation.causal
    from escalation.data.simulator import simulate_local_authority

    real = escalation.causal.estimate_heterogeneity
    monkeypatch.setattr(
        escalation.causal,
        "estimate_heterogeneity",
        lambda *args, **kwargs: real(*args, **{**kwargs, "n_estimators": 8, "conf_level": 0.8}),
    )
    captions: dict[str, str] = {}
    monkeypatch.setattr(
        pipeline._Run,
        "figure",
        lambda self, name, plot, *, caption, **kwargs: captions.setdefault(name, caption),
    )
    history = simulate_local_authority(5000, seed=3).history
    run_study(
        history, default_design(), out=tmp_path, seed=1, progress=False,
        stages=("heterogeneity",), background_figures=False,
    )  # fmt: skip
    table = pd.read_csv(tmp_path / "results" / "subgroups.csv")
    assert (table["conf_level"] == 0.8).all()
    assert "Lines are 80% confidence intervals" in captions["subgroup_effects"]
    # Multiplicity: the groups' intervals are not adjusted for their number (at 80%, one in
    # 5 misses by chance), which the caption did not say.
    assert (
        "intervals are not adjusted for their number: at 80%, about one in 5 misses"
        in captions["subgroup_effects"]
    ), captions["subgroup_effects"]
