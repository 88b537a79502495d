"""Objectives of huge magnitude (finite values above 1e150): the estimates of the noise of f
and of the gradient's error must not overflow into a claim of convergence. A run either
reaches the minimum or says it failed; it never reports success at its start because an
estimate became inf (from an adversarial probe: f = 1e180 (x - 1)**2 from x = 0 ended with
status 11, success True, after 0 iterations, its error "estimated" as inf)."""

import math

import numpy as np
import pytest

import fastgrad
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
