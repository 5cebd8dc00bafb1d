"""The brief's paragraph on the risk tool: what its validation found, in plain words.

Every verdict is read from the intervals of the validation's own metrics table
(``results/prediction_metrics.csv``: ``model, metric, estimate, conf_low, conf_high``),
never from a point estimate alone, and is worded whichever way the result goes:

- Calibration slope (1 is ideal): the interval wholly below 1 says the predicted risks
  were too extreme (the usual sign of overfitting), wholly above 1 too modest; an interval
  that includes 1 says their spread was consistent with what happened.
- Calibration in the large (observed − expected risk): an interval wholly above 0 says
  the tool predicted too little escalation on average, wholly below 0 too much; one that
  includes 0 says its predictions were not clearly too high or too low on average.
- Case-note (text) features: the model with them (``<model>+text``) is judged against the
  same model on structured data alone (nothing is said without it), from the paired
  difference of their AUCs (the ``auc_difference`` row of ``<model>+text``: text minus
  structured, its interval from the same bootstrap resamples of the same children). The
  interval wholly above 0 says the text features improved the ranking, wholly below 0
  that they made it worse; one that includes 0 says they "showed no sign of improving it"
  when the estimated difference was 0 or less, and that it "could not be told" otherwise.
  The sentence gives both AUCs and the difference with its interval (three decimals).
  Results without that row (written before it existed) are judged as they were, by the two
  AUC intervals: apart (improved or worse) or overlapping (no sign, or could not be told).
  That rule is very conservative: the two AUCs are measured on the same children and
  strongly correlated, so a gain that the paired interval finds most of the time reads
  "could not be told".

Only shares and AUCs appear, no counts; metrics withheld by disclosure control (missing)
leave their sentence out.
"""

from __future__ import annotations

import math

import pandas as pd

from escalation._decimals import clear_of_zero_digits
from escalation._interval_words import ci_words
from escalation.disclosure import (
    DEFAULT_RULES,
    DisclosureRules,
    format_rank_metric,
    model_rank_decimals,
)
from escalation.figures._labels import interval_digits
from escalation.predict.validate import AUC_DIFFERENCE, TEXT_SUFFIX

__all__ = [
    "calibration_sentence",
    "risk_tool_paragraph",
    "text_features_sentence",
]

Stats = tuple[float, float, float]


def _values(metrics: pd.DataFrame, model: str, metric: str) -> Stats:
    """Return ``(estimate, conf_low, conf_high)`` of one model's metric (NaN: not shown)."""
    rows = metrics[(metrics["model"].astype(str) == model) & (metrics["metric"] == metric)]
    if rows.empty:
        return math.nan, math.nan, math.nan
    row = rows.iloc[0]
    low, high = (row.get(c, math.nan) for c in ("conf_low", "conf_high"))
    e, lo, hi = (float(pd.to_numeric(v, errors="coerce")) for v in (row["estimate"], low, high))
    return e, lo, hi


def _stats(metrics: pd.DataFrame, model: str, metric: str) -> Stats | None:
    """Return one model's metric with its interval, or None unless all three are shown."""
    values = _values(metrics, model, metric)
    return None if any(math.isnan(v) for v in values) else values


def _two(stats: Stats) -> str:
    """Return "0.76 (95% CI 0.62 to 0.94)"."""
    e, lo, hi = stats
    return f"{e:.2f} ({ci_words(lo, hi, lambda low, high: f'{low:.2f} to {high:.2f}')})"


def _share(value: float) -> str:
    """Return a share as a percentage with one decimal ("8.7%")."""
    return f"{100 * value:.1f}%"


