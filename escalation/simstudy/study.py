"""Run a simulation study: every scenario × replication, resumable, on any number of workers.

Replication ``r`` of a scenario has ``numpy.random.SeedSequence(seed, spawn_key=(scenario
key, r))``, the ``r``-th child that ``SeedSequence.spawn`` gives the scenario's sequence;
its two children (``spawn(2)``) seed its data and its bootstrap with 128 bits each (seed
scheme 2, :data:`SEED_SCHEME`). The seeds depend on the master seed, the scenario's
settings and the replication number only, never on the order the tasks run in or on the
number of workers, so the results are bit-identical however the study is run (only the
``seconds`` column, a replication's wall time, varies).
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from escalation.causal.effects import EFFECT_COLUMNS
from escalation.compute import imap_unordered
from escalation.errors import DesignError, EscalationError
from escalation.results import Summary, package_versions, provenance
from escalation.simstudy.generators import GENERATORS
from escalation.simstudy.measures import failed_rows, performance_measures, zip_data
from escalation.simstudy.plan import Scenario, SimulationPlan
from escalation.simstudy.store import append_results, completed_replications, read_results

if TYPE_CHECKING:
    from collections.abc import Sequence

    from escalation.report.outputs import OutputFolder

__all__ = [
    "RESULT_COLUMNS",
    "SEED_SCHEME",
    "SimulationStudy",
    "replicate",
    "run_simstudy",
    "save_figures",
]

_META: Final = "simstudy.json"
_STORE: Final = "results"
#: Columns of the results, in order (``seconds``, the replication's wall time, is the only one
#: that differs between runs).
RESULT_COLUMNS: Final = (
    "scenario_id",
    "replication",
    *EFFECT_COLUMNS,
    "p_value",
    "se_method",
    "truth",
    "warnings",
    "error",
    "seconds",
)
_FAILURES: Final = (EscalationError, np.linalg.LinAlgError, FloatingPointError, ValueError)
#: Packages that only draw the figures: another version cannot change a replication, and the
#: figures are redrawn from every stored replication on each run, so a resume is not refused.
_FIGURES_ONLY: Final = frozenset({"plotnine"})


#: How the replications' seeds are made, recorded in ``simstudy.json``: 2, 128-bit seeds
#: from ``SeedSequence.spawn`` (:func:`_seeds`). Scheme 1 (escalation 0.x until this
#: change, not recorded) drew two 32-bit seeds per replication, which collide by chance
#: in large studies (even odds near 77,000 replications): its folders are not resumed.
SEED_SCHEME: Final = 2


def _seeds(plan: SimulationPlan, scenario: Scenario, replication: int) -> tuple[int, int]:
    """Seeds of the data and of the bootstrap of one replication, 128 bits each.

    The replication's sequence is the ``replication``-th child of the scenario's
    (``SeedSequence(seed, spawn_key=(key,)).spawn``, made directly so that it depends on
    no other replication); its two children by ``spawn(2)`` give the data's and the
    bootstrap's seed as 128-bit integers (the generators and the bootstrap seed their
    own ``SeedSequence`` with them, keeping every bit). With 32-bit seeds two of a large
    study's data sets could be drawn from one seed (the birthday problem).
    """
    sequence = np.random.SeedSequence(plan.seed, spawn_key=(scenario.key, replication))
    data, boot = sequence.spawn(2)
    return _as_integer(data), _as_integer(boot)


def _as_integer(sequence: np.random.SeedSequence) -> int:
    """Return 128 bits of ``sequence``'s state as one non-negative integer."""
    low, high = (int(w) for w in sequence.generate_state(2, dtype=np.uint64))
    return low | (high << 64)


