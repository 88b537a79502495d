"""lbfgs and bfgs store every curvature pair with ``s'y > eps |s'g|`` (L-BFGS-B's test,
:data:`fastgrad.optimize.methods.PAIR_EPS`), whatever the scale of the curvature: a test of
``s'y`` against ``y'y`` rejects the pairs of a direction with a large second derivative (here
1e14), and the method falls back to steepest descent on an ill-conditioned problem."""

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
