"""A child without a recorded family is a family of one (review s23, finding 2).

With ``spells = "all"`` a child has several spells; without ``family_id`` each spell was
its own cluster of the robust variances and the bootstrap, so a child's correlated spells
counted as independent. The reference is the same spells with the child's identifier
given explicitly as the cluster label. (The new names of ``escalation.clusters`` are
imported in the tests that use them, so that the estimator tests run, and fail, on the
code before the fix.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_effects
from escalation.clusters import cluster_codes
from escalation.design import (
    CovariateSpec,
    EstimationSpec,
    TimeZeroSpec,
    TreatmentSpec,
    default_design,
)
from escalation.errors import DataValidationError
from escalation.survival import fit_aft, fit_cox
from escalation.timeline import SpellData, build_spells
from tests.timeline.timeline_support import synthetic_history


@pytest.fixture(scope="module")
def no_family() -> SpellData:
    """Every spell of 400 children, with no family_id column in the children table."""
    history = synthetic_history(400, 5)
    history = history.with_tables(children=history.children.drop(columns=["family_id"]))
    design = default_design().replace(
        time_zero=TimeZeroSpec(kind="referral", at="end", spells="all", max_age=17),
        treatment=TreatmentSpec(reasons=("RC9",)),  # the reasons form: no grace period
        covariates=CovariateSpec(include=("age",)),
        estimation=EstimationSpec(estimators=("unadjusted",), bootstrap=10, seed=1),
    )
    data = build_spells(history, design)
    assert data.spells["family_id"].isna().all()
    assert data.spells["child_id"].duplicated().any()  # some child has several spells
    return data


def relabelled(data: SpellData, labels: pd.Series) -> SpellData:
    return dataclasses.replace(data, spells=data.spells.assign(family_id=labels))


def test_the_clusters_are_one_per_child(no_family: SpellData) -> None:
    from escalation.clusters import cluster_labels  # new: imported here, see the note

    spells = no_family.spells
    codes = cluster_codes(cluster_labels(spells, no_family.cluster))
    assert len(np.unique(codes)) == spells["child_id"].nunique() < len(spells)
    by_child = pd.factorize(spells["child_id"])[0]
    pairs = pd.DataFrame({"code": codes, "child": by_child}).drop_duplicates()
    assert len(pairs) == spells["child_id"].nunique()  # the same partition


def test_effect_standard_errors_are_clustered_by_child(no_family: SpellData) -> None:
    spells = no_family.spells
    got = estimate_effects(no_family).tidy()["std_error"].to_numpy()
    by_child = relabelled(no_family, "c-" + spells["child_id"].astype(str))
    want = estimate_effects(by_child).tidy()["std_error"].to_numpy()
    by_spell = relabelled(no_family, "s-" + spells["spell_id"].astype(str))
    apart = estimate_effects(by_spell).tidy()["std_error"].to_numpy()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.max(np.abs(got / apart - 1)) > 1e-3  # each spell its own cluster differs


@pytest.mark.parametrize("fit", [fit_cox, fit_aft], ids=["cox", "aft"])
def test_model_robust_standard_errors_are_clustered_by_child(
    no_family: SpellData, fit: Callable[..., Any]
) -> None:
    spells = no_family.spells
    got = fit(no_family, ["age"]).tidy()["std_error"].to_numpy()
    by_child = relabelled(no_family, "c-" + spells["child_id"].astype(str))
    want = fit(by_child, ["age"]).tidy()["std_error"].to_numpy()
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_a_child_id_never_joins_a_family_of_the_same_text() -> None:
    """Child "f1" has no family; children "a" and "b" are family "f1": two clusters."""
    from escalation.clusters import cluster_labels, family_labels

    rows = pd.DataFrame({"child_id": ["a", "b", "f1", "f1"], "family_id": ["f1", "f1", None, None]})
    codes = cluster_codes(cluster_labels(rows, "family_id"))
    assert codes[0] == codes[1] != codes[2] == codes[3]
    assert family_labels(rows).tolist() == ["family:f1", "family:f1", "child:f1", "child:f1"]


def test_labels_are_the_column_itself_when_every_family_is_recorded() -> None:
    from escalation.clusters import cluster_labels  # new: imported here, see the note

    rows = pd.DataFrame({"child_id": ["a", "b"], "family_id": [20, 10], "la": ["x", None]})
    assert cluster_labels(rows, "family_id") is rows["family_id"]
    assert cluster_labels(rows, "la") is rows["la"]  # only family_id falls back to the child


def test_without_child_id_a_missing_family_cannot_be_grouped() -> None:
    from escalation.clusters import family_labels

    with pytest.raises(DataValidationError, match="grouped by its child"):
        family_labels(pd.DataFrame({"family_id": ["f", None]}))
