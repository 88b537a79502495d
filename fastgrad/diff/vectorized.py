"""Gradients of vectorized objectives ``f(X, *args) -> (k,)`` for a batch ``X`` of shape (k, n).

This is the fast path for numpy objectives that cannot be compiled: all stencil points of all
rows go to ``f`` in as few batched calls as memory allows (one call when the stencil batch
stays under :data:`MAX_BATCH_ELEMENTS` numbers, else one call per coordinate). The step rule and
the formulas are those of the compiled kernels (:mod:`fastgrad.steps`).
"""

from __future__ import annotations

import numpy as np

from .._core.scalar import ObjectiveReturnError
from .complex_step import (
    agreement_floor, complex_steps_agree, complex_truncation_consistent, is_user_step,
    zero_tolerance,
)
from .direction_check import (
    CHECK_OFFSETS,
    RETRY_FACTOR,
    check_direction,
    check_step,
    direction_agrees,
    retry_resolves,
    rounding_bound,
    sees_lost,
)
from .kernels import NONFINITE_X, ZERO_STEP
from .steps import (
    CENTRAL4,
    COMPLEX,
    COMPLEX_CHECK_FACTOR,
    STENCIL_CENTRE_WEIGHT,
    STENCIL_DIVISOR,
    STENCIL_OFFSETS,
    STENCIL_POINTS,
    STENCIL_WEIGHTS,
    is_auto,
    relative_step,
    value_eps,
)

MAX_BATCH_ELEMENTS = 1 << 22
"""Largest stencil batch (points x n) sent to ``f`` in one call: 32 MiB of float64."""

# scheme -> (offsets in units of h, weights, weight of f(x), divisor in units of h), read
# from the one stencil table the compiled kernels use (fastgrad.steps)
STENCILS = {
    code: (
        tuple(STENCIL_OFFSETS[code, :points].tolist()),
        tuple(STENCIL_WEIGHTS[code, :points].tolist()),
        float(STENCIL_CENTRE_WEIGHT[code]),
        float(STENCIL_DIVISOR[code]),
    )
    for code, points in enumerate(STENCIL_POINTS)
}


def scheme_steps(X: np.ndarray, code: int, steps: np.ndarray) -> np.ndarray:
    """The steps actually taken, as :func:`fastgrad.steps.step_for` takes them."""
    if is_auto(steps):
        h = relative_step(code, steps) * np.maximum(1.0, np.abs(X))
    else:
        h = np.broadcast_to(steps, X.shape)
    return h if code == COMPLEX else (X + h) - X


def call_batch(f, batch: np.ndarray, args: tuple) -> np.ndarray:
    values = np.asarray(f(batch, *args))
    if values.dtype.kind == "c" and batch.dtype.kind != "c":
        raise ObjectiveReturnError(
            "the objective f must return a real scalar (a float) at a real x; with "
            f"vectorized=True it returned an array of dtype {values.dtype}"
        )
    if values.shape != (batch.shape[0],):
        raise ObjectiveReturnError(
            f"with vectorized=True the objective f must return an array of shape "
            f"({batch.shape[0]},) for a batch of shape {batch.shape}; it returned shape "
            f"{values.shape}"
        )
    return values


def _evaluate(f, X, H, offsets, args, dtype=np.float64):
    """Values of f at X + offset * H[:, j] e_j for every offset and coordinate j.

    Returns an array of shape (len(offsets), n, m).
    """
    m, n = X.shape
    k = len(offsets)
    values = np.empty((k, n, m), dtype=np.result_type(dtype, np.float64))
    if k * n * m * n <= MAX_BATCH_ELEMENTS:
        batch = np.broadcast_to(X.astype(dtype), (k, n, m, n)).copy()
        for a, off in enumerate(offsets):
            for j in range(n):
                batch[a, j, :, j] += off * H[:, j]
        flat = call_batch(f, batch.reshape(-1, n), args)
        return flat.reshape(k, n, m)
    work = X.astype(dtype)
    for a, off in enumerate(offsets):
        for j in range(n):
            saved = work[:, j].copy()
            work[:, j] = saved + off * H[:, j]
            values[a, j] = call_batch(f, work, args)
            work[:, j] = saved
    return values


