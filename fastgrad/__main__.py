"""``python -m fastgrad``: the command line of :mod:`fastgrad.cli`."""

import sys

from .cli import main

sys.exit(main())
