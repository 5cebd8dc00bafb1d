"""What the hub publishes: pooled tables, forest plots by authority, the pooled brief.

:func:`write_pooled` writes a :class:`~escalation.federated.hub.PooledAnalysis` to a
folder: ``results/*.csv``, ``figures/*.png|pdf|svg``, ``brief.html`` and
``manifest.json``. Everything the hub publishes passes :mod:`escalation.disclosure` under
the pooled packs' rules (the strictest, :func:`~escalation.federated.hub.pooled_rules`):
counts (spells by authority, numbers at risk, Table 1) are rounded and small ones
suppressed, Table 1 with complementary suppression; rates and percentages are computed
from the disclosed counts, and the observed curves are disclosed counts over disclosed
arm sizes (:func:`~escalation.disclosure.disclose_curve_shares`), as in a run.
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escalation import __version__
from escalation._decimals import signed_text
from escalation._vocabulary import INTERCEPT
from escalation.data.simulator.config import simulation_sentence
from escalation.disclosure import (
    DisclosureRules,
    disclose_count,
    disclose_curve_shares,
    disclose_share,
    disclose_table,
)
from escalation.federated.hub import PooledAnalysis, arm_records
from escalation.federated.summaries import MISSING_LEVEL, recorded_sizes, suppress_summary
from escalation.figures import plot_authority_forest, plot_survival_curves, save_figure
from escalation.figures.theme import figure_note, with_note
from escalation.report.brief import (
    ESTIMATOR_NAMES,
    Brief,
    BriefFigure,
    KeyNumber,
    describe_difference,
    write_brief,
)
from escalation.report.manifest import write_manifest
from escalation.report.wording import cohort_sentence, study_question, study_title

__all__ = ["PooledOutputs", "write_pooled"]


@dataclass(frozen=True)
class PooledOutputs:
    """What :func:`write_pooled` wrote."""

    out: Path
    tables: dict[str, pd.DataFrame]
    figures: dict[str, list[Path]]
    brief: Path
    manifest: Path


def _forest_frame(
    result: PooledAnalysis, estimator: str, horizon: int, estimand: str, ratio: bool
) -> pd.DataFrame:
    fit = result.fits[(estimator, horizon, estimand)]
    frame = fit.forest(exponentiate=ratio)
    if estimand == "log_hazard_ratio" and not result.cox.empty:
        cox = result.cox[result.cox["model"] == estimator.removeprefix("cox_")]
        if len(cox) and np.isfinite(cox["estimate"].iloc[0]):
            row = cox.iloc[0]
            f = np.exp if ratio else (lambda v: v)
            profiles = pd.DataFrame(
                [
                    {
                        "label": "Pooled (likelihood profiles)",
                        "estimate": f(row["estimate"]),
                        "conf_low": f(row["conf_low"]),
                        "conf_high": f(row["conf_high"]),
                        "kind": "pooled",
                    }
                ]
            )
            frame = pd.concat([frame, profiles], ignore_index=True)
    return frame


def _primary(result: PooledAnalysis) -> str | None:
    present = set(result.meta["estimator"]) if len(result.meta) else set()
    for name in ("aipw", "ipw", "gformula", "unadjusted", "ccw"):
        if name in result.design.estimation.estimators and name in present:
            return name
    return None


def _authorities(table: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """Return the authority characteristics with spells disclosed and rates from them.

    The mean deprivation is rounded to 2 decimals.
    """
    out = table.copy()
    spells = pd.to_numeric(out["spells"], errors="coerce")
    for rate in ("early_help_rate", "escalation_rate"):
        if rate in out.columns:
            values = pd.to_numeric(out[rate], errors="coerce")
            out[rate] = [
                np.nan if v is None else v
                for v in (
                    disclose_share(r * n, n, rules) for r, n in zip(values, spells, strict=True)
                )
            ]
    out["spells"] = pd.array([disclose_count(n, rules) for n in spells], dtype="Int64")
    if "deprivation" in out.columns:
        # A mean of whole deciles at full precision says how many spells it is of.
        out["deprivation"] = pd.to_numeric(out["deprivation"], errors="coerce").round(2)
    return out


def _table1(table: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """Return the pooled Table 1 disclosed: counts rounded, small ones and complements withheld.

    Percentages are the disclosed count over the disclosed number of spells with a value
    (``n`` less the missing, :func:`~escalation.federated.summaries.recorded_sizes`); the
    count of the missing has none. A withheld n withholds the covariate's summaries in
    its group, and a withheld number with a value a numeric covariate's mean and SD;
    means and SDs are rounded to 2 decimals.
    """
    out = table.copy()
    hidden_n, hidden_count = suppress_summary(table, rules)
    n = pd.to_numeric(table["n"], errors="coerce")
    count = pd.to_numeric(table["count"], errors="coerce")
    out["n"] = pd.array(
        [None if h else disclose_count(v, rules) for v, h in zip(n, hidden_n, strict=True)],
        dtype="Int64",
    )
    out["count"] = pd.array(
        [None if h else disclose_count(v, rules) for v, h in zip(count, hidden_count, strict=True)],
        dtype="Int64",
    )
    # a level's percentage is of the spells with a value; the missing have none
    recorded = recorded_sizes(table)
    shares = [
        disclose_share(c, m, rules, per=100) if not (h or g or lost) else None
        for c, m, h, g, lost in zip(
            count, recorded, hidden_count, hidden_n, _missing_rows(table), strict=True
        )
    ]
    out["percent"] = [np.nan if v is None else v for v in shares]
    out.loc[hidden_n | hidden_count, ["mean", "sd"]] = np.nan
    # Means and SDs to 2 decimals, as Table 1 prints them: at full precision the mean of
    # a whole-number covariate says how many children it is of, undoing n's rounding.
    out[["mean", "sd"]] = out[["mean", "sd"]].astype(float).round(2)
    return out


def _missing_rows(table: pd.DataFrame) -> np.ndarray:
    """Return which rows of a covariate summary count the spells with the value missing."""
    rows: np.ndarray = (table["level"].fillna("").astype(str) == MISSING_LEVEL).to_numpy()
    return rows


def _curves(curves: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """Return the curves as disclosed counts over disclosed arm sizes, at-risk disclosed.

    An observed (Aalen–Johansen) risk at full precision gives back the exact escalations
    of an arm (22/163); each is published as :func:`disclose_curve_shares` publishes a
    run's (its standard error is in its interval, not a column of its own). Each curve's
    start, no escalation at time 0, is shown as it is.
    """
    frames = []
    for _, part in curves.groupby("authority", sort=False):
        first = part.sort_values("time").drop_duplicates("group")
        sizes = dict(
            zip(first["group"], pd.to_numeric(first["at_risk"], errors="coerce"), strict=True)
        )
        shown = disclose_curve_shares(
            part.assign(estimator="unadjusted", suppressed=False), arm_records(sizes), rules
        )
        frames.append(shown.drop(columns=["estimator", "std_error"], errors="ignore"))
    out = pd.concat(frames, ignore_index=True)
    # Every curve starts at no escalation: a zero by construction, not a small count.
    start = out["time"].to_numpy(dtype=float) == 0
    out.loc[start, ["estimate", "conf_low", "conf_high"]] = 0.0
    out.loc[start, "suppressed"] = False
    out["at_risk"] = disclose_table(out.fillna({"at_risk": 0}), ["at_risk"], rules=rules)["at_risk"]
    return out


def _inputs(result: PooledAnalysis) -> tuple[list[dict[str, object]], str | None]:
    """Return the packs read (file, SHA-256, ...) and one hash over them (or None)."""
    packs = [dict(p) for p in result.inputs]
    if not packs or any(p.get("sha256") is None for p in packs):
        return packs, None
    lines = sorted(f"{p['sha256']}  {p['file']}\n" for p in packs)
    return packs, hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _percent(value: float) -> str:
    return signed_text(100 * value, 1, sign=True)


def write_pooled(
    result: PooledAnalysis,
    out: str | Path,
    *,
    command: str = "escalation pool",
    data_label: str | None = None,
    simulation: Mapping[str, Any] | None = None,
) -> PooledOutputs:
    """Write the pooled tables, figures, brief and manifest to ``out``.

    Parameters
    ----------
    result : PooledAnalysis
        From :func:`~escalation.federated.hub.pool_share_packs`.
    out : str or Path
        Output folder (created).
    command : str
        Recorded in the manifest.
    data_label : str, optional
        Where the data come from, shown at the top of the brief.
    simulation : mapping, optional
        How simulated authorities were made
        (:func:`escalation.data.simulator.simulation_record` with ``authorities``):
        recorded under ``simulation`` in the manifest and stated in the brief's footer.

    Returns
    -------
    PooledOutputs
    """
    folder = Path(out)
    results_dir, figures_dir = folder / "results", folder / "figures"
    results_dir.mkdir(parents=True, exist_ok=True)
    rules = result.rules
    tables: dict[str, pd.DataFrame] = {
        "checks": result.checks,
        "effects_by_authority": result.published_effects,
        "meta_analysis": result.meta,
        "meta_regression": result.meta_regression,
        "cox_pooled": result.cox,
        "authorities": _authorities(result.characteristics, rules),
    }
    if len(result.risk_sets):
        tables["risk_sets"] = disclose_table(
            result.risk_sets, ["at_risk", "events", "competing", "censored"], rules=rules
        )
        tables["curves"] = _curves(result.curves, rules)
    tables["table1"] = _table1(result.table1, rules)
    for name, frame in tables.items():
        frame.to_csv(results_dir / f"{name}.csv", index=False)

    figures: dict[str, list[Path]] = {}
    brief_figures: list[BriefFigure] = []

    note = figure_note(data_label)  # simulated data say so on every figure

    def figure(name: str, plot: Any, title: str, caption: str, alt: str) -> None:
        if note:
            plot = with_note(plot, note)
        figures[name] = save_figure(plot, figures_dir / name)
        brief_figures.append(BriefFigure(title, caption, plot, alt))

    design = result.design
    horizon = int(design.outcome.horizons[0])
    primary = _primary(result)
    key: list[KeyNumber] = []
    shows: list[str] = []
    not_show = [
        "That early help caused any difference for a particular child, or in a particular "
        "authority not included: the prediction interval shows how much authorities differ.",
        "Anything about authorities whose packs were not pooled (see the notes).",
    ]
    if primary is not None and (primary, horizon, "risk_difference") in result.fits:
        fit = result.fits[(primary, horizon, "risk_difference")]
        pred = fit.predict().iloc[0]
        name = ESTIMATOR_NAMES.get(primary, primary)
        key.append(
            KeyNumber(
                f"Change in risk with early help by {horizon} days, pooled",
                f"{_percent(pred['estimate'])} points",
                describe_difference(pred["estimate"], pred["conf_low"], pred["conf_high"]),
                interval=f"95% CI {_percent(pred['conf_low'])} to {_percent(pred['conf_high'])} "
                f"percentage points; in a new authority {_percent(pred['pi_low'])} to "
                f"{_percent(pred['pi_high'])}",
            )
        )
        shows.append(
            f"Across {fit.k} authorities ({name}, random-effects meta-analysis): "
            + describe_difference(pred["estimate"], pred["conf_low"], pred["conf_high"])
        )
        shows.append(
            f"Between-authority differences: I² = {fit.i2:.0f}% of the variation in the "
            f"authorities' estimates is beyond chance; a new authority's effect would lie "
            f"between {_percent(pred['pi_low'])} and {_percent(pred['pi_high'])} points "
            "(95% prediction interval)."
        )
        figure(
            "forest_risk_difference",
            plot_authority_forest(
                _forest_frame(result, primary, horizon, "risk_difference", ratio=False)
            ),
            "Effect of early help in each authority",
            f"Change in the risk of escalation by {horizon} days with early help ({name}), by "
            "authority (squares sized by weight), pooled by random-effects meta-analysis "
            "(diamond) with the 95% prediction interval for a new authority (dotted).",
            "Forest plot of risk differences by authority.",
        )
    if ("cox_ps_stratified", 0, "log_hazard_ratio") in result.fits:
        figure(
            "forest_hazard_ratio",
            plot_authority_forest(
                _forest_frame(result, "cox_ps_stratified", 0, "log_hazard_ratio", ratio=True),
                scale="ratio",
            ),
            "Hazard ratio of escalation with early help, by authority",
            "Cox hazard ratios stratified by fifths of the propensity score, by authority; "
            "pooled by random effects and by adding the authorities' likelihood profiles "
            "(exact for small and zero counts).",
            "Forest plot of hazard ratios by authority.",
        )
    if not result.cox.empty:
        row = result.cox[result.cox["model"] == "ps_stratified"]
        if len(row) and np.isfinite(row["estimate"].iloc[0]):
            hr = row.iloc[0]
            key.append(
                KeyNumber(
                    "Hazard ratio of escalation with early help (pooled Cox)",
                    f"{np.exp(hr['estimate']):.2f}",
                    "Below 1 means escalation tends to come later with early help "
                    "(propensity-stratified Cox model, authorities' likelihoods added).",
                    interval=f"95% CI {np.exp(hr['conf_low']):.2f} to "
                    f"{np.exp(hr['conf_high']):.2f}",
                )
            )
    regression = result.meta_regression
    if len(regression):
        slopes = regression[
            (regression["term"] != INTERCEPT) & (~regression["moderators"].str.contains(r"\+"))
        ]
        for slope in slopes.to_dict("records"):
            low, high = float(slope["conf_low"]), float(slope["conf_high"])
            clear = low > 0 or high < 0
            what = str(slope["term"]).replace("_", " ")
            target = (
                "risk difference" if slope["estimand"] == "risk_difference" else "log hazard ratio"
            )
            sentence = (
                f"meta-regression of the {target} on the authority's {what} gives a slope of "
                f"{float(slope['estimate']):+.3g} (95% CI {low:+.3g} to {high:+.3g}, "
                f"{int(slope['k'])} authorities)."
            )
            if clear:
                shows.append(f"The effect differs with the authority's {what}: {sentence}")
            else:
                not_show.append(f"That the effect depends on the authority's {what}: {sentence}")
    if len(result.curves):
        shown = tables["curves"]
        pooled = shown[shown["authority"] == "pooled"].copy()
        pooled["group"] = pooled["group"].map(
            {"treated": "Early help", "untreated": "No early help"}
        )
        at_risk = pooled.dropna(subset=["at_risk"])[["time", "group", "at_risk"]]
        figure(
            "pooled_cumulative_incidence",
            plot_survival_curves(
                pooled.dropna(subset=["estimate"]).assign(cause=1),
                at_risk,
                kind="cumulative_incidence",
            ),
            "Escalation after the decision point, all authorities",
            "Share of children who went on to a child protection plan or care, by whether "
            "early help started within the grace period, from the authorities' risk-set "
            "tables added on their shared time grid (not adjusted).",
            "Pooled cumulative incidence of escalation by early help.",
        )
    spells = pd.to_numeric(result.characteristics["spells"], errors="coerce")
    # The number of authorities is not a count of children: it is in the text, not here.
    counts = {
        "Decision points (spells), all authorities": int(spells.sum())
        if spells.notna().all()
        else None,
    }
    limits = [
        "Each authority analysed its own records; only aggregate, disclosure-controlled "
        "statistics were pooled. Adjusted estimates rest on each authority's recorded "
        "covariates.",
        "With few authorities the between-authority variance, and so the prediction "
        "interval, is estimated imprecisely.",
        *result.notes,
    ]
    brief = Brief(
        title=f"{study_title(design)} Evidence from {len(result.authorities)} local authorities",
        question=study_question(design, between_authorities=True),
        cohort_text=cohort_sentence(
            design, where=f" in each of {len(result.authorities)} local authorities"
        )
        + " Each authority ran the same registered design and shared only aggregate "
        "statistics.",
        cohort_counts=counts,
        key_numbers=tuple(key),
        shows=tuple(shows),
        does_not_show=tuple(not_show),
        limits=tuple(limits),
        figures=tuple(brief_figures),
        disclosure=rules,
        kicker="Pooled policy brief" + (f" · {data_label}" if data_label else ""),
        subtitle=(f"{data_label}. " if data_label else "")
        + f"Authorities: {', '.join(result.authorities)}.",
        provenance=(
            f"Pooled with escalation {__version__}; design SHA-256 "
            f"{result.design_sha256[:12]}. Every output is listed in manifest.json, which also "
            "records when it was made.",
            *([simulation_sentence(simulation)] if simulation else []),
        ),
    )
    brief_path = write_brief(brief, folder / "brief.html")
    packs, input_hash = _inputs(result)
    manifest = write_manifest(
        folder,
        command=command,
        design=design,
        input_hash=input_hash,
        notes=result.notes,
        extra={
            "authorities": list(result.authorities),
            "design_sha256": result.design_sha256,
            "packs": packs,
            "disclosure": rules.to_dict(),
            **({"simulation": dict(simulation)} if simulation else {}),
        },
    )
    return PooledOutputs(folder, tables, figures, brief_path, manifest)
