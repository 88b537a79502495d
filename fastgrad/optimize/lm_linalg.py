"""The linear algebra of the Levenberg-Marquardt kernel (:mod:`fastgrad.optimize.lm`), written
for small n and allocation-free: a Householder QR of the scaled Jacobian ``J D**-1`` (k, n)
that also forms ``Q' r``, a one-sided Jacobi SVD of the n-by-n triangle ``R`` (accurate to
high relative precision even for the ill-conditioned NIST problems), Moré's safeguarded
Newton iteration for the Levenberg-Marquardt parameter, and the step it gives.

With ``J D**-1 = Q R`` and ``R = U diag(s) V'``, the scaled step of parameter ``lam`` is
``z(lam) = -V diag(s / (s**2 + lam)) U' (Q' r)[:n]`` and ``p = D**-1 z``.

Every function writes into the arrays it is given; none allocates. The singular values are
not sorted: the functions read their largest and smallest where they need them.

Norms and cosines are taken without overflow or underflow (as MINPACK's ``enorm``), on the
plain sum of squares wherever it is safely in range, so ordinary problems get the plain
result bit for bit; :func:`scale_subproblem` keeps the subproblem in range the same way
where the residuals or the singular values of ``J D**-1`` are far from 1 (``D`` the running
maximum of the column norms, singular values shrink as the columns do).
"""

from __future__ import annotations

import math

import numpy as np

from .._core.jit import jit_cached

EPS = float(np.finfo(np.float64).eps)
JACOBI_SWEEPS = 60
"""Sweeps of the Jacobi SVD at most (it converges quadratically: a few sweeps for n <= 10)."""


SQUARES_LOW = 2.0 ** -900
"""A plain sum of squares at or above this lost nothing to underflow that matters (squares
below the smallest normal number, 2e-308, are below it by a factor eps**2 at least); a sum
below it, or one that overflowed, is taken again scaled by the largest magnitude."""
COSINE_RANGE = (2.0 ** -900, 2.0 ** 990)
"""``|J_j' r| / (||J_j|| ||r||)`` is taken as it is where the denominator lies in this
range (no term of the dot product can then overflow, and none that underflows matters),
else from the normalized vectors."""
SCALE_RANGE = (2.0 ** -100, 2.0 ** 100)
"""The subproblem is solved as it is where the largest singular value and the largest
``|U' Q' r|`` lie in this range (the squares of :func:`lm_parameter`, of quotients down to
the rank cutoff, then stay in range), else scaled, :func:`scale_subproblem`."""


@jit_cached
def rescaled_norm(v, D, weighted):
    """``||v||`` (``||D v||`` when ``weighted``) as ``m ||v / m||``, ``m`` the largest
    magnitude: no square overflows, and only squares negligible next to 1 underflow. NaN
    where v holds a NaN, inf where it holds an inf."""
    big = 0.0
    for i in range(v.shape[0]):
        a = abs(D[i] * v[i]) if weighted else abs(v[i])
        if np.isnan(a):
            return a
        big = max(big, a)
    if big == 0.0 or big == np.inf:
        return big
    total = 0.0
    for i in range(v.shape[0]):
        t = (D[i] * v[i] if weighted else v[i]) / big
        total += t * t
    return big * np.sqrt(total)


@jit_cached
def square(value):
    """``value * value``: not ``value ** 2``, which for a Python float (the Python engine runs
    the solvers' code on them) raises OverflowError where the product is inf."""
    return value * value


@jit_cached
def norm2(v):
    """Euclidean norm of a vector (plain loop: no temporary), without overflow or underflow:
    the plain sum of squares where it is in range (at least :data:`SQUARES_LOW`, finite),
    else :func:`rescaled_norm`."""
    total = 0.0
    for i in range(v.shape[0]):
        total += v[i] * v[i]
    if SQUARES_LOW <= total < np.inf:
        return np.sqrt(total)
    return rescaled_norm(v, v, False)


@jit_cached
def scaled_norm(D, x):
    """``||D x||``, as :func:`norm2`."""
    total = 0.0
    for i in range(x.shape[0]):
        total += (D[i] * x[i]) ** 2
    if SQUARES_LOW <= total < np.inf:
        return np.sqrt(total)
    return rescaled_norm(x, D, True)


