"""The design's optional [compute] section: where parallel work runs, never what it gives."""

from __future__ import annotations

import argparse

import pytest

from escalation.cli._compute import compute_from
from escalation.design import ComputeSpec, StudyDesign, default_design
from escalation.errors import DesignError


def with_compute(text: str) -> StudyDesign:
    return StudyDesign.from_toml(default_design().to_toml() + "\n[compute]\n" + text)


def test_compute_section_reads_and_round_trips() -> None:
    design = with_compute('workers = 3\nscheduler = "tcp://10.0.0.5:8786"\n')
    assert design.compute == ComputeSpec(workers=3, scheduler="tcp://10.0.0.5:8786")
    assert StudyDesign.from_toml(design.to_toml()) == design
    # An empty section is not written, so existing designs keep their text (and hash).
    assert "[compute]" not in default_design().to_toml()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("workers = 0\n", "at least 1"),
        ('workers = "two"\n', "whole number"),
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
