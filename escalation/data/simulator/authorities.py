"""Several simulated local authorities within one design, with known truth for each.

:func:`simulate_local_authorities` draws ``k`` authorities that differ in size, base rate
of escalation, threshold for statutory action, how often early help is offered and how
well it works, and the deprivation of the families they see. Each is simulated by
:func:`~escalation.data.simulator.simulate_local_authority` (the single-authority
simulator, unchanged) with its own parameters and seed; identifiers are prefixed with
the authority code so that they stay unique when the authorities are put together, and
the children table gains the contract's optional ``la`` column.

The truth is kept for each authority (its :class:`GroundTruth`) and for the pooled
population (:class:`AuthoritiesTruth`): the marginal risks averaged over every index
spell of every authority, and the unweighted mean of the authorities' effects (the
quantity a random-effects meta-analysis targets when the authorities are a sample).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from escalation._vocabulary import spells_of
from escalation.data.history import CaseHistory
from escalation.data.simulator.config import SimulationConfig
from escalation.data.simulator.truth import Estimand, GroundTruth

if TYPE_CHECKING:
    from escalation.data.simulator import SimulatedLocalAuthority
    from escalation.timeline.spells import SpellData

__all__ = [
    "AuthoritiesTruth",
    "AuthorityVariation",
    "SimulatedAuthorities",
    "label_authority",
    "simulate_local_authorities",
]

#: Smallest authority drawn (children).
_MIN_CHILDREN: Final = 200


@dataclass(frozen=True)
class AuthorityVariation:
    """How much simulated local authorities differ from each other.

    Every authority-level parameter is drawn around the base
    :class:`~escalation.data.simulator.SimulationConfig` (its value is the centre).

    Parameters
    ----------
    size_sd : float, default 0.5
        Standard deviation of the log number of children (mean ``n_children``).
    base_rate_sd : float, default 0.3
        Standard deviation of the log multiplier of the escalation hazard (the base
        rate of escalation; the England range of children looked after is 25 to 191 per
        10,000).
    threshold_sd : float, default 0.4
        Standard deviation of the threshold for statutory action
        (``SimulationConfig.referral_threshold``, a log-odds shift).
    early_help_sd : float, default 0.6
        Standard deviation of the log-odds of early help at a closure (uptake of the
        early-help offer).
    deprivation_sd : float, default 0.3
        Standard deviation of ``SimulationConfig.deprivation``.
    effect_sd : float, default 0.15
        Standard deviation of the authority's log hazard ratio of early help that the
        characteristics below do not explain (unexplained heterogeneity).
    effect_by_offer : float, default 0.25
        Change in the log hazard ratio per unit of the authority's log-odds of early
        help above the base (positive: authorities offering early help more widely see
        smaller effects, as help reaches families who needed it less).
    effect_by_deprivation : float, default 0.0
        Change in the log hazard ratio per unit of ``deprivation``.
    """

    size_sd: float = 0.5
    base_rate_sd: float = 0.3
    threshold_sd: float = 0.4
    early_help_sd: float = 0.6
    deprivation_sd: float = 0.3
    effect_sd: float = 0.15
    effect_by_offer: float = 0.25
    effect_by_deprivation: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "size_sd",
            "base_rate_sd",
            "threshold_sd",
            "early_help_sd",
            "deprivation_sd",
            "effect_sd",
        ):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValueError(f"AuthorityVariation.{name} must be a number >= 0, got {value!r}")

    @classmethod
    def none(cls) -> AuthorityVariation:
        """Return a variation under which every authority has the base parameters."""
        return cls(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _codes(k: int) -> list[str]:
    width = max(2, len(str(k)))
    return [f"LA{i:0{width}d}" for i in range(1, k + 1)]


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


def _draw_parameters(
    k: int,
    n_children: int,
    base: SimulationConfig,
    variation: AuthorityVariation,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Return one row of parameters per authority (drawn once, in a fixed order)."""
    z = rng.standard_normal((k, 6))
    size = np.maximum(
        np.rint(n_children * np.exp(variation.size_sd * z[:, 0] - variation.size_sd**2 / 2)),
        _MIN_CHILDREN,
    ).astype(np.int64)
    base_rate = np.exp(variation.base_rate_sd * z[:, 1])
    threshold = np.clip(base.referral_threshold + variation.threshold_sd * z[:, 2], -3, 3)
    offer_shift = variation.early_help_sd * z[:, 3]
    share = 1 / (1 + np.exp(-(_logit(base.early_help_share) + offer_shift)))
    share = np.clip(share, 0.02, 0.98)
    deprivation = np.clip(base.deprivation + variation.deprivation_sd * z[:, 4], -1, 1)
    log_hr = (
        np.log(base.early_help_hazard_ratio)
        + variation.effect_by_offer * offer_shift
        + variation.effect_by_deprivation * (deprivation - base.deprivation)
        + variation.effect_sd * z[:, 5]
    )
    return pd.DataFrame(
        {
            "la": _codes(k),
            "n_children": size,
            "base_rate": base_rate,
            "escalation_scale_days": base.escalation_scale_days
            * base_rate ** (-1 / base.escalation_shape),
            "referral_threshold": threshold,
            "early_help_share": share,
            "deprivation": deprivation,
            "hazard_ratio": np.exp(log_hr),
        }
    )


