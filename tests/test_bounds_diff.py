"""``bounds=`` on derivative, gradient, jacobian, hessian and grad (issue #14, item 1).

Grouped by what they prove:

* f is never evaluated outside the box: guarded objectives that count (compiled) or raise
  (Python engine) at a point outside, for every scheme, every function and every path
  (engine, batched with per-row boxes, ``workers=``, ``vectorized=True``), at points on a
  bound, within a step of it, and in boxes narrower than a step;
* accuracy near a bound against analytic derivatives, with tolerances from the order of the
  one-sided formulas (:mod:`fastgrad.diff.bounds`);
* agreement with SciPy's ``approx_derivative(bounds=...)``, and the ideas of SciPy's own bound
  tests (``scipy/optimize/tests/test__numdiff.py``), written anew;
* bounds that bound nothing change nothing, bit for bit;
* every validation message.
"""

from __future__ import annotations

import math
import warnings

import numba
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fastgrad
from fastgrad import FastgradWarning
from fastgrad.diff.bounds import bounded_step

SCHEMES = ["forward", "backward", "central", "central4", "complex"]
EPS = np.finfo(float).eps

# Relative tolerances near a bound, from the order and step of each formula there: one-sided
# first differences (forward, backward) O(h), h = eps**(1/2): ~1e-8 times the curvature; the
# one-sided 3-point formula O(h**2), h = eps**(1/3): ~1e-10 (rounding 4 eps / h); the
# one-sided 5-point formula O(h**4), h = eps**(1/5): rounding (128 / 12) eps / h ~ 3e-12; the
# complex step near a bound is the bounded central4.
RTOL = {"forward": 1e-6, "backward": 1e-6, "central": 1e-8, "central4": 1e-10,
        "complex": 1e-10}


# --- guarded objectives --------------------------------------------------------------------
# Outside-the-box detection: ``lo <= y <= hi`` for every coordinate, where y is x itself, or
# x modulo ``period`` (period > 0) so that one objective guards a batch whose row r lies in its
# own box [period * k, period * k + 1] (k per row and coordinate). ``bad[0]`` counts the
# evaluations outside.

@numba.njit
def _outside(x, lo, hi, period):
    for i in range(x.shape[0]):
        y = x[i].real
        if period > 0.0:
            y = y - period * math.floor(y / period)
        if y < lo[i] or y > hi[i]:
            return True
    return False


@numba.njit
def smooth(x):
    return np.exp(0.5 * x[0]) + x[0] * x[1] * x[1] + x[1] * x[2] + x[2] * x[2] * x[2]


def smooth_grad(x):
    x0, x1, x2 = x
    return np.array([0.5 * np.exp(0.5 * x0) + x1 * x1, 2 * x0 * x1 + x2, x1 + 3 * x2 * x2])


def smooth_hess(x):
    x0, x1, x2 = x
    return np.array([[0.25 * np.exp(0.5 * x0), 2 * x1, 0.0], [2 * x1, 2 * x0, 1.0],
                     [0.0, 1.0, 6 * x2]])


@numba.njit
def guarded(x, lo, hi, period, bad):
    if _outside(x, lo, hi, period):
        bad[0] += 1.0
    return smooth(x)


@numba.njit
def guarded_vector(x, lo, hi, period, bad):
    if _outside(x, lo, hi, period):
        bad[0] += 1.0
    return np.array([smooth(x), x[0] * x[2], np.exp(x[1])])


def guarded_jacobian(x):
    return np.vstack([smooth_grad(x), [x[2], 0.0, x[0]], [0.0, np.exp(x[1]), 0.0]])


@numba.njit
def guarded_scalar(t, lo, hi, bad):
    if t.real < lo or t.real > hi:
        bad[0] += 1.0
    return np.exp(0.5 * t) + t * t * t


class Raising:
    """A Python objective (``jit=False``) that raises at any point outside its box."""

    def __init__(self, lo, hi, period=0.0, vector=False):
        self.lo, self.hi, self.period, self.vector = np.asarray(lo), np.asarray(hi), period, vector
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        y = np.real(x)
        if self.period:
            y = np.mod(y, self.period)
        if np.any(y < self.lo) or np.any(y > self.hi):
            raise ValueError(f"evaluated outside the box at {x!r}")
        if self.vector:
            return np.array([smooth.py_func(x), x[0] * x[2], np.exp(x[1])])
        return smooth.py_func(x)


