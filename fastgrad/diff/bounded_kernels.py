"""Compiled finite-difference kernels within bounds.

The kernels of :mod:`fastgrad.diff.kernels` with two more arrays, ``lo`` and ``hi``, the box
of x: each coordinate's stencil comes from :func:`fastgrad.diff.bounds.bounded_step` (the
scheme's own where it fits, one-sided or shrunk near a bound), so f is never evaluated
outside ``[lo, hi]``. Conventions as in :mod:`fastgrad.diff.kernels`; the public layer checks
that x lies in the box before it calls them, and uses the kernels without bounds where every
stencil fits (:func:`fastgrad.diff.bounds.natural_fits`).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._core.scalar import as_real, as_real_vector, copy_values
from .bounds import (
    BOUNDED_CENTRE, BOUNDED_DIVISOR, BOUNDED_OFFSETS, BOUNDED_POINTS, BOUNDED_WEIGHTS,
    FIRST_OFFSETS, FIRST_POINTS, FIRST_WEIGHTS, HESSIAN_CENTRAL, bounded_step, fit_step,
)
from .kernels import NONFINITE_X, OBJECTIVE_RAISED, ZERO_STEP, finite
from .steps import HESSIAN, column_lost, relative_step_for, retake_step, value_eps

NO_ROOM = -4
"""Status: the bounds leave no room for a step in some coordinate."""

NO_HELD = np.empty(0)
"""The ``held`` argument of a gradient kernel outside minimize's loop (not read)."""


def make_bounded_gradient_at(f, fixed=False):
    """Gradient of ``f(x, *args) -> float`` within ``[lo, hi]``, given ``f0 = f(x)`` (NaN:
    not known, then evaluated once, and only where a stencil uses it). Returns the number of
    evaluations of f it made (>= 0), or a negative status: ``minimize``'s bounded loop counts
    them exactly (a one-sided stencil near a bound may use f(x), central's does not).

    A coordinate with ``lo == hi`` leaves no room for a step (:data:`NO_ROOM`), unless
    ``fixed`` (minimize's loop, a constant of the compiled kernel): its component is then 0,
    with no evaluation, as the projected gradient of a fixed coordinate is. With ``fixed``,
    a coordinate whose ``held[i]`` is nonzero keeps ``out[i]`` as it is, with no evaluation
    (the loop's coordinates held on a bound, :mod:`fastgrad.optimize.boxloop`); without,
    ``held`` is not read (:data:`NO_HELD`)."""

    def bounded_gradient_at(x, scheme, steps, lo, hi, out, args, f0, held):
        if not finite(x):
            return NONFINITE_X
        have_f0 = f0 == f0
        count = 0
        for i in range(x.shape[0]):
            if fixed and (lo[i] == hi[i] or held[i] != 0.0):
                if lo[i] == hi[i]:
                    out[i] = 0.0
                continue
            xi = x[i]
            row, h = bounded_step(scheme, xi, steps, i, lo[i], hi[i])
            if h == 0.0:
                return NO_ROOM if row < 0 else ZERO_STEP
            centre = BOUNDED_CENTRE[row]
            acc = 0.0
            if centre != 0.0:
                if not have_f0:
                    f0 = as_real(f(x, *args))
                    have_f0 = True
                    count += 1
                acc = centre * f0
            for p in range(BOUNDED_POINTS[row]):
                x[i] = xi + BOUNDED_OFFSETS[row, p] * h
                acc += BOUNDED_WEIGHTS[row, p] * as_real(f(x, *args))
            count += BOUNDED_POINTS[row]
            x[i] = xi
            out[i] = acc / (BOUNDED_DIVISOR[row] * h)
        return count

    return bounded_gradient_at


def make_bounded_gradient(at):
    """Gradient of f within ``[lo, hi]`` by ``at`` (:func:`make_bounded_gradient_at`), f(x)
    evaluated there where a stencil uses it; returns 0 or a negative status."""

    def bounded_gradient(x, scheme, steps, lo, hi, out, args):
        code = at(x, scheme, steps, lo, hi, out, args, np.nan, NO_HELD)
        return code if code < 0 else 0

    return bounded_gradient


