"""Consistency tests of the shared problem table.

Analytic derivatives are checked against complex-step derivatives computed
with numpy (exact up to rounding), and every function is compiled with
``numba.njit`` for float64 and complex128 input, which is what the compiled
engine and its complex-step scheme need.
"""

import dataclasses

import numba
import numpy as np
import pytest
from scipy import optimize

from fastgrad import problems
from fastgrad.problems import PROBLEMS, SCALAR_FUNCTIONS, Problem

H_CS = 1e-20

PROBLEM_LIST = list(PROBLEMS.values())
SCALAR_LIST = list(SCALAR_FUNCTIONS.values())

_JITTED = {}


def jit(func):
    """``numba.njit(func)``, compiled once per function for the whole module."""
    if func not in _JITTED:
        _JITTED[func] = numba.njit(func)
    return _JITTED[func]


def complex_step_gradient(f, x):
    x = np.asarray(x, dtype=np.float64)
    g = np.empty(x.size)
    for k in range(x.size):
        xc = x.astype(np.complex128)
        xc[k] += 1j * H_CS
        g[k] = f(xc).imag / H_CS
    return g


def sample_points(p: Problem):
    """x0 and two seeded random points (one global, one near x0)."""
    rng = np.random.default_rng(sum(map(ord, p.name)))
    x0 = np.array(p.x0, dtype=np.float64)
    return [x0, rng.uniform(-2.0, 2.0, p.n), x0 + 0.5 * rng.standard_normal(p.n)]




def scalar_points(s):
    if s.domain == "positive":
        return [0.3, 1.0, 2.5, 7.0]
    return [-2.3, -0.5, 0.0, 0.7, 3.1]


def inf_norm(v):
    return float(np.max(np.abs(v)))


# ---------------------------------------------------------------------------
# Table structure
# ---------------------------------------------------------------------------


def test_table_size_and_required_entries():
    assert len(PROBLEMS) >= 22
    required = {
        "rosenbrock2", "rosenbrock10", "rosenbrock100", "beale", "himmelblau", "booth",
        "matyas", "three_hump_camel", "powell_singular", "wood", "random_quadratic5",
        "ill_conditioned_quadratic10", "rastrigin10", "seed_quadratic3", "function_2",
        "saddle_xy", "sphere3",
    }
    assert required <= set(PROBLEMS)
    assert len(SCALAR_FUNCTIONS) >= 10


@pytest.mark.parametrize("p", PROBLEM_LIST, ids=lambda p: p.name)
def test_problem_fields_are_consistent(p):
    assert PROBLEMS[p.name] is p
    assert len(p.x0) == p.n
    if p.xmin is None:
        assert p.fmin is None
    else:
        assert len(p.xmin) == p.n
    x = np.array(p.x0, dtype=np.float64)
    x_before = x.copy()
    g = p.grad(x)
    assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == (p.n,)
    assert np.isfinite(p.f(x))
    if p.hess is not None:
        h = p.hess(x)
        assert h.dtype == np.float64 and h.shape == (p.n, p.n)
        np.testing.assert_array_equal(h, h.T)
    np.testing.assert_array_equal(x, x_before)  # nothing modifies x


def test_problems_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PROBLEMS["booth"].n = 3


def test_get_lists_valid_names():
    assert problems.get("wood") is PROBLEMS["wood"]
    with pytest.raises(KeyError, match="valid names: .*rosenbrock2"):
        problems.get("no_such_problem")
    assert problems.get_scalar("log") is SCALAR_FUNCTIONS["log"]
    with pytest.raises(KeyError, match="valid names: .*sigmoid"):
        problems.get_scalar("no_such_function")


def test_variable_dimension_constructors():
    p = problems.make_rosenbrock(6)
    assert p.n == 6 and p.x0 == (-1.2, 1.0, -1.2, 1.0, -1.2, 1.0) and p.xmin == (1.0,) * 6
    assert PROBLEMS["rosenbrock100"].x0[:4] == (-1.2, 1.0, -1.2, 1.0)
    assert problems.make_rastrigin(3).n == 3
    with pytest.raises(ValueError, match="at least 2"):
        problems.make_rosenbrock(1)
    with pytest.raises(ValueError, match="x0 has length"):
        Problem("bad", problems.booth, problems.booth_grad, 2, (0.0,))


def test_rosenbrock_matches_scipy():
    rng = np.random.default_rng(7)
    for n in (2, 5, 10):
        x = rng.uniform(-2.0, 2.0, n)
        assert problems.rosenbrock(x) == pytest.approx(optimize.rosen(x), rel=1e-14)
        np.testing.assert_allclose(problems.rosenbrock_grad(x), optimize.rosen_der(x), rtol=1e-13)
        np.testing.assert_allclose(problems.rosenbrock_hess(x), optimize.rosen_hess(x), rtol=1e-13)


