"""Allow ``python -m escalation``."""

import sys

try:
    from escalation.cli import main
except KeyboardInterrupt:  # Ctrl-C while the package loads: nothing has been written
    sys.exit(130)

sys.exit(main())
