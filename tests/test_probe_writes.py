"""Objectives that write into x. fastgrad evaluates f at its own workspace, perturbed in
place and used again after the call; an objective that changes it (``x -= c`` to centre the
data, a coordinate overwritten) would make every derivative and every iterate after it
meaningless, and nothing in the numbers shows it (measured: gradient of sum((x - 1)^2)
written with ``x -= 1`` at (3, 4) gave (1.4e5, 1.2e5), minimize "converged" to (-7, -6)).
The first call's check (fastgrad.diff.probe) evaluates f at a copy of x and compares: every
public function raises ObjectiveWriteError (a ValueError) naming f and the coordinate
written, on both engines, before any result. An objective that writes and restores x
exactly is legal and is not refused."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad import ObjectiveWriteError

ENGINES = [None, False]


def centres_in_place(x):
    x -= 1.0
    return np.sum(x * x)


def nudges_one(x):  # a write of one ulp-sized change in one coordinate
    x[1] = x[1] * (1.0 + 1e-15)
    return (x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2


def restores_exactly(x):  # legal: x is as it was when f returns
    saved = x[0]
    x[0] = 0.0
    value = np.sum(x * x)
    x[0] = saved
    return value + saved * saved


def residuals_in_place(x):
    x -= 1.0
    return np.array([x[0], 10.0 * x[1]])


def _expect_write_error(call, name, index):
    with pytest.raises(ObjectiveWriteError) as info:
        call()
    text = str(info.value)
    assert name in text and "changes its argument x" in text and index in text
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("f, index", [(centres_in_place, "x[0]"), (nudges_one, "x[1]")],
                         ids=["centres_in_place", "nudges_one"])
def test_writing_into_x_is_an_error_in_every_function(f, index, jit):
    x = np.array([3.0, 4.0])
    calls = [
        lambda: fastgrad.gradient(f, x, jit=jit),
        lambda: fastgrad.gradient(f, x, method="complex", jit=jit),
        lambda: fastgrad.gradient(f, np.stack([x] * 3), jit=jit),
        lambda: fastgrad.gradient(f, x, bounds=(0.0, 10.0), jit=jit),
        lambda: fastgrad.hessian(f, x, jit=jit),
        lambda: fastgrad.jacobian(f, x, jit=jit),
        lambda: fastgrad.grad(f, jit=jit)(x),
        lambda: fastgrad.minimize(f, x, jit=jit),
        lambda: fastgrad.minimize(f, x, method="gd", jit=jit),
        lambda: fastgrad.minimize(f, np.stack([x] * 2), method="adam", jit=jit),
        lambda: fastgrad.minimize(f, x, bounds=(0.0, 10.0), jit=jit),
        lambda: fastgrad.compile_minimizer(f, jit=jit)(x),
        lambda: fastgrad.gradient(f, x, workers=2),  # a thread pool shares the points
        lambda: fastgrad.minimize(f, x, workers=2),
    ]
    for call in calls:
        _expect_write_error(call, f.__name__, index)
    np.testing.assert_array_equal(x, [3.0, 4.0])  # the caller's x is untouched


@pytest.mark.parametrize("jit", ENGINES)
def test_residuals_and_jac_writing_into_x_are_refused(jit):
    x = np.array([3.0, 4.0])
    _expect_write_error(lambda: fastgrad.least_squares(residuals_in_place, x, jit=jit),
                        "residuals_in_place", "x[0]")
    _expect_write_error(lambda: fastgrad.jacobian(residuals_in_place, x, jit=jit),
                        "residuals_in_place", "x[0]")

    def jac(x):
        x[0] = 0.0
        return np.array([2.0 * x[0], 2.0 * x[1]])

    _expect_write_error(lambda: fastgrad.minimize(lambda x: x[0] ** 2 + x[1] ** 2, x,
                                                  jac=jac, method="lbfgs", jit=jit),
                        "jac", "x[0]")


def test_a_numba_dispatcher_writing_into_x_is_refused():
    model = numba.njit(centres_in_place)
    _expect_write_error(lambda: fastgrad.gradient(model, [3.0, 4.0]), "centres_in_place",
                        "x[0]")


def test_a_vectorized_objective_writing_into_x_is_refused():
    def batch(X):
        X -= 1.0
        return np.sum(X * X, axis=1)

    _expect_write_error(lambda: fastgrad.gradient(batch, [3.0, 4.0], vectorized=True),
                        "batch", "x[0]")


@pytest.mark.parametrize("jit", ENGINES)
def test_an_objective_that_restores_x_exactly_is_not_refused(jit):
    x = np.array([3.0, 4.0])
    np.testing.assert_allclose(fastgrad.gradient(restores_exactly, x, jit=jit), 2.0 * x,
                               rtol=1e-9)
    res = fastgrad.minimize(restores_exactly, x, jit=jit)
    assert res.success and np.max(np.abs(res.x)) < 1e-5
