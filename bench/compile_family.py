"""Compile time of the first ``fastgrad.minimize`` of a new objective with the loop of its
family of methods (what minimize builds: the searching methods' loop for lbfgs, the
fixed-step methods' loop for gd, :func:`fastgrad.optimize.loop.make_loop`) against the loop
of every method, each in a fresh process, alternated so that both see the same machine load;
medians and their ratio.

    python bench/compile_family.py [--rounds 3]

Each child imports fastgrad, defines a new objective (Rosenbrock, n = 3) and times its first
``minimize`` with lbfgs or gd (50 steps); "every" makes minimize pick the loop of every
method, as it did before the loops were split by family. Import time is not counted, and a
first child fills Numba's disk cache of fastgrad's own helpers (each child then finds it
filled, as a user's second session does).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, sys, time
import numpy as np
import fastgrad
from fastgrad.optimize import api, loop

def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

method, family = sys.argv[1], sys.argv[2]
if family == "every":
    api.family_of = lambda m: loop.EVERY
begin = time.perf_counter()
fastgrad.minimize(rosen, np.array([-1.2, 1.0, 0.5]), method=method, lr=1e-3, max_iter=50)
print(json.dumps(time.perf_counter() - begin))
"""

CASES = [(method, family) for method in ("lbfgs", "gd") for family in ("every", "family")]


def child(method: str, family: str) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, method, family], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    for method, family in CASES:  # fill the helpers' disk cache
        child(method, family)
    times: dict = {case: [] for case in CASES}
    for _ in range(rounds):
        for case in CASES:
            times[case].append(child(*case))
    print(f"first minimize of a new objective, median of {rounds} (s)")
    for method in ("lbfgs", "gd"):
        every = statistics.median(times[(method, "every")])
        family = statistics.median(times[(method, "family")])
        print(f"  {method:6s} every method's loop {every:6.2f}   its family's loop "
              f"{family:6.2f}   family / every {family / every:5.2f}")


if __name__ == "__main__":
    main()
