"""A personal column is no covariate, in a formula or a list (session 24).

An identifier (``child_id``, ``family_id``) or the note text was accepted as a covariate:
``C(child_id)`` or ``covariates=["child_id"]`` fitted one coefficient per child, named by
the child's identifier, which results, tables, figures and briefs then printed, and
formulaic's ``DataMismatchWarning`` for ``C(child_id, levels=[...])`` printed the
identifiers outside the nominated levels. Every model now refuses one where its
covariates are coded (``FormulaCoding`` and ``CovariateCoding``), by the rule Table 1
refuses a personal characteristic by; clustering on an identifier still works.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    estimate_curves,
    estimate_effects,
    fit_propensity,
    policy_scores,
    subgroup_effects,
)
from escalation.errors import DataValidationError
from escalation.formula import FormulaCoding
from escalation.predict import subgroup_metrics
from escalation.survival import (
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    kaplan_meier,
)
from escalation.timeline import CovariateCoding

#: Values of the personal columns: none may reach a message or a warning.
NAME = "Jane Smith"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(24)
    n = 80
    return pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "x": rng.uniform(0.5, 2.0, n),
            "treatment": np.tile([0, 1], n // 2),
            "child_id": [f"C{i:04d}" for i in range(n)],
            "family_id": [f"F{i // 2:04d}" for i in range(n)],
            "spell_id": [f"S{i:04d}" for i in range(n)],
            "text": [f"{NAME} visit {i}" for i in range(n)],
            "duration": rng.integers(1, 300, n).astype(float),
            "event": np.tile([0, 1, 1, 2], n // 4),
        }
    )


def personal_values(frame: pd.DataFrame) -> list[str]:
    """Every value of the frame's personal columns (and a name in the notes)."""
    return [NAME, *frame["child_id"], *frame["family_id"], *frame["spell_id"]]


def assert_refused(raised: pytest.ExceptionInfo[Any], frame: pd.DataFrame, column: str) -> None:
    """The error names the column and why, and none of the personal values."""
    message = str(raised.value)
    assert f"column {column!r}: personal data" in message, message
    assert "cannot be a covariate" in message and "cluster" in message, message
    leaked = [value for value in personal_values(frame) if value in message]
    assert not leaked, leaked


ENTRY_POINTS: dict[str, tuple[Callable[[pd.DataFrame], object], str]] = {
    "fit_cox formula": (
        lambda f: fit_cox(f, "Surv(duration, event) ~ x + C(child_id)"),
        "child_id",
    ),
    "fit_cox list": (lambda f: fit_cox(f, ["x", "child_id"]), "child_id"),
    "fit_cox family": (lambda f: fit_cox(f, ["x", "family_id"], cluster=None), "family_id"),
    "fit_cox notes": (
        lambda f: fit_cox(f, "Surv(duration, event) ~ x + I(text.str.contains('Smith'))"),
        "text",
    ),
    "fit_aft": (lambda f: fit_aft(f, ["x", "child_id"]), "child_id"),
    "fit_fine_gray": (
        lambda f: fit_fine_gray(f, "Surv(duration, event) ~ x + C(child_id)", cause=1),
        "child_id",
    ),
    "fit_cause_specific": (lambda f: fit_cause_specific(f, ["x", "text"]), "text"),
    "fit_propensity formula": (
        lambda f: fit_propensity(f, formula="treatment ~ x + C(child_id)"),
        "child_id",
    ),
    "fit_propensity list": (
        lambda f: fit_propensity(f, "treatment", ["x", "spell_id"]),
        "spell_id",
    ),
    "estimate_effects": (
        lambda f: estimate_effects(
            f.assign(event=f["event"].clip(upper=1)),
            covariates=["x", "child_id"],
            estimators=["ipw"],
            horizons=[100],
        ),
        "child_id",
    ),
    "estimate_curves formula": (
        lambda f: estimate_curves(
            f.assign(event=f["event"].clip(upper=1)), "Surv(duration, event) ~ x + C(family_id)"
        ),
        "family_id",
    ),
    "policy_scores": (
        lambda f: policy_scores(
            f.assign(event=f["event"].clip(upper=1)), covariates=["x", "child_id"], horizons=[100]
        ),
        "child_id",
    ),
    "CovariateCoding": (lambda f: CovariateCoding.learn(f, ["child_id"], min_count=1), "child_id"),
    "FormulaCoding": (lambda f: FormulaCoding.learn(f, "x + C(g) + C(child_id)"), "child_id"),
}


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_a_personal_column_is_refused_as_a_covariate(frame: pd.DataFrame, entry: str) -> None:
    call, column = ENTRY_POINTS[entry]
    with pytest.raises(DataValidationError) as raised:
        call(frame)
    assert_refused(raised, frame, column)