def calibration_sentence(metrics: pd.DataFrame, model: str, *, within: str = "") -> str:
    """Return the calibration verdict of ``model``: slope, then average risk.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The validation's metrics (``model, metric, estimate, conf_low, conf_high``), with
        ``calibration_slope``, ``calibration_in_the_large`` (observed − expected),
        ``observed`` and ``expected`` rows.
    model : str
        The model the brief describes.
    within : str, optional
        The horizon in words (" within 365 days").
    rules : DisclosureRules, optional
        The rules ``metrics`` was disclosed with (see :func:`text_features_sentence`).

    Returns
    -------
    str
        Empty when neither is shown.

    Examples
    --------
    >>> metrics = pd.DataFrame({"model": "cox", "metric": ["calibration_slope",
    ...     "calibration_in_the_large", "observed", "expected"],
    ...     "estimate": [0.76, 0.005, 0.087, 0.082], "conf_low": [0.62, -0.005, 0.076, 0.078],
    ...     "conf_high": [0.94, 0.019, 0.099, 0.084]})
    >>> print(calibration_sentence(metrics, "cox"))  # doctest: +NORMALIZE_WHITESPACE
    Its predicted risks were too extreme: the calibration slope was 0.76 (95% CI 0.62 to
    0.94; 1 is ideal, and the interval lies below it), so children it rated at high risk
    escalated less often than predicted and those at low risk more often; the scores
    rank children but should not be read as each child's chance of escalating. On
    average its predictions were not clearly too high or too low: 8.7% of children
    escalated against 8.2% predicted (the 95% CI of the difference includes no
    difference).
    """
    parts = []
    slope = _stats(metrics, model, "calibration_slope")
    if slope is not None:
        shown = f"{_two(slope)[:-1]}; 1 is ideal"
        if slope[2] < 1:
            parts.append(
                f"Its predicted risks were too extreme: the calibration slope was {shown}, "
                "and the interval lies below it), so children it rated at high risk "
                "escalated less often than predicted and those at low risk more often; the "
                "scores rank children but should not be read as each child's chance of "
                f"escalating{within}."
            )
        elif slope[1] > 1:
            parts.append(
                f"Its predicted risks were too modest: the calibration slope was {shown}, "
                "and the interval lies above it), so children it rated at high risk "
                "escalated more often than predicted and those at low risk less often; the "
                "scores rank children but should not be read as each child's chance of "
                f"escalating{within}."
            )
        else:
            parts.append(
                "The spread of its predicted risks was consistent with what happened: the "
                f"calibration slope was {shown}, and the interval includes it)."
            )
    difference = _stats(metrics, model, "calibration_in_the_large")
    observed = _stats(metrics, model, "observed")
    expected = _stats(metrics, model, "expected")
    if difference is not None and observed is not None and expected is not None:
        o, x = observed[0], expected[0]
        average = f"{_share(o)} of children escalated{within} against {_share(x)} predicted"
        if difference[1] > 0:
            parts.append(
                f"On average it predicted too little escalation: {average} (the 95% CI of "
                "the difference lies wholly above no difference)."
            )
        elif difference[2] < 0:
            parts.append(
                f"On average it predicted too much escalation: {average} (the 95% CI of "
                "the difference lies wholly below no difference)."
            )
        else:
            parts.append(
                f"On average its predictions were not clearly too high or too low: {average} "
                "(the 95% CI of the difference includes no difference)."
            )
    return " ".join(parts)


