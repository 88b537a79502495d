"""Objectives that write into an array of their args (a scratch buffer, a call counter).
fastgrad runs batches, and a single gradient with parallel=True, over threads that all
call f with the same args: threads writing one scratch buffer at once overwrite each
other's values (measured: the gradients of a batch of 256 rows off by up to 6e6, silently).
The first call's check (fastgrad.diff.probe) sees the write; such an objective's batches
then run on one thread, after a FastgradWarning, and give the values a serial run gives.
A thread pool (workers=) is refused with a ValueError. Objectives that only read their
args keep their threads and get no warning."""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad import FastgradWarning

M = 96  # rows: above the batch size at which rows go over threads (64)
WEIGHTS = np.arange(1.0, 5.0)


@numba.njit
def scratch_objective(x, buf):
    for i in range(x.shape[0]):
        buf[i] = x[i] - 1.0
    s = 0.0
    for k in range(300):  # long enough that threads overlap
        s += 1e-12 * k
    for i in range(x.shape[0]):
        s += (i + 1.0) * buf[i] * buf[i]
    return s - 300 * 299 / 2 * 1e-12


def scratch_residuals(x, buf):
    buf[:] = x - 1.0
    return np.sqrt(WEIGHTS) * buf


@numba.njit
def reads_data(x, data):
    s = 0.0
    for i in range(x.shape[0]):
        s += data[i] * (x[i] - 1.0) ** 2
    return s


X = np.random.default_rng(3).uniform(-2.0, 2.0, size=(M, 4))
TRUE = 2.0 * WEIGHTS * (X - 1.0)
WRITES = "writes into its argument args\\[0\\]"


def test_batched_derivatives_of_a_scratch_objective_are_right():
    with pytest.warns(FastgradWarning, match=WRITES):
        G = fastgrad.gradient(scratch_objective, X, args=(np.zeros(4),))
    np.testing.assert_allclose(G, TRUE, atol=1e-6)  # central differences: O(h^2) ~ 1e-10
    with pytest.warns(FastgradWarning, match=WRITES):
        G = fastgrad.gradient(scratch_objective, X, args=(np.zeros(4),), bounds=(-3.0, 3.0))
    np.testing.assert_allclose(G, TRUE, atol=1e-6)


def test_the_python_engine_runs_rows_one_after_another_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = fastgrad.gradient(scratch_objective, X, args=(np.zeros(4),), jit=False)
        res = fastgrad.minimize(scratch_objective, X[:70], args=(np.zeros(4),), jit=False)
    np.testing.assert_allclose(G, TRUE, atol=1e-6)
    assert res.success.all() and np.abs(res.x - 1.0).max() < 1e-5


def test_a_parallel_single_gradient_of_a_scratch_objective_is_right():
    x = np.linspace(-1.0, 1.0, 16)

    @numba.njit
    def wide(x, buf):
        for i in range(x.shape[0]):
            buf[i] = x[i] * x[i]
        return np.sum(buf)

    with pytest.warns(FastgradWarning, match=WRITES):
        g = fastgrad.gradient(wide, x, args=(np.zeros(16),), parallel=True)
    np.testing.assert_allclose(g, 2.0 * x, atol=1e-8)


def test_batched_minimize_and_least_squares_of_a_scratch_objective_are_right():
    with pytest.warns(FastgradWarning, match=WRITES):
        res = fastgrad.minimize(scratch_objective, X, args=(np.zeros(4),))
    assert res.success.all() and np.abs(res.x - 1.0).max() < 1e-5
    single = fastgrad.minimize(scratch_objective, X[5], args=(np.zeros(4),))
    np.testing.assert_array_equal(res.x[5], single.x)  # batch rows equal single runs
    with pytest.warns(FastgradWarning, match=WRITES):
        res = fastgrad.minimize(scratch_objective, X, args=(np.zeros(4),), bounds=(-3, 3))
    assert res.success.all() and np.abs(res.x - 1.0).max() < 1e-5
    with pytest.warns(FastgradWarning, match=WRITES):
        fit = fastgrad.least_squares(scratch_residuals, X[:8], args=(np.zeros(4),))
    assert fit.success.all() and np.abs(fit.x - 1.0).max() < 1e-8
    single = fastgrad.least_squares(scratch_residuals, X[3], args=(np.zeros(4),))
    np.testing.assert_array_equal(fit.x[3], single.x)


def test_a_thread_pool_is_refused_for_a_scratch_objective():
    def python_scratch(x, buf):
        buf[:] = x - 1.0
        return float(np.sum(WEIGHTS * buf * buf))

    with pytest.raises(ValueError, match=WRITES + ".*workers=2"):
        fastgrad.gradient(python_scratch, X[0], args=(np.zeros(4),), workers=2)


def test_objectives_that_only_read_their_args_keep_their_threads():
    data = WEIGHTS.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        G = fastgrad.gradient(reads_data, X, args=(data,))
        res = fastgrad.minimize(reads_data, X, args=(data,))
    np.testing.assert_allclose(G, TRUE, atol=1e-6)
    assert res.success.all()
    np.testing.assert_array_equal(data, WEIGHTS)
