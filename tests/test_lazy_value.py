"""The fixed-step methods value f only where it is read (``fastgrad.optimize.loop``'s lazy
runs): gd, momentum, nesterov and adam with a finite-difference gradient that does not use f
at the iterate (central, central4, complex) and no ftol, xtol or history take f at x0, where
the run stops, and where a callback, ``max_time`` or the progress meter reads it. An
analytic jac is never lazy: it can stay finite where f overflows.

What must hold: the same iterates as a run that values f at every iterate (one with
``history=True``, which keeps f at each), ``fun`` equal to f at the returned x bit for bit,
never NaN where f is finite, ``nfev`` equal to the evaluations made (counted by the objective
itself on the Python engine), and divergence still reported.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

import fastgrad

METHODS = ["gd", "momentum", "nesterov", "adam"]


def quad(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4.0) ** 2


def quad_jac(x):
    return np.array([4.0 * (x[0] - 1.0), 2.0 * (x[1] - 0.5), 2.0 * (x[2] + 4.0)])


X0 = np.array([10.0, 10.0, 10.0])


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("jac", ["central", "central4", "complex", "analytic"])
def test_same_iterates_and_fun_as_a_run_that_values_every_iterate(method, jac):
    j = quad_jac if jac == "analytic" else jac
    lazy = fastgrad.minimize(quad, X0, method=method, jac=j, lr=0.01, max_iter=300,
                             gtol=0.0)
    full = fastgrad.minimize(quad, X0, method=method, jac=j, lr=0.01, max_iter=300,
                             gtol=0.0, history=True)
    np.testing.assert_array_equal(lazy.x, full.x)
    np.testing.assert_array_equal(lazy.jac, full.jac)
    assert lazy.fun == full.fun == quad(lazy.x)  # f at the returned x, bit for bit
    assert (lazy.status, lazy.nit, lazy.message) == (full.status, full.nit, full.message)
    if jac == "analytic":  # f at every iterate: the jac alone would not see f overflow
        assert lazy.nfev == full.nfev
    else:
        assert lazy.nfev < full.nfev  # f is not taken at the 299 iterates before the last


def test_the_seeds_gd_spends_2n_evaluations_per_step():
    # x0: f and the gradient (1 + 6); 500 steps of 6; f where the run stops (1)
    res = fastgrad.minimize(quad, X0, method="gd", lr=0.01, max_iter=500, gtol=0.0)
    assert res.status == 1 and res.nit == 500
    assert res.nfev == 1 + 6 + 500 * 6 + 1


@pytest.mark.parametrize("method", METHODS)
def test_nfev_counts_the_calls_made(method):
    calls = []

    def counted(x):
        calls.append(1)
        return quad(x)

    def run():
        return fastgrad.minimize(counted, X0, method=method, lr=0.01, max_iter=200,
                                 gtol=1e-3, jit=False)

    run()  # the first call's check of f (not counted in nfev) is behind us
    del calls[:]
    res = run()
    assert res.nfev == len(calls)
    assert res.fun == quad(res.x)


def test_converged_run_reports_f_at_its_x():
    res = fastgrad.minimize(quad, X0, method="gd", lr=0.1, max_iter=5000)
    assert res.status == 0 and res.success
    assert res.fun == quad(res.x)
    # f at x0 and at the claim, 6 per gradient, and the claim's check of the gradient's
    # error on central differences (6n = 18, fastgrad.optimize.stopping.checks_gtol)
    assert res.nfev == 2 + 6 * (res.nit + 1) + 18


def test_divergence_is_still_reported():
    res = fastgrad.minimize(quad, X0, method="gd", lr=1.5, max_iter=5000)
    assert res.status == 2 and not res.success
    assert "diverged" in res.message and not np.isfinite(res.fun)


def test_f_non_finite_at_the_last_iterate_only_is_divergence():
    # f is inf exactly at the one iterate reached (x1 = -1 - 0.25 * (-4) = 0, exact in
    # binary) and finite around it: no finite "fun" exists there
    def spiked(x):
        if x[0] == 0.0:
            return np.inf
        return (x[0] - 1.0) ** 2

    def spiked_jac(x):
        return np.array([2.0 * (x[0] - 1.0)])

    res = fastgrad.minimize(spiked, np.array([-1.0]), method="gd", jac=spiked_jac, lr=0.25,
                            max_iter=1, gtol=0.0)
    assert res.x[0] == 0.0 and res.nit == 1
    assert res.status == 2 and not res.success and res.fun == np.inf


def test_callback_sees_f_at_each_iterate_it_is_given():
    seen = []

    def callback(intermediate):
        seen.append((intermediate.x.copy(), intermediate.fun))

    res = fastgrad.minimize(quad, X0, method="gd", lr=0.01, max_iter=100, gtol=0.0,
                            callback=callback, callback_every=25)
    plain = fastgrad.minimize(quad, X0, method="gd", lr=0.01, max_iter=100, gtol=0.0)
    assert len(seen) == 3  # at iterations 25, 50 and 75; the run ends at 100
    for x, fun in seen:
        assert np.isfinite(fun) and fun == quad(x)
    np.testing.assert_array_equal(res.x, plain.x)
    assert res.fun == plain.fun
    assert res.nfev == plain.nfev + 3  # f at the iterates of the 3 callbacks before the end


def test_batch_rows_equal_single_runs_across_chunks():
    # long runs: the batch returns to Python between chunks (FIRST_CHUNK evaluations), and
    # each row's f stays unvalued over a chunk's end
    X = np.array([[10.0, 10.0, 10.0], [-3.0, 2.0, 0.5], [0.0, 0.0, 0.0]])
    res = fastgrad.minimize(quad, X, method="momentum", lr=1e-4, max_iter=4000, gtol=0.0)
    for i in range(X.shape[0]):
        one = fastgrad.minimize(quad, X[i], method="momentum", lr=1e-4, max_iter=4000,
                                gtol=0.0)
        np.testing.assert_array_equal(res.x[i], one.x)
        assert res.fun[i] == one.fun == quad(one.x)
        assert res.nfev[i] == one.nfev


def test_max_time_reports_f_at_the_iterate_reached():
    res = fastgrad.minimize(quad, X0, method="gd", lr=1e-9, max_iter=10**9, gtol=0.0,
                            max_time=0.05)
    assert res.status == 5  # stopped by max_time
    assert np.isfinite(res.fun) and res.fun == quad(res.x)


def test_progress_meter_shows_finite_f():
    out = io.StringIO()
    res = fastgrad.minimize(quad, X0, method="gd", lr=1e-9, max_iter=300_000, gtol=0.0,
                            progress=out)
    plain = fastgrad.minimize(quad, X0, method="gd", lr=1e-9, max_iter=300_000, gtol=0.0)
    assert res.fun == plain.fun == quad(res.x) and res.nfev == plain.nfev  # display only
    shown = [f for nfev, f in re.findall(r"([\d,]+) nfev, best f ([^\],\s]+)", out.getvalue())
             if nfev != "0"]  # (the first line, drawn before f was evaluated, shows "-")
    assert len(shown) >= 2 and "-" not in shown, out.getvalue()


def test_compiled_solve_reports_f_at_x():
    solve = fastgrad.compile_minimizer(quad, method="gd", lr=0.01, max_iter=500, gtol=0.0)
    sol = solve(X0)
    res = fastgrad.minimize(quad, X0, method="gd", lr=0.01, max_iter=500, gtol=0.0)
    np.testing.assert_array_equal(sol.x, res.x)
    assert sol.fun == res.fun == quad(sol.x)
    assert sol.nfev == res.nfev


def test_compiled_solve_stopped_by_max_time_reports_f_at_x():
    solve = fastgrad.compile_minimizer(quad, method="gd", lr=1e-9, max_iter=10**9, gtol=0.0,
                                       max_time=0.05)
    sol = solve(X0)
    assert sol.status == 5 and sol.nit > 0
    assert np.isfinite(sol.fun) and sol.fun == quad(sol.x)


def well(x):  # finite inside |x| <= 1.03 only
    if x[0] * x[0] + x[1] * x[1] > 1.03 ** 2:
        return np.inf
    return x[0] ** 2 + x[1] ** 2


def well_jac(x):
    return np.array([2.0 * x[0], 2.0 * x[1]])


def bowl(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2


def bowl_jac(x):
    return np.array([4.0 * (x[0] - 1.0), 2.0 * (x[1] - 0.5)])


@pytest.mark.parametrize(("f", "jac", "x0", "options"), [
    # f overflows at |x| ~ 1e154, its analytic jac only near 1e308
    (bowl, bowl_jac, [-1.2, 1.0], dict(method="gd", lr=5.0, max_iter=200)),
    (bowl, bowl_jac, [-1.2, 1.0], dict(method="nesterov", lr=5.0, max_iter=200)),
    # momentum overshoots out of the region where f is finite, and comes back
    (well, well_jac, [0.7, 0.7], dict(method="momentum", lr=0.8, max_iter=5000)),
    (well, "central", [0.7, 0.7], dict(method="momentum", lr=0.8, max_iter=5000)),
], ids=["gd-overflow", "nesterov-overflow", "momentum-region", "momentum-region-central"])
def test_divergence_is_found_where_a_run_that_values_every_iterate_finds_it(f, jac, x0,
                                                                         options):
    res = fastgrad.minimize(f, x0, jac=jac, **options)
    full = fastgrad.minimize(f, x0, jac=jac, history=True, **options)
    assert res.status == full.status == 2 and not res.success
    assert res.nit == full.nit
    np.testing.assert_array_equal(res.x, full.x)
