"""Threshold curves of predicted risks: ROC, precision–recall, and the risk histogram.

The curves use the same censoring-weighted status at the horizon as every metric of
:mod:`escalation.predict.metrics` (cases escalated by the horizon, controls known not to
have, spells censored before it weighted 0), so the area under :func:`roc_curve` equals
:func:`~escalation.predict.metrics.time_dependent_auc` and the curves of uncensored data
equal scikit-learn's ``roc_curve`` and ``precision_recall_curve``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, DesignError, Problem
from escalation.predict._inputs import first_bad_rows, prediction_arrays, risk_checks
from escalation.predict.metrics import Competing, horizon_status

__all__ = ["precision_recall_curve", "risk_histogram", "roc_curve"]

FloatArray = npt.NDArray[np.float64]


def _cumulative(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    competing: Competing,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Thresholds (distinct scores, descending) and weighted cases/controls flagged."""
    time, code, score = prediction_arrays(duration, event, risk, probabilities=False)
    status = horizon_status(time, code, horizon, competing=competing)
    if not status.known:
        raise DesignError(
            f"horizon {horizon:g} days is past the last follow-up of these spells "
            f"({float(time.max()):g} days): no child is known to be escalation-free by then, "
            "so the curve is unknown; choose a horizon within the follow-up"
        )
    known = status.weight > 0
    s = score[known]
    order = np.argsort(-s, kind="stable")
    s = s[order]
    w_case = (status.weight * status.case)[known][order]
    w_ctrl = (status.weight * status.control)[known][order]
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1] if len(s) else np.array([], int)
    return s[last], np.cumsum(w_case)[last], np.cumsum(w_ctrl)[last]


def roc_curve(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> pd.DataFrame:
    """Return the censoring-weighted ROC curve of predicted risks at ``horizon``.

    Returns
    -------
    pandas.DataFrame
        ``threshold, fpr, tpr``: flagging ``risk >= threshold``; the first row is
        ``(inf, 0, 0)`` (nobody flagged), the last ``(min risk, 1, 1)``.

    Raises
    ------
    DesignError
        When ``horizon`` is past the last follow-up (nobody is known to be
        escalation-free by then), or ``competing`` is neither ``"control"`` nor
        ``"censor"``.

    Examples
    --------
    >>> roc_curve([1, 2, 3, 5], [1, 0, 2, 0], [0.9, 0.1, 0.5, 0.2], horizon=4)
       threshold  fpr  tpr
    0        inf  0.0  0.0
    1        0.9  0.0  1.0
    2        0.5  0.5  1.0
    3        0.2  1.0  1.0
    """
    cut, tp, fp = _cumulative(duration, event, risk, horizon, competing)
    if len(tp) == 0 or tp[-1] <= 0 or fp[-1] <= 0:
        raise DataValidationError(
            [
                Problem(
                    "predictions",
                    None,
                    "event",
                    None,
                    "a ROC curve needs children who escalated by the horizon and children "
                    "known not to have",
                )
            ],
            "ROC curve",
        )
    return pd.DataFrame(
        {
            "threshold": np.r_[np.inf, cut],
            "fpr": np.r_[0.0, fp / fp[-1]],
            "tpr": np.r_[0.0, tp / tp[-1]],
        }
    )


def precision_recall_curve(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> pd.DataFrame:
    """Return the censoring-weighted precision–recall curve at ``horizon``.

    Returns
    -------
    pandas.DataFrame
        ``threshold, recall, precision``, recall increasing; the first row is
        ``(inf, 0, 1)`` as in scikit-learn.

    Raises
    ------
    DesignError
        As :func:`roc_curve`.

    Examples
    --------
    >>> precision_recall_curve([1, 2, 3, 5], [1, 0, 2, 0], [0.9, 0.1, 0.5, 0.2], 4)
       threshold  recall  precision
    0        inf     0.0       1.00
    1        0.9     1.0       1.00
    2        0.5     1.0       0.40
    3        0.2     1.0       0.25
    """
    cut, tp, fp = _cumulative(duration, event, risk, horizon, competing)
    if len(tp) == 0 or tp[-1] <= 0:
        raise DataValidationError(
            [
                Problem(
                    "predictions",
                    None,
                    "event",
                    None,
                    "a precision–recall curve needs children who escalated by the horizon",
                )
            ],
            "precision–recall curve",
        )
    return pd.DataFrame(
        {
            "threshold": np.r_[np.inf, cut],
            "recall": np.r_[0.0, tp / tp[-1]],
            "precision": np.r_[1.0, tp / (tp + fp)],
        }
    )


def risk_histogram(
    predictions: pd.DataFrame, *, bins: int = 25, top: float | None = None
) -> pd.DataFrame:
    """Return children per bin of predicted risk, by model (before disclosure control).

    Every prediction is counted: each model's bars add up to its predictions (disclosure
    control relies on it to suppress complementary bins).

    Parameters
    ----------
    predictions : pandas.DataFrame
        ``model, risk`` (e.g. ``RiskValidation.predictions``); risks in [0, 1].
    bins : int, default 25
        Equal-width bins from 0 to ``top``.
    top : float, optional
        Upper edge (default: the largest predicted risk); no risk may lie above it.

    Returns
    -------
    pandas.DataFrame
        ``model, predicted_low, predicted_high, count``. The counts are of children:
        pass them through disclosure control before they leave the local authority.

    Raises
    ------
    DataValidationError
        A risk missing, outside [0, 1] or above ``top`` (naming its row): ``np.histogram``
        left a risk above the last edge out of every bar.

    Examples
    --------
    >>> frame = pd.DataFrame({"model": "Cox", "risk": [0.05, 0.1, 0.12, 0.4]})
    >>> risk_histogram(frame, bins=2, top=0.5)["count"].tolist()
    [3, 1]
    """
    for column in ("model", "risk"):
        if column not in predictions.columns:
            raise DataValidationError(
                [Problem("predictions", None, column, None, "required column is missing")],
                "risk histogram",
            )
    risk = predictions["risk"].to_numpy(dtype=float)
    problems = first_bad_rows(risk_checks(risk))
    upper = float(risk.max(initial=0.0)) if top is None else float(top)
    if not problems:
        problems = first_bad_rows(
            [
                (
                    "risk",
                    risk,
                    risk > upper,
                    f"above the histogram's top edge {upper:g}, so in no bar: leave top "
                    "unset (the largest risk) or raise it",
                )
            ]
        )
    if problems:
        raise DataValidationError(problems, "risk histogram")
    edges = np.linspace(0.0, max(upper, 1e-9), bins + 1)
    parts = []
    for model, part in predictions.groupby("model", sort=False):
        counts, _ = np.histogram(part["risk"].to_numpy(float), bins=edges)
        parts.append(
            pd.DataFrame(
                {
                    "model": model,
                    "predicted_low": edges[:-1],
                    "predicted_high": edges[1:],
                    "count": counts.astype(np.int64),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
