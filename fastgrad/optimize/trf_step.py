"""The step of the bounded trust-region method (:mod:`fastgrad.optimize.trf`) in the box:
Coleman and Li's scaling and the choice, as in SciPy's ``trf``, between the trust-region step
cut back at the first bound it crosses, its reflection off that bound, and the scaled
steepest-descent step, each kept strictly inside the box.

Notation (the "hat" variables of the scaled problem): ``x = x_k + d * s_h``, the model of the
cost is ``q(s_h) = 0.5 ||J_h s_h||**2 + 0.5 s_h' diag(c_h) s_h + g_h' s_h`` with
``J_h = J diag(d)``, ``g_h = d * g`` and ``c_h`` the Coleman-Li term ``g * dv / D``. Every
function writes into the arrays it is given (no allocation) and sees arrays and floats only.
"""

from __future__ import annotations

import math

import numpy as np

from .._core.jit import jit_cached

EPS_ = float(np.finfo(np.float64).eps)

FAR = 1e10
"""A bound farther than ``FAR max(1, |x_i|)`` from ``x_i`` scales as an infinite one in
:func:`cl_scaling`. Its distance ``v_i`` would scale the coordinate by ``sqrt(v_i)``, which
leaves the scaled subproblem without useful steps for ``v_i`` above about 1e30 (a fit within
``(0, 1e30)`` claimed convergence at x0 or short of the minimum, as SciPy's ``trf`` does);
the bound itself still holds, as every step is kept strictly inside the box."""


@jit_cached
def cl_scaling(x, g, lo, hi, v, dv):
    """Coleman-Li's scaling vector: ``v_i`` the distance to the bound the gradient points to
    (``x - lo`` where ``g > 0``, ``hi - x`` where ``g < 0``) when that bound is within
    :data:`FAR` ``max(1, |x_i|)``, else 1 (an infinite or far bound); ``dv_i`` its
    derivative (1, -1 or 0)."""
    for i in range(x.shape[0]):
        v[i] = 1.0
        dv[i] = 0.0
        far = FAR * max(1.0, abs(x[i]))
        if g[i] < 0.0 and hi[i] - x[i] <= far:
            v[i] = hi[i] - x[i]
            dv[i] = -1.0
        elif g[i] > 0.0 and x[i] - lo[i] <= far:
            v[i] = x[i] - lo[i]
            dv[i] = 1.0


@jit_cached
def model_value(Jh, ch, gh, s, tmp):
    """``q(s) = 0.5 ||Jh s||**2 + 0.5 sum(ch s**2) + gh' s``; ``tmp`` (k,) is workspace."""
    k, n = Jh.shape
    total = 0.0
    for i in range(k):
        acc = 0.0
        for j in range(n):
            acc += Jh[i, j] * s[j]
        tmp[i] = acc
        total += acc * acc
    value = 0.5 * total
    for j in range(n):
        value += 0.5 * ch[j] * s[j] * s[j] + gh[j] * s[j]
    return value


@jit_cached
def line_model(Jh, ch, gh, s0, s):
    """``(a, b, c)`` with ``q(s0 + t s) = a t**2 + b t + c``."""
    k, n = Jh.shape
    a = 0.0
    b = 0.0
    c = 0.0
    for i in range(k):
        u = 0.0
        w = 0.0
        for j in range(n):
            u += Jh[i, j] * s0[j]
            w += Jh[i, j] * s[j]
        a += w * w
        b += u * w
        c += u * u
    a *= 0.5
    c *= 0.5
    for j in range(n):
        a += 0.5 * ch[j] * s[j] * s[j]
        b += gh[j] * s[j] + ch[j] * s0[j] * s[j]
        c += gh[j] * s0[j] + 0.5 * ch[j] * s0[j] * s0[j]
    return a, b, c


@jit_cached
def line_minimum(a, b, c, lower, upper):
    """``(t, value)``: the minimum of ``a t**2 + b t + c`` over ``[lower, upper]``."""
    best_t = lower
    best = (a * lower + b) * lower + c
    value = (a * upper + b) * upper + c
    if value < best:
        best_t, best = upper, value
    if a != 0.0:
        t = -0.5 * b / a
        if lower < t < upper:
            value = (a * t + b) * t + c
            if value < best:
                best_t, best = t, value
    return best_t, best


