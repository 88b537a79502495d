"""``fastgrad.compile_least_squares``: ``least_squares`` as a compiled ``solve(x0, *args)``
that Python and the user's own ``@njit`` code (a ``prange`` included) call, with the results of
``least_squares`` bit for bit (issue #16), and the evaluations of ``fun`` it makes."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pytest

import fastgrad

T = np.linspace(0.0, 4.0, 50)
Y = 2.5 * np.exp(-1.3 * T) + 0.5 + 0.01 * np.sin(7.0 * T)
P0 = np.array([1.0, 1.0, 0.0])


@numba.njit
def decay(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


@numba.njit
def decay_jac(p, t, y):
    out = np.empty((t.shape[0], 3))
    e = np.exp(-p[1] * t)
    out[:, 0] = e
    out[:, 1] = -p[0] * t * e
    out[:, 2] = 1.0
    return out


@numba.njit
def counted(p, t, y, calls):
    """decay, counting its evaluations in ``calls[0]``."""
    calls[0] += 1
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def same(sol, res):
    """Every field of ``solve`` equal, bit for bit, to ``least_squares``'."""
    for name in ("x", "fun", "jac"):
        np.testing.assert_array_equal(getattr(sol, name), res[name], err_msg=name)
    np.testing.assert_array_equal(sol.cost, res.cost)  # NaN == NaN here
    assert (sol.nit, sol.nfev, sol.njev, sol.status) == (res.nit, res.nfev, res.njev,
                                                         res.status)


OPTIONS = [
    {},
    {"jac": "forward"},
    {"jac": "backward"},
    {"jac": "central"},
    {"jac": "central4"},
    {"jac": decay_jac},
    {"x_scale": 2.0},
    {"x_scale": np.array([1.0, 0.5, 0.1])},
    {"jac": "central", "x_scale": 0.3, "step": 1e-5},
    {"jac": "forward", "step": [1e-6, 1e-7, 1e-6]},
    {"max_nfev": 7},
    {"jac": decay_jac, "max_nfev": 3},
    {"ftol": 1e-12, "xtol": 1e-14, "gtol": 0.0},
    {"max_time": 100.0},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(
    f"{k}={getattr(v, '__name__', v)}" for k, v in o.items()) or "defaults")
def test_solve_equals_least_squares_bit_for_bit(options):
    solve = fastgrad.compile_least_squares(decay, **options)
    x0 = P0.copy()
    sol = solve(x0, T, Y)
    same(sol, fastgrad.least_squares(decay, P0, args=(T, Y), **options))
    assert isinstance(sol.x, np.ndarray) and sol.x.dtype == np.float64
    assert np.array_equal(x0, P0)  # x0 untouched
    if "max_nfev" in options:
        assert sol.status == 0
    else:
        assert 1 <= sol.status <= 5


def test_prange_equals_serial_loop_and_least_squares():
    solve = fastgrad.compile_least_squares(decay, args=(T,))

    @numba.njit(parallel=True)
    def fit_parallel(P0, Ys):
        X = np.empty_like(P0)
        nfev = np.empty(P0.shape[0], dtype=np.int64)
        for i in numba.prange(P0.shape[0]):
            sol = solve(P0[i], Ys[i])
            X[i] = sol.x
            nfev[i] = sol.nfev
        return X, nfev

    @numba.njit
    def fit_serial(P0, Ys):
        X = np.empty_like(P0)
        nfev = np.empty(P0.shape[0], dtype=np.int64)
        for i in range(P0.shape[0]):
            x, cost, fun, jac, nit, n_f, n_j, status = solve(P0[i], Ys[i])
            X[i] = x
            nfev[i] = n_f
        return X, nfev

    rng = np.random.default_rng(1)
    m = 40
    P = np.column_stack([rng.uniform(1, 3, m), rng.uniform(0.5, 2, m), rng.uniform(-.5, .5, m)])
    Ys = P[:, :1] * np.exp(-P[:, 1:2] * T) + P[:, 2:] + 0.01 * rng.standard_normal((m, T.size))
    starts = np.tile(P0, (m, 1))
    X, nfev = fit_parallel(starts, Ys)
    X_serial, nfev_serial = fit_serial(starts, Ys)
    np.testing.assert_array_equal(X, X_serial)
    np.testing.assert_array_equal(nfev, nfev_serial)
    batch = fastgrad.least_squares(decay, starts, args=(T, fastgrad.per_start(Ys)))
    np.testing.assert_array_equal(X, batch.x)
    np.testing.assert_array_equal(nfev, batch.nfev)
    assert batch.success.all()
    for i in (0, 17, 39):
        same(solve(starts[i], Ys[i]), fastgrad.least_squares(decay, starts[i], args=(T, Ys[i])))


def test_fun_is_evaluated_exactly_nfev_times():
    """solve's first evaluation (which learns k) is its counted first one; the first call
    from Python for a length of x0 checks fun twice more (its values, and that it reads no x
    past its end: x within padding of two kinds), least_squares every call once (twice the
    first time fun meets that length)."""
    solve = fastgrad.compile_least_squares(counted, args=(T, Y))

    @numba.njit
    def from_compiled(x0, calls):
        return solve(x0, calls).nfev

    calls = np.zeros(1, dtype=np.int64)
    nfev = from_compiled(P0, calls)
    assert calls[0] == nfev > 10
    calls[0] = 0
    assert solve(P0, calls).nfev == nfev and calls[0] == nfev + 2  # the check, first call
    calls[0] = 0
    assert solve(P0, calls).nfev == nfev and calls[0] == nfev  # checked already
    calls[0] = 0
    assert fastgrad.least_squares(counted, P0, args=(T, Y, calls)).nfev == nfev
    assert calls[0] == nfev + 1


