"""Model formulas, as R and statsmodels users write them: ``Surv(duration, event) ~ x + C(g)``.

Every model entry point of the package (:func:`~escalation.survival.fit_cox`,
:func:`~escalation.survival.fit_aft`, :func:`~escalation.survival.fit_fine_gray`,
:func:`~escalation.survival.fit_cause_specific`, :func:`~escalation.causal.fit_propensity`,
:func:`~escalation.causal.estimate_curves`, :func:`~escalation.causal.estimate_effects`,
:func:`~escalation.causal.pooled_logistic_survival`) takes ``formula=``. The right-hand
side is a `formulaic <https://matthewwardrop.github.io/formulaic/>`_ formula, so everything
formulaic knows works:

==============================================  ===============================================
``x + z``                                       main effects
``C(g)``, ``g`` (text column)                   indicators; reference = first level in code
                                                order (sorted, numerically when every level
                                                is a number, or a ``Categorical``'s order),
                                                as R's ``factor`` and ``covariates=[...]``
``C(g, Treatment('ref'))``                      indicators against the level ``ref``
                                                (``contr.treatment('ref')`` also works)
``a:b``, ``a*b``                                interaction; both main effects and interaction
``bs(age, df=3)``                               B-spline basis, as R's ``splines::bs``
``I(age**2)``, ``np.log(x)``                    any Python expression
==============================================  ===============================================

The coded columns are named as formulaic (and patsy, and statsmodels) names them: a text
column ``g`` gives ``g[T.b]``, ``C(g)`` gives ``C(g)[T.b]`` and ``C(g, Treatment('b'))``
gives ``C(g, Treatment('b'))[T.a]``: the term as written, then ``[T.level]``, the
indicator of ``level`` against the reference (``T.``: treatment contrasts; a level's text is
shown as it is in the data). ``covariates=["g"]`` names the same indicator ``g_b``. The
levels, their order and the reference are the same in the three
(:func:`~escalation.timeline.matrix.level_order`; a text column of pandas' ``string``
type too), so the estimates are the same and only the names differ; ``g`` and ``C(g)``
are one model.

Two special terms are taken out of the right-hand side, as R's ``survival`` does:
``strata(g)`` (or ``strata(g, h)``) gives each level its own baseline hazard, and
``cluster(family_id)`` asks for the cluster-robust (sandwich) variance.

The left-hand side names the outcome columns: ``Surv(duration, event)`` (the event column
holds 0 for censored and 1, 2, ... for the cause), ``Surv(duration, event == 2)`` (the
cause 2: the same as ``cause=2``), ``Surv(start, stop, event)`` (counting-process rows,
``fit_cox`` only), or a bare column (``treatment ~ ...``) for a propensity model.

The design matrix is made by formulaic and the model is then fitted by the package's one
numerical core (:mod:`escalation.core`); a formula is only another way to say which
columns go in. Missing values in a variable the formula uses are an error naming the
column and the row (nothing is dropped silently), and a personal column (``C(child_id)``)
is refused, as in a list of covariates (:func:`~escalation.errors.refuse_personal`). An
error quotes the formula as :func:`~escalation._formula_shown.shown_formula` shows it: a
value typed in a term of a personal column (``C(child_id, Treatment('C0042'))``) is
withheld. A model always has its
intercept (or baseline hazard): categorical variables are coded against a reference
level, as in R.

Examples
--------
>>> import pandas as pd
>>> f = parse_formula("Surv(week, arrest) ~ fin + C(race, Treatment('other')) + strata(wexp)")
>>> f.response, f.cause, f.rhs, f.strata, f.cluster
(('week', 'arrest'), None, "fin + C(race, Treatment('other'))", ('wexp',), None)
>>> frame = pd.DataFrame({"fin": [0, 1, 1, 0], "race": ["black", "other", "black", "other"]})
>>> FormulaCoding.learn(frame, "fin + race").names
('fin', 'race[T.other]')
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._finite import finite_numbers, finite_problems
from escalation._formula_shown import shown_formula, uses_personal
from escalation.errors import (
    COVARIATE_ROLE,
    DataValidationError,
    DesignError,
    StatisticalWarning,
    available_columns,
    refuse_personal,
)
from escalation.timeline.matrix import in_level_order, refuse_stray_words

__all__ = [
    "FormulaCoding",
    "ModelFormula",
    "check_complete",
    "formula_argument",
    "parse_formula",
    "split_formula",
    "warn_rare_levels",
]

#: The heading of an error about the values a formula uses.
_CONTEXT = "formula data"
_SPECIAL = re.compile(r"^\s*(strata|cluster)\s*\((.*)\)\s*$", re.DOTALL)


@dataclass(frozen=True)
class ModelFormula:
    """A parsed model formula.

    Attributes
    ----------
    formula : str
        The formula as given.
    response : tuple of str
        Column names of the left-hand side: ``(duration, event)``, ``(start, stop,
        event)`` or ``(treatment,)``; empty without a left-hand side.
    cause : int or None
        The cause of ``Surv(duration, event == k)``; ``None`` otherwise.
    rhs : str
        The right-hand side without ``strata()`` and ``cluster()`` terms.
    strata : tuple of str
        Columns of ``strata(...)``.
    cluster : str or None
        Column of ``cluster(...)``.
    """

    formula: str
    response: tuple[str, ...]
    cause: int | None
    rhs: str
    strata: tuple[str, ...] = ()
    cluster: str | None = None

    @property
    def survival(self) -> bool:
        """Whether the left-hand side is ``Surv(...)``."""
        return len(self.response) in (2, 3)

    @property
    def counting(self) -> bool:
        """Whether the left-hand side is ``Surv(start, stop, event)``."""
        return len(self.response) == 3


def _error(formula: str, why: str) -> DesignError:
    """Return the error of ``formula``, quoted as :func:`shown_formula` shows it."""
    return DesignError(f"formula {shown_formula(formula)!r}: {why}")


def _reason(error: Exception, text: str) -> str:
    """Return formulaic's message about ``text``: only its kind if ``text`` uses a personal column.

    formulaic's message may quote the term it could not read, or the values it met.
    """
    return type(error).__name__ if uses_personal(text) else str(error)


def _column(node: ast.expr, formula: str) -> str:
    if isinstance(node, ast.Name):
        return node.id
    raise _error(
        formula,
        f"Surv() takes column names, got {shown_formula(ast.unparse(node))!r}; make a column first",
    )


def _response(lhs: str, formula: str) -> tuple[tuple[str, ...], int | None]:
    """Return the response columns and the cause of a left-hand side."""
    try:
        node = ast.parse(lhs.strip(), mode="eval").body
    except SyntaxError as error:
        raise _error(
            formula, f"cannot read the left-hand side {shown_formula(lhs.strip())!r}"
        ) from error
    if isinstance(node, ast.Name):
        return (node.id,), None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise _error(formula, "the left-hand side must be Surv(duration, event) or a column")
    if node.func.id != "Surv" or node.keywords or len(node.args) not in (2, 3):
        raise _error(
            formula,
            "the left-hand side must be Surv(duration, event), Surv(duration, event == k) "
            "or Surv(start, stop, event)",
        )
    *times, status = node.args
    cause = None
    if isinstance(status, ast.Compare):
        ops, right = status.ops, status.comparators
        if not (
            len(ops) == 1
            and isinstance(ops[0], ast.Eq)
            and isinstance(right[0], ast.Constant)
            and isinstance(right[0].value, int)
            and not isinstance(right[0].value, bool)
        ):
            raise _error(formula, "the event of Surv() is a column or `column == k` (k a cause)")
        cause = int(right[0].value)
        status = status.left
    return (*(_column(t, formula) for t in times), _column(status, formula)), cause


def _special_columns(inner: str, formula: str) -> tuple[str, ...]:
    try:
        node = ast.parse(f"f({inner})", mode="eval").body
    except SyntaxError as error:
        raise _error(formula, f"cannot read ({shown_formula(inner)})") from error
    assert isinstance(node, ast.Call)
    if node.keywords or not node.args:
        raise _error(formula, "strata() and cluster() take column names")
    return tuple(_column(arg, formula) for arg in node.args)


def split_formula(formula: str) -> tuple[str, str]:
    """Return the left- and right-hand sides of ``lhs ~ rhs`` (left empty without ``~``).

    Examples
    --------
    >>> split_formula("Surv(t, e) ~ x + y")
    ('Surv(t, e)', 'x + y')
    >>> split_formula("x + y")
    ('', 'x + y')
    """
    if formula.count("~") > 1:
        raise _error(formula, "use one '~' between the outcome and the covariates")
    lhs, _, rhs = formula.rpartition("~")
    return lhs.strip(), rhs.strip()


def parse_formula(formula: str) -> ModelFormula:
    """Parse a model formula into its response, covariates, strata and cluster.

    Parameters
    ----------
    formula : str
        ``"Surv(duration, event) ~ x + C(g) + strata(h) + cluster(family_id)"``, or
        ``"treatment ~ x"``, or a right-hand side alone.

    Returns
    -------
    ModelFormula

    Raises
    ------
    DesignError
        When the formula cannot be read, ``strata()``/``cluster()`` appear inside
        another term, there is more than one ``cluster()``, or the intercept is removed.
    """
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    if not isinstance(formula, str) or not formula.strip():
        given = repr(formula) if isinstance(formula, str) else type(formula).__name__
        raise DesignError(f"a formula must be a non-empty string, got {given}")
    lhs, rhs = split_formula(formula)
    response, cause = _response(lhs, formula) if lhs else ((), None)
    if not rhs:
        raise _error(formula, "the right-hand side is empty; name at least one covariate")
    try:
        parsed = Formula(rhs)
    except (FormulaicError, SyntaxError, ValueError) as error:
        raise _error(formula, f"cannot read the right-hand side ({_reason(error, rhs)})") from error
    strata: list[str] = []
    clusters: list[str] = []
    kept: list[str] = []
    intercept = False
    for term in parsed:
        text = str(term)
        if text == "1":
            intercept = True
            continue
        exprs = [factor.expr for factor in term.factors]
        special = [_SPECIAL.match(expr) for expr in exprs]
        if any(special):
            match = special[0]
            if len(exprs) > 1 or match is None:
                raise _error(
                    formula,
                    f"strata() and cluster() must be terms of their own: {shown_formula(text)}",
                )
            columns = _special_columns(match.group(2), formula)
            (strata if match.group(1) == "strata" else clusters).extend(columns)
            continue
        kept.append(text)
    if not intercept:
        raise _error(
            formula,
            "the intercept (or baseline hazard) cannot be removed ('0 +' or '- 1'); "
            "categorical variables are coded against a reference level instead",
        )
    if len(clusters) > 1:
        raise _error(formula, f"give one cluster() column, got {', '.join(clusters)}")
    if not kept:
        raise _error(formula, "the formula has no covariates besides strata() and cluster()")
    return ModelFormula(
        formula=formula,
        response=response,
        cause=cause,
        rhs=" + ".join(kept),
        strata=tuple(strata),
        cluster=clusters[0] if clusters else None,
    )


def _factor_trees(parsed: Any) -> Iterator[ast.Expression]:
    """Yield the syntax tree of each factor of a parsed formula's terms (``C(g)``, ``x``)."""
    for term in parsed:
        for factor in term.factors:
            try:
                yield ast.parse(str(factor.expr), mode="eval")
            except SyntaxError:
                continue


