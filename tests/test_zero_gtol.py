"""``gtol=0``: the run stops only at an exactly zero gradient (every component +0.0 or -0.0),
never at a small one, whatever component is the nonzero one. The driver's loop tests this
case apart (the first nonzero component decides: no max to take at every step), so it is
tested from the user's side: every method, both engines, compile_minimizer and a batch.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad._core.scalar import ObjectiveReturnError
from fastgrad.result import CONVERGED, MAX_ITER, NOISE

METHODS = ["gd", "momentum", "nesterov", "adam", "lbfgs", "bfgs"]


@numba.njit
def last_only(x):
    """Its central-difference gradient at x[0] = 0 is exactly 0 in every component but the
    last: a test that stopped at the first zero component would stop here."""
    return 0.0 * x[0] + np.cosh(x[-1] - 3.0)


@numba.njit
def flat(x):
    return 1.5 + 0.0 * x[0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("jit", [None, False], ids=["jit", "python"])
def test_a_gradient_zero_but_in_one_component_runs_on(method, jit):
    x0 = np.array([0.0, 0.0, 1.0])
    res = fastgrad.minimize(last_only, x0, method=method, lr=0.01, max_iter=3, gtol=0.0,
                            jit=jit)
    assert res.status == MAX_ITER and res.nit == 3
    assert res.jac[0] == 0.0 and res.jac[1] == 0.0 and res.jac[2] != 0.0
    small = fastgrad.minimize(last_only, x0, method=method, lr=0.01, max_iter=3, gtol=5e-324,
                              jit=jit)  # the smallest positive gtol: the same run
    np.testing.assert_array_equal(res.x, small.x)
    assert res.nfev == small.nfev


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("jit", [None, False], ids=["jit", "python"])
def test_an_exactly_zero_gradient_converges_at_once(method, jit):
    res = fastgrad.minimize(flat, [2.0, -1.0], method=method, max_iter=50, gtol=0.0, jit=jit)
    assert res.status == CONVERGED and res.success and res.nit == 0
    np.testing.assert_array_equal(res.jac, [0.0, 0.0])


@pytest.mark.parametrize("component", [0, 1])
def test_signed_and_subnormal_components_of_an_analytic_jac(component):
    def make(value):
        @numba.njit
        def jac(x):
            g = np.array([-0.0, -0.0])
            g[component] = value
            return g
        return jac

    f = numba.njit(lambda x: x[0] + x[1])
    zero = fastgrad.minimize(f, [1.0, 2.0], method="gd", jac=make(-0.0), max_iter=5, gtol=0)
    assert zero.status == CONVERGED and zero.nit == 0  # -0.0 is zero
    tiny = fastgrad.minimize(f, [1.0, 2.0], method="gd", jac=make(5e-324), max_iter=5, gtol=0)
    assert tiny.status == MAX_ITER and tiny.nit == 5  # the smallest subnormal is not


def test_compile_minimizer_and_a_batch_agree_with_single_runs():
    solve = fastgrad.compile_minimizer(last_only, method="gd", lr=0.1, max_iter=9, gtol=0.0)
    X0 = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 3.0], [4.0, 0.0, 3.0]])
    batch = fastgrad.minimize(last_only, X0, method="gd", lr=0.1, max_iter=9, gtol=0.0)
    for r, x0 in enumerate(X0):
        one = fastgrad.minimize(last_only, x0, method="gd", lr=0.1, max_iter=9, gtol=0.0)
        sol = solve(x0)
        np.testing.assert_array_equal(batch.x[r], one.x)
        np.testing.assert_array_equal(sol.x, one.x)
        assert (batch.status[r], sol.status, sol.nit) == (one.status, one.status, one.nit)
    # x[-1] = 3 is the minimum: its central difference is exactly zero there, a claim of
    # ||g|| <= 0 that the scheme (chosen by gd, not jac="auto") checks against its own
    # error estimate, above 0: a success at the gradient's accuracy (status 11)
    np.testing.assert_array_equal(batch.status, [MAX_ITER, NOISE, NOISE])
    np.testing.assert_array_equal(batch.nit, [9, 0, 0])


@numba.njit
def as_float32(x):
    return np.float32(0.0 * x[0] + np.cosh(x[-1] - 3.0))


@numba.njit(fastmath=True)
def fast(x):
    return 0.0 * x[0] + np.cosh(x[-1] - 3.0)


@numba.njit(error_model="numpy")
def numpy_errors(x):
    return 0.0 * x[0] + np.cosh(x[-1] - 3.0) + 1.0 / (x[0] - 7.0)


@numba.njit
def complex_valued(x):
    return 1j * x[0] + x[-1] ** 2


@numba.njit
def past_x(x):
    return x[0] ** 2 + x[x.shape[0]]


def raising(x):
    if x[-1] > 1.05:  # gd moves x[-1] from 1 towards 3
        raise RuntimeError("left the domain")
    return float(np.cosh(x[-1] - 3.0))


@pytest.mark.parametrize("f", [as_float32, fast, numpy_errors], ids=lambda f: f.__name__)
@pytest.mark.parametrize("method", ["gd", "lbfgs"])
def test_legal_but_unusual_objectives_run_as_with_the_smallest_gtol(f, method):
    x0 = np.array([0.0, 0.0, 1.0])
    res = fastgrad.minimize(f, x0, method=method, lr=0.01, max_iter=3, gtol=0.0)
    small = fastgrad.minimize(f, x0, method=method, lr=0.01, max_iter=3, gtol=5e-324)
    assert res.status == MAX_ITER and res.nit == 3 and np.all(np.isfinite(res.x))
    np.testing.assert_array_equal(res.x, small.x)
    assert (res.nfev, res.fun) == (small.nfev, small.fun)


@pytest.mark.parametrize("f, error, match", [
    (complex_valued, ObjectiveReturnError, "must return a real scalar"),
    (past_x, IndexError, r"reads x\[3\] but x has only 3"),
    (raising, RuntimeError, "left the domain"),
])
def test_hostile_objectives_get_a_clear_error_with_gtol_zero(f, error, match):
    with pytest.raises(error, match=match):
        fastgrad.minimize(f, [0.0, 0.0, 1.0], method="gd", lr=0.1, max_iter=5, gtol=0.0)
