"""The one generic optimization loop, for one start and for a batch of starts.

Factories here take the objective and a gradient kernel ``*_into(x, scheme, steps, out,
args, f0)`` (``f0 = f(x)``, which the loop always has: the one-sided schemes use it, the others
ignore it) and return plain Python functions: compiled by :mod:`fastgrad._core.jit` for the Numba
engine, run as they are on the Python engine (one source for both). The methods' updates
(:mod:`fastgrad.optimize.methods`) do not depend on the objective: one compiled loop per objective
serves every method, and the updates are compiled once for all objectives.

A run's state lives in arrays with a leading axis of starts, so that one start is row 0 of a
batch of one and a batched run calls the very same compiled single-start loop for each row,
one after another or in a ``prange`` over threads (row i of a batch therefore equals the
single run from ``x0[i]``, bit for bit, either way):

========  ===============  ===============================================================
array     shape            content
========  ===============  ===============================================================
X, G      (m, n)           iterate and gradient there
FV        (m, 2)           f at the iterate, f at x0
INFO      (m, 5)           nit, nfev, njev, status, complex-step fallbacks
STATE     (m, rows, n)     method memory (:mod:`fastgrad.optimize.methods`)
SCAL      (m, k)           method scalars
WORK      (m, 2, n)        line search: direction and starting point
XH, FH    (m, H, n), (m,H) history (H = 0 without history); row j holds iterate j
========  ===============  ===============================================================

The loop runs until the run stops, reaches iteration ``stop``, has spent a budget of
evaluations of f, or has passed the deadline of ``max_time``, then returns: Python calls the
callback, checks the time limit and notices a KeyboardInterrupt between such chunks
(:mod:`fastgrad.minimize` sizes the budget so that a chunk lasts about 50 ms). The deadline is
also checked inside the loop, on :func:`fastgrad._core.clock.clock` read about every
:data:`CLOCK_SECONDS`, and before a start is first evaluated: a start that has not begun when
time is up is left untouched (status ``NOT_STARTED``). Every chunk leaves the whole state in
the arrays, so a run can stop between two chunks and still report its last iterate; a short
run is one call.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._core.clock import clock
from .._core.jit import jit_cached
from .._core.scalar import as_real
from ..diff.complex_step import extra_evaluations_of, fallbacks_of
from ..diff.kernels import ZERO_STEP
from .methods import update
from .result import (
    CONVERGED,
    DIVERGED,
    LINE_SEARCH,
    MAX_ITER,
    NOT_STARTED,
    RUNNING,
    STEP_TOO_SMALL,
)

NIT, NFEV, NJEV, STATUS, FALLBACKS = range(5)
"""Columns of INFO."""

UNLIMITED = 2**62
"""A budget of evaluations that no chunk reaches."""

CLOCK_SECONDS = 1e-3
"""With a deadline, the loop reads the clock about this often (it doubles the evaluations
between two reads while they come sooner, halves them when they come more than twice as
late): a run stops at most about this long, plus one iteration, after its deadline, and a read
(30 ns) costs well under 1% of the run."""


def make_value(f):
    """``value(x, args, info) -> f(x, *args)`` as a float, counted in ``info``."""

    def value(x, args, info):
        info[NFEV] += 1
        return as_real(f(x, *args))

    return value


def make_gradient(gradient_into):
    """``gradient(x, g, scheme, steps, args, cost, info, fx) -> status``: the kernel into
    ``g`` at ``x``, where f is ``fx``, counted (``cost`` evaluations of f per gradient) and
    checked."""

    def gradient(x, g, scheme, steps, args, cost, info, fx):
        code = gradient_into(x, scheme, steps, g, args, fx)
        info[NJEV] += 1
        info[NFEV] += cost
        if code > 0:  # complex step: components recomputed by central4, evaluations beyond
            info[NFEV] += extra_evaluations_of(code)  # the 2n + 4 counted in cost
            info[FALLBACKS] += fallbacks_of(code)
        if code == ZERO_STEP:
            return STEP_TOO_SMALL
        if code < 0:
            return DIVERGED
        for i in range(g.shape[0]):
            if not np.isfinite(g[i]):
                return DIVERGED
        return RUNNING

    return gradient


@jit_cached
def backtrack(t, ft, fx, slope):
    """Next trial step after ``t`` failed: the minimizer of the quadratic through f(0),
    f'(0) = slope and f(t), kept in [t/10, t/2]; t/10 when f(t) is not finite."""
    if not np.isfinite(ft):
        return 0.1 * t
    curvature = 2.0 * (ft - fx - slope * t)
    trial = -slope * t * t / curvature if curvature > 0.0 else 0.5 * t
    return min(max(trial, 0.1 * t), 0.5 * t)


def make_jac_into(jac):
    """Adapter giving an analytic ``jac(x, *args) -> (n,)`` the gradient kernels' signature."""

    def jac_into(x, scheme, steps, out, args, f0):
        value = jac(x, *args)
        if len(value) != x.shape[0]:  # checked at x0 in Python; here at every iterate
            raise ValueError(
                "jac must return an array of shape (n,), the shape of x: it returned another "
                "length at an iterate after x0"
            )
        for i in range(x.shape[0]):
            out[i] = value[i]
        return 0

    return jac_into


