"""Behaviour of the public differentiation API.

Grouped by what each test proves: the numbers of the seed documents (SEEDS.md), agreement with
SciPy and use inside SciPy and inside the user's own compiled code, batched and vectorized
paths equal to single calls, the complex-step guard, NaN propagation, Hessian and Jacobian
structure, and the Python-engine fallback.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from scipy import optimize

import fastgrad
from fastgrad import problems, reference
from fastgrad.problems import PROBLEMS, SCALAR_FUNCTIONS

EPS = np.finfo(np.float64).eps
SCHEMES = ("forward", "backward", "central", "central4", "complex")
REAL_SCHEMES = SCHEMES[:-1]

# ---------------------------------------------------------------------------
# Objectives (module level: each is compiled once for the whole run)
# ---------------------------------------------------------------------------


def function_3(x):
    """The seeds' vectorized objective: one value per row of a 2-D batch."""
    if x.ndim == 1:
        return np.sum(x ** 2)
    return np.sum(x ** 2, axis=1)


def cubes_power(x):
    """x0**3 + x1**3 with integer powers: Numba's complex z**3 is inexact for Re z < 0."""
    return x[0] ** 3 + x[1] ** 3


def cubes_product(x):
    """The same function written with products: exact complex arithmetic."""
    return x[0] * x[0] * x[0] + x[1] * x[1] * x[1]


def nan_beyond_two(x):
    """x0**2 + x1**2, but NaN wherever x1 > 2."""
    s = x[0] * x[0] + x[1] * x[1]
    if x[1] > 2.0:
        s = s + np.nan
    return s


def least_squares(w, X, y):
    """0.5 * ||X w - y||**2, the seeds' linear regression loss with data passed as args."""
    s = 0.0
    for i in range(X.shape[0]):
        r = -y[i]
        for j in range(X.shape[1]):
            r += X[i, j] * w[j]
        s += 0.5 * r * r
    return s


SCALES = {"a": 2.0}


def uses_a_dict(x):
    """Numba cannot type a global Python dict."""
    return SCALES["a"] * (x[0] * x[0] + x[1] * x[1])


def binds_an_exception(x):
    """Numba cannot compile ``except E as e`` (an UnsupportedBytecodeError, not a NumbaError)."""
    try:
        return 2.0 * (x[0] * x[0] + x[1] * x[1])
    except ValueError as exc:
        return float(len(str(exc)))


class ScaledSphere:
    """A callable class instance: numba.njit rejects it outright."""

    def __call__(self, x):
        return 2.0 * (x[0] * x[0] + x[1] * x[1])


SCALED_SPHERE = ScaledSphere()

# ---------------------------------------------------------------------------
# The seeds' numbers (SEEDS.md)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, x, expected",
    [
        # The article's forward differences and the corrected central ones, h = 1e-4.
        ("central", 5.0, 0.1999999999990898),
        ("central", 10.0, 0.2999999999986347),
        ("forward", 5.0, 0.20000099999917254),
        ("forward", 10.0, 0.3000009999976072),
    ],
)
def test_seed_difference_quotients_of_0_01x2_plus_0_1x(method, x, expected):
    # The seeds divide by h = 1e-4, fastgrad by the step actually taken, (x + h) - x, which is
    # 1e-4 - 2.3e-16 here: a relative difference of 2.3e-12, i.e. 7e-13 on 0.3: below 1e-12.
    f = problems.seed_poly_a
    assert abs(((x + 1e-4) - x) / 1e-4 - 1.0) < 3e-12
    d = fastgrad.derivative(f, x, method=method, step=1e-4)
    assert isinstance(d, float)
    assert abs(d - expected) <= 1e-12
    assert abs(d - reference.numerical_diff(f, x, 1e-4, method)) <= 1e-12


def test_seed_derivative_with_automatic_step():
    d = fastgrad.derivative(problems.seed_poly_a, np.array([5.0, 10.0]))
    np.testing.assert_allclose(d, [0.2, 0.3], rtol=1e-10)  # central: ~1e-11 relative


def test_seed_gradient_of_integer_input():
    x = np.array([3, 4])
    g = fastgrad.gradient(problems.function_2, x)
    np.testing.assert_allclose(g, [6.0, 8.0], rtol=1e-10)
    assert g.dtype == np.float64
    # The seeds' loop wrote 3 + 1e-4 into this int array ([25000, 35000]); fastgrad works on
    # its own float64 copy and leaves the caller's array alone.
    assert x.dtype.kind == "i"
    np.testing.assert_array_equal(x, [3, 4])
    np.testing.assert_allclose(fastgrad.gradient(problems.function_2, [3, 4]), [6, 8], rtol=1e-10)


