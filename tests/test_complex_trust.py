"""The complex step never returns a derivative it has not confirmed (issue 11, item 1).

``Im f(x + ih) / h`` is exact only for an objective that is complex-analytic *as compiled*.
``abs``, norms, ``.real``, ``conj``, ``max``/``min`` of real parts, branches that return real
parts and ``math.*`` drop the imaginary part (the quotient is 0, or a wrong part of the
derivative: ``x*abs(x)`` gives ``|x|`` for ``2|x|``) the same way for every step, so two steps
agree on the wrong number. fastgrad confirms every complex-step gradient with one real
directional difference and recomputes it with central4, with a ``FastgradWarning``, when the
two disagree; analytic objectives keep the complex step's accuracy and stay silent, also at
stationary points (exact zeros) and with a step of the user's (whose O(h**2) truncation is
not a "disagreement").

Tolerances:

* recomputed components are central4 with the automatic step ``h = eps**(1/5) max(1, |x|)``
  ~ 7.4e-4: truncation ``h**4 |f^(5)| / 30`` ~ 1e-14 |f^(5)| plus rounding ``1.5 eps |f| / h``
  ~ 5e-13 |f|. The objectives here are evaluated at least 0.3 away from their kinks, where
  ``|f|`` and ``|f^(5)|`` are below 100, so the error is below 1e-10: we allow 1e-9.
* the complex step of an analytic objective has no cancellation: a relative error of a few
  eps per operation, at most ~1e-14 for these short formulas: we allow 1e-13.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad import problems

C = np.array([0.3, -0.7, 1.2])
X0 = np.array([-0.8, 1.1, 0.4])  # x - C = (-1.1, 1.8, -0.8): 0.3 or more from every kink
ROWS = X0 + 0.05 * np.random.default_rng(11).uniform(-1.0, 1.0, (64, 3))  # parallel path
CENTRAL4_TOL = 1e-9
COMPLEX_TOL = 1e-13
UNTRUSTED = "complex step could not be trusted"
ENGINES = [None, False]  # compiled (the default) and the Python engine


# ---------------------------------------------------------------------------
# Objectives that compile for complex input but are not complex-analytic.
# One switch objective (k selects the case): one compilation of each kernel for all cases.
# ---------------------------------------------------------------------------


def nonanalytic(x, k):
    if k == 0:  # the example: norm(x - c)
        return np.linalg.norm(x - C)
    if k == 1:  # abs: Im |z| = 0
        return abs(x[0]) + abs(x[1] - C[1]) + x[2] * x[2]
    if k == 2:  # partly wrong: Im(z |z|) / h = |x|, not 2 |x| (nonzero, the same every step)
        return x[0] * abs(x[0]) + x[1] * x[2]
    if k == 3:  # max of abs (Chebyshev distance): only component 1 is nonzero
        return np.max(np.abs(x - C))
    if k == 4:  # min of real parts
        return min(x[0].real, x[1].real) + x[2] * x[2]
    if k == 5:  # np.real
        return np.real(x[0]) * x[1] + x[2]
    if k == 6:  # conj: z conj(z) = |z|**2 has no imaginary part
        return x[0] * np.conj(x[0]) + x[1] * x[2]
    if k == 7:  # hypot-like: sqrt(z conj z + w conj w)
        return np.sqrt(x[0] * np.conj(x[0]) + x[1] * np.conj(x[1])) + x[2]
    if k == 8:  # a comparison choosing a branch that returns a real part
        if x[0].real > x[1].real:
            return x[0] * x[2]
        return x[1].real * x[2]
    # k == 9: Numba's complex z**3 is evaluated in polar form, inexact where Re z < 0
    return x[0] ** 3 + x[1] * x[2]


def _unit(v):
    return v / np.linalg.norm(v)


def nonanalytic_grad(x, k):
    """Analytic gradients of :func:`nonanalytic` (away from kinks)."""
    d = x - C
    return {
        0: lambda: _unit(d),
        1: lambda: np.array([np.sign(x[0]), np.sign(d[1]), 2.0 * x[2]]),
        2: lambda: np.array([2.0 * abs(x[0]), x[2], x[1]]),
        3: lambda: np.eye(3)[np.argmax(np.abs(d))] * np.sign(d[np.argmax(np.abs(d))]),
        4: lambda: np.array([1.0, 0.0, 2.0 * x[2]]) if x[0] < x[1] else
        np.array([0.0, 1.0, 2.0 * x[2]]),
        5: lambda: np.array([x[1], x[0], 1.0]),
        6: lambda: np.array([2.0 * x[0], x[2], x[1]]),
        7: lambda: np.array([x[0] / math.hypot(x[0], x[1]), x[1] / math.hypot(x[0], x[1]),
                             1.0]),
        8: lambda: np.array([x[2], 0.0, x[0]]) if x[0] > x[1] else
        np.array([0.0, x[2], x[1]]),
        9: lambda: np.array([3.0 * x[0] * x[0], x[2], x[1]]),
    }[k]()


CASES = {"norm": 0, "abs": 1, "x*abs(x)": 2, "max(abs)": 3, "min(real)": 4, "np.real": 5,
         "conj": 6, "sqrt(z conj z)": 7, "branch on real": 8, "polar z**3": 9}


def warns_for(k, jit):
    """Every case warns, except z**3 on the Python engine: numpy's complex z**3 is exact."""
    return not (k == 9 and jit is False)


