"""``least_squares(method="lm")`` at the edges of float64 and of its budget.

Norms of residuals and Jacobian columns beyond 1e154 (or below 1e-162) used to overflow (or
underflow) as plain sums of squares: the gtol cosine became 0 and the run stopped at x0 as
"converged". A cost that is not finite is never a success.

The budget: the iterations begin no evaluation of fun once ``nfev >= max_nfev``, except the
first Jacobian and the trial step after it; a Jacobian begun below the budget is finished and
followed by one trial step. Then the Jacobian at the returned x is taken when x moved since
the last one, after ``max_nfev`` or ``max_time`` too, so that ``jac``, ``grad`` and
``optimality`` describe x, as SciPy's do (a run that stopped on its budget returned the
Jacobian of an earlier iterate, silently: 44% off with ``max_nfev=5``). So ``nfev <=
max(max_nfev - 1, 1) + 2 c + 1`` for ``c`` the evaluations of one Jacobian.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.optimize as so

import fastgrad

T20 = np.linspace(0.0, 1.0, 20)
Y20 = np.exp(2.0 * T20)
BIG_T = np.linspace(1.0, 2.0, 10) * 1e160


def exp_residuals(p, t, y):
    return np.exp(p[0] * t) - y


def big_linear(p, t, y):
    return p[0] * t - y


def tiny_parameter(p):
    return np.array([p[0] * 1e300 - 2.0, p[1] - 1.0])


def decay(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def test_residuals_beyond_1e154_are_not_converged_at_x0():
    # exp(360 t) reaches 2e156: ||r||**2 overflows. SciPy's lm (MINPACK's enorm) walks p
    # down by about 1 per iteration and runs out of evaluations far from 2; lm must not
    # claim convergence at x0 either, and must move the same way.
    res = fastgrad.least_squares(exp_residuals, [360.0], args=(T20, Y20))
    assert not res.success and res.status == 0
    assert res.x[0] < 300.0 and np.isfinite(res.cost)
    with np.errstate(over="ignore"):  # SciPy's own initial cost overflows (a warning)
        ref = so.least_squares(exp_residuals, [360.0], args=(T20, Y20), method="lm")
    assert not ref.success and ref.x[0] < 300.0


def test_residuals_beyond_1e154_reach_the_solution_with_budget():
    # with budget enough the same run reaches p = 2 (the data are exact: cost ~ 0); 1e-8
    # relative is what ftol/xtol = 1e-8 guarantee on this well-conditioned 1-parameter fit
    res = fastgrad.least_squares(exp_residuals, [360.0], args=(T20, Y20), max_nfev=5000)
    assert res.success and res.x[0] == pytest.approx(2.0, rel=1e-8)


def test_jacobian_column_beyond_1e154():
    # r = p T - 3 T is linear: SciPy's lm solves it exactly (x = 3, cost 0). One
    # Gauss-Newton step from 1 gives 3 to rounding (a few ulps of the forward-difference
    # Jacobian's error, far below 1e-10 relative); the cost left is rounding of 1e160-sized
    # residuals: 0.5 * 10 * (eps * 6e160)**2 ~ 1e290 at most.
    y = 3.0 * BIG_T
    res = fastgrad.least_squares(big_linear, [1.0], args=(BIG_T, y))
    with np.errstate(over="ignore"):
        ref = so.least_squares(big_linear, [1.0], args=(BIG_T, y), method="lm")
    assert ref.success and ref.x[0] == pytest.approx(3.0)
    assert res.success and res.x[0] == pytest.approx(ref.x[0], rel=1e-10)
    assert np.isfinite(res.cost) and res.cost <= 1e291


def test_jacobian_column_norm_overflow_with_small_parameter():
    # the column of p0 is 1e300: its squared norm overflows. The answer is (2e-300, 1)
    # exactly (SciPy's lm finds it); 1e-10 relative leaves room for the forward-difference
    # Jacobian of the first phase, and the cost is that of rounding of O(1) residuals.
    res = fastgrad.least_squares(tiny_parameter, [1e-300, 0.0])
    ref = so.least_squares(tiny_parameter, [1e-300, 0.0], method="lm")
    assert res.success and res.x == pytest.approx([2e-300, 1.0], rel=1e-10)
    assert res.x == pytest.approx(ref.x, rel=1e-10)
    assert res.cost < 1e-20


def test_jacobian_column_norm_underflow():
    # the mirror: residuals of 1e-170 and a column of 1e-170, whose squares underflow to 0
    # (the column was skipped and the gtol test passed at x0). The fit is linear, so the
    # answer p = 3 is reached to rounding (1e-8 relative: forward differences).
    t = np.linspace(1.0, 2.0, 10) * 1e-170
    res = fastgrad.least_squares(big_linear, [1.0], args=(t, 3.0 * t))
    assert res.success and res.x[0] == pytest.approx(3.0, rel=1e-8)


@pytest.mark.parametrize("level", [1e200, 1e160])
def test_an_infinite_cost_is_never_success(level):
    # a residual of 1e200 that no parameter changes: the cost 0.5e400 is not finite in
    # float64, and x = x0 is "stationary" only for the gtol test; 1e160: the cost's sum
    # overflows at the first residual, its half too (0.5e320)
    res = fastgrad.least_squares(lambda p: np.array([level, p[0] - 1.0]), [0.0])
    assert not np.isfinite(res.cost)
    assert not res.success and res.status == 6


@pytest.mark.parametrize("case", ["exp", "big", "flat"])
def test_success_only_with_a_finite_cost(case):
    runs = {"exp": lambda: fastgrad.least_squares(exp_residuals, [360.0], args=(T20, Y20)),
            "big": lambda: fastgrad.least_squares(big_linear, [1.0],
                                                  args=(BIG_T, 3.0 * BIG_T)),
            "flat": lambda: fastgrad.least_squares(lambda p: np.array([1e300, p[0]]),
                                                   [0.0])}
    res = runs[case]()
    assert not (res.success and not np.isfinite(res.cost))


DECAY_T = np.linspace(0.0, 3.0, 30)
DECAY_Y = 2.5 * np.exp(-1.3 * DECAY_T) + 0.5 + 0.01 * np.sin(5.0 * DECAY_T)


def decay_jac(p, t, y):
    e = np.exp(-p[1] * t)
    return np.column_stack((e, -p[0] * t * e, np.ones_like(t)))


@pytest.mark.parametrize("max_nfev", [1, 2, 4, 6, 7, 10, 20])
def test_max_nfev_is_overrun_by_the_iteration_in_progress_only(max_nfev):
    # n = 3 and forward differences throughout: a Jacobian is 3 evaluations (no column of
    # this fit is taken twice); every status, success included, obeys the bound
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 jac="2-point", max_nfev=max_nfev)
    assert res.nfev <= max(max_nfev - 1, 1) + 2 * 3 + 1
    if res.status == 0:
        assert res.nfev >= max_nfev
    assert_jac_at_x(res)


def assert_jac_at_x(res):
    """jac and grad of ``res`` (a decay fit) are those at res.x: forward differences at the
    automatic step h ~ 1.5e-8 |x| err by O(h |J''|) ~ 1e-7 of max |J| (allowed: 1e-6), so
    grad = J^T r by at most that times sum |r|. A Jacobian of an earlier iterate differs by
    O(|step|) (4% to 44% in the old code)."""
    exact = decay_jac(res.x, DECAY_T, DECAY_Y)
    bound = 1e-6 * np.abs(exact).max()
    np.testing.assert_allclose(res.jac, exact, rtol=0, atol=bound)
    r = decay(res.x, DECAY_T, DECAY_Y)
    np.testing.assert_allclose(res.grad, exact.T @ r, rtol=0,
                               atol=bound * np.abs(r).sum() + 1e-15)


def test_max_nfev_with_the_central_phase_of_auto():
    # jac="auto": forward differences, then a central phase (Jacobians of 2n = 6); the run
    # whose forward phase converges at the budget does not start the central one (it
    # stops with status 0), and no Jacobian is larger than 6 evaluations
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 max_nfev=20)
    assert res.nfev <= 19 + 6 + 1 + 6 and res.status == 0 and not res.success
    assert_jac_at_x(res)


def test_the_jacobian_after_max_nfev_is_taken_at_x():
    # the run stops on the trial step after its first Jacobian (1 + 3 + 1 evaluations),
    # which moved x: the Jacobian at x follows (3 more); the Jacobian returned was x0's
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 max_nfev=5)
    assert res.status == 0 and res.nfev == 1 + 3 + 1 + 3 and res.njev == 2
    assert not np.allclose(res.x, [1.0, 1.0, 0.0])
    assert_jac_at_x(res)


def test_an_analytic_jac_after_max_nfev_is_the_one_at_x():
    # an analytic Jacobian on the Python engine (its calls recorded): after MAX_NFEV the
    # Jacobian is taken at the returned x (no evaluation of fun); the old code returned the
    # one of an earlier iterate (35% off)
    calls = []

    def jac(p, t, y):
        calls.append(np.array(p, dtype=float))
        return decay_jac(p, t, y)

    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 jac=jac, max_nfev=3, jit=False)
    assert res.status == 0 and res.nfev == 3 and res.njev == len(calls) == 3
    assert not np.array_equal(calls[-2], res.x)  # the last step was accepted
    assert np.array_equal(calls[-1], res.x)
    assert np.array_equal(res.jac, decay_jac(res.x, DECAY_T, DECAY_Y))


@pytest.mark.parametrize("max_nfev", [3, 5])
@pytest.mark.parametrize("jac", ["analytic", "2-point"])
def test_trf_returns_the_jacobian_at_x_after_max_nfev(max_nfev, jac):
    # trf from x0 = (1, 1, 0) stops on its budget with x moved since its last Jacobian:
    # the old code returned that earlier Jacobian (13% off analytic, 38% off 2-point)
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 jac=decay_jac if jac == "analytic" else jac, method="trf",
                                 max_nfev=max_nfev)
    assert res.status == 0
    assert_jac_at_x(res)


@pytest.mark.parametrize("method", ["lm", "trf"])
@pytest.mark.parametrize("calls", [1, 2, 3])
def test_a_run_the_callback_stops_returns_the_jacobian_at_x(method, calls):
    # the callback stops the run at an iteration boundary, where x moved since the last
    # Jacobian: the old code returned that one (3% to 32% off)
    seen = []

    def callback(intermediate):
        seen.append(intermediate.nit)
        return len(seen) >= calls

    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 method=method, callback=callback)
    assert res.status == 10 and res.nit == calls
    assert_jac_at_x(res)


def test_an_overflowing_cost_says_so():
    # finite residuals whose half sum of squares overflows: no success, and the message
    # says what happened (it spoke of non-finite residuals at the trial points)
    res = fastgrad.least_squares(lambda p: np.array([p[0] * 1e200, 1e200]), [1.0],
                                 method="lm")
    assert not res.success and res.cost == np.inf
    assert "cost 0.5 ||fun||**2 overflows float64" in res.message, res.message


@pytest.mark.parametrize("max_nfev", [1, 2, 4, 6, 7, 10, 20, 30])
@pytest.mark.parametrize("jac", ["2-point", "auto"])
def test_trf_keeps_the_same_budget(max_nfev, jac):
    # "trf" (the method within bounds) follows lm's rule: a Jacobian is at most 2n = 6
    # evaluations (auto's central phase; 3 with 2-point), and none begins past the budget;
    # the final Jacobian of a successful run used to overrun it
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y), jac=jac,
                                 method="trf", max_nfev=max_nfev)
    assert res.nfev <= max(max_nfev - 1, 1) + 2 * (3 if jac == "2-point" else 6) + 1
    if res.status == 0:
        assert res.nfev >= max_nfev
    assert_jac_at_x(res)


def test_trf_does_not_begin_the_central_phase_past_the_budget():
    # jac="auto": the forward phase converges at nfev = 21 = max_nfev; the old code began
    # the central phase's Jacobian anyway (nfev 27, success); as lm, the run stops there
    res = fastgrad.least_squares(decay, [1.0, 1.0, 0.0], args=(DECAY_T, DECAY_Y),
                                 method="trf", max_nfev=21)
    # x moved by less than 1e-6 relative since the last Jacobian, which is returned (it is
    # x's to its accuracy; see lm.JAC_REUSE)
    assert res.nfev == 21 and res.status == 0 and not res.success
    assert_jac_at_x(res)