def _real_gradient(f, X, code, steps, args, values=False):
    """``(gradients, steps taken)``; the gradients are None when a step vanished. With
    ``values``, also the stencil's values of f, (points, n, m)."""
    H = scheme_steps(X, code, steps)
    if np.any(H == 0.0):
        return (None, H, None) if values else (None, H)
    offsets, weights, centre, divisor = STENCILS[code]
    vals = _evaluate(f, X, H, offsets, args)
    total = sum(w * v for w, v in zip(weights, vals))
    if centre:
        total = total + centre * call_batch(f, X, args)[None, :]
    if not values:
        return (total.T / (divisor * H)), H
    return (total.T / (divisor * H)), H, vals


def _complex_gradient(f, X, steps, args):
    """Complex-step gradients of the rows of ``X`` (m, n) with the checks of the compiled
    kernels (:func:`fastgrad.diff.complex_step.make_complex_check`), in numpy form: two steps per
    component (a third with a user's step where they disagree), central4 for the rejected
    components, then one real directional check per row, whose failure recomputes that
    row by central4. Returns ``(out, recomputed components)``, or ``(out, ZERO_STEP)`` if a
    central4 step that is needed vanishes."""
    m, n = X.shape
    H = scheme_steps(X, COMPLEX, steps)
    v1 = _evaluate(f, X, 1j * H, (1.0,), args, dtype=np.complex128)[0].T
    H2 = H * COMPLEX_CHECK_FACTOR
    v2 = _evaluate(f, X, 1j * H2, (1.0,), args, dtype=np.complex128)[0].T
    nan = ~(np.isfinite(v1.real) & np.isfinite(v2.real))  # f NaN or overflowing there
    d1 = np.where(nan, np.nan, v1.imag / H)
    d2 = np.where(nan, np.nan, v2.imag / H2)
    floor = agreement_floor.py_func(v1, X, value_eps.py_func(steps))
    rejected = ~complex_steps_agree.py_func(d1, d2, floor)  # NaN: real central4 decides
    if np.any(rejected) and is_user_step.py_func(steps):
        H3 = H2 * COMPLEX_CHECK_FACTOR
        d3 = _evaluate(f, X, 1j * H3, (1.0,), args, dtype=np.complex128)[0].imag.T / H3
        rejected &= ~complex_truncation_consistent.py_func(d1, d2, d3)
    out = d1
    rows = np.any(rejected, axis=1)
    if np.any(rows):
        fallback, H4 = _real_gradient(f, X[rows], CENTRAL4, steps, args)
        if fallback is None:  # a central4 step vanished
            return out, ZERO_STEP
        out[rows] = np.where(rejected[rows], fallback, out[rows])
    P = check_direction.py_func(X, np.arange(n, dtype=np.float64))
    P[~np.isfinite(out)] = 0.0  # a NaN of f is reported as it is, not checked
    with np.errstate(invalid="ignore"):  # NaN components of f are reported, not checked
        allowance = np.sum(np.where(rejected | nan, 0.0, 2.0 * np.abs(d1 - d2) * np.abs(P)),
                           axis=1)
    checked = ~np.all(rejected, axis=1)
    eps = value_eps.py_func(steps)  # float32 objectives: their own rounding and step
    failed, vouched = _check_rows(f, X, out, P, allowance, checked, eps, args)
    if np.any(failed):
        fallback, H4 = _real_gradient(f, X[failed], CENTRAL4, steps, args)
        if fallback is None:  # a central4 step vanished
            return out, ZERO_STEP
        out[failed] = fallback
        rejected[failed] = True
    # a recomputed component that is NaN reports a NaN of f, as the real schemes do: the
    # warning counts the others
    lost = _settle_zeros(f, X, out, rejected, checked & ~failed & ~vouched, steps, args, eps)
    if lost is None:
        return out, ZERO_STEP
    return out, int(np.count_nonzero(rejected & np.isfinite(out))) + lost


