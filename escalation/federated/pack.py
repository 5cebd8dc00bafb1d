"""Share packs: what one local authority sends to the hub, and nothing more.

``escalation share design.toml --la LA01 --out pack/`` runs inside one authority and writes
``pack/<la>.zip``, built by :func:`build_share_pack` and :func:`write_share_pack`. A pack
holds only aggregate, disclosure-controlled statistics:

``effects.csv``
    The design's effect estimates with standard errors and intervals (as
    ``effects.csv`` of ``escalation estimate``), plus the log risk ratio.
``bootstrap.csv``
    Summaries of each estimate's bootstrap distribution (replicates, mean, SD,
    percentile interval).
``hazard_ratios.csv``
    Cox log hazard ratios of early help (unadjusted; stratified by propensity-score
    fifths) with robust standard errors, and each arm's escalations.
``cox_profiles.csv``
    The Cox log partial likelihood of the same two models on a grid of log hazard
    ratios, with derivatives (see :mod:`escalation.federated.profile`). Withheld, with
    the hazard ratios' estimates, when an arm's escalations are.
``risk_sets.csv``
    Numbers at risk, escalations, competing events and censored spells by arm on the
    shared coarsened time grid (see :mod:`escalation.federated.risksets`).
``covariates.csv``
    Covariate summaries for Table 1.
``authority.csv``
    Authority-level characteristics for meta-regression: spells, early-help rate, mean
    deprivation decile, escalation rate.
``disclosure.csv``
    What disclosure control withheld, folded or coarsened (in words).
``manifest.json``, ``design.toml``
    The design as run, its hash, the package version, the disclosure rules and the grid.
    Nothing in a pack carries the time it was written (its zip members are dated
    1980-01-01, as :mod:`escalation._archives` dates the workbook's), so the same design,
    data and seed give the same bytes.

Every count passes :mod:`escalation.federated._disclose` under the design's
``[disclosure]`` rules (nothing under its threshold, 10 by default, leaves), and
:func:`~escalation.federated._disclose.check_pack` refuses a pack with a count under the
threshold, a withheld covariate count that can be worked out by subtraction, a
whole-number covariate's mean that gives a small count back
(:mod:`escalation.federated._whole_numbers`), escalations under the threshold that its
totals give by subtraction or a Cox profile beside withheld escalations
(:mod:`escalation.federated._escalations`), or a record-level column, both when it is
written and when the hub reads it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation import __version__
from escalation._archives import FIXED_TIME
from escalation.compute import one_blas_thread
from escalation.data.history import CaseHistory
from escalation.design.options import without_unconverged
from escalation.design.study import ComputeSpec, DataSpec, StudyDesign
from escalation.disclosure import (
    DisclosureRules,
    disclose_effects,
    disclose_observed_effects,
    spell_records,
)
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
)
from escalation.federated._csv import read_hub_csv
from escalation.federated._disclose import (
    DisclosureLog,
    check_pack,
    coarsen_risk_sets,
    share,
    withhold_small,
)
from escalation.federated._escalations import withhold_escalation_complements, withhold_models
from escalation.federated._pack_values import check_manifest, check_pack_values
from escalation.federated._whole_numbers import whole_number_rows
from escalation.federated.profile import LikelihoodProfile, profile_cox
from escalation.federated.risksets import risk_set_counts, time_grid
from escalation.federated.summaries import covariate_summary, suppress_summary
from escalation.report.caveats import redact_separation
from escalation.timeline.spells import SpellData, build_spells

__all__ = [
    "PACK_FORMAT",
    "PACK_TABLES",
    "PROFILE_MODELS",
    "SharePack",
    "build_share_pack",
    "design_hash",
    "pack_name",
    "propensity_strata",
    "read_share_pack",
    "write_share_pack",
]

#: Version of the pack layout (the hub refuses others).
PACK_FORMAT: Final = 1
#: Tables of a pack (``<name>.csv`` in the zip).
PACK_TABLES: Final = (
    "effects",
    "bootstrap",
    "hazard_ratios",
    "cox_profiles",
    "risk_sets",
    "covariates",
    "authority",
    "disclosure",
)
#: Cox models of the treatment effect shared as likelihood profiles.
PROFILE_MODELS: Final = ("unadjusted", "ps_stratified")
_PS_STRATA: Final = 5
#: Level of the intervals of ``hazard_ratios.csv`` (its ``conf_level`` column).
_COX_LEVEL: Final = 0.95


def design_hash(design: StudyDesign) -> str:
    """Return the SHA-256 of the design's TOML text, ``[data]`` and ``[compute]`` left out.

    Each authority's data live in its own place and each runs on its own machine, so
    ``[data]`` and ``[compute]`` (which never changes a result) differ between them;
    everything that defines the analysis is hashed.

    Examples
    --------
    >>> from escalation.design import default_design
    >>> len(design_hash(default_design()))
    64
    """
    return hashlib.sha256(_shared_toml(design).encode("utf-8")).hexdigest()


def _shared_toml(design: StudyDesign) -> str:
    """Return the design's TOML text as a pack carries it: ``[data]`` and ``[compute]`` out.

    What :func:`design_hash` hashes, so that a pack's design text matches its hash (and
    where the authority's data live, or its Dask scheduler's address, stays there).
    """
    return dataclasses.replace(design, data=DataSpec(), compute=ComputeSpec()).to_toml()


@dataclass(frozen=True)
class SharePack:
    """One authority's share pack (in memory).

    Attributes
    ----------
    authority : str
        The authority's code.
    manifest : dict
        Format, authority, design hash and TOML, package version, disclosure rules
        (``disclosure``, and its ``disclosure_threshold``), grid, seed and bootstrap
        replicates.
    tables : dict of str to DataFrame
        The tables of :data:`PACK_TABLES`.
    file, sha256 : str, optional
        The file name and SHA-256 of the zip it was read from (``None`` when built).
    """

    authority: str
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    file: str | None = None
    sha256: str | None = None

    @property
    def design_hash(self) -> str:
        """The hash of the design the authority ran (see :func:`design_hash`)."""
        return str(self.manifest["design_sha256"])

    @property
    def design(self) -> StudyDesign:
        """The design the authority ran."""
        return StudyDesign.from_toml(str(self.manifest["design_toml"]))

    @property
    def rules(self) -> DisclosureRules:
        """The disclosure rules the pack was made under: its design's ``[disclosure]``."""
        return DisclosureRules.from_design(self.design)

    @property
    def version(self) -> str:
        """The escalation version that made the pack."""
        return str(self.manifest["escalation_version"])

    def profiles(self) -> dict[str, LikelihoodProfile]:
        """Return the Cox likelihood profiles by model."""
        frame = self.tables["cox_profiles"]
        if frame.empty:  # withheld: an arm with few escalations
            return {}
        return {
            model: LikelihoodProfile.from_frame(frame, model)
            for model in frame["model"].drop_duplicates()
        }


