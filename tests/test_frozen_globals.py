"""Globals that Numba froze into a compiled objective: a plain Python objective reading a
module-level value or array (``C``, ``DATA``) is compiled with the values they have then,
while Python reads them anew at every call. Changing such a global between calls (the
next data set of a loop, ``DATA[:] = ...``) made every later gradient and minimization
use the old values, silently: minimize returned the old minimizer. fastgrad now compiles
the objective again, after a warning naming the globals (kernels, drivers and lean-path
plans with it), and the compiled functions made from it (``compile_minimizer``'s
``solve``, ``grad(f)``), which cannot be recompiled in place, refuse a call from Python."""

from __future__ import annotations

import collections
import gc
import types
import warnings
import weakref

import numpy as np
import pytest

import fastgrad

CHANGED = "changed since Numba compiled it"

C = 1.0
DATA = np.array([1.0, 2.0])
CFG = types.ModuleType("cfg")
CFG.scale = 2.0
SCALES = (1.0, 1.0)


def shifted(x):
    return ((x - C) ** 2).sum()


def towards_data(x):
    return ((x - DATA) ** 2).sum()


def scaled(x):
    return CFG.scale * ((x - 1.0) ** 2).sum()


def weighted(x):
    return SCALES[0] * (x[0] - 1.0) ** 2 + SCALES[1] * (x[1] - 1.0) ** 2


@pytest.fixture(autouse=True)
def _restore():
    global C, DATA, SCALES
    yield
    C, DATA, SCALES = 1.0, np.array([1.0, 2.0]), (1.0, 1.0)
    CFG.scale = 2.0
    fastgrad.clear_cache()  # the next test compiles with the values restored


def test_a_global_scalar_rebound_is_compiled_again():
    global C
    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.minimize(shifted, x0).x, [1.0, 1.0], atol=1e-6)
    for _ in range(3):  # the lean path's plan of the first call
        fastgrad.minimize(shifted, x0)
    C = 5.0
    with pytest.warns(fastgrad.FastgradWarning, match=f"value\\(s\\) C, whose value {CHANGED}"):
        res = fastgrad.minimize(shifted, x0)
    np.testing.assert_allclose(res.x, [5.0, 5.0], atol=1e-6)
    np.testing.assert_allclose(fastgrad.minimize(shifted, x0).x, [5.0, 5.0], atol=1e-6)
    np.testing.assert_allclose(fastgrad.gradient(shifted, x0), [-10.0, -10.0], rtol=1e-8)
    C = 5.0 + 0.0  # a new object of the same value: nothing to recompile, no warning
    np.testing.assert_allclose(fastgrad.gradient(shifted, x0), [-10.0, -10.0], rtol=1e-8)


def test_a_global_array_changed_in_place_is_compiled_again():
    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.gradient(towards_data, x0), [-2.0, -4.0], rtol=1e-8)
    np.testing.assert_allclose(fastgrad.gradient(towards_data, x0), [-2.0, -4.0], rtol=1e-8)
    DATA[:] = [7.0, 8.0]
    with pytest.warns(fastgrad.FastgradWarning, match=f"DATA, whose value {CHANGED}"):
        g = fastgrad.gradient(towards_data, x0)  # the hot path's plan
    np.testing.assert_allclose(g, [-14.0, -16.0], rtol=1e-8)
    with pytest.warns(fastgrad.FastgradWarning, match=CHANGED):
        DATA[0] = 0.5
        np.testing.assert_allclose(fastgrad.hessian(towards_data, x0), 2 * np.eye(2),
                                   rtol=1e-6)
        np.testing.assert_allclose(fastgrad.minimize(towards_data, x0).x, [0.5, 8.0],
                                   atol=1e-6)


def test_every_function_sees_the_new_value():
    global C
    x0 = np.array([0.0, 0.0])
    fastgrad.gradient(shifted, x0)
    fastgrad.jacobian(shifted, x0)
    fastgrad.derivative(lambda t: (t - C) ** 2, 0.0)
    C = -3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastgrad.FastgradWarning)
        np.testing.assert_allclose(fastgrad.jacobian(shifted, x0), [[6.0, 6.0]], rtol=1e-8)
        np.testing.assert_allclose(fastgrad.hessian(shifted, x0), 2 * np.eye(2), rtol=1e-6)
        np.testing.assert_allclose(fastgrad.least_squares(lambda p: p - C, x0).x,
                                   [-3.0, -3.0], atol=1e-8)
    np.testing.assert_allclose(fastgrad.derivative(lambda t: (t - C) ** 2, 0.0), 6.0,
                               rtol=1e-8)


