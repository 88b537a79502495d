"""The optimization loop within bounds: ``minimize(..., bounds=)``.

A separate compiled variant of :mod:`fastgrad.optimize.loop`, built only when bounds are
given (the loop without bounds stays as it is, bit for bit and as fast). The state arrays are
those of :mod:`fastgrad.optimize.loop` plus ``LB`` and ``UB`` (m, n), the box of each start
(shared bounds are broadcast), so a batch may give each start its own box.

f is never evaluated outside ``[lb, ub]``: the iterate is projected into the box after every
update, every trial point of the line search is projected, and the finite-difference
gradient is the bounded one of :mod:`fastgrad.diff.bounded_kernels` (one-sided or shrunk
stencils next to a bound, :func:`fastgrad.diff.bounds.bounded_step`).

* gd, momentum, nesterov, adam: the method's update, then ``x <- P(x)`` (P: the projection
  onto the box, ``min(max(x, lb), ub)``).
* lbfgs, bfgs: a projected quasi-Newton method (Bertsekas' projected Newton, with the
  L-BFGS / BFGS inverse Hessian H): the active set A holds the coordinates at a bound whose
  gradient points out of the box (``x_i = lb_i, g_i > 0`` or ``x_i = ub_i, g_i < 0``); the
  direction is ``d = -H g_F`` with the active components of g zeroed before and those of d
  after (so an active coordinate does not move: no zig-zag on a bound), or the projected
  steepest descent when that is not a descent direction. The step is a projected
  backtracking search along ``x(t) = P(x + t d)`` from t = 1 (the first iteration: at most
  1 in every coordinate), accepted at ``f(x(t)) <= f(x) + c1 g'(x(t) - x)`` and
  ``f(x(t)) < f(x)``; a rejected trial is replaced by the minimizer of the quadratic through
  ``f(x)``, the slope ``g'(x(t) - x) / t`` and ``f(x(t))``, kept in ``[0.1 t, 0.5 t]``,
  or extended (``make_box_search``). The curvature pairs are those of the full gradient,
  kept only when ``s'y > 0``.

The run converges (status 0) when the projected gradient ``||P(x - g) - x||_inf <= gtol``
(for an f of lower precision than float64, whose automatic steps are large, and a
finite-difference gradient, only when the estimated error of that gradient,
:func:`~fastgrad.optimize.accuracy.make_noise`, is at most gtol; otherwise
``jac="auto"`` refines the step once, as in the loop without bounds, or the run stops with
``NOISE``, a success at the gradient's noise level).
``jac="auto"`` switches from forward to central differences for good as in the loop
without bounds, with the changes of :mod:`fastgrad.optimize.boxaccuracy`, and also when
the search fails on forward differences; then the method restarts along the projected
steepest descent; when that fails too, the run stops: with ``NOISE`` (a success) if the
decrease the last trial predicted, ``-g'(x(t) - x)``, was below the rounding of f (``eps
|f|``, eps the unit roundoff of f's values, float32's for a float32 f: about what no trial
can show), otherwise with ``LINE_SEARCH``. The loop's own rows are borrowed views (see
:mod:`fastgrad._core.borrow`), as in :mod:`fastgrad.optimize.loop`.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._core.borrow import borrowed
from .._core.clock import clock
from .._core.jit import jit_cached
from .._core.schemes import CENTRAL, FORWARD
from ..diff.kernels import ZERO_STEP
from ..diff.steps import scaled_steps, value_eps
from .accuracy import SWITCH_FRACTION, make_noise, make_table
from .boxaccuracy import ERROR_MARGIN, box_forward_error, free_curvature, needs_central
from .columns import (CURVATURE, F, F0, FNOISE, NFEV, NIT, NJEV, PNORM, PREDICTED, REFINE,
                      SCHEME, STATUS, STEP, STEPS)
from .loop import CLOCK_SECONDS
from .stopping import checks_gtol, gtol_status, step_status
from .projection import is_active, project, projected_norm
from .methods import (GD, LBFGS, MOMENTUM, NESTEROV, adam_update, gd_update, momentum_update,
                      nesterov_update, update)
from .result import (CONVERGED, DIVERGED, LINE_SEARCH, MAX_ITER, NOISE, NOT_STARTED, RUNNING,
                     STEP_TOO_SMALL)

QN_BEYOND = 4.0
"""A quasi-Newton step on forward differences accepted at once is extended (as a steepest
descent step is) when the quadratic through ``f(x)``, the slope and f at the trial has its
minimizer beyond this many times the trial step (a valley not learnt yet, a bound far away;
beyond 1, most extensions fail and cost an evaluation each). Not on central differences:
near the noise of the gradient, "decreases" along noisy directions would go on forever."""
EXPAND = 4.0
EXPAND_MAX = 100.0
"""A projected steepest descent step accepted at once is tried longer: by the factor to
the minimizer of a quadratic model along the path, kept in ``[EXPAND, EXPAND_MAX]``."""

BACKTRACK_LOW = 0.1
BACKTRACK_HIGH = 0.5
"""A rejected trial step t is replaced by one in ``[0.1 t, 0.5 t]``."""


@jit_cached
def previous_row(method, params, n):
    """The row of the state of lbfgs or bfgs that holds the previous x (the previous
    gradient is the next row)."""
    return 2 * int(params[1]) if method == LBFGS else n


@jit_cached
def restore_previous_gradient(method, state, params, g):
    """Put the full gradient ``g`` back as the previous gradient of lbfgs or bfgs (the
    second, reduced call of the update stored the reduced one; see ``box_direction``)."""
    n = g.shape[0]
    row = previous_row(method, params, n) + 1
    for i in range(n):
        state[row, i] = g[i]


@jit_cached
def held_gradient(x, g, lo, hi, state, row, restart, out):
    """``g`` into ``out``, except that a coordinate which stayed on its bound since the
    previous x (state row ``row``; the previous gradient is row ``row + 1``) keeps its
    previous gradient component: the curvature pair the update stores then has ``y_i = 0``
    where ``s_i = 0``, and describes f on the free coordinates only (the change of the
    gradient of a coordinate held on a bound says nothing about the curvature along the
    step). Returns True if some component was replaced."""
    changed = False
    for i in range(x.shape[0]):
        out[i] = g[i]
        if not restart and x[i] == state[row, i] and (x[i] <= lo[i] or x[i] >= hi[i]):
            out[i] = state[row + 1, i]
            changed = changed or out[i] != g[i]
    return changed


@jit_cached
def box_direction(method, x, g, lo, hi, state, scalars, params, nit, d, reduced, restart):
    """The direction of the projected quasi-Newton step into ``d``, its first trial step
    and whether it is the projected steepest descent (see the module docstring);
    ``reduced`` (n,) is work space for the reduced gradient.

    The update is called with the full gradient (it stores the curvature pair of the last
    step and the previous gradient), but with the previous gradient component on the
    coordinates that stayed on a bound (:func:`held_gradient`); when some coordinate is
    active, or a component was replaced, it is called once more with the reduced gradient
    (at the same x: ``s = 0`` stores no pair), which gives ``d = -H g_F``, and the full
    gradient is put back as the previous one."""
    n = x.shape[0]
    held_on_bound = held_gradient(x, g, lo, hi, state, previous_row(method, params, n),
                                  restart, reduced)
    t = update(method, x, reduced, state, scalars, params, nit, d, restart)
    active = 0
    for i in range(n):
        if is_active(x[i], g[i], lo[i], hi[i]):
            reduced[i] = 0.0
            active += 1
        else:
            reduced[i] = g[i]
    if active > 0 or held_on_bound:
        # nit < 0 is False as a plain bool: a literal False would compile update again
        t = update(method, x, reduced, state, scalars, params, nit, d, nit < 0)
        restore_previous_gradient(method, state, params, g)
        for i in range(n):
            if reduced[i] == 0.0 and g[i] != 0.0:
                d[i] = 0.0
    slope = 0.0
    steepest = True
    for i in range(n):
        slope += g[i] * d[i]
        steepest = steepest and d[i] == -reduced[i]
    if slope < 0.0:
        return t, steepest
    gmax = 0.0  # not a descent direction: the projected steepest descent
    for i in range(n):
        d[i] = -reduced[i]
        gmax = max(gmax, abs(reduced[i]))
    return (min(1.0, 1.0 / gmax) if gmax > 0.0 else 1.0), True


def make_box_gradient(kernel):
    """``gradient(x, g, scheme, steps, lo, hi, args, info, fx) -> status``: the bounded
    kernel ``kernel(x, scheme, steps, lo, hi, out, args, f0) -> evaluations or status``
    (:func:`fastgrad.diff.bounded_kernels.make_bounded_gradient_at`, or an analytic jac
    adapted, which makes none) into ``g``, counted and checked."""

    def gradient(x, g, scheme, steps, lo, hi, args, info, fx):
        code = kernel(x, scheme, steps, lo, hi, g, args, fx)
        info[NJEV] += 1
        if code >= 0:
            info[NFEV] += code
        if code == ZERO_STEP:
            return STEP_TOO_SMALL
        if code < 0:
            return DIVERGED
        for i in range(g.shape[0]):
            if not np.isfinite(g[i]):
                return DIVERGED
        return RUNNING

    return gradient


def make_box_jac(jac_into):
    """An analytic gradient ``jac_into(x, scheme, steps, out, args, f0)`` (see
    :func:`fastgrad.optimize.loop.make_jac_into`) with the bounded kernels' signature; it
    evaluates f nowhere."""

    def box_jac(x, scheme, steps, lo, hi, out, args, f0):
        jac_into(x, scheme, steps, out, args, f0)
        return 0

    return box_jac


def make_box_evaluate(value, gradient):
    """``evaluate(x, g, scheme, steps, lo, hi, args, info) -> (f(x), status)``."""

    def evaluate(x, g, scheme, steps, lo, hi, args, info):
        fx = value(x, args, info)
        if not np.isfinite(fx):
            for i in range(x.shape[0]):
                g[i] = np.nan
            return fx, DIVERGED
        return fx, gradient(x, g, scheme, steps, lo, hi, args, info, fx)

    return evaluate


def make_box_extend(value):
    """``extend(x, base, d, ft, t, lo, hi, args, info, max_ls, best) -> f``: from the
    accepted trial ``x = P(base + t d)`` (f there ``ft``), longer trials while they decrease
    f and move x; x is left at the best of them. The first two are :data:`EXPAND` times
    longer each; from then on each goes to the minimizer of the quadratic in t through the
    last three trials, kept within :data:`EXPAND` to :data:`EXPAND_MAX` times the last
    trial step (:data:`EXPAND` times where the quadratic has no minimizer). Trials, not
    ``base``: where the path bends at a bound, the trials beyond the bend lie on one
    quadratic, whose minimizer may be far (a coordinate with a small gradient that must
    travel far, as in HS 3)."""

    def extend(x, base, d, ft, t, lo, hi, args, info, max_ls, best):
        n = x.shape[0]
        t1 = f1 = t2 = f2 = 0.0  # the two trials before (t, ft), from the third one on
        for k in range(max_ls):
            for i in range(n):
                best[i] = x[i]
            factor = EXPAND
            if k > 1:  # the quadratic through (t1, f1), (t2, f2), (t, ft)
                a = ((ft - f2) / (t - t2) - (f2 - f1) / (t2 - t1)) / (t - t1)
                if a > 0.0:
                    at = t2 + t - (ft - f2) / ((t - t2) * a)  # twice its minimizer
                    factor = min(max(0.5 * at / t, EXPAND), EXPAND_MAX)
            t1, f1 = t2, f2
            t2, f2 = t, ft
            t *= factor
            moved = False
            for i in range(n):
                x[i] = min(max(base[i] + t * d[i], lo[i]), hi[i])
                moved = moved or x[i] != best[i]
            if not moved:
                break
            fe = value(x, args, info)
            if not (fe < ft):
                break
            ft = fe
        for i in range(n):
            x[i] = best[i]
        return ft

    return extend


def make_box_search(value, gradient, extend):
    """``search(x, g, base, d, fx, t, lo, hi, scheme, steps, args, info, c1, max_ls, fv,
    expand, best) -> (status, f)``: the projected backtracking search (module docstring).
    On success x, f and g are those of the accepted point; on failure x is ``base`` again
    and ``fv[PREDICTED]`` the decrease the last trial predicted. ``expand`` > 0: an
    accepted trial is followed by longer trials while they decrease f further and still
    move x (values only; ``best`` (n,) holds the best point; see ``make_box_extend``), if
    the quadratic through ``f(x)``, the slope and f at the trial has its minimizer beyond
    ``expand`` times the trial step (1 for a steepest descent step, whose length the method
    does not know; :data:`QN_BEYOND` for a quasi-Newton one on forward differences). The
    caller takes the gradient at the accepted point."""

    def search(x, g, base, d, fx, t, lo, hi, scheme, steps, args, info, c1, max_ls, fv,
               expand, best):
        n = x.shape[0]
        predicted = np.inf
        for _ in range(max_ls):
            decrease = 0.0
            moved = False
            for i in range(n):
                xi = min(max(base[i] + t * d[i], lo[i]), hi[i])
                x[i] = xi
                decrease += g[i] * (xi - base[i])
                moved = moved or xi != base[i]
            predicted = -decrease
            if not moved or predicted <= value_eps(steps) * abs(fx):
                break  # no trial can show a decrease this small
            ft = value(x, args, info)
            if np.isfinite(ft) and ft <= fx + c1 * decrease and ft < fx:
                # the quadratic through f(x), the slope and f(x(t)) has its minimizer at
                # -decrease / curvature times t: expand only if that is beyond expand t
                if expand > 0.0 and -decrease > expand * 2.0 * (ft - fx - decrease):
                    ft = extend(x, base, d, ft, t, lo, hi, args, info, max_ls, best)
                return RUNNING, ft
            trial = BACKTRACK_LOW * t
            if np.isfinite(ft) and decrease < 0.0:
                curvature = 2.0 * (ft - fx - decrease)  # of f(x(s t)) in s, at s = 1
                if curvature > 0.0:
                    trial = -decrease / curvature * t
            t = min(max(trial, BACKTRACK_LOW * t), BACKTRACK_HIGH * t)
        for i in range(n):
            x[i] = base[i]
        fv[PREDICTED] = predicted
        return LINE_SEARCH, fx

    return search


def make_box_iteration(evaluate, gradient, search):
    """``iteration(x, g, fx, lo, hi, state, scalars, work, fv, info, method, params, nit,
    scheme, cost, steps, args, settings) -> (status, f, scheme)``: one projected
    quasi-Newton step, with the fallbacks of a failed search (module docstring)."""

    def iteration(x, g, fx, lo, hi, state, scalars, work, fv, info, method, params, nit,
                  scheme, steps, args, settings, predicted):
        c1, max_ls, auto = settings[6], settings[8], settings[11]
        d, base, reduced = work[0], work[1], work[2]
        restart = nit < 0  # False as a plain bool (see loop.make_iteration)
        while True:
            t, steepest = box_direction(method, x, g, lo, hi, state, scalars, params, nit, d,
                                        reduced, restart)
            status, fx = search(x, g, base, d, fx, t, lo, hi, scheme, steps, args, info, c1,
                                max_ls, fv, 1.0 if steepest else
                                QN_BEYOND if scheme == FORWARD else 0.0, reduced)
            if status != LINE_SEARCH:
                if auto and scheme == FORWARD and needs_central(
                        x, g, fx, lo, hi, steps, fv[CURVATURE], predicted, settings[2]):
                    info[SCHEME] = CENTRAL  # for good, before the forward gradient is taken
                    scheme = info[SCHEME]  # (not a literal: Numba compiles a callee per literal)
                return gradient(x, g, scheme, steps, lo, hi, args, info, fx), fx, scheme
            if auto and scheme == FORWARD:  # a more accurate gradient, the same iterate
                info[SCHEME] = CENTRAL
                scheme = info[SCHEME]
                status = gradient(x, g, scheme, steps, lo, hi, args, info, fx)
                if status != RUNNING:
                    return status, fx, scheme
                continue
            if restart:
                rounding = value_eps(steps) * abs(fx)  # float32's for a float32 f
                if fv[PREDICTED] <= rounding:
                    fv[FNOISE] = rounding
                    return NOISE, fx, scheme
                return LINE_SEARCH, fx, scheme
            restart = True

    return iteration


def make_box_loop(value, kernel, compile_, inline=None):
    """The single-start loop within bounds (:func:`make_box_single`) over ``value``
    (:func:`fastgrad.optimize.loop.make_value`) and a bounded gradient kernel (see
    :func:`make_box_gradient`), compiled as :func:`fastgrad.optimize.loop.make_loop`."""
    inline = inline or compile_
    value = inline(value)
    gradient = inline(make_box_gradient(kernel))
    evaluate = inline(make_box_evaluate(value, gradient))
    search = compile_(make_box_search(value, gradient, compile_(make_box_extend(value))))
    iteration = compile_(make_box_iteration(evaluate, gradient, search))
    noise = compile_(make_noise(compile_(make_table(value))))
    return compile_(make_box_single(gradient, evaluate, iteration, noise))


def make_box_single(gradient, evaluate, iteration, noise):
    """The loop of start ``r`` within its box ``LB[r], UB[r]``: the loop of
    :func:`fastgrad.optimize.loop.make_single` (same settings, state, chunks, deadline,
    record, and check of gtol against the gradient's error by ``noise``) with the
    projections and the projected-gradient test of the module docstring. x0 must lie in the
    box (``minimize`` projects it)."""
    # Long because, as loop.make_single, the loop is one compiled function whose tests,
    # iteration and record share its locals.

    def single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, LB, UB, method, params, steps,
               args, settings):
        # Long because it is that one loop (see make_box_single).
        x, g, fv, info = X[r], borrowed(G[r]), borrowed(FV[r]), borrowed(INFO[r])
        state, scalars, work = borrowed(STATE[r]), borrowed(SCAL[r]), borrowed(WORK[r])
        xh, fh, lo, hi = borrowed(XH[r]), borrowed(FH[r]), borrowed(LB[r]), borrowed(UB[r])
        params, shared = borrowed(params), borrowed(steps)
        own = fv[STEPS:]  # the row's refined steps, when they are
        steps = shared if fv[STEP] == 1.0 else own
        gtol, max_iter, stop, budget = settings[2], settings[3], settings[4], settings[5]
        ftol, xtol, auto, deadline = settings[9], settings[10], settings[11], settings[12]
        status = info[STATUS]
        if status >= 0:
            return status
        timed = deadline < np.inf
        if timed and status == NOT_STARTED and clock() >= deadline:
            return status
        n = x.shape[0]
        searches = method >= LBFGS
        track = ftol > 0.0 or xtol > 0.0 or auto != 0
        scheme = info[SCHEME]
        fev_stop = info[NFEV] + budget
        clock_at = info[NFEV]
        interval = 1
        last = -np.inf
        record = xh.shape[0] > 0
        if status == NOT_STARTED:
            fx, status = evaluate(x, g, scheme, steps, lo, hi, args, info)
            fv[F] = fx
            fv[F0] = fx
            if record:
                for i in range(n):
                    xh[0, i] = x[i]
                fh[0] = fx
        fx = fv[F]
        nit = info[NIT]
        direction, base, previous = work[0], work[1], work[3]
        regrad = False  # the gradient at x again first (a new scheme or step)
        while status == RUNNING:
            if regrad:  # one call site: the gradient is inlined, each site compiles it
                regrad = False
                status = gradient(x, g, scheme, steps, lo, hi, args, info, fx)
                continue
            pnorm = projected_norm(x, g, lo, hi)
            error = 0.0
            if auto and scheme == FORWARD:
                error = box_forward_error(x, g, fx, lo, hi, steps, fv[CURVATURE])
            if error > SWITCH_FRACTION * pnorm and pnorm + ERROR_MARGIN * error > gtol:
                info[SCHEME] = CENTRAL  # for good
                scheme = info[SCHEME]
                regrad = True
                continue
            if pnorm <= gtol:  # converged, unless gtol lies below the gradient's error
                status = CONVERGED
                if checks_gtol(settings[1] > 0, steps, scheme, auto):
                    error, noise_f, factor, _ = noise(x, g, fx, lo, hi, scheme, steps, args,
                                                      info, n > 0, n)  # every one (no literal)
                    status = gtol_status(error, noise_f, factor, gtol, auto, steps, fv)
                if status != REFINE:
                    break
                steps = borrowed(scaled_steps(shared, fv[STEP], own))
                status, regrad = RUNNING, True
                continue
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
            fprev = fx
            for i in range(n):
                base[i] = x[i]
                previous[i] = g[i]
            if searches:
                pprev = fv[PNORM]  # (in the row: chunks must not change the run)
                predicted = pnorm * min(1.0, pnorm / pprev) if pprev > 0.0 else pnorm
                fv[PNORM] = pnorm
                status, fx, scheme = iteration(x, g, fx, lo, hi, state, scalars, work, fv,
                                               info, method, params, nit, scheme, steps,
                                               args, settings, predicted)
                info[SCHEME] = scheme
                if status == LINE_SEARCH or status == NOISE:
                    break
            else:
                if method == GD:
                    gd_update(x, g, state, scalars, params, nit, direction, nit < 0)
                elif method == MOMENTUM:
                    momentum_update(x, g, state, scalars, params, nit, direction, nit < 0)
                elif method == NESTEROV:
                    nesterov_update(x, g, state, scalars, params, nit, direction, nit < 0)
                else:
                    adam_update(x, g, state, scalars, params, nit, direction, nit < 0)
                project(x, lo, hi)
                fx, status = evaluate(x, g, scheme, steps, lo, hi, args, info)
            nit += 1
            if record:
                for i in range(n):
                    xh[nit, i] = x[i]
                fh[nit] = fx
            if status == RUNNING and track:
                status = step_status(x, g, base, previous, fx, fprev, fv, ftol, xtol, auto)
                if auto:
                    free_curvature(x, g, base, previous, lo, hi, fv)
        fv[F] = fx
        info[NIT] = nit
        info[STATUS] = status
        return status

    return single


def make_box_batched(single):
    """Run the bounded ``single`` over the rows of a batch (``parallel=True``), as
    :func:`fastgrad.optimize.loop.make_batched`."""

    def batched(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, LB, UB, method, params, steps,
                args, settings, finished):
        left = 0
        for r in prange(X.shape[0]):
            status = single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, LB, UB, method,
                            params, steps, args, settings)
            finished[r] = True
            if status < 0:
                left += 1
        return left

    return batched
