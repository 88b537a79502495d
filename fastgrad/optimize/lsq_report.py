"""The result of :func:`fastgrad.least_squares`: its status table (SciPy's codes 0 to 4 with
the same meaning, fastgrad's own from 5 on), its messages, and the :class:`OptimizeResult` of
one problem or of a batch, assembled from the kernel's arrays."""

from __future__ import annotations

import numpy as np

from . import lm
from .lm_linalg import summarize, summarize_rows
from .lsq_bounds import bound_summary
from .trf import LOWER, UPPER
from .result import OptimizeResult

LSQ_STATUS = {
    lm.MAX_NFEV: "the maximum number of function evaluations max_nfev was reached",
    lm.GTOL: "converged: the gtol test is satisfied (the residuals are orthogonal to the "
             "columns of the Jacobian to within gtol; for 'trf', the gradient scaled by the "
             "distances to the bounds is below gtol)",
    lm.FTOL: "converged: the ftol test is satisfied (the relative reduction of the sum of "
             "squares is at most ftol, actual and predicted)",
    lm.XTOL: "converged: the xtol test is satisfied (the relative change of x is at most xtol)",
    lm.FTOL_XTOL: "converged: both the ftol and the xtol tests are satisfied",
    lm.TOO_SMALL: "converged to machine precision: no further reduction of the sum of "
                  "squares or change of x is possible in float64 (ftol, xtol or gtol is "
                  "below what can be reached)",
    lm.NONFINITE: "stopped: the residuals or their Jacobian are not finite (NaN or inf)",
    lm.STEP_VANISHED: "stopped: the finite-difference step vanished (x + step == x)",
    lm.MAX_TIME: "stopped: the time limit max_time was reached",
    lm.NOT_STARTED: "not started: the time limit max_time passed before this problem began",
    lm.CALLBACK: "stopped by the callback",
    lm.INTERRUPTED: "interrupted: KeyboardInterrupt (Ctrl-C) during the run; x is the last "
                    "iterate (jac, grad and optimality are of the last Jacobian taken, maybe "
                    "at an earlier iterate)",
    lm.UNRESOLVED: "stopped: the finite-difference Jacobian is not resolved (rounding erased "
                   "the change of the residuals over the step of some parameter, while a "
                   "larger step shows the cost decreasing across x): x is not a solution",
}
"""Status code -> description; ``success`` is True for :data:`fastgrad.optimize.lm.SUCCESS`
(1 to 5)."""


def _short(values: np.ndarray) -> str:
    return np.array2string(np.asarray(values), precision=6, threshold=6, edgeitems=3,
                           separator=", ", max_line_width=10**6)


def lsq_message(status: int, info: np.ndarray, x: np.ndarray, r: np.ndarray,
                J: np.ndarray, settings: np.ndarray, x0: np.ndarray) -> str:
    """The message of one problem: what happened, after how many evaluations, and where."""
    nfev, nit = int(info[lm.NFEV]), int(info[lm.NIT])
    text = LSQ_STATUS.get(status, f"unknown status {status}")
    where = f" after {nit} iterations and {nfev} evaluations of fun"
    if status == lm.NONFINITE:
        bad = np.flatnonzero(~np.isfinite(r))
        if bad.size:
            at = "x0" if nit == 0 else "x"
            return (f"stopped{where}: the residuals at {at} = {_short(x)} are not finite: "
                    f"fun[{_short(bad)}] = {_short(r[bad])}; check fun near x0")
        largest = float(np.max(np.abs(r))) if r.size else 0.0
        if largest > 0.0 and not np.isfinite(  # (its half, scaled: no overflow on the way)
                0.5 * float(np.sum(np.square(r / largest))) * largest * largest):
            return (f"stopped{where}: the residuals at x = {_short(x)} are finite, but the "
                    f"cost 0.5 ||fun||**2 overflows float64 (largest |fun| {largest:.3g}); x is "
                    "not a solution: rescale fun")
        cols = np.flatnonzero(~np.all(np.isfinite(J), axis=0))
        if cols.size == 0:  # the trust region shrank to nothing on non-finite trials
            return (f"stopped{where}: fun is not finite at the trial points next to x = "
                    f"{_short(x)} (every step, until the trust region vanished, gave "
                    "non-finite residuals); x is not a solution")
        return (f"stopped{where}: the Jacobian at x = {_short(x)} has non-finite entries in "
                f"column(s) {_short(cols)}: fun is not finite next to x")
    if status == lm.MAX_NFEV:
        return f"{text} (max_nfev={int(settings[lm.MAX_NFEV_S])}){where}; increase max_nfev"
    if status == lm.MAX_TIME:
        return f"{text}{where}; x is the last iterate"
    if status == lm.STEP_VANISHED:
        return f"{text}{where}; give a larger step, or step=None"
    if status == lm.UNRESOLVED:
        return (f"stopped{where}: the finite-difference Jacobian is not resolved: the "
                f"residuals (largest |fun| {float(np.max(np.abs(r))):.3g}) do not change over "
                "the automatic step of some parameter (relative to max(1, |x_j|)), while a "
                "larger step shows the cost decreasing across x, so x is not a solution; "
                "rescale the parameters (or the residuals), or pass a larger step=")
    return text + where


