"""Inputs of ``compile_minimizer``'s and ``compile_least_squares``' ``solve`` that once gave
silent wrong results (from an adversarial probe): data of a new type after a checked call,
bound arrays changed in place after the solver was made, and a per-coordinate ``step`` of
the wrong length from compiled code."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad import ObjectiveIndexError


def reads_len_c(x, c):
    s = 0.0
    for i in range(c.shape[0]):  # the user's bug: c may be longer than x
        s += (x[i] - c[i]) ** 2
    return s


def test_new_argument_types_are_checked_for_reads_past_x():
    solve = fastgrad.compile_minimizer(reads_len_c)
    x0 = np.zeros(3)
    ok = solve(x0, np.array([1.0, 2.0, 3.0]))  # float64 data of x's length: fine
    np.testing.assert_allclose(ok.x, [1.0, 2.0, 3.0], atol=1e-6)
    longer = np.arange(1.0, 5.0, dtype=np.float32)  # another type, and too long
    with pytest.raises(ObjectiveIndexError, match=r"reads x\[3\]"):
        fastgrad.minimize(reads_len_c, x0, args=(longer,))
    with pytest.raises(ObjectiveIndexError, match=r"reads x\[3\]"):
        solve(x0, longer)


def weighted(x, c, w):
    return w * np.sum((x - c) ** 2)


def test_bound_arrays_are_frozen_when_the_solver_is_made():
    c = np.array([1.0, 2.0])
    solve = fastgrad.compile_minimizer(weighted, args=(c,))
    c[:] = [5.0, 6.0]  # after compile_minimizer: reaches no specialization of solve
    first = solve(np.zeros(2), 1.0)  # compiles for a float w
    c[:] = [7.0, 8.0]
    second = solve(np.zeros(2), 1)  # compiles again, for an int w
    np.testing.assert_allclose(first.x, [1.0, 2.0], atol=1e-6)
    np.testing.assert_array_equal(first.x, second.x)


def line(p, t, y):
    return p[0] * t + p[1] - y


def test_bound_arrays_of_compile_least_squares_are_frozen():
    t = np.linspace(0.0, 1.0, 10)
    y = 3.0 * t + 1.0
    solve = fastgrad.compile_least_squares(line, args=(t,))
    t[:] = np.linspace(0.0, 2.0, 10)  # after the solver was made
    a = solve(np.zeros(2), y)
    b = solve(np.zeros(2), y.astype(np.float32))
    np.testing.assert_allclose(a.x, [3.0, 1.0], atol=1e-6)  # the t it was made with
    np.testing.assert_allclose(b.x, [3.0, 1.0], atol=1e-6)


def weighted_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (i + 1) * (x[i] - 1.0) ** 2
    return s


def test_step_of_the_wrong_length_raises_in_compiled_code():
    solve = fastgrad.compile_minimizer(weighted_sum, step=np.array([1e-6, 1e-6, 1e-6]),
                                       jac="central")

    @numba.njit
    def call(x0):
        return solve(x0)

    np.testing.assert_allclose(call(np.zeros(3)).x, np.ones(3), atol=1e-6)
    with pytest.raises(ValueError, match="step has one value per coordinate"):
        call(np.zeros(5))
    with pytest.raises(ValueError, match="step has one value per coordinate"):
        solve(np.zeros(5))


def residuals_len_c(x, c):
    r = np.empty(c.shape[0])
    for i in range(c.shape[0]):  # the user's bug: c may be longer than x
        r[i] = x[i] - c[i]
    return r


def test_compile_least_squares_checks_new_argument_types_for_reads_past_x():
    solve = fastgrad.compile_least_squares(residuals_len_c)
    x0 = np.zeros(3)
    ok = solve(x0, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(ok.x, [1.0, 2.0, 3.0], atol=1e-6)
    with pytest.raises(ObjectiveIndexError, match=r"reads x\[3\]"):
        solve(x0, np.arange(1.0, 5.0, dtype=np.float32))