def _check_rows(f, X, out, P, allowance, checked, eps, args):
    """The directional check of the gradients ``out`` of the rows ``checked`` of ``X``, as
    the kernels' (:func:`fastgrad.diff.complex_step.make_complex_check`): along ``P`` at
    t, once more at t / 16 unless decided. Returns ``(failed, vouched)``: the rows whose
    last finite verdict refutes ``out``, and those confirmed within the check's own rounding
    (not only within the ``allowance`` of a user's step's truncation)."""
    m, n = X.shape
    check = checked.copy()
    failed = np.zeros(m, dtype=bool)
    vouched = np.zeros(m, dtype=bool)
    t = np.full(m, check_step.py_func(eps))
    for attempt in range(2):
        idx = np.flatnonzero(check)
        if idx.size == 0:
            break
        Xc, Pc, gc = X[idx], P[idx], np.where(P[idx] != 0.0, out[idx], 0.0)
        offsets = CHECK_OFFSETS[:, None, None] * t[idx][None, :, None]
        points = Xc[None] + offsets * Pc[None]  # (4, rows, n)
        values = call_batch(f, points.reshape(-1, n), args).astype(np.float64).reshape(4, -1)
        shift = np.sum(gc[None] * (points - Xc[None]), axis=2)
        finite = np.all(np.isfinite(values), axis=0)
        tt = t[idx]
        with np.errstate(invalid="ignore", over="ignore"):
            e1 = ((values[0] - values[1]) - (shift[0] - shift[1])) / (2.0 * tt)
            e2 = ((values[2] - values[3]) - (shift[2] - shift[3])) / (4.0 * tt)
            curvature = ((values[2] + values[3]) - (values[0] + values[1])) / (3.0 * tt * tt)
            scale = np.mean(np.abs(values), axis=0) + np.sum(np.abs(gc * Pc), axis=1) + (
                np.abs(curvature))
            agree = direction_agrees.py_func(e1, e2, scale, tt, n, allowance[idx], eps)
            final = ~agree & ~retry_resolves.py_func(e1, e2, scale, tt, n, eps)
            within = (allowance[idx] <= rounding_bound.py_func(scale, tt, n, eps)) & (
                sees_lost.py_func(scale, tt, n, eps, np.maximum(
                    np.max(np.abs(gc * Pc), axis=1), np.abs(curvature) * tt)))
        failed[idx[finite]] = ~agree[finite]  # the last finite verdict counts
        vouched[idx[finite & agree]] = within[finite & agree]
        check[idx[finite & (agree | final)]] = False  # confirmed, or refuted for good
        t[idx] = tt / RETRY_FACTOR
    return failed, vouched


def _settle_zeros(f, X, out, rejected, unvouched, steps, args, eps):
    """As :func:`fastgrad.diff.complex_step.settle_zeros`, for the rows the check could not
    vouch for (``unvouched``: f not finite at its points, or confirmed only within the
    truncation allowance of a user's step): their accepted components that are exactly 0
    are recomputed by central4, which stands where it is not within its rounding of 0.
    Returns how many did not stay 0 (fallbacks), or None if a central4 step vanished."""
    zeros = (out == 0.0) & ~rejected & unvouched[:, None]
    rows = np.flatnonzero(np.any(zeros, axis=1))
    if rows.size == 0:
        return 0
    c4, H4, vals = _real_gradient(f, X[rows], CENTRAL4, steps, args, values=True)
    if c4 is None:
        return None
    with np.errstate(invalid="ignore", over="ignore"):  # NaN values: the 0 stands
        tolerance = zero_tolerance.py_func(vals[0].T, vals[1].T, vals[2].T, vals[3].T, H4,
                                           eps)
        lost = zeros[rows] & np.isfinite(c4) & (np.abs(c4) > tolerance)
    block = out[rows]
    block[lost] = c4[lost]
    out[rows] = block
    return int(np.count_nonzero(lost))


def vectorized_gradient(f, X, code, steps, args):
    """Gradient(s) of a vectorized ``f``; returns ``(out, status)`` like the kernels."""
    single = X.ndim == 1
    X2 = X.reshape(1, -1) if single else X
    if not np.all(np.isfinite(X2)):
        return None, NONFINITE_X
    status = 0
    if code == COMPLEX:
        out, status = _complex_gradient(f, X2, steps, args)
        if status < 0:
            return None, status
    else:
        out, H = _real_gradient(f, X2, code, steps, args)
        if out is None:
            return None, ZERO_STEP
    return (out[0] if single else out), status
