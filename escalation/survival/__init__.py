"""Survival models of escalation: curves, Cox, AFT, competing risks and multi-state."""

from escalation.survival._cif import cumulative_incidence_at

__all__ = ["cumulative_incidence_at"]
