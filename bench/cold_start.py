"""Cold start: a fresh Python process imports fastgrad and differentiates new objectives.

Run: ``python bench/cold_start.py [--runs 5]``. Prints medians over fresh processes of
``import fastgrad`` (numpy included), the first gradient of a new loop-style objective
(Numba's first compilation in the process included), both together, and the next new
objective (loop style, then numpy style). The script is
:data:`fastgrad.benchmarks.COLD_CHILD` ``["fastgrad"]``; ``fastgrad bench --workload cold``
runs it with the peers.
"""

from __future__ import annotations

import argparse
import statistics

from fastgrad.benchmarks import cold_child


def measure(runs: int = 5) -> dict:
    """Medians over ``runs`` fresh processes, seconds."""
    samples: dict = {}
    for _ in range(runs):
        for key, value in cold_child("fastgrad").items():
            samples.setdefault(key, []).append(value)
    return {key: statistics.median(v) for key, v in samples.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    for key, value in measure(args.runs).items():
        print(f"{key:36s} {value:8.3f} s")


if __name__ == "__main__":
    main()