def _call(expect_warning, call):
    """Run ``call``; with ``expect_warning`` it must warn UNTRUSTED, else not warn at all."""
    if expect_warning:
        with pytest.warns(fastgrad.FastgradWarning, match=UNTRUSTED + ".*central4"):
            return call()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


# ---------------------------------------------------------------------------
# gradient, single point and batches
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("name", CASES)
def test_gradient_of_a_nonanalytic_objective_is_recomputed_and_warns(name, jit):
    k = CASES[name]
    g = _call(warns_for(k, jit), lambda: fastgrad.gradient(
        nonanalytic, X0, method="complex", args=(k,), jit=jit))
    np.testing.assert_allclose(g, nonanalytic_grad(X0, k), rtol=CENTRAL4_TOL,
                               atol=CENTRAL4_TOL)


@pytest.mark.parametrize("name", CASES)
def test_batched_gradient_of_a_nonanalytic_objective_over_threads(name):
    k = CASES[name]
    G = _call(True, lambda: fastgrad.gradient(nonanalytic, ROWS, method="complex",
                                              args=(k,)))
    exact = np.array([nonanalytic_grad(row, k) for row in ROWS])
    np.testing.assert_allclose(G, exact, rtol=CENTRAL4_TOL, atol=CENTRAL4_TOL)


def test_a_few_rows_row_by_row_as_well():
    G = _call(True, lambda: fastgrad.gradient(nonanalytic, ROWS[:3], method="complex",
                                              args=(0,)))
    np.testing.assert_allclose(G, [_unit(r - C) for r in ROWS[:3]], rtol=CENTRAL4_TOL)


def test_derivative_of_abs_like_scalar_function():
    def t_abs_t(t):
        return t * abs(t)

    d = _call(True, lambda: fastgrad.derivative(t_abs_t, np.array([-1.5, 0.7]),
                                                method="complex"))
    np.testing.assert_allclose(d, [3.0, 1.4], rtol=CENTRAL4_TOL)


def sin_of_real(x):
    """math.sin casts its complex argument to a real (numpy's ComplexWarning)."""
    return math.sin(x[0]) + x[1] * x[2]


@pytest.mark.filterwarnings("ignore:Casting complex values to real")
def test_math_functions_on_the_python_engine():
    g = _call(True, lambda: fastgrad.gradient(sin_of_real, X0, method="complex", jit=False))
    np.testing.assert_allclose(g, [math.cos(X0[0]), X0[2], X0[1]], rtol=CENTRAL4_TOL)


# ---------------------------------------------------------------------------
# jacobian, vectorized, grad, minimize
# ---------------------------------------------------------------------------


def nonanalytic_vector(x):
    out = np.empty(3, dtype=x.dtype)
    out[0] = np.linalg.norm(x - C)
    out[1] = x[0] * abs(x[0])
    out[2] = x[1] * x[2]
    return out


@pytest.mark.parametrize("jit", ENGINES)
def test_jacobian_of_a_nonanalytic_map(jit):
    J = _call(True, lambda: fastgrad.jacobian(nonanalytic_vector, X0, method="complex",
                                              jit=jit))
    exact = np.array([_unit(X0 - C), [2.0 * abs(X0[0]), 0.0, 0.0], [0.0, X0[2], X0[1]]])
    np.testing.assert_allclose(J, exact, rtol=CENTRAL4_TOL, atol=CENTRAL4_TOL)


