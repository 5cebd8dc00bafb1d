"""Alternative text of the brief's figures: what each plots and its main finding.

A screen-reader user, and WCAG 2.2 success criterion 1.1.1, needs a figure's alternative
text to say what a sighted reader takes from it. Each builder here writes that text, in a
sentence or two, from the same disclosed tables the run writes (``results/*.csv``) and
the brief's words come from: estimates are worded as estimates and formatted by the
brief's own helpers (:func:`~escalation.report.brief.describe_risk`,
:func:`~escalation.report.brief.interval_digits`, the key numbers' "points"); counts are
the disclosed (rounded) counts, and a count or estimate that disclosure control withheld
is said to be "not shown" (a count in a sentence: "an undisclosed number of children"),
never given. No builder is handed identifiers or note text.

Where no one-line finding exists (which risk model is best calibrated, say), the text
states precisely what is plotted and a summary the results table holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._decimals import signed_text
from escalation._interval_words import ci_words, has_interval
from escalation.disclosure import (
    DEFAULT_RULES,
    NOT_APPLYING_TEXT,
    WITHHELD_TEXT,
    DisclosureRules,
    count_texts,
)
from escalation.figures.flow import plain_words
from escalation.report.brief import describe_risk, interval_digits, point_digits
from escalation.report.wording import attribute_label, join_words

__all__ = [
    "NOT_SHOWN",
    "adjusted_alt",
    "authority_alt",
    "calibration_alt",
    "fairness_alt",
    "fairness_hidden",
    "flow_alt",
    "incidence_alt",
    "point_digits",
    "points",
    "policy_alt",
    "risk_differences_alt",
    "subgroups_alt",
]

#: How an alternative text says that a number was withheld by disclosure control.
NOT_SHOWN: Final = "not shown"
_STATS: Final = ("estimate", "conf_low", "conf_high")


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the rows of a disclosed table whose estimate and interval are shown."""
    out = frame
    if "suppressed" in out.columns:
        out = out[~out["suppressed"].astype(bool)]
    present = [c for c in _STATS if c in out.columns]
    values = out[present].apply(pd.to_numeric, errors="coerce")
    shown: pd.DataFrame = out[values.notna().all(axis=1)]
    return shown


Stats = tuple[float, float, float]