def _variables(parsed: Any) -> set[str]:
    """Return the names a formula's terms use as values: its variables, not its functions.

    formulaic's ``required_variables`` misses those inside a stateful transform
    (``bs(age, df=3)``) and counts a function it does not know (``myf(x)``); a name only
    ever called (``C``, ``Treatment``, ``bs``) is a function, not a column.

    Examples
    --------
    >>> from formulaic import Formula
    >>> sorted(_variables(Formula("C(g, Treatment('b')) + bs(age, df=3) + np.log(x)")))
    ['age', 'g', 'np', 'x']
    """
    values: set[str] = set()
    called: set[str] = set()
    for tree in _factor_trees(parsed):
        functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name):
                (called if id(node) in functions else values).add(node.id)
    return ({str(v) for v in parsed.required_variables} | values) - (called - values)


def _check_variables(frame: pd.DataFrame, variables: set[str], rhs: str) -> None:
    """Raise naming a personal variable, or the column and rows of missing or infinite values.

    A personal column (an identifier, a birth date, note text) is no covariate, as in a
    list of ``covariates=`` (:func:`~escalation.errors.refuse_personal` with
    :data:`~escalation.errors.COVARIATE_ROLE`): refused before formulaic reads the data,
    whose warnings (``DataMismatchWarning``) and errors may quote its values. An infinite
    number, as a missing one, has no place in a model: it made the column "not vary" and
    left it out of the fit, where ``covariates=`` refuses it. Text is a level of a
    categorical variable (:func:`~escalation._finite.finite_numbers`).
    """
    refuse_personal(sorted(variables), COVARIATE_ROLE, "data")
    why = (
        f"a variable of the formula {shown_formula(rhs)!r} needs a value in every row: "
        "impute them or leave the rows out explicitly first"
    )
    declared = _declared_categorical(rhs)
    for name in sorted(v for v in variables if v in frame.columns):
        finite_numbers(frame[name], table="data", why=why, text_allowed=True, context=_CONTEXT)
        if name not in declared:
            refuse_stray_words(frame[name], table="data")


