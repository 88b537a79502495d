"""Compile time of ``fastgrad.compile_minimizer`` against ``fastgrad.minimize`` for a new
objective (issue #16: at most 1.5x), each in a fresh process, alternated so that both see the
same machine load; medians and their ratio.

    python bench/compile_cold.py [--rounds 5]

Each child imports fastgrad, defines a new objective and times its first call: ``minimize(f,
x0)`` (the default method), ``compile_minimizer(f)`` plus ``solve(x0)`` called from Python,
and the same ``solve`` called from a new ``@numba.njit`` function (what a user's compiled code
pays). Import time is not counted.
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
import numba
import fastgrad

def f(x, c):
    return ((x - c) ** 2).sum() + 0.1 * (x[0] * x[1]) ** 2

c = np.array([1.0, 2.0, 3.0])
x0 = np.zeros(3)
kind = sys.argv[1]
begin = time.perf_counter()
if kind == "minimize":
    fastgrad.minimize(f, x0, args=(c,))
elif kind == "compile_minimizer":
    fastgrad.compile_minimizer(f)(x0, c)
else:
    solve = fastgrad.compile_minimizer(f)

    @numba.njit
    def caller(x0, c):
        return solve(x0, c).fun

    caller(x0, c)
print(json.dumps({kind: time.perf_counter() - begin}))
"""

KINDS = ("minimize", "compile_minimizer", "solve from @njit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    times: dict = {kind: [] for kind in KINDS}
    for _ in range(rounds):
        for kind in KINDS:
            out = subprocess.run([sys.executable, "-c", CHILD, kind], capture_output=True,
                                 text=True, check=True)
            times[kind].append(json.loads(out.stdout.strip().splitlines()[-1])[kind])
    base = statistics.median(times["minimize"])
    print(f"first call with a new objective, median of {rounds} fresh processes each:")
    for kind in KINDS:
        median = statistics.median(times[kind])
        print(f"  {kind:20s} {median:6.2f} s   {median / base:5.2f}x minimize   "
              f"(all: {', '.join(f'{t:.2f}' for t in times[kind])})")


if __name__ == "__main__":
    main()
