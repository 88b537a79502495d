"""Fit every pixel in a ``prange``: ``fastgrad.compile_minimizer`` inside the user's own
``@numba.njit(parallel=True)`` code.

A decay experiment images a 48 x 48 sample at 30 times; each pixel decays as
``a exp(-k t) + b`` with its own amplitude, rate and offset, plus noise. Fitting the three
parameters of each pixel is 2,304 small independent minimizations, each with its own data.
``solve = fastgrad.compile_minimizer(sse)`` is a compiled function: a ``prange`` loop over the
pixels calls it with each pixel's data and runs the fits on every core, with the results of
``fastgrad.minimize`` bit for bit. The script times the parallel loop, the same loop run
serially, and a Python loop of ``fastgrad.minimize``, and checks the fitted rates against the
true ones. The same pattern with ``fastgrad.compile_least_squares`` (Levenberg-Marquardt on
the residuals, equal to ``fastgrad.least_squares`` bit for bit) fits every pixel too.

Run ``python examples/fit_every_pixel.py [--out DIR | --no-plot]``.
"""

from __future__ import annotations

import time

import numba
import numpy as np

import fastgrad

from _common import command_line, pyplot, save

SIDE = 48
TIMES = np.linspace(0.0, 4.0, 30)
NOISE = 0.01
P0 = np.array([1.0, 1.0, 0.0])  # a, k, b: the same start for every pixel


@numba.njit
def sse(p, t, y):
    """Sum of squared residuals of ``a exp(-k t) + b`` against the data ``y``."""
    s = 0.0
    for j in range(t.shape[0]):
        r = p[0] * np.exp(-p[1] * t[j]) + p[2] - y[j]
        s += r * r
    return s


solve = fastgrad.compile_minimizer(sse)


@numba.njit
def residuals(p, t, y):
    """The residuals ``a exp(-k t) + b - y`` (for least squares)."""
    return p[0] * np.exp(-p[1] * t) + p[2] - y


solve_lsq = fastgrad.compile_least_squares(residuals)


@numba.njit(parallel=True)
def fit_lsq_parallel(t, Y):
    """Every row of ``Y`` fitted by least squares over all cores: parameters and status."""
    P = np.empty((Y.shape[0], 3))
    status = np.empty(Y.shape[0], dtype=np.int64)
    for i in numba.prange(Y.shape[0]):
        sol = solve_lsq(P0, t, Y[i])
        P[i] = sol.x
        status[i] = sol.status
    return P, status


@numba.njit(parallel=True)
def fit_parallel(t, Y):
    """Fit every row of ``Y`` (pixels, times) over all cores: parameters and status."""
    P = np.empty((Y.shape[0], 3))
    status = np.empty(Y.shape[0], dtype=np.int64)
    for i in numba.prange(Y.shape[0]):
        x, fun, nit, nfev, st = solve(P0, t, Y[i])
        P[i] = x
        status[i] = st
    return P, status


@numba.njit
def fit_serial(t, Y):
    """The same loop on one core."""
    P = np.empty((Y.shape[0], 3))
    status = np.empty(Y.shape[0], dtype=np.int64)
    for i in range(Y.shape[0]):
        x, fun, nit, nfev, st = solve(P0, t, Y[i])
        P[i] = x
        status[i] = st
    return P, status


def sample(seed: int = 0):
    """True parameters (pixels, 3) and noisy data (pixels, times): a rate map with a ring."""
    rng = np.random.default_rng(seed)
    gy, gx = np.mgrid[-1:1:SIDE * 1j, -1:1:SIDE * 1j]
    radius = np.hypot(gx, gy)
    rate = 0.5 + 1.5 * np.exp(-((radius - 0.6) / 0.15) ** 2)
    amplitude = 0.8 + 0.4 * (gx + 1.0) / 2.0
    offset = 0.05 * (gy + 1.0)
    truth = np.column_stack([amplitude.ravel(), rate.ravel(), offset.ravel()])
    clean = truth[:, :1] * np.exp(-truth[:, 1:2] * TIMES) + truth[:, 2:]
    return truth, clean + NOISE * rng.standard_normal(clean.shape)


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return min(times)


def main(out: str | None = None) -> dict:
    """Fit every pixel three ways, print the times and the error of the rates."""
    truth, Y = sample()
    fit_parallel(TIMES, Y[:2])  # compile both loops (and solve) before timing
    fit_serial(TIMES, Y[:2])
    P, status = fit_parallel(TIMES, Y)
    Ps, status_s = fit_serial(TIMES, Y)
    python_rows = range(0, len(Y), 16)  # a Python loop of minimize over every 16th pixel
    python = [fastgrad.minimize(sse, P0, args=(TIMES, Y[i])) for i in python_rows]
    t_par = best_of(lambda: fit_parallel(TIMES, Y))
    t_ser = best_of(lambda: fit_serial(TIMES, Y))
    t_py = best_of(lambda: [fastgrad.minimize(sse, P0, args=(TIMES, Y[i]))
                            for i in python_rows]) * len(Y) / len(python_rows)
    P_lsq, status_lsq = fit_lsq_parallel(TIMES, Y)
    lsq = [fastgrad.least_squares(residuals, P0, args=(TIMES, Y[i])) for i in python_rows]
    t_lsq = best_of(lambda: fit_lsq_parallel(TIMES, Y))
    rate_error = np.abs(P[:, 1] - truth[:, 1])
    print(f"{len(Y)} pixels, {len(TIMES)} times each, noise {NOISE}: "
          f"{np.sum(np.isin(status, [0, 9, 10, 11]))} fits succeeded")
    print(f"  prange over solve : {t_par * 1e3:8.1f} ms  ({numba.get_num_threads()} threads, "
          f"{t_ser / t_par:.1f}x the serial loop)")
    print(f"  serial njit loop  : {t_ser * 1e3:8.1f} ms")
    print(f"  Python loop of minimize: {t_py * 1e3:8.1f} ms (from {len(python)} pixels)")
    print(f"  rate k: median |error| {np.median(rate_error):.2e}, max {rate_error.max():.2e}")
    lsq_error = np.abs(P_lsq[:, 1] - truth[:, 1])
    print(f"  prange over compile_least_squares' solve: {t_lsq * 1e3:8.1f} ms; rate k: median "
          f"|error| {np.median(lsq_error):.2e}, max {lsq_error.max():.2e}")
    results = {"truth": truth, "P": P, "status": status, "P_serial": Ps,
               "status_serial": status_s, "python_rows": list(python_rows),
               "python": python, "P_lsq": P_lsq, "status_lsq": status_lsq, "lsq": lsq,
               "times": {"parallel": t_par, "serial": t_ser, "python": t_py, "lsq": t_lsq}}
    if out is not None:
        results["figure"] = plot(results, out)
    return results


def plot(results: dict, out: str) -> str | None:
    """True and fitted rate maps side by side."""
    truth, P = results["truth"], results["P"]
    plt = pyplot()
    if plt is None:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(8, 4))
    for ax, values, title in ((axes[0], truth[:, 1], "true rate k"),
                              (axes[1], P[:, 1], "fitted rate k (prange over solve)")):
        image = ax.imshow(values.reshape(SIDE, SIDE), vmin=0.4, vmax=2.1, cmap="viridis")
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=axes, shrink=0.8)
    return save(fig, out, "fit_every_pixel")


if __name__ == "__main__":
    main(command_line(__doc__).parse_args().out)
