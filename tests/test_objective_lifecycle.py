"""The life of an objective: identity, freeing, fallbacks per kernel and types, threads.

* Objectives are cached by identity: two callables that compare equal are two objectives.
* The cache does not keep an objective alive; ``fastgrad.clear_cache()`` drops everything.
* A kernel that Numba cannot compile for some argument types runs on the Python engine for
  those types only (with one warning); every other kernel and type stays compiled, and
  ``jit=True`` fails only for the failing combination.
* Any rejection by Numba's compiler falls back (a dict default argument raises ValueError
  inside Numba); an exception of the compiled objective itself still reaches the caller.
* A user's Numba function runs compiled whatever its options.
* Threads: the automatic parallel switch is race-free; parallel launches are serialized
  under Numba's workqueue threading layer.
"""

from __future__ import annotations

import dataclasses
import gc
import math
import os
import subprocess
import sys
import textwrap
import threading
import types
import warnings
import weakref

import numba
import numpy as np
import pytest
import scipy.optimize

import fastgrad
from fastgrad._core import cache, objective
from fastgrad.diff import api as differentiate

X = np.array([0.5, -1.5])
WARN = fastgrad.FastgradWarning


# ---------------------------------------------------------------------------------------------
# Identity: equal-comparing callables never share an objective
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scaled:
    """f(x) = scale * sum(x**2); ``scale`` does not take part in == or hash."""

    scale: float = dataclasses.field(compare=False)

    def __call__(self, x):
        return self.scale * float(np.sum(x * x))


class AlwaysEqual:
    """A callable whose instances all compare equal (and hash alike): sum((x - shift)**2)."""

    def __init__(self, shift):
        self.shift = shift

    def __eq__(self, other):
        return isinstance(other, AlwaysEqual)

    def __hash__(self):
        return 1

    def __call__(self, x):
        return float(np.sum((x - self.shift) ** 2))


def test_equal_callables_get_their_own_gradient_jacobian_hessian():
    a, b = Scaled(1.0), Scaled(3.0)
    assert a == b and hash(a) == hash(b)  # the trap
    with pytest.warns(WARN, match="Python engine"):
        ga = fastgrad.gradient(a, X)
    with pytest.warns(WARN, match="Python engine"):
        gb = fastgrad.gradient(b, X)
    np.testing.assert_allclose(ga, 2 * X, rtol=1e-8)
    np.testing.assert_allclose(gb, 6 * X, rtol=1e-8)  # not a's gradient
    np.testing.assert_allclose(fastgrad.gradient(a, X, jit=False), 2 * X, rtol=1e-8)
    np.testing.assert_allclose(fastgrad.gradient(b, X, jit=False), 6 * X, rtol=1e-8)
    np.testing.assert_allclose(fastgrad.gradient(b, np.vstack([X, X])), [6 * X, 6 * X],
                               rtol=1e-8)
    # h = eps**(1/4) ~ 1.2e-4: the central second difference of a quadratic is exact up to
    # rounding, about eps |f| / h**2 ~ 1e-8
    np.testing.assert_allclose(fastgrad.hessian(a, X), 2 * np.eye(2), atol=1e-6)
    np.testing.assert_allclose(fastgrad.hessian(b, X), 6 * np.eye(2), atol=1e-6)
    np.testing.assert_allclose(fastgrad.jacobian(a, X), [2 * X], rtol=1e-8)
    np.testing.assert_allclose(fastgrad.jacobian(b, X), [6 * X], rtol=1e-8)


