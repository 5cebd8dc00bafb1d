r"""Table 1: baseline characteristics by arm, with standardised differences.

``table_one(data, group="treatment")`` describes each covariate in each arm the way R's
``tableone::CreateTableOne`` prints it: ``n (%)`` for categories, ``mean (SD)`` for
numeric covariates and ``median [Q1, Q3]`` for skewed counts, the number missing, and
the standardised mean difference (SMD) between the arms before and, given weights,
after weighting.

SMDs follow Yang & Dalton (2012), as ``tableone``; with more than two arms the SMD is
the mean of the pairwise SMDs (as R's ``tableone`` reports it). For a numeric covariate
:math:`(\bar x_1 - \bar x_0)/\sqrt{(s_1^2 + s_0^2)/2}`; for a categorical one with
proportion vectors :math:`p_1, p_0` over its levels but the first,
:math:`\sqrt{(p_1 - p_0)^\top S^{-1} (p_1 - p_0)}` with :math:`S` the mean of the two
multinomial covariance matrices. After weighting, means, variances (as
``survey::svyvar``: weighted, times :math:`n/(n-1)` with :math:`n` the number of
non-zero weights) and proportions are weighted, as
``tableone::svyCreateTableOne``. Percentages are of the non-missing values. Where an
SMD is infinite (numeric arms constant at different values) or not defined (a zero
covariance matrix, an arm of one child or without values) it is ``inf`` or NaN, as
``tableone``, never 0 (:mod:`escalation.core.smd`).

Counts here are raw: they must pass disclosure control before the table leaves the
local authority (:mod:`escalation.report.table_one` does that, and writes CSV, HTML,
LaTeX and Word).

References
----------
Yang D, Dalton JE (2012). A unified approach to measuring the effect size between two
groups using SAS. SAS Global Forum, paper 335-2012.
Austin PC (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples. Stat Med
28:3083–3107. doi:10.1002/sim.3697.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._finite import finite_problems
from escalation._vocabulary import spells_of, warn_deprecated
from escalation.core.smd import format_smd, smd_categorical, standardised_difference
from escalation.disclosure import DEFAULT_RULES, DisclosureRules, share_of_recorded
from escalation.errors import DataValidationError, Problem, refuse_personal
from escalation.results import Presents, Summary, package_versions
from escalation.survival._inputs import require_columns
from escalation.survival._outcome import case_weights
from escalation.timeline.labels import arm_label, describe_covariate
from escalation.timeline.matrix import level_order

__all__ = ["TableOne", "smd_categorical", "smd_numeric", "table_one"]

FloatArray = npt.NDArray[np.float64]
CountRule = Callable[[int], int | None]

#: Covariates of the spells shown by default, in order (those present are used).
DEFAULT_VARIABLES: Final = (
    "age",
    "unborn",
    "sex",
    "ethnicity",
    "disability",
    "imd_decile",
    "prior_referrals",
    "prior_assessments",
    "prior_cp_plans",
    "prior_looked_after",
    "days_since_first_referral",
    "source",
    "need",
    "n_factors",
)
#: The prior-history counts of the spells (see :func:`repeated_counts`).
PRIOR_COUNTS: Final = (
    "prior_referrals",
    "prior_assessments",
    "prior_cp_plans",
    "prior_looked_after",
)
#: 0/1 flags shown as one ``n (%)`` row (as the assessment factors), not as a mean.
FLAGS: Final = ("unborn",)
#: Skewed counts summarised by median [Q1, Q3].
DEFAULT_NONNORMAL: Final = (
    "prior_referrals",
    "prior_assessments",
    "prior_cp_plans",
    "prior_looked_after",
    "days_since_first_referral",
    "n_factors",
)


def _wmean_var(x: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Return the weighted mean and variance (``svyvar``: times n/(n-1)); NaN when not defined.

    ``n`` is the number of non-zero weights, as in ``survey::svyvar``
    (``n <- sum(weights != 0)``): a row of weight 0 takes no part in a weighted statistic,
    so dropping it changes nothing. The mean is not defined without values (or weight),
    the variance with fewer than two values of non-zero weight.

    Examples
    --------
    >>> _wmean_var(np.array([3.0, 5.0, 8.0]), np.array([1.0, 1.0, 0.0]))
    (4.0, 2.0)
    """
    total = w.sum()
    n = int(np.count_nonzero(w))
    if n == 0 or total <= 0:
        return np.nan, np.nan
    mean = float((w * x).sum() / total)
    var = float((w * (x - mean) ** 2).sum() / total) * (n / (n - 1)) if n > 1 else np.nan
    return mean, var


