r"""Gradient-boosted Cox model: scikit-survival's learner, the core's partial likelihood.

``sksurv.ensemble.GradientBoostingSurvivalAnalysis`` with its Cox loss evaluates, at
every boosting iteration, the negative log partial likelihood (Breslow ties) and its
gradient with respect to each spell's prediction :math:`\eta_i`,

.. math:: g_i = \delta_i - e^{\eta_i} \sum_{j:\,\delta_j = 1,\ T_j \le T_i}
          \frac{1}{\sum_{k:\,T_k \ge T_j} e^{\eta_k}},

with a double loop over the training spells: :math:`O(n^2)` work per iteration, which
made the two boosted models of the demo half of its run time. :class:`BoostedCox` is
the same learner with the same loss evaluated by the package's one risk-set engine
(:func:`escalation.core.riskset.cox_terms`, offsets :math:`\eta`, no covariates) in
:math:`O(n \log n)`: the same numbers to rounding (the tests hold them to 1e-9 against
scikit-survival's loop), so the same trees.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import numpy.typing as npt

from escalation.core.riskset import CoxData, cox_terms

__all__ = ["BoostedCox", "cox_loss_and_gradient"]

FloatArray = npt.NDArray[np.float64]

# imported by name: scikit-survival ships no type information
_ensemble: Any = importlib.import_module("sksurv.ensemble")
_losses: Any = importlib.import_module("sksurv.ensemble.survival_loss")


def cox_loss_and_gradient(
    event: npt.ArrayLike, time: npt.ArrayLike, prediction: npt.ArrayLike
) -> tuple[float, FloatArray]:
    r"""Return the negative log partial likelihood (Breslow) and its negative gradient.

    Parameters
    ----------
    event : array_like of bool
        Whether each spell ended with the event.
    time : array_like
        Event or censoring time.
    prediction : array_like
        The model's log relative risk :math:`\eta` of each spell.

    Returns
    -------
    loss : float
        :math:`-\sum_i \delta_i \{\eta_i - \log \sum_{k: T_k \ge T_i} e^{\eta_k}\}`.
    gradient : numpy.ndarray
        Minus the derivative of ``loss`` by each :math:`\eta_i` (the martingale
        residual :math:`\delta_i - e^{\eta_i} \hat\Lambda_0(T_i)`).

    Examples
    --------
    >>> loss, gradient = cox_loss_and_gradient([1, 0, 1], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0])
    >>> round(loss, 6), gradient.round(4).tolist()
    (1.098612, [0.6667, -0.3333, -0.3333])
    """
    dead = np.asarray(event, dtype=bool)
    stop = np.asarray(time, dtype=float)
    eta = np.asarray(prediction, dtype=float).reshape(-1)
    data, _ = CoxData.build(stop, dead, np.zeros((len(stop), 0)), offset=eta)
    terms = cox_terms(data, np.zeros(0), "breslow")
    cumulative = np.concatenate(([0.0], np.cumsum(terms.hazard)))
    at = np.searchsorted(terms.hazard_time, stop, side="right")
    gradient: FloatArray = dead - np.exp(eta) * cumulative[at]
    return -float(terms.loglik), gradient


class _CoxLoss(_losses.CoxPH):  # type: ignore[misc]
    """scikit-survival's Cox loss, evaluated by :func:`cox_loss_and_gradient`."""

    def __call__(self, y_true: Any, raw_prediction: Any, sample_weight: Any = None) -> float:
        # as scikit-survival: the loss ignores sample weights
        return cox_loss_and_gradient(y_true["event"], y_true["time"], raw_prediction)[0]

    def gradient(
        self, y_true: Any, raw_prediction: Any, sample_weight: Any = None, **kwargs: Any
    ) -> FloatArray:
        gradient = cox_loss_and_gradient(y_true["event"], y_true["time"], raw_prediction)[1]
        if sample_weight is not None:
            gradient = gradient * sample_weight
        return gradient


class BoostedCox(_ensemble.GradientBoostingSurvivalAnalysis):  # type: ignore[misc]
    """``GradientBoostingSurvivalAnalysis`` (Cox loss) with the loss in O(n log n).

    Takes the same parameters and gives the same model as scikit-survival's class with
    ``loss="coxph"`` (the only loss it accepts).

    Examples
    --------
    >>> from sksurv.util import Surv
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 2))
    >>> t = rng.exponential(np.exp(-x[:, 0]))
    >>> model = BoostedCox(n_estimators=20, random_state=0).fit(x, Surv.from_arrays(t < 2, t))
    >>> bool(np.corrcoef(model.predict(x), x[:, 0])[0, 1] > 0.9)
    True
    """

    def _get_loss(self, sample_weight: Any) -> Any:
        if self.loss != "coxph":
            raise ValueError(f"BoostedCox fits the Cox loss only, not {self.loss!r}")
        return _CoxLoss()
