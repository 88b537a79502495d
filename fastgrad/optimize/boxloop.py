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
from ..diff.steps import scaled_steps, value_eps
from .accuracy import SWITCH_FRACTION, make_noise, make_table
from .boxaccuracy import ERROR_MARGIN, box_forward_error, free_curvature, needs_central
from .evaluations import gradient_status
from .columns import (CURVATURE, F, F0, FNOISE, HELD, NFEV, NIT, NJEV, PNORM, PREDICTED,
                      REFINE, SCHEME, STATUS, STEP, STEPS)
from .loop import CLOCK_SECONDS
from .resolution import make_unresolved
from .stopping import checks_gtol, gtol_status, step_status
from .boxsearch import QN_BEYOND, make_box_extend, make_box_search
from .projection import is_active, project, projected_norm
from .methods import (GD, LBFGS, MOMENTUM, NESTEROV, adam_update, gd_update, momentum_update,
                      nesterov_update, update)
from .result import (CONVERGED, DIVERGED, LINE_SEARCH, MAX_ITER, NOISE, NOT_STARTED, RUNNING,
                     UNRESOLVED)

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
def hold(x, g, base, lo, hi, held):
    """Mark in ``held`` (nonzero) the coordinates whose gradient component the next gradient
    need not take: those that stayed on a bound (``x_i = base_i``, the iterate the step
    came from) that their component ``g_i`` at ``base`` points out of. The step and the
    curvature pairs do not use such a component (:func:`box_direction`,
    :func:`held_gradient`), only its sign keeps the coordinate on its bound; the loop takes
    the held components again before it claims convergence, frees a coordinate whose
    component then points into the box, and before it returns a final status (G is then
    the gradient at x). A coordinate on a bound costs no evaluations while it stays there
    (SciPy's L-BFGS-B differences every coordinate at every iterate)."""
    for i in range(x.shape[0]):
        held[i] = 1.0 if x[i] == base[i] and is_active(x[i], g[i], lo[i], hi[i]) else 0.0


@jit_cached
def holds(held):
    """Whether some component is held (see :func:`hold`)."""
    for i in range(held.shape[0]):
        if held[i] != 0.0:
            return True
    return False


@jit_cached
def take_held(held):
    """If some component is held, turn ``held`` into the mask of a gradient that takes the
    held components alone (held <-> not held) and return True; else False."""
    if not holds(held):
        return False
    for i in range(held.shape[0]):
        held[i] = 0.0 if held[i] != 0.0 else 1.0
    return True


@jit_cached
def release(held):
    """No component held: the next gradient takes every one."""
    for i in range(held.shape[0]):
        held[i] = 0.0


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
    """``gradient(x, g, scheme, steps, lo, hi, args, info, fx, held) -> status``: the bounded
    kernel ``kernel(x, scheme, steps, lo, hi, out, args, f0, held) -> evaluations or status``
    (:func:`fastgrad.diff.bounded_kernels.make_bounded_gradient_at`, or an analytic jac
    adapted, which makes none) into ``g``, counted and checked; the components marked in
    ``held`` keep their values (see :func:`hold`)."""

    def gradient(x, g, scheme, steps, lo, hi, args, info, fx, held):
        code = kernel(x, scheme, steps, lo, hi, g, args, fx, held)
        info[NJEV] += 1
        if code >= 0:
            info[NFEV] += code
        return gradient_status(code, g)

    return gradient


def make_box_jac(jac_into):
    """An analytic gradient ``jac_into(x, scheme, steps, out, args, f0)`` (see
    :func:`fastgrad.optimize.evaluations.make_jac_into`) with the bounded kernels' signature; it
    evaluates f nowhere, and takes every component (the loop holds none: see :func:`hold`)."""

    def box_jac(x, scheme, steps, lo, hi, out, args, f0, held):
        jac_into(x, scheme, steps, out, args, f0)
        return 0

    return box_jac


def make_box_evaluate(value, gradient):
    """``evaluate(x, g, scheme, steps, lo, hi, args, info, held) -> (f(x), status)``: f and
    every component of the gradient (``held`` is cleared)."""

    def evaluate(x, g, scheme, steps, lo, hi, args, info, held):
        fx = value(x, args, info)
        if not np.isfinite(fx):
            for i in range(x.shape[0]):
                g[i] = np.nan
            return fx, DIVERGED
        release(held)
        return fx, gradient(x, g, scheme, steps, lo, hi, args, info, fx, held)

    return evaluate


