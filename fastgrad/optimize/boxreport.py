"""The result of a run within bounds (``minimize(..., bounds=)``): the active bounds, the
projected gradient, and messages that speak of it."""

from __future__ import annotations

import numpy as np

from .result import OptimizeResult

PROJECTED = "||P(x - g) - x||_inf"
"""How a message of a bounded run names the norm its convergence test uses."""

PROJECTED_NOTE = "; x0 was outside the bounds and was projected into them"
"""Appended to the message of a start that ``minimize`` projected into the box."""


def active_mask(X: np.ndarray, LB: np.ndarray, UB: np.ndarray) -> np.ndarray:
    """SciPy's ``active_mask``: -1 where x is at its lower bound, +1 at its upper bound,
    0 elsewhere (int, the shape of X)."""
    mask = np.zeros(X.shape, dtype=np.int64)
    mask[X <= LB] = -1
    mask[X >= UB] = 1
    return mask


def projected_gradient(X: np.ndarray, G: np.ndarray, LB: np.ndarray,
                       UB: np.ndarray) -> np.ndarray:
    """``P(x - g) - x`` row by row (P: the projection onto the box)."""
    return np.clip(X - G, LB, UB) - X


def bounded_result(res: OptimizeResult, run, options, PG: np.ndarray) -> None:
    """Add ``active_mask`` and ``projected_gradient`` (the norms of ``PG``, the projected
    gradient the messages already quote) to ``res``, say in its messages which norm the
    convergence test uses, and note the starts ``minimize`` projected into the box."""
    with np.errstate(invalid="ignore"):
        norms = np.max(np.abs(PG), axis=1)
    mask = active_mask(run.X, run.LB, run.UB)
    if options.batched:
        res.message = [m.replace("||g||_inf", PROJECTED) for m in res.message]
        res.active_mask, res.projected_gradient = mask, norms
    else:
        res.message = res.message.replace("||g||_inf", PROJECTED)
        res.active_mask, res.projected_gradient = mask[0], float(norms[0])
    note_projected(res, options.projected, options.batched)


def note_projected(res: OptimizeResult, projected, batched: bool) -> OptimizeResult:
    """Append :data:`PROJECTED_NOTE` to the message of each start that was projected."""
    if projected is None or not projected.any():
        return res
    if not batched:
        res.message += PROJECTED_NOTE
        return res
    res.message = [m + PROJECTED_NOTE if p else m for m, p in zip(res.message, projected)]
    return res
