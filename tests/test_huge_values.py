"""Objectives of huge magnitude (finite values above 1e150): the estimates of the noise of f
and of the gradient's error must not overflow into a claim of convergence. A run either
reaches the minimum or says it failed; it never reports success at its start because an
estimate became inf (from an adversarial probe: f = 1e180 (x - 1)**2 from x = 0 ended with
status 11, success True, after 0 iterations, its error "estimated" as inf)."""

import math

import numpy as np
import pytest

import fastgrad
from fastgrad.problems import nist
from fastgrad.optimize.accuracy import table_estimates
from fastgrad.steps import CENTRAL, CENTRAL4, FORWARD


def scaled_bowl(scale):
    def f(x):
        return scale * ((x[0] - 1.0) ** 2 + (x[1] - 2.0) ** 2)
    return f


MINIMUM = np.array([1.0, 2.0])


@pytest.mark.parametrize("scale", [1e170, 1e200, 1e250, 1e300])
@pytest.mark.parametrize("options", [
    {}, {"method": "bfgs"}, {"jac": "central4"}, {"jac": "forward"}, {"jit": False},
    {"bounds": ([-10.0, -10.0], [10.0, 10.0])},
], ids=["default", "bfgs", "central4", "forward", "python", "bounds"])
def test_success_only_at_the_minimum(scale, options):
    res = fastgrad.minimize(scaled_bowl(scale), np.zeros(2), **options)
    if res.success:
        # a claim of convergence: x within the accuracy a gradient can resolve of f this
        # size (the bowl is exact in x to rounding: far below 1e-6)
        np.testing.assert_allclose(res.x, MINIMUM, atol=1e-6)
    else:
        assert res.status in (2, 4), res.message  # an honest failure: diverged or stuck


@pytest.mark.parametrize("scheme", [FORWARD, CENTRAL, CENTRAL4])
@pytest.mark.parametrize("power", [200, 600, 900])
def test_table_estimates_scale_exactly(scheme, power):
    """Scaling f by 2**power scales both estimates by 2**power exactly: the table's
    differences and squares do not overflow, and no rounding is added (a power of two)."""
    rng = np.random.default_rng(power + scheme)
    v = 1.0 + 1e-12 * rng.standard_normal(7) + 0.1 * np.arange(7.0) ** 2
    noise, truncation = table_estimates(v.copy(), scheme)
    big_noise, big_truncation = table_estimates(v * 2.0 ** power, scheme)
    assert big_noise == math.ldexp(noise, power)
    assert big_truncation == math.ldexp(truncation, power)


def line(p, t, y):
    return p[0] * t + p[1] - y


@pytest.mark.parametrize("bound", [1e10, 1e100, 1e200, 1e300])
def test_least_squares_within_huge_finite_bounds(bound):
    """A straight-line fit with parameters of 1e-8 within bounds of up to 1e300 (a stand-in
    for "no bound"): the trust-region subproblem's scaled variables reach sv ~ sqrt(bound)
    and a radius ~ 1 / sqrt(bound); it returned x0 with success True from 1e154 on (from an
    adversarial probe). The answer is that of numpy's lstsq, as SciPy's trf gives."""
    rng = np.random.default_rng(8)
    t = np.linspace(0.0, 1.0, 40)
    y = 1e-8 * t + 1e-9 + 1e-10 * rng.standard_normal(40)
    exact = np.linalg.lstsq(np.column_stack([t, np.ones_like(t)]), y, rcond=None)[0]
    res = fastgrad.least_squares(line, np.array([1.0, 1.0]), args=(t, y),
                                 bounds=([-bound] * 2, [bound] * 2))
    assert res.success, res.message
    # the run stops once a step reduces the cost by less than ftol = 1e-8 of it: the cost
    # within about that of the minimum, and x within sqrt of it (a quadratic minimum),
    # 1e-4 relative: far below the fit's own standard errors (3 % for the intercept)
    best = 0.5 * np.sum((exact[0] * t + exact[1] - y) ** 2)
    assert res.cost - best <= 1e-7 * best
    np.testing.assert_allclose(res.x, exact, rtol=1e-4)
    popt = fastgrad.curve_fit(lambda t, a, b: a * t + b, t, y, [1.0, 1.0],
                              bounds=(-bound, bound))[0]
    np.testing.assert_allclose(popt, exact, rtol=1e-4)


@pytest.mark.skipif(not nist.DATA_DIR.exists(), reason="no NIST StRD data")
def test_python_engine_survives_residuals_whose_square_overflows():
    """NIST MGH17 from its first start within (-1e6, 1e6): a trial step of trf gives
    residuals whose squared norm overflows; it is rejected (the trust region shrinks) on
    either engine. On the Python engine the solver's code runs on Python floats, whose
    ``** 2`` raised OverflowError (from an adversarial probe)."""
    prob = nist.load("MGH17")

    def residuals(b, x, y):
        return b[0] + b[1] * np.exp(-x * b[3]) + b[2] * np.exp(-x * b[4]) - y

    x0 = np.array(prob.starts[0], dtype=float)
    runs = [fastgrad.least_squares(residuals, x0, args=(prob.x, prob.y), bounds=(-1e6, 1e6),
                                   jit=jit) for jit in (None, False)]
    for res in runs:
        # the budget runs out on this ill-conditioned start (SciPy's trf: status 0 too, at
        # cost 3.98e-5), with the cost at a finite value near the compiled engine's
        assert res.status == 0 and not res.success, res.message
        assert np.isfinite(res.cost)
        np.testing.assert_allclose(res.cost, runs[0].cost, rtol=1e-2)
