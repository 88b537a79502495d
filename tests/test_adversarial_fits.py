"""Hostile but legal objectives against the bounded and least-squares solvers (issue 11, the
part ``test_adversarial.py``'s grid leaves out): ``minimize(bounds=...)``,
``compile_minimizer(bounds=...)``, ``multistart``, ``least_squares`` ("lm" and "trf"),
``compile_least_squares`` and ``curve_fit`` (with and without bounds), each given

* a float32 objective (values computed and returned in float32) and a float32 ``x0``: the
  solution to the accuracy float32 allows;
* a non-analytic objective (``abs``, ``sqrt|.|``, ``max``, a kink at the solution): a
  success only at the minimizer;
* residuals reading past x (``x[n]``): :class:`fastgrad.ObjectiveIndexError` naming the read;
* integer-valued and piecewise constant objectives: a finite run, and a success only at a
  (weak) local minimizer;
* callables that compare equal: each solved as itself.

The grid's design does not fit these solvers cleanly (its cells vary the finite-difference
scheme and the engine; these vary the solver and the box), so they get this module; the
scalar objectives are the grid's own (imported, one definition each).

Tolerances. float32's unit roundoff is ``EPS32 = 1.19e-7``. A float32 f has rounding noise
of about ``EPS32 |f|``; near a minimum where f is nonzero, ``f(x*) + c d**2 / 2`` cannot be
told from ``f(x*)`` for ``d`` below ``sqrt(2 EPS32 |f| / c)``, about ``sqrt(EPS32)``, and
forward differences in float32 have a relative error of ``sqrt(EPS32)`` too: so a float32
minimizer is known to ``TOL32["forward"] = 30 sqrt(EPS32) = 1.0e-2`` (the grid's bound for
forward differences, with its factor 30 of margin). At a zero-residual least-squares solution
the residuals vanish exactly and only their rounding, ``EPS32`` relative, limits x: there
``XTOL32 = 30 * 30 EPS32 = 1.1e-4`` (the condition numbers of these problems' Jacobians at
the solution are below 30, times the same margin).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from test_adversarial import (
    FALLBACK, TOL32, AlwaysEqual, abs_sum, float32_model, reads_past,
)

import fastgrad
from fastgrad import FastgradWarning, ObjectiveIndexError
from fastgrad.optimize.lm import SUCCESS as LSQ_SUCCESS
from fastgrad.optimize.result import SUCCESS

EPS32 = float(np.finfo(np.float32).eps)
XTOL32 = 30 * 30 * EPS32
SQUARE = ([-1.0, -1.0], [1.0, 1.0])
# float32_model = 3 y0**2 + y0 y1 + y1**2 / 2 within x0 >= 0.25: the bound binds, x1 = -x0
BIND = ([0.25, -1.0], [2.0, 1.0])
BIND_MIN = np.array([0.25, -0.25])
START = np.array([1.5, 0.5])


def _succeeded(res) -> bool:
    """``success`` of an OptimizeResult; from the status of a compiled solver's Solution
    or LsqSolution (which have no such field)."""
    if isinstance(res, fastgrad.LsqSolution):
        return int(res.status) in LSQ_SUCCESS
    if isinstance(res, fastgrad.Solution):
        return int(res.status) in SUCCESS
    return bool(res.success)


def _honest(res, x_min, tol, fun=None):
    """A success within ``tol`` (max norm) of ``x_min``; ``fun(x)`` rechecks the value."""
    assert _succeeded(res), res
    assert np.max(np.abs(np.asarray(res.x) - x_min)) <= tol, (res.x, x_min, tol)
    if fun is not None:
        np.testing.assert_allclose(fun(np.asarray(res.x, dtype=float)),
                                   fun(np.asarray(x_min, dtype=float)), atol=tol)


# ---------------------------------------------------------------------------------------
# (1) float32 objectives and float32 x0
# ---------------------------------------------------------------------------------------

SCALAR = {
    "minimize bounds": lambda f, x0, box: fastgrad.minimize(f, x0, bounds=box),
    "compile_minimizer bounds": lambda f, x0, box: fastgrad.compile_minimizer(
        f, bounds=box)(np.asarray(x0, dtype=np.float64)),
    "multistart": lambda f, x0, box: fastgrad.multistart(f, box, n_starts=8),
}


@pytest.mark.parametrize("name", SCALAR)
def test_float32_objective_bounded_minimum(name):
    """The minimizer on the bound x0 = 0.25, to float32's accuracy (TOL32 forward), from a
    float64 and a float32 x0 (compile_minimizer: float64, as its solve is compiled); the
    bounded loop's "converged to the accuracy of f" (status 11) must use float32's rounding,
    not float64's (it used float64's: status 4, "line search failed", at the minimizer)."""
    dtypes = [np.float64] if name == "compile_minimizer bounds" else [np.float64, np.float32]
    for x_dtype in dtypes:
        res = SCALAR[name](float32_model, START.astype(x_dtype), BIND)
        _honest(res, BIND_MIN, TOL32["forward"])
        assert res.x[0] == 0.25  # on the bound exactly: the projection puts it there


def rosen32(x):
    """Rosenbrock's residuals computed in float32: minimum 0 at (1, 1)."""
    y0 = np.float32(x[0])
    y1 = np.float32(x[1])
    return np.array([np.float32(10.0) * (y1 - y0 * y0), np.float32(1.0) - y0])


