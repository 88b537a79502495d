"""``fastgrad.compile_minimizer``: ``minimize`` as a compiled ``solve(x0, *args)`` that Python
and the user's own ``@njit`` code (a ``prange`` included) call, with the results of
``minimize`` bit for bit (issue #16)."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad.optimize.result import SUCCESS


@numba.njit
def shifted(x, c):
    """A coupled bowl with its centre in the data: minimum near c."""
    return ((x - c) ** 2).sum() + 0.1 * (x[0] * x[1]) ** 2 + 0.05 * x[0] ** 4


@numba.njit
def shifted_grad(x, c):
    g = 2.0 * (x - c)
    g[0] += 0.2 * x[0] * x[1] ** 2 + 0.2 * x[0] ** 3
    g[1] += 0.2 * x[1] * x[0] ** 2
    return g


C = np.array([1.0, -2.0, 0.5])
X0 = np.array([3.0, 1.0, -1.0])


def same(sol, res):
    np.testing.assert_array_equal(sol.x, res.x)
    assert sol.fun == res.fun
    assert (sol.nit, sol.nfev, sol.status) == (res.nit, res.nfev, res.status)


@pytest.mark.parametrize("options", [
    {},
    {"method": "bfgs"},
    {"method": "lbfgs", "jac": "central", "memory": 3},
    {"method": "gd", "lr": 0.05, "max_iter": 300},
    {"method": "adam", "lr": 0.1, "beta1": 0.8, "max_iter": 200},
    {"method": "nesterov", "lr": 0.05, "jac": "central4", "max_iter": 100},
    {"method": "momentum", "lr": 0.05, "jac": "forward", "step": 1e-6},
    {"method": "lbfgs", "jac": "complex", "ftol": 1e-10},
    {"jac": shifted_grad, "xtol": 1e-12},
    {"max_iter": 3},
], ids=lambda o: ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in o.items()) or "defaults")
def test_solve_equals_minimize_bit_for_bit(options):
    solve = fastgrad.compile_minimizer(shifted, **options)
    sol = solve(X0, C)
    same(sol, fastgrad.minimize(shifted, X0, args=(C,), **options))
    assert isinstance(sol.x, np.ndarray) and sol.x.dtype == np.float64
    assert sol.x is not X0 and np.array_equal(X0, [3.0, 1.0, -1.0])  # x0 untouched


def test_solve_from_compiled_code_and_prange_equals_minimize():
    solve = fastgrad.compile_minimizer(shifted)

    @numba.njit(parallel=True)
    def fit_all(X0, C):
        out = np.empty_like(X0)
        status = np.empty(X0.shape[0], dtype=np.int64)
        for i in numba.prange(X0.shape[0]):
            x, fun, nit, nfev, st = solve(X0[i], C[i])
            out[i] = x
            status[i] = st
        return out, status

    rng = np.random.default_rng(0)
    starts, centres = rng.normal(size=(16, 3)), rng.normal(size=(16, 3))
    out, status = fit_all(starts, centres)
    for i in (0, 7, 15):
        res = fastgrad.minimize(shifted, starts[i], args=(centres[i],))
        np.testing.assert_array_equal(out[i], res.x)
        assert status[i] == res.status
    assert set(status.tolist()) <= set(SUCCESS)


def test_bound_args_come_first_and_named_fields():
    @numba.njit
    def scaled(x, a, c):
        return a * ((x - c) ** 2).sum()

    solve = fastgrad.compile_minimizer(scaled, args=(2.0,))
    sol = solve(X0, C)
    same(sol, fastgrad.minimize(scaled, X0, args=(2.0, C)))
    np.testing.assert_allclose(sol.x, C, atol=1e-6)  # ||g|| <= 1e-6 with curvature 4

    @numba.njit
    def reads_fields(x0, c):
        s = solve(x0, c)
        return s.fun, s.nit

    assert reads_fields(X0, C) == (sol.fun, sol.nit)


def test_max_time_stops_solve_with_status_5():
    @numba.njit
    def slow(x):
        s = 0.0
        for k in range(20000):
            s += np.sin(x[0] + k) * 1e-9
        return (x[0] - 1.0) ** 2 + s

    sol = fastgrad.compile_minimizer(slow, method="gd", lr=1e-6, max_iter=10**9, gtol=0.0,
                                     max_time=0.2)(np.array([5.0]))
    assert sol.status == 5 and 0 < sol.nit < 10**9


def test_a_plain_python_objective_is_compiled_and_reads_past_x_is_refused():
    def plain(x):
        return (x[0] - 2.0) ** 2 + (x[1] + 1.0) ** 2

    solve = fastgrad.compile_minimizer(plain)
    same(solve(np.zeros(2)), fastgrad.minimize(plain, np.zeros(2)))
    with pytest.raises(fastgrad.ObjectiveIndexError, match="reads x\\[1\\]"):
        solve(np.zeros(1))


def test_python_engine_fallback_warns_and_equals_minimize():
    def needs_python(x):
        return float(sum(v * v for v in {"a": x[0], "b": x[1] - 3.0}.values()))

    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):
        solve = fastgrad.compile_minimizer(needs_python)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastgrad.FastgradWarning)
        res = fastgrad.minimize(needs_python, np.ones(2))
    same(solve(np.ones(2)), res)
    with pytest.raises(TypeError, match="jit=True"):
        fastgrad.compile_minimizer(needs_python, jit=True)


@pytest.mark.parametrize("keyword, value, error, match", [
    ("history", True, TypeError, "does not take history="),
    ("callback", print, TypeError, "does not take callback="),
    ("workers", 2, TypeError, "does not take workers="),
    ("progress", True, TypeError, "does not take progress="),
    ("bounds", (1.0, 0.0), ValueError, "lower bound above upper bound"),
    ("bounds", ([np.nan, 0.0], [0.0, 1.0]), ValueError, "bounds"),
    ("method", "newton", ValueError, "method must be None or one of"),
    ("lr", -1.0, ValueError, "lr"),
    ("max_iter", 0, ValueError, "max_iter"),
    ("memory", 0, ValueError, "memory"),
    ("step", "big", TypeError, "step must be None"),
    ("mx_iter", 5, TypeError, "max_iter"),
])
def test_bad_options_are_refused_when_compiling(keyword, value, error, match):
    with pytest.raises(error, match=match):
        fastgrad.compile_minimizer(shifted, **{keyword: value})


@pytest.mark.parametrize("x0, error, match", [
    ([3.0, 1.0, -1.0], TypeError, "x0 must be a 1-D numpy array of floats"),
    (np.array([3, 1, -1]), TypeError, "dtype int64"),
    (np.ones((2, 3)), TypeError, "shape \\(2, 3\\)"),
    (np.array([np.nan, 1.0, 0.0]), ValueError, "x0 must be finite"),
])
def test_bad_starts_are_refused_from_python(x0, error, match):
    solve = fastgrad.compile_minimizer(shifted)
    with pytest.raises(error, match=match):
        solve(x0, C)
    same(solve(X0, C), fastgrad.minimize(shifted, X0, args=(C,)))
    with pytest.raises(error, match=match):  # after a good call: the cached check still
        solve(x0, C)  # refuses it


def test_every_call_from_python_is_checked_after_the_first():
    """The check of a call from Python caches what depends only on the length of x0 (its
    probe); the start itself, its type, finiteness and the per-start marker are checked at
    every call."""
    solve = fastgrad.compile_minimizer(shifted)
    solve(X0, C)
    for _ in range(2):
        for x0, error in [(np.array([1.0, np.inf, 0.0]), ValueError),
                          (np.array([1e308, 1e308, -np.nan]), ValueError),
                          (X0.astype(np.int64), TypeError), (list(X0), TypeError)]:
            with pytest.raises(error, match="x0 must"):
                solve(x0, C)
        with pytest.raises(ValueError, match="per_start"):
            solve(X0, fastgrad.per_start(np.tile(C, (2, 1))))
    same(solve(np.array([1e308, -1e308, 0.5]), C),
         fastgrad.minimize(shifted, np.array([1e308, -1e308, 0.5]), args=(C,)))


def test_step_per_coordinate_must_match_x0():
    solve = fastgrad.compile_minimizer(shifted, jac="forward", step=[1e-6, 1e-6, 1e-6])
    same(solve(X0, C), fastgrad.minimize(shifted, X0, args=(C,), jac="forward",
                                         step=[1e-6, 1e-6, 1e-6]))
    with pytest.raises(ValueError, match="step has one value per coordinate \\(3\\)"):
        solve(np.zeros(2), C[:2])


def test_float32_objective_gets_the_step_of_its_precision():
    @numba.njit
    def single_precision(x):
        return np.float32((x[0] - 0.5) ** 2 + 2.0 * (x[1] - 0.25) ** 2)

    solve = fastgrad.compile_minimizer(single_precision)
    sol = solve(np.zeros(2))
    same(sol, fastgrad.minimize(single_precision, np.zeros(2)))
    assert sol.status in SUCCESS
    np.testing.assert_allclose(sol.x, [0.5, 0.25], atol=1e-3)  # float32: |dx| ~ sqrt(eps32)


def test_per_start_data_is_passed_per_call_not_marked():
    with pytest.raises(ValueError, match="solve\\(x0, A\\[i\\]\\)"):
        fastgrad.compile_minimizer(shifted, args=(fastgrad.per_start(np.ones((2, 3))),))
    solve = fastgrad.compile_minimizer(shifted)
    with pytest.raises(ValueError, match="solve runs one start"):
        solve(X0, fastgrad.per_start(np.ones((2, 3))))


# ---------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------

BOX = (np.array([-0.5, -1.0, 0.75]), np.array([0.5, 2.0, 3.0]))
"""Every coordinate of shifted's minimizer near C = (1, -2, 0.5) lies outside: all three
bounds end active."""


@numba.njit
def guarded_shifted(x, c, lo, hi):
    """shifted, which raises if evaluated outside [lo, hi]."""
    for i in range(x.shape[0]):
        if x[i] < lo[i] or x[i] > hi[i]:
            raise ValueError("f was evaluated outside the box")
    return ((x - c) ** 2).sum() + 0.1 * (x[0] * x[1]) ** 2 + 0.05 * x[0] ** 4


@pytest.mark.parametrize("options", [
    {}, {"method": "bfgs"}, {"jac": "central4"}, {"method": "gd", "lr": 0.05},
    {"method": "adam", "lr": 0.1, "max_iter": 300}, {"jac": shifted_grad},
], ids=lambda o: ",".join(f"{k}={getattr(v, '__name__', v)}" for k, v in o.items()) or "defaults")
def test_bounded_solve_equals_minimize_bit_for_bit(options):
    solve = fastgrad.compile_minimizer(shifted, bounds=BOX, **options)
    for x0 in (X0, np.array([0.1, 0.2, 1.0])):  # X0 lies outside the box: projected
        sol = solve(x0, C)
        res = fastgrad.minimize(shifted, x0, args=(C,), bounds=BOX, **options)
        same(sol, res)
        assert np.all(sol.x >= BOX[0]) and np.all(sol.x <= BOX[1])
    if "method" not in options:  # the quasi-Newton methods end on the bounds' corner
        assert np.array_equal(sol.x, [0.5, -1.0, 0.75]) and sol.status in SUCCESS


def test_bounded_solve_in_prange_never_leaves_the_box():
    lo, hi = BOX
    solve = fastgrad.compile_minimizer(guarded_shifted, bounds=BOX, args=(C,))

    @numba.njit(parallel=True)
    def fit_all(X):
        out = np.empty_like(X)
        for i in numba.prange(X.shape[0]):
            out[i] = solve(X[i], lo, hi).x
        return out

    X = np.array([X0, [0.5, 2.0, 3.0], [-0.5, -1.0, 0.75], [0.0, 0.0, 1.0]])
    got = fit_all(X)
    for i in range(X.shape[0]):  # the start on the bounds, those outside, inside
        res = fastgrad.minimize(guarded_shifted, X[i], args=(C, lo, hi), bounds=BOX)
        np.testing.assert_array_equal(got[i], res.x)


def test_bounded_solve_shared_scalar_bounds_and_length_checks():
    solve = fastgrad.compile_minimizer(shifted, bounds=(-1.0, 1.0))
    same(solve(X0, C), fastgrad.minimize(shifted, X0, args=(C,), bounds=(-1.0, 1.0)))
    same(solve(X0[:2], C[:2]), fastgrad.minimize(shifted, X0[:2], args=(C[:2],),
                                                 bounds=(-1.0, 1.0)))
    per_coordinate = fastgrad.compile_minimizer(shifted, bounds=BOX)
    with pytest.raises(ValueError, match=r"bounds have one value per coordinate \(3\), but x0 "
                                         r"has shape \(2,\)"):
        per_coordinate(X0[:2], C[:2])

    @numba.njit
    def from_compiled_code(x0, c):
        return per_coordinate(x0, c).fun

    with pytest.raises(ValueError, match="bounds have one value per coordinate"):
        from_compiled_code(X0[:2], C[:2])


def test_bounded_solve_refuses_the_complex_step():
    with pytest.raises(ValueError, match="jac='complex'"):
        fastgrad.compile_minimizer(shifted, bounds=BOX, jac="complex")
