"""The automatic step follows the precision f computes in for the arguments of each call.

f below computes in the dtype of its data ``c``: float32 data makes a float32 f, whose
steps must be float32's (a float64 step of 6e-6 relative leaves float32's rounding, 6e-8
relative, magnified 1e-2 times: gradient errors of 1e-2). The steps were kept per (objective,
length of x, number of arguments), so whichever dtype of ``c`` came first decided them for
both: float32 data after float64 data gave a gradient error of 3.6e-2 and a Hessian of
garbage; float64 data after float32 data a gradient error of 1.6e-5 instead of 3e-11.
"""

from __future__ import annotations

import numpy as np
import pytest

import fastgrad

X = np.array([1.3, 0.7, 2.1])
C64 = np.array([1.0, 2.0, 3.0])


def cubes_a(x, c):
    y = np.empty_like(c)
    for i in range(c.shape[0]):
        y[i] = x[i]
    return np.sum(c * y * y * y)


def cubes_vector_a(x, c):
    y = np.empty_like(c)
    for i in range(c.shape[0]):
        y[i] = x[i]
    return c * y * y * y


def cubes_b(x, c):  # the same, a second objective (its steps are kept apart)
    y = np.empty_like(c)
    for i in range(c.shape[0] - 1, -1, -1):
        y[i] = x[i]
    return np.sum(c * y * y * y)


def cubes_vector_b(x, c):
    y = np.empty_like(c)
    for i in range(c.shape[0] - 1, -1, -1):
        y[i] = x[i]
    return c * y * y * y


def errors(f, fv, c):
    """Relative errors of gradient, Jacobian diagonal and Hessian diagonal."""
    true_g = 3.0 * C64 * X**2
    g = fastgrad.gradient(f, X, args=(c,))
    jd = np.diag(fastgrad.jacobian(fv, X, args=(c,)))
    hd = np.diag(fastgrad.hessian(f, X, args=(c,)))
    return (np.max(np.abs(g / true_g - 1)), np.max(np.abs(jd / true_g - 1)),
            np.max(np.abs(hd / (6.0 * C64 * X) - 1)))


# Bounds from the error analysis of central differences with the automatic step of each
# precision: rounding ~ eps**(2/3) relative (float64 ~ 4e-11, float32 ~ 2.5e-5 for the
# gradient; the Hessian's step eps**(1/4): float64 ~ 1e-8, float32 ~ 3e-4), each times a
# margin of 10 for the sizes of f and its derivatives here.
LIMIT64 = (1e-9, 1e-9, 1e-6)
LIMIT32 = (5e-4, 5e-4, 1e-2)


@pytest.mark.parametrize("first, f, fv", [("float64", cubes_a, cubes_vector_a),
                                           ("float32", cubes_b, cubes_vector_b)])
def test_steps_follow_the_dtype_of_the_arguments(first, f, fv):
    order = [C64, C64.astype(np.float32)]
    if first == "float32":
        order.reverse()
    for c in order:
        limits = LIMIT64 if c.dtype == np.float64 else LIMIT32
        for got, limit in zip(errors(f, fv, c), limits):
            assert got <= limit, (c.dtype, got, limit)


def cubes_nested(x, data):
    (c,) = data
    y = np.empty_like(c)
    for i in range(c.shape[0]):
        y[i] = x[i]
    return np.sum(c * y * y * y)


def cubes_vector_nested(x, data):
    (c,) = data
    y = np.empty_like(c)
    for i in range(c.shape[0]):
        y[i] = x[i]
    return c * y * y * y


def cubes_memmap(x, c):
    y = np.empty_like(c)
    for i in range(c.shape[0]):
        y[i] = x[i] + 0.0
    return np.sum(c * y * y * y)


def cubes_vector_memmap(x, c):
    y = np.empty_like(c)
    for i in range(c.shape[0]):
        y[i] = x[i] + 0.0
    return c * y * y * y


def test_steps_follow_the_dtype_of_data_nested_in_a_tuple():
    """Data nested in a tuple, ``args=((c,),)``: the key held only the tuple's type, so
    float32 data after float64 data got float64 steps (forward differences of a float32 f
    with a float64 step gave a gradient of 0)."""
    for c in (C64, C64.astype(np.float32)):
        limits = LIMIT64 if c.dtype == np.float64 else LIMIT32
        got = errors(cubes_nested, cubes_vector_nested, (c,))
        assert all(e <= limit for e, limit in zip(got, limits)), (c.dtype, got)
        g = fastgrad.gradient(cubes_nested, X, args=((c,),), method="forward")
        assert np.max(np.abs(g / (3.0 * C64 * X**2) - 1)) <= (
            1e-6 if c.dtype == np.float64 else 2e-2), (c.dtype, g)


def test_steps_follow_the_dtype_of_an_array_subclass(tmp_path):
    """np.memmap data (an ndarray subclass) of float64, then of float32."""
    for name, dtype in (("a64", np.float64), ("a32", np.float32)):
        c = np.memmap(tmp_path / name, dtype=dtype, mode="w+", shape=(3,))
        c[:] = C64
        limits = LIMIT64 if dtype == np.float64 else LIMIT32
        got = errors(cubes_memmap, cubes_vector_memmap, c)
        assert all(e <= limit for e, limit in zip(got, limits)), (dtype, got)


def test_argument_kinds():
    from fastgrad.diff.probe import probe_key
    a64, a32 = np.zeros(2), np.zeros(2, dtype=np.float32)
    assert probe_key(2, ((a64,),)) != probe_key(2, ((a32,),))
    assert probe_key(2, ([a64],)) != probe_key(2, ([a32],))
    assert probe_key(2, ((a64, 1.0),)) != probe_key(2, ((a64, np.float32(1.0)),))
    assert probe_key(2, ((a64,),)) == probe_key(2, ((np.ones(2),),))
