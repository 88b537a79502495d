"""fastgrad embedded in the user's code (``fastgrad.compile_minimizer``): the seeds' example
through ``solve`` from Python and inside a compiled loop (contenders of ``seed-gd``), and
``fits-2000``: 2,000 independent fits, each with its own data, by a ``prange`` over
``solve``, the same loop serially, and a Python loop of ``fastgrad.minimize``."""

from __future__ import annotations

import numba
import numpy as np

import fastgrad

from .._core.jit import JIT_OPTIONS, PARALLEL_OPTIONS
from .contenders import Contender, Workload

SOLVE_PYTHON = "compile_minimizer solve"
SOLVE_LOOP = "solve in a compiled loop"
LOOP_REPEATS = 20
"""Solves per call of the compiled loop (its time is divided by this)."""


def seed_solve_contenders(f, x0, lr: float, steps: int, err) -> list:
    """The seeds' gd run as ``solve(x0)`` called from Python, and inside an ``@njit`` loop."""
    solve = fastgrad.compile_minimizer(f, method="gd", lr=lr, max_iter=steps, gtol=0.0)

    @numba.njit(**JIT_OPTIONS)
    def repeat(x0, reps):
        x = x0
        for _ in range(reps):
            x = solve(x0).x
        return x

    solve(x0)
    repeat(x0, 1)
    return [
        Contender(SOLVE_PYTHON, "fastgrad", lambda: solve(x0),
                  lambda s: {"nfev": int(s.nfev), **err(s.x)},
                  note="solve = fastgrad.compile_minimizer(f, method='gd', ...)", tol=1e-2),
        Contender(SOLVE_LOOP, "fastgrad", lambda: repeat(x0, LOOP_REPEATS),
                  lambda x: {"nfev": None, **err(x)}, per_call=LOOP_REPEATS,
                  note=f"an @njit loop calls solve {LOOP_REPEATS} times", tol=1e-2),
    ]


FITS, POINTS = 2000, 50
FITS_PARALLEL = "prange over solve"
FITS_SERIAL = "serial compiled loop over solve"
FITS_PYTHON = "Python loop of fastgrad.minimize"
FITS_CONTENDERS = [FITS_PARALLEL, FITS_SERIAL, FITS_PYTHON]


@numba.njit(**JIT_OPTIONS)
def decay_sse(p, t, y):
    """Sum of squared residuals of ``a exp(-k t) + b`` against ``y``."""
    s = 0.0
    for j in range(t.shape[0]):
        r = p[0] * np.exp(-p[1] * t[j]) + p[2] - y[j]
        s += r * r
    return s


def fits_data(seed: int = 7):
    """``(t, Y, truth)``: 2,000 decays with their own parameters and 1% noise."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 5.0, POINTS)
    truth = np.column_stack([rng.uniform(0.5, 2.0, FITS), rng.uniform(0.3, 3.0, FITS),
                             rng.uniform(-0.2, 0.2, FITS)])
    Y = truth[:, :1] * np.exp(-truth[:, 1:2] * t) + truth[:, 2:]
    return t, Y + 0.01 * rng.standard_normal(Y.shape), truth


def fits_workload(size: str) -> Workload:
    """``fits-2000`` (a 200-fit subset at the smoke size)."""
    t, Y, truth = fits_data()
    if size == "smoke":
        Y, truth = Y[:200], truth[:200]
    p0 = np.array([1.0, 1.0, 0.0])
    solve = fastgrad.compile_minimizer(decay_sse)

    def fit(loop):
        @numba.njit(**(PARALLEL_OPTIONS if loop is numba.prange else JIT_OPTIONS))
        def fit_all(t, Y):
            P = np.empty((Y.shape[0], 3))
            for i in loop(Y.shape[0]):
                P[i] = solve(p0, t, Y[i]).x
            return P

        fit_all(t, Y[:2])
        return fit_all

    parallel, serial = fit(numba.prange), fit(range)

    def python_loop():
        return np.array([fastgrad.minimize(decay_sse, p0, args=(t, y)).x for y in Y])

    python_loop()

    def err(P):
        return {"nfev": None, "error": float(np.median(np.abs(P[:, 1] - truth[:, 1])))}

    w = Workload("fits-2000", f"{len(Y)} fits of a exp(-k t) + b, {POINTS} points each, "
                 "per-fit data, default method", "fit", FITS_PARALLEL,
                 params={"fits": len(Y), "points": POINTS}, error="median |k - k_true|",
                 paired=tuple(FITS_CONTENDERS))
    threads = numba.get_num_threads()
    w.contenders += [
        Contender(FITS_PARALLEL, "fastgrad", lambda: parallel(t, Y), err, tol=0.05,
                  note=f"@njit(parallel=True), {threads} threads"),
        Contender(FITS_SERIAL, "fastgrad", lambda: serial(t, Y), err, tol=0.05,
                  note="the same loop with range"),
        Contender(FITS_PYTHON, "fastgrad", python_loop, err, tol=0.05,
                  note="minimize(f, p0, args=(t, y)) per fit"),
    ]
    return w
