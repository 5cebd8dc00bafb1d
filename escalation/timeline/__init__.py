"""Spells, counting-process and landmark data, and the exclusion flow, from a case history."""

from escalation.timeline.counting import COUNTING_COLUMNS, counting_process
from escalation.timeline.flow import no_spell_reason
from escalation.timeline.landmark import landmark
from escalation.timeline.matrix import CovariateCoding, covariate_matrix
from escalation.timeline.spells import SPELL_COLUMNS, SpellData, build_spells

__all__ = [
    "COUNTING_COLUMNS",
    "SPELL_COLUMNS",
    "CovariateCoding",
    "SpellData",
    "build_spells",
    "counting_process",
    "covariate_matrix",
    "landmark",
    "no_spell_reason",
]
