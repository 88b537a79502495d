"""Compiled one-pass checks of a box ``[lb, ub]``, and its report arrays: a call of
``minimize(..., bounds=)`` on a small problem should not spend more on a dozen numpy
reductions over tiny arrays than on the run itself."""

from __future__ import annotations

import math

from .jit import jit_cached

HAS_NAN = 1
""":func:`box_flags`: a bound is NaN."""
INVERTED = 2
""":func:`box_flags`: some ``lb > ub``."""
FIXED = 4
""":func:`box_flags`: some ``lb == ub``."""
BOUNDED = 8
""":func:`box_flags`: some bound is finite (else the box bounds nothing)."""


@jit_cached
def box_flags(lb, ub):
    """The flags above for the flat bounds ``lb``, ``ub`` (same length), in one pass."""
    flags = 0
    for i in range(lb.shape[0]):
        lo, hi = lb[i], ub[i]
        if lo != lo or hi != hi:
            flags |= HAS_NAN
        elif lo > hi:
            flags |= INVERTED
        elif lo == hi:
            flags |= FIXED
        if lo > -math.inf or hi < math.inf:
            flags |= BOUNDED
    return flags


@jit_cached
def project_rows(X, LB, UB, moved):
    """``X <- min(max(X, LB), UB)`` in place (all (m, n)); ``moved[r]``: row r changed."""
    for r in range(X.shape[0]):
        moved[r] = False
        for i in range(X.shape[1]):
            if X[r, i] < LB[r, i]:
                X[r, i] = LB[r, i]
                moved[r] = True
            elif X[r, i] > UB[r, i]:
                X[r, i] = UB[r, i]
                moved[r] = True


@jit_cached
def projected_step(x, g, lo, hi):
    """``P(x - g) - x`` for one coordinate ``x`` in ``[lo, hi]`` (P: the projection onto
    it), as L-BFGS-B computes it: ``-g`` limited by the distance to the bound it points
    towards. Not by rounding ``x - g``: where |g| is below half an ulp of x that gives 0,
    and a run far from its minimum at |x| ~ 1e23 claimed convergence. NaN for a NaN g."""
    if g > 0.0:
        return -min(g, x - lo)
    if g < 0.0:
        return min(-g, hi - x)
    return g if g != g else 0.0


@jit_cached
def box_report(X, G, LB, UB, PG, norms, mask):
    """Row by row: the projected gradient ``PG = P(X - G) - X`` (:func:`projected_step`),
    its max norm ``norms`` (NaN if any component is NaN) and SciPy's ``active_mask`` (-1 at
    a lower bound, +1 at an upper one, 0 elsewhere)."""
    for r in range(X.shape[0]):
        worst = 0.0
        for i in range(X.shape[1]):
            x, lo, hi = X[r, i], LB[r, i], UB[r, i]
            p = projected_step(x, G[r, i], lo, hi)
            PG[r, i] = p
            if p != p or worst != worst:
                worst = p if p != p else worst
            elif abs(p) > worst:
                worst = abs(p)
            mask[r, i] = -1 if x <= lo else (1 if x >= hi else 0)
        norms[r] = worst