def make_bounded_batched(row_kernel):
    """Run a bounded row kernel over the rows of a batch, each row with its own box."""

    def bounded_batched(X, scheme, steps, LO, HI, out, args):
        m = X.shape[0]
        status = np.full(m, OBJECTIVE_RAISED, dtype=np.int64)
        for r in prange(m):
            status[r] = row_kernel(X[r], scheme, steps, LO[r], HI[r], out[r], args)
        for r in range(m):
            if status[r] < 0:
                return status[r]
        return 0

    return bounded_batched


def make_bounded_jacobian(f):
    """Jacobian of ``f(x, *args) -> (k,)`` within ``[lo, hi]``; returns ``(status, J)``."""

    def bounded_jacobian(x, scheme, steps, lo, hi, args):
        n = x.shape[0]
        f0 = as_real_vector(f(x, *args), -1).copy()
        m = f0.shape[0]
        out = np.empty((m, n))
        acc = np.empty(m)
        if not finite(x):
            return NONFINITE_X, out
        for i in range(n):
            xi = x[i]
            row, h = bounded_step(scheme, xi, steps, i, lo[i], hi[i])
            if h == 0.0:
                return (NO_ROOM if row < 0 else ZERO_STEP), out
            centre = BOUNDED_CENTRE[row]
            for k in range(m):
                acc[k] = centre * f0[k] if centre != 0.0 else 0.0
            for p in range(BOUNDED_POINTS[row]):
                x[i] = xi + BOUNDED_OFFSETS[row, p] * h
                values = as_real_vector(f(x, *args), m)
                w = BOUNDED_WEIGHTS[row, p]
                for k in range(m):
                    acc[k] += w * values[k]
            x[i] = xi
            for k in range(m):
                out[k, i] = acc[k] / (BOUNDED_DIVISOR[row] * h)
        return 0, out

    return bounded_jacobian


def make_bounded_jacobian_at(f):
    """Jacobian of residuals ``f(x, *args) -> (k,)`` within ``[lo, hi]`` at an ``x`` where
    ``r0 = f(x)`` is known (the iterate of ``least_squares(method="trf")``), written into
    ``out`` (k, n); ``work`` (2, k) is scratch. The steps of
    :func:`fastgrad.diff.kernels.make_jacobian_at`, relative to ``max(|x_i|, typical_i)``
    (a parameter that approaches a bound at 0 keeps the step of its typical size, instead of
    one that vanishes below the rounding of f), fitted into the box by
    :func:`fastgrad.diff.bounds.fit_step`; a stencil's centre point is ``r0``. A column that
    step leaves without a digit is taken again with the step relative to ``max(1, size)``,
    as in :func:`fastgrad.diff.kernels.make_jacobian_at`. Returns the number of evaluations
    of f it made (>= 0), or a negative status (:data:`ZERO_STEP`, :data:`NO_ROOM`)."""
    # Long because the stencil and its second try share the column's locals.

    def bounded_jacobian_at(x, scheme, steps, typical, lo, hi, r0, out, work, args):
        # Long because the stencil and its second try share the column's locals.
        n = x.shape[0]
        k = r0.shape[0]
        count = 0
        eps = value_eps(steps)
        for i in range(n):
            xi = x[i]
            size = max(abs(xi), typical[i])
            h = (xi + relative_step_for(scheme, size, steps, i)) - xi
            row, h = fit_step(scheme, xi, h, lo[i], hi[i])
            if h == 0.0:
                return NO_ROOM if row < 0 else ZERO_STEP
            while True:  # h < 0 for a stencil turned back from a bound
                centre = BOUNDED_CENTRE[row]
                for j in range(k):
                    out[j, i] = centre * r0[j]
                for p in range(BOUNDED_POINTS[row]):
                    x[i] = xi + BOUNDED_OFFSETS[row, p] * h
                    copy_values(f(x, *args), work[0])
                    w = BOUNDED_WEIGHTS[row, p]
                    for j in range(k):
                        out[j, i] += w * work[0, j]
                count += BOUNDED_POINTS[row]
                x[i] = xi
                divisor = BOUNDED_DIVISOR[row] * h
                for j in range(k):
                    out[j, i] /= divisor
                if not column_lost(out, i, abs(h), r0, eps):
                    break
                retake = retake_step(scheme, xi, abs(h), size, steps, i)  # 0.0: none
                if retake == 0.0:
                    break
                retake_row, retake = fit_step(scheme, xi, retake, lo[i], hi[i])
                if not abs(retake) > 2.0 * abs(h):  # the box leaves no larger step
                    break
                row, h = retake_row, retake
        return count

    return bounded_jacobian_at


