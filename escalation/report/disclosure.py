"""Former home of the disclosure gate, now :mod:`escalation.disclosure`.

The gate moved beneath the models and figures (which apply it too and must not import
the report); this module keeps imports written before the move working, with a deprecation
warning, for one release.
"""

import warnings

warnings.warn(
    "escalation.report.disclosure moved to escalation.disclosure; import it from there "
    "(the old module goes in the next release)",
    DeprecationWarning,
    stacklevel=2,
)

from escalation.disclosure import *  # noqa: E402, F403
from escalation.disclosure import __all__ as __all__  # noqa: E402
