"""The Moré-Garbow-Hillstrom table (:data:`fastgrad.problems.MGH`) and the black-box
simulation objective (:func:`fastgrad.problems.lotka_volterra_fit`).

The analytic gradients are checked against fastgrad's complex-step gradient, which has no
subtractive cancellation and no truncation error at its step (1e-20 relative): both sides
are exact up to rounding, of order 1e-16 of the largest term, so a bound of 1e-10 of the
gradient's inf-norm leaves a margin of 1e5 and still catches any wrong term (measured:
below 5e-16 at every point here). All 20 objectives go through fastgrad behind one switch
objective (as in ``conftest.py``), so the kernels compile once, for float64 and complex128.
"""

import pickle
import time

import numba
import numpy as np
import pytest

import fastgrad
from fastgrad.problems import MGH, LeastSquaresProblem, at_local_minimum, get_mgh, is_solved
from fastgrad.problems import blackbox

MGH_LIST = list(MGH.values())


def points(p):
    """The standard start and a seeded random point near it (10 % of each coordinate's
    scale, at least 0.01), away from the start's special values (zeros, symmetric x)."""
    rng = np.random.default_rng(p.number)
    x0 = np.array(p.x0)
    return [x0, x0 + rng.standard_normal(p.n) * np.maximum(0.1 * np.abs(x0), 0.01)]


def inf_norm(v):
    return float(np.max(np.abs(v)))


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


def test_table_is_complete():
    assert len(MGH) == 20
    assert [p.number for p in MGH_LIST] == list(range(1, 21))
    assert len({p.name for p in MGH_LIST}) == 20
    assert len({p.f for p in MGH_LIST}) == len({p.grad for p in MGH_LIST}) == 20
    sizes = {p.name: (p.n, p.m) for p in MGH_LIST}
    assert sizes == {
        "rosenbrock": (2, 2), "freudenstein_roth": (2, 2), "powell_badly_scaled": (2, 2),
        "brown_badly_scaled": (2, 3), "beale": (2, 3), "jennrich_sampson": (2, 10),
        "helical_valley": (3, 3), "bard": (3, 15), "gaussian": (3, 15), "meyer": (3, 16),
        "gulf": (3, 99), "box3d": (3, 10), "powell_singular": (4, 4), "wood": (4, 6),
        "kowalik_osborne": (4, 11), "brown_dennis": (4, 20), "osborne1": (5, 33),
        "biggs_exp6": (6, 13), "osborne2": (11, 65), "watson": (6, 31),
    }
    assert get_mgh("wood") is MGH["wood"]
    with pytest.raises(KeyError, match="valid names: rosenbrock, freudenstein_roth"):
        get_mgh("rosenbrock2")


@pytest.mark.parametrize("p", MGH_LIST, ids=lambda p: p.name)
def test_fields_are_consistent(p):
    assert isinstance(p, LeastSquaresProblem) and MGH[p.name] is p
    assert len(p.x0) == p.n and p.m >= p.n
    assert p.xmin is not None and len(p.xmin) == p.n
    assert np.isfinite(p.fmin) and p.fmin >= 0.0
    assert "Moré, Garbow, Hillstrom (1981)" in p.source
    for value, where in p.local_minima:
        assert value >= p.fmin and where
    x = np.array(p.x0)
    r = p.residuals(x)
    assert r.shape == (p.m,) and r.dtype == np.float64
    g = p.grad(x)
    assert g.shape == (p.n,) and g.dtype == np.float64
    np.testing.assert_array_equal(x, np.array(p.x0))           # nothing modifies x
    assert p.f(x) > p.fmin                                       # x0 is not a minimizer


