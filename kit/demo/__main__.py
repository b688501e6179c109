"""``python -m kit.demo --out DIR [--seed 7]``: write the demo incident (see :mod:`kit.demo.incident`)."""

import sys

from kit.demo.incident import main

if __name__ == "__main__":
    sys.exit(main())