def _box(lo, hi, n=3):
    return np.full(n, float(lo)), np.full(n, float(hi))


# Points of the box [0, 1]^3: on the lower bound, on the upper one, within a step of each
# (closer than every scheme's step, and between h and 2h of central4), and inside.
POINTS = {
    "on lower": [0.0, 0.0, 0.0],
    "on upper": [1.0, 1.0, 1.0],
    "near both": [1e-9, 1.0 - 3e-6, 0.5],
    "within a step": [1e-4, 1.0 - 1e-3, 1e-7],
    "mixed": [0.0, 0.5, 1.0],
    "inside": [0.3, 0.6, 0.9],
}


# --- f is never evaluated outside the box ---------------------------------------------------

@pytest.mark.parametrize("method", SCHEMES)
@pytest.mark.parametrize("point", list(POINTS))
def test_gradient_never_outside_and_accurate(method, point):
    x = np.array(POINTS[point])
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    g = fastgrad.gradient(guarded, x, method=method, args=(lo, hi, 0.0, bad), bounds=(0, 1))
    assert bad[0] == 0
    np.testing.assert_allclose(g, smooth_grad(x), rtol=RTOL[method], atol=RTOL[method])


@pytest.mark.parametrize("method", SCHEMES)
@pytest.mark.parametrize("point", list(POINTS))
def test_jacobian_never_outside_and_accurate(method, point):
    x = np.array(POINTS[point])
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    J = fastgrad.jacobian(guarded_vector, x, method=method, args=(lo, hi, 0.0, bad),
                          bounds=(0, 1))
    assert bad[0] == 0
    np.testing.assert_allclose(J, guarded_jacobian(x), rtol=RTOL[method], atol=RTOL[method])