@jit_cached
def column_cosine(J, j, r, gj, cn, fnorm):
    """``|J_j' r| / (cn fnorm)``, the cosine of column j of J with r, for ``gj = J_j' r``
    and the norms ``cn = ||J_j|| > 0``, ``fnorm = ||r|| > 0``: the quotient where ``cn fnorm``
    lies in :data:`COSINE_RANGE` (the caller tests it inline, the common case), else from the
    normalized vectors (where ``gj`` may have overflowed or lost its terms to underflow)."""
    acc = 0.0
    for i in range(r.shape[0]):
        acc += (J[i, j] / cn) * (r[i] / fnorm)
    return abs(acc)


@jit_cached
def power_of_two(value, limit):
    """The power of two next to ``1 / value`` (its exponent within ``+-limit``) where
    ``value`` is positive, finite and outside :data:`SCALE_RANGE`, else 1.0."""
    if not 0.0 < value < np.inf or SCALE_RANGE[0] <= value <= SCALE_RANGE[1]:
        return 1.0
    return math.ldexp(1.0, min(max(-math.frexp(value)[1], -limit), limit))


@jit_cached
def scale_subproblem(sv, uf):
    """Scale the subproblem ``(sv, uf)`` in place to ``(sv / rho, sigma uf)`` with powers of
    two (exact) near 1 over the largest of each, and return ``(rho, sigma)``: (1.0, 1.0),
    nothing changed, where both lie in :data:`SCALE_RANGE`. With the trust radius
    ``rho sigma delta`` and parameter ``lam / rho**2``, the scaled problem's step is
    ``rho sigma`` times the step (:func:`subproblem_step`)."""
    big_s = 0.0
    big_u = 0.0
    for i in range(sv.shape[0]):
        big_s = max(big_s, sv[i])
        big_u = max(big_u, abs(uf[i]))
    rho = 1.0 / power_of_two(big_s, 500)  # rho**2 stays finite and normal
    sigma = power_of_two(big_u, 1000)
    if rho != 1.0 or sigma != 1.0:
        for i in range(sv.shape[0]):
            sv[i] /= rho
            uf[i] *= sigma
    return rho, sigma


@jit_cached
def subproblem_step(sv, uf, V, D, delta, lam, cutoff, rho, sigma, coef, p):
    """:func:`lm_parameter` and :func:`scaled_step` on the subproblem that
    :func:`scale_subproblem` scaled by ``(rho, sigma)`` (``cutoff`` that of the scaled
    ``sv``), for the radius ``delta`` and previous parameter ``lam`` of the problem itself:
    writes the step ``p`` and returns ``(lam, ||D p||)``, both of the problem itself. Called
    only where ``(rho, sigma) != (1, 1)``: else the caller calls those two directly (one call
    less per trial step on the common path)."""
    rho2 = rho * rho
    lam_s = lm_parameter(sv, uf, delta * rho * sigma, lam / rho2, cutoff)
    pnorm = scaled_step(sv, uf, V, D, lam_s, cutoff, coef, p) / rho / sigma
    for j in range(p.shape[0]):
        p[j] = p[j] / rho / sigma
    return lam_s * rho2, pnorm


@jit_cached
def dot_from(a, b, start):
    """``sum(a[start:] * b[start:])`` with four partial sums (a fixed order, so the result
    is the same at every call): a reduction in one accumulator waits on the latency of each
    addition, which made the QR of a (250, 8) Jacobian four times slower."""
    k = a.shape[0]
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    i = start
    while i + 4 <= k:
        s0 += a[i] * b[i]
        s1 += a[i + 1] * b[i + 1]
        s2 += a[i + 2] * b[i + 2]
        s3 += a[i + 3] * b[i + 3]
        i += 4
    while i < k:
        s0 += a[i] * b[i]
        i += 1
    return (s0 + s1) + (s2 + s3)