VECTORIZED = {
    "norm": lambda X: np.linalg.norm(X - C, axis=1),
    "abs": lambda X: np.abs(X[:, 0]) + np.abs(X[:, 1] - C[1]) + X[:, 2] * X[:, 2],
    "x*abs(x)": lambda X: X[:, 0] * np.abs(X[:, 0]) + X[:, 1] * X[:, 2],
    "max(abs)": lambda X: np.max(np.abs(X - C), axis=1),
    "min(real)": lambda X: np.minimum(X[:, 0].real, X[:, 1].real) + X[:, 2] * X[:, 2],
    "np.real": lambda X: np.real(X[:, 0]) * X[:, 1] + X[:, 2],
    "conj": lambda X: X[:, 0] * np.conj(X[:, 0]) + X[:, 1] * X[:, 2],
    "sqrt(z conj z)": lambda X: np.sqrt(X[:, 0] * np.conj(X[:, 0])
                                        + X[:, 1] * np.conj(X[:, 1])) + X[:, 2],
    "branch on real": lambda X: np.where(X[:, 0].real > X[:, 1].real, X[:, 0] * X[:, 2],
                                         X[:, 1].real * X[:, 2]),
}


@pytest.mark.parametrize("name", VECTORIZED)
def test_vectorized_gradient_of_a_nonanalytic_objective(name):
    k = CASES[name]
    G = _call(True, lambda: fastgrad.gradient(VECTORIZED[name], ROWS, method="complex",
                                              vectorized=True))
    exact = np.array([nonanalytic_grad(row, k) for row in ROWS])
    np.testing.assert_allclose(G, exact, rtol=CENTRAL4_TOL, atol=CENTRAL4_TOL)
    g = _call(True, lambda: fastgrad.gradient(VECTORIZED[name], X0, method="complex",
                                              vectorized=True))
    np.testing.assert_allclose(g, nonanalytic_grad(X0, k), rtol=CENTRAL4_TOL,
                               atol=CENTRAL4_TOL)


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("name", ["norm", "x*abs(x)", "min(real)", "conj"])
def test_grad_function_is_right_without_a_warning(name, jit):
    # g cannot warn from compiled code (documented): it silently recomputes, and is right.
    k = CASES[name]
    g = fastgrad.grad(nonanalytic, method="complex", args=(k,), jit=jit)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = g(X0)
    np.testing.assert_allclose(value, nonanalytic_grad(X0, k), rtol=CENTRAL4_TOL,
                               atol=CENTRAL4_TOL)


def abs_squared_distance(x):
    """|x - C|**2 through abs: the complex step's gradient is exactly 0 everywhere."""
    s = 0.0
    for i in range(x.shape[0]):
        s += abs(x[i] - C[i]) ** 2
    return s


def quadratic_plus_x_abs_x(x):
    """sum (x - C)**2 + x0 |x0|: minimizer (0.15, -0.7, 1.2). The complex step's partly
    wrong derivative of x0 |x0| (|x0| for 2 |x0|) would lead to x0 = 0.2 instead."""
    s = x[0] * abs(x[0])
    for i in range(x.shape[0]):
        s += (x[i] - C[i]) * (x[i] - C[i])
    return s


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("f, xmin", [(abs_squared_distance, C),
                                     (quadratic_plus_x_abs_x, np.array([0.15, -0.7, 1.2]))])
def test_minimize_reaches_the_true_minimizer_and_warns(f, xmin, jit):
    calls = []

    def counted(x):
        calls.append(1)
        return f(x)

    objective = counted if jit is False else f
    if jit is False:  # the first-call check of f (fastgrad.diff.probe) is not part of the run
        fastgrad.gradient(objective, X0, jit=False)
        calls.clear()
    with pytest.warns(fastgrad.FastgradWarning, match=UNTRUSTED + ".*central4"):
        res = fastgrad.minimize(objective, X0, method="lbfgs", jac="complex", jit=jit)
    assert res.success and res.nit > 0
    # gtol 1e-6 on a gradient whose Hessian is at least 2 I: |x - xmin| <= 5e-7
    np.testing.assert_allclose(res.x, xmin, atol=1e-6)
    if jit is False:
        assert res.nfev == len(calls)


# ---------------------------------------------------------------------------
# Analytic objectives: complex-step accuracy, no warning, no false alarm
# ---------------------------------------------------------------------------


def analytic(x, k):
    if k == 0:
        return np.exp(x[0]) * np.sin(x[1]) + x[2] * x[2] * x[0]
    if k == 1:  # a polynomial written with products
        return x[0] * x[0] * x[1] - 3.0 * x[1] * x[2] * x[2] + x[0]
    return x[0] * x[0] + x[1] * x[1] + x[2] * x[2]  # k == 2: stationary point at 0


