"""Ground truth of the simulated local authority: true risks, effects and note mentions.

The estimand
------------
For each index decision point (a child's first referral closure with RC8 or RC9 in the
index window) and horizon ``h`` (days), the true risk is the cumulative incidence of
escalation (the first CP plan or period of care) by ``h`` days after time zero, with
death competing, in a hypothetical world without censoring (no moving out, follow-up
past age 18 and past the extract date), under two strategies that match the default
study design's treatment (early help starting within the 14-day grace period):

``treated``
    early help starts within the grace period, on day ``d`` after time zero with the
    simulator's delay distribution ``P(d = j) = 0.4 * 0.6**j`` (j = 0..13, the rest on
    day 14);
``untreated``
    early help does not start within the grace period; usual care thereafter, which
    (as in the data) means no early help for RC8 closures and a late start
    (day 21, 28, 42 or 56) for the late-starting share of RC9 closures. This is the
    natural course of the design's untreated arm, ``E[Y | A = 0, X]`` averaged over
    ``X``; ``risk_never_<h>`` gives the risk with no early help at all.

Risks are exact given the data-generating process: with escalation hazard
``rate * h0(t) * HR**1{t >= d}`` (Weibull ``h0``) and constant death hazard ``mu``,
``F(h) = exp(-mu h) G(h) + mu * integral_0^h exp(-mu t) G(t) dt`` with
``G = 1 - exp(-cumulative escalation hazard)`` (integration by parts); the integral is
evaluated by Gauss-Legendre quadrature on each piece (absolute error below 1e-6,
checked against a fine grid in the tests), not by
simulation. ``rate`` includes the unmeasured family frailty, so ``risk_observed_<h>``
(the risk under the decision the child actually got, including its early-help delay) is
the oracle a predictive model could at best reach.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._top_share import tie_keys, top_cut, top_weights
from escalation._vocabulary import spells_of
from escalation.data.simulator.config import SimulationConfig
from escalation.data.simulator.pathway import (
    GRACE_DELAY_P,
    IndexSpells,
    draw_escalation,
    weibull_cumhaz,
)

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "Estimand",
    "GroundTruth",
    "grace_delay_weights",
    "potential_escalation_times",
    "spell_risks",
]

FloatArray = npt.NDArray[np.float64]
Estimand = Literal["ate", "att"]

LATE_DELAYS: Final = (21.0, 28.0, 42.0, 56.0)
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(8)
#: The largest node: a piece's last quadrature point, ``(high - low) / 2 * _NODE_MAX +
#: (high + low) / 2``, is the largest of its points (rounding keeps the order).
_NODE_MAX: Final = float(_NODES.max())


def grace_delay_weights(grace_days: int = 14) -> FloatArray:
    """Probabilities of an early-help start on day 0..grace_days after an RC9 closure."""
    j = np.arange(grace_days + 1, dtype=np.float64)
    w = GRACE_DELAY_P * (1 - GRACE_DELAY_P) ** j
    w[-1] = (1 - GRACE_DELAY_P) ** grace_days
    out: FloatArray = w
    return out


def _pieces(delay: float, horizon: float) -> list[tuple[float, float]]:
    """Return the pieces ``(low, high)`` of the integral to ``horizon`` (split at ``delay``)."""
    if np.isfinite(delay) and 0 < delay < horizon:
        return [(0.0, float(delay)), (float(delay), float(horizon))]
    return [(0.0, float(horizon))]


class _RiskTerms:
    """The terms of :func:`_risk` for one set of spells, each computed once.

    The integral's piece before early help starts, ``(0, delay)``, is the same at every
    horizon, so it is kept and reused; a hazard ratio common to all spells is applied to
    the quadrature nodes once instead of to every spell, and ``exp(-mu t)`` once per
    distinct death rate. Every number comes from the same floating-point operations as
    when computed term by term.

    Parameters
    ----------
    rate, mu : numpy.ndarray
        Each spell's escalation hazard multiplier and death hazard per day.
    config : SimulationConfig
        The baseline hazard and default hazard ratio.
    hazard_ratio : numpy.ndarray, optional
        Each spell's hazard ratio under early help (default
        ``config.early_help_hazard_ratio`` for all).
    """

    def __init__(
        self,
        rate: FloatArray,
        mu: FloatArray,
        config: SimulationConfig,
        hazard_ratio: FloatArray | None = None,
    ) -> None:
        ratio = config.early_help_hazard_ratio if hazard_ratio is None else hazard_ratio
        hr = np.broadcast_to(np.asarray(ratio, dtype=np.float64), np.shape(rate))
        common = hr.size > 0 and bool(np.all(hr == hr.flat[0]))
        self.hr: np.float64 | FloatArray = hr.flat[0] if common else hr[:, None]
        self.rate = np.asarray(rate, dtype=np.float64)
        self.neg_rate = -self.rate
        self.mu = np.asarray(mu, dtype=np.float64)
        self.neg_mu = -self.mu
        # Death rates take few values (the simulator's two): exp(-mu t) per value.
        self.levels, level = np.unique(self.neg_mu, return_inverse=True)
        self.level = level.reshape(-1)
        self.at: dict[float, np.float64] = {}  # baseline cumulative hazard at each delay
        self.config = config
        self.kept: dict[tuple[float, float, float | None], FloatArray] = {}
        # By horizon: the horizon as an array, its baseline cumulative hazard, exp(-mu h).
        self.ends: dict[float, tuple[FloatArray, FloatArray, FloatArray]] = {}

    def _neg_cumhaz(
        self, t: FloatArray, delay: float | None, base: FloatArray | None = None
    ) -> FloatArray:
        """Minus each spell's cumulative hazard at ``t`` (early help from ``delay``).

        ``base`` is ``weibull_cumhaz(t)`` when already known.
        """
        base = weibull_cumhaz(t, self.config) if base is None else base
        if delay is None:
            out: FloatArray = self.neg_rate[:, None] * base[None, :]
            return out
        if delay not in self.at:
            self.at[delay] = weibull_cumhaz(np.asarray([delay]), self.config)[0]
        at = self.at[delay]
        after = at + self.hr * (base - at)
        later = t > delay
        scaled = after if later.all() else np.where(later, after, base)
        out = self.neg_rate[:, None] * scaled  # (spells, len(t)): scaled is (len(t),) or that
        return out

    def _switch(self, last: float, delay: float, horizon: float) -> float | None:
        """``delay`` when early help changes the hazard at some times up to ``last``."""
        if math.isfinite(delay) and delay < horizon and last > delay:
            return delay
        return None

    def _piece(self, low: float, high: float, delay: float, horizon: float) -> FloatArray:
        """Gauss-Legendre sum over ``(low, high)`` of ``exp(-mu t) G(t)`` (unscaled)."""
        half, middle = (high - low) / 2, (high + low) / 2
        switch = self._switch(half * _NODE_MAX + middle, delay, horizon)
        key = (low, high, switch)
        if key not in self.kept:
            t = half * _NODES + middle
            # decay * (1 - exp(-H)), made in one buffer (the same operations in place).
            terms = np.exp(self._neg_cumhaz(t, switch))
            np.subtract(1, terms, out=terms)
            if len(self.levels) * 4 <= len(self.mu):
                decay = np.exp(np.multiply.outer(self.levels, t)).take(self.level, axis=0)
            else:
                decay = np.exp(np.multiply.outer(self.neg_mu, t))
            np.multiply(decay, terms, out=terms)
            self.kept[key] = terms @ _WEIGHTS
        return self.kept[key]

    def risk(self, delay: float, horizon: float) -> FloatArray:
        """Cumulative incidence of escalation by ``horizon`` with early help from ``delay``."""
        if horizon not in self.ends:
            end = np.asarray([float(horizon)])
            self.ends[horizon] = (end, weibull_cumhaz(end, self.config), np.exp(-self.mu * horizon))
        end, base, survival = self.ends[horizon]
        switch = self._switch(float(horizon), delay, horizon)
        g_h = 1 - np.exp(self._neg_cumhaz(end, switch, base)[:, 0])
        integral = np.zeros_like(self.rate)
        for low, high in _pieces(delay, horizon):
            integral += (high - low) / 2 * self._piece(low, high, delay, horizon)
        out: FloatArray = survival * g_h + self.mu * integral
        return out


def _risk(
    rate: FloatArray,
    mu: FloatArray,
    delay: float,
    horizon: float,
    config: SimulationConfig,
    hazard_ratio: FloatArray | None = None,
) -> FloatArray:
    """Cumulative incidence of escalation by ``horizon`` with early help from ``delay``.

    ``hazard_ratio`` is each child's hazard ratio under early help (default
    ``config.early_help_hazard_ratio`` for all).
    """
    return _RiskTerms(rate, mu, config, hazard_ratio).risk(delay, horizon)


def spell_risks(index: IndexSpells, config: SimulationConfig) -> dict[str, FloatArray]:
    """Return the true risks of each index spell at each horizon (see the module docstring)."""
    grace_w = grace_delay_weights(config.grace_days)
    grace_w = grace_w / grace_w.sum()
    p, q = index.propensity, config.late_early_help
    w_late = p * q / (1 - p + p * q)
    out: dict[str, FloatArray] = {}
    delays = [*range(config.grace_days + 1), *LATE_DELAYS]
    terms = _RiskTerms(index.rate, index.death_rate, config, index.hazard_ratio)
    # The risk each spell's actual delay picks: 0 never (no delay matches), else 1 + the
    # delay's position (one gather per horizon, not one selection per delay).
    hits = index.delay[:, None] == np.asarray(delays, dtype=np.float64)[None, :]
    pick = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, 0)
    spells = np.arange(len(pick))
    for h in config.horizons:
        by_delay = {d: terms.risk(float(d), h) for d in delays}
        never = terms.risk(np.inf, h)
        treated = sum(
            w * by_delay[d] for d, w in zip(range(config.grace_days + 1), grace_w, strict=True)
        )
        late = sum(by_delay[d] for d in LATE_DELAYS) / len(LATE_DELAYS)
        untreated = (1 - w_late) * never + w_late * late
        observed = np.stack([never, *(by_delay[d] for d in delays)])[pick, spells]
        out[f"risk_treated_{h}"] = np.asarray(treated, dtype=np.float64)
        out[f"risk_untreated_{h}"] = np.asarray(untreated, dtype=np.float64)
        out[f"risk_observed_{h}"] = observed
        out[f"risk_never_{h}"] = never
    return out


def potential_escalation_times(
    index: IndexSpells, config: SimulationConfig, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Draw both potential escalation times of each index spell with common random numbers.

    The uniform behind the escalation actually drawn is reused under each strategy, so the
    time under the strategy the child actually followed is the observed one. Under
    ``treated`` the early-help delay is the actual one when it fell within the grace
    period, otherwise a fresh draw from the grace-period delays; under ``untreated`` it is
    the actual one when it did not (none, or late), otherwise a late start with the
    probability of the untreated arm's natural course, else none.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Days from time zero to escalation under ``treated`` and ``untreated``
        (continuous; ``inf`` when never).
    """
    n = len(index.child)
    grace = config.grace_days
    weights = grace_delay_weights(grace)
    fresh_grace = rng.choice(grace + 1, size=n, p=weights / weights.sum()).astype(np.float64)
    p, q = index.propensity, config.late_early_help
    w_late = p * q / (1 - p + p * q)
    fresh_late = np.where(
        rng.random(n) < w_late, rng.choice(np.asarray(LATE_DELAYS), size=n), np.inf
    )
    within = index.delay <= grace
    d_treated = np.where(within, index.delay, fresh_grace)
    d_untreated = np.where(within, fresh_late, index.delay)
    treated = draw_escalation(index.uniform, index.rate, d_treated, config, index.hazard_ratio)
    untreated = draw_escalation(index.uniform, index.rate, d_untreated, config, index.hazard_ratio)
    return treated, untreated


