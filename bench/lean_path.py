"""The lean path of ``fastgrad.minimize`` (issue #16): a Python loop of minimize calls with
the same options, with plans (the default) and without (every call validated and checked
in full), against the serial compiled loop over ``compile_minimizer``'s ``solve`` (the
floor of a Python loop), on the 2,000 per-fit-data decay fits of ``fastgrad bench``'s
``fits-2000``, on the seeds' example (gd, 500 steps) and on box-constrained problems of
``fastgrad.problems.boxed`` (``bounds=(lb, ub)``, as ``fastgrad bench``'s ``box-`` workloads
call it).

    python bench/lean_path.py [--rounds 5]

Prints, per route, the median over ``--rounds`` rounds (routes alternate within a round)
and its ratio to the compiled floor, all from one run; and checks that the routes give the
same x.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from unittest import mock

import numba
import numpy as np

import fastgrad
from fastgrad import problems
from fastgrad.benchmarks.embedding import decay_sse, fits_data
from fastgrad.benchmarks.sizes import SEED_LR, SEED_STEPS
from fastgrad.optimize import plans


def routes_fits(count: int) -> dict:
    t, Y, _ = fits_data()
    Y = Y[:count]
    p0 = np.array([1.0, 1.0, 0.0])
    solve = fastgrad.compile_minimizer(decay_sse)

    @numba.njit
    def serial(t, Y):
        P = np.empty((Y.shape[0], 3))
        for i in range(Y.shape[0]):
            P[i] = solve(p0, t, Y[i]).x
        return P

    def loop():
        return np.array([fastgrad.minimize(decay_sse, p0, args=(t, y)).x for y in Y])

    return {"serial compiled loop over solve": lambda: serial(t, Y),
            "Python loop of minimize, plans": loop,
            "Python loop of minimize, no plans": _without_plans(loop)}


def routes_seed(count: int) -> dict:
    prob = problems.get("seed_quadratic3")
    options = dict(method="gd", lr=SEED_LR, max_iter=SEED_STEPS, gtol=0.0)
    return _repeated(prob.f, np.array(prob.x0, dtype=float), count, **options)


def routes_box(name: str, count: int) -> dict:
    from fastgrad.problems.boxed import BOXED

    p = BOXED[name]
    x0, lb, ub = np.array(p.x0), np.array(p.lb), np.array(p.ub)
    # solve takes x0 in the box; minimize projects it
    return _repeated(p.f, x0, count, start=np.clip(x0, lb, ub), bounds=(lb, ub))


def _repeated(f, x0, count: int, start=None, **options) -> dict:
    """The routes of ``count`` calls from ``x0`` with ``options`` (``start``: the x0 of
    ``solve``, where it must differ)."""
    solve = fastgrad.compile_minimizer(f, **options)
    start = x0 if start is None else start

    @numba.njit
    def serial(x0, reps):
        out = np.empty((reps, x0.shape[0]))
        for i in range(reps):
            out[i] = solve(x0).x
        return out

    def loop():
        return np.array([fastgrad.minimize(f, x0, **options).x for _ in range(count)])

    return {"serial compiled loop over solve": lambda: serial(start, count),
            "Python loop of minimize, plans": loop,
            "Python loop of minimize, no plans": _without_plans(loop)}


def _without_plans(loop):
    def run():
        with mock.patch.object(plans, "key_of", lambda *a, **k: None), \
                mock.patch.object(plans, "recall", lambda *a, **k: None), \
                mock.patch.object(plans, "find", lambda *a, **k: (None, None)):
            return loop()
    return run


def measure(title: str, routes: dict, count: int, rounds: int, unit: str = "call") -> None:
    """Time ``routes`` (the compiled loop first) in alternation, ``rounds`` times, after
    checking that they give the same x; print each median per ``unit``."""
    results = {name: route() for name, route in routes.items()}  # warm, and the same x
    first = next(iter(results.values()))
    for name, P in results.items():
        assert np.array_equal(P, first), f"{name} differs from the compiled loop"
    gc.collect()  # what compiling left for the collector (benchmarks.timing._timed)
    times = {name: [] for name in routes}
    for _ in range(rounds):
        for name, route in routes.items():
            begin = time.perf_counter()
            route()
            times[name].append(time.perf_counter() - begin)
    base = statistics.median(times["serial compiled loop over solve"])
    print(f"{title}: {count} {unit}s, median of {rounds} rounds")
    for name, values in times.items():
        seconds = statistics.median(values)
        print(f"  {name:40s} {seconds / count * 1e6:8.1f} us per {unit}  "
              f"{seconds / base:5.2f}x the compiled loop")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    measure("2,000 decay fits, per-fit data (default method)", routes_fits(2000), 2000,
            rounds)
    measure(f"seeds' example, gd {SEED_STEPS} steps", routes_seed(1000), 1000, rounds)
    for name in ("hs4", "beale_box", "hs110"):
        measure(f"{name} within bounds (default method)", routes_box(name, 1000), 1000, rounds)


if __name__ == "__main__":
    main()