def test_equal_callables_get_their_own_minimum_and_derivative():
    p, q = AlwaysEqual(1.0), AlwaysEqual(-2.0)
    assert p == q and hash(p) == hash(q)
    with pytest.warns(WARN):
        res_p = fastgrad.minimize(p, [3.0, 3.0], method="lbfgs")
    with pytest.warns(WARN):
        res_q = fastgrad.minimize(q, [3.0, 3.0], method="lbfgs")
    np.testing.assert_allclose(res_p.x, [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(res_q.x, [-2.0, -2.0], atol=1e-6)  # not p's minimum
    batch = np.array([[3.0, 3.0], [0.0, 5.0]])
    np.testing.assert_allclose(fastgrad.minimize(q, batch, method="lbfgs").x,
                               np.full((2, 2), -2.0), atol=1e-6)
    with pytest.warns(WARN):
        dp = fastgrad.derivative(p, 3.0)
    with pytest.warns(WARN):
        dq = fastgrad.derivative(q, 3.0)
    # d/dt (t - s)**2 = 2 (t - s); central differences of a quadratic: rounding only
    assert dp == pytest.approx(4.0, rel=1e-8) and dq == pytest.approx(10.0, rel=1e-8)


def test_a_bound_method_is_one_objective_per_instance():
    a, b = Scaled(2.0), Scaled(5.0)
    with pytest.warns(WARN):
        ga = fastgrad.gradient(a.__call__, X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the same instance and function: cached, no warning
        assert np.array_equal(fastgrad.gradient(a.__call__, X), ga)
    with pytest.warns(WARN):
        gb = fastgrad.gradient(b.__call__, X)
    np.testing.assert_allclose(gb, 10 * X, rtol=1e-8)
    np.testing.assert_allclose(ga, 4 * X, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# Freeing and clear_cache
# ---------------------------------------------------------------------------------------------


def make_closure(scale, data):
    def f(x):
        return scale * (x[0] * x[0] + data[0] * x[1])

    return f


def test_an_objective_nobody_references_is_freed_with_its_kernels_and_data():
    data = np.full(cache.SHARED_ARRAY_BYTES // 8 + 1, 3.0)  # too large to be shared
    f = make_closure(2.0, data)
    np.testing.assert_allclose(fastgrad.gradient(f, X), [2.0, 6.0], rtol=1e-8)
    np.testing.assert_allclose(fastgrad.hessian(f, X), [[4.0, 0.0], [0.0, 0.0]], atol=1e-5)
    fastgrad.minimize(f, X, max_iter=2, method="gd")
    obj = cache.get(f, None)
    refs = [weakref.ref(f), weakref.ref(obj), weakref.ref(obj.kernels["gradient"])]
    before = len(cache._REGISTRY), len(differentiate._PLANS)
    del f, obj, data
    gc.collect()
    assert [r() for r in refs] == [None, None, None]
    assert len(cache._REGISTRY) < before[0] and len(differentiate._PLANS) < before[1]


def test_a_callable_object_and_a_bound_method_are_freed_too():
    instance = Scaled(2.0)
    with pytest.warns(WARN):
        fastgrad.gradient(instance, X)
    with pytest.warns(WARN):
        fastgrad.gradient(instance.__call__, X)
    ref = weakref.ref(instance)
    del instance
    gc.collect()
    assert ref() is None


def test_grad_keeps_its_objective_alive():
    with pytest.warns(WARN):
        g = fastgrad.grad(Scaled(2.0))  # nobody else holds the instance
    with pytest.warns(WARN):
        h = fastgrad.grad(Scaled(3.0).__call__)
    gc.collect()
    np.testing.assert_allclose(g(X), 4 * X, rtol=1e-8)
    np.testing.assert_allclose(h(X), 6 * X, rtol=1e-8)


def test_a_fresh_lambda_per_call_compiles_once_and_memory_stays_flat():
    A = np.array([3.0, 4.0])
    fastgrad.gradient(lambda x: A[0] * x[0] + A[1] * x[1] * x[1], X)  # compiles
    gc.collect()
    start = rss()
    for _ in range(1000):
        g = fastgrad.gradient(lambda x: A[0] * x[0] + A[1] * x[1] * x[1], X)
        np.testing.assert_allclose(g, [3.0, 8.0 * X[1]], rtol=1e-8)
    gc.collect()
    # one compilation costs about 3 MiB that Numba never frees: 1,000 would cost 3 GB
    assert rss() - start < 16 * 2**20
    assert len(cache._SHARED) <= cache.SHARED_OBJECTIVES


def test_a_shared_objective_sees_changed_values():
    A = np.array([3.0, 4.0])
    c = 2.0
    for k in range(3):
        A[0] = k  # Numba froze the old contents into the last compilation: not shared
        np.testing.assert_allclose(fastgrad.gradient(lambda x: A[0] * x[0], X), [k, 0.0],
                                   rtol=1e-8)
    seen = []
    for c in (2.0, -0.0, 0.0, 2, np.float32(2.0), 2.0):  # other values, other types
        f = lambda x: c * x[0] * x[0]  # noqa: E731
        g = fastgrad.gradient(f, X)
        assert g[0] == pytest.approx(2 * c * X[0], rel=1e-8)
        seen.append(cache.get(f, None))
    # equal values of other types or signs of zero compile apart; the same value shares
    assert len({id(obj) for obj in seen[:5]}) == 5 and seen[5] is seen[0]
    namespace = {"C": 2.0}
    code = "lambda x: C * x[0]"
    assert fastgrad.gradient(eval(code, namespace), X)[0] == pytest.approx(2.0)
    namespace["C"] = 5.0  # a global rebound: a fresh lambda compiles anew
    assert fastgrad.gradient(eval(code, namespace), X)[0] == pytest.approx(5.0)


def test_a_fresh_function_reading_a_changed_module_attribute_compiles_anew():
    # Numba freezes cfg.scale (and cfg.sub.scale) into the code as it is at compilation:
    # fresh lambdas share an objective only while those values are the same
    cfg = types.ModuleType("fastgrad_test_cfg")
    cfg.sub = types.ModuleType("fastgrad_test_cfg_sub")
    namespace = {"cfg": cfg, "np": np}
    seen = []
    for scale in (1.0, 5.0, 1.0):
        cfg.scale = scale
        cfg.sub.scale = 2.0 * scale
        f = eval("lambda x: cfg.scale * x[0] * x[0] + cfg.sub.scale * x[1]", namespace)
        np.testing.assert_allclose(fastgrad.gradient(f, X), [2.0 * scale * X[0], 2.0 * scale],
                                   rtol=1e-8)
        res = fastgrad.minimize(eval("lambda x: (x[0] - cfg.scale) ** 2", namespace), [0.0])
        assert res.x[0] == pytest.approx(scale, abs=1e-6)
        seen.append(cache.get(f, None))
    assert seen[1] is not seen[0] and seen[2] is seen[0]  # the same values still share
    for scale in (1.0, 5.0):  # only the nested module's attribute changes
        cfg.scale, cfg.sub.scale = 1.0, scale
        f = eval("lambda x: cfg.sub.scale * x[0]", namespace)
        assert fastgrad.gradient(f, X)[0] == pytest.approx(scale, rel=1e-8)


def test_shared_objectives_are_few_and_freed_when_pushed_out():
    refs = []
    for k in range(cache.SHARED_OBJECTIVES + 2):
        c = float(k)  # a new captured value: a new compilation each time
        fastgrad.gradient(lambda x: c * x[0], X)
        refs.append(weakref.ref(cache._SHARED[next(reversed(cache._SHARED))]))
    gc.collect()
    assert len(cache._SHARED) == cache.SHARED_OBJECTIVES
    assert refs[0]() is None and refs[1]() is None and refs[-1]() is not None


def test_clear_cache_drops_every_objective_plan_and_driver():
    f = numba.njit(lambda x: x[0] * x[0] + x[1])  # a dispatcher: kept until clear_cache
    fastgrad.gradient(f, X)
    fastgrad.minimize(f, X, max_iter=1, method="gd")
    obj = cache.get(f, None)
    assert obj.drivers and cache._REGISTRY and differentiate._PLANS
    fastgrad.clear_cache()
    assert not cache._REGISTRY and not differentiate._PLANS and not cache._SHARED
    assert cache.get(f, None) is not obj
    np.testing.assert_allclose(fastgrad.gradient(f, X), [1.0, 1.0], rtol=1e-8)


def test_a_changed_global_is_compiled_in():
    namespace = {"C": 2.0}
    exec("def f(x):\n    return C * x[0]\n", namespace)
    f = namespace["f"]
    assert fastgrad.gradient(f, X)[0] == pytest.approx(2.0)
    namespace["C"] = 5.0  # Numba froze C when compiling: f is compiled again
    with pytest.warns(fastgrad.FastgradWarning, match="changed since Numba compiled"):
        assert fastgrad.gradient(f, X)[0] == pytest.approx(5.0)
    namespace["C"] = 7.0
    fastgrad.clear_cache()  # compiled anew, nothing to warn about
    assert fastgrad.gradient(f, X)[0] == pytest.approx(7.0)


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


FRESH_LAMBDAS = 60
PER_OBJECTIVE_BOUND = 6 * 2**20
"""Bytes a fresh objective may leave behind once dropped: Numba's machine code for the
objective and its two gradient kernels (about 3 MiB measured, never freed by Numba, see
numba/numba#5976), with margin. fastgrad itself keeps nothing."""


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_fresh_lambdas_leave_no_objective_and_bounded_memory():
    big = np.ones(2_000_000)  # 16 MB captured by every closure: must not be kept
    refs = []
    fastgrad.gradient(lambda x: x[0] * x[0], X)  # warm up fastgrad's own helpers
    gc.collect()
    start = rss()
    registry = len(cache._REGISTRY)
    for k in range(FRESH_LAMBDAS):
        data = big * k  # a new 16 MB array per objective, in the closure (Numba keeps a
        # default argument's value in its type system for good: the closure is the way)

        def f(x):
            return x[0] * x[0] + data[0] * x[1]

        g = fastgrad.gradient(f, X)
        assert g[1] == pytest.approx(k, abs=1e-6)
        refs.append(weakref.ref(data))
        del f, data
    gc.collect()
    growth = rss() - start
    assert not any(r() is not None for r in refs)  # every closure's data was freed
    assert len(cache._REGISTRY) == registry
    assert growth < FRESH_LAMBDAS * PER_OBJECTIVE_BOUND, growth / 2**20


# ---------------------------------------------------------------------------------------------
# Fallback per kernel and argument types
# ---------------------------------------------------------------------------------------------


@numba.njit("float64(float64)")
def real_square(t):
    return t * t


def explicit_real_helper(x):
    return real_square(x[0]) + x[1] * x[1]


def test_a_complex_step_numba_cannot_compile_falls_back_for_that_kernel_only():
    f = numba.njit("float64(float64[:])")(body)  # no complex128 version: compiles no more
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile"):
        fastgrad.gradient(f, X, method="complex", jit=True)
    with pytest.warns(WARN, match="complex-step gradients with these argument types"):
        g = fastgrad.gradient(f, X, method="complex")  # its Python source runs complex
    np.testing.assert_allclose(g, [2 * X[0], 3.0], rtol=1e-14)
    obj = cache.get(f, None)
    assert obj.engine == "jit" and len(obj.failures) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(fastgrad.gradient(f, X, method="complex"), g)
        np.testing.assert_allclose(fastgrad.gradient(f, X, jit=True), [2 * X[0], 3.0],
                                   rtol=1e-8)
    assert numba.extending.is_jitted(obj.kernels["gradient"])


def test_a_complex_step_through_a_real_only_function_is_never_a_silent_value():
    # Numba cannot type the complex step through a float64-only helper; on the Python
    # engine that helper (a Numba function) refuses complex numbers: a clear error
    with pytest.warns(WARN, match="complex-step gradients"):
        with pytest.raises(TypeError, match="No matching definition"):
            fastgrad.gradient(explicit_real_helper, X, method="complex")
    np.testing.assert_allclose(fastgrad.gradient(explicit_real_helper, X, jit=True),
                               [2 * X[0], 2 * X[1]], rtol=1e-8)


def test_other_kernels_stay_compiled_after_one_kernel_falls_back():
    def f(x):
        return math.exp(x[0]) + x[1] * x[1]

    want = np.array([math.exp(X[0]), 2 * X[1]])
    g = fastgrad.gradient(f, X)  # compiles
    obj = cache.get(f, None)
    # On the Python engine, math.exp of a numpy complex drops the imaginary part, and numpy
    # says so; the complex step's check then recomputes that component by central4
    with pytest.warns(np.exceptions.ComplexWarning):
        with pytest.warns(WARN, match="could not be trusted"):
            with pytest.warns(WARN, match="complex-step gradients"):
                got = fastgrad.gradient(f, X, method="complex")
    np.testing.assert_allclose(got, want, rtol=1e-9)
    assert obj.engine == "jit" and obj.failures
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no further warning, nothing on the Python engine
        np.testing.assert_array_equal(fastgrad.gradient(f, X, jit=True), g)
        fastgrad.hessian(f, X, jit=True)
        res = fastgrad.minimize(f, X, max_iter=3, jit=True, method="gd")
        np.testing.assert_allclose(g, want, rtol=1e-9)
    assert res.nit == 3
    assert all(numba.extending.is_jitted(k) for k in obj.kernels.values())
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile"):
        fastgrad.gradient(f, X, method="complex", jit=True)  # only the failing combination


def uses_its_argument(x, a):
    return a[0] * x[0] * x[0] + x[1]


def test_args_numba_cannot_type_fall_back_for_those_types_only():
    arr = np.array([3.0])
    g = fastgrad.gradient(uses_its_argument, X, args=(arr,))
    np.testing.assert_allclose(g, [6 * X[0], 1.0], rtol=1e-8)
    table = {0: 3.0}  # a dict in args: Numba cannot type it
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile"):
        fastgrad.gradient(uses_its_argument, X, args=(table,), jit=True)
    with pytest.warns(WARN, match="Python engine"):
        g_dict = fastgrad.gradient(uses_its_argument, X, args=(table,))
    np.testing.assert_array_equal(g_dict, g)  # same kernel source, same numbers
    obj = cache.get(uses_its_argument, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # remembered: no second warning, no compile attempt
        np.testing.assert_array_equal(
            fastgrad.gradient(uses_its_argument, X, args=(table,)), g)
        res = fastgrad.minimize(uses_its_argument, X, args=(table,), max_iter=2, method="gd")
        # the array still runs compiled, jit=True included
        np.testing.assert_array_equal(
            fastgrad.gradient(uses_its_argument, X, args=(arr,), jit=True), g)
        res_arr = fastgrad.minimize(uses_its_argument, X, args=(arr,), max_iter=2, jit=True, method="gd")
    assert res.nit == res_arr.nit == 2
    np.testing.assert_array_equal(res.x, res_arr.x)
    assert obj.engine == "jit" and len(obj.failures) == 1


def test_a_failure_is_not_compiled_again_at_every_call():
    def f(x, a):
        return a[0] * x[0]

    table = {0: 1.0}
    with pytest.warns(WARN):
        fastgrad.gradient(f, X, args=(table,))
    obj = cache.get(f, None)
    kern = obj.kernels["gradient"]
    calls = []
    original = type(kern)._compile_for_args

    def spy(self, *a, **k):
        calls.append(1)
        return original(self, *a, **k)

    type(kern)._compile_for_args = spy
    try:
        for _ in range(3):
            fastgrad.gradient(f, X, args=(table,))
    finally:
        type(kern)._compile_for_args = original
    assert not calls


# ---------------------------------------------------------------------------------------------
# Compile-time rejections fall back; the objective's own exceptions do not
# ---------------------------------------------------------------------------------------------


def dict_default(x, table={"k": 10.0}):  # noqa: B006 - the point of the test
    return x[0] * table["k"] + x[1]


def raises_value_error(x):
    if x[0] > 0.0:
        raise ValueError("raised by the compiled objective")
    return x[0] * x[0]


@pytest.mark.parametrize("entry", ["gradient", "hessian", "jacobian", "minimize", "grad"])
def test_a_dict_default_argument_falls_back_with_the_warning(entry):
    def f(x, table={"k": 10.0}):  # noqa: B006
        return x[0] * table["k"] + x[1] * x[1]

    with pytest.warns(WARN, match="Python engine.*Cannot determine Numba type of <class 'dict'>"):
        if entry == "gradient":
            value = fastgrad.gradient(f, X)
        elif entry == "hessian":
            value = fastgrad.hessian(f, X)[1]
        elif entry == "jacobian":
            value = fastgrad.jacobian(f, X)[0]
        elif entry == "minimize":
            value = fastgrad.minimize(f, X, max_iter=1, method="gd").jac
        else:
            value = fastgrad.grad(f)(X)
    # f = 10 x0 + x1**2: gradient [10, 2 x1] at X (minimize's jac is at its last iterate,
    # where the first component is still 10); the Hessian's second row is [0, 2]
    if entry == "minimize":
        assert value[0] == pytest.approx(10.0, rel=1e-8)
    elif entry == "hessian":
        np.testing.assert_allclose(value, [0.0, 2.0], atol=1e-6)
    else:
        np.testing.assert_allclose(value, [10.0, 2 * X[1]], rtol=1e-8)
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile.*dict"):
        fastgrad.gradient(dict_default, X, jit=True)


@pytest.mark.parametrize("entry", ["gradient", "batch", "hessian", "minimize", "grad"])
def test_a_value_error_of_the_compiled_objective_reaches_the_caller(entry):
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: it is not a compile failure
        with pytest.raises(ValueError, match="raised by the compiled objective"):
            if entry == "gradient":
                fastgrad.gradient(raises_value_error, x)
            elif entry == "batch":
                fastgrad.gradient(raises_value_error, np.vstack([x, x]))
            elif entry == "hessian":
                fastgrad.hessian(raises_value_error, x)
            elif entry == "minimize":
                fastgrad.minimize(raises_value_error, x, method="gd")
            else:
                fastgrad.grad(raises_value_error)(x)
    obj = cache.get(raises_value_error, None)
    assert obj.fast and not obj.failures


def test_is_compile_error_tells_numba_from_compiled_code():
    with pytest.raises(ValueError) as runtime:
        numba.njit(raises_value_error)(np.ones(2))
    with pytest.raises(ValueError, match="Cannot determine Numba type") as compile_time:
        numba.njit(dict_default)(np.ones(2))
    assert not objective.is_compile_error(runtime.value)
    assert objective.is_compile_error(compile_time.value)


# ---------------------------------------------------------------------------------------------
# A user's Numba function runs compiled, whatever its options
# ---------------------------------------------------------------------------------------------


def body(x):
    return x[0] * x[0] + 3.0 * x[1]


NJIT_OPTIONS = {
    "inline": dict(inline="always"),
    "cache": dict(cache=True),
    "fastmath": dict(fastmath=True),
    "error_model": dict(error_model="python"),
    "boundscheck": dict(boundscheck=True),
    "nogil": dict(nogil=True),
}


@pytest.mark.parametrize("option", [*NJIT_OPTIONS, "signature"])
def test_a_numba_function_with_any_option_runs_compiled(option):
    if option == "signature":
        f = numba.njit("float64(float64[:])")(body)
    else:
        f = numba.njit(**NJIT_OPTIONS[option])(body)
    want = [2 * X[0], 3.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(fastgrad.gradient(f, X, jit=True), want, rtol=1e-8)
        np.testing.assert_allclose(fastgrad.hessian(f, X, jit=True), [[2, 0], [0, 0]],
                                   atol=1e-5)
        res = fastgrad.minimize(f, X, max_iter=2, jit=True, method="gd")
        g = fastgrad.grad(f, jit=True)
        np.testing.assert_allclose(g(X), want, rtol=1e-8)
    assert res.nit == 2
    obj = cache.get(f, None)
    assert obj.engine == "jit" and obj.fast
    assert numba.extending.is_jitted(obj.compiled) and numba.extending.is_jitted(g)
    if option != "inline":
        assert obj.compiled is f  # used as it is


# ---------------------------------------------------------------------------------------------
# grad with SciPy's args
# ---------------------------------------------------------------------------------------------


def scipy_objective(x, table, shift):
    return (x[0] - shift) ** 2 + table["w"] * x[1] ** 2


def test_grad_of_an_objective_numba_cannot_compile_with_scipy_args_falls_back():
    table, shift = {"w": 3.0}, 1.5
    g = fastgrad.grad(scipy_objective)  # needs SciPy's args: compiles on its first call
    with pytest.warns(WARN, match="Python engine"):
        res = scipy.optimize.minimize(scipy_objective, [4.0, -2.0], jac=g,
                                      args=(table, shift), method="BFGS")
    assert res.success
    np.testing.assert_allclose(res.x, [shift, 0.0], atol=1e-5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # remembered
        np.testing.assert_allclose(g(np.array([0.0, 1.0]), table, shift), [-3.0, 6.0],
                                   rtol=1e-8)
    strict = fastgrad.grad(scipy_objective, jit=True)
    with pytest.raises(TypeError, match="jit=True but Numba cannot compile"):
        strict(np.array([0.0, 1.0]), table, shift)


def test_grad_with_bound_args_numba_cannot_type_is_a_python_function():
    def f(x, table):
        return table["w"] * x[0] * x[0]

    with pytest.warns(WARN, match="Python engine"):
        g = fastgrad.grad(f, args=({"w": 2.0},))
    assert not numba.extending.is_jitted(g)
    np.testing.assert_allclose(g(np.array([1.5])), [6.0], rtol=1e-8)
    res = scipy.optimize.minimize(lambda x: f(x, {"w": 2.0}), [1.5], jac=g, method="BFGS")
    assert res.success and abs(res.x[0]) < 1e-5


def test_grad_with_scipy_args_that_compile_stays_compiled():
    def f(x, c):
        return c[0] * x[0] * x[0]

    g = fastgrad.grad(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(g(np.array([1.0]), np.array([2.0])), [4.0], rtol=1e-8)
    assert len(g.signatures) == 1


# ---------------------------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------------------------


def slowish(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += math.sin(x[i]) * (i + 1.0)
    return s


def test_threads_at_the_parallel_switch_do_not_race(monkeypatch):
    monkeypatch.setattr(differentiate, "PARALLEL_MIN_SECONDS", 0.0)  # every call is "slow"
    monkeypatch.setattr(differentiate, "PARALLEL_AFTER_SLOW_CALLS", 1)
    x = np.linspace(0.1, 1.0, 16)
    want = fastgrad.gradient(slowish, x, parallel=False)
    fastgrad.gradient(slowish, x, parallel=True)  # compile both kernels first
    obj = cache.get(slowish, None)
    errors, results = [], []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for k in range(300):
                if k % 50 == 0:  # back to undecided: the switch is taken again and again
                    obj.parallel_sizes.pop(x.shape[0], None)
                results.append(fastgrad.gradient(slowish, x))
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors[:3]
    assert len(results) == 8 * 300
    assert all(np.array_equal(r, want) for r in results)


WORKQUEUE_SCRIPT = textwrap.dedent("""
    import threading
    import numpy as np
    import numba
    import fastgrad

    def f(x):
        return np.sum(np.sin(x) * x)

    X = np.random.default_rng(0).normal(size=(200, 6))
    serial_g = fastgrad.gradient(f, X)
    serial_m = fastgrad.minimize(f, X[:80], max_iter=30).x
    assert numba.threading_layer() == "workqueue", numba.threading_layer()
    out, errors = [], []

    def work():
        try:
            for _ in range(5):
                out.append((fastgrad.gradient(f, X), fastgrad.minimize(f, X[:80], max_iter=30).x))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(out) == 20
    assert all(np.array_equal(g, serial_g) and np.array_equal(m, serial_m) for g, m in out)
    print("OK")
""")


@pytest.mark.slow
def test_concurrent_batches_under_the_workqueue_layer_do_not_abort():
    env = {**os.environ, "NUMBA_THREADING_LAYER": "workqueue", "NUMBA_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, "-c", WORKQUEUE_SCRIPT], env=env,
                          capture_output=True, text=True, timeout=600,
                          cwd=os.path.dirname(os.path.dirname(fastgrad.__file__)))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("OK")