def test_seed_partial_derivatives(objectives):
    # f = x + 2y -> (1, 2) everywhere.
    c = np.array([1.0, 2.0])
    for point in ([0.0, 0.0], [3.0, -7.5]):
        np.testing.assert_allclose(
            fastgrad.gradient(objectives.linear, point, args=(c,)), c, rtol=1e-10
        )
    # f = xy (x^T A x with A = [[0, 1], [0, 0]]) -> (y, x).
    A = np.array([[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        fastgrad.gradient(objectives.quadratic, [1.0, 1.0], args=(A,)), [1.0, 1.0], rtol=1e-10
    )
    np.testing.assert_allclose(
        fastgrad.gradient(objectives.quadratic, [10.0, -20.0], args=(A,)), [-20.0, 10.0],
        rtol=1e-10,
    )


@pytest.mark.parametrize(
    "name, x, expected",
    [
        ("constant", 2.5, 0.0),  # c -> 0
        ("identity", 2.5, 1.0),  # x -> 1
        ("exp", 2.5, np.exp(2.5)),  # e^x -> e^x
        ("square", 2.5, 5.0),  # x^2 -> 2x
        ("reciprocal", 2.5, -1.0 / 6.25),  # 1/x -> -1/x^2
        ("log", 2.5, 0.4),  # ln x -> 1/x
        ("inv_exp", 2.5, -np.exp(-2.5)),  # chain rule: 1/e^x -> -1/e^x
    ],
)
def test_seed_derivative_table(scalar_switch, name, x, expected):
    f = SCALAR_FUNCTIONS[name].f
    for method, rtol in (("central", 1e-9), ("complex", 1e-14)):
        d = fastgrad.derivative(scalar_switch.f, x, method=method, args=scalar_switch.args(f))
        assert d == pytest.approx(expected, rel=rtol, abs=1e-12)


@pytest.mark.parametrize("method", SCHEMES)
def test_seed_vectorized_function_3(method):
    g = fastgrad.gradient(function_3, [3.0, 4.0], method=method, vectorized=True)
    np.testing.assert_allclose(g, [6.0, 8.0], rtol=1e-5)
    G = fastgrad.gradient(function_3, [[3.0, 4.0], [-1.0, 0.5]], method=method, vectorized=True)
    np.testing.assert_allclose(G, [[6.0, 8.0], [-2.0, 1.0]], rtol=1e-5, atol=1e-7)


def test_seed_gradient_descent_inside_user_njit_code():
    """The seeds' descent on 2(x-1)^2 + (y-0.5)^2 + (z+4)^2, written as the user's @njit loop."""
    g = fastgrad.grad(problems.seed_quadratic3)

    @numba.njit
    def descend(x0, lr, steps):
        x = x0.copy()
        for _ in range(steps):
            x = x - lr * g(x)
        return x

    x0 = np.array([10.0, 10.0, 10.0])
    np.testing.assert_array_equal(g(x0), fastgrad.gradient(problems.seed_quadratic3, x0))
    x = descend(x0, 0.01, 500)
    np.testing.assert_allclose(x, [1.00000001, 0.50038973, -3.99942566], atol=1e-8)
    textbook = reference.gradient_descent(problems.seed_quadratic3, [10, 10, 10], 0.01, 500)
    np.testing.assert_allclose(x, textbook, atol=1e-9)


# ---------------------------------------------------------------------------
# SciPy
# ---------------------------------------------------------------------------

ROSEN = PROBLEMS["rosenbrock2"]


def test_forward_gradient_equals_scipy_approx_fprime():
    # Same formula, same absolute step, same divisor (x + h) - x, and f is a polynomial, so
    # numpy and the compiled code evaluate it bit for bit alike.
    x = np.array([-1.2, 1.0])
    for h in (1e-6, np.sqrt(EPS)):
        expected = optimize.approx_fprime(x, ROSEN.f, h)
        got = fastgrad.gradient(ROSEN.f, x, method="forward", step=h)
        np.testing.assert_allclose(got, expected, rtol=1e-13)
    # SciPy's default absolute step is sqrt(eps); fastgrad's automatic forward step is
    # sqrt(eps) * max(1, |x|): the same for |x| <= 1.
    x = np.array([0.3, -0.8])
    np.testing.assert_allclose(
        fastgrad.gradient(ROSEN.f, x, method="forward"), optimize.approx_fprime(x, ROSEN.f),
        rtol=1e-13,
    )


def test_check_grad_agrees_with_scipy():
    x = np.array([0.3, -0.8])
    theirs = optimize.check_grad(ROSEN.f, ROSEN.grad, x)
    ours = fastgrad.check_grad(ROSEN.f, ROSEN.grad, x, method="forward", step=np.sqrt(EPS))
    assert ours == pytest.approx(theirs, rel=1e-9)
    # The default central scheme checks far more sharply (~1e-10 relative instead of ~1e-7).
    sharp = fastgrad.check_grad(ROSEN.f, ROSEN.grad, x)
    assert sharp < 1e-8 * np.linalg.norm(ROSEN.grad(x)) < theirs
    # A wrong gradient is caught.
    wrong = fastgrad.check_grad(ROSEN.f, lambda v: 1.01 * ROSEN.grad(v), x)
    assert wrong > 1e-3 * np.linalg.norm(ROSEN.grad(x))


def test_grad_in_scipy_bfgs_reaches_the_rosenbrock_minimum():
    res = optimize.minimize(ROSEN.f, ROSEN.x0, jac=fastgrad.grad(ROSEN.f), method="BFGS")
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-5)
    exact = optimize.minimize(ROSEN.f, ROSEN.x0, jac=ROSEN.grad, method="BFGS")
    assert res.nit <= exact.nit + 3


def test_grad_receives_scipys_args():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((20, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.01 * rng.standard_normal(20)
    g = fastgrad.grad(least_squares)
    w = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(g(w, X, y), X.T @ (X @ w - y), rtol=1e-8)
    res = optimize.minimize(least_squares, np.zeros(3), args=(X, y), jac=g, method="BFGS")
    np.testing.assert_allclose(res.x, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-6)
    # args bound in grad() come first, SciPy's follow (shown on the Python engine, which
    # compiles nothing: bound arrays are frozen as constants, a new kernel signature).
    g_bound = fastgrad.grad(least_squares, args=(X,), jit=False)
    np.testing.assert_array_equal(g_bound(w, y), g(w, X, y))


# ---------------------------------------------------------------------------
# Batched, vectorized and array inputs equal single calls
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("m", [5, 80])  # row by row, and the parallel kernel (>= 64 rows)
@pytest.mark.parametrize("method", SCHEMES)
def test_batched_rows_equal_single_calls_exactly(method, m):
    p = PROBLEMS["rosenbrock10"]
    rng = np.random.default_rng(11)
    X = np.array(p.x0) + rng.uniform(-1.0, 1.0, (m, p.n))
    G = fastgrad.gradient(p.f, X, method=method)
    assert G.shape == X.shape
    for row, g in zip(X, G):
        np.testing.assert_array_equal(g, fastgrad.gradient(p.f, row, method=method))


@pytest.mark.parametrize("method", SCHEMES)
def test_vectorized_equals_scalar_path(method):
    # Same steps, same stencil, same order of the stencil sum on both paths; f is evaluated
    # by numpy on a batch instead of one row, which can change only the summation order inside
    # np.sum (pairwise over >= 8 elements): at most n*eps*|f| per value, hence at most
    # 2*n*eps*|f|/h in a quotient. Here n = 3 < 8, and the results are in fact identical.
    X = np.array([[3.0, 4.0, -1.0], [0.25, -2.0, 7.5], [1e3, 1e-3, -5.0]])
    h = {"forward": EPS ** 0.5, "backward": EPS ** 0.5, "central": EPS ** (1 / 3),
         "central4": EPS ** 0.2, "complex": 2.0 ** -60}[method]
    V = fastgrad.gradient(function_3, X, method=method, vectorized=True)
    for x, v in zip(X, V):
        s = fastgrad.gradient(function_3, x, method=method, jit=False)
        tol = 2 * x.size * EPS * function_3(x) / h
        np.testing.assert_allclose(v, s, rtol=0, atol=tol)
        np.testing.assert_allclose(fastgrad.gradient(function_3, x, method=method,
                                                     vectorized=True), v, rtol=0, atol=tol)


@pytest.mark.parametrize("method", SCHEMES)
def test_derivative_of_an_array_equals_elementwise_calls(scalar_switch, method):
    args = scalar_switch.args(SCALAR_FUNCTIONS["sigmoid"].f)
    t = np.array([[-3.0, 0.0, 0.5], [2.0, 7.25, -0.125]])
    d = fastgrad.derivative(scalar_switch.f, t, method=method, args=args)
    assert d.shape == t.shape and d.dtype == np.float64
    for i, j in np.ndindex(t.shape):
        single = fastgrad.derivative(scalar_switch.f, t[i, j], method=method, args=args)
        assert isinstance(single, float)
        assert d[i, j] == single


# ---------------------------------------------------------------------------
# The complex-step guard
# ---------------------------------------------------------------------------


def test_complex_step_guard_catches_numbas_polar_power():
    with pytest.warns(fastgrad.FastgradWarning, match="complex step could not be trusted.*central4"):
        g = fastgrad.gradient(cubes_power, [-2.0, 3.0], method="complex")
    np.testing.assert_allclose(g, [12.0, 27.0], rtol=1e-9)


def test_complex_step_of_products_is_exact_and_silent():
    g = fastgrad.gradient(cubes_product, [-2.0, 3.0], method="complex")
    np.testing.assert_allclose(g, [12.0, 27.0], rtol=1e-13)


# ---------------------------------------------------------------------------
# NaN, Hessian, Jacobian
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", REAL_SCHEMES)
def test_nan_from_f_reaches_exactly_the_affected_components(method):
    # At (1, 2) f is finite, but every stencil point with x1 > 2 gives NaN: component 1 of the
    # forward, central and central4 quotients. The backward stencil stays at x1 <= 2.
    g = fastgrad.gradient(nan_beyond_two, [1.0, 2.0], method=method)
    assert g[0] == pytest.approx(2.0, rel=1e-5)
    if method == "backward":
        assert g[1] == pytest.approx(4.0, rel=1e-5)
    else:
        assert np.isnan(g[1])
    # Where f(x) itself is NaN, every component is.
    assert np.all(np.isnan(fastgrad.gradient(nan_beyond_two, [1.0, 3.0], method=method)))


def test_nan_from_f_in_the_hessian():
    H = fastgrad.hessian(nan_beyond_two, [1.0, 2.0])
    assert H[0, 0] == pytest.approx(2.0, rel=1e-6)
    assert np.isnan(H[1, 1]) and np.isnan(H[0, 1]) and np.isnan(H[1, 0])


def test_hessian_is_exactly_symmetric_and_accurate():
    p = PROBLEMS["rosenbrock10"]
    x = np.array(p.x0) + np.linspace(-0.5, 0.5, p.n)
    H = fastgrad.hessian(p.f, x)
    np.testing.assert_array_equal(H, H.T)
    # Central second differences, h = eps**(1/4) * max(1, |x|): rounding eps*|f|/h**2 ~
    # 1.5e-8 * |f| and truncation h**2 * |f''''| / 12 ~ 1e-8 * 2400 / 12: ~1e-6 absolute
    # against entries of ~1e3.
    exact = p.hess(x)
    assert np.max(np.abs(H - exact)) <= 1e-7 * np.max(np.abs(exact))


@pytest.mark.parametrize("method", SCHEMES)
def test_jacobian_of_a_view_of_x_is_the_identity(objectives, method):
    x = np.array([0.5, -3.0, 1e3])
    J = fastgrad.jacobian(objectives.view_of_x, x, method=method)
    assert J.shape == (3, 3)
    # Off the diagonal the perturbed coordinate never enters: exactly 0. On the diagonal the
    # quotient is exact up to the rounding of x - h: eps*|x|/h <= 4e-11 (central). A kernel
    # that kept a view instead of a copy would give 0 there.
    np.testing.assert_array_equal(J - np.diag(np.diag(J)), 0.0)
    np.testing.assert_allclose(np.diag(J), 1.0, rtol=1e-10)


# ---------------------------------------------------------------------------
# Objectives Numba cannot compile: the Python engine
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, reason",
    [
        (uses_a_dict, "dict"),
        (binds_an_exception, "Exception object cannot be stored"),
        (SCALED_SPHERE, "not a function"),
    ],
    ids=["global-dict", "except-as", "callable-instance"],
)
def test_uncompilable_objective_falls_back_with_a_warning(f, reason):
    x = np.array([1.0, -2.0])
    with pytest.warns(fastgrad.FastgradWarning, match=f"Python engine.*cannot compile.*{reason}"):
        g = fastgrad.gradient(f, x)
    expected = fastgrad.gradient(f, x, jit=False)  # no warning when asked for
    np.testing.assert_array_equal(g, expected)
    np.testing.assert_allclose(g, [4.0, -8.0], rtol=1e-10)
    # The same numbers as the compiled engine on the same function written for Numba.
    np.testing.assert_array_equal(g, fastgrad.gradient(problems.function_2, x) * 2.0)
    # Later calls use the Python engine quietly.
    np.testing.assert_array_equal(fastgrad.gradient(f, x), g)
    np.testing.assert_array_equal(fastgrad.hessian(f, x, jit=False), fastgrad.hessian(f, x))
