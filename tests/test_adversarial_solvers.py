"""Hostile but legal objectives against the solvers added after the adversarial grid of
``test_adversarial.py``: ``compile_minimizer`` (with and without bounds),
``compile_least_squares``, ``least_squares`` within bounds ("trf") and ``multistart``.
Each call gives the right result or a clear error, never a silent wrong value:

* an objective returning complex values: ``ValueError`` (ObjectiveReturnError) naming what
  it returned;
* an objective raising on part of its domain: the user's own exception, unchanged;
* a ``numba.njit`` dispatcher with unusual options (fastmath, boundscheck, the Python error
  model): used as given, with the result of the plain call bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad

X0 = np.array([0.0, 0.0])
BOX = ([-2.0, -2.0], [2.0, 2.0])


def complex_value(x):
    return (x[0] - 1.0) ** 2 + 1j * x[1]


def complex_residuals(x):
    return np.array([x[0] - 1.0 + 0j, x[1] * 1j])


def raising_value(x):
    if x[0] > 0.5:
        raise ValueError("outside the model's domain")
    return (x[0] - 2.0) ** 2 + x[1] ** 2


def raising_residuals(x):
    if x[0] > 0.5:
        raise ValueError("outside the model's domain")
    return np.array([x[0] - 2.0, x[1], x[0] * x[1]])


def bowl(x):
    return (x[0] - 1.0) ** 2 + 10.0 * (x[1] + 0.5) ** 2


def residuals(x):
    return np.array([x[0] - 1.0, 10.0 * (x[1] + 0.5), x[0] * x[1]])


UNUSUAL = {"fastmath": True, "boundscheck": True, "error_model": "python"}
odd_bowl = numba.njit(**UNUSUAL)(bowl)
odd_residuals = numba.njit(**UNUSUAL)(residuals)

SCALAR_CALLS = {
    "compile_minimizer": lambda f: fastgrad.compile_minimizer(f)(X0),
    "compile_minimizer bounds": lambda f: fastgrad.compile_minimizer(f, bounds=BOX)(X0),
    "multistart": lambda f: fastgrad.multistart(f, ([-1, -1], [1, 1]), n_starts=4),
}
RESIDUAL_CALLS = {
    "compile_least_squares": lambda r: fastgrad.compile_least_squares(r)(X0),
    "least_squares trf": lambda r: fastgrad.least_squares(r, X0, bounds=BOX),
}


@pytest.mark.parametrize("name", SCALAR_CALLS)
def test_complex_valued_objective_is_refused(name):
    with pytest.raises(ValueError, match="must return a real scalar.*complex128"):
        SCALAR_CALLS[name](complex_value)


@pytest.mark.parametrize("name", RESIDUAL_CALLS)
def test_complex_valued_residuals_are_refused(name):
    with pytest.raises(ValueError, match="real.*complex128"):
        RESIDUAL_CALLS[name](complex_residuals)


@pytest.mark.parametrize("name", SCALAR_CALLS)
def test_raising_objective_raises_its_own_error(name):
    with pytest.raises(ValueError, match="outside the model's domain"):
        SCALAR_CALLS[name](raising_value)


@pytest.mark.parametrize("name", RESIDUAL_CALLS)
def test_raising_residuals_raise_their_own_error(name):
    with pytest.raises(ValueError, match="outside the model's domain"):
        RESIDUAL_CALLS[name](raising_residuals)


@pytest.mark.parametrize("bounds", [None, BOX])
def test_unusual_njit_options_compile_minimizer(bounds):
    sol = fastgrad.compile_minimizer(odd_bowl, bounds=bounds)(X0)
    res = fastgrad.minimize(odd_bowl, X0, bounds=bounds)
    np.testing.assert_array_equal(sol.x, res.x)
    assert (sol.fun, sol.nfev, sol.status) == (res.fun, res.nfev, res.status)
    np.testing.assert_allclose(sol.x, [1.0, -0.5], atol=1e-6)  # gtol 1e-6, Hessian diag(2, 20)


def test_unusual_njit_options_least_squares():
    sol = fastgrad.compile_least_squares(odd_residuals)(X0)
    res = fastgrad.least_squares(odd_residuals, X0)
    np.testing.assert_array_equal(sol.x, res.x)
    assert sol.cost == res.cost and sol.nfev == res.nfev
    bounded = fastgrad.least_squares(odd_residuals, X0, bounds=BOX)  # the box does not bind
    # both stop by ftol = 1e-8 on the relative reduction of the cost (0.0995 here); the
    # problem is well conditioned (J'J has eigenvalues of about 1 and 100), so the two
    # stopping points agree far better than 1e-5 relative
    np.testing.assert_allclose(bounded.x, res.x, rtol=1e-5)