def decay32(t, a, b):
    """An exponential decay computed in float32."""
    return np.float32(a) * np.exp(-np.float32(b) * t.astype(np.float32))


ROSEN_X0 = np.array([-1.2, 1.0])
BOX = ([-5.0, -5.0], [5.0, 5.0])
T = np.linspace(0.0, 3.0, 20)
Y = 2.5 * np.exp(-1.3 * T)
RESIDUAL = {
    "lm": lambda r, x0, jac: fastgrad.least_squares(r, x0, jac=jac),
    "trf": lambda r, x0, jac: fastgrad.least_squares(r, x0, jac=jac, bounds=BOX),
    "compile_least_squares": lambda r, x0, jac: fastgrad.compile_least_squares(
        r, jac=jac)(np.asarray(x0, dtype=np.float64)),
}


@pytest.mark.parametrize("name", RESIDUAL)
def test_float32_residuals(name):
    """(1, 1) to XTOL32. With a fixed scheme the float64 step (1.5e-8 relative) was below
    float32's resolution: the Jacobian came out zero and "lm" reported a gtol success at x0
    (cost 8.8), "central" one at (0, 0) (cost 0.5). compile_least_squares compiles a solve
    per scheme: "forward" only there (its step is the one float32 rounds away)."""
    jacs = ["forward"] if name == "compile_least_squares" else ["auto", "forward", "central"]
    for jac in jacs:
        for x0 in (ROSEN_X0, ROSEN_X0.astype(np.float32)):
            res = RESIDUAL[name](rosen32, x0, jac)
            assert _succeeded(res), (jac, res)
            assert np.max(np.abs(res.x - 1.0)) <= XTOL32, (jac, res.x)


def test_float32_model_curve_fit():
    """curve_fit of a float32 model (its residuals are float64 after subtracting ydata: the
    step must follow the model's precision all the same) to exact data: (2.5, 1.3) to
    XTOL32; float32 data and p0 too (ydata rounded to EPS32 relative moves the solution by
    about as much). Before the fix, jac="forward" returned p0 = (1, 1) itself with a gtol
    success (the Jacobian was zero). Without bounds: curve_fit hands the precision to
    least_squares in one place for both methods, and "trf" on float32 residuals is
    test_float32_residuals'."""
    for jac in (None, "forward"):
        popt, _ = fastgrad.curve_fit(decay32, T, Y, [1.0, 1.0], jac=jac)
        assert np.max(np.abs(popt - [2.5, 1.3])) <= XTOL32, (jac, popt)
        popt, _ = fastgrad.curve_fit(decay32, T.astype(np.float32), Y.astype(np.float32),
                                     np.array([1.0, 1.0], np.float32), jac=jac)
        assert np.max(np.abs(popt - [2.5, 1.3])) <= XTOL32, (jac, popt)