def make_evaluate(value, gradient):
    """``evaluate(x, g, scheme, steps, args, cost, info) -> (f(x), status)``: f at a new
    iterate and, where it is finite, the gradient there into ``g``; a non-finite f gives a
    NaN gradient and ``DIVERGED``."""

    def evaluate(x, g, scheme, steps, args, cost, info):
        fx = value(x, args, info)
        if not np.isfinite(fx):
            for i in range(x.shape[0]):
                g[i] = np.nan
            return fx, DIVERGED
        return fx, gradient(x, g, scheme, steps, args, cost, info, fx)

    return evaluate


def make_loop(value, gradient, compile_):
    """The single-start loop (:func:`make_single`) over ``value`` (:func:`make_value`) and
    ``gradient`` (:func:`make_gradient`), every piece passed through ``compile_``: Numba's
    jit, or the identity for the Python engine."""
    value, gradient = compile_(value), compile_(gradient)
    return compile_(make_single(value, gradient, compile_(make_evaluate(value, gradient))))


def make_single(value, gradient, evaluate):
    """The loop of start ``r`` of the state arrays: test, update, evaluate, record, until it
    stops, reaches iteration ``stop`` or has evaluated f ``budget`` times in this call;
    returns the status (``RUNNING`` if the run goes on in a later call).

    ``settings = (scheme, cost, gtol, max_iter, stop, budget, c1, max_linesearch,
    deadline)`` (scalars only: a ``prange`` cannot pass nested tuples; ``deadline`` is a time
    of :func:`fastgrad._core.clock.clock`, ``inf`` for none); ``work`` (2, n) holds the search
    direction and the point the line search starts from. The row is taken here, in compiled
    code, so that a single start costs Python no indexing. A start that has not been
    evaluated yet when the deadline has passed is not started (it returns ``NOT_STARTED``).
    """
    # Long because the loop is one compiled function: test, update, evaluation, line search and
    # record share its locals, and splitting it would pass the state through calls per iteration.

    def single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
               settings):
        # Long because it is that one loop (see make_single).
        x, g, fv, info, state, scalars = X[r], G[r], FV[r], INFO[r], STATE[r], SCAL[r]
        work, xh, fh = WORK[r], XH[r], FH[r]
        scheme, cost, gtol, max_iter, stop, budget, c1, max_ls, deadline = settings
        status = info[STATUS]
        if status >= 0:
            return status
        timed = deadline < np.inf
        if timed and status == NOT_STARTED and clock() >= deadline:
            return status
        fev_stop = info[NFEV] + budget
        clock_at = info[NFEV]  # read the clock once this many evaluations have been made
        interval = 1
        last = -np.inf
        n = x.shape[0]
        record = xh.shape[0] > 0
        if status == NOT_STARTED:
            fx, status = evaluate(x, g, scheme, steps, args, cost, info)
            fv[0] = fx
            fv[1] = fx
            if record:
                for i in range(n):
                    xh[0, i] = x[i]
                fh[0] = fx
        fx = fv[0]
        nit = info[NIT]
        d = work[0]
        base = work[1]
        while status == RUNNING:
            gnorm = 0.0
            for i in range(n):
                gnorm = max(gnorm, abs(g[i]))
            if gnorm <= gtol:
                status = CONVERGED
                break
            if nit >= max_iter:
                status = MAX_ITER
                break
            if nit >= stop or info[NFEV] >= fev_stop:
                break
            if timed and info[NFEV] >= clock_at:
                now = clock()
                if now >= deadline:
                    break
                if now - last < CLOCK_SECONDS:
                    interval *= 2
                elif now - last > 2.0 * CLOCK_SECONDS and interval > 1:
                    interval //= 2
                last = now
                clock_at = info[NFEV] + interval
            for i in range(n):
                base[i] = x[i]
            for attempt in range(2):  # the second, if any, restarts the method
                t = update(method, x, g, state, scalars, params, nit, d, attempt == 1)
                if t == 0.0:  # the method moved x: evaluate there
                    fx, status = evaluate(x, g, scheme, steps, args, cost, info)
                    break
                # backtracking line search along d from base: f must decrease
                status = LINE_SEARCH
                slope = 0.0
                for i in range(n):
                    slope += g[i] * d[i]
                if slope < 0.0:
                    for _ in range(max_ls):
                        for i in range(n):
                            x[i] = base[i] + t * d[i]
                        ft = value(x, args, info)
                        if ft < fx and ft <= fx + c1 * t * slope:
                            fx = ft
                            status = gradient(x, g, scheme, steps, args, cost, info, fx)
                            break
                        t = backtrack(t, ft, fx, slope)
                if status != LINE_SEARCH:
                    break
                steepest = True
                for i in range(n):
                    x[i] = base[i]
                    steepest = steepest and d[i] == -g[i]
                if steepest:  # a restart would search along the same direction
                    break
            if status == LINE_SEARCH:  # x, f and g are those of the last iterate
                break
            nit += 1
            if record:
                for i in range(n):
                    xh[nit, i] = x[i]
                fh[nit] = fx
        fv[0] = fx
        info[NIT] = nit
        info[STATUS] = status
        return status

    return single


def make_batched(single):
    """Run ``single`` over the rows of a batch; compiled with ``parallel=True``. Returns the
    number of rows still running (or not started).

    ``finished[r]`` is set once row r has run its chunk: a row whose objective raised stays
    False (Numba does not carry an exception out of a parallel loop).
    """

    def batched(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
                settings, finished):
        left = 0
        for r in prange(X.shape[0]):
            status = single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params,
                            steps, args, settings)
            finished[r] = True
            if status < 0:
                left += 1
        return left

    return batched
