"""Objectives with keyword-only parameters, through every public function.

Numba binds a keyword-only parameter by position: ``f(x, a, *, s=2.0)`` compiled and called
with ``args=(a, 5.0)`` ran with s = 5 where Python raises TypeError, and with ``args=(a,)``
Numba failed with "not enough arguments" where Python uses the default. Such an f now runs
on the Python engine (after the usual warning; TypeError with ``jit=True``), which binds as
Python does: the default where args leave s out, Python's own TypeError where args give too
many. ``curve_fit`` binds a model's defaults itself and stays compiled."""

import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad import FastgradWarning


def bowl(x, a, *, s=2.0):
    return a * s * np.sum((x - 1.0) ** 2)


def line(x, a, *, s=2.0):
    return a * s * x - 1.0


def scalar(t, a, *, s=2.0):
    return a * s * t ** 2


X0 = np.array([3.0, -1.0])

# Each call with args that Python binds: (a,) -> s = 2.0. Expected values are analytic.
LEGAL = {
    "gradient": (lambda: fastgrad.gradient(bowl, X0, args=(1.5,)), 2 * 3.0 * (X0 - 1.0)),
    "hessian": (lambda: fastgrad.hessian(bowl, X0, args=(1.5,)), 2 * 3.0 * np.eye(2)),
    "jacobian": (lambda: fastgrad.jacobian(line, X0, args=(1.5,)), 3.0 * np.eye(2)),
    "derivative": (lambda: fastgrad.derivative(scalar, 2.0, args=(1.5,)), 2 * 3.0 * 2.0),
    "grad": (lambda: fastgrad.grad(bowl, args=(1.5,))(X0), 2 * 3.0 * (X0 - 1.0)),
    "minimize": (lambda: fastgrad.minimize(bowl, X0, args=(1.5,)).x, np.ones(2)),
    "least_squares": (lambda: fastgrad.least_squares(line, X0, args=(1.5,)).x,
                      np.full(2, 1 / 3.0)),
    "compile_minimizer": (lambda: fastgrad.compile_minimizer(bowl)(X0, 1.5).x, np.ones(2)),
    "compile_least_squares": (lambda: fastgrad.compile_least_squares(line)(X0, 1.5).x,
                              np.full(2, 1 / 3.0)),
}

# The same with one value too many: Python refuses f(x, a, 5.0); it ran with s = 5 compiled.
TOO_MANY = {
    "gradient": lambda: fastgrad.gradient(bowl, X0, args=(1.5, 5.0)),
    "hessian": lambda: fastgrad.hessian(bowl, X0, args=(1.5, 5.0)),
    "jacobian": lambda: fastgrad.jacobian(line, X0, args=(1.5, 5.0)),
    "derivative": lambda: fastgrad.derivative(scalar, 2.0, args=(1.5, 5.0)),
    "grad": lambda: fastgrad.grad(bowl, args=(1.5, 5.0))(X0),
    "grad, SciPy's args": lambda: fastgrad.grad(bowl)(X0, 1.5, 5.0),
    "minimize": lambda: fastgrad.minimize(bowl, X0, args=(1.5, 5.0)),
    "least_squares": lambda: fastgrad.least_squares(line, X0, args=(1.5, 5.0)),
    "compile_minimizer": lambda: fastgrad.compile_minimizer(bowl)(X0, 1.5, 5.0),
    "compile_least_squares": lambda: fastgrad.compile_least_squares(line)(X0, 1.5, 5.0),
}


@pytest.fixture(autouse=True)
def fresh():
    fastgrad.clear_cache()  # each case meets f for the first time (and warns)
    yield
    fastgrad.clear_cache()


@pytest.mark.parametrize("name", sorted(LEGAL))
def test_the_default_of_a_keyword_only_parameter_is_used(name):
    call, expected = LEGAL[name]
    with pytest.warns(FastgradWarning, match="keyword-only parameter"):
        got = call()
    # central differences of a quadratic are exact but for rounding at the automatic step
    # (h ~ 6e-6 |x|: error ~ eps |f| / h ~ 1e-10 relative); solvers stop at gtol ~ 1e-5
    tol = 1e-5 if name in ("minimize", "least_squares", "compile_minimizer",
                           "compile_least_squares") else 1e-7
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", sorted(TOO_MANY))
def test_a_value_too_many_for_the_positional_parameters_is_refused(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FastgradWarning)
        with pytest.raises(TypeError, match="positional argument"):
            TOO_MANY[name]()


@pytest.mark.parametrize("function", [fastgrad.gradient, fastgrad.hessian])
def test_jit_true_names_the_keyword_only_parameter(function):
    with pytest.raises(TypeError, match="keyword-only parameter.*s"):
        function(bowl, X0, args=(1.5,), jit=True)


def test_the_python_engine_does_not_warn_and_agrees():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = fastgrad.gradient(bowl, X0, args=(1.5,), jit=False)
    np.testing.assert_allclose(got, 2 * 3.0 * (X0 - 1.0), rtol=1e-7)


def test_curve_fit_binds_the_default_itself_and_stays_compiled():
    t = np.arange(6.0)

    def model(t, a, b, *, s=2.0):
        return a * s * t + b

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning of the Python engine
        popt, _ = fastgrad.curve_fit(model, t, 4.0 * t + 1.0)
    np.testing.assert_allclose(popt, [2.0, 1.0], rtol=1e-6)


def test_var_keyword_is_not_a_positional_slot():
    # Numba took **kw as one more positional parameter: args=(2.0, 5.0) ran (kw = 5.0,
    # unused) where Python raises; args=(2.0,) failed with "not enough arguments"
    def f(x, a, **kw):
        return a * x[0] ** 2 + x[1] ** 2

    x = np.array([1.0, 2.0])
    with pytest.warns(FastgradWarning, match=r"\*\*kw"):
        got = fastgrad.gradient(f, x, args=(2.0,))
    np.testing.assert_allclose(got, [4.0, 4.0], rtol=1e-7)
    with pytest.warns(FastgradWarning, match=r"\*\*kw"):
        with pytest.raises(TypeError, match="positional argument"):
            fastgrad.gradient(f, x, args=(2.0, 5.0))


def test_a_numpy_ufunc_stays_compiled():
    # np.sin's signature has keyword-only parameters (where=, casting=, ...), which are
    # not the objective's: fastgrad compiles a call of it with x alone (no warning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = fastgrad.derivative(np.sin, 1.0)
    assert abs(got - np.cos(1.0)) < 1e-9
