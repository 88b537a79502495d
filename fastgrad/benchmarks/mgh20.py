"""MGH-20: ``fastgrad.minimize`` with its default method against SciPy on the 20
Moré-Garbow-Hillstrom problems (:data:`fastgrad.problems.MGH`, standard starts).

One workload per problem, ``mgh-<name>``, with three contenders:

* ``fastgrad.minimize(p.f, x0, **DEFAULT_KW)``: no options, its default method and central
  differences (:data:`~fastgrad.benchmarks.sizes.DEFAULT_KW`; ``FASTGRAD_BENCH_METHOD``
  overrides the method, and the report says so);
* ``scipy.optimize.minimize(f, x0, method="L-BFGS-B")`` and ``method="BFGS"``, ``jac=None``:
  SciPy's own finite differences (2-point) and default options. SciPy gets ``p.f`` compiled
  by ``numba.njit``, so the times compare the solvers, not the interpreter; a wrapper counts
  its calls.

Each row records, beside the warm time (median of rounds after a warm-up call): ``nfev``
(fastgrad: ``res.nfev``; SciPy: the calls counted), ``fun``, ``error`` = f - fmin, ``solved``
(:func:`fastgrad.problems.is_solved`: ``f - fmin <= 1e-6 max(1, |fmin|)``), ``success`` (the
solver's flag) and ``local_minimum`` (f is a documented local minimum,
:func:`fastgrad.problems.at_local_minimum`). :func:`summary` gathers the rows of one run for
the goals (:mod:`.goals`) and :func:`format_table` prints them as one table.
"""

from __future__ import annotations

import statistics
import warnings

import numpy as np

import fastgrad

from ..problems import MGH, at_local_minimum, is_solved
from .contenders import Contender, Workload
from .objectives import compiled
from .peers import not_installed, peer
from .report import fmt_ratio, fmt_time
from .sizes import SIZES, kw_text, minimize_kw

FASTGRAD = "fastgrad.minimize default"
LBFGSB, BFGS = "scipy L-BFGS-B", "scipy BFGS"
MGH_CONTENDERS = [FASTGRAD, LBFGSB, BFGS]
PREFIX = "mgh-"


def outcome(p, res, nfev: int) -> dict:
    """What a row records of one run on problem ``p``: nfev, f, f - fmin, solved, success,
    local_minimum, nit and the message."""
    fun = float(res.fun)
    return {"nfev": int(nfev), "fun": fun,
            "error": fun - p.fmin if np.isfinite(fun) else None,
            "solved": is_solved(p, fun), "success": bool(res.success),
            "local_minimum": at_local_minimum(p, fun), "nit": int(res.nit),
            "message": str(res.message)}


def _scipy_run(fj, x0, method: str):
    """SciPy's ``minimize`` on ``fj`` with ``method``: returns (result, calls of fj)."""
    from scipy.optimize import minimize as sp_minimize

    def run():
        calls = [0]

        def f(x):
            calls[0] += 1
            return fj(x)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # overflow in exp, etc., of SciPy's differences
            res = sp_minimize(f, x0, method=method)
        return res, calls[0]

    return run


def mgh_workload(name: str, size: str) -> Workload:
    """The workload ``mgh-<name>``: built and warmed (fastgrad compiles ``p.f`` and its loop,
    Numba compiles SciPy's objective), or every contender skipped when ``size`` leaves the
    problem out."""
    p = MGH[name]
    x0 = np.array(p.x0)
    kw = minimize_kw()
    w = Workload(f"{PREFIX}{name}", f"MGH {p.number} {name} (n = {p.n}, m = {p.m}): "
                 f"fastgrad.minimize ({kw_text(kw)}) vs SciPy, finite differences", "mgh",
                 FASTGRAD, params={"problem": name, "number": p.number, "n": p.n, "m": p.m,
                                   "fmin": p.fmin, "minimize_kw": kw},
                 error="f - fmin", reference=None)
    wanted = SIZES[size].mgh_problems
    if wanted is not None and name not in wanted:
        reason = f"size {size} runs {len(wanted)} of the 20 MGH problems"
        w.contenders = [Contender(c, "fastgrad" if c == FASTGRAD else "scipy", skip=reason)
                        for c in MGH_CONTENDERS]
        return w

    def run_fastgrad():
        return fastgrad.minimize(p.f, x0, **kw)

    run_fastgrad()
    w.contenders.append(Contender(FASTGRAD, "fastgrad", run_fastgrad,
                                  lambda res: outcome(p, res, res.nfev),
                                  note=f"fastgrad.minimize(f, x0): {kw_text(kw)}"))
    if peer("scipy") is None:
        w.contenders += [Contender(c, "scipy", skip=not_installed("scipy"))
                         for c in (LBFGSB, BFGS)]
        return w
    fj = compiled(p.f)
    for name_, method in ((LBFGSB, "L-BFGS-B"), (BFGS, "BFGS")):
        run = _scipy_run(fj, x0, method)
        run()  # Numba specializes fj to the arrays SciPy passes
        w.contenders.append(Contender(name_, "scipy", run, lambda out: outcome(p, *out),
                                      note=f"minimize(f, x0, method={method!r}), 2-point "
                                      "differences, f compiled by numba.njit"))
    return w