def propensity_strata(
    spells: pd.DataFrame, covariates: list[str], strata: int = _PS_STRATA
) -> pd.Series:
    """Return fifths (by default) of the estimated propensity of treatment, within the data.

    The propensity model is :func:`escalation.causal.fit_propensity` on the covariates;
    the strata are its quantiles. Used by the ``ps_stratified`` Cox model of a pack and,
    within each authority, by the matching individual-level analysis.

    Returns
    -------
    pandas.Series
        Integer stratum (0 = lowest propensity), aligned with ``spells``.
    """
    from escalation.causal import fit_propensity

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        scores = fit_propensity(spells, "treatment", covariates).scores
    codes = pd.qcut(pd.Series(scores, index=spells.index), strata, labels=False, duplicates="drop")
    return codes.astype("int64")


def _file_problem(file: str, reason: str) -> Problem:
    """Return a problem with a pack file (it names no row, column or value)."""
    return Problem("share pack", None, None, None, f"{file}: {reason}")


def pack_name(history: CaseHistory, authority: str | None = None) -> str:
    """Return the file name of the pack :func:`build_share_pack` makes: ``<authority>.zip``.

    Known before the analysis runs, so that ``escalation share`` refuses an output folder
    where the pack would replace a file escalation did not write before doing the work.

    Raises
    ------
    DesignError
        When the data hold several authorities and none was chosen, or not the one chosen.
    """
    return f"{_authority_of(history, authority)[1]}.zip"


