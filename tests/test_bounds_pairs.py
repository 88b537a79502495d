"""Two ``(lo, hi)`` pairs for two coordinates in every minimizer that takes a sequence of
pairs (minimize, multistart, compile_minimizer): read as SciPy's ``minimize`` reads them where
only that reading is a box, refused where both readings are boxes and differ. A pair with
``lo == hi`` made the pairs reading lose to ``(lb, ub)`` when the latter had every lower bound
below its upper bound: fastgrad optimized over another box than SciPy's, silently."""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad


def bowl(x):
    return (x[0] - 1.0) ** 2 + (x[1] - 1.0) ** 2


def _minimize(bounds):
    return fastgrad.minimize(bowl, np.array([0.0, 3.0]), bounds=bounds).x


def _multistart(bounds):
    return fastgrad.multistart(bowl, bounds, n_starts=4, seed=1).x


def _solve(bounds):
    return fastgrad.compile_minimizer(bowl, bounds=bounds)(np.array([0.0, 3.0])).x


SOLVERS = [_minimize, _multistart, _solve]

# pairs that only SciPy minimize's reading makes a box, and the minimizer over it
CASES = [
    ([(0.0, 5.0), (2.0, 3.0)], [1.0, 2.0]),  # as (lb, ub): 5 > 3
    (np.array([[0.0, 5.0], [2.0, 3.0]]), [1.0, 2.0]),  # SciPy reads an (n, 2) array so
    ([(5.0, 6.0), (0.0, 1.0)], [5.0, 1.0]),  # as (lb, ub): 6 > 1
    ([(0.0, 1.0), (-1.0, 2.0)], [1.0, 1.0]),  # as (lb, ub): 0 > -1
]

# both readings are boxes and differ: refused. The first two were read as (lb, ub), as
# every lower bound lies below its upper bound that way, where SciPy's minimize fixes x[0]
# (an (n, 2) array was always read as (lb, ub)); the last as pairs
AMBIGUOUS = [
    [(0.0, 0.0), (2.0, 5.0)],
    np.array([[0.0, 0.0], [2.0, 5.0]]),
    np.array([[0.0, 2.0], [1.0, 3.0]]),
    [(0.0, 2.0), (1.0, 3.0)],
    [(0.0, 1.0), (0.0, 2.0)],
]


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("bounds, expected", CASES)
def test_pairs_are_read_as_scipy_minimize_reads_them(solver, bounds, expected):
    # lbfgs within the box: the minimizer of a bowl to ~1e-8 (gtol 1e-6, Hessian 2 I)
    np.testing.assert_allclose(solver(bounds), expected, atol=1e-6)


def test_the_same_as_scipy_minimize():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    for bounds, _ in CASES:
        ref = scipy_optimize.minimize(bowl, [0.0, 3.0], method="L-BFGS-B", bounds=bounds)
        np.testing.assert_allclose(_minimize(bounds), ref.x, atol=1e-5)  # SciPy's gtol 1e-5


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("bounds", AMBIGUOUS)
def test_two_boxes_that_differ_are_refused(solver, bounds):
    with pytest.raises(ValueError, match=r"ambiguous for two coordinates.*pass \(lb, ub\) as "
                                         r"two numpy arrays, or scipy.optimize.Bounds"):
        solver(bounds)


@pytest.mark.parametrize("bounds", [([-1.0, -1.0], [1.0, 1.0]), [(1.0, 1.0), (2.0, 2.0)]])
def test_pairs_that_fix_every_coordinate_are_no_box(bounds):
    # (lb, ub) is meant: read as pairs, nothing would be left to minimize
    lb, ub = (np.array(side) for side in bounds)
    np.testing.assert_allclose(_minimize(bounds), np.clip([1.0, 1.0], lb, ub), atol=1e-6)


def test_a_fixed_coordinate_at_infinity_is_no_box():
    # ((-inf, -1.5), (inf, inf)) as pairs would fix x[1] at +inf: (lb, ub) is meant
    x = _minimize(((-np.inf, -1.5), (np.inf, np.inf)))
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-6)


def test_two_arrays_say_lb_and_ub():
    x = _minimize((np.array([0.0, 0.0]), np.array([2.0, 5.0])))
    np.testing.assert_allclose(x, [1.0, 1.0], atol=1e-6)
