"""``python -m kpitool`` runs the command line."""

import sys

from kpitool.cli import main

sys.exit(main())