def test_a_module_attribute_and_a_tuple_global():
    global SCALES
    x0 = np.zeros(2)
    fastgrad.gradient(scaled, x0)
    fastgrad.gradient(weighted, x0)
    CFG.scale = 3.0
    SCALES = (1.0, 10.0)
    with pytest.warns(fastgrad.FastgradWarning, match=f"scale, whose value {CHANGED}"):
        np.testing.assert_allclose(fastgrad.gradient(scaled, x0), [-6.0, -6.0], rtol=1e-8)
    with pytest.warns(fastgrad.FastgradWarning, match=f"SCALES, whose value {CHANGED}"):
        np.testing.assert_allclose(fastgrad.gradient(weighted, x0), [-2.0, -20.0], rtol=1e-8)


def residuals(p):
    return p - C


def test_compiled_functions_refuse_a_call_after_the_change():
    global C
    solve = fastgrad.compile_minimizer(shifted)
    fit = fastgrad.compile_least_squares(residuals)
    g = fastgrad.grad(shifted)
    x0 = np.zeros(2)
    np.testing.assert_allclose(fit(x0).x, [1.0, 1.0], atol=1e-8)
    np.testing.assert_allclose(solve(x0).x, [1.0, 1.0], atol=1e-6)
    np.testing.assert_allclose(g(x0), [-2.0, -2.0], rtol=1e-8)
    C = 4.0
    with pytest.raises(ValueError, match="compile_minimizer compiled the objective with the "
                                         "global or captured value\\(s\\) C"):
        solve(x0)
    with pytest.raises(ValueError, match="grad compiled the objective"):
        g(x0)
    with pytest.raises(ValueError, match="compile_least_squares compiled the objective"):
        fit(x0)
    with pytest.warns(fastgrad.FastgradWarning, match=CHANGED):
        solve = fastgrad.compile_minimizer(shifted)
    np.testing.assert_allclose(solve(x0).x, [4.0, 4.0], atol=1e-6)


def test_the_python_engine_reads_globals_as_python_does():
    global C
    x0 = np.zeros(2)
    fastgrad.gradient(shifted, x0, jit=False)
    C = 2.0
    np.testing.assert_allclose(fastgrad.gradient(shifted, x0, jit=False), [-4.0, -4.0],
                               rtol=1e-8)


Point = collections.namedtuple("Point", "c")
POINT = Point(1.0)
T = 1.0
TABLE = {"c": 1.0}
K = 2.0


def towards_point(x):
    return ((x - POINT.c) ** 2).sum()


def transposed(x):
    return (x.T ** 2).sum()  # reads the attribute T of x, not the global T


def through_a_dict(x):
    return K * ((x - TABLE["c"]) ** 2).sum()  # Numba cannot type a global dict


def test_a_named_tuple_global_is_watched():
    global POINT
    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.gradient(towards_point, x0), [-2.0, -2.0], rtol=1e-8)
    POINT = Point(5.0)
    with pytest.warns(fastgrad.FastgradWarning, match=f"POINT, whose value {CHANGED}"):
        np.testing.assert_allclose(fastgrad.gradient(towards_point, x0), [-10.0, -10.0],
                                   rtol=1e-8)
    POINT = Point(1.0)


def test_an_attribute_of_the_same_name_is_no_global_read():
    global T
    x0 = np.array([1.0, 2.0])
    fastgrad.gradient(transposed, x0)
    T = 2.0  # no warning, no compilation: f does not read the global T
    np.testing.assert_allclose(fastgrad.gradient(transposed, x0), [2.0, 4.0], rtol=1e-8)
    T = 1.0


def test_an_objective_on_the_python_engine_reads_globals_as_they_are():
    global K
    x0 = np.zeros(2)
    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):
        np.testing.assert_allclose(fastgrad.gradient(through_a_dict, x0), [-4.0, -4.0],
                                   rtol=1e-8)
    K = 3.0  # Numba never compiled f: nothing to warn about, nothing to compile
    np.testing.assert_allclose(fastgrad.gradient(through_a_dict, x0), [-6.0, -6.0], rtol=1e-8)
    K = 2.0


PAIR = (np.array([1.0, 2.0]), 0.0)


def towards_pair(x):
    return ((x - PAIR[0]) ** 2).sum() + PAIR[1]


