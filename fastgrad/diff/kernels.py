"""Compiled finite-difference kernels.

Each ``make_*`` factory takes an objective and returns a plain Python function closed over it.
The public layer compiles that function with :mod:`fastgrad._core.jit` for a Numba-compiled
objective, or runs it as it is for a Python objective (the Python engine): one source for both
engines. Kernels see only arrays, scalars, the objective and the tuple of its extra arguments.

Conventions shared by every kernel:

* ``x`` is fastgrad's own float64 workspace (never the caller's array). One coordinate at a
  time is perturbed in place and restored afterwards, so nothing is copied per coordinate and
  nothing is allocated inside the loops.
* Results are written into ``out``.
* The return value is a status: ``>= 0`` means success (for the complex step, the number of
  components recomputed by ``central4`` and the evaluations of f beyond ``2n + 4``, see
  :data:`EXTRA_EVALUATIONS` and :func:`make_complex_check`); :data:`NONFINITE_X` and
  :data:`ZERO_STEP` are errors the public layer turns into messages.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, prange

from .steps import (
    BACKWARD,
    CENTRAL,
    STENCIL_CENTRE_WEIGHT,
    STENCIL_DIVISOR,
    STENCIL_OFFSETS,
    STENCIL_POINTS,
    STENCIL_WEIGHTS,
    FORWARD,
    HESSIAN,
    column_lost,
    relative_step_for,
    retake_step,
    step_for,
    value_eps,
)
from .._core.jit import jit_cached
from .._core.scalar import as_real, as_real_vector, copy_values

NONFINITE_X = -1
"""Status: a coordinate of x is NaN or infinite."""
ZERO_STEP = -2
"""Status: a step vanished when added to x (``x + h == x``)."""
OBJECTIVE_RAISED = -3
"""Status of a batch row whose kernel did not finish: Numba does not carry an exception of the
objective out of a ``prange`` (raised on a worker thread it is lost, on the main thread it
surfaces as a ``SystemError``), so the public layer reruns the rows one by one to raise it."""


@jit_cached
def finite(x):
    """True if every coordinate of ``x`` is finite."""
    for i in range(x.shape[0]):
        if not np.isfinite(x[i]):
            return False
    return True


def make_gradient_range(f):
    """Components ``start:stop:stride`` of the gradient of ``f(x, *args) -> float`` by a
    real scheme (forward to central4), given ``f0 = f(x)`` (used by one-sided schemes).

    The scheme's stencil is read from tables (:mod:`fastgrad.steps`), so the objective is
    called from one place in the loop: this keeps the compiled kernel small, which matters
    for the compile time every new objective pays. Central differences, the default of the
    fixed-step methods and of ``fastgrad.gradient``, have a loop of their own (a second call
    site of f): the table loop's products by the weights 0, 1 and -1 cost about 2 ns per step
    of the seeds' gd, 10 % of it (``bench/loop_per_iteration.py``). Its arithmetic is the
    table loop's, operation for operation (``0 * f0 + 1 * f(x + h) + (-1) * f(x - h)`` is
    ``(0 * f0 + f(x + h)) - f(x - h)`` exactly in IEEE arithmetic, signed zeros included),
    so every component is bit-identical to it (``tests/test_central_path.py``). The serial
    and the parallel gradient kernels both run this loop, so they compute every component
    identically.
    """

    def gradient_range(x, scheme, steps, out, args, f0, start, stop, stride):
        if scheme == CENTRAL:
            for i in range(start, stop, stride):
                xi = x[i]
                h = step_for(scheme, xi, steps, i)
                if h == 0.0:
                    return ZERO_STEP
                x[i] = xi + h
                fp = as_real(f(x, *args))
                x[i] = xi - h
                fm = as_real(f(x, *args))
                x[i] = xi
                out[i] = ((0.0 * f0 + fp) - fm) / (2.0 * h)
            return 0
        centre = STENCIL_CENTRE_WEIGHT[scheme]
        points = STENCIL_POINTS[scheme]
        for i in range(start, stop, stride):
            xi = x[i]
            h = step_for(scheme, xi, steps, i)
            if h == 0.0:
                return ZERO_STEP
            acc = centre * f0
            for p in range(points):
                x[i] = xi + STENCIL_OFFSETS[scheme, p] * h
                acc += STENCIL_WEIGHTS[scheme, p] * as_real(f(x, *args))
            x[i] = xi
            out[i] = acc / (STENCIL_DIVISOR[scheme] * h)
        return 0

    return gradient_range


def make_gradient(gradient_range, f):
    """Gradient of ``f(x, *args) -> float`` by a real scheme, one component after another."""

    def gradient_into(x, scheme, steps, out, args):
        if not finite(x):
            return NONFINITE_X
        n = x.shape[0]
        f0 = as_real(f(x, *args)) if STENCIL_CENTRE_WEIGHT[scheme] != 0.0 else 0.0
        return gradient_range(x, scheme, steps, out, args, f0, 0, n, 1)

    return gradient_into


def make_gradient_at(gradient_range):
    """Gradient by a real scheme at an ``x`` where ``f(x) = f0`` is already known, one
    component after another: :func:`fastgrad.minimize`'s driver has f at its iterate, so a
    one-sided scheme costs n evaluations there, not n + 1. The arithmetic is that of
    :func:`make_gradient` (a scheme without a centre term ignores ``f0``, exactly as
    :func:`make_gradient` then uses 0), so the gradient is bit-identical to it. x is not
    checked: the driver evaluates f at x first, and the step of a non-finite coordinate,
    ``(x + h) - x``, is NaN, so its component is NaN, which the driver reports (diverged)."""

    def gradient_at(x, scheme, steps, out, args, f0):
        n = x.shape[0]
        if STENCIL_CENTRE_WEIGHT[scheme] == 0.0:
            f0 = 0.0
        return gradient_range(x, scheme, steps, out, args, f0, 0, n, 1)

    return gradient_at


def without_f0(gradient_into):
    """A kernel ``*_into(x, scheme, steps, out, args)`` that has no use for ``f(x)`` (the
    complex step) with the driver's signature, which passes it."""

    def gradient_at(x, scheme, steps, out, args, f0):
        return gradient_into(x, scheme, steps, out, args)

    return gradient_at


