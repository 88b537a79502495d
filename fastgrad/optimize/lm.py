"""The compiled Levenberg-Marquardt kernel of :func:`fastgrad.least_squares` (``method="lm"``).

Moré's scaled Levenberg-Marquardt method (J. J. Moré, "The Levenberg-Marquardt algorithm:
implementation and theory", 1978), as MINPACK's ``lmder``/``lmdif`` implement it, with the
trust-region subproblem solved through an SVD of the scaled Jacobian instead of a QR
factorization with column pivoting:

* the scaled step ``z = D p`` of ``min ||J p + r||`` subject to ``||D p|| <= delta`` is
  ``z(lam) = -V diag(s / (s**2 + lam)) U' r`` for ``J D**-1 = U diag(s) V'``;
* ``lam`` comes from the safeguarded Newton iteration on the secular equation
  ``||z(lam)|| = delta`` (Moré's ``lmpar``: ``lam = 0`` when the Gauss-Newton step is within
  1.1 delta, else at most 10 iterations to ``| ||z|| - delta | <= 0.1 delta``);
* the trust radius and the ratio of actual to predicted reduction follow ``lmder``
  (radius halved or cut down to a tenth on a poor ratio, doubled on a good one; a step is
  accepted when the ratio is at least 1e-4);
* ``D`` is the running maximum of the column norms of J (``x_scale="jac"``, MINPACK's
  ``mode=1``) or ``1 / x_scale``;
* norms, the cosines of the gtol test and the subproblem are taken without overflow or
  underflow (:mod:`fastgrad.optimize.lm_linalg`), so residuals and columns beyond 1e154 or
  below 1e-162 are fitted as others (a cost that overflows is never a success).
* the ftol test (``actred <= ftol``, ``prered <= ftol``, ``ratio <= 2``) is claimed only on
  a Gauss-Newton step (``lam = 0``): a step that the trust radius cut says nothing of the
  reduction still possible (a line fit to data of size 2e12 from 0 met the test at x ~ 2e3,
  each of its first regions tiny next to the distance to the solution);
* a run that Gauss-Newton brings to the ftol test with linear convergence (a
  large-residual problem) goes on with the augmented model ``J'J + S`` of
  :mod:`fastgrad.optimize.lm_secant` (:data:`SLOW`).

Every function here sees arrays, scalars, the residual function and its Jacobian kernel only
(no Python objects): the public layer (:mod:`fastgrad.optimize.least_squares`) validates,
allocates and turns the integer status into a message.

State arrays of one problem: ``x`` (n,) the iterate (in place), ``r`` (k,) the residuals at
``x``, ``J`` (k, n) the Jacobian at the last iterate where one was computed, ``D`` (n,) the
scale, ``info`` (4,) int64 ``[status, nfev, njev, nit]``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._core.clock import clock
from .._core.scalar import copy_values
from .._core.jit import jit_cached
from ..diff.kernels import ZERO_STEP, finite
from ..diff.steps import STENCIL_POINTS
from .columns import NO_BOX
from .lm_linalg import (COSINE_RANGE, EPS, column_cosine, factor_scaled, lm_parameter, norm2,
                        rank_cutoff, scale_subproblem, scaled_norm, scaled_step, square,
                        subproblem_step)
from .lm_secant import (LAST_RED, MODEL, PENDING, PREV_RED, augmented_factor, quadratic,
                        secant_update, secant_views, state_size)

RUNNING = -1
"""Internal: the run has not stopped yet."""
EVALUATED = -2
"""Internal: the run has not started, and ``r`` holds ``f(x0)`` already, evaluated by the
caller (:func:`fastgrad.compile_least_squares`, which learns k so): the run counts it as its
first evaluation instead of evaluating f there again."""
MAX_NFEV = 0
GTOL = 1
FTOL = 2
XTOL = 3
FTOL_XTOL = 4
TOO_SMALL = 5
NONFINITE = 6
STEP_VANISHED = 7
MAX_TIME = 8
NOT_STARTED = 9
CALLBACK = 10
INTERRUPTED = 11
UNRESOLVED = 12

SUCCESS = (GTOL, FTOL, XTOL, FTOL_XTOL, TOO_SMALL)
"""The codes of a successful fit."""

STATUS, NFEV, NJEV, NIT, SCHEME = 0, 1, 2, 3, 4
"""Columns of the ``info`` array (``SCHEME``: the scheme of the Jacobian in use, which
``jac="auto"`` switches to central differences)."""
INFO_SIZE = 5


def info_row(scheme: int) -> tuple:
    """The ``info`` of a problem not started yet, whose Jacobians use ``scheme``."""
    return (NOT_STARTED, 0, 0, 0, scheme)


# The float state of a run between chunks (a row of lm_secant.state_size(n)): trust radius,
# Levenberg-Marquardt parameter, ||D x||, ||r||, the move since the last Jacobian, then the
# structured secant model's state (lm_secant).

(FTOL_S, XTOL_S, GTOL_S, MAX_NFEV_S, FACTOR_S, DEADLINE_S, JAC_SCALE_S, POLISH_S,
 CHUNK_ITER_S, CHUNK_END_S, ANALYTIC_S) = range(11)
SETTINGS_SIZE = 11
"""Entries of the ``settings`` array: ftol, xtol, gtol, max_nfev, the initial trust radius
factor (MINPACK's ``factor``, 100), the deadline on :func:`fastgrad._core.clock.clock`
(inf: none), 1.0 for ``x_scale="jac"`` (else ``D`` holds ``1 / x_scale``) and the scheme
code of the polishing phase: with ``jac="auto"`` (forward differences, polish central), a run
that converges goes on from its solution with central differences until it converges again,
which recovers the digits that the O(h) error of forward differences costs; otherwise the
scheme of the iterations (no second phase). A chunk of a run ends at iteration ``CHUNK_ITER_S``
(the next callback's) or at the time ``CHUNK_END_S`` (after one Jacobian at least, so that
every chunk makes progress); the public layer then calls the callback once every running
problem has reached that iteration, or stops on Ctrl-C.
``ANALYTIC_S``: 1.0 with an analytic Jacobian (for the default of ``max_nfev``)."""

JAC_REUSE = 1e-6
"""The Jacobian returned is recomputed at the solution when the steps accepted since it was
computed moved x by more than this, relative (in the norm ``||D x||``); a smaller move (the
last step of a converged run, typically) changes it by about as little, relative, which is
below the error of a finite-difference Jacobian's covariance (MINPACK returns the last Jacobian
as it is). An analytic Jacobian is always recomputed at the solution (it costs no evaluation
of the residuals)."""
ACCEPT = 1e-4
"""A trial step is accepted when the actual reduction is at least this share of the
predicted one (``lmder``)."""
SLOW = 0.2
"""A Gauss-Newton run that stops on the ftol test goes on with the augmented model (the
secant S of :mod:`fastgrad.optimize.lm_secant`) when its last accepted step reduced the sum
of squares by at least this share of the step before (linear convergence, the mark of a
large-residual problem) and by more than :data:`NOISE` relative: the ftol test stops
such a run with only a few correct digits."""
NOISE = 1e3 * EPS
"""Relative reductions at or below this are rounding, not convergence, to :data:`SLOW`."""


@jit_cached
def difference_cost(scheme, n):
    """Evaluations of f per finite-difference Jacobian (one-sided schemes reuse r(x))."""
    return n * STENCIL_POINTS[scheme]


@jit_cached
def analytic_cost(scheme, n):
    """An analytic Jacobian evaluates no residuals."""
    return 0


@jit_cached
def run_settings(template, n, now):
    """The ``settings`` of a run of n parameters starting at time ``now`` (on
    :func:`fastgrad._core.clock.clock`), from the template of
    :func:`fastgrad.optimize.lsq_setup.lm_setup`: its ``max_nfev`` of NaN becomes the
    default, ``100 n`` with an analytic Jacobian (``ANALYTIC_S`` 1) else ``100 n (n + 1)``, and
    its time limit in seconds (inf: none) a deadline."""
    settings = template.copy()
    if np.isnan(settings[MAX_NFEV_S]):
        evals = 100 * n if settings[ANALYTIC_S] > 0.0 else 100 * n * (n + 1)
        settings[MAX_NFEV_S] = float(evals)
    if settings[DEADLINE_S] < np.inf:
        settings[DEADLINE_S] = now + settings[DEADLINE_S]
    return settings


@jit_cached
def scale_row(inverse, n):
    """The scale ``D`` (n,) of a run from the template's ``1 / x_scale``: zeros (empty: the
    kernel fills them, ``x_scale="jac"``), one value for every parameter, or one per
    parameter (a length that is neither 1 nor n: ``ValueError``)."""
    D = np.zeros(n)
    if inverse.shape[0] == 1:
        D[:] = inverse[0]
    elif inverse.shape[0] == n:
        D[:] = inverse
    elif inverse.shape[0] != 0:
        raise ValueError("x_scale has neither 1 nor n values (n = the length of x0)")
    return D


def make_lm(f, jacobian_at, jacobian_cost, fit_unresolved):
    """The single-problem solver over residuals ``f(x, *args) -> (k,)`` and the Jacobian
    kernel ``jacobian_at(x, scheme, steps, r0, out, work, args)``, which costs
    ``jacobian_cost(scheme, n)`` evaluations of f plus the number it returns (columns taken
    twice, :func:`fastgrad.diff.kernels.make_jacobian_at`). Long because the solver it returns is
    lmder's outer loop (Jacobian, scale, gradient test) and inner loop (step, ratio, radius,
    stopping tests) over one shared state, which reads best in one piece.

    The budget (``max_nfev``, and the deadline likewise) is tested after every trial step
    and before every Jacobian but the first, and no evaluation begins once it is spent: a
    Jacobian begun below it is finished and followed by one trial step, so a run ends with
    ``nfev <= max(max_nfev - 1, 1) + c + 1`` for ``c`` the evaluations of its last
    Jacobian (a budget below one Jacobian cannot be met), and then one more Jacobian, at the
    returned x when it moved since the last one (on success, and after ``MAX_NFEV`` or
    ``MAX_TIME`` too, as "trf": ``J``, the gradient and the optimality describe x, as
    SciPy's do). A successful stop where
    ``0.5 ||r||**2`` overflows is ``NONFINITE``; one whose finite-difference Jacobian has a
    column that rounding erased while larger steps show the cost falling across x
    (``fit_unresolved``, :func:`fastgrad.optimize.resolution.make_fit_unresolved`) is
    ``UNRESOLVED``."""

    def lm_solve(x, r, J, D, info, fs, settings, scheme, steps, args):
        # Long because it is lmder's outer and inner loop with its stopping tests, one
        # piece of state shared by all of them.
        n = x.shape[0]
        k = r.shape[0]
        ftol, xtol, gtol = settings[FTOL_S], settings[XTOL_S], settings[GTOL_S]
        max_nfev, deadline = settings[MAX_NFEV_S], settings[DEADLINE_S]
        jac_scale = settings[JAC_SCALE_S] > 0.0
        polish = int(settings[POLISH_S])
        chunk_end = settings[CHUNK_END_S]
        work = np.empty((2, k))
        rt = np.empty(k)
        xt = np.empty(n)
        p = np.empty(n)
        jp = np.empty(k)
        js = np.empty((n, k))  # the factorization's workspace, allocated once per run
        W = np.empty((n, n))
        qtr = np.empty(k)
        sv = np.empty(n)
        uf = np.empty(n)
        V = np.empty((n, n))
        coef = np.empty(n)
        g = np.empty(n)  # J' r at x
        H = np.empty((n, n))  # the augmented model's workspace (lm_secant)
        sv2 = np.empty(n)
        uf2 = np.empty(n)
        V2 = np.empty((n, n))
        g_old, g_cross, s_last, S = secant_views(fs, n)
        status = info[STATUS]
        if status == NOT_STARTED or status == EVALUATED:
            fs[:] = 0.0  # S = 0, Gauss-Newton, no update due
            if status == NOT_STARTED:
                copy_values(f(x, *args), r)
            nfev, njev, nit = 1, 0, 0
            status = RUNNING
            if not finite(r):
                status = NONFINITE
            fnorm = norm2(r)
            lam, delta, xnorm = 0.0, 0.0, 0.0
            moved = 0.0  # ||D (x - x where J was computed)||, at most (sum of the steps)
        elif status != RUNNING:
            return status
        else:  # the next chunk of a run: its state as the last chunk left it
            nfev, njev, nit, scheme = info[NFEV], info[NJEV], info[NIT], info[SCHEME]
            delta, lam, xnorm, fnorm, moved = fs[0], fs[1], fs[2], fs[3], fs[4]
        chunk_jacobians = njev
        stop_nit = settings[CHUNK_ITER_S]
        while status == RUNNING:
            if nit >= stop_nit or (njev > chunk_jacobians and chunk_end < np.inf
                                   and clock() > chunk_end):
                break  # the end of this chunk: the run goes on from here in the next one
            if njev > 0:  # no Jacobian past the budget (after a switch of scheme or model)
                if nfev >= max_nfev:
                    status = MAX_NFEV
                    break
                if deadline < np.inf and clock() > deadline:
                    status = MAX_TIME
                    break
            extra = jacobian_at(x, scheme, steps, r, J, work, args)
            if extra == ZERO_STEP:
                status = STEP_VANISHED
                break
            nfev += jacobian_cost(scheme, n) + extra  # extra: columns taken twice
            njev += 1
            moved = 0.0
            if not finite(J.ravel()):
                status = NONFINITE
                break
            gnorm = 0.0
            for j in range(n):
                cn = norm2(J[:, j])
                if jac_scale:
                    if njev == 1:
                        D[j] = cn if cn > 0.0 else 1.0
                    else:
                        D[j] = max(D[j], cn)
                gj = 0.0
                for i in range(k):
                    gj += J[i, j] * r[i]
                g[j] = gj
                if cn > 0.0 and fnorm > 0.0:
                    denom = cn * fnorm  # column_cosine where gj may over- or underflow
                    in_range = COSINE_RANGE[0] <= denom <= COSINE_RANGE[1]
                    gnorm = max(gnorm, abs(gj) / denom if in_range
                                else column_cosine(J, j, r, gj, cn, fnorm))
            if njev == 1:
                xnorm = scaled_norm(D, x)
                delta = settings[FACTOR_S] * xnorm if xnorm > 0.0 else settings[FACTOR_S]
            if gnorm <= gtol:
                status = GTOL
                if scheme != polish:
                    scheme = polish
                    status = RUNNING
                    delta = settings[FACTOR_S] * xnorm if xnorm > 0.0 else settings[FACTOR_S]
                    lam = 0.0
                    continue
                break
            if fs[PENDING] > 0.0:  # the step that led here teaches S (lm_secant)
                secant_update(S, s_last, g, g_old, g_cross, coef)
                fs[PENDING] = 0.0
            for j in range(n):
                g_old[j] = g[j]
            factor_scaled(J, D, r, js, qtr, W, sv, uf, V)
            augmented = fs[MODEL] > 0.0 and augmented_factor(sv, uf, V, D, S, H, sv2, uf2,
                                                             V2, coef)
            msv, muf, mV = (sv2, uf2, V2) if augmented else (sv, uf, V)
            rho, sigma = scale_subproblem(msv, muf)  # 1.0, 1.0 unless far from 1 (lm_linalg)
            cutoff = rank_cutoff(msv, k)
            while True:
                if rho == 1.0 and sigma == 1.0:
                    lam = lm_parameter(msv, muf, delta, lam, cutoff)
                    pnorm = scaled_step(msv, muf, mV, D, lam, cutoff, coef, p)
                else:
                    lam, pnorm = subproblem_step(msv, muf, mV, D, delta, lam, cutoff, rho,
                                                 sigma, coef, p)
                gauss_newton = lam == 0.0  # the radius did not cut the step: ftol may hold
                if nit == 0 and njev == 1:
                    delta = min(delta, pnorm)
                for j in range(n):
                    xt[j] = x[j] + p[j]
                copy_values(f(xt, *args), rt)
                nfev += 1
                fnorm1 = norm2(rt) if finite(rt) else np.inf
                actred = -1.0
                if 0.1 * fnorm1 < fnorm:
                    actred = 1.0 - square(fnorm1 / fnorm)
                for i in range(k):
                    acc = 0.0
                    for j in range(n):
                        acc += J[i, j] * p[j]
                    jp[i] = acc
                t1 = norm2(jp) / fnorm
                t2 = np.sqrt(lam) * pnorm / fnorm
                prered = t1 * t1 + 2.0 * t2 * t2
                dirder = -(t1 * t1 + t2 * t2)
                if augmented:  # the prediction of J'J + S for the step it took
                    gp = 0.0
                    for j in range(n):
                        gp += g[j] * p[j]
                    dirder = gp / (fnorm * fnorm)
                    prered = ((-2.0 * gp) / (fnorm * fnorm) - t1 * t1
                              - quadratic(S, p) / (fnorm * fnorm))
                ratio = actred / prered if prered != 0.0 else 0.0
                if ratio <= 0.25:
                    temp = 0.5
                    if actred < 0.0:
                        temp = 0.5 * dirder / (dirder + 0.5 * actred)
                    if 0.1 * fnorm1 >= fnorm or temp < 0.1:
                        temp = 0.1
                    delta = temp * min(delta, pnorm / 0.1)
                    lam = lam / temp
                elif lam == 0.0 or ratio >= 0.75:
                    delta = pnorm / 0.5
                    lam = 0.5 * lam
                accepted = ratio >= ACCEPT
                if accepted:
                    # an update of S is due at the next Jacobian (lm_secant)
                    fs[PREV_RED] = fs[LAST_RED]
                    fs[LAST_RED] = actred
                    fs[PENDING] = 1.0
                    for j in range(n):
                        s_last[j] = p[j]
                        acc = 0.0
                        for i in range(k):
                            acc += J[i, j] * rt[i]
                        g_cross[j] = acc
                    for j in range(n):
                        x[j] = xt[j]
                    for i in range(k):
                        r[i] = rt[i]
                    fnorm = fnorm1
                    xnorm = scaled_norm(D, x)
                    nit += 1
                    moved += pnorm
                if (gauss_newton and abs(actred) <= ftol and prered <= ftol
                        and 0.5 * ratio <= 1.0):
                    status = FTOL
                if delta <= xtol * xnorm:
                    status = FTOL_XTOL if status == FTOL else XTOL
                if status == RUNNING:
                    if nfev >= max_nfev:
                        status = MAX_NFEV
                    elif ((abs(actred) <= EPS and prered <= EPS and 0.5 * ratio <= 1.0)
                          or delta <= EPS * xnorm or gnorm <= EPS):
                        status = TOO_SMALL
                    elif deadline < np.inf and clock() > deadline:
                        status = MAX_TIME
                if fnorm1 == np.inf and not accepted and gnorm > EPS and (
                        status == XTOL or status == FTOL_XTOL or status == TOO_SMALL):
                    status = NONFINITE  # the region shrank on non-finite trials: no solution
                if (status == FTOL or status == FTOL_XTOL) and fs[MODEL] == 0.0 and (
                        fs[LAST_RED] > NOISE and fs[LAST_RED] >= SLOW * fs[PREV_RED]):
                    # Gauss-Newton converged linearly: a large-residual problem, which
                    # the augmented model takes on from here (lm_secant)
                    fs[MODEL] = 1.0
                    status = RUNNING
                    delta = settings[FACTOR_S] * xnorm if xnorm > 0.0 else settings[FACTOR_S]
                    lam = 0.0
                    break
                if GTOL <= status <= TOO_SMALL and scheme != polish:
                    # jac="auto": go on from here with central differences, from a trust
                    # region as large as at the start (the converged one has shrunk to xtol)
                    scheme = polish
                    status = RUNNING
                    delta = settings[FACTOR_S] * xnorm if xnorm > 0.0 else settings[FACTOR_S]
                    lam = 0.0
                    break
                if status != RUNNING or accepted:
                    break
        if GTOL <= status <= TOO_SMALL and not 0.5 * fnorm * fnorm < np.inf:
            status = NONFINITE  # the cost overflows: a stationary point of nothing finite
        # an analytic Jacobian costs no evaluation: always the one at the solution
        cost = jacobian_cost(scheme, n)
        reuse = JAC_REUSE if cost > 0 else 0.0
        if (GTOL <= status <= TOO_SMALL or status == MAX_NFEV or status == MAX_TIME) and (
                moved > reuse * xnorm):
            # the Jacobian at the returned x, for jac, grad, optimality and the covariance
            # (after MAX_NFEV or MAX_TIME too: the one returned describes x, as SciPy's)
            extra = jacobian_at(x, scheme, steps, r, J, work, args)
            if extra == ZERO_STEP:
                status = STEP_VANISHED
            nfev += jacobian_cost(scheme, n) + max(extra, 0)
            njev += 1
        if GTOL <= status <= TOO_SMALL and cost > 0:
            refuted, spent = fit_unresolved(x, r, J, scheme, steps, args, NO_BOX, NO_BOX)
            nfev += spent
            if refuted:
                status = UNRESOLVED
        info[STATUS] = status
        info[NFEV] = nfev
        info[NJEV] = njev
        info[NIT] = nit
        info[SCHEME] = scheme
        fs[0], fs[1], fs[2], fs[3], fs[4] = delta, lam, xnorm, fnorm, moved
        return status

    return lm_solve


def make_batched_lm(lm_solve, pick):
    """The solver over the rows of a batch, in a ``prange``: problem ``i`` starts from
    ``X[i]`` with the arguments ``pick(args, i)`` (row ``i`` of every per-start argument,
    the others as they are). ``finished[i]`` is set when row i returned (a row whose
    residual function raised in a thread does not)."""

    def lm_batched(X, R, J, D, INFO, FS, settings, scheme, steps, args, finished):
        for i in prange(X.shape[0]):
            lm_solve(X[i], R[i], J[i], D[i], INFO[i], FS[i], settings, scheme, steps,
                     pick(args, i))
            finished[i] = True
        return 0

    return lm_batched
