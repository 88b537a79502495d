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
from fastgrad._core.scalar import ObjectiveReturnError
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


@pytest.mark.parametrize("options", [{"fastmath": True}, {"boundscheck": True},
                                     {"error_model": "numpy"}],
                         ids=["fastmath", "boundscheck", "error_model"])
def test_objectives_compiled_with_unusual_options_keep_the_table_formula(options):
    """An objective the user compiled with their own Numba options: its fast-math flags stay
    on its own instructions, the kernel's arithmetic stays exact."""
    compiled = numba.njit(**options)(quadratic)
    for x in POINTS:
        assert same_bits(fastgrad.gradient(compiled, x, method="central"),
                         table_gradient(compiled, x))
    res = fastgrad.minimize(compiled, POINTS[0], method="gd", lr=0.05, max_iter=5, gtol=0.0)
    assert same_bits(res.jac, table_gradient(compiled, res.x))


def complex_valued(x):
    return x[0] ** 2 + 1j * x[1]


def reads_past_x(x):
    return x[0] ** 2 + x[2]


class Refused(Exception):
    pass


def raises_right_of_one(x):
    if x[0] > 1.0:
        raise Refused("f refused this x")
    return x[0] ** 2


@pytest.mark.parametrize("f, error, match", [
    (complex_valued, ObjectiveReturnError, "must return a real scalar"),
    (reads_past_x, fastgrad.ObjectiveIndexError, "reads x\\[2\\]"),
    (raises_right_of_one, Refused, "f refused"),
], ids=["complex", "reads_past_x", "raises"])
@pytest.mark.parametrize("jit", [None, False], ids=["jit", "python"])
def test_hostile_objectives_get_a_clear_error_through_the_central_loop(f, error, match, jit):
    """gradient (the central loop of the kernel), minimize's gd (the driver's kernel) and
    compile_minimizer's solve: the user's error or fastgrad's named one, never a number."""
    x = np.array([1.0, 2.0])
    with pytest.raises(error, match=match):
        fastgrad.gradient(f, x, method="central", jit=jit)
    with pytest.raises(error, match=match):
        fastgrad.minimize(f, x, method="gd", lr=0.1, max_iter=3, jit=jit)
