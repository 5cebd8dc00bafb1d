"""The effects stage runs when disclosure control suppresses one arm's whole curve.

Session 28, a run on a 400-child simulated authority (seed 28): the observed
(unadjusted) risk curve of the early-help arm was suppressed at every time (coarsened
until each step stands for the threshold of escalations, none was left), and the check
that both arms still show a step looked only at the rows shown, where that arm was not
listed at all. The figure was drawn with one curve, its censoring marks for the other
arm matched no curve, and the effects stage stopped with a DataValidationError
("Censoring marks data: the group matches no curve"). Now the curves are not drawn and
the run notes why, as when an arm has too few escalations.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import warnings
from pathlib import Path

import pandas as pd

from escalation import StatisticalWarning, default_design, simulate_local_authority
from escalation.data.simulator import SimulationConfig


def test_a_run_with_one_arms_observed_curve_suppressed_completes(tmp_path: Path) -> None:
    import escalation.pipeline as pipeline

    # as `escalation simulate --children 400 --seed 28 --no-notes` writes it
    history = simulate_local_authority(400, seed=28, config=SimulationConfig(notes=False)).history
    base = default_design()  # as `escalation init --data` wrote it for these data
    design = base.replace(
        time_zero=dataclasses.replace(
            base.time_zero, from_=datetime.date(2014, 4, 24), to=datetime.date(2024, 3, 31),
            min_age=0.0,
        ),
        covariates=dataclasses.replace(
            base.covariates,
            include=("age", "sex", "ethnicity", "disability", "imd_decile", "prior_referrals",
                     "source", "factors"),
        ),
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        pipeline.run_study(
            history, design, out=tmp_path / "out", progress=False, background_figures=False,
            stages=("effects",), bootstrap=20,
        )  # fmt: skip
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert not manifest["failures"], manifest["failures"]
    curves = pd.read_csv(tmp_path / "out" / "results" / "adjusted_curves.csv")
    observed = curves[curves["estimator"] == "unadjusted"]
    by_arm = observed.groupby("group")["suppressed"].all()
    assert by_arm.any() and not by_arm.all()  # one arm's curve wholly suppressed
    figures = {p.stem for p in (tmp_path / "out" / "figures").glob("*")}
    assert "cumulative_incidence" not in figures
