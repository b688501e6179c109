"""``python -m kit.cli`` runs the ``dfkit`` command."""

import sys

from kit.cli import main

sys.exit(main())
