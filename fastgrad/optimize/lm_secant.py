"""The structured secant model of the Levenberg-Marquardt kernel (:mod:`fastgrad.optimize.lm`)
for problems whose residuals stay large at the solution.

Gauss-Newton models the Hessian of ``0.5 ||r||**2`` by ``J'J`` and leaves out
``sum r_i Hess(r_i)``, which is small only when the residuals are small or nearly linear. On
a large-residual problem (NIST's ENSO from its second start: 168 residuals of size about 2
at the solution) the iteration then converges linearly, about a fifth of a digit per
iteration, and the relative-reduction test stops it with three correct digits.

Following Dennis, Gay and Welsch (NL2SOL, ACM TOMS 7, 1981), ``S`` (n, n) approximates the
left-out term by a symmetric secant update after every accepted step ``s``:

* ``y = J+' r+ - J' r`` (the change of the gradient) and ``y# = J+' r+ - J' r+`` (the change
  that S must explain: the curvature of the residuals seen along s);
* S is first sized by ``min(1, |s'y#| / |s's S s|)`` (NL2SOL's rule: an S grown for
  large residuals shrinks as they shrink) and then updated so that ``S s = y#``, the
  symmetric rank-two update closest to S in the norm weighted by y;
* no update when ``y's <= 0`` (no curvature to learn along s).

S is learnt from the first accepted step on, but steps with it start only when
Gauss-Newton has stopped on the ftol test after a linearly convergent tail
(:data:`fastgrad.optimize.lm.SLOW`): a small-residual problem, where Gauss-Newton converges
quadratically and S is noise, runs as without it. From then on the kernel steps with the
augmented model while its scaled Hessian ``D**-1 (J'J + S) D**-1`` is positive definite, with
Gauss-Newton's step where it is not. (A choice at every step of the model whose prediction
of the last step was closer, NL2SOL's rule reduced to its comparison, cost Lanczos3 and
MGH17 their solution from NIST's first start.)

The augmented step reuses the Gauss-Newton machinery: with the scaled Hessian
``H = V2 diag(s2**2) V2'`` and the scaled gradient ``g``, the step of parameter ``lam`` is
``-V2 diag(s2 u2 / (s2**2 + lam))`` for ``u2 = V2' g / s2``, the form that
:func:`fastgrad.optimize.lm_linalg.lm_parameter` and ``scaled_step`` solve for
``(s, U' Q' r, V)`` of the Gauss-Newton model.

State in the run's float row (``fs``), after the first :data:`SECANT_AT` entries: a flag
for the model in use, a flag for an update due at the next Jacobian, the relative reductions
of the last two accepted steps, ``J' r`` at the last iterate, ``J' r+`` of the old Jacobian
at the new iterate, the last step, and S (n * n, row major). A chunked run carries them from
chunk to chunk, so its result does not depend on where chunks end.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .lm_linalg import jacobi_svd

SECANT_AT = 5
"""Index in ``fs`` of the model flag (the entries before it are the kernel's scalars)."""
MODEL, PENDING, LAST_RED, PREV_RED = range(SECANT_AT, SECANT_AT + 4)
GRAD_OLD = SECANT_AT + 4


@jit_cached
def state_size(n):
    """Length of a run's float state row for n parameters."""
    return SECANT_AT + 4 + 3 * n + n * n


@jit_cached
def secant_views(fs, n):
    """The vectors ``J' r`` at the last iterate, ``J' r+`` (old J, new residuals), the last
    step and S (n, n): views of the state row ``fs``."""
    a = GRAD_OLD
    return (fs[a:a + n], fs[a + n:a + 2 * n], fs[a + 2 * n:a + 3 * n],
            fs[a + 3 * n:a + 3 * n + n * n].reshape((n, n)))


@jit_cached
def secant_update(S, s, g, g_old, g_cross, work):
    """Size S and update it so that ``S s = y#`` (Dennis-Gay-Welsch), for the step ``s``,
    the gradient ``g = J+' r+`` at the new iterate, ``g_old = J' r`` at the old one and
    ``g_cross = J' r+``; ``work`` (n,) is workspace. No update when ``y's <= 0``."""
    n = s.shape[0]
    ys = 0.0
    sys_ = 0.0
    sSs = 0.0
    for i in range(n):
        ys += (g[i] - g_old[i]) * s[i]
        sys_ += (g[i] - g_cross[i]) * s[i]
        acc = 0.0
        for j in range(n):
            acc += S[i, j] * s[j]
        work[i] = acc
        sSs += s[i] * acc
    if not ys > 0.0:
        return
    tau = 1.0
    if sSs != 0.0:
        tau = min(1.0, abs(sys_) / abs(sSs))
    ws = 0.0
    for i in range(n):
        work[i] = (g[i] - g_cross[i]) - tau * work[i]  # y# - S s, S sized
        ws += work[i] * s[i]
    c = ws / (ys * ys)
    for i in range(n):
        yi = g[i] - g_old[i]
        for j in range(n):
            yj = g[j] - g_old[j]
            S[i, j] = tau * S[i, j] + (work[i] * yj + yi * work[j]) / ys - c * yi * yj


@jit_cached
def quadratic(S, p):
    """``p' S p``."""
    n = p.shape[0]
    total = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc += S[i, j] * p[j]
        total += p[i] * acc
    return total


@jit_cached
def augmented_factor(sv, uf, V, D, S, H, sv2, uf2, V2, g):
    """Factor the augmented model from the Gauss-Newton one (``sv``, ``uf``, ``V`` of
    :func:`fastgrad.optimize.lm_linalg.factor_scaled`) and S: on success ``sv2``, ``uf2``
    and ``V2`` stand for it as those three stand for Gauss-Newton, and True; False when
    ``D**-1 (J'J + S) D**-1`` is not positive definite (the caller steps with Gauss-Newton).
    ``H`` (n, n) and ``g`` (n,) are workspace."""
    n = sv.shape[0]
    for i in range(n):  # the scaled gradient V diag(sv) uf
        acc = 0.0
        for j in range(n):
            acc += V[i, j] * sv[j] * uf[j]
        g[i] = acc
    for i in range(n):  # H = V diag(sv**2) V' + D^-1 S D^-1
        for j in range(i + 1):
            acc = 0.0
            for c in range(n):
                acc += V[i, c] * sv[c] * sv[c] * V[j, c]
            H[i, j] = acc + S[i, j] / (D[i] * D[j])  # (S is exactly symmetric)
    for j in range(n):  # Cholesky H = L L' in the lower triangle
        d = H[j, j]
        for c in range(j):
            d -= H[j, c] * H[j, c]
        if not d > 0.0:
            return False
        d = np.sqrt(d)
        H[j, j] = d
        for i in range(j + 1, n):
            acc = H[i, j]
            for c in range(j):
                acc -= H[i, c] * H[j, c]
            H[i, j] = acc / d
    for i in range(n):  # L' in the upper triangle, as the matrix whose SVD gives H's
        for j in range(n):
            H[i, j] = H[j, i] if j >= i else 0.0
    jacobi_svd(H, V2, sv2)
    for i in range(n):
        if not sv2[i] > 0.0:
            return False
        acc = 0.0
        for j in range(n):
            acc += V2[j, i] * g[j]
        uf2[i] = acc / sv2[i]
    return True
