"""The public functions' path within bounds (``bounds=``): check x against the box, run the
kernels without bounds on the rows whose stencils all fit (bit-identical to ``bounds=None``)
and the bounded kernels (:mod:`fastgrad.diff.bounded_kernels`) on the others.

The complex step's rows that do not fit (its real check and fallback would leave the box) are
computed with the bounded central4 (see :mod:`fastgrad.diff.bounds`).
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from .. import scaleout
from .._core.jit import jit_cached
from .._core.objective import FastgradWarning, _user_level, threads_may_share
from .._core.validate import bounds_arrays, no_room_message, outside_bounds_message
from . import registry
from .bounded_kernels import NO_ROOM
from .bounds import (
    AMPLIFICATION, BOUNDED_CENTRE, BOUNDED_DIVISOR, BOUNDED_OFFSETS, BOUNDED_POINTS,
    BOUNDED_WEIGHTS, NO_ROOM_ROW, ROUNDING_WARN, bounded_step, central4_steps, natural_fits,
)
from .kernels import NONFINITE_X, OBJECTIVE_RAISED, ZERO_STEP
from .rows import PARALLEL_MIN_ROWS, check_status, run_rows
from .steps import CENTRAL4, COMPLEX, EPS, HESSIAN, SCHEME_CODES
from .vectorized import call_batch, scheme_steps, vectorized_gradient


def box_for(bounds, xw: np.ndarray, name: str = "x"):
    """``(lb, ub)`` broadcast to x, or None where ``bounds`` bounds nothing; a ``ValueError``
    naming the coordinates when x lies outside the box."""
    box = bounds_arrays(bounds, xw.shape)
    if box is None:
        return None
    message = outside_bounds_message(xw, box[0], box[1], name)
    if message is not None:
        if xw.shape == (2,) and _two_pairs(bounds):  # pairs meant, perhaps
            message += ("; bounds of two entries are read as (lb, ub): for one (lo, hi) "
                        "pair per coordinate pass scipy.optimize.Bounds(lb, ub)")
        raise ValueError(message)
    return box


def _two_pairs(bounds) -> bool:
    """True for two entries of two values each: ``(lb, ub)``, or perhaps two pairs meant."""
    try:
        return np.shape(bounds) == (2, 2)
    except ValueError:  # ragged
        return False


def bounded_code(code: int) -> int:
    """The scheme the bounded kernels run for ``code``: central4 for the complex step."""
    return CENTRAL4 if code == COMPLEX else code


def _combine(first: int, second: int) -> int:
    """Two kernel statuses as one: the error if either is one, else the sum (complex-step
    fallbacks and extra evaluations add up)."""
    if first < 0 or second < 0:
        return min(first, second)
    return first + second


def split_rows(X, LB, UB, code, steps, out, plain, bounded):
    """Fill ``out`` for the rows of ``X`` (m, n): ``plain(rows, out_rows)`` (the kernels
    without bounds) where every stencil fits, ``bounded(rows, code, lb, ub, out_rows,
    steps)`` elsewhere (for the complex step: the bounded central4 with its automatic step,
    :func:`fastgrad.diff.bounds.central4_steps`); returns the combined status."""
    fits = natural_fits(X, LB, UB, code, steps)
    if fits.all():
        return plain(X, out)
    status = 0
    if fits.any():
        part = np.empty((int(fits.sum()), X.shape[1]))
        status = plain(np.ascontiguousarray(X[fits]), part)
        out[fits] = part
    rows = ~fits
    part = np.empty((int(rows.sum()), X.shape[1]))
    X, LB, UB = (np.ascontiguousarray(a[rows]) for a in (X, LB, UB))
    bcode = bounded_code(code)
    bsteps = central4_steps.py_func(steps) if code == COMPLEX else steps
    warn_shrunk(X, LB, UB, bcode, bsteps, np.flatnonzero(rows) if rows.size > 1 else None)
    status = _combine(status, bounded(X, bcode, LB, UB, part, bsteps))
    out[rows] = part
    return status


def warn_shrunk(X, LB, UB, code, steps, starts=None) -> None:
    """Warn (:class:`FastgradWarning`, at the user's line) where the box ``[LB, UB]`` leaves a
    coordinate of a row of ``X`` (m, n) so little room that its step of scheme ``code``
    shrinks until the rounding error of f, amplified by the stencil, may exceed
    :data:`~fastgrad.diff.bounds.ROUNDING_WARN` of ``|f| / max(1, |x_i|)`` (``**2`` for the
    Hessian): the result is then only that accurate. ``starts``: for a batch, the index
    of each row among the caller's starts, for the message (None: one x). Nothing when the
    bounds leave no room at all (the kernels' error says so)."""
    rows = np.empty(X.shape, dtype=np.int64)
    H = np.empty(X.shape)
    if plan(X, code, steps, LB, UB, rows, H) < 0:
        return
    size = np.abs(H)
    power = 2 if code == HESSIAN else 1
    error = EPS * AMPLIFICATION[rows] * (np.maximum(1.0, np.abs(X)) / size) ** power
    natural = np.abs(scheme_steps(X, code, steps))
    error[size >= natural * (1.0 - 1e-12)] = 0.0  # not shrunk
    if not (error > ROUNDING_WARN).any():
        return
    r, i = np.unravel_index(int(np.argmax(error)), error.shape)
    count = int(np.count_nonzero(error > ROUNDING_WARN))
    where = f"x[{i}]" if starts is None else f"x[{i}] of start {int(starts[r])}"
    others = "" if count == 1 else (
        f" (and {count - 1} more coordinate{'s' if count > 2 else ''})")
    name = "Hessian" if code == HESSIAN else next(
        k for k, v in SCHEME_CODES.items() if v == code) + " differences"
    warnings.warn(
        f"the bounds leave {where}{others} too little room for the step of the {name}: "
        f"the box is {UB[r, i] - LB[r, i]:.3g} wide there, and the step shrank from "
        f"{natural[r, i]:.3g} to {size[r, i]:.3g}, "
        f"which amplifies the rounding error of f to about {error[r, i]:.2g} relative (of "
        f"|f| / max(1, |x_i|){'**2' if power == 2 else ''}): the derivative is only that "
        "accurate. Widen the box, or differentiate further from the bounds",
        FastgradWarning, stacklevel=_user_level())


def run_bounded_rows(obj, X, code, steps, LB, UB, out, args, strict):
    """The bounded gradient of every row of ``X``; a batch of :data:`PARALLEL_MIN_ROWS` rows
    or more in parallel (an exception of f is raised again from a serial rerun, as
    :func:`fastgrad.diff.rows.run_rows` does)."""
    if X.shape[0] >= PARALLEL_MIN_ROWS and threads_may_share(obj):
        fresh = X.copy()
        try:
            status = obj.run("bounded_batched_gradient", X, code, steps, LB, UB, out, args,
                             strict=strict)
        except SystemError:
            status = OBJECTIVE_RAISED
        if status != OBJECTIVE_RAISED:
            return status
        X = fresh
    for r in range(X.shape[0]):
        status = obj.run("bounded_gradient", X[r], code, steps, LB[r], UB[r], out[r], args,
                         strict=strict)
        if status < 0:
            return status
    return 0


def check_bounded_status(status: int, xw, steps, box) -> None:
    """:func:`fastgrad.diff.rows.check_status`, and the error of bounds without room."""
    if status == NO_ROOM:
        raise ValueError(no_room_message(xw, box[0], box[1]))
    check_status(status, xw, steps)


@jit_cached
def plan(X, scheme, steps, LB, UB, rows, H):
    """Write into ``rows`` and ``H`` the stencil row and signed step of
    :func:`fastgrad.diff.bounds.bounded_step` for every element of ``X`` (m, n); returns a
    status (:data:`NO_ROOM`, :data:`ZERO_STEP` or 0)."""
    for r in range(X.shape[0]):
        for i in range(X.shape[1]):
            rows[r, i], H[r, i] = bounded_step(scheme, X[r, i], steps, i, LB[r, i], UB[r, i])
            if H[r, i] == 0.0:
                return NO_ROOM if rows[r, i] == NO_ROOM_ROW else ZERO_STEP
    return 0


def vectorized_bounded(f, X, code, steps, LB, UB, out, args, call):
    """The bounded gradients of the rows of ``X`` for a vectorized ``f``: every stencil point
    of the same row of the stencil table in one batched call (``call(f, batch, args)``)."""
    m, n = X.shape
    rows = np.empty((m, n), dtype=np.int64)
    H = np.empty((m, n))
    status = plan(X, code, steps, LB, UB, rows, H)
    if status < 0:
        return status
    acc = np.zeros((m, n))
    centre = BOUNDED_CENTRE[rows]
    if np.any(centre != 0.0):
        f0 = call(f, X, args).astype(np.float64)
        acc += np.where(centre != 0.0, centre * f0[:, None], 0.0)
    for row in np.unique(rows):
        r, i = np.nonzero(rows == row)
        for p in range(BOUNDED_POINTS[row]):
            batch = X[r].copy()
            batch[np.arange(r.size), i] += BOUNDED_OFFSETS[row, p] * H[r, i]
            acc[r, i] += BOUNDED_WEIGHTS[row, p] * call(f, batch, args)
    out[:] = acc / (BOUNDED_DIVISOR[rows] * H)
    return 0


def _as_rows(xw, box, out):
    n = xw.shape[-1]
    X = xw.reshape(-1, n)
    return X, box[0].reshape(X.shape), box[1].reshape(X.shape), out.reshape(X.shape)


def engine_gradient(obj, xw, code, steps, args, box, out, strict, shape=None):
    """Gradient(s) within ``box`` on the objective's engine (compiled or Python); ``shape``:
    that of x as the user gave it, for messages (derivative's columns)."""
    batched = registry.for_scheme("batched_gradient", code)
    X, LB, UB, out2 = _as_rows(xw, box, out)

    def plain(rows, part):
        return run_rows(obj, batched, rows.copy(), rows, code, steps, part, args, strict)

    def bounded(rows, bcode, lb, ub, part, steps):
        return run_bounded_rows(obj, rows, bcode, steps, lb, ub, part, args, strict)

    status = split_rows(X, LB, UB, code, steps, out2, plain, bounded)
    if shape is not None:
        xw, box = xw.reshape(shape), (box[0].reshape(shape), box[1].reshape(shape))
    check_bounded_status(status, xw, steps, box)
    return out


def workers_gradient(f, pool, xw, code, steps, args, box, out):
    """Gradient(s) within ``box`` with ``workers=`` (:mod:`fastgrad.scaleout`)."""
    batched = registry.for_scheme("batched_gradient", code)
    X, LB, UB, out2 = _as_rows(xw, box, out)

    def plain(rows, part):
        return scaleout.run(partial(registry.source, batched), f, pool,
                            (rows, code, steps, part), args)

    def bounded(rows, bcode, lb, ub, part, steps):
        return scaleout.run(partial(registry.source, "bounded_batched_gradient"), f, pool,
                            (rows, bcode, steps, lb, ub, part), args)

    check_bounded_status(split_rows(X, LB, UB, code, steps, out2, plain, bounded), xw, steps,
                         box)
    return out


def vectorized_gradient_within(f, xw, code, steps, args, box):
    """Gradient(s) within ``box`` of a vectorized objective (``vectorized=True``)."""
    out = np.empty(xw.shape)
    X, LB, UB, out2 = _as_rows(xw, box, out)
    if not np.all(np.isfinite(X)):
        check_status(NONFINITE_X, xw, steps)

    def plain(rows, part):
        values, status = vectorized_gradient(f, rows, code, steps, args)
        if status >= 0:
            part[:] = values
        return status

    def bounded(rows, bcode, lb, ub, part, steps):
        return vectorized_bounded(f, rows, bcode, steps, lb, ub, part, args, call_batch)

    check_bounded_status(split_rows(X, LB, UB, code, steps, out2, plain, bounded), xw, steps,
                         box)
    return out


def jacobian_within(obj, f, pool, xw, code, steps, args, box, strict):
    """The Jacobian within ``box`` (for the complex step: the bounded central4), or None
    where every stencil fits (the caller then runs the Jacobian without bounds)."""
    if natural_fits(xw, box[0], box[1], code, steps).all():
        return None
    bcode = bounded_code(code)
    if code == COMPLEX:
        steps = central4_steps.py_func(steps)
    warn_shrunk(xw[None], box[0][None], box[1][None], bcode, steps)
    if pool is None:
        result = obj.run("bounded_jacobian", xw, bcode, steps, box[0], box[1], args,
                         strict=strict)
    else:
        result = scaleout.run(partial(registry.source, "bounded_jacobian"), f, pool,
                              (xw, bcode, steps, box[0], box[1]), args, dummy=np.zeros(1))
    check_bounded_status(result[0], xw, steps, box)
    return result[1]


def hessian_within(obj, f, pool, xw, steps, args, box, out, strict):
    """The bounded Hessian into ``out``, or None where every stencil fits."""
    if natural_fits(xw, box[0], box[1], HESSIAN, steps).all():
        return None
    warn_shrunk(xw[None], box[0][None], box[1][None], HESSIAN, steps)
    if pool is None:
        status = obj.run("bounded_hessian", xw, HESSIAN, steps, box[0], box[1], out, args,
                         strict=strict)
    else:
        status = scaleout.run(partial(registry.source, "bounded_hessian"), f, pool,
                              (xw, HESSIAN, steps, box[0], box[1], out), args)
    check_bounded_status(status, xw, steps, box)
    return out