def _prefixed(values: pd.Series, la: str) -> pd.Series:
    return (la + "-" + values.astype("string")).astype("string")


def label_authority(sim: SimulatedLocalAuthority, la: str) -> SimulatedLocalAuthority:
    """Return the authority with identifiers prefixed by its code and an ``la`` column.

    Parameters
    ----------
    sim : SimulatedLocalAuthority
        One simulated authority.
    la : str
        Its code (``LA01``): identifiers become ``LA01-C0000001``, so they stay unique
        when authorities are put together, and the truth's spell risks gain ``la`` too.

    Returns
    -------
    SimulatedLocalAuthority
    """
    history = sim.history
    children = history.children.copy()
    children["child_id"] = _prefixed(children["child_id"], la)
    if "family_id" in children.columns:
        children["family_id"] = _prefixed(children["family_id"], la)
    episodes = history.episodes.assign(child_id=_prefixed(history.episodes["child_id"], la))
    notes = history.notes.assign(child_id=_prefixed(history.notes["child_id"], la))
    risks = sim.truth.spell_risks.copy()
    risks["child_id"] = _prefixed(risks["child_id"], la)
    return _with_la(sim, la, children=children, episodes=episodes, notes=notes, risks=risks)


def _with_la(
    sim: SimulatedLocalAuthority,
    la: str,
    *,
    children: pd.DataFrame,
    episodes: pd.DataFrame,
    notes: pd.DataFrame,
    risks: pd.DataFrame,
) -> SimulatedLocalAuthority:
    """Return ``sim`` with these tables (identifiers prefixed) and the ``la`` columns.

    ``children`` and ``risks`` gain the ``la`` column in place.
    """
    position = list(children.columns).index("family_id") + 1 if "family_id" in children else 1
    children.insert(
        position, "la", pd.Series([la] * len(children), dtype="string", index=children.index)
    )
    risks.insert(0, "la", pd.Series([la] * len(risks), dtype="string", index=risks.index))
    truth = dataclasses.replace(sim.truth, spell_risks=risks, extra={**sim.truth.extra, "la": la})
    labelled = sim.history.with_tables(children=children, episodes=episodes, notes=notes)
    return dataclasses.replace(sim, history=labelled, truth=truth)


