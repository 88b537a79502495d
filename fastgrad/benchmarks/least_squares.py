"""Least squares (issue #15) against SciPy's ``least_squares(method="lm")``, in one run.

* ``lsq-nist-<name>``: one workload per NIST StRD nonlinear regression problem (the files in
  :data:`fastgrad.problems.nist.DATA_DIR`), from both of NIST's starts, default tolerances
  (1e-8) for both solvers. fastgrad runs ``fastgrad.curve_fit(model, x, y, p0,
  full_output=True)``; SciPy ``least_squares(lambda b: model(x, *b) - y, p0, method="lm")``
  with the same numpy model (as a user calls it; the model is not compiled for SciPy), its
  calls counted by a wrapper (SciPy's own ``nfev`` for "lm" leaves out those of its
  finite-difference Jacobian). Each row records the certified significant digits reached
  (``digits``), ``success`` and the evaluations of the model (fastgrad: ``nfev`` plus its
  one uncounted checking call). :func:`nist_summary` gathers them for the goals.
* ``lsq-fits-2000``: 2,000 fits of ``a exp(-k t) + b``, 50 points each, per-fit data: one
  batched ``least_squares(res, P0, args=(t, per_start(Y)))``, a ``prange`` over
  ``compile_least_squares``' solve, the same loop serially, a Python loop of
  ``fastgrad.least_squares`` and a Python loop of SciPy's (timed on a subset, scaled up).
  The error column is ``max |x - x(batched)|``: 0 where a contender equals the batched call.
"""

from __future__ import annotations

import statistics
import warnings

import numba
import numpy as np

import fastgrad

from .._core.jit import JIT_OPTIONS, PARALLEL_OPTIONS
from ..problems import nist
from .contenders import Contender, Workload
from .peers import not_installed, peer
from .sizes import SIZES

NIST_PREFIX = "lsq-nist-"
STARTS = (1, 2)
DIGITS = 6.0
"""Certified significant digits that count as reaching the certified values."""


def fastgrad_name(start: int) -> str:
    return f"fastgrad curve_fit, start {start}"


def scipy_name(start: int) -> str:
    return f"scipy least_squares lm, start {start}"


NIST_CONTENDERS = [fastgrad_name(s) for s in STARTS] + [scipy_name(s) for s in STARTS]


def _quiet(fn):
    def run():
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn()

    return run


def _fastgrad_fit(pr, p0):
    def fit():
        try:
            popt, _, res = fastgrad.curve_fit(pr.model, pr.x, pr.y, p0, full_output=True)
        except RuntimeError:  # did not converge (curve_fit raises, as SciPy's)
            return None
        return popt, res

    return _quiet(fit)


def _fastgrad_check(pr):
    def check(out):
        if out is None:
            return {"nfev": None, "error": None, "digits": -1.0, "success": False}
        popt, res = out
        digits = nist.significant_digits(popt, pr.certified)
        return {"nfev": int(res.nfev) + 1, "error": 10.0 ** -digits, "digits": digits,
                "success": bool(res.success)}

    return check


def _scipy_fit(pr, p0):
    from scipy.optimize import least_squares

    def fit():
        calls = [0]

        def residuals(b):
            calls[0] += 1
            return pr.model(pr.x, *b) - pr.y

        return least_squares(residuals, p0, method="lm"), calls[0]

    return _quiet(fit)


def _scipy_check(pr):
    def check(out):
        res, calls = out
        digits = nist.significant_digits(res.x, pr.certified)
        return {"nfev": calls, "error": 10.0 ** -digits, "digits": digits,
                "success": bool(res.success)}

    return check


