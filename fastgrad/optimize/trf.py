"""The compiled bounded trust-region kernel of :func:`fastgrad.least_squares`
(``method="trf"``): a trust-region reflective method in the manner of SciPy's ``trf``
(Branch, Coleman and Li, "A subspace, interior, and conjugate gradient method for
large-scale bound-constrained minimization problems", 1999), with the exact trust-region
subproblem solved through the SVD of :mod:`fastgrad.optimize.lm_linalg`.

One iteration at a strictly feasible ``x`` with residuals ``r``, Jacobian ``J`` and gradient
``g = J' r``:

* Coleman-Li scaling (:func:`fastgrad.optimize.trf_step.cl_scaling`): ``v_i`` the distance
  to the bound the gradient points to (1 where that bound is infinite); the first-order
  optimality measure is ``||v * g||_inf`` (SciPy's ``optimality``), tested against
  ``gtol``;
* in the variables ``x = x_k + d * s_h`` with ``d = sqrt(v) / D`` (``D`` the scale, as in
  "lm"), the step minimizes ``0.5 ||J_h s_h + r||**2 + 0.5 s_h' diag(c_h) s_h`` within
  ``||s_h|| <= delta``: the SVD of the augmented matrix ``[J_h; diag(sqrt(c_h))]``
  (:func:`fastgrad.optimize.lm_linalg.factor_scaled`) and the Levenberg-Marquardt parameter
  to 1%, the step put on the sphere (:func:`fastgrad.optimize.trf_step.trust_step`, as
  SciPy's: the looser 10% of "lm"'s parameter made runs such as Lanczos1 in a box take
  four times as many iterations);
* the step is kept strictly inside the box (:func:`fastgrad.optimize.trf_step.choose_step`:
  cut back at a bound, reflected, or steepest descent), evaluated, and the trust radius
  updated from the ratio of actual to predicted reduction (quartered below 0.25, doubled
  above 0.75 when the step reached the radius); a step that reduces the cost is accepted;
* stopping as SciPy: ``ftol`` when the actual reduction is below ``ftol * cost`` with a
  ratio above 0.25, ``xtol`` when ``||step|| < xtol (xtol + ||x||)``, ``gtol`` as above;
  but ``ftol`` only on a Gauss-Newton step (:func:`fastgrad.optimize.trf_step.trust_step`'s
  parameter 0, before any cut at the box): a step that the trust radius cut says nothing of
  the reduction still possible (a line fit to data of size 2e12 from 0 met the test at
  x ~ 1, its first regions tiny next to the distance to the solution).

Every iterate stays strictly inside the box, and the finite-difference Jacobian is the
bounded one (:func:`fastgrad.diff.bounded_kernels.make_bounded_jacobian_at`), so ``fun`` is
never evaluated outside ``[lb, ub]``.

The arrays of one problem are those of :func:`fastgrad.optimize.lm.make_lm`, except that
``box`` (4, n) holds the scale ``D`` (row :data:`SCALE`, filled from the Jacobian with
``x_scale="jac"``), the bounds (rows :data:`LOWER`, :data:`UPPER`) and the typical size of
each parameter (row :data:`TYPICAL`: the finite-difference steps are relative to
``max(|x_i|, typical_i)``); ``fs`` holds the trust
radius (negative: not set yet), the Levenberg-Marquardt parameter, 1.0 while the Jacobian at
``x`` is still to be computed, the cost and the move since the last Jacobian. The status
codes, ``info`` columns and settings are :mod:`fastgrad.optimize.lm`'s.
"""

from __future__ import annotations

import numpy as np

from .._core.clock import clock
from .._core.jit import jit_cached
from .._core.scalar import copy_values
from ..diff.kernels import finite
from .lm import (
    CHUNK_END_S, CHUNK_ITER_S, DEADLINE_S, FTOL, FTOL_S, FTOL_XTOL, GTOL, GTOL_S,
    JAC_REUSE, JAC_SCALE_S, MAX_NFEV, MAX_NFEV_S, MAX_TIME, NFEV, NIT, NJEV, NONFINITE,
    NOT_STARTED, POLISH_S, RUNNING, SCHEME, STATUS, STEP_VANISHED, TOO_SMALL, UNRESOLVED, XTOL,
    XTOL_S, norm2,
)
from .lm_linalg import EPS, factor_scaled, square
from .trf_step import choose_step, cl_scaling, trust_step

