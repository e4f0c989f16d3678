"""``python -m kpitool`` runs the command line."""

import sys

from kpitool.cli import main

if __name__ == "__main__":  # guard: worker processes on Windows re-import this module
    sys.exit(main())