def _declared_categorical(rhs: str) -> set[str]:
    """Return the variables a formula uses inside ``C()`` only (declared categorical).

    Any other use (``x``, ``np.log(x)``, ``x:C(g)``) reads the variable as numbers, so a
    column of numbers holding a few words is refused
    (:func:`~escalation.timeline.matrix.refuse_stray_words`), not coded as one level per
    number whose values name the coefficients.

    Examples
    --------
    >>> sorted(_declared_categorical("x + C(g) + C(h):h2 + np.log(h)"))
    ['g']
    """
    inside, outside = _categorical_uses(rhs)
    return inside - outside


def _categorical_uses(rhs: str) -> tuple[set[str], set[str]]:
    """Return the names a formula uses inside a ``C()`` factor, and those used elsewhere."""
    from formulaic import Formula

    inside: set[str] = set()
    outside: set[str] = set()
    for tree in _factor_trees(Formula(rhs)):
        body = tree.body
        declared = isinstance(body, ast.Call) and getattr(body.func, "id", None) == "C"
        functions = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        names = {
            node.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Name) and id(node) not in functions
        }
        (inside if declared else outside).update(names)
    return inside, outside


def warn_rare_levels(
    frame: pd.DataFrame, coding: FormulaCoding, min_count: int, *, stacklevel: int = 2
) -> None:
    """Warn that a formula's categorical variables have levels rarer than ``min_count``.

    ``min_count`` pools the rare levels of a list of covariates
    (:class:`~escalation.timeline.CovariateCoding`); a formula's levels are used as
    written (``C(g)`` codes every level of ``g``). The warning names each categorical
    variable (in ``C()``, or a text column) with rarer levels and counts them; the level
    values are not shown.

    Examples
    --------
    >>> import warnings
    >>> frame = pd.DataFrame({"g": ["a"] * 5 + ["b"], "x": range(6)})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_rare_levels(frame, FormulaCoding.learn(frame, "x + C(g)"), 2)
    >>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
    the formula's categorical variable(s) 'g' (1 of its 2 levels) have levels with fewer
    than min_count=2 rows: a formula's levels are used as written (min_count pools the
    levels of covariates=[...] only); merge the rare levels in the data, or name the
    confounders as covariates= to have them pooled into 'other'
    """
    inside, _ = _categorical_uses(coding.formula)
    rare: list[str] = []
    for name in coding.columns:
        values = frame[name]
        text = pd.api.types.is_object_dtype(values.dtype) or pd.api.types.is_string_dtype(
            values.dtype
        )
        if name not in inside and not text and not isinstance(values.dtype, pd.CategoricalDtype):
            continue
        counts = values.value_counts(dropna=False)
        fewer = int((counts < min_count).sum())
        if fewer:
            rare.append(f"{name!r} ({fewer} of its {len(counts)} levels)")
    if rare:
        warnings.warn(
            f"the formula's categorical variable(s) {', '.join(rare)} have levels with fewer "
            f"than min_count={min_count} rows: a formula's levels are used as written "
            "(min_count pools the levels of covariates=[...] only); merge the rare levels "
            "in the data, or name the confounders as covariates= to have them pooled into "
            "'other'",
            StatisticalWarning,
            stacklevel=stacklevel + 1,
        )


