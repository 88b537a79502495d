"""A claim of convergence on finite differences that rounding erased (:mod:`fastgrad.optimize.
resolution`). A line fit to data of size 2e12 from x = 0: f is about 1e26, whose rounding
unit (1.8e10) hides its change over the automatic step (1.5e-8 x 8.6e13 = 1.3e6), so every
scheme's gradient came out exactly 0 and minimize "converged" at x0 with ``success`` True, as
SciPy's L-BFGS-B still does. Such a claim now stops with status 12, a failure whose message
says what to do; a true minimum of an f with a large offset, whose differences rounding erases
just as well, keeps its success."""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad
from fastgrad.optimize.result import STATUS, UNRESOLVED

T = np.linspace(0.0, 1.0, 20)
Y = 2e12 + 3e11 * T


def line_cost(p, t, y):
    return np.sum((p[0] + p[1] * t - y) ** 2)


@pytest.mark.parametrize("jit", [None, False])
@pytest.mark.parametrize("method", ["lbfgs", "bfgs", "gd"])
@pytest.mark.parametrize("jac", [None, "forward", "central"])
def test_an_erased_gradient_is_not_a_minimum(jac, method, jit):
    res = fastgrad.minimize(line_cost, [0.0, 0.0], args=(T, Y), jac=jac, method=method,
                            jit=jit)
    assert res.status == UNRESOLVED and not res.success, res.message
    assert "not resolved" in res.message and "step=" in res.message
    np.testing.assert_array_equal(res.x, [0.0, 0.0])


@pytest.mark.parametrize("bounds", [(-1e13, 1e13), (-10.0, 10.0)])
def test_an_erased_gradient_within_bounds(bounds):
    res = fastgrad.minimize(line_cost, [0.0, 0.0], args=(T, Y), bounds=bounds)
    assert res.status == UNRESOLVED and not res.success, res.message


def test_compile_minimizer_agrees():
    solve = fastgrad.compile_minimizer(line_cost)
    sol = solve(np.zeros(2), T, Y)
    res = fastgrad.minimize(line_cost, np.zeros(2), args=(T, Y))
    assert sol.status == res.status == UNRESOLVED
    assert sol.nfev == res.nfev


def test_the_status_is_described():
    assert "not resolved" in STATUS[UNRESOLVED]


def offset_quartic(x, c):
    d = x[0] - 1.0
    return c + d * d + 0.5 * d ** 3 + d ** 4 + (x[1] + 2.0) ** 2


@pytest.mark.parametrize("method", ["lbfgs", "bfgs"])
@pytest.mark.parametrize("c", [1e4, 1e6, 1e8, -1e8])
def test_a_true_minimum_with_a_large_offset_keeps_its_success(c, method):
    res = fastgrad.minimize(offset_quartic, [0.0, 0.0], args=(c,), method=method)
    assert res.success, res.message
    # f'' = 2 at the minimum: rounding of f (eps |c|) leaves x resolved to about
    # sqrt(eps |c|) (1.5e-4 at |c| = 1e8); the differences' own error adds a few times that
    tol = max(1e-6, 10 * np.sqrt(np.finfo(float).eps * abs(c)))
    np.testing.assert_allclose(res.x, [1.0, -2.0], atol=tol)


def test_a_coordinate_f_ignores_keeps_its_success():
    """x[1] changes nothing: no trial step resolves it, and the claim stands (at a cost
    of at most 40 evaluations, once)."""
    def flat(x):
        return 1e8 + (x[0] - 1.0) ** 2 + 0.0 * x[1]

    res = fastgrad.minimize(flat, [0.0, 5.0])
    assert res.success, res.message
    assert abs(res.x[0] - 1.0) < 1e-3 and res.x[1] == 5.0


def line_residuals(p, t, y):
    return p[0] + p[1] * t - y


def line_model(t, a, b):
    return a + b * t


LSQ_OPTIONS = [{}, {"jit": False}, {"method": "trf"}, {"bounds": (-1e13, 1e13)},
               {"bounds": (-1e13, 1e13), "jit": False}, {"jac": "central"},
               {"x_scale": "jac"}]


@pytest.mark.parametrize("options", LSQ_OPTIONS, ids=str)
def test_least_squares_on_erased_columns_fails(options):
    """The same fit as residuals: every Jacobian column comes out 0 (also at the retake
    relative to max(1, |x_j|)), and "gtol satisfied" at x0 was a success, as SciPy's."""
    res = fastgrad.least_squares(line_residuals, [0.0, 0.0], args=(T, Y), **options)
    assert res.status == 12 and not res.success, res.message
    assert "not resolved" in res.message and "step=" in res.message
    np.testing.assert_array_equal(res.x, [0.0, 0.0])


def test_least_squares_batch_and_compiled_agree():
    batch = fastgrad.least_squares(line_residuals, np.zeros((3, 2)), args=(T, Y))
    single = fastgrad.least_squares(line_residuals, np.zeros(2), args=(T, Y))
    sol = fastgrad.compile_least_squares(line_residuals)(np.zeros(2), T, Y)
    np.testing.assert_array_equal(batch.status, [12, 12, 12])
    assert sol.status == single.status == 12 and sol.nfev == single.nfev


def test_curve_fit_raises_instead_of_returning_p0():
    with pytest.raises(RuntimeError, match="Optimal parameters not found.*not resolved"):
        fastgrad.curve_fit(line_model, T, Y)


def test_least_squares_with_a_larger_step_solves_it():
    """What the message advises: a step the residuals resolve (an absolute step of 1 changes
    them by 1, far above their rounding unit of 2.4e-4)."""
    res = fastgrad.least_squares(line_residuals, [0.0, 0.0], args=(T, Y), step=1.0)
    assert res.success, res.message
    np.testing.assert_allclose(res.x, [2e12, 3e11], rtol=1e-9)


def shallow_float32(x):
    return np.float32(1e6) + np.float32((x[0] - 1.0) ** 2) + np.float32((x[1] + 2.0) ** 2)


@pytest.mark.parametrize("method", ["lbfgs", "gd"])
@pytest.mark.parametrize("jac", [None, "forward", "central"])
def test_a_shallow_basin_is_not_stepped_over(jac, method):
    """f is float32 at 1e6 (rounding unit 0.0625), 5 above its minimum at x0 = 0: every
    difference over the automatic steps rounds to 0, and trial steps 10x apart went from
    a change below 16 ulps straight to one where f rises on both sides (success at x0).
    Steps 4x apart find f falling on one side: no success where f is 5 above its minimum."""
    res = fastgrad.minimize(shallow_float32, np.zeros(2), method=method, jac=jac)
    if res.success:  # a claim must be a minimum to within f's 16-ulp resolution (1.0)
        assert res.fun - 1e6 <= 1.0, (res.x, res.message)
    else:
        assert res.status == 12, res.message