def test_starts_and_initial_values_from_the_literature():
    # Starts as in MINPACK-1's initpt (the authors' Fortran) for the problems it shares.
    minpack = {"rosenbrock": (-1.2, 1.0), "helical_valley": (-1.0, 0.0, 0.0),
               "powell_singular": (3.0, -1.0, 0.0, 1.0), "freudenstein_roth": (0.5, -2.0),
               "bard": (1.0, 1.0, 1.0), "kowalik_osborne": (0.25, 0.39, 0.415, 0.39),
               "meyer": (0.02, 4000.0, 250.0), "watson": (0.0,) * 6,
               "box3d": (0.0, 10.0, 20.0), "jennrich_sampson": (0.3, 0.4),
               "brown_dennis": (25.0, 5.0, -5.0, -1.0),
               "osborne1": (0.5, 1.5, -1.0, 0.01, 0.02),
               "osborne2": (1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5)}
    for name, x0 in minpack.items():
        assert MGH[name].x0 == x0, name
    # Values at the start that follow by hand from the definitions.
    f0 = {"rosenbrock": 24.2, "wood": 19192.0, "powell_singular": 215.0,
          "helical_valley": 2500.0, "watson": 30.0, "beale": 14.203125,
          "brown_badly_scaled": (1e6 - 1.0) ** 2 + (1.0 - 2e-6) ** 2 + 1.0,
          "freudenstein_roth": 400.5}
    for name, value in f0.items():
        p = MGH[name]
        assert p.f(np.array(p.x0)) == pytest.approx(value, rel=1e-14), name


# ---------------------------------------------------------------------------
# f, residuals and gradient agree; the gradient is exact
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", MGH_LIST, ids=lambda p: p.name)
def test_f_is_the_sum_of_squared_residuals(p):
    for x in points(p):
        r = p.residuals(x)
        assert p.f(x) == pytest.approx(float(r @ r), rel=1e-13, abs=1e-300)


@pytest.mark.parametrize("p", MGH_LIST, ids=lambda p: p.name)
def test_gradient_matches_complex_step(p, mgh_switch):
    # Also compiles every objective in nopython mode, for float64 and complex128 input.
    for x in points(p):
        g_cs = fastgrad.gradient(mgh_switch.f, x, method="complex", args=mgh_switch.args(p.f))
        assert inf_norm(p.grad(x) - g_cs) <= 1e-10 * inf_norm(g_cs), (x, p.grad(x), g_cs)


@pytest.mark.parametrize("p", MGH_LIST, ids=lambda p: p.name)
def test_gradient_is_two_jacobian_transpose_residuals(p):
    # The residuals, differentiated by the complex step (Python engine: no compilation),
    # give J; 2 J^T r is the gradient: residuals and gradient describe the same f.
    for x in points(p):
        jac = fastgrad.jacobian(p.residuals, x, method="complex", jit=False)
        g = 2.0 * jac.T @ p.residuals(x)
        assert inf_norm(p.grad(x) - g) <= 1e-10 * inf_norm(g)


@pytest.mark.parametrize("p", MGH_LIST, ids=lambda p: p.name)
def test_gradient_and_residuals_compile(p):
    x = points(p)[1]
    np.testing.assert_allclose(numba.njit(p.grad)(x), p.grad(x), rtol=1e-13,
                               atol=1e-13 * inf_norm(p.grad(x)))
    np.testing.assert_allclose(numba.njit(p.residuals)(x), p.residuals(x), rtol=1e-13,
                               atol=1e-13 * inf_norm(p.residuals(x)))


def test_watson_takes_any_n():
    p = MGH["watson"]
    rng = np.random.default_rng(9)
    for n in (2, 9, 12):
        x = rng.uniform(-1.0, 1.0, n)
        g_cs = fastgrad.gradient(p.f, x, method="complex", jit=False)
        assert inf_norm(p.grad(x) - g_cs) <= 1e-10 * inf_norm(g_cs)
        assert p.residuals(x).shape == (31,)


# ---------------------------------------------------------------------------
# Minima
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", MGH_LIST, ids=lambda p: p.name)
def test_fmin_at_xmin_and_xmin_is_a_local_minimizer(p):
    xmin = np.array(p.xmin)
    assert abs(p.f(xmin) - p.fmin) <= 1e-12 * max(1.0, p.fmin)
    assert is_solved(p, p.f(xmin))
    # No nearby point (1e-4 of each coordinate's scale) is lower.
    rng = np.random.default_rng(p.number)
    scale = 1e-4 * np.maximum(np.abs(xmin), 1e-3)
    for _ in range(20):
        x = xmin + scale * rng.standard_normal(p.n)
        assert p.f(x) >= p.fmin * (1.0 - 1e-12)


