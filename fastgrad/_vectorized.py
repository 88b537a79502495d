"""Gradients of vectorized objectives ``f(X, *args) -> (k,)`` for a batch ``X`` of shape (k, n).

This is the fast path for numpy objectives that cannot be compiled: all stencil points of all
rows go to ``f`` in as few batched calls as memory allows (one call when the stencil batch
stays under :data:`MAX_BATCH_ELEMENTS` numbers, else one call per coordinate). The step rule and
the formulas are those of the compiled kernels (:mod:`fastgrad.steps`).
"""

from __future__ import annotations

import numpy as np

from ._fd_kernels import NONFINITE_X, ZERO_STEP
from ._scalar import ObjectiveReturnError
from .steps import (
    CENTRAL4,
    COMPLEX,
    COMPLEX_CHECK_FACTOR,
    COMPLEX_CHECK_RTOL,
    STENCIL_CENTRE_WEIGHT,
    STENCIL_DIVISOR,
    STENCIL_OFFSETS,
    STENCIL_POINTS,
    STENCIL_WEIGHTS,
    is_auto,
    relative_step,
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


def _steps(X: np.ndarray, code: int, steps: np.ndarray) -> np.ndarray:
    """The steps actually taken, as :func:`fastgrad.steps.step_for` takes them."""
    if is_auto(steps):
        h = relative_step(code, steps) * np.maximum(1.0, np.abs(X))
    else:
        h = np.broadcast_to(steps, X.shape)
    return h if code == COMPLEX else (X + h) - X


def _call(f, batch: np.ndarray, args: tuple) -> np.ndarray:
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
        flat = _call(f, batch.reshape(-1, n), args)
        return flat.reshape(k, n, m)
    work = X.astype(dtype)
    for a, off in enumerate(offsets):
        for j in range(n):
            saved = work[:, j].copy()
            work[:, j] = saved + off * H[:, j]
            values[a, j] = _call(f, work, args)
            work[:, j] = saved
    return values


def _real_gradient(f, X, code, steps, args):
    """``(gradients, steps taken)``; the gradients are None when a step vanished."""
    H = _steps(X, code, steps)
    if np.any(H == 0.0):
        return None, H
    offsets, weights, centre, divisor = STENCILS[code]
    vals = _evaluate(f, X, H, offsets, args)
    total = sum(w * v for w, v in zip(weights, vals))
    if centre:
        total = total + centre * _call(f, X, args)[None, :]
    return (total.T / (divisor * H)), H


def vectorized_gradient(f, X, code, steps, args):
    """Gradient(s) of a vectorized ``f``; returns ``(out, status)`` like the kernels."""
    single = X.ndim == 1
    X2 = X.reshape(1, -1) if single else X
    if not np.all(np.isfinite(X2)):
        return None, NONFINITE_X
    status = 0
    if code == COMPLEX:
        H = _steps(X2, code, steps)
        v1 = _evaluate(f, X2, 1j * H, (1.0,), args, dtype=np.complex128)
        d1 = v1[0].imag.T / H
        v2 = _evaluate(f, X2, 1j * H * COMPLEX_CHECK_FACTOR, (1.0,), args, dtype=np.complex128)
        d2 = v2[0].imag.T / (H * COMPLEX_CHECK_FACTOR)
        bad = ~(np.abs(d1 - d2) <= COMPLEX_CHECK_RTOL * np.maximum(np.abs(d1), np.abs(d2)))
        out = d1
        if np.any(bad):
            fallback, _ = _real_gradient(f, X2, CENTRAL4, steps, args)
            out = np.where(bad, fallback, d1)
            status = int(np.count_nonzero(bad))
    else:
        out, H = _real_gradient(f, X2, code, steps, args)
        if out is None:
            return None, ZERO_STEP
    return (out[0] if single else out), status
