"""The real directional check that confirms a complex-step gradient or Jacobian
(:func:`fastgrad.diff.complex_step.make_complex_check` and the vectorized path,
:mod:`fastgrad.diff.vectorized`): its direction, its points, its verdict and what it can
resolve.

``J p`` is compared with central differences of f along a fixed direction ``p`` at two steps
``t`` and ``2t`` (Richardson extrapolation) within a rounding bound; a failure is repeated
once at ``t / RETRY_FACTOR`` where that retry can still see the error.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .steps import DIRECTION_ROUNDING, DIRECTION_STEP, EPS, value_eps

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
    bound = 2.0 * np.abs(e1 - e2) + allowance + rounding_bound(scale, t, n, eps)
    return np.abs(4.0 * e1 - e2) / 3.0 <= bound


@jit_cached
def rounding_bound(scale, t, n, eps):
    """The rounding bound of the directional check at step ``t`` (see
    :func:`direction_agrees`), for values of size ``scale`` with unit roundoff ``eps``
    (elementwise on arrays)."""
    return DIRECTION_ROUNDING * (4.0 + np.sqrt(n)) * eps * scale / t


@jit_cached
def retry_resolves(e1, e2, scale, t, n, eps):
    """Whether a failed directional check (the quantities of :func:`direction_agrees`) may
    be repeated at ``t / RETRY_FACTOR``: only where the error it measured,
    ``|4 e1 - e2| / 3``, exceeds twice the retry's rounding bound (``RETRY_FACTOR`` times the
    bound at t: the rounding of a difference quotient grows as 1/t). A smaller error is one
    the retry would hide in its own rounding, not one it could explain: for
    ``(1e6 + x0**2 + x1**2).real`` at (0.01, 0.02) the lost derivative (0.04) fails the
    check at t by 10 times its bound and would pass at t / 16 (elementwise on arrays)."""
    return np.abs(4.0 * e1 - e2) / 3.0 > 2.0 * RETRY_FACTOR * rounding_bound(scale, t, n, eps)


@jit_cached
def check_step(eps):
    """The step ``t`` of the directional check for an f whose values have unit roundoff
    ``eps`` (:data:`~fastgrad.diff.steps.DIRECTION_STEP` for float64's)."""
    return DIRECTION_STEP if eps == EPS else eps ** (1.0 / 3.0)


@jit_cached
def check_resolution(fx, n, steps):
    """The error of one gradient component below which the directional check may confirm a
    complex-step gradient at a point where f is ``fx``: its rounding bound
    (:func:`direction_agrees`, with ``|fx|`` for the size of f) over the smallest weight of
    :func:`check_direction` (1/2). It grows with ``|f|``: 1.6e-3 at ``|f| = 1e6``."""
    eps = value_eps(steps)
    return 2.0 * rounding_bound(abs(fx), check_step(eps), n, eps)


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
        e1 = ((values[0, k] - values[1, k]) - (shift[0, k] - shift[1, k])) / (2.0 * t)
        e2 = ((values[2, k] - values[3, k]) - (shift[2, k] - shift[3, k])) / (4.0 * t)
        scale = check_scale(values, J, direction, k, t)
        if not direction_agrees(e1, e2, scale, t, n, allowance[k], eps):
            if not retry_resolves(e1, e2, scale, t, n, eps):
                return REFUTED
            verdict = DISAGREE
    return verdict


@jit_cached
def check_scale(values, J, direction, k, t):
    """The ``scale`` of output ``k`` in the rounding bound of :func:`direction_agrees`: the
    mean ``|f|`` of the check's four points, ``sum |J_ki p_i|`` and ``|p^T H p|`` estimated
    from the even part of the four values."""
    n = J.shape[1]
    size = 0.0
    for i in range(n):
        if direction[i] != 0.0:
            size += abs(J[k, i] * direction[i])
    curvature = ((values[2, k] + values[3, k]) - (values[0, k] + values[1, k])) / (3.0 * t * t)
    return (abs(values[0, k]) + abs(values[1, k]) + abs(values[2, k])
            + abs(values[3, k])) / 4.0 + size + abs(curvature)


COARSE = 1e-3
"""A confirmation vouches for the exact zeros of ``J`` only where the check could have seen
a lost derivative of ``COARSE`` times the largest term of ``J p`` (:func:`sees_lost`)."""


@jit_cached
def sees_lost(scale, t, n, eps, largest):
    """Whether the check at step ``t`` (values of size ``scale``, unit roundoff ``eps``)
    resolves a lost derivative (an exact 0 where the derivative is not) of ``COARSE`` times
    ``largest``, the size of the derivatives there: the largest ``|J_ki p_i|``, or the
    change ``|p^T H p| t`` of ``J p`` over the step where that is larger (at a stationary
    point). A loss changes ``J p`` by at least half its size (the weights of
    :func:`check_direction` are >= 1/2), which must exceed the rounding bound. Not where
    ``|f|`` dwarfs the derivatives: for ``1e10 + |x0| + x1`` the lost -1 of ``|x0|`` hid in
    a bound of about 8 (elementwise on arrays)."""
    return 2.0 * rounding_bound(scale, t, n, eps) <= COARSE * largest


@jit_cached
def too_coarse(values, J, direction, t, eps):
    """True if the check that confirmed ``J p`` at step ``t`` (its finite ``values``) could
    not have seen a lost derivative of some output (:func:`sees_lost`)."""
    m, n = J.shape
    for k in range(m):
        curvature = ((values[2, k] + values[3, k]) - (values[0, k] + values[1, k])) / (
            3.0 * t * t)
        largest = abs(curvature) * t
        for i in range(n):
            if direction[i] != 0.0:
                largest = max(largest, abs(J[k, i] * direction[i]))
        if not sees_lost(check_scale(values, J, direction, k, t), t, n, eps, largest):
            return True
    return False


@jit_cached
def allowance_dominates(values, J, direction, allowance, t, eps):
    """True if the check that confirmed ``J p`` at step ``t`` (its finite ``values``) did so
    within an ``allowance`` larger than its own rounding bound for some output: the
    truncation of a user's step in the accepted components then sets what the check can
    resolve, and a component lost entirely (an exact 0, as ``abs`` gives) may hide in it
    (``exp(10 x0) + |x1|`` at step 1e-3: the lost 1 of ``|x1|`` passed within the 6e2 of
    ``exp``'s truncation)."""
    m, n = J.shape
    for k in range(m):
        if allowance[k] > rounding_bound(check_scale(values, J, direction, k, t), t, n, eps):
            return True
    return False
