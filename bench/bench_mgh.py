"""MGH-20: fastgrad's L-BFGS against SciPy's L-BFGS-B and BFGS with finite differences.

For each problem of :data:`fastgrad.problems.MGH` (Moré, Garbow and Hillstrom 1981, problems
1-20, standard starts) this runs, with every solver's default options:

* ``fastgrad.minimize(p.f, p.x0, method="lbfgs")`` (central differences, compiled loop);
* ``scipy.optimize.minimize(f, p.x0, method="L-BFGS-B")`` and ``method="BFGS"`` with
  ``jac=None``: SciPy's own finite differences (2-point). SciPy calls ``f`` from Python; it
  gets the same function compiled by ``numba.njit``, so the times compare the solvers, not
  the interpreter, and every call is counted by a wrapper.

and records: solved (``f - fmin <= 1e-6 max(1, |fmin|)``, :func:`fastgrad.problems.is_solved`),
the solver's success flag, evaluations of f (fastgrad: ``res.nfev``, which counts the
finite-difference evaluations but not fastgrad's one-time probe call; SciPy: the calls
counted), wall time of a warm run (every solver is run once before, untimed, so that Numba
has compiled what it needs), and the final f. It prints a table and the summary: problems
solved per solver, the median over the problems both solve of nfev(fastgrad) / nfev(SciPy),
and the success flags that disagree with "solved".

With ``--simulation`` it also fits the 6-parameter simulation objective
:func:`fastgrad.problems.lotka_volterra_fit` (pure Python, about 5 ms per call) with fastgrad
(``jit=False``) and SciPy L-BFGS-B, counting every call.

Run: ``python bench/bench_mgh.py [--json PATH] [--problem NAME ...] [--simulation]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

import numba
import numpy as np
import scipy
from scipy import optimize

import fastgrad  # noqa: E402
from fastgrad.problems import MGH, is_solved

SOLVERS = ("fastgrad-lbfgs", "scipy-L-BFGS-B", "scipy-BFGS")


def run_fastgrad(p):
    x0 = np.array(p.x0)
    fastgrad.minimize(p.f, x0, method="lbfgs")             # compile (warm-up)
    t = time.perf_counter()
    res = fastgrad.minimize(p.f, x0, method="lbfgs")
    wall = time.perf_counter() - t
    return dict(fun=float(res.fun), nfev=int(res.nfev), nit=int(res.nit),
                success=bool(res.success), message=str(res.message), wall=wall,
                x=np.asarray(res.x).tolist())


def run_scipy(p, method, fj):
    calls = [0]

    def f(x):
        calls[0] += 1
        return fj(x)

    x0 = np.array(p.x0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                    # overflow in exp, etc.
        optimize.minimize(f, x0, method=method)            # warm-up: Numba specializes fj
        calls[0] = 0                                       # to the arrays SciPy passes
        t = time.perf_counter()
        res = optimize.minimize(f, x0, method=method)
        wall = time.perf_counter() - t
    return dict(fun=float(res.fun), nfev=calls[0], nit=int(res.nit), success=bool(res.success),
                message=str(res.message), wall=wall, x=np.asarray(res.x).tolist())


def run(names):
    rows = []
    for name in names:
        p = MGH[name]
        fj = numba.njit(p.f)
        fj(np.array(p.x0))                                 # compile SciPy's objective
        row = {"problem": name, "number": p.number, "n": p.n, "m": p.m, "fmin": p.fmin}
        for solver, fn in (("fastgrad-lbfgs", lambda: run_fastgrad(p)),
                           ("scipy-L-BFGS-B", lambda: run_scipy(p, "L-BFGS-B", fj)),
                           ("scipy-BFGS", lambda: run_scipy(p, "BFGS", fj))):
            r = fn()
            r["solved"] = is_solved(p, r["fun"])
            row[solver] = r
        rows.append(row)
    return rows


def summarize(rows):
    out = {}
    for s in SOLVERS:
        out[f"solved[{s}]"] = sum(r[s]["solved"] for r in rows)
        out[f"disagree[{s}]"] = [
            f"{r['problem']}: success={r[s]['success']} solved={r[s]['solved']}"
            for r in rows if r[s]["success"] != r[s]["solved"]]
    for peer in SOLVERS[1:]:
        both = [r for r in rows if r["fastgrad-lbfgs"]["solved"] and r[peer]["solved"]]
        ratios = [r["fastgrad-lbfgs"]["nfev"] / r[peer]["nfev"] for r in both]
        out[f"median_nfev_ratio[fastgrad/{peer}]"] = statistics.median(ratios) if ratios else None
        out[f"both_solved[fastgrad,{peer}]"] = len(both)
    return out


def print_table(rows, summary):
    head = f"{'#':>2} {'problem':20} {'n':>2} {'m':>3} {'fmin':>11}"
    for s in SOLVERS:
        head += f" | {s:^32}"
    print(head)
    sub = " " * 41
    for _ in SOLVERS:
        sub += f" | {'ok':>2} {'flag':>4} {'nfev':>6} {'ms':>7} {'f - fmin':>9}"
    print(sub)
    for r in rows:
        line = f"{r['number']:>2} {r['problem']:20} {r['n']:>2} {r['m']:>3} {r['fmin']:>11.5g}"
        for s in SOLVERS:
            q = r[s]
            line += (f" | {'Y' if q['solved'] else '-':>2} {'T' if q['success'] else 'F':>4} "
                     f"{q['nfev']:>6} {1e3 * q['wall']:>7.2f} {q['fun'] - r['fmin']:>9.2e}")
        print(line)
    print()
    for s in SOLVERS:
        print(f"solved {s:16}: {summary[f'solved[{s}]']}/{len(rows)}")
    for peer in SOLVERS[1:]:
        med = summary[f"median_nfev_ratio[fastgrad/{peer}]"]
        print(f"median nfev(fastgrad)/nfev({peer}) over the "
              f"{summary[f'both_solved[fastgrad,{peer}]']} problems both solve: "
              + ("-" if med is None else f"{med:.3f}"))
    for s in SOLVERS:
        bad = summary[f"disagree[{s}]"]
        print(f"success flag != solved, {s}: {len(bad)}" + ("" if not bad else ": "
                                                          + "; ".join(bad)))


def run_simulation():
    """The 6-parameter simulation objective (:func:`fastgrad.problems.lotka_volterra_fit`,
    about 5 ms per call, pure Python): fastgrad L-BFGS on the Python engine (``jit=False``,
    as a black box runs) against SciPy L-BFGS-B, from ``LOTKA_VOLTERRA_X0``; f* = 0."""
    from fastgrad.problems import blackbox

    f = blackbox.lotka_volterra_fit
    x0 = np.array(blackbox.LOTKA_VOLTERRA_X0)
    out = {}
    calls = [0]

    def counted(x):
        calls[0] += 1
        return f(x)

    t = time.perf_counter()
    res = fastgrad.minimize(counted, x0, method="lbfgs", jit=False)
    out["fastgrad-lbfgs"] = dict(fun=float(res.fun), nfev=calls[0], nit=int(res.nit),
                                 success=bool(res.success), message=str(res.message),
                                 wall=time.perf_counter() - t)
    calls[0] = 0
    t = time.perf_counter()
    res = optimize.minimize(counted, x0, method="L-BFGS-B")
    out["scipy-L-BFGS-B"] = dict(fun=float(res.fun), nfev=calls[0], nit=int(res.nit),
                                 success=bool(res.success), message=str(res.message),
                                 wall=time.perf_counter() - t)
    print("\nlotka_volterra_fit (n = 6, ~5 ms per call, Python engine), from LOTKA_VOLTERRA_X0:")
    for s, q in out.items():
        print(f"  {s:16}: f = {q['fun']:.3e}, success = {q['success']}, nfev = {q['nfev']} "
              f"(counted calls), nit = {q['nit']}, {q['wall']:.2f} s; {q['message']}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", metavar="PATH", help="write the rows and the summary here")
    ap.add_argument("--problem", action="append", choices=list(MGH),
                    help="run only this problem (repeatable)")
    ap.add_argument("--simulation", action="store_true",
                    help="also fit the 6-parameter simulation objective (about 20 s)")
    args = ap.parse_args(argv)
    rows = run(args.problem or list(MGH))
    summary = summarize(rows)
    print_table(rows, summary)
    simulation = run_simulation() if args.simulation else None
    if args.json:
        meta = {"python": platform.python_version(), "numpy": np.__version__,
                "scipy": scipy.__version__, "numba": numba.__version__,
                "machine": platform.machine(), "criterion": "f - fmin <= 1e-6 max(1, |fmin|)"}
        with open(args.json, "w") as fh:
            json.dump({"meta": meta, "summary": summary, "rows": rows, "simulation": simulation},
                      fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
