"""curve_fit without p0 counts the fit parameters as SciPy does: the positional parameters
of the model after x. Keyword-only parameters (which keep their defaults) and ``**kwargs``
are not fitted; ``*args`` cannot be counted and asks for p0. On both engines."""

import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad import FastgradWarning

scipy_optimize = pytest.importorskip("scipy.optimize")

T = np.linspace(0.0, 4.0, 30)
Y = 2.0 * np.exp(-1.3 * T) + 0.4 + 0.01 * np.sin(9.0 * T)
ENGINES = [None, False]  # compiled (Numba) and the Python engine


def keyword_only(t, a, b, *, c=0.4):
    return a * np.exp(-b * t) + c


def var_keyword(t, a, b, **kw):
    return a * np.exp(-b * t) + 0.4


def var_positional(t, *p):
    return p[0] * np.exp(-p[1] * t) + 0.4


def _fit(model, jit):
    """curve_fit without p0; a model with **kwargs, which Numba cannot bind, runs on the
    Python engine after a FastgradWarning on the compiled engine."""
    if jit is None and model is var_keyword:
        with pytest.warns(FastgradWarning, match="kwargs"):
            return fastgrad.curve_fit(model, T, Y, jit=jit)
    return fastgrad.curve_fit(model, T, Y, jit=jit)


@pytest.mark.parametrize("jit", ENGINES)
@pytest.mark.parametrize("model", [keyword_only, var_keyword])
def test_keyword_parameters_are_not_fitted(model, jit):
    popt, pcov = _fit(model, jit)
    reference = scipy_optimize.curve_fit(model, T, Y)[0]
    assert popt.shape == (2,) and pcov.shape == (2, 2)
    # Both minimize the same 2-parameter sum of squares from the same start (ones), with
    # finite-difference Jacobians (SciPy: forward differences, ~1e-8 relative error) and
    # stopping tolerances ftol = xtol = 1.5e-8: they agree to the order of those tolerances
    # (observed 2e-11): 1e-5 allows for that; fitting c as well moves b by 8e-5 relative.
    np.testing.assert_allclose(popt, reference, rtol=1e-5)


@pytest.mark.parametrize("jit", ENGINES)
def test_keyword_only_default_is_used(jit):
    """The fit uses c = 0.4, its default: the residual is that of the model with c = 0.4."""
    popt, _ = _fit(keyword_only, jit)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fixed = scipy_optimize.curve_fit(lambda t, a, b: a * np.exp(-b * t) + 0.4, T, Y)[0]
    np.testing.assert_allclose(popt, fixed, rtol=1e-5)


@pytest.mark.parametrize("jit", ENGINES)
def test_var_positional_needs_p0(jit):
    with pytest.raises(ValueError, match=r"p0 is needed.*got model\(t, \*p\)"):
        fastgrad.curve_fit(var_positional, T, Y, jit=jit)
    popt, _ = fastgrad.curve_fit(var_positional, T, Y, p0=[1.0, 1.0], jit=jit)
    assert popt.shape == (2,)


def defaulted_and_keyword_only(t, a, b=1.3, *, c=0.4):
    return a * np.exp(-b * t) + c


@pytest.mark.parametrize("jit", ENGINES)
def test_p0_longer_than_the_positional_parameters_is_refused(jit):
    # Numba binds keyword-only parameters by position: a third value in p0 went to c, fitted
    # silently on the compiled engine, where Python (and SciPy) raise TypeError
    with pytest.raises(TypeError, match="positional"):  # ours or Python's own message
        fastgrad.curve_fit(keyword_only, T, Y, p0=[1.0, 1.0, 1.0], jit=jit)


@pytest.mark.parametrize("jit", ENGINES)
def test_p0_shorter_than_the_positional_parameters_keeps_their_defaults(jit):
    # p0 of one value: b keeps its default 1.3 and c its 0.4, as when Python calls the model
    # (the compiled engine had bound c's default to b)
    popt, _ = fastgrad.curve_fit(defaulted_and_keyword_only, T, Y, p0=[1.0], jit=jit)
    reference = scipy_optimize.curve_fit(lambda t, a: a * np.exp(-1.3 * t) + 0.4, T, Y,
                                         p0=[1.0])[0]
    # one parameter, same sum of squares and start: agree to the stopping tolerances (1e-8)
    np.testing.assert_allclose(popt, reference, rtol=1e-6)