@jit_cached
def factor_scaled(J, D, r, At, w, W, sv, uf, V):
    """Factor ``J D**-1``: on return ``sv`` holds its singular values, ``V`` (n, n) its right
    singular vectors (columns) and ``uf = U' (Q' r)[:n]``. ``At`` (n, k) holds the columns of
    ``J D**-1`` as rows (contiguous, for the reflections), ``w`` (k,) becomes ``Q' r`` and
    ``W`` (n, n) ends holding ``R V``."""
    n, k = At.shape
    for j in range(n):
        scale = 1.0 / D[j]
        for i in range(k):
            At[j, i] = J[i, j] * scale
    for i in range(k):
        w[i] = r[i]
    for j in range(n):  # Householder reflections, applied to the columns to the right and r
        v = At[j]
        norm = np.sqrt(dot_from(v, v, j))
        if norm == 0.0:
            continue
        alpha = -norm if v[j] > 0.0 else norm
        v[j] -= alpha  # v = x - alpha e_1, stored in place of x
        vv = dot_from(v, v, j)
        for c in range(j + 1, n):
            col = At[c]
            t = 2.0 * dot_from(v, col, j) / vv
            for i in range(j, k):
                col[i] -= t * v[i]
        t = 2.0 * dot_from(v, w, j) / vv
        for i in range(j, k):
            w[i] -= t * v[i]
        v[j] = alpha
    for i in range(n):  # R: row i, column j is At[j, i] above the diagonal
        for j in range(n):
            W[i, j] = At[j, i] if j >= i else 0.0
    jacobi_svd(W, V, sv)
    for j in range(n):
        dot = 0.0
        for i in range(n):
            dot += W[i, j] * w[i]
        uf[j] = dot / sv[j] if sv[j] > 0.0 else 0.0


@jit_cached
def jacobi_svd(A, V, sv):
    """One-sided Jacobi SVD of the n-by-n ``A``: rotates its columns until they are
    orthogonal (``A <- A V``), accumulating the rotations in ``V``; ``sv`` gets the column
    norms, the singular values."""
    n = V.shape[0]
    for i in range(n):
        for j in range(n):
            V[i, j] = 1.0 if i == j else 0.0
    for _ in range(JACOBI_SWEEPS):
        rotated = False
        for p in range(n - 1):
            for q in range(p + 1, n):
                alpha = 0.0
                beta = 0.0
                gamma = 0.0
                for i in range(n):
                    alpha += A[i, p] * A[i, p]
                    beta += A[i, q] * A[i, q]
                    gamma += A[i, p] * A[i, q]
                if gamma == 0.0 or abs(gamma) <= EPS * np.sqrt(alpha * beta):
                    continue
                rotated = True
                zeta = (beta - alpha) / (2.0 * gamma)
                t = (1.0 if zeta >= 0.0 else -1.0) / (abs(zeta) + np.sqrt(1.0 + zeta * zeta))
                c = 1.0 / np.sqrt(1.0 + t * t)
                s = c * t
                for i in range(n):
                    ap = A[i, p]
                    aq = A[i, q]
                    A[i, p] = c * ap - s * aq
                    A[i, q] = s * ap + c * aq
                    vp = V[i, p]
                    vq = V[i, q]
                    V[i, p] = c * vp - s * vq
                    V[i, q] = s * vp + c * vq
        if not rotated:
            break
    for j in range(n):
        total = 0.0
        for i in range(n):
            total += A[i, j] * A[i, j]
        sv[j] = np.sqrt(total)


@jit_cached
def rank_cutoff(sv, k):
    """Singular values at or below this count as zero (``eps max(k, n) s_max``)."""
    return np.max(sv) * max(k, sv.shape[0]) * EPS


@jit_cached
def lm_parameter(sv, uf, delta, lam, cutoff):
    """The Levenberg-Marquardt parameter for trust radius ``delta``: 0.0 when the
    Gauss-Newton step is within ``1.1 delta``, else an approximate root (to 10%) of
    ``phi(lam) = ||z(lam)|| - delta`` by Moré's safeguarded Newton iteration, ``lam`` the
    previous value (the first guess when it lies in the bracket)."""
    n = sv.shape[0]
    full_rank = np.min(sv) > cutoff
    gn2 = 0.0  # ||z(0)||**2 of the (pseudo-inverse) Gauss-Newton step
    slope = 0.0
    for i in range(n):
        if sv[i] > cutoff:
            t = uf[i] / sv[i]
            gn2 += t * t
            slope += t * t / (sv[i] * sv[i])
    gn = np.sqrt(gn2)
    phi = gn - delta
    if phi <= 0.1 * delta:
        return 0.0
    lower = 0.0
    if full_rank and slope > 0.0:  # Newton's step from 0: a lower bound of the root
        lower = phi / (slope / gn)
    grad2 = 0.0
    for i in range(n):
        grad2 += (sv[i] * uf[i]) ** 2
    upper = np.sqrt(grad2) / delta
    if upper == 0.0:
        return 0.0
    for _ in range(10):
        if not (lower < lam < upper):
            lam = max(0.001 * upper, np.sqrt(lower * upper))
        norm2 = 0.0
        deriv = 0.0
        for i in range(n):
            d = sv[i] * sv[i] + lam
            t = sv[i] * uf[i] / d
            norm2 += t * t
            deriv += t * t / d
        norm = np.sqrt(norm2)
        phi = norm - delta
        if abs(phi) <= 0.1 * delta:
            break
        dphi = -deriv / norm
        if phi < 0.0:
            upper = lam
        ratio = phi / dphi
        lower = max(lower, lam - ratio)
        lam = lam - (phi + delta) / delta * ratio
    return lam


