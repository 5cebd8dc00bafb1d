"""The whole study in one call: ``run_study(history, design, out=..., seed=...)``.

It builds the spells, describes the cohort, estimates the effect of early help,
looks for heterogeneity, validates a risk tool, draws every figure, and writes tidy
CSV results, the figures (PNG, PDF, SVG), the policy brief and the provenance
manifest into one folder:

``out/results/*.csv``
    Tidy results; they have passed disclosure control (:mod:`escalation.disclosure`).
``out/figures/*.png|pdf|svg``
    Every figure at journal column widths, drawn from the disclosed tables.
``out/brief.html``
    The self-contained policy brief, with the caveats raised and anything that failed.
``out/design.toml``, ``out/manifest.json``
    The design used and the provenance of every file (written last).

The folder is written through :class:`escalation.report.outputs.OutputFolder`: it must
be new, empty or one escalation wrote before; the outputs appear all at once when the run
succeeds, and a run that fails or is interrupted leaves the previous outputs as they were.

Each stage calls the public API of its layer. A stage that cannot run on the data (no
validated risk tool to check by group, say) is skipped with a note, as is a hazard model
with fewer than :data:`MIN_EVENTS_PER_PARAMETER` escalations per parameter (the note gives
the rule and the numbers); the effect, heterogeneity, risk and policy models are fitted
whatever their events per parameter, with a caveat on ``[covariates] include`` when they
fall short. A stage that fails stops the run with :class:`~escalation.errors.StageError`
and nothing is written, unless ``keep_going=True``: then the other stages run and the
brief and manifest list what failed and why. Every
:class:`~escalation.errors.StatisticalWarning` becomes a caveat in the brief and the
manifest, tied to the design key to change. Nothing is substituted for a skipped or failed
stage. This module sits above every layer and nothing in the package imports it
except the command line.
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
from rich.markup import escape

from escalation import __version__
from escalation._decimals import signed_text
from escalation._interval_words import ci_words
from escalation._vocabulary import spells_of, warn_deprecated
from escalation.background import Pending, available, submit
from escalation.compute import one_blas_thread
from escalation.core.kernels import compile_ahead
from escalation.data.history import CaseHistory
from escalation.design.options import (
    OUTCOME_MODEL_ESTIMATORS,
    without_unconverged,
)
from escalation.design.registration import (
    RegistrationCheck,
    check_registration,
    registration_path,
)
from escalation.design.study import StudyDesign
from escalation.disclosure import (
    NOT_APPLYING_LABEL,
    WITHHELD_LABEL,
    DisclosureRules,
    count_labels,
    count_texts,
    disclose_balance,
    disclose_count,
    disclose_curve_shares,
    disclose_curves,
    disclose_decision_curve,
    disclose_effects,
    disclose_metric_counts,
    disclose_model,
    disclose_observed_effects,
    disclose_state_occupation,
    disclose_subgroup_table,
    disclose_table,
    disclose_text,
    disclose_threshold_curve,
    disclose_weights,
    format_count,
    microaggregate,
    spell_records,
    withheld_beside,
)
from escalation.errors import ConvergenceError, DesignError, StageError
from escalation.figures import (
    colour_map,
    hazard_ratio_table_width,
    plot_adjusted_curves,
    plot_calibration,
    plot_decision_curve,
    plot_difference_curve,
    plot_distribution_balance,
    plot_effect_distribution,
    plot_fairness,
    plot_flow,
    plot_hazard_ratio_table,
    plot_hazard_ratios,
    plot_love,
    plot_overlap,
    plot_policy_values,
    plot_precision_recall,
    plot_risk_differences,
    plot_rmst_curves,
    plot_roc,
    plot_schoenfeld,
    plot_state_occupation,
    plot_subgroup_effects,
    plot_survival_curves,
    plot_transitions,
    time_breaks,
)
from escalation.figures.curves import step_frame
from escalation.figures.save import drawn, write_figure
from escalation.figures.theme import ColumnWidth, figure_note, width_mm, with_note
from escalation.report import alt_text
from escalation.report.brief import (
    ESTIMATOR_NAMES,
    SPELL_CHOICE,
    Brief,
    BriefFigure,
    BriefImages,
    KeyNumber,
    bootstrap_edge_note,
    describe_difference,
    figure_images,
    interval_digits,
    write_brief,
)
from escalation.report.caveats import (
    NOT_SHARED,
    Caveat,
    CaveatLog,
    Failure,
    brief_caveats,
)
from escalation.report.outputs import OutputFolder, OutputFolderError
from escalation.report.policy_section import policy_section
from escalation.report.risk_tool import risk_tool_paragraph
from escalation.report.table_one import (
    disclosed_table_one,
    hidden_indicators,
    table_one_html,
    write_table_one,
)
from escalation.report.wording import (
    arms_sentence,
    attribute_label,
    cohort_sentence,
    spell_definition,
    study_limits,
    study_question,
    study_title,
)
from escalation.report.workbook import write_workbook
from escalation.timeline.flow import by_construction, counts_that_apply, require_spells
from escalation.timeline.labels import arm_label, covariate_label, describe_covariate
from escalation.timeline.matrix import CovariateCoding
from escalation.timeline.spells import SpellData, build_spells

__all__ = [
    "MIN_EVENTS_PER_PARAMETER",
    "STAGES",
    "StudyOutputs",
    "design_as_run",
    "numbers_at_risk",
    "run_study",
]

log = logging.getLogger("escalation.pipeline")

_AT_RISK_POINTS: Final = 5

#: The fewest events per model parameter for which a model is fitted and its estimates
#: published: the usual minimum for stable regression coefficients and intervals (Peduzzi
#: et al. 1996, J Clin Epidemiol 49:1373-1379; Concato et al. 1995, J Clin Epidemiol
#: 48:1495-1501). A model's parameters are the columns of its coded design matrix (each
#: numeric covariate one, each categorical one per kept level but the reference, as
#: :class:`~escalation.timeline.matrix.CovariateCoding` codes them). Below it the stage's
#: models are not fitted and the run says why (docs/outputs.md, "Stages skipped").
MIN_EVENTS_PER_PARAMETER: Final = 10

#: Stages of :func:`run_study` after the spells are built, in order.
STAGES: Final = (
    "describe",
    "effects",
    "authorities",
    "survival",
    "heterogeneity",
    "prediction",
    "fairness",
    "policy",
    "brief",
)


@dataclass(frozen=True)
class StudyOutputs:
    """What :func:`run_study` wrote.

    Attributes
    ----------
    out : Path
        The output folder.
    tables : dict of str to DataFrame
        Tidy results by name (as written to ``results/<name>.csv``).
    figures : dict of str to list of Path
        Files of each figure.
    brief : Path or None
        The policy brief.
    manifest : Path
        ``manifest.json``.
    notes : tuple of str
        Stages skipped or failed, and why.
    timings : dict of str to float
        Seconds per stage.
    caveats : tuple of Caveat
        Every statistical warning raised, tied to its design key.
    failures : tuple of Failure
        Stages that failed (only with ``keep_going=True``; otherwise the run raises).
    left_alone : tuple of str
        Files in the output folder that escalation did not write (left untouched).
    """

    out: Path
    tables: dict[str, pd.DataFrame]
    figures: dict[str, list[Path]]
    brief: Path | None
    manifest: Path
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    caveats: tuple[Caveat, ...] = ()
    failures: tuple[Failure, ...] = ()
    left_alone: tuple[str, ...] = ()


FigureFiles = tuple[list[Path], BriefImages | None]


def _write_figure(
    plot: Any, stem: Path, width: ColumnWidth | float, brief: BriefFigure | None
) -> FigureFiles:
    """Write a figure's files and, if it goes in the brief, its images for the screen.

    The figure is drawn once for its files; a brief image of the same size (a
    single-column figure) is rendered from that drawing rather than drawn again.
    """
    with drawn(plot, width=width, measured=False) as figure:
        paths = write_figure(figure, stem)
        images = None
        if brief is not None:
            images = figure_images(brief, drawn=figure if brief.plot is plot else None)
    return paths, images


@dataclass(frozen=True)
class _PendingFigure:
    """A figure being drawn in the helper process, and the stage that asked for it."""

    stage: str
    name: str
    brief: BriefFigure | None
    task: Pending[FigureFiles]
    section: str = "figures"


class _Run:
    """Mutable state of one run: outputs written so far, notes, caveats, progress display.

    With ``background``, figures are drawn and written by a helper process
    (:mod:`escalation.background`) while the stages go on; :meth:`finish_figures`
    collects them before the brief.
    """

    def __init__(
        self,
        folder: OutputFolder,
        design: StudyDesign,
        *,
        progress: bool,
        keep_going: bool,
        subfolders: bool,
        design_file: str | Path,
        background: bool = False,
        brief: bool = True,
        figure_note: str | None = None,
    ) -> None:
        self.folder = folder
        #: A line every figure carries beneath it (simulated data say so: a figure is
        #: often forwarded on its own, without the brief that explains it).
        self.figure_note = figure_note
        self.background = background
        #: Whether the brief is written (its figures are then also drawn for the screen).
        self.with_brief = brief
        self.current_stage = ""
        self.pending: list[_PendingFigure] = []
        self.out = folder.staging
        self.results_dir = self.out / "results" if subfolders else self.out
        self.figures_dir = self.out / "figures" if subfolders else self.out
        self.design = design
        self.rules = DisclosureRules.from_design(design)
        self.keep_going = keep_going
        self.log = CaveatLog(design, design_file)
        self.tables: dict[str, pd.DataFrame] = {}
        self.figures: dict[str, list[Path]] = {}
        self.brief_figures: list[BriefFigure] = []
        #: The figure of the brief's policy section.
        self.policy_figure: BriefFigure | None = None
        self.notes: list[str] = []
        #: The notes as shared (manifest): a failed stage's error text left out.
        self.shared_notes: list[str] = []
        #: Notes for the brief's reader: stages skipped and results left out, and why.
        self.remarks: list[str] = []
        self.failures: list[Failure] = []
        #: Words counting what the cohort table withholds ("escalations", ...): no shared
        #: text quotes a count of it (:func:`_withheld_words`).
        self.withheld: tuple[str, ...] = ()
        self.timings: dict[str, float] = {}
        self.extra: dict[str, Any] = {}
        self.console: Any = None
        if progress:
            from escalation._console import stderr_console

            self.console = stderr_console()

    @property
    def effects_path(self) -> str:
        """The effects table's path beside the brief (``results/effects.csv`` or flat)."""
        return (self.results_dir / "effects.csv").relative_to(self.out).as_posix()

    def say(self, message: str) -> None:
        log.info(message)
        if self.console is not None:
            self.console.log(escape(message))  # text, not rich markup: "[policy]" stays

    def note(self, message: str, remark: str | None = None, *, shared: str | None = None) -> None:
        """Record a note (manifest, log); ``remark`` is how the brief words it.

        ``shared``: how the manifest words it, when ``message`` must stay on this machine.
        """
        self.notes.append(message)
        self.shared_notes.append(message if shared is None else shared)
        if remark is not None:
            self.remarks.append(remark)
        # With no logging configured, Python prints a warning on standard error itself:
        # beside the console's line that would say it twice.
        if self.console is None or log.hasHandlers():
            log.warning(message)
        if self.console is not None:
            self.console.log(f"[yellow]note:[/yellow] {escape(message)}")

    @contextmanager
    def stage(self, name: str, label: str) -> Iterator[None]:
        self.current_stage = name
        start = time.perf_counter()
        status = self.console.status(label + "...") if self.console is not None else None
        if status is not None:
            status.start()
        try:
            with self.log.watch(name):
                yield
        except _SkipStageError as skip:
            what = _STAGE_WORDS.get(name, name)
            self.note(f"{name}: skipped ({skip})", f"{what[0].upper()}{what[1:]}: skipped, {skip}.")
        except Exception as error:
            failure = Failure(name, type(error).__name__, str(error))
            if not self.keep_going:
                raise StageError(name, f"{failure.error}: {failure.message}") from error
            self.fail(failure)
        finally:
            if status is not None:
                status.stop()
            self.timings[name] = round(time.perf_counter() - start, 2)
        self.say(f"{label}: done in {self.timings[name]:.1f} s")

    def fail(self, failure: Failure) -> None:
        """Record a stage that failed: in full here, its stage and kind of error when shared."""
        self.failures.append(failure)
        self.note(
            f"{failure.stage}: failed ({failure.error}: {failure.message})",
            shared=f"{failure.stage}: failed ({failure.error}; {NOT_SHARED})",
        )

    def caveat(
        self, stage: str, design_key: str, message: str, advice: str, *, shared: str | None = None
    ) -> None:
        """Record a caveat the runner itself raises (a fallback it had to take).

        ``shared``: how the brief, the manifest and the workbook word it, when ``message``
        must stay on this machine (a count the cohort counts withhold).
        """
        self.notes.append(f"{stage}: {message}")
        self.shared_notes.append(f"{stage}: {message if shared is None else shared}")
        self.log.add(Caveat(stage, design_key, message, advice, shared=shared))
        if self.console is not None:
            self.console.log(f"[yellow]caveat:[/yellow] {escape(message)}")

    def table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Write a table that has passed the disclosure gate to ``results/<name>.csv``."""
        self.results_dir.mkdir(parents=True, exist_ok=True)
        frame.to_csv(self.results_dir / f"{name}.csv", index=False)
        self.tables[name] = frame
        return frame

    def figure(
        self,
        name: str,
        plot: Any,
        *,
        title: str,
        caption: str,
        alt: str,
        width: ColumnWidth | float = "single",
        in_brief: bool | Literal["policy"] = True,
        narrow: Any = None,
    ) -> None:
        """Save a figure drawn from disclosed frames (and put it in the brief).

        ``in_brief``: among the brief's figures (True), as the figure of its policy
        section (``"policy"``) or not at all (False). The run's :attr:`figure_note` is
        added beneath the figure and its narrow variant.
        """
        if self.figure_note:
            plot = with_note(plot, self.figure_note)
            if narrow is not None:
                narrow = with_note(narrow, self.figure_note)
        brief = (
            BriefFigure(title, caption, plot, alt, width=width, narrow=narrow)  # type: ignore[arg-type]
            if in_brief and self.with_brief
            else None
        )
        section = "policy" if in_brief == "policy" else "figures"
        stem = self.figures_dir / name
        if self.background:
            self.figures[name] = []
            task = submit(_write_figure, plot, stem, width, brief)
            self.pending.append(_PendingFigure(self.current_stage, name, brief, task, section))
            return
        paths, images = _write_figure(plot, stem, width, brief)
        self.figures[name] = [self.folder.final(p) for p in paths]
        if brief is not None:
            self._add_to_brief(dataclasses.replace(brief, images=images), section)

    def _add_to_brief(self, figure: BriefFigure, section: str) -> None:
        if section == "policy":
            self.policy_figure = figure
        else:
            self.brief_figures.append(figure)

    def abandon_figures(self) -> None:
        """Give up the figures still being drawn in the helper (the run failed or stopped).

        Called before the output folder discards its staging folder, so that the helper
        writes no figure there afterwards (which left a hidden staging folder behind).
        """
        pending, self.pending = self.pending, []
        for item in pending:
            item.task.abandon()

    def finish_figures(self) -> None:
        """Wait for the figures drawn in the helper, in order; a failure is its stage's.

        A figure that failed is left out and noted as a failure of the stage that drew
        it (or, without ``keep_going``, raised as that stage's :class:`StageError`).
        """
        start = time.perf_counter()
        pending, self.pending = self.pending, []
        for item in pending:
            try:
                with self.log.watch(item.stage):
                    paths, images = item.task.result()
            except Exception as error:
                failure = Failure(item.stage, type(error).__name__, str(error))
                if not self.keep_going:
                    raise StageError(item.stage, f"{failure.error}: {failure.message}") from error
                del self.figures[item.name]
                self.fail(failure)
                continue
            self.figures[item.name] = [self.folder.final(p) for p in paths]
            if item.brief is not None:
                self._add_to_brief(dataclasses.replace(item.brief, images=images), item.section)
        self.timings["figures"] = round(time.perf_counter() - start, 2)


class _SkipStageError(Exception):
    """A stage cannot run (its module is not available yet, or nothing can be shown)."""


def numbers_at_risk(spells: SpellData | pd.DataFrame, times: list[float]) -> pd.DataFrame:
    """Return ``time, group, at_risk, events, censored`` by treatment arm.

    ``spells`` is a :class:`~escalation.timeline.SpellData` or a data frame of spells.

    ``at_risk``: spells with follow-up >= time; ``events`` and ``censored``: escalations
    and censored spells by that time (cumulative), as ggsurvfit's risk table.

    Examples
    --------
    >>> spells = pd.DataFrame({"duration": [5.0, 10.0, 20.0], "treatment": [1, 0, 0],
    ...                        "event": [1, 0, 1]})
    >>> numbers_at_risk(spells, [0, 10])[["at_risk", "events", "censored"]].values.tolist()
    [[1, 0, 0], [0, 1, 0], [2, 0, 0], [2, 0, 1]]
    """
    spells = spells_of(spells, function="numbers_at_risk")
    rows = []
    has_event = "event" in spells.columns
    for value in (1, 0):
        arm = spells[spells["treatment"] == value]
        duration = arm["duration"].to_numpy(float)
        event = arm["event"].to_numpy(int) if has_event else np.zeros(len(arm), int)
        for t in times:
            row: dict[str, Any] = {
                "time": float(t),
                "group": arm_label(value),
                "at_risk": int((duration >= t).sum()),
            }
            if has_event:
                row["events"] = int(((duration <= t) & (event == 1)).sum())
                row["censored"] = int(((duration <= t) & (event == 0)).sum())
            rows.append(row)
    return pd.DataFrame(rows)


def _arm_labels(curves: pd.DataFrame) -> pd.DataFrame:
    """Name the arms of a table's ``group`` column as in every table and figure."""
    return curves.assign(group=curves["group"].astype(str).map(arm_label))


def compile_kernels_ahead() -> None:
    """Have the helper process compile the package's kernels while this one reads data.

    On a fresh install numba compiles each kernel when it is first called (about 6 s of
    CPU in all, then cached); called before the data are read or simulated, this does
    that work in the helper process (the one that draws figures, when there are two or
    more CPUs: :func:`~escalation.core.kernels.compile_ahead`), so the study finds them
    compiled. Does nothing where figures are drawn in this process.
    """
    if available():
        compile_ahead()


def design_as_run(design: StudyDesign, *, seed: int, bootstrap: int | None) -> StudyDesign:
    """Return the design with the seed and bootstrap a run overrides (what is recorded).

    Examples
    --------
    >>> from escalation import default_design
    >>> design_as_run(default_design(), seed=5, bootstrap=None).estimation.seed
    5
    """
    return design.with_estimation(seed=seed, bootstrap=bootstrap)


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of a disclosed table that a figure may draw."""
    if "suppressed" not in frame.columns:
        return frame
    return frame[~frame["suppressed"].astype(bool)].drop(columns="suppressed")


def _steps(curves: pd.DataFrame, by: str, value: str = "estimate") -> bool:
    """Whether every risk curve still shows a step after disclosure control (else not drawn).

    A risk (or difference) curve starts at zero; one that shows only zeros has had every
    step suppressed. ``curves`` are the disclosed rows, suppressed ones included (a
    missing value): a group whose every row is suppressed has no step, where the rows
    shown alone would not list it.

    Examples
    --------
    >>> curves = pd.DataFrame({"group": ["a", "a", "b", "b"],
    ...                        "estimate": [0.0, 0.2, float("nan"), float("nan")]})
    >>> _steps(curves, "group"), _steps(curves.dropna(), "group")
    (False, True)
    """
    values = pd.to_numeric(curves[value], errors="coerce")
    shown = curves[values.notna()]
    if shown.empty:
        return False
    moved = (values[values.notna()].abs() > 0).groupby(shown[by]).any()
    lines = shown.groupby(by).size() >= 2
    return bool(moved.all() and lines.all() and len(moved) == curves[by].nunique())


@one_blas_thread
def run_study(
    history: CaseHistory,
    design: StudyDesign,
    *,
    out: str | Path | OutputFolder,
    seed: int | None = None,
    progress: bool = True,
    bootstrap: int | None = None,
    keep_going: bool = False,
    overwrite: bool = False,
    command: str = "run_study",
    design_file: str | Path | None = None,
    stages: Sequence[str] = STAGES,
    subfolders: bool = True,
    data_label: str | None = None,
    registration: RegistrationCheck | str | Path | None = None,
    background_figures: bool | None = None,
    strict: bool | None = None,
    simulation: Mapping[str, Any] | None = None,
) -> StudyOutputs:
    """Run the whole study and write results, figures, the brief and the manifest.

    Parameters
    ----------
    history : CaseHistory
        Validated case histories.
    design : StudyDesign
        The study design.
    out : str, Path or OutputFolder
        Output folder: new, empty, or one escalation wrote before (see
        :class:`escalation.report.outputs.OutputFolder`); or an open ``OutputFolder`` that
        already holds other files of this run (its manifest lists them too). A folder that
        is, or holds, what the study reads (the folder or files ``history`` was read from,
        its :attr:`~escalation.data.history.CaseHistory.source`; ``design_file`` and the
        design's ``[data] path``) is refused before anything runs, ``overwrite`` or not,
        as is one another command wrote (unless ``overwrite``). A history built in memory
        (by the simulator, or ``CaseHistory(...)`` from frames) has no source: no file of
        it is read, so there is none to protect. Even so its folder is never lost: files in
        ``out`` that escalation did not write (a copy of the tables written there, say)
        are refused without ``overwrite`` and with it left untouched, never deleted or
        replaced.
    seed : int, optional
        Seed of every random step (bootstrap, forests, model fitting); default: the
        design's ``[estimation] seed``, as ``escalation run`` uses it.
    progress : bool, default True
        Show progress on standard error.
    bootstrap : int, optional
        Bootstrap replicates for the effect estimates (default: the design's).
    keep_going : bool, default False
        When a stage fails, carry on with the others and list the failure in the brief
        and the manifest, instead of stopping with :class:`~escalation.errors.StageError`
        and writing nothing.
    overwrite : bool, default False
        Write into a folder escalation did not write, or another command wrote (its files
        are left untouched).
    command : str
        Recorded in the manifest.
    design_file : str or Path, optional
        The design file, recorded in the manifest (else the design's TOML); warnings are
        reported against its lines.
    stages : sequence of str, default all of :data:`STAGES`
        Which stages to run (the spells are always built); e.g. the numbered analysis
        scripts each run one.
    subfolders : bool, default True
        Write CSVs to ``out/results`` and figures to ``out/figures``; with ``False``
        both go straight into ``out``.
    data_label : str, optional
        Where the data come from, shown at the top of the brief (e.g. "Simulated data:
        not real children").
    registration : RegistrationCheck, str or Path, optional
        The design's registration (a check or its file); default: the file beside
        ``design_file`` (``<name>.registration.json``) when there is one. The policy
        stage reports its criteria with it and flags changes made after registration.
    background_figures : bool, optional
        Draw and write the figures in a helper process while the study goes on
        (:mod:`escalation.background`); the files are the same either way. Default: when
        two or more CPUs are available.
    strict : bool, optional
        Deprecated: ``strict=True`` is ``keep_going=False`` (now the default) and
        ``strict=False`` is ``keep_going=True``.
    simulation : mapping, optional
        How ``history`` was simulated, when it was
        (:func:`escalation.data.simulator.simulation_record`): recorded under
        ``simulation`` in the manifest, its seed under ``seeds``, and stated in the brief's
        footer, so a reader can simulate the input again.

    Returns
    -------
    StudyOutputs

    Raises
    ------
    StageError
        When a stage fails and ``keep_going`` is false (nothing is written).
    DesignError
        When the design gives no spell on the data (nothing is written, ``keep_going``
        or not): the message names the exclusion rules that removed every candidate
        (:func:`escalation.timeline.no_spell_reason`).
    OutputFolderError
        When the output folder is not escalation's, another command wrote it, it is or
        holds one of the study's inputs, or another run is writing it.

    Notes
    -----
    Linear algebra runs on one thread while the study runs (numpy's BLAS is limited
    with ``threadpoolctl`` and restored afterwards): the models' matrices are small and
    thread hand-offs cost more than they gain, much more on a busy machine.

    Examples
    --------
    >>> import tempfile
    >>> from escalation import CaseHistory, default_design
    >>> empty = CaseHistory(
    ...     pd.DataFrame(columns=["child_id", "birth_date", "sex", "ethnicity", "disability",
    ...                           "family_id"]),
    ...     pd.DataFrame(columns=["child_id", "kind", "start", "end"]),
    ...     extract_date="2024-03-31")
    >>> with tempfile.TemporaryDirectory() as folder:  # doctest: +SKIP
    ...     outputs = run_study(empty, default_design(), out=folder, progress=False)
    """
    if strict is not None:
        # the caller's line: warn_deprecated, run_study, one_blas_thread's wrapper, caller
        warn_deprecated(
            "run_study(strict=) is keep_going= reversed (strict=False is keep_going=True)",
            stacklevel=4,
        )
        keep_going = not strict
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        raise DesignError(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGES)}")
    seed = design.estimation.seed if seed is None else seed
    if isinstance(out, OutputFolder):
        return _run_into(
            out, history, design, seed, progress, bootstrap, keep_going, command,
            design_file, stages, subfolders, data_label, registration, background_figures,
            simulation=simulation,
        )  # fmt: skip
    inputs = study_inputs(history, design, design_file)
    writes = study_files(stages)
    with OutputFolder(
        out, overwrite=overwrite, command=command, inputs=inputs, writes=writes
    ) as folder:
        return _run_into(
            folder, history, design, seed, progress, bootstrap, keep_going, command,
            design_file, stages, subfolders, data_label, registration, background_figures,
            simulation=simulation,
        )  # fmt: skip


def study_files(stages: Sequence[str] = STAGES) -> list[str]:
    """Return the files a study writes whatever its data: known before it runs.

    An output folder refuses a clash with one of them (a file escalation did not write,
    e.g. a hand-made ``design.toml``) before any work is done; the tables and figures,
    which depend on the data, are checked when the run is committed.

    Examples
    --------
    >>> study_files()
    ['design.toml', 'brief.html']
    >>> study_files(("describe",))
    ['design.toml']
    """
    return ["design.toml", *(["brief.html"] if "brief" in stages else [])]


def study_inputs(
    history: CaseHistory, design: StudyDesign, design_file: str | Path | None
) -> list[Path]:
    """Return the files and folders a study reads, as far as they are known.

    The folders or files ``history`` was read from (:attr:`CaseHistory.source`, absolute
    paths), the design file, and the design's ``[data] path`` (relative to the design file;
    a relative path without a design file is not known). An output folder refuses to be or
    hold one.

    Examples
    --------
    >>> from escalation import default_design
    >>> from escalation.data.history import CaseHistory
    >>> empty = CaseHistory(pd.DataFrame(), pd.DataFrame(), extract_date="2024-03-31",
    ...                     source=("la/",))
    >>> inputs = study_inputs(empty, default_design(), "study/design.toml")
    >>> [p.name for p in inputs], inputs[0].is_absolute()
    (['la', 'design.toml'], True)

    A history built in memory (the simulator's, ``CaseHistory(...)``) was read from no
    file: it adds nothing.

    >>> memory = CaseHistory(pd.DataFrame(), pd.DataFrame(), extract_date="2024-03-31")
    >>> study_inputs(memory, default_design(), None)
    []
    """
    # (a history built in memory, or an object standing in for one, has no source)
    inputs = [Path(source) for source in getattr(history, "source", ())]
    if design_file is not None:
        inputs.append(Path(design_file))
    if design.data.path is not None:
        data = Path(design.data.path)
        if data.is_absolute():
            inputs.append(data)
        elif design_file is not None:
            inputs.append(Path(design_file).parent / data)
    return inputs


def _run_into(
    folder: OutputFolder,
    history: CaseHistory,
    design: StudyDesign,
    seed: int,
    progress: bool,
    bootstrap: int | None,
    keep_going: bool,
    command: str,
    design_file: str | Path | None,
    stages: Sequence[str],
    subfolders: bool,
    data_label: str | None,
    registration: RegistrationCheck | str | Path | None,
    background_figures: bool | None = None,
    *,
    simulation: Mapping[str, Any] | None = None,
) -> StudyOutputs:
    """Run the study into an open output folder and commit it."""
    # What was run is recorded, not what the file said: the seed and bootstrap overrides
    # go into the design written beside the outputs and into the manifest.
    design = design_as_run(design, seed=seed, bootstrap=bootstrap)
    if not folder.staging.is_dir():
        raise OutputFolderError(
            f"output folder {folder.path} is not open: use `with OutputFolder(...) as folder`"
        )
    folder.protect(study_inputs(history, design, design_file))
    folder.claim(study_files(stages))
    # The copy names the same data as the design file: its relative [data] path is
    # re-expressed from the output folder. The manifest records the design as analysed.
    design.relocated(design_file, folder.path).write(folder.staging / "design.toml")
    background = available() if background_figures is None else background_figures
    if background:
        compile_ahead()  # the helper compiles the kernels (if not yet) before any figure
    run = _Run(
        folder,
        design,
        progress=progress,
        keep_going=keep_going,
        subfolders=subfolders,
        design_file=design_file if design_file is not None else folder.path / "design.toml",
        background=background,
        brief="brief" in stages,
        figure_note=figure_note(data_label),
    )
    folder.on_discard(run.abandon_figures)  # a failed run: no figure written after it
    horizons = [int(h) for h in design.outcome.horizons]
    input_hash = history.digest()
    state: dict[str, Any] = {}
    if not isinstance(registration, RegistrationCheck):
        if registration is None and design_file is not None:
            registration = registration_path(design_file)
        registration = check_registration(design, registration)

    with run.stage("spells", "Building time-to-escalation spells"):
        data = build_spells(history, design)
        state["data"] = data
        run.say(repr(data))
    data_: SpellData | None = state.get("data")
    if data_ is None:
        raise StageError("spells", "; ".join(run.notes))
    # No spell: every analysis would fail. Stop before the first, saying which
    # exclusion rules removed the candidates (even with keep_going: nothing could run).
    require_spells(data_.flow)
    spells = data_.spells
    run.withheld = _withheld_words(data_, run.rules)

    wanted = set(stages)
    if "describe" in wanted:
        with run.stage("describe", "Describing the cohort"):
            _describe(run, data_)
    if "effects" in wanted:
        with run.stage("effects", "Estimating the effect of early help"):
            state["effects"] = _effects(run, data_, design, seed, bootstrap, progress)
    if "authorities" in wanted and len(data_.authorities) > 1:
        with run.stage("authorities", "Estimating the effect in each local authority"):
            state["authorities"] = _by_authority(
                run, data_, design, seed, bootstrap, state.get("effects")
            )
    if "survival" in wanted:
        with run.stage("survival", "Fitting survival models"):
            _survival(run, data_, design)
    if "heterogeneity" in wanted:
        with run.stage("heterogeneity", "Looking for differences in effect"):
            effects = state.get("effects")
            biased = effects is not None and "aipw" in effects.settings.get("grace_biased", ())
            state["heterogeneity"] = _heterogeneity(
                run, data_, horizons[0], seed, grace_biased=biased
            )
    if "prediction" in wanted or "fairness" in wanted:
        with run.stage("prediction", "Validating a risk tool"):
            state["prediction"] = _prediction(run, data_, design, seed, bootstrap, history)
    if "fairness" in wanted:
        with run.stage("fairness", "Checking the risk tool by group"):
            _fairness(run, state.get("prediction"))
    if "policy" in wanted:
        with run.stage(
            "policy", "Asking whether a risk score would help decide who gets early help"
        ):
            state["policy"] = _policy(
                run, data_, design, seed, registration, state.get("heterogeneity")
            )
    if run.pending:
        run.finish_figures()
    # How the run was made, in the brief's footer and the workbook's README alike.
    provenance = _provenance(design, input_hash, simulation)
    if "brief" in wanted:
        with run.stage("brief", "Writing the policy brief"):
            brief = _brief(
                run,
                data_,
                design,
                state,
                data_label=data_label,
                provenance=provenance,
            )
            path = write_brief(
                brief,
                run.out / "brief.html",
                identifiers=pd.concat([spells["child_id"], spells["family_id"]]).astype(str),
            )
            state["brief"] = folder.final(path)
    if run.tables:
        write_workbook(
            run.tables,
            run.results_dir / "results.xlsx",
            readme=_workbook_readme(
                design,
                data_label,
                run.rules,
                input_hash,
                caveats=run.log.caveats,
                withheld=run.withheld,
                provenance=provenance,
            ),
        )
    caveats = run.log.caveats
    # What is shared is disclosed: counts in warnings and notes as in the tables.
    manifest = folder.commit(
        command=command,
        design=design,
        design_file=design_file,
        input_hash=input_hash,
        seeds={"study": seed, **({"simulation": simulation["seed"]} if simulation else {})},
        notes=tuple(disclose_text(n, run.rules, withheld=run.withheld) for n in run.shared_notes),
        extra={
            "status": "incomplete" if run.failures else "complete",
            "failures": [f.shared().to_dict() for f in run.failures],
            "caveats": [c.disclosed(run.rules, withheld=run.withheld).to_dict() for c in caveats],
            "disclosure": run.rules.to_dict(),
            "timings_seconds": run.timings,
            # (a design never in a file: no file to name; else design_file= records it)
            **({} if design_file is not None else {"design_file": None}),
            "registration": registration.to_dict(),
            **({"simulation": dict(simulation)} if simulation else {}),
        },
    )
    run.say(
        f"Wrote {sum(len(v) for v in run.figures.values())} figure files, "
        f"{len(run.tables)} tables, the brief and manifest.json to {folder.path}"
    )
    if folder.left_alone:
        run.note(
            f"left {len(folder.left_alone)} file(s) escalation did not write untouched in "
            f"{folder.path}; they are not listed in manifest.json"
        )
    return StudyOutputs(
        out=folder.path,
        tables=run.tables,
        figures=run.figures,
        brief=state.get("brief"),
        manifest=manifest,
        notes=tuple(run.notes),
        timings=run.timings,
        caveats=caveats,
        failures=tuple(run.failures),
        left_alone=tuple(sorted(folder.left_alone)),
    )


def _workbook_readme(
    design: StudyDesign,
    data_label: str | None,
    rules: DisclosureRules,
    input_hash: str,
    *,
    caveats: Sequence[Caveat] = (),
    withheld: Sequence[str] = (),
    provenance: Sequence[str] = (),
) -> dict[str, str]:
    """Rows of the README sheet of ``results.xlsx``: design, disclosure rules, caveats.

    ``provenance`` is the brief's footer on how the run was made (:func:`_provenance`: the
    version, the design's and the input data's hashes, how simulated data were made), so
    that the workbook can be matched to the brief and the manifest of its run.

    Examples
    --------
    >>> from escalation import default_design
    >>> from escalation.disclosure import DEFAULT_RULES
    >>> rows = _workbook_readme(default_design(), None, DEFAULT_RULES, "abc", caveats=[
    ...     Caveat("effects", "[outcome] horizons", "3 spells ended early", "shorten them.")])
    >>> print(rows["Caveat 1"])
    Fewer than 10 spells ended early. In the design file, [outcome] horizons: shorten them.
    >>> text = rows["Disclosure control"]
    >>> "blank cell" in text, "shown as 'fewer than 10'" in text
    (True, False)
    """
    horizons = ", ".join(str(int(h)) for h in design.outcome.horizons)
    rounded = (
        f"every other count is rounded to the nearest {rules.rounding}"
        if rules.rounding > 1
        else "other counts are exact"
    )
    listed = brief_caveats(
        list(caveats), rules, replicates=int(design.estimation.bootstrap), withheld=withheld
    )
    return {
        "What this is": "Every results table of the study, one sheet each, as in the CSV "
        "files beside this workbook. Made with escalation " + __version__ + ".",
        "Data": data_label or "The case histories named in the design.",
        "Input data (SHA-256)": input_hash,
        **({"Provenance": " ".join(provenance)} if provenance else {}),
        "Design": f"{cohort_sentence(design)} Horizons: {horizons} days.",
        "Arms": arms_sentence(design),
        "Disclosure control": f"Statistical disclosure control: counts below "
        f"{rules.threshold} are suppressed and {rounded}; estimates resting on fewer than "
        f"{rules.threshold} children or events are not shown. In these sheets a suppressed "
        "value is a blank cell, and its row reads TRUE in the 'Suppressed' column where a "
        "table has one: the count was below the threshold, or was withheld so that one "
        "below it cannot be worked out from the others (complementary suppression). A blank "
        "in a row reading FALSE is a value withheld on its own while the rest of its row is "
        "shown (a group's size beside its rank metrics, the smallest and largest weights, "
        "which would each describe one child, the variance ratio of a yes/no covariate), "
        "or one that does not apply (the p-value of a risk, the interval of a count). Table 1 "
        f"writes a count below the threshold as '<{rules.threshold}' and a count withheld "
        "to protect one as '[c]'. Percentages are of the "
        "rounded counts. No names, identifiers or case-note text appear.",
        "Caveats": f"{len(listed)} caveat(s) raised by the analysis, listed below as in the "
        "brief; manifest.json records each warning as raised."
        if listed
        else "The analysis raised no caveats.",
        **{f"Caveat {i}": text for i, text in enumerate(listed, start=1)},
        "Design file (TOML)": design.to_toml(),
    }


def _cohort(data: SpellData, rules: DisclosureRules) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the cohort counts (``results/cohort.csv``) before and after disclosure.

    Escalations, competing events and censored spells add up to the spells: they are
    disclosed together (complementary suppression), so that none can be worked out from
    the others. The brief's counts are taken from the disclosed table, never the raw one.
    """
    glance = data.glance().iloc[0]
    raw = pd.DataFrame(
        {
            "measure": [
                "spells",
                "children",
                "escalations",
                "competing events",
                "censored",
                "early help within the grace period",
            ],
            "count": [
                glance["n"],
                glance["children"],
                glance["events"],
                glance["competing"],
                glance["censored"],
                glance["treated"],
            ],
            # escalations + competing events + censored = spells
            "_sum": ["spells", "children", "ends", "ends", "ends", "treated"],
        }
    )
    return raw, disclose_table(raw, ["count"], rules=rules, partition=["_sum"])


#: The words that count a measure of the cohort table in free text (a note, a caveat).
_COUNT_WORDS: Final = {
    "escalations": ("escalations", "escalation", "events", "event"),
    "competing events": (
        "competing events",
        "competing event",
        "deaths",
        "death",
        "events",
        "event",
    ),
    "censored": ("censored",),
}


def _withheld_words(data: SpellData, rules: DisclosureRules) -> tuple[str, ...]:
    """Return the words counting what the cohort table withholds, for shared free text.

    When the cohort counts withhold the escalations or the competing events (below the
    threshold, or withheld so that a small one cannot be worked out by subtraction), no
    caveat or note may quote a count of them, nor of a part of them (escalations by a
    horizon, in the training years): with the spells and censored spells, which are
    published, it would give the withheld count back.
    """
    disclosed = _cohort(data, rules)[1]
    hidden = disclosed.loc[disclosed["suppressed"].astype(bool), "measure"]
    return tuple(dict.fromkeys(w for m in hidden for w in _COUNT_WORDS.get(str(m), ())))


def _describe(run: _Run, data: SpellData) -> None:
    rules = run.rules
    # A count no data can make other than zero (the children the spell rule leaves out)
    # is no small count: missing, it is neither suppressed nor protected, and reads "—".
    raw = counts_that_apply(data.flow)
    # Exclusions between two "remaining" rows add up to their difference: complementary
    # suppression works within those blocks.
    block = (raw["stage"] != "excluded").cumsum()
    flow = disclose_table(
        raw.assign(_block=block.to_numpy()),
        ["children", "episodes"],
        rules=rules,
        partition=["_block"],
    ).drop(columns="_block")
    run.table("flow", flow)
    run.table("cohort", _cohort(data, rules)[1].drop(columns="_sum"))
    # Every rule is listed, as in the table: one that left out no one reads "<10" like any
    # count below the threshold (zero included), so the figure tells no zero the table
    # withholds. A count hidden only to protect a small one is not small: "[c]", not "<10".
    boxes = count_labels(flow, ["children", "episodes"], rules, raw=raw)
    not_applying = (boxes[["children", "episodes"]] == NOT_APPLYING_LABEL).any(axis=None)
    run.figure(
        "flow",
        plot_flow(boxes),
        title="Who was studied",
        caption="How children and episodes in the case histories became the spells analysed; "
        "each box on the right lists the reasons episodes were left out, with the children "
        "who had none left after that step. "
        f"<{rules.threshold}: fewer than {rules.threshold}; {WITHHELD_LABEL}: not shown, so "
        f"that a count below {rules.threshold} cannot be worked out from the others."
        + (f" {_NOT_APPLYING_NOTE}" if not_applying else "")
        + _rounding_note(flow, rules.rounding),
        alt=alt_text.flow_alt(flow, raw, rules),
        width="double",
        narrow=plot_flow(boxes, width="single"),
    )


#: The flow caption's note on a count that does not apply
#: (:data:`~escalation.timeline.flow.BY_CONSTRUCTION`).
_NOT_APPLYING_NOTE: Final = (
    f"{NOT_APPLYING_LABEL}: does not apply (keeping one spell of each child leaves no child out)."
)


def _rounding_note(flow: pd.DataFrame, rounding: int) -> str:
    """Return the flow caption's sentence on rounding (empty when counts are exact).

    Says so when the rounded counts of a box, less those excluded beneath it, do not
    give the next box's (or cannot, because some are not shown).
    """
    if rounding <= 1:
        return ""
    text = f" Counts are rounded to the nearest {rounding}"
    if not _flow_adds_up(flow):
        text += ", so the counts left out do not add up exactly to the difference between the boxes"
    return text + "."


def _flow_adds_up(flow: pd.DataFrame) -> bool:
    """Whether each box's counts less the exclusions beneath it give the next box's."""
    for column in ("children", "episodes"):
        before: float | None = None
        removed = 0.0
        counts = pd.to_numeric(flow[column], errors="coerce").astype(float)  # missing: NaN
        counts = counts.mask(by_construction(flow, column), 0.0)  # none, not unknown
        for stage, value in zip(flow["stage"], counts, strict=True):
            if stage == "excluded":
                removed += float(value) if pd.notna(value) else float("nan")
                continue
            # A count not shown (missing) never adds up: NaN differs from everything.
            if before is not None and before - removed != float(value):
                return False
            before, removed = float(value), 0.0
    return True


def _effects(
    run: _Run,
    data: SpellData,
    design: StudyDesign,
    seed: int,
    bootstrap: int | None,
    progress: bool,
) -> Any:
    from escalation.causal import estimate_effects

    # The estimators that fit a Cox model (g-formula and AIPW of escalation; clone-censor-
    # weight of the artificial censoring) can fail to converge on small or sparse data:
    # then the run says so and keeps the others, dropping them group by group
    # (without_unconverged, as a share pack does).
    options = _authority_options(run, data, design)
    estimators = list(design.estimation.estimators)
    while True:
        try:
            fit = estimate_effects(
                data, design, estimators=estimators, bootstrap=bootstrap, seed=seed,
                progress=False, **options,
            )  # fmt: skip
            break
        except ConvergenceError as error:
            left = without_unconverged(estimators)
            if left is None:
                raise
            kept, dropped = left[0], ", ".join(left[1])
            run.caveat(
                "effects",
                "[estimation] estimators",
                f"{dropped} could not be estimated on these data ({error}); the effect was "
                f"estimated with {', '.join(kept)} only.",
                f"remove {dropped}, or use fewer or coarser covariates in [covariates] include.",
            )
            estimators = kept
    _effect_model_caveats(run, fit, data.spells, estimators)
    rules, records = run.rules, spell_records(data.spells)
    # Horizons that rest on too few children blanked; the observed risks and their
    # contrasts from disclosed counts (at full precision they give the counts back).
    shown = disclose_effects(fit.tidy(), records, rules=rules)
    effects = run.table("effects", disclose_observed_effects(shown, records, rules))
    coarse = disclose_curve_shares(
        disclose_curves(fit.curves, records, rules=rules, by=("estimator", "group")),
        records,
        rules,
    )
    curves = run.table("adjusted_curves", _arm_labels(coarse))
    horizons = [int(h) for h in design.outcome.horizons]
    from escalation.causal import difference_curve, rmst_curves, table_one
    from escalation.causal import treatment_weights as weights_fn

    weights = weights_fn(fit.propensity.scores, fit.propensity.treatment)
    aligned = len(weights) == len(data.spells)
    t1 = table_one(data, weights=weights if aligned else None, rules=rules)
    _note_repeated_counts(run, t1.settings.get("repeats", {}))
    write_table_one(t1, run.results_dir, rules=rules)
    shown = disclosed_table_one(t1, rules=rules)  # once for the results and the brief
    run.table("table_one", shown)
    run.extra["table_one_html"] = table_one_html(shown, footer=False)  # note beneath it
    # Means of binary covariates by arm would give small counts back: only the standardised
    # differences and variance ratios (what the love plot shows) are written. For an
    # indicator, disclose_balance computes the SMD before weighting from its disclosed
    # counts, withholds its variance ratios and blanks it when few children in an arm have
    # it or when Table 1 hides one of its counts (<10 or [c]: its SMD would give the count
    # back); the shares by arm are in Table 1, whose counts pass disclosure control.
    balance = run.table(
        "balance",
        disclose_balance(
            fit.balance[["covariate", "sample", "smd", "variance_ratio"]],
            fit.propensity.matrix,
            fit.propensity.treatment,
            rules=rules,
            withheld=hidden_indicators(t1, fit.propensity.coding, rules),
        ),
    )
    run.table("weights", _arm_labels(disclose_weights(fit.weights, rules=rules)))
    # Descriptive curves: the unadjusted Aalen–Johansen estimate by arm.
    # Both arms must still show a step: judged on the disclosed rows, where an arm whose
    # every row is suppressed is still listed (the rows shown would leave it out, and its
    # censoring marks and numbers at risk would match no curve).
    unadjusted = _shown(curves[curves["estimator"] == "unadjusted"])
    if "unadjusted" in set(curves["estimator"]) and not _steps(
        curves[curves["estimator"] == "unadjusted"], "group"
    ):
        run.note(
            f"effects: unadjusted curves not drawn (fewer than {rules.threshold} escalations "
            "in an arm)",
            "The unadjusted risk curves by early help are not drawn: in one arm or both, "
            f"fewer than {rules.threshold} children escalated.",
        )
    elif len(unadjusted):
        from escalation.survival import gray_test

        spells = data.spells
        # The table sits at the ticks of the time axis, which cover the curves.
        last = float(unadjusted["time"].max())
        times = [t for t in time_breaks(last) if t <= last + 1e-9]
        at_risk = run.table(
            "at_risk",
            disclose_table(
                numbers_at_risk(spells, times), ["at_risk", "events", "censored"], rules=rules
            ),
        )
        # Each + stands for the mean follow-up of at least `threshold` censored children.
        censored = spells.loc[spells["event"] == 0, ["duration", "treatment"]]
        marks = microaggregate(censored, ["duration"], by=["treatment"], rules=rules)
        marks = pd.DataFrame(
            {"time": marks["duration"], "group": marks["treatment"].map(arm_label)}
        ).drop_duplicates()
        marks = marks[marks["time"] <= last]
        test = gray_test(spells, "treatment", cause=1)
        enough = int((spells["event"] == 1).sum()) >= rules.threshold
        if enough:  # the p-value the figure prints, with its statistic (no counts)
            gray = {"test": "Gray's test", "cause": "escalation", "statistic": test.statistic,
                    "df": test.df, "p_value": test.p_value}  # fmt: skip
            run.table("cumulative_incidence_test", pd.DataFrame([gray]))
        run.figure(
            "cumulative_incidence",
            plot_survival_curves(
                unadjusted,
                count_labels(at_risk, ["at_risk", "events", "censored"], rules),
                kind="cumulative_incidence",
                outcome="escalation",
                censored=marks,
                test=("Gray's test", test.p_value) if enough else None,
            ),
            title="Escalation after the decision point, as observed",
            caption="Share of children who went on to a child protection plan or care "
            "(Aalen–Johansen, deaths as a competing event), by whether early help started "
            "within the grace period; not adjusted for differences between the groups. "
            "Shaded bands are 95% confidence intervals, each + marks the mean end of "
            f"follow-up of at least {rules.threshold} children whose follow-up ended; the "
            "table gives the numbers still followed, escalated and censored. "
            "The p-value is Gray's test of equal cumulative incidence of escalation. "
            + _coarse_steps(rules, run.effects_path),
            alt=f"{alt_text.incidence_alt(effects, horizons, rules)} "
            f"{_coarse_steps(rules, run.effects_path)}",
        )
    shown_curves = _shown(curves)
    stepped = [e for e, part in curves.groupby("estimator") if _steps(part, "group")]
    preferred = [e for e in _PREFERRED[:-1] if e in stepped]
    grace_note = ""
    if preferred and preferred[0] in fit.settings.get("grace_biased", ()) and "ccw" in stepped:
        # as the key numbers: CCW when the grace period biases the preferred estimator
        preferred.insert(0, "ccw")
        grace_note = (
            f" Clone–censor–weight (CCW) is shown because the grace period biases "
            f"{_ESTIMATOR_LABELS.get(preferred[1], preferred[1])} towards benefit (see the "
            "caveats)."
        )
    if preferred:
        chosen = preferred[0]
        label = _ESTIMATOR_LABELS.get(chosen, chosen)
        adjusted = shown_curves[shown_curves["estimator"] == chosen]
        run.figure(
            "adjusted_curves",
            plot_adjusted_curves(adjusted, horizons=horizons, estimator=label),
            title="Risk of escalation with and without early help, adjusted",
            caption=f"Estimated risk had every child received early help, or none "
            f"({ESTIMATOR_NAMES.get(chosen, chosen)}, adjusted for the measured differences "
            "between families). These are model-based, not observed, risks. "
            "Dotted lines mark the horizons; bands are 95% confidence intervals. "
            + _coarse_steps(rules, run.effects_path)
            + grace_note,
            alt=f"{alt_text.adjusted_alt(effects, chosen, label, horizons, rules)} "
            f"{_coarse_steps(rules, run.effects_path)}",
        )
        # A contrast of the arms steps when either arm does: each step rests on the
        # threshold of escalations in both arms.
        diff = run.table(
            "difference_curve",
            disclose_curves(
                difference_curve(fit, chosen), records, rules=rules, by=(), match=None,
                each="treatment",
            ),
        )  # fmt: skip
        if _steps(diff.assign(group="difference"), "group"):
            run.figure(
                "difference_curve",
                plot_difference_curve(
                    _shown(diff), horizons=horizons, subtitle=f"Adjusted ({label})"
                ),
                title="Difference in risk over time",
                caption="Risk with early help minus risk without, at every day after the "
                f"decision ({ESTIMATOR_NAMES.get(chosen, chosen)}); below zero means fewer "
                "children escalated with early help. The band is a pointwise 95% interval.",
                alt="Adjusted risk difference over time.",
                in_brief=False,
            )
        rmst = rmst_curves(fit, chosen)
        arms = disclose_curves(
            rmst[rmst["group"] != "difference"].assign(
                group=lambda f: f["group"].map({"1": "treated", "0": "untreated"})
            ),
            records,
            rules=rules,
        )
        contrast = disclose_curves(
            rmst[rmst["group"] == "difference"], records, rules=rules, by=(), match=None,
            each="treatment",
        )  # fmt: skip
        rmst = run.table("rmst_curves", _arm_labels(pd.concat([arms, contrast])))
        drawn = _shown(rmst).groupby("group").size()
        if len(drawn) == 3 and (drawn >= 2).all():
            run.figure(
                "rmst_curves",
                plot_rmst_curves(_shown(rmst), horizons=horizons),
                title="Days free of escalation",
                caption="Mean number of days, of the first τ, that children spend free of "
                "escalation had all or none received early help (adjusted restricted mean), "
                "and the difference; bands are 95% intervals.",
                alt="Adjusted restricted mean time free of escalation.",
                width="double",
                in_brief=False,
            )
    rd = _shown(effects)
    rd = rd[rd["estimand"] == "risk_difference"].copy()
    if len(rd):
        rd["term"] = rd["horizon"].map(lambda h: f"By {h} days")
        rd["method"] = rd["estimator"].map(lambda e: _ESTIMATOR_LABELS.get(e, e))
        run.figure(
            "risk_differences",
            plot_risk_differences(rd, label="term", colour="method"),
            title="Change in risk with early help",
            caption="Risk with early help minus risk without, by estimator and horizon; "
            "below zero means fewer children escalated. Lines are 95% confidence intervals. "
            "The unadjusted comparison is of the groups as observed.",
            alt=alt_text.risk_differences_alt(
                effects,
                {e: _ESTIMATOR_LABELS.get(e, e) for e in [*preferred, *_PREFERRED]},
                horizons,
                rules,
            ),
        )
    balanced = _shown(balance)
    if len(balanced):
        run.figure(
            "love_plot",
            plot_love(balanced),
            title="Balance of the groups before and after weighting",
            caption="Standardised differences (and, for numbers, variance ratios) between "
            "families who did and did not get early help; after weighting they should fall "
            "below 0.1 (dashed line). Indicators held by too few children in a group are "
            "not shown.",
            alt="Love plot of covariate balance.",
            width="double",
            in_brief=False,
        )
    overlap = microaggregate(
        fit.propensity.overlap(weights),
        ["propensity", "weight"],
        by=["treatment"],
        order="propensity",
        rules=rules,
    )
    if overlap["treatment"].nunique() == 2:
        run.figure(
            "propensity_overlap",
            plot_overlap(overlap, rules=rules),
            title="Overlap of propensity scores",
            caption="Estimated chance of early help, for children who got it (above) and did "
            "not (below), before and after weighting; each score shown is the mean of at "
            f"least {rules.threshold} children with similar scores.",
            alt="Mirrored histograms of propensity scores.",
            in_brief=False,
        )
    if aligned and "age" in data.spells.columns:
        ages = microaggregate(
            pd.DataFrame(
                {
                    "value": data.spells["age"].to_numpy(float),
                    "treatment": fit.propensity.treatment,
                    "weight": weights,
                }
            ),
            ["value", "weight"],
            by=["treatment"],
            order="value",
            rules=rules,
        )
        if ages["treatment"].nunique() == 2:
            run.figure(
                "distribution_balance",
                plot_distribution_balance(ages, covariate="age", rules=rules),
                title="Age of the two groups before and after weighting",
                caption="Distribution of age among children who did and did not get early "
                f"help; each age drawn is the mean of at least {rules.threshold} children.",
                alt="Densities of age by arm.",
                in_brief=False,
            )
    return fit


#: Covariates of the descriptive hazard model (those present in the spells are used): a
#: readable forest plot rather than every coded level of every covariate.
HAZARD_COVARIATES = (
    "treatment",
    "age",
    "sex",
    "disability",
    "imd_decile",
    "prior_referrals",
    "prior_cp_plans",
    "prior_looked_after",
    "n_factors",
)


def _note_repeated_counts(run: _Run, repeats: dict[str, str]) -> None:
    """Say why Table 1 shows a prior count once: it equals another in every spell."""
    for repeat, earlier in repeats.items():
        run.note(
            f"table one: {repeat} equals {earlier} in every spell; shown once",
            f"{covariate_label(repeat)} equal {covariate_label(earlier).lower()} for every "
            f"child in these data, so Table 1 shows them once (as "
            f"{covariate_label(earlier).lower()}) and the models leave "
            f"{covariate_label(repeat).lower()} out as collinear (as in the package's "
            "simulated local authority, where every referral has exactly one assessment).",
        )


_TERM_LABELS = {
    "treatment": "Early help (grace period)",
    "age": "Age, per year",
    "disability": "Disability",
    "imd_decile": "Deprivation decile, per decile",
    "prior_referrals": "Prior referrals, each",
    "prior_assessments": "Prior assessments, each",
    "prior_cp_plans": "Prior CP plans, each",
    "prior_looked_after": "Prior periods in care, each",
    "n_factors": "Assessment factors, each",
}
_STATE_LABELS = {
    "referral_closed": "No plan or care",
    "cin_plan": "Child in need plan",
    "cp_plan": "Child protection plan",
    "looked_after": "Looked after",
    "death": "Died",
}


def _term_label(term: str, references: Mapping[str, str] | None = None) -> str:
    """Readable label of a coded term, naming the level it is compared with.

    ``references`` holds each categorical covariate's reference level as the model
    coded it (:func:`_references`): ``sex_M`` with reference ``F`` reads "Sex: Male vs
    Female". A term of a covariate whose reference is unknown is named without one.

    Examples
    --------
    >>> _term_label("sex_M", {"sex": "F"})
    'Sex: Male vs Female'
    >>> _term_label("treatment")
    'Early help (grace period)'
    """
    if term in _TERM_LABELS:
        return _TERM_LABELS[term]
    for column in sorted(references or {}, key=len, reverse=True):
        if term.startswith(column + "_"):
            level = term[len(column) + 1 :]
            reference = str((references or {})[column])
            coded, base = describe_covariate(term), describe_covariate(f"{column}_{reference}")
            if coded.level_label is None or base.level_label is None:
                return f"{column.replace('_', ' ').capitalize()}: {level} vs {reference}"
            return f"{coded.variable_label}: {coded.level_label} vs {base.level_label}"
    return covariate_label(term)


def _references(coding: object) -> dict[str, str]:
    """Return the reference level of each categorical covariate of a model's coding."""
    levels = getattr(coding, "levels", None)
    if isinstance(levels, Mapping):
        return {str(c): str(kept[0]) for c, kept in levels.items() if len(kept)}
    return {}


def _authority_options(run: _Run, data: SpellData, design: StudyDesign) -> dict[str, Any]:
    """Keyword arguments of the effect estimators for several authorities (none for one).

    ``stratify``: the authority enters the propensity and outcome models (its own
    intercept); ``cluster``: the bootstrap resamples whole authorities.
    """
    handling = design.analysis.authority
    if len(data.authorities) < 2 or handling == "ignore":
        return {}
    if handling == "stratify":
        return {"covariates": [*data.model_covariates, "la"]}
    if len(data.authorities) < _FEW_CLUSTERS and not run.extra.get("few_clusters"):
        run.extra["few_clusters"] = True
        run.caveat(
            "effects",
            "[analysis] authority",
            f"Standard errors treat the {len(data.authorities)} local authorities as "
            f"clusters; with fewer than {_FEW_CLUSTERS} they are unreliable.",
            'use authority = "stratify" (each authority its own intercept).',
        )
    return {"cluster": "la"}


#: Below this many authorities, authority-clustered standard errors are unreliable.
_FEW_CLUSTERS: Final = 20


def _by_authority(
    run: _Run,
    data: SpellData,
    design: StudyDesign,
    seed: int,
    bootstrap: int | None,
    pooled: Any,
) -> dict[str, Any]:
    """Effects estimated within each authority, beside the pooled (stratified) ones."""
    import warnings

    from escalation.causal import estimate_effects
    from escalation.federated.meta import meta_analyse
    from escalation.figures import plot_authority_forest

    frames, shown_frames, failed, warned = [], [], [], 0
    for la in data.authorities:
        part = data.spells[data.spells["la"] == la]
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                fit = estimate_effects(
                    part,
                    design,
                    covariates=list(data.model_covariates),
                    bootstrap=bootstrap,
                    seed=seed,
                    progress=False,
                )
            warned += len(caught)
        except (ConvergenceError, DesignError) as error:
            failed.append(f"{la} ({type(error).__name__})")
            continue
        frames.append(fit.tidy().assign(authority=la))
        # Each authority's estimates rest on its own children: shown only where each arm
        # has enough children with, and without, an escalation by the horizon; its
        # observed risks and their contrasts from its disclosed counts.
        records = spell_records(part)
        shown = disclose_effects(fit.tidy(), records, rules=run.rules)
        shown_frames.append(
            disclose_observed_effects(shown, records, run.rules).assign(authority=la)
        )
    if failed:
        run.note(
            f"authorities: effects not estimated in {', '.join(failed)}",
            f"The effect of early help could not be estimated in {', '.join(failed)}.",
        )
    if warned:
        run.caveat(
            "authorities",
            "[analysis] authority",
            f"the estimators gave {warned} statistical warning(s) within authorities (small "
            "groups); read the estimates by authority with care.",
            'nothing to change for the pooled estimate; "ignore" analyses the authorities as '
            "one population.",
        )
    if not frames:
        raise _SkipStageError("no authority's effects could be estimated")
    table = pd.concat(frames, ignore_index=True)
    table = table[["authority", *[c for c in table.columns if c != "authority"]]]
    published = pd.concat(shown_frames, ignore_index=True)
    run.table(
        "effects_by_authority",
        published[["authority", *[c for c in published.columns if c != "authority"]]],
    )
    horizon = int(design.outcome.horizons[0])
    present = set(table["estimator"])
    chosen = next((e for e in ("aipw", "ipw", "gformula", "unadjusted") if e in present), None)
    if chosen is None:
        raise _SkipStageError("no estimator to show by authority")
    rd = table[
        (table["estimator"] == chosen)
        & (table["horizon"] == horizon)
        & (table["estimand"] == "risk_difference")
    ]
    # The meta-analysis pools every authority (an aggregate); the forest shows only the
    # authorities whose own estimates passed disclosure control.
    usable = rd[np.isfinite(rd["std_error"].to_numpy(float)) & (rd["std_error"] > 0)]
    rd = _shown(published)
    rd = rd[
        (rd["estimator"] == chosen)
        & (rd["horizon"] == horizon)
        & (rd["estimand"] == "risk_difference")
    ]
    forest = pd.DataFrame(
        {
            "label": rd["authority"],
            "estimate": rd["estimate"],
            "conf_low": rd["conf_low"],
            "conf_high": rd["conf_high"],
            "kind": "authority",
        }
    )
    parts = [forest]
    summary: dict[str, Any] = {"estimator": chosen, "horizon": horizon, "table": table}
    if pooled is not None and "effects" in run.tables:
        overall = _shown(run.tables["effects"])
        row = overall[
            (overall["estimator"] == chosen)
            & (overall["horizon"] == horizon)
            & (overall["estimand"] == "risk_difference")
        ]
        label = {
            "stratify": "All authorities (stratified)",
            "cluster": "All authorities (clustered)",
            "ignore": "All authorities (as one)",
        }[design.analysis.authority]
        parts.append(row[["estimate", "conf_low", "conf_high"]].assign(label=label, kind="pooled"))
    if len(usable) >= 2:
        meta = meta_analyse(
            usable["estimate"], usable["std_error"], studies=usable["authority"].tolist()
        )
        summary["meta"] = meta
        parts.append(meta.forest(studies=False))
    name = ESTIMATOR_NAMES.get(chosen, chosen)
    run.figure(
        "effects_by_authority",
        plot_authority_forest(pd.concat(parts, ignore_index=True)),
        title="Effect of early help in each local authority",
        caption=f"Change in the risk of escalation by {horizon} days with early help ({name}) "
        "within each authority, for all authorities together, pooled by random-effects "
        "meta-analysis, and the 95% prediction interval for a new authority (dotted).",
        alt=alt_text.authority_alt(pd.concat(parts, ignore_index=True), horizon, name),
    )
    return summary


def _survival(run: _Run, data: SpellData, design: StudyDesign) -> None:
    """Hazard models (when the escalations support them), transitions and state occupation.

    The Cox model of :data:`HAZARD_COVARIATES` (its hazard ratios and proportional hazards
    check) is fitted only with :data:`MIN_EVENTS_PER_PARAMETER` escalations per column of
    its design matrix; otherwise the run notes why. The transitions between states and the
    state occupation curves are descriptive and always drawn.
    """
    spells = data.spells
    covariates = [c for c in HAZARD_COVARIATES if c in spells.columns]
    escalations = int((spells["event"] == 1).sum())
    parameters = _model_parameters(spells, covariates)
    short = _too_few_events(escalations, parameters, run.rules)
    if short is None:
        _hazard_models(run, data, design, covariates)
    else:
        # Shared, the count of escalations is given only where the cohort counts give it.
        shared = short
        if "escalations" in run.withheld:
            shared = _too_few_events(escalations, parameters, run.rules, withheld=True) or short
        what = _STAGE_WORDS["survival"]
        run.note(
            f"survival: hazard models skipped ({short})",
            f"{what[0].upper()}{what[1:]} (hazard ratios and the proportional hazards check): "
            f"skipped, {shared}.",
            shared=f"survival: hazard models skipped ({shared})",
        )
    _pathways(run, data)


def _hazard_models(
    run: _Run, data: SpellData, design: StudyDesign, covariates: Sequence[str]
) -> None:
    """Fit the Cox model of ``covariates``: hazard ratios and the Schoenfeld check."""
    from escalation.survival import fit_cox

    rules, spells = run.rules, data.spells
    handling = design.analysis.authority if len(data.authorities) > 1 else "ignore"
    fit = fit_cox(
        data,
        list(covariates),
        strata="la" if handling == "stratify" else None,
        cluster="la" if handling == "cluster" else "family_id",
    )
    events, n = int((spells["event"] == 1).sum()), len(spells)
    hr = run.table(
        "hazard_ratios",
        disclose_model(fit.tidy(exponentiate=True), events=events, n=n, rules=rules),
    )
    # The residuals are one row per escalation (record-level): only the test statistics are
    # written as a table; the figure draws means over groups of escalations.
    ph = run.table(
        "proportional_hazards", disclose_model(fit.ph_test(), events=events, n=n, rules=rules)
    )
    if not hr["suppressed"].any():
        shown = _shown(hr)
        references = _references(fit.coding)
        labelled = shown.assign(label=shown["term"].map(lambda t: _term_label(t, references)))
        # A double column, wider where the row labels need it (files only, not the brief).
        table_width = max(width_mm("double"), hazard_ratio_table_width(labelled, label="label"))
        run.figure(
            "hazard_ratio_table",
            plot_hazard_ratio_table(labelled, label="label", width=table_width),
            title="Hazard ratios of escalation",
            caption="Hazard ratios from a Cox model of escalation (deaths censored; Efron "
            "ties; standard errors robust to families), grouped by domain; above 1 means "
            "escalation tends to come sooner. Associations, not effects.",
            alt="Table of hazard ratios with a forest plot.",
            width=table_width,
            in_brief=False,
        )
        # A term the likelihood does not depend on has no estimate (R's NA), a separated one
        # no interval (its estimate is infinite): the table figure says which; the forest
        # plot leaves them out and its caption names them.
        interval = shown[["conf_low", "conf_high"]].notna().all(axis=1)
        estimated = shown[shown["estimate"].notna() & interval]
        missing = [_term_label(t, references) for t in shown.loc[shown["estimate"].isna(), "term"]]
        infinite = [
            _term_label(t, references)
            for t in shown.loc[shown["estimate"].notna() & ~interval, "term"]
        ]
        unshown = (
            f" Not estimable from these data (not shown): {', '.join(missing)}." if missing else ""
        ) + (
            f" Infinite estimates (separation: a level with all or none of the escalations; "
            f"not shown): {', '.join(infinite)}."
            if infinite
            else ""
        )
        run.figure(
            "hazard_ratios",
            plot_hazard_ratios(
                estimated.assign(term=estimated["term"].map(lambda t: _term_label(t, references)))
            ),
            title="What is associated with faster escalation",
            caption="Hazard ratios from a Cox model of escalation (deaths censored; Efron "
            "ties; standard errors robust to families); above 1 means escalation tends to "
            "come sooner. Associations, not effects." + unshown,
            alt="Forest plot of hazard ratios.",
            in_brief=False,
        )
    residuals = microaggregate(
        fit.schoenfeld(),
        ["time", "transformed_time", "residual"],
        by=["covariate"],
        order="time",
        rules=rules,
    )
    if not ph["suppressed"].any() and len(residuals):
        run.figure(
            "schoenfeld",
            plot_schoenfeld(residuals, _shown(ph)),
            title="Proportional hazards check",
            caption="Scaled Schoenfeld residuals against time (Kaplan-Meier scale, marked "
            "in days) with R's natural-spline smooth and its band of two standard errors, "
            "and each covariate's test of proportional hazards (cox.zph); flat lines "
            f"support the model. Each point is the mean of at least {rules.threshold} "
            "escalations close in time. Residuals beyond the axis are drawn on its edge as "
            "triangles.",
            alt="Schoenfeld residual plots.",
            width="double",
            in_brief=False,
        )


def _pathways(run: _Run, data: SpellData) -> None:
    """Draw the moves between states and the state occupation (descriptive: no model)."""
    from escalation.survival import PATHWAY_STATES, pathway_transitions, state_occupation
    from escalation.survival.multistate import pathway_moves

    rules, rows = run.rules, pathway_transitions(data)
    competing = tuple(data.design.outcome.competing)
    moves = rows[rows["to_state"].notna()]
    seen = moves.groupby(["from_state", "to_state"], sort=False).size()
    # Every move the pathway can make is listed, those no child made too: a move left
    # out would say that none made it (no death: the cohort counts' "<10" read as 0).
    possible = pd.MultiIndex.from_tuples(pathway_moves(competing), names=seen.index.names)
    every = possible.append(seen.index.difference(possible, sort=False))
    counts = seen.reindex(every, fill_value=0).rename("n").reset_index()
    # The moves out of a state add up to the children who left it: complementary
    # suppression within each state.
    raw_counts = counts
    counts = run.table(
        "transitions", disclose_table(counts, ["n"], rules=rules, partition=["from_state"])
    )
    # A move hidden only to protect a small one is not small: "[c]", not "<10".
    labels = count_labels(counts, ["n"], rules, raw=raw_counts)["n"]
    present = list(pd.unique(pd.concat([counts["from_state"], counts["to_state"]]).astype(str)))
    order = [s for s in _STATE_LABELS if s in present] + [
        s for s in present if s not in _STATE_LABELS
    ]
    run.figure(
        "transitions",
        plot_transitions(
            counts.drop(columns="suppressed").assign(label=labels.to_numpy()),
            states=order or None,
            labels=_STATE_LABELS,
        ),
        title="Moves between states after the decision point",
        caption="Transitions seen between the states of the multi-state model; forward "
        f"moves arc above the states, moves back below. Counts rounded to {rules.rounding}; "
        f"<{rules.threshold}: fewer than {rules.threshold}; {WITHHELD_LABEL}: not shown, so "
        f"that a count below {rules.threshold} cannot be worked out from the others.",
        alt="Transition diagram with counts.",
        width="double",
        in_brief=False,
    )
    # Each state's steps rest on the threshold of its own moves, and each value is a
    # disclosed expected count over the disclosed spells (not the exact shares). The
    # standard errors treat the spells of a family (the design's clusters) as one, as the
    # hazard models do.
    # Every state too, those no child entered (a state left out would say that none did).
    listed = [*PATHWAY_STATES, *competing]
    occupation = state_occupation(data, cluster="auto", states=listed).tidy()
    states = run.table("state_occupation", disclose_state_occupation(occupation, rows, rules=rules))
    # The stack is drawn at the times some state is shown; a state suppressed there
    # (fewer than the threshold expected in it) is drawn at zero. A state never shown is
    # not drawn (nor in the legend), whether no child or a few entered it.
    drawn = states[states.groupby("time")["suppressed"].transform("min").eq(False)]
    drawn = drawn[~drawn.groupby("state")["suppressed"].transform("min").astype(bool)]
    shown_states = drawn.assign(probability=drawn["probability"].fillna(0.0))
    if len(shown_states) and (shown_states.groupby("state")["probability"].nunique() > 1).any():
        run.figure(
            "state_occupation",
            plot_state_occupation(_staircase(shown_states).replace({"state": _STATE_LABELS})),
            title="Where children are over time",
            caption="Probability of being in each state after the decision point (multi-state "
            f"Aalen–Johansen); each step of a state stands for at least {rules.threshold} "
            "moves into or out of it. Each probability is an expected number of children "
            f"rounded to {rules.rounding} over the spells rounded to {rules.rounding}, so the "
            f"states may not add up to exactly 100%; a state with fewer than {rules.threshold} "
            "expected is drawn at zero, and one never shown is not drawn.",
            alt="Stacked state occupation probabilities.",
            in_brief=False,
        )


#: How long before a step of the state occupation its staircase turns (days): drawn, not seen.
_JUST_BEFORE: Final = 1e-6


def _staircase(states: pd.DataFrame) -> pd.DataFrame:
    """Return disclosed state occupation with each state's values held until its next step.

    The table lists only the times of published steps
    (:func:`~escalation.disclosure.disclose_state_occupation`); the stacked areas join
    their rows by straight lines, so each row's values are repeated just before the next
    time (:func:`~escalation.figures.curves.step_frame`, moved back by ``_JUST_BEFORE``:
    the stack adds up the rows of one time).
    """
    steps = step_frame(states, by="state")
    held = steps.groupby("state", sort=False).cumcount().to_numpy() % 2 == 1
    return steps.assign(time=steps["time"].to_numpy(dtype=float) - np.where(held, _JUST_BEFORE, 0))


def _heterogeneity(
    run: _Run, data: SpellData, horizon: int, seed: int, *, grace_biased: bool = False
) -> Any:
    """Estimate and draw the causal forest's individual effects and the subgroups' effects.

    ``grace_biased``: the effects stage found the grace period biasing its AIPW estimate;
    the subgroups' AIPW means share that bias and their caption says so.
    """
    from escalation.causal import estimate_heterogeneity as estimate
    from escalation.causal.heterogeneity import MIN_PER_ARM, WHOLE_COHORT, subgroup_levels

    fit = estimate(
        data,  # the spells, and the design's clusters (families) for the standard errors
        covariates=list(data.model_covariates),
        horizon=horizon,
        seed=seed,
        n_estimators=100,
    )
    _horizon_model_caveat(run, "heterogeneity", data.spells, data.model_covariates, horizon)
    # A level's effect needs the threshold of children with and without an escalation by
    # the horizon in each arm, as the whole cohort's effect does (effects.csv); the levels
    # of each subgroup add up to the cohort: complementary suppression within.
    subgroups = run.table(
        "subgroups",
        disclose_subgroup_table(
            fit.tidy(),
            subgroup_levels(data.spells),
            spell_records(data.spells),
            horizon=horizon,
            rules=run.rules,
        ),
    )
    effects = microaggregate(fit.effects(), ["effect"], rules=run.rules)
    if len(effects):
        run.figure(
            "effect_distribution",
            plot_effect_distribution(effects, rules=run.rules),
            title="How much the estimated effect varies",
            caption=f"Estimated change in each child's risk of escalation by {horizon} days "
            "with early help (causal forest), as means of groups of at least "
            f"{run.rules.threshold} children with similar estimates. Individual estimates are "
            "uncertain; the spread is a model's view, not a measurement.",
            alt="Histogram of individual effects.",
            in_brief=False,
        )
    shown = _shown(subgroups)
    whole = (shown["subgroup"] == WHOLE_COHORT[0]) & (shown["level"].astype(str) == WHOLE_COHORT[1])
    overall = shown.loc[whole, "estimate"].dropna()
    shown = shown.loc[~whole]
    if len(shown):
        run.figure(
            "subgroup_effects",
            plot_subgroup_effects(
                shown.assign(subgroup=shown["subgroup"].map(attribute_label)),
                overall=float(overall.iloc[0]) if len(overall) else None,
                overall_label="All children (AIPW)",
                horizon=horizon,
            ),
            title="Effect of early help in groups of children",
            caption=f"Change in risk of escalation by {horizon} days with early help, within "
            "groups: the mean of the children's doubly robust (AIPW) estimates in each group. "
            "The solid line is the doubly robust (AIPW) effect in all children. Lines are "
            f"{100 * float(fit.overall()['conf_level']):g}% confidence intervals from the "
            "estimates' influence functions (the key numbers' "
            "come from the bootstrap, so they differ a little). "
            + _multiplicity_words(
                int(shown["conf_low"].notna().sum()), float(fit.overall()["conf_level"])
            )
            + f" Groups of fewer than {run.rules.threshold} children, or with fewer than "
            f"{run.rules.threshold} children with or without an escalation by then in either "
            "arm, are not shown, nor, beside one such group, the smallest other group of its "
            "characteristic (the two would give each other back); a group with fewer than "
            f"{MIN_PER_ARM} children with or without early help is not estimated."
            + (
                " Like the AIPW estimate of the key numbers, these are biased towards benefit "
                "by the grace period (see its caveat)."
                if grace_biased
                else ""
            ),
            alt=alt_text.subgroups_alt(shown, horizon, _shown(subgroups).loc[whole]),
        )
    return fit


def _multiplicity_words(groups: int, conf_level: float) -> str:
    """Say that the subgroup figure's intervals are not adjusted for their number.

    Examples
    --------
    >>> print(_multiplicity_words(12, 0.95))  # doctest: +NORMALIZE_WHITESPACE
    The 12 intervals are not adjusted for their number: at 95%, about one in 20 misses its
    group's true effect by chance, so some groups will seem to differ when they do not.
    """
    return (
        f"The {groups} intervals are not adjusted for their number: at {100 * conf_level:g}%, "
        f"about one in {1 / (1 - conf_level):.3g} misses its group's true effect by chance, "
        "so some groups will seem to differ when they do not."
    )


def _thin(curve: pd.DataFrame, xy: tuple[str, str], points: int = 400) -> pd.DataFrame:
    """Keep at most ``points`` rows of a threshold curve (first, last and evenly between).

    Thousands of thresholds give thousands of rows that no figure or reader needs; the
    curve's shape is kept by evenly spaced rows along it.
    """
    if len(curve) <= points:
        return curve.reset_index(drop=True)
    keep = np.unique(np.linspace(0, len(curve) - 1, points).round().astype(int))
    return curve.iloc[keep][["threshold", *xy]].reset_index(drop=True)


_MODEL_LABELS: Final = {
    "cox": "Cox",
    "penalised_cox": "Penalised Cox",
    "gradient_boosting": "Gradient boosting",
    "random_forest": "Random forest",
    "treat_all": "Treat all",
    "treat_none": "Treat none",
}
_FAIRNESS_METRICS: Final = {"recall_top10": "Recall", "precision_top10": "Precision"}
#: What the metrics of the fairness figure share, said once in its subtitle.
_FAIRNESS_FLAGGED: Final = "Riskiest 10% flagged"


def _estimated(metrics: pd.DataFrame) -> pd.DataFrame:
    """Return the validation metrics with an estimate (withheld ones and counts left out)."""
    return metrics[
        pd.to_numeric(metrics["estimate"], errors="coerce").notna()
        & (metrics["metric"] != "events")
    ]


#: The metrics without which the brief has no risk-tool paragraph (and key number).
_RISK_TOOL_METRICS: Final = ("recall_top10", "precision_top10")


def _described_model(metrics: pd.DataFrame) -> str | None:
    """Return the model the brief's risk-tool paragraph describes (None: no paragraph).

    ``metrics`` are the disclosed validation metrics: the lead model is described when
    its recall and precision at the riskiest 10% were not withheld (the lead model: the
    first with an estimated metric).
    """
    estimated = _estimated(metrics)
    lead = str(estimated["model"].iloc[0]) if len(estimated) else ""
    found = set(estimated.loc[estimated["model"] == lead, "metric"])
    return lead if set(_RISK_TOOL_METRICS) <= found else None


def _model_label(name: object) -> str:
    text = str(name)
    base, _, extra = text.partition("+")
    label = _MODEL_LABELS.get(base, base.replace("_", " ").capitalize())
    return f"{label} + {extra}" if extra else label


def _escalated_by(spells: pd.DataFrame, horizon: float) -> int:
    """Return the spells escalated by ``horizon`` days."""
    return int(((spells["event"] == 1) & (spells["duration"] <= horizon)).sum())


def _need_escalations(run: _Run, data: SpellData, horizon: float, what: str) -> None:
    """Skip a stage resting on escalations by ``horizon`` when the spells hold too few.

    With fewer of them (or fewer spells without one) than the disclosure threshold,
    nothing the stage found could be shown, and models of a handful of escalations may
    not even fit.
    """
    spells = data.spells
    escalated = _escalated_by(spells, horizon)
    if escalated < run.rules.threshold or len(spells) - escalated < run.rules.threshold:
        raise _SkipStageError(
            f"fewer than {run.rules.threshold} escalations (or spells without one) by "
            f"{horizon:g} days: {what} is not shown"
        )


def _model_parameters(spells: pd.DataFrame, covariates: Sequence[str]) -> int:
    """Return the columns of the design matrix a model codes from ``covariates``.

    As the models code them (:class:`~escalation.timeline.matrix.CovariateCoding`, levels
    seen fewer than 20 times pooled): one column for each numeric covariate, one for each
    kept level of a categorical one but its reference.

    Examples
    --------
    >>> spells = pd.DataFrame({"age": [1.0, 2.0] * 20, "sex": ["F", "M"] * 20})
    >>> _model_parameters(spells, ["age", "sex"])
    2
    """
    return len(CovariateCoding.learn(spells, list(covariates)).names)


def _too_few_events(
    events: int,
    parameters: int,
    rules: DisclosureRules,
    *,
    counted: str = "escalations",
    model: str = "Cox model",
    withheld: bool = False,
) -> str | None:
    """Return why a model of ``parameters`` columns cannot rest on ``events``, or None.

    A model is fitted when it has at least :data:`MIN_EVENTS_PER_PARAMETER` events for
    each parameter. The reason names the rule and the numbers, the count disclosed as
    every count the run shows (suppressed below the threshold, else rounded). When the
    cohort counts withhold the escalations (``withheld``), no count of them is given,
    not even of a part of them: "too few escalations (their number is withheld, as in
    the cohort counts)".

    Examples
    --------
    >>> from escalation.disclosure import DEFAULT_RULES
    >>> print(_too_few_events(31, 10, DEFAULT_RULES))
    about 30 escalations for 10 model parameters (fewer than the 100 needed: 10 per \
parameter, the usual minimum for a stable Cox model)
    >>> print(_too_few_events(130, 65, DEFAULT_RULES, counted="escalations by 365 days"))
    about 130 escalations by 365 days for 65 model parameters (fewer than the 650 needed: \
10 per parameter, the usual minimum for a stable Cox model)
    >>> print(_too_few_events(4, 10, DEFAULT_RULES))
    fewer than 10 escalations for 10 model parameters (fewer than the 100 needed: 10 per \
parameter, the usual minimum for a stable Cox model)
    >>> _too_few_events(100, 10, DEFAULT_RULES) is None
    True
    >>> print(_too_few_events(465, 63, DEFAULT_RULES, withheld=True))
    too few escalations (their number is withheld, as in the cohort counts) for 63 model \
parameters (fewer than the 630 needed: 10 per parameter, the usual minimum for a stable Cox model)
    """
    if events >= MIN_EVENTS_PER_PARAMETER * parameters:
        return None
    if withheld:
        how_many = f"too few {counted} (their number is withheld, as in the cohort counts)"
    else:
        # A rounded count reads "about" even when it happens to be exact: "130" alone would
        # say that it is exactly 130, which rounding to 5 must not tell.
        rounded = disclose_count(events, rules) is not None and rules.rounding > 1
        how_many = f"{'about ' if rounded else ''}{format_count(events, rules)} {counted}"
    return (
        f"{how_many} for {parameters} model parameters (fewer than the "
        f"{MIN_EVENTS_PER_PARAMETER * parameters} needed: {MIN_EVENTS_PER_PARAMETER} per "
        f"parameter, the usual minimum for a stable {model})"
    )


def _coarse_steps(rules: DisclosureRules, table: str = "results/effects.csv") -> str:
    """Say why a disclosed curve can differ at a horizon from the key numbers' estimate.

    The curves step only where the threshold of events has happened since their last step
    (:func:`~escalation.disclosure.disclose_curves`); the key numbers and ``effects.csv``
    are the estimates at the horizon itself. A figure's caption and text say so, so that
    a reader (or a screen reader's listener) is not told two numbers without the reason.
    ``table`` is the effects table's path beside the brief, as the brief's subtitle gives
    it (:func:`_horizons_sentence`; :meth:`_Run.effects_path`).

    Examples
    --------
    >>> from escalation.disclosure import DEFAULT_RULES
    >>> print(_coarse_steps(DEFAULT_RULES, "effects.csv"))  # doctest: +NORMALIZE_WHITESPACE
    Each curve steps only once at least 10 children have escalated since its last step, so
    at a horizon it can show an earlier value than the estimates in the key numbers
    (effects.csv), which the text gives.
    """
    return (
        f"Each curve steps only once at least {rules.threshold} children have escalated "
        "since its last step, so at a horizon it can show an earlier value than the "
        f"estimates in the key numbers ({table}), which the text gives."
    )


#: What to do about a model with too few events per parameter (the caveats' advice).
_FEWER_COVARIATES: Final = "use fewer or coarser covariates (merge rare levels)."


def _events_caveat(
    run: _Run,
    stage: str,
    what: str,
    events: int,
    parameters: int,
    *,
    counted: str = "escalations",
    model: str = "Cox model",
    concern: str = "unstable",
) -> None:
    """Raise a caveat on ``[covariates] include`` when ``what`` has too few events per column.

    The model is still fitted (skipping it would leave small authorities without their main
    analyses); the caveat gives the numbers (:func:`_too_few_events`) and the remedy.
    """
    short = _too_few_events(events, parameters, run.rules, counted=counted, model=model)
    if short is not None:
        message = f"{what} may be {concern}: {short}."
        shared = None
        if counted.startswith("escalations") and "escalations" in run.withheld:
            hidden = _too_few_events(
                events, parameters, run.rules, counted=counted, model=model, withheld=True
            )
            shared = f"{what} may be {concern}: {hidden}."
        run.caveat(stage, "[covariates] include", message, _FEWER_COVARIATES, shared=shared)


def _effect_model_caveats(
    run: _Run, fit: Any, spells: pd.DataFrame, estimators: Sequence[str]
) -> None:
    """Caveats on the effect estimators' outcome and propensity models with too few events.

    Counted on the fitted models (``fit``, an :class:`~escalation.causal.EffectsResult`),
    as the effect estimate's own check of sparse events counts them: the outcome model (of
    the g-formula and AIPW, a Cox model of treatment and the confounders) has the
    escalations for its confounders' columns and treatment, the propensity model the
    spells of the smaller arm for the confounders' columns.
    """
    confounders = int(fit.propensity.matrix.shape[1])
    used = [_ESTIMATOR_LABELS[e] for e in OUTCOME_MODEL_ESTIMATORS if e in estimators]
    if used:
        _events_caveat(
            run,
            "effects",
            f"The outcome model of the effect estimates ({', '.join(used)})",
            int(fit.events),
            confounders + 1,
        )
    treated = int((spells["treatment"] == 1).sum())
    _events_caveat(
        run,
        "effects",
        "The propensity model (the chance of early help)",
        min(treated, len(spells) - treated),
        confounders,
        counted="spells in the smaller group (with or without early help)",
        model="propensity model",
    )


#: What the models of escalation by the first horizon serve, by stage (for the caveat).
_HORIZON_MODELS: Final = {
    "heterogeneity": "the differences in effect between groups",
    "policy": "the rules deciding who is offered early help",
}


def _horizon_model_caveat(
    run: _Run, stage: str, spells: pd.DataFrame, covariates: Sequence[str], horizon: float
) -> None:
    """Caveat on a stage's models of escalation by ``horizon`` with too few escalations."""
    _events_caveat(
        run,
        stage,
        f"The models of escalation by {horizon:g} days behind {_HORIZON_MODELS[stage]}",
        _escalated_by(spells, horizon),
        _model_parameters(spells, covariates),
        counted=f"escalations by {horizon:g} days",
        model="model",
    )


def _risk_tool_caveat(run: _Run, data: SpellData, horizon: float) -> None:
    """Caveat on the risk models with too few escalations in the years they are trained on.

    As :func:`~escalation.predict.validate_risk_models` trains them (temporal validation,
    the default cutoff, follow-up censored at the cutoff): the escalations by ``horizon``
    seen before the cutoff, per column of the covariates coded on the training spells.
    """
    from escalation.predict.splits import temporal_split

    spells = data.spells
    split = temporal_split(spells)
    train = spells.iloc[split.train]
    cutoff = split.cutoff if split.cutoff is not None else pd.Timestamp.max  # always set
    known = (cutoff - pd.to_datetime(train["time_zero"])).dt.days
    seen = train[train["duration"] <= known]  # escalations after the cutoff were not seen
    _events_caveat(
        run,
        "prediction",
        "The risk models",
        _escalated_by(seen, horizon),
        _model_parameters(train, data.model_covariates),
        counted=f"escalations by {horizon:g} days in the training years",
        model="model",
        concern="overfitted (predicted risks too extreme; more so those with case-note "
        "features, which have more parameters than counted here)",
    )


def _histogram_bins(calibration: pd.DataFrame, risk: pd.Series) -> dict[str, Any]:
    """Return ``bins`` and ``top`` of the predicted-risk histogram under the calibration.

    25 bins span the calibration figure's axis (its curve runs to the 97.5th percentile
    of the predictions), and bins of the same width go on to the largest prediction: the
    bars of each model add up to the test children, as complementary suppression needs
    (with the axis's top as the last edge, the riskiest children were in no bar).
    """
    raw = calibration[["predicted", "observed"]].to_numpy()
    axis = float(np.nanmax(raw)) * 1.05 if raw.size else 1.0
    width = min(1.0, max(axis, 0.05)) / 25
    largest = float(risk.max()) if len(risk) else 0.0
    count = max(25, int(np.ceil(largest / width)))
    count += int(count * width < largest)  # the last edge is never below the largest
    return {"bins": count, "top": min(count * width, 1.0)}  # a risk is at most 1


def _prediction(
    run: _Run,
    data: SpellData,
    design: StudyDesign,
    seed: int,
    bootstrap: int | None,
    history: CaseHistory,
) -> dict[str, Any]:
    from escalation.predict import validate_risk_models as validate

    # The test children are some of the spells: with fewer escalations (or spells without
    # one) by the horizon than the threshold in all of them, the validation would not be
    # shown, and models fitted to a handful of escalations may not even give predictions.
    _need_escalations(run, data, design.outcome.horizons[0], "the risk tool's validation")
    feature_sets: tuple[str, ...] = ("structured",)
    if len(history.notes):
        feature_sets += ("structured+text",)
    try:
        fit = validate(
            data,
            design,
            models=design.prediction.models,
            feature_sets=feature_sets,
            bootstrap=bootstrap,
            seed=seed,
            history=history,
            censor_training=True,
        )
    except Exception as error:
        if len(feature_sets) == 1:
            raise
        run.caveat(
            "prediction",
            "[covariates] include",
            "The risk models with case-note features could not be validated "
            f"({type(error).__name__}: {error}); the risk tool uses structured data only.",
            "use fewer or coarser covariates; or validate the models with "
            "escalation predict DESIGN --text.",
        )
        fit = validate(
            data,
            design,
            models=design.prediction.models,
            feature_sets=("structured",),
            bootstrap=bootstrap,
            seed=seed,
            censor_training=True,
        )
    horizon, rules = fit.horizon, run.rules
    # A validation resting on fewer escalations (or non-escalations) than the threshold
    # describes a handful of children: its tables are blanked and not drawn.
    events, n = int(fit.events_test), int(fit.n_test)
    few = events < rules.threshold or n - events < rules.threshold
    metrics = disclose_metric_counts(fit.tidy(), rules)
    if few:
        metrics = disclose_model(metrics, events=events, n=n, rules=rules, columns=_STATS)
    metrics = run.table("prediction_metrics", metrics)
    calibration = run.table(
        "calibration", disclose_model(fit.calibration, events=events, n=n, rules=rules)
    )
    models = [_model_label(m) for m in pd.unique(fit.metrics["model"])]
    colours = colour_map(models)
    run.extra["model_colours"] = colours
    from escalation.predict import precision_recall_curve, risk_histogram, roc_curve

    predictions = fit.predictions.assign(model=fit.predictions["model"].map(_model_label))
    bins = risk_histogram(predictions, **_histogram_bins(fit.calibration, predictions["risk"]))
    bins = disclose_table(bins, ["count"], rules=rules, partition=["model"])
    bins = run.table("predicted_risk_histogram", bins).drop(columns="suppressed")
    if few:
        raise _SkipStageError(
            f"fewer than {rules.threshold} escalations (or non-escalations) in the test data: "
            "the risk tool's validation is not shown"
        )
    _risk_tool_caveat(run, data, design.outcome.horizons[0])
    outcome = data.spells.set_index("spell_id")[["duration", "event"]]
    roc_parts, pr_parts, auc, ap = [], [], {}, {}
    for model, part in predictions.groupby("model", sort=False):
        joined = part.join(outcome, on="spell_id")
        roc = roc_curve(joined["duration"], joined["event"], joined["risk"], horizon)
        pr = precision_recall_curve(joined["duration"], joined["event"], joined["risk"], horizon)
        # Every step of a curve over thresholds adds at least `threshold` children who
        # escalated and who did not.
        case = ((joined["event"] == 1) & (joined["duration"] <= horizon)).to_numpy()
        risk = joined["risk"].to_numpy(float)
        roc = disclose_threshold_curve(_thin(roc, ("fpr", "tpr")), risk, case, rules=rules)
        pr = disclose_threshold_curve(_thin(pr, ("recall", "precision")), risk, case, rules=rules)
        roc_parts.append(roc.assign(model=model))
        pr_parts.append(pr.assign(model=model))
    shown_metrics = _shown(metrics) if "suppressed" in metrics else metrics
    for model, metric, value in zip(
        shown_metrics["model"], shown_metrics["metric"], shown_metrics["estimate"], strict=True
    ):
        if metric == "auc":
            auc[_model_label(model)] = float(value)
        elif metric == "average_precision":
            ap[_model_label(model)] = float(value)
    roc_all = run.table("roc_curves", pd.concat(roc_parts, ignore_index=True))
    pr_all = run.table("precision_recall_curves", pd.concat(pr_parts, ignore_index=True))
    prevalence = pd.to_numeric(
        metrics[(metrics["metric"] == "observed")]["estimate"], errors="coerce"
    ).dropna()
    run.figure(
        "roc",
        plot_roc(roc_all, auc=auc, colours=colours),
        title="How well does the tool rank children?",
        caption=f"ROC curves of the risk models for escalation by {horizon} days in later "
        "years than the models were trained on (censoring-weighted); the dashed line is "
        f"chance. AUC in the legend. Each step adds at least {rules.threshold} children who "
        "escalated and who did not.",
        alt="ROC curves.",
        in_brief=False,
    )
    run.figure(
        "precision_recall",
        plot_precision_recall(
            pr_all,
            prevalence=float(prevalence.iloc[0]) if len(prevalence) else None,
            average_precision=ap,
            colours=colours,
        ),
        title="Precision and recall of the tool",
        caption="Share of flagged children who escalated (precision) against the share of "
        "children who escalated that were flagged (recall), over all thresholds; the dashed "
        f"line is flagging at random. Each step adds at least {rules.threshold} children "
        "who escalated and who did not.",
        alt="Precision-recall curves.",
        in_brief=False,
    )
    shown_calibration = _shown(calibration)
    drawn_models = set(pd.unique(shown_calibration["model"]))
    described = _described_model(metrics)
    # The brief's text describes one model (its lead); the reader is told which line it is.
    which = (
        f" The risk tool described above is the {_model_label(described)} model; the others "
        "are drawn for comparison."
        if len(drawn_models) > 1 and described in drawn_models
        else ""
    )
    run.figure(
        "calibration",
        plot_calibration(
            shown_calibration.assign(model=shown_calibration["model"].map(_model_label)),
            bins,
            colours=colours,
        ),
        title="Are the predicted risks right?",
        caption=f"Observed against predicted risk of escalation by {horizon} days, in later "
        "years than the models were trained on; the dashed line is perfect agreement and "
        f"bands are 95% confidence intervals.{which}",
        alt=alt_text.calibration_alt(metrics, horizon, _model_label),
    )
    decision = run.table(
        "decision_curve",
        disclose_decision_curve(fit.decision_curve, fit.predictions, rules=rules),
    )
    shown_decision = _shown(decision)
    run.figure(
        "decision_curve",
        plot_decision_curve(
            shown_decision.assign(model=shown_decision["model"].map(_model_label)),
            colours=colours,
        ),
        title="Would acting on the tool do more good than harm?",
        caption="Net benefit of flagging children whose predicted risk exceeds each threshold, "
        "against flagging everyone or no one (Vickers & Elkin, 2006); thresholds flagging "
        f"fewer than {rules.threshold} children, or all but fewer, are not shown.",
        alt="Decision curves.",
        in_brief=False,
    )
    return {"fit": fit, "metrics": metrics, "horizon": horizon}


_STATS: Final = ["estimate", "conf_low", "conf_high"]


def _fairness(run: _Run, prediction: dict[str, Any] | None) -> None:
    if prediction is None:
        raise _SkipStageError("no validated risk tool")
    fit = prediction["fit"]
    table = run.table("fairness", disclose_metric_counts(fit.subgroup_metrics, run.rules))
    # A group whose children are enough to show but were withheld: complementary
    # suppression beside a small group (named apart in the caption, not as small).
    shown = table.assign(beside=withheld_beside(table, fit.subgroup_metrics, run.rules))
    shown = shown[shown["metric"].isin(list(_FAIRNESS_METRICS))].copy()
    first = str(fit.subgroup_metrics["model"].iloc[0]) if len(fit.subgroup_metrics) else ""
    shown = shown[shown["model"] == first]
    if shown.empty:
        raise _SkipStageError("no recall or precision by group to draw")
    shown["metric"] = shown["metric"].map(_FAIRNESS_METRICS)
    shown["attribute"] = shown["attribute"].map(attribute_label)
    shown["model"] = shown["model"].map(_model_label)
    for column in ("estimate", "conf_low", "conf_high"):
        shown[column] = pd.to_numeric(shown[column], errors="coerce")
    if shown["estimate"].isna().all():
        # An empty figure would say nothing the note does not (fairness.csv is written).
        raise _SkipStageError(
            f"every group's recall and precision rests on fewer than {run.rules.threshold} "
            "children, escalations or flagged children, so none is shown and the figure is "
            "not drawn"
        )
    disclosed = prediction["metrics"]
    overall = disclosed[
        (disclosed["model"] == first) & disclosed["metric"].isin(list(_FAIRNESS_METRICS))
    ].assign(
        metric=lambda f: f["metric"].map(_FAIRNESS_METRICS),
        estimate=lambda f: pd.to_numeric(f["estimate"], errors="coerce"),
    )
    overall = overall[overall["estimate"].notna()]
    colours = run.extra.get("model_colours")
    # The groups disclosure control withheld, named (labels, not counts) in the caption.
    hidden = alt_text.fairness_hidden(shown, run.rules)
    plot = plot_fairness(
        shown,
        metrics_shown=list(_FAIRNESS_METRICS.values()),
        overall=overall[["metric", "estimate"]] if len(overall) else None,
        colours=colours,
        subtitle=_FAIRNESS_FLAGGED,
    )
    run.figure(
        "fairness",
        plot,
        title="Does the tool work equally well for all children?",
        caption=f"Recall (the share of children who escalated that were flagged) and "
        f"precision (the share of flagged children who escalated) of the {_model_label(first)} "
        "model when the riskiest 10% are flagged, by group; dashed lines are all children."
        + (f" {hidden}" if hidden else ""),
        alt=alt_text.fairness_alt(
            shown, overall if len(overall) else None, _model_label(first), run.rules
        ),
        width="double",
        narrow=plot_fairness(
            shown,
            metrics_shown=list(_FAIRNESS_METRICS.values()),
            overall=overall[["metric", "estimate"]] if len(overall) else None,
            colours=colours,
            subtitle=_FAIRNESS_FLAGGED,
            width="single",
        ),
    )


def _policy(
    run: _Run,
    data: SpellData,
    design: StudyDesign,
    seed: int,
    registration: RegistrationCheck,
    heterogeneity: Any = None,
) -> Any:
    if design.policy is None:
        raise _SkipStageError("the design has no [policy] section (capacity_per_1000)")
    _need_escalations(run, data, design.policy_horizon, "the policy study")
    from escalation.policy import evaluate_policies

    # The heterogeneity stage's causal forest is the benefit rule's to deploy when they
    # share the horizon (same spells, covariates, trees and seed): not grown twice.
    forest = None
    if heterogeneity is not None and heterogeneity.horizon == design.policy_horizon:
        forest = heterogeneity.backend["effect_model"]
    study = evaluate_policies(
        data, design, registration=registration, seed=seed, effect_model=forest
    )
    _horizon_model_caveat(run, "policy", data.spells, data.model_covariates, design.policy_horizon)
    run.table("policy_values", study.tidy())
    run.table("policy_groups", study.groups)
    run.table("policy_disparities", study.disparities)
    run.table("policy_contrasts", study.contrasts)
    if not study.criteria.empty:
        run.table("policy_criteria", study.criteria)
    figure = run.table("policy_figure", study.figure_data())
    capacity = round(1000 * study.capacity)
    study_figure = plot_policy_values(figure, capacity_per_1000=capacity, horizon=study.horizon)
    # Shown in the brief's policy section rather than among the other figures.
    run.figure(
        "policy_values",
        study_figure,
        title="The rules side by side",
        caption=(
            (f"{study.grace_caveat} " if study.grace_caveat else "")
            + f"Estimated escalations prevented within {study.horizon} days per 1,000 referrals, "
            "against offering early help to no one, and how many children each rule offers it to; "
            "lines are 95% confidence intervals. Learned rules were judged on families they "
            "were not learned from. The dotted line is the early-help capacity."
        ),
        alt=alt_text.policy_alt(figure, capacity, study.horizon),
        in_brief="policy",
    )
    return study


_PREFERRED: Final = ("aipw", "ipw", "gformula", "ccw", "unadjusted")
_ESTIMATOR_LABELS: Final = {
    "unadjusted": "Unadjusted",
    "ipw": "IPW",
    "gformula": "G-formula",
    "aipw": "AIPW",
    "ccw": "CCW",
}
_STAGE_WORDS: Final = {
    "describe": "the description of the cohort",
    "effects": "the estimate of the effect of early help",
    "authorities": "the estimates by local authority",
    "survival": "the hazard models",
    "heterogeneity": "the search for differences in effect between groups",
    "prediction": "the validation of a risk tool",
    "fairness": "the comparison of the risk tool between groups",
    "policy": "the study of rules deciding who is offered early help",
}


def _horizons_sentence(horizons: Sequence[int], table: str = "results/effects.csv") -> str:
    """Return the brief's subtitle on horizons: the key numbers' own, and where the others are.

    ``table`` is the effects table's path beside the brief (``effects.csv`` when the run
    writes its results without subfolders, as ``analyses/05_brief.py`` does).

    Examples
    --------
    >>> print(_horizons_sentence([365, 730]))  # doctest: +NORMALIZE_WHITESPACE
    Key numbers at 365 days after the decision; the estimates at 730 days are in
    results/effects.csv.
    >>> print(_horizons_sentence([365, 730], "effects.csv"))  # doctest: +NORMALIZE_WHITESPACE
    Key numbers at 365 days after the decision; the estimates at 730 days are in
    effects.csv.
    >>> _horizons_sentence([365])
    'Outcomes followed for 365 days after the decision.'
    """
    if len(horizons) < 2:
        days = " and ".join(f"{x} days" for x in horizons)
        return f"Outcomes followed for {days} after the decision."
    others = " and ".join(str(x) for x in horizons[1:])
    return (
        f"Key numbers at {horizons[0]} days after the decision; the estimates at {others} "
        f"days are in {table}."
    )


def _grace_caveat(run: _Run, compare: str, *, leads: bool = False) -> tuple[str, str]:
    """Return the caveat shown beside the key numbers when the grace period biases them.

    When CCW leads, ``compare`` is the estimator it replaced (shown for comparison);
    with ``leads``, ``compare`` is the biased estimator the key numbers lead with (the
    design has no CCW). Returns the caveat and the reason behind it
    (:func:`_grace_caveat_words`); the effects stage's warning, with its counts and every
    estimator it biases, stays in the brief's caveats.
    """
    label = _ESTIMATOR_LABELS.get(compare, compare)
    grace = run.design.treatment.grace_days or 0
    return _grace_caveat_words(grace, label, leads=leads)


def _grace_caveat_words(grace_days: float, label: str, *, leads: bool = False) -> tuple[str, str]:
    """Return the key numbers' grace-period caveat, short, and the reason behind it.

    The caveat says which estimate the key numbers come from and what the grace period
    does to them; the reason, in the plain words the policy section uses
    (:func:`escalation.causal.effects.grace_bias_words`: a director reads it without
    statistics training), is shown beside it on wide screens and one tap away on phones
    (``Brief.key_caveat_why``), so that the key numbers and the evidence come first on a
    phone.

    Examples
    --------
    >>> caveat, why = _grace_caveat_words(14, "AIPW")
    >>> print(caveat)  # doctest: +NORMALIZE_WHITESPACE
    These numbers come from CCW, which allows for the grace period. AIPW, which this brief
    would otherwise lead with, is shown for comparison only: the grace period biases it
    towards benefit.
    >>> print(why)  # doctest: +NORMALIZE_WHITESPACE
    Some children without early help escalated or left the study within the 14-day grace
    period, before they could have received it, which makes early help look more beneficial
    than it is (immortal time). The CCW estimate allows for this; the AIPW estimate does
    not.
    >>> print(_grace_caveat_words(14, "AIPW", leads=True)[0])
    ... # doctest: +NORMALIZE_WHITESPACE
    These key numbers come from AIPW, which the grace period biases towards benefit, so they
    are likely to overstate the benefit of early help. For an estimate the grace period does
    not bias, add clone-censor-weight ("ccw") to [estimation] estimators in the design file.
    """
    from escalation.causal.effects import grace_bias_words

    reason = grace_bias_words(grace_days)
    why = f"{reason[:1].upper()}{reason[1:]} (immortal time)."
    if leads:
        why += f" The {label} estimate does not allow for this."
    else:
        why += f" The CCW estimate allows for this; the {label} estimate does not."
    if leads:
        return (
            f"These key numbers come from {label}, which the grace period biases towards "
            "benefit, so they are likely to overstate the benefit of early help. For an "
            'estimate the grace period does not bias, add clone-censor-weight ("ccw") to '
            "[estimation] estimators in the design file.",
            why,
        )
    return (
        "These numbers come from CCW, which allows for the grace period. "
        f"{label}, which this brief would otherwise lead with, is shown for comparison "
        "only: the grace period biases it towards benefit.",
        why,
    )


def _difference_card(
    rd: Mapping[str, float],
    horizon: int,
    label: str,
    *,
    comparison: bool = False,
    unsettled: bool = False,
    baseline: str | None = None,
) -> KeyNumber:
    """Return the key number of a change in risk (``rd``: estimate, conf_low, conf_high).

    ``unsettled``: another bootstrap seed could change whether the interval includes no
    difference (:func:`_bootstrap_edge`); the card says so and points to the reason.
    ``baseline``: the sentence giving the risk without treatment, for scale (the change
    is read against it; its own card comes later).
    """
    dd = alt_text.point_digits(rd["estimate"], rd["conf_low"], rd["conf_high"])
    plain = describe_difference(rd["estimate"], rd["conf_low"], rd["conf_high"])
    if baseline is not None:
        plain += f" {baseline}"
    if unsettled:
        clear = "short of being clear" if rd["conf_low"] <= 0 <= rd["conf_high"] else "clear"
        plain += (
            f" Only just {clear} of no difference: a rerun could change that (see 'What the "
            "evidence shows')."
        )
    if comparison:
        plain = (
            "For comparison only: this estimate does not allow for the grace period (see "
            "the caveat below), so it is likely to overstate the benefit."
        )
    return KeyNumber(
        f"Change in risk with early help, by {horizon} days ({label}"
        + (", for comparison)" if comparison else ")"),
        f"{signed_text(100 * rd['estimate'], dd, sign=True)} points",
        plain,
        interval=ci_words(
            rd["conf_low"],
            rd["conf_high"],
            lambda lo, hi: (
                f"{signed_text(100 * lo, dd, sign=True)} to "
                f"{signed_text(100 * hi, dd, sign=True)} percentage points"
            ),
        ),
        comparison=comparison,
    )


def _per_100(estimate: float, conf_low: float, conf_high: float) -> str:
    """Return a risk in every 100 children with its 95% interval, in the key numbers' digits.

    Examples
    --------
    >>> _per_100(0.0815, 0.0739, 0.0891)
    '8 in every 100 (95% CI 7 to 9)'
    >>> _per_100(0.0996, 0.0912, 0.0998)
    '9.96 in every 100 (95% CI 9.12 to 9.98)'
    >>> _per_100(0.0815, float("nan"), float("nan"))  # an interval not shown
    '8 in every 100'
    """
    if not (math.isfinite(conf_low) and math.isfinite(conf_high)):
        return f"{100 * estimate:.0f} in every 100"
    d = interval_digits(estimate, conf_low, conf_high)
    e, low, high = (f"{100 * v:.{d}f}" for v in (estimate, conf_low, conf_high))
    return f"{e} in every 100 (95% CI {low} to {high})"


def _context_card(
    r0: Mapping[str, float], horizon: int, label: str, *, modelled: bool
) -> KeyNumber:
    """Return the key number of the risk without early help (``r0``), the change's context.

    ``modelled``: an estimate had no child received early help (``label`` its estimator),
    else the risk observed among the children who did not get it.
    """
    d0 = interval_digits(r0["estimate"], r0["conf_low"], r0["conf_high"])
    if modelled:
        plain = (
            f"Had none of these children received early help, an estimated "
            f"{100 * r0['estimate']:.{d0}f} in every 100 would have gone on to a "
            f"child protection plan or care within {horizon} days (model-based, "
            f"{label}: a counterfactual, not a count)."
        )
    else:
        plain = (
            f"{100 * r0['estimate']:.{d0}f} in every 100 children who did not get "
            f"early help went on to a child protection plan or care within "
            f"{horizon} days."
        )
    return KeyNumber(
        f"Escalation within {horizon} days without early help"
        + (f" (estimated, {label})" if modelled else " (observed)"),
        f"{100 * r0['estimate']:.{d0}f}%",
        plain,
        interval=ci_words(
            r0["conf_low"],
            r0["conf_high"],
            lambda lo, hi: f"{100 * lo:.{d0}f}% to {100 * hi:.{d0}f}%",
        ),
    )


def _risk_tool_card(
    recall: float,
    precision: float,
    interval: tuple[float, float],
    within: str,
    precision_interval: tuple[float, float] | None = None,
) -> KeyNumber:
    """Return the risk tool's key number: its recall at the riskiest 10% (percentages).

    ``interval`` is the recall's 95% interval (proportions); ``within`` the horizon in
    words (" within 365 days", or empty); ``precision_interval`` the precision's 95%
    interval (proportions), given in the sentence after the precision when both ends are
    shown.
    """
    shown = precision_interval is not None and all(map(math.isfinite, precision_interval))
    precision_ci = (
        f" (95% CI {100 * precision_interval[0]:.0f} to {100 * precision_interval[1]:.0f})"
        if shown and precision_interval is not None
        else ""
    )
    return KeyNumber(
        f"Risk tool: children who escalated{within} that it flagged (riskiest 10%, later years)",
        f"{recall:.0f}%",
        f"Flagging the riskiest 10% would find about {recall:.0f} in 100 of the children "
        f"who escalated{within} and miss the rest; about {precision:.0f} in 100 flagged "
        f"children escalated{within}{precision_ci}.",
        interval=ci_words(*interval, lambda lo, hi: f"{100 * lo:.0f}% to {100 * hi:.0f}%"),
    )


def _bootstrap_edge(
    rows: pd.DataFrame, rd: Mapping[str, float], settings: Mapping[str, Any], estimator: str
) -> str | None:
    """Return the note on a risk difference whose bootstrap verdict another seed could change.

    ``rows``: the headline estimator's effects at the horizon, by estimand (the disclosed
    table, whose ``std_error_mc`` is missing without a bootstrap and in results written
    before it existed); ``settings``: the effects' settings, whose replicates that
    succeeded for ``estimator`` the note counts. See
    :func:`escalation.report.brief.bootstrap_edge_note`.
    """
    if "std_error_mc" not in rows.columns:
        return None
    error = rows["std_error_mc"].astype(float).get("risk_difference", np.nan)
    replicates = settings.get("bootstrap_succeeded", {}).get(estimator, settings.get("bootstrap"))
    return bootstrap_edge_note(
        rd["estimate"],
        rd["conf_low"],
        rd["conf_high"],
        std_error_mc=float(error),
        replicates=int(replicates or 0),
    )


def _confounding_paragraph(crude: float, adjusted: float, horizon: int, label: str) -> str:
    """Explain, in plain words, why the crude and adjusted comparisons point opposite ways.

    Examples
    --------
    >>> text = _confounding_paragraph(0.02, -0.03, 365, "AIPW")
    >>> "confounding by indication" in text and "more often" in text
    True
    """
    crude_way = "more often" if crude > 0 else "less often"
    crude_text, adjusted_text = (signed_text(100 * v, 1, sign=True) for v in (crude, adjusted))
    adjusted_way = "fewer" if adjusted < 0 else "more"
    return (
        "Why the two comparisons disagree: families who got early help went on to a child "
        f"protection plan or care {crude_way} within {horizon} days than families who did "
        f"not (the unadjusted comparison, {crude_text} points), yet once the "
        f"recorded differences between the families are allowed for ({label}), early help "
        f"goes with {adjusted_way} escalations ({adjusted_text} points). Early help is "
        "offered where practitioners see more need, so the families who get it differ from "
        "those who do not before any help starts: this is confounding by indication. The "
        "adjusted comparison removes the differences that were recorded; differences that "
        "were not recorded can still bias it."
    )


#: The brief's cohort counts: its label of each measure of ``results/cohort.csv``.
_COHORT_LABELS: Final = {
    "children": "Children",
    "spells": "Decision points (spells)",
    "escalations": "Went on to escalate (any time in follow-up)",
    "early help within the grace period": "Early help started within the grace period",
    "competing events": "Died during follow-up",
}


def _cohort_counts(data: SpellData, rules: DisclosureRules) -> dict[str, str]:
    """Return the brief's cohort counts as shown: from the disclosed cohort table.

    A count suppressed to protect another (complementary suppression) reads "not shown",
    never the raw count (which would give the small one away by subtraction) nor "fewer
    than 10" (which would be false).
    """
    raw, disclosed = _cohort(data, rules)
    texts = dict(
        zip(raw["measure"], count_texts(disclosed["count"], raw["count"], rules), strict=True)
    )
    return {label: texts[measure] for measure, label in _COHORT_LABELS.items()}


def _brief(
    run: _Run,
    data: SpellData,
    design: StudyDesign,
    state: dict[str, Any],
    *,
    data_label: str | None,
    provenance: tuple[str, ...],
) -> Brief:
    h = [int(x) for x in design.outcome.horizons]
    key: list[KeyNumber] = []
    key_caveat, key_caveat_why = "", ""
    shows: list[str] = []
    paragraphs: list[str] = []
    not_show = [
        "That early help caused any difference for a particular child: the estimates are "
        "averages over children like those studied.",
        "Effects of help that was not recorded, or of its quality and intensity.",
    ]
    disclosed = run.tables.get("effects") if state.get("effects") is not None else None
    # The CCW effect leading the key numbers (the grace period biasing the others), which
    # the policy section gives beside its own AIPW-based value of offering it to everyone.
    ccw_effect: tuple[int, dict[str, float]] | None = None
    # The AIPW effect among the key numbers (leading, or beside CCW): the policy section's
    # value of offering early help to everyone is the same estimate with another interval.
    aipw_effect: tuple[int, dict[str, float]] | None = None
    if disclosed is not None:
        effects = _shown(disclosed)
        pick = [e for e in _PREFERRED if e in set(effects["estimator"])]
        est = pick[0] if pick else None
        compare = None
        # the estimators the effects stage found biased by the grace period's immortal time
        biased = set(state["effects"].settings.get("grace_biased", ()))
        if est in biased and "ccw" in set(effects["estimator"]):
            # The design's own caveat says the preferred estimator is biased by the grace
            # period and CCW is not: CCW leads, the preferred one is shown beside it.
            est, compare = "ccw", est
            key_caveat, key_caveat_why = _grace_caveat(run, str(compare))
        elif est in biased:
            # No CCW to lead with: the biased estimate leads, and says so beside it.
            key_caveat, key_caveat_why = _grace_caveat(run, str(est), leads=True)
        if est is None:
            not_show.insert(
                0,
                "The size of the effect of early help: too few children escalated, or did not, "
                f"in one of the groups (fewer than {run.rules.threshold}) for it to be shown.",
            )
        for horizon in h[:1]:
            rows = effects[(effects["estimator"] == est) & (effects["horizon"] == horizon)]
            by = rows.set_index("estimand")
            crude_rows = effects[
                (effects["estimator"] == "unadjusted") & (effects["horizon"] == horizon)
            ].set_index("estimand")
            if {"risk_untreated", "risk_difference"} <= set(by.index):
                columns = ["estimate", "conf_low", "conf_high"]
                # Not inlined in dict(zip(...)): there mypy checks the pandas overloads again
                # for each overload of dict and zip (seconds of a fresh clone's type check).
                untreated = by.loc["risk_untreated", columns].to_numpy(float)
                difference = by.loc["risk_difference", columns].to_numpy(float)
                r0: dict[str, float] = dict(zip(columns, untreated, strict=True))
                rd: dict[str, float] = dict(zip(columns, difference, strict=True))
                if est == "ccw" and compare is not None:
                    ccw_effect = (int(horizon), rd)
                if est == "aipw":
                    aipw_effect = (int(horizon), rd)
                name = ESTIMATOR_NAMES.get(str(est), str(est))
                label = _ESTIMATOR_LABELS.get(str(est), str(est))
                modelled = est != "unadjusted"
                d0 = interval_digits(r0["estimate"], r0["conf_low"], r0["conf_high"])
                # The headline answer (the effect, with any estimate shown beside it for
                # comparison and the caveat that governs them) leads; the risk without
                # early help follows as context.
                context = _context_card(r0, horizon, label, modelled=modelled)
                headline = context.plain
                edge = _bootstrap_edge(by, rd, state["effects"].settings, str(est))
                key.append(
                    _difference_card(
                        rd,
                        horizon,
                        label,
                        unsettled=edge is not None,
                        baseline=(
                            f"Without early help, an estimated {100 * r0['estimate']:.{d0}f} "
                            "in every 100 would."
                            if modelled
                            else f"Of those without early help, {100 * r0['estimate']:.{d0}f} "
                            "in every 100 did."
                        ),
                    )
                )
                other = effects[
                    (effects["estimator"] == compare)
                    & (effects["horizon"] == horizon)
                    & (effects["estimand"] == "risk_difference")
                ]
                if compare is not None and len(other):
                    columns = ["estimate", "conf_low", "conf_high"]
                    values = other.iloc[0][columns].to_numpy(float)
                    compared: dict[str, float] = dict(zip(columns, values, strict=True))
                    if compare == "aipw":
                        aipw_effect = (int(horizon), compared)
                    key.append(
                        _difference_card(
                            compared,
                            horizon,
                            _ESTIMATOR_LABELS.get(compare, compare),
                            comparison=True,
                        )
                    )
                key.append(context)
                if "risk_untreated" in crude_rows.index and modelled:
                    observed = crude_rows.loc["risk_untreated", columns].to_numpy(float)
                    shows.append(
                        f"Of the children who did not get early help, {_per_100(*observed)} "
                        "went on to a child protection plan or care within "
                        f"{horizon} days (observed, Aalen–Johansen). Had none of the children "
                        f"studied received early help, an estimated "
                        f"{_per_100(*untreated)} would have ({label}): the groups differ, so "
                        "the two numbers differ."
                    )
                else:
                    shows.append(headline)
                sentence = describe_difference(rd["estimate"], rd["conf_low"], rd["conf_high"])
                sentence += f" {edge}" if edge else ""
                if rd["conf_low"] > 0 or rd["conf_high"] < 0:
                    shows.append(
                        f"Comparing families alike in what was recorded ({name}): {sentence}"
                    )
                else:
                    not_show.insert(
                        0,
                        f"A clear effect of early help on escalation within {horizon} days "
                        f"({name}): {sentence}",
                    )
                if "risk_difference" in crude_rows.index and modelled:
                    crude = float(crude_rows["estimate"].astype(float)["risk_difference"])
                    if np.sign(crude) != np.sign(float(rd["estimate"])) and crude != 0:
                        paragraphs.append(
                            _confounding_paragraph(crude, float(rd["estimate"]), horizon, label)
                        )
    else:
        failed = any(f.stage == "effects" for f in run.failures)
        shows.append(
            "The effect of early help was not estimated in this run"
            + (" (see 'What did not run')." if failed else ".")
        )
    by_authority = state.get("authorities")
    if by_authority is not None and "meta" in by_authority:
        meta = by_authority["meta"]
        pred = meta.predict().iloc[0]
        shows.append(
            f"By local authority ({meta.k} authorities, change in risk by "
            f"{by_authority['horizon']} days): pooled by random-effects meta-analysis, "
            + describe_difference(pred["estimate"], pred["conf_low"], pred["conf_high"])
            + f" Authorities differ (I² = {meta.i2:.0f}%); in a new authority the change "
            f"would lie between {signed_text(100 * pred['pi_low'], 1, sign=True)} and "
            f"{signed_text(100 * pred['pi_high'], 1, sign=True)} "
            "points (95% prediction interval)."
        )
    prediction = state.get("prediction")
    risk_text = None
    if prediction is not None:
        metrics = _estimated(prediction["metrics"])
        first = _described_model(metrics)
        if first is not None:

            def metric(name: str, model: str = first) -> pd.Series:
                rows = metrics[(metrics["model"] == model) & (metrics["metric"] == name)]
                return rows.iloc[0]

            recall, precision = (metric(name) for name in _RISK_TOOL_METRICS)
            r, p = 100 * float(recall["estimate"]), 100 * float(precision["estimate"])
            within = (
                f" within {int(recall['horizon'])} days"
                if "horizon" in recall and pd.notna(recall["horizon"])
                else ""
            )
            key.append(
                _risk_tool_card(
                    r,
                    p,
                    (float(recall["conf_low"]), float(recall["conf_high"])),
                    within,
                    (float(precision["conf_low"]), float(precision["conf_high"])),
                )
            )
            risk_text = risk_tool_paragraph(
                metrics, first, _model_label(first), within=within, rules=run.rules
            )
    limits = study_limits(design)
    missing = [_STAGE_WORDS[f.stage] for f in run.failures if f.stage in _STAGE_WORDS]
    if missing:
        limits.append(
            "Not included in this brief because the analysis did not run: "
            + "; ".join(missing)
            + " (see 'What did not run' below)."
        )
    counts = _cohort_counts(data, run.rules)
    return Brief(
        title=study_title(design),
        question=study_question(design),
        cohort_text=cohort_sentence(design),
        cohort_counts=counts,
        key_numbers=tuple(key),
        key_caveat=key_caveat,
        key_caveat_why=key_caveat_why,
        shows=tuple(shows),
        does_not_show=tuple(not_show),
        limits=tuple(limits),
        risk_tool=risk_text,
        policy=policy_section(
            state.get("policy"),
            design,
            run.policy_figure,
            ccw_effect=ccw_effect,
            aipw_effect=aipw_effect,
        ),
        figures=tuple(run.brief_figures),
        caveats=brief_caveats(
            run.log.caveats,
            run.rules,
            replicates=int(design.estimation.bootstrap),
            withheld=run.withheld,
        ),
        failures=tuple(
            f"{_STAGE_WORDS.get(f.stage, f.stage).capitalize()} did not run ({f.error}): "
            + f.shared().message
            + "."
            for f in run.failures
        ),
        notes=tuple(disclose_text(r, run.rules, withheld=run.withheld) for r in run.remarks),
        disclosure=run.rules,
        paragraphs=tuple(paragraphs),
        table_one=run.extra.get("table_one_html"),
        kicker="Policy brief" + (f" · {data_label}" if data_label else ""),
        subtitle=(f"{data_label}. " if data_label else "")
        + _horizons_sentence(h, run.effects_path),
        glossary={
            "spell": " ".join(
                (spell_definition(design), SPELL_CHOICE.get(design.time_zero.spells, ""))
            ).strip()
        },
        provenance=provenance,
    )


def _provenance(
    design: StudyDesign, input_hash: str, simulation: Mapping[str, Any] | None
) -> tuple[str, ...]:
    """Return the brief's footer lines on how the run was made (as its manifest records).

    Examples
    --------
    >>> from escalation import default_design
    >>> from escalation.data.simulator import simulation_record
    >>> lines = _provenance(default_design(), "ab" * 32, simulation_record(20_000, 1))
    >>> lines[1][:72]
    "The input data were simulated by escalation's simulator: 20,000 children"
    """
    lines = [
        f"Made with escalation {__version__}; design "
        f"SHA-256 {hashlib.sha256(design.to_toml().encode()).hexdigest()[:12]}, input data "
        f"hash {input_hash[:12]}. Every output is listed with its hash in manifest.json, "
        "which also records when the run was made."
    ]
    if simulation:
        from escalation.data.simulator import simulation_sentence

        lines.append(simulation_sentence(simulation))
    return tuple(lines)