def _factor_variables(rhs: str) -> set[str]:
    """Return the variables a formula codes by their levels: ``g`` or ``C(g, ...)`` factors.

    Other uses (``I(g == 'a')``, ``np.log(x)``) read the column's values as they are.

    Examples
    --------
    >>> sorted(_factor_variables("x + g + C(h, Treatment('b')) + x:k + I(m == 'a')"))
    ['g', 'h', 'k', 'x']
    """
    from formulaic import Formula

    names: set[str] = set()
    for tree in _factor_trees(Formula(rhs)):
        body = tree.body
        if isinstance(body, ast.Call) and ast.unparse(body.func) == "C" and body.args:
            body = body.args[0]
        if isinstance(body, ast.Name):
            names.add(body.id)
    return names


def _text_as_categories(frame: pd.DataFrame, variables: Iterable[str]) -> pd.DataFrame:
    """Return ``frame`` with its text columns among ``variables`` as ``Categorical``.

    A text column (``object``, or pandas' ``string``) is a categorical variable of a
    formula, written ``g`` or ``C(g)``, as in ``covariates=[...]``. Its categories are put
    in the package's one code order (:func:`~escalation.timeline.matrix.level_order`:
    sorted, numerically when every level is a number), so the reference level and the
    order of the coded columns are those of
    :class:`~escalation.timeline.CovariateCoding`: formulaic sorted ``"2"`` after
    ``"10"``, and read a ``string`` column as numbers (a ``ValueError`` when coded). A
    ``Categorical`` keeps its declared order; other columns are left as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"g": ["10", "2", "9"], "s": pd.array(["b", "a", "b"], "string")})
    >>> [list(c.cat.categories) for _, c in _text_as_categories(frame, {"g", "s"}).items()]
    [['2', '9', '10'], ['a', 'b']]
    """
    text = [
        name
        for name in sorted(variables)
        if name in frame.columns
        and not isinstance(frame[name].dtype, pd.CategoricalDtype)
        and (
            pd.api.types.is_object_dtype(frame[name].dtype)
            or pd.api.types.is_string_dtype(frame[name].dtype)
        )
    ]
    if not text:
        return frame
    return frame.assign(**{name: in_level_order(frame[name]) for name in text})