def _authority_of(history: CaseHistory, authority: str | None) -> tuple[CaseHistory, str]:
    children = history.children
    if "la" not in children.columns:
        return history, authority or "authority"
    codes = sorted(children["la"].dropna().astype(str).unique())
    if authority is None:
        if len(codes) > 1:
            raise DesignError(
                f"the data hold {len(codes)} local authorities; a share pack is made inside "
                "one authority: choose one with --la (or authority=...)"
            )
        return history, codes[0] if codes else "authority"
    if authority not in codes:
        raise DesignError(
            f"local authority {authority!r} is not in the data's la column; it holds "
            f"{', '.join(codes)}"
        )
    here = children["la"].astype(str) == authority
    keep = children.loc[here, "child_id"]
    return history.subset(keep), authority


def _arm_escalations(spells: pd.DataFrame) -> dict[str, int]:
    """Return the escalations over all follow-up in all and by arm (exact)."""
    escalated = spells["event"] == 1
    return {
        "all": int(escalated.sum()),
        "treated": int((escalated & (spells["treatment"] == 1)).sum()),
        "untreated": int((escalated & (spells["treatment"] == 0)).sum()),
    }


def _short_arm(spells: pd.DataFrame, rules: DisclosureRules) -> str | None:
    """Return the first arm with fewer than the threshold of spells or escalations, if any.

    The effects resting on such an arm are withheld (as ``escalation run`` withholds
    them); its Cox models go with its escalation count
    (:func:`~escalation.federated._escalations.withhold_models`).
    """
    escalations = _arm_escalations(spells)
    for code, label in ((1, "treated"), (0, "untreated")):
        spells_of_arm = int((spells["treatment"] == code).sum())
        if min(spells_of_arm, escalations[label]) < rules.threshold:
            return label
    return None