def analytic_grad(x, k):
    if k == 0:
        return np.array([np.exp(x[0]) * np.sin(x[1]) + x[2] * x[2],
                         np.exp(x[0]) * np.cos(x[1]), 2.0 * x[2] * x[0]])
    if k == 1:
        return np.array([2.0 * x[0] * x[1] + 1.0, x[0] * x[0] - 3.0 * x[2] * x[2],
                         -6.0 * x[1] * x[2]])
    return 2.0 * x


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("k", [0, 1, 2])
def test_analytic_objectives_keep_complex_accuracy_silently(k, jit):
    g = _call(False, lambda: fastgrad.gradient(analytic, X0, method="complex", args=(k,),
                                               jit=jit))
    np.testing.assert_allclose(g, analytic_grad(X0, k), rtol=COMPLEX_TOL)


@pytest.mark.parametrize("k", [0, 1, 2])
def test_analytic_batches_stay_silent(k):
    G = _call(False, lambda: fastgrad.gradient(analytic, ROWS, method="complex",
                                               args=(k,)))
    np.testing.assert_allclose(G, [analytic_grad(r, k) for r in ROWS], rtol=COMPLEX_TOL)


@pytest.mark.parametrize("jit", ENGINES)
def test_stationary_points_are_no_false_alarm(jit):
    # x.x at 0: every quotient is exactly 0 (the "lost imaginary part" pattern), rightly.
    g = _call(False, lambda: fastgrad.gradient(analytic, np.zeros(3), method="complex",
                                               args=(2,), jit=jit))
    assert np.array_equal(g, np.zeros(3))
    # Rosenbrock at its minimum: quotients -400 h**2 ~ 1e-34, the real check sees only
    # rounding; and away from it, exact to rounding.
    for n in (2, 10, 100):
        g = _call(False, lambda: fastgrad.gradient(problems.rosenbrock, np.ones(n),
                                                   method="complex", jit=jit))
        assert np.all(np.abs(g) <= 1e-30)
    x = np.linspace(-1.2, 1.3, 10)
    g = _call(False, lambda: fastgrad.gradient(problems.rosenbrock, x, method="complex",
                                               jit=jit))
    np.testing.assert_allclose(g, problems.rosenbrock_grad(x), rtol=COMPLEX_TOL)


def analytic_vector(x):
    out = np.empty(3, dtype=x.dtype)
    out[0] = np.exp(x[0]) * x[1]
    out[1] = x[0] * x[1] * x[2]
    out[2] = np.sin(x[2])
    return out


@pytest.mark.parametrize("jit", ENGINES)
def test_analytic_jacobian_and_vectorized_stay_silent(jit):
    J = _call(False, lambda: fastgrad.jacobian(analytic_vector, X0, method="complex",
                                               jit=jit))
    exact = np.array([[np.exp(X0[0]) * X0[1], np.exp(X0[0]), 0.0],
                      [X0[1] * X0[2], X0[0] * X0[2], X0[0] * X0[1]],
                      [0.0, 0.0, np.cos(X0[2])]])
    np.testing.assert_allclose(J, exact, rtol=COMPLEX_TOL)

    def vectorized(X):
        return np.exp(X[:, 0]) * np.sin(X[:, 1]) + X[:, 2] * X[:, 2] * X[:, 0]

    G = _call(False, lambda: fastgrad.gradient(vectorized, ROWS, method="complex",
                                               vectorized=True))
    np.testing.assert_allclose(G, [analytic_grad(r, 0) for r in ROWS], rtol=COMPLEX_TOL)


# ---------------------------------------------------------------------------
# A step of the user's: its truncation is no disagreement; a fallback takes that step
# ---------------------------------------------------------------------------


def exponentials(x):
    return np.exp(x[0]) + np.exp(2.0 * x[1])


def exponentials_v(X):
    return np.exp(X[:, 0]) + np.exp(2.0 * X[:, 1])


def complex_step_of_exponentials(x, h):
    """Im f(x + ih e_k) / h exactly: e^x sin(h) / h and e^(2y) sin(2h) / h."""
    return np.array([np.exp(x[0]) * np.sin(h) / h, np.exp(2.0 * x[1]) * np.sin(2.0 * h) / h])


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("h", [1e-3, 1e-2])
def test_user_step_on_an_analytic_objective_is_the_complex_step_of_that_step(h, jit):
    # Regression: any step above ~3e-5 used to warn "not complex-analytic" (its O(h**2)
    # truncation, ~h**2/6 relative, exceeds the two-step tolerance 1e-10).
    x = np.array([0.4, -0.3])
    expected = complex_step_of_exponentials(x, h)
    g = _call(False, lambda: fastgrad.gradient(exponentials, x, method="complex", step=h,
                                               jit=jit))
    np.testing.assert_allclose(g, expected, rtol=1e-14)
    J = _call(False, lambda: fastgrad.jacobian(exponentials, x, method="complex", step=h,
                                               jit=jit))
    np.testing.assert_allclose(J[0], expected, rtol=1e-14)
    G = _call(False, lambda: fastgrad.gradient(exponentials_v, x, method="complex", step=h,
                                               vectorized=True))
    np.testing.assert_allclose(G, expected, rtol=1e-14)
    res = _call(False, lambda: fastgrad.minimize(analytic, X0, method="lbfgs", jac="complex",
                                                 step=h, args=(2,), jit=jit))
    assert res.success


