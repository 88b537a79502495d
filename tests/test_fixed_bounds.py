"""minimize(bounds=) with lb == ub: a fixed coordinate, as SciPy's minimize takes it. The run
is that of the problem without the coordinate (f is never differentiated along it, never
evaluated off it), and the result reports ``jac`` NaN there with finite differences."""

import numba
import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize

import fastgrad

FIXED_AT = 0.5


@numba.njit
def rosen3(x):
    return (1.0 - x[0]) ** 2 + 10.0 * (x[1] - x[0] ** 2) ** 2 + (x[2] - 3.0) ** 2 + x[1] * x[2]


@numba.njit
def rosen3_fixed(x):  # rosen3 with x[1] = FIXED_AT, of the two free coordinates
    return rosen3(np.array([x[0], FIXED_AT, x[1]]))


@numba.njit
def guarded(x):  # raises if evaluated off the fixed coordinate
    if x[1] != FIXED_AT:
        raise ValueError("f evaluated off the fixed coordinate")
    return rosen3(x)


@numba.njit
def rosen3_grad(x):
    g = np.empty(3)
    g[0] = -2.0 * (1.0 - x[0]) - 40.0 * x[0] * (x[1] - x[0] ** 2)
    g[1] = 20.0 * (x[1] - x[0] ** 2) + x[2]
    g[2] = 2.0 * (x[2] - 3.0) + x[1]
    return g


LB3 = np.array([-2.0, FIXED_AT, -5.0])
UB3 = np.array([2.0, FIXED_AT, 2.5])


@pytest.mark.parametrize("method", ["lbfgs", "bfgs", "gd", "adam"])
@pytest.mark.parametrize("jac", [None, "forward", "central"])
def test_a_fixed_coordinate_runs_as_the_problem_without_it(method, jac):
    """The zero component of the fixed coordinate adds exact zeros to every sum of the
    method, so the free coordinates follow the reduced problem's run step for step."""
    options = dict(method=method, jac=jac, max_iter=300)
    if method in ("gd", "adam"):
        options["lr"] = 0.01
    full = fastgrad.minimize(guarded, np.array([0.0, FIXED_AT, 0.0]), bounds=(LB3, UB3),
                             **options)
    reduced = fastgrad.minimize(rosen3_fixed, np.array([0.0, 0.0]),
                                bounds=(LB3[[0, 2]], UB3[[0, 2]]), **options)
    np.testing.assert_array_equal(full.x[[0, 2]], reduced.x)
    assert full.x[1] == FIXED_AT
    assert (full.fun, full.nit, full.nfev, full.status) == (
        reduced.fun, reduced.nit, reduced.nfev, reduced.status)
    assert np.isnan(full.jac[1]) and np.array_equal(full.jac[[0, 2]], reduced.jac)
    assert full.active_mask[1] == -1


def test_agrees_with_scipy_lbfgsb_and_with_an_analytic_jac():
    x0 = np.array([0.0, FIXED_AT, 0.0])
    ours = fastgrad.minimize(guarded, x0, bounds=(LB3, UB3), gtol=1e-8)
    scipy = scipy_minimize(rosen3, x0, method="L-BFGS-B", bounds=list(zip(LB3, UB3)),
                           options={"ftol": 1e-15, "gtol": 1e-10})
    assert ours.success and scipy.success
    np.testing.assert_allclose(ours.x, scipy.x, atol=1e-6)
    exact = fastgrad.minimize(rosen3, x0, jac=rosen3_grad, bounds=(LB3, UB3), gtol=1e-8)
    np.testing.assert_allclose(exact.x, ours.x, atol=1e-6)
    np.testing.assert_array_equal(exact.jac, rosen3_grad(exact.x))  # analytic: not NaN
    assert exact.x[1] == FIXED_AT


def test_every_coordinate_fixed():
    lb = np.array([0.25, FIXED_AT, -1.0])
    res = fastgrad.minimize(guarded, np.zeros(3), bounds=(lb, lb))
    assert res.success and res.nit == 0 and res.nfev == 1
    np.testing.assert_array_equal(res.x, lb)
    assert res.fun == rosen3(lb) and np.isnan(res.jac).all()
    assert "projected into them" in res.message  # x0 was outside the (point) box