def disagrees(row: dict) -> bool:
    """A success flag that says otherwise than ``solved``, unless the run stopped (with
    success) at a documented local minimum."""
    return row["success"] != row["solved"] and not (row["success"] and row["local_minimum"])


def problem_rows(results: dict) -> list:
    """``(problem, {contender: row})`` for each MGH problem whose workload is in ``results``
    with a timed fastgrad row, in the paper's order."""
    out = []
    for name in MGH:
        rows = results.get(PREFIX + name, {}).get("contenders", {})
        if rows.get(FASTGRAD, {}).get("median_s") is not None:
            out.append((name, rows))
    return out


def _median(values):
    return statistics.median(values) if values else None


def summary(results: dict) -> dict:
    """What the MGH goals read, from the rows of one run: per contender ``solved`` and
    ``disagree`` (:func:`disagrees`: a list of problems); per SciPy method the median over the
    problems both solve of nfev(fastgrad) / nfev(SciPy) (``nfev_ratio``, with ``both``),
    and the median over every problem of t(SciPy) / t(fastgrad) (``time_ratio``);
    ``problems``, how many were measured, and ``complete``, whether all 20 were."""
    rows = problem_rows(results)
    out = {"problems": len(rows), "complete": len(rows) == len(MGH)}
    for c in MGH_CONTENDERS:
        done = [(name, r[c]) for name, r in rows if r.get(c, {}).get("median_s") is not None]
        out[c] = {"runs": len(done), "solved": sum(q["solved"] for _, q in done),
                  "disagree": [name for name, q in done if disagrees(q)]}
    for c in (LBFGSB, BFGS):
        timed = [r for _, r in rows if r.get(c, {}).get("median_s") is not None]
        both = [r for r in timed if r[FASTGRAD]["solved"] and r[c]["solved"]]
        out[c]["both"] = len(both)
        out[c]["nfev_ratio"] = _median([r[FASTGRAD]["nfev"] / r[c]["nfev"] for r in both])
        out[c]["time_ratio"] = _median([r[c]["median_s"] / r[FASTGRAD]["median_s"]
                                        for r in timed])
    return out


def goal_value(results: dict, contender: str, key: str):
    """``summary(results)[contender][key]`` when all 20 problems were measured (and it has
    a SciPy row), else None: a goal on MGH-20 is not measured on part of it."""
    s = summary(results)
    if not s["complete"] or (contender != FASTGRAD and s[contender]["runs"] < len(MGH)):
        return None
    value = s[contender][key]
    return len(value) if isinstance(value, list) else value


def format_table(results: dict) -> str:
    """The MGH rows of a run as one table (a line per problem: solved, success flag, nfev,
    time and f - fmin per contender), and the summary below it; "" when none ran."""
    rows = problem_rows(results)
    if not rows:
        return ""
    head = f"{'#':>2} {'problem':20} {'n':>2}"
    sub = " " * 26
    for c in MGH_CONTENDERS:
        head += f" | {c:^36}"
        sub += f" | {'ok':>2} {'flag':>4} {'nfev':>6} {'time':>10} {'f - fmin':>9}"
    lines = ["\nMGH-20 (ok: solved; flag: success; * a documented local minimum)", head, sub]
    for name, r in rows:
        p = MGH[name]
        line = f"{p.number:>2} {name:20} {p.n:>2}"
        for c in MGH_CONTENDERS:
            q = r.get(c, {})
            if q.get("median_s") is None:
                line += f" | {'-':^36}"
                continue
            err = "-" if q.get("error") is None else f"{q['error']:.2e}"
            line += (f" | {'Y' if q['solved'] else '*' if q['local_minimum'] else '-':>2} "
                     f"{'T' if q['success'] else 'F':>4} {q['nfev']:>6} "
                     f"{fmt_time(q['median_s']):>10} {err:>9}")
        lines.append(line)
    return "\n".join(lines + _summary_lines(summary(results)))


def _summary_lines(s: dict) -> list:
    lines = [""]
    for c in MGH_CONTENDERS:
        bad = s[c]["disagree"]
        lines.append(f"{c:26s}: solved {s[c]['solved']}/{s[c]['runs']}; success flag != "
                     f"solved (not at a local minimum): {len(bad)}"
                     + (f" ({', '.join(bad)})" if bad else ""))
    for c in (LBFGSB, BFGS):
        nfev = s[c]["nfev_ratio"]
        lines.append(f"nfev(fastgrad) / nfev({c}), median over the {s[c]['both']} problems "
                     f"both solve: {'-' if nfev is None else format(nfev, '.3g')}; "
                     f"t({c}) / t(fastgrad), median: {fmt_ratio(s[c]['time_ratio'])}")
    return lines