def test_known_values():
    assert problems.powell_singular(np.array([3.0, -1.0, 0.0, 1.0])) == 215.0
    assert problems.wood(np.array([-3.0, -1.0, -3.0, -1.0])) == 19192.0
    assert problems.rosenbrock(np.array([-1.2, 1.0])) == pytest.approx(24.2)
    np.testing.assert_allclose(
        PROBLEMS["sigmoid_neuron"].grad(np.array([1.0, 0.0, 0.0])), [0.0, 0.25, 0.25]
    )
    a = problems.RANDOM_QUADRATIC_A
    np.testing.assert_array_equal(a, a.T)
    assert np.all(np.linalg.eigvalsh(a) > 0)
    d = problems.ILL_CONDITIONED_D
    assert d.max() / d.min() == pytest.approx(1e4)


# ---------------------------------------------------------------------------
# Analytic derivatives
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", PROBLEM_LIST, ids=lambda p: p.name)
def test_gradient_matches_complex_step(p):
    for x in sample_points(p):
        g_cs = complex_step_gradient(p.f, x)
        g = p.grad(x)
        scale = max(1.0, inf_norm(g_cs))
        assert inf_norm(g - g_cs) <= 1e-12 * scale, (x, g, g_cs)


WITH_HESS = [p for p in PROBLEM_LIST if p.hess is not None]
WITH_MIN = [p for p in PROBLEM_LIST if p.xmin is not None]


@pytest.mark.parametrize("p", WITH_HESS, ids=lambda p: p.name)
def test_hessian_matches_differences_of_gradient(p):
    for x in sample_points(p)[:2]:
        h = p.hess(x)
        step = 1e-6 * np.maximum(1.0, np.abs(x))
        h_fd = np.empty((p.n, p.n))
        for k in range(p.n):
            e = np.zeros(p.n)
            e[k] = step[k]
            h_fd[:, k] = (p.grad(x + e) - p.grad(x - e)) / (2.0 * step[k])
        scale = max(1.0, inf_norm(h))
        assert inf_norm(h - h_fd) <= 1e-6 * scale


@pytest.mark.parametrize("p", WITH_MIN, ids=lambda p: p.name)
def test_minimizer_is_stationary_with_known_value(p):
    xmin = np.array(p.xmin, dtype=np.float64)
    assert inf_norm(p.grad(xmin)) <= 1e-8 * max(1.0, inf_norm(xmin))
    assert abs(p.f(xmin) - p.fmin) <= 1e-12 * max(1.0, abs(p.fmin))
    if p.hess is not None:
        # A minimum, not a saddle: the Hessian is positive semidefinite.
        assert np.linalg.eigvalsh(p.hess(xmin)).min() >= -1e-10


@pytest.mark.parametrize("s", SCALAR_LIST, ids=lambda s: s.name)
def test_scalar_derivative_matches_complex_step(s):
    for x in scalar_points(s):
        d_cs = s.f(np.complex128(x + 1j * H_CS)).imag / H_CS
        d = s.df(np.float64(x))
        assert abs(d - d_cs) <= 1e-12 * max(1.0, abs(d_cs)), (x, d, d_cs)


# ---------------------------------------------------------------------------
# Numba compatibility (float64 and complex128)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", PROBLEM_LIST, ids=lambda p: p.name)
def test_numba_compiles_f_and_grad(p):
    f_jit, grad_jit = jit(p.f), jit(p.grad)
    for x in sample_points(p)[:2]:
        v, v_jit = p.f(x), f_jit(x)
        assert abs(v_jit - v) <= 1e-13 * max(1.0, abs(v))
        g, g_jit = p.grad(x), grad_jit(x)
        assert inf_norm(g_jit - g) <= 1e-13 * max(1.0, inf_norm(g))


@pytest.mark.parametrize("p", PROBLEM_LIST, ids=lambda p: p.name)
def test_numba_f_accepts_complex_input(p):
    f_jit = jit(p.f)
    x0 = np.array(p.x0, dtype=np.float64)
    g = p.grad(x0)
    scale = max(1.0, inf_norm(g))
    for k in range(p.n):
        xc = x0.astype(np.complex128)
        xc[k] += 1j * H_CS
        d = f_jit(xc).imag / H_CS
        assert abs(d - g[k]) <= 1e-10 * max(abs(g[k]), 1e-3 * scale), (k, d, g[k])


@pytest.mark.parametrize("s", SCALAR_LIST, ids=lambda s: s.name)
def test_numba_scalar_functions(s):
    f_jit, df_jit = jit(s.f), jit(s.df)
    for x in scalar_points(s):
        x = float(x)
        assert abs(f_jit(x) - s.f(np.float64(x))) <= 1e-13 * max(1.0, abs(s.f(x)))
        d = s.df(np.float64(x))
        assert abs(df_jit(x) - d) <= 1e-13 * max(1.0, abs(d))
        d_cs = f_jit(complex(x, H_CS)).imag / H_CS
        assert abs(d_cs - d) <= 1e-10 * max(1.0, abs(d))
