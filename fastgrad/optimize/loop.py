"""The one generic optimization loop, for one start and for a batch of starts.

Factories here take the objective and a gradient kernel ``*_into(x, scheme, steps, out,
args, f0)`` (``f0 = f(x)``, which the loop always has: the one-sided schemes use it, the others
ignore it) and return plain Python functions: compiled by :mod:`fastgrad._core.jit` for the Numba
engine, run as they are on the Python engine (one source for both). The methods' updates
(:mod:`fastgrad.optimize.methods`) do not depend on the objective: one compiled loop per objective
serves every method of a family (the searching methods, or the fixed-step ones: see
:func:`make_loop`), and the updates are compiled once for all objectives.

A run's state lives in arrays with a leading axis of starts, so that one start is row 0 of a
batch of one and a batched run calls the very same compiled single-start loop for each row,
one after another or in a ``prange`` over threads (row i of a batch therefore equals the
single run from ``x0[i]``, bit for bit, either way):

========  ===============  ===============================================================
array     shape            content
========  ===============  ===============================================================
X, G      (m, n)           iterate and gradient there
FV        (m, 9 + 8)       f at the iterate, f at x0, what a failed line search measured,
                           curvature, step factor and refined steps (see
                           :data:`fastgrad.optimize.columns.F`)
INFO      (m, 6)           nit, nfev, njev, status, complex-step fallbacks, scheme
STATE     (m, rows, n)     method memory (:mod:`fastgrad.optimize.methods`)
SCAL      (m, k)           method scalars
WORK      (m, 5, n)        direction, starting point and best gradient of the line search,
                           gradient at the previous iterate, components held (box loop)
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

from .._core.borrow import borrowed
from .._core.clock import clock
from .._core.jit import jit
from .._core.schemes import BACKWARD, CENTRAL, CENTRAL4, COMPLEX, FORWARD
from ..diff.steps import STENCIL_POINTS, scaled_steps
from .accuracy import (
    ANALYTIC, NOISE_FACTOR, SWITCH_FRACTION, forward_error, largest, make_masked, make_noise,
    make_table, predicted_decrease, refinable, takes_refinement,
)
from .columns import (
    CURVATURE, F, F0, FALLBACKS, FNOISE, GNOISE, MASKED, NFEV, NIT, NO_BOX, PREDICTED, REFINE,
    SCHEME, STATUS, STEP, STEPS,
)
from .evaluations import make_evaluate
from .linesearch import make_line_search
from .resolution import make_unresolved
from .stopping import checks_gtol, complex_unconfirmed, gtol_status, step_status
from .fixed_steps import gradient_norm, make_advance, record_iterate
from .methods import LBFGS, update
from .result import (
    CONVERGED, DIVERGED, LINE_SEARCH, MAX_ITER, NOISE, NOT_STARTED, RUNNING, UNRESOLVED,
)

UNLIMITED = 2**62
"""A budget of evaluations that no chunk reaches."""

CLOCK_SECONDS = 1e-3
"""With a deadline, the loop reads the clock about this often (it doubles the evaluations
between two reads while they come sooner, halves them when they come more than twice as
late): a run stops at most about this long, plus one iteration, after its deadline, and a read
(30 ns) costs well under 1% of the run."""


EVERY, SEARCHING, FIXED_STEP = "every", "searching", "fixed-step"
"""The families of methods a loop is built for (:func:`make_loop`'s ``family``): every
method, the searching ones (lbfgs, bfgs) or the fixed-step ones (gd, momentum, nesterov,
adam)."""


def family_of(method) -> str:
    """The family of :class:`~fastgrad.optimize.methods.Method` ``method``."""
    return SEARCHING if method.searches else FIXED_STEP


def make_loop(value, gradient, compile_, inline=None, stepping=None, family=EVERY):
    """The single-start loop (:func:`make_single`) over ``value`` and ``gradient``
    (:func:`~fastgrad.optimize.evaluations.make_value`, ``make_gradient``), every piece
    passed through ``compile_``: Numba's jit, or the identity for the Python engine; the
    small pieces the loop calls at every iteration (value, gradient, evaluate) through
    ``inline`` (Numba's jit with inlining, :func:`fastgrad._core.jit.jit_inline`; default
    ``compile_``). ``stepping``: the same gradient for the fixed-step methods' steps
    (:mod:`fastgrad.optimize.fixed_steps`), its kernel inlined whole (default
    ``gradient``).

    ``family``: the methods the loop runs (:data:`EVERY`, :data:`SEARCHING` or
    :data:`FIXED_STEP`). A loop for one family does not compile the other's part: the
    searching methods' loop has no fixed steps (``advance``), the fixed-step methods' has
    no line search (``iteration``); in their place a stub that raises if it is ever called.
    The first minimize of a new objective (Rosenbrock) took 16% less for lbfgs (8.0 to 6.8 s)
    and 30% less for gd (8.0 to 5.6 s) than with the loop of every method
    (``bench/compile_family.py``)."""
    inline = inline or compile_
    value, gradient = inline(value), inline(gradient)
    evaluate = inline(make_evaluate(value, gradient))
    table = compile_(make_table(value))
    noise = compile_(make_noise(table))
    if family == FIXED_STEP:
        iteration = not_searching
    else:
        search = compile_(make_line_search(value, gradient))
        masked = compile_(make_masked(table))
        iteration = compile_(make_iteration(evaluate, gradient, search, noise, masked))
    unresolved = compile_(make_unresolved(value))
    norm = inline(gradient_norm)
    if family == SEARCHING:
        advance = not_stepping
    else:
        stepping = evaluate if stepping is None else inline(
            make_evaluate(value, inline(stepping)))
        advance = compile_(make_advance(stepping, norm))
    return compile_(make_single(value, gradient, evaluate, iteration, noise, unresolved, advance,
                                norm))


@jit
def not_searching(x, g, fx, state, scalars, work, fv, info, method, params, nit, scheme, cost,
                  steps, args, settings):
    """The fixed-step loop's ``iteration`` (see :func:`make_loop`): it is never called."""
    if nit < UNLIMITED:  # (a return after the raise gives it iteration's types)
        raise RuntimeError("fastgrad: a searching method ran in the fixed-step methods' loop")
    return RUNNING, fx, scheme, cost


@jit
def not_stepping(x, g, fx, state, scalars, work, fv, info, xh, fh, method, params, nit, limit,
                 fev_stop, gtol, scheme, steps, args, cost, lazy, track, ftol, xtol, auto):
    """The searching loop's ``advance`` (see :func:`make_loop`): it is never called."""
    if nit < UNLIMITED:
        raise RuntimeError("fastgrad: a fixed-step method ran in the searching methods' loop")
    return nit, fx, RUNNING


def make_iteration(evaluate, gradient, search, noise, masked):
    """``iteration(x, g, fx, state, scalars, work, fv, info, method, params, nit, scheme,
    cost, steps, args, settings) -> (status, f, scheme, cost)``: one update of the method at
    ``x`` (where f is ``fx`` and the gradient ``g``), then the evaluation of the new iterate
    or the line search along the method's direction.

    When the line search fails: ``jac="auto"`` (``settings`` item 11) still on forward
    differences switches to central ones for good and the method proposes a direction again;
    then the gradient's error and the noise of f are measured
    (:mod:`fastgrad.optimize.accuracy`): a gradient within its error is a success
    (``NOISE``), unless a finer table shows a slope far above that error (``masked``,
    :func:`~fastgrad.optimize.accuracy.make_masked`: a pole or a jump in the table, not
    noise; its error and noise of f are then the ones measured); otherwise the method
    restarts along -g, and when that fails too the run stops with ``NOISE`` where the
    decrease predicted along -g is below the noise of f, else with ``LINE_SEARCH``. (A
    quasi-Newton direction's prediction proves nothing: a poor direction predicts a tiny
    decrease where -g finds a large one.) x, f and g are then those of the iterate the
    search started from. With the automatic step, ``jac="auto"`` refines its central step
    once in a run where the table of f it measures (at the switch to central differences, or
    at the noise test) says a refined one is :data:`~fastgrad.optimize.accuracy.REFINE_GAIN`
    times more accurate: the factor goes into ``fv[STEP]`` and the iteration returns
    ``REFINE`` (the loop takes the gradient again at the same iterate, with the new step).
    """
    # Long because the fallbacks of a failed search share the iteration's locals.

    def iteration(x, g, fx, state, scalars, work, fv, info, method, params, nit, scheme,
                  cost, steps, args, settings):
        # Long because it is the one iteration with its fallbacks (see make_iteration).
        c1, c2, max_ls, auto = settings[6], settings[7], settings[8], settings[11]
        n = x.shape[0]
        d, base, keep = work[0], work[1], work[2]
        restart = nit < 0  # False as a plain bool: a literal False would compile update again
        everywhere = nit < 0  # (and noise: Numba compiles a callee per literal argument)
        measured = restart
        while True:
            t = update(method, x, g, state, scalars, params, nit, d, restart)
            if t == 0.0:  # the method moved x: evaluate there
                fx, status = evaluate(x, g, scheme, steps, args, cost, info, nit < 0)
                return status, fx, scheme, cost
            slope = 0.0
            for i in range(n):
                slope += g[i] * d[i]
            status, first = LINE_SEARCH, np.nan
            if slope < 0.0:
                status, fx, first = search(x, g, base, d, keep, fx, slope, t, scheme, steps,
                                           args, cost, info, c1, c2, max_ls)
            if status != LINE_SEARCH:
                return status, fx, scheme, cost
            if auto and scheme == FORWARD:  # a more accurate gradient, the same iterate
                info[SCHEME] = CENTRAL  # read back, not a literal: Numba compiles a callee
                scheme, cost = info[SCHEME], STENCIL_POINTS[CENTRAL] * n  # per literal
                if refinable(fv[STEP], steps):  # the table says whether to refine the step
                    factor = noise(x, g, fx, NO_BOX, NO_BOX, scheme, steps, args, info,
                                   everywhere, n)[2]
                    if factor != 1.0:
                        fv[STEP] = factor
                        return REFINE, fx, scheme, cost
                status = gradient(x, g, scheme, steps, args, cost, info, fx)
                if status != RUNNING:
                    return status, fx, scheme, cost
                continue
            if not measured:  # is the gradient, or f, at the level of its own noise?
                measured = True
                error, noise_f, factor, _ = noise(x, g, fx, NO_BOX, NO_BOX,
                                                  scheme if cost > 0 else ANALYTIC, steps,
                                                  args, info, everywhere, n)
                fv[GNOISE] = error
                fv[FNOISE] = noise_f
                fv[MASKED] = np.nan  # (a mask of an earlier iteration's claim)
                if auto and takes_refinement(fv[STEP], steps, factor):
                    fv[STEP] = factor
                    return REFINE, fx, scheme, cost
                top = largest(g)  # its error is measured: the others' only if it is noise
                if abs(g[top]) <= NOISE_FACTOR * error < np.inf and (n == 1 or not noise(
                        x, g, fx, NO_BOX, NO_BOX, scheme if cost > 0 else ANALYTIC, steps,
                        args, info, not everywhere, top)[3] > NOISE_FACTOR):
                    fine, noise_fine, slope_fine = masked(x, fx, top, error, noise_f,
                                                          scheme, steps, args, info)
                    if not np.isfinite(slope_fine):
                        return NOISE, fx, scheme, cost  # every component at its noise level
                    fv[GNOISE] = fine  # the table's "noise" was f's shape (a pole, a jump):
                    fv[FNOISE] = noise_fine  # the finer table's measures instead
                    fv[MASKED] = slope_fine
            steepest = True  # the direction was -g: restarted, or the method's own
            for i in range(n):
                steepest = steepest and d[i] == -g[i]
            if not (restart or steepest):  # a quasi-Newton direction tells nothing of the
                restart = True  # noise of f: a poor one predicts a tiny decrease where -g
                continue  # finds a large one. Along -g first
            predicted = predicted_decrease(fx, slope, t, first) if slope < 0.0 else np.inf
            fv[PREDICTED] = predicted
            if predicted <= NOISE_FACTOR * fv[FNOISE] < np.inf:  # an inf noise is no
                return NOISE, fx, scheme, cost  # estimate (f overflowed): not a claim
            return LINE_SEARCH, fx, scheme, cost

    return iteration


def make_single(value, gradient, evaluate, iteration, noise, unresolved, advance, norm):
    """The loop of start ``r`` of the state arrays: test, iterate (:func:`make_iteration`),
    record, until it stops, reaches iteration ``stop`` or has evaluated f ``budget`` times in
    this call; returns the status (``RUNNING`` if the run goes on in a later call).

    With ``jac="auto"`` the automatic steps are those of the row, scaled by ``fv[STEP]``;
    turning to central differences may refine them (from the table of ``noise``, of
    :func:`fastgrad.optimize.accuracy.make_noise`). For an f of lower precision than
    float64 (whose automatic steps are large) and a finite-difference gradient,
    ``||g||_inf <= gtol`` counts only when the gradient's estimated error is at most gtol
    (:func:`fastgrad.optimize.stopping.gtol_status`, from the tables of ``noise``): otherwise
    ``jac="auto"`` refines the step (once) or the run stops with ``NOISE``, a success at the
    gradient's noise level. A claim whose differences rounding erased while a larger step
    shows f monotone across x (``unresolved``, :mod:`fastgrad.optimize.resolution`) stops
    with ``UNRESOLVED``, a failure.

    A fixed-step method (gd, momentum, nesterov, adam) takes its steps in ``advance``
    (:func:`fastgrad.optimize.fixed_steps.make_advance`, compiled apart so that its gradient
    kernel inlines): all those up to the next test here that may fail (gtol, max_iter,
    ``stop``, the budget, the next read of the clock), one at a time with ``jac="auto"``,
    whose tests switch the scheme. A fixed-step method whose finite-difference gradient does
    not use f at the iterate (central, central4, complex) and that has no ftol, xtol, history
    or ``jac="auto"`` runs lazy: f is valued at x0, before a claim of convergence and where
    the run stops, not at every iterate (the seeds' gd: 2n evaluations per step, not
    2n + 1). Where f is non-finite around x, the stencil meets it and the run diverges as
    before; an analytic jac may stay finite where f overflows, so it is never lazy.
    A chunk that ends with the run going on leaves ``fv[F]`` NaN (a running start's f is
    otherwise finite); ``stop = -1`` in ``settings`` values it and returns
    (:meth:`fastgrad.optimize.driver.Driver.refresh`, for Python's readers of f).

    ``settings = (scheme, cost, gtol, max_iter, stop, budget, c1, c2, max_linesearch, ftol,
    xtol, auto, deadline)`` (scalars only: a ``prange`` cannot pass nested tuples;
    ``deadline`` is a time of :func:`fastgrad._core.clock.clock`, ``inf`` for none; ``auto``
    is 1 for ``jac="auto"``, whose current scheme is kept in ``INFO[r, SCHEME]``); ``work``
    (:data:`~fastgrad.optimize.columns.WORK_ROWS`, n) holds the search direction, the point
    the line search starts from, the gradient at its best trial and the gradient at the
    previous iterate (the last row is the box loop's). The row is taken here, in
    compiled code, so that a single start costs Python no indexing. A start that has not
    been evaluated yet when the deadline has passed is not started (it returns
    ``NOT_STARTED``).
    """
    # Long because the loop is one compiled function: the tests, the iteration, the record and
    # the tolerances share its locals, and splitting it would pass the state through calls
    # per iteration.

    def single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
               settings):
        # Long because it is that one loop (see make_single).
        # x is the view the objective is given; the rest are fastgrad's own rows, borrowed
        # (fastgrad._core.borrow): no reference counting at every use in the loop
        x, g, fv, info = X[r], borrowed(G[r]), borrowed(FV[r]), borrowed(INFO[r])
        state, scalars = borrowed(STATE[r]), borrowed(SCAL[r])
        work, xh, fh = borrowed(WORK[r]), borrowed(XH[r]), borrowed(FH[r])
        params, shared = borrowed(params), borrowed(steps)
        own = fv[STEPS:]  # the row's refined steps, when they are. scaled_steps returns own
        steps = shared if fv[STEP] == 1.0 else own  # or shared: borrowed again below, else
        # the loop would count references to steps at every gradient (2 ns a step of gd)
        gtol, max_iter, stop, budget = settings[2], settings[3], settings[4], settings[5]
        ftol, xtol, auto, deadline = settings[9], settings[10], settings[11], settings[12]
        status = info[STATUS]
        refresh = stop < 0  # Driver.refresh: only f at a running start's unvalued iterate
        if status >= 0 or (refresh and status != RUNNING):
            return status
        timed = deadline < np.inf
        if timed and status == NOT_STARTED and clock() >= deadline:
            return status
        n = x.shape[0]
        searches = method >= LBFGS  # the quasi-Newton methods: a direction and a search
        track = ftol > 0.0 or xtol > 0.0 or auto != 0  # step_status has work to do
        scheme = info[SCHEME]
        # a scheme other than the run's own (auto's switches, a complex claim's central4):
        cost = settings[1] if scheme == settings[0] and not auto else STENCIL_POINTS[scheme] * n
        fev_stop = info[NFEV] + budget
        clock_at = info[NFEV]  # read the clock once this many evaluations have been made
        interval = 1
        last = -np.inf
        record = xh.shape[0] > 0
        # a fixed-step method whose finite-difference gradient ignores f(x) (its stencil
        # around x meets a non-finite f: an analytic jac would not), and which no test,
        # record or switch of scheme reads f for: f is valued only where the run stops (lazy)
        lazy = cost > 0 and not (searches or track or record or scheme == FORWARD
                                 or scheme == BACKWARD)
        if status == NOT_STARTED:
            fx, status = evaluate(x, g, scheme, steps, args, cost, info, n < 0)  # f0: valued
            fv[F] = fx
            fv[F0] = fx
            record_iterate(xh, fh, 0, x, fx)
        fx = fv[F]
        stale = np.isnan(fx) and status == RUNNING  # a running start's f is finite, or unvalued
        nit = info[NIT]
        base, previous = work[1], work[3]
        regrad = False  # the gradient at x again first (a new scheme or step)
        verify = False  # that gradient decides a complex-step claim
        everywhere = n > 0  # True as a plain bool: Numba compiles noise per literal argument
        while status == RUNNING and not refresh:
            if regrad:  # one call site: the gradient is inlined, each site compiles it
                regrad = False
                status = gradient(x, g, scheme, steps, args, cost, info, fx)
                if auto and scheme == BACKWARD:  # the check of a claim made on forward
                    for i in range(n):  # differences (kept in previous): central ones at
                        g[i] = 0.5 * (g[i] + previous[i])  # the same step
                    info[SCHEME] = CENTRAL  # for good
                    scheme, cost = info[SCHEME], STENCIL_POINTS[CENTRAL] * n
                continue
            gnorm = norm(g, gtol, auto)  # (gtol = 0: 0 or inf, see fixed_steps)
            if auto and scheme == FORWARD and forward_error(
                    x, fx, steps, fv[CURVATURE]) > SWITCH_FRACTION * gnorm:
                info[SCHEME] = CENTRAL  # for good (read back, not a literal: see iteration)
                scheme, cost = info[SCHEME], STENCIL_POINTS[CENTRAL] * n
                if refinable(fv[STEP], steps):  # the table says whether to refine the step
                    factor = noise(x, g, fx, NO_BOX, NO_BOX, scheme, steps, args, info,
                                   not everywhere, n)[2]
                    if factor != 1.0:
                        fv[STEP] = factor
                        steps = borrowed(scaled_steps(shared, factor, own))
                regrad = True
                continue
            if verify:  # central4's verdict on a complex-step claim: a refusal is reported
                verify = False  # with the complex step's warning (one component counted)
                info[FALLBACKS] += 1 if gnorm > gtol else 0
            if gnorm <= gtol:  # converged, unless gtol lies below the gradient's error
                if stale:  # a lazy run's f, for the claim's tests and its report
                    fx, stale = value(x, args, info), False
                    if not np.isfinite(fx):
                        status = DIVERGED
                        break
                if auto and scheme == FORWARD:  # forward differences err by h f''/2, which
                    for i in range(n):  # the curvature of the last steps may not show:
                        previous[i] = g[i]  # the claim is checked on central differences
                    info[SCHEME] = BACKWARD  # at the same step (n more evaluations)
                    scheme = info[SCHEME]
                    regrad = True
                    continue
                if scheme == COMPLEX and complex_unconfirmed(fx, n, gtol, steps, info):
                    info[SCHEME] = CENTRAL4  # the check cannot confirm gtol at this |f|:
                    scheme = info[SCHEME]  # central4 decides, and the run goes on with it
                    cost = STENCIL_POINTS[scheme] * n
                    verify = regrad = True
                    continue
                status = CONVERGED
                if checks_gtol(cost > 0, steps, scheme, auto):
                    error, noise_f, factor, _ = noise(x, g, fx, NO_BOX, NO_BOX, scheme,
                                                      steps, args, info, everywhere, n)
                    status = gtol_status(error, noise_f, factor, gtol, auto, steps, fv)
                if status != REFINE:
                    if cost > 0 and unresolved(x, g, fx, NO_BOX, NO_BOX, scheme, steps, args,
                                               info):
                        status = UNRESOLVED
                    break
                steps = borrowed(scaled_steps(shared, fv[STEP], own))
                status, regrad = RUNNING, True
                continue
            if nit >= max_iter:
                status = MAX_ITER
                break
            if nit >= stop or info[NFEV] >= fev_stop:
                break  # (a lazy f stays unvalued, NaN, until Driver.refresh)
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
            if not searches:  # a fixed-step method: its steps up to the next test that may
                # fail, in a function of their own (fixed_steps); with jac="auto" one step,
                # as the tests above switch its scheme
                nit, fx, status = advance(
                    x, g, fx, state, scalars, work, fv, info, xh, fh, method, params, nit,
                    nit + 1 if auto else min(max_iter, stop),
                    min(fev_stop, clock_at) if timed else fev_stop, gtol, scheme, steps, args,
                    cost, lazy, track, ftol, xtol, auto)
                stale = lazy
                continue
            fprev = fx
            for i in range(n):
                base[i] = x[i]
                previous[i] = g[i]
            status, fx, scheme, cost = iteration(x, g, fx, state, scalars, work, fv, info,
                                                 method, params, nit, scheme, cost, steps,
                                                 args, settings)
            info[SCHEME] = scheme
            if status == LINE_SEARCH or status == NOISE:  # x, f, g: the last iterate
                if status == NOISE and cost > 0 and unresolved(
                        x, g, fx, NO_BOX, NO_BOX, scheme, steps, args, info):
                    status = UNRESOLVED
                break
            if status == REFINE:  # x is the iterate: its gradient with the new step
                steps = borrowed(scaled_steps(shared, fv[STEP], own))
                status, regrad = RUNNING, True
                continue
            nit += 1
            record_iterate(xh, fh, nit, x, fx)
            if status == RUNNING and track:
                status = step_status(x, g, base, previous, fx, fprev, fv, ftol, xtol, auto)
        if stale and (status >= 0 or refresh):  # a lazy run stopped: its f (a chunk that
            # ends with the run going on, at its budget or the deadline, leaves it to refresh)
            fx = value(x, args, info)
            if not np.isfinite(fx):  # as evaluate would have said (no claim is made here:
                status = DIVERGED  # a claim values f before its tests)
        fv[F] = fx
        info[NIT] = nit
        info[STATUS] = status
        return status

    return single


def make_batched(single, pick=None):
    """Run ``single`` over the rows of a batch; compiled with ``parallel=True``. Returns the
    number of rows still running (or not started). ``pick(args, r)``, when given, gives row
    r its arguments (the rows of per-start data, :mod:`fastgrad.optimize.per_start`).

    ``finished[r]`` is set once row r has run its chunk: a row whose objective raised stays
    False (Numba does not carry an exception out of a parallel loop).
    """
    if pick is None:
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

    def batched_rows(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
                     settings, finished):
        left = 0
        for r in prange(X.shape[0]):
            status = single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params,
                            steps, pick(args, r), settings)
            finished[r] = True
            if status < 0:
                left += 1
        return left

    return batched_rows
