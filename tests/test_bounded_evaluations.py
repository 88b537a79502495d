"""Evaluations of f within bounds against SciPy's L-BFGS-B, both with finite differences and
their defaults, on the bound-constrained test problems: the box-constrained MGH variants of
:func:`fastgrad.problems.boxed.mgh_variants` (as in the L-BFGS-B papers) and the
Hock-Schittkowski and other problems of :data:`fastgrad.problems.boxed.BOXED`. Counts of
evaluations are deterministic (no timing): ``python bench/bench_bounded_mgh.py`` and
``python bench/bench_bounded.py`` print the tables."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad.problems.boxed import BOXED, mgh_variants

scipy_optimize = pytest.importorskip("scipy.optimize")


def _both(f, x0, lb, ub, **ours):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow in SciPy's differences, max_iter notes
        mine = fastgrad.minimize(f, x0, bounds=(lb, ub), **ours)
        theirs = scipy_optimize.minimize(f, x0, method="L-BFGS-B", bounds=list(zip(lb, ub)),
                                         options={"maxiter": 3000, "maxfun": 100_000})
    return mine, theirs


def test_fewer_evaluations_than_lbfgsb_by_median_on_the_mgh_variants():
    ratios, higher = [], []
    for name, p, lb, ub, x0 in mgh_variants():
        mine, theirs = _both(p.f, x0, lb, ub, max_iter=3000)
        assert np.all(mine.x >= lb) and np.all(mine.x <= ub), name
        if abs(mine.fun - theirs.fun) <= 1e-6 * max(1.0, abs(theirs.fun)):
            ratios.append(mine.nfev / theirs.nfev)  # the same minimum: compare the cost
        elif mine.fun > theirs.fun:
            higher.append(name)
    # 40 variants; both reach the same f on 30 (fastgrad lower on 7 of the others, higher
    # on 3: local minima of nonconvex problems, wood-A, kowalik_osborne-A, osborne1-B)
    assert len(ratios) >= 25, ratios
    assert len(higher) <= 4, higher
    assert np.median(ratios) < 0.95, sorted(ratios)  # 0.886 (SciPy 1.17)


def test_no_more_evaluations_than_lbfgsb_by_median_on_the_box_problems():
    ratios = []
    for name, p in BOXED.items():
        lb, ub = np.array(p.lb), np.array(p.ub)
        mine, theirs = _both(p.f, np.array(p.x0, dtype=float), lb, ub)
        assert mine.success, (name, mine.message)
        ratios.append(mine.nfev / theirs.nfev)
    # 5 of 11 fewer, 2 as many (HS 3 and HS 4: their least possible count), 4 more
    assert np.median(ratios) <= 1.0, sorted(ratios)