# ---------------------------------------------------------------------------------------
# (2) non-analytic objectives
# ---------------------------------------------------------------------------------------


# minimize(bounds=...) compiles a bounded driver per objective (about 15 s here),
# compile_minimizer its own (about 18 s), multistart a batched one (1 s more after minimize):
# the float32 objective runs all three; the others minimize, whose loop the other two run
# (compile_minimizer's results equal minimize's bit for bit, test_adversarial_solvers.py)
CHEAP_SCALAR = ["minimize bounds"]
# compile_least_squares runs the "lm" loop (bit for bit): it runs the float32 residuals,
# whose step it chooses itself, and the read past x, which its own check must refuse
CHEAP_RESIDUAL = ["lm", "trf"]


@pytest.mark.parametrize("name", CHEAP_SCALAR)
def test_kink_at_the_minimizer(name):
    """abs_sum = |x0| + |x1| + x0 x1 has its minimum 0 at the kink x = 0 within the unit
    square (f >= ||x||_1 (1 - ||x||_inf) / 1 there): a success must be within 1e-6 of 0
    (gtol = 1e-6 on the projected gradient, whose size is at least 1 - |x| away from 0)."""
    res = SCALAR[name](abs_sum, np.array([0.7, -0.3]), SQUARE)
    _honest(res, np.zeros(2), 1e-6, abs_sum)


def kinked(x):
    """Residuals (sqrt|x0 - 1|, max(x1 + 0.5, 2 (x1 + 0.5))): the cost has a kink at the
    solution (1, -0.5) in both coordinates, where the first column of the Jacobian is
    unbounded and the second jumps from 2 to 1."""
    return np.array([np.sqrt(abs(x[0] - 1.0)), max(x[1] + 0.5, 2.0 * (x[1] + 0.5))])


def abs_model(t, a, b):
    """|a t - b|: not differentiable where a t = b."""
    return np.abs(a * t - b)


@pytest.mark.parametrize("name", CHEAP_RESIDUAL)
def test_kinked_residuals(name):
    """A success must be at the solution to 1e-6: the runs stop by xtol = 1e-8 (relative
    change of x) or gtol; iterates that converge (at best linearly, on a kink) are then
    within a few steps of size xtol |x| of it, 100 times below the bound."""
    res = RESIDUAL[name](kinked, np.array([3.0, 1.0]), "auto")
    assert _succeeded(res), res
    assert np.max(np.abs(res.x - [1.0, -0.5])) <= 1e-6, res.x


def test_kinked_model_curve_fit():
    """Data |2 t - 0.5| on t in [-1, 1] (the kink at t = 0.25 between points): (2, 0.5),
    within bounds (curve_fit raises RuntimeError on a failure)."""
    t = np.linspace(-1.0, 1.0, 11)
    popt, _ = fastgrad.curve_fit(abs_model, t, np.abs(2.0 * t - 0.5), [1.0, 0.0],
                                 bounds=([0.0, -2.0], [5.0, 2.0]))
    np.testing.assert_allclose(popt, [2.0, 0.5], atol=1e-6)


# ---------------------------------------------------------------------------------------
# (3) reading past x
# ---------------------------------------------------------------------------------------


def residuals_past(x):
    """Reads x[n]: compiled, whatever lies after x (before the fix: "lm" reported a gtol
    success with x1 = -garbage)."""
    return np.array([x[0] - 1.0, x[1] + x[x.shape[0]]])


READS_PAST = {
    "lm": lambda: fastgrad.least_squares(residuals_past, np.array([3.0, 1.0])),
    "trf": lambda: fastgrad.least_squares(residuals_past, np.array([3.0, 1.0]), bounds=BOX),
    "compile_least_squares": lambda: fastgrad.compile_least_squares(residuals_past)(
        np.array([3.0, 1.0])),
    "minimize bounds": lambda: fastgrad.minimize(reads_past, np.zeros(3), bounds=(-1, 1)),
    "multistart": lambda: fastgrad.multistart(reads_past, ([-1] * 3, [1] * 3), n_starts=4),
}