def nist_workload(name: str, size: str) -> Workload:
    """The workload ``lsq-nist-<name>``, built and warmed (curve_fit compiles the model), or
    every contender skipped when the data file is absent or ``size`` leaves it out."""
    w = Workload(f"{NIST_PREFIX}{name}", f"NIST StRD {name}: fastgrad.curve_fit vs SciPy "
                 "least_squares(method='lm'), default tolerances", "lsq",
                 fastgrad_name(1), params={"problem": name}, error="10**-digits")
    wanted = SIZES[size].nist_problems
    path = nist.DATA_DIR / f"{name}.dat"
    reason = (f"size {size} runs {len(wanted)} of the NIST problems"
              if wanted is not None and name not in wanted else
              None if path.exists() else f"no data file {path}")
    if reason:
        w.contenders = [Contender(c, "fastgrad" if c.startswith("fastgrad") else "scipy",
                                  skip=reason) for c in NIST_CONTENDERS]
        return w
    pr = nist.load(name)
    w.params.update(n=pr.n, k=pr.y.size)
    for s in STARTS:
        run = _fastgrad_fit(pr, pr.starts[s - 1])
        run()
        w.contenders.append(Contender(fastgrad_name(s), "fastgrad", run, _fastgrad_check(pr),
                                      note="curve_fit(model, x, y, p0, full_output=True)"))
    have = peer("scipy") is not None
    for s in STARTS:
        w.contenders.append(Contender(
            scipy_name(s), "scipy", _scipy_fit(pr, pr.starts[s - 1]) if have else None,
            _scipy_check(pr), skip=None if have else not_installed("scipy"),
            note="least_squares(lambda b: model(x, *b) - y, p0, method='lm'), numpy model"))
    return w


def nist_summary(results: dict) -> dict:
    """What the NIST goals read: per start, the problems fastgrad and SciPy bring to
    :data:`DIGITS` certified digits (``fastgrad``, ``scipy``: lists of names) and the
    problems only SciPy does (``scipy_only``); over every run both finish with success, the
    median of t(SciPy) / t(fastgrad) (``time_ratio``) and of evaluations fastgrad / SciPy
    (``nfev_ratio``); ``problems`` measured, and ``complete`` when all of them were."""
    rows = [(name, results[NIST_PREFIX + name]["contenders"]) for name in nist.NAMES
            if NIST_PREFIX + name in results]
    rows = [(name, r) for name, r in rows
            if all(r.get(c, {}).get("median_s") is not None for c in NIST_CONTENDERS)]
    out = {"problems": len(rows), "complete": len(rows) == len(nist.NAMES)}
    times, evals = [], []
    for s in STARTS:
        fg, sp = fastgrad_name(s), scipy_name(s)
        reach = {c: [name for name, r in rows if r[c]["digits"] >= DIGITS] for c in (fg, sp)}
        out[s] = {"fastgrad": reach[fg], "scipy": reach[sp],
                  "scipy_only": sorted(set(reach[sp]) - set(reach[fg]))}
        for _, r in rows:
            if r[fg]["success"] and r[sp]["success"]:
                times.append(r[sp]["median_s"] / r[fg]["median_s"])
                evals.append(r[fg]["nfev"] / r[sp]["nfev"])
    out["both"] = len(times)
    out["time_ratio"] = statistics.median(times) if times else None
    out["nfev_ratio"] = statistics.median(evals) if evals else None
    return out


def nist_goal(results: dict, key):
    """``nist_summary(results)`` read by ``key`` (a function of the summary) when every NIST
    problem was measured, else None: a NIST goal is not measured on part of them."""
    s = nist_summary(results)
    return key(s) if s["complete"] else None


def nist_lines(results: dict) -> list:
    """The NIST summary as text lines ([] when no NIST workload ran)."""
    s = nist_summary(results)
    if not s["problems"]:
        return []
    lines = [f"\nNIST StRD ({s['problems']} problems{'' if s['complete'] else ', NOT all'}):"]
    for st in STARTS:
        lines.append(f"  start {st}: >= {DIGITS:g} certified digits: fastgrad "
                     f"{len(s[st]['fastgrad'])}, SciPy lm {len(s[st]['scipy'])}; SciPy only: "
                     f"{', '.join(s[st]['scipy_only']) or 'none'}")
    if s["both"]:
        lines.append(f"  median over the {s['both']} runs both finish with success: "
                     f"t(SciPy) / t(fastgrad) = {s['time_ratio']:.1f}x, evaluations fastgrad "
                     f"/ SciPy = {s['nfev_ratio']:.2f}")
    return lines


FITS, POINTS, SCIPY_FITS = 2000, 50, 200
LSQ_BATCHED = "batched least_squares(per_start(Y))"
LSQ_PRANGE = "prange over compile_least_squares solve"
LSQ_SERIAL = "serial compiled loop over solve"
LSQ_LOOP = "Python loop of fastgrad.least_squares"
LSQ_SCIPY = "Python loop of scipy least_squares lm"
FITS_CONTENDERS = [LSQ_BATCHED, LSQ_PRANGE, LSQ_SERIAL, LSQ_LOOP, LSQ_SCIPY]


