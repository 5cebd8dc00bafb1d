"""The hub: check share packs against the design, pool them, and say what pooling shows.

:func:`pool_share_packs` takes the authorities' packs and

1. checks that they ran the same design (the hash of the design without ``[data]``;
   the registered design when one is given), refusing mismatches by default;
2. meta-analyses each estimator's risk differences and (log) risk ratios at each
   horizon, and the Cox log hazard ratios, by random effects (REML, Hartung–Knapp,
   prediction intervals, I²; :func:`~escalation.federated.meta.meta_analyse`);
3. pools the Cox models from the likelihood profiles
   (:func:`~escalation.federated.profile.pool_profiles`: the Cox model stratified by
   authority, up to the profiles' interpolation error);
4. pools the curves from the risk-set tables
   (:mod:`escalation.federated.risksets`) and Table 1
   (:mod:`escalation.federated.summaries`);
5. meta-regresses the effects on authority-level characteristics (the early-help rate
   and deprivation from the packs, plus any the hub supplies): in what circumstances
   does early help work better or worse?

The result is an immutable :class:`PooledAnalysis`; :mod:`escalation.federated.outputs`
writes its tables, forest plots and pooled brief.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.causal.effects import EFFECT_COLUMNS
from escalation.compute import one_blas_thread
from escalation.design.study import StudyDesign
from escalation.disclosure import DEFAULT_RULES, DisclosureRules, disclose_observed_effects
from escalation.errors import (
    ConvergenceError,
    DesignError,
    EscalationError,
    StatisticalWarning,
)
from escalation.federated._characteristics import checked_characteristics, unmatched_notes
from escalation.federated.meta import MetaAnalysisResult, meta_analyse
from escalation.federated.pack import SharePack, design_hash
from escalation.federated.profile import pool_profiles
from escalation.federated.risksets import curves_from_risk_sets, pool_risk_sets
from escalation.federated.summaries import pool_covariate_summaries
from escalation.results import Presents, Summary, package_versions

__all__ = [
    "MODERATORS",
    "Mismatch",
    "PooledAnalysis",
    "arm_records",
    "pool_share_packs",
    "pooled_rules",
]

#: What to do with packs whose design differs from the reference.
Mismatch = Literal["refuse", "exclude", "flag"]
#: Authority-level characteristics every pack carries (moderators of meta-regression).
MODERATORS: Final = ("early_help_rate", "deprivation")
_ESTIMANDS: Final = {"risk_difference": "risk_difference", "risk_ratio": "log_risk_ratio"}
#: Columns of :attr:`PooledAnalysis.effects` (and ``effects_by_authority.csv``).
_EFFECTS: Final = ("authority", *EFFECT_COLUMNS, "conf_level")


@dataclass(frozen=True)
class PooledAnalysis(Presents):
    """Everything the hub computed from the share packs.

    Attributes
    ----------
    authorities : tuple of str
        Authorities pooled.
    design : StudyDesign
        The (common) design.
    design_sha256 : str
        Its hash.
    checks : pandas.DataFrame
        One row per pack read: ``authority, design_sha256, matches, version, pooled``.
    effects : pandas.DataFrame
        Every authority's estimates: ``authority, estimator, horizon, estimand, estimate,
        std_error, conf_low, conf_high, conf_level`` (``log_risk_ratio`` and ``log_hazard_ratio`` on
        the log scale), as in the packs: what the meta-analyses pool.
    meta : pandas.DataFrame
        Random-effects pooled estimates: ``estimator, horizon, estimand, k, estimate,
        std_error, conf_low, conf_high, pi_low, pi_high, conf_level, tau2, i2, q,
        q_p_value``.
    meta_regression : pandas.DataFrame
        Coefficients of the meta-regressions: ``estimator, horizon, estimand,
        moderators, term, estimate, std_error, conf_low, conf_high, conf_level, p_value, k,
        tau2``.
    cox : pandas.DataFrame
        Cox log hazard ratios pooled from the likelihood profiles (``model, estimate,
        std_error, conf_low, conf_high, conf_level, authorities, method``).
    curves : pandas.DataFrame
        Cumulative incidence of escalation by arm from the risk-set tables:
        ``authority`` (``"pooled"`` for the pooled curve), ``group, time, estimate,
        std_error, conf_low, conf_high, conf_level, at_risk``.
    risk_sets : pandas.DataFrame
        The pooled risk-set table.
    table1 : pandas.DataFrame
        The pooled covariate summaries (see
        :func:`~escalation.federated.summaries.pool_covariate_summaries`).
    characteristics : pandas.DataFrame
        Authority-level characteristics (moderators), one row per authority.
    notes : tuple of str
        Mismatches flagged, withheld or folded cells, analyses not run and why.
    fits : dict
        The :class:`MetaAnalysisResult` behind each row of :attr:`meta`, by key
        ``(estimator, horizon, estimand)``.
    rules : DisclosureRules
        The rules the hub's published outputs follow: the strictest of the pooled packs'
        and the registered design's (:func:`pooled_rules`).
    inputs : tuple of dict
        Each pack given: ``authority``, ``file`` and ``sha256`` (of the file read; ``None``
        for a pack built in memory), ``escalation_version`` and whether it was ``pooled``.
    published_effects : pandas.DataFrame
        :attr:`effects` as the hub publishes them (``effects_by_authority.csv``), under
        :attr:`rules`: each authority's observed (unadjusted) risks are disclosed counts
        over its disclosed arm sizes and its observed contrasts are made from them
        (:func:`~escalation.disclosure.disclose_observed_effects`); at full precision a
        risk difference and ratio give both risks, and so the exact escalations, back.
    """

    authorities: tuple[str, ...]
    design: StudyDesign
    design_sha256: str
    checks: pd.DataFrame
    effects: pd.DataFrame
    meta: pd.DataFrame
    meta_regression: pd.DataFrame
    cox: pd.DataFrame
    curves: pd.DataFrame
    risk_sets: pd.DataFrame
    table1: pd.DataFrame
    characteristics: pd.DataFrame
    notes: tuple[str, ...] = ()
    fits: dict[tuple[str, int, str], MetaAnalysisResult] = field(
        default_factory=dict, repr=False, compare=False
    )
    rules: DisclosureRules = DEFAULT_RULES
    inputs: tuple[dict[str, object], ...] = ()
    published_effects: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(_EFFECTS))
    )

    def tidy(self) -> pd.DataFrame:
        """Return the random-effects pooled estimates (:attr:`meta`)."""
        return self.meta.copy()

    def glance(self) -> pd.DataFrame:
        """Return one row: authorities, design hash, notes, versions."""
        return pd.DataFrame(
            [
                {
                    "authorities": len(self.authorities),
                    "design_sha256": self.design_sha256,
                    "method": "random-effects meta-analysis (REML, Hartung-Knapp)",
                    "notes": len(self.notes),
                    **package_versions(),
                }
            ]
        )

    def summary(self) -> Summary:
        """Return a printable summary (never prints)."""
        return Summary(
            "Pooled analysis of share packs",
            {
                "authorities": ", ".join(self.authorities),
                "design SHA-256": self.design_sha256[:12],
            },
            self.tidy(),
            self.notes,
        )


def _majority_design(packs: Sequence[SharePack]) -> str:
    """Return the design hash more than half the packs used.

    Raises
    ------
    DesignError
        When no design was used by a strict majority of the packs (a tie, or a spread):
        the hub does not pick one, it lists each design's hash with its authorities and
        asks for the registered design (``--design``).
    """
    by_hash: dict[str, list[str]] = {}
    for pack in packs:
        by_hash.setdefault(pack.design_hash, []).append(pack.authority)
    top, members = max(by_hash.items(), key=lambda item: len(item[1]))
    if 2 * len(members) > len(packs):
        return top
    listing = "; ".join(
        f"{digest[:12]}: {', '.join(sorted(codes))}" for digest, codes in sorted(by_hash.items())
    )
    raise DesignError(
        f"no design was used by most of the {len(packs)} share packs (SHA-256 {listing}): "
        "give the registered design (--design, or design=...) to check them against"
    )


def _pack_files(packs: Sequence[SharePack]) -> str:
    """Return ``a.zip, b.zip`` for packs read from files, saying when two are the same file."""
    names = [p.file or "a pack built in memory" for p in packs]
    digests = [p.sha256 for p in packs if p.sha256 is not None]
    same = len(digests) == len(packs) and len(set(digests)) == 1
    return ", ".join(names) + (": the same bytes, given twice" if same else "")


def _check_designs(
    packs: Sequence[SharePack], design: StudyDesign | None, on_mismatch: Mismatch
) -> tuple[list[SharePack], pd.DataFrame, str, list[str]]:
    notes: list[str] = []
    codes = [p.authority for p in packs]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        listing = "; ".join(
            f"{code} ({_pack_files([p for p in packs if p.authority == code])})"
            for code in duplicated
        )
        raise DesignError(f"several packs come from authority {listing}; give one pack each")
    if design is not None:
        reference = design_hash(design)
        source = "the registered design"
    else:
        reference = _majority_design(packs)
        source = "the design most packs used"
    matches = [p.design_hash == reference for p in packs]
    checks = pd.DataFrame(
        {
            "authority": codes,
            "design_sha256": [p.design_hash for p in packs],
            "matches": matches,
            "version": [p.version for p in packs],
        }
    )
    wrong = [c for c, ok in zip(codes, matches, strict=True) if not ok]
    if wrong:
        message = (
            f"the share pack(s) of {', '.join(wrong)} used a different design from {source} "
            f"(SHA-256 {reference[:12]})"
        )
        if on_mismatch == "refuse":
            raise DesignError(
                f"{message}; every authority must run the same registered design. Re-run "
                "escalation share there with it, or pool with --on-mismatch exclude/flag"
            )
        if on_mismatch == "exclude":
            notes.append(f"{message}: left out of the pooled analysis.")
        else:
            notes.append(f"{message}: pooled anyway, as asked; read the results with care.")
    kept = [p for p, ok in zip(packs, matches, strict=True) if ok or on_mismatch == "flag"]
    checks["pooled"] = [ok or on_mismatch == "flag" for ok in matches]
    pooled_versions = checks.loc[checks["pooled"], "version"]
    versions = sorted(set(pooled_versions))
    if len(versions) > 1:
        notes.append(f"Packs were made with different escalation versions ({', '.join(versions)}).")
    if not kept:
        raise DesignError("no share pack matches the design: nothing to pool")
    return kept, checks, reference, notes


def _effects(packs: Sequence[SharePack], rules: DisclosureRules | None = None) -> pd.DataFrame:
    """Return every pack's estimates (``rules``: as published, see ``published_effects``)."""
    frames = []
    for pack in packs:
        table = pack.tables["effects"]
        if table.empty:
            continue
        if rules is not None:
            table = disclose_observed_effects(table, arm_records(_arm_sizes(pack)), rules)
        rows = table[table["estimand"].isin(list(_ESTIMANDS))].copy()
        rr = rows["estimand"] == "risk_ratio"
        rows.loc[rr, "estimate"] = rows.loc[rr, "log_estimate"]
        rows.loc[rr, "std_error"] = rows.loc[rr, "log_std_error"]
        # Not inlined in np.log: there mypy checks the .loc overloads again for each
        # overload of np.log (seconds of a fresh clone's type check).
        low = rows.loc[rr, "conf_low"]
        high = rows.loc[rr, "conf_high"]
        rows.loc[rr, "conf_low"] = np.log(low)
        rows.loc[rr, "conf_high"] = np.log(high)
        rows["estimand"] = rows["estimand"].map(_ESTIMANDS)
        rows.insert(0, "authority", pack.authority)
        frames.append(rows)
        ratios = pack.tables["hazard_ratios"]
        if not ratios.empty:
            frames.append(
                pd.DataFrame(
                    {
                        "authority": pack.authority,
                        "estimator": "cox_" + ratios["model"].astype(str),
                        "horizon": 0,
                        "estimand": "log_hazard_ratio",
                        "estimate": ratios["estimate"],
                        "std_error": ratios["std_error"],
                        "conf_low": ratios["conf_low"],
                        "conf_high": ratios["conf_high"],
                        # a pack written before the column: its intervals were at fit_cox's 95%
                        "conf_level": ratios.get("conf_level", 0.95),
                    }
                )
            )
    columns = [*_EFFECTS]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def _arm_sizes(pack: SharePack) -> dict[str, int]:
    """Return the spells of each arm of a pack: at risk at the start of its risk sets."""
    table = pack.tables["risk_sets"]
    if table.empty:
        return {}
    first = table.sort_values("interval_start", kind="stable").drop_duplicates("group")
    at_risk = pd.to_numeric(first["at_risk"], errors="coerce")
    return {str(g): int(n) for g, n in zip(first["group"], at_risk, strict=True) if pd.notna(n)}