def test_bound_args_come_first_and_fields_by_name_in_compiled_code():
    solve = fastgrad.compile_least_squares(decay, args=(T,), jac=decay_jac)

    @numba.njit
    def read(x0, y):
        s = solve(x0, y)
        return s.cost, s.nit, s.jac.shape[0], s.fun.shape[0]

    sol = solve(P0, Y)
    same(sol, fastgrad.least_squares(decay, P0, args=(T, Y), jac=decay_jac))
    assert read(P0, Y) == (sol.cost, sol.nit, 50, 50)
    assert sol.cost == pytest.approx(0.5 * np.sum(decay(sol.x, T, Y) ** 2), rel=1e-14)


def test_nonfinite_residuals_at_x0_stop_after_one_evaluation():
    solve = fastgrad.compile_least_squares(decay, args=(T,))
    y = Y.copy()
    y[3] = np.nan
    sol = solve(P0, y)
    assert (sol.status, sol.nfev, sol.nit) == (6, 1, 0)
    same(sol, fastgrad.least_squares(decay, P0, args=(T, y)))


def test_max_time_stops_solve_with_status_8():
    @numba.njit
    def slow(p):  # exp(p) -> 0 as p -> -inf: a step of -1 per iteration, for 700 of them
        s = 0.0
        for k in range(50000):
            s += np.sin(p[0] + k)
        return np.array([np.exp(p[0]) + 1e-300 * s])

    sol = fastgrad.compile_least_squares(slow, max_time=0.05)(np.array([1.0]))
    assert sol.status == 8 and 1 < sol.nfev < 1400


def test_fewer_residuals_than_parameters():
    solve = fastgrad.compile_least_squares(decay)
    with pytest.raises(ValueError, match="k >= n is required"):
        solve(P0, T[:2], Y[:2])

    @numba.njit
    def from_compiled(x0, t, y):
        return solve(x0, t, y).status

    with pytest.raises(ValueError, match="at least as many residuals as parameters"):
        from_compiled(P0, T[:2], Y[:2])


def test_python_engine_fallback_warns_and_equals_least_squares():
    def needs_python(p):
        d = {"a": p[0] - 1.0, "b": p[1] + 2.0, "c": p[0] * p[1]}
        return np.fromiter((v for v in d.values()), dtype=float)  # Numba cannot

    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):
        solve = fastgrad.compile_least_squares(needs_python)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastgrad.FastgradWarning)
        res = fastgrad.least_squares(needs_python, np.ones(2))
        sol = solve(np.ones(2))
    same(sol, res)
    with pytest.raises(TypeError, match="jit=True"):
        fastgrad.compile_least_squares(needs_python, jit=True)


@pytest.mark.parametrize("keyword, value, error, match", [
    ("callback", print, TypeError, "does not take callback="),
    ("callback_every", 2, TypeError, "does not take callback_every="),
    ("bounds", (0.0, 1.0), TypeError, "does not take bounds="),
    ("method", "trf", ValueError, "method must be one of 'lm'"),
    ("ftol", -1.0, ValueError, "ftol"),
    ("max_nfev", 0, ValueError, "max_nfev"),
    ("x_scale", "big", ValueError, "x_scale must be 'jac'"),
    ("x_scale", -1.0, ValueError, "positive finite"),
    ("step", "big", TypeError, "step must be None"),
    ("jac", "five-point", ValueError, "jac"),
    ("ftoll", 1e-3, TypeError, "ftol"),
])
def test_bad_options_are_refused_when_compiling(keyword, value, error, match):
    with pytest.raises(error, match=match):
        fastgrad.compile_least_squares(decay, **{keyword: value})


@pytest.mark.parametrize("x0, error, match", [
    ([1.0, 1.0, 0.0], TypeError, "x0 must be a 1-D numpy array of floats"),
    (np.array([1, 1, 0]), TypeError, "dtype int64"),
    (np.ones((2, 3)), TypeError, "shape \\(2, 3\\)"),
    (np.array([np.nan, 1.0, 0.0]), ValueError, "x0 must be finite"),
    (np.empty(0), ValueError, "x0 must not be empty"),
])
def test_bad_starts_are_refused_from_python(x0, error, match):
    solve = fastgrad.compile_least_squares(decay, args=(T,))
    with pytest.raises(error, match=match):
        solve(x0, Y)


def test_per_parameter_step_and_scale_must_match_x0():
    solve = fastgrad.compile_least_squares(decay, step=[1e-6] * 3, jac="forward")
    with pytest.raises(ValueError, match="step has one value per coordinate \\(3\\)"):
        solve(P0[:2], T, Y)
    solve = fastgrad.compile_least_squares(decay, x_scale=[1.0, 2.0])
    with pytest.raises(ValueError, match="x_scale has one value per parameter \\(2\\)"):
        solve(P0, T, Y)


def test_per_start_data_is_passed_per_call_not_marked():
    with pytest.raises(ValueError, match="solve\\(x0, A\\[i\\]\\)"):
        fastgrad.compile_least_squares(decay, args=(fastgrad.per_start(np.ones((2, 3))),))
    solve = fastgrad.compile_least_squares(decay, args=(T,))
    with pytest.raises(ValueError, match="solve runs one start"):
        solve(P0, fastgrad.per_start(np.tile(Y, (2, 1))))


def test_a_float32_start_is_used_as_float64_as_least_squares_does():
    solve = fastgrad.compile_least_squares(decay, args=(T,))
    x0 = np.array([1.1, 0.9, 0.1], dtype=np.float32)
    sol = solve(x0, Y)
    assert sol.x.dtype == np.float64
    same(sol, fastgrad.least_squares(decay, x0, args=(T, Y)))