def replicate(task: tuple[Scenario, int], plan: SimulationPlan) -> pd.DataFrame:
    """Simulate one data set, estimate every effect, and return one row per estimate.

    Parameters
    ----------
    task : tuple of (Scenario, int)
        The scenario and the replication number.
    plan : SimulationPlan
        The plan.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario_id, replication, estimator, horizon, estimand, estimate,
        std_error, conf_low, conf_high, p_value, se_method, truth, warnings`` (how many
        warnings the replication raised), ``error`` (why it failed; estimates are then
        missing) and ``seconds``.
    """
    from escalation.causal.effects import estimate_effects

    scenario, replication = task
    data_seed, boot_seed = _seeds(plan, scenario, replication)
    generator = GENERATORS[plan.generator]
    start = time.perf_counter()
    error: str | None = None
    tidy: pd.DataFrame | None = None
    truth: pd.DataFrame | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            generated = generator.draw(scenario.settings, data_seed, plan.horizons)
            truth = generated.truth
            covariates = list(plan.covariates or generated.covariates)
            tidy = estimate_effects(
                generated.data,
                covariates=covariates,
                estimators=list(plan.estimators),
                horizons=list(plan.horizons),
                bootstrap=plan.bootstrap,
                seed=boot_seed,
                conf_level=plan.conf_level,
                n_jobs=1,  # the replications are the parallel tasks, not their bootstraps
                progress=False,
            ).tidy()
        except _FAILURES as failure:
            error = f"{type(failure).__name__}: {failure}"
    grid = pd.MultiIndex.from_product(
        [list(plan.estimators), [int(h) for h in plan.horizons], list(plan.estimands)],
        names=["estimator", "horizon", "estimand"],
    ).to_frame(index=False)
    if tidy is not None:
        grid = grid.merge(tidy, on=["estimator", "horizon", "estimand"], how="left")
    frame = grid.reindex(columns=list(RESULT_COLUMNS))
    frame["scenario_id"] = scenario.scenario_id
    frame["replication"] = int(replication)
    if truth is not None:
        frame["truth"] = [
            float(truth.loc[h, e]) for h, e in zip(frame["horizon"], frame["estimand"], strict=True)
        ]
    frame["warnings"] = len(caught)
    frame["error"] = pd.array([error] * len(frame), dtype="string")
    frame["seconds"] = time.perf_counter() - start
    frame["se_method"] = frame["se_method"].astype("string")
    for column in ("estimate", "std_error", "conf_low", "conf_high", "p_value", "truth"):
        frame[column] = frame[column].astype(float)
    frame["horizon"] = frame["horizon"].astype(np.int64)
    return frame[list(RESULT_COLUMNS)]