def make_parallel_gradient(gradient_range, f):
    """Gradient of one point with its components spread over threads (``prange``).

    Each of ``T`` blocks (T = Numba's thread count) takes components ``b, b + T, ...`` on its
    own copy of ``x``; the arithmetic of every component is that of the serial kernel, so
    the result is bit-identical to it. Worth it only when the gradient is expensive (see
    :data:`fastgrad.diff.api.PARALLEL_MIN_SECONDS`).
    """

    def parallel_gradient_into(x, scheme, steps, out, args):
        if not finite(x):
            return NONFINITE_X
        n = x.shape[0]
        f0 = as_real(f(x, *args)) if STENCIL_CENTRE_WEIGHT[scheme] != 0.0 else 0.0
        blocks = min(n, get_num_threads())
        status = np.full(blocks, OBJECTIVE_RAISED, dtype=np.int64)
        for b in prange(blocks):
            status[b] = gradient_range(x.copy(), scheme, steps, out, args, f0, b, n, blocks)
        for b in range(blocks):
            if status[b] != 0:
                return status[b]
        return 0

    return parallel_gradient_into


def make_batched(row_kernel):
    """Run a ``*_into(x, scheme, steps, out, args)`` kernel over the rows of a batch.

    Compiled with ``parallel=True``, rows are spread over threads; each row is its own
    workspace, so threads never share a perturbed coordinate. The status is the first error
    found, or the total number of complex-step fallbacks; a row whose kernel raised keeps
    :data:`OBJECTIVE_RAISED`.
    """

    def batched_into(X, scheme, steps, out, args):
        m = X.shape[0]
        status = np.full(m, OBJECTIVE_RAISED, dtype=np.int64)
        for r in prange(m):
            status[r] = row_kernel(X[r], scheme, steps, out[r], args)
        total = 0
        for r in range(m):
            if status[r] < 0:
                return status[r]
            total += status[r]
        return total

    return batched_into


def make_jacobian(f):
    """Jacobian of ``f(x, *args) -> (k,)`` by a real scheme; returns ``(status, J)``.

    ``f(x)`` is evaluated once first to learn ``k``. Every returned vector that is still needed
    after the next evaluation is copied, so an objective returning a view of ``x`` or a buffer
    of its own is handled correctly.
    """

    def jacobian(x, scheme, steps, args):
        n = x.shape[0]
        f0 = as_real_vector(f(x, *args), -1).copy()
        m = f0.shape[0]
        out = np.empty((m, n))
        for i in range(n):
            if not np.isfinite(x[i]):
                return NONFINITE_X, out
        for i in range(n):
            xi = x[i]
            h = step_for(scheme, xi, steps, i)
            if h == 0.0:
                return ZERO_STEP, out
            if scheme == FORWARD:
                x[i] = xi + h
                fp = as_real_vector(f(x, *args), m)
                for k in range(m):
                    out[k, i] = (fp[k] - f0[k]) / h
            elif scheme == BACKWARD:
                x[i] = xi - h
                fm = as_real_vector(f(x, *args), m)
                for k in range(m):
                    out[k, i] = (f0[k] - fm[k]) / h
            elif scheme == CENTRAL:
                x[i] = xi + h
                fp = as_real_vector(f(x, *args), m).copy()
                x[i] = xi - h
                fm = as_real_vector(f(x, *args), m)
                for k in range(m):
                    out[k, i] = (fp[k] - fm[k]) / (2.0 * h)
            else:
                x[i] = xi + 2.0 * h
                fp2 = as_real_vector(f(x, *args), m).copy()
                x[i] = xi + h
                fp = as_real_vector(f(x, *args), m).copy()
                x[i] = xi - h
                fm = as_real_vector(f(x, *args), m).copy()
                x[i] = xi - 2.0 * h
                fm2 = as_real_vector(f(x, *args), m)
                for k in range(m):
                    out[k, i] = (fm2[k] - fp2[k] + 8.0 * (fp[k] - fm[k])) / (12.0 * h)
            x[i] = xi
        return 0, out

    return jacobian


