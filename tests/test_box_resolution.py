"""Bounded minimize where x is too large for its own steps: an honest failure, never success.

Two ways a bounded run far from its minimum claimed convergence after 0 iterations (found
by an adversarial probe; the same starts without bounds failed honestly with status 4, as
SciPy's L-BFGS-B does):

* the projected gradient ``P(x - g) - x`` was formed by rounding ``x - g``: where |g| is
  below half an ulp of x (x ~ 3e23, g ~ -6e3) it came out 0, and the run "converged" with
  ``jac = -6044``, ``active_mask = 0``, ``projected_gradient = 0``;
* the box line search's first trial did not move x (a step of about 1 at |x| ~ 1e16), and
  the decrease it "predicted" for that non-move, -0, passed for "below the noise of f":
  status 11, success, 1e16 from the minimum of a convex quadratic.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastgrad
from fastgrad._core.boxcheck import projected_step


def far_quadratic(x):
    return ((x[0] - 6.022e23) / 1e10) ** 2


def test_projected_gradient_not_lost_to_rounding():
    x0, lb, ub = np.array([3e23]), np.array([1e23]), np.array([1e24])
    res = fastgrad.minimize(far_quadratic, x0, bounds=(lb, ub))
    assert not res.success
    assert res.active_mask[0] == 0
    assert res.projected_gradient == pytest.approx(abs(res.jac[0]), rel=1e-12)  # interior
    assert res.projected_gradient > 6e3
    free = fastgrad.minimize(far_quadratic, x0)
    assert free.status == res.status == 4  # as without bounds


@pytest.mark.parametrize("scale", [1e16, 1e20, 1e40, 1e100, 1e150])
def test_no_success_claim_far_from_the_minimum(scale):
    def f(x):
        return np.sum((x - 0.3) ** 2)

    x0 = np.array([1.68, -3.46]) * scale
    box = (np.full(2, -10 * scale), np.full(2, 10 * scale))
    res = fastgrad.minimize(f, x0, bounds=box)
    # success only where f really reached its minimum 0 (a far start cannot: no claim)
    assert not res.success or res.fun <= 1e-6
    assert res.status != 11


def test_multistart_reports_no_false_success():
    lb, ub = np.array([1e23]), np.array([1e24])
    res = fastgrad.multistart(far_quadratic, (lb, ub), n_starts=4)
    assert not np.any(res.all.success & (res.all.fun > 1.0))


@settings(max_examples=200, deadline=None)
@given(x=st.floats(-1e3, 1e3), g=st.floats(-1e3, 1e3), lo=st.floats(-2e3, 0.0),
       width=st.floats(0.0, 4e3))
def test_projected_step_is_the_projection(x, g, lo, width):
    """In ordinary ranges the component equals ``clip(x - g, lo, hi) - x`` (to rounding of
    x - g, which the new form avoids); its sign and its limit at a bound are exact."""
    hi = lo + width
    x = min(max(x, lo), hi)
    p = projected_step.py_func(x, g, lo, hi)
    reference = min(max(x - g, lo), hi) - x
    assert p == pytest.approx(reference, rel=1e-12, abs=4 * np.spacing(max(abs(x), abs(g))))
    ulp = 4 * np.spacing(max(abs(x), abs(lo), abs(hi)))  # x + p rounds
    assert lo - ulp <= x + p <= hi + ulp
    if (g > 0.0 and g < x - lo) or (g < 0.0 and -g < hi - x):
        assert p == -g  # the full step stays in the box: the gradient itself
    elif g != 0.0:
        assert p == (lo - x if g > 0.0 else hi - x)  # the distance to that bound


def test_projected_step_edges():
    assert projected_step.py_func(3e23, -6044.0, 1e23, 1e24) == 6044.0  # x - g == x
    assert projected_step.py_func(0.0, 2.0, 0.0, 1.0) == 0.0  # on lb, g points out
    assert projected_step.py_func(1.0, -2.0, 0.0, 1.0) == 0.0  # on ub, g points out
    assert projected_step.py_func(0.5, 2.0, 0.0, 1.0) == -0.5  # limited by the bound
    assert np.isnan(projected_step.py_func(0.5, np.nan, 0.0, 1.0))
