"""The result of a run within bounds (``minimize(..., bounds=)``): the active bounds, the
projected gradient, and messages that speak of it."""

from __future__ import annotations

import numpy as np

from .._core.boxcheck import box_report
from .report import single_result
from .result import PROJECTED_NOTE, OptimizeResult, bounded_message


def box_arrays(X: np.ndarray, G: np.ndarray, LB: np.ndarray, UB: np.ndarray):
    """``(PG, norms, mask)`` of a run's rows: the projected gradient ``P(x - g) - x`` (P:
    the projection onto the box), its max norm per row, SciPy's ``active_mask``."""
    m, n = X.shape
    PG, norms, mask = np.empty((m, n)), np.empty(m), np.empty((m, n), dtype=np.int64)
    box_report(X, G, LB, UB, PG, norms, mask)
    return PG, norms, mask


def bounded_result(res: OptimizeResult, options, arrays, projected, held) -> None:
    """Add ``active_mask`` and ``projected_gradient`` (the norms of the projected gradient
    the messages already quote; ``arrays`` from :func:`box_arrays`) to ``res``, say in its
    messages which norm the convergence test uses, and note the starts ``minimize``
    projected into the box (``projected`` (m,), True for those). With finite differences,
    ``jac`` is NaN at a coordinate fixed by ``lb == ub`` (f is not differentiated along it),
    and at a component the loop held (``held`` (m, n), the run's
    :data:`~fastgrad.optimize.columns.HELD` rows: nonzero only for a start stopped between
    two chunks, by Ctrl-C or ``max_time``; its value there is from an earlier iterate)."""
    _, norms, mask = arrays
    if options.kind != "analytic":  # a fixed coordinate has no finite difference: NaN, as
        fixed = options.box[0] == options.box[1]  # SciPy's minimize reports it
        unknown = (held != 0.0) | fixed
        if unknown.any():
            jac = res.jac if options.batched else res.jac.reshape(1, -1)
            jac[unknown] = np.nan
    if options.batched:
        res.message = [bounded_message(m) for m in res.message]
        res.active_mask, res.projected_gradient = mask, norms
    else:  # (single_result wrote the message of a run within bounds)
        res.active_mask, res.projected_gradient = mask[0], float(norms[0])
    note_projected(res, projected, options.batched)


def bounded_single_result(X, G, FV, INFO, report: tuple, box: tuple, differenced: bool,
                          moved: np.ndarray) -> OptimizeResult:
    """The result of a single bounded start that finished with no warning to give, from the
    run's state arrays (as :func:`~fastgrad.optimize.report.single_result`): what
    minimize's report (``result`` and :func:`bounded_result`) makes of it, for the lean
    path (:func:`fastgrad.optimize.plans.runner`). ``box``: the run's ``(LB, UB)``, (1, n);
    ``differenced``: a finite-difference gradient (NaN at fixed coordinates); ``moved``
    (1,): whether minimize projected x0 into the box. No component is held at the end of a
    finished run."""
    PG, norms, mask = box_arrays(X, G, box[0], box[1])
    res = single_result(X[0], G[0], FV, INFO, report, PG[0], moved.item(0))
    if differenced:
        fixed = box[0][0] == box[1][0]
        if fixed.any():
            res.jac[fixed] = np.nan
    res.active_mask, res.projected_gradient = mask[0], float(norms[0])
    return res


def note_projected(res: OptimizeResult, projected, batched: bool) -> OptimizeResult:
    """Append :data:`PROJECTED_NOTE` to the message of each start that was projected."""
    if projected is None or not projected.any():
        return res
    if not batched:
        res.message += PROJECTED_NOTE
        return res
    res.message = [m + PROJECTED_NOTE if p else m for m, p in zip(res.message, projected)]
    return res