def text_features_sentence(
    metrics: pd.DataFrame, model: str, rules: DisclosureRules = DEFAULT_RULES
) -> str:
    """Return whether case-note (text) features improved ``model``'s ranking (AUC).

    The model with them is ``<model>+text`` (nothing is said without it: another model's
    text features would credit the text with the difference between the models); the
    verdict reads the interval of the paired difference of the two AUCs (the text model's
    ``auc_difference`` row), or, without it, the two AUCs' intervals (see the module's
    rules).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The validation's metrics, with ``auc`` rows of both models and, from validations
        that pair them, the ``auc_difference`` row of ``<model>+text``.
    model : str
        The model on structured data that the brief describes.
    rules : DisclosureRules, optional
        The rules ``metrics`` was disclosed with: the paired difference is shown with the
        decimals it was rounded to (:func:`escalation.disclosure.model_rank_decimals`; 3
        without the text model's counts).

    Returns
    -------
    str
        Empty without a model with text features, or an AUC not shown.

    Examples
    --------
    >>> metrics = pd.DataFrame({"model": ["cox", "cox+text"], "metric": "auc",
    ...     "estimate": [0.674, 0.660], "conf_low": [0.644, 0.632],
    ...     "conf_high": [0.720, 0.701]})
    >>> print(text_features_sentence(metrics, "cox"))  # doctest: +NORMALIZE_WHITESPACE
    Adding features from case notes showed no sign of improving it: with them its AUC was
    0.66 (95% CI 0.63 to 0.70), against 0.67 (95% CI 0.64 to 0.72) on structured data alone.
    >>> paired = pd.concat([metrics, pd.DataFrame({"model": ["cox+text"],
    ...     "metric": "auc_difference", "estimate": [-0.014], "conf_low": [-0.031],
    ...     "conf_high": [0.004]})])
    >>> print(text_features_sentence(paired, "cox"))  # doctest: +NORMALIZE_WHITESPACE
    Adding features from case notes showed no sign of improving it: with them its AUC was
    0.66 (95% CI 0.63 to 0.70), against 0.67 (95% CI 0.64 to 0.72) on structured data alone
    (difference -0.014, 95% CI -0.031 to 0.004).
    """
    names = [str(m) for m in pd.unique(metrics["model"])]
    # Only the same model with the text features: another family's would credit the text
    # with the difference between the models.
    if f"{model}{TEXT_SUFFIX}" not in names:
        return ""
    base = _stats(metrics, model, "auc")
    text = _stats(metrics, f"{model}{TEXT_SUFFIX}", "auc")
    if base is None or text is None:
        return ""
    both = f"with them its AUC was {_two(text)}, against {_two(base)} on structured data alone"
    difference = _stats(metrics, f"{model}{TEXT_SUFFIX}", AUC_DIFFERENCE)
    if difference is not None:
        decimals = model_rank_decimals(metrics, f"{model}{TEXT_SUFFIX}", rules)
        return _paired_verdict(difference, both, decimals)
    # Results written before the paired difference: the two intervals (conservative).
    if text[1] > base[2]:
        return f"Adding features from case notes improved its ranking: {both}."
    if text[2] < base[1]:
        return f"Adding features from case notes made its ranking worse: {both}."
    if text[0] <= base[0]:
        return f"Adding features from case notes showed no sign of improving it: {both}."
    return (
        f"Whether adding features from case notes improved it could not be told: {both}; "
        "the two intervals overlap."
    )


def _paired_verdict(difference: Stats, both: str, decimals: int | None) -> str:
    """Return the case-note verdict read from the paired AUC difference's interval.

    The difference is shown with the decimals it was rounded to (when exact: 3, or more
    where an end of an interval that lies on one side of 0 would read 0.000 beside a
    verdict that it does not, :func:`escalation._decimals.clear_of_zero_digits`), never
    "-0.000".
    """
    e, lo, hi = difference
    if decimals is None:
        decimals = clear_of_zero_digits(lo, hi, digits=3)
    text = [format_rank_metric(v, decimals) for v in difference]
    shown = f"{both} (difference {text[0]}, 95% CI {text[1]} to {text[2]})"
    if lo > 0:
        return f"Adding features from case notes improved its ranking: {shown}."
    if hi < 0:
        return f"Adding features from case notes made its ranking worse: {shown}."
    if e <= 0:
        return f"Adding features from case notes showed no sign of improving it: {shown}."
    return (
        f"Whether adding features from case notes improved it could not be told: {shown}; "
        "the interval of the difference includes no difference."
    )


