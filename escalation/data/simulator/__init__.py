"""A simulated local authority (or several) with known ground truth.

:func:`simulate_local_authority` draws children in families, their referral cycles
through the care pathway (referral, assessment with factors, decision, early help, child
in need and child protection plans, care), re-referrals, moving out, deaths, turning 18
and the extract date; optional free-text case notes; and the exact true risks of
escalation under early help and under none (:class:`GroundTruth`). See
``docs/simulator.md`` for the data-generating process and its calibration.
:func:`simulate_local_authorities` draws several authorities that differ, each simulated
by :func:`simulate_local_authority`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from escalation.data.history import CaseHistory, empty_notes
from escalation.data.simulator.authorities import (
    AuthoritiesTruth,
    AuthorityVariation,
    SimulatedAuthorities,
    simulate_local_authorities,
)
from escalation.data.simulator.config import (
    SimulationConfig,
    simulation_record,
    simulation_sentence,
)
from escalation.data.simulator.notes import write_notes
from escalation.data.simulator.pathway import NEVER, simulate_pathway
from escalation.data.simulator.population import draw_population
from escalation.data.simulator.tables import (
    child_ids,
    children_table,
    episodes_table,
    factor_text,
    truncate,
)
from escalation.data.simulator.truth import (
    GroundTruth,
    potential_escalation_times,
    spell_risks,
)

__all__ = [
    "AuthoritiesTruth",
    "AuthorityVariation",
    "GroundTruth",
    "SimulatedAuthorities",
    "SimulatedLocalAuthority",
    "SimulationConfig",
    "simulate_local_authorities",
    "simulate_local_authority",
    "simulation_record",
    "simulation_sentence",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class SimulatedLocalAuthority:
    """A simulated case history with its ground truth.

    Attributes
    ----------
    history : CaseHistory
        Children, episodes and notes in the contract's normal form (valid under strict
        validation).
    truth : GroundTruth
        True risks, effects, factor recording and note mentions.
    config : SimulationConfig
        The parameters used.
    seed : int
        The random seed used.
    """

    history: CaseHistory
    truth: GroundTruth
    config: SimulationConfig
    seed: int

    def __repr__(self) -> str:
        return f"SimulatedLocalAuthority({self.history!r}, seed={self.seed})"


def _whole_days(time: np.ndarray) -> np.ndarray:
    """Continuous escalation times as whole days (at least 1; ``inf`` when too late)."""
    days = np.maximum(np.ceil(np.where(time < 1e6, time, 0.0)), 1.0)
    out: np.ndarray = np.where(time < 1e6, days, np.inf)
    return out


#: The empty notes and mentions tables, by the string dtype they were made with.
_EMPTY: dict[pd.StringDtype, tuple[pd.DataFrame, pd.DataFrame]] = {}


def _no_notes() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return new empty notes and mentions tables (copies of ones made once)."""
    key = pd.StringDtype()  # the default string storage, which the tables' dtypes follow
    if key not in _EMPTY:
        mentions = pd.DataFrame(
            {
                "note_row": pd.Series(dtype=np.int64),
                "factor": pd.Series(dtype="string"),
                "assertion": pd.Series(dtype="string"),
                "true": pd.Series(dtype=bool),
            }
        )
        _EMPTY[key] = (empty_notes(), mentions)
    notes, mentions = _EMPTY[key]
    return notes.copy(), mentions.copy()


def simulate_local_authority(
    n_children: int = 20_000,
    seed: int = 1,
    *,
    config: SimulationConfig | None = None,
    progress: bool = False,
) -> SimulatedLocalAuthority:
    """Simulate a local authority's children's social care records with known truth.

    Parameters
    ----------
    n_children : int, default 20000
        Number of children (everyone referred at least once since
        ``config.history_start``).
    seed : int, default 1
        Random seed; the same seed and configuration give identical tables.
    config : SimulationConfig, optional
        Parameters; the calibrated defaults when omitted.
    progress : bool, default False
        Log each stage at INFO level (``logging``); never changes the result.

    Returns
    -------
    SimulatedLocalAuthority
        ``history`` (a :class:`~escalation.CaseHistory`), ``truth``
        (:class:`GroundTruth`), ``config`` and ``seed``.

    Notes
    -----
    The ground truth covers each child's first referral closure with RC8 or RC9 in
    ``[config.index_from, config.index_to]``: exactly the spells of the default study
    design. The true effect of early help is a conditional hazard ratio
    ``config.early_help_hazard_ratio`` on escalation from the day early help starts.
    Confounding by indication is built in: recorded factors and prior history raise both
    the chance of early help and the hazard of escalation, so unadjusted comparisons are
    biased; all such confounders are recorded. A gamma family frailty (unrecorded)
    raises escalation and re-referral only.

    Examples
    --------
    >>> from escalation.data.simulator import simulate_local_authority
    >>> sim = simulate_local_authority(1_000, seed=7)
    >>> sim.history.children.shape[0]
    1000
    >>> sorted(sim.truth.marginal_risks()["horizon"])
    [365, 730]
    """
    return simulate_with_prefix(n_children, seed, config=config, progress=progress)


