"""Cold start: a fresh Python process imports fastgrad and differentiates new objectives.

Run: ``python bench/cold_start.py [--runs 5]``. Prints medians over fresh processes of
(1) ``import fastgrad``, (2) the first gradient of a new loop-style objective (Numba's first
compilation in the process included), (3) the next new loop-style objective, (4) a new
numpy-style objective (slices and ``np.sum``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_CHILD = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import fastgrad
t1 = time.perf_counter()
def f1(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s
def f2(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] - 1.0) ** 2 * (i + 1.0)
    return s
def f3(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
x = np.linspace(-1.0, 2.0, 10)
fastgrad.gradient(f1, x)
t2 = time.perf_counter()
fastgrad.gradient(f2, x)
t3 = time.perf_counter()
fastgrad.gradient(f3, x)
t4 = time.perf_counter()
print(json.dumps({"import fastgrad": t1 - t0, "first gradient (new objective)": t2 - t1,
                  "import + first gradient": t2 - t0,
                  "next new objective (loop)": t3 - t2,
                  "next new objective (numpy style)": t4 - t3}))
"""


def measure(runs: int = 5) -> dict:
    """Medians over ``runs`` fresh processes."""
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _CHILD], check=True,
                             capture_output=True, text=True).stdout
        for key, value in json.loads(out.strip().splitlines()[-1]).items():
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