@dataclass(frozen=True, eq=False)
class AuthoritiesTruth:
    """The truth of several simulated authorities, each and together.

    Attributes
    ----------
    authorities : dict of str to GroundTruth
        Each authority's ground truth (its ``spell_risks`` have an ``la`` column and
        prefixed identifiers).
    characteristics : pandas.DataFrame
        One row per authority: ``la, n_children, base_rate, escalation_scale_days,
        referral_threshold, early_help_share, deprivation, hazard_ratio``.
    """

    authorities: dict[str, GroundTruth]
    characteristics: pd.DataFrame

    @property
    def spell_risks(self) -> pd.DataFrame:
        """Every authority's index spells and true risks, with an ``la`` column."""
        return pd.concat([t.spell_risks for t in self.authorities.values()], ignore_index=True)

    def by_authority(
        self, spells: SpellData | pd.DataFrame | None = None, *, estimand: Estimand = "ate"
    ) -> pd.DataFrame:
        """Return each authority's true marginal risks (see ``GroundTruth.marginal_risks``).

        Parameters
        ----------
        spells : SpellData or pandas.DataFrame, optional
            Spells with ``la``, ``child_id`` and ``time_zero`` (e.g. the pooled
            ``build_spells(...)`` or its ``spells``); default every index spell.
        estimand : {"ate", "att"}, default "ate"

        Returns
        -------
        pandas.DataFrame
            ``la, horizon, risk_treated, risk_untreated, risk_difference, risk_ratio, n,
            hazard_ratio``.
        """
        frames = []
        if spells is not None:  # only what the truth is looked up by (not every column)
            spells = spells_of(spells, function="AuthoritiesTruth.by_authority")
            keys = [c for c in ("la", "child_id", "time_zero", "treatment") if c in spells]
            spells = spells[keys]
        for la, truth in self.authorities.items():
            chosen = None if spells is None else spells[spells["la"] == la]
            if chosen is not None and chosen.empty:
                continue
            frame = truth.marginal_risks(chosen, estimand=estimand)
            frame.insert(0, "la", la)
            frame["hazard_ratio"] = truth.hazard_ratio
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def pooled(
        self, spells: SpellData | pd.DataFrame | None = None, *, estimand: Estimand = "ate"
    ) -> pd.DataFrame:
        """Return the true marginal risks of the pooled population (every spell counts once).

        Returns
        -------
        pandas.DataFrame
            ``horizon, risk_treated, risk_untreated, risk_difference, risk_ratio, n``.
        """
        if spells is not None:
            spells = spells_of(spells, function="AuthoritiesTruth.pooled")
        by = self.by_authority(spells, estimand=estimand)
        rows = []
        for horizon in sorted(by["horizon"].unique()):
            group = by[by["horizon"] == horizon]
            n = group["n"].to_numpy(dtype=float)
            rt = float(np.average(group["risk_treated"], weights=n))
            ru = float(np.average(group["risk_untreated"], weights=n))
            rows.append(
                {
                    "horizon": int(horizon),
                    "risk_treated": rt,
                    "risk_untreated": ru,
                    "risk_difference": rt - ru,
                    "risk_ratio": rt / ru if ru > 0 else np.nan,
                    "n": int(n.sum()),
                }
            )
        return pd.DataFrame(rows)

    def mean_effect(self, spells: SpellData | pd.DataFrame | None = None) -> pd.DataFrame:
        """Return the unweighted mean over authorities of their true effects.

        This is the average authority's effect, the quantity a random-effects
        meta-analysis estimates when the authorities are a sample of authorities.

        Returns
        -------
        pandas.DataFrame
            ``horizon, risk_difference, log_risk_ratio, log_hazard_ratio, authorities``.
        """
        if spells is not None:
            spells = spells_of(spells, function="AuthoritiesTruth.mean_effect")
        by = self.by_authority(spells)
        return (
            by.assign(
                log_risk_ratio=np.log(by["risk_ratio"]), log_hazard_ratio=np.log(by["hazard_ratio"])
            )
            .groupby("horizon", as_index=False)
            .agg(
                risk_difference=("risk_difference", "mean"),
                log_risk_ratio=("log_risk_ratio", "mean"),
                log_hazard_ratio=("log_hazard_ratio", "mean"),
                authorities=("la", "nunique"),
            )
        )


@dataclass(frozen=True, eq=False)
class SimulatedAuthorities:
    """Several simulated local authorities within one design.

    Attributes
    ----------
    authorities : dict of str to SimulatedLocalAuthority
        Each authority by code (``LA01``, ``LA02``, ...): its own case history (as it
        would hold it: identifiers prefixed with its code, an ``la`` column), truth and
        parameters.
    truth : AuthoritiesTruth
        Truth by authority and pooled.
    seed : int
        The random seed used.
    """

    authorities: dict[str, SimulatedLocalAuthority]
    truth: AuthoritiesTruth
    seed: int

    def __repr__(self) -> str:
        sizes = ", ".join(
            f"{la}: {len(sim.history.children):,}" for la, sim in self.authorities.items()
        )
        return f"SimulatedAuthorities({sizes}; seed={self.seed})"

    @property
    def codes(self) -> tuple[str, ...]:
        """The authority codes, in order."""
        return tuple(self.authorities)

    @property
    def characteristics(self) -> pd.DataFrame:
        """One row of true parameters per authority (see :class:`AuthoritiesTruth`)."""
        return self.truth.characteristics.copy()

    @property
    def history(self) -> CaseHistory:
        """All authorities' case histories in one (the pooled, individual-level data)."""
        parts = [s.history for s in self.authorities.values()]
        first = parts[0]
        return first.with_tables(
            children=pd.concat([p.children for p in parts], ignore_index=True),
            episodes=pd.concat([p.episodes for p in parts], ignore_index=True),
            notes=pd.concat([p.notes for p in parts], ignore_index=True),
        )


