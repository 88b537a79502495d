"""Whether a claim of convergence rests on differences that rounding erased.

The automatic step of a finite-difference gradient is relative to ``max(1, |x_i|)``, not to
the size of f. Where f is huge next to its change over that step, ``f(x + h e_i)`` rounds to
``f(x)`` and the component comes out exactly 0: a line fit to data of size 2e12 from x = 0
(f about 1e26, a step of 1.5e-8 changes it by 1e6, below its rounding unit of 1e10) had
``||g||_inf = 0`` and "converged" at x0, with ``success`` True (SciPy's L-BFGS-B does the
same). Nothing in the gradient tells that case from a true minimum of an f with a large
offset (``1e6 + (x - 1)**2``), whose differences are erased just as well.

:func:`make_unresolved` (and :func:`make_fit_unresolved` for least squares) tells them
apart at larger steps, only for a component lost that way and only when the run is about to
claim convergence: a run whose differences are resolved pays nothing.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .._core.scalar import copy_values
from .._core.schemes import COMPLEX
from ..diff.steps import column_lost, relative_step_for, step_for, value_eps

GROWTH = 4.0
"""The factor between two trial steps along a lost component: small enough that the first
step whose change counts is not far beyond the scale where f starts to show (a larger one
can step over x's basin and find f rising on both sides: with 10, a float32
``1e6 + (x0 - 1)**2 + (x1 + 2)**2``, 5 above its minimum at x = 0, kept its claim there)."""

LEVELS = 20
"""Trial steps per lost component: ``GROWTH**k`` times the run's step, k = 1 .. 20 (up to
1.1e12 times it: 1.6e4 ``max(1, |x_i|)`` for forward differences)."""

RESOLVED_ULPS = 16.0
"""A change of f over a trial step counts when it exceeds this many units of roundoff of
``|f(x)|``: far above rounding, so that its sign is the function's."""


def make_unresolved(value):
    """``unresolved(x, g, fx, lo, hi, scheme, steps, args, info) -> bool``: whether a
    gradient ``g`` (in a box ``lo``, ``hi`` of shape (n,); empty for none) of ``scheme`` at
    ``x`` (f there is ``fx``), about to be claimed small, has a component that is exactly 0
    (a nonzero difference of f is at least about its rounding unit, so a nonzero component
    within gtol has a rounding error within gtol too; a zero one may hide any derivative)
    while a larger step shows f falling on one side of x and rising on the other, each by
    more than :data:`RESOLVED_ULPS` units of roundoff: f is monotone across ``x_i``, so x is
    no minimum. Trial steps grow by :data:`GROWTH`, :data:`LEVELS` at most, two evaluations of
    f each (counted in ``info``); the first step whose change counts decides the component
    (both sides rising: a minimum at that resolution). A component that no trial step
    resolves, whose trial step would leave the box, or with a non-finite value, keeps its
    claim. x is left as it was."""

    def unresolved(x, g, fx, lo, hi, scheme, steps, args, info):
        if scheme == COMPLEX or not np.isfinite(fx) or fx == 0.0:
            return False  # (f = 0 rounds no difference away: a zero component is exact)
        counts = RESOLVED_ULPS * value_eps(steps) * abs(fx)
        bounded = lo.shape[0] > 0
        for i in range(x.shape[0]):
            xi = x[i]
            h = abs(step_for(scheme, xi, steps, i))
            if h == 0.0 or g[i] != 0.0:
                continue  # a nonzero component is at least f's rounding unit over h: if it
                # is within gtol, so is its rounding error
            for _ in range(LEVELS):
                h *= GROWTH
                if bounded and not (lo[i] <= xi - h and xi + h <= hi[i]):
                    break
                x[i] = xi + h
                up = value(x, args, info) - fx
                x[i] = xi - h
                down = value(x, args, info) - fx
                x[i] = xi
                if not (np.isfinite(up) and np.isfinite(down)):
                    break
                if max(abs(up), abs(down)) > counts:
                    if min(up, down) < -counts and max(up, down) > counts:
                        return True
                    break
        return False

    return unresolved


def make_fit_unresolved(f):
    """``fit_unresolved(x, r, J, scheme, steps, args, lo, hi) -> (bool, evaluations)``: the
    test of :func:`make_unresolved` for a least-squares fit about to claim convergence at
    ``x`` (residuals ``r``, Jacobian ``J`` of ``scheme``), on its cost ``||r||**2``: a column
    of J that the step relative to ``max(1, |x_j|)`` leaves without a digit
    (:func:`fastgrad.diff.steps.column_lost`; the Jacobian kernels retake a lost column at
    that step) is tried at steps :data:`GROWTH` times larger, each within the box ``lo``,
    ``hi`` (empty for none); True where the cost falls on one side of x and rises on the
    other by more than :data:`RESOLVED_ULPS` units of roundoff. ``evaluations`` counts the
    calls of f ``f(x, *args) -> (k,)`` made. x is left as it was."""

    def fit_unresolved(x, r, J, scheme, steps, args, lo, hi):
        k = r.shape[0]
        cost = 0.0
        for i in range(k):
            cost += r[i] * r[i]
        if not (0.0 < cost < np.inf):
            return False, 0
        eps = value_eps(steps)
        counts = RESOLVED_ULPS * eps * cost
        bounded = lo.shape[0] > 0
        trial = np.empty(k)
        evaluations = 0
        for j in range(x.shape[0]):
            xj = x[j]
            h = abs(relative_step_for(scheme, max(1.0, abs(xj)), steps, j))
            if h == 0.0 or not column_lost(J, j, h, r, eps):
                continue
            for _ in range(LEVELS):
                h *= GROWTH
                if bounded and not (lo[j] <= xj - h and xj + h <= hi[j]):
                    break
                x[j] = xj + h
                up = sum_of_squares(f(x, *args), trial) - cost
                x[j] = xj - h
                down = sum_of_squares(f(x, *args), trial) - cost
                x[j] = xj
                evaluations += 2
                if not (np.isfinite(up) and np.isfinite(down)):
                    break
                if max(abs(up), abs(down)) > counts:
                    if min(up, down) < -counts and max(up, down) > counts:
                        return True, evaluations
                    break
        return False, evaluations

    return fit_unresolved


@jit_cached
def sum_of_squares(value, trial):
    """``||value||**2`` of residuals ``value`` (copied into ``trial``, of their length)."""
    copy_values(value, trial)
    total = 0.0
    for i in range(trial.shape[0]):
        total += trial[i] * trial[i]
    return total