@pytest.mark.parametrize("point", list(POINTS))
def test_hessian_never_outside_and_accurate(point):
    """O(h**2) with h = eps**(1/4): rounding about 16 eps / h**2 ~ 2e-7 of |f| in the
    one-sided cross terms."""
    x = np.array(POINTS[point])
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    H = fastgrad.hessian(guarded, x, args=(lo, hi, 0.0, bad), bounds=(0, 1))
    assert bad[0] == 0
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(H, smooth_hess(x), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("method", SCHEMES)
def test_derivative_never_outside(method):
    t = np.array([0.0, 1e-9, 1e-4, 0.5, 1.0 - 1e-7, 1.0])
    bad = np.zeros(1)
    d = fastgrad.derivative(guarded_scalar, t, method=method, args=(0.0, 1.0, bad),
                            bounds=(0.0, 1.0))
    assert bad[0] == 0
    np.testing.assert_allclose(d, 0.5 * np.exp(0.5 * t) + 3 * t * t, rtol=RTOL[method],
                               atol=RTOL[method])


@pytest.mark.parametrize("method", SCHEMES)
@pytest.mark.parametrize("m", [5, 70])  # row by row, and the parallel batched kernel
def test_batched_per_row_bounds(method, m):
    """Row r in its own box [10 k, 10 k + 1] (k per row and coordinate): bounds of shape
    (m, n), with points on, near and inside the bounds of each row."""
    rng = np.random.default_rng(m)
    k = rng.integers(0, 2, size=(m, 3)).astype(float)
    offsets = np.array(list(POINTS.values()))
    X = 10.0 * k + offsets[np.arange(m) % len(offsets)]
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    G = fastgrad.gradient(guarded, X, method=method, args=(lo, hi, 10.0, bad),
                          bounds=(10.0 * k, 10.0 * k + 1.0))
    assert bad[0] == 0
    expected = np.array([smooth_grad(row) for row in X])
    # |f| up to ~2e3 at x ~ 11: the rounding error of the values scales with it
    np.testing.assert_allclose(G, expected, rtol=RTOL[method] * 1e2, atol=RTOL[method] * 1e4)


@pytest.mark.parametrize("method", SCHEMES)
def test_batched_shared_bounds_equal_rows(method):
    """Bounds of shape (n,) shared by every row: each row as its own call, bit for bit."""
    X = np.array(list(POINTS.values()))
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    args = (lo, hi, 0.0, bad)
    G = fastgrad.gradient(guarded, X, method=method, args=args, bounds=(lo, hi))
    rows = [fastgrad.gradient(guarded, x, method=method, args=args, bounds=(lo, hi)) for x in X]
    np.testing.assert_array_equal(G, np.array(rows))
    assert bad[0] == 0


@pytest.mark.parametrize("method", SCHEMES)
def test_python_engine_raising_objective(method):
    """An objective that raises outside the box: every function, on the Python engine."""
    f = Raising(0.0, 1.0)
    X = np.array(list(POINTS.values()))
    for x in X:
        fastgrad.gradient(f, x, method=method, bounds=(0, 1), jit=False)
        fastgrad.jacobian(Raising(0.0, 1.0, vector=True), x, method=method, bounds=(0, 1),
                          jit=False)
    fastgrad.gradient(f, X, method=method, bounds=(0, 1), jit=False)
    fastgrad.derivative(lambda t: f(np.array([t, 0.5, 0.5])), X[:, 0], method=method,
                        bounds=(0, 1), jit=False)
    g = fastgrad.grad(f, method=method, bounds=(0, 1), jit=False)
    for x in X:
        np.testing.assert_allclose(g(x), smooth_grad(x), rtol=RTOL[method],
                                   atol=RTOL[method])


def test_python_engine_raising_hessian():
    f = Raising(0.0, 1.0)
    for x in POINTS.values():
        H = fastgrad.hessian(f, x, bounds=(0, 1), jit=False)
        np.testing.assert_allclose(H, smooth_hess(np.array(x)), rtol=1e-5, atol=2e-6)


@pytest.mark.parametrize("method", SCHEMES)
def test_workers_respect_bounds(method):
    """``workers=``: the Python engine's kernels over a pool, bit-identical to jit=False."""
    X = np.array(list(POINTS.values()))
    f = Raising(0.0, 1.0)
    G = fastgrad.gradient(f, X, method=method, bounds=(0, 1), workers=2, jit=False)
    np.testing.assert_array_equal(G, fastgrad.gradient(f, X, method=method, bounds=(0, 1),
                                                       jit=False))
    fv = Raising(0.0, 1.0, vector=True)
    J = fastgrad.jacobian(fv, X[0], method=method, bounds=(0, 1), workers=2, jit=False)
    np.testing.assert_array_equal(J, fastgrad.jacobian(fv, X[0], method=method,
                                                       bounds=(0, 1), jit=False))
    if method == "central":
        H = fastgrad.hessian(f, X[2], bounds=(0, 1), workers=2, jit=False)
        np.testing.assert_array_equal(H, fastgrad.hessian(f, X[2], bounds=(0, 1), jit=False))


@pytest.mark.parametrize("method", SCHEMES)
def test_vectorized_respects_bounds(method):
    X = np.array(list(POINTS.values()))

    def batch(P):
        assert P.ndim == 2
        if np.any(np.real(P) < 0.0) or np.any(np.real(P) > 1.0):
            raise ValueError("evaluated outside the box")
        x0, x1, x2 = P.T
        return np.exp(0.5 * x0) + x0 * x1 * x1 + x1 * x2 + x2 * x2 * x2

    G = fastgrad.gradient(batch, X, method=method, bounds=(0, 1), vectorized=True)
    expected = np.array([smooth_grad(x) for x in X])
    np.testing.assert_allclose(G, expected, rtol=RTOL[method], atol=RTOL[method])
    g = fastgrad.gradient(batch, X[1], method=method, bounds=(0, 1), vectorized=True)
    np.testing.assert_allclose(g, expected[1], rtol=RTOL[method], atol=RTOL[method])


@pytest.mark.parametrize("method", SCHEMES)
def test_grad_compiled_respects_bounds(method):
    """``grad(f, bounds=)`` from Python and from the user's own ``@njit`` code."""
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    g = fastgrad.grad(guarded, method=method, bounds=(0, 1))

    @numba.njit
    def use(x, lo, hi, bad):
        return g(x, lo, hi, 0.0, bad)

    for x in POINTS.values():
        x = np.array(x)
        value = g(x, lo, hi, 0.0, bad)
        np.testing.assert_allclose(value, smooth_grad(x), rtol=RTOL[method],
                                   atol=RTOL[method])
        np.testing.assert_array_equal(use(x, lo, hi, bad), value)
    assert bad[0] == 0
    outside = np.array([0.5, 1.5, 0.5])
    with pytest.raises(ValueError, match="within the bounds given to grad"):
        use(outside, lo, hi, bad)
    with pytest.raises(ValueError, match=r"x\[1\] = 1.5 not in \[0.0, 1.0\]"):
        g(outside, lo, hi, 0.0, bad)
    assert bad[0] == 0


def test_complex_user_step_near_bound():
    """A user's step is the complex step's (tiny); the bounded central4 that stands in for it
    near a bound takes its own automatic step, on every path."""
    x = np.array(POINTS["within a step"])
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    args = (lo, hi, 0.0, bad)
    expected = smooth_grad(x)
    tol = dict(rtol=RTOL["complex"], atol=RTOL["complex"])
    np.testing.assert_allclose(fastgrad.gradient(guarded, x, method="complex", step=1e-20,
                                                 args=args, bounds=(0, 1)), expected, **tol)
    np.testing.assert_allclose(fastgrad.jacobian(guarded_vector, x, method="complex",
                                                 step=1e-20, args=args, bounds=(0, 1))[0],
                               expected, **tol)
    g = fastgrad.grad(guarded, method="complex", step=1e-20, bounds=(0, 1))
    np.testing.assert_allclose(g(x, *args), expected, **tol)
    assert bad[0] == 0


@settings(max_examples=40, deadline=None)
@given(
    lo=st.floats(-1e3, 1e3),
    width=st.sampled_from([1e-9, 1e-6, 1e-3, 1.0, 1e3]),
    where=st.sampled_from([0.0, 1e-12, 1e-7, 0.5, 1 - 1e-7, 1.0]),
    method=st.sampled_from(SCHEMES),
    step=st.sampled_from([None, 1e-2, 10.0]),
)
def test_property_never_outside(lo, width, where, method, step):
    """Any box, any point in it, any scheme, automatic or large steps: no evaluation outside
    (steps larger than the box shrink)."""
    hi = lo + width
    x = np.clip(np.full(3, lo + where * width), lo, hi)
    L, H = _box(lo, hi)
    bad = np.zeros(1)
    if method == "complex" and step is not None:
        step = 1e-20
    try:
        with warnings.catch_warnings():  # a box narrower than a step: test_narrow_box
            warnings.filterwarnings("ignore", "the bounds leave", FastgradWarning)
            fastgrad.gradient(guarded, x, method=method, step=step, args=(L, H, 0.0, bad),
                              bounds=(L, H))
            fastgrad.hessian(guarded, x, step=step, args=(L, H, 0.0, bad), bounds=(L, H))
    except ValueError as exc:  # a box narrower than the rounding of x
        assert "no room" in str(exc) or "too small" in str(exc)
    assert bad[0] == 0


def test_step_policy_rows():
    """Which stencil each coordinate gets (bounded_step): the scheme's own inside, one-sided
    towards the side with room near a bound, shrunk in a narrow box."""
    inf = np.inf
    auto = np.empty(0)
    row, h = bounded_step.py_func(2, 0.5, auto, 0, 0.0, 1.0)  # central, inside
    assert row == 2 and h == (0.5 + EPS ** (1 / 3)) - 0.5
    row, h = bounded_step.py_func(2, 1.0, auto, 0, -inf, 1.0)  # at ub: one-sided downwards
    assert row == 4 and h < 0
    row, h = bounded_step.py_func(0, 1.0, auto, 0, 0.0, 1.0)  # forward at ub: flips
    assert row == 0 and h < 0
    row, h = bounded_step.py_func(1, 0.0, auto, 0, 0.0, 1.0)  # backward at lb: flips
    assert row == 0 and h > 0
    row, h = bounded_step.py_func(3, 0.0, auto, 0, 0.0, inf)  # central4 at lb: 5-point
    assert row == 5 and h > 0
    row, h = bounded_step.py_func(2, 10.0, auto, 0, 10 - 3e-9, 10 + 2e-9)  # tight: shrinks
    assert row == 2 and 0 < h and 10 - 3e-9 <= 10 - h and 10 + h <= 10 + 2e-9
    row, h = bounded_step.py_func(2, 1.0, auto, 0, 1.0, 1.0)  # lb == ub: no room
    assert row == -1 and h == 0.0


# --- ideas of SciPy's bound tests (scipy/optimize/tests/test__numdiff.py), written anew ----

@numba.njit
def vector_vector(x):
    return np.array([x[0] * np.sin(x[1]), x[1] * np.cos(x[0]), x[0] ** 3 * x[1] ** -0.5])


def vector_vector_jac(x):
    return np.array([
        [np.sin(x[1]), x[0] * np.cos(x[1])],
        [-x[1] * np.sin(x[0]), np.cos(x[0])],
        [3 * x[0] ** 2 * x[1] ** -0.5, -0.5 * x[0] ** 3 * x[1] ** -1.5],
    ])


def test_scipy_idea_x_outside_and_two_point_on_bound():
    lb, ub = -np.ones(2), np.ones(2)
    with pytest.raises(ValueError, match=r"x\[0\] = -2.0 not in \[-1.0, 1.0\]"):
        fastgrad.jacobian(vector_vector, [-2.0, 0.2], method="forward", bounds=(lb, ub))
    x = np.array([-1.0, 1.0])
    J = fastgrad.jacobian(vector_vector, x, method="forward", bounds=(lb, ub))
    np.testing.assert_allclose(J, vector_vector_jac(x), rtol=1e-6)


@pytest.mark.parametrize("bounds", [(np.ones(2), np.inf), (-np.inf, 2 * np.ones(2)),
                                    (np.ones(2), 2 * np.ones(2))])
def test_scipy_idea_three_point_with_bounds(bounds):
    x = np.array([1.0, 2.0])
    J = fastgrad.jacobian(vector_vector, x, method="central", bounds=bounds)
    np.testing.assert_allclose(J, vector_vector_jac(x), rtol=1e-9)


@pytest.mark.parametrize("method,scipy_method", [("forward", "2-point"), ("central", "3-point")])
def test_scipy_idea_tight_bounds(method, scipy_method):
    """A box narrower than the step: the step shrinks to fit, to about 2e-9 here; the rounding
    error of the values, eps * |f| / h ~ 2.2e-16 * 316 / 2e-9 ~ 3.5e-5, is 2e-6 of the
    derivative -15.8 of the third output. SciPy shrinks the same way, to the same numbers,
    silently; fastgrad says how accurate they are (test_narrow_box)."""
    approx_derivative = pytest.importorskip("scipy.optimize._numdiff").approx_derivative
    x = np.array([10.0, 10.0])
    for lb, ub in ((x - 3e-9, x + 2e-9), (x - 1e-8, x)):
        with warnings.catch_warnings():  # about 1e-6, where the warning begins
            warnings.filterwarnings("ignore", "the bounds leave", FastgradWarning)
            J = fastgrad.jacobian(vector_vector, x, method=method, bounds=(lb, ub))
        np.testing.assert_allclose(J, vector_vector_jac(x), rtol=5e-6)
        theirs = approx_derivative(vector_vector.py_func, x, method=scipy_method,
                                   bounds=(lb, ub))
        np.testing.assert_allclose(J, theirs, rtol=1e-12)


@numba.njit
def nan_outside(x):
    return x[0] if abs(x[0]) <= 1e-8 else np.nan


@pytest.mark.parametrize("method", ["forward", "backward", "central", "central4"])
@pytest.mark.parametrize("x0", [0.0, 1e-8, -1e-8])
def test_scipy_idea_bound_switches(method, x0):
    """NaN outside [-1e-8, 1e-8]: a finite derivative proves every point was inside."""
    g = fastgrad.gradient(nan_outside, np.array([x0]), method=method, bounds=(-1e-8, 1e-8))
    np.testing.assert_allclose(g, [1.0], rtol=1e-6)


@pytest.mark.parametrize("method,scipy_method", [("forward", "2-point"),
                                                 ("central", "3-point"), ("complex", "cs")])
@pytest.mark.parametrize("x", [[0.0, 1.0], [1.0, 2.0], [0.5, 2.0 - 1e-7], [2.0, 1.0]])
def test_agrees_with_scipy(method, scipy_method, x):
    approx_derivative = pytest.importorskip("scipy.optimize._numdiff").approx_derivative
    lb, ub = np.array([0.0, 1.0]), np.array([2.0, 2.0])
    x = np.array(x)
    ours = fastgrad.jacobian(vector_vector, x, method=method, bounds=(lb, ub))
    theirs = approx_derivative(vector_vector.py_func, x, method=scipy_method, bounds=(lb, ub))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6 if method == "forward" else 1e-8,
                               atol=1e-9)
    np.testing.assert_allclose(ours, vector_vector_jac(x), rtol=RTOL[method],
                               atol=1e-7 if method == "forward" else 1e-9)


