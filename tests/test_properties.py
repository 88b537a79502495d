"""Properties that hold for every input (hypothesis), with pinned regression examples.

Tolerances are derived, not tuned. For a linear or quadratic objective the truncation error of
every scheme is zero (the derivatives of the orders the schemes neglect vanish), so the whole
error is rounding. A sum of k products evaluated in floating point is off by at most
(k + 2) * eps * S, where S is the sum of the magnitudes of the terms; a difference quotient with
weights w and divisor d * h turns that into sum|w| / d * (k + 2) * eps * S / h. The steps h are
those fastgrad takes (``fastgrad.steps.REL_STEPS``, divided as (x + h) - x). The complex step
has no subtractive cancellation: for these objectives it is exact to a few ulps.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastgrad
from fastgrad import problems
from fastgrad.steps import REL_STEPS

EPS = np.finfo(np.float64).eps
SCHEMES = ("forward", "backward", "central", "central4", "complex")
REL = dict(zip(SCHEMES, REL_STEPS[:5]))
HESSIAN_REL = REL_STEPS[5]
# sum |weights| / divisor of each real stencil (forward: |1| + |-1| over 1, ...).
STENCIL_GAIN = {"forward": 2.0, "backward": 2.0, "central": 1.0, "central4": 1.5}

# deadline None: the first example compiles. derandomize: the same examples on every run, so
# the suite's time and outcome are reproducible. Properties run once per scheme take 20
# examples per scheme (100 in all).
PROPERTY = settings(max_examples=50, deadline=None, derandomize=True)
PER_SCHEME = settings(PROPERTY, max_examples=20)


def taken_steps(x, rel):
    """The steps fastgrad takes at x: rel * max(1, |x|), divided as (x + h) - x."""
    h = rel * np.maximum(1.0, np.abs(x))
    return (x + h) - x


def finite(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def sized(bound):
    """0 or a magnitude in [1e-30, bound]. Smaller magnitudes make the products c * h (h down
    to 2**-60 for the complex step) subnormal, where rounding is absolute rather than relative:
    a limit of the floating-point range, not of the schemes (the complex step's self-check
    then falls back to central4 and warns)."""
    return st.one_of(st.just(0.0), finite(1e-30, bound), finite(-bound, -1e-30))


@st.composite
def vectors(draw, n, bound):
    return draw(hnp.arrays(np.float64, n, elements=sized(bound)))


@st.composite
def linear_cases(draw):
    n = draw(st.integers(1, 6))
    return draw(vectors(n, 1e3)), draw(vectors(n, 1e3))


@st.composite
def matrix_cases(draw, bound_x, bound_a, square):
    n = draw(st.integers(1, 5))
    m = n if square else draw(st.integers(1, 4))
    A = draw(hnp.arrays(np.float64, (m, n), elements=sized(bound_a)))
    return A, draw(vectors(n, bound_x))


# ---------------------------------------------------------------------------
# The gradient of a linear function is its coefficient vector
# ---------------------------------------------------------------------------


def linear_tolerance(c, x, scheme):
    """Rounding bound of each component for f = c . x (see the module docstring)."""
    if scheme == "complex":
        return 4.0 * EPS * np.abs(c)  # Im(c_i (x_i + i h)) / h: one product, one quotient
    n = x.size
    h = taken_steps(x, REL[scheme])
    S = np.sum(np.abs(c) * (np.abs(x) + 2.0 * h))
    return STENCIL_GAIN[scheme] * (n + 2) * EPS * S / h + 4.0 * EPS * np.abs(c)


@pytest.mark.parametrize("scheme", SCHEMES)
@PER_SCHEME
@given(case=linear_cases())
@example(case=(np.array([1e3, 1e-3]), np.array([1e3, -1e3])))  # |c_1| << S
@example(case=(np.array([2.0]), np.array([0.0])))
def test_gradient_of_a_linear_function_is_its_coefficients(objectives, scheme, case):
    c, x = case
    g = fastgrad.gradient(objectives.linear, x, method=scheme, args=(c,))
    assert np.all(np.abs(g - c) <= linear_tolerance(c, x, scheme))


# ---------------------------------------------------------------------------
# The Jacobian of a linear map A x is A
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES[:4])  # the complex Jacobian: see the identity test
@PER_SCHEME
@given(case=matrix_cases(1e3, 1e3, square=False))
@example(case=(np.array([[1.0, 2.0, 3.0]]), np.array([0.0, -1.0, 1e3])))
def test_jacobian_of_a_linear_map_is_its_matrix(objectives, scheme, case):
    A, x = case
    J = fastgrad.jacobian(objectives.matvec, x, method=scheme, args=(A,))
    assert J.shape == A.shape
    for k in range(A.shape[0]):  # row k is the gradient of the linear function A[k] . x
        assert np.all(np.abs(J[k] - A[k]) <= linear_tolerance(A[k], x, scheme))


# ---------------------------------------------------------------------------
# The Hessian of x^T A x is A + A^T
# ---------------------------------------------------------------------------


def quadratic_tolerance(A, x):
    """Rounding bound of each entry for f = x^T A x (n**2 terms).

    f is off by at most (n**2 + 2) eps S with S = sum |x_i A_ij x_j| at the perturbed point.
    Diagonal: ((f+ - f0) + (f- - f0)) / h_i**2, gain 4; off-diagonal: the four-point formula
    over 4 h_i h_j, gain 1. For |x|, |A| <= 1 and n <= 5 this is at most ~4e-5, and usually the
    actual error is ~1e-8 (eps / h**2 = eps**(1/2) times |f|).
    """
    n = x.size
    h = taken_steps(x, HESSIAN_REL)
    ax = np.abs(x) + h
    S = ax @ np.abs(A) @ ax
    bound = (n * n + 2) * EPS * S / np.outer(h, h)
    bound[np.diag_indices(n)] *= 4.0
    return bound + 4.0 * EPS * np.abs(A + A.T)


@PROPERTY
@given(case=matrix_cases(10.0, 10.0, square=True))
@example(case=(np.array([[0.0, 1.0], [-1.0, 0.0]]), np.array([0.5, 2.0])))  # A + A^T = 0
@example(case=(np.array([[2.0]]), np.array([0.0])))
def test_hessian_of_a_quadratic_is_a_plus_a_transpose(objectives, case):
    A, x = case
    H = fastgrad.hessian(objectives.quadratic, x, args=(A,))
    np.testing.assert_array_equal(H, H.T)
    assert np.all(np.abs(H - (A + A.T)) <= quadratic_tolerance(A, x))


def test_hessian_of_a_well_scaled_quadratic_to_one_in_a_million(objectives):
    # The worst-case bound above is ~1e-5 relative for |x|, |A| <= 1; the error one expects,
    # eps * |f| / h**2 = eps**(1/2) * |f| ~ 1e-8 for |f| ~ 1, is far below 1e-6 relative.
    rng = np.random.default_rng(5)
    A = rng.uniform(-1.0, 1.0, (4, 4))
    x = rng.uniform(-1.0, 1.0, 4)
    H = fastgrad.hessian(objectives.quadratic, x, args=(A,))
    assert np.max(np.abs(H - (A + A.T))) < 1e-6 * np.max(np.abs(A + A.T))


# ---------------------------------------------------------------------------
# The caller's x is never modified
# ---------------------------------------------------------------------------


def batch_linear(X, c):
    """c . x for each row of a batch (a vectorized objective)."""
    return X @ c


@st.composite
def caller_arrays(draw):
    """Arrays as callers pass them: float64/float32/int, 1-D or 2-D, maybe strided or
    read-only."""
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64, np.int32]))
    two_d = draw(st.booleans())
    n = draw(st.integers(1, 4))
    shape = (draw(st.integers(1, 3)), 2 * n) if two_d else (2 * n,)
    if np.dtype(dtype).kind == "f":
        elements = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)
    else:
        elements = st.integers(-1000, 1000)
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    if draw(st.booleans()):
        x = x[..., ::2]  # a strided view
    else:
        x = x[..., :n]
    if draw(st.booleans()):
        x.flags.writeable = False
    return x


@PROPERTY
@given(x=caller_arrays())
@example(x=np.array([3, 4]))  # the seeds' integer point
def test_the_callers_x_is_never_modified(objectives, scalar_switch, x):
    before = x.copy()
    flags = (x.dtype, x.shape, x.strides, x.flags.writeable)
    f = problems.rosenbrock  # any n (n = 1 gives f = 0)
    for scheme in ("forward", "central4", "complex"):
        fastgrad.gradient(f, x, method=scheme)
    fastgrad.derivative(scalar_switch.f, x, args=scalar_switch.args(problems.sigmoid))
    if x.ndim == 1:
        c = np.linspace(-1.0, 2.0, x.size)
        fastgrad.jacobian(objectives.view_of_x, x)
        fastgrad.hessian(f, x)
        fastgrad.check_grad(f, problems.rosenbrock_grad, x)
        fastgrad.gradient(batch_linear, x, vectorized=True, args=(c,))
    np.testing.assert_array_equal(x, before)
    assert (x.dtype, x.shape, x.strides, x.flags.writeable) == flags


# ---------------------------------------------------------------------------
# Results are deterministic
# ---------------------------------------------------------------------------


@st.composite
def rosenbrock_points(draw):
    n = draw(st.integers(2, 6))
    m = draw(st.integers(1, 4))
    return draw(hnp.arrays(np.float64, (m, n), elements=finite(-3.0, 3.0)))


@PROPERTY
@given(X=rosenbrock_points(), scheme=st.sampled_from(SCHEMES))
@pytest.mark.filterwarnings("ignore::fastgrad.FastgradWarning")  # e.g. complex step at 1e-303
def test_results_are_bit_identical_on_repeat(X, scheme):
    f = problems.rosenbrock
    first = fastgrad.gradient(f, X, method=scheme)  # batched, over threads
    np.testing.assert_array_equal(fastgrad.gradient(f, X, method=scheme), first)
    np.testing.assert_array_equal(fastgrad.gradient(f, X[0], method=scheme), first[0])
    H = fastgrad.hessian(f, X[0])
    np.testing.assert_array_equal(fastgrad.hessian(f, X[0]), H)