SCALE, LOWER, UPPER, TYPICAL = 0, 1, 2, 3
"""Rows of the ``box`` array of one problem."""


@jit_cached
def radius_update(delta, actred, prered, hnorm):
    """``(ratio, new radius)`` from the actual and predicted reductions of a step of
    scaled length ``hnorm``."""
    if prered > 0.0:
        ratio = actred / prered
    elif prered == 0.0 and actred == 0.0:
        ratio = 1.0
    else:
        ratio = 0.0
    if ratio < 0.25:
        return ratio, 0.25 * hnorm
    if ratio > 0.75 and hnorm > 0.95 * delta:
        return ratio, 2.0 * delta
    return ratio, delta


@jit_cached
def initial_radius(x, D, v, dv):
    """SciPy's first trust radius ``||x D / sqrt(v)||`` (1.0 where that is 0), with ``v``
    in the scaled variables (``v * D`` where the scaling is active)."""
    total = 0.0
    for j in range(x.shape[0]):
        vj = v[j] * D[j] if dv[j] != 0.0 else v[j]
        total += square(x[j] * D[j]) / vj
    return np.sqrt(total) if total > 0.0 else 1.0


@jit_cached
def strictly_inside(x, lo, hi):
    """Move coordinates of ``x`` on (or past, by rounding) a bound one ulp inside."""
    for j in range(x.shape[0]):
        if x[j] <= lo[j]:
            x[j] = min(np.nextafter(lo[j], hi[j]), 0.5 * (lo[j] + hi[j]))
        elif x[j] >= hi[j]:
            x[j] = max(np.nextafter(hi[j], lo[j]), 0.5 * (lo[j] + hi[j]))


@jit_cached
def gradient_and_scale(J, r, g, D, first, jac_scale):
    """``g = J' r``; with ``x_scale="jac"``, ``D`` the running maximum of the column norms
    of J (1 for a zero column at the first Jacobian)."""
    k, n = J.shape
    for j in range(n):
        acc = 0.0
        for i in range(k):
            acc += J[i, j] * r[i]
        g[j] = acc
        if jac_scale:
            cn = norm2(J[:, j])
            if first:
                D[j] = cn if cn > 0.0 else 1.0
            else:
                D[j] = max(D[j], cn)


@jit_cached
def build_subproblem(J, r, g, v, dv, D, d, ch, gh, Ja, ra):
    """The scaled variables of one iteration: ``d``, ``c_h``, ``g_h``, and the augmented
    least-squares problem ``[J diag(d); diag(sqrt(c_h))]``, ``[r; 0]``."""
    k, n = J.shape
    for j in range(n):
        vj = v[j] * D[j] if dv[j] != 0.0 else v[j]
        d[j] = np.sqrt(vj) / D[j]
        ch[j] = g[j] * dv[j] / D[j]
        gh[j] = d[j] * g[j]
    for i in range(k):
        ra[i] = r[i]
        for j in range(n):
            Ja[i, j] = J[i, j] * d[j]
    for i in range(n):
        ra[k + i] = 0.0
        for j in range(n):
            Ja[k + i, j] = np.sqrt(ch[j]) if i == j else 0.0


