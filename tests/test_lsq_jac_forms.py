"""An analytic ``jac`` of least_squares in the forms SciPy accepts: a list of rows works (on
the Python engine, where Numba cannot take it), and a wrong shape says which shape came back
(from an adversarial probe: a list gave a bare AttributeError)."""

import warnings

import numpy as np
import pytest
from scipy import optimize as so

import fastgrad

T = np.linspace(0.0, 3.0, 30)
Y = 2.5 * np.exp(-1.3 * T) + 0.5


def residuals(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def make_jac_rows():
    def jac_rows(p, t, y):  # a new function per test: its own fallback warning
        e = np.exp(-p[1] * t)
        return [[e[i], -p[0] * t[i] * e[i], 1.0] for i in range(t.size)]
    return jac_rows


def jac_transposed(p, t, y):
    e = np.exp(-p[1] * t)
    return np.vstack((e, -p[0] * t * e, np.ones_like(t)))


@pytest.mark.parametrize("method", ["lm", "trf"])
def test_a_list_of_rows_is_taken(method):
    jac_rows = make_jac_rows()
    expected = so.least_squares(residuals, [1.0, 1.0, 0.0], args=(T, Y), jac=jac_rows,
                                method=method).x
    with warnings.catch_warnings():  # Numba refuses the list: the Python engine, with a
        warnings.simplefilter("ignore", fastgrad.FastgradWarning)  # warning once per f
        res = fastgrad.least_squares(residuals, np.array([1.0, 1.0, 0.0]), args=(T, Y),
                                     jac=jac_rows, method=method)
    assert res.success, res.message
    # an exact model and data: both reach the data's parameters to ftol's accuracy
    np.testing.assert_allclose(res.x, [2.5, 1.3, 0.5], rtol=1e-6)
    np.testing.assert_allclose(res.x, expected, rtol=1e-6)


def test_a_transposed_jac_names_the_shapes():
    with pytest.raises(ValueError, match=r"\(k, n\) = \(30, 3\) \(k residuals, n parameters\); it "
                       r"returned shape \(3, 30\)"):
        fastgrad.least_squares(residuals, np.array([1.0, 1.0, 0.0]), args=(T, Y),
                               jac=jac_transposed, jit=False)


def test_a_transposed_jac_is_refused_when_compiled():
    with pytest.raises(ValueError, match=r"jac must return an array of shape \(k, n\)"):
        fastgrad.least_squares(residuals, np.array([1.0, 1.0, 0.0]), args=(T, Y),
                               jac=jac_transposed)


@pytest.mark.parametrize("fit", ["least_squares", "curve_fit"])
def test_jit_true_refuses_after_a_fallback(fit):
    """``jit=True`` raises TypeError for a model Numba cannot compile, also after a call
    with the default ``jit=None`` fell back to the Python engine (it then ran on Python,
    silently: from an adversarial probe)."""
    from scipy import special

    def model_res(p, t, y):
        return p[0] * special.expit(-p[1] * t) + p[2] - y

    def model(t, a, b, c):
        return a * special.expit(-b * t) + c

    def call(jit):
        if fit == "least_squares":
            return fastgrad.least_squares(model_res, np.array([1.0, 1.0, 0.0]), args=(T, Y),
                                          jit=jit)
        return fastgrad.curve_fit(model, T, Y, [1.0, 1.0, 0.0], jit=jit)

    with pytest.raises(TypeError, match="jit=True"):
        call(True)
    with pytest.warns(fastgrad.FastgradWarning):  # the fallback, once per objective
        call(None)
    with pytest.raises(TypeError, match="jit=True"):
        call(True)
