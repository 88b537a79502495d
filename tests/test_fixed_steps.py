"""The fixed-step methods' steps (gd, momentum, nesterov, adam; fastgrad.optimize.fixed_steps)
against a plain Python loop of the same updates over fastgrad.gradient: the same iterates, bit
for bit, and the same stop, whether the compiled loop takes its steps in one call or returns
to Python at every iteration (a callback), at every chunk of a long run, or runs a batch."""

from __future__ import annotations

import numba
import numpy as np
import pytest

import fastgrad

CHUNKED = 25_000
"""Steps enough to span more than one of the loop's chunks (the first ends after 10,000
evaluations of f, 1,667 steps here)."""


def quadratic(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + 0.5 * (x[2] + 4.0) ** 2


def quadratic_jac(x):
    return np.array([4.0 * (x[0] - 1.0), 2.0 * (x[1] - 0.5), x[2] + 4.0])


def gd(x, g, memory, lr, nit):
    return x - lr * g


def momentum(x, g, memory, lr, nit, mu=0.9):
    v = memory.setdefault("v", np.zeros_like(x))
    v[:] = mu * v - lr * g
    return x + v


def nesterov(x, g, memory, lr, nit, mu=0.9):
    v = memory.setdefault("v", np.zeros_like(x))
    v[:] = mu * v - lr * g
    return x + (mu * v - lr * g)


def adam(x, g, memory, lr, nit, b1=0.9, b2=0.999, eps=1e-8):
    m = memory.setdefault("m", np.zeros_like(x))
    v = memory.setdefault("v", np.zeros_like(x))
    t = nit + 1.0
    c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
    m[:] = b1 * m + (1.0 - b1) * g
    v[:] = b2 * v + (1.0 - b2) * g * g
    return x - lr * (m / c1) / (np.sqrt(v / c2) + eps)


UPDATES = {"gd": gd, "momentum": momentum, "nesterov": nesterov, "adam": adam}


def reference(method, x0, lr, gtol, max_iter, jac):
    """The run as the docstring of minimize states it: test ||g||_inf <= gtol, then
    max_iter, then step; the gradient by fastgrad.gradient (or the analytic jac)."""

    def grad(x):
        return quadratic_jac(x) if jac is quadratic_jac else fastgrad.gradient(
            quadratic, x, method=jac)

    x, memory, nit = np.array(x0, dtype=float), {}, 0
    g = grad(x)
    while True:
        if np.max(np.abs(g)) <= gtol:
            return x, nit, 0
        if nit >= max_iter:
            return x, nit, 1
        x = UPDATES[method](x, g, memory, lr, nit)
        g = grad(x)
        nit += 1


@pytest.mark.parametrize("method", list(UPDATES))
@pytest.mark.parametrize("jac", ["central", "forward", "central4", quadratic_jac])
@pytest.mark.parametrize("gtol, max_iter", [(1e-3, 10_000), (0.0, 300)])
def test_the_steps_are_those_of_the_plain_loop(method, jac, gtol, max_iter):
    x0 = np.array([3.0, -2.0, 1.0])
    want_x, want_nit, want_status = reference(method, x0, 0.05, gtol, max_iter, jac)
    res = fastgrad.minimize(quadratic, x0, method=method, lr=0.05, gtol=gtol,
                            max_iter=max_iter, jac=jac)
    assert (res.nit, res.status) == (want_nit, want_status)
    np.testing.assert_array_equal(res.x, want_x)
    assert res.fun == quadratic(want_x)


@pytest.mark.parametrize("jit", [None, False])  # compiled, and the Python engine
@pytest.mark.parametrize("method", list(UPDATES))
def test_returning_to_python_at_every_iteration_changes_nothing(method, jit):
    x0 = np.array([3.0, -2.0, 1.0])
    seen = []
    res = fastgrad.minimize(quadratic, x0, method=method, lr=0.05, gtol=1e-4, jit=jit,
                            callback=lambda r: seen.append(r.nit), callback_every=1)
    want_x, want_nit, want_status = reference(method, x0, 0.05, 1e-4, 1000, "central")
    assert (res.nit, res.status) == (want_nit, want_status)
    np.testing.assert_array_equal(res.x, want_x)
    assert seen == list(range(1, want_nit))  # while the run goes on: not at its end


@pytest.mark.parametrize("method", ["gd", "adam"])
def test_a_run_over_many_chunks_and_in_a_batch(method):
    """A long run (the loop returns to Python between its chunks) and the rows of a batch
    (a prange over the same loop) take the plain loop's steps."""
    starts = np.array([[3.0, -2.0, 1.0], [-1.0, 4.0, 0.0], [0.5, 0.5, -3.0]])
    lr = 1e-6  # slow enough that every start runs all CHUNKED steps
    single = fastgrad.minimize(quadratic, starts[0], method=method, lr=lr, gtol=0.0,
                               max_iter=CHUNKED)
    batch = fastgrad.minimize(quadratic, starts, method=method, lr=lr, gtol=0.0,
                              max_iter=CHUNKED)
    x = starts[0].copy()
    memory = {}
    for nit in range(CHUNKED):
        x = UPDATES[method](x, fastgrad.gradient(quadratic, x), memory, lr, nit)
    np.testing.assert_array_equal(single.x, x)
    np.testing.assert_array_equal(batch.x[0], x)
    assert single.nit == CHUNKED and list(batch.nit) == [CHUNKED] * 3
    # f at x0 and where it stopped, and 2n for each gradient, at x0 and at every step
    assert single.nfev == 2 + 6 * (CHUNKED + 1)


@pytest.mark.parametrize("method", list(UPDATES))
def test_history_and_tolerances_record_every_step(method):
    """history and ftol make the loop read f at each step: the steps, records and stop
    are the plain loop's."""
    x0 = np.array([3.0, -2.0, 1.0])
    res = fastgrad.minimize(quadratic, x0, method=method, lr=0.05, gtol=0.0, max_iter=40,
                            history=True, ftol=1e-300)
    want_x, want_nit, _ = reference(method, x0, 0.05, 0.0, 40, "central")
    assert res.nit == want_nit == 40
    np.testing.assert_array_equal(res.x, want_x)
    np.testing.assert_array_equal(res.x_history[-1], want_x)
    np.testing.assert_array_equal(res.f_history, [quadratic(x) for x in res.x_history])


def test_auto_takes_one_step_at_a_time_and_switches_scheme():
    """jac='auto' (forward differences, then central where they are too coarse) with gd: the
    run converges where the central gradient does, as the loop's tests demand."""
    x0 = np.array([3.0, -2.0, 1.0])
    res = fastgrad.minimize(quadratic, x0, method="gd", lr=0.1, gtol=1e-7, jac="auto")
    assert res.success
    assert np.max(np.abs(quadratic_jac(res.x))) <= 1e-6


def quadratic32(x):
    return np.float32(2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + 0.5 * (x[2] + 4.0) ** 2)


def raises_below_two(x):
    if x[0] < 2.0:
        raise ValueError("f is undefined below x0 = 2")
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + 0.5 * (x[2] + 4.0) ** 2


def wall_below_two(x):
    return np.inf if x[0] < 2.0 else (
        2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + 0.5 * (x[2] + 4.0) ** 2)


def reads_past_x(x):
    return (x[0] - 1.0) ** 2 + x[3] ** 2


def complex_valued(x):
    return (x[0] - 1.0) ** 2 + 1j * x[1]


@numba.njit(fastmath=True, error_model="numpy")
def fastmath_quadratic(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + 0.5 * (x[2] + 4.0) ** 2


@pytest.mark.parametrize("method", list(UPDATES))
def test_hostile_objectives_get_a_correct_number_or_a_clear_error(method):
    """Legal but nasty objectives through the fixed-step steps: a float32 f takes the plain
    loop's steps (with float32's larger automatic step, as fastgrad.gradient's); an f that
    raises or turns infinite at an iterate stops the run with that error or as diverged;
    reading past x and a complex value are refused with their reasons; an njit f with
    fastmath converges (||g|| <= gtol: x within gtol / 1, the smallest curvature, of the
    minimum)."""
    x0 = np.array([3.0, -2.0, 1.0])
    options = dict(method=method, lr=0.05)
    res = fastgrad.minimize(quadratic32, x0, gtol=0.0, max_iter=50, **options)
    x, memory = x0.copy(), {}
    for nit in range(50):
        x = UPDATES[method](x, fastgrad.gradient(quadratic32, x), memory, 0.05, nit)
    np.testing.assert_array_equal(res.x, x)
    with pytest.raises(ValueError, match="undefined below"):
        fastgrad.minimize(raises_below_two, x0, **options)
    res = fastgrad.minimize(wall_below_two, x0, **options)
    assert res.status == 2 and not res.success and "diverged" in res.message
    with pytest.raises(Exception, match=r"reads x\[3\]"):
        fastgrad.minimize(reads_past_x, x0, **options)
    with pytest.raises(Exception, match="must return a real scalar"):
        fastgrad.minimize(complex_valued, x0, **options)
    res = fastgrad.minimize(fastmath_quadratic, x0, gtol=1e-5, max_iter=100_000, **options)
    assert res.success
    np.testing.assert_allclose(res.x, [1.0, 0.5, -4.0], atol=2e-5)
