"""Bounded minimize on Moré–Garbow–Hillstrom problems whose minimizers the bounds cut off,
against SciPy's L-BFGS-B, both with finite differences: a wider set than the box problems
of ``bench/bench_bounded.py``, for the bounded loop's evaluations of f.

For each problem of :data:`fastgrad.problems.MGH` with a known minimizer x*, two variants:

* ``A``: an upper bound ``x*_i - 0.2 (1 + |x*_i|)`` on the even coordinates;
* ``B``: a lower bound ``x*_i + 0.2 (1 + |x*_i|)`` on the odd ones;

so some bounds are active at the solution. Both solvers start from the standard start
projected into the box, with their defaults (``max_iter`` 3000 for both). Per variant: nfev
of each and f reached; "same" where the two f agree to 1e-6 relative (else which is lower).
Then the median of nfev(fastgrad) / nfev(SciPy) over the variants where both reach the
same f, and the totals.

Run: ``python bench/bench_bounded_mgh.py``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout this script is in

import fastgrad  # noqa: E402
from fastgrad.problems.boxed import mgh_variants  # noqa: E402

def main() -> int:
    from scipy.optimize import minimize as scipy_minimize

    ratios, ours_total, theirs_total = [], 0, 0
    print(f"{'variant':26s} {'nfev fg':>7s} {'nfev sp':>7s} {'f fastgrad':>14s} "
          f"{'f scipy':>14s} status")
    for name, p, lb, ub, x0 in mgh_variants():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter or accuracy notes: the table says
            ours = fastgrad.minimize(p.f, x0, bounds=(lb, ub), max_iter=3000)
            theirs = scipy_minimize(p.f, x0, method="L-BFGS-B", bounds=list(zip(lb, ub)),
                                    options={"maxiter": 3000, "maxfun": 100_000})
        same = abs(ours.fun - theirs.fun) <= 1e-6 * max(1.0, abs(theirs.fun))
        verdict = "same" if same else ("lower" if ours.fun < theirs.fun else "higher")
        if same:
            ratios.append(ours.nfev / theirs.nfev)
        ours_total += ours.nfev
        theirs_total += theirs.nfev
        print(f"{name:26s} {ours.nfev:7d} {theirs.nfev:7d} {ours.fun:14.8g} "
              f"{theirs.fun:14.8g} {ours.status:2d} {verdict}")
    print(f"median nfev(fastgrad) / nfev(L-BFGS-B) over the {len(ratios)} variants with the "
          f"same f: {np.median(ratios):.3f}; nfev in all: fastgrad {ours_total}, "
          f"L-BFGS-B {theirs_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
