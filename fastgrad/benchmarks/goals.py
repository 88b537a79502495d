"""The performance goals (:data:`GOALS`) and where JAX's autodiff overtakes fastgrad
(:func:`crossover`), read from the results of one run."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numba

from ..problems.nist import NAMES as NIST_NAMES
from . import boxed
from .cold_start import _COLD_NAMES
from .embedding import FITS_PARALLEL, FITS_PYTHON, FITS_SERIAL, SOLVE_LOOP, SOLVE_PYTHON
from .least_squares import LSQ_BATCHED, LSQ_LOOP, LSQ_PRANGE, LSQ_SCIPY, nist_goal
from .mgh20 import FASTGRAD, LBFGSB, goal_value
from .report import fmt_ratio, fmt_time
from .simulation import PROCESSES, SIM_FASTGRAD, SIM_SCIPY
from .sizes import DIMS


def _t(results: dict, wid: str, name: str):
    row = results.get(wid, {}).get("contenders", {}).get(name, {})
    return row.get("median_s")


def _ratio(a, b):
    return a / b if a is not None and b is not None and b > 0 else None


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    measure: Callable[[dict], Any]   # results -> measured value (None: not measured)
    met: Callable[[float], bool]
    fmt: Callable[[float], str]


def _x(v):
    return fmt_ratio(v)


def _count(v):
    return str(int(v))


GOALS = (
    [Goal(f"compiled gradient vs Numba floor, n = {n}", "<= 1.2x of the floor",
          lambda r, n=n: _ratio(_t(r, f"compiled-rosen-n{n}", "fastgrad kernel"),
                                _t(r, f"compiled-rosen-n{n}", "numba floor")),
          lambda v: v <= 1.2, _x) for n in DIMS]
    + [
        Goal("fastgrad.gradient vs scipy approx_fprime, numpy f, n = 10", ">= 100x faster",
             lambda r: _ratio(_t(r, "gradient-rosen-n10", "scipy approx_fprime"),
                              _t(r, "gradient-rosen-n10", "fastgrad.gradient")),
             lambda v: v >= 100.0, _x),
        Goal("per-call overhead of fastgrad.gradient (n = 3)", "<= 3 us",
             lambda r: (None if _t(r, "overhead-n3", "fastgrad.gradient") is None else
                        _t(r, "overhead-n3", "fastgrad.gradient")
                        - _t(r, "overhead-n3", "compiled 2n evaluations")),
             lambda v: v <= 3e-6, fmt_time),
        Goal("seeds' example vs fastgrad.reference", ">= 400x faster",
             lambda r: _ratio(_t(r, "seed-gd", "fastgrad.reference"),
                              _t(r, "seed-gd", "fastgrad.minimize gd")),
             lambda v: v >= 400.0, _x),
        Goal("seeds' example: fastgrad.minimize vs the hand-written @njit loop", "<= 2.0x",
             lambda r: _ratio(_t(r, "seed-gd", "fastgrad.minimize gd"),
                              _t(r, "seed-gd", "numba floor")),
             lambda v: v <= 2.0, _x),
        Goal("seeds' example: compile_minimizer's solve from Python vs that loop", "<= 1.3x",
             lambda r: _ratio(_t(r, "seed-gd", SOLVE_PYTHON), _t(r, "seed-gd", "numba floor")),
             lambda v: v <= 1.3, _x),
        Goal("seeds' example: solve in a compiled loop vs that loop", "<= 1.1x",
             lambda r: _ratio(_t(r, "seed-gd", SOLVE_LOOP), _t(r, "seed-gd", "numba floor")),
             lambda v: v <= 1.1, _x),
        Goal("2,000 fits: prange over solve vs serial loop", ">= 0.8 x threads",
             lambda r: _ratio(_t(r, "fits-2000", FITS_SERIAL), _t(r, "fits-2000", FITS_PARALLEL)),
             lambda v: v >= 0.8 * numba.get_num_threads(), _x),
        Goal("2,000 fits: Python loop of minimize vs serial compiled loop", "<= 1.3x",
             lambda r: _ratio(_t(r, "fits-2000", FITS_PYTHON), _t(r, "fits-2000", FITS_SERIAL)),
             lambda v: v <= 1.3, _x),
        Goal("lbfgs vs SciPy L-BFGS-B (finite differences), n = 10", ">= 30x faster",
             lambda r: _ratio(_t(r, "lbfgs-rosen-n10", "scipy L-BFGS-B 2-point"),
                              _t(r, "lbfgs-rosen-n10", "fastgrad.minimize lbfgs")),
             lambda v: v >= 30.0, _x),
        Goal("lbfgs vs SciPy L-BFGS-B (finite differences), n = 100", ">= 10x faster",
             lambda r: _ratio(_t(r, "lbfgs-rosen-n100", "scipy L-BFGS-B 2-point"),
                              _t(r, "lbfgs-rosen-n100", "fastgrad.minimize lbfgs")),
             lambda v: v >= 10.0, _x),
        Goal("batched gd vs numpy vectorized", ">= 2.5x faster",
             lambda r: _ratio(_t(r, "batched-rastrigin", "numpy vectorized"),
                              _t(r, "batched-rastrigin", "fastgrad, 2 threads")),
             lambda v: v >= 2.5, _x),
        Goal("batched gd, 1 -> 2 threads", ">= 1.8x faster",
             lambda r: _ratio(_t(r, "batched-rastrigin", "fastgrad, 1 thread"),
                              _t(r, "batched-rastrigin", "fastgrad, 2 threads")),
             lambda v: v >= 1.8, _x),
        Goal("MGH-20: problems fastgrad.minimize solves (default method)", ">= 18 of 20",
             lambda r: goal_value(r, FASTGRAD, "solved"), lambda v: v >= 18, _count),
        Goal("MGH-20: median nfev(fastgrad) / nfev(L-BFGS-B), both solve", "<= 0.9x",
             lambda r: goal_value(r, LBFGSB, "nfev_ratio"), lambda v: v <= 0.9, _x),
        Goal("MGH-20: success flags != solved (but at a local minimum)", "0",
             lambda r: goal_value(r, FASTGRAD, "disagree"), lambda v: v == 0, _count),
        Goal("MGH-20: warm time vs SciPy L-BFGS-B, median ratio", ">= 20x faster",
             lambda r: goal_value(r, LBFGSB, "time_ratio"), lambda v: v >= 20.0, _x),
        Goal("bounds: box problems fastgrad.minimize reaches to 1e-6",
             f"{len(boxed.BOXED)} of {len(boxed.BOXED)}",
             lambda r: boxed.goal_value(r, "fastgrad_reached"),
             lambda v: v >= len(boxed.BOXED), _count),
        Goal("bounds: median nfev(fastgrad) / nfev(L-BFGS-B)", "<= 1.0x",
             lambda r: boxed.goal_value(r, "nfev_ratio"), lambda v: v <= 1.0, _x),
        Goal("bounds: warm time vs SciPy L-BFGS-B, median ratio", ">= 20x faster",
             lambda r: boxed.goal_value(r, "time_ratio"), lambda v: v >= 20.0, _x),
        Goal("multistart: global minima found (Himmelblau 4, six-hump camel 2)", "6 of 6",
             lambda r: boxed.goal_value(r, "fastgrad_found"), lambda v: v >= 6, _count),
        Goal("simulation fit, serial: t(fastgrad) / t(SciPy L-BFGS-B)", "<= 0.8x",
             lambda r: _ratio(_t(r, "simulation-serial", SIM_FASTGRAD),
                              _t(r, "simulation-serial", SIM_SCIPY)),
             lambda v: v <= 0.8, _x),
        Goal(f"simulation fit, {PROCESSES} processes: t(fastgrad) / t(SciPy)", "<= 0.8x",
             lambda r: _ratio(_t(r, f"simulation-{PROCESSES}-processes", SIM_FASTGRAD),
                              _t(r, f"simulation-{PROCESSES}-processes", SIM_SCIPY)),
             lambda v: v <= 0.8, _x),
        Goal("NIST start 1: 6 digits by SciPy lm, not by least_squares", "0",
             lambda r: nist_goal(r, lambda s: len(s[1]["scipy_only"])), lambda v: v == 0,
             _count),
        Goal("NIST start 1: 6 digits, least_squares minus SciPy lm", ">= 0",
             lambda r: nist_goal(r, lambda s: len(s[1]["fastgrad"]) - len(s[1]["scipy"])),
             lambda v: v >= 0, _count),
        Goal("NIST start 2: least_squares reaches 6 certified digits",
             f"all {len(NIST_NAMES)}", lambda r: nist_goal(r, lambda s: len(s[2]["fastgrad"])),
             lambda v: v >= len(NIST_NAMES), _count),
        Goal("NIST: warm time vs SciPy least_squares lm, median", ">= 10x faster",
             lambda r: nist_goal(r, lambda s: s["time_ratio"]), lambda v: v >= 10.0, _x),
        Goal("NIST: evaluations of the model / SciPy lm's, median", "<= 1.2x",
             lambda r: nist_goal(r, lambda s: s["nfev_ratio"]), lambda v: v <= 1.2, _x),
        Goal("2,000 lsq fits: batched call vs loop of SciPy's",
             ">= 20x faster", lambda r: _ratio(_t(r, "lsq-fits-2000", LSQ_SCIPY),
                                                _t(r, "lsq-fits-2000", LSQ_BATCHED)),
             lambda v: v >= 20.0, _x),
        Goal("2,000 lsq fits: batched call vs loop of least_squares",
             ">= 3x faster", lambda r: _ratio(_t(r, "lsq-fits-2000", LSQ_LOOP),
                                               _t(r, "lsq-fits-2000", LSQ_BATCHED)),
             lambda v: v >= 3.0, _x),
        Goal("2,000 lsq fits: prange over solve vs that loop",
             ">= 3x faster", lambda r: _ratio(_t(r, "lsq-fits-2000", LSQ_LOOP),
                                               _t(r, "lsq-fits-2000", LSQ_PRANGE)),
             lambda v: v >= 3.0, _x),
        Goal("cold start: import + first gradient", "<= 1.0 s",
             lambda r: _t(r, "cold-start", _COLD_NAMES["fastgrad"]),
             lambda v: v <= 1.0, fmt_time),
    ]
)
"""The performance goals this suite tracks; :func:`evaluate_goals` checks them."""


def evaluate_goals(results: dict) -> list:
    """One row per goal: name, target, measured (text), value, and "met" / "NOT met" / "not
    measured"."""
    rows = []
    for goal in GOALS:
        try:
            value = goal.measure(results)
        except (TypeError, KeyError):
            value = None
        if value is None:
            rows.append({"goal": goal.name, "target": goal.target, "measured": "-",
                         "value": None, "status": "not measured"})
        else:
            rows.append({"goal": goal.name, "target": goal.target, "measured": goal.fmt(value),
                         "value": value, "status": "met" if goal.met(value) else "NOT met"})
    return rows