def _check_coded(
    matrix: pd.DataFrame, rhs: str, input_rows: npt.NDArray[np.int64] | None = None
) -> None:
    """Raise naming the rows and coded columns where a transform of the formula is not finite.

    The variables are checked before coding (:func:`_check_variables`); a transform can
    still make a missing or infinite value of finite ones (``I(1/x)`` at 0, ``np.log(x)``
    at 0), which a fit read as a column that "does not vary" and left out, and a
    prediction passed on. ``input_rows``: the input row of each row of ``matrix`` (rows
    expanded from one, as a person's intervals, are counted once:
    :func:`~escalation._finite.finite_problems`).
    """
    why = (
        f"a term of the formula {shown_formula(rhs)!r} is not finite although its variables "
        "are (a division by 0, or the log of 0 or less): change the transform or leave those "
        "rows out first"
    )
    problems = []
    for column in matrix.columns:  # coded terms are floats, never text: "missing or infinite"
        problems += finite_problems(
            matrix[column], table="data", why=why, text_allowed=True, input_rows=input_rows
        )[1]
    if problems:
        raise DataValidationError(problems, _CONTEXT)


def check_complete(frame: pd.DataFrame, formula: str) -> None:
    """Raise naming the column and rows of ``frame`` where a variable of ``formula`` is missing.

    For callers that expand the rows before coding them (the pooled logistic model's one
    row per interval), so that the error names the row of the data as given.

    Raises
    ------
    DataValidationError
        When a variable the right-hand side uses is personal (no covariate), or has
        missing or infinite values (naming the first such variable's rows).

    Examples
    --------
    >>> check_complete(pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "b"]}), "x + C(g)")
    """
    from formulaic import Formula

    rhs = parse_formula(formula).rhs
    _check_variables(frame, _variables(Formula(rhs)), rhs)


_BUILTIN_TYPES = frozenset(
    name for name, value in vars(builtins).items() if isinstance(value, type)
)
"""Names an expression may use that are no columns: ``int`` in ``I(x.astype(int))``."""

_LEVELS_SHOWN = 20
"""The most levels an error lists."""


def _coding_error(
    frame: pd.DataFrame, rhs: str, variables: set[str], error: Exception
) -> DesignError:
    """Return the error of a formula formulaic could not code: what in it is wrong.

    A variable that is not a column of ``frame``, then a reference level that is not a
    level of its variable; otherwise formulaic's own message.
    """
    from formulaic.transforms import TRANSFORMS

    known = set(map(str, frame.columns)) | set(TRANSFORMS) | {"numpy"} | _BUILTIN_TYPES
    missing = sorted(variables - known)
    if missing:  # no personal column reaches here (_check_variables refused it)
        unquoted = [m for m in missing if re.search(rf"Treatment\(\s*{re.escape(m)}\s*\)", rhs)]
        if unquoted:  # C(g, Treatment(b)): a level, read as a variable
            return _error(
                rhs,
                f"a reference level is text in quotes: write Treatment('{unquoted[0]}'), "
                f"not Treatment({unquoted[0]})",
            )
        return DesignError(
            f"formula {shown_formula(rhs)!r} uses {', '.join(missing)}, not in the data"
            f"{available_columns(missing, frame.columns)}"
        )
    reference = _unknown_reference(frame, rhs)
    if reference is not None:
        return _error(rhs, reference)
    for name, instead in _R_FUNCTIONS.items():
        if re.search(rf"(?<![\w.]){re.escape(name)}\(", rhs):
            return _error(rhs, f"{name}() is R's, not a function here: {instead}")
    if _PYTHON_CARET.search(rhs):  # R's power, Python's exclusive or
        return _error(
            rhs,
            "inside I() (and any Python expression) '^' is Python's exclusive or, not a "
            "power as in R: write I(x**2) for x squared",
        )
    return _error(rhs, f"cannot be evaluated on the data ({_reason(error, rhs)})")


