"""MGH-20: fastgrad.minimize's default method against SciPy's L-BFGS-B and BFGS with finite
differences, and the simulation fit.

A thin wrapper over ``fastgrad bench`` (:mod:`fastgrad.benchmarks.mgh20` and
:mod:`fastgrad.benchmarks.simulation` hold the workloads): it runs the ``mgh-*`` workloads
(all 20 problems, or those named by ``--problem``) and, with ``--simulation``, the
``simulation-*`` ones, then prints the per-problem tables, one MGH-20 table with its summary
(problems solved per solver, the median over the problems both solve of nfev(fastgrad) /
nfev(SciPy), the median time ratio, the success flags that disagree with "solved") and the
goals. ``FASTGRAD_BENCH_METHOD=lbfgs`` runs fastgrad with ``method="lbfgs"`` instead of its
default (the tables say so).

Run: ``python bench/bench_mgh.py [--quick | --smoke] [--json PATH] [--problem NAME ...]
[--simulation]`` (the same as ``fastgrad bench --workload mgh- ...``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

from fastgrad import benchmarks  # noqa: E402
from fastgrad.problems import MGH  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH", help="save the report (rows, summary, goals)")
    ap.add_argument("--problem", action="append", choices=list(MGH),
                    help="run only this problem (repeatable)")
    ap.add_argument("--simulation", action="store_true",
                    help="also fit the 6-parameter simulation objective (about a minute)")
    ap.add_argument("--quick", action="store_true", help="fewer timing rounds")
    ap.add_argument("--smoke", action="store_true", help="single calls, 3 problems")
    args = ap.parse_args(argv)
    out = ["--no-memory"] + (["--quick"] if args.quick else []) + (
        ["--smoke"] if args.smoke else []) + (["--json", args.json] if args.json else [])
    for name in args.problem or [""]:
        out += ["--workload", f"mgh-{name}"]
    if args.simulation:
        out += ["--workload", "simulation-"]
    return benchmarks.main(out)


if __name__ == "__main__":
    sys.exit(main())
