"""Bounds far from x (1e12 to float max) must not stop the bounded trust-region method short
of the minimum. Their Coleman-Li distance once scaled a coordinate by ``sqrt(v)`` (1e15 at
a bound of 1e30), and ``least_squares`` claimed convergence at x0 or short of the minimum, as
SciPy's ``trf`` still does (:data:`fastgrad.optimize.trf_step.FAR`)."""

import numpy as np
import pytest

import fastgrad

T = np.linspace(0.0, 3.0, 30)
Y = 2.5 * np.exp(-1.3 * T) + 0.5
TRUE = np.array([2.5, 1.3, 0.5])  # the data are exact: the minimum cost is 0


def decay(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


FAR_BOUNDS = [
    ("lb 0, ub 1e30", ([0.0] * 3, [1e30] * 3)),
    ("lb 0, ub 1e300", ([0.0] * 3, [1e300] * 3)),
    ("lb 0, ub float max", ([0.0] * 3, [np.finfo(float).max] * 3)),
    ("lb -1e200, ub 1e12", ([-1e200] * 3, [1e12] * 3)),
    ("one coordinate, ub 1e300", ([-np.inf] * 3, [1e300, np.inf, np.inf])),
]


@pytest.mark.parametrize("jit", [None, False])
@pytest.mark.parametrize("label,bounds", FAR_BOUNDS, ids=[b[0] for b in FAR_BOUNDS])
def test_least_squares_reaches_the_minimum_within_far_bounds(label, bounds, jit):
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.1], args=(T, Y), bounds=bounds,
                                 jit=jit)
    assert res.success
    assert res.nit > 0
    # exact data: the residuals vanish at TRUE, and forward differences leave x within
    # about sqrt(eps) of it (the unbounded fit lands at the same accuracy)
    assert res.cost < 1e-20
    np.testing.assert_allclose(res.x, TRUE, rtol=1e-7)
    assert np.all(res.x >= np.asarray(bounds[0])) and np.all(res.x <= np.asarray(bounds[1]))


def test_curve_fit_within_far_bounds():
    def model(t, a, k, b):
        return a * np.exp(-k * t) + b

    popt, _ = fastgrad.curve_fit(model, T, Y + 0.0, p0=[1.0, 1.0, 0.1],
                                 bounds=([0.0] * 3, [1e300] * 3))
    np.testing.assert_allclose(popt, TRUE, rtol=1e-7)