def crossover(results: dict) -> dict:
    """Where JAX's exact autodiff beats fastgrad's finite differences, from the same run.

    Returns per context ("python": ``jax.jit(jax.grad)`` vs ``fastgrad.gradient``;
    "compiled": jitted loops) the ratios t_fastgrad / t_jax by n, the smallest n from which
    JAX is faster (None if never), and a sentence.
    """
    out = {}
    for context, prefix, fg, jx in (("python", "gradient-rosen-n", "fastgrad.gradient",
                                     "jax.jit(jax.grad)"),
                                    ("compiled", "compiled-rosen-n", "fastgrad kernel",
                                     "jax jitted loop")):
        ratios = {n: _ratio(_t(results, f"{prefix}{n}", fg), _t(results, f"{prefix}{n}", jx))
                  for n in DIMS}
        ratios = {n: v for n, v in ratios.items() if v is not None}
        if not ratios:
            continue
        faster = [n for n in sorted(ratios) if ratios[n] > 1.0]
        start = next((n for n in sorted(ratios) if all(ratios[k] > 1.0 for k in ratios
                                                        if k >= n)), None)
        where = "called from Python" if context == "python" else "inside compiled loops"
        big = max(ratios)
        if start is None:
            about = None
            text = (f"{where}: fastgrad's finite differences are faster than JAX's exact "
                    f"autodiff at every n measured (up to n = {big}).")
        else:
            small = min(ratios)
            below = max((n for n in ratios if n < start), default=None)
            about = None
            if below is not None:  # where the log-log line between them crosses 1
                lo, hi = math.log(ratios[below]), math.log(ratios[start])
                t = -lo / (hi - lo)
                about = float(f"{below * (start / below) ** t:.2g}")
            lead = ("JAX is faster at every n measured" if small >= start else
                    f"below it fastgrad is faster ({fmt_ratio(1 / ratios[small])} at "
                    f"n = {small}), where JAX's per-call cost dominates")
            where_n = f"from n = {start} on"
            if about:
                where_n += f" (the lines cross near n = {about:g}, interpolated)"
            text = (f"{where}: JAX's exact autodiff (one forward and one reverse pass, O(n) "
                    f"work) beats central differences (2n evaluations of an O(n) objective, "
                    f"O(n^2) work) {where_n}: {fmt_ratio(ratios[big])} faster at n = {big}; "
                    f"{lead}.")
        out[context] = {"ratios": ratios, "jax_faster_from": start, "crossover_n": about,
                        "faster_at": faster, "sentence": text}
    return out