def _stats(row: Mapping[Any, Any] | pd.Series) -> Stats:
    return (float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"]))


def _rows(frame: pd.DataFrame) -> list[Stats]:
    """Return the estimate and interval of each shown row."""
    return [_stats(row) for row in _shown(frame).to_dict("records")]


def _by(frame: pd.DataFrame, column: str) -> dict[str, Stats]:
    """Return the estimate and interval of each shown row by ``column`` (the first of each)."""
    out: dict[str, Stats] = {}
    for row in _shown(frame).to_dict("records"):
        out.setdefault(str(row[column]), _stats(row))
    return out


def _days(horizons: Iterable[int]) -> str:
    """Join horizons as "365 and 730 days"."""
    items = [str(int(h)) for h in horizons]
    head = ", ".join(items[:-1])
    return f"{head} and {items[-1]} days" if head else f"{items[-1]} days"


def _few_children(rules: DisclosureRules) -> str:
    return f"{NOT_SHOWN} (fewer than {rules.threshold} children escalated, or did not, in a group)"


def _intervals(stats: Iterable[Stats], noun: str) -> str:
    """Return how many 95% intervals lie wholly on one side of no difference, in words.

    Said without a double negative ("exclude no difference" was easily heard backwards
    by a screen reader's listener).

    Examples
    --------
    >>> _intervals([(-1.0, -2.0, 0.5), (1.0, 0.5, 2.0)], "rule")
    'for 1 of the 2 rules the 95% interval lies wholly on one side of no difference'
    >>> _intervals([(-1.0, -2.0, 0.5)], "rule")
    "every rule's 95% interval includes no difference"

    Intervals not estimated (a missing end) are not counted as including no difference:

    >>> nan = float("nan")
    >>> _intervals([(-1.0, nan, nan)], "rule")
    'no rule has a 95% interval'
    >>> print(_intervals([(-1.0, -2.0, -0.5), (1.0, nan, nan)], "rule"))
    ... # doctest: +NORMALIZE_WHITESPACE
    for 1 of the 1 rules with an interval the 95% interval lies wholly on one side of no
    difference
    >>> _intervals([(-1.0, -2.0, 0.5), (1.0, nan, nan)], "rule")
    "every rule's 95% interval that was estimated includes no difference"
    """
    everyone = list(stats)
    listed = [(e, low, high) for e, low, high in everyone if has_interval(low, high)]
    if not listed:
        return f"no {noun} has a 95% interval"
    clear = sum(low > 0 or high < 0 for _, low, high in listed)
    with_one = "" if len(listed) == len(everyone) else " with an interval"
    if clear == 0:
        estimated = " that was estimated" if with_one else ""
        return f"every {noun}'s 95% interval{estimated} includes no difference"
    return (
        f"for {clear} of the {len(listed)} {noun}s{with_one} the 95% interval lies wholly on "
        "one side of no difference"
    )


def points(estimate: float, conf_low: float, conf_high: float) -> str:
    """Return a risk difference as the key numbers write it, in percentage points.

    One decimal at least, more where rounding would put the estimate on its interval
    (:func:`~escalation.report.brief.interval_digits`), signed as the key number is.

    Examples
    --------
    >>> points(-0.0152, -0.0311, 0.0012)
    '-1.5 points (95% CI -3.1 to +0.1)'
    >>> points(-0.0152, float("nan"), float("nan"))
    '-1.5 points (no interval: the design asked for no bootstrap replicates, or none was usable)'
    """
    d = point_digits(estimate, conf_low, conf_high) if has_interval(conf_low, conf_high) else 1

    def shown(low: float, high: float) -> str:
        return f"{signed_text(100 * low, d, sign=True)} to {signed_text(100 * high, d, sign=True)}"

    interval = ci_words(conf_low, conf_high, shown)
    return f"{signed_text(100 * estimate, d, sign=True)} points ({interval})"


def _counted(count: str, noun: str) -> str:
    """Return a count text (:func:`escalation.disclosure.count_texts`) with its noun.

    A shown count, or one below the threshold, goes before the noun ("1,400 children",
    "fewer than 10 children"); one withheld to protect another (complementary suppression)
    reads as a number withheld, since "not shown children" says that children were
    hidden, not their number; one that does not apply says so after the noun.

    Examples
    --------
    >>> _counted("1,400", "children"), _counted("fewer than 10", "episodes")
    ('1,400 children', 'fewer than 10 episodes')
    >>> _counted("not shown", "children"), _counted("not applicable", "episodes")
    ('an undisclosed number of children', 'episodes (not applicable)')
    """
    if count == WITHHELD_TEXT:
        return f"an undisclosed number of {noun}"
    if count == NOT_APPLYING_TEXT:
        return f"{noun} ({count})"
    return f"{count} {noun}"


def _reason_words(description: str) -> str:
    """Return a reason for leaving episodes out as the flow figure words it, in a sentence.

    Examples
    --------
    >>> _reason_words("early_help already under way at time zero; or open")
    'early help already under way at time zero, or open'
    >>> _reason_words("CIN plan open")
    'CIN plan open'
    """
    words = plain_words(description).replace("; ", ", ")
    return words[:1].lower() + words[1:] if description[:1].islower() else words


def flow_alt(flow: pd.DataFrame, raw: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES) -> str:
    """Return the flow diagram's text: the counts it starts and ends with, disclosed.

    Parameters
    ----------
    flow : pandas.DataFrame
        The disclosed flow (``results/flow.csv``): ``stage`` ("entered", "excluded",
        "remaining"), ``children`` and ``episodes``, as the figure draws them, and
        optionally ``description``: each reason for leaving episodes out, listed with its
        count in the words the figure shows (design codes such as ``cp_plan`` in plain
        words, :func:`escalation.figures.flow.plain_words`).
    raw : pandas.DataFrame
        The same rows before disclosure, only to tell a count below the threshold from
        one withheld to protect another (neither is given).
    rules : DisclosureRules, optional
        The rules ``flow`` was disclosed under.

    Returns
    -------
    str

    Examples
    --------
    >>> flow = pd.DataFrame({"stage": ["entered", "excluded", "remaining"],
    ...                      "children": [3000.0, None, 1400.0],
    ...                      "episodes": [19785.0, 60.0, 1400.0]})
    >>> raw = flow.assign(children=[3002, 4, 1398], episodes=[19787, 61, 1398])
    >>> print(flow_alt(flow, raw))  # doctest: +NORMALIZE_WHITESPACE
    Flow diagram of who was studied: 3,000 children with 19,785 episodes in the case
    histories; episodes were left out for 1 reason; 1,400 spells of 1,400 children
    analysed (counts rounded to the nearest 5).
    >>> described = flow.assign(description=["", "referral still open", ""])
    >>> print(flow_alt(described, raw))  # doctest: +NORMALIZE_WHITESPACE
    Flow diagram of who was studied: 3,000 children with 19,785 episodes in the case
    histories; episodes were left out for 1 reason: referral still open (60 episodes);
    1,400 spells of 1,400 children analysed (counts rounded to the nearest 5).
    >>> coded = flow.assign(description=["", "already in cp_plan or looked_after at time zero",
    ...                                  ""])
    >>> print(flow_alt(coded, raw))  # doctest: +NORMALIZE_WHITESPACE
    Flow diagram of who was studied: 3,000 children with 19,785 episodes in the case
    histories; episodes were left out for 1 reason: already in child protection plan or care
    at time zero (60 episodes); 1,400 spells of 1,400 children analysed (counts rounded to
    the nearest 5).
    """
    texts = {
        column: count_texts(flow[column], raw[column], rules) for column in ("children", "episodes")
    }
    children, episodes = (
        [_counted(text, noun) for text in texts[noun]] for noun in ("children", "episodes")
    )
    stages = flow["stage"].astype(str).tolist()
    first, last = 0, len(stages) - 1
    excluded = [i for i, stage in enumerate(stages) if stage == "excluded"]
    left_out = f"episodes were left out for {len(excluded)} reason{'s' * (len(excluded) != 1)}"
    if "description" in flow:  # each reason with its count, as the figure shows them
        described = [_reason_words(text) for text in flow["description"].astype(str)]
        left_out += ": " + "; ".join(f"{described[i]} ({episodes[i]})" for i in excluded)
    rounded = f" (counts rounded to the nearest {rules.rounding})" if rules.rounding > 1 else ""
    spells = _counted(texts["episodes"][last], "spells")
    return (
        f"Flow diagram of who was studied: {children[first]} with {episodes[first]} in the "
        f"case histories; {left_out}; {spells} of {children[last]} analysed{rounded}."
    )


def _risk_pair(effects: pd.DataFrame, estimator: str, horizon: int) -> tuple[Stats, Stats] | None:
    """Return the shown risks with and without treatment at ``horizon``."""
    rows = effects[
        (effects["estimator"] == estimator) & (effects["horizon"].astype(int) == int(horizon))
    ]
    risks = _by(rows, "estimand")
    if "risk_treated" not in risks or "risk_untreated" not in risks:
        return None
    return risks["risk_treated"], risks["risk_untreated"]


def _risks_by_horizon(
    effects: pd.DataFrame,
    estimator: str,
    horizons: Sequence[int],
    rules: DisclosureRules,
    *,
    subject: str,
) -> str:
    """Return "by 365 days an estimated X (95% CI ...) <subject> with ... and Y without"."""
    parts = []
    for i, horizon in enumerate(horizons):
        pair = _risk_pair(effects, estimator, horizon)
        if pair is None:
            parts.append(f"the risks by {horizon} days are {_few_children(rules)}")
            continue
        treated, untreated = pair
        if i == 0:
            parts.append(
                f"by {horizon} days an estimated {describe_risk(*treated)} {subject} "
                f"with early help and {describe_risk(*untreated)} without"
            )
        else:
            dt, du = interval_digits(*treated), interval_digits(*untreated)
            parts.append(
                f"by {horizon} days {100 * treated[0]:.{dt}f}% and {100 * untreated[0]:.{du}f}%"
            )
    return "; ".join(parts)


def incidence_alt(
    effects: pd.DataFrame,
    horizons: Sequence[int],
    rules: DisclosureRules = DEFAULT_RULES,
) -> str:
    """Return the unadjusted cumulative incidence figure's text.

    Parameters
    ----------
    effects : pandas.DataFrame
        The disclosed effects (``results/effects.csv``): the unadjusted (Aalen–Johansen)
        risks with and without early help at each horizon. The figure's disclosed curves
        step only after the threshold of events, so at a horizon they can show an earlier
        value; the pipeline adds a sentence saying so.
    horizons : sequence of int
        The design's horizons (the first is the key numbers').
    rules : DisclosureRules, optional
        The rules the effects were disclosed under (named when a risk is not shown).

    Returns
    -------
    str

    Examples
    --------
    >>> effects = pd.DataFrame({"estimator": "unadjusted", "horizon": [365, 365],
    ...     "estimand": ["risk_treated", "risk_untreated"], "estimate": [0.31, 0.35],
    ...     "conf_low": [0.28, 0.33], "conf_high": [0.34, 0.37], "suppressed": False})
    >>> print(incidence_alt(effects, [365]))  # doctest: +NORMALIZE_WHITESPACE
    Cumulative incidence of escalation by days since the decision, by early help within the
    grace period, not adjusted (Aalen–Johansen, observed): by 365 days an estimated 31%
    (95% CI 28% to 34%) of spells had escalated with early help and 35% (95% CI 33% to 37%)
    without.
    """
    risks = _risks_by_horizon(
        effects, "unadjusted", horizons, rules, subject="of spells had escalated"
    )
    return (
        "Cumulative incidence of escalation by days since the decision, by early help "
        f"within the grace period, not adjusted (Aalen–Johansen, observed): {risks}."
    )


def adjusted_alt(
    effects: pd.DataFrame,
    estimator: str,
    label: str,
    horizons: Sequence[int],
    rules: DisclosureRules = DEFAULT_RULES,
) -> str:
    """Return the adjusted risk curves' text: the model-based risks at the horizons.

    Parameters
    ----------
    effects : pandas.DataFrame
        The disclosed effects (``results/effects.csv``).
    estimator : str
        The estimator the figure draws (``"aipw"``, ``"ccw"``, ...).
    label : str
        Its short name as the figure and the key numbers give it ("AIPW").
    horizons : sequence of int
        The design's horizons.
    rules : DisclosureRules, optional
        The rules the effects were disclosed under.

    Returns
    -------
    str

    Examples
    --------
    >>> effects = pd.DataFrame({"estimator": "aipw", "horizon": [365, 365],
    ...     "estimand": ["risk_treated", "risk_untreated"], "estimate": [0.29, 0.31],
    ...     "conf_low": [0.26, 0.29], "conf_high": [0.32, 0.33], "suppressed": False})
    >>> print(adjusted_alt(effects, "aipw", "AIPW", [365]))  # doctest: +NORMALIZE_WHITESPACE
    Estimated risk of escalation by days since the decision had every child received early
    help, and had none (AIPW, adjusted; model-based, not observed): by 365 days an estimated
    29% (95% CI 26% to 32%) would have escalated with early help and 31% (95% CI 29% to
    33%) without.
    """
    risks = _risks_by_horizon(effects, estimator, horizons, rules, subject="would have escalated")
    return (
        "Estimated risk of escalation by days since the decision had every child received "
        f"early help, and had none ({label}, adjusted; model-based, not observed): {risks}."
    )


def risk_differences_alt(
    effects: pd.DataFrame,
    labels: Mapping[str, str],
    horizons: Sequence[int],
    rules: DisclosureRules = DEFAULT_RULES,
) -> str:
    """Return the forest plot of risk differences' text: each estimator's at the first horizon.

    Parameters
    ----------
    effects : pandas.DataFrame
        The disclosed effects (``results/effects.csv``); rows of other estimands are
        ignored.
    labels : mapping of str to str
        Short name of each estimator, in the order to list them (the brief's preference:
        AIPW first); estimators not in it are not listed.
    horizons : sequence of int
        The horizons the figure shows (the differences are listed for the first).
    rules : DisclosureRules, optional
        The rules the effects were disclosed under.

    Returns
    -------
    str

    Examples
    --------
    >>> effects = pd.DataFrame({"estimator": ["aipw", "unadjusted"], "horizon": 365,
    ...     "estimand": "risk_difference", "estimate": [-0.015, 0.017],
    ...     "conf_low": [-0.031, -0.014], "conf_high": [0.001, 0.048], "suppressed": False})
    >>> print(risk_differences_alt(effects, {"aipw": "AIPW", "unadjusted": "Unadjusted"},
    ...                            [365]))  # doctest: +NORMALIZE_WHITESPACE
    Estimated change in the risk of escalation with early help, in percentage points (below zero:
    fewer escalated), by estimator at 365 days. By 365 days: AIPW -1.5 points (95% CI
    -3.1 to +0.1), Unadjusted +1.7; every estimator's 95% interval includes no
    difference.
    """
    rd = effects[effects["estimand"] == "risk_difference"]
    first = int(horizons[0])
    shown = _by(rd[rd["horizon"].astype(int) == first], "estimator")
    listed = [(label, shown[e]) for e, label in labels.items() if e in shown]
    if listed:
        lead, rest = listed[0], listed[1:]
        findings = ", ".join(
            [f"{lead[0]} {points(*lead[1])}"]
            + [
                f"{label} {signed_text(100 * e, point_digits(e, lo, hi), sign=True)}"
                for label, (e, lo, hi) in rest
            ]
        )
        findings += "; " + _intervals([stats for _, stats in listed], "estimator")
    else:
        findings = _few_children(rules)
    return (
        "Estimated change in the risk of escalation with early help, in percentage points (below "
        f"zero: fewer escalated), by estimator at {_days(horizons)}. By {first} days: "
        f"{findings}."
    )


def authority_alt(forest: pd.DataFrame, horizon: int, name: str) -> str:
    """Return the forest plot by local authority's text: the range, pooled and overall.

    Parameters
    ----------
    forest : pandas.DataFrame
        The rows the figure draws: ``label, estimate, conf_low, conf_high, kind``, with
        ``kind`` "authority" (each authority's disclosed estimate), "pooled" and
        "prediction" (:meth:`escalation.federated.meta.MetaAnalysis.forest`).
    horizon : int
        The horizon of the differences.
    name : str
        The estimator in words.

    Returns
    -------
    str

    Examples
    --------
    >>> forest = pd.DataFrame({"label": ["A", "B", "Pooled (random effects)"],
    ...     "estimate": [-0.02, 0.01, -0.005], "conf_low": [-0.05, -0.03, -0.02],
    ...     "conf_high": [0.01, 0.05, 0.01], "kind": ["authority", "authority", "pooled"]})
    >>> print(authority_alt(forest, 365, "AIPW"))  # doctest: +NORMALIZE_WHITESPACE
    Estimated change in the risk of escalation by 365 days with early help (AIPW, percentage
    points) in each local authority: 2 authorities shown, from -2.0 to +1.0 points;
    Pooled (random effects) -0.5 points (95% CI -2.0 to +1.0).
    """
    rows = _shown(forest)
    own = rows[rows["kind"] == "authority"]
    parts = []
    if len(own):
        low, high = float(own["estimate"].min()), float(own["estimate"].max())
        least, most = (signed_text(100 * v, 1, sign=True) for v in (low, high))
        parts.append(
            f"{len(own)} authorit{'y' if len(own) == 1 else 'ies'} shown, from "
            f"{least} to {most} points"
        )
    else:
        parts.append(f"no authority's own estimate is shown ({NOT_SHOWN}: too few children)")
    for row in rows[rows["kind"] == "pooled"].to_dict("records"):
        parts.append(f"{row['label']} {points(*_stats(row))}")
    return (
        f"Estimated change in the risk of escalation by {horizon} days with early help ({name}, "
        f"percentage points) in each local authority: {'; '.join(parts)}."
    )


def subgroups_alt(
    subgroups: pd.DataFrame,
    horizon: int,
    overall: pd.DataFrame | None = None,
) -> str:
    """Return the subgroup figure's text: the range of the groups' estimates, and overall.

    Parameters
    ----------
    subgroups : pandas.DataFrame
        The groups the figure draws, from the disclosed ``results/subgroups.csv`` (groups
        suppressed by disclosure control left out): ``subgroup`` (an attribute's name),
        ``level``, ``estimate``, ``conf_low`` and ``conf_high`` (missing: not estimated,
        as the figure says).
    horizon : int
        The horizon of the differences.
    overall : pandas.DataFrame, optional
        The whole cohort's row of the same table (estimate and interval), drawn as a
        line; none, or a missing estimate, is left out.

    Returns
    -------
    str

    Examples
    --------
    >>> groups = pd.DataFrame({"subgroup": ["age_band", "age_band", "sex"],
    ...     "level": ["0-4", "5-10", "F"], "estimate": [0.036, -0.041, None],
    ...     "conf_low": [-0.037, -0.085, None], "conf_high": [0.11, 0.003, None]})
    >>> print(subgroups_alt(groups, 365))  # doctest: +NORMALIZE_WHITESPACE
    Estimated change in the risk of escalation by 365 days with early help (AIPW) in 3 groups by
    Age and Sex: from -4.1 points (Age: 5-10) to +3.6 points (Age: 0-4); every estimated
    group's 95% interval includes no difference; 1 group not estimated.
    """
    attributes = list(dict.fromkeys(attribute_label(s) for s in subgroups["subgroup"]))
    by = " and ".join(
        [", ".join(attributes[:-1]), attributes[-1]] if len(attributes) > 1 else attributes
    )
    head = (
        f"Estimated change in the risk of escalation by {horizon} days with early help (AIPW) in "
        f"{len(subgroups)} groups by {by}"
    )
    shown = _shown(subgroups)
    parts = []
    if len(shown):
        names = [
            f"{attribute_label(s)}: {v}"
            for s, v in zip(shown["subgroup"], shown["level"], strict=True)
        ]
        values = shown["estimate"].astype(float).to_numpy()
        low, high = int(np.argmin(values)), int(np.argmax(values))
        parts.append(
            f"from {signed_text(100 * values[low], 1, sign=True)} points ({names[low]}) to "
            f"{signed_text(100 * values[high], 1, sign=True)} points ({names[high]})"
        )
        parts.append(_intervals(_rows(shown), "estimated group"))
    missing = len(subgroups) - len(shown)
    if missing:
        parts.append(f"{missing} group{'' if missing == 1 else 's'} not estimated")
    whole = _shown(overall) if overall is not None else pd.DataFrame()
    if len(whole):
        parts.append(f"all children {points(*_stats(whole.iloc[0]))}")
    return f"{head}: {'; '.join(parts)}." if parts else f"{head}."


def _metric(metrics: pd.DataFrame, model: object, name: str) -> pd.Series | None:
    """Return a model's shown row of a metric (``results/prediction_metrics.csv``)."""
    rows = metrics[(metrics["model"] == model) & (metrics["metric"] == name)]
    rows = rows[pd.to_numeric(rows["estimate"], errors="coerce").notna()]
    return None if rows.empty else rows.iloc[0]


def calibration_alt(
    metrics: pd.DataFrame,
    horizon: int,
    label: Callable[[object], str] = str,
) -> str:
    """Return the calibration figure's text: what is plotted, observed risk and slopes.

    Which curve lies closest to the diagonal is not one number; the text gives the
    observed risk in the test years, the range of the models' mean predicted risks and
    each model's calibration slope, as ``results/prediction_metrics.csv`` holds them.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The disclosed validation metrics: ``model, metric, estimate, conf_low,
        conf_high`` (``observed``, ``expected`` and ``calibration_slope`` are used;
        missing values are not shown).
    horizon : int
        The horizon of the predicted risks.
    label : callable, optional
        A model's name as the figure's legend gives it.

    Returns
    -------
    str

    Examples
    --------
    >>> metrics = pd.DataFrame({"model": ["cox"] * 3,
    ...     "metric": ["observed", "expected", "calibration_slope"],
    ...     "estimate": [0.0726, 0.0826, 0.23], "conf_low": [0.054, 0.075, -0.04],
    ...     "conf_high": [0.084, 0.091, 0.52]})
    >>> print(calibration_alt(metrics, 365, str.capitalize))  # doctest: +NORMALIZE_WHITESPACE
    Observed against predicted risk of escalation by 365 days for 1 risk model tested on
    later years than it was trained on (dashed diagonal: perfect agreement). Observed
    risk (estimated) 7.3% (95% CI 5.4% to 8.4%), mean predicted 8.3%; calibration slope
    (1 is ideal): Cox 0.23.
    """
    models = list(pd.unique(metrics["model"]))
    names = [label(m) for m in models]
    one = len(models) == 1
    head = (
        f"Observed against predicted risk of escalation by {horizon} days for {len(models)} "
        f"risk model{'' if one else 's'} tested on later years than "
        f"{'it was' if one else 'they were'} trained on (dashed diagonal: perfect agreement)."
    )
    observed = next((r for m in models if (r := _metric(metrics, m, "observed")) is not None), None)
    expected = [
        float(r["estimate"]) for m in models if (r := _metric(metrics, m, "expected")) is not None
    ]
    parts = []
    if observed is not None:
        text = f"Observed risk (estimated) {describe_risk(*_stats(observed), digits=1)}"
        if expected:
            low, high = min(expected), max(expected)
            spread = (
                f"{100 * low:.1f}%"
                if f"{100 * low:.1f}" == f"{100 * high:.1f}"
                else (f"{100 * low:.1f}% to {100 * high:.1f}%")
            )
            text += f", mean predicted {spread}"
        parts.append(text)
    slopes = [
        f"{name} {float(r['estimate']):.2f}"
        for m, name in zip(models, names, strict=True)
        if (r := _metric(metrics, m, "calibration_slope")) is not None
    ]
    parts.append(
        f"calibration slope (1 is ideal): {', '.join(slopes)}"
        if slopes
        else f"calibration slopes {NOT_SHOWN}"
    )
    return f"{head} {'; '.join(parts)}."


def _range(rows: pd.DataFrame) -> str:
    """Return "from 40% (Sex: F) to 62% (Sex: M)" over the shown rows (or the one value)."""
    values = rows["estimate"].astype(float).to_numpy()
    names = [f"{a}: {g}" for a, g in zip(rows["attribute"], rows["group"], strict=True)]
    low, high = int(np.argmin(values)), int(np.argmax(values))
    if len(rows) == 1:
        return f"{100 * values[low]:.0f}% ({names[low]}, the only group shown)"
    return (
        f"from {100 * values[low]:.0f}% ({names[low]}) to {100 * values[high]:.0f}% ({names[high]})"
    )


def fairness_hidden(groups: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES) -> str:
    """Return the sentence naming the groups the fairness figure does not show, and why.

    A group is not shown when disclosure control withheld its estimate (``suppressed``, or
    the estimate missing); a group withheld for some metrics only is named with them. The
    groups are named by their labels (categories such as an ethnic group or a deprivation
    quintile, never a child), without counts. Empty when every group is shown.

    A group withheld only because it is the smallest beside a small one (complementary
    suppression: the two would give each other's counts back by subtraction) is named
    apart, as withheld beside them, not as small: an optional boolean ``beside`` column
    marks its rows (its rank metrics, such as the AUC, are in ``fairness.csv``).

    ``groups`` and ``rules`` are as :func:`fairness_alt` takes them (the rows the figure
    draws; ``suppressed`` and ``beside`` are read when present).

    Examples
    --------
    >>> groups = pd.DataFrame({"metric": ["Recall"] * 3 + ["Precision"] * 3,
    ...     "attribute": ["Ethnicity", "Ethnicity", "Sex"] * 2,
    ...     "group": ["Asian", "White", "M"] * 2,
    ...     "estimate": [None, 0.3, 0.2, None, 0.2, None]})
    >>> print(fairness_hidden(groups))  # doctest: +NORMALIZE_WHITESPACE
    Groups not shown, as one of the counts behind their rates is below 10 (children flagged
    who escalated, missed, flagged who did not escalate, or neither): Ethnicity: Asian;
    Sex: M (precision only). Whether the tool works as well for them cannot be judged from
    these data.
    >>> fairness_hidden(groups.assign(estimate=0.3))
    ''
    >>> print(fairness_hidden(groups.assign(beside=groups["group"] == "M")))
    ... # doctest: +NORMALIZE_WHITESPACE
    Groups not shown, as one of the counts behind their rates is below 10 (children flagged
    who escalated, missed, flagged who did not escalate, or neither): Ethnicity: Asian.
    Withheld beside them, so that their counts cannot be worked out by subtraction: Sex: M
    (precision only). Whether the tool works as well for them cannot be judged from these
    data.
    """
    withheld = pd.to_numeric(groups["estimate"], errors="coerce").isna().to_numpy()
    if "suppressed" in groups.columns:
        withheld |= groups["suppressed"].fillna(True).astype(bool).to_numpy()
    beside = (
        groups["beside"].fillna(False).astype(bool).to_numpy()
        if "beside" in groups.columns
        else np.zeros(len(groups), dtype=bool)
    )
    small = _withheld_groups(groups[~beside], withheld[~beside])
    other = _withheld_groups(groups[beside], withheld[beside])
    if not small and not other:
        return ""
    listing, others = (
        "; ".join(f"{attribute}: {', '.join(labels)}" for attribute, labels in named.items())
        for named in (small, other)
    )
    reason = (
        f"as one of the counts behind their rates is below {rules.threshold} (children "
        "flagged who escalated, missed, flagged who did not escalate, or neither)"
    )
    text = f"Groups {NOT_SHOWN}, {reason}: {listing}." if small else ""
    if other:
        text += (
            " Withheld beside them, so that their counts cannot be worked out by subtraction: "
            f"{others}."
            if small
            else f"Groups {NOT_SHOWN}, so that the counts of smaller groups cannot be "
            f"worked out by subtraction: {others}."
        )
    return (
        f"{text.strip()} Whether the tool works as well for them cannot be judged from these data."
    )


def _withheld_groups(groups: pd.DataFrame, withheld: npt.NDArray[np.bool_]) -> dict[str, list[str]]:
    """Return the labels of the groups with a withheld row, by attribute.

    A group withheld for some of the metrics only is labelled with them.
    """
    metrics = list(dict.fromkeys(str(m) for m in groups["metric"]))
    named: dict[str, list[str]] = {}
    for (attribute, group), rows in groups.assign(_withheld=withheld).groupby(
        ["attribute", "group"], sort=False, observed=True
    ):
        gone = [str(m) for m in rows.loc[rows["_withheld"], "metric"]]
        if not gone:
            continue
        every = set(gone) >= {str(m) for m in rows["metric"]}
        only = join_words(_ordered(gone, metrics), "and")
        label = str(group) if every else f"{group} ({only} only)"
        named.setdefault(str(attribute), []).append(label)
    return named


def _ordered(names: Iterable[str], order: Sequence[str]) -> list[str]:
    """Return ``names`` once each, in ``order``, lower case."""
    chosen = set(names)
    return [name.lower() for name in order if name in chosen]


def fairness_alt(
    groups: pd.DataFrame,
    overall: pd.DataFrame | None,
    model: str,
    rules: DisclosureRules = DEFAULT_RULES,
) -> str:
    """Return the fairness figure's text: the range of recall and precision across groups.

    The groups not shown are named, with why (:func:`fairness_hidden`).

    Parameters
    ----------
    groups : pandas.DataFrame
        The rows the figure draws, from the disclosed ``results/fairness.csv``:
        ``metric`` ("Recall", "Precision"), ``attribute`` (labelled), ``group`` and
        ``estimate`` (missing: suppressed).
    overall : pandas.DataFrame or None
        ``metric, estimate`` for all children (the dashed lines), shown values only.
    model : str
        The model's name.
    rules : DisclosureRules, optional
        The rules the groups were disclosed under.

    Returns
    -------
    str

    Examples
    --------
    >>> groups = pd.DataFrame({"metric": ["Recall"] * 2 + ["Precision"] * 2,
    ...     "attribute": "Sex", "group": ["F", "M"] * 2,
    ...     "estimate": [0.40, 0.62, None, None]})
    >>> overall = pd.DataFrame({"metric": ["Recall"], "estimate": [0.5]})
    >>> print(fairness_alt(groups, overall, "Cox"))  # doctest: +NORMALIZE_WHITESPACE
    Recall and precision of the Cox model flagging the riskiest 10%, by group (Sex).
    Recall from 40% (Sex: F) to 62% (Sex: M), against 50% for all children; precision not
    shown for any group (a count behind it below 10). Groups not shown, as one of the
    counts behind their rates is below 10 (children flagged who escalated, missed, flagged
    who did not escalate, or neither): Sex: F (precision only), M (precision only). Whether
    the tool works as well for them cannot be judged from these data.
    """
    attributes = list(dict.fromkeys(str(a) for a in groups["attribute"]))
    head = (
        f"Recall and precision of the {model} model flagging the riskiest 10%, by group "
        f"({', '.join(attributes)})."
    )
    reason = f"a count behind it below {rules.threshold}"
    parts = []
    for metric in ("Recall", "Precision"):
        rows = groups[groups["metric"] == metric]
        rows = rows[pd.to_numeric(rows["estimate"], errors="coerce").notna()]
        if rows.empty:
            parts.append(f"{metric.lower()} {NOT_SHOWN} for any group ({reason})")
            continue
        text = f"{metric.lower()} {_range(rows)}"
        all_rows = None if overall is None else overall[overall["metric"] == metric]
        if all_rows is not None and len(all_rows):
            text += f", against {100 * float(all_rows['estimate'].iloc[0]):.0f}% for all children"
        parts.append(text)
    shown = pd.to_numeric(groups["estimate"], errors="coerce").notna()
    if not shown.any():
        return f"{head} Recall and precision are {NOT_SHOWN} for any group ({reason})."
    body = "; ".join(parts)
    hidden = fairness_hidden(groups, rules)
    return f"{head} {body[:1].upper()}{body[1:]}." + (f" {hidden}" if hidden else "")


def policy_alt(figure: pd.DataFrame, capacity: int, horizon: int) -> str:
    """Return the policy figure's text: each rule's escalations prevented and offers.

    Parameters
    ----------
    figure : pandas.DataFrame
        ``results/policy_figure.csv``: ``rule, label, flagged_per_1000,
        prevented_per_1000, conf_low, conf_high`` (rates per 1,000 referrals, no counts).
    capacity : int
        Early-help capacity per 1,000 referrals (the dotted line).
    horizon : int
        Days within which escalations are counted.

    Returns
    -------
    str

    Examples
    --------
    >>> figure = pd.DataFrame({"rule": ["no_one", "current_practice", "risk_cox"],
    ...     "label": ["No one", "Current practice", "Highest predicted risk (Cox)"],
    ...     "flagged_per_1000": [0.0, 349.0, 291.9], "prevented_per_1000": [0.0, 3.56, 7.4],
    ...     "conf_low": [0.0, -11.6, 3.4], "conf_high": [0.0, 18.7, 11.4]})
    >>> print(policy_alt(figure, 300, 365))  # doctest: +NORMALIZE_WHITESPACE
    Estimated escalations prevented within 365 days per 1,000 referrals, against
    offering early help to no one (below zero: more), plotted against offers of early
    help per 1,000, for each rule; dotted line: capacity of 300. Current practice 3.6 at
    349 offers; Highest predicted risk (Cox) 7.4 at 292; for 1 of the 2 rules the 95%
    interval lies wholly on one side of no difference.
    """
    figure = figure.reset_index(drop=True)  # an index label may repeat (pd.concat)
    rows = _shown(
        figure[figure["rule"] != "no_one"].rename(columns={"prevented_per_1000": "estimate"})
    )
    # A rule whose offers are withheld for disclosure has no point in the figure.
    listed = [
        f"{label} {prevented:,.1f} at {flagged:,.0f}{' offers' if i == 0 else ''}"
        if np.isfinite(flagged)
        else f"{label} {prevented:,.1f} (offers too few to show; not plotted)"
        for i, (label, prevented, flagged) in enumerate(
            zip(
                rows["label"],
                rows["estimate"].astype(float),
                rows["flagged_per_1000"].astype(float),
                strict=True,
            )
        )
    ]
    missing = figure.loc[(figure["rule"] != "no_one") & ~figure.index.isin(rows.index), "label"]
    listed += [f"{label} not estimated" for label in missing]
    verdict = _intervals(_rows(rows), "rule")
    return (
        f"Estimated escalations prevented within {horizon} days per 1,000 referrals, against "
        "offering early help to no one (below zero: more), plotted against offers of early "
        f"help per 1,000, for each rule; dotted line: capacity of {capacity:,}. "
        f"{'; '.join(listed)}; {verdict}."
    )