@pytest.mark.parametrize("name", READS_PAST)
def test_reads_past_x_is_refused(name):
    """ObjectiveIndexError naming the read (curve_fit passes the parameters as scalars: its
    model cannot read past them; compile_minimizer's check is that of minimize, tested in
    test_compile_minimizer.py, and its compilation alone costs 20 s here)."""
    with pytest.raises(ObjectiveIndexError, match=r"reads x\[\d\] but x has only \d"):
        READS_PAST[name]()


# ---------------------------------------------------------------------------------------
# (4) integer-valued and piecewise constant objectives
# ---------------------------------------------------------------------------------------


def int_value(x):
    """Returns an int: piecewise constant, so the finite-difference gradient is 0 almost
    everywhere and f compares equal at most trial points."""
    return int(10.0 * (x[0] - 0.3) ** 2 + 10.0 * (x[1] + 0.2) ** 2)


def int_residuals(x):
    """Residuals of dtype int64, piecewise constant."""
    out = np.empty(2, dtype=np.int64)
    out[0] = int(10.0 * (x[0] - 0.3))
    out[1] = int(10.0 * (x[1] + 0.2))
    return out


def floor_model(t, a, b):
    return np.floor(a * t) + b


def _weak_local_minimum(value, x, radius, slack=0.0):
    """value(x) <= value + slack at 64 points around x (max norm radius and radius / 1000):
    x is a (weak) local minimizer as far as sampling can tell, which is what a zero
    gradient of a piecewise constant function can honestly claim."""
    rng = np.random.default_rng(0)
    fx = value(x)
    for r in (radius, radius * 1e-3):
        for d in rng.uniform(-r, r, size=(32, x.shape[0])):
            assert value(x + d) + slack >= fx, (x, d, fx, value(x + d))


START_INT = np.array([0.9, 0.6])


@pytest.mark.parametrize("name", CHEAP_SCALAR)
def test_piecewise_constant_objective(name):
    """A finite run; a success only at a weak local minimum (f is an integer: any decrease
    is at least 1)."""
    f = int_value
    res = SCALAR[name](f, START_INT, SQUARE)
    assert res.nfev <= 1000, res.nfev
    if _succeeded(res):
        x = np.asarray(res.x, dtype=float)
        assert float(res.fun) == f(x)
        _weak_local_minimum(f, x, 1e-3)


def _cost(r):
    return lambda x: 0.5 * float(np.sum(np.asarray(r(x), dtype=float) ** 2))


@pytest.mark.parametrize("name", CHEAP_RESIDUAL)
def test_piecewise_constant_residuals(name):
    """As test_piecewise_constant_objective, for the cost of integer residuals."""
    r = int_residuals
    res = RESIDUAL[name](r, START_INT, "auto")
    assert res.nfev <= 1000, res.nfev
    if _succeeded(res):
        _weak_local_minimum(_cost(r), np.asarray(res.x), 1e-3)


def test_piecewise_constant_model_curve_fit():
    """floor(a t) + b has a zero derivative in a: the fit moves b only. The result must be a
    weak local minimum of the cost C up to what the ftol = 1e-8 success promises (C within
    ftol C of the minimum along b, where C is quadratic: slack 10 ftol C); curve_fit raises
    RuntimeError on a failure."""
    t = np.linspace(0.0, 1.0, 10)
    y = np.floor(3.0 * t) + 1.0
    popt, _ = fastgrad.curve_fit(floor_model, t, y, [1.0, 0.0],
                                 bounds=([0.0, -2.0], [5.0, 5.0]))
    cost = _cost(lambda p: floor_model(t, p[0], p[1]) - y)
    _weak_local_minimum(cost, popt, 1e-3, slack=10 * 1e-8 * cost(popt))