@jit_cached
def to_bound(x, s, lo, hi, hits):
    """The largest ``t`` with ``x + t s`` in the box (inf if s is 0); ``hits[i]`` is the sign
    of ``s_i`` for the coordinates that reach their bound at that ``t``, else 0."""
    n = x.shape[0]
    best = np.inf
    for i in range(n):
        hits[i] = 0.0
        if s[i] != 0.0:
            t = max((lo[i] - x[i]) / s[i], (hi[i] - x[i]) / s[i])
            best = min(best, t)
    for i in range(n):
        if s[i] != 0.0 and max((lo[i] - x[i]) / s[i], (hi[i] - x[i]) / s[i]) == best:
            hits[i] = 1.0 if s[i] > 0.0 else -1.0
    return best


@jit_cached
def to_sphere(y, s, radius):
    """The positive ``t`` with ``||y + t s|| = radius`` (``||y|| <= radius``)."""
    a = 0.0
    b = 0.0
    c = -radius * radius
    for j in range(y.shape[0]):
        a += s[j] * s[j]
        b += y[j] * s[j]
        c += y[j] * y[j]
    if a == 0.0:
        return np.inf
    disc = np.sqrt(max(b * b - a * c, 0.0))
    q = -(b + (disc if b >= 0.0 else -disc))
    t1 = q / a
    t2 = c / q if q != 0.0 else t1
    return max(t1, t2)


@jit_cached
def inside_box(x, p, lo, hi):
    for i in range(x.shape[0]):
        if not (lo[i] <= x[i] + p[i] <= hi[i]):
            return False
    return True


@jit_cached
def choose_step(x, lo, hi, Jh, ch, gh, d, p, ph, delta, theta, work, tmp):
    """Turn the trust-region step ``p = d * ph`` into a step that stays strictly inside the
    box, and return its predicted reduction ``-q``: ``p`` itself when ``x + p`` is in the
    box; else the best (lowest model value) of ``theta`` times ``p`` cut back at the first
    bound, the reflection of the rest of the step off that bound (minimized along its
    line, at most up to the trust region or ``theta`` of the way to the next bound), and
    the steepest-descent step ``-gh`` (minimized along its line within the trust region and
    ``theta`` of the way to the box). ``p`` and ``ph`` get the chosen step; ``work`` (6, n)
    and ``tmp`` (k,) are workspace. Long because it compares the three candidates of
    SciPy's ``select_step`` over one shared workspace."""
    n = x.shape[0]
    if inside_box(x, p, lo, hi):
        return -model_value(Jh, ch, gh, ph, tmp)
    hits, rh, r, xb, ag, agh = work[0], work[1], work[2], work[3], work[4], work[5]
    stride = to_bound(x, p, lo, hi, hits)
    for j in range(n):
        rh[j] = -ph[j] if hits[j] != 0.0 else ph[j]
        r[j] = d[j] * rh[j]
        p[j] *= stride
        ph[j] *= stride
        xb[j] = x[j] + p[j]
    to_tr = to_sphere(ph, rh, delta)
    reach = to_bound(xb, r, lo, hi, agh)  # agh: scratch for the hits here
    r_value = np.inf
    r_stride = min(reach, to_tr)
    if r_stride > 0.0:
        lower = (1.0 - theta) * stride / r_stride
        upper = theta * reach if r_stride == reach else to_tr
        if lower <= upper:
            a, b, c = line_model(Jh, ch, gh, ph, rh)
            t, r_value = line_minimum(a, b, c, lower, upper)
            for j in range(n):
                rh[j] = ph[j] + t * rh[j]
                r[j] = d[j] * rh[j]
    for j in range(n):
        p[j] *= theta
        ph[j] *= theta
    p_value = model_value(Jh, ch, gh, ph, tmp)
    gnorm = 0.0
    for j in range(n):
        agh[j] = -gh[j]
        ag[j] = d[j] * agh[j]
        gnorm += gh[j] * gh[j]
    gnorm = np.sqrt(gnorm)
    ag_value = np.inf
    if gnorm > 0.0:
        along = delta / gnorm
        reach = to_bound(x, ag, lo, hi, hits)
        upper = theta * reach if reach < along else along
        a, b = line_from_zero(Jh, ch, gh, agh)
        t, ag_value = line_minimum(a, b, 0.0, 0.0, upper)
        for j in range(n):
            agh[j] *= t
            ag[j] *= t
    if p_value <= r_value and p_value <= ag_value:
        return -p_value
    src, srch = (r, rh) if r_value < ag_value else (ag, agh)
    for j in range(n):
        p[j] = src[j]
        ph[j] = srch[j]
    return -min(r_value, ag_value)


