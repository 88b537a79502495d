"""Running kernels over the rows of a batch, and turning kernel statuses into the messages
the user sees (errors, and the warning of complex-step components recomputed by central4)."""

from __future__ import annotations

import warnings

import numpy as np

from .._core.objective import FastgradWarning, threads_may_share
from .._core.validate import nonfinite_message, zero_step_message
from . import registry
from .complex_step import fallbacks_of
from .kernels import NONFINITE_X, OBJECTIVE_RAISED, ZERO_STEP

PARALLEL_MIN_ROWS = 64
"""Batches with fewer rows run their row kernel one row at a time from Python: the parallel
kernel then is neither compiled (about 1-2 s the first time) nor launched (tens of
microseconds on an idle machine, milliseconds when the other cores are busy), which a few
rows of work do not repay."""


def _run_serial(obj, name, xw, code, steps, out, args, strict):
    row_name = registry.row_kernel(name)
    total = 0
    for r in range(xw.shape[0]):
        status = obj.run(row_name, xw[r], code, steps, out[r], args, strict=strict)
        if status < 0:
            return status
        total += status
    return total


def run_rows(obj, name, x, xw, code, steps, out, args, strict):
    """Run the batched kernel ``name`` over the rows of the workspace ``xw``.

    Small batches (fewer than :data:`PARALLEL_MIN_ROWS` rows), and those of an objective
    that writes into its args (:func:`~fastgrad._core.objective.threads_may_share`), run row
    by row. Numba does not
    carry an exception of ``f`` out of a parallel loop: raised on a worker thread it is lost
    (the row keeps the status ``OBJECTIVE_RAISED``), raised on the main thread it surfaces as
    a ``SystemError``. Either way the rows are run again one at a time from the caller's
    ``x`` (a raising row leaves its workspace perturbed), so that ``f``'s own exception
    reaches the caller.
    """
    if xw.shape[0] < PARALLEL_MIN_ROWS or not threads_may_share(obj):
        return _run_serial(obj, name, xw, code, steps, out, args, strict)
    try:
        status = obj.run(name, xw, code, steps, out, args, strict=strict)
    except SystemError:
        status = OBJECTIVE_RAISED
    if status != OBJECTIVE_RAISED:
        return status
    fresh = np.array(x, dtype=np.float64).reshape(xw.shape)
    return _run_serial(obj, name, fresh, code, steps, out, args, strict)


def check_status(status: int, x: np.ndarray, steps: np.ndarray, name: str = "x") -> None:
    """Turn a kernel status into the user-facing error or warning."""
    if status == 0:
        return
    if status == NONFINITE_X:
        raise ValueError(nonfinite_message(x, name))
    if status == ZERO_STEP:
        raise ValueError(zero_step_message(x, steps))
    if status > 0 and fallbacks_of(status):  # complex step: recomputed components
        warnings.warn(complex_step_message(fallbacks_of(status)), FastgradWarning,
                      stacklevel=3)


def complex_step_message(count: int, what: str = "derivative component(s)") -> str:
    """The warning for ``count`` complex-step components recomputed by central4."""
    return (
        f"the complex step could not be trusted for {count} {what}: the objective is not "
        "complex-analytic as compiled, so Im f(x + ih)/h lost or changed part of the "
        "derivative, or disagreed with itself. Likely causes: abs, np.linalg.norm, "
        "comparisons or max/min on x, np.conj, .real or .imag, math.* functions (which drop "
        "the imaginary part), or z**k with integer k >= 3, which Numba evaluates in polar "
        "form, inexact where Re z < 0 (write z*z*z). Those components were recomputed with "
        "method='central4' (real differences, with the same step policy or the step you "
        "gave); use a real method for this objective."
    )
