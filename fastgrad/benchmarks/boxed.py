"""Bounds and multistart: ``fastgrad.minimize(..., bounds=)`` against SciPy's L-BFGS-B on the
box-constrained problems of :data:`fastgrad.problems.boxed.BOXED`, and
``fastgrad.multistart`` against a loop of L-BFGS-B over the same starts on the problems of
:data:`fastgrad.problems.boxed.GLOBAL`.

* ``box-<name>``: ``fastgrad.minimize(p.f, x0, bounds=(lb, ub))`` (default method lbfgs,
  ``jac="auto"``) and ``scipy.optimize.minimize(f, x0, method="L-BFGS-B", bounds=...)``
  (its 2-point differences and default options; ``f`` compiled by ``numba.njit``, a wrapper
  counts the calls). A row records ``nfev``, ``fun``, ``x`` and ``error``: the distance
  (max norm) to the minimizer, exact where known, else that of L-BFGS-B run to its tightest
  tolerances.
* ``multistart-<name>``: ``fastgrad.multistart(f, bounds, n_starts=64, seed=0)`` and, from
  the same 64 scrambled Sobol starts, a Python loop of L-BFGS-B. A row records how many of
  the problem's global minima were found (a successful start within 1e-5 of it, f within
  1e-8 of the minimum) and the evaluations of f, all starts together.

:func:`summary` gathers the rows for the goals: the medians over the box problems of
nfev(fastgrad) / nfev(SciPy) and t(SciPy) / t(fastgrad), how many box problems each reaches
to 1e-6, and the global minima found.
"""

from __future__ import annotations

import statistics
import warnings

import numpy as np

import fastgrad

from ..optimize.multistart import sample
from ..problems.boxed import BOXED, GLOBAL
from .contenders import Contender, Workload
from .objectives import compiled
from .peers import not_installed, peer
from .report import fmt_ratio, fmt_time
from .sizes import SIZES

BOX_FASTGRAD, BOX_SCIPY = "fastgrad.minimize bounds", "scipy L-BFGS-B bounds"
BOX_CONTENDERS = [BOX_FASTGRAD, BOX_SCIPY]
BOX_PREFIX = "box-"
MS_FASTGRAD, MS_SCIPY = "fastgrad.multistart", "scipy L-BFGS-B loop"
MS_CONTENDERS = [MS_FASTGRAD, MS_SCIPY]
MS_PREFIX = "multistart-"
MS_STARTS, MS_SEED = 64, 0
SAME_POINT = 1e-6
"""A box problem is reached when x is within this of its minimizer (max norm)."""
FOUND = 1e-5
"""A global minimum is found when a successful start ends within this of it (max norm)."""


def counted(fj):
    """``(f, calls)``: ``fj`` wrapped to count its calls (``calls[0]``)."""
    calls = [0]

    def f(x):
        calls[0] += 1
        return fj(x)

    return f, calls


def lbfgsb(fj, x0, pairs, **options):
    """SciPy's L-BFGS-B on ``fj`` within ``pairs``: ``(result, calls of fj)``."""
    from scipy.optimize import minimize as sp_minimize

    f, calls = counted(fj)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sp_minimize(f, x0, method="L-BFGS-B", bounds=pairs, options=options)
    return res, calls[0]


def minimizer(p, fj) -> np.ndarray | None:
    """The minimizer of box problem ``p``: exact where known, else L-BFGS-B's at its
    tightest tolerances (None without SciPy)."""
    if p.x_star is not None:
        return np.array(p.x_star)
    if peer("scipy") is None:
        return None
    res, _ = lbfgsb(fj, np.array(p.x0), list(zip(p.lb, p.ub)), ftol=1e-15, gtol=1e-11,
                    maxls=50)
    return res.x


def box_row(res, nfev: int, x_ref) -> dict:
    """What a box row records."""
    x = np.asarray(res.x, dtype=np.float64)
    error = None if x_ref is None else float(np.max(np.abs(x - x_ref)))
    return {"nfev": int(nfev), "fun": float(res.fun), "x": x.tolist(), "error": error,
            "success": bool(res.success)}


def left_out(w: Workload, name: str, size: str, contenders: list) -> bool:
    """Mark every contender of ``w`` skipped when ``size`` does not run problem ``name``."""
    wanted = SIZES[size].box_problems
    if wanted is None or name in wanted:
        return False
    reason = f"size {size} runs {', '.join(wanted)} only"
    w.contenders = [Contender(c, "fastgrad" if c in (BOX_FASTGRAD, MS_FASTGRAD) else "scipy",
                              skip=reason) for c in contenders]
    return True