#: R's functions of a model formula that formulaic does not have, and what to write here.
_R_FUNCTIONS: Final = {
    "factor": "write C(g) for the indicators of g's levels",
    "as.factor": "write C(g) for the indicators of g's levels",
    "relevel": "write C(g, Treatment('b')) for g against its level 'b'",
    "ns": (
        "write bs(x, df=3) for a B-spline (R's splines::bs), or cr(x, df=4) for "
        "formulaic's natural cubic spline (its df counts a constant the model leaves out)"
    ),
    "offset": "a model here has no offset",
}

#: ``^`` inside ``I(...)``: a power in R, where Python reads an exclusive or.
_PYTHON_CARET: Final = re.compile(r"\bI\([^()]*(?:\([^()]*\)[^()]*)*\^")


def _unknown_reference(frame: pd.DataFrame, rhs: str) -> str | None:
    """Return why a ``C()`` term's reference level is not one of its variable's levels.

    ``"'z' is not a level of grp (levels: a, b, c)"`` for ``C(grp, Treatment('z'))``
    (or ``contr.treatment('z')``); ``None`` when every reference given is a level. The
    levels of a personal column (:func:`~escalation.errors.is_personal`) are not listed.
    """
    from formulaic import Formula

    for tree in _factor_trees(Formula(rhs)):
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "C" and node.args:
                why = _reference_outside_levels(frame, node)
                if why is not None:
                    return why
    return None


def _reference_outside_levels(frame: pd.DataFrame, call: ast.Call) -> str | None:
    """Return why the reference of the treatment contrasts of ``call``, a ``C()``, is no level."""
    base = _treatment_base(call)
    if base is None:
        return None
    levels = _levels(frame, call)
    if levels is None or base in levels:
        return None
    variable = ast.unparse(call.args[0])  # never personal: refused before coding
    shown = ", ".join(map(str, levels[:_LEVELS_SHOWN]))
    if len(levels) > _LEVELS_SHOWN:
        shown += f", ... ({len(levels)} levels)"
    return f"{base!r} is not a level of {variable} (levels: {shown})"


def _treatment_base(call: ast.Call) -> object | None:
    """Return the reference given to a ``C()`` call's treatment contrasts, or ``None``.

    The contrasts argument is read as formulaic reads it, among its transforms:
    ``Treatment('b')``, ``Treatment(reference='b')``, ``contr.treatment('b')``,
    ``contr.SAS('b')``. ``None`` without treatment contrasts or a reference given.
    """
    from formulaic.transforms import TRANSFORMS
    from formulaic.transforms.contrasts import UNSET, TreatmentContrasts

    given = call.args[1:2] or [k.value for k in call.keywords if k.arg == "contrasts"]
    if not given:
        return None
    try:
        contrasts = eval(  # the formula's own code, as formulaic evaluates it
            compile(ast.Expression(given[0]), "<formula>", "eval"),
            {"__builtins__": {}},
            dict(TRANSFORMS),
        )
    except Exception:  # not readable here (a name of the caller's): formulaic's message
        return None
    if not isinstance(contrasts, TreatmentContrasts) or contrasts.base is UNSET:
        return None
    base: object = contrasts.base
    return base


def _levels(frame: pd.DataFrame, call: ast.Call) -> list[Any] | None:
    """Return the levels formulaic gives the variable of a ``C()`` call (its ``levels=``)."""
    from formulaic import model_matrix
    from formulaic.errors import FormulaicError

    plain = ast.Call(
        func=call.func, args=call.args[:1], keywords=[k for k in call.keywords if k.arg == "levels"]
    )
    try:
        with warnings.catch_warnings():  # formulaic warned once, coding the formula
            warnings.simplefilter("ignore")
            spec = model_matrix(ast.unparse(plain), frame).model_spec
    except (FormulaicError, NameError, KeyError, ValueError, TypeError):
        return None
    states = [state for kind, state in spec.encoder_state.values() if "categories" in state]
    return list(states[0]["categories"]) if states else None


