"""The box of ``minimize(..., bounds=)``: projection onto it, its first-order test and its
active coordinates (used by :mod:`fastgrad.optimize.boxloop` and
:mod:`fastgrad.optimize.boxaccuracy`)."""

from __future__ import annotations

from .._core.boxcheck import projected_step
from .._core.jit import jit_cached


@jit_cached
def project(x, lo, hi):
    """``x <- min(max(x, lo), hi)`` in place."""
    for i in range(x.shape[0]):
        if x[i] < lo[i]:
            x[i] = lo[i]
        elif x[i] > hi[i]:
            x[i] = hi[i]


@jit_cached
def projected_norm(x, g, lo, hi):
    """``||P(x - g) - x||_inf``: 0 exactly at a point that satisfies the first-order
    conditions of the box (KKT); each component as
    :func:`fastgrad._core.boxcheck.projected_step` computes it (never by rounding x - g)."""
    worst = 0.0
    for i in range(x.shape[0]):
        worst = max(worst, abs(projected_step(x[i], g[i], lo[i], hi[i])))
    return worst


@jit_cached
def is_active(xi, gi, lo, hi):
    """True if coordinate ``xi`` sits on a bound that its gradient ``gi`` points out of."""
    return (xi <= lo and gi > 0.0) or (xi >= hi and gi < 0.0)