def test_batch_with_a_fixed_coordinate_in_some_starts():
    X0 = np.array([[0.0, FIXED_AT, 0.0], [1.0, 0.2, 1.0], [-1.0, FIXED_AT, 2.0]])
    LB = np.array([LB3, [-2.0, -2.0, -5.0], LB3])
    UB = np.array([UB3, [2.0, 2.0, 2.5], UB3])
    batch = fastgrad.minimize(rosen3, X0, bounds=(LB, UB))
    for r in range(3):
        one = fastgrad.minimize(rosen3, X0[r], bounds=(LB[r], UB[r]))
        np.testing.assert_array_equal(batch.x[r], one.x)
        np.testing.assert_array_equal(batch.jac[r], one.jac)
        assert batch.nfev[r] == one.nfev
    assert np.isnan(batch.jac[[0, 2], 1]).all() and np.isfinite(batch.jac[1]).all()


def test_compile_minimizer_and_the_python_engine_with_a_fixed_coordinate():
    x0 = np.array([0.0, FIXED_AT, 0.0])
    res = fastgrad.minimize(guarded, x0, bounds=(LB3, UB3))
    solve = fastgrad.compile_minimizer(guarded, bounds=(LB3, UB3))
    s = solve(x0)
    np.testing.assert_array_equal(s.x, res.x)
    assert (s.fun, s.nit, s.nfev, s.status) == (res.fun, res.nit, res.nfev, res.status)
    python = fastgrad.minimize(guarded.py_func, x0, bounds=(LB3, UB3), jit=False)
    np.testing.assert_array_equal(python.x, res.x)
    assert python.nfev == res.nfev and np.isnan(python.jac[1])


def test_the_gradient_itself_still_refuses_a_fixed_coordinate():
    """fastgrad.gradient has no run to hold a coordinate still: lb == ub has no derivative
    to take, and says so (SciPy's approx_derivative returns NaN there)."""
    with pytest.raises(ValueError, match="no room for a finite-difference step"):
        fastgrad.gradient(rosen3, np.array([0.0, FIXED_AT, 0.0]), bounds=(LB3, UB3))


@numba.njit(fastmath=True, boundscheck=True, error_model="python")
def rosen3_options(x):  # unusual njit options, still read within x
    return rosen3(x)


@numba.njit
def rosen3_float32(x):  # float32 values: the steps follow float32's rounding
    return np.float32(rosen3(x))


@numba.njit
def rosen3_float32_fixed(x):
    return np.float32(rosen3(np.array([x[0], FIXED_AT, x[1]])))


@numba.njit
def reads_past_x(x):
    return rosen3(x) + x[3]


def test_hostile_objectives_with_a_fixed_coordinate():
    x0 = np.array([0.0, FIXED_AT, 0.0])
    plain = fastgrad.minimize(rosen3, x0, bounds=(LB3, UB3))
    odd = fastgrad.minimize(rosen3_options, x0, bounds=(LB3, UB3))
    np.testing.assert_allclose(odd.x, plain.x, atol=1e-6)
    assert odd.success and odd.x[1] == FIXED_AT and np.isnan(odd.jac[1])
    low = fastgrad.minimize(rosen3_float32, x0, bounds=(LB3, UB3))
    reduced = fastgrad.minimize(rosen3_float32_fixed, np.array([0.0, 0.0]),
                                bounds=(LB3[[0, 2]], UB3[[0, 2]]))
    np.testing.assert_array_equal(low.x[[0, 2]], reduced.x)
    assert low.x[1] == FIXED_AT and low.nfev == reduced.nfev and low.status == reduced.status
    np.testing.assert_allclose(low.x, plain.x, atol=1e-2)  # float32's accuracy of x*
    with pytest.raises(fastgrad.ObjectiveIndexError):
        fastgrad.minimize(reads_past_x, x0, bounds=(LB3, UB3))