def test_scipy_bounds_object():
    Bounds = pytest.importorskip("scipy.optimize").Bounds
    x = np.array([0.0, 1.0, 0.5])
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    g = fastgrad.gradient(guarded, x, args=(lo, hi, 0.0, bad), bounds=Bounds(lo, hi))
    assert bad[0] == 0
    np.testing.assert_array_equal(g, fastgrad.gradient(guarded, x, args=(lo, hi, 0.0, bad),
                                                       bounds=(0.0, 1.0)))


def test_bounds_forms_agree():
    """(lb, ub) scalars or arrays, n (lo, hi) pairs, None and infinities for no bound."""
    x = np.array([0.0, 1.0, 0.5])
    lo, hi = _box(0, 1)
    bad = np.zeros(1)
    args = (lo, hi, 0.0, bad)
    reference = fastgrad.gradient(guarded, x, args=args, bounds=(0.0, 1.0))
    for bounds in ([(0, 1)] * 3, (lo, hi), ([0, None, 0], [1, 1, None]),
                   [(0, 1), (None, 1), (0, np.inf)]):
        np.testing.assert_array_equal(fastgrad.gradient(guarded, x, args=args, bounds=bounds),
                                      reference)
    assert bad[0] == 0


# --- bounds that bound nothing change nothing ----------------------------------------------

