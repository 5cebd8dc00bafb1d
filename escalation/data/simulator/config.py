"""Configuration of the simulated local authority: every parameter, with its default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["SimulationConfig", "simulation_record"]


@dataclass(frozen=True)
class SimulationConfig:
    """Parameters of :func:`~escalation.data.simulator.simulate_local_authority`.

    The defaults are calibrated to the England base rates of the project's domain guide
    (DfE Children in Need census and SSDA903 statistics); ``docs/simulator.md`` tabulates
    targets against achieved values.

    Parameters
    ----------
    extract_date : str, default "2024-03-31"
        The date the data are extracted; later events are not seen, open episodes have
        no end.
    history_start : str, default "2014-04-01"
        First day of the recorded history: children's first referrals fall between this
        day and the extract date, so most children have history before the index window.
    index_from, index_to : str, default "2019-04-01", "2023-03-31"
        Window of the index decision points: the first referral closed with RC8 (no
        further action) or RC9 (early help) in this window is each child's index
        closure, the decision point covered by the ground truth (the default study
        design's spells).
    family_size_probabilities : tuple of float, default (0.40, 0.32, 0.18, 0.10)
        Probability that a family has 1, 2, 3 or 4 children in the data.
    frailty_variance : float, default 0.5
        Variance of the gamma-distributed family frailty (mean 1). It multiplies the
        escalation hazard (and the re-referral rate) and is never recorded: the
        unmeasured family risk.
    disability_rate : float, default 0.07
        Share of children with a recorded disability.
    unborn_share : float, default 0.05
        Share of children first referred before birth (pre-birth referrals, 2 to 28 weeks
        before the birth date); about 2% of all referrals are then of unborn children, as
        the DfE's "unknown or unborn" share of referrals suggests.
    escalation_scale_days : float, default 5200.0
        Scale of the Weibull baseline hazard of escalation after a closure (days).
    escalation_shape : float, default 0.8
        Shape of that Weibull baseline (< 1: hazard highest just after closure).
    early_help_hazard_ratio : float, default 0.75
        True conditional hazard ratio of escalation while and after early help runs
        (from the day the early-help episode starts, for the rest of follow-up). With
        ``effect_heterogeneity`` it is the ratio of children outside the two modifier
        groups.
    effect_heterogeneity : bool, default False
        Make the effect of early help differ between children in ways their risk does not
        show (see :func:`~escalation.data.simulator.pathway.early_help_hazard_ratios`):
        no effect (hazard ratio 1) for children with a prior child protection plan, a
        prior period of care or recorded neglect (16A), who are among the highest-risk;
        a strong effect (hazard ratio ``strong_effect_hazard_ratio``) for the others
        whose assessment recorded parental mental health (4B), who are of about average
        risk. Off by default: the calibrated default has one conditional hazard ratio.
    strong_effect_hazard_ratio : float, default 0.4
        Hazard ratio of the strongly helped group when ``effect_heterogeneity`` is on.
    early_help_share : float, default 0.45
        Average probability that a closure is RC9 (early help) rather than RC8.
    confounding : float, default 1.0
        Scales how strongly measured covariates (factors, prior history, age, need,
        deprivation, disability) drive the RC9 decision; 0 makes early help randomised
        given closure.
    late_early_help : float, default 0.08
        Share of RC9 closures whose early-help episode starts after the 14-day grace
        period (21, 28, 42 or 56 days later); the rest start within 0-14 days.
    grace_days : int, default 14
        The grace period of the treatment strategy (early help started within it).
    rereferral_rate_per_year : float, default 0.38
        Rate of new (non-escalating) referrals after a closure, for a family of average
        frailty; re-referrals come at least ``min_rereferral_gap_days`` after closure.
    min_rereferral_gap_days : int, default 15
        Minimum days between a closure and the next ordinary referral.
    moved_out_rate_per_year : float, default 0.05
        Rate of moving out of the area (higher in the most deprived deciles); it depends
        only on recorded covariates, so censoring is non-informative given them.
    death_rate_per_year : float, default 0.0006
        Death rate (three times higher for disabled children); constant in time.
    referral_threshold : float, default 0.0
        The authority's threshold for statutory action: added to the log-odds of closing
        a referral after assessment (no plan, no enquiry, no care). Higher values close
        more referrals (RC8/RC9) and start fewer plans; 0 is the calibrated England
        average. Authorities differ here (see :func:`simulate_local_authorities`).
    deprivation : float, default 0.0
        Tilts the deprivation of referred families: each IMD decile's probability is
        multiplied by ``exp(deprivation * (5.5 - decile))`` (positive: more families in
        the most deprived deciles). 0 is the calibrated default.
    max_referrals : int, default 40
        Most referral cycles simulated per child (a safety limit; almost no child
        reaches it, and a pending index escalation is always realised before it).
    notes : bool, default True
        Whether to write free-text case notes (with known factor mentions).
    horizons : tuple of int, default (365, 730)
        Horizons (days after time zero) of the ground-truth risks.
    """

    extract_date: str = "2024-03-31"
    history_start: str = "2014-04-01"
    index_from: str = "2019-04-01"
    index_to: str = "2023-03-31"
    family_size_probabilities: tuple[float, float, float, float] = (0.40, 0.32, 0.18, 0.10)
    frailty_variance: float = 0.5
    disability_rate: float = 0.07
    unborn_share: float = 0.05
    escalation_scale_days: float = 5200.0
    escalation_shape: float = 0.8
    early_help_hazard_ratio: float = 0.75
    effect_heterogeneity: bool = False
    strong_effect_hazard_ratio: float = 0.4
    early_help_share: float = 0.45
    confounding: float = 1.0
    late_early_help: float = 0.08
    grace_days: int = 14
    rereferral_rate_per_year: float = 0.38
    min_rereferral_gap_days: int = 15
    moved_out_rate_per_year: float = 0.05
    death_rate_per_year: float = 0.0006
    referral_threshold: float = 0.0
    deprivation: float = 0.0
    max_referrals: int = 40
    notes: bool = True
    horizons: tuple[int, ...] = field(default=(365, 730))

    def __post_init__(self) -> None:
        probs = self.family_size_probabilities
        if len(probs) != 4 or min(probs) < 0 or abs(sum(probs) - 1) > 1e-9:
            raise ValueError("family_size_probabilities must be 4 non-negative values summing to 1")
        if self.early_help_hazard_ratio <= 0:
            raise ValueError("early_help_hazard_ratio must be positive")
        if self.strong_effect_hazard_ratio <= 0:
            raise ValueError("strong_effect_hazard_ratio must be positive")
        if not 0 < self.early_help_share < 1:
            raise ValueError("early_help_share must lie strictly between 0 and 1")
        if self.confounding < 0:
            raise ValueError("confounding must be >= 0 (0 randomises early help)")
        if not 0 <= self.late_early_help < 1:
            raise ValueError("late_early_help must lie in [0, 1)")
        if self.grace_days != 14:
            raise ValueError("grace_days is fixed at 14 (the default design's grace period)")
        if not -3 <= self.referral_threshold <= 3:
            raise ValueError("referral_threshold must lie in [-3, 3] (a log-odds shift)")
        if not -1 <= self.deprivation <= 1:
            raise ValueError("deprivation must lie in [-1, 1]")
        if self.escalation_scale_days <= 0:
            raise ValueError("escalation_scale_days must be positive")
        if not 0 <= self.unborn_share < 1:
            raise ValueError("unborn_share must lie in [0, 1)")
        if self.frailty_variance < 0:
            raise ValueError("frailty_variance must be >= 0")
        if not self.history_start < self.index_from <= self.index_to < self.extract_date:
            raise ValueError("need history_start < index_from <= index_to < extract_date")

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as a JSON-ready dictionary."""
        out = asdict(self)
        out["family_size_probabilities"] = list(self.family_size_probabilities)
        out["horizons"] = list(self.horizons)
        return out


def simulation_record(
    children: int,
    seed: int,
    config: SimulationConfig | None = None,
    *,
    authorities: int | None = None,
    variation: Any = None,
) -> dict[str, Any]:
    """Return what a manifest records of a simulated input: enough to simulate it again.

    The one record of how simulated data were made, written under ``simulation`` in the
    ``manifest.json`` of ``escalation demo`` (with ``--authorities`` too), ``escalation
    simulate`` and the numbered analysis scripts when they simulate.

    Parameters
    ----------
    children : int
        Children simulated (``n_children`` of ``simulate_local_authority``; in all, for
        several authorities; with ``authorities``, the typical number per authority,
        ``n_children`` of ``simulate_local_authorities``).
    seed : int
        The simulation's random seed.
    config : SimulationConfig, optional
        The simulation's parameters (default: the calibrated defaults).
    authorities : int, optional
        For several simulated authorities (``simulate_local_authorities``): how many.
    variation : AuthorityVariation, optional
        With ``authorities``: how they differ (default: ``AuthorityVariation()``).

    Returns
    -------
    dict
        ``simulator`` (the function that made the data), ``children``, ``seed`` and
        ``config`` (:meth:`SimulationConfig.to_dict`), JSON-ready:
        ``simulate_local_authority(children, seed, config=SimulationConfig(**config))``
        gives the same tables again. With ``authorities``, also ``authorities`` and
        ``variation``: ``simulate_local_authorities(authorities, n_children=children,
        seed=seed, config=SimulationConfig(**config),
        variation=AuthorityVariation(**variation))`` gives them again.

    Examples
    --------
    >>> record = simulation_record(500, 3)
    >>> record["children"], record["seed"], record["config"]["extract_date"]
    (500, 3, '2024-03-31')
    >>> several = simulation_record(600, 2, authorities=3)
    >>> several["authorities"], several["variation"]["effect_sd"]
    (3, 0.15)
    """
    config = config if config is not None else SimulationConfig()
    several = authorities is not None
    record: dict[str, Any] = {
        "simulator": "simulate_local_authorities" if several else "simulate_local_authority",
        "children": int(children),
        "seed": int(seed),
        "config": config.to_dict(),
    }
    if authorities is not None:
        from escalation.data.simulator.authorities import AuthorityVariation

        variation = variation if variation is not None else AuthorityVariation()
        record["authorities"] = int(authorities)
        record["variation"] = asdict(variation)
    return record


def simulation_sentence(record: Mapping[str, Any]) -> str:
    """Return the sentence a brief's footer gives on how its simulated input was made.

    Parameters
    ----------
    record : mapping
        A :func:`simulation_record`.

    Examples
    --------
    >>> simulation_sentence(simulation_record(20_000, 1))[:72]
    "The input data were simulated by escalation's simulator: 20,000 children"
    >>> simulation_sentence(simulation_record(5_000, 1, authorities=4))[57:113]
    '4 local authorities of about 5,000 children each, seed 1'
    """
    children = int(record["children"])
    if record.get("simulator") == "simulate_local_authorities":
        what = f"{int(record['authorities'])} local authorities of about {children:,} children each"
    else:
        what = f"{children:,} children"
    return (
        f"The input data were simulated by escalation's simulator: {what}, seed "
        f'{int(record["seed"])}, its settings under "simulation" in manifest.json.'
    )