def test_local_minima_values():
    fr = MGH["freudenstein_roth"]
    assert fr.f(np.array([11.412778979962056, -0.8968052552115264])) == pytest.approx(
        fr.local_minima[0][0], rel=1e-12)
    assert fr.local_minima[0][0] == pytest.approx(48.9842, abs=1e-4)  # the paper's digits
    box = MGH["box3d"]
    assert box.f(np.array([10.0, 1.0, -1.0])) == pytest.approx(0.0, abs=1e-30)
    assert box.f(np.array([2.0, 2.0, 0.0])) == 0.0
    biggs = MGH["biggs_exp6"]
    assert biggs.f(np.array([4.0, 10.0, 3.0, 5.0, 1.0, 1.0])) == pytest.approx(0.0, abs=1e-30)


def test_is_solved():
    p = MGH["brown_dennis"]
    assert is_solved(p, p.fmin + 0.08) and not is_solved(p, p.fmin + 0.09)
    q = MGH["rosenbrock"]
    assert is_solved(q, 1e-6) and not is_solved(q, 1.1e-6) and not is_solved(q, float("nan"))


def test_at_local_minimum():
    fr, biggs = MGH["freudenstein_roth"], MGH["biggs_exp6"]
    assert at_local_minimum(fr, 48.98425367924003) and not at_local_minimum(fr, 48.99)
    assert at_local_minimum(biggs, 5.655649925e-3) and not at_local_minimum(biggs, 5.7e-3)
    # the global minimum (also listed for box3d and biggs_exp6) is no local one; nor is NaN
    assert not at_local_minimum(MGH["box3d"], 0.0) and not at_local_minimum(biggs, 0.0)
    assert not at_local_minimum(fr, float("nan"))
    assert not any(at_local_minimum(MGH["rosenbrock"], v) for v in (0.0, 1.0, 48.98))


# ---------------------------------------------------------------------------
# The black-box simulation objective
# ---------------------------------------------------------------------------


def test_lotka_volterra_fit_is_zero_at_the_truth():
    f = blackbox.lotka_volterra_fit
    # exp(log(truth)) rounds, so f is 0 up to the rounding of the parameters
    assert f(np.array(blackbox.LOTKA_VOLTERRA_XMIN)) <= 1e-20
    assert blackbox.LOTKA_VOLTERRA_DATA.shape == (60,)
    np.testing.assert_allclose(np.exp(blackbox.LOTKA_VOLTERRA_XMIN),
                               blackbox.LOTKA_VOLTERRA_TRUTH, rtol=1e-15)
    assert f(np.array(blackbox.LOTKA_VOLTERRA_X0)) > 1e3
    assert pickle.loads(pickle.dumps(f)) is f


def test_lotka_volterra_fit_cost_per_call(capsys):
    f = blackbox.lotka_volterra_fit
    x = np.array(blackbox.LOTKA_VOLTERRA_X0)
    f(x)
    t = time.perf_counter()
    for _ in range(5):
        f(x)
    per_call = (time.perf_counter() - t) / 5
    with capsys.disabled():
        print(f"\nlotka_volterra_fit: {1e3 * per_call:.2f} ms per call")
    assert 1e-4 < per_call < 0.5   # about 5 ms on one core; only its order is checked


def test_lotka_volterra_fit_gradient_on_the_python_engine():
    f = blackbox.lotka_volterra_fit
    x = np.array(blackbox.LOTKA_VOLTERRA_X0)
    g = fastgrad.gradient(f, x, jit=False)
    g4 = fastgrad.gradient(f, x, method="central4", jit=False)
    g_cs = fastgrad.gradient(f, x, method="complex", jit=False)
    # central: truncation ~ h^2 f''' with h ~ eps^(1/3) |x|, rounding ~ eps f / h: ~1e-8 of
    # ||g||; central4 and the complex step are more accurate. 1e-5 leaves a wide margin.
    assert inf_norm(g - g4) <= 1e-5 * inf_norm(g4)
    assert inf_norm(g_cs - g4) <= 1e-5 * inf_norm(g4)
    with pytest.warns(fastgrad.FastgradWarning, match="Python engine"):
        fastgrad.gradient(f, x, method="forward")       # Numba cannot compile it
