"""Allow ``python -m escalation``."""

import sys

from escalation.cli import main

sys.exit(main())
