"""The lean path of least_squares and curve_fit (fastgrad.optimize.lsq_plans): a fit
repeated with a new start or new data and the same options skips the checks and the set-up,
and gives exactly what the full pipeline gives."""

import importlib
import inspect
import warnings

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad._core import cache
from fastgrad.optimize import lsq_plans
from test_lean_path import assert_same  # every field equal, bit for bit

ls_module = importlib.import_module("fastgrad.optimize.least_squares")
cf_module = importlib.import_module("fastgrad.optimize.curve_fit")


@numba.njit
def decay_residuals(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def decay(t, a, b, c):
    return a * np.exp(-b * t) + c


def data(k=40, seed=0):
    t = np.linspace(0.0, 4.0, k)
    noise = 0.01 * np.random.default_rng(seed).standard_normal(k)
    return t, 2.0 * np.exp(-1.3 * t) + 0.4 + noise


def forget_plans():
    for obj in list(cache._REGISTRY.values()):
        obj.plans.clear()


@pytest.fixture
def setups(monkeypatch):
    """The calls of lm_setup: the full pipeline makes one, the lean path none."""
    calls = []
    original = ls_module.lm_setup
    monkeypatch.setattr(ls_module, "lm_setup",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


@pytest.mark.parametrize("options", [
    {},
    {"jac": "central", "x_scale": 1.0},
    {"jac": "forward", "ftol": 1e-12, "xtol": 1e-12, "gtol": 0.0},
    {"step": 1e-7, "method": "lm", "x_scale": "jac"},
    {"max_nfev": 6},  # stops on max_nfev: the status and message too
])
def test_a_planned_least_squares_call_equals_the_full_pipeline(options, setups):
    def res(p, t, y):
        return decay_residuals(p, t, y)

    t, y = data()
    fastgrad.least_squares(res, np.array([1.0, 1.0, 0.0]), args=(t, y), **options)
    assert len(setups) == 1 and cache.peek(res, None).plans
    x0 = np.array([3.0, 0.5, 1.0])
    planned = fastgrad.least_squares(res, x0, args=(t, y), **options)
    assert len(setups) == 1  # the lean path: no set-up
    forget_plans()
    full = fastgrad.least_squares(res, x0, args=(t, y), **options)
    assert len(setups) == 2
    assert_same(planned, full)
    assert planned.success == ("max_nfev" not in options)


def test_a_plan_takes_each_calls_own_data_of_any_length(setups):
    def res(p, t, y):
        return decay_residuals(p, t, y)

    x0 = np.array([1.0, 1.0, 0.0])
    for k in (30, 50, 7):  # k is learnt at each call: one plan serves every length of data
        t, y = data(k, seed=k)
        planned = fastgrad.least_squares(res, x0, args=(t, y))
        full = fastgrad.least_squares(res, x0.tolist(), args=(t, y))  # a list: no plan
        assert_same(planned, full)
        assert planned.fun.shape == (k,)
    assert len(setups) == 4  # the first call and the three lists
    with pytest.raises(ValueError, match="at least as many residuals as parameters"):
        fastgrad.least_squares(res, x0, args=(t[:2], y[:2]))  # still checked when planned


def test_a_planned_call_still_checks_x0():
    t, y = data()
    fastgrad.least_squares(decay_residuals, np.ones(3), args=(t, y))
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="x0 must be finite"):
            fastgrad.least_squares(decay_residuals, np.array([bad, 1.0, 0.0]), args=(t, y))


def test_calls_that_cannot_have_a_plan_take_the_full_pipeline(setups):
    t, y = data()
    x0 = np.array([1.0, 1.0, 0.0])
    calls = [
        dict(bounds=([0.0, 0.0, -1.0], [5.0, 5.0, 1.0])),
        dict(method="trf"),
        dict(max_time=60.0),
        dict(callback=lambda r: None),
        dict(callback=lambda r: None, callback_every=2),
        dict(jac=lambda p, t, y: np.column_stack(
            (np.exp(-p[1] * t), -p[0] * t * np.exp(-p[1] * t), np.ones_like(t)))),
        dict(x_scale=np.ones(3)),
        dict(ftol=np.float64(1e-8)),
    ]
    for kwargs in calls:
        for _ in range(2):
            res = fastgrad.least_squares(decay_residuals, x0, args=(t, y), **kwargs)
            assert res.success
            np.testing.assert_allclose(res.x, [2.0, 1.3, 0.4], atol=0.05)
    assert len(setups) == 2 * len(calls)


def test_every_keyword_of_least_squares_is_in_the_plan_key_or_leaves_the_lean_path():
    keywords = set(inspect.signature(fastgrad.least_squares).parameters) - {"fun", "x0",
                                                                             "unknown"}
    keyed = set(inspect.signature(lsq_plans.key_of).parameters) - {"x0", "k", "value_eps"}
    off = {"bounds", "max_time", "callback", "callback_every"}  # checked by fit
    assert keywords == keyed | off, (
        "least_squares' keywords changed: put each new one in lsq_plans.key_of or in fit's "
        "check before the lean path, and here")


def test_key_of_refuses_what_it_cannot_compare():
    x0 = np.zeros(3)
    args = (np.ones(4),)
    rest = (None, None, "auto", 1e-8, 1e-8, 1e-8, None, None, None, None, None)
    assert lsq_plans.key_of(x0, args, *rest) is not None
    assert lsq_plans.key_of(x0.astype(np.float32), args, *rest) is None
    assert lsq_plans.key_of(x0[None], args, *rest) is None
    assert lsq_plans.key_of(list(x0), args, *rest) is None
    assert lsq_plans.key_of(x0, list(args), *rest) is None
    assert lsq_plans.key_of(x0, (fastgrad.per_start(np.ones((2, 4))),), *rest) is None
    trf = rest[:1] + ("trf",) + rest[2:]
    assert lsq_plans.key_of(x0, args, *trf) is None
    jac = rest[:2] + (decay,) + rest[3:]
    assert lsq_plans.key_of(x0, args, *jac) is None
    int_ftol = rest[:3] + (0,) + rest[4:]
    float_ftol = rest[:3] + (0.0,) + rest[4:]
    assert lsq_plans.key_of(x0, args, *int_ftol) != lsq_plans.key_of(x0, args, *float_ftol)
    for other in [(np.zeros(9),), (np.ones((2, 2)), 3), ([1.0],), ()]:  # args: the call's
        assert lsq_plans.key_of(x0, other, *rest) == lsq_plans.key_of(x0, args, *rest)


@pytest.mark.parametrize("kwargs", [{}, {"ftol": 1e-12}, {"absolute_sigma": True}])
def test_a_repeated_curve_fit_equals_the_full_pipeline(kwargs, setups):
    def model(t, a, b, c):
        return a * np.exp(-b * t) + c

    t, y = data()
    fastgrad.curve_fit(model, t, y, np.array([1.0, 1.0, 0.0]), **kwargs)
    p0 = np.array([3.0, 0.5, 1.0])
    popt, pcov, res = fastgrad.curve_fit(model, t, y, p0, full_output=True, **kwargs)
    assert len(setups) == 1  # the lean path
    forget_plans()
    popt2, pcov2, res2 = fastgrad.curve_fit(model, t, y, p0.tolist(), full_output=True,
                                            **kwargs)
    assert len(setups) == 2
    np.testing.assert_array_equal(popt, popt2)
    np.testing.assert_array_equal(pcov, pcov2)
    assert_same(res, res2)


def test_curve_fit_still_checks_what_a_repeated_call_changes():
    def model(t, a, b, c):
        return a * np.exp(-b * t) + c

    t, y = data()
    p0 = np.array([1.0, 1.0, 0.0])
    fastgrad.curve_fit(model, t, y, p0)
    with pytest.raises(ValueError, match="same number k of points"):
        fastgrad.curve_fit(model, t[:-1], y, p0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'ftoll'"):
        fastgrad.curve_fit(model, t, y, p0, ftoll=1e-8)
    with pytest.raises(ValueError, match="x0 must be finite"):
        fastgrad.curve_fit(model, t, y, np.array([np.nan, 1.0, 0.0]))
    # not C-contiguous, other dtypes, sigma: the full checks, the same fit
    ref, _ = fastgrad.curve_fit(model, t, y, p0.tolist())
    y2 = np.stack([y, y], axis=1)[:, 0]
    for args in [(t, y2), (t.astype(np.float32), y), (t, y.tolist())]:
        np.testing.assert_allclose(fastgrad.curve_fit(model, *args, p0)[0], ref, rtol=1e-6)
    popt, _ = fastgrad.curve_fit(model, t, y, p0, sigma=np.full(y.size, 2.0))
    np.testing.assert_allclose(popt, ref, rtol=1e-6)


def test_curve_fit_warns_on_an_inestimable_covariance_planned_or_not():
    def model(t, a, b, c):
        return a * np.exp(-b * t) + c

    t, y = data(3)
    for _ in range(2):
        with pytest.warns(fastgrad.FastgradWarning, match="Covariance of the parameters"):
            popt, pcov = fastgrad.curve_fit(model, t, y, np.array([2.0, 1.3, 0.4]))
        assert np.all(np.isinf(pcov))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, pcov = fastgrad.curve_fit(model, t, y, np.array([2.0, 1.3, 0.4]),
                                     absolute_sigma=True)
    assert np.all(np.isfinite(pcov))


# Hostile but legal residual functions, each called twice with the same options: the second
# call (planned, when the first made a plan) gives the full pipeline's number or its error.

@numba.njit(fastmath=True, error_model="python", boundscheck=True)
def unusual_options(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def float32_values(p, t, y):
    return (p[0] * np.exp(-p[1] * t) + p[2] - y).astype(np.float32)


def non_analytic(p, t, y):
    return np.abs(p[0] * np.exp(-p[1] * t) + p[2] - y) ** 1.5 * np.sign(
        p[0] * np.exp(-p[1] * t) + p[2] - y)


@pytest.mark.parametrize("fun", [unusual_options, float32_values, non_analytic])
def test_hostile_residuals_planned_equal_the_full_pipeline(fun, setups):
    t, y = data()
    x0 = np.array([1.0, 1.0, 0.0])
    fastgrad.least_squares(fun, x0, args=(t, y))
    planned = fastgrad.least_squares(fun, x0 + 0.5, args=(t, y))
    assert len(setups) == 1  # the lean path ran
    forget_plans()
    assert_same(planned, fastgrad.least_squares(fun, x0 + 0.5, args=(t, y)))
    assert planned.success
    tol = 1e-3 if fun is float32_values else 1e-6  # float32 residuals: their own roundoff
    reference = fastgrad.least_squares(decay_residuals, x0, args=(t, y)).x
    if fun is not non_analytic:  # the same minimizer as the plain residuals
        np.testing.assert_allclose(planned.x, reference, rtol=tol, atol=tol)


def test_a_residual_that_raises_on_a_planned_call_raises_there():
    def fun(p, t, y):
        if p[0] > 100.0:
            raise ValueError("p[0] out of the model's range")
        return p[0] * np.exp(-p[1] * t) + p[2] - y

    t, y = data()
    fastgrad.least_squares(fun, np.array([1.0, 1.0, 0.0]), args=(t, y))
    assert cache.peek(fun, None).plans
    with pytest.raises(ValueError, match="out of the model's range"):
        fastgrad.least_squares(fun, np.array([200.0, 1.0, 0.0]), args=(t, y))


def test_refused_residuals_make_no_plan_and_are_refused_every_time():
    def past_x(p, t, y):
        return p[0] * np.exp(-p[1] * t) + p[3] - y  # p[3] with n = 3

    def complex_values(p, t, y):
        return (p[0] * np.exp(-p[1] * t) + p[2] - y) * (1 + 1j)

    t, y = data()
    x0 = np.array([1.0, 1.0, 0.0])
    for fun, error in [(past_x, fastgrad.ObjectiveIndexError), (complex_values, ValueError)]:
        for _ in range(2):
            with pytest.raises(error, match="x|real residuals"):
                fastgrad.least_squares(fun, x0, args=(t, y))
        obj = cache.peek(fun, None)
        assert obj is None or not obj.plans


def test_curve_fit_of_a_float32_model_planned_equals_the_full_pipeline(setups):
    def model(t, a, b, c):
        return (a * np.exp(-b * t) + c).astype(np.float32)

    t, y = data()
    fastgrad.curve_fit(model, t, y, np.array([1.0, 1.0, 0.0]))
    p0 = np.array([3.0, 0.5, 1.0])
    popt, pcov, res = fastgrad.curve_fit(model, t, y, p0, full_output=True)
    assert len(setups) == 1
    forget_plans()
    popt2, pcov2, res2 = fastgrad.curve_fit(model, t, y, p0.tolist(), full_output=True)
    np.testing.assert_array_equal(popt, popt2)
    np.testing.assert_array_equal(pcov, pcov2)
    assert_same(res, res2)
    np.testing.assert_allclose(popt, [2.0, 1.3, 0.4], atol=0.05)
