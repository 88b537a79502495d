"""The seeds' example (gd, lr 0.01, 500 steps, central differences, n = 3) through
``fastgrad.minimize``, through ``compile_minimizer``'s ``solve`` called from Python and from
an ``@njit`` loop, against the hand-written ``@njit`` loop of the same steps (the floor).

    python bench/embed_floor.py [--repeats 300]

Prints, for each, the best of ``--repeats`` calls (the best, not the median: on a shared
machine the median mostly measures the other jobs) and its ratio to the floor's best, all
measured in one run, in alternating blocks of 10 calls; and checks that minimize and solve
give the same x.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

import fastgrad
from fastgrad import problems
from fastgrad.benchmarks.floors import floor_gd
from fastgrad.benchmarks.sizes import REL_CENTRAL, SEED_LR, SEED_STEPS

LOOP = 100
BLOCK = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=300)
    repeats = parser.parse_args().repeats
    prob = problems.get("seed_quadratic3")
    f, x0 = prob.f, np.array(prob.x0, dtype=float)
    floor = floor_gd(f)
    options = dict(method="gd", lr=SEED_LR, max_iter=SEED_STEPS, gtol=0.0)
    solve = fastgrad.compile_minimizer(f, **options)

    @numba.njit
    def loop(x0, reps):
        s = 0.0
        for _ in range(reps):
            s += solve(x0).fun
        return s

    routes = {
        "numba floor": lambda: floor(x0, REL_CENTRAL, SEED_LR, SEED_STEPS),
        "fastgrad.minimize": lambda: fastgrad.minimize(f, x0, **options),
        "solve from Python": lambda: solve(x0),
        f"solve in an @njit loop (per solve, {LOOP} a call)": lambda: loop(x0, LOOP),
    }
    for route in routes.values():
        route()
    xs = [fastgrad.minimize(f, x0, **options).x, solve(x0).x]
    assert np.array_equal(xs[0], xs[1]), "solve differs from minimize"
    best = {name: np.inf for name in routes}
    for _ in range(max(1, repeats // BLOCK)):
        for name, route in routes.items():  # a block of calls each, alternating: a call
            for _ in range(BLOCK):  # right after another route's runs slower (caches)
                begin = time.perf_counter()
                route()
                best[name] = min(best[name], time.perf_counter() - begin)
    best[f"solve in an @njit loop (per solve, {LOOP} a call)"] /= LOOP
    base = best["numba floor"]
    print(f"seeds' example, gd {SEED_STEPS} steps, n = 3: best of {repeats} calls each")
    for name, seconds in best.items():
        print(f"  {name:45s} {seconds * 1e6:8.1f} us  {seconds / base:5.2f}x the floor")


if __name__ == "__main__":
    main()