def _effects(
    data: SpellData,
    design: StudyDesign,
    log: DisclosureLog,
    rules: DisclosureRules,
    progress: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Estimate the design's effects; return the effects and their bootstrap summaries.

    Horizons where an arm has fewer than the threshold of spells with, or without, an
    escalation by then are blanked, in both tables, by the run's rule
    (:func:`~escalation.disclosure.disclose_effects`); warnings are logged as the run's
    manifest quotes them (a competing-event model's terms not named).
    """
    from escalation.causal import estimate_effects

    threshold = rules.threshold
    spells = data.spells
    short = _short_arm(spells, rules)
    if short is not None:
        log.add("effects", short, f"fewer than {threshold} spells or escalations: withheld")
        return pd.DataFrame(), pd.DataFrame()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        # Estimators whose Cox model does not converge are left out group by group, as
        # the pipeline does (without_unconverged), and the log says which.
        estimators = list(design.estimation.estimators)
        while True:
            try:
                fit = estimate_effects(data, design, estimators=estimators, progress=progress)
                break
            except ConvergenceError as error:
                left = without_unconverged(estimators)
                if left is None:
                    raise
                estimators, dropped = left
                log.add("effects", ", ".join(dropped), f"not estimated ({error})")
    for warning in caught:
        if issubclass(warning.category, StatisticalWarning):
            log.add(
                "effects",
                "warning",
                redact_separation(
                    str(warning.message), getattr(warning.message, "columns", ())
                ).split(";")[0],
            )
    records = spell_records(spells)
    table = disclose_observed_effects(
        disclose_effects(fit.tidy(), records, rules=rules), records, rules
    )
    blanked = sorted(set(table.loc[table["suppressed"], "horizon"]))
    for horizon in blanked:
        log.add(
            "effects",
            f"horizon {horizon:g}",
            f"an arm has fewer than {threshold} spells with, or without, an escalation by "
            "then: estimates withheld",
        )
    table = table.drop(columns="suppressed")
    rr = table["estimand"] == "risk_ratio"
    with np.errstate(divide="ignore", invalid="ignore"):
        table["log_estimate"] = np.where(rr, np.log(table["estimate"]), np.nan)
        table["log_std_error"] = np.where(rr, table["std_error"] / table["estimate"], np.nan)
    boot = fit.bootstrap_summary()
    if len(boot):
        boot = boot[~boot["horizon"].isin(blanked)].reset_index(drop=True)
    return table, boot


def _cox(
    spells: pd.DataFrame, covariates: list[str], log: DisclosureLog, rules: DisclosureRules
) -> tuple[pd.DataFrame, pd.DataFrame]:
    from escalation.survival.cox import fit_cox

    frame = spells.copy()
    models: dict[str, list[str]] = {"unadjusted": []}
    try:
        frame["ps_stratum"] = propensity_strata(frame, covariates)
        models["ps_stratified"] = ["ps_stratum"]
    except (ConvergenceError, DesignError, ValueError) as error:
        log.add("cox_profiles", "ps_stratified", f"propensity model failed ({error})")
    profiles, ratios = [], []
    for model, strata in models.items():
        profiles.append(profile_cox(frame, model=model, strata=strata).tidy())
        row: dict[str, Any] = {"model": model, "term": "treatment"}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", StatisticalWarning)
                fit = fit_cox(
                    frame,
                    ["treatment"],
                    strata=strata or None,
                    cluster="family_id",
                    conf_level=_COX_LEVEL,
                )
            if fit.separated:  # monotone likelihood: the hazard ratio is infinite
                raise ConvergenceError("the treatment coefficient is infinite (separation)")
            tidy = fit.tidy().iloc[0]
            row.update(
                estimate=float(tidy["estimate"]),
                std_error=float(tidy["std_error"]),
                conf_low=float(tidy["conf_low"]),
                conf_high=float(tidy["conf_high"]),
                conf_level=fit.conf_level,
                variance=fit.variance,
            )
        except (ConvergenceError, DesignError) as error:
            log.add("hazard_ratios", model, f"no finite estimate ({str(error).split(';')[0]})")
            row.update(
                estimate=np.nan,
                std_error=np.nan,
                conf_low=np.nan,
                conf_high=np.nan,
                conf_level=_COX_LEVEL,
            )
        row.update({f"events_{arm}": n for arm, n in _arm_escalations(frame).items()})
        ratios.append(row)
    table = pd.DataFrame(ratios).drop(columns="events_all")
    for column in ("events_treated", "events_untreated"):
        disclosed = withhold_small(
            table.rename(columns={column: "events"}),
            ["events"],
            table="hazard_ratios",
            log=log,
            rules=rules,
        )
        table[column] = disclosed["events"].astype("Int64")
    return table, pd.concat(profiles, ignore_index=True)


def _characteristics(
    spells: pd.DataFrame, authority: str, log: DisclosureLog, rules: DisclosureRules
) -> pd.DataFrame:
    n = len(spells)
    treated = int(spells["treatment"].sum())
    events = int((spells["event"] == 1).sum())
    row: dict[str, Any] = {
        "authority": authority,
        "spells": n,
        "early_help_rate": share(treated, n, rules),
        "escalation_rate": share(events, n, rules),
        "deprivation": np.nan,
    }
    if "imd_decile" in spells.columns:
        imd = pd.to_numeric(spells["imd_decile"], errors="coerce").dropna()
        if len(imd) >= rules.threshold:
            # Mean decile, oriented so that higher means more deprived (decile 1 = most).
            row["deprivation"] = float(11 - imd.mean())
    frame = pd.DataFrame([row])
    return withhold_small(
        frame,
        ["spells"],
        table="authority",
        log=log,
        also=["early_help_rate", "escalation_rate", "deprivation"],
        rules=rules,
    )


def _covariates(
    spells: pd.DataFrame, covariates: list[str], log: DisclosureLog, rules: DisclosureRules
) -> pd.DataFrame:
    """Return the covariate summary for Table 1 with small cells and their complements withheld.

    Counts are not rounded (the hub adds them); a cell under the threshold is withheld,
    and so are the cells that would give it back by subtraction
    (:func:`~escalation.federated.summaries.suppress_summary`).
    """
    summary = covariate_summary(spells, covariates)
    hidden_n, hidden_count = suppress_summary(
        summary, rules, withheld_means=whole_number_rows(spells, summary, rules)
    )
    out = summary.copy()
    for column in ("n", "count", "mean", "sd"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Float64")
    out.loc[hidden_n, ["n", "count", "mean", "sd"]] = pd.NA
    # a numeric covariate's mean and SD rest on its spells with a value, a count cell
    out.loc[hidden_count, ["count", "mean", "sd"]] = pd.NA
    small = pd.to_numeric(summary["count"], errors="coerce") < rules.threshold
    tiny = pd.to_numeric(summary["n"], errors="coerce") < rules.threshold
    for column, cells, under in (("n", hidden_n, tiny), ("count", hidden_count, small)):
        if cells.any():
            others = int((cells & ~under.to_numpy()).sum())
            log.add(
                "covariates",
                column,
                f"{int((cells & under.to_numpy()).sum())} cell(s) under {rules.threshold} "
                f"withheld, and {others} more so that none can be worked out from the others",
            )
    return out


@one_blas_thread
def build_share_pack(
    history: CaseHistory,
    design: StudyDesign,
    *,
    authority: str | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> SharePack:
    """Analyse one authority's case histories and return its share pack.

    Parameters
    ----------
    history : CaseHistory
        The authority's case histories (if they hold several authorities, ``authority``
        picks one).
    design : StudyDesign
        The registered study design (the same at every authority).
    authority : str, optional
        The authority's code (default: its ``la`` value, or ``"authority"``).
    bootstrap, seed : int, optional
        Override the design's bootstrap replicates and seed (recorded in the pack, and
        part of its design hash).
    progress : bool, default False
        Show the progress of the effects' bootstrap on standard error (``escalation
        share`` does, unless ``--quiet``).

    Returns
    -------
    SharePack

    Raises
    ------
    DesignError
        When the data hold several authorities and none was chosen.
    DataValidationError
        When disclosure control would let a small count or a record-level column out
        (a bug: the pack is refused).
    """
    design = design.with_estimation(seed=seed, bootstrap=bootstrap)
    history, authority = _authority_of(history, authority)
    rules = DisclosureRules.from_design(design)
    data = build_spells(history, design)
    spells = data.spells
    if len(spells) < rules.threshold:
        raise DesignError(
            f"fewer than {rules.threshold} spells in authority {authority!r}: nothing can be shared"
        )
    log = DisclosureLog()
    covariates = [c for c in data.model_covariates if c in spells.columns]
    effects, boot = _effects(data, design, log, rules, progress)
    ratios, profiles = _cox(spells, covariates, log, rules)
    grid = time_grid(design)
    anchors = [0.0, *(float(h) for h in design.outcome.horizons)]
    escalations = _arm_escalations(spells)
    risk_sets = coarsen_risk_sets(
        risk_set_counts(spells, grid), anchors, log, rules, escalations=escalations
    )
    tables = {
        "effects": effects,
        "bootstrap": boot,
        "hazard_ratios": ratios,
        "cox_profiles": profiles,
        "risk_sets": risk_sets,
        "covariates": _covariates(spells, covariates, log, rules),
        "authority": _characteristics(spells, authority, log, rules),
    }
    tables = withhold_models(withhold_escalation_complements(tables, escalations, log, rules), log)
    tables["disclosure"] = log.frame()
    check_pack(tables, rules)
    manifest = {
        "format": PACK_FORMAT,
        "authority": authority,
        "design_sha256": design_hash(design),
        "design_toml": _shared_toml(design),
        "escalation_version": __version__,
        "disclosure": rules.to_dict(),
        "disclosure_threshold": rules.threshold,
        "time_grid": [float(t) for t in grid],
        "seed": design.estimation.seed,
        "bootstrap": design.estimation.bootstrap,
        "tables": list(PACK_TABLES),
    }
    return SharePack(authority=authority, manifest=manifest, tables=tables)


def write_share_pack(pack: SharePack, out: str | Path) -> Path:
    """Write the pack to ``out/<authority>.zip`` (or to ``out`` if it ends in ``.zip``).

    An earlier share pack there is replaced; any other file is not. ``escalation share``
    writes through an output folder instead (:class:`~escalation.report.outputs.OutputFolder`:
    a manifest, and no file escalation did not write replaced, pack or not).

    Returns
    -------
    Path
        The zip file.

    Raises
    ------
    FileExistsError
        When the file exists and is not a share pack (nothing is written).
    """
    check_pack(pack.tables, pack.rules)
    target = Path(out)
    if target.suffix != ".zip":
        target = target / f"{pack.authority}.zip"
    if target.exists():
        try:
            read_share_pack(target)
        except (DataValidationError, OSError, ValueError) as error:
            raise FileExistsError(
                f"{target} exists and is not a share pack ({type(error).__name__}); writing "
                "there would replace it. Move it or choose another folder."
            ) from None
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".zip.partial")
    members = {
        "manifest.json": json.dumps(pack.manifest, indent=2) + "\n",
        "design.toml": str(pack.manifest["design_toml"]),
        **{f"{name}.csv": pack.tables[name].to_csv(index=False) for name in PACK_TABLES},
    }
    with zipfile.ZipFile(partial, "w") as archive:
        for name, text in members.items():
            # Dated 1980-01-01, not when written: the same pack is the same bytes.
            member = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, text)
    partial.replace(target)
    return target


def read_share_pack(path: str | Path) -> SharePack:
    """Read a share pack and check it (format, files, design text, disclosure).

    Raises
    ------
    DataValidationError
        When the file is not a share pack, is of another format, its design text does not
        match its hash, or it holds a count under its design's threshold (the rules it was
        made under, :attr:`SharePack.rules`) or a withheld count that can be worked out.
    """
    source = Path(path)
    try:
        with zipfile.ZipFile(source) as archive:
            names = set(archive.namelist())
            wanted = {"manifest.json", *(f"{t}.csv" for t in PACK_TABLES)}
            missing = sorted(wanted - names)
            if missing:
                raise DataValidationError(
                    [_file_problem(source.name, f"missing {', '.join(missing)}")], "share pack"
                )
            try:
                manifest = json.loads(archive.read("manifest.json"))
            except ValueError as error:
                raise DataValidationError(
                    [_file_problem(source.name, f"manifest.json is not JSON ({error})")],
                    "share pack",
                ) from None
            tables = {}
            for name in PACK_TABLES:
                raw = archive.read(f"{name}.csv")
                # Only an empty cell is missing (as to_csv writes NaN): a level spelled
                # "NA", "None" or "null" is text, not pandas' default missing markers;
                # authority codes and levels are text (0886 stays 0886).
                tables[name] = (
                    read_hub_csv(io.BytesIO(raw), keep_default_na=False, na_values=[""])
                    if raw.strip()
                    else pd.DataFrame()
                )
    except zipfile.BadZipFile as error:
        raise DataValidationError(
            [_file_problem(source.name, "is not a zip file (a share pack)")], "share pack"
        ) from error
    context = f"share pack {source.name}"
    problems = check_manifest(manifest)
    if problems:
        raise DataValidationError(problems, context)
    if manifest.get("format") != PACK_FORMAT:
        raise DataValidationError(
            [
                _file_problem(
                    source.name, f"pack format {manifest.get('format')!r}, expected {PACK_FORMAT}"
                )
            ],
            "share pack",
        )
    text = str(manifest.get("design_toml", ""))
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != manifest.get("design_sha256"):
        raise DataValidationError(
            [_file_problem(source.name, "its design text does not match its design hash")],
            "share pack",
        )
    if "level" in tables["covariates"].columns:
        tables["covariates"]["level"] = tables["covariates"]["level"].fillna("")
    problems = check_pack_values(tables, manifest)
    if problems:
        raise DataValidationError(problems, context)
    pack = SharePack(
        authority=str(manifest["authority"]),
        manifest=manifest,
        tables=tables,
        file=source.name,
        sha256=hashlib.sha256(source.read_bytes()).hexdigest(),
    )
    try:
        check_pack(tables, pack.rules)
    except DataValidationError as error:  # the same problems (located), naming the pack
        raise DataValidationError(error.problems, f"{context}: disclosure control") from None
    return pack