def smd_numeric(
    x1: npt.ArrayLike,
    x0: npt.ArrayLike,
    w1: npt.ArrayLike | None = None,
    w0: npt.ArrayLike | None = None,
) -> float:
    """Return the SMD of a numeric covariate (weighted when weights are given).

    :func:`~escalation.core.smd.standardised_difference` of the means and variances:
    ``±inf`` for different means over a pooled SD of 0, NaN when not defined (an arm with
    fewer than two values), never 0 for either.

    Examples
    --------
    >>> round(smd_numeric([1, 2, 3, 4], [2, 3, 4, 5]), 4)
    -0.7746
    >>> smd_numeric([2, 2], [9, 9]), smd_numeric([15], [1, 2, 3])
    (-inf, nan)
    """
    a, b = np.asarray(x1, float), np.asarray(x0, float)
    wa = np.ones_like(a) if w1 is None else np.asarray(w1, float)
    wb = np.ones_like(b) if w0 is None else np.asarray(w0, float)
    m1, v1 = _wmean_var(a, wa)
    m0, v0 = _wmean_var(b, wb)
    return float(standardised_difference(m1 - m0, v1, v0))


@dataclass(frozen=True)
class TableOne(Presents):
    """Baseline characteristics by arm (see :func:`table_one`).

    Attributes
    ----------
    stats : pandas.DataFrame
        Long and raw: ``variable, label, domain, kind, level, level_label, group, n,
        count, percent, mean, sd, median, q1, q3, missing`` (counts not disclosed).
    smd : pandas.DataFrame
        ``variable, smd, smd_weighted`` (absolute values; with more than two arms the
        mean over every pair of arms; missing with one arm, and weighted without weights;
        ``inf`` or NaN where infinite or not defined, see :mod:`escalation.core.smd`).
    groups : tuple of str
        Arm names, in column order.
    n : dict
        Rows per arm.
    weighted : bool
        Whether weights were given.
    """

    stats: pd.DataFrame
    smd: pd.DataFrame
    groups: tuple[str, ...]
    n: dict[str, int]
    weighted: bool
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def compared(self) -> bool:
        """Whether there are arms to compare (two or more): else no SMD is printed."""
        return len(self.groups) > 1

    def tidy(self) -> pd.DataFrame:
        """Return :attr:`stats` joined with the SMDs (raw counts: disclose before sharing)."""
        return self.stats.merge(self.smd, on="variable", how="left")

    def glance(self) -> pd.DataFrame:
        """Return one row: n, variables, groups, whether weighted, versions."""
        row = {
            "n": int(sum(self.n.values())),
            "variables": int(self.smd.shape[0]),
            "groups": ", ".join(self.groups),
            "weighted": self.weighted,
            "method": "table_one",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return the printed table (counts not disclosed) as a summary (never prints)."""
        return Summary(
            "Table 1: baseline characteristics", {"n": sum(self.n.values())}, self.table()
        )

    def table(
        self,
        *,
        count_rule: CountRule | None = None,
        cont_digits: int = 2,
        cat_digits: int = 1,
        smd_digits: int = 3,
        suppressed: str = "<10",
        withheld: Collection[tuple[str, str, str]] = (),
        withheld_text: str = "[c]",
        summary_shown: Callable[[int, str], bool] | None = None,
        hidden_summary: str = "not shown",
        recorded_withheld: Collection[tuple[str, str]] = (),
        missing_withheld: Collection[str] = (),
    ) -> pd.DataFrame:
        """Return the printed Table 1, one row per line, as ``tableone`` prints it.

        Parameters
        ----------
        count_rule : callable, optional
            Disclosure control for every count (``int -> int | None``, ``None`` =
            suppressed); percentages are then computed from the disclosed counts and
            withheld when either is suppressed, and so is the SMD of a characteristic
            with counts (:func:`_published_smd`): from its exact shares it would narrow
            the counts printed beside it to within their rounding. Where a count of the
            characteristic is suppressed, it keeps the exact SMD, which
            :func:`~escalation.report.table_one.disclosed_table_one` does not show.
        cont_digits, cat_digits, smd_digits : int
            Decimals of means/SDs/medians, of percentages and of SMDs (``tableone``'s
            ``contDigits = 2``, ``catDigits = 1`` and three for SMDs).
        suppressed : str, default "<10"
            Text of a suppressed count.
        withheld : collection of (variable, level label, arm), optional
            Counts withheld so that a suppressed one cannot be worked out from the
            others (complementary suppression): they read ``withheld_text``, without a
            percentage.
        withheld_text : str, default "[c]"
            Text of a withheld count (the GSS/DfE symbol for a confidential value).
        summary_shown : callable, optional
            Disclosure control of a summary of a number: given the arm's number of
            children with the value recorded (``stats["n"]``, not the arm's size) and
            ``"mean"`` or ``"median"``, whether its mean (SD) or median [Q1, Q3] may be
            printed; else it reads ``hidden_summary``.
        hidden_summary : str, default "not shown"
            Text of a summary ``summary_shown`` withholds.
        recorded_withheld : collection of (variable, arm), optional
            Arms whose number missing of a characteristic is withheld, and with it their
            number with the value recorded: their percentages of it are withheld
            (:func:`~escalation.disclosure.share_of_recorded`, the rule of the federated
            Table 1 too), and the characteristic's SMDs, made of those shares, read
            ``hidden_summary``.
        missing_withheld : collection of str, optional
            Characteristics whose Missing (the sum over the arms) is withheld so that an
            arm's number missing cannot be worked out from it: it reads ``withheld_text``.

        Returns
        -------
        pandas.DataFrame
            ``Characteristic``, ``Level``, one column per arm, ``SMD`` (+ ``SMD after
            weighting``; neither with one arm) and ``Missing``. An SMD reads "∞" or "not
            defined" where it is (:func:`~escalation.core.smd.format_smd`).
        """
        rule = count_rule or (lambda c: c)

        def count(c: float) -> str:
            value = rule(int(c))
            return suppressed if value is None else f"{value:,}"

        def share(c: float, total: float, withheld_total: bool) -> str:
            a = rule(int(c))
            if a is None:
                return suppressed
            percent = share_of_recorded(a, None if withheld_total else rule(int(total)))
            return f"{a:,}" if percent is None else f"{a:,} ({percent:.{cat_digits}f})"

        smd_of = dict(zip(self.smd["variable"], self.smd["smd"], strict=True))
        smd_w_of = dict(zip(self.smd["variable"], self.smd["smd_weighted"], strict=True))
        # One arm has nothing to compare: no SMD column, as R's tableone prints one stratum.
        smd_columns = ["SMD", "SMD after weighting"][: 1 + self.weighted] if self.compared else []
        rows: list[dict[str, str]] = []
        first: dict[str, str] = {"Characteristic": "n", "Level": ""}
        for g in self.groups:
            first[g] = count(self.n[g])
        first.update(dict.fromkeys(smd_columns, ""))
        first["Missing"] = ""
        rows.append(first)
        for variable, part in self.stats.groupby("variable", sort=False):
            info = part.iloc[0]
            kind = str(info["kind"])
            missing = part.drop_duplicates("group")["missing"].sum()
            smd = smd_of[variable]
            if count_rule is not None and kind != "numeric":
                published = _published_smd(part, self.groups, count_rule)
                smd = smd if published is None else published
            smd_cells = [format_smd(smd, smd_digits), format_smd(smd_w_of[variable], smd_digits)]
            unrecorded = {g for g in self.groups if (str(variable), g) in recorded_withheld}
            if unrecorded:
                smd_cells = [hidden_summary, hidden_summary]
            # A level is its own row (labels may repeat, or be missing for a custom column);
            # a number, or a characteristic with every value missing, has one row, level None.
            levels = list(pd.unique(part["level"]))
            for i, level in enumerate(levels):
                head = i == 0
                at = part["level"].isna() if pd.isna(level) else part["level"] == level
                label = str(part.loc[at, "level_label"].iloc[0])
                if kind == "numeric":
                    suffix = ", median [Q1, Q3]" if info["summary"] == "median" else ", mean (SD)"
                else:
                    suffix = ", n (%)"
                row = {
                    "Characteristic": (str(info["label"]) + suffix) if head else "",
                    "Level": "" if kind in ("numeric", "binary") else label,
                }
                for g in self.groups:
                    c = part[at & (part["group"] == g)].iloc[0]
                    if kind == "numeric":
                        if summary_shown is not None and not summary_shown(
                            int(c["n"]), str(info["summary"])
                        ):
                            row[g] = hidden_summary
                        elif info["summary"] == "median":
                            d = cont_digits
                            row[g] = f"{c['median']:.{d}f} [{c['q1']:.{d}f}, {c['q3']:.{d}f}]"
                        else:
                            row[g] = f"{c['mean']:.{cont_digits}f} ({c['sd']:.{cont_digits}f})"
                    elif pd.isna(level):  # no child of any arm has the value recorded
                        row[g] = ""
                    else:
                        hidden = (str(variable), label, g) in withheld
                        row[g] = (
                            withheld_text if hidden else share(c["count"], c["n"], g in unrecorded)
                        )
                for column, text in zip(smd_columns, smd_cells, strict=False):
                    row[column] = text if head else ""
                row["Missing"] = self._missing_text(
                    missing, head, count, withheld_text if variable in missing_withheld else None
                )
                rows.append(row)
        return pd.DataFrame(rows)

    @staticmethod
    def _missing_text(
        missing: float, head: bool, count: Callable[[float], str], withheld: str | None
    ) -> str:
        """Return a row's Missing cell: on a characteristic's first row only, 0 for none."""
        if not head:
            return ""
        if withheld is not None:
            return withheld
        return count(missing) if missing > 0 else "0"


def _published_smd(part: pd.DataFrame, groups: Sequence[str], rule: CountRule) -> float | None:
    """Return the SMD of a characteristic with counts from its counts as published.

    Each arm's shares are those its percentages show: the disclosed count of each level
    over the disclosed count of children with the value recorded. ``None`` when one of
    them is suppressed.

    Parameters
    ----------
    part : pandas.DataFrame
        The rows of :attr:`TableOne.stats` of one binary or categorical characteristic.
    groups : sequence of str
        The arms.
    rule : callable
        Disclosure control of a count (``int -> int | None``, ``None`` = suppressed).

    Examples
    --------
    >>> from escalation.disclosure import disclose_count
    >>> arms = pd.DataFrame({"treatment": [1] * 200 + [0] * 200,
    ...                      "sex": ["F"] * 98 + ["M"] * 102 + ["F"] * 100 + ["M"] * 100})
    >>> t1 = table_one(arms, variables=["sex"])
    >>> exact = float(t1.smd["smd"].iloc[0])  # from 98 and 100 women, both printed as 100
    >>> round(exact, 3), _published_smd(t1.stats, t1.groups, disclose_count)
    (0.02, 0.0)
    """
    if part["level"].isna().any():  # no value recorded: no shares
        return None
    shares: dict[str, FloatArray] = {}
    for group in groups:
        cell = part[part["group"] == group]
        recorded = rule(int(cell["n"].iloc[0]))
        counts = [rule(int(count)) for count in cell["count"]]
        if not recorded or any(count is None for count in counts):
            return None
        share = np.array(counts, dtype=float) / recorded
        binary = cell["kind"].iloc[0] == "binary"
        shares[group] = np.array([1 - share[0], share[0]]) if binary else share
    pairwise = [
        smd_categorical(shares[g1], shares[g0]) for g0, g1 in itertools.combinations(groups, 2)
    ]
    return float(np.mean(pairwise)) if pairwise else None


def _level_label(variable: str, level: object) -> str:
    """Return a level's name in words: the code list's, else the level's own text.

    A column outside the package's vocabulary (``region``, say) has no names for its
    levels: they were all ``None``, and Table 1 could not tell them apart.

    Examples
    --------
    >>> _level_label("sex", "F"), _level_label("region", "North")
    ('Female', 'North')
    """
    return describe_covariate(f"{variable}_{level}").level_label or str(level)


def _shares(counts: FloatArray, total: float, *, binary: bool) -> FloatArray:
    """Return the share of each level (for a yes/no flag: without it, with it) in an arm.

    NaN when no child of the arm has the value recorded (or their weights sum to 0): the
    shares, and so the SMD, are not defined (they were 0, and the SMD a number).

    Examples
    --------
    >>> _shares(np.array([3.0]), 4, binary=True).tolist(), _shares(np.array([0.0]), 0, binary=True)
    ([0.25, 0.75], array([nan, nan]))
    """
    levels = np.array([total - counts[0], counts[0]]) if binary else np.asarray(counts, float)
    if total <= 0:
        return np.full(len(levels), np.nan)
    return np.asarray(levels / total, dtype=float)


def _arm_value(value: object) -> str:
    """Return an arm value as a message shows it: its text and its type (1 is not "1").

    The arm column is never personal (:func:`refuse_personal` refuses one first).
    """
    return f"{str(value)!r} ({type(value).__name__})"


def _arms(values: pd.Series, by: str) -> tuple[pd.Series, tuple[str, ...]]:
    """Return each row's arm name and the arms in column order.

    Raises
    ------
    DataValidationError
        When distinct values of the column would be given one name (1 and "1", or 1 and
        "Early help"): merged, two groups would be described as one.
    """
    missing = np.flatnonzero(values.isna().to_numpy())
    if len(missing):
        raise DataValidationError(
            [
                Problem("table one", int(row), by, None, "no arm: the value is missing")
                for row in missing
            ],
            "table one",
        )
    shared = _shared_names(pd.unique(values), arm_label)
    clashes = [
        Problem(
            "table one",
            None,
            by,
            None,
            f"arm values {' and '.join(_arm_value(v) for v in raw)} would share the "
            f"name {label!r} and be described as one arm; code each arm one way "
            "(e.g. 1 and 0)",
        )
        for label, raw in shared.items()
    ]
    if clashes:
        raise DataValidationError(clashes, "table one")
    names = values.map(arm_label)
    present = list(pd.unique(names))
    order = [a for a in ("No early help", "Early help") if a in present]
    order += sorted(p for p in present if p not in order)
    return names, tuple(order)


def _weights(frame: pd.DataFrame, weights: npt.ArrayLike | str | None) -> FloatArray | None:
    """Return the weights as numbers, one per row, or raise naming what is wrong with them.

    ``weights`` is an array or the name of a column of ``frame`` (which must be there and
    not personal: a missing column raised a bare ``KeyError`` and ``child_id`` a
    ``ValueError`` quoting an identifier); a weight that is missing, infinite, text or
    negative is refused by the one rule of weights
    (:func:`~escalation.survival._outcome.case_weights`).
    """
    if weights is None:
        return None
    if isinstance(weights, str):
        return case_weights(_weights_column(frame, weights), table="table one")
    given = pd.Series(np.asarray(weights, dtype=object).ravel(), name="weights")
    if len(given) != len(frame):
        raise DataValidationError(
            [Problem("table one", None, "weights", None, "one weight per row is needed")],
            "table one",
        )
    return case_weights(given, table="table one")


def _weights_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return the column of weights, or raise naming the table and column if it cannot be."""
    require_columns(frame, [column], "table_one weights")
    refuse_personal([column], "the weights")
    return frame[column].reset_index(drop=True)


def refuse_infinite(frame: pd.DataFrame, variables: Sequence[str], table: str) -> None:
    """Raise naming the rows where a numeric variable is infinite (it has no mean or SD).

    Shared by Table 1 and the federated covariate summaries (``table`` names the one).
    """
    problems = []
    for variable in variables:  # text is a level and a missing value is counted
        problems += finite_problems(
            frame[variable],
            table=table,
            why="a mean, SD or SMD of them is not defined",
            missing_allowed=True,
            text_allowed=True,
        )[1]
    if problems:
        raise DataValidationError(problems, table)


def table_one(
    data: Any,
    group: str = "treatment",
    *,
    variables: Sequence[str] | None = None,
    nonnormal: Sequence[str] | None = None,
    weights: npt.ArrayLike | str | None = None,
    factors: bool = True,
    by: str | None = None,
    rules: DisclosureRules = DEFAULT_RULES,
) -> TableOne:
    """Describe baseline characteristics by arm, as ``tableone::CreateTableOne``.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        The spells (``SpellData.spells``) or any frame with the ``group`` column.
    group : str, default "treatment"
        Column of the arms, named ``group`` as in every curve and test of the package
        (1/0 are named "Early help"/"No early help"); every row needs one (a missing
        value is refused).
    variables : sequence of str, optional
        Columns to describe (default: the spells' baseline covariates present, with
        ``unborn`` only when some child was unborn at time zero, without a prior count
        equal in every spell to an earlier one, then the assessment factors with
        ``factors=True``). A prior count left out as a repeat is named in
        ``settings["repeats"]`` (``{"prior_assessments": "prior_referrals"}``, say).
    nonnormal : sequence of str, optional
        Numeric columns summarised by median [Q1, Q3] (default: the prior counts, days
        since first referral and the number of factors).
    weights : array_like or str, optional
        Balancing weights (or the name of their column): adds SMDs after weighting.
    factors : bool, default True
        Add the ``factor_<code>`` flags present (except none) to the default variables.
    by : str, optional
        Deprecated name of ``group``; warns and is used as ``group``.
    rules : DisclosureRules, default DEFAULT_RULES
        The disclosure rules the table is published under (a run's: its design's
        ``[disclosure]``). A categorical characteristic whose levels, printed as their own
        text, nearly all rest on fewer than ``rules.threshold`` children each is refused
        (an identifier or free text: :func:`_refuse_small_levels`).

    Returns
    -------
    TableOne

    Raises
    ------
    DesignError
        When ``data`` is neither a SpellData nor a data frame, or the ``group`` column, a
        variable or the ``weights`` column is not in it (naming the close names and the
        columns there are), as at every entry point.
    DataValidationError
        When the ``group`` column has a missing value, a variable is listed twice, two
        values of ``group`` would share an arm's name (1 and "1", or 1 and "Early help"),
        a numeric variable is infinite, or a weight is missing, infinite or negative
        (naming the rows), or the table has no rows.

    Examples
    --------
    >>> spells = pd.DataFrame({"treatment": [1, 1, 0, 0, 0],
    ...     "age": [4.0, 6.0, 5.0, 9.0, 7.0], "sex": ["F", "M", "M", "M", "F"]})
    >>> t1 = table_one(spells, variables=["age", "sex"])
    >>> for row in t1.table().itertuples(index=False):
    ...     print(" | ".join(row[:5]).strip())
    n |  | 3 | 2 |
    Age (years), mean (SD) |  | 7.00 (2.00) | 5.00 (1.41) | 1.155
    Sex, n (%) | Female | 1 (33.3) | 1 (50.0) | 0.343
    | Male | 2 (66.7) | 1 (50.0) |
    """
    if by is not None:
        warn_deprecated("table_one(by=) is renamed group=, as in the curves and tests")
        group = by
    frame = spells_of(data, function="table_one")
    require_columns(frame, [group], "table_one group")
    refuse_personal([group], "the arms: its values would head the columns of the table")
    if variables is None:
        # A flag no spell carries (no unborn child) adds nothing to the table.
        chosen = [
            v
            for v in DEFAULT_VARIABLES
            if v in frame.columns and (v not in FLAGS or frame[v].sum() > 0)
        ]
        # A count equal to an earlier one in every spell would be a second, identical row.
        repeats = _repeated_counts(frame, chosen)
        chosen = [v for v in chosen if v not in repeats]
        if factors:
            chosen += [
                c
                for c in frame.columns
                if c.startswith("factor_") and c != "factor_21" and frame[c].sum() > 0
            ]
    else:
        chosen = list(variables)
        repeats = {}
    twice = sorted({v for v in chosen if chosen.count(v) > 1})
    if twice:
        raise DataValidationError(
            [
                Problem("table one", None, v, None, "listed more than once in variables")
                for v in twice
            ],
            "table one",
        )
    refuse_personal(chosen, "a characteristic: its values would be printed as levels")
    require_columns(frame, chosen, "table_one variables")
    if not len(frame):
        raise DataValidationError(
            [Problem("table one", None, None, None, "the table has no rows: nothing to describe")],
            "table one",
        )
    skewed = set(DEFAULT_NONNORMAL if nonnormal is None else nonnormal)
    names, groups = _arms(frame[group], group)
    w_all = _weights(frame, weights)
    refuse_infinite(frame, chosen, "table one")
    rows: list[dict[str, Any]] = []
    smds: list[dict[str, Any]] = []
    arm_rows = {g: (names == g).to_numpy() for g in groups}
    for variable in chosen:
        values = frame[variable]
        described = describe_covariate(variable)
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        distinct = set(pd.unique(values.dropna()))
        binary = (
            numeric and distinct <= {0, 1} and (variable.startswith("factor_") or variable in FLAGS)
        )
        kind = "binary" if binary else ("numeric" if numeric else "categorical")
        base = {
            "variable": variable,
            "label": described.label,
            "domain": described.domain,
            "kind": kind,
            "summary": "median" if variable in skewed else "mean",
        }
        proportions: dict[str, FloatArray] = {}
        weighted_props: dict[str, FloatArray] = {}
        levels: list[Any] = []
        if kind == "categorical":
            text, levels = _levels(variable, values, rules.threshold)
        elif kind == "binary":
            text = values
            levels = [1]
        for g in groups:
            sel = arm_rows[g]
            part = values[sel]
            present = part.notna().to_numpy()
            n_valid = int(present.sum())
            missing = int((~present).sum())
            if kind == "numeric":
                x = part.to_numpy(float)[present]
                q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75]) if len(x) else (np.nan,) * 3
                rows.append(
                    {
                        **base,
                        "level": None,
                        "level_label": "",
                        "group": g,
                        "n": n_valid,
                        "count": np.nan,
                        "percent": np.nan,
                        "mean": float(np.mean(x)) if len(x) else np.nan,
                        "sd": float(np.std(x, ddof=1)) if len(x) > 1 else np.nan,
                        "median": float(med),
                        "q1": float(q1),
                        "q3": float(q3),
                        "missing": missing,
                    }
                )
                continue
            part_text = text[sel]
            counts = np.array([int((part_text == lev).sum()) for lev in levels], float)
            proportions[g] = _shares(counts, n_valid, binary=kind == "binary")
            if w_all is not None:
                wv = w_all[sel][present]
                vals = part_text[present].to_numpy()
                wc = np.array([wv[vals == lev].sum() for lev in levels])
                weighted_props[g] = _shares(wc, float(wv.sum()), binary=kind == "binary")
            if not levels:  # every value missing: one row keeps it in the table, with them
                rows.append(_unrecorded_row(base, g, missing))
            for lev, c in zip(levels, counts, strict=True):
                level_label = "" if kind == "binary" else _level_label(variable, lev)
                rows.append(
                    {
                        **base,
                        "level": lev,
                        "level_label": level_label,
                        "group": g,
                        "n": n_valid,
                        "count": int(c),
                        "percent": 100 * c / n_valid if n_valid else np.nan,
                        "mean": np.nan,
                        "sd": np.nan,
                        "median": np.nan,
                        "q1": np.nan,
                        "q3": np.nan,
                        "missing": missing,
                    }
                )
        pairwise, pairwise_w = [], []  # every pair of arms (one pair for two arms)
        for g0, g1 in itertools.combinations(groups, 2):
            if kind == "numeric":
                s1, s0 = arm_rows[g1], arm_rows[g0]
                x = values.to_numpy(float)
                ok = ~np.isnan(x)
                pairwise.append(abs(smd_numeric(x[s1 & ok], x[s0 & ok])))
                if w_all is not None:
                    w1, w0 = w_all[s1 & ok], w_all[s0 & ok]
                    pairwise_w.append(abs(smd_numeric(x[s1 & ok], x[s0 & ok], w1, w0)))
            else:
                pairwise.append(smd_categorical(proportions[g1], proportions[g0]))
                if w_all is not None:
                    pairwise_w.append(smd_categorical(weighted_props[g1], weighted_props[g0]))
        smds.append(
            {
                "variable": variable,
                "smd": float(np.mean(pairwise)) if pairwise else np.nan,
                "smd_weighted": float(np.mean(pairwise_w)) if pairwise_w else np.nan,
            }
        )
    stats = pd.DataFrame(rows)
    n = {g: int(arm_rows[g].sum()) for g in groups}
    return TableOne(
        stats,
        pd.DataFrame(smds),
        groups,
        n,
        w_all is not None,
        {
            "group": group,
            "by": group,  # its name before ``group=``, kept for code that reads it
            "variables": chosen,
            "nonnormal": sorted(skewed & set(chosen)),
            "repeats": repeats,
        },
    )