def make_hessian(f):
    """Hessian of ``f(x, *args) -> float`` by central second differences (O(h**2)).

    Diagonal: ``(f(x + h e_i) - 2 f(x) + f(x - h e_i)) / h**2``; off-diagonal: the four-point
    formula ``(f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j)``. The upper triangle is computed
    and mirrored, so the result is exactly symmetric; ``2 n**2 + 1`` evaluations of f.
    """

    def hessian_into(x, scheme, steps, out, args):
        if not finite(x):
            return NONFINITE_X
        n = x.shape[0]
        f0 = as_real(f(x, *args))
        for i in range(n):
            xi = x[i]
            hi = step_for(HESSIAN, xi, steps, i)
            if hi == 0.0:
                return ZERO_STEP
            x[i] = xi + hi
            fp = as_real(f(x, *args))
            x[i] = xi - hi
            fm = as_real(f(x, *args))
            out[i, i] = ((fp - f0) + (fm - f0)) / (hi * hi)
            for j in range(i + 1, n):
                xj = x[j]
                hj = step_for(HESSIAN, xj, steps, j)
                if hj == 0.0:
                    x[i] = xi
                    return ZERO_STEP
                x[i] = xi + hi
                x[j] = xj + hj
                fpp = as_real(f(x, *args))
                x[j] = xj - hj
                fpm = as_real(f(x, *args))
                x[i] = xi - hi
                fmm = as_real(f(x, *args))
                x[j] = xj + hj
                fmp = as_real(f(x, *args))
                x[j] = xj
                hij = ((fpp - fpm) - (fmp - fmm)) / (4.0 * hi * hj)
                out[i, j] = hij
                out[j, i] = hij
            x[i] = xi
        return 0

    return hessian_into


def make_jacobian_at(f):
    """Jacobian of residuals ``f(x, *args) -> (k,)`` by a real scheme at an ``x`` where
    ``r0 = f(x)`` is already known (the iterate of a least-squares solver), written into
    ``out`` (k, n); ``work`` (2, k) is scratch space. Forward and backward differences reuse
    ``r0``: n evaluations per Jacobian, as MINPACK's ``lmdif``. The step is relative to each
    parameter (:func:`fastgrad.diff.steps.relative_step_for`), so parameters of order 1e-7
    get steps of their own scale. A column that step leaves without a digit (a parameter far
    below 1 in size whose residuals are not, :func:`fastgrad.diff.steps.column_lost`) is
    taken again with the step relative to ``max(1, |x_i|)``. Returns the number of
    evaluations of f made beyond the scheme's n (or 2n, 4n): those second tries; or
    :data:`ZERO_STEP`."""
    # Long because the stencil and its second try share the column's locals.

    def jacobian_at(x, scheme, steps, r0, out, work, args):
        # Long because the stencil and its second try share the column's locals.
        n = x.shape[0]
        k = r0.shape[0]
        eps = value_eps(steps)
        extra = 0
        for i in range(n):
            xi = x[i]
            h = relative_step_for(scheme, xi, steps, i)
            if h == 0.0:
                return ZERO_STEP
            while True:
                if scheme == FORWARD or scheme == BACKWARD:
                    sign = 1.0 if scheme == FORWARD else -1.0
                    x[i] = xi + sign * h
                    copy_values(f(x, *args), work[0])
                    for j in range(k):
                        out[j, i] = sign * (work[0, j] - r0[j]) / h
                else:
                    for j in range(k):
                        out[j, i] = 0.0
                    for p in range(STENCIL_POINTS[scheme]):
                        x[i] = xi + STENCIL_OFFSETS[scheme, p] * h
                        copy_values(f(x, *args), work[0])
                        w = STENCIL_WEIGHTS[scheme, p]
                        for j in range(k):
                            out[j, i] += w * work[0, j]
                    for j in range(k):
                        out[j, i] /= STENCIL_DIVISOR[scheme] * h
                x[i] = xi
                if not column_lost(out, i, h, r0, eps):
                    break
                h = retake_step(scheme, xi, h, abs(xi), steps, i)
                if h == 0.0:  # no second try
                    break
                extra += STENCIL_POINTS[scheme]
        return extra

    return jacobian_at
