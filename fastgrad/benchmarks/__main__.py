"""``python -m fastgrad.benchmarks``: the same options as ``fastgrad bench``."""

import sys

from . import main

sys.exit(main())
