"""``jac="auto"`` refines its automatic central step where the difference table says the
standard one is wrong for f (:mod:`fastgrad.optimize.accuracy`, ``step_refinement``).

MGH's Meyer problem is the case from the user's side: its third derivatives make the
truncation of the standard central step (about 6e-6 relative) as large as the gradient, so
the run used to stop at the accuracy of that step, 3.5e-5 above f* relative (and, before
the scale-invariant curvature-pair test, at max_iter 7e6 above it)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad.diff.steps import (
    BACKWARD, CENTRAL, CENTRAL4, COMPLEX, FORWARD, HESSIAN, auto_steps, is_automatic,
    SCALED_SIZE, scaled_steps, step_for,
)
from fastgrad.optimize.accuracy import (
    REFINE_GAIN, REFINE_LIMITS, refinable, step_refinement, takes_refinement,
)
from fastgrad.optimize.columns import NFEV
from fastgrad.problems import MGH, is_solved
from fastgrad.result import NOISE

MEYER = MGH["meyer"]


def test_meyer_is_solved_with_the_defaults():
    res = fastgrad.minimize(MEYER.f, MEYER.x0)
    assert res.success and is_solved(MEYER, res.fun), res.message
    # the minimizer (refined by Levenberg-Marquardt with the analytic Jacobian): f is flat
    # to 1e-10 relative within about 1e-5 relative of it along its worst direction
    np.testing.assert_allclose(res.x, MEYER.xmin, rtol=2e-5)


def test_meyer_batched_and_compiled_equal_the_single_run():
    single = fastgrad.minimize(MEYER.f, MEYER.x0)
    other = np.array(MEYER.x0) * 1.01
    batch = fastgrad.minimize(MEYER.f, np.array([MEYER.x0, other]))
    np.testing.assert_array_equal(batch.x[0], single.x)
    assert batch.nfev[0] == single.nfev and batch.status[0] == single.status
    solve = fastgrad.compile_minimizer(MEYER.f)
    x, fun, nit, nfev, status = solve(np.array(MEYER.x0))
    np.testing.assert_array_equal(x, single.x)
    assert (fun, nit, nfev, status) == (single.fun, single.nit, single.nfev, single.status)


def test_the_refined_factor_minimizes_the_estimated_error():
    # central: error(s) = R / s + T s**2, minimal at s = (R / (2 T)) ** (1/3)
    rounding, truncation = 1e-4, 1.0
    s = step_refinement(rounding, truncation, CENTRAL)
    assert s == pytest.approx((rounding / (2.0 * truncation)) ** (1.0 / 3.0), rel=1e-12)
    assert REFINE_GAIN * (rounding / s + truncation * s * s) <= rounding + truncation
    # forward: error(s) = R / s + T s, minimal at s = sqrt(R / T); rounding dominating: larger
    assert step_refinement(1.0, 1e-4, FORWARD) == pytest.approx(100.0, rel=1e-12)


@pytest.mark.parametrize("rounding, truncation", [
    (1.0, 1.0), (1.0, 0.5), (0.5, 1.0),  # balanced: a new step gains less than REFINE_GAIN
    (0.0, 1.0), (1.0, 0.0), (np.nan, 1.0), (1.0, np.inf),  # nothing to estimate from
])
def test_no_refinement_without_a_clear_gain(rounding, truncation):
    assert step_refinement(rounding, truncation, CENTRAL) == 1.0


def test_the_refined_factor_is_clamped():
    assert step_refinement(1e-30, 1.0, CENTRAL) == REFINE_LIMITS[0]
    assert step_refinement(1.0, 1e-30, CENTRAL) == REFINE_LIMITS[1]


@pytest.mark.parametrize("steps", [np.empty(0), auto_steps(float(np.finfo(np.float32).eps))])
@pytest.mark.parametrize("scheme", [FORWARD, BACKWARD, CENTRAL, CENTRAL4, COMPLEX, HESSIAN])
def test_scaled_steps_scale_the_automatic_step(steps, scheme):
    for xi in (0.0, 1e-3, -2.5, 7e4):
        base = step_for(scheme, xi, steps, 0)
        assert step_for(scheme, xi, scaled_steps(steps, 1.0, np.empty(SCALED_SIZE)), 0) == base  # bit for bit
        scaled = step_for(scheme, xi, scaled_steps(steps, 0.125, np.empty(SCALED_SIZE)), 0)
        expected = base if scheme == COMPLEX else base * 0.125  # powers of two: exact
        assert scaled == pytest.approx(expected, rel=1e-12)


def test_a_users_steps_are_never_scaled_or_refined():
    for user in (np.array([1e-3]), np.array([1e-3, 2e-3, 3e-3])):
        assert not is_automatic(user)
        assert scaled_steps(user, 0.01, np.empty(SCALED_SIZE)) is user
        assert not takes_refinement(1.0, user, 0.01)
    assert takes_refinement(1.0, np.empty(0), 0.01)
    assert not takes_refinement(0.5, np.empty(0), 0.01)  # once in a run
    assert not takes_refinement(1.0, np.empty(0), 1.0)
    assert not refinable(1.0, np.array([1e-3])) and not refinable(0.5, np.empty(0))
    assert refinable(1.0, np.empty(0)) and refinable(1.0, auto_steps(1e-7))


@numba.njit
def rosen32(x):
    return np.float32(100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2)


@pytest.mark.parametrize("bounds", [None, (-5.0, 5.0)])  # inactive: the loop within bounds
def test_a_float32_objective_does_not_claim_a_gradient_below_its_error(bounds):
    # float32's automatic central step (eps32 ** (1/3) ~ 5e-3) has a truncation of about
    # h**2 f''' / 6 ~ 1e-2 near Rosenbrock's minimum (f''' ~ 2400): a gradient "below gtol =
    # 1e-6" there is an artefact (the run used to stop with CONVERGED 5e-3 away from it)
    res = fastgrad.minimize(rosen32, np.array([-1.2, 1.0]), bounds=bounds)
    assert res.success, res.message
    assert np.max(np.abs(res.x - 1.0)) <= 1e-3, (res.x, res.message)
    assert res.status == NOISE or "<= gtol" in res.message


@numba.njit
def rosen32_walled(x):
    if x[0] > 1.0005:  # f is not defined beyond the box: the table must stay inside it
        raise ValueError("evaluated outside the box")
    return np.float32(100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2)


def test_the_difference_table_stays_in_the_box():
    # the minimizer (1, 1) lies 5e-4 from the upper bound of x0, closer than the table's
    # three steps (3 * 5e-3): the table is shifted to lie below it
    bounds = (np.array([-5.0, -5.0]), np.array([1.0005, 5.0]))
    res = fastgrad.minimize(rosen32_walled, np.array([-1.2, 1.0]), bounds=bounds)
    assert res.success, res.message
    assert np.max(np.abs(res.x - 1.0)) <= 1e-3, (res.x, res.message)


@pytest.mark.parametrize("bounds", [None, (-5.0, 5.0)])
def test_float32_refinement_batched_and_compiled_equal_the_single_run(bounds):
    starts = np.array([[-1.2, 1.0], [2.0, -1.0]])
    batch = fastgrad.minimize(rosen32, starts, bounds=bounds)
    solve = fastgrad.compile_minimizer(rosen32, bounds=bounds)
    for r, x0 in enumerate(starts):
        single = fastgrad.minimize(rosen32, x0, bounds=bounds)
        np.testing.assert_array_equal(batch.x[r], single.x)
        assert (batch.nfev[r], batch.status[r]) == (single.nfev, single.status)
        x, fun, nit, nfev, status = solve(x0)
        np.testing.assert_array_equal(x, single.x)
        assert (fun, nit, nfev, status) == (single.fun, single.nit, single.nfev, single.status)


@pytest.mark.parametrize("method, options", [
    ("gd", dict(lr=1e-3, max_iter=20000, gtol=1e-4)),  # jac="central", the seeds' default
    ("adam", dict(lr=1e-3, max_iter=20000, gtol=1e-4)),
    ("lbfgs", dict(jac="central")),  # a forced scheme: checked, not refined
    ("lbfgs", dict(jac="central", bounds=(-5.0, 5.0))),
])
def test_a_forced_scheme_on_float32_reports_the_accuracy_it_reached(method, options):
    # along x[0] the central step's truncation is about 1e-2 near the minimum, along x[1]
    # (f quadratic in it) nothing: every component's error is checked, not only the largest
    # (within bounds, lbfgs stops on its line search at the rounding of f first: NOISE too)
    res = fastgrad.minimize(rosen32, np.array([0.9, 0.8]), method=method, **options)
    assert res.success and res.status == NOISE, res.message
    if "bounds" not in options:
        assert "to the accuracy of the finite-difference gradient" in res.message
        error = float(res.message.split("its estimated error ")[1].split(" ")[0])
        assert 3e-3 <= error <= 3e-2, res.message  # h**2 f''' / 6, h ~ 5e-3, f''' ~ 2400
