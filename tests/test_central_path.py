"""Central differences have a loop of their own in the gradient kernel
(:func:`fastgrad.diff.kernels.make_gradient_range`); every component must stay the table
formula of :mod:`fastgrad.diff.steps` bit for bit, ``(0 * f0 + 1 * f(x + h) - 1 * f(x - h)) /
(2 h)`` evaluated left to right, signed zeros and NaN included: through ``fastgrad.gradient``
(both engines), ``fastgrad.grad`` in compiled code, and the minimize driver's kernel.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad.diff.steps import (
    CENTRAL, STENCIL_CENTRE_WEIGHT, STENCIL_DIVISOR, STENCIL_OFFSETS, STENCIL_POINTS,
    STENCIL_WEIGHTS, REL_STEPS,
)


def table_gradient(f, x, step=None):
    """The generic stencil loop of the kernel, written in Python floats (IEEE doubles), with
    fastgrad's automatic step for a float64 objective or the absolute ``step``."""
    x = np.array(x, dtype=np.float64)
    g = np.empty_like(x)
    for i in range(x.shape[0]):
        xi = float(x[i])
        h = REL_STEPS[CENTRAL] * max(1.0, abs(xi)) if step is None else step
        h = (xi + h) - xi
        acc = float(STENCIL_CENTRE_WEIGHT[CENTRAL]) * 0.0
        for p in range(STENCIL_POINTS[CENTRAL]):
            xp = x.copy()
            xp[i] = xi + float(STENCIL_OFFSETS[CENTRAL, p]) * h
            acc += float(STENCIL_WEIGHTS[CENTRAL, p]) * float(f(xp))
        g[i] = acc / (float(STENCIL_DIVISOR[CENTRAL]) * h)
    return g


def signed_zero(x):
    """-0.0 right of x[0] = 1, +0.0 left of it: the naive ``f(x + h) - f(x - h)`` gives -0.0
    at x[0] = 1, the table formula +0.0."""
    return -0.0 if x[0] > 1.0 else 0.0 * x[1]


def quadratic(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + x[0] * x[1]


def nan_right(x):
    return np.nan if x[1] > 2.0 else x[0] ** 3


def float32_valued(x):
    return np.float32(x[0] ** 2 + 3.0 * x[1])


STEPS = {float32_valued: 1e-3}
"""An absolute step where the automatic one is not the float64 one (float32 values get the
step of their precision)."""


OBJECTIVES = [signed_zero, quadratic, nan_right, float32_valued]
POINTS = [np.array([1.0, 2.0]), np.array([-3.7, 1e-9]), np.array([1e5, -2.5e-3])]


def same_bits(a, b):
    """Equal bit for bit, except that any NaN equals any NaN (payloads are not specified)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    nan = np.isnan(a)
    return (a.shape == b.shape and np.array_equal(nan, np.isnan(b))
            and np.array_equal(a[~nan].view(np.int64), b[~nan].view(np.int64)))


@pytest.mark.parametrize("f", OBJECTIVES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("jit", [None, False], ids=["jit", "python"])
def test_gradient_is_the_table_formula_bit_for_bit(f, jit):
    evaluate = f if jit is False else numba.njit(f)  # the kernel's own arithmetic of f
    step = STEPS.get(f)
    for x in POINTS:
        expected = table_gradient(evaluate, x, step)
        got = fastgrad.gradient(f, x, method="central", jit=jit, step=step)
        assert same_bits(got, expected), (f.__name__, x, got, expected)


def test_signed_zero_case_really_distinguishes_the_formulas():
    """The guard above can fail: the naive difference gives the other zero here."""
    x = POINTS[0]
    h = (1.0 + REL_STEPS[CENTRAL]) - 1.0
    naive = (signed_zero(np.array([1.0 + h, 2.0])) - signed_zero(np.array([1.0 - h, 2.0])))
    assert np.signbit(naive) and not np.signbit(table_gradient(signed_zero, x)[0])
    assert not np.signbit(fastgrad.gradient(signed_zero, x, method="central")[0])


def test_grad_in_compiled_code_and_the_driver_kernel():
    g = fastgrad.grad(quadratic, method="central")

    @numba.njit
    def call(x):
        return g(x)

    x = np.array([0.3, -1.7])
    compiled = numba.njit(quadratic)
    assert same_bits(call(x), table_gradient(compiled, x))
    # the driver's kernel: minimize's reported gradient at its last iterate
    res = fastgrad.minimize(quadratic, x, method="gd", lr=0.05, max_iter=7, gtol=0.0)
    assert same_bits(res.jac, table_gradient(compiled, res.x))
