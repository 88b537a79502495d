"""A box narrower than the step: the derivative functions say how accurate the result is.

Within ``bounds=`` a coordinate whose box is narrower than its stencil has its step shrunk to
fit (:mod:`fastgrad.diff.bounds`). The truncation error shrinks, but the rounding error of f,
about ``eps |f| A / h**k`` (A the sum of the stencil's |weights| over its divisor, k = 1 for
a first difference, 2 for the Hessian), grows without limit: a Hessian in a box 1e-9 wide
was off by 2e3 on entries of about 3, silently. Now a ``FastgradWarning`` names the
coordinate, the box's width, the step and the estimated relative error, whenever that
estimate exceeds ``ROUNDING_WARN`` (1e-6 of ``|f| / max(1, |x_i|)**k``).

The tests check, against analytic derivatives, that

* the estimate is honest: the actual error is below a small multiple of it where it warns;
* no warning means an accurate result: within ``ROUNDING_WARN``-scale error plus the
  scheme's own truncation, for any box and point (a property test);
* boxes with room (x on a bound, one-sided stencils unshrunk) give no warning;
* every public function and path warns: gradient (every scheme, batches, ``vectorized=True``,
  ``workers=``), jacobian, derivative, hessian.
"""

from __future__ import annotations

import re
import warnings

import numba
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastgrad
from fastgrad import FastgradWarning
from fastgrad.diff.bounds import ROUNDING_WARN

SCHEMES = ["forward", "backward", "central", "central4", "complex"]
X0 = np.array([0.5, 0.2])


@numba.njit
def f(x):
    return np.exp(x[0]) + np.exp(x[1]) + x[0] ** 3


def f_grad(x):
    return np.array([np.exp(x[0]) + 3 * x[0] ** 2, np.exp(x[1])])


def f_hess(x):
    return np.diag([np.exp(x[0]) + 6 * x[0], np.exp(x[1])])


def box(width, x=X0):
    return x - width / 2, x + width / 2


def estimate(record) -> float:
    """The relative error the warning quotes."""
    (w,) = [w for w in record if issubclass(w.category, FastgradWarning)]
    return float(re.search(r"rounding error of f to about (\S+) relative", str(w.message))[1])


@pytest.mark.parametrize("width", [1e-12, 1e-14])
@pytest.mark.parametrize("method", SCHEMES)
def test_gradient_warns_with_an_honest_estimate(method, width):
    with pytest.warns(FastgradWarning, match="too little room for the step") as record:
        g = fastgrad.gradient(f, X0, method=method, bounds=box(width))
    err = np.max(np.abs(g - f_grad(X0)))
    # the estimate is relative to |f| / max(1, |x_i|); |f| = 2.99 here
    assert err <= 4 * estimate(record) * abs(f(X0))
    assert estimate(record) > ROUNDING_WARN


@pytest.mark.parametrize("width", [1e-6, 1e-9])
def test_hessian_warns_with_an_honest_estimate(width):
    with pytest.warns(FastgradWarning, match="step of the Hessian") as record:
        H = fastgrad.hessian(f, X0, bounds=box(width))
    err = np.max(np.abs(H - f_hess(X0)))
    assert err <= 4 * estimate(record) * abs(f(X0))
    assert err > 1e-4  # what went unsaid before: 1.8e-3 at 1e-6, 2e3 at 1e-9


def test_warning_names_coordinate_width_and_steps():
    lb, ub = np.array([0.0, 0.2 - 5e-13]), np.array([1.0, 0.2 + 5e-13])
    with pytest.warns(FastgradWarning) as record:
        fastgrad.gradient(f, X0, bounds=(lb, ub))
    text = str(record[0].message)
    assert "leave x[1] too little room for the step of the central differences" in text
    assert "the box is 1e-12 wide there" in text
    assert "the step shrank from 6.06e-06 to" in text
    assert record[0].filename == __file__  # points at the user's call