@pytest.mark.parametrize("method", SCHEMES)
def test_far_bounds_are_bit_identical(method):
    x = np.array([0.3, 0.6, 0.9])
    X = np.array([x, x + 1.0])
    lo, hi = _box(-10, 10)
    bad = np.zeros(1)
    args = (lo, hi, 0.0, bad)
    for bounds in ((-10, 10), (-np.inf, np.inf), (None, None)):
        for point in (x, X):
            np.testing.assert_array_equal(
                fastgrad.gradient(guarded, point, method=method, args=args, bounds=bounds),
                fastgrad.gradient(guarded, point, method=method, args=args))
        np.testing.assert_array_equal(
            fastgrad.jacobian(guarded_vector, x, method=method, args=args, bounds=bounds),
            fastgrad.jacobian(guarded_vector, x, method=method, args=args))
    np.testing.assert_array_equal(fastgrad.hessian(guarded, x, args=args, bounds=(-10, 10)),
                                  fastgrad.hessian(guarded, x, args=args))


# --- validation ------------------------------------------------------------------------------

def _f2(x):
    return x[0] ** 2 + x[1] ** 2


@pytest.mark.parametrize("call", [
    lambda b: fastgrad.gradient(_f2, [0.5, 0.5], bounds=b),
    lambda b: fastgrad.jacobian(_f2, [0.5, 0.5], bounds=b),
    lambda b: fastgrad.hessian(_f2, [0.5, 0.5], bounds=b),
    lambda b: fastgrad.derivative(math.sin, [0.5, 0.5], bounds=b, jit=False),
], ids=["gradient", "jacobian", "hessian", "derivative"])
@pytest.mark.parametrize("bounds,error,match", [
    ((1.0, 0.0), ValueError, r"bounds: lower bound above upper bound at index 0.*lb = 1.0 > "
                             r"ub = 0.0"),
    ((np.zeros(3), 1.0), ValueError, r"bounds must broadcast to the shape of x \(2,\), got "
                                     r"lower bounds of shape \(3,\)"),
    ((np.nan, 1.0), ValueError, "bounds lower bounds must not contain NaN"),
    (("a", 1.0), TypeError, "bounds lower bounds must be real numbers or None"),
    ("box", TypeError, "bounds must be None, \\(lb, ub\\), a sequence of \\(lo, hi\\) pairs"),
    (3.0, TypeError, "bounds must be None, \\(lb, ub\\)"),
    ([(0, 1), (0, 1), (0,)], ValueError, "bounds must be \\(lb, ub\\) or a sequence of "
                                         "\\(lo, hi\\) pairs"),
    ((0.6, 1.0), ValueError, r"x must lie within the bounds \(f is never evaluated outside "
                             r"them\): x\[0\] = 0.5 not in \[0.6, 1.0\]; x\[1\] = 0.5"),
    ((0.5, 0.5), ValueError, "bounds leave no room for a finite-difference step at index 0"),
])
def test_validation(call, bounds, error, match):
    with pytest.raises(error, match=match):
        call(bounds)


