"""What ``minimize`` returns: the state arrays of a run turned into an
:class:`~fastgrad.optimize.result.OptimizeResult`, and the warning of a consumed Ctrl-C."""

from __future__ import annotations

import warnings

import numpy as np

from .._core.objective import FastgradWarning
from .driver import Run
from .columns import F, F0, FNOISE, GNOISE, MASKED, NFEV, NIT, NJEV, PREDICTED, STATUS
from .result import (
    CONVERGED, INTERRUPTED, NOT_RUN, SUCCESS, OptimizeResult, bounded_message,
    inf_norm, status_message,
)
from .pending import SHORT, PendingMessage, PendingResult


def clear_not_run(run: Run, history: bool) -> None:
    """Starts that never began (status 8): x stays x0, f and its gradient are unknown."""
    not_run = run.INFO[:, STATUS] == NOT_RUN
    if not_run.any():
        run.FV[not_run] = np.nan
        run.G[not_run] = np.nan
        if history:
            run.XH[not_run, 0] = run.X[not_run]


def result(run: Run, batched, history, gtol, max_iter, lr, max_time,
           tolerances=(0.0, 0.0), tested=None) -> OptimizeResult:
    """The result of a run; ``tested``: the vectors (m, n) whose norm the messages quote
    in place of the gradient (a bounded run's projected gradient)."""
    X, G, FV, INFO, XH, FH = run.X, run.G, run.FV, run.INFO, run.XH, run.FH
    if not batched:
        res = single_result(X[0], G[0], FV, INFO, (gtol, max_iter, lr, max_time, tolerances),
                            None if tested is None else tested[0])
        if history:
            res.x_history = XH[0, :res.nit + 1].copy()
            res.f_history = FH[0, :res.nit + 1].copy()
        return res
    T = G if tested is None else tested
    status = INFO[:, STATUS].copy()
    messages = [
        status_message(code, nit=nit, g=T[r], x=X[r], gtol=gtol, max_iter=max_iter, f0=f0,
                       fun=fun, lr=lr, max_time=max_time, tolerances=tolerances,
                       noise=tuple(noise))
        for r, (code, nit, (fun, f0, *noise)) in enumerate(
            zip(status.tolist(), INFO[:, NIT].tolist(),
                FV[:, [F, F0, GNOISE, FNOISE, PREDICTED, MASKED]].tolist())
        )
    ]
    fun = FV[:, F].copy()
    finite = np.isfinite(fun)
    res = OptimizeResult(
        x=X, fun=fun, jac=G, nit=INFO[:, NIT].copy(), nfev=INFO[:, NFEV].copy(),
        njev=INFO[:, NJEV].copy(), success=np.isin(status, SUCCESS), status=status, message=messages,
        best=int(np.flatnonzero(finite)[np.argmin(fun[finite])]) if finite.any() else None,
    )
    if history:
        rows = int(res.nit.max()) + 1
        res.x_history = XH[:, :rows].copy()
        res.f_history = FH[:, :rows].copy()
    return res


def single_result(x: np.ndarray, g: np.ndarray, FV: np.ndarray, INFO: np.ndarray,
                  report: tuple, tested: np.ndarray | None = None,
                  projected: bool = False) -> OptimizeResult:
    """The result of a single start, without history: ``x`` and ``g`` its iterate and
    gradient (n,), which the result holds as its ``x`` and ``jac`` (the run is not used
    again), ``FV`` and ``INFO`` its rows (1, k) of the state arrays;
    ``report = (gtol, max_iter, lr, max_time, (ftol, xtol))`` for its message, ``tested``
    the vector (n,) whose norm the message quotes in place of the gradient (a bounded
    run's projected gradient: the message is then that of a run within bounds,
    :func:`~fastgrad.optimize.result.bounded_message`, noting that x0 was ``projected``
    into the box where it was). A run that converged (status 0) gives a
    :class:`~fastgrad.optimize.pending.PendingResult`, whose message is written when first
    read. :func:`result`'s single start, and minimize's lean path
    (:func:`fastgrad.optimize.plans.runner`), which calls it on the arrays of a run it has
    not wrapped in a :class:`Run`."""
    nit, nfev, njev, status = INFO[0, :STATUS + 1].tolist()
    fun = FV.item(0, F)
    gtol, max_iter, lr, max_time, tolerances = report
    bounded = tested is not None
    if status == CONVERGED:  # the common end: its message is written when first read
        quoted = tested if bounded else g  # its components, or its norm (PendingMessage)
        return PendingResult(x=x, fun=fun, jac=g, nit=nit, nfev=nfev, njev=njev,
                             success=True, status=status, message=PendingMessage((
                                 nit, quoted.tolist() if quoted.shape[0] <= SHORT else
                                 inf_norm(quoted), gtol, bounded, projected)))
    values = FV[0].tolist()
    message = status_message(
        status, nit=nit, g=tested if bounded else g, x=x, gtol=gtol, max_iter=max_iter,
        f0=values[F0], fun=fun, lr=lr, max_time=max_time, tolerances=tolerances,
        noise=(values[GNOISE], values[FNOISE], values[PREDICTED], values[MASKED]))
    if bounded:
        message = bounded_message(message, projected)
    return OptimizeResult(x=x, fun=fun, jac=g, nit=nit, nfev=nfev, njev=njev,
                          success=status in SUCCESS, status=status, message=message)


def warn_interrupted(status: np.ndarray, nit: np.ndarray, stacklevel: int = 3) -> None:
    """The one warning of a consumed KeyboardInterrupt (``stacklevel`` from here)."""
    not_run = int(np.count_nonzero(status == NOT_RUN))
    rest = (f"; {not_run} of {status.shape[0]} starts had not begun (status {NOT_RUN}, "
            "'not started': x is x0, fun NaN)" if not_run else "")
    warnings.warn(
        f"minimize was interrupted by KeyboardInterrupt after {int(nit.max())} "
        "iterations; the interrupt was consumed and the result reached so far is "
        f"returned (status {INTERRUPTED}, 'interrupted', success False){rest}",
        FastgradWarning,
        stacklevel=stacklevel,
    )
