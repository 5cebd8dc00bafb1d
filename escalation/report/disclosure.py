"""Former home of the disclosure gate, now :mod:`escalation.disclosure`.

The gate moved beneath the models and figures (which apply it too and must not import
the report); this module keeps imports written before the move working.
"""

from escalation.disclosure import *  # noqa: F403
from escalation.disclosure import __all__ as __all__