@pytest.mark.parametrize("jit", ENGINES)
def test_fallback_with_a_user_step_takes_that_step(jit):
    # norm's fifth derivative makes central4's truncation h**4 |f^(5)| / 30 visible at
    # h = 1e-2 (~3e-10): the result is central4 with h = 1e-2, not with the automatic step.
    h = 1e-2
    with_step = fastgrad.gradient(nonanalytic, X0, method="central4", step=h, args=(0,),
                                  jit=jit)
    automatic = fastgrad.gradient(nonanalytic, X0, method="central4", args=(0,), jit=jit)
    assert not np.allclose(with_step, automatic, rtol=1e-11, atol=0)
    g = _call(True, lambda: fastgrad.gradient(nonanalytic, X0, method="complex", step=h,
                                              args=(0,), jit=jit))
    # the same stencil summed in another order: rounding ~ eps |f| / h ~ 1e-13
    np.testing.assert_allclose(g, with_step, rtol=1e-12)
    G = _call(True, lambda: fastgrad.gradient(VECTORIZED["norm"], X0, method="complex",
                                              step=h, vectorized=True))
    np.testing.assert_allclose(G, with_step, rtol=1e-12)


# ---------------------------------------------------------------------------
# Evaluations: 2n + 4 for a confirmed gradient, every extra one counted
# ---------------------------------------------------------------------------


def test_evaluations_per_complex_gradient():
    calls = []

    def counted(x, k):
        calls.append(1)
        return (analytic if k < 10 else nonanalytic)(x, k % 10)

    n = X0.size
    fastgrad.gradient(counted, X0, args=(0,), jit=False)  # the first-call check of f
    calls.clear()
    fastgrad.gradient(counted, X0, method="complex", args=(0,), jit=False)
    assert len(calls) == 2 * n + 4  # two complex steps per component, the real check
    calls.clear()
    with pytest.warns(fastgrad.FastgradWarning, match=UNTRUSTED):
        fastgrad.gradient(counted, X0, method="complex", args=(12,), jit=False)
    # the failed check is repeated at t / 16 (4), then central4 for every component (4n)
    assert len(calls) == 2 * n + 4 + 4 + 4 * n
    calls.clear()
    fastgrad.gradient(counted, X0, method="complex", args=(0,), step=1e-2, jit=False)
    # exp(x0) sin(x1) + x2**2 x0: the truncation of components 0 and 1 is confirmed by a
    # third step each; component 2 is quadratic in x2 (no truncation, the steps agree)
    assert len(calls) == 2 * n + 4 + 2


# ---------------------------------------------------------------------------
# Domain edges: the real check cannot look past them; no false alarm
# ---------------------------------------------------------------------------


def sqrt_objective(x):
    return np.sqrt(x[0]) + x[1] * x[1]


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("x0", [1e-12, 1e-6])
def test_domain_edge_is_no_false_alarm(x0, jit):
    # At 1e-12 every point of the check (x0 -+ 5e-6, then -+ 3e-7) is NaN: the complex step
    # stands unchecked (documented). At 1e-6 the retry at t / 16 is inside the domain.
    x = np.array([x0, 0.5])
    with np.errstate(invalid="ignore"):  # numpy's sqrt(-5e-6) on the Python engine
        g = _call(False, lambda: fastgrad.gradient(sqrt_objective, x, method="complex",
                                                   jit=jit))
    np.testing.assert_allclose(g, [0.5 / np.sqrt(x0), 1.0], rtol=COMPLEX_TOL)


def sqrt_and_abs(x):
    return np.sqrt(x[0]) + abs(x[1])


def sqrt_and_unused(x):
    return np.sqrt(x[0]) + 0.0 * x[1]


def sqrt_and_abs_rows(X):
    return np.sqrt(X[:, 0]) + np.abs(X[:, 1])


def log_and_abs_map(x):
    return np.array([np.log(x[0]) + abs(x[1]), x[1]])