@dataclass(frozen=True, eq=False)
class SimulationStudy:
    """The results of a simulation study (:func:`run_simstudy`).

    Attributes
    ----------
    plan : SimulationPlan
        The plan.
    scenarios : pandas.DataFrame
        One row per scenario: ``scenario`` (number), ``scenario_id`` and every setting.
    results : pandas.DataFrame
        One row per replication, estimator, horizon and estimand (see :func:`replicate`).
    performance : pandas.DataFrame
        The performance measures with Monte Carlo SEs
        (:func:`~escalation.simstudy.performance_measures`) with the scenario settings.
    folder : Path
        Where the results are stored.
    seconds : float
        Wall time of this run.
    new_replications : int
        Replications computed by this run (the rest were already stored).
    """

    plan: SimulationPlan
    scenarios: pd.DataFrame
    results: pd.DataFrame
    performance: pd.DataFrame
    folder: Path
    seconds: float
    new_replications: int

    def tidy(self) -> pd.DataFrame:
        """Return the performance measures (one row per scenario, method and measure)."""
        return self.performance.copy()

    def glance(self) -> pd.DataFrame:
        """Return one row: scenarios, replications, failures, wall time and versions.

        ``failed`` counts the replications with a failed row (:func:`failed_rows`: an error,
        or an estimator without an estimate or truth), as the performance table does.
        """
        done = self.results.drop_duplicates(["scenario_id", "replication"])
        failed = (
            done
            if self.results.empty
            else self.results.loc[failed_rows(self.results).to_numpy()].drop_duplicates(
                ["scenario_id", "replication"]
            )
        )
        return pd.DataFrame(
            [
                {
                    "scenarios": len(self.scenarios),
                    "replications": len(done),
                    "failed": len(failed),
                    "new_replications": self.new_replications,
                    "seconds": self.seconds,
                    "method": "simulation study",
                    **package_versions(),
                }
            ]
        )

    def summary(self) -> Summary:
        """Return a summary with the bias and coverage table (never prints)."""
        facts = {str(k): v for k, v in self.glance().iloc[0, :5].items()}
        wide = self.wide(["bias", "empirical_se", "model_se", "coverage"])
        return Summary(f"Simulation study: {self.plan.name}", facts, wide)

    def wide(self, measures: list[str] | None = None) -> pd.DataFrame:
        """Return the measures side by side (``<measure>`` and ``<measure>_mcse`` columns)."""
        frame = self.performance
        if measures is not None:
            frame = frame[frame["measure"].isin(measures)]
        keys = [c for c in frame.columns if c not in ("measure", "estimate", "mcse", "failed")]
        keys.remove("replications")
        wide = frame.set_index([*keys, "measure"])[["estimate", "mcse"]].unstack("measure")
        wide = wide.reindex(pd.MultiIndex.from_frame(frame[keys].drop_duplicates()))
        columns = {}
        for measure in frame["measure"].unique():
            columns[measure] = wide[("estimate", measure)]
            columns[f"{measure}_mcse"] = wide[("mcse", measure)]
        return pd.DataFrame(columns).reset_index()

    def zip_data(
        self, horizon: int | None = None, estimand: str = "risk_difference"
    ) -> pd.DataFrame:
        """Return the zip-plot data of one estimand and horizon (all scenarios, estimators)."""
        horizon = int(self.plan.horizons[0] if horizon is None else horizon)
        rows = self.results[
            (self.results["horizon"] == horizon) & (self.results["estimand"] == estimand)
        ]
        frame = zip_data(rows, conf_level=self.plan.conf_level)
        return frame.merge(self.scenarios[["scenario_id", "scenario"]], on="scenario_id")

    def plot(self, kind: str = "coverage", **options: Any) -> Any:
        """Draw ``"coverage"`` (by scenario), ``"zip"`` or ``"nested_loop"``; see figures."""
        from escalation.figures import simstudy as figures

        if kind == "coverage":
            return figures.plot_coverage(self.performance, **options)
        if kind == "zip":
            horizon = options.pop("horizon", None)
            estimand = options.pop("estimand", "risk_difference")
            return figures.plot_zip(self.zip_data(horizon, estimand), **options)
        if kind == "nested_loop":
            options.setdefault("settings", list(self.plan.varied))
            return figures.plot_nested_loop(self.performance, **options)
        raise DesignError(f"plot kind must be 'coverage', 'zip' or 'nested_loop', not {kind!r}")


def _scenario_table(scenarios: list[Scenario]) -> pd.DataFrame:
    rows = []
    for s in scenarios:
        settings = {
            k: (json.dumps(list(v)) if isinstance(v, tuple | list) else v)
            for k, v in s.settings.items()
        }
        rows.append({"scenario": s.number, "scenario_id": s.scenario_id, **settings})
    return pd.DataFrame(rows)


def _check_plan(folder: OutputFolder, plan: SimulationPlan) -> None:
    """Refuse a folder holding another plan's results, or files under results/ not ours."""
    from escalation.report.outputs import OutputFolderError

    meta = folder.path / _META
    if meta.is_file():
        stored = json.loads(meta.read_text(encoding="utf-8"))
        scheme = stored.get("seed_scheme", 1)
        if scheme != SEED_SCHEME and completed_replications(folder.path / _STORE):
            raise DesignError(
                f"{folder.path} holds replications drawn with seed scheme {scheme} (32-bit "
                f"seeds); this version draws them with scheme {SEED_SCHEME} (128-bit seeds "
                "from SeedSequence.spawn), so the same plan now gives other replications and "
                "the two cannot be mixed. Use a new output folder, or resume under the "
                "escalation version recorded in its simstudy.json"
            )
        if stored.get("fingerprint") != plan.fingerprint():
            raise DesignError(
                f"{folder.path} holds results of another plan (fingerprint "
                f"{stored.get('fingerprint')} vs {plan.fingerprint()}): settings, estimators, "
                "bootstrap or seed changed. Use a new output folder, or restore the plan; only "
                "the number of replications and the compute settings may change on resuming"
            )
        _check_versions(folder.path, stored.get("versions"))
    strays = sorted(n for n in folder.left_alone if n == _STORE or n.startswith(_STORE + "/"))
    if strays:
        shown = ", ".join(strays[:5]) + (f" and {len(strays) - 5} more" if len(strays) > 5 else "")
        raise OutputFolderError(
            f"output folder {folder.path}: {_STORE}/ holds {shown}, which escalation did not "
            "write (it is not in manifest.json) and would be read as results. Move them away, "
            "or choose another output folder."
        )


