"""The steps of the fixed-step methods (gd, momentum, nesterov, adam), compiled apart from
the loop of :mod:`fastgrad.optimize.loop`.

The loop is one large compiled function (its tests, the line search's fallbacks, the claims
of convergence), and in a function that large the compiler does not inline the gradient
kernel's inner loop into it: every step of gd paid a call of the kernel, 21.6 ns a step of
the seeds' example against the hand-written floor's 17.0 (``bench/loop_per_iteration.py``).
In :func:`make_advance`'s small function the whole kernel (its ``deep`` inline form,
:meth:`fastgrad._core.objective.Objective.inline_kernel`) and the update make one loop:
18.1 ns a step. The loop calls it for all the steps between two of its own tests, so the call
costs once per chunk, not once per step (with ``jac="auto"``, once per step). Its compile
time is the price: the first ``minimize`` of a new objective took 0.5 s more with Numba's
disk cache of fastgrad's helpers filled (5.9 to 6.4 s), 0.9 s more with it empty (9.6 to
10.4 s), when one loop served every method. Only the fixed-step methods' loop compiles it now
(:func:`fastgrad.optimize.loop.make_loop`'s ``family``), and that loop has no line search.
"""

from __future__ import annotations

import numpy as np

from .._core.borrow import borrowed
from .._core.jit import jit_cached
from .columns import NFEV
from .methods import (
    GD, MOMENTUM, NESTEROV, adam_update, gd_update, momentum_update, nesterov_update,
)
from .result import RUNNING
from .stopping import step_status


def gradient_norm(g, gtol, auto):
    """What the loop compares with gtol: ``||g||_inf``, or with ``gtol = 0`` (and no
    ``jac="auto"``, which reads the norm) 0 for a zero gradient and inf for any other (the
    first nonzero component decides, with no maximum to take). g is finite here."""
    gnorm = 0.0
    if gtol > 0.0 or auto:
        for i in range(g.shape[0]):
            gnorm = max(gnorm, abs(g[i]))
    else:
        for i in range(g.shape[0]):
            if g[i] != 0.0:
                return np.inf
    return gnorm


@jit_cached
def record_iterate(xh, fh, nit, x, fx):
    """Row ``nit`` of a run's history: the iterate x and f there (a run without history has
    no rows, and records nothing)."""
    if xh.shape[0] > 0:
        for i in range(x.shape[0]):
            xh[nit, i] = x[i]
        fh[nit] = fx


def make_advance(evaluate, norm):
    """``advance(x, g, fx, state, scalars, work, fv, info, xh, fh, method, params, nit,
    limit, fev_stop, gtol, scheme, steps, args, cost, lazy, track, ftol, xtol, auto) ->
    (nit, fx, status)``: steps of a fixed-step method from iterate ``nit`` (x, where f is
    ``fx`` and the gradient ``g``), which has passed the loop's tests. Each step moves x by
    the method's update and evaluates there (``evaluate``, of
    :func:`~fastgrad.optimize.evaluations.make_evaluate`, ``lazy`` as the loop's), records
    the iterate in ``xh``, ``fh`` (none when they have no rows) and, with ``track``, tests
    ftol and xtol (:func:`~fastgrad.optimize.stopping.step_status`). It returns after the
    first step that stops the run, reaches iteration ``limit`` or ``fev_stop`` evaluations of
    f, or brings ``norm(g, gtol, auto)`` to at most gtol (:func:`gradient_norm`): the loop
    then makes that test again and acts on it, so the run is the one the loop would make
    step by step, bit for bit."""

    def advance(x, g, fx, state, scalars, work, fv, info, xh, fh, method, params, nit, limit,
                fev_stop, gtol, scheme, steps, args, cost, lazy, track, ftol, xtol, auto):
        # fastgrad's own arrays, borrowed (fastgrad._core.borrow): the evaluation and the
        # update inline here, and would count references to each at every step
        g, state, scalars, work = borrowed(g), borrowed(state), borrowed(scalars), borrowed(work)
        fv, info, xh, fh = borrowed(fv), borrowed(info), borrowed(xh), borrowed(fh)
        params, steps = borrowed(params), borrowed(steps)
        n = x.shape[0]
        direction, base, previous = work[0], work[1], work[3]
        record = xh.shape[0] > 0
        while True:
            fprev = fx
            if track:
                for i in range(n):
                    base[i] = x[i]
                    previous[i] = g[i]
            # direct calls (as the box loop's): a small update compiles to no call at all,
            # where a call of a shared dispatch of the four costs 3.5 ns a step, and
            # methods.update's of all six as much as gd's update (bench/warm_ab.py)
            if method == GD:
                gd_update(x, g, state, scalars, params, nit, direction, nit < 0)
            elif method == MOMENTUM:
                momentum_update(x, g, state, scalars, params, nit, direction, nit < 0)
            elif method == NESTEROV:
                nesterov_update(x, g, state, scalars, params, nit, direction, nit < 0)
            else:
                adam_update(x, g, state, scalars, params, nit, direction, nit < 0)
            fx, status = evaluate(x, g, scheme, steps, args, cost, info, lazy)
            nit += 1
            if record:  # here, not record_iterate: a call at every step costs 10 ns
                for i in range(n):
                    xh[nit, i] = x[i]
                fh[nit] = fx
            if status == RUNNING and track:
                status = step_status(x, g, base, previous, fx, fprev, fv, ftol, xtol, auto)
            if status != RUNNING or nit >= limit or info[NFEV] >= fev_stop:
                return nit, fx, status
            if norm(g, gtol, auto) <= gtol:
                return nit, fx, status

    return advance