@pytest.mark.parametrize(
    "formula",
    [
        # the values typed are refused with the column, never quoted
        "Surv(duration, event) ~ x + C(child_id, Treatment('C0002'))",
        "Surv(duration, event) ~ x + I(1 / (child_id == 'C0002'))",
        "Surv(duration, event) ~ x + C(child_id, levels=[C0002])",
        f"Surv(duration, event) ~ nosuch + I(text.str.contains('{NAME}'))",
    ],
)
def test_a_formula_of_a_personal_column_is_refused_without_its_values(
    frame: pd.DataFrame, formula: str
) -> None:
    with pytest.raises(DataValidationError) as raised:
        fit_cox(frame, formula)
    assert_refused(raised, frame, "text" if "text" in formula else "child_id")


def test_no_identifier_reaches_a_warning(frame: pd.DataFrame) -> None:
    # formulaic warned (DataMismatchWarning) listing every identifier outside the levels
    formula = "Surv(duration, event) ~ x + C(child_id, levels=['C0001', 'C0002'])"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ValueError) as raised:
            fit_cox(frame, formula)
    shown = [str(w.message) for w in caught]
    leaked = [v for v in personal_values(frame) if any(v in text for text in shown)]
    assert not leaked, shown
    assert_refused(raised, frame, "child_id")


def test_a_personal_column_is_refused_as_the_group_of_curves(frame: pd.DataFrame) -> None:
    # one curve per child, labelled by the child's identifier
    with pytest.raises(DataValidationError) as raised:
        kaplan_meier(frame.assign(event=frame["event"].clip(upper=1)), group="child_id")
    message = str(raised.value)
    assert "column 'child_id': personal data" in message and "cannot be a group" in message
    assert not [v for v in frame["child_id"] if v in message]


def test_clusters_and_strata_of_other_columns_still_work(frame: pd.DataFrame) -> None:
    one = frame.assign(event=frame["event"].clip(upper=1))
    clustered = fit_cox(one, "Surv(duration, event) ~ x + C(g) + cluster(family_id)")
    listed = fit_cox(one, ["x", "g"], cluster="family_id")
    # the same model (its terms named by formulaic or by the list's coding), robust errors
    assert clustered.tidy()[["estimate", "std_error"]].to_numpy() == pytest.approx(
        listed.tidy()[["estimate", "std_error"]].to_numpy()
    )
    assert clustered.glance()["clusters"].iloc[0] == listed.glance()["clusters"].iloc[0] == 40
    stratified = fit_cox(one, "Surv(duration, event) ~ x + strata(g) + cluster(child_id)")
    assert list(stratified.coefficients.index) == ["x"]
    assert stratified.glance()["clusters"].iloc[0] == 80
    curves = kaplan_meier(one, group="g", cluster="family_id")
    assert set(curves.curves["group"]) == {"a", "b", "c"}


def assert_refused_as(raised: pytest.ExceptionInfo[Any], frame: pd.DataFrame, column: str,
                      role: str) -> None:  # fmt: skip
    """The error names the column, the role refused and none of the personal values."""
    message = str(raised.value)
    assert f"column {column!r}: personal data" in message, message
    assert f"cannot be {role}" in message, message
    leaked = [value for value in personal_values(frame) if value in message]
    assert not leaked, leaked


STRATIFIED: dict[str, Callable[[pd.DataFrame], object]] = {
    "formula": lambda f: fit_cox(f, "Surv(duration, event) ~ x + strata(family_id)"),
    "argument": lambda f: fit_cox(f, ["x"], strata="family_id", cluster=None),
    "two columns": lambda f: fit_cox(f, ["x"], strata=["g", "family_id"], cluster=None),
}


