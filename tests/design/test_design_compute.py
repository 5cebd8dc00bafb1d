"""The design's optional [compute] section: where parallel work runs, never what it gives."""

from __future__ import annotations

import argparse

import pytest

from escalation.cli._compute import compute_from
from escalation.design import ComputeSpec, StudyDesign, default_design
from escalation.errors import DesignError, EscalationError

PLAN = """
[study]
generator = "spells"
replications = 2
seed = 1
"""


def with_compute(text: str) -> StudyDesign:
    return StudyDesign.from_toml(default_design().to_toml() + "\n[compute]\n" + text)


def test_compute_section_reads_and_round_trips() -> None:
    for text, spec in (
        ("workers = 3\n", ComputeSpec(workers=3)),
        ("workers = -1\n", ComputeSpec(workers=-1)),
        ('scheduler = "tcp://10.0.0.5:8786"\n', ComputeSpec(scheduler="tcp://10.0.0.5:8786")),
    ):
        design = with_compute(text)
        assert design.compute == spec
        assert StudyDesign.from_toml(design.to_toml()) == design
    # An empty section is not written, so existing designs keep their text (and hash).
    assert "[compute]" not in default_design().to_toml()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workers = 0\n", "at least 1, or -1 for every core"),
        ("workers = -2\n", "at least 1, or -1 for every core"),
        ('workers = "two"\n', "whole number"),
        ("workers = true\n", "whole number"),
        ('scheduler = ""\n', "scheduler address"),
        ("worker = 2\n", "did you mean 'workers'"),
    ],
)
def test_bad_compute_values_are_explained(text: str, message: str) -> None:
    with pytest.raises(DesignError, match=message):
        with_compute(text)


def test_command_line_overrides_the_design() -> None:
    design = with_compute("workers = 2\n")
    with compute_from(argparse.Namespace(workers=None, scheduler=None), design) as engine:
        assert engine.workers == 2 and engine.backend in ("dask-local", "joblib")
    with compute_from(argparse.Namespace(workers=1, scheduler=None), design) as engine:
        assert engine.backend == "in-process"


def test_every_parallel_command_takes_workers_and_scheduler() -> None:
    from escalation.cli import build_parser

    parser = build_parser()
    for command in (
        ["build", "d.toml"],
        ["estimate", "d.toml"],
        ["run", "d.toml"],
        ["predict", "d.toml"],
        ["share", "d.toml"],
        ["demo", "--authorities", "4"],
    ):
        args = parser.parse_args([*command, "--out", "x", "--workers", "3", "--scheduler", "a"])
        assert (args.workers, args.scheduler) == (3, "a")
    for command in (["simulate"], ["simstudy", "plan.toml"]):
        args = parser.parse_args([*command, "--out", "x", "--workers", "2"])
        assert args.workers == 2
    assert parser.parse_args(["validate", "dir", "--scheduler", "a"]).scheduler == "a"
    # estimate's --jobs is the bootstrap's processes; demo's is the old name of --workers.
    assert parser.parse_args(["estimate", "d.toml", "--out", "x", "--jobs", "2"]).jobs == 2
    assert parser.parse_args(["demo", "--out", "x", "--jobs", "3"]).workers == 3


def test_every_core_is_one_rule_for_designs_plans_options_and_use_compute() -> None:
    """``workers = -1`` (every core) was refused in a design and a plan, not by ``use_compute``.

    ``use_compute(workers=-1)`` and ``resolve_jobs(-1)`` took it as every core, while
    ``[compute] workers = -1`` was "must be at least 1" in a design and "must be a whole
    number >= 1" in a simulation plan, and ``--workers -1`` "must be 1 or more". One rule
    now: at least 1, or -1 for every core; 0 and -2 are refused everywhere.
    """
    from escalation.cli import build_parser, check_arguments
    from escalation.compute import available_cores, use_compute
    from escalation.simstudy.plan import SimulationPlan

    cores = available_cores()
    design = with_compute("workers = -1\n")
    assert design.compute.workers == -1
    with compute_from(argparse.Namespace(workers=None, scheduler=None), design) as engine:
        assert engine.workers == cores
    with use_compute(workers=-1) as engine:
        assert engine.workers == cores
    plan = SimulationPlan.from_toml(PLAN + "\n[compute]\nworkers = -1\n")
    assert plan.workers == -1
    parser = build_parser()
    for command in (["build", "d.toml"], ["simulate"], ["simstudy", "plan.toml"]):
        args = parser.parse_args([*command, "--out", "x", "--workers", "-1"])
        assert check_arguments(args) == [], command
    for bad in (0, -2):
        with pytest.raises(DesignError, match="at least 1, or -1 for every core"):
            with_compute(f"workers = {bad}\n")
        with pytest.raises(DesignError, match="at least 1, or -1 for every core"):
            SimulationPlan.from_toml(PLAN + f"\n[compute]\nworkers = {bad}\n")
        refused = pytest.raises(EscalationError, match="at least 1, or -1 for every core")
        with refused, use_compute(workers=bad):
            pass  # pragma: no cover - refused on entry
        args = parser.parse_args(["build", "d.toml", "--out", "x", "--workers", str(bad)])
        assert check_arguments(args) == [
            f"--workers must be a whole number: at least 1, or -1 for every core "
            f"(worker processes), not {bad}"
        ]


def test_workers_with_a_scheduler_is_refused_naming_both() -> None:
    """``workers`` beside ``scheduler`` was accepted and ``workers`` silently ignored.

    The docs give them as alternatives (``workers = N`` *or* ``scheduler = "..."``): a Dask
    cluster at an address has its own workers, so the number asked for was dropped without
    a word, in a design, a plan, ``use_compute`` and on the command line.
    """
    from escalation.cli import build_parser, check_arguments
    from escalation.compute import use_compute
    from escalation.simstudy.plan import SimulationPlan

    both = 'workers = 3\nscheduler = "tcp://10.0.0.5:8786"\n'
    with pytest.raises(DesignError, match=r"design \[compute\] scheduler .*workers = 3") as error:
        with_compute(both)
    assert "give one of workers and scheduler" in str(error.value)
    with pytest.raises(DesignError, match=r"plan \[compute\] scheduler .*workers = 3"):
        SimulationPlan.from_toml(PLAN + "\n[compute]\n" + both)
    refused = pytest.raises(EscalationError, match="give one of workers and scheduler")
    with refused, use_compute(workers=3, scheduler="tcp://10.0.0.5:8786"):
        pass  # pragma: no cover - refused on entry
    args = build_parser().parse_args(
        ["build", "d.toml", "--out", "x", "--workers", "3", "--scheduler", "tcp://h:8786"]
    )
    (message,) = check_arguments(args)
    assert message.startswith("--workers 3 cannot be used with --scheduler")
    # The command line still overrides the design's section as a whole.
    design = with_compute("workers = 2\n")
    with compute_from(argparse.Namespace(workers=None, scheduler="tcp://h:8786"), design) as e:
        assert e.backend == "dask" and e.scheduler == "tcp://h:8786"