def simulate_with_prefix(
    n_children: int,
    seed: int,
    *,
    config: SimulationConfig | None = None,
    progress: bool = False,
    prefix: str = "",
) -> SimulatedLocalAuthority:
    """:func:`simulate_local_authority` with identifiers that start with ``prefix``.

    ``prefix="LA01-"`` gives the identifiers :func:`label_authority` would (the
    same random numbers: identifiers are made from positions, never drawn).
    """
    if int(n_children) < 1:
        raise ValueError("n_children must be at least 1")
    config = config if config is not None else SimulationConfig()
    n = int(n_children)
    root = np.random.SeedSequence(int(seed))
    pop_seed, path_seed, note_seed, truth_seed = root.spawn(4)
    if progress:
        _log.info("drawing %d children in families", n)
    pop = draw_population(n, config, np.random.default_rng(pop_seed))
    if progress:
        _log.info("simulating referral cycles")
    pathway = simulate_pathway(pop, config, np.random.default_rng(path_seed))
    rows = truncate(pathway, pop, config.extract_date)
    ids = child_ids(n, prefix)
    children = children_table(pop, ids, prefix)
    episodes = episodes_table(rows, ids)
    assessment_rows = np.flatnonzero(rows["kind"] == 1)
    if config.notes:
        if progress:
            _log.info("writing case notes")
        notes, mentions = write_notes(
            rows, assessment_rows, pop, ids, config, np.random.default_rng(note_seed)
        )
    else:
        notes, mentions = _no_notes()
    history = CaseHistory(
        children=children,
        episodes=episodes,
        notes=notes,
        extract_date=pd.Timestamp(config.extract_date),
        extract_date_source="simulator",
    )
    if progress:
        _log.info("computing the ground truth")
    index = pathway.index
    risks = spell_risks(index, config)
    time_treated, time_untreated = potential_escalation_times(
        index, config, np.random.default_rng(truth_seed)
    )
    treated = (index.decision == 1) & (index.delay <= config.grace_days)
    frame = pd.DataFrame(
        {
            "child_id": ids.take(index.child),
            "time_zero": index.time_zero.astype("datetime64[D]").astype("datetime64[ns]"),
            "decision": pd.array(["RC8", "RC9"], dtype="string").take(index.decision),
            "early_help_delay": np.where(np.isfinite(index.delay), index.delay, np.nan),
            "treated": treated.astype(np.int64),
            "propensity": index.propensity * (1 - config.late_early_help),
            "frailty": pop.frailty[index.child],
            "hazard_ratio": index.hazard_ratio,
            "escalation_time": np.where(
                index.escalation_day >= NEVER, np.inf, index.escalation_day - index.time_zero
            ).astype(np.float64),
            "death_time": (pop.death[index.child] - index.time_zero).astype(np.float64),
            "escalation_time_treated": _whole_days(time_treated),
            "escalation_time_untreated": _whole_days(time_untreated),
            **risks,
        }
    )
    assessments = pd.DataFrame(
        {
            "episode_row": assessment_rows.astype(np.int64),
            "recorded": episodes["factors"].array.take(assessment_rows),
            "true": factor_text(rows["true_factors"][assessment_rows]),
        }
    )
    truth = GroundTruth(
        spell_risks=frame,
        hazard_ratio=config.early_help_hazard_ratio,
        horizons=tuple(int(h) for h in config.horizons),
        note_mentions=mentions,
        assessment_factors=assessments,
        config=config,
        extra={"seed": int(seed), "n_children": n},
    )
    return SimulatedLocalAuthority(history=history, truth=truth, config=config, seed=int(seed))