_SUCCESS = np.zeros(16, dtype=np.bool_)
_SUCCESS[list(lm.SUCCESS)] = True
"""Status code -> success, for a batch."""


def lsq_result(x, r, J, info, settings, x0, batched: bool, box=None) -> OptimizeResult:
    """The :class:`OptimizeResult` of one problem (``batched=False``: arrays of one row) or
    of a batch, with SciPy's fields; ``box`` (m, 3, n): the scale and bounds of "trf", whose
    ``active_mask`` and ``optimality`` (of the Coleman-Li scaled gradient) are SciPy's."""
    res = _result(x, r, J, info, settings, x0, batched)
    if box is not None:
        mask = np.empty(x.shape, dtype=np.int64)
        optimality = np.empty(x.shape[0])
        bound_summary(x, np.atleast_2d(res.grad), np.ascontiguousarray(box[:, LOWER]),
                      np.ascontiguousarray(box[:, UPPER]), settings[lm.XTOL_S], mask,
                      optimality)
        res.active_mask = mask if batched else mask[0]
        res.optimality = optimality if batched else float(optimality[0])
    return res


def _result(x, r, J, info, settings, x0, batched: bool) -> OptimizeResult:
    if not batched:
        return _single(x[0], r[0], J[0], info[0], settings, x0[0])
    m, n = x.shape
    grad = np.empty((m, n))
    out = np.empty((m, 2))
    summarize_rows(J, r, grad, out)
    status = info[:, lm.STATUS].copy()
    cost = out[:, 0].copy()
    finite_cost = np.where(np.isfinite(cost), cost, np.inf)
    return OptimizeResult(
        x=x, cost=cost, fun=r, jac=J, grad=grad,
        optimality=out[:, 1].copy(),
        active_mask=np.zeros((m, n), dtype=np.int64),
        nfev=info[:, lm.NFEV].copy(), njev=info[:, lm.NJEV].copy(),
        nit=info[:, lm.NIT].copy(), status=status,
        message=[lsq_message(int(status[i]), info[i], x[i], r[i], J[i], settings, x0[i])
                 for i in range(m)],
        success=_SUCCESS[status], best=int(np.argmin(finite_cost))
        if np.isfinite(finite_cost).any() else None)


def _single(x, r, J, info, settings, x0) -> OptimizeResult:
    grad = np.empty(x.shape[0])
    out = np.empty(2)
    summarize(J, r, grad, out)
    cost, optimality = out.tolist()
    values = info.tolist()
    status = values[lm.STATUS]
    return OptimizeResult(
        x=x, cost=cost, fun=r, jac=J, grad=grad, optimality=optimality,
        active_mask=np.zeros(x.shape[0], np.int64),
        nfev=values[lm.NFEV], njev=values[lm.NJEV], nit=values[lm.NIT],
        status=status, message=lsq_message(status, info, x, r, J, settings, x0),
        success=status in lm.SUCCESS)