@pytest.mark.parametrize("jit", ENGINES)
def test_a_lost_derivative_next_to_a_domain_edge_is_recomputed(jit):
    """Where every point of the check is NaN (sqrt at 1e-8, the check's steps ~5e-6), the
    complex step stood unchecked: abs's lost derivative came back as 0 for 1, silently.
    The components that are exactly 0 are now recomputed by central4 (x1 is far from the
    edge), with the warning; sqrt's component keeps the complex step's accuracy."""
    x = np.array([1e-8, 3.0])
    with np.errstate(invalid="ignore"):  # numpy's sqrt of the check's points (jit=False)
        g = _call(True, lambda: fastgrad.gradient(sqrt_and_abs, x, method="complex",
                                                  jit=jit))
    np.testing.assert_allclose(g, [0.5 / np.sqrt(1e-8), 1.0], rtol=CENTRAL4_TOL)
    with np.errstate(invalid="ignore"):
        g = _call(False, lambda: fastgrad.gradient(sqrt_and_unused, x, method="complex",
                                                   jit=jit))
    assert g[1] == 0.0  # a true 0, confirmed by central4: no warning
    np.testing.assert_allclose(g[0], 0.5 / np.sqrt(1e-8), rtol=COMPLEX_TOL)
    with np.errstate(invalid="ignore"):
        J = _call(True, lambda: fastgrad.jacobian(log_and_abs_map, np.array([1e-7, -2.0]),
                                                  method="complex", jit=jit))
    # the entry lost in a column that is not all 0 (output 1 gives x1's 1)
    np.testing.assert_allclose(J, [[1e7, -1.0], [0.0, 1.0]], rtol=CENTRAL4_TOL, atol=0)


def sqrt_and_flat_sine(x):
    return np.sqrt(x[0]) + np.sin(50.0 * x[1]) - 50.0 * x[1]


def sqrt_and_fifth_power(x):
    return np.sqrt(x[0]) + x[1] * x[1] * x[1] * x[1] * x[1]


@pytest.mark.parametrize("f", [sqrt_and_flat_sine, sqrt_and_fifth_power])
@pytest.mark.parametrize("jit", ENGINES)
def test_a_true_zero_next_to_a_domain_edge_stays_zero_silently(f, jit):
    """A derivative that is 0 at x1 = 0. sin(50 x1) - 50 x1: the complex step gives an
    exact 0, which central4, recomputing it next to a domain edge, got as its truncation
    (-3e-6): no evidence against the 0. x1**5: the two complex steps give h**4 and
    (h/64)**4 (h ~ 1e-18), "disagreeing" by 100%: a false alarm, and central4's -1e-12."""
    with np.errstate(invalid="ignore"):  # numpy's sqrt of the check's points (jit=False)
        g = _call(False, lambda: fastgrad.gradient(f, np.array([1e-8, 0.0]),
                                                   method="complex", jit=jit))
    assert abs(g[1]) <= 1e-30
    np.testing.assert_allclose(g[0], 0.5 / np.sqrt(1e-8), rtol=COMPLEX_TOL)


@pytest.mark.parametrize("jit", ENGINES)
def test_odd_powers_at_their_stationary_point_are_no_false_alarm(jit):
    """x**3 and x**5 at 0: derivative 0, and the two complex steps' quotients (-h**2,
    -(h/64)**2) differ by 100% of almost nothing; they were rejected, recomputed by
    central4 (2.5e-14) and warned about as a non-analytic objective."""
    def f(x):
        return x[0] * x[0] * x[0] + x[1] * x[1] * x[1] * x[1] * x[1] + x[2] * x[2]

    g = _call(False, lambda: fastgrad.gradient(f, np.array([0.0, 0.0, 1.0]),
                                               method="complex", jit=jit))
    assert abs(g[0]) <= 1e-30 and abs(g[1]) <= 1e-30 and g[2] == 2.0


def test_a_lost_derivative_next_to_a_domain_edge_vectorized():
    with np.errstate(invalid="ignore"):  # numpy's sqrt of the check's points
        g = _call(True, lambda: fastgrad.gradient(sqrt_and_abs_rows, np.array([1e-8, 3.0]),
                                                  method="complex", vectorized=True))
    np.testing.assert_allclose(g, [0.5 / np.sqrt(1e-8), 1.0], rtol=CENTRAL4_TOL)


def exp_and_abs(x):
    return np.exp(10.0 * x[0]) + abs(x[1])


def exp_and_unused(x):
    return np.exp(10.0 * x[0]) + 0.0 * x[1]


def exp_and_abs_rows(X):
    return np.exp(10.0 * X[:, 0]) + np.abs(X[:, 1])


