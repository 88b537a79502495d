"""JIT behaviour as a feature: compile once, reuse, interoperate, fail loudly.

* A second call with the same objective compiles nothing (the kernels' dispatchers keep one
  signature whatever the point, its dtype, or the kind of step).
* A ``numba.njit`` objective is used as it is; ``grad(f)`` is itself a compiled function.
* ``jit=False`` runs the same kernel source in the interpreter, with the same numbers.
* An exception raised by a compiled objective inside a parallel batch reaches the caller
  (Numba alone loses it on worker threads, or turns it into a SystemError).
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad import problems
from fastgrad._core import cache
from fastgrad._core.jit import is_dispatcher

SCHEMES = ("forward", "backward", "central", "central4", "complex")


@numba.njit
def njit_sphere(x):
    return x[0] * x[0] + 2.0 * x[1] * x[1]


@numba.njit
def raises_above_one(t):
    if t > 1.0:
        raise ValueError("t must be at most 1")
    return t * t


def signatures(obj):
    """Number of compiled signatures of each kernel of an Objective and of its objective."""
    counts = {name: len(k.signatures) for name, k in obj.kernels.items()}
    counts["objective"] = len(obj.compiled.signatures)
    return counts


def test_a_second_gradient_call_compiles_nothing():
    f = problems.function_2
    fastgrad.gradient(f, [1.0, 2.0])  # compiles (or finds compiled) the kernel
    obj = cache.get(f, None)
    before = signatures(obj)
    assert before["gradient"] == 1
    # Other points, other input dtypes and containers, given steps: the kernel sees a float64
    # workspace and a float64 steps array every time.
    for x in ([3, 4], np.array([3.5, -4.0]), np.array([1, 2], dtype=np.int32),
              np.arange(4.0)[::2], (0.5, 0.25)):
        fastgrad.gradient(f, x)
    fastgrad.gradient(f, [1.0, 2.0], step=1e-3)
    fastgrad.gradient(f, [1.0, 2.0], step=[1e-3, 1e-4])
    assert signatures(obj) == before


def test_derivative_hessian_jacobian_compile_once(objectives):
    f = problems.seed_poly_a
    fastgrad.derivative(f, 1.0)  # small inputs: the row kernel, from Python
    fastgrad.derivative(f, np.ones(100))  # large arrays: the parallel batched kernel
    obj = cache.get(f, None, scalar=True)
    before = signatures(obj)
    for x in (2.0, 3, [1.0, 2.0], np.ones((2, 3)), np.float32(0.5), np.ones((10, 10))):
        fastgrad.derivative(f, x)
    fastgrad.derivative(f, 1.0, step=1e-4)
    assert signatures(obj) == before
    assert before["gradient"] == 1 and before["batched_gradient"] == 1

    fastgrad.hessian(problems.rosenbrock, [1.0, 2.0])
    obj = cache.get(problems.rosenbrock, None)
    before = len(obj.kernels["hessian"].signatures)
    fastgrad.hessian(problems.rosenbrock, [1.0, 2.0, 3.0], step=1e-3)
    assert len(obj.kernels["hessian"].signatures) == before == 1

    fastgrad.jacobian(objectives.view_of_x, [1.0, 2.0])
    obj = cache.get(objectives.view_of_x, None)
    before = len(obj.kernels["jacobian"].signatures)
    fastgrad.jacobian(objectives.view_of_x, np.arange(5), step=[1e-3] * 5)
    assert len(obj.kernels["jacobian"].signatures) == before == 1




def test_a_numba_function_is_used_as_it_is():
    obj = cache.get(njit_sphere, None)
    assert obj.compiled is njit_sphere and obj.engine == "jit"
    assert cache.get(njit_sphere, None) is obj  # one Objective per function
    np.testing.assert_allclose(fastgrad.gradient(njit_sphere, [1.0, 1.0]), [2.0, 4.0],
                               rtol=1e-10)
    assert cache.get(njit_sphere, False) is not obj  # the Python engine is another


@pytest.mark.parametrize("method", SCHEMES)
def test_python_engine_runs_the_same_kernels_with_the_same_numbers(method):
    # Rosenbrock is a polynomial: numpy and compiled code evaluate it bit for bit alike.
    f = problems.rosenbrock
    x = np.array([-1.2, 1.0, 0.75, -0.5])
    X = np.vstack([x, x[::-1]])
    compiled = fastgrad.gradient(f, X, method=method)
    python = fastgrad.gradient(f, X, method=method, jit=False)
    np.testing.assert_array_equal(python, compiled)
    obj = cache.get(f, False)
    assert obj.engine == "python" and not any(is_dispatcher(k) for k in obj.kernels.values())


def test_an_exception_of_f_reaches_the_caller_from_a_parallel_batch():
    with pytest.raises(ValueError, match="t must be at most 1"):
        fastgrad.derivative(raises_above_one, 2.0)  # one row: the main thread
    t = np.full(200, 0.5)
    t[150] = 2.0  # a row that a worker thread runs
    for _ in range(3):
        with pytest.raises(ValueError, match="t must be at most 1"):
            fastgrad.derivative(raises_above_one, t)
    np.testing.assert_allclose(fastgrad.derivative(raises_above_one, t[:100]), 1.0, rtol=1e-9)
    with pytest.raises(ValueError, match="t must be at most 1"):
        fastgrad.derivative(raises_above_one.py_func, t, jit=False)


def test_grad_function_compiles_once_even_with_data_arguments(objectives):
    # f(x, c) cannot be compiled for f(x) alone: grad() must not mistake that for an
    # objective Numba cannot compile (it would fall back to the Python engine); g compiles on
    # its first call, once, and calls the very kernel gradient() uses.
    g = fastgrad.grad(objectives.linear)
    assert is_dispatcher(g)
    c = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(g(np.zeros(3), c), c, rtol=1e-9)
    kernel = cache.get(objectives.linear, None).kernels["gradient"]
    before = (len(g.signatures), len(kernel.signatures))
    for x in (np.array([3.0, -4.0, 1.0]), np.array([0.0, 1e3, 2.0])):
        np.testing.assert_array_equal(g(x, c), fastgrad.gradient(objectives.linear, x, args=(c,)))
    assert (len(g.signatures), len(kernel.signatures)) == before == (1, 1)
