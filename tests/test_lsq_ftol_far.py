"""The ftol test far from the solution. A line fit to data of size 2e12 from x0 = 0 with an
analytic Jacobian: the first trust regions are tiny next to the distance to the solution, so
each step lowers the sum of squares by less than ftol relative, actual and predicted, and
MINPACK's ftol test (``actred <= ftol and prered <= ftol``) stopped the run with success True
at x ~ [1698, 2546] ("lm") or [0.89, 0.46] ("trf"), the truth being [2e12, 3e11]. The ftol
test is now claimed only on a step that the trust radius did not cut (the Gauss-Newton step):
a step on the boundary of the region says nothing about the reduction still possible."""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad

T = np.linspace(0.0, 1.0, 20)
TRUTH = np.array([2e12, 3e11])
Y = TRUTH[0] + TRUTH[1] * T
# the data are exact: the fit recovers TRUTH up to the rounding of residuals of size 2e12
# (about 1e-16 relative each, times the condition number of [1, t], about 5)
RTOL = 1e-8

DECAY_T = np.linspace(0.0, 4.0, 30)
DECAY_Y = 2.0 * np.exp(-1.3 * DECAY_T) + 0.4 + 0.01 * np.sin(7.0 * DECAY_T)


def line(p):
    return p[0] + p[1] * T - Y


def line_jac(p):
    out = np.empty((T.shape[0], 2))
    out[:, 0] = 1.0
    out[:, 1] = T
    return out


def line_model(t, a, b):
    return a + b * t


def line_model_jac(t, a, b):
    out = np.empty((t.shape[0], 2))
    out[:, 0] = 1.0
    out[:, 1] = t
    return out


def decay(p):
    return p[0] * np.exp(-p[1] * DECAY_T) + p[2] - DECAY_Y


def decay_jac(p):
    out = np.empty((DECAY_T.shape[0], 3))
    e = np.exp(-p[1] * DECAY_T)
    out[:, 0] = e
    out[:, 1] = -p[0] * DECAY_T * e
    out[:, 2] = 1.0
    return out


def assert_solved_or_failed(x, success, message):
    """Success only at the solution: a run may fail, but never claim a point far from it."""
    if success:
        np.testing.assert_allclose(x, TRUTH, rtol=RTOL, err_msg=message)


@pytest.mark.parametrize("method", ["lm", "trf"])
def test_a_far_line_fit_with_an_analytic_jacobian(method):
    res = fastgrad.least_squares(line, np.zeros(2), jac=line_jac, method=method)
    assert_solved_or_failed(res.x, res.success, res.message)
    # a linear problem with exact data: it is solved, not given up on
    assert res.success, res.message
    assert res.status != 2, res.message  # not the ftol test, the claim this was about


def test_a_far_line_fit_in_a_loose_box():
    res = fastgrad.least_squares(line, np.zeros(2), jac=line_jac, method="trf",
                                 bounds=(-1e13, 1e13))
    assert_solved_or_failed(res.x, res.success, res.message)
    assert res.success, res.message


@pytest.mark.parametrize("method", ["lm", "trf"])
def test_a_far_line_fit_through_curve_fit(method):
    popt, _, info = fastgrad.curve_fit(line_model, T, Y, p0=[0.0, 0.0], jac=line_model_jac,
                                       method=method, full_output=True)
    assert_solved_or_failed(popt, info["success"], info["message"])
    assert info["success"], info["message"]


@pytest.mark.parametrize("method", ["lm", "trf"])
def test_a_well_scaled_fit_still_converges_on_ftol(method):
    # the Gauss-Newton steps of a small-residual fit near its solution fit in the trust
    # region: the ftol test still ends the run there, at SciPy's solution
    res = fastgrad.least_squares(decay, np.array([1.0, 1.0, 0.0]), jac=decay_jac,
                                 method=method)
    assert res.success, res.message
    assert res.status in (2, 4), res.message
    np.testing.assert_allclose(res.x, [2.0, 1.3, 0.4], rtol=0.05)
    scipy_optimize = pytest.importorskip("scipy.optimize")
    ref = scipy_optimize.least_squares(decay, np.array([1.0, 1.0, 0.0]), jac=decay_jac,
                                       method=method)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-6)