@pytest.mark.parametrize("step", [1e-3, 1e-2])
@pytest.mark.parametrize("jit", ENGINES)
def test_a_lost_derivative_within_a_user_steps_allowance_is_recomputed(step, jit):
    """With the user's step 1e-3, exp(10 x0)'s complex step has a truncation of ~6e2 that
    the check allows for; abs's lost 1 hid in it and came back as 0, silently."""
    x = np.array([1.0, 2.0])
    g = _call(True, lambda: fastgrad.gradient(exp_and_abs, x, method="complex", step=step,
                                              jit=jit))
    assert abs(g[1] - 1.0) <= 1e-9
    # component 0 is still the complex step of the user's step (its truncation included)
    h = step
    assert g[0] == pytest.approx(10 * np.exp(10.0) * np.sin(10 * h) / (10 * h), rel=1e-12)
    g = _call(False, lambda: fastgrad.gradient(exp_and_unused, x, method="complex",
                                               step=step, jit=jit))
    assert g[1] == 0.0


def test_a_lost_derivative_within_a_user_steps_allowance_vectorized():
    g = _call(True, lambda: fastgrad.gradient(exp_and_abs_rows, np.array([1.0, 2.0]),
                                              method="complex", step=1e-3, vectorized=True))
    assert abs(g[1] - 1.0) <= 1e-9


def pole(x):
    return 1.0 / (x[0] - 1e-3) + x[1] * x[1]


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("distance", [2e-6, 5e-6, 3e-5])
def test_near_a_singularity_is_no_false_alarm(distance, jit):
    # The check's points x -+ t p (t |p| ~ 5e-6) reach or cross the pole; its repetition at
    # t / 16 confirms the complex step, which is exact here (a central4 fallback, with steps
    # ~7e-4 across the pole, would be wrong).
    x = np.array([1e-3 + distance, 0.5])
    d = x[0] - 1e-3  # exact (Sterbenz)
    g = _call(False, lambda: fastgrad.gradient(pole, x, method="complex", jit=jit))
    np.testing.assert_allclose(g, [-1.0 / (d * d), 1.0], rtol=COMPLEX_TOL)


def test_workers_give_the_python_engines_numbers_and_warn():
    # workers= replays the Python engine's kernel with the evaluations done by a pool: the
    # check's points are foreseen by the recording; the fallback's are evaluated on the spot
    serial = _call(True, lambda: fastgrad.gradient(nonanalytic, X0, method="complex",
                                                   args=(2,), jit=False))
    pooled = _call(True, lambda: fastgrad.gradient(nonanalytic, X0, method="complex",
                                                   args=(2,), workers=2))
    assert np.array_equal(pooled, serial)
    np.testing.assert_allclose(pooled, nonanalytic_grad(X0, 2), rtol=CENTRAL4_TOL)


# ---------------------------------------------------------------------------
# A NaN (or overflow) of f at the complex points is reported, as by real stencils
# ---------------------------------------------------------------------------


def nan_where_x1_moves(x):
    return x[0] * x[0] + (np.nan if x[1] != 0.0 else 0.0)


def nan_where_x1_moves_vector(x):
    return np.array([x[0] * x[0] + (np.nan if x[1] != 0.0 else 0.0), x[1]])


@pytest.mark.parametrize("jit", ENGINES)
def test_a_nan_of_f_gives_nan_components_not_a_finite_quotient(jit):
    """f(x + ih e_1) = nan + 0j: its imaginary part 0 is no derivative. The component is NaN,
    exactly where every real scheme gives NaN, and the others stay exact (no warning)."""
    x = np.array([0.5, 0.0])
    real = fastgrad.gradient(nan_where_x1_moves, x, method="central4", jit=jit)
    assert np.isnan(real[1]) and real[0] == pytest.approx(1.0)
    got = fastgrad.gradient(nan_where_x1_moves, x, method="complex", jit=jit)
    assert got[0] == 1.0 and np.isnan(got[1])
    # column 1 holds a NaN (output 0) and a finite entry (output 1): the column is
    # recomputed by real central4, and the warning says so
    with pytest.warns(fastgrad.FastgradWarning, match=UNTRUSTED):
        J = fastgrad.jacobian(nan_where_x1_moves_vector, x, method="complex", jit=jit)
    assert J[0, 0] == 1.0 and np.isnan(J[0, 1]) and J[1, 0] == 0.0 and J[1, 1] == 1.0
    batch = fastgrad.gradient(lambda X: X[:, 0] ** 2 + np.where(X[:, 1] != 0, np.nan, 0.0),
                              x, method="complex", vectorized=True)
    assert batch[0] == 1.0 and np.isnan(batch[1])
    assert np.isnan(fastgrad.derivative(lambda t: np.nan if t.real < 1.0 else t, 0.5,
                                        method="complex", jit=jit))