def _check_versions(path: Path, recorded: dict[str, str] | None) -> None:
    """Refuse to add replications made under other package versions to stored ones.

    A replication's results are bit-identical only under the same versions; the folder
    records one set of versions for all of them (``simstudy.json``, ``manifest.json``).
    Packages that only draw figures (:data:`_FIGURES_ONLY`: plotnine) are not compared:
    they cannot change a replication, and this run redraws every figure under its own
    version, which the rewritten records then name.
    """
    if not recorded or not completed_replications(path / _STORE):
        return
    current = package_versions()
    changed = [
        f"{name} {recorded.get(name, 'not recorded')} (stored) vs {now} (now)"
        for name, now in current.items()
        if recorded.get(name) != now and name not in _FIGURES_ONLY
    ]
    if changed:
        raise DesignError(
            f"{path} holds replications computed under other package versions: "
            f"{'; '.join(changed)}. Results are the same, bit for bit, only under the same "
            "versions, and the folder records one set of versions for all its replications. "
            "Use a new output folder (the study's seeds give the same replications there), "
            "or resume under the versions recorded in its simstudy.json"
        )


def _check_covariates(plan: SimulationPlan, scenario: Scenario) -> None:
    """Refuse covariates the generated data lack before any replication runs.

    Every replication would otherwise fail with the same error, recorded as that many
    failed replications after the whole study had run. The check draws the scenario's
    first data set (its seed, so nothing else changes) and codes the covariates as the
    estimators do (:meth:`~escalation.timeline.matrix.CovariateCoding.learn`).
    """
    from escalation.errors import DataValidationError
    from escalation.timeline.matrix import CovariateCoding

    if plan.covariates is None:
        return
    data_seed, _ = _seeds(plan, scenario, 0)
    try:
        generated = GENERATORS[plan.generator].draw(scenario.settings, data_seed, plan.horizons)
    except _FAILURES:
        return  # a data set that cannot be drawn is the replication's failure, recorded
    frame = getattr(generated.data, "spells", generated.data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rare levels are the estimators' to report
        try:
            CovariateCoding.learn(frame, list(plan.covariates))
        except (DesignError, DataValidationError) as error:
            raise DesignError(
                f"plan [estimation] covariates = {list(plan.covariates)}: {error}"
            ) from error


def _input_hash(inputs: Sequence[str | Path]) -> str | None:
    """Return the SHA-256 of the plan file read (of several: one over theirs), or None."""
    from escalation.report.manifest import file_hash
    from escalation.timeline.partitioned import combined_digest

    files = [Path(i) for i in inputs if Path(i).is_file()]
    if not files:
        return None
    if len(files) == 1:
        return file_hash(files[0])
    return combined_digest({str(f): file_hash(f) for f in files}, "input")


def _manifest(
    plan: SimulationPlan, stored: int, *, complete: bool, input_hash: str | None = None
) -> dict[str, Any]:
    """Return the manifest's facts: the plan, its seed, and how far the study has got."""
    return {
        "command": "escalation simstudy",
        "input_hash": input_hash,
        "seeds": {"master": plan.seed},
        "extra": {
            "plan": plan.to_dict(),
            "plan_fingerprint": plan.fingerprint(),
            "seed_scheme": SEED_SCHEME,
            "complete": complete,
            "replications_stored": stored,
            "replications_planned": plan.replications * len(plan.scenarios()),
            "disclosure": "none: simulated data, no real children",
        },
    }


def summarise(plan: SimulationPlan, results: pd.DataFrame, scenarios: pd.DataFrame) -> pd.DataFrame:
    """Return the performance measures joined with the scenario settings.

    Relative precision is against the plan's first estimator.
    """
    if results.empty:
        return pd.DataFrame()
    measures = performance_measures(
        results, alpha=1 - plan.conf_level, reference=plan.estimators[0]
    )
    merged = scenarios.merge(measures, on="scenario_id", how="right")
    order = {name: i for i, name in enumerate(plan.estimators)}
    estimands = {name: i for i, name in enumerate(plan.estimands)}
    merged = merged.assign(
        _e=merged["estimator"].map(order), _m=merged["estimand"].map(estimands)
    ).sort_values(["scenario", "_e", "horizon", "_m"], kind="stable")
    return merged.drop(columns=["_e", "_m"]).reset_index(drop=True)


def run_simstudy(
    plan: SimulationPlan,
    out: str | Path | None = None,
    *,
    replications: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    figures: bool = False,
    overwrite: bool = False,
    flush_every: int = 20,
    flush_seconds: float = 30.0,
    inputs: Sequence[str | Path] = (),
) -> SimulationStudy:
    """Run (or resume) a simulation study and return its results and performance measures.

    The output folder is written through :class:`~escalation.report.outputs.OutputFolder`:
    it must be new, empty, or one escalation wrote (its ``manifest.json`` lists every file,
    with the plan, its seed and the package versions). Finished replications are published
    as they are flushed (a checkpoint: the parts under ``results/`` and a manifest with
    ``"complete": false``), so a stopped run keeps them; rerunning the same plan into the same
    folder runs only the replications not stored yet, keeps the stored ones, and rewrites
    ``performance.csv`` (and the figures) from all of them, with ``"complete": true``.

    Parameters
    ----------
    plan : SimulationPlan
        The plan (:func:`~escalation.simstudy.read_plan`).
    out : str or Path, optional
        Results folder (default: the plan's ``output``). Replications already stored there
        are not run again.
    replications : int, optional
        Replications per scenario (default: the plan's).
    workers, scheduler : optional
        Where the replications run (default: the plan's ``[compute]``, else the enclosing
        :func:`escalation.compute.use_compute`, else this process).
    progress : bool, default False
        Show a progress bar.
    figures : bool, default False
        Also draw ``figures/`` (coverage by scenario, zip plots, nested-loop plot of the bias).
    overwrite : bool, default False
        Write into a folder escalation did not write, beside the files there (which are
        never touched; files under ``results/`` are refused, as they would be read).
    flush_every, flush_seconds : int, float
        Finished replications are written after this many, or this many seconds.
    inputs : sequence of str or Path, optional
        Files the study was read from (the plan file): an output folder holding one is
        refused, and their SHA-256 is the ``input_hash`` of ``manifest.json`` and
        ``simstudy.json`` (None without one).

    Returns
    -------
    SimulationStudy

    Raises
    ------
    DesignError
        No output folder, the folder holds results of a different plan, or the plan's
        ``covariates`` are not columns of the generated data (checked on the first
        scenario's first data set before any replication runs).
    OutputFolderError
        The folder was not written by escalation (without ``overwrite``), another run is
        writing it, or files escalation did not write are in the way.

    Examples
    --------
    >>> from escalation.simstudy import SimulationPlan, run_simstudy
    >>> plan = SimulationPlan(generator="spells", replications=3, seed=1,
    ...                       fixed={"n": 400}, estimators=("unadjusted",),
    ...                       horizons=(365,), bootstrap=0)
    >>> study = run_simstudy(plan, out=getfixture("tmp_path") / "study")
    >>> len(study.results), int(study.glance()["replications"].iloc[0])
    (12, 3)
    """
    from escalation.report.outputs import OutputFolder

    if replications is not None:
        plan = replace(plan, replications=int(replications))
    target = out if out is not None else plan.output
    if target is None:
        raise DesignError("give an output folder (out=..., or [study] output in the plan)")
    if workers is None and scheduler is None:
        workers, scheduler = plan.workers, plan.scheduler
    scenarios = plan.scenarios()
    _check_covariates(plan, scenarios[0])
    table = _scenario_table(scenarios)
    writes = (_META, "scenarios.csv", "performance.csv")
    with OutputFolder(
        target,
        overwrite=overwrite,
        command="escalation simstudy",
        writes=writes,
        keep=(_STORE,),
        inputs=inputs,
    ) as folder:
        _check_plan(folder, plan)
        input_hash = _input_hash(inputs)
        record = provenance(
            command="simstudy",
            fingerprint=plan.fingerprint(),
            plan=plan.to_dict(),
            input_hash=input_hash,
            seed=plan.seed,
        )
        record["fingerprint"] = plan.fingerprint()
        record["seed_scheme"] = SEED_SCHEME
        (folder.staging / _META).write_text(
            json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8"
        )
        table.to_csv(folder.staging / "scenarios.csv", index=False)
        store = folder.path / _STORE
        done = completed_replications(store)
        tasks = [
            (scenario, r)
            for r in range(plan.replications)
            for scenario in scenarios
            if (scenario.scenario_id, r) not in done
        ]
        start = time.perf_counter()
        stored = len(done)
        buffer: list[pd.DataFrame] = []
        last = time.monotonic()

        def flush() -> None:
            nonlocal buffer, last, stored
            frames, buffer, last = buffer, [], time.monotonic()
            if frames:
                append_results(folder.staging / _STORE, pd.concat(frames, ignore_index=True))
                stored += len(frames)
                folder.checkpoint(**_manifest(plan, stored, complete=False, input_hash=input_hash))

        try:
            for _, frame in imap_unordered(
                replicate,
                tasks,
                shared=(plan,),
                description=f"{plan.name}: replications",
                progress=progress,
                workers=workers,
                scheduler=scheduler,
            ):
                buffer.append(frame)
                if len(buffer) >= flush_every or time.monotonic() - last >= flush_seconds:
                    flush()
        finally:
            flush()  # a stopped run keeps every replication that finished
        seconds = time.perf_counter() - start
        results = read_results(store)
        wanted = {(s.scenario_id, r) for s in scenarios for r in range(plan.replications)}
        keys = list(zip(results["scenario_id"], results["replication"], strict=True))
        results = results[[k in wanted for k in keys]].reset_index(drop=True)
        performance = summarise(plan, results, table)
        performance.to_csv(folder.staging / "performance.csv", index=False)
        study = SimulationStudy(plan, table, results, performance, folder.path, seconds, len(tasks))
        if figures and not performance.empty:
            save_figures(study, folder.staging / "figures")
        folder.commit(**_manifest(plan, stored, complete=True, input_hash=input_hash))
    return study


def save_figures(study: SimulationStudy, folder: str | Path) -> list[str]:
    """Draw the study's figures into ``folder`` as PNG; return the file names.

    ``coverage.png`` (coverage by scenario, when an estimator has standard errors),
    ``zip_risk_difference_<horizon>.png`` (zip plots, likewise) and, when the plan varies settings,
    ``nested_loop_bias.png``.
    """
    from escalation.figures.save import save_figure
    from escalation.figures.simstudy import plot_nested_loop

    target = Path(folder)
    written = []
    # Coverage and zip plots need standard errors: with no estimator giving one (e.g. no
    # bootstrap and no AIPW) there is no coverage to draw, and neither is drawn.
    with_std_error = (
        study.performance.loc[study.performance["measure"] == "coverage", "estimate"].notna().any()
    )
    if with_std_error:
        save_figure(study.plot("coverage"), target / "coverage", formats=("png",), width="double")
        written.append("coverage.png")
    if with_std_error and "risk_difference" in study.plan.estimands:
        for horizon in study.plan.horizons:
            name = f"zip_risk_difference_{horizon}"
            save_figure(
                study.plot("zip", horizon=horizon, estimand="risk_difference"),
                target / name,
                formats=("png",),
                width="double",
            )
            written.append(f"{name}.png")
    if study.plan.varied:
        rows = study.performance[study.performance["estimand"] == "risk_difference"]
        rows = rows[rows["horizon"] == study.plan.horizons[0]]
        if not rows.empty:
            plot = plot_nested_loop(rows, settings=list(study.plan.varied), measure="bias")
            save_figure(plot, target / "nested_loop_bias", formats=("png",), width="double")
            written.append("nested_loop_bias.png")
    return written