def _unrecorded_row(base: dict[str, Any], group: str, missing: int) -> dict[str, Any]:
    """Return the one stats row of an arm of a categorical characteristic no child has.

    With every value missing the characteristic has no level, and had no row: it vanished
    from the table without notice. This row (level missing, no count) keeps it, with the
    arm's children in its number missing.
    """
    numbers = dict.fromkeys(("count", "percent", "mean", "sd", "median", "q1", "q3"), np.nan)
    return {**base, "level": None, "level_label": "", "group": group, "n": 0, **numbers,
            "missing": missing}  # fmt: skip


def _levels(
    variable: str, values: pd.Series, threshold: int = DEFAULT_RULES.threshold
) -> tuple[pd.Series, list[str]]:
    """Return a categorical characteristic's values as text, and its levels in print order.

    A pandas Categorical's levels come in the order of its categories (those some child
    has), as R prints a factor's; levels that are all numbers (codes kept as text, "1" to
    "10") in numeric order; others alphabetically.

    Raises
    ------
    DataValidationError
        When distinct values would print as one level (:func:`_refuse_shared_levels`) or
        nearly every level rests on fewer than ``threshold`` children, the disclosure
        threshold (:func:`_refuse_small_levels`).

    Examples
    --------
    >>> _levels("region", pd.Series(["10", "2", None, "1"]))[1]
    ['1', '2', '10']
    >>> risk = pd.Categorical(["high", "low"], categories=["low", "medium", "high"])
    >>> _levels("risk", pd.Series(risk))[1]
    ['low', 'high']
    """
    _refuse_shared_levels(variable, values)
    text = values.astype("string")
    present = set(pd.unique(text.dropna()))
    _refuse_small_levels(variable, text, threshold)
    # the models' level order (the coding's rule), the missing values' level left out
    return text, [level for level in level_order(values) if level in present]


