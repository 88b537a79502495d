"""Bounded minimize against SciPy's L-BFGS-B, both with finite differences.

On the box-constrained problems of :mod:`fastgrad.problems.boxed` (Hock-Schittkowski
problems with bounds only, box-constrained Rosenbrock, Beale, Wood, a quadratic with every
bound active): ``fastgrad.minimize(f, x0, bounds=...)`` (default method lbfgs, ``jac="auto"``)
and ``scipy.optimize.minimize(f, x0, method="L-BFGS-B", bounds=...)`` (its default
2-point differences, ``ftol`` 2.2e-9, ``gtol`` 1e-5; fastgrad's ``gtol`` 1e-6 on the
projected gradient). Per problem: both minimizers and their distance, f, nfev and the
time of one warm call (the best of ``--repeat``); then the medians over the problems of
nfev(fastgrad) / nfev(SciPy) and time(fastgrad) / time(SciPy).

``--gtol 1e-5`` gives fastgrad SciPy's default projected-gradient tolerance instead.

Run: ``python bench/bench_bounded.py [--repeat N] [--gtol G]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

import fastgrad  # noqa: E402
from fastgrad.problems.boxed import BOXED  # noqa: E402


def best_time(call, repeat: int) -> tuple:
    result, best = None, np.inf
    for _ in range(repeat):
        begin = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - begin)
    return result, best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--gtol", type=float, default=1e-6, help="fastgrad's gtol")
    opts = ap.parse_args(argv)
    from scipy.optimize import minimize as scipy_minimize

    nfev_ratios, time_ratios = [], []
    print(f"{'problem':16s} {'|x-x_sp|':>9s} {'f fastgrad':>13s} {'f scipy':>13s} "
          f"{'nfev fg':>7s} {'nfev sp':>7s} {'t fg ms':>8s} {'t sp ms':>8s} status")
    for name, p in BOXED.items():
        bounds = (np.array(p.lb), np.array(p.ub))
        pairs = list(zip(p.lb, p.ub))
        fastgrad.minimize(p.f, p.x0, bounds=bounds)  # compile
        ours, t_ours = best_time(
            lambda: fastgrad.minimize(p.f, p.x0, bounds=bounds, gtol=opts.gtol), opts.repeat)
        theirs, t_theirs = best_time(
            lambda: scipy_minimize(p.f, np.array(p.x0), method="L-BFGS-B", bounds=pairs),
            opts.repeat)
        gap = float(np.max(np.abs(ours.x - theirs.x)))
        nfev_ratios.append(ours.nfev / theirs.nfev)
        time_ratios.append(t_ours / t_theirs)
        print(f"{name:16s} {gap:9.1e} {ours.fun:13.6g} {theirs.fun:13.6g} {ours.nfev:7d} "
              f"{theirs.nfev:7d} {1e3 * t_ours:8.3f} {1e3 * t_theirs:8.3f} {ours.status}")
    print(f"median nfev(fastgrad) / nfev(SciPy L-BFGS-B): {np.median(nfev_ratios):.3f}")
    print(f"median time(fastgrad) / time(SciPy L-BFGS-B): {np.median(time_ratios):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
