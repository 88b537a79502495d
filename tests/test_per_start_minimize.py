"""``minimize`` with per-start data: ``args=(fastgrad.per_start(A), ...)`` and x0 of shape
(m, n) give start i its own ``A[i]``; row i equals the single run from ``x0[i]`` with
``A[i]``, one start after another and over threads (issues #15, #16)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad


@numba.njit
def decay_sse(p, t, y):
    r = p[0] * np.exp(-p[1] * t) + p[2] - y
    return (r * r).sum()


T = np.linspace(0.0, 4.0, 25)


def data(m, seed=3):
    rng = np.random.default_rng(seed)
    truth = np.column_stack([rng.uniform(0.5, 2.0, m), rng.uniform(0.3, 2.0, m),
                             rng.uniform(-0.1, 0.1, m)])
    Y = truth[:, :1] * np.exp(-truth[:, 1:2] * T) + truth[:, 2:]
    return Y + 0.01 * rng.standard_normal(Y.shape)


def same_rows(batch, rows, singles):
    for i, res in zip(rows, singles):
        np.testing.assert_array_equal(batch.x[i], res.x)
        assert (batch.fun[i], batch.nit[i], batch.nfev[i], batch.status[i]) == (
            res.fun, res.nit, res.nfev, res.status)


@pytest.mark.parametrize("m", [5, 70])  # one start after another; over threads (>= 64)
def test_row_i_is_the_single_run_with_its_own_data(m):
    Y = data(m)
    P0 = np.tile([1.0, 1.0, 0.0], (m, 1))
    batch = fastgrad.minimize(decay_sse, P0, args=(T, fastgrad.per_start(Y)))
    rows = range(m) if m < 10 else (0, 31, 69)
    singles = [fastgrad.minimize(decay_sse, P0[i], args=(T, Y[i])) for i in rows]
    same_rows(batch, rows, singles)
    assert np.all(batch.success)


def sse_in_data_precision(p, t, y):
    r = np.empty_like(y)  # float32 data: f computes in float32
    for i in range(y.shape[0]):
        r[i] = p[0] * np.exp(-p[1] * t[i]) - y[i]
    return (r * r).sum()


def residuals_in_data_precision(p, t, y):
    r = np.empty_like(y)
    for i in range(y.shape[0]):
        r[i] = p[0] * np.exp(-p[1] * t[i]) - y[i]
    return r


def test_float32_per_start_data_stay_float32():
    """per_start converted float32 data to float64, so a batch row ran a float64 f while
    the single run with Y[i] ran a float32 one (other steps, another result: x differed
    by 6e-7, status 0 against 11)."""
    t = np.linspace(0.0, 2.0, 20)
    Y = np.array([2.0 * np.exp(-t), 3.0 * np.exp(-0.5 * t)]).astype(np.float32)
    assert fastgrad.per_start(Y).array.dtype == np.float32
    P0 = np.ones((2, 2))
    batch = fastgrad.minimize(sse_in_data_precision, P0, args=(t, fastgrad.per_start(Y)))
    singles = [fastgrad.minimize(sse_in_data_precision, P0[i], args=(t, Y[i]))
               for i in range(2)]
    same_rows(batch, range(2), singles)
    fits = fastgrad.least_squares(residuals_in_data_precision, P0,
                                  args=(t, fastgrad.per_start(Y)))
    for i in range(2):
        one = fastgrad.least_squares(residuals_in_data_precision, P0[i], args=(t, Y[i]))
        np.testing.assert_array_equal(fits.x[i], one.x)
        assert (fits.nfev[i], fits.status[i]) == (one.nfev, one.status)


def test_per_start_on_the_python_engine():
    Y = data(4)
    P0 = np.tile([1.0, 1.0, 0.0], (4, 1))
    python = fastgrad.minimize(decay_sse.py_func, P0, args=(T, fastgrad.per_start(Y)),
                               jit=False)
    singles = [fastgrad.minimize(decay_sse.py_func, P0[i], args=(T, Y[i]), jit=False)
               for i in range(4)]
    same_rows(python, range(4), singles)
    compiled = fastgrad.minimize(decay_sse, P0, args=(T, fastgrad.per_start(Y)))
    # numpy's exp and Numba's differ in the last bit: the fits agree to their accuracy
    np.testing.assert_allclose(compiled.x, python.x, rtol=1e-6, atol=1e-8)


def test_every_argument_may_be_per_start():
    Y = data(3)
    Ts = np.tile(T, (3, 1))
    P0 = np.tile([1.0, 1.0, 0.0], (3, 1))
    both = fastgrad.minimize(decay_sse, P0, args=(fastgrad.per_start(Ts),
                                                   fastgrad.per_start(Y)))
    one = fastgrad.minimize(decay_sse, P0, args=(T, fastgrad.per_start(Y)))
    np.testing.assert_array_equal(both.x, one.x)


@pytest.mark.parametrize("x0, args, match", [
    (np.ones(3), (T, "Y"), "x0 is a single start of shape \\(n,\\)"),
    (np.ones((4, 3)), (T, "Y"), "leading axis of length m = 4"),
])
def test_per_start_mistakes_name_the_argument_and_shapes(x0, args, match):
    args = tuple(fastgrad.per_start(data(5)) if isinstance(a, str) else a for a in args)
    with pytest.raises(ValueError, match=match):
        fastgrad.minimize(decay_sse, x0, args=args)


def test_per_start_with_workers_is_refused():
    with pytest.raises(ValueError, match="workers= cannot be combined with per_start"):
        fastgrad.minimize(decay_sse, np.ones((5, 3)), args=(T, fastgrad.per_start(data(5))),
                          workers=2)