def _references(spec: Any) -> dict[str, str]:
    """Return the reference level of each categorical variable a coding compares with one.

    A variable has one when treatment contrasts drop one of its levels in some term
    (formulaic's reduced factors): the level whose row of the contrasts' coding matrix is
    all zeros, which each of the variable's columns is compared with. Sum, Helmert, Diff
    and Poly contrasts drop none (under ``C(g, Sum)`` the last level's column is minus
    the others' sum, as R's ``contr.sum``), nor does a factor whose every level has a
    column (``C(g):x`` alone, as R's ``model.matrix(~ g:x)``).

    Examples
    --------
    >>> from formulaic import model_matrix
    >>> frame = pd.DataFrame({"g": ["a", "b", "c", "a"], "x": [1.0, 2.0, 0.0, 3.0]})
    >>> [_references(model_matrix(f, frame).model_spec) for f in ("C(g)", "C(g, Sum)", "C(g):x")]
    [{'C(g)': 'a'}, {}, {}]
    """
    from formulaic.transforms.contrasts import TreatmentContrasts

    reduced = {
        str(scoped.factor)
        for structure in spec.structure
        for term in structure.scoped_terms
        for scoped in term.factors
        if scoped.reduced
    }
    references = {}
    for name, (_, state) in spec.encoder_state.items():
        coded = state.get("contrasts")
        contrasts = getattr(coded, "contrasts", None)
        if str(name) not in reduced or not isinstance(contrasts, TreatmentContrasts):
            continue
        matrix = contrasts.get_coding_matrix(coded.levels, reduced_rank=True)
        dropped = matrix.index[(matrix == 0).all(axis=1)]
        if len(dropped) == 1:
            references[str(name)] = str(dropped[0])
    return references