def make_box_iteration(evaluate, gradient, search):
    """``iteration(x, g, fx, lo, hi, state, scalars, work, fv, info, method, params, nit,
    scheme, cost, steps, args, settings) -> (status, f, scheme)``: one projected
    quasi-Newton step, with the fallbacks of a failed search (module docstring)."""

    def iteration(x, g, fx, lo, hi, state, scalars, work, fv, info, method, params, nit,
                  scheme, steps, args, settings, predicted):
        c1, max_ls, auto = settings[6], settings[8], settings[11]
        d, base, reduced, held = work[0], work[1], work[2], work[HELD]
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
                if settings[1] > 0:  # finite differences: not those of held coordinates
                    hold(x, g, base, lo, hi, held)
                return gradient(x, g, scheme, steps, lo, hi, args, info, fx, held), fx, scheme
            if auto and scheme == FORWARD:  # a more accurate gradient, the same iterate
                info[SCHEME] = CENTRAL
                scheme = info[SCHEME]  # (held components stay held: only their sign is used)
                status = gradient(x, g, scheme, steps, lo, hi, args, info, fx, held)
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
    (:func:`fastgrad.optimize.evaluations.make_value`) and a bounded gradient kernel (see
    :func:`make_box_gradient`), compiled as :func:`fastgrad.optimize.loop.make_loop`."""
    inline = inline or compile_
    value = inline(value)
    gradient = inline(make_box_gradient(kernel))
    evaluate = inline(make_box_evaluate(value, gradient))
    search = compile_(make_box_search(value, gradient, compile_(make_box_extend(value))))
    iteration = compile_(make_box_iteration(evaluate, gradient, search))
    noise = compile_(make_noise(compile_(make_table(value))))
    unresolved = compile_(make_unresolved(value))
    return compile_(make_box_single(gradient, evaluate, iteration, noise, unresolved))


def make_box_single(gradient, evaluate, iteration, noise, unresolved):
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
        held = work[HELD]
        if status == NOT_STARTED:
            fx, status = evaluate(x, g, scheme, steps, lo, hi, args, info, held)
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
        refresh = False  # ... only its held components (see hold)
        while status == RUNNING:
            if regrad:  # one call site: the gradient is inlined, each site compiles it
                regrad = False  # a new scheme or step: all but the held components
                if refresh:  # the held components alone
                    take_held(held)
                status = gradient(x, g, scheme, steps, lo, hi, args, info, fx, held)
                if refresh:
                    release(held)
                    refresh = False
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
            if pnorm <= gtol and holds(held):  # the held components first: one may be free
                status, regrad, refresh = RUNNING, True, True
                continue
            if pnorm <= gtol:  # converged, unless gtol lies below the gradient's error
                status = CONVERGED
                if checks_gtol(settings[1] > 0, steps, scheme, auto):
                    error, noise_f, factor, _ = noise(x, g, fx, lo, hi, scheme, steps, args,
                                                      info, n > 0, n)  # every one (no literal)
                    status = gtol_status(error, noise_f, factor, gtol, auto, steps, fv)
                if status != REFINE:
                    if settings[1] > 0 and unresolved(x, g, fx, lo, hi, scheme, steps, args,
                                                      info):
                        status = UNRESOLVED  # (see loop.make_single)
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
                    if status == NOISE and settings[1] > 0 and unresolved(
                            x, g, fx, lo, hi, scheme, steps, args, info):
                        status = UNRESOLVED
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
                fx, status = evaluate(x, g, scheme, steps, lo, hi, args, info, held)
            nit += 1
            if record:
                for i in range(n):
                    xh[nit, i] = x[i]
                fh[nit] = fx
            if status == RUNNING and track:
                status = step_status(x, g, base, previous, fx, fprev, fv, ftol, xtol, auto)
                if auto:
                    free_curvature(x, g, base, previous, lo, hi, fv)
        if status >= 0 and status != DIVERGED and take_held(held):  # G: the gradient at x
            code = gradient(x, g, scheme, steps, lo, hi, args, info, fx, held)
            status = status if code == RUNNING else code
            release(held)  # (a run stopped between chunks keeps its mark: see HELD)
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
