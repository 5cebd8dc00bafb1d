"""Simulation studies of the effect estimators: plans, runs, performance measures, figures.

A study is a plan (:func:`read_plan`, a TOML file): scenarios (a grid over the settings of a
data-generating process) × estimators × replications, from one master seed.
:func:`run_simstudy` runs it on this machine or a Dask cluster, appends results to
partitioned Parquet as replications finish (so a stopped run resumes where it stopped), and
computes the performance measures of Morris, White & Crowther (2019,
doi:10.1002/sim.8086) with their Monte Carlo standard errors. ``escalation simstudy
plan.toml`` is the command-line form; ``docs/simstudy.md`` the guide.
"""

from escalation.simstudy.generators import GENERATORS
from escalation.simstudy.measures import MEASURES, performance_measures, zip_data
from escalation.simstudy.plan import ESTIMANDS, Scenario, SimulationPlan, read_plan
from escalation.simstudy.store import read_results
from escalation.simstudy.study import SimulationStudy, replicate, run_simstudy, save_figures

__all__ = [
    "ESTIMANDS",
    "GENERATORS",
    "MEASURES",
    "Scenario",
    "SimulationPlan",
    "SimulationStudy",
    "performance_measures",
    "read_plan",
    "read_results",
    "replicate",
    "run_simstudy",
    "save_figures",
    "zip_data",
]