def test_validation_pairs_for_two_coordinates():
    """Two entries are (lb, ub), as in approx_derivative; the error says so where pairs
    were perhaps meant."""
    with pytest.raises(ValueError, match=r"read as \(lb, ub\): for one \(lo, hi\) pair per "
                                         r"coordinate pass scipy.optimize.Bounds"):
        fastgrad.gradient(_f2, [1.5, 2.5], bounds=[(0, 2), (1, 3)])


def test_validation_scalar_x():
    """derivative at a 0-d x: the messages have no index."""
    with pytest.raises(ValueError, match=r"^x must lie within the bounds \(f is never "
                                         r"evaluated outside them\): x = 2.0 not in \[0.0, 1.0\]$"):
        fastgrad.derivative(guarded_scalar, 2.0, args=(0.0, 1.0, np.zeros(1)), bounds=(0, 1))
    with pytest.raises(ValueError, match=r"lower bound above upper bound \(lb = 2.0 > ub = 1.0\)"):
        fastgrad.derivative(guarded_scalar, 0.5, args=(0.0, 1.0, np.zeros(1)), bounds=(2, 1))
    with pytest.raises(ValueError, match=r"no room for a finite-difference step \(lb = 0.5"):
        fastgrad.derivative(guarded_scalar, 0.5, args=(0.0, 1.0, np.zeros(1)),
                            bounds=(0.5, 0.5))


def test_validation_batched_and_grad():
    with pytest.raises(ValueError, match=r"x\[\(1, 0\)\] = 2.0 not in \[0.0, 1.0\]"):
        fastgrad.gradient(_f2, [[0.5, 0.5], [2.0, 0.5]], bounds=(0, 1))
    with pytest.raises(ValueError, match=r"bounds must broadcast to the shape of x \(2, 2\)"):
        fastgrad.gradient(_f2, [[0.5, 0.5], [0.5, 0.5]], bounds=(np.zeros((3, 2)), 1))
    with pytest.raises(ValueError, match="bounds must be one value or one per coordinate"):
        fastgrad.grad(_f2, bounds=(np.zeros((2, 2)), 1))
    g = fastgrad.grad(_f2, bounds=([0, 0, 0], 1))
    with pytest.raises(ValueError, match="x has 2 coordinates but the bounds given to grad "
                                         "have 3"):
        g(np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match="bounds lower bounds must not contain NaN"):
        fastgrad.grad(_f2, bounds=(np.nan, 1))