def box_workload(name: str, size: str) -> Workload:
    """The workload ``box-<name>``, built and warmed."""
    p = BOXED[name]
    x0, lb, ub = np.array(p.x0), np.array(p.lb), np.array(p.ub)
    pairs = list(zip(p.lb, p.ub))
    w = Workload(f"{BOX_PREFIX}{name}", f"{name} (n = {x0.size}) within bounds: "
                 "fastgrad.minimize(bounds=) vs SciPy L-BFGS-B, finite differences", "box",
                 BOX_FASTGRAD, params={"problem": name, "n": int(x0.size)},
                 error="|x - x*|_inf", reference=None)
    if left_out(w, name, size, BOX_CONTENDERS):
        return w
    fj = compiled(p.f)
    x_ref = minimizer(p, fj)

    def run_fastgrad():
        return fastgrad.minimize(p.f, x0, bounds=(lb, ub))

    run_fastgrad()
    w.contenders.append(Contender(BOX_FASTGRAD, "fastgrad", run_fastgrad,
                                  lambda res: box_row(res, res.nfev, x_ref),
                                  note="minimize(f, x0, bounds=(lb, ub)): defaults"))
    if peer("scipy") is None:
        w.contenders.append(Contender(BOX_SCIPY, "scipy", skip=not_installed("scipy")))
        return w

    def run_scipy():
        return lbfgsb(fj, x0, pairs)

    run_scipy()
    w.contenders.append(Contender(BOX_SCIPY, "scipy", run_scipy,
                                  lambda out: box_row(out[0], out[1], x_ref),
                                  note="minimize(f, x0, method='L-BFGS-B', bounds=...), "
                                  "2-point differences, f compiled by numba.njit"))
    return w


def found(p, xs, funs, ok) -> int:
    """How many of ``p``'s global minima some successful start reached."""
    hits = 0
    for m in np.array(p.minima):
        near = [np.max(np.abs(x - m)) <= FOUND and fun <= p.fmin + 1e-8
                for x, fun, good in zip(xs, funs, ok) if good]
        hits += any(near)
    return hits


def multistart_workload(name: str, size: str) -> Workload:
    """The workload ``multistart-<name>``, built and warmed."""
    p = GLOBAL[name]
    lb, ub = np.array(p.lb), np.array(p.ub)
    w = Workload(f"{MS_PREFIX}{name}", f"{name}: multistart, {MS_STARTS} Sobol starts in the "
                 "box, vs a loop of SciPy L-BFGS-B over the same starts", "multistart",
                 MS_FASTGRAD, params={"problem": name, "minima": len(p.minima),
                                      "starts": MS_STARTS}, error="global minima found",
                 reference=None)
    if left_out(w, name, size, MS_CONTENDERS):
        return w

    def run_fastgrad():
        return fastgrad.multistart(p.f, (lb, ub), n_starts=MS_STARTS, seed=MS_SEED)

    def check_fastgrad(res):
        batch = res.all
        return {"found": found(p, batch.x, batch.fun, batch.success),
                "minima": len(p.minima), "nfev": int(np.sum(batch.nfev)),
                "fun": float(res.fun)}

    run_fastgrad()
    w.contenders.append(Contender(MS_FASTGRAD, "fastgrad", run_fastgrad, check_fastgrad,
                                  note=f"multistart(f, bounds, n_starts={MS_STARTS}, "
                                  f"seed={MS_SEED})"))
    if peer("scipy") is None:
        w.contenders.append(Contender(MS_SCIPY, "scipy", skip=not_installed("scipy")))
        return w
    fj = compiled(p.f)
    starts = sample("sobol", MS_STARTS, lb, ub, MS_SEED)
    pairs = list(zip(p.lb, p.ub))

    def run_scipy():
        return [lbfgsb(fj, x0, pairs) for x0 in starts]

    def check_scipy(out):
        xs = [res.x for res, _ in out]
        funs = [float(res.fun) for res, _ in out]
        return {"found": found(p, xs, funs, [res.success for res, _ in out]),
                "minima": len(p.minima), "nfev": int(sum(calls for _, calls in out)),
                "fun": min(funs)}

    run_scipy()
    w.contenders.append(Contender(MS_SCIPY, "scipy", run_scipy, check_scipy,
                                  note="a Python loop of minimize(method='L-BFGS-B', "
                                  "bounds=...) over the same starts"))
    return w


def _rows(results: dict, prefix: str, names) -> list:
    """The contender rows of the workloads ``prefix + name`` that ran, in table order."""
    out = []
    for name in names:
        rows = results.get(prefix + name, {}).get("contenders", {})
        if all(rows.get(c, {}).get("median_s") is not None for c in (
                (BOX_FASTGRAD, BOX_SCIPY) if prefix == BOX_PREFIX else (MS_FASTGRAD,
                                                                         MS_SCIPY))):
            out.append((name, rows))
    return out