# ---------------------------------------------------------------------------
# a lost derivative below the rounding of the check's retry (large |f|)
# ---------------------------------------------------------------------------


def large_real(x):  # .real drops the imaginary part: the complex step gives exactly 0
    return (1e6 + x[0] * x[0] + x[1] * x[1]).real


def large_real_map(x):
    return np.array([(1e6 + x[0] * x[0] + x[1] * x[1]).real])


def large_real_rows(X):
    return (1e6 + X[:, 0] ** 2 + X[:, 1] ** 2).real


LARGE_X = np.array([0.01, 0.02])
LARGE_G = 2.0 * LARGE_X
# central4 at |f| = 1e6: rounding about 10 eps |f| / h = 10 * 2.2e-16 * 1e6 / 7e-4 = 3e-6
LARGE_TOL = 1e-5


@pytest.mark.parametrize("route", ["gradient", "gradient-python", "jacobian", "grad",
                                   "vectorized", "batch"])
def test_a_lost_derivative_at_large_f_is_recomputed_and_warns(route):
    # The check at t fails by about 10 times its rounding bound (|g . p| ~ 8.5e-3 against
    # 7.9e-4); its retry at t / 16 has a bound 16 times larger and passed it, so [0, 0] came
    # back silently. A failure the retry cannot resolve is now final.
    call = {
        "gradient": lambda: fastgrad.gradient(large_real, LARGE_X, method="complex"),
        "gradient-python": lambda: fastgrad.gradient(large_real, LARGE_X, method="complex",
                                                     jit=False),
        "jacobian": lambda: fastgrad.jacobian(large_real_map, LARGE_X, method="complex")[0],
        "grad": lambda: fastgrad.grad(large_real, method="complex")(LARGE_X),
        "vectorized": lambda: fastgrad.gradient(large_real_rows, LARGE_X, method="complex",
                                                vectorized=True),
        "batch": lambda: fastgrad.gradient(large_real, np.array([LARGE_X, LARGE_X]),
                                           method="complex")[1],
    }[route]
    g = _call(route != "grad", call)  # grad cannot warn from compiled code (documented)
    np.testing.assert_allclose(g, LARGE_G, rtol=0, atol=LARGE_TOL)


def test_a_lost_derivative_at_large_f_in_derivative():
    g = _call(True, lambda: fastgrad.derivative(lambda t: (1e8 + t * t).real, 0.1,
                                                method="complex"))
    # central4 at |f| = 1e8: rounding about 10 eps |f| / h = 10 * 2.2e-16 * 1e8 / 7e-4 = 3e-4
    assert abs(g - 0.2) < 1e-3


@pytest.mark.parametrize("jit", ENGINES)
def test_an_analytic_objective_at_large_f_stays_silent(jit):
    # the same size of f, complex-analytic: the first check passes, nothing is recomputed
    g = _call(False, lambda: fastgrad.gradient(
        lambda x: 1e6 + x[0] * x[0] + x[1] * x[1], LARGE_X, method="complex", jit=jit))
    np.testing.assert_allclose(g, LARGE_G, rtol=COMPLEX_TOL)


@pytest.mark.parametrize("offset", [1e10, 1e11])
def test_a_lost_derivative_does_not_hide_under_a_large_value(offset):
    # |x0| loses its derivative in the complex step (an exact 0); the real check that
    # confirms the gradient resolves errors of about 1.6e-9 |f| only, so at |f| = 1e10 the
    # lost -1 passed it: gradient [0, 1] and derivative 0, silently. The zero is now
    # recomputed by central4, whose rounding error at |f| = 1e11 is about
    # eps |f| / (eps**0.2 * 2) ~ 1.6e-2 (allowed: 3e-2), with the warning of a fallback
    def f(x):
        return offset + abs(x[0]) + x[1]

    x = np.array([-2.0, 1.0])
    with pytest.warns(fastgrad.FastgradWarning, match="complex step"):
        g = fastgrad.gradient(f, x, method="cs")
    np.testing.assert_allclose(g, [-1.0, 1.0], atol=3e-2)
    with pytest.warns(fastgrad.FastgradWarning, match="complex step"):
        rows = fastgrad.gradient(f, np.array([[-2.0, 1.0], [3.0, 1.0]]), method="cs")
    np.testing.assert_allclose(rows, [[-1.0, 1.0], [1.0, 1.0]], atol=3e-2)
    with pytest.warns(fastgrad.FastgradWarning, match="complex step"):
        d = fastgrad.derivative(lambda t: offset + abs(t), -2.0, method="cs")
    assert abs(d + 1.0) < 3e-2