@jit_cached
def line_from_zero(Jh, ch, gh, s):
    """``(a, b)`` with ``q(t s) = a t**2 + b t``."""
    k, n = Jh.shape
    a = 0.0
    for i in range(k):
        w = 0.0
        for j in range(n):
            w += Jh[i, j] * s[j]
        a += w * w
    a *= 0.5
    b = 0.0
    for j in range(n):
        a += 0.5 * ch[j] * s[j] * s[j]
        b += gh[j] * s[j]
    return a, b


@jit_cached
def trust_step(sv, uf, V, delta, alpha, k, ph):
    """The step ``ph`` of ``min ||A s + b||`` within ``||s|| <= delta`` from the SVD of the
    augmented matrix ``A = U diag(sv) V'`` (``uf = U' b``), as SciPy's
    ``solve_lsq_trust_region``: the Gauss-Newton step where A has full rank (``k`` rows)
    and it fits; else the Levenberg-Marquardt parameter to 1% by the safeguarded Newton
    iteration (from ``alpha``, the previous value), and the step scaled onto the sphere.
    Returns the parameter (0.0 for the Gauss-Newton step).

    Solved as the same problem in ``u = c s`` (``sv / c``, ``delta c``, ``alpha / c**2``)
    with c the power of two nearest the largest singular value: exactly the same numbers
    where nothing over- or underflows, and moderate ones where the scaled variables are
    extreme (bounds of 1e300 give sv ~ 1e150 and delta ~ 1e-150, whose secular derivative
    underflowed to 0: an infinite parameter, a zero step, and x0 reported as converged)."""
    smax = np.max(sv)
    if not (smax > 0.0 and smax < np.inf):
        return _trust_step(sv, uf, V, delta, alpha, k, ph)
    power = math.frexp(smax)[1]
    for i in range(sv.shape[0]):
        sv[i] = math.ldexp(sv[i], -power)
    alpha = _trust_step(sv, uf, V, math.ldexp(delta, power), math.ldexp(alpha, -2 * power), k, ph)
    for i in range(sv.shape[0]):
        sv[i] = math.ldexp(sv[i], power)
    for j in range(ph.shape[0]):
        ph[j] = math.ldexp(ph[j], -power)
    return math.ldexp(alpha, 2 * power)


@jit_cached
def _trust_step(sv, uf, V, delta, alpha, k, ph):
    """:func:`trust_step` on the scaled problem."""
    n = sv.shape[0]
    smax = np.max(sv)
    full_rank = k >= n and np.min(sv) > EPS_ * k * smax
    if full_rank:
        total = 0.0
        for j in range(n):
            z = 0.0
            for i in range(n):
                z -= V[j, i] * uf[i] / sv[i]
            ph[j] = z
            total += z * z
        if np.sqrt(total) <= delta:
            return 0.0
    upper = 0.0
    for i in range(n):
        upper += (sv[i] * uf[i]) ** 2
    upper = np.sqrt(upper) / delta
    lower = 0.0
    if full_rank:
        phi, dphi = _secular(0.0, sv, uf, delta)
        lower = -phi / dphi
    if alpha == 0.0 and not full_rank:
        alpha = max(0.001 * upper, np.sqrt(lower * upper))
    for _ in range(10):
        if alpha < lower or alpha > upper:
            alpha = max(0.001 * upper, np.sqrt(lower * upper))
        phi, dphi = _secular(alpha, sv, uf, delta)
        if phi < 0.0:
            upper = alpha
        ratio = phi / dphi
        lower = max(lower, alpha - ratio)
        alpha -= (phi + delta) * ratio / delta
        if abs(phi) < 0.01 * delta:
            break
    total = 0.0
    for j in range(n):
        z = 0.0
        for i in range(n):
            z -= V[j, i] * sv[i] * uf[i] / (sv[i] * sv[i] + alpha)
        ph[j] = z
        total += z * z
    norm = np.sqrt(total)
    if norm > 0.0:
        for j in range(n):
            ph[j] *= delta / norm
    return alpha


@jit_cached
def _secular(alpha, sv, uf, delta):
    """``phi(alpha) = ||p(alpha)|| - delta`` and its derivative."""
    norm2 = 0.0
    deriv = 0.0
    for i in range(sv.shape[0]):
        d = sv[i] * sv[i] + alpha
        t = sv[i] * uf[i] / d
        norm2 += t * t
        deriv += t * t / d
    norm = np.sqrt(norm2)
    if norm == 0.0:
        return -delta, -1.0
    return norm - delta, -deriv / norm
