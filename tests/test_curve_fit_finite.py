"""curve_fit's ``check_finite`` (SciPy's default True): non-finite data is refused by name.

An infinite x can give a finite model value (``a exp(-b x)`` is 0 at x = inf): without the
check the fit went on with that point silently, where SciPy raises. A NaN in ydata stopped
the fit with a RuntimeError about the residuals at p0 instead of naming ydata. Checked on the
first call, on the lean path of a repeated call (same shapes), and for per-start data.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad


def decay(t, a, b):
    return a * np.exp(-b * t)


T = np.linspace(0.0, 4.0, 20)
Y = decay(T, 2.0, 0.7)


def spoiled(a, index, value):
    a = a.copy()
    a[index] = value
    return a


@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
@pytest.mark.parametrize("name", ["xdata", "ydata"])
@pytest.mark.parametrize("repeat", [False, True])
def test_non_finite_data_named(name, value, repeat):
    if repeat:  # the lean path of a call repeating checked shapes
        fastgrad.curve_fit(decay, T, Y, p0=np.array([1.0, 1.0]))
    data = {"xdata": T, "ydata": Y}
    data[name] = spoiled(data[name], 7, value)
    with pytest.raises(ValueError, match=rf"{name} must be finite .*{name}\[7\] = {value}"):
        fastgrad.curve_fit(decay, data["xdata"], data["ydata"], p0=np.array([1.0, 1.0]))


def test_scipy_refuses_the_same():
    curve_fit = pytest.importorskip("scipy.optimize").curve_fit
    with pytest.raises(ValueError):
        curve_fit(decay, spoiled(T, 19, np.inf), Y, p0=[1.0, 1.0])


def test_per_start_data_named():
    Ys = np.array([Y, spoiled(Y, 3, np.nan)])
    with pytest.raises(ValueError, match=r"ydata must be finite .*ydata\[\(1, 3\)\] = nan"):
        fastgrad.curve_fit(decay, T, fastgrad.per_start(Ys), p0=np.ones((2, 2)))


def test_check_finite_false_fits_as_given():
    """x = inf, where the model is 0 whatever the parameters: a residual that does not
    depend on them, so the parameters are those of the other points (SciPy's with
    check_finite=False too)."""
    x = spoiled(T, 19, np.inf)
    p, _ = fastgrad.curve_fit(decay, x, Y, p0=[1.0, 1.0], check_finite=False)
    np.testing.assert_allclose(p, [2.0, 0.7], rtol=1e-8)
    curve_fit = pytest.importorskip("scipy.optimize").curve_fit
    theirs, _ = curve_fit(decay, x, Y, p0=[1.0, 1.0], check_finite=False)
    np.testing.assert_allclose(p, theirs, rtol=1e-6)
    with pytest.raises(RuntimeError, match="not finite"):  # a NaN reaches the residuals
        fastgrad.curve_fit(decay, T, spoiled(Y, 0, np.nan), p0=[1.0, 1.0], check_finite=False)


def test_large_finite_data_accepted():
    """Data whose squares overflow (1e200) is still finite data."""
    y = 1e200 * np.exp(-0.7 * T)
    with pytest.warns(fastgrad.FastgradWarning, match="pcov is inf"):  # J'J overflows
        p, _ = fastgrad.curve_fit(decay, T, y, p0=np.array([1e200, 1.0]))
    np.testing.assert_allclose(p, [1e200, 0.7], rtol=1e-8)


def test_check_finite_must_be_bool():
    with pytest.raises(TypeError, match="check_finite"):
        fastgrad.curve_fit(decay, T, Y, p0=[1.0, 1.0], check_finite="yes")


@pytest.mark.parametrize("flag", [True, np.True_])
def test_numpy_true_checks_on_the_lean_path_too(flag):
    """A repeated call (the lean path) with ``check_finite=np.True_`` checks as True does."""
    fastgrad.curve_fit(decay, T, Y, p0=np.array([1.0, 1.0]), check_finite=flag)
    with pytest.raises(ValueError, match=r"xdata must be finite"):
        fastgrad.curve_fit(decay, spoiled(T, 2, np.inf), Y, p0=np.array([1.0, 1.0]),
                           check_finite=flag)
