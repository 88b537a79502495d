"""fastgrad.least_squares and fastgrad.curve_fit: results against SciPy, every result field,
batched fits with per-start data equal to single fits, and every bad input with its message.
The NIST StRD problems are in test_nist.py."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize as so

import fastgrad
from fastgrad import FastgradWarning, per_start

T = np.linspace(0.0, 4.0, 50)
P_TRUE = np.array([2.5, 1.3, 0.5])
Y = P_TRUE[0] * np.exp(-P_TRUE[1] * T) + P_TRUE[2] + 0.01 * np.sin(7.0 * T)
P0 = np.array([1.0, 1.0, 0.0])

FIELDS = ("x", "cost", "fun", "jac", "grad", "optimality", "active_mask", "nfev", "njev",
          "status", "message", "success")


def decay_residuals(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def decay_jac(p, t, y):
    out = np.empty((t.shape[0], 3))
    e = np.exp(-p[1] * t)
    out[:, 0] = e
    out[:, 1] = -p[0] * t * e
    out[:, 2] = 1.0
    return out


def decay(t, a, b, c):
    return a * np.exp(-b * t) + c


def decay_model_jac(t, a, b, c):
    out = np.empty((t.shape[0], 3))
    e = np.exp(-b * t)
    out[:, 0] = e
    out[:, 1] = -a * t * e
    out[:, 2] = 1.0
    return out


def test_fit_matches_scipy_and_has_every_field():
    res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y))
    ref = so.least_squares(decay_residuals, P0, args=(T, Y), method="lm")
    for field in FIELDS:
        assert field in res, field
    assert res.success and res.status in (1, 2, 3, 4)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-7)
    assert res.cost == pytest.approx(ref.cost, rel=1e-10)
    np.testing.assert_allclose(res.fun, decay_residuals(res.x, T, Y), rtol=1e-12)
    assert res.cost == pytest.approx(0.5 * np.sum(res.fun ** 2), rel=1e-15)
    np.testing.assert_allclose(res.jac, decay_jac(res.x, T, Y), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(res.grad, res.jac.T @ res.fun, rtol=1e-12, atol=1e-16)
    assert res.optimality == np.max(np.abs(res.grad))
    assert res.active_mask.tolist() == [0, 0, 0]
    assert "converged" in res.message


def test_analytic_jac_and_schemes_reach_the_same_fit():
    base = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), jac=decay_jac)
    assert base.success
    for jac in ("forward", "central", "3-point", "central4", "auto"):
        res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), jac=jac)
        np.testing.assert_allclose(res.x, base.x, rtol=1e-7, err_msg=jac)
    # an analytic Jacobian evaluates no residuals: one evaluation per trial step
    assert base.nfev <= 2 * base.njev + base.nit + 2


def test_x_scale_and_step_are_accepted():
    ref = fastgrad.least_squares(decay_residuals, P0, args=(T, Y))
    for kwargs in ({"x_scale": 1.0}, {"x_scale": [1.0, 2.0, 0.5]}, {"step": 1e-7}):
        res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), **kwargs)
        np.testing.assert_allclose(res.x, ref.x, rtol=1e-6, err_msg=str(kwargs))


def test_parameters_of_tiny_scale():
    """Parameters of order 1e-7: steps relative to each parameter find them (a step of
    sqrt(eps) max(1, |x|) would be 100 times the parameter)."""
    scale = np.array([1e-6, 1e-7])

    def residuals(p, t, y):
        return p[0] * 1e6 * np.exp(-p[1] * 1e7 * t) - y

    y = 2.0 * np.exp(-1.5 * T)
    res = fastgrad.least_squares(residuals, [1e-6, 1e-7], args=(T, y))
    np.testing.assert_allclose(res.x / scale, [2.0, 1.5], rtol=1e-9)


def test_batched_rows_equal_single_fits():
    rng = np.random.default_rng(1)
    m = 7
    P = np.column_stack([rng.uniform(1, 3, m), rng.uniform(0.5, 2, m), rng.uniform(-1, 1, m)])
    Ys = P[:, :1] * np.exp(-P[:, 1:2] * T) + P[:, 2:] + 0.01 * rng.standard_normal((m, 50))
    X0 = np.tile(P0, (m, 1)) + 0.1 * rng.standard_normal((m, 3))
    res = fastgrad.least_squares(decay_residuals, X0, args=(T, per_start(Ys)))
    assert res.x.shape == (m, 3) and res.fun.shape == (m, 50) and res.jac.shape == (m, 50, 3)
    assert len(res.message) == m and res.best == int(np.argmin(res.cost))
    for i in range(m):
        one = fastgrad.least_squares(decay_residuals, X0[i], args=(T, Ys[i]))
        assert np.array_equal(res.x[i], one.x)
        assert np.array_equal(res.jac[i], one.jac)
        assert res.cost[i] == one.cost
        assert (res.nfev[i], res.njev[i], res.status[i]) == (one.nfev, one.njev, one.status)
        assert res.message[i] == one.message


def test_batched_shared_data_and_curve_fit_batch():
    rng = np.random.default_rng(2)
    m = 5
    X0 = np.tile(P0, (m, 1)) + 0.2 * rng.standard_normal((m, 3))
    res = fastgrad.least_squares(decay_residuals, X0, args=(T, Y))
    for i in range(m):
        assert np.array_equal(res.x[i], fastgrad.least_squares(decay_residuals, X0[i],
                                                               args=(T, Y)).x)
    Ys = np.array([Y, 2 * Y, Y + 1, Y - 0.5, 3 * Y])
    sig = np.abs(rng.standard_normal((m, 50))) + 0.5
    popt, pcov = fastgrad.curve_fit(decay, T, per_start(Ys), X0, sigma=per_start(sig))
    assert popt.shape == (m, 3) and pcov.shape == (m, 3, 3)
    for i in range(m):
        p1, c1 = fastgrad.curve_fit(decay, T, Ys[i], X0[i], sigma=sig[i])
        assert np.array_equal(popt[i], p1)
        assert np.array_equal(pcov[i], c1)


@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_curve_fit_matches_scipy(absolute_sigma):
    sigma = 0.5 + 0.1 * np.cos(T)
    popt, pcov = fastgrad.curve_fit(decay, T, Y, P0, sigma=sigma,
                                    absolute_sigma=absolute_sigma, jac=decay_model_jac)
    ref, scipy_cov = so.curve_fit(decay, T, Y, P0, sigma=sigma,
                                  absolute_sigma=absolute_sigma, jac=decay_model_jac,
                                  method="lm")
    np.testing.assert_allclose(popt, ref, rtol=1e-8)
    # SciPy's "lm" takes pcov from MINPACK's last Jacobian, which may lag one step behind
    # popt: the same convention at popt itself is the exact reference
    jw = decay_model_jac(T, *ref) / sigma[:, None]
    ref_cov = np.linalg.inv(jw.T @ jw)
    if not absolute_sigma:
        ref_cov *= np.sum(((decay(T, *ref) - Y) / sigma) ** 2) / (T.size - 3)
    np.testing.assert_allclose(pcov, ref_cov, rtol=1e-6)
    np.testing.assert_allclose(pcov, scipy_cov, rtol=1e-4)
    popt2, pcov2 = fastgrad.curve_fit(decay, T, Y, P0, sigma=sigma,
                                      absolute_sigma=absolute_sigma)
    np.testing.assert_allclose(popt2, ref, rtol=1e-8)
    # finite differences: the Jacobian of the last iterate, within 1e-6 of popt (JAC_REUSE)
    np.testing.assert_allclose(pcov2, ref_cov, rtol=1e-4)


def test_curve_fit_defaults_full_output_and_2d_xdata():
    popt, pcov, res = fastgrad.curve_fit(decay, T, Y, full_output=True)  # p0 from signature
    assert res.success and popt.shape == (3,) and pcov.shape == (3, 3)
    np.testing.assert_allclose(popt, so.curve_fit(decay, T, Y)[0], rtol=1e-7)

    def plane(xy, a, b, c):
        return a * xy[0] + b * xy[1] + c

    xy = np.vstack([T, np.cos(T)])
    z = 1.5 * xy[0] - 2.0 * xy[1] + 0.25
    popt, _ = fastgrad.curve_fit(plane, xy, z, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(popt, [1.5, -2.0, 0.25], rtol=1e-9)


def test_curve_fit_covariance_cannot_be_estimated():
    with pytest.warns(FastgradWarning, match="Covariance of the parameters could not be"):
        _, pcov = fastgrad.curve_fit(decay, T[:3], Y[:3], P0)
    assert np.all(np.isinf(pcov))


def test_curve_fit_python_engine_model():
    class Model:  # a callable object: Numba cannot compile it
        def __call__(self, t, a, b, c):
            return a * np.exp(-b * t) + c

    model = Model()
    with pytest.warns(FastgradWarning, match="Python engine"):
        popt, pcov = fastgrad.curve_fit(model, T, Y, P0)
    ref, ref_cov = fastgrad.curve_fit(decay, T, Y, P0)
    np.testing.assert_allclose(popt, ref, rtol=1e-8)  # numpy's exp is not Numba's
    np.testing.assert_allclose(pcov, ref_cov, rtol=1e-6)


def test_nan_residuals_stop_with_a_status():
    def nan_at_start(p, t, y):
        return p[0] * np.log(p[1] - 2.0) * t - y

    res = fastgrad.least_squares(nan_at_start, [1.0, 1.0], args=(T, Y))
    assert not res.success and res.status == 6
    assert "not finite" in res.message and "x0" in res.message
    with pytest.raises(RuntimeError, match="Optimal parameters not found: .*not finite"):
        fastgrad.curve_fit(lambda t, a, b: a * np.log(b - 2.0) * t, T, Y, [1.0, 1.0])


def test_changing_residual_length_raises():
    def changing(p, t, y):
        k = t.shape[0] if p[0] < 1.5 else t.shape[0] - 1
        return p[0] * t[:k] - y[:k]

    with pytest.raises(ValueError, match="one length"):
        fastgrad.least_squares(changing, [1.0], args=(T, 3 * T))


@pytest.mark.parametrize("call, error, match", [
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T[:2], Y[:2])), ValueError,
     "at least as many residuals as parameters: fun returned 2 residuals at x0 for 3"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), method="trf"),
     ValueError, "method must be one of 'lm'"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), bounds=(0, 1)),
     TypeError, "unexpected keyword argument 'bounds'"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), ftoll=1e-9),
     TypeError, "did you mean 'ftol'"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), jac="complex"),
     ValueError, "jac must be one of"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), ftol=0, xtol=0,
                                    gtol=0), ValueError, "at least one of ftol, xtol and gtol"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), max_nfev=0),
     ValueError, "max_nfev must be an integer >= 1"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, Y), x_scale=-1.0),
     ValueError, "x_scale must contain positive finite values"),
    (lambda: fastgrad.least_squares(decay_residuals, [np.nan, 1, 1], args=(T, Y)),
     ValueError, "x0 must be finite"),
    (lambda: fastgrad.least_squares(decay_residuals, np.ones((3, 3)),
                                    args=(T, per_start(np.ones((2, 50))))),
     ValueError, r"args\[1\] is marked per_start and must have a leading axis of length "
                 r"m = 3 \(the number of rows of x0\), got shape \(2, 50\)"),
    (lambda: fastgrad.least_squares(decay_residuals, P0, args=(T, per_start(Y[None]))),
     ValueError, r"args\[1\] is marked per_start, but x0 is a single start"),
    (lambda: fastgrad.curve_fit(decay, T, Y[:40], P0), ValueError,
     r"xdata and ydata must have the same number k of points \(the last axis\): xdata has "
     r"shape \(50,\), ydata has shape \(40,\)"),
    (lambda: fastgrad.curve_fit(decay, T, Y, P0, sigma=np.ones(49)), ValueError,
     r"sigma must have shape \(k,\) = \(50,\) or \(50, 50\) \(a covariance matrix\)"),
    (lambda: fastgrad.curve_fit(decay, T, Y, P0, sigma=-np.eye(50)), ValueError,
     "symmetric positive definite covariance matrix"),
    (lambda: fastgrad.curve_fit(decay, T, Y, P0, sigma=-np.ones(50)), ValueError,
     "sigma must contain positive finite values"),
    (lambda: fastgrad.curve_fit(decay, T, per_start(np.ones((4, 50))), np.ones((3, 3))),
     ValueError, r"ydata is marked per_start and must have a leading axis of length m = 3"),
    (lambda: fastgrad.curve_fit(decay, T, per_start(np.ones((3, 50))), P0), ValueError,
     r"ydata is marked per_start, but p0 has shape \(n,\)"),
    (lambda: fastgrad.curve_fit(lambda t, a, b: a * t[:10] + b, T, Y, [1.0, 1.0]), ValueError,
     r"model\(xdata, \*p0\) must return one value per point of ydata, shape \(50,\); it "
     r"returned shape \(10,\)"),
    (lambda: fastgrad.curve_fit(decay, T, Y, P0, method="trf"), ValueError,
     "method must be None or 'lm'"),
    (lambda: fastgrad.curve_fit(lambda t, *p: p[0] * t, T, Y), ValueError, "p0 is needed"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_max_nfev_stops_with_status_0():
    res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), max_nfev=5)
    assert res.status == 0 and not res.success and "max_nfev=5" in res.message


def test_second_call_compiles_nothing():
    fastgrad.least_squares(decay_residuals, P0, args=(T, Y))
    from fastgrad._core import cache
    obj = cache.get(decay_residuals, None)
    solver = obj.drivers[("least_squares", None, "jit")]
    before = len(solver.single.signatures)
    fastgrad.least_squares(decay_residuals, P0 + 0.1, args=(T, Y))
    assert len(solver.single.signatures) == before


def test_python_engine_gives_the_compiled_fit():
    ref = fastgrad.least_squares(decay_residuals, P0, args=(T, Y))
    res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), jit=False)
    np.testing.assert_allclose(res.x, ref.x, rtol=1e-9)
    assert res.status == ref.status


def test_max_time_stops_with_status_8():
    def slow(p, t, y):
        acc = 0.0
        for i in range(3_000_000):  # a few milliseconds per evaluation
            acc += np.sqrt(i + p[0] * p[0])
        return p[0] * np.exp(-p[1] * t) + p[2] - y + 0.0 * acc

    fastgrad.least_squares(slow, P0, args=(T, Y), max_nfev=2)  # compile first
    res = fastgrad.least_squares(slow, P0, args=(T, Y), max_time=0.01)
    assert res.status == 8 and not res.success and "max_time" in res.message
    assert res.nfev < 20


def test_minimize_refuses_per_start_until_wired():
    with pytest.raises(ValueError, match="per_start"):
        fastgrad.minimize(lambda x, a: np.sum((x - a) ** 2), np.zeros((2, 2)),
                          args=(per_start(np.ones((2, 2))),))


@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_curve_fit_2d_sigma_matches_scipy(absolute_sigma):
    idx = np.arange(50)
    cov = 0.04 * np.exp(-np.abs(idx[:, None] - idx[None, :]) / 3.0)  # correlated errors
    popt, pcov = fastgrad.curve_fit(decay, T, Y, P0, sigma=cov, jac=decay_model_jac,
                                    absolute_sigma=absolute_sigma)
    ref, _ = so.curve_fit(decay, T, Y, P0, sigma=cov, jac=decay_model_jac, method="lm",
                          absolute_sigma=absolute_sigma)
    np.testing.assert_allclose(popt, ref, rtol=1e-8)
    L = np.linalg.cholesky(cov)
    jw = np.linalg.solve(L, decay_model_jac(T, *ref))
    ref_cov = np.linalg.inv(jw.T @ jw)
    if not absolute_sigma:
        r = np.linalg.solve(L, decay(T, *ref) - Y)
        ref_cov *= r @ r / (50 - 3)
    np.testing.assert_allclose(pcov, ref_cov, rtol=1e-6)
    popt2, _ = fastgrad.curve_fit(decay, T, Y, P0, sigma=cov)
    np.testing.assert_allclose(popt2, ref, rtol=1e-7)
    batch, _ = fastgrad.curve_fit(decay, T, per_start(np.array([Y, Y])), np.array([P0, P0]),
                                  sigma=per_start(np.array([cov, cov])))
    assert np.array_equal(batch[0], popt2) and np.array_equal(batch[1], popt2)


def test_callback_sees_every_iteration_and_can_stop():
    seen = []

    def record(intermediate):
        seen.append((intermediate.nit, intermediate.x.copy()))

    res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), callback=record)
    ref = fastgrad.least_squares(decay_residuals, P0, args=(T, Y))
    assert np.array_equal(res.x, ref.x) and res.nfev == ref.nfev  # chunks change nothing
    assert [nit for nit, _ in seen] == list(range(1, len(seen) + 1))
    assert len(seen) >= res.nit - 1

    def stop_at_2(intermediate):
        return intermediate.nit >= 2

    res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), callback=stop_at_2)
    assert res.status == 10 and res.nit == 2 and not res.success
    assert "callback" in res.message

    def raise_stop(intermediate):
        raise StopIteration

    batch = fastgrad.least_squares(decay_residuals, np.array([P0, P0 + 0.1]), args=(T, Y),
                                   callback=raise_stop, callback_every=2)
    assert batch.status.tolist() == [10, 10] and batch.nit.tolist() == [2, 2]


def test_keyboard_interrupt_keeps_the_result():
    def interrupt(intermediate):
        raise KeyboardInterrupt

    with pytest.warns(FastgradWarning, match="interrupted"):
        res = fastgrad.least_squares(decay_residuals, P0, args=(T, Y), callback=interrupt)
    assert res.status == 11 and res.nit == 1 and "KeyboardInterrupt" in res.message