def simulate_local_authorities(
    k: int = 4,
    n_children: int = 5_000,
    seed: int = 1,
    *,
    config: SimulationConfig | None = None,
    variation: AuthorityVariation | None = None,
) -> SimulatedAuthorities:
    """Simulate ``k`` local authorities that differ, within one design, with known truth.

    Parameters
    ----------
    k : int, default 4
        Number of authorities.
    n_children : int, default 5000
        Typical number of children per authority (sizes vary around it, at least 200).
    seed : int, default 1
        Random seed: the same seed, ``k``, configuration and variation give identical
        authorities.
    config : SimulationConfig, optional
        The base parameters (centre of the authorities' parameters); the calibrated
        defaults when omitted.
    variation : AuthorityVariation, optional
        How much authorities differ; :meth:`AuthorityVariation.none` gives ``k``
        authorities with the base parameters.

    Returns
    -------
    SimulatedAuthorities

    Notes
    -----
    Authority ``j`` has its own size, escalation base rate (the Weibull scale is
    changed so the hazard is multiplied by ``base_rate``), threshold for statutory
    action, early-help share at closure, deprivation and true hazard ratio of early help
    (log-linear in its offer and deprivation plus unexplained variation). Within each
    authority the single-authority simulator's assumptions hold, so its truth is exact.

    Examples
    --------
    >>> from escalation.data.simulator import simulate_local_authorities
    >>> sims = simulate_local_authorities(3, n_children=600, seed=2)
    >>> sims.codes
    ('LA01', 'LA02', 'LA03')
    >>> bool(sims.history.children["child_id"].is_unique)
    True
    >>> sorted(sims.truth.pooled()["horizon"])
    [365, 730]
    """
    from escalation.data.simulator import simulate_with_prefix

    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a whole number of authorities >= 1, got {k!r}")
    if int(n_children) < _MIN_CHILDREN:
        raise ValueError(f"n_children must be at least {_MIN_CHILDREN}")
    base = config if config is not None else SimulationConfig()
    variation = variation if variation is not None else AuthorityVariation()
    draw, *streams = np.random.SeedSequence(int(seed)).spawn(int(k) + 1)
    rng = np.random.default_rng(draw)
    parameters = _draw_parameters(int(k), int(n_children), base, variation, rng)
    authorities: dict[str, SimulatedLocalAuthority] = {}
    for row, stream in zip(parameters.to_dict("records"), streams, strict=True):
        la = str(row["la"])
        own = dataclasses.replace(
            base,
            escalation_scale_days=float(row["escalation_scale_days"]),
            referral_threshold=float(row["referral_threshold"]),
            early_help_share=float(row["early_help_share"]),
            deprivation=float(row["deprivation"]),
            early_help_hazard_ratio=float(row["hazard_ratio"]),
        )
        local_seed = int(stream.generate_state(1)[0])
        # Identifiers made with the authority's prefix: label_authority's tables, without
        # prefixing every row's identifier afterwards.
        sim = simulate_with_prefix(int(row["n_children"]), local_seed, config=own, prefix=f"{la}-")
        authorities[la] = _with_la(
            sim,
            la,
            children=sim.history.children,
            episodes=sim.history.episodes,
            notes=sim.history.notes,
            risks=sim.truth.spell_risks,
        )
    truth = AuthoritiesTruth(
        authorities={la: s.truth for la, s in authorities.items()},
        characteristics=parameters,
    )
    return SimulatedAuthorities(authorities=authorities, truth=truth, seed=int(seed))
