"""Bounds of :func:`fastgrad.least_squares` and :func:`fastgrad.curve_fit`: SciPy's
conventions checked, the method chosen ("lm" without bounds, "trf" with them), the start made
strictly feasible, and the ``box`` array of :mod:`fastgrad.optimize.trf` assembled; and, for
the result, SciPy's ``active_mask`` and ``optimality`` of "trf"."""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .._core.validate import bounds_arrays, outside_bounds_message
from .trf import LOWER, SCALE, TYPICAL, UPPER

METHODS = ("lm", "trf")
"""Methods of :func:`fastgrad.least_squares`."""

FEASIBLE_STEP = 1e-10
"""A start within this distance (relative, ``max(1, |bound|)``) of a bound is moved to that
distance inside, as SciPy's ``make_strictly_feasible`` does for "trf": the method's iterates
lie strictly inside the box."""


def method_and_bounds(method, bounds, X: np.ndarray):
    """``(method, lb, ub)`` for the starts ``X`` (m, n): ``lb``, ``ub`` of shape (m, n), or
    None without bounds (``method="trf"`` without bounds gets infinite ones)."""
    if method is not None and method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))} or None, "
                         f"got {method!r}")
    box = None
    if bounds is not None:
        if not (hasattr(bounds, "lb") and hasattr(bounds, "ub")) and (
                isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__")
                or len(bounds) != 2):
            raise ValueError("bounds must be (lb, ub), each a scalar or an array of shape "
                             "(n,), or a scipy.optimize.Bounds (SciPy's least_squares "
                             "convention; a sequence of (lo, hi) pairs is minimize's), got "
                             f"{_show(bounds)}")
        box = bounds_arrays(bounds, X.shape)
    if box is None:
        if method == "trf":
            return "trf", np.full(X.shape, -np.inf), np.full(X.shape, np.inf)
        return "lm", None, None
    if method == "lm":
        raise ValueError("method='lm' does not take bounds (got finite bounds); use "
                         "method='trf' or method=None, which chooses 'trf' when bounds are "
                         "given")
    lb, ub = box
    tight = np.argwhere(lb >= ub)
    if tight.size:
        i = tuple(tight[0])
        raise ValueError(f"bounds: each lower bound must be strictly less than its upper "
                         f"bound, got lb = ub = {float(lb[i])!r} at index {i[-1]}"
                         " (a fixed parameter: remove it from the fit)")
    outside = np.flatnonzero(((X < lb) | (X > ub)).any(axis=1))
    for i in outside[:1]:
        name = "x0" if X.shape[0] == 1 else f"x0[{i}]"
        message = outside_bounds_message(X[i], lb[i], ub[i], name)
        if message is not None:
            raise ValueError(f"x0 is infeasible: {message}")
    return "trf", lb, ub


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


@jit_cached
def strictly_feasible(X, lb, ub):
    """``X`` (m, n) with every coordinate within :data:`FEASIBLE_STEP` of a bound moved that
    far inside (to the middle where the box is narrower than that); a copy."""
    out = X.copy()
    m, n = X.shape
    for i in range(m):
        for j in range(n):
            lo, hi = lb[i, j], ub[i, j]
            if lo > -np.inf and out[i, j] < lo + FEASIBLE_STEP * max(1.0, abs(lo)):
                out[i, j] = lo + FEASIBLE_STEP * max(1.0, abs(lo))
            if hi < np.inf and out[i, j] > hi - FEASIBLE_STEP * max(1.0, abs(hi)):
                out[i, j] = hi - FEASIBLE_STEP * max(1.0, abs(hi))
            if out[i, j] <= lo or out[i, j] >= hi:
                out[i, j] = 0.5 * (lo + hi)
    return out


def box_array(D: np.ndarray, lb: np.ndarray, ub: np.ndarray, X: np.ndarray,
              x_scale) -> np.ndarray:
    """The (m, 4, n) ``box`` of the "trf" kernel: the scale ``D``, the bounds and the
    typical size of each parameter of each problem: ``x_scale`` where the user gave it (a
    number or an array), else ``|x0|`` (1 where ``x0`` is 0), so that a parameter
    approaching a bound at 0 keeps finite-difference steps of its own scale (a step
    relative to ``|x|`` alone would sink below the rounding of the residuals)."""
    m, n = D.shape
    box = np.empty((m, 4, n))
    box[:, SCALE] = D
    box[:, LOWER] = lb
    box[:, UPPER] = ub
    if x_scale is None or isinstance(x_scale, str):
        box[:, TYPICAL] = np.where(X == 0.0, 1.0, np.abs(X))
    else:
        box[:, TYPICAL] = 1.0 / D
    return box


@jit_cached
def bound_summary(X, G, LB, UB, rtol, mask, optimality):
    """For each row of ``X`` (m, n), SciPy's "trf" ``active_mask`` and ``optimality``:
    ``mask`` -1 where x is within ``rtol max(1, |lb|)`` of a finite lower bound (and nearer it
    than the upper), +1 likewise at an upper bound, else 0; ``optimality`` the infinity norm
    of the gradient ``G`` scaled by Coleman-Li's ``v`` (the distance to the bound the gradient
    points to, 1 where that bound is infinite)."""
    m, n = X.shape
    for i in range(m):
        best = 0.0
        for j in range(n):
            x, g, lo, hi = X[i, j], G[i, j], LB[i, j], UB[i, j]
            low_gap = x - lo
            high_gap = hi - x
            mask[i, j] = 0
            if lo > -np.inf and low_gap <= min(high_gap, rtol * max(1.0, abs(lo))):
                mask[i, j] = -1
            if hi < np.inf and high_gap <= min(low_gap, rtol * max(1.0, abs(hi))):
                mask[i, j] = 1
            v = 1.0
            if g < 0.0 and hi < np.inf:
                v = high_gap
            elif g > 0.0 and lo > -np.inf:
                v = low_gap
            best = max(best, abs(v * g))
        optimality[i] = best
