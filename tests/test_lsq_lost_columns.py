"""A least-squares parameter that starts far below 1 in size (x_i = 1e-12) while its
residuals are of order 1: MINPACK's relative step ``rel |x_i|`` (1.5e-20) changes no residual,
so its Jacobian column came out exactly 0, the parameter never moved, and the fit reported
success at cost 0.5 (x = [1e-12, 3] for the residuals [x0 - 1, x1 - 3]). Such a column is
now taken again with the step relative to max(1, |x_i|), and the extra evaluations are
counted. A parameter whose own scale is tiny keeps its own step
(test_least_squares.test_parameters_of_tiny_scale)."""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad

T = np.linspace(0.0, 4.0, 20)
Y = 2.0 * np.exp(-1.3 * T) + 0.4


def shifted(x):
    return np.array([x[0] - 1.0, x[1] - 3.0, x[0] + x[1] - 4.0])


def decay_residuals(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


@pytest.mark.parametrize("tiny", [1e-12, 1e-300, -1e-9])
@pytest.mark.parametrize("options", [
    {}, {"jac": "central"}, {"jac": "forward", "method": "trf"},
    {"method": "trf", "bounds": (-10.0, 10.0)}, {"jac": "central4", "method": "trf"},
    {"method": "trf", "bounds": ([-1e-6, -10.0], [10.0, 10.0])},
])
def test_a_tiny_parameter_moves(tiny, options):
    res = fastgrad.least_squares(shifted, np.array([tiny, 0.5]), **options)
    assert res.success, res.message
    # a linear residual: the fit is exact up to the rounding of the residuals
    np.testing.assert_allclose(res.x, [1.0, 3.0], rtol=0, atol=1e-8)
    # the Jacobian at the solution is the constant one, to the accuracy of the scheme
    np.testing.assert_allclose(res.jac, [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], atol=1e-6)


def test_a_tiny_parameter_at_its_upper_bound_moves_down():
    # the stencil turns back from the bound (a negative step) on the first and the second try
    def below(x):
        return np.array([x[0] + 1.0, x[1] - 3.0, x[0] + x[1] - 2.0])

    bounds = ([-10.0, -10.0], [1e-12, 10.0])
    res = fastgrad.least_squares(below, np.array([1e-12, 0.5]), bounds=bounds)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [-1.0, 3.0], rtol=0, atol=1e-8)


def test_a_tiny_amplitude_of_a_decay_fit_matches_scipy():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    p0 = np.array([1e-12, 1.0, 0.0])
    res = fastgrad.least_squares(decay_residuals, p0, args=(T, Y))
    ref = scipy_optimize.least_squares(decay_residuals, p0, args=(T, Y), method="lm")
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [2.0, 1.3, 0.4], rtol=1e-7)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-7)


@pytest.mark.parametrize("options", [{}, {"method": "trf", "bounds": (-10.0, 10.0)}])
def test_second_tries_are_counted(options):
    calls = []

    def counted(x):
        calls.append(x.copy())
        return np.array([x[0] - 1.0, x[1] - 3.0, x[0] + x[1] - 4.0])

    res = fastgrad.least_squares(counted, np.array([1e-12, 0.5]), jit=False, **options)
    assert res.success
    plain = []

    def counted_plain(x):
        plain.append(x.copy())
        return np.array([x[0] - 1.0, x[1] - 3.0, x[0] + x[1] - 4.0])

    ref = fastgrad.least_squares(counted_plain, np.array([0.2, 0.5]), jit=False, **options)
    uncounted = len(plain) - ref.nfev  # the checks of what f returns at x0 (not counted)
    assert res.nfev == len(calls) - uncounted
    # the second try of the first column: x0 = 1e-12 moved by about sqrt(eps) (forward
    # differences) or eps ** (1/3) (trf's default central ones), not by 1e-20
    assert any(1e-9 < abs(c[0] - 1e-12) < 1e-4 and c[1] == 0.5 for c in calls)


def test_compiled_solver_and_batch_rows_equal_the_single_fit():
    x0 = np.array([1e-12, 0.5])
    single = fastgrad.least_squares(shifted, x0)
    solve = fastgrad.compile_least_squares(shifted)
    compiled = solve(x0)
    np.testing.assert_array_equal(compiled.x, single.x)
    batch = fastgrad.least_squares(shifted, np.array([x0, [0.2, 0.5]]))
    np.testing.assert_array_equal(batch.x[0], single.x)
    assert batch.nfev[0] == single.nfev


def raises_off_zero(x):  # the first, tiny step (1.5e-20) stays below 1e-9; the second try not
    if abs(x[0]) > 1e-9:
        raise ValueError("outside the model's domain")
    return np.array([x[0] - 1.0, x[1] - 3.0])


def nan_off_zero(x):
    if 1e-9 < abs(x[0]) < 1e-3:
        return np.array([np.nan, x[1] - 3.0])
    return np.array([x[0] - 1.0, x[1] - 3.0])


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("options", [{}, {"method": "trf", "bounds": (-10.0, 10.0)}])
def test_the_second_try_passes_on_an_exception(jit, options):
    with pytest.raises(ValueError, match="outside the model's domain"):
        fastgrad.least_squares(raises_off_zero, np.array([1e-12, 0.5]), jit=jit, **options)


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("options", [{}, {"method": "trf", "bounds": (-10.0, 10.0)}])
def test_a_nan_at_the_second_try_is_a_failure_not_a_fit(jit, options):
    # the retaken column is NaN: no step can be computed from it, and no success is claimed
    res = fastgrad.least_squares(nan_off_zero, np.array([1e-12, 0.5]), jit=jit, **options)
    assert not res.success and res.nit == 0, res.message
    assert "non-finite" in res.message
    np.testing.assert_array_equal(res.x, [1e-12, 0.5])
