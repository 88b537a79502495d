"""The lean path of ``fastgrad.least_squares`` and ``fastgrad.curve_fit`` (issue #15's warm
time): Python loops of fits with the same options, with plans (the default) and without
(every call checked in full), against the serial compiled loop over
``compile_least_squares``' ``solve`` (what the fits cost without Python around them), on
NIST StRD problems (``curve_fit`` as ``fastgrad bench``'s ``lsq-nist-`` workloads call it,
from NIST's second start) and on the 2,000 per-fit-data decay fits of ``lsq-fits-2000``
(``least_squares``).

    python bench/lsq_lean_path.py [--rounds 5]

Prints, per route, the median over ``--rounds`` rounds (routes alternate within a round)
and its ratio to the compiled loop, all from one run; and checks that the routes give the
same x, bit for bit.
"""

from __future__ import annotations

import argparse
import importlib
from unittest import mock

import numba
import numpy as np

import fastgrad
from fastgrad._core import cache
from fastgrad.benchmarks.least_squares import decay, fits_data
from fastgrad.optimize import lsq_plans
from fastgrad.problems import nist
from lean_path import measure  # this script's folder: bench/

curve_fit_module = importlib.import_module("fastgrad.optimize.curve_fit")
FLOOR = "serial compiled loop over solve"


def _serial(solve):
    @numba.njit
    def serial(P0, x, Y, w):
        P = np.empty_like(P0)
        for i in range(P0.shape[0]):
            P[i] = solve(P0[i], x, Y[i], w).x
        return P

    return serial


def routes_nist(name: str, count: int) -> dict:
    p = nist.load(name)
    p0 = np.array(p.starts[1], dtype=np.float64)
    n, k = p0.size, p.y.size
    fastgrad.curve_fit(p.model, p.x, p.y, p0)  # compiles the model's residuals
    residuals = curve_fit_module.residuals_of(cache.peek(p.model, None), n)
    serial = _serial(fastgrad.compile_least_squares(residuals))
    P0, Y, w = np.tile(p0, (count, 1)), np.tile(p.y, (count, 1)), np.ones(k)

    def loop():
        return np.array([fastgrad.curve_fit(p.model, p.x, p.y, p0)[0] for _ in range(count)])

    return {FLOOR: lambda: serial(P0, p.x, Y, w),
            "Python loop of curve_fit, plans": loop,
            "Python loop of curve_fit, no plans": _without_plans(loop)}


def routes_fits(count: int) -> dict:
    t, Y, P0 = fits_data(count)
    solve = fastgrad.compile_least_squares(decay)

    @numba.njit
    def serial(P0, t, Y):
        P = np.empty_like(P0)
        for i in range(P0.shape[0]):
            P[i] = solve(P0[i], t, Y[i]).x
        return P

    def loop():
        return np.array([fastgrad.least_squares(decay, P0[i], args=(t, Y[i])).x
                         for i in range(count)])

    return {FLOOR: lambda: serial(P0, t, Y),
            "Python loop of least_squares, plans": loop,
            "Python loop of least_squares, no plans": _without_plans(loop)}


def _without_plans(loop):
    def run():
        with mock.patch.object(lsq_plans, "key_of", lambda *a, **k: None), \
                mock.patch.object(curve_fit_module, "_checked_before", lambda *a, **k: None):
            return loop()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    for name in ("Misra1a", "Roszman1", "DanWood", "Kirby2", "Lanczos1"):
        measure(f"NIST {name}, start 2 (curve_fit)", routes_nist(name, 1000), 1000, rounds,
                "fit")
    measure("2,000 decay fits, per-fit data (least_squares)", routes_fits(2000), 2000, rounds,
            "fit")


if __name__ == "__main__":
    main()
