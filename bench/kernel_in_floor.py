"""Where the compiled gd loop's time per step goes: the hand-written floor, the floor's loop
calling fastgrad's own gradient kernel, the same with the loop's counting and finiteness
check (``evaluations.make_gradient``), and ``compile_minimizer``'s ``solve`` in a compiled
loop, all on the seeds' gd (n = 3, central differences, lr 0.01, 1000 steps).

    python bench/kernel_in_floor.py [--calls 200]

Prints ns per step, best of 30 rounds, twice. When the kernel in the floor's loop runs at the
floor's speed and ``solve`` does not, the difference is the loop around the kernel (this is
how the call of the kernel's inner loop from the large compiled loop was found, see
:mod:`fastgrad.optimize.fixed_steps`).
"""

from __future__ import annotations

import argparse

import numba
import numpy as np

import fastgrad
from fastgrad import problems
from fastgrad._core import cache
from fastgrad._core.jit import jit_inline
from fastgrad._core.schemes import CENTRAL
from fastgrad.benchmarks.floors import floor_gd
from fastgrad.benchmarks.sizes import REL_CENTRAL, SEED_LR
from fastgrad.optimize.evaluations import make_gradient
from fastgrad.optimize.result import RUNNING
from loop_per_iteration import best_of, looped  # bench/, run as a script

STEPS = 1000


def _loops(f):
    """The four loops over ``calls`` runs of ``steps`` steps from x0."""
    fastgrad.minimize(f, np.zeros(3), method="gd", lr=SEED_LR, max_iter=1, gtol=0.0)
    kernel = cache.peek(f, None).inline_kernel("driver_gradient")
    gradient = jit_inline(make_gradient(kernel))
    floor = floor_gd(f)
    solve = fastgrad.compile_minimizer(f, method="gd", lr=SEED_LR, max_iter=STEPS, gtol=0.0)
    steps = np.empty(0)  # the automatic step

    @numba.njit
    def with_kernel(x0, calls):
        s = 0.0
        for _ in range(calls):
            x, g = x0.copy(), np.empty_like(x0)
            for _ in range(STEPS):
                kernel(x, CENTRAL, steps, g, (), 0.0)
                for i in range(x.shape[0]):
                    x[i] -= SEED_LR * g[i]
            s += x[0]
        return s

    @numba.njit
    def with_gradient(x0, calls):
        s = 0.0
        info = np.zeros(6, dtype=np.int64)
        for _ in range(calls):
            x, g = x0.copy(), np.empty_like(x0)
            for _ in range(STEPS):
                if gradient(x, g, CENTRAL, steps, (), 2 * x.shape[0], info, 0.0) != RUNNING:
                    break
                for i in range(x.shape[0]):
                    x[i] -= SEED_LR * g[i]
            s += x[0]
        return s

    @numba.njit
    def floor_loop(x0, calls):
        s = 0.0
        for _ in range(calls):
            s += floor(x0, REL_CENTRAL, SEED_LR, STEPS)[0]
        return s

    return {"floor": floor_loop, "floor with fastgrad's kernel": with_kernel,
            "+ counting and check": with_gradient, "compile_minimizer solve": looped(solve)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    calls = parser.parse_args().calls
    prob = problems.get("seed_quadratic3")
    x0 = np.array(prob.x0, dtype=float)
    loops = _loops(prob.f)
    for loop in loops.values():
        loop(x0, 1)
    print(f"seeds' gd, n = 3, {STEPS} steps: ns per step, best of 30 rounds of {calls} runs")
    for _ in range(2):
        print("  " + "  ".join(
            f"{name} {best_of(lambda: loop(x0, calls)) / calls / STEPS * 1e9:.1f}"
            for name, loop in loops.items()))


if __name__ == "__main__":
    main()