def make_trf(f, jacobian_at, analytic, fit_unresolved):
    """The single-problem solver over residuals ``f(x, *args) -> (k,)`` and the bounded
    Jacobian kernel ``jacobian_at(x, scheme, steps, typical, lo, hi, r0, out, work, args)``
    (returns the evaluations of f it made, or a negative status); ``analytic``: True for
    the user's Jacobian (then always recomputed at the solution: it costs no evaluation);
    ``fit_unresolved`` checks a claim on finite differences (see ``lm.make_lm``).
    Long because, like :func:`fastgrad.optimize.lm.make_lm`, the solver is one outer loop
    (Jacobian, scaling, gradient test) and one inner loop (step, ratio, radius, stopping
    tests) over one state.

    The budget is kept as by lm (:func:`fastgrad.optimize.lm.make_lm`): no finite-difference
    Jacobian but the first begins once ``nfev >= max_nfev`` (nor any Jacobian past the
    deadline), so the iterations end with ``nfev <= max(max_nfev - 1, 1) + c + 1`` for ``c``
    the evaluations of one Jacobian; then the Jacobian at the returned x is taken when x moved
    since the last one, on success and after ``MAX_NFEV`` or ``MAX_TIME`` too (``c`` more),
    so that ``J``, the gradient and the optimality describe x."""

    def trf_solve(x, r, J, box, info, fs, settings, scheme, steps, args):
        # Long because it is the outer and inner loop with their stopping tests over one
        # piece of state (see make_trf).
        n = x.shape[0]
        k = r.shape[0]
        D, lo, hi, typical = box[SCALE], box[LOWER], box[UPPER], box[TYPICAL]
        ftol, xtol, gtol = settings[FTOL_S], settings[XTOL_S], settings[GTOL_S]
        max_nfev, deadline = settings[MAX_NFEV_S], settings[DEADLINE_S]
        jac_scale = settings[JAC_SCALE_S] > 0.0
        polish = int(settings[POLISH_S])
        chunk_end = settings[CHUNK_END_S]
        work = np.empty((2, k))
        rt = np.empty(k)
        xt = np.empty(n)
        g = np.empty(n)
        v = np.empty(n)
        dv = np.empty(n)
        d = np.empty(n)
        ch = np.empty(n)
        gh = np.empty(n)
        ph = np.empty(n)
        p = np.empty(n)
        ones = np.ones(n)
        Ja = np.empty((k + n, n))
        ra = np.empty(k + n)
        At = np.empty((n, k + n))
        qtr = np.empty(k + n)
        W = np.empty((n, n))
        V = np.empty((n, n))
        sv = np.empty(n)
        uf = np.empty(n)
        steps6 = np.empty((6, n))
        tmp = np.empty(k)
        Jh = Ja[:k]
        status = info[STATUS]
        if status == NOT_STARTED:
            strictly_inside(x, lo, hi)
            copy_values(f(x, *args), r)
            nfev, njev, nit = 1, 0, 0
            status = RUNNING if finite(r) else NONFINITE
            delta, alpha, need_jac, moved = -1.0, 0.0, True, 0.0
            cost = 0.5 * square(norm2(r))
        elif status != RUNNING:
            return status
        else:  # the next chunk of a run: its state as the last chunk left it
            nfev, njev, nit, scheme = info[NFEV], info[NJEV], info[NIT], info[SCHEME]
            delta, alpha, need_jac = fs[0], fs[1], fs[2] > 0.0
            cost, moved = fs[3], fs[4]
        chunk_jacobians = njev
        stop_nit = settings[CHUNK_ITER_S]
        if not need_jac:
            gradient_and_scale(J, r, g, D, False, False)
        while status == RUNNING:
            if nit >= stop_nit or (njev > chunk_jacobians and chunk_end < np.inf
                                   and clock() > chunk_end):
                break  # the end of this chunk: the run goes on from here in the next one
            if need_jac and njev > 0:  # no Jacobian past the budget (see make_trf)
                if nfev >= max_nfev and not analytic:
                    status = MAX_NFEV
                    break
                if deadline < np.inf and clock() > deadline:
                    status = MAX_TIME
                    break
            if need_jac:
                count = jacobian_at(x, scheme, steps, typical, lo, hi, r, J, work, args)
                if count < 0:
                    status = STEP_VANISHED
                    break
                nfev += count
                njev += 1
                need_jac = False
                moved = 0.0
                if not finite(J.ravel()):
                    status = NONFINITE
                    break
                gradient_and_scale(J, r, g, D, njev == 1, jac_scale)
            cl_scaling(x, g, lo, hi, v, dv)
            gnorm = 0.0
            for j in range(n):
                gnorm = max(gnorm, abs(g[j] * v[j]))
            if delta < 0.0:
                delta = initial_radius(x, D, v, dv)
            if gnorm < gtol:
                status = GTOL
                if scheme != polish:  # jac="auto": on with central differences
                    scheme, status, need_jac, delta, alpha = polish, RUNNING, True, -1.0, 0.0
                    continue
                break
            if nfev >= max_nfev:
                status = MAX_NFEV
                break
            build_subproblem(J, r, g, v, dv, D, d, ch, gh, Ja, ra)
            factor_scaled(Ja, ones, ra, At, qtr, W, sv, uf, V)
            theta = max(0.995, 1.0 - gnorm)
            actred = -1.0
            cost_new = cost
            xnorm = norm2(x)
            while actred <= 0.0 and nfev < max_nfev:
                alpha = trust_step(sv, uf, V, delta, alpha, k, ph)
                gauss_newton = alpha == 0.0  # the radius did not cut the step: ftol may hold
                for j in range(n):
                    p[j] = d[j] * ph[j]
                prered = choose_step(x, lo, hi, Jh, ch, gh, d, p, ph, delta, theta, steps6,
                                     tmp)
                for j in range(n):
                    xt[j] = x[j] + p[j]
                strictly_inside(xt, lo, hi)
                copy_values(f(xt, *args), rt)
                nfev += 1
                hnorm = norm2(ph)
                step_norm = 0.0
                for j in range(n):
                    step_norm += square(xt[j] - x[j])
                step_norm = np.sqrt(step_norm)
                if not finite(rt):  # shrink the region, as SciPy; stop where it vanished
                    delta = 0.25 * hnorm
                    if not (delta > 0.0 and step_norm > EPS * xnorm):
                        status = NONFINITE
                        break
                    continue
                cost_new = 0.5 * square(norm2(rt))
                actred = cost - cost_new
                ratio, delta_new = radius_update(delta, actred, prered, hnorm)
                if gauss_newton and actred < ftol * cost and ratio > 0.25:
                    status = FTOL
                if step_norm < xtol * (xtol + xnorm):
                    status = FTOL_XTOL if status == FTOL else XTOL
                elif status == RUNNING and step_norm <= EPS * xnorm:
                    status = TOO_SMALL
                if status != RUNNING:
                    break
                if delta_new > 0.0:
                    alpha *= delta / delta_new
                delta = delta_new
            if actred > 0.0:
                for j in range(n):
                    moved += abs(D[j] * (xt[j] - x[j]))
                    x[j] = xt[j]
                for i in range(k):
                    r[i] = rt[i]
                cost = cost_new
                need_jac = True
                nit += 1
            if status == RUNNING:
                if nfev >= max_nfev:
                    status = MAX_NFEV
                elif deadline < np.inf and clock() > deadline:
                    status = MAX_TIME
            elif GTOL <= status <= TOO_SMALL and scheme != polish:
                scheme, status, need_jac, delta, alpha = polish, RUNNING, True, -1.0, 0.0
        reuse = 0.0 if analytic else JAC_REUSE
        if (need_jac and (GTOL <= status <= TOO_SMALL or status == MAX_NFEV
                          or status == MAX_TIME) and moved > reuse * norm2(D * x)):
            # the Jacobian at the returned x, after MAX_NFEV or MAX_TIME too (see lm)
            count = jacobian_at(x, scheme, steps, typical, lo, hi, r, J, work, args)
            if count < 0:
                status = STEP_VANISHED
            else:
                nfev += count
                njev += 1
                need_jac = False
        if GTOL <= status <= TOO_SMALL and not analytic:  # see lm.make_lm
            refuted, spent = fit_unresolved(x, r, J, scheme, steps, args, lo, hi)
            nfev += spent
            if refuted:
                status = UNRESOLVED
        info[STATUS] = status
        info[NFEV] = nfev
        info[NJEV] = njev
        info[NIT] = nit
        info[SCHEME] = scheme
        fs[0], fs[1], fs[2], fs[3], fs[4] = delta, alpha, 1.0 if need_jac else 0.0, cost, moved
        return status

    return trf_solve


def make_analytic_jacobian(jac, copy):
    """A bounded Jacobian kernel (the signature of ``bounded_jacobian_at``) that calls the
    user's ``jac(x, *args) -> (k, n)`` and copies it into ``out``: no evaluation of f."""

    def jacobian_at(x, scheme, steps, typical, lo, hi, r0, out, work, args):
        copy(jac(x, *args), out)
        return 0

    return jacobian_at
