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
from .kernels import NONFINITE_X, ZERO_STEP
from .steps import (
    CENTRAL4,
    COMPLEX_CHECK_FACTOR,
    COMPLEX_CHECK_RTOL,
    COMPLEX_TRUNCATION_RTOL,
    DIRECTION_ROUNDING,
    DIRECTION_STEP,
    EPS,
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

EXTRA_EVALUATIONS = 1 << 32
"""A complex-step kernel's status is ``fallbacks + EXTRA_EVALUATIONS * extra``: the number of
components recomputed by central4, and the evaluations of f beyond the nominal ``2n + 4`` (two
complex steps per component and the directional check). ``extra`` counts 4 per recomputed
component, 1 per third complex step (user's step), 4 for a repeated directional check, minus
the 4 of a check that was not needed (every component recomputed); it is never negative."""

CHECK_OFFSETS = np.array([1.0, -1.0, 2.0, -2.0])
"""Points ``x + s t p`` of the directional check, in units of ``t``."""

RETRY_FACTOR = 16.0
"""A directional check that fails is repeated once at ``t / RETRY_FACTOR`` (near a
singularity of f its truncation shrinks), unless :func:`retry_resolves` says the retry could
not see the error the first check saw."""

AGREE, DISAGREE, REFUTED, NO_VERDICT = 1, 0, 2, -1
"""Verdicts of :func:`check_verdict`: the check confirms ``J p``; it does not, but a check at
``t / RETRY_FACTOR`` may (the error is above what that retry can resolve); it does not and a
retry could not tell (refuted now); a value of f at the check's points is not finite."""


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
def check_direction(xi, i):
    """Coordinate ``i`` of the direction ``p`` of the real check at ``x_i``:
    ``w_i * max(1, |x_i|)``. The fixed weights ``w_i = s_i (0.5 + 0.5 u_i)`` come from
    equidistributed sequences (``u_i = frac((i + 1) / golden ratio)``, signs from
    ``frac((i + 1) sqrt 2)``): mixed signs, distinct irrational magnitudes in [0.5, 1], so
    that errors of different components do not cancel in ``g . p`` except by coincidence.
    Elementwise on arrays as well (used so by the vectorized path)."""
    k = i + 1.0
    u = k * 0.6180339887498949
    v = k * 0.41421356237309515
    u = u - np.floor(u)
    v = v - np.floor(v)
    sign = 1.0 - 2.0 * np.floor(2.0 * v)
    return sign * (0.5 + 0.5 * u) * np.maximum(1.0, np.abs(xi))


@jit_cached
def complex_steps_agree(d1, d2):
    """True where the quotients of two complex steps agree to rounding (elementwise)."""
    return np.abs(d1 - d2) <= COMPLEX_CHECK_RTOL * np.maximum(np.abs(d1), np.abs(d2))


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
def direction_agrees(e1, e2, scale, t, n, allowance, eps):
    """Verdict of the directional check for one output (elementwise on arrays).

    ``e(s) = (f(x + s p) - f(x - s p) - g . (x_+ - x_-)) / (2 s)`` at ``s = t`` and ``2t``
    (``x_+ - x_-`` the displacement actually taken) is the error of ``g . p`` against a
    central difference, plus that difference's truncation ``c s**2`` and rounding.
    Richardson's ``(4 e1 - e2) / 3`` removes the truncation to O(t**4): it estimates the
    error of ``g . p``, which must not exceed

    * ``2 |e1 - e2|``: three times the O(t**2) term, a generous bound of what Richardson
      leaves (O(t**4));
    * the rounding of the four evaluations,
      ``DIRECTION_ROUNDING * (4 + sqrt(n)) * eps * scale / t`` (``eps`` the unit roundoff
      of f's values, :func:`fastgrad.steps.value_eps`), where ``scale`` is the mean
      ``|f|`` of the four points plus ``sum |g_i p_i|`` plus ``|p^T H p|`` (estimated from
      the even part of the four values). ``|f|`` alone underestimates the rounding of
      values computed with cancellation (``1 - cos x``, ``x*x - 2*x + 1`` near 1,
      ``log(1 + x*x)`` at small x); the first and second variations stand in for the
      size of the intermediate terms. ``sqrt(n)``: the rounding of a sum of n terms.
      Measured on the problem table and such cancelling forms, the Richardson error
      exceeds ``2 |e1 - e2|`` by at most 0.6 (1.7 for ``sum(x) - n`` at n = 10**4)
      times ``eps * scale / t``;
    * ``allowance``: the error the accepted components admit (truncation of a user's
      step, rounding).
    """
    bound = 2.0 * np.abs(e1 - e2) + allowance + (
        DIRECTION_ROUNDING * (4.0 + np.sqrt(n)) * eps * scale / t
    )
    return np.abs(4.0 * e1 - e2) / 3.0 <= bound


@jit_cached
def retry_resolves(e1, e2, scale, t, n, eps):
    """Whether a failed directional check (the quantities of :func:`direction_agrees`) may
    be repeated at ``t / RETRY_FACTOR``: only where the error it measured,
    ``|4 e1 - e2| / 3``, exceeds twice the retry's rounding bound (``RETRY_FACTOR`` times the
    bound at t: the rounding of a difference quotient grows as 1/t). A smaller error is one
    the retry would hide in its own rounding, not one it could explain: for
    ``(1e6 + x0**2 + x1**2).real`` at (0.01, 0.02) the lost derivative (0.04) fails the
    check at t by 10 times its bound and would pass at t / 16 (elementwise on arrays)."""
    rounding = DIRECTION_ROUNDING * (4.0 + np.sqrt(n)) * eps * scale / t
    return np.abs(4.0 * e1 - e2) / 3.0 > 2.0 * RETRY_FACTOR * rounding


@jit_cached
def set_direction(direction, z, J):
    """The direction ``p`` of the check at the point ``Re z`` (:func:`check_direction`),
    0 along columns of ``J`` that are not finite (a NaN of f is reported, not checked)."""
    m, n = J.shape
    for i in range(n):
        direction[i] = check_direction(z[i].real, i)
        for k in range(m):
            if not np.isfinite(J[k, i]):
                direction[i] = 0.0


@jit_cached
def move_along(x, z, direction, step, J, shift, s):
    """``x = Re z + step * direction``, and ``shift[s] = J (x - Re z)``: the change of the
    linear model ``J`` over the displacement actually taken (not ``step * direction``,
    which the rounding of ``x`` alters by up to ``eps |x|``)."""
    m, n = J.shape
    for i in range(n):
        x[i] = z[i].real + step * direction[i]
    for k in range(m):
        acc = 0.0
        for i in range(n):
            if direction[i] != 0.0:
                acc += J[k, i] * (x[i] - z[i].real)
        shift[s, k] = acc


@jit_cached
def restore_point(x, z):
    """``x = Re z``."""
    for i in range(x.shape[0]):
        x[i] = z[i].real


@jit_cached
def check_verdict(values, shift, J, direction, allowance, t, eps):
    """:func:`direction_agrees` for every output of the four points of the check:
    :data:`AGREE` if all agree; :data:`REFUTED` if one does not by less than a retry could
    resolve (:func:`retry_resolves`), else :data:`DISAGREE`; :data:`NO_VERDICT` if a value
    of f is not finite."""
    m, n = J.shape
    for s in range(4):
        for k in range(m):
            if not np.isfinite(values[s, k]):
                return -1
    verdict = AGREE
    for k in range(m):
        size = 0.0
        for i in range(n):
            if direction[i] != 0.0:
                size += abs(J[k, i] * direction[i])
        e1 = ((values[0, k] - values[1, k]) - (shift[0, k] - shift[1, k])) / (2.0 * t)
        e2 = ((values[2, k] - values[3, k]) - (shift[2, k] - shift[3, k])) / (4.0 * t)
        curvature = ((values[2, k] + values[3, k]) - (values[0, k] + values[1, k])) / (
            3.0 * t * t)
        scale = (abs(values[0, k]) + abs(values[1, k]) + abs(values[2, k])
                 + abs(values[3, k])) / 4.0 + size + abs(curvature)
        if not direction_agrees(e1, e2, scale, t, n, allowance[k], eps):
            if not retry_resolves(e1, e2, scale, t, n, eps):
                return REFUTED
            verdict = DISAGREE
    return verdict


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
    2. checks ``J p`` against one real directional difference (:func:`direction_agrees`,
       4 evaluations). A check that fails, or whose points are not all finite (a domain
       edge), is repeated once at ``t / 16`` (4 more): the error of an objective that
       drops the imaginary part does not shrink with ``t``, while the truncation of the
       check near a singularity of f does. A failure by less than that retry's rounding
       could show is final (:func:`retry_resolves`). ``J`` is rejected if the second check
       fails, or if it is not finite after a failed first one; if f is not finite at the
       points of both, ``J`` stands unchecked. Every
       component counts, so a component that lost its imaginary part (0 where the
       derivative is not) or part of it (``x * abs(x)`` gives ``|x|`` for ``2 |x|``) shows
       as soon as it matters above the rounding of the check. Exactly-zero components get
       no check of their own: with the fixed irrational weights of :func:`check_direction`
       a lost derivative cancels in ``g . p`` only by coincidence, while exact zeros are
       common where the answer is right (an unused variable, a stationary point), so a
       separate check would cost 4 more evaluations in ordinary calls for no gain in the
       cases that matter;
    3. if the check fails, recomputes every column not yet recomputed by central4.

    Returns ``fallbacks + EXTRA_EVALUATIONS * (evaluations - 2n - 4)`` (see
    :data:`EXTRA_EVALUATIONS`), or :data:`ZERO_STEP` if a central4 step vanished.
    """

    def complex_check(x, z, steps, J, work, args, evaluations):
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
                if state[i] != REJECTED:
                    continue
                xi = x[i]
                hr = step_for(CENTRAL4, xi, steps, i)
                if hr == 0.0:
                    return ZERO_STEP
                scale_column(J, i, np.inf)
                for p in range(STENCIL_POINTS[CENTRAL4]):  # the stencil of gradient_range
                    x[i] = xi + STENCIL_OFFSETS[CENTRAL4, p] * hr
                    copy_values(f(x, *args), row)
                    add_to_column(J, i, STENCIL_WEIGHTS[CENTRAL4, p], row)
                x[i] = xi
                scale_column(J, i, STENCIL_DIVISOR[CENTRAL4] * hr)
                state[i] = RECOMPUTED
                recomputed += 1
                evaluations += 4
                fallbacks += column_finite(J, i)  # an all-NaN column reports a NaN of f
            if checked or recomputed == n:
                break
            checked = True
            set_direction(direction, z, J)
            eps = value_eps(steps)  # float32 objectives: their own rounding and step
            t = DIRECTION_STEP if eps == EPS else eps ** (1.0 / 3.0)
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
            if not refuted:
                break  # confirmed, or f not finite at the check's points: J stands unchecked
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
    """

    def complex_gradient_into(x, scheme, steps, out, args):
        n = x.shape[0]
        for i in range(n):
            if not np.isfinite(x[i]):
                return NONFINITE_X
        z = x.astype(np.complex128)
        work, state, allowance = complex_workspace(n, 1)
        user = is_user_step(steps)
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
            if not complex_steps_agree(d1, d2):
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
                if not complex_steps_agree(out[k, i], v2[k].imag / h2):
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
