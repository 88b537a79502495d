"""fastgrad.least_squares / curve_fit / compile_least_squares against SciPy's
least_squares(method="lm"), side by side in one run: the least-squares workloads of
``fastgrad bench`` (:mod:`fastgrad.benchmarks.least_squares`: the NIST StRD problems from both
starts, and 2,000 fits with per-fit data), their tables, the NIST summary and the goals.

Run: ``python bench/bench_least_squares.py [--quick]``, the same as
``fastgrad bench --workload lsq --no-memory [--quick]``. Results:
bench/results/least_squares.txt.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

from fastgrad import cli  # noqa: E402

if __name__ == "__main__":
    sys.exit(cli.main(["bench", "--workload", "lsq", "--no-memory", *sys.argv[1:]]))
