"""The differentiation-core benchmarks: compiled gradients against the Numba floor, the
gradient from Python against SciPy, and the per-call overhead.

A shortcut for ``fastgrad bench --workload compiled --workload gradient-rosen-n10
--workload overhead`` (the workloads live in :mod:`fastgrad.benchmarks`); extra arguments are
passed on, e.g. ``python bench/bench_core.py --quick``.
"""

import sys

from fastgrad import cli

if __name__ == "__main__":
    sys.exit(cli.main(["bench", "--workload", "compiled", "--workload", "gradient-rosen-n10",
                       "--workload", "overhead", "--no-memory", *sys.argv[1:]]))