@dataclass(frozen=True)
class FormulaCoding:
    """A coding of covariates made from a formula's right-hand side (by formulaic).

    It is a :class:`~escalation.timeline.matrix.Coding`, as
    :class:`~escalation.timeline.CovariateCoding` is: every model takes it as its
    ``coding=``, and it codes new rows (profiles, a validation cohort) the way it coded
    the data it learnt from (levels, spline knots).

    Attributes
    ----------
    formula : str
        The right-hand side.
    names : tuple of str
        The coded columns (formulaic's names, e.g. ``C(g, Treatment('b'))[T.a]``),
        without the intercept.
    columns : tuple of str
        The data columns the formula uses.
    references : dict
        Reference level of each categorical variable coded against one: treatment
        contrasts that drop a level in some term (:func:`_references`). A variable under
        ``Sum``, ``Helmert``, ``Diff`` or ``Poly`` contrasts, or one whose every level
        has a column (``C(g):x`` without ``C(g)``), has none, as in R's ``model.matrix``.
    """

    formula: str
    names: tuple[str, ...]
    columns: tuple[str, ...]
    references: dict[str, str]
    spec: Any = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        """Refuse a personal column, in a coding built by hand as in one learnt.

        :meth:`learn` refuses one before formulaic reads the data; a coding built by
        hand and passed as a model's ``coding=`` is refused here
        (:func:`~escalation.errors.refuse_personal`).
        """
        refuse_personal(self.columns, COVARIATE_ROLE, "data")

    @classmethod
    def learn(
        cls,
        frame: pd.DataFrame,
        formula: str,
        *,
        input_rows: npt.NDArray[np.int64] | None = None,
    ) -> FormulaCoding:
        """Learn the coding of ``formula`` (a right-hand side) from ``frame``.

        ``input_rows`` gives the input row of each row of an expanded ``frame`` (the
        pooled logistic model's one row per person and interval): a term that is not
        finite is counted once per input row, not once per interval.

        Raises
        ------
        DesignError
            When the formula names a column that is not in ``frame`` (the columns are
            named, not the functions called), gives a reference level that is not a level
            of its variable (``C(g, Treatment('z'))``: the levels are named unless the
            column is personal), or cannot be evaluated. The formula is quoted with the
            values typed in a term of a personal column withheld.
        DataValidationError
            When a variable it uses is personal (``C(child_id)``, ``I(text.str.len())``:
            :func:`~escalation.errors.refuse_personal`, the rule of Table 1; cluster on an
            identifier instead), or has missing or infinite values, or a transform of
            finite ones is not finite (``I(1/x)`` at 0), naming the rows.
        """
        from formulaic import Formula, model_matrix
        from formulaic.errors import FormulaicError

        parsed = parse_formula(formula)
        rhs = parsed.rhs
        if parsed.strata or parsed.cluster or parsed.response:
            raise _error(formula, "a coding takes the covariates only (no '~', strata, cluster)")
        variables = _variables(Formula(rhs))
        _check_variables(frame, variables, rhs)  # before formulaic reads the data
        coded = frame  # what the error describes if coding the text columns fails
        try:
            with warnings.catch_warnings():
                # numpy's warning of a transform's division by 0 or log of 0: the values
                # are refused below (_check_coded), naming the rows and terms
                warnings.simplefilter("ignore", RuntimeWarning)
                coded = _text_as_categories(frame, _factor_variables(rhs))
                matrix = model_matrix(rhs, coded, na_action="raise", ensure_full_rank=True)
        except (FormulaicError, NameError, KeyError, ValueError, TypeError) as error:
            raise _coding_error(coded, rhs, variables, error) from error
        _check_coded(matrix.drop(columns=["Intercept"], errors="ignore"), rhs, input_rows)
        spec = matrix.model_spec
        names = tuple(str(c) for c in matrix.columns if c != "Intercept")
        return cls(
            formula=rhs,
            names=names,
            columns=tuple(sorted(v for v in variables if v in frame.columns)),
            references=_references(spec),
            spec=spec,
        )

    def terms(self) -> dict[str, tuple[str, ...]]:
        """Return each term's coded columns, in the formula's order (without the intercept).

        As R's ``terms``: a factor, an interaction or a spline basis is one term of
        several columns (tested together by
        :meth:`~escalation.survival.CoxResult.ph_test`).

        Examples
        --------
        >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "g": ["a", "b", "c", "a"]})
        >>> FormulaCoding.learn(frame, "x + C(g)").terms()
        {'x': ('x',), 'C(g)': ('C(g)[T.b]', 'C(g)[T.c]')}
        """
        columns = [str(c) for c in self.spec.column_names]
        kept = set(self.names)
        out: dict[str, tuple[str, ...]] = {}
        for term, where in self.spec.term_slices.items():
            coded = tuple(c for c in columns[where] if c in kept)
            if coded:
                out[str(term)] = coded
        return out

    def apply(self, frame: pd.DataFrame, *, table: str | None = None) -> pd.DataFrame:
        """Return the coded matrix of ``frame`` (same index), columns :attr:`names`.

        ``table`` names ``frame`` in the error of a level not seen (refused whatever the
        table, as the protocol :class:`~escalation.timeline.matrix.Coding` allows).

        Raises
        ------
        DesignError
            When a column is missing, or a categorical variable has a level the coding
            did not see (formulaic would otherwise code it as all zeros).
        DataValidationError
            When a variable has missing or infinite values, or a transform of finite ones
            is not finite.
        """
        from formulaic.errors import FormulaicError

        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise DesignError(
                f"the data lack the column(s) {', '.join(missing)} used by the formula "
                f"{shown_formula(self.formula)!r}"
            )
        _check_variables(frame, set(self.columns), self.formula)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                # numpy's warning of a transform's division by 0 or log of 0: the values
                # are refused below, naming the rows and terms
                warnings.simplefilter("ignore", RuntimeWarning)
                coded = _text_as_categories(frame, _factor_variables(self.formula))
                matrix = self.spec.get_model_matrix(coded, na_action="raise")
        except (FormulaicError, ValueError, TypeError, Warning) as error:
            raise DesignError(
                f"{table + ': ' if table else ''}"
                f"the formula {shown_formula(self.formula)!r} cannot code these rows: a "
                "categorical variable has a level not seen when the model was fitted, or a "
                "value out of range "
                f"({type(error).__name__})"
            ) from error
        out = pd.DataFrame(
            matrix[list(self.names)].to_numpy(dtype=float),
            index=frame.index,
            columns=list(self.names),
        )
        _check_coded(out, self.formula)
        return out


def formula_argument(
    positional: object, formula: str | None, *, what: str = "covariates"
) -> ModelFormula | None:
    """Return the parsed formula of an entry point, or ``None`` without one.

    A formula is given as ``formula=``, or as a string with ``~`` in the place of the
    covariates (``fit_cox(data, "Surv(duration, event) ~ x")``).

    Raises
    ------
    DesignError
        When both a formula and ``what`` are given.

    Examples
    --------
    >>> formula_argument("Surv(t, e) ~ x", None).response
    ('t', 'e')
    >>> formula_argument(["x"], None) is None
    True
    """
    if isinstance(positional, str) and "~" in positional:
        if formula is not None:
            raise DesignError(f"give the formula once (as formula=), not also as {what}")
        return parse_formula(positional)
    if formula is None:
        return None
    if positional is not None:
        raise DesignError(
            f"give either {what} or formula=, not both: the formula names the covariates"
        )
    return parse_formula(formula)
