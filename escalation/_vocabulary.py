"""The package's one vocabulary of arguments, and the deprecations of the old words.

``event`` is always the column of event codes and ``cause`` always the code; ``duration``,
``event``, ``treatment`` and ``cluster`` name columns everywhere; ``cluster="auto"`` means
the design's cluster for :class:`~escalation.timeline.SpellData` and none for a data frame.
See ``docs/vocabulary.md``.
"""

from __future__ import annotations

import importlib
import math
import numbers
import warnings
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from escalation.errors import DesignError, available_columns

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "AUTO",
    "INTERCEPT",
    "canonical_columns",
    "cause_code",
    "cause_from_event",
    "column_name",
    "covariates_apart",
    "design_cluster",
    "horizon_days",
    "is_whole_day",
    "moved_names",
    "not_data",
    "real_number",
    "refuse_repeats",
    "resolve_cluster",
    "spare_column",
    "spell_data_of",
    "spells_of",
    "warn_deprecated",
    "weights_column",
]

#: Default of every ``cluster=`` argument: the design's cluster for SpellData, else none.
AUTO: Final = "auto"
#: The intercept's term in every coefficient table (R's name: ``glm``, ``survreg``, ``lm``).
INTERCEPT: Final = "(Intercept)"


def warn_deprecated(message: str, *, stacklevel: int = 3) -> None:
    """Warn that an old name or meaning is deprecated (removed in the next release)."""
    warnings.warn(
        f"{message}; the old form will be removed in the next release",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def moved_names(old: str, new: str, names: Collection[str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that forwards ``names``, moved to module ``new``.

    Each access warns (:func:`warn_deprecated`) and returns the object from its new home;
    any other name raises :class:`AttributeError`, as a module without it would.

    Examples
    --------
    >>> import warnings
    >>> getattr_ = moved_names("old.place", "math", ["pi"])
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     round(getattr_("pi"), 2)
    3.14
    """
    moved = frozenset(names)

    def forward(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {old!r} has no attribute {name!r}")
        warn_deprecated(f"{old}.{name} moved to {new}.{name}; import it from there")
        return getattr(importlib.import_module(new), name)

    return forward


def cause_from_event(
    event: object, cause: int | None, *, function: str, default_event: str = "event"
) -> tuple[str, int | None]:
    """Return ``(event column, cause)``, accepting the deprecated ``event=<code>``.

    Before 0.2 some functions took the cause code as ``event=``; it is now ``cause=``, and
    ``event=`` names the column of event codes, as everywhere else.

    Raises
    ------
    DesignError
        When ``event`` is neither a column name nor (deprecated) a whole-number code, or
        both a code and ``cause`` are given.

    Examples
    --------
    >>> cause_from_event("status", 2, function="f")
    ('status', 2)
    """
    if event is None or (isinstance(event, int) and not isinstance(event, bool)):
        if cause is not None:
            raise DesignError(
                f"{function}: event={event!r} (a cause code, deprecated) and cause={cause!r} "
                "were both given; give the code as cause= only"
            )
        use = "cause=None (any event)" if event is None else f"cause={event}"
        warn_deprecated(
            f"{function}(event={event!r}) gave the cause code; event= now names the column "
            f"of event codes: use {use}",
            stacklevel=4,
        )
        return default_event, None if event is None else int(event)
    if not isinstance(event, str):
        raise DesignError(
            f"{function}: event= names the column of event codes (0 censored, 1, 2, ... the "
            f"cause), got {event!r}; the code is cause="
        )
    return event, cause


def cause_code(cause: object, *, function: str, argument: str = "cause") -> int:
    """Return ``cause`` as an int, or raise unless it is a whole number >= 1.

    An event code names a cause with 1, 2, ...; 0 means censored, so modelling "cause 0"
    would count censorings as events. A string (``'1'``) or a fraction (``1.5``) is
    refused rather than read as a code, and the value is shown with ``repr``.

    Raises
    ------
    DesignError
        When ``cause`` is not an integer (a bool is not) or is below 1.

    Examples
    --------
    >>> cause_code(np.int64(2), function="f")
    2
    >>> cause_code(0, function="gray_test")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: gray_test: cause must be an event code, a whole number >= 1 (0 means censored), got 0
    """  # noqa: E501
    if not isinstance(cause, bool) and isinstance(cause, numbers.Integral) and int(cause) >= 1:
        return int(cause)
    raise DesignError(
        f"{function}: {argument} must be an event code, a whole number >= 1 (0 means "
        f"censored), got {cause!r}"
    )


def column_name(value: object, *, function: str, argument: str) -> object:
    """Return ``value``, an argument naming one column, or raise if it cannot be one.

    ``group``, ``strata``, ``duration`` and ``event`` of the curves and tests name one
    column each: a list, a set, an array or a Series (several columns, or the values
    themselves) failed with pandas' "unhashable type: 'list'". The items are not
    shown: they may be a column's values.

    Raises
    ------
    DesignError
        When ``value`` is a list, tuple, set, dictionary, array or Series.

    Examples
    --------
    >>> column_name("sex", function="kaplan_meier", argument="group")
    'sex'
    >>> column_name(["sex"], function="kaplan_meier", argument="group")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: kaplan_meier: group is the name of one column, got a list of 1; for groups of several columns, combine them into one column first
    """  # noqa: E501
    if isinstance(value, list | tuple | set | frozenset | dict | np.ndarray | pd.Series):
        # the items are not shown: they may be a column's values (personal data)
        plural = "groups" if argument == "group" else argument
        raise DesignError(
            f"{function}: {argument} is the name of one column, got a "
            f"{type(value).__name__} of {len(value)}; for {plural} of several columns, "
            "combine them into one column first"
        )
    return value


def real_number(value: object, *, function: str | None, argument: str) -> float:
    """Return ``value`` as a float, or raise unless it is a real number (not text).

    Text such as ``"0.95"`` or ``"30"`` failed inside numpy ("'<' not supported between
    instances of 'float' and 'str'", "ufunc 'isfinite' not supported").

    Raises
    ------
    DesignError
        When ``value`` is not a real number (a bool is not one either).

    Examples
    --------
    >>> real_number(np.float64(0.9), function="f", argument="conf_level")
    0.9
    >>> real_number("0.95", function="fit_cox", argument="conf_level")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: fit_cox: conf_level must be a number, got text '0.95'
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        kind = "text" if isinstance(value, str) else f"a {type(value).__name__}"
        where = f"{function}: " if function else ""
        raise DesignError(f"{where}{argument} must be a number, got {kind} {value!r}")
    return float(value)


def design_cluster(data: Any) -> str | None:
    """Return the cluster column the design implies for ``data``, or ``None``.

    Spells of one family share a ``family_id``, so the design clusters by family; with
    several local authorities and ``[analysis] authority = "cluster"`` it clusters by
    authority (``la``). A plain data frame implies no clustering.
    """
    cluster = getattr(data, "cluster", None)
    return cluster if isinstance(cluster, str) else None


def resolve_cluster(data: Any, cluster: str | None) -> str | None:
    """Return the cluster column to use: ``"auto"`` becomes :func:`design_cluster`."""
    if cluster == AUTO:
        return design_cluster(data)
    if cluster is not None and not isinstance(cluster, str):
        raise DesignError(f"cluster= names a column (or is None or 'auto'), got {cluster!r}")
    return cluster


def canonical_columns(
    frame: pd.DataFrame, columns: Mapping[str, str | None], *, table: str = "spells"
) -> pd.DataFrame:
    """Return ``frame`` with the user's column names renamed to the package's own.

    ``columns`` maps the package's name (``"duration"``) to the user's (``"week"``). The
    frame is returned unchanged when the names already agree.

    Raises
    ------
    DesignError
        When a named column is missing, or renaming would hide another column of the
        same name.

    Examples
    --------
    >>> frame = pd.DataFrame({"week": [3], "arrest": [1]})
    >>> canonical_columns(frame, {"duration": "week", "event": "arrest"}).columns.tolist()
    ['duration', 'event']
    """
    renames = {user: own for own, user in columns.items() if user is not None and user != own}
    for own, user in columns.items():
        if user is not None and user not in frame.columns:
            raise DesignError(
                f"the {own} column {user!r} is not in the {table} table"
                f"{available_columns([user], frame.columns)}"
            )
    if not renames:
        return frame
    clash = [own for user, own in renames.items() if own in frame.columns and own not in renames]
    if clash:
        raise DesignError(
            f"the {table} table has column(s) {', '.join(clash)} as well as the column(s) "
            f"named for them ({', '.join(u for u, o in renames.items() if o in clash)}); "
            "rename one of them"
        )
    return frame.rename(columns=renames)


def spells_of(data: object, *, function: str) -> pd.DataFrame:
    """Return the table of spells of ``data`` (a SpellData's ``spells``, or a data frame).

    Every entry point that reads spells takes a :class:`~escalation.timeline.SpellData`
    as well as a data frame of spells (docs/vocabulary.md).

    Raises
    ------
    DesignError
        When ``data`` is neither (naming its type and what to pass).

    Examples
    --------
    >>> spells_of(pd.DataFrame({"duration": [3]}), function="fit_propensity").shape
    (1, 1)
    """
    from escalation.timeline.spells import SpellData

    if isinstance(data, SpellData):
        return data.spells
    if isinstance(data, pd.DataFrame):
        return data
    raise not_data(data, function=function)


def not_data(data: object, *, function: str, table: str = "spells") -> DesignError:
    """Return the error for ``data`` that is neither a SpellData nor a data frame.

    ``table`` says what a data frame given instead must hold (``"spells"``, or e.g. the
    transitions of a multi-state model). One wording for every entry point.

    Examples
    --------
    >>> print(not_data([1, 2], function="fit_cox"))
    fit_cox: data must be a SpellData or a pandas DataFrame of spells, got list
    """
    return DesignError(
        f"{function}: data must be a SpellData or a pandas DataFrame of {table}, got "
        f"{type(data).__name__}"
    )


def spell_data_of(
    data: object,
    *,
    function: str,
    uses: str = "its design and case history",
    make: str = "make one with build_spells(history, design)",
) -> SpellData:
    """Return ``data``, a :class:`~escalation.timeline.SpellData`, or refuse it.

    For the entry points that need more than a table of spells: the design the spells
    were built with, or their link to the case history. ``uses`` says what of it,
    ``make`` how to give it.

    Raises
    ------
    DesignError
        When ``data`` is anything else (a data frame of spells included), naming the
        function, what it needs and how to make it.

    Examples
    --------
    >>> spell_data_of(pd.DataFrame(), function="evaluate_policies", uses="its design")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: evaluate_policies needs a SpellData (its design), got \
DataFrame; make one with build_spells(history, design)
    """
    from escalation.timeline.spells import SpellData

    if isinstance(data, SpellData):
        return data
    raise DesignError(f"{function} needs a SpellData ({uses}), got {type(data).__name__}; {make}")


def spare_column(name: str, taken: Collection[object]) -> str:
    """Return ``name``, lengthened with underscores until it is not among ``taken``.

    For the helper columns (``_duration``, ``_event``) a function adds to a table of the
    user's covariates, so that a covariate of the same name is never overwritten.

    Examples
    --------
    >>> spare_column("_event", ["x", "_event"])
    '_event_'
    """
    names = {str(t) for t in taken}
    while name in names:
        name += "_"
    return name


def weights_column(
    frame: pd.DataFrame, weights: object, *, function: str, table: str = "spells"
) -> tuple[pd.DataFrame, str | None]:
    """Return ``frame`` and the name of its column of case weights.

    ``weights`` names a column of ``frame``, or holds the weights themselves (an array or
    list with one value per row of ``frame``, in its row order; a Series matched to the
    rows by its index): they are then added to a copy of ``frame`` as a column whose name
    no other column has.

    Raises
    ------
    DesignError
        When the column named is not in ``frame``, an array's length is not the number
        of rows of ``frame``, or ``weights`` is neither a name nor one-dimensional values.

    Examples
    --------
    >>> frame = pd.DataFrame({"duration": [3, 5], "event": [1, 0]})
    >>> with_weights, column = weights_column(frame, [1.0, 2.5], function="fit_cox")
    >>> column, with_weights[column].tolist()
    ('_weights', [1.0, 2.5])
    >>> weights_column(frame.assign(w=[1.0, 2.0]), "w", function="fit_cox")[1]
    'w'
    """
    if weights is None:
        return frame, None
    if isinstance(weights, str):
        if weights not in frame.columns:
            raise DesignError(
                f"{function}: the weights column {weights!r} is not in the {table} table"
                f"{available_columns([weights], frame.columns)}"
            )
        return frame, weights
    if isinstance(weights, pd.Series) and not weights.index.equals(frame.index):
        weights = _aligned(weights, frame, function=function, table=table)
    values = np.asarray(weights)
    if values.ndim != 1 or len(values) != len(frame):
        shape = "x".join(map(str, values.shape)) or "a single value"
        raise DesignError(
            f"{function}: weights= is the name of the column of case weights or one weight "
            f"per row of the {table} table ({len(frame)} rows), got {shape}; in doubt, add "
            "them as a column (frame.assign(w=weights)) and pass weights='w'"
        )
    column = spare_column("_weights", frame.columns)
    return frame.assign(**{column: values}), column


def _aligned(weights: pd.Series, frame: pd.DataFrame, *, function: str, table: str) -> pd.Series:
    """Return a Series of weights in the row order of ``frame``, matched by index label.

    A Series is matched by its index, as pandas matches it (a table sorted since its
    weights were computed keeps each row's weight); one whose labels are not those of
    the table's rows is refused rather than taken in row order.
    """
    if (
        weights.index.is_unique
        and frame.index.is_unique
        and len(weights) == len(frame)
        and weights.index.isin(frame.index).all()
    ):
        return weights.reindex(frame.index)
    raise DesignError(
        f"{function}: weights= is a Series whose index is not that of the {table} table's "
        "rows, so which weight is whose cannot be told; pass weights with the table's "
        "index (or their values in row order: weights.to_numpy())"
    )


def covariates_apart(covariates: Collection[object] | None, columns: Mapping[str, str]) -> None:
    """Refuse covariates that are also the model's outcome or treatment column.

    ``columns`` maps a role (``"duration"``, ``"event"``, ``"treatment"``) to the user's
    column. A model given its own outcome (or the treatment it estimates the effect of)
    as a covariate fits something other than what was asked, or fails on a singular
    information matrix that does not say why.

    Raises
    ------
    DesignError
        Naming each covariate that is also an outcome or treatment column.

    Examples
    --------
    >>> covariates_apart(["age", "event"], {"duration": "duration", "event": "event"})
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: covariate 'event' is the event column; ...
    """
    clashes = [
        f"covariate {column!r} is the {role} column"
        for role, column in columns.items()
        if covariates is not None and column in covariates
    ]
    if clashes:
        raise DesignError(
            f"{'; '.join(clashes)}; a model's outcome and treatment cannot also be its "
            "covariates: leave them out of the covariates"
        )


def is_whole_day(value: object) -> bool:
    """Whether ``value`` is a positive whole number of days (365 or 365.0; not 0, 0.5 or True).

    The one rule of a horizon: the design file's ``[outcome] horizons`` and the
    ``horizons=`` of :func:`~escalation.causal.estimate_effects`.

    Examples
    --------
    >>> [is_whole_day(v) for v in (365, 365.0, 101.9, 0, -30, True, float("inf"), "365")]
    [True, True, False, False, False, False, False, False]
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return False
    days = float(value)
    return math.isfinite(days) and days.is_integer() and days > 0


def horizon_days(
    horizons: object, refuse: Callable[[str], Exception] | None = None
) -> tuple[int, ...]:
    """Return horizons as whole days, sorted, or refuse them naming the problem.

    The one rule of a list of horizons: the design file's ``[outcome] horizons`` and the
    ``horizons=`` of the causal and policy functions. A fractional horizon was estimated
    at its value but labelled with its whole part (two horizons could share one label),
    and 0 or a negative one gave rows of risk 0.

    Parameters
    ----------
    horizons : list or tuple of numbers
        Days after time zero. Only a list or tuple (or a one-dimensional numpy array):
        text would read as its characters ("365" as 3, 6 and 5), a table (dict) as its
        keys with its values ignored, and a single number is not a list.
    refuse : callable, optional
        Makes the error from the problem's wording (the design file names its section
        and key); by default a :class:`DesignError` naming ``horizons = <value>``.

    Raises
    ------
    DesignError
        Naming the problem: not a list, empty, the first horizon that is not a positive
        whole number of days (:func:`is_whole_day`), or each one given twice.

    Examples
    --------
    >>> horizon_days([730, 365.0])
    (365, 730)
    >>> horizon_days([101.9])
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: horizons = [101.9]: horizon 101.9 is not a positive \
whole number of days; give horizons as days after time zero, e.g. [365, 730]
    >>> horizon_days("365")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: horizons = '365': must be a list of days such as [365], \
not text
    """
    problem, days = _horizon_problem(horizons)
    if problem:
        raise (refuse or (lambda why: DesignError(f"horizons = {horizons!r}: {why}")))(problem)
    return tuple(sorted(days))


def _horizon_problem(horizons: object) -> tuple[str, list[int]]:
    """Return what is wrong with ``horizons`` ("" if nothing) and their whole days."""
    if isinstance(horizons, str | bytes):
        # a string is iterable: "365" would otherwise read as the horizons 3, 6 and 5
        return "must be a list of days such as [365], not text", []
    listed = isinstance(horizons, np.ndarray) and horizons.ndim == 1
    if not (listed or isinstance(horizons, list | tuple)):  # a table would read as its keys
        return "must be a list of days, e.g. [365]", []
    values = list(horizons)  # type: ignore[call-overload]
    if not values:
        return "needs at least one horizon in days", []
    for value in values:
        if not is_whole_day(value):
            return (
                f"horizon {value!r} is not a positive whole number of days; give horizons "
                "as days after time zero, e.g. [365, 730]"
            ), []
    days = [int(float(v)) for v in values]
    twice = repeated(days)
    if twice:
        return f"lists a horizon twice ({', '.join(map(str, twice))}); list each once", []
    return "", days


def repeated(values: Iterable[object]) -> list[object]:
    """Return each value given more than once, in the order of its second appearance.

    Examples
    --------
    >>> repeated([1, 2, 1, 3, 2, 1])
    [1, 2]
    """
    seen: list[object] = []
    twice: list[object] = []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.append(value)
    return twice


def refuse_repeats(what: str, values: Iterable[object], why: str = "") -> None:
    """Refuse a list of names (covariates, causes, models, ...) with one given twice.

    A repeated name would be fitted, summarised or reported twice (or, as a covariate,
    left out as collinear with itself).

    Raises
    ------
    DesignError
        Naming each value given more than once.

    Examples
    --------
    >>> refuse_repeats("cause(s)", [1, 2, 1])
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: cause(s) listed more than once: 1; list each once
    """
    twice = repeated(values)
    if twice:
        reason = f" ({why})" if why else ""
        raise DesignError(
            f"{what} listed more than once: {', '.join(map(str, twice))}; list each once{reason}"
        )