@pytest.mark.parametrize("entry", list(STRATIFIED))
def test_a_personal_column_is_no_stratum(frame: pd.DataFrame, entry: str) -> None:
    # a stratum per family: baseline_hazard() labelled each family's hazard by its
    # identifier (its 'stratum' column held 'F0000', 'F0001', ...)
    with pytest.raises(DataValidationError) as raised:
        STRATIFIED[entry](frame.assign(event=frame["event"].clip(upper=1)))
    assert_refused_as(raised, frame, "family_id", "a stratum")
    assert "cluster" in str(raised.value)


def test_a_personal_column_is_no_subgroup_of_effects(frame: pd.DataFrame) -> None:
    # one row of the subgroup table per family, its level the family's identifier
    one = frame.assign(event=frame["event"].clip(upper=1))
    with pytest.raises(DataValidationError) as raised:
        subgroup_effects(
            one, covariates=["x"], horizon=100, groups=one[["family_id"]], cluster=None
        )
    assert_refused_as(raised, frame, "family_id", "a subgroup")


def test_a_personal_column_is_no_attribute_of_subgroup_metrics(frame: pd.DataFrame) -> None:
    # one group per child, labelled by the child's identifier
    groups = frame[["g", "child_id"]]
    with pytest.raises(DataValidationError) as raised:
        subgroup_metrics(
            frame["duration"], frame["event"].clip(upper=1), frame["x"] / 3, groups, 100,
            model="m", min_n=1, min_events=1,
        )  # fmt: skip
    assert_refused_as(raised, frame, "child_id", "a subgroup")


def _levels(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(sorted(frame["child_id"]))


BUILT: dict[str, Callable[[pd.DataFrame], object]] = {
    "CovariateCoding": lambda f: CovariateCoding(
        columns=("x", "child_id"),
        levels={"child_id": _levels(f)},
        pooled={"child_id": ()},
        names=("x", *(f"child_id_{v}" for v in _levels(f)[1:])),
    ),
    "replaced": lambda f: replace(
        CovariateCoding.learn(f, ["x"], min_count=1), columns=("child_id",)
    ),
    "FormulaCoding": lambda f: FormulaCoding(
        formula="C(child_id)", names=(), columns=("child_id",), references={}, spec=None
    ),
}


@pytest.mark.parametrize("how", list(BUILT))
def test_a_coding_built_by_hand_of_a_personal_column_is_refused(
    frame: pd.DataFrame, how: str
) -> None:
    # learning refuses child_id, but a coding built by hand (or a learnt one with its
    # columns replaced) was taken by fit_propensity(coding=...), fit_cause_specific and
    # fit_fine_gray: a coefficient per child, named by the child's identifier (and a
    # warning listing the identifiers of the collinear ones)
    with pytest.raises(DataValidationError) as raised:
        BUILT[how](frame)
    assert_refused(raised, frame, "child_id")


def test_a_coding_of_other_columns_is_still_taken(frame: pd.DataFrame) -> None:
    coding = CovariateCoding.learn(frame, ["x", "g"], min_count=1)
    fitted = fit_propensity(frame, "treatment", coding=coding)
    assert list(fitted.tidy()["term"]) == ["(Intercept)", *coding.names]


class _OwnCoding:
    """A coding of the user's own that meets the ``Coding`` protocol: one indicator per
    child, named by the child's identifier (what ``CovariateCoding`` refuses when built)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.ids = tuple(sorted(frame["child_id"]))[1:]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f"child_{v}" for v in self.ids)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("child_id",)

    def apply(self, frame: pd.DataFrame, *, table: str | None = None) -> pd.DataFrame:
        return pd.DataFrame(
            {f"child_{v}": (frame["child_id"] == v).astype(float) for v in self.ids},
            index=frame.index,
        )


OWN: dict[str, Callable[[pd.DataFrame, Any], object]] = {
    "fit_propensity": lambda f, c: fit_propensity(f, "treatment", coding=c),
    "fit_fine_gray": lambda f, c: fit_fine_gray(f, coding=c, cluster=None),
    "fit_cause_specific": lambda f, c: fit_cause_specific(f, coding=c, cluster=None),
}


@pytest.mark.parametrize("entry", list(OWN))
def test_a_coding_of_the_users_own_of_a_personal_column_is_refused(
    frame: pd.DataFrame, entry: str
) -> None:
    """A class meeting only the ``Coding`` protocol was not checked (session 24's note):
    its coefficients were named by the children's identifiers."""
    with pytest.raises(DataValidationError) as raised:
        OWN[entry](frame, _OwnCoding(frame))
    assert_refused(raised, frame, "child_id")
