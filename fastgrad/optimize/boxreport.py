"""The result of a run within bounds (``minimize(..., bounds=)``): the active bounds, the
projected gradient, and messages that speak of it."""

from __future__ import annotations

import numpy as np

from .loop import F, F0, FNOISE, GNOISE, NIT, PREDICTED, STATUS
from .result import OptimizeResult, status_message

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


def bounded_result(res: OptimizeResult, run, options) -> None:
    """Add ``active_mask`` and ``projected_gradient`` to ``res`` and rewrite its messages
    with the projected gradient (the norm the bounded loop tests), noting the starts
    ``minimize`` projected into the box."""
    PG = projected_gradient(run.X, run.G, run.LB, run.UB)
    with np.errstate(invalid="ignore"):
        norms = np.max(np.abs(PG), axis=1)
    lr = options.lr if options.method.uses_lr else None
    messages = []
    for r in range(run.X.shape[0]):
        values = run.FV[r]
        text = status_message(
            int(run.INFO[r, STATUS]), nit=int(run.INFO[r, NIT]), g=PG[r], x=run.X[r],
            gtol=options.gtol, max_iter=options.max_iter, f0=values[F0], fun=values[F],
            lr=lr, max_time=options.max_time, tolerances=(options.ftol, options.xtol),
            noise=(values[GNOISE], values[FNOISE], values[PREDICTED]))
        messages.append(text.replace("||g||_inf", PROJECTED))
    mask = active_mask(run.X, run.LB, run.UB)
    if options.batched:
        res.message, res.active_mask, res.projected_gradient = messages, mask, norms
    else:
        res.message, res.active_mask = messages[0], mask[0]
        res.projected_gradient = float(norms[0])
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