# ---------------------------------------------------------------------------------------
# (5) callables that compare equal
# ---------------------------------------------------------------------------------------


class EqualResiduals:
    """Residuals x - center whose __eq__ is always True (and one shared hash)."""

    def __init__(self, center):
        self.center = center

    def __eq__(self, other):
        return True

    def __hash__(self):
        return 1

    def __call__(self, x):
        return np.array([x[0] - self.center, 2.0 * (x[1] - self.center)])


def test_equal_callables_are_distinct_fits():
    """Interleaved fits of two equal-comparing callables each find their own solution (Numba
    cannot compile these instances: the Python engine, after a first-use warning)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        _equal_fits()
    for w in seen:
        assert issubclass(w.category, FastgradWarning), w
        assert re.search(FALLBACK + "|cannot compile", str(w.message)), w


def _equal_fits():
    a, b = EqualResiduals(0.5), EqualResiduals(-0.75)
    fa, fb = AlwaysEqual(0.5), AlwaysEqual(-0.75)
    for _ in range(2):
        for r, f in ((a, fa), (b, fb)):
            np.testing.assert_allclose(fastgrad.least_squares(r, START_INT).x, r.center,
                                       atol=1e-8)
            np.testing.assert_allclose(fastgrad.least_squares(r, START_INT, bounds=SQUARE).x,
                                       r.center, atol=1e-8)
            # f = (x0 - c)**2 + 2 (x1 - c)**2: gtol 1e-6 on the gradient, Hessian diag(2, 4)
            res = fastgrad.multistart(f, SQUARE, n_starts=4)
            np.testing.assert_allclose(res.x, f.center, atol=1e-6)


# ---------------------------------------------------------------------------------------
# (6) a model or jac that Numba accepts but cannot type (a lambda calling plain Python)
# ---------------------------------------------------------------------------------------

T_FIT = np.linspace(0.0, 4.0, 40)
Y_FIT = 2.0 * (1.0 - np.exp(-0.7 * T_FIT)) + 0.01 * np.cos(5.0 * T_FIT)


def _rise(t, a, b):  # plain Python, never compiled by the test: lambdas below call it
    return a * (1.0 - np.exp(-b * t))


def _rise_jac(t, a, b):
    e = np.exp(-b * t)
    return np.column_stack((1.0 - e, a * t * e))


def test_untypable_model_and_jac_run_on_the_python_engine():
    """``numba.njit`` takes a lambda that calls a plain Python function, and fails only when
    it types it. curve_fit then fits on the Python engine after a warning (it raised Numba's
    TypingError before: the compiled unpacker called the model again), for the model, its
    jac, or both, and a second call fits the same; a jac of the wrong shape is a ValueError
    naming the shapes."""
    ref = fastgrad.curve_fit(_rise, T_FIT, Y_FIT, [1.0, 1.0], jac=_rise_jac, jit=False)[0]
    cases = [(lambda t, a, b: _rise(t, a, b), None),
             (_rise, lambda t, a, b: _rise_jac(t, a, b)),
             (lambda t, a, b: _rise(t, a, b), lambda t, a, b: _rise_jac(t, a, b))]
    for model, jac in cases:
        for _ in range(2):
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                popt, pcov = fastgrad.curve_fit(model, T_FIT, Y_FIT, [1.0, 1.0], jac=jac)
            # analytic or finite-difference Jacobian: the same minimizer to the accuracy of
            # forward-then-central differences at the default tolerances
            np.testing.assert_allclose(popt, ref, rtol=1e-7)
            assert np.all(np.isfinite(pcov))
            for w in seen:
                assert issubclass(w.category, FastgradWarning), w
                assert re.search(FALLBACK, str(w.message)), w
    with pytest.raises(ValueError, match=r"jac\(xdata, \*p0\) must return .* \(40, 2\); "
                                         r"it returned shape \(40, 3\)"):
        fastgrad.curve_fit(_rise, T_FIT, Y_FIT, [1.0, 1.0],
                           jac=lambda t, a, b: np.ones((t.shape[0], 3)))
