"""The cost of minimize's compiled loop per iteration and per solve, against the hand-written
floor: the seeds' gd (n = 3, central differences, lr 0.01) through compile_minimizer's
``solve`` called in an ``@njit`` loop, for several iteration counts.

    python bench/loop_per_iteration.py [--calls 200]

For each count of steps, the best of 30 rounds of ``--calls`` solves (a compiled loop, so no
Python in between) and of the floor (:func:`fastgrad.benchmarks.floors.floor_gd`, the same
steps without checks), both per solve; the last lines fit ``time = fixed + per_step * steps``
to the two largest counts. Both evaluate f 2n times per step (fastgrad's gd values f only at
x0 and where it stops: a non-finite f around an iterate reaches the central stencil), and
fastgrad tests every gradient for finiteness.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

import fastgrad
from fastgrad import problems
from fastgrad.benchmarks.floors import floor_gd
from fastgrad.benchmarks.sizes import REL_CENTRAL, SEED_LR

STEPS = (1, 10, 500, 1000)


def looped(solve):
    """A compiled loop of ``calls`` solves from x0 (no Python in between)."""
    @numba.njit
    def loop(x0, calls):
        s = 0.0
        for _ in range(calls):
            s += solve(x0).fun
        return s

    return loop


def best_of(call, rounds: int = 30) -> float:
    """The best wall time of ``rounds`` calls of ``call()``."""
    best = np.inf
    for _ in range(rounds):
        begin = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - begin)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    calls = parser.parse_args().calls
    prob = problems.get("seed_quadratic3")
    f, x0 = prob.f, np.array(prob.x0, dtype=float)
    floor = floor_gd(f)

    @numba.njit
    def floor_loop(x0, calls, steps):
        s = 0.0
        for _ in range(calls):
            s += floor(x0, REL_CENTRAL, SEED_LR, steps)[0]
        return s

    floor_loop(x0, 1, 1)
    rows = []
    print(f"seeds' gd, n = 3: best of 30 rounds of {calls} solves, per solve")
    for steps in STEPS:
        solve = fastgrad.compile_minimizer(f, method="gd", lr=SEED_LR, max_iter=steps,
                                           gtol=0.0)
        loop = looped(solve)
        loop(x0, 1)
        ours = best_of(lambda: loop(x0, calls)) / calls
        base = best_of(lambda: floor_loop(x0, calls, steps)) / calls
        rows.append((steps, ours, base))
        print(f"  {steps:5d} steps: solve {ours * 1e6:8.2f} us  floor {base * 1e6:8.2f} us "
              f" {ours / base:5.2f}x")
    (s1, a1, b1), (s2, a2, b2) = rows[-2], rows[-1]
    per_ours, per_floor = (a2 - a1) / (s2 - s1), (b2 - b1) / (s2 - s1)
    print(f"  per step: solve {per_ours * 1e9:.1f} ns, floor {per_floor * 1e9:.1f} ns "
          f"({per_ours / per_floor:.2f}x); fixed per solve: solve "
          f"{(a2 - per_ours * s2) * 1e6:.2f} us, floor {(b2 - per_floor * s2) * 1e6:.2f} us")


if __name__ == "__main__":
    main()