#: Levels of fewer children each than the disclosure threshold that make a categorical
#: characteristic an identifier or free text (:func:`_refuse_small_levels`): at least this
#: many, ...
FEWEST_SMALL_LEVELS: Final = 5
#: ... and at least this share of its levels.
SMALL_LEVEL_SHARE: Final = 0.8


def _refuse_small_levels(variable: str, text: pd.Series, threshold: int) -> None:
    """Refuse a categorical characteristic whose levels nearly all rest on a few children.

    Table 1 prints every level's name, beside its count or ``<threshold``, so the levels
    of an identifier, a family reference, a phone number or a note would print children's
    values, whatever the column's name (the name rule,
    :func:`~escalation.errors.is_personal`, cannot know every name). A level is small when
    fewer than ``threshold`` children have it (the disclosure threshold: a run's design's
    ``[disclosure] threshold``, below which its count is suppressed) and it is printed as
    its own text: a code that its code list names (ethnicity ``WIRT``, White Irish
    Traveller) is no child's value, however rare. Refused when at least
    :data:`FEWEST_SMALL_LEVELS` levels, and :data:`SMALL_LEVEL_SHARE` of them, are small;
    the message names the column and the threshold, never a value.

    Examples
    --------
    >>> _refuse_small_levels("region", pd.Series(["North"] * 20 + ["South"] * 15), 10)
    >>> family = pd.Series([f"F{i // 2:03}" for i in range(60)])  # siblings, two a family
    >>> _refuse_small_levels("family", family, 2)  # a threshold of 2: none is small
    >>> _refuse_small_levels("family", family, 10)
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Table one: 1 problem found
      - table 'table one', column 'family': 30 of its 30 levels are each fewer than 10 children's (the disclosure threshold), one child's or a few: an identifier or free text is no characteristic (its values would be printed as levels); leave it out or group its values
    """  # noqa: E501
    sizes = text.value_counts(dropna=True)
    named = [_level_label(variable, str(level)) == str(level) for level in sizes.index]
    own_text = np.array(named, dtype=bool)
    small = int(((sizes.to_numpy() < threshold) & own_text).sum())
    if small >= FEWEST_SMALL_LEVELS and small >= SMALL_LEVEL_SHARE * len(sizes):
        reason = (
            f"{small} of its {len(sizes)} levels are each fewer than {threshold} children's "
            "(the disclosure threshold), one child's or a few: an identifier or free text is "
            "no characteristic (its values would be printed as levels); leave it out or "
            "group its values"
        )
        raise DataValidationError([Problem("table one", None, variable, None, reason)], "table one")