def _per_100_not(share: Stats) -> tuple[str, str]:
    """Return the complement of a share per 100, and its 95% interval when it is shown.

    The share of children who escalated that flagging missed is 1 minus the recall, and
    its interval the recall's ends taken from 1 (likewise the flagged who did not
    escalate and the precision). Decimals are added only where rounding would put the
    number on an end of its interval (:func:`escalation.report.brief.interval_digits`).

    Examples
    --------
    >>> _per_100_not((0.2632, 0.2298, 0.3311))
    ('74', ' (95% CI 67 to 77)')
    >>> _per_100_not((0.2632, math.nan, math.nan))
    ('74', '')
    """
    e, low, high = (1 - v for v in share)
    if math.isnan(low) or math.isnan(high):
        return f"{100 * e:.0f}", ""
    low, high = high, low  # 1 - the upper end is the lower end
    d = interval_digits(e, low, high)
    return f"{100 * e:.{d}f}", f" (95% CI {100 * low:.{d}f} to {100 * high:.{d}f})"


def risk_tool_paragraph(
    metrics: pd.DataFrame,
    model: str,
    label: str,
    *,
    within: str = "",
    rules: DisclosureRules = DEFAULT_RULES,
) -> str | None:
    """Return the brief's paragraph on the risk tool (``Brief.risk_tool``).

    What flagging the riskiest 10% would miss and flag wrongly (each with its 95% interval,
    from the recall's and the precision's), the ranking (AUC), whether
    its predicted risks were right (:func:`calibration_sentence`) and whether case-note
    features improved it (:func:`text_features_sentence`).

    Parameters
    ----------
    metrics : pandas.DataFrame
        The validation's disclosed metrics (``results/prediction_metrics.csv``).
    model : str
        The model on structured data the brief describes (as in ``metrics``).
    label : str
        Its name in words ("Cox").
    within : str, optional
        The horizon in words (" within 365 days").
    rules : DisclosureRules, optional
        The rules ``metrics`` was disclosed with (see :func:`text_features_sentence`).

    Returns
    -------
    str or None
        None without the model's recall and precision at the riskiest 10%.

    Examples
    --------
    >>> metrics = pd.DataFrame({"model": "cox", "metric": ["recall_top10",
    ...     "precision_top10"], "estimate": [0.26, 0.23], "conf_low": [0.23, 0.19],
    ...     "conf_high": [0.33, 0.28]})
    >>> print(risk_tool_paragraph(metrics, "cox", "Cox"))  # doctest: +NORMALIZE_WHITESPACE
    A risk model was trained on earlier years and tested on later ones, as it would be used
    (Cox, structured case data). Flagging the riskiest 10% of children would miss about 74
    in every 100 children who escalated (95% CI 67 to 77), and about 77 in every 100
    children it flagged would not escalate (95% CI 72 to 81).
    """
    recall = _values(metrics, model, "recall_top10")
    precision = _values(metrics, model, "precision_top10")
    if math.isnan(recall[0]) or math.isnan(precision[0]):
        return None
    (missed, missed_ci), (wrong, wrong_ci) = (_per_100_not(v) for v in (recall, precision))
    parts = [
        "A risk model was trained on earlier years and tested on later ones, as it would be "
        f"used ({label}, structured case data). Flagging the riskiest 10% of children would "
        f"miss about {missed} in every 100 children who escalated{within}{missed_ci}, and "
        f"about {wrong} in every 100 children it flagged would not escalate{within}{wrong_ci}."
    ]
    auc = _stats(metrics, model, "auc")
    if auc is not None:
        parts.append(
            f"Its ability to rank children by their risk of escalating{within} (AUC) was "
            f"{_two(auc)[:-1]}; 0.5 is no better than chance)."
        )
    parts += [
        calibration_sentence(metrics, model, within=within),
        text_features_sentence(metrics, model, rules),
    ]
    return " ".join(p for p in parts if p)
