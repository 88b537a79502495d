"""Report of the differentiation-core benchmarks: medians and ratios measured side by side.

Run from the repository root: ``OPENBLAS_NUM_THREADS=1 python bench/bench_core.py``.
"""

from __future__ import annotations

import os
import platform
import sys

sys.path.insert(0, os.path.dirname(__file__))

from _core_workloads import (  # noqa: E402
    floor_workload,
    overhead_workload,
    python_call_workload,
)
from _timing import fmt_time, median_seconds  # noqa: E402
import cold_start  # noqa: E402


def report(workload: dict) -> dict:
    divisor = workload.get("per_call_divisor", 1)
    times = {k: median_seconds(fn) / divisor for k, fn in workload["contenders"].items()}
    base = times[workload["baseline"]]
    print(f"\n{workload['name']}")
    for k, t in times.items():
        extra = ""
        if "errors" in workload:
            extra = f"   max rel. error {workload['errors'][k]:.1e}"
        print(f"  {k:42s} {fmt_time(t):>10s}   {t / base:7.2f}x of {workload['baseline']}{extra}")
    return times


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; medians of 7 rounds, all contenders in one run")
    for n in (10, 100, 1000):
        report(floor_workload(n))
    times = report(python_call_workload(10))
    print(f"  speedup over approx_fprime: "
          f"{times['scipy approx_fprime'] / times['fastgrad.gradient']:.0f}x")
    times = report(overhead_workload())
    overhead = times["fastgrad.gradient (n=3)"] - times["compiled call of 2n evaluations"]
    print(f"  per-call overhead of fastgrad.gradient: {fmt_time(overhead)}")
    print("\ncold start (medians over 5 fresh processes):")
    for key, value in cold_start.measure(5).items():
        print(f"  {key:42s} {value:8.3f} s")


if __name__ == "__main__":
    main()