def _refuse_shared_levels(variable: str, values: pd.Series) -> None:
    """Refuse distinct values of a characteristic that would print as one level.

    The rule of the arms (:func:`_shared_names`): 1 and "1" were counted as one level,
    "F" and "Female" printed as two rows both named Female. The message names the column
    and the values' types, never a value (a characteristic may hold personal data).
    """
    shared = _shared_names(
        pd.unique(values.dropna()), lambda value: _level_label(variable, str(value))
    )
    problems = [
        Problem(
            "table one",
            None,
            variable,
            None,
            f"{len(raw)} distinct values (of types "
            f"{' and '.join(type(v).__name__ for v in raw)}) would print as one level; "
            "code each level one way",
        )
        for raw in shared.values()
    ]
    if problems:
        raise DataValidationError(problems, "table one")


def _shared_names(
    values: Iterable[object], name: Callable[[object], str]
) -> dict[str, list[object]]:
    """Return each name two or more distinct values would be given, with those values.

    The one rule of Table 1's arms and levels: values given one name (1 and "1" as an
    arm or a level; 1 and "Early help" as an arm; "F" and "Female" as a level of sex)
    would be described as one, or printed as two that cannot be told apart.

    Examples
    --------
    >>> _shared_names([1, "1", 2], str)
    {'1': [1, '1']}
    """
    shared: dict[str, list[object]] = {}
    for value in values:
        shared.setdefault(name(value), []).append(value)
    return {label: raw for label, raw in shared.items() if len(raw) > 1}


def _repeated_counts(frame: pd.DataFrame, variables: Sequence[str]) -> dict[str, str]:
    """Return the prior counts equal in every row to an earlier one: ``{repeat: earlier}``.

    Only counts that vary are compared (two counts that are 0 for everyone each say so).
    In a simulated history every referral has exactly one assessment, so
    ``prior_assessments`` repeats ``prior_referrals`` (see the simulator's documentation);
    in real data they differ.

    Examples
    --------
    >>> frame = pd.DataFrame({"prior_referrals": [0, 1, 2], "prior_assessments": [0, 1, 2],
    ...                       "prior_cp_plans": [0, 0, 0], "prior_looked_after": [0, 0, 0]})
    >>> _repeated_counts(frame, list(frame.columns))
    {'prior_assessments': 'prior_referrals'}
    """
    counts = [v for v in variables if v in PRIOR_COUNTS and v in frame.columns]
    values = {v: frame[v].to_numpy() for v in counts}
    out: dict[str, str] = {}
    for i, v in enumerate(counts):
        if len(np.unique(values[v])) < 2:
            continue
        same = [u for u in counts[:i] if u not in out and np.array_equal(values[u], values[v])]
        if same:
            out[v] = same[0]
    return out