def decay(p, t, y):
    """Residuals of ``a exp(-k t) + b`` against ``y`` (numpy: SciPy and fastgrad get it)."""
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def fits_data(m: int, seed: int = 0):
    """``(t, Y, P0)``: m decays with their own parameters and noise of 0.01, one start."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 4.0, POINTS)
    P = np.column_stack([rng.uniform(1, 3, m), rng.uniform(0.5, 2, m),
                         rng.uniform(-.5, .5, m)])
    Y = P[:, :1] * np.exp(-P[:, 1:2] * t) + P[:, 2:] + 0.01 * rng.standard_normal((m, POINTS))
    return t, Y, np.tile([1.0, 1.0, 0.0], (m, 1))


def _compiled_loops(t, P0):
    solve = fastgrad.compile_least_squares(decay, args=(t,))

    def fit(loop):
        @numba.njit(**(PARALLEL_OPTIONS if loop is numba.prange else JIT_OPTIONS))
        def fit_all(P0, Y):
            X = np.empty_like(P0)
            for i in loop(Y.shape[0]):
                X[i] = solve(P0[i], Y[i]).x
            return X

        fit_all(P0[:2], np.ones((2, t.size)))
        return fit_all

    return fit(numba.prange), fit(range)


def fits_workload(size: str) -> Workload:
    """``lsq-fits-2000`` (200 fits at the smoke size); SciPy's loop is timed on its first
    :data:`SCIPY_FITS` fits and scaled up."""
    m = 200 if size == "smoke" else FITS
    t, Y, P0 = fits_data(m)
    marked = fastgrad.per_start(Y)
    parallel, serial = _compiled_loops(t, P0)
    batched = fastgrad.least_squares(decay, P0, args=(t, marked))
    assert batched.success.all()

    def error(X):
        return {"nfev": None, "error": float(np.max(np.abs(X - batched.x)))}

    def loop(stop):
        return np.array([fastgrad.least_squares(decay, P0[i], args=(t, Y[i])).x
                         for i in range(stop)])

    w = Workload("lsq-fits-2000", f"{m} fits of a exp(-k t) + b, {POINTS} points each, per-fit "
                 "data: least_squares, compile_least_squares, SciPy", "fit", LSQ_BATCHED,
                 params={"fits": m, "points": POINTS}, error="max |x - x(batched)|",
                 reference=LSQ_SCIPY)
    threads = numba.get_num_threads()
    w.contenders += [
        Contender(LSQ_BATCHED, "fastgrad", lambda: fastgrad.least_squares(
            decay, P0, args=(t, marked)).x, error, tol=0.0,
            note=f"one call, x0 of shape ({m}, 3), {threads} threads"),
        Contender(LSQ_PRANGE, "fastgrad", lambda: parallel(P0, Y), error, tol=0.0,
                  note=f"@njit(parallel=True) over solve(P0[i], Y[i]), {threads} threads"),
        Contender(LSQ_SERIAL, "fastgrad", lambda: serial(P0, Y), error, tol=0.0,
                  note="the same loop with range"),
        Contender(LSQ_LOOP, "fastgrad", lambda: loop(m), error, tol=0.0,
                  note="least_squares(decay, P0[i], args=(t, Y[i])) per fit"),
    ]
    w.contenders.append(_scipy_loop(t, Y, P0, batched.x))
    return w


def _scipy_loop(t, Y, P0, x_batched) -> Contender:
    if peer("scipy") is None:
        return Contender(LSQ_SCIPY, "scipy", skip=not_installed("scipy"))
    from scipy.optimize import least_squares

    stop = min(SCIPY_FITS, len(Y))

    def run():
        return np.array([least_squares(decay, P0[i], args=(t, Y[i]), method="lm").x
                         for i in range(stop)])

    return Contender(LSQ_SCIPY, "scipy", run,
                     lambda X: {"nfev": None, "error": float(np.max(np.abs(X - x_batched[:stop])))},
                     scale=len(Y) / stop, tol=1e-5,
                     note=f"method='lm' per fit; {stop} of the fits timed, scaled to all")