def arm_records(sizes: Mapping[str, float]) -> pd.DataFrame:
    """Return one record (``group``) per spell of arms of the given sizes.

    What :func:`~escalation.disclosure.disclose_curve_shares` and
    :func:`~escalation.disclosure.disclose_observed_effects` count the arm sizes from,
    for tables (risk sets) that give only the sizes.

    Examples
    --------
    >>> arm_records({"treated": 2, "untreated": 1})["group"].tolist()
    ['treated', 'treated', 'untreated']
    """
    return pd.DataFrame({"group": np.repeat(list(sizes), [int(v) for v in sizes.values()])})


def _gaps(rows: pd.DataFrame) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Return which rows have no estimate, and which have one but no usable standard error."""
    estimate = rows["estimate"].to_numpy(float)
    se = rows["std_error"].to_numpy(float)
    no_estimate = ~np.isfinite(estimate)
    return no_estimate, ~no_estimate & ~(np.isfinite(se) & (se > 0))


def _usable(rows: pd.DataFrame) -> pd.DataFrame:
    """Return the rows with an estimate and a positive standard error: what is pooled."""
    no_estimate, no_se = _gaps(rows)
    out: pd.DataFrame = rows.loc[~(no_estimate | no_se)]
    return out


def _unusable(rows: pd.DataFrame, bootstrap: int) -> dict[str, list[str]]:
    """Return the authorities whose estimate cannot be pooled, by reason.

    ``bootstrap`` is the design's number of replicates: with none, an estimator whose
    standard error comes from the bootstrap has none, and the reason says so.
    """
    no_estimate, no_se = _gaps(rows)
    codes = rows["authority"].astype(str).to_numpy()
    cox = rows["estimator"].astype(str).str.startswith("cox_").to_numpy()
    hint = " ([estimation] bootstrap = 0)" if bootstrap == 0 and not cox.all() else ""
    reasons = {"no estimate": no_estimate, f"no standard error{hint}": no_se}
    return {reason: codes[where].tolist() for reason, where in reasons.items() if where.any()}


def _listed_by_reason(reasons: Mapping[str, Sequence[str]]) -> str:
    """Return ``reason: A, B; reason: C``."""
    return "; ".join(f"{reason}: {', '.join(codes)}" for reason, codes in reasons.items())


def _characteristics(
    packs: Sequence[SharePack],
    extra: pd.DataFrame | None,
    moderators: Sequence[str],
    notes: list[str],
) -> pd.DataFrame:
    frame = pd.concat([p.tables["authority"] for p in packs], ignore_index=True)
    frame["authority"] = frame["authority"].astype(str)
    if extra is not None:
        extra = checked_characteristics(extra, moderators)
        notes.extend(unmatched_notes(extra, frame["authority"].tolist()))
        clash = [c for c in extra.columns if c in frame.columns and c != "authority"]
        frame = frame.drop(columns=clash).merge(extra, on="authority", how="left")
    return frame


def _meta_rows(
    effects: pd.DataFrame, notes: list[str], bootstrap: int
) -> tuple[pd.DataFrame, dict[tuple[str, int, str], MetaAnalysisResult]]:
    rows, fits = [], {}
    for (estimator, horizon, estimand), part in effects.groupby(
        ["estimator", "horizon", "estimand"], sort=False
    ):
        usable = _usable(part)
        key = (str(estimator), int(str(horizon)), str(estimand))
        left_out = _listed_by_reason(_unusable(part, bootstrap))
        if len(usable) < 2:
            notes.append(
                f"{estimator} {estimand} at {horizon} days: fewer than two authorities with an "
                f"estimate and a standard error ({len(usable)} of {len(part)}); not pooled. "
                f"Left out: {left_out}."
            )
            continue
        if left_out:
            notes.append(
                f"{estimator} {estimand} at {horizon} days: pooled {len(usable)} of "
                f"{len(part)} authorities. Left out: {left_out}."
            )
        try:
            fit = meta_analyse(
                usable["estimate"],
                usable["std_error"],
                studies=usable["authority"].astype(str).tolist(),
            )
        except ConvergenceError as error:
            notes.append(f"{estimator} {estimand} at {horizon} days: not pooled ({error}).")
            continue
        fits[key] = fit
        pred = fit.predict().iloc[0]
        rows.append(
            {
                "estimator": key[0],
                "horizon": key[1],
                "estimand": key[2],
                "k": fit.k,
                "estimate": float(pred["estimate"]),
                "std_error": float(pred["std_error"]),
                "conf_low": float(pred["conf_low"]),
                "conf_high": float(pred["conf_high"]),
                "pi_low": float(pred["pi_low"]),
                "pi_high": float(pred["pi_high"]),
                "conf_level": fit.conf_level,
                "tau2": fit.tau2,
                "i2": fit.i2,
                "q": fit.q,
                "q_p_value": fit.q_p_value,
            }
        )
    return pd.DataFrame(rows), fits


def _meta_regression(
    effects: pd.DataFrame,
    characteristics: pd.DataFrame,
    moderators: Sequence[str],
    targets: Sequence[tuple[str, int, str]],
    notes: list[str],
    bootstrap: int,
) -> pd.DataFrame:
    rows = []
    for estimator, horizon, estimand in targets:
        part = effects[
            (effects["estimator"] == estimator)
            & (effects["horizon"] == horizon)
            & (effects["estimand"] == estimand)
        ]
        unusable = _unusable(part, bootstrap)
        data = _usable(part).merge(characteristics, on="authority", how="left")
        sets: list[tuple[str, ...]] = [(m,) for m in moderators]
        if len(moderators) > 1:
            sets.append(tuple(moderators))
        for chosen in sets:
            have = data.dropna(subset=list(chosen))
            label = (
                f"meta-regression of {estimator} {estimand} at {horizon} days on "
                f"{' + '.join(chosen)}"
            )
            left_out = _listed_by_reason({**unusable, **_without_values(data, chosen)})
            if left_out:
                notes.append(f"{label}: left out: {left_out}.")
            if len(have) < len(chosen) + 2:
                notes.append(
                    f"{label}: {len(have)} authorities with an estimate, a standard error and "
                    f"these characteristics are too few (needs {len(chosen) + 2}); not run."
                )
                continue
            try:
                fit = meta_analyse(
                    have["estimate"],
                    have["std_error"],
                    moderators=have[list(chosen)],
                    studies=have["authority"].astype(str).tolist(),
                )
            except EscalationError as error:
                notes.append(f"{label}: not run ({error}).")
                continue
            for term in fit.tidy().itertuples(index=False):
                rows.append(
                    {
                        "estimator": estimator,
                        "horizon": horizon,
                        "estimand": estimand,
                        "moderators": " + ".join(chosen),
                        "term": term.term,
                        "estimate": term.estimate,
                        "std_error": term.std_error,
                        "conf_low": term.conf_low,
                        "conf_high": term.conf_high,
                        "conf_level": fit.conf_level,
                        "p_value": term.p_value,
                        "k": fit.k,
                        "tau2": fit.tau2,
                    }
                )
    return pd.DataFrame(rows)


def _without_values(data: pd.DataFrame, chosen: Sequence[str]) -> dict[str, list[str]]:
    """Return the authorities without a value of each chosen characteristic."""
    codes = data["authority"].astype(str)
    missing = {f"no value of {c}": codes[data[c].isna()].tolist() for c in chosen}
    return {reason: listed for reason, listed in missing.items() if listed}


def _curves(packs: Sequence[SharePack], notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    tables = {p.authority: p.tables["risk_sets"] for p in packs if not p.tables["risk_sets"].empty}
    if not tables:
        notes.append("No authority could share a risk-set table: no pooled curves.")
        return pd.DataFrame(), pd.DataFrame()
    withheld = [p.authority for p in packs if p.authority not in tables]
    if withheld:
        notes.append(
            f"Risk-set tables of {', '.join(withheld)} were withheld (too few escalations): "
            "the pooled curves leave them out."
        )
    arms = {a: set(t["group"]) for a, t in tables.items()}
    incomplete = sorted(a for a, g in arms.items() if g != {"treated", "untreated"})
    if incomplete:
        notes.append(
            f"An arm's risk-set table was withheld in {', '.join(incomplete)}: they are left "
            "out of the pooled curves."
        )
        tables = {a: t for a, t in tables.items() if a not in incomplete}
    if not tables:
        return pd.DataFrame(), pd.DataFrame()
    folded = sorted(a for a, t in tables.items() if t["competing"].isna().any())
    if folded:
        notes.append(
            f"Competing events were too few to share by interval in {', '.join(folded)} and "
            "are counted with the censored there; pooled curves treat them as censored."
        )
    pooled, _ = pool_risk_sets(tables)
    curves = [curves_from_risk_sets(pooled).assign(authority="pooled")]
    for authority, table in tables.items():
        curves.append(curves_from_risk_sets(table).assign(authority=authority))
    frame = pd.concat(curves, ignore_index=True)
    columns = ["authority", *[c for c in frame.columns if c != "authority"]]
    return frame[columns], pooled


def pooled_rules(packs: Sequence[SharePack], design: StudyDesign | None = None) -> DisclosureRules:
    """Return the strictest of the packs' disclosure rules (and the registered design's).

    Packs of one design share its ``[disclosure]`` rules; when packs of other designs are
    pooled (``on_mismatch="flag"``), the hub publishes under the highest threshold and the
    coarsest rounding any of them, or the registered design, asks for.

    Examples
    --------
    >>> pooled_rules([], None)
    DisclosureRules(threshold=10, rounding=5)
    """
    every = [p.rules for p in packs]
    if design is not None:
        every.append(DisclosureRules.from_design(design))
    if not every:
        return DEFAULT_RULES
    return DisclosureRules(max(r.threshold for r in every), max(r.rounding for r in every))


@one_blas_thread
def pool_share_packs(
    packs: Sequence[SharePack],
    *,
    design: StudyDesign | None = None,
    on_mismatch: Mismatch = "refuse",
    characteristics: pd.DataFrame | None = None,
    moderators: Sequence[str] = MODERATORS,
) -> PooledAnalysis:
    """Check and pool authorities' share packs.

    Parameters
    ----------
    packs : sequence of SharePack
        One per authority (see :func:`~escalation.federated.pack.read_share_pack`).
    design : StudyDesign, optional
        The registered design every pack must have used (default: the design more than
        half the packs used; with none such, a :class:`DesignError` lists the designs
        and their authorities).
    on_mismatch : {"refuse", "exclude", "flag"}, default "refuse"
        A pack whose design differs: stop with an error, leave it out with a note, or
        pool it with a note.
    characteristics : pandas.DataFrame, optional
        Further authority-level characteristics (an ``authority`` column and numeric
        columns) for meta-regression; they replace pack columns of the same name.
    moderators : sequence of str, default ``("early_help_rate", "deprivation")``
        Characteristics to meta-regress on (each alone, then together).

    Returns
    -------
    PooledAnalysis

    Raises
    ------
    DesignError
        No packs, two packs from one authority, or (with ``"refuse"``) a design mismatch.
    DataValidationError
        ``characteristics`` has a row without an authority code, lists an authority on
        more than one row, or holds a moderator that is not a number (naming table
        ``characteristics``, each row as a spreadsheet shows it, the column, the value
        and the authority).
    """
    if on_mismatch not in get_args(Mismatch):
        raise DesignError(f"on_mismatch must be one of {get_args(Mismatch)}, got {on_mismatch!r}")
    if not packs:
        raise DesignError("no share packs to pool")
    kept, checks, reference, notes = _check_designs(packs, design, on_mismatch)
    chosen_design = design if design is not None else kept[0].design
    for pack in kept:
        for row in pack.tables["disclosure"].itertuples(index=False):
            if row.table == "effects" and row.item in ("treated", "untreated"):
                notes.append(f"{pack.authority}: effect estimates withheld ({row.action}).")
    effects = _effects(kept)
    rules = pooled_rules(kept, design)
    bootstrap = chosen_design.estimation.bootstrap
    meta, fits = _meta_rows(effects, notes, bootstrap)
    extra = characteristics
    table = _characteristics(kept, extra, moderators, notes)
    missing = [m for m in moderators if m not in table.columns]
    if missing:
        raise DesignError(
            f"moderator(s) {', '.join(missing)} are not authority characteristics; available: "
            f"{', '.join(c for c in table.columns if c != 'authority')}"
        )
    primary = _primary_estimator(chosen_design, effects)
    targets = [(primary, int(h), "risk_difference") for h in chosen_design.outcome.horizons[:1]]
    targets.append(("cox_ps_stratified", 0, "log_hazard_ratio"))
    regression = _meta_regression(effects, table, list(moderators), targets, notes, bootstrap)
    cox_rows = []
    for model in ("unadjusted", "ps_stratified"):
        profiles = [p.profiles()[model] for p in kept if model in p.profiles()]
        if len(profiles) < len(kept):
            notes.append(
                f"Cox model {model}: {len(kept) - len(profiles)} pack(s) lack its profile."
            )
        if not profiles:
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", StatisticalWarning)
            pooled = pool_profiles(profiles)
        notes.extend(str(w.message) for w in caught)
        cox_rows.append(pooled.tidy())
    cox = pd.concat(cox_rows, ignore_index=True) if cox_rows else pd.DataFrame()
    curves, risk_sets = _curves(kept, notes)
    table1 = pool_covariate_summaries({p.authority: p.tables["covariates"] for p in kept})
    return PooledAnalysis(
        authorities=tuple(p.authority for p in kept),
        design=chosen_design,
        design_sha256=reference,
        checks=checks,
        effects=effects,
        meta=meta,
        meta_regression=regression,
        cox=cox,
        curves=curves,
        risk_sets=risk_sets,
        table1=table1,
        characteristics=table,
        notes=tuple(dict.fromkeys(notes)),
        fits=fits,
        rules=rules,
        inputs=tuple(
            {
                "authority": p.authority,
                "file": p.file,
                "sha256": p.sha256,
                "escalation_version": p.version,
                "pooled": any(p is k for k in kept),
            }
            for p in packs
        ),
        published_effects=_effects(kept, rules),
    )


def _primary_estimator(design: StudyDesign, effects: pd.DataFrame) -> str:
    present = set(effects["estimator"])
    for name in ("aipw", "ipw", "gformula", "unadjusted", "ccw"):
        if name in design.estimation.estimators and name in present:
            return name
    return str(design.estimation.estimators[0])
