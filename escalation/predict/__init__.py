"""Prediction: case-note features, risk models, validation metrics, fairness, model cards.

The entry point is :func:`validate_risk_models`; the pieces it is built from are public too:
:mod:`~escalation.predict.models` (risk models), :mod:`~escalation.predict.splits`
(temporal and family-grouped splits), :mod:`~escalation.predict.metrics` (IPCW metrics),
:mod:`~escalation.predict.fairness` (subgroup metrics) and
:mod:`~escalation.predict.modelcard` (model cards). Case-note features live in
:mod:`escalation.predict.text`.
"""

from escalation.predict.curves import precision_recall_curve, risk_histogram, roc_curve
from escalation.predict.fairness import fairness_groups, fairness_table, subgroup_metrics
from escalation.predict.metrics import score_risks
from escalation.predict.modelcard import ModelCard, model_card
from escalation.predict.models import FittedRiskModel, RiskModel, risk_model
from escalation.predict.splits import Split, grouped_folds, temporal_split
from escalation.predict.validate import RiskValidation, oracle_risk, validate_risk_models

__all__ = [
    "FittedRiskModel",
    "ModelCard",
    "RiskModel",
    "RiskValidation",
    "Split",
    "fairness_groups",
    "fairness_table",
    "grouped_folds",
    "model_card",
    "oracle_risk",
    "precision_recall_curve",
    "risk_histogram",
    "risk_model",
    "roc_curve",
    "score_risks",
    "subgroup_metrics",
    "temporal_split",
    "validate_risk_models",
]
