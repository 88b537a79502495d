"""The complex-step kernels and their check.

``Im f(x + ih) / h`` has no subtractive cancellation, but it is exact only for an objective
that is complex-analytic as compiled. Each component is taken with two steps and the gradient
(or each output of a Jacobian, ``J p``) is confirmed by one real directional difference; what
the check does not confirm is recomputed by central4 and reported in the status (see
:data:`EXTRA_EVALUATIONS`, :func:`make_complex_check`). Conventions as in
:mod:`fastgrad.diff.kernels`.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .._core.scalar import as_scalar, as_vector, copy_values
from .direction_check import (
    AGREE,
    CHECK_OFFSETS,
    NO_VERDICT,
    REFUTED,
    RETRY_FACTOR,
    allowance_dominates,
    too_coarse,
    check_direction,
    check_step,
    check_verdict,
    move_along,
    restore_point,
    set_direction,
)
from .kernels import NONFINITE_X, ZERO_STEP
from .steps import (
    CENTRAL4,
    COMPLEX_CHECK_FACTOR,
    COMPLEX_CHECK_RTOL,
    COMPLEX_TRUNCATION_RTOL,
    STENCIL_DIVISOR,
    STENCIL_OFFSETS,
    STENCIL_POINTS,
    STENCIL_WEIGHTS,
    step_for,
    value_eps,
)


ACCEPTED = 0
"""State of a complex-step component: its quotient is kept (until the directional check)."""
REJECTED = 1
"""State of a component whose complex-step quotient is not trusted: to recompute by central4."""
RECOMPUTED = 2
"""State of a component computed by central4."""
UNVOUCHED_ZERO = 3
"""State of a component with an entry exactly 0 (a lost derivative, as ``abs`` gives, or a
true 0) that the directional check could not vouch for: f was not finite at the check's
points (a domain edge), or the check confirmed ``J p`` only within the truncation allowance
of other components (a user's step). Recomputed by central4, and a fallback (counted,
warned about) only where central4 finds that entry not 0."""

EXTRA_EVALUATIONS = 1 << 32
"""A complex-step kernel's status is ``fallbacks + EXTRA_EVALUATIONS * extra``: the number of
components recomputed by central4, and the evaluations of f beyond the nominal ``2n + 4`` (two
complex steps per component and the directional check). ``extra`` counts 4 per recomputed
component, 1 per third complex step (user's step), 4 for a repeated directional check, minus
the 4 of a check that was not needed (every component recomputed); it is never negative."""

@jit_cached
def fallbacks_of(status):
    """Components recomputed by central4, from a complex-step kernel's status (>= 0)."""
    return status % EXTRA_EVALUATIONS


@jit_cached
def extra_evaluations_of(status):
    """Evaluations of f beyond ``2n + 4``, from a complex-step kernel's status (>= 0)."""
    return status // EXTRA_EVALUATIONS


@jit_cached
def is_user_step(steps):
    """True if ``steps`` holds the user's absolute steps (not an automatic step policy)."""
    return steps.shape[0] > 0 and not np.isnan(steps[0])


@jit_cached
def complex_steps_agree(d1, d2, floor):
    """True where the quotients of two complex steps agree to rounding (elementwise), or
    differ by at most ``floor`` (:func:`agreement_floor`)."""
    return np.abs(d1 - d2) <= COMPLEX_CHECK_RTOL * np.maximum(np.abs(d1), np.abs(d2)) + floor


@jit_cached
def agreement_floor(value, xi, eps):
    """A difference of two complex-step quotients that is no disagreement: ``eps max(1,
    |f|) / max(1, |x_i|)`` (``value``: f at the complex point, ``eps`` the unit roundoff of
    f's values), far below the complex step's documented accuracy. Where the derivative
    is 0, two steps differ by the truncation alone, relatively by 100% (``x**3`` at 0:
    ``-h**2`` against ``-(h/64)**2``, with h ~ 1e-18), which made a false alarm and a
    central4 value of an exact 0 (elementwise)."""
    return eps * np.maximum(1.0, np.abs(value.real)) / np.maximum(1.0, np.abs(xi))


@jit_cached
def complex_truncation_consistent(d1, d2, d3):
    """True where quotients at ``h, h r, h r**2`` (r = COMPLEX_CHECK_FACTOR) differ as the
    O(h**2) truncation of an analytic objective does: ``d1 - d2 = (d2 - d3) / r**2``
    (see :data:`fastgrad.steps.COMPLEX_TRUNCATION_RTOL`); the rounding allowance is that of
    :func:`complex_steps_agree` for ``d2 - d3``."""
    r2 = COMPLEX_CHECK_FACTOR * COMPLEX_CHECK_FACTOR
    e12 = d1 - d2
    scale = np.maximum(np.maximum(np.abs(d1), np.abs(d2)), np.abs(d3))
    return np.abs(e12 - (d2 - d3) / r2) <= (
        COMPLEX_TRUNCATION_RTOL * np.abs(e12) + COMPLEX_CHECK_RTOL * scale / r2
    )


@jit_cached
def add_to_column(J, i, weight, v):
    """``J[:, i] += weight * v`` (one point of a stencil)."""
    for k in range(J.shape[0]):
        J[k, i] += weight * v[k]


@jit_cached
def scale_column(J, i, divisor):
    """``J[:, i] /= divisor``; ``divisor = inf`` clears the column first (0 / inf = 0)."""
    for k in range(J.shape[0]):
        J[k, i] = J[k, i] / divisor if np.isfinite(divisor) else 0.0


@jit_cached
def check_workspace(n, m):
    """Length of the workspace of :func:`make_complex_check` for ``J`` of shape (m, n)."""
    return 2 * n + 10 * m


@jit_cached
def complex_workspace(n, m):
    """The check's scratch space for ``n`` components and ``m`` outputs (zeros), with its
    views: the verdict per component and the error allowance per output."""
    work = np.zeros(check_workspace(n, m))
    return work, work[:n], work[n:n + m]


@jit_cached
def complex_step_pair(scheme, xi, steps, i):
    """The two complex steps of component ``i``: ``h`` and ``h * COMPLEX_CHECK_FACTOR``, whose
    quotients must agree (``h`` is 0 where the step vanishes)."""
    h = step_for(scheme, xi, steps, i)
    return h, h * COMPLEX_CHECK_FACTOR


@jit_cached
def column_finite(J, i):
    """1 if column ``i`` of ``J`` has a finite entry, else 0: a recomputed column that is NaN
    reports a NaN of f around x, as the real schemes do, and is no cause for a warning."""
    for k in range(J.shape[0]):
        if np.isfinite(J[k, i]):
            return 1
    return 0


ZERO_ROUNDING = 8.0
"""The rounding of central4's four values, weights summing to 18 over 12 h, is
``1.5 eps |f| / h``: this many ``eps |f| / h`` of it confirm a complex-step 0
(:func:`zero_tolerance`)."""

assert tuple(STENCIL_OFFSETS[CENTRAL4]) == (2.0, 1.0, -1.0, -2.0)  # zero_tolerance's order


@jit_cached
def zero_tolerance(v2, v1, m1, m2, h, eps):
    """How far from 0 central4 may come out for a derivative that is 0, from its stencil's
    values ``f(x + 2h), f(x + h), f(x - h), f(x - 2h)``: its rounding (:data:`ZERO_ROUNDING`)
    plus the difference of the central differences at h and 2h, about h**2 |f3| / 2 (f3
    the third derivative), which bounds central4's own truncation, about h**4 |f5| / 30,
    wherever f's features are wider than h (``sin(50 x) - 50 x`` at 0, whose derivative is
    0: central4 gives -3e-6 at h = 7e-4, the difference is 3e-2). Elementwise on arrays."""
    size = np.maximum(np.maximum(np.abs(v2), np.abs(v1)), np.maximum(np.abs(m1), np.abs(m2)))
    spread = np.abs((v1 - m1) / (2.0 * h) - (v2 - m2) / (4.0 * h))
    return spread + ZERO_ROUNDING * eps * size / h


@jit_cached
def mark_unvouched_zeros(J, state):
    """Mark the accepted components with an entry of ``J`` exactly 0
    :data:`UNVOUCHED_ZERO`; returns how many."""
    m, n = J.shape
    marked = 0
    for i in range(n):
        if state[i] != ACCEPTED:
            continue
        for k in range(m):
            if J[k, i] == 0.0:
                state[i] = UNVOUCHED_ZERO
                marked += 1
                break
    return marked


@jit_cached
def settle_zeros(J, i, saved, points, h, eps):
    """Column ``i`` of ``J`` recomputed by central4 (step ``h``, the stencil's values in
    ``points`` (4, m)) where the complex step gave ``saved`` with exact zeros the check
    could not vouch for: the complex step's nonzero entries are kept (the check did not
    refute them), its zeros too where central4 is within :func:`zero_tolerance` of 0 or not
    finite (its stencil met a NaN of f: no evidence against the 0); elsewhere central4's
    value stands (a lost derivative). Returns 1 if some zero was not confirmed (a
    fallback, for the warning), else 0."""
    lost = 0
    for k in range(J.shape[0]):
        if saved[k] != 0.0 or not np.isfinite(J[k, i]) or abs(J[k, i]) <= zero_tolerance(
                points[0, k], points[1, k], points[2, k], points[3, k], h, eps):
            J[k, i] = saved[k]
        else:
            lost = 1
    return lost


def make_complex_check(f):
    """Confirm or replace the components of a complex-step Jacobian ``J`` (m, n) of ``f``
    (a gradient is ``m = 1``): the one place where a complex-step result is trusted.

    ``complex_check(x, z, steps, J, work, args, evaluations) -> status``: ``x`` is the real
    workspace, ``z`` a complex copy of it with zero imaginary parts (its real part is the
    point, used to restore ``x``), ``work`` a zeroed array of
    :func:`check_workspace` ``(n, m)`` numbers (one allocation per call) whose first ``n``
    hold the state of each column (:data:`ACCEPTED`, :data:`REJECTED`), and the next ``m``
    the error of ``(J p)_k`` that the accepted columns admit (both filled by the caller);
    ``evaluations`` is the evaluations of f so far (``2n`` and third steps). It

    1. recomputes the rejected columns by central4 with the call's own steps (the user's
       step when given);
    2. checks ``J p`` against one real directional difference (:func:`~fastgrad.diff.direction_check.direction_agrees`,
       4 evaluations). A check that fails, or whose points are not all finite (a domain
       edge), is repeated once at ``t / 16`` (4 more): the error of an objective that
       drops the imaginary part does not shrink with ``t``, while the truncation of the
       check near a singularity of f does. A failure by less than that retry's rounding
       could show is final (:func:`~fastgrad.diff.direction_check.retry_resolves`). ``J`` is rejected if the second check
       fails, or if it is not finite after a failed first one. If f is not finite at the
       points of both (a domain edge within ``t max(1, |x_i|)``), or the check confirmed
       ``J p`` only within the truncation allowance of a user's step
       (:func:`~fastgrad.diff.direction_check.allowance_dominates`), or within a rounding
       bound too coarse to see a lost derivative
       (:func:`~fastgrad.diff.direction_check.too_coarse`), the components that
       are exactly 0 are recomputed by central4 (:data:`UNVOUCHED_ZERO`: a lost
       derivative is most often a lost imaginary part, an exact 0), and the others stand
       as the complex step gave them. Every
       component counts, so a component that lost its imaginary part (0 where the
       derivative is not) or part of it (``x * abs(x)`` gives ``|x|`` for ``2 |x|``) shows
       as soon as it matters above the rounding of the check. Exactly-zero components get
       no check of their own: with the fixed irrational weights of :func:`~fastgrad.diff.direction_check.check_direction`
       a lost derivative cancels in ``g . p`` only by coincidence, while exact zeros are
       common where the answer is right (an unused variable, a stationary point), so a
       separate check would cost 4 more evaluations in ordinary calls for no gain in the
       cases that matter;
    3. if the check fails, recomputes every column not yet recomputed by central4.

    Returns ``fallbacks + EXTRA_EVALUATIONS * (evaluations - 2n - 4)`` (see
    :data:`EXTRA_EVALUATIONS`), or :data:`ZERO_STEP` if a central4 step vanished.
    """

    # Long because the kernel's one function: its recomputations and checks share the
    # workspace and the column states, and a helper calling f would need it passed along.

    def complex_check(x, z, steps, J, work, args, evaluations):
        # Long because it is that one kernel (see make_complex_check).
        m, n = J.shape
        state = work[:n]
        allowance = work[n:n + m]
        values = work[n + m:n + 5 * m].reshape((4, m))
        shift = work[n + 5 * m:n + 9 * m].reshape((4, m))
        row = work[n + 9 * m:n + 10 * m]
        direction = work[n + 10 * m:2 * n + 10 * m]
        fallbacks = 0  # recomputed columns with a finite value: what the warning counts
        recomputed = 0
        checked = False
        while True:
            for i in range(n):
                if state[i] != REJECTED and state[i] != UNVOUCHED_ZERO:
                    continue
                xi = x[i]
                hr = step_for(CENTRAL4, xi, steps, i)
                if hr == 0.0:
                    return ZERO_STEP
                unvouched = state[i] == UNVOUCHED_ZERO
                saved = J[:, i].copy() if unvouched else J[:0, i]
                points = np.empty((STENCIL_POINTS[CENTRAL4] if unvouched else 0, m))
                scale_column(J, i, np.inf)
                for p in range(STENCIL_POINTS[CENTRAL4]):  # the stencil of gradient_range
                    x[i] = xi + STENCIL_OFFSETS[CENTRAL4, p] * hr
                    copy_values(f(x, *args), row)
                    add_to_column(J, i, STENCIL_WEIGHTS[CENTRAL4, p], row)
                    if unvouched:
                        points[p] = row
                x[i] = xi
                scale_column(J, i, STENCIL_DIVISOR[CENTRAL4] * hr)
                if unvouched:
                    fallbacks += settle_zeros(J, i, saved, points, hr, value_eps(steps))
                else:  # an all-NaN column reports a NaN of f
                    fallbacks += column_finite(J, i)
                state[i] = RECOMPUTED
                recomputed += 1
                evaluations += 4
            if checked or recomputed == n:
                break
            checked = True
            set_direction(direction, z, J)
            eps = value_eps(steps)  # float32 objectives: their own rounding and step
            t = check_step(eps)
            confirmed = False
            refuted = False
            for attempt in range(2):  # at t, and once more at t / 16 unless decided
                for s in range(4):
                    move_along(x, z, direction, CHECK_OFFSETS[s] * t, J, shift, s)
                    copy_values(f(x, *args), values[s])
                    evaluations += 1
                restore_point(x, z)
                verdict = check_verdict(values, shift, J, direction, allowance, t, eps)
                if verdict != NO_VERDICT:
                    confirmed = verdict == AGREE
                    refuted = not confirmed
                    if confirmed or verdict == REFUTED:
                        break
                t = t / RETRY_FACTOR
            if not refuted:  # confirmed, or f not finite at the check's points
                if ((not confirmed or allowance_dominates(values, J, direction, allowance,
                                                          t, eps)
                     or too_coarse(values, J, direction, t, eps))
                        and mark_unvouched_zeros(J, state) > 0):
                    continue  # recompute those zeros, then stop
                break
            for i in range(n):
                if state[i] == ACCEPTED:
                    state[i] = REJECTED
        return fallbacks + EXTRA_EVALUATIONS * (evaluations - 2 * n - 4)

    return complex_check


def make_complex_gradient(check, f):
    """Gradient of ``f`` by the complex step ``Im f(x + i h e_k) / h``, confirmed by ``check``
    (:func:`make_complex_check` of the same ``f``).

    Each component is computed with two steps, ``h`` and ``h * COMPLEX_CHECK_FACTOR``; where
    they disagree (beyond the O(h**2) truncation of a user's step, told apart by a third
    step) the objective is not complex-analytic as compiled and ``check`` recomputes that
    component by ``central4`` with real arithmetic, perturbing the real workspace ``x`` (as
    :mod:`fastgrad.diff.vectorized` does). ``check`` then confirms the whole gradient with one
    real directional difference. The status counts recomputed components and extra
    evaluations (:data:`EXTRA_EVALUATIONS`).

    ``scheme=CENTRAL4`` asks for the gradient by central4 alone (4n evaluations, status 0):
    :func:`fastgrad.minimize` confirms a complex-step claim of ``||g|| <= gtol`` with it
    where the check cannot (:func:`~fastgrad.diff.direction_check.check_resolution`).
    """

    def complex_gradient_into(x, scheme, steps, out, args):
        n = x.shape[0]
        for i in range(n):
            if not np.isfinite(x[i]):
                return NONFINITE_X
        z = x.astype(np.complex128)
        work, state, allowance = complex_workspace(n, 1)
        if scheme == CENTRAL4:  # every column by central4, no check: 4n evaluations
            for i in range(n):
                state[i] = REJECTED
            status = check(x, z, steps, out.reshape((1, n)), work, args, 4 - 2 * n)
            return status if status < 0 else 0  # (4 - 2n) + 4n - (2n + 4) = 0 extra
        user = is_user_step(steps)
        eps = value_eps(steps)
        evaluations = 2 * n
        for i in range(n):
            xi = x[i]
            h, h2 = complex_step_pair(scheme, xi, steps, i)
            if h == 0.0:
                return ZERO_STEP
            z[i] = complex(xi, h)
            v1 = as_scalar(f(z, *args))
            z[i] = complex(xi, h2)
            v2 = as_scalar(f(z, *args))
            if not (np.isfinite(v1.real) and np.isfinite(v2.real)):
                # f is NaN there, or its complex evaluation overflows where the real one
                # does not: never the quotient of an imaginary part; real central4 decides
                # (NaN where f is, silently; a finite value, with the warning, otherwise)
                out[i] = np.nan
                state[i] = REJECTED
                z[i] = xi
                continue
            d1 = v1.imag / h
            d2 = v2.imag / h2
            out[i] = d1
            if not complex_steps_agree(d1, d2, agreement_floor(v1, xi, eps)):
                trusted = False
                if user:
                    h3 = h2 * COMPLEX_CHECK_FACTOR
                    z[i] = complex(xi, h3)
                    d3 = as_scalar(f(z, *args)).imag / h3
                    evaluations += 1
                    trusted = complex_truncation_consistent(d1, d2, d3)
                if not trusted:
                    state[i] = REJECTED
            if d1 != d2 and state[i] == ACCEPTED:  # d1 - d2 bounds the error of d1
                allowance[0] += 2.0 * abs(d1 - d2) * abs(check_direction(xi, i))
            z[i] = xi
        return check(x, z, steps, out.reshape((1, n)), work, args, evaluations)

    return complex_gradient_into


def make_complex_jacobian(check, f):
    """Jacobian by the complex step, with the checks of the gradient (:func:`make_complex_check`
    confirms ``J p`` output by output); returns ``(status, J)``."""

    def complex_jacobian(x, scheme, steps, args):
        n = x.shape[0]
        z = x.astype(np.complex128)
        m = as_vector(f(z, *args), -1).shape[0]
        out = np.empty((m, n))
        for i in range(n):
            if not np.isfinite(x[i]):
                return NONFINITE_X, out
        work, state, allowance = complex_workspace(n, m)
        user = is_user_step(steps)
        eps = value_eps(steps)
        evaluations = 2 * n
        for i in range(n):
            xi = x[i]
            h, h2 = complex_step_pair(scheme, xi, steps, i)
            if h == 0.0:
                return ZERO_STEP, out
            z[i] = complex(xi, h)
            v1 = as_vector(f(z, *args), m).copy()
            z[i] = complex(xi, h2)
            v2 = as_vector(f(z, *args), m).copy()
            agree = True
            for k in range(m):
                if not (np.isfinite(v1[k].real) and np.isfinite(v2[k].real)):
                    out[k, i] = np.nan  # as in the gradient: real central4 decides
                    agree = False
                    continue
                out[k, i] = v1[k].imag / h
                if not complex_steps_agree(out[k, i], v2[k].imag / h2,
                                           agreement_floor(v1[k], xi, eps)):
                    agree = False
            if not agree:
                if user:
                    h3 = h2 * COMPLEX_CHECK_FACTOR
                    z[i] = complex(xi, h3)
                    v3 = as_vector(f(z, *args), m)
                    evaluations += 1
                    agree = True
                    for k in range(m):
                        if not complex_truncation_consistent(
                                out[k, i], v2[k].imag / h2, v3[k].imag / h3):
                            agree = False
                if not agree:
                    state[i] = REJECTED
            if state[i] == ACCEPTED:
                p = abs(check_direction(xi, i))
                for k in range(m):
                    if np.isfinite(out[k, i]):  # a NaN of f is reported, not checked
                        allowance[k] += 2.0 * abs(out[k, i] - v2[k].imag / h2) * p
            z[i] = xi
        return check(x, z, steps, out, work, args, evaluations), out

    return complex_jacobian