def test_batch_names_the_start():
    X = np.array([[0.5, 0.2], [0.1, 0.7]])
    lb = np.array([[0.0, 0.0], [0.1 - 5e-13, 0.0]])
    ub = np.array([[1.0, 1.0], [0.1 + 5e-13, 1.0]])
    with pytest.warns(FastgradWarning, match=r"x\[0\] of start 1 too little room"):
        G = fastgrad.gradient(f, X, bounds=(lb, ub))
    np.testing.assert_allclose(G[0], f_grad(X[0]), rtol=1e-9)  # start 0 untouched


def test_jacobian_and_derivative_warn():
    with pytest.warns(FastgradWarning, match="too little room"):
        fastgrad.jacobian(lambda x: np.exp(x), X0, bounds=box(1e-12))
    with pytest.warns(FastgradWarning, match="too little room"):
        fastgrad.derivative(np.exp, 0.5, bounds=(0.5 - 5e-13, 0.5 + 5e-13))


def test_vectorized_and_workers_warn():
    def fv(X):
        return np.exp(X[..., 0]) + np.exp(X[..., 1]) + X[..., 0] ** 3

    with pytest.warns(FastgradWarning, match="too little room"):
        g = fastgrad.gradient(fv, X0, bounds=box(1e-12), vectorized=True)
    assert np.max(np.abs(g - f_grad(X0))) < 1e-2
    with pytest.warns(FastgradWarning, match="too little room"):
        fastgrad.gradient(f, np.array([X0, X0]), bounds=box(1e-12), workers=2)


@pytest.mark.parametrize("method", SCHEMES)
@pytest.mark.parametrize("x", [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
def test_on_a_bound_with_room_no_warning(method, x):
    """One-sided stencils that fit unshrunk are as accurate as documented: no warning."""
    x = np.array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = fastgrad.gradient(f, x, method=method, bounds=(0.0, 1.0))
        H = fastgrad.hessian(f, x, bounds=(0.0, 1.0))
    np.testing.assert_allclose(g, f_grad(x), rtol=1e-6)
    np.testing.assert_allclose(H, f_hess(x), rtol=1e-5, atol=1e-6)


# The truncation error of each scheme at its own (largest) step, relative, with margin: the
# one-sided first differences O(h), h = sqrt(eps) ~ 1.5e-8 times f''/2 ~ 1e-8; the Hessian's
# one-sided rows O(h**2), h = eps**(1/4) ~ 1.2e-4: ~ 1e-7 times f''''.
TRUNCATION = {"forward": 1e-7, "backward": 1e-7, "central": 1e-9, "central4": 1e-10,
              "complex": 1e-10, "hessian": 1e-6}


@settings(max_examples=60, deadline=None)
@given(width=st.sampled_from([1e-15, 1e-13, 1e-11, 1e-9, 1e-7, 1e-5, 1e-3, 1.0]),
       where=st.sampled_from([0.0, 1e-3, 0.5, 1.0]),
       method=st.sampled_from(SCHEMES + ["hessian"]))
def test_property_silent_means_accurate(width, where, method):
    """Any box around x: either a warning, or the error is below what the scheme promises
    plus 4 ROUNDING_WARN |f| (the threshold of the warning, with the estimate's margin)."""
    x = np.array([0.5, 0.2])
    lb = np.minimum(x - where * width, x)
    ub = np.maximum(lb + width, x)  # (x itself inside, whatever the rounding)
    if np.any(ub - lb <= 4 * np.spacing(x)):
        return  # no room at all: an error, tested in test_bounds_diff
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        if method == "hessian":
            err = np.max(np.abs(fastgrad.hessian(f, x, bounds=(lb, ub)) - f_hess(x)))
        else:
            g = fastgrad.gradient(f, x, method=method, bounds=(lb, ub))
            err = np.max(np.abs(g - f_grad(x)))
    if not [w for w in record if issubclass(w.category, FastgradWarning)]:
        assert err <= 10 * TRUNCATION[method] + 4 * ROUNDING_WARN * abs(f(x))
