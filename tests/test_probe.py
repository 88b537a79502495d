"""The first-call checks of an objective (fastgrad.diff.probe) and what they guard against.

* Reading past the end of x: compiled code does not check bounds, so without the check such
  an objective returns a meaningless number silently. Every public function raises
  ObjectiveIndexError (an IndexError) naming f, the length of x and the index read, on both
  engines, before any result is returned.
* Precision: an objective that computes in float32 or float16 gets steps chosen for that
  precision (as SciPy chooses them from the dtype of f(x0)); so does a float32 or float16 x.
* A complex value returned at a real x is refused by every function with the same
  ValueError (a real scheme would silently drop the imaginary part).
"""

from __future__ import annotations

import subprocess
import sys

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad import ObjectiveIndexError
from fastgrad._core.scalar import ObjectiveReturnError

ENGINES = [None, False]


# ------------------------------------------------------------------------------------------
# Objectives that read past x (all legal Python; Numba compiles them without complaint)
# ------------------------------------------------------------------------------------------


def reads_three(x):  # a 3-parameter model called with fewer coordinates
    return (x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2 + (x[2] - 3.0) ** 2


def reads_one_past(x):  # the classic off-by-one: range(n + 1)
    s = 0.0
    for i in range(x.shape[0] + 1):
        s += x[i] * x[i]
    return s


def reads_far(x):
    return x[0] * x[0] + x[7]


def reads_before(x):  # a negative index beyond -n: Numba wraps it once, then reads before x
    return x[0] * x[0] + x[-5]


def reads_vector(x):
    return np.array([x[0] * x[1], x[2] - x[0]])


OUT_OF_BOUNDS = [  # objective, x, index the message names
    (reads_three, [0.5, 0.5], "x[2]"),
    (reads_one_past, [0.5, 0.5, 0.5], "x[3]"),
    (reads_far, [0.5, 0.5], "x[7]"),
    (reads_before, [0.5, 0.5, 0.5], "x[-5]"),
]


def _expect_index_error(call, name, n, index):
    with pytest.raises(ObjectiveIndexError) as info:
        call()
    text = str(info.value)
    assert name in text and f"only {n} coordinate(s)" in text
    if index is not None:
        assert index in text
    assert isinstance(info.value, IndexError)


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("f, x, index", OUT_OF_BOUNDS, ids=lambda v: getattr(v, "__name__", ""))
def test_reading_past_x_is_an_error_in_every_function(f, x, index, jit):
    x = np.array(x)
    n = x.shape[0]
    # numpy's own message on the Python engine names the index as Python sees it
    shown = index if jit is None else None
    calls = [
        lambda: fastgrad.gradient(f, x, jit=jit),
        lambda: fastgrad.gradient(f, x, method="forward", jit=jit),
        lambda: fastgrad.gradient(f, np.stack([x] * 3), jit=jit),
        lambda: fastgrad.hessian(f, x, jit=jit),
        lambda: fastgrad.jacobian(f, x, jit=jit),
        lambda: fastgrad.minimize(f, x, jit=jit, method="gd"),
        lambda: fastgrad.minimize(f, x, method="lbfgs", jit=jit),
        lambda: fastgrad.minimize(f, np.stack([x] * 2), method="adam", jit=jit),
    ]
    for call in calls:
        _expect_index_error(call, f.__name__, n, shown)


@pytest.mark.parametrize("jit", ENGINES)
def test_a_column_of_starts_meant_as_one_start_is_refused(jit):
    # (3, 1) is three starts of one coordinate each; f reads three coordinates
    _expect_index_error(lambda: fastgrad.minimize(reads_three, np.zeros((3, 1)), jit=jit, method="gd"),
                        "reads_three", 1, "x[1]" if jit is None else None)
    _expect_index_error(lambda: fastgrad.gradient(reads_three, np.zeros((3, 1)), jit=jit),
                        "reads_three", 1, None)


@pytest.mark.parametrize("jit", ENGINES)
def test_a_vector_objective_reading_past_x_is_refused(jit):
    _expect_index_error(lambda: fastgrad.jacobian(reads_vector, [1.0, 2.0], jit=jit),
                        "reads_vector", 2, "x[2]" if jit is None else None)


def test_a_numba_dispatcher_reading_past_x_is_refused():
    @numba.njit
    def model(x):
        return x[0] + x[1] + x[2]

    _expect_index_error(lambda: fastgrad.gradient(model, [1.0, 2.0]), "model", 2, "x[2]")
    _expect_index_error(lambda: fastgrad.minimize(model, [1.0, 2.0], method="gd"), "model", 2, "x[2]")


def test_an_analytic_jac_reading_past_x_is_refused():
    def jac(x):
        return np.array([2.0 * x[0] * x[2], 2.0 * x[1]])  # written for three coordinates

    def f(x):
        return x[0] ** 2 + x[1] ** 2

    _expect_index_error(lambda: fastgrad.minimize(f, [1.0, 2.0], jac=jac, method="lbfgs"),
                        "jac", 2, "x[2]")


def legit_negative(x):
    return x[-1] * x[-1] + x[-2] + x[0]


def noisy(x):  # not deterministic: must not be mistaken for a read past x
    return x[0] * x[0] + 1e-3 * np.random.random()


def test_legal_objectives_are_not_refused():
    g = fastgrad.gradient(legit_negative, np.array([1.0, 2.0, 3.0]), method="complex")
    np.testing.assert_allclose(g, [1.0, 1.0, 6.0], rtol=1e-13)
    g = fastgrad.gradient(noisy, np.array([1.0, 2.0]), step=0.1)
    assert g.shape == (2,) and np.all(np.isfinite(g))
    assert fastgrad.gradient(noisy, np.array([1.0, 2.0]), step=0.1, jit=False).shape == (2,)


def counted(x, calls):
    calls[0] += 1
    return x[0] * x[0] + 3.0 * x[1]


@pytest.mark.parametrize("jit", ENGINES)
def test_the_check_runs_once_per_length_and_costs_two_evaluations_at_most(jit):
    calls = np.zeros(1)
    x = np.array([1.0, 2.0])
    fastgrad.gradient(counted, x, args=(calls,), jit=jit)
    first = calls[0]
    calls[0] = 0
    fastgrad.gradient(counted, x, args=(calls,), jit=jit)
    assert calls[0] == 4  # central differences: 2n
    assert first - 4 == (2 if jit is None else 1)
    calls[0] = 0
    res = fastgrad.minimize(counted, x, args=(calls,), max_iter=3, gtol=0.0, jit=jit, method="gd")
    assert calls[0] == res.nfev  # checked already for n = 2: nothing extra
    calls[0] = 0
    fastgrad.gradient(counted, np.array([1.0, 2.0, 3.0]), args=(calls,), jit=jit)
    assert calls[0] == 6 + (2 if jit is None else 1)  # a new length is checked again


# ------------------------------------------------------------------------------------------
# Precision of f's values: the automatic step follows it
# ------------------------------------------------------------------------------------------


def trig32(x):
    y = x.astype(np.float32)
    return np.sin(y[0]) * np.exp(y[1]) + y[0] * y[0] * y[1] + np.float32(0.5) * y[1] ** 3


def trig16(x):
    y = x.astype(np.float16)
    return np.sin(y[0]) * np.exp(y[1]) + y[0] * y[0] * y[1] + np.float16(0.5) * y[1] ** 3


def trig_grad(x):
    return np.array([np.cos(x[0]) * np.exp(x[1]) + 2 * x[0] * x[1],
                     np.sin(x[0]) * np.exp(x[1]) + x[0] ** 2 + 1.5 * x[1] ** 2])


def trig_hess(x):
    a, b = np.cos(x[0]) * np.exp(x[1]), np.sin(x[0]) * np.exp(x[1])
    return np.array([[-b + 2 * x[1], a + 2 * x[0]], [a + 2 * x[0], b + 3 * x[1]]])


# error order p of each scheme at its optimal step: error ~ eps**p relative to the scale
ORDERS = {"forward": 0.5, "backward": 0.5, "central": 2 / 3, "central4": 0.8}
# measured worst over 200 random points (bench-free: python /tmp/prec.py in the closing note):
# float32 8, 8, 7, 18 eps**p; float16 4, 3, 11, 77 eps**p. The bound is 30 (float32) and
# 100 (float16) eps**p; with float64 steps the float32 forward error was ~1e4 eps**p.
BOUND = {np.float32: 30.0, np.float16: 100.0}
POINTS = [np.array(p) for p in ([0.3, 0.7], [-1.1, 0.2], [2.0, -0.5], [0.05, 1.3])]


def _scale(x, g, fx):
    return np.maximum(1.0, np.maximum(np.abs(g), abs(fx) / np.maximum(1.0, np.abs(x))))


@pytest.mark.parametrize("scheme", list(ORDERS))
@pytest.mark.parametrize("f, dtype, jit", [(trig32, np.float32, None),
                                           (trig32, np.float32, False),
                                           (trig16, np.float16, False)],
                         ids=["float32-jit", "float32-python", "float16-python"])
def test_low_precision_objectives_get_steps_of_their_precision(f, dtype, jit, scheme):
    eps = float(np.finfo(dtype).eps)
    tol = BOUND[dtype] * eps ** ORDERS[scheme]
    for x in POINTS:
        exact = trig_grad(x)
        scale = _scale(x, exact, float(f(x)))
        got = fastgrad.gradient(f, x, method=scheme, jit=jit)
        assert np.all(np.abs(got - exact) <= tol * scale), (x, got, exact)
        J = fastgrad.jacobian(f, x, method=scheme, jit=jit)
        assert np.all(np.abs(J[0] - exact) <= tol * scale)
    batch = np.stack(POINTS)
    got = fastgrad.gradient(f, batch, method=scheme, jit=jit)
    exact = np.array([trig_grad(x) for x in POINTS])
    assert np.all(np.abs(got - exact) <= tol * np.array(
        [_scale(x, trig_grad(x), float(f(x))) for x in POINTS]))


def test_float32_gradients_are_as_accurate_as_scipys():
    from scipy.optimize._numdiff import approx_derivative

    for x in POINTS:
        exact = trig_grad(x)
        for scheme, peer in (("forward", "2-point"), ("central", "3-point")):
            ours = np.max(np.abs(fastgrad.gradient(trig32, x, method=scheme) - exact))
            theirs = np.max(np.abs(approx_derivative(trig32, x, method=peer) - exact))
            assert ours <= 2.0 * theirs + 1e-12


def test_low_precision_hessian_and_derivative():
    eps = float(np.finfo(np.float32).eps)
    for x in POINTS:
        H = fastgrad.hessian(trig32, x)
        exact = trig_hess(x)
        # central second differences at h = eps**(1/4): error ~ eps**(1/2) relative to scale
        assert np.allclose(H, exact, rtol=0, atol=30 * eps ** 0.5 * max(1.0, abs(trig32(x))))

    def sin32(t):
        return np.sin(np.float32(t))

    t = np.linspace(-2.0, 2.0, 9)
    got = fastgrad.derivative(sin32, t)
    assert np.all(np.abs(got - np.cos(t)) <= 30 * eps ** (2 / 3))


def test_float32_objective_is_minimized_to_its_own_precision():
    def bowl32(x):
        y = x.astype(np.float32)
        return (y[0] - np.float32(1.5)) ** 2 + np.float32(3.0) * (y[1] + np.float32(0.5)) ** 2

    res = fastgrad.minimize(bowl32, [0.0, 0.0], method="lbfgs", gtol=1e-3)
    assert res.success
    np.testing.assert_allclose(res.x, [1.5, -0.5], atol=1e-3)


def test_float32_x_gets_float32_steps():
    def f(x):
        return x[0] ** 3 + x[1] ** 2

    x32 = np.array([1.25, -0.5], dtype=np.float32)
    x64 = x32.astype(np.float64)
    h = float(np.finfo(np.float32).eps) ** 0.5 * np.maximum(1.0, np.abs(x64))
    np.testing.assert_array_equal(fastgrad.gradient(f, x32, method="forward"),
                                  fastgrad.gradient(f, x64, method="forward", step=h))
    # float64 data keeps float64 steps
    np.testing.assert_array_equal(
        fastgrad.gradient(f, x64, method="forward"),
        fastgrad.gradient(f, x64, method="forward",
                          step=np.finfo(np.float64).eps ** 0.5 * np.maximum(1.0, np.abs(x64))))


def test_vectorized_float32_objective_gets_float32_steps():
    def batch32(X):
        Y = X.astype(np.float32)
        return np.sin(Y[:, 0]) * np.exp(Y[:, 1]) + Y[:, 0] * Y[:, 0] * Y[:, 1] \
            + np.float32(0.5) * Y[:, 1] ** 3

    eps = float(np.finfo(np.float32).eps)
    for x in POINTS:
        exact = trig_grad(x)
        got = fastgrad.gradient(batch32, x, method="forward", vectorized=True)
        assert np.all(np.abs(got - exact) <= 30 * eps ** 0.5 * _scale(x, exact, trig32(x)))


# ------------------------------------------------------------------------------------------
# A complex value returned at a real x
# ------------------------------------------------------------------------------------------


def complex_value(x):
    return (x[0] + 1j * x[1]) ** 2


def complex_vector(x):
    return np.array([x[0] + 1j * x[1], x[0] * x[1] + 0j])


@pytest.mark.parametrize("jit", ENGINES)
def test_every_function_refuses_a_complex_value_with_one_error(jit):
    x = np.array([1.0, 2.0])
    message = "the objective f must return (a )?real"
    calls = [
        lambda: fastgrad.gradient(complex_value, x, jit=jit),
        lambda: fastgrad.gradient(complex_value, x, method="forward", jit=jit),
        lambda: fastgrad.gradient(complex_value, np.stack([x] * 3), jit=jit),
        lambda: fastgrad.hessian(complex_value, x, jit=jit),
        lambda: fastgrad.jacobian(complex_value, x, jit=jit),
        lambda: fastgrad.jacobian(complex_vector, x, jit=jit),
        lambda: fastgrad.minimize(complex_value, x, jit=jit, method="gd"),
        lambda: fastgrad.derivative(lambda t: t + 1j, 1.0, jit=jit),
        lambda: fastgrad.check_grad(complex_value, lambda v: v, x, jit=jit),
    ]
    for call in calls:
        with pytest.raises(ObjectiveReturnError, match=message):
            call()
    with pytest.raises(ObjectiveReturnError, match=message):
        fastgrad.gradient(lambda X: X[:, 0] + 1j, x, vectorized=True)


# ------------------------------------------------------------------------------------------
# Small things that were wrong
# ------------------------------------------------------------------------------------------


def test_reference_is_importable_from_the_package():
    code = ("import fastgrad; import numpy as np; "
            "print(fastgrad.reference.numerical_diff(np.sin, 0.0, method='central'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert abs(float(out.stdout) - 1.0) < 1e-7


def test_vectorized_vanishing_step_is_an_error_without_a_numpy_warning():
    # pytest turns any RuntimeWarning ("invalid value in divide") into an error here
    with pytest.raises(ValueError, match="step is too small for x"):
        fastgrad.gradient(lambda X: X.sum(axis=1), np.array([1e300, 1.0]), vectorized=True,
                          step=1e-300)


def test_jacobian_checks_x_before_evaluating_f():
    seen = []

    def f(x):
        seen.append(x.copy())
        return x * 2.0

    with pytest.raises(ValueError, match="x must be finite"):
        fastgrad.jacobian(f, [1.0, np.nan], jit=False)
    assert seen == []


# ------------------------------------------------------------------------------------------
# grad(f): the same checks, for the calls it can see
# ------------------------------------------------------------------------------------------


def f32_quadratic(x):
    y0 = np.float32(x[0])
    y1 = np.float32(x[1])
    return np.float32(3.0) * y0 * y0 + y0 * y1 + np.float32(0.5) * y1 * y1


@pytest.mark.parametrize("jit", ENGINES)
def test_grad_takes_the_step_of_a_float32_objective(jit):
    """Compiled g reads f's float32 return type (and x's dtype) when it compiles; the Python
    g asks the probe. Float64 steps gave forward differences of exactly 0 here."""
    exact = np.array([1.75, -0.75])
    for x in (np.array([0.5, -1.25]), np.array([0.5, -1.25], dtype=np.float32)):
        for method, p in (("forward", 0.5), ("central", 2 / 3)):
            got = fastgrad.grad(f32_quadratic, method=method, jit=jit)(x)
            tol = 30 * float(np.finfo(np.float32).eps) ** p * 3.0  # scale max(1, |g|) <= 3
            assert np.all(np.abs(got - exact) <= tol), (method, got)


def test_grad_from_njit_code_takes_the_step_of_a_float32_objective():
    g = fastgrad.grad(f32_quadratic, method="forward")

    @numba.njit
    def caller(x):
        return g(x)

    got = caller(np.array([0.5, -1.25]))
    assert np.all(np.abs(got - [1.75, -0.75]) <= 30 * float(np.finfo(np.float32).eps) ** 0.5 * 3)


@pytest.mark.parametrize("jit", ENGINES)
def test_grad_called_from_python_refuses_reads_past_x(jit):
    g = fastgrad.grad(reads_one_past, jit=jit)
    _expect_index_error(lambda: g(np.array([0.5, 0.5, 0.5])), "reads_one_past", 3,
                        "x[3]" if jit is None else None)
    np.testing.assert_allclose(fastgrad.grad(reads_three, jit=jit)(np.array([1.0, 1.0, 1.0])),
                               [0.0, -2.0, -4.0], atol=1e-8)