@jit_cached
def scaled_step(sv, uf, V, D, lam, cutoff, coef, p):
    """Write the step ``p = D**-1 z(lam)`` and return ``||z(lam)|| = ||D p||``; ``coef``
    (n,) is workspace."""
    n = D.shape[0]
    for i in range(n):
        if lam == 0.0:
            coef[i] = -uf[i] / sv[i] if sv[i] > cutoff else 0.0
        else:
            coef[i] = -sv[i] * uf[i] / (sv[i] * sv[i] + lam)
    norm2 = 0.0
    for j in range(n):
        z = 0.0
        for i in range(n):
            z += V[j, i] * coef[i]
        norm2 += z * z
        p[j] = z / D[j]
    return np.sqrt(norm2)


@jit_cached
def covariance_into(J, cost, absolute, out):
    """SciPy's ``pcov`` of one fit into ``out`` (n, n): :func:`normal_pinv` of its weighted
    Jacobian ``J`` (k, n), scaled by ``2 cost / (k - n)`` unless ``absolute``; all inf (and
    False returned) when it cannot be estimated: a non-finite ``J``, ``k <= n`` without
    ``absolute``, or a ``J`` of rank below n (a singular value dropped). There SciPy's
    pseudo-inverse gives a variance of 0 along what the data do not determine: for the
    model ``a + 0 b``, a standard deviation of 0 for b."""
    k, n = J.shape
    if not absolute and k <= n:
        out[:, :] = np.inf
        return False
    for i in range(k):
        for j in range(n):
            if not np.isfinite(J[i, j]):
                out[:, :] = np.inf
                return False
    if normal_pinv(J, out) > 0:
        out[:, :] = np.inf
        return False
    if not absolute:
        factor = 2.0 * cost / (k - n)
        for i in range(n):
            for j in range(n):
                out[i, j] *= factor
    return True


@jit_cached
def normal_pinv(J, out):
    """``out = pinv(J' J)`` (n, n) through the SVD of J: singular values at or below
    ``eps max(k, n) s_max`` are dropped (SciPy's ``curve_fit`` rule). Returns how many."""
    k, n = J.shape
    sv = np.empty(n)
    V = np.empty((n, n))
    factor_scaled(J, np.ones(n), np.zeros(k), np.empty((n, k)), np.empty(k),
                  np.empty((n, n)), sv, np.empty(n), V)
    cutoff = rank_cutoff(sv, k)
    for i in range(n):
        for j in range(n):
            total = 0.0
            for m in range(n):
                if sv[m] > cutoff:
                    total += V[i, m] * V[j, m] / (sv[m] * sv[m])
            out[i, j] = total
    dropped = 0
    for m in range(n):
        if not sv[m] > cutoff:
            dropped += 1
    return dropped


@jit_cached
def summarize(J, r, grad, out):
    """``grad = J' r``, ``out[0] = 0.5 sum r**2`` (the cost), ``out[1] = ||grad||_inf``."""
    k, n = J.shape
    cost = 0.0
    for i in range(k):
        cost += r[i] * r[i]
    half = 0.5 * cost
    if cost == np.inf:  # the sum overflowed: inf only if half of it does
        root = np.sqrt(0.5) * rescaled_norm(r, r, False)
        half = root * root
    out[0] = half
    best = 0.0
    for j in range(n):
        g = 0.0
        for i in range(k):
            g += J[i, j] * r[i]
        grad[j] = g
        best = max(best, abs(g))
    out[1] = best


@jit_cached
def summarize_rows(J, R, G, OUT):
    """:func:`summarize` for each row of a batch."""
    for i in range(J.shape[0]):
        summarize(J[i], R[i], G[i], OUT[i])