def make_bounded_cross(f):
    """``H_ij`` (i < j) from the first differences of coordinates i and j (central or
    one-sided, see :data:`fastgrad.diff.bounds.FIRST_OFFSETS`), O(h**2); two central
    coordinates give exactly the four-point formula of the Hessian without bounds."""

    def bounded_cross(x, i, j, ri, hi, rj, hj, f0, args):
        xi = x[i]
        xj = x[j]
        if ri == HESSIAN_CENTRAL and rj == HESSIAN_CENTRAL:
            x[i] = xi + hi
            x[j] = xj + hj
            fpp = as_real(f(x, *args))
            x[j] = xj - hj
            fpm = as_real(f(x, *args))
            x[i] = xi - hi
            fmm = as_real(f(x, *args))
            x[j] = xj + hj
            fmp = as_real(f(x, *args))
            x[i] = xi
            x[j] = xj
            return ((fpp - fpm) - (fmp - fmm)) / (4.0 * hi * hj)
        a = ri - HESSIAN_CENTRAL
        b = rj - HESSIAN_CENTRAL
        acc = 0.0
        for p in range(FIRST_POINTS[a]):
            x[i] = xi + FIRST_OFFSETS[a, p] * hi
            for q in range(FIRST_POINTS[b]):
                x[j] = xj + FIRST_OFFSETS[b, q] * hj
                if FIRST_OFFSETS[a, p] == 0.0 and FIRST_OFFSETS[b, q] == 0.0:
                    value = f0
                else:
                    value = as_real(f(x, *args))
                acc += FIRST_WEIGHTS[a, p] * FIRST_WEIGHTS[b, q] * value
        x[i] = xi
        x[j] = xj
        return acc / (hi * hj)

    return bounded_cross


def make_bounded_hessian(cross, f):
    """Hessian of ``f(x, *args) -> float`` within ``[lo, hi]``, O(h**2): central second
    differences where they fit (the formulas of :func:`fastgrad.diff.kernels.make_hessian`),
    one-sided ones near a bound (``(2 f(x) - 5 f(x+h) + 4 f(x+2h) - f(x+3h)) / h**2``)."""

    def bounded_hessian(x, scheme, steps, lo, hi, out, args):
        if not finite(x):
            return NONFINITE_X
        n = x.shape[0]
        rows = np.empty(n, dtype=np.int64)
        h = np.empty(n)
        for i in range(n):
            rows[i], h[i] = bounded_step(HESSIAN, x[i], steps, i, lo[i], hi[i])
            if h[i] == 0.0:
                return NO_ROOM if rows[i] < 0 else ZERO_STEP
        f0 = as_real(f(x, *args))
        for i in range(n):
            xi = x[i]
            if rows[i] == HESSIAN_CENTRAL:
                x[i] = xi + h[i]
                fp = as_real(f(x, *args))
                x[i] = xi - h[i]
                fm = as_real(f(x, *args))
                out[i, i] = ((fp - f0) + (fm - f0)) / (h[i] * h[i])
            else:
                acc = 2.0 * f0
                for p, w in ((1.0, -5.0), (2.0, 4.0), (3.0, -1.0)):
                    x[i] = xi + p * h[i]
                    acc += w * as_real(f(x, *args))
                out[i, i] = acc / (h[i] * h[i])
            x[i] = xi
            for j in range(i + 1, n):
                value = cross(x, i, j, rows[i], h[i], rows[j], h[j], f0, args)
                out[i, j] = value
                out[j, i] = value
        return 0

    return bounded_hessian
