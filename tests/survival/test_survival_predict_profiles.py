"""Every ``predict_*`` labels ``profile`` by the index label of ``profiles`` (not its position).

docs/vocabulary.md: predictions of two models merge on ``profile`` and join back to
``profiles``. Before, Cox and AFT predictions were labelled 0, 1, 2... while Fine–Gray and
cause-specific ones used the index, so a merge on ``profile`` paired the wrong rows.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import fit_aft, fit_cause_specific, fit_cox, fit_fine_gray
from tests.survival.survival_reference import spells

COVARIATES = ["x1", "x2"]
TIMES = [10.0, 30.0]
LABELS = [30, 10, 20]  # neither positions nor sorted


def _profiles(index: list[object]) -> pd.DataFrame:
    frame = spells().iloc[[5, 50, 150]][[*COVARIATES, "stratum"]]
    return frame.set_axis(pd.Index(index), axis=0)


def _cox(d: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return fit_cox(d.assign(event=d["event"] == 1), COVARIATES, cluster=None).predict_survival


def _cox_strata(d: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    fit = fit_cox(d.assign(event=d["event"] == 1), COVARIATES, strata="stratum", cluster=None)
    return fit.predict_survival


def _aft(d: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return fit_aft(d.assign(event=d["event"] == 1), COVARIATES, cluster=None).predict_survival


def _fine_gray(d: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return fit_fine_gray(d, COVARIATES, cluster=None).predict_cumulative_incidence


def _cause_specific(d: pd.DataFrame) -> Callable[[pd.DataFrame], pd.DataFrame]:
    return fit_cause_specific(d, COVARIATES, cluster=None).predict_cumulative_incidence


PREDICTORS = {
    "cox": _cox,
    "cox_strata": _cox_strata,
    "aft": _aft,
    "fine_gray": _fine_gray,
    "cause_specific": _cause_specific,
}


@pytest.fixture(scope="module")
def predictors() -> dict[str, Callable[[pd.DataFrame], pd.DataFrame]]:
    d = spells()
    return {name: make(d) for name, make in PREDICTORS.items()}


@pytest.mark.parametrize("name", list(PREDICTORS))
@pytest.mark.parametrize("index", [LABELS, ["amy", "bo", "cy"]])
def test_profile_is_the_index_label(
    predictors: dict[str, Callable[[pd.DataFrame], pd.DataFrame]], name: str, index: list[object]
) -> None:
    predict = predictors[name]
    labelled = predict(_profiles(index), TIMES)  # type: ignore[call-arg]
    by_position = predict(_profiles([0, 1, 2]), TIMES)  # type: ignore[call-arg]
    assert labelled["profile"].tolist() == [i for i in index for _ in range(len(TIMES))] * (
        len(labelled) // (len(index) * len(TIMES))
    )
    relabelled = by_position.assign(profile=by_position["profile"].map(dict(enumerate(index))))
    pd.testing.assert_frame_equal(labelled, relabelled)


def test_predict_median_is_indexed_by_profile() -> None:
    fit = fit_aft(spells().assign(event=lambda f: f["event"] == 1), COVARIATES, cluster=None)
    median = fit.predict_median(_profiles(LABELS))
    assert median.index.tolist() == LABELS and median.index.name == "profile"
    survival = fit.predict_survival(_profiles(LABELS), [1.0]).set_index("profile")
    # each profile's median is where its own survival curve crosses one half
    for label, value in median.items():
        half = fit.predict_survival(_profiles(LABELS).loc[[label]], [value])
        assert half["profile"].tolist() == [label]
        assert half["estimate"].iloc[0] == pytest.approx(0.5, abs=1e-12)
    assert survival.index.tolist() == LABELS


def test_two_models_merge_on_profile(
    predictors: dict[str, Callable[[pd.DataFrame], pd.DataFrame]],
) -> None:
    profiles = _profiles(LABELS)
    cox = predictors["cox"](profiles, TIMES)  # type: ignore[call-arg]
    fine_gray = predictors["fine_gray"](profiles, TIMES)  # type: ignore[call-arg]
    merged = cox.merge(fine_gray, on=["profile", "time"], suffixes=("_cox", "_fg"))
    assert len(merged) == len(cox) == len(fine_gray)
    # one profile at a time gives the same numbers under the same label
    for label in LABELS:
        alone = predictors["cox"](profiles.loc[[label]], TIMES)  # type: ignore[call-arg]
        rows = merged[merged["profile"] == label]
        np.testing.assert_allclose(rows["estimate_cox"], alone["estimate"], rtol=1e-12)


@pytest.mark.parametrize("name", list(PREDICTORS))
def test_repeated_index_labels_are_refused(
    predictors: dict[str, Callable[[pd.DataFrame], pd.DataFrame]], name: str
) -> None:
    with pytest.raises(DesignError, match="repeat an index label"):
        predictors[name](_profiles([7, 7, 8]), TIMES)  # type: ignore[call-arg]
