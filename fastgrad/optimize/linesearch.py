"""The line search of the quasi-Newton methods (lbfgs, bfgs): few evaluations of f.

A step ``t`` along a descent direction ``d`` from ``base`` (where f is ``fx`` and the
directional derivative ``slope = g'd < 0``) is accepted when it satisfies the weak Wolfe
conditions

* sufficient decrease (Armijo): ``f(base + t d) <= fx + c1 t slope`` (and ``< fx``), and
* curvature: ``g(base + t d)'d >= c2 slope``,

which is what a quasi-Newton update needs (the curvature condition makes ``s'y > 0``). With
finite-difference gradients a gradient costs n or 2n evaluations of f and a value one, so the
search asks for the gradient *only at points that already satisfy the sufficient decrease*:
a trial that fails it is rejected on its value alone, and the next trial is interpolated from
values and the slopes already known. A trial that decreases f enough but is still too steep
becomes the lower end of the bracket, and the search extrapolates (no upper end yet) or
interpolates (the upper end is a trial that failed the decrease). When the trials run out, the
best point that decreased f is accepted (f still decreases at every iteration); when none did,
or when the search has backtracked so far that the decrease it predicts, ``-t slope``, is
below the rounding of f (``eps |fx|``: no trial could show it), the search fails and the driver decides (a more accurate gradient, a restart along -g, or the
noise test of :mod:`fastgrad.optimize.accuracy`).

Most iterations of a quasi-Newton method accept ``t = 1`` at once: one value and one gradient,
the cost of SciPy's L-BFGS-B with its forward differences. The bracketing follows the
structure of Moré and Thuente's search (sufficient decrease, then curvature; extrapolation by
at most a fixed factor; safeguarded interpolation), simplified for gradients that are costly.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from ..diff.steps import value_eps
from .result import LINE_SEARCH, RUNNING

EXTRAPOLATE_MIN = 2.0
EXTRAPOLATE_MAX = 8.0
"""An extrapolated trial lies between these multiples of the last one (secant estimate of
where the slope vanishes, clamped; 4 times when the slopes give no estimate)."""

INTERPOLATE_LOW = 0.1
INTERPOLATE_HIGH = 0.5
"""An interpolated trial lies at these fractions of the bracket from its lower end: the upper
end failed the decrease, so the minimizer along d is more likely nearer the lower end."""


@jit_cached
def interpolate(t_lo, f_lo, s_lo, t_hi, f_hi):
    """Next trial in the bracket ``(t_lo, t_hi)``: the minimizer of the quadratic through
    ``f(t_lo) = f_lo``, ``f'(t_lo) = s_lo < 0`` and ``f(t_hi) = f_hi``, kept in the
    safeguarded part of the bracket; its lower safeguard when ``f_hi`` is not finite."""
    width = t_hi - t_lo
    low = t_lo + INTERPOLATE_LOW * width
    high = t_lo + INTERPOLATE_HIGH * width
    if not np.isfinite(f_hi):
        return low
    curvature = 2.0 * (f_hi - f_lo - s_lo * width)
    trial = t_lo - s_lo * width * width / curvature if curvature > 0.0 else high
    return min(max(trial, low), high)


@jit_cached
def extrapolate(t_prev, s_prev, t, s):
    """Next trial beyond ``t``, where f still decreases steeply (slope ``s < 0``): the secant
    estimate of the zero of the slope from ``(t_prev, s_prev)`` and ``(t, s)``, clamped to
    ``[EXTRAPOLATE_MIN t, EXTRAPOLATE_MAX t]``."""
    if s > s_prev:
        trial = t - s * (t - t_prev) / (s - s_prev)
        return min(max(trial, EXTRAPOLATE_MIN * t), EXTRAPOLATE_MAX * t)
    return 4.0 * t


def make_line_search(value, gradient):
    """``search(x, g, base, d, keep, fx, slope, t, scheme, steps, args, cost, info, c1, c2,
    max_ls) -> (status, f, first)`` over the objective's ``value`` and ``gradient`` (see
    :mod:`fastgrad.optimize.loop`), compiled per objective with the loop.

    On entry ``x`` equals ``base`` and ``g`` is the gradient there; ``keep`` is a work vector
    (the gradient at the best trial so far). On success (``RUNNING``) ``x``, ``g`` and the
    returned f are those of the accepted point; on ``LINE_SEARCH`` x is ``base`` again and
    ``g`` holds no meaning (the driver recomputes or restores it); any other status is that of
    the gradient at the trial point (for instance ``DIVERGED``), with x that point.
    ``first`` is f at the first trial ``base + t d`` (NaN if none was made): with ``fx`` and
    ``slope`` it gives the curvature along d, which a failed search needs
    (:mod:`fastgrad.optimize.accuracy`).
    """
    # Long because the search's bracket lives in its locals: the trial loop, its three
    # outcomes (reject on the value, accept, move the lower end) and the final fallback.

    def search(x, g, base, d, keep, fx, slope, t, scheme, steps, args, cost, info, c1, c2,
               max_ls):
        # Long because it is that one bracketing loop (see make_line_search).
        n = x.shape[0]
        t_lo, f_lo, s_lo = 0.0, fx, slope
        t_prev, s_prev = 0.0, slope
        t_hi, f_hi = np.inf, np.inf
        first = np.nan
        resolution = value_eps(steps) * abs(fx)  # a decrease below this cannot be seen
        for k in range(max_ls):
            if t_lo == 0.0 and -t * slope <= resolution:
                break  # backtracked so far that the predicted decrease is f's rounding
            moved = False
            for i in range(n):
                x[i] = base[i] + t * d[i]
                moved = moved or x[i] != base[i] + t_lo * d[i]
            if not moved:  # the step no longer changes x: nothing more to learn
                break
            ft = value(x, args, info)
            if k == 0:
                first = ft
            if not (ft <= fx + c1 * t * slope and ft < f_lo):  # rejected on its value
                t_hi, f_hi = t, ft
                t = interpolate(t_lo, f_lo, s_lo, t_hi, f_hi)
                continue
            status = gradient(x, g, scheme, steps, args, cost, info, ft)
            if status != RUNNING:
                return status, ft, first
            st = 0.0
            for i in range(n):
                st += g[i] * d[i]
            if st >= c2 * slope:  # weak Wolfe: accepted
                return RUNNING, ft, first
            t_prev, s_prev = t_lo, s_lo
            t_lo, f_lo, s_lo = t, ft, st  # still steep: the new lower end
            for i in range(n):
                keep[i] = g[i]
            if t_hi == np.inf:
                t = extrapolate(t_prev, s_prev, t, st)
            else:
                t = interpolate(t_lo, f_lo, s_lo, t_hi, f_hi)
        if t_lo > 0.0:  # trials ran out: the best point that decreased f enough
            for i in range(n):
                x[i] = base[i] + t_lo * d[i]
                g[i] = keep[i]
            return RUNNING, f_lo, first
        for i in range(n):
            x[i] = base[i]
        return LINE_SEARCH, fx, first

    return search