def test_an_array_in_a_tuple_changed_in_place():
    """A tuple is the same object after its array changed in place: compared by value."""
    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.gradient(towards_pair, x0), [-2.0, -4.0], rtol=1e-8)
    fastgrad.gradient(towards_pair, x0)  # unchanged: no warning
    PAIR[0][:] = [3.0, 5.0]
    with pytest.warns(fastgrad.FastgradWarning, match=f"PAIR, whose value {CHANGED}"):
        np.testing.assert_allclose(fastgrad.gradient(towards_pair, x0), [-6.0, -10.0],
                                   rtol=1e-8)
    PAIR[0][:] = [1.0, 2.0]
    fastgrad.clear_cache()


def _fit_of_closure(points=20):
    T = np.linspace(0.0, 3.0, points)
    Y = 2.0 * T + 1.0

    def res(p):
        return p[0] * T + p[1] - Y

    return res, T, Y


def test_a_closure_cell_changed_in_place_is_compiled_in():
    # Numba freezes what a closure captures as it freezes globals: the compiled residual kept
    # fitting the old Y ([2, 1]) while Python's reads the new one ([5, -1]), silently
    res, T, Y = _fit_of_closure()
    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.least_squares(res, x0).x, [2.0, 1.0], atol=1e-8)
    Y[:] = 5.0 * T - 1.0
    with pytest.warns(fastgrad.FastgradWarning, match=f"value\\(s\\) Y, whose value {CHANGED}"):
        fit = fastgrad.least_squares(res, x0)
    np.testing.assert_allclose(fit.x, [5.0, -1.0], atol=1e-8)


def test_a_rebound_nonlocal_and_a_changed_default_are_compiled_in():
    scale = 1.0

    def f(x):
        return scale * ((x - 1.0) ** 2).sum()

    def set_scale(value):
        nonlocal scale
        scale = value

    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.gradient(f, x0), [-2.0, -2.0], rtol=1e-7)
    set_scale(3.0)
    with pytest.warns(fastgrad.FastgradWarning, match=f"scale, whose value {CHANGED}"):
        g = fastgrad.gradient(f, x0)
    np.testing.assert_allclose(g, [-6.0, -6.0], rtol=1e-7)  # central differences: ~1e-10

    target = np.array([1.0, 2.0])

    def towards(x, c=target):
        return ((x - c) ** 2).sum()

    np.testing.assert_allclose(fastgrad.minimize(towards, x0).x, [1.0, 2.0], atol=1e-6)
    target[:] = [3.0, 4.0]  # the default argument's array, changed in place
    with pytest.warns(fastgrad.FastgradWarning, match=f"c, whose value {CHANGED}"):
        res = fastgrad.minimize(towards, x0)
    np.testing.assert_allclose(res.x, [3.0, 4.0], atol=1e-6)


def test_watching_a_closure_keeps_neither_it_nor_its_data_alive():
    # the watch of captured values reads them through the objective's own copy of the
    # function: once the user drops the residual, it and the array it captured are freed
    # (data above cache.SHARED_ARRAY_BYTES: smaller captured values of the most recent
    # functions are kept to share their compiled code with fresh copies)
    res, T, Y = _fit_of_closure(points=200_000)
    fastgrad.least_squares(res, np.zeros(2))
    dead_res, dead_y = weakref.ref(res), weakref.ref(Y)
    del res, T, Y
    gc.collect()
    assert dead_res() is None
    assert dead_y() is None


def test_fresh_functions_with_default_arrays_are_watched_each():
    # two fresh functions of the same code whose default arrays are equal when they compile
    # may not share compiled code: the second one's array, changed in place, was not watched
    def make(c):
        def towards(x, c=c):
            return ((x - c) ** 2).sum()
        return towards

    first_target, second_target = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    first, second = make(first_target), make(second_target)
    x0 = np.zeros(2)
    np.testing.assert_allclose(fastgrad.minimize(first, x0).x, [1.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(fastgrad.minimize(second, x0).x, [1.0, 2.0], atol=1e-6)
    second_target[:] = [3.0, 4.0]
    with pytest.warns(fastgrad.FastgradWarning, match=f"c, whose value {CHANGED}"):
        res = fastgrad.minimize(second, x0)
    np.testing.assert_allclose(res.x, [3.0, 4.0], atol=1e-6)
    np.testing.assert_allclose(fastgrad.minimize(first, x0).x, [1.0, 2.0], atol=1e-6)
