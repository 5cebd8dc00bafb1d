"""The public API speaks one vocabulary (docs/vocabulary.md); this walks it and checks.

Rules: every public name means one object; ``event`` is always a column (never a cause
code) and ``cause`` always the code; ``duration``/``event``/``treatment`` default to their
own names; ``cluster`` never defaults to a column; every model entry point that takes
``covariates`` also takes ``formula``; results name coefficients ``coefficients`` and
``covariance``, never ``coef``/``vcov``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import escalation
from tests.public_api import PACKAGES, public_names

ENTRY_POINTS = ("fit_", "estimate_", "refute_", "clone_", "naive_", "ipw_")
#: Packages whose ``__all__`` the walk reads, besides every subpackage found below.
LISTED = (
    "escalation.causal",
    "escalation.data",
    "escalation.data.simulator",
    "escalation.data.statutory",
    "escalation.design",
    "escalation.disclosure",
    "escalation.federated",
    "escalation.figures",
    "escalation.formula",
    "escalation.predict",
    "escalation.predict.text",
    "escalation.report",
    "escalation.survival",
    "escalation.timeline",
)


def _callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    seen: set[int] = set()
    for package, name, obj in public_names():
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if inspect.isfunction(obj):
            yield f"{package}.{name}", obj
        elif inspect.isclass(obj):
            for attr, member in vars(obj).items():
                function = (
                    member.__func__ if isinstance(member, classmethod | staticmethod) else member
                )
                if inspect.isfunction(function) and not attr.startswith("_"):
                    yield f"{package}.{name}.{attr}", function


def _parameters() -> Iterator[tuple[str, inspect.Parameter]]:
    for where, function in _callables():
        for parameter in inspect.signature(function).parameters.values():
            yield where, parameter


def test_every_public_name_means_one_object() -> None:
    meaning: dict[str, tuple[str, Any]] = {}
    clashes = []
    for package, name, obj in public_names():
        if name in meaning and meaning[name][1] is not obj:
            clashes.append(f"{name}: {meaning[name][0]} and {package}")
        meaning.setdefault(name, (package, obj))
    assert not clashes, clashes


def test_event_is_a_column_and_cause_is_a_code() -> None:
    wrong = []
    for where, p in _parameters():
        annotation = str(p.annotation)
        if p.name == "event":
            code = "int" in annotation and "ArrayLike" not in annotation
            if code or (p.default is not p.empty and not isinstance(p.default, str)):
                wrong.append(f"{where}: event={p.default!r} ({annotation})")
        # a curve frame's cause may be labelled ("escalation"): a code or its label
        if p.name in ("cause", "causes") and not ("int" in annotation or "object" in annotation):
            wrong.append(f"{where}: {p.name} is {annotation}")
    assert not wrong, wrong


#: Arguments that name something other than a column, and why.
NOT_COLUMNS = {
    # the nodes of a causal graph (DoWhy), labelled as the design's treatment kind
    "escalation.causal.causal_graph",
}


@pytest.mark.parametrize("column", ["duration", "event", "treatment"])
def test_column_arguments_default_to_their_own_names(column: str) -> None:
    wrong = [
        f"{where}: {column}={p.default!r}"
        for where, p in _parameters()
        if p.name == column
        and isinstance(p.default, str)
        and p.default != column
        and where not in NOT_COLUMNS
    ]
    assert not wrong, wrong


def test_column_arguments_come_together() -> None:
    """Where ``event`` names a column, ``duration`` does too."""
    lonely = []
    for where, function in _callables():
        parameters = inspect.signature(function).parameters
        event = parameters.get("event")
        if event is not None and isinstance(event.default, str) and "duration" not in parameters:
            lonely.append(where)
    assert not lonely, lonely


def test_clustering_only_when_asked_or_by_design() -> None:
    wrong = [
        f"{where}: cluster={p.default!r}"
        for where, p in _parameters()
        if p.name == "cluster" and p.default is not p.empty and p.default not in (None, "auto")
    ]
    assert not wrong, wrong


def test_model_entry_points_take_formulas() -> None:
    missing = [
        where
        for where, function in _callables()
        if "covariates" in inspect.signature(function).parameters
        and where.rsplit(".", 1)[-1].startswith(ENTRY_POINTS)
        and "formula" not in inspect.signature(function).parameters
    ]
    assert not missing, missing


def test_results_use_one_naming_scheme() -> None:
    wrong = []
    for package, name, obj in public_names():
        if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
            for f in dataclasses.fields(obj):
                if f.name in ("coef", "vcov", "naive_vcov"):
                    wrong.append(f"{package}.{name}.{f.name}")
                if f.name == "event" and "int" in str(f.type):
                    wrong.append(f"{package}.{name}.event is a cause code")
    assert not wrong, wrong


def test_the_walk_sees_the_model_entry_points() -> None:
    """The checks above cannot pass vacuously, and the walk finds every public package."""
    assert set(LISTED) < set(PACKAGES)
    for package in ("escalation.policy", "escalation.simstudy", "escalation.compute"):
        assert package in PACKAGES
    names = {where for where, _ in _callables()}
    for expected in (
        "escalation.survival.fit_cox",
        "escalation.survival.kaplan_meier",
        "escalation.causal.estimate_effects",
        "escalation.causal.fit_propensity",
        "escalation.federated.profile_cox",
        "escalation.policy.evaluate_policies",
    ):
        assert expected in names
    assert escalation.survival.CurveResult is not escalation.causal.AdjustedCurveResult


def test_one_column_of_groups_is_group() -> None:
    """``group=`` names the column of groups (arms) everywhere; ``by=`` is only the
    pandas word for several grouping columns (a sequence), or, for one release, the
    deprecated alias (default ``None``) beside ``group=``."""
    wrong = []
    for where, function in _callables():
        parameters = inspect.signature(function).parameters
        by = parameters.get("by")
        if by is None or "Sequence" in str(by.annotation):
            continue
        if not (by.default is None and "group" in parameters):
            wrong.append(f"{where}: by: {by.annotation} = {by.default!r}")
    assert not wrong, wrong


def _takes_a_table(function: Callable[..., Any]) -> bool:
    first = next(iter(inspect.signature(function).parameters.values()), None)
    return first is not None and first.name in ("data", "frame")


def test_weights_of_a_table_are_a_column_or_values() -> None:
    """Where a function reads a table, ``weights=`` is the name of its column of weights
    or the weights themselves (one per row), in every function alike."""
    wrong = []
    for where, function in _callables():
        weights = inspect.signature(function).parameters.get("weights")
        if weights is None or not _takes_a_table(function):
            continue
        annotation = str(weights.annotation)
        both = "Weights" in annotation or ("str" in annotation and "ArrayLike" in annotation)
        if not both:
            wrong.append(f"{where}: weights: {annotation}")
    assert not wrong, wrong


def test_entry_points_take_spell_data() -> None:
    """A ``SpellData`` is accepted wherever a data frame of spells is."""
    wrong = []
    for where, function in _callables():
        name = where.rsplit(".", 1)[-1]
        if not (name.startswith(ENTRY_POINTS) or name in ("table_one", "profile_cox")):
            continue
        first = next(iter(inspect.signature(function).parameters.values()))
        annotation = str(first.annotation)
        if first.name in ("data", "frame") and not (
            "SpellData" in annotation or "Any" in annotation
        ):
            wrong.append(f"{where}: {first.name}: {annotation}")
    assert not wrong, wrong


def test_functions_of_a_cause_name_their_columns() -> None:
    """Where ``cause=`` picks a code of the event column of a table, ``duration=`` and
    ``event=`` name the columns (a table with its own names needs no renaming)."""
    lonely = []
    for where, function in _callables():
        parameters = inspect.signature(function).parameters
        if "cause" in parameters and _takes_a_table(function):
            lonely += [f"{where}: no {c}=" for c in ("duration", "event") if c not in parameters]
    assert not lonely, lonely


def test_array_arguments_are_named_in_the_vocabulary() -> None:
    """``duration``/``event`` name columns, except in the functions on arrays, which
    docs/vocabulary.md lists by name (as scikit-learn's metrics take arrays)."""
    page = (Path(__file__).resolve().parents[1] / "docs" / "vocabulary.md").read_text()
    arrays = {
        where
        for where, p in _parameters()
        if p.name in ("duration", "event") and "ArrayLike" in str(p.annotation)
    }
    assert arrays  # the walk finds them
    # the name after the package: ``roc_curve``, ``RiskModel.fit``
    unlisted = [w for w in sorted(arrays) if f"`{w.split('.', 2)[2]}`" not in page]
    assert not unlisted, unlisted