def _spell_keys(spells: pd.DataFrame) -> npt.NDArray[Any]:
    """Each spell's identifier for tie keys (its position when there is no ``spell_id``)."""
    if "spell_id" in spells.columns:
        return spells["spell_id"].to_numpy()
    return np.arange(len(spells))


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """What the simulator knows and an analyst never sees.

    Attributes
    ----------
    spell_risks : pandas.DataFrame
        One row per index decision point (each child's first RC8/RC9 referral closure in
        the index window, i.e. the default design's spells): ``child_id, time_zero,
        decision`` (``"RC8"``/``"RC9"``), ``early_help_delay`` (days; NaN for RC8),
        ``treated`` (early help within the grace period planned), ``propensity`` (true
        probability of ``treated`` given the recorded covariates), ``frailty``,
        ``hazard_ratio`` (the child's hazard ratio of escalation under early help: the
        same for everyone unless ``config.effect_heterogeneity``),
        ``escalation_time`` and ``death_time`` (days from time zero to the drawn
        escalation and death in the world without censoring, under the decision
        actually taken; ``inf`` when escalation never comes),
        ``escalation_time_treated`` and ``escalation_time_untreated`` (both potential
        escalation times, drawn with common random numbers: see
        :func:`potential_escalation_times`), then for
        each horizon ``h``: ``risk_treated_<h>``, ``risk_untreated_<h>``,
        ``risk_observed_<h>`` and ``risk_never_<h>``.
    hazard_ratio : float
        True conditional hazard ratio of escalation while and after early help runs.
    horizons : tuple of int
        The horizons in days.
    note_mentions : pandas.DataFrame
        One row per factor mention in the notes: ``note_row`` (row position in
        ``history.notes``), ``factor`` (code), ``assertion`` (``"present"``,
        ``"negated"``, ``"uncertain"`` or ``"hypothetical"``), ``true`` (whether the
        factor is truly present for the family or child).
    assessment_factors : pandas.DataFrame
        One row per assessment: ``episode_row`` (row position in ``history.episodes``),
        ``recorded`` and ``true`` factor codes joined by ``;``. Recording is imperfect:
        about 18% of true factors are not recorded.
    config : SimulationConfig
        The parameters of the simulation.
    extra : dict
        Further facts recorded in ``truth.json`` (the seed and number of children).

    Notes
    -----
    See :mod:`escalation.data.simulator.truth` for the estimand. Censoring (moving
    out, turning 18, the extract date) is independent of escalation given the recorded
    covariates, and every confounder of early help and escalation is recorded in the
    default design's covariates; the family frailty affects escalation (and ordinary
    re-referral) only. Adjusted estimators are therefore unbiased for these risks.
    """

    spell_risks: pd.DataFrame
    hazard_ratio: float
    horizons: tuple[int, ...]
    note_mentions: pd.DataFrame
    assessment_factors: pd.DataFrame
    config: SimulationConfig
    extra: dict[str, Any] = field(default_factory=dict)

    def marginal_risks(
        self, spells: SpellData | pd.DataFrame | None = None, *, estimand: Estimand = "ate"
    ) -> pd.DataFrame:
        """Return the true marginal risks averaged over the given spells.

        Parameters
        ----------
        spells : SpellData or pandas.DataFrame, optional
            Spells with ``child_id`` and ``time_zero`` (e.g. ``build_spells(...)`` or its
            ``spells``); for ``estimand="att"`` also ``treatment``. Default: every index spell, with
            the planned treatment.
        estimand : {"ate", "att"}, default "ate"
            Average over all the spells, or over the treated ones.

        Returns
        -------
        pandas.DataFrame
            Columns ``horizon, risk_treated, risk_untreated, risk_difference,
            risk_ratio, n``.

        Raises
        ------
        ValueError
            When a spell has no ground truth (it is not an index decision point) or the
            estimand is unknown.

        Examples
        --------
        >>> from escalation.data.simulator import simulate_local_authority
        >>> sim = simulate_local_authority(2_000, seed=3, config=None)
        >>> truth = sim.truth.marginal_risks()
        >>> bool((truth["risk_treated"] < truth["risk_untreated"]).all())
        True
        """
        if estimand not in ("ate", "att"):
            raise ValueError(f"estimand must be 'ate' or 'att', not {estimand!r}")
        if spells is not None:
            spells = spells_of(spells, function="GroundTruth.marginal_risks")
        chosen = self._join(spells)
        if spells is None:
            treated = chosen["treated"].to_numpy() == 1
        else:
            treated = (
                spells["treatment"].to_numpy() == 1
                if "treatment" in spells.columns
                else chosen["treated"].to_numpy() == 1
            )
        if estimand == "att":
            chosen = chosen.loc[treated]
        rows = []
        for h in self.horizons:
            rt = float(chosen[f"risk_treated_{h}"].mean())
            ru = float(chosen[f"risk_untreated_{h}"].mean())
            rows.append(
                {
                    "horizon": int(h),
                    "risk_treated": rt,
                    "risk_untreated": ru,
                    "risk_difference": rt - ru,
                    "risk_ratio": rt / ru if ru > 0 else np.nan,
                    "n": len(chosen),
                }
            )
        return pd.DataFrame(rows)

    def _join(self, spells: pd.DataFrame | None) -> pd.DataFrame:
        """Return the truth rows of ``spells`` (in their order), or every index spell."""
        risks = self.spell_risks
        if spells is None:
            return risks
        keys = spells[["child_id", "time_zero"]].astype(
            {"child_id": "string", "time_zero": "datetime64[ns]"}
        )
        ids = pd.Index(risks["child_id"])
        if ids.is_unique:
            # One truth row per child (the simulator's): the rows a left merge on
            # (child_id, time_zero) gives, looked up by child_id.
            pos = ids.get_indexer(pd.Index(keys["child_id"]))
            found = pos >= 0
            t0 = risks["time_zero"].to_numpy()
            found[found] = t0[pos[found]] == keys["time_zero"].to_numpy()[found]
            missing = int(np.sum(~found))
            chosen = risks.take(pos if not missing else []).reset_index(drop=True)
        else:
            chosen = keys.merge(risks, on=["child_id", "time_zero"], how="left")
            missing = int(chosen["propensity"].isna().sum())
        if missing:
            raise ValueError(
                f"{missing:,} spells have no ground truth: the truth covers each "
                "child's first RC8/RC9 referral closure in the index window only"
            )
        return chosen

    def policy_values(
        self,
        spells: SpellData | pd.DataFrame,
        rules: Mapping[str, npt.ArrayLike],
        *,
        capacity: float | None = None,
    ) -> pd.DataFrame:
        """Return the true value of treatment rules: escalation risk if the rule decided.

        The value of a rule ``d`` at horizon ``h`` is the cumulative incidence of
        escalation by ``h`` (death competing, no censoring) had each spell's early help
        followed the rule: ``mean(d * risk_treated_h + (1 - d) * risk_untreated_h)`` over
        the spells (these children's own potential-outcome risks, including the
        unrecorded family frailty).

        Parameters
        ----------
        spells : SpellData or pandas.DataFrame
            Spells with ``child_id`` and ``time_zero`` (e.g. ``build_spells(...)`` or its
            ``spells``).
        rules : mapping of str to array_like
            Rule name to 0/1 flags (1: early help within the grace period), one per row of
            ``spells``.
        capacity : float, optional
            Share of spells that can be offered early help, in (0, 1]; adds the rule
            ``oracle``, which flags that share with the largest true benefit
            (``risk_untreated_h - risk_treated_h``) at each horizon.

        Returns
        -------
        pandas.DataFrame
            ``rule, horizon, risk, prevented_per_1000, flagged, unneeded_offers_per_1000``
            with a row for ``current_practice`` (the decisions actually taken:
            ``risk_observed_h``), each rule and the oracle. ``prevented_per_1000`` is per
            1,000 spells against offering early help to no one; ``flagged`` the share
            offered it; ``unneeded_offers_per_1000`` the spells per 1,000 offered it whose
            risk of escalation by ``h`` without it did not materialise (the expectation of
            ``d * (1 - escalated without early help)``: ``d * (1 - risk_untreated_h)``).

        Raises
        ------
        ValueError
            When a spell has no ground truth, flags are not 0/1 or not one per spell, or
            the capacity is outside (0, 1].

        Examples
        --------
        >>> from escalation.data.simulator import simulate_local_authority
        >>> sim = simulate_local_authority(1_000, seed=3)
        >>> spells = sim.truth.spell_risks[["child_id", "time_zero"]]
        >>> out = sim.truth.policy_values(spells, {"everyone": np.ones(len(spells))})
        >>> sorted(out["rule"].unique())
        ['current_practice', 'everyone']
        """
        chosen = self._join(spells_of(spells, function="GroundTruth.policy_values"))
        if capacity is not None and not 0 < capacity <= 1:
            raise ValueError(f"capacity must be a share in (0, 1], not {capacity!r}")
        flags: dict[str, FloatArray] = {}
        for name, values in rules.items():
            d = np.asarray(values, dtype=np.float64)
            if d.shape != (len(chosen),) or not np.isin(d, (0.0, 1.0)).all():
                raise ValueError(f"rule {name!r} needs one 0/1 flag per spell")
            flags[name] = d
        rows = []
        for h in self.horizons:
            treated = chosen[f"risk_treated_{h}"].to_numpy(np.float64)
            untreated = chosen[f"risk_untreated_{h}"].to_numpy(np.float64)
            nobody = float(untreated.mean())
            current = chosen["treated"].to_numpy(np.float64)
            named: dict[str, tuple[FloatArray, FloatArray | None]] = {
                "current_practice": (chosen[f"risk_observed_{h}"].to_numpy(np.float64), None)
            }
            named.update({k: (v * treated + (1 - v) * untreated, v) for k, v in flags.items()})
            if capacity is not None:
                # the package's one top-share rule; ties (if any) by a draw keyed on the spell
                benefit = untreated - treated
                keys = tie_keys(_spell_keys(chosen), seed=0)
                oracle = top_weights(benefit, top_cut(benefit, capacity, keys), keys)
                named["oracle"] = (oracle * treated + (1 - oracle) * untreated, oracle)
            for name, (risk, given) in named.items():
                offered = current if given is None else given
                flagged = float(np.mean(offered))
                rows.append(
                    {
                        "rule": name,
                        "horizon": int(h),
                        "risk": float(np.mean(risk)),
                        "prevented_per_1000": 1000 * (nobody - float(np.mean(risk))),
                        "flagged": flagged,
                        "unneeded_offers_per_1000": 1000
                        * float(np.mean(offered * (1 - untreated))),
                    }
                )
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters and marginal truths as a JSON-ready dictionary."""
        ate = self.marginal_risks(estimand="ate")
        att = self.marginal_risks(estimand="att")
        return {
            "estimand": (
                "cumulative incidence of escalation (first cp_plan or looked_after) by "
                "horizon days after time zero (each child's first RC8/RC9 referral "
                "closure in the index window), death competing, no censoring; early help "
                "started within the grace period vs not (usual care thereafter)"
            ),
            "hazard_ratio": self.hazard_ratio,
            "horizons": list(self.horizons),
            "index_spells": len(self.spell_risks),
            "treated": int(self.spell_risks["treated"].sum()),
            "ate": ate.to_dict("records"),
            "att": att.to_dict("records"),
            "config": self.config.to_dict(),
            **self.extra,
        }

    def to_json(self) -> str:
        """Return :meth:`to_dict` as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, default=float) + "\n"