def summary(results: dict) -> dict:
    """What the bounds and multistart goals read, from the rows of one run (None where a
    set was not measured completely)."""
    box = _rows(results, BOX_PREFIX, BOXED)
    ms = _rows(results, MS_PREFIX, GLOBAL)
    out: dict = {"box_problems": len(box), "box_complete": len(box) == len(BOXED),
                 "ms_problems": len(ms), "ms_complete": len(ms) == len(GLOBAL)}
    if box:
        fg = [r[BOX_FASTGRAD] for _, r in box]
        sp = [r[BOX_SCIPY] for _, r in box]
        out["nfev_ratio"] = statistics.median(a["nfev"] / b["nfev"] for a, b in zip(fg, sp))
        out["time_ratio"] = statistics.median(b["median_s"] / a["median_s"]
                                              for a, b in zip(fg, sp))
        for key, rows in (("fastgrad_reached", fg), ("scipy_reached", sp)):
            out[key] = sum(r["error"] is not None and r["error"] <= SAME_POINT for r in rows)
    if ms:
        out["minima"] = sum(r[MS_FASTGRAD]["minima"] for _, r in ms)
        out["fastgrad_found"] = sum(r[MS_FASTGRAD]["found"] for _, r in ms)
        out["scipy_found"] = sum(r[MS_SCIPY]["found"] for _, r in ms)
        out["ms_time_ratio"] = statistics.median(r[MS_SCIPY]["median_s"]
                                                 / r[MS_FASTGRAD]["median_s"] for _, r in ms)
    return out


def goal_value(results: dict, key: str):
    """``summary(results)[key]`` when its set (box or multistart) was measured completely,
    else None."""
    s = summary(results)
    complete = s["ms_complete"] if key in ("fastgrad_found", "ms_time_ratio") else \
        s["box_complete"]
    return s.get(key) if complete else None


def format_table(results: dict) -> str:
    """The box and multistart rows of a run as tables, with the summary; "" when none ran."""
    box = _rows(results, BOX_PREFIX, BOXED)
    ms = _rows(results, MS_PREFIX, GLOBAL)
    if not box and not ms:
        return ""
    lines = []
    if box:
        lines += ["\nWithin bounds (error: |x - x*|_inf)",
                  f"{'problem':16} | {'fastgrad nfev':>13} {'time':>10} {'error':>8} | "
                  f"{'L-BFGS-B nfev':>13} {'time':>10} {'error':>8}"]
        for name, r in box:
            a, b = r[BOX_FASTGRAD], r[BOX_SCIPY]
            lines.append(f"{name:16} | {a['nfev']:>13} {fmt_time(a['median_s']):>10} "
                         f"{_err(a):>8} | {b['nfev']:>13} {fmt_time(b['median_s']):>10} "
                         f"{_err(b):>8}")
    if ms:
        lines += [f"\nMultistart ({MS_STARTS} starts)",
                  f"{'problem':16} | {'fastgrad found':>14} {'nfev':>7} {'time':>10} | "
                  f"{'SciPy loop found':>16} {'nfev':>7} {'time':>10}"]
        for name, r in ms:
            a, b = r[MS_FASTGRAD], r[MS_SCIPY]
            lines.append(f"{name:16} | {a['found']:>9} of {a['minima']} {a['nfev']:>7} "
                         f"{fmt_time(a['median_s']):>10} | {b['found']:>11} of {b['minima']} "
                         f"{b['nfev']:>7} {fmt_time(b['median_s']):>10}")
    s = summary(results)
    if box:
        lines.append(f"\nmedian nfev(fastgrad) / nfev(L-BFGS-B): {s['nfev_ratio']:.3g}; "
                     f"t(L-BFGS-B) / t(fastgrad), median: {fmt_ratio(s['time_ratio'])}; "
                     f"within {SAME_POINT:g} of the minimizer: fastgrad "
                     f"{s['fastgrad_reached']}/{len(box)}, L-BFGS-B {s['scipy_reached']}/"
                     f"{len(box)}")
    if ms:
        lines.append(f"multistart: global minima found: fastgrad {s['fastgrad_found']}/"
                     f"{s['minima']}, SciPy loop {s['scipy_found']}/{s['minima']}; t(SciPy "
                     f"loop) / t(fastgrad), median: {fmt_ratio(s['ms_time_ratio'])}")
    return "\n".join(lines)


def _err(row) -> str:
    return "-" if row.get("error") is None else f"{row['error']:.1e}"
