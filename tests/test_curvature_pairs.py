"""lbfgs and bfgs store a curvature pair when ``s'y > eps |s'g_prev|`` (L-BFGS-B's test). The
test used before, ``s'y > 1e-12 y'y``, was not invariant to the scale of the problem: it
rejected every pair of a direction whose second derivative exceeds 1e12 (here 1e14), and the
method fell back to steepest descent (MGH's Meyer problem stopped at max_iter 7e6 above its
minimum)."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad.result import CONVERGED


@numba.njit
def stiff(x):
    return 0.5 * (1e14 * (x[0] - 1e-7) ** 2 + (x[1] - 3.0) ** 2 + 4.0 * (x[2] + 1.0) ** 2)


@numba.njit
def stiff_jac(x):
    return np.array([1e14 * (x[0] - 1e-7), x[1] - 3.0, 4.0 * (x[2] + 1.0)])


@pytest.mark.parametrize("method", ["lbfgs", "bfgs"])
@pytest.mark.parametrize("bounded", [False, True])
def test_a_stiff_direction_keeps_its_curvature_pairs(method, bounded):
    bounds = (-10.0, 10.0) if bounded else None  # inactive: the loop within bounds too
    res = fastgrad.minimize(stiff, [1.0, 1.0, 1.0], method=method, jac=stiff_jac,
                            gtol=1e-6, max_iter=200, bounds=bounds)
    assert res.status == CONVERGED and res.nit <= 60, res.message
    # the minimizer to the accuracy gtol gives: |x_i - x*_i| <= gtol / (curvature i)
    error = np.abs(res.x - np.array([1e-7, 3.0, -1.0]))
    assert np.all(error <= np.array([1e-19, 2e-6, 5e-7])), error
