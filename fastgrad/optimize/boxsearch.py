"""The projected line search of the box loop (:mod:`fastgrad.optimize.boxloop`): backtracking
along the projected path ``x(t) = P(base + t d)`` from a first trial step, accepted at
sufficient decrease, and longer trials after a step accepted at once (see
:func:`make_box_search`). f is evaluated inside the box only: every trial is projected."""

from __future__ import annotations

import numpy as np

from ..diff.steps import value_eps
from .columns import PREDICTED
from .result import LINE_SEARCH, RUNNING

QN_BEYOND = 4.0
"""A quasi-Newton step on forward differences accepted at once is extended (as a steepest
descent step is) when the quadratic through ``f(x)``, the slope and f at the trial has its
minimizer beyond this many times the trial step (a valley not learnt yet, a bound far away;
beyond 1, most extensions fail and cost an evaluation each). Not on central differences:
near the noise of the gradient, "decreases" along noisy directions would go on forever."""
EXPAND = 4.0
EXPAND_MAX = 100.0
"""A projected steepest descent step accepted at once is tried longer: by the factor to
the minimizer of a quadratic model along the path, kept in ``[EXPAND, EXPAND_MAX]``."""

BACKTRACK_LOW = 0.1
BACKTRACK_HIGH = 0.5
"""A rejected trial step t is replaced by one in ``[0.1 t, 0.5 t]``."""



def make_box_extend(value):
    """``extend(x, base, d, ft, t, lo, hi, args, info, max_ls, best) -> f``: from the
    accepted trial ``x = P(base + t d)`` (f there ``ft``), longer trials while they decrease
    f and move x; x is left at the best of them. The first two are :data:`EXPAND` times
    longer each; from then on each goes to the minimizer of the quadratic in t through the
    last three trials, kept within :data:`EXPAND` to :data:`EXPAND_MAX` times the last
    trial step (:data:`EXPAND` times where the quadratic has no minimizer). Trials, not
    ``base``: where the path bends at a bound, the trials beyond the bend lie on one
    quadratic, whose minimizer may be far (a coordinate with a small gradient that must
    travel far, as in HS 3)."""

    def extend(x, base, d, ft, t, lo, hi, args, info, max_ls, best):
        n = x.shape[0]
        t1 = f1 = t2 = f2 = 0.0  # the two trials before (t, ft), from the third one on
        for k in range(max_ls):
            for i in range(n):
                best[i] = x[i]
            factor = EXPAND
            if k > 1:  # the quadratic through (t1, f1), (t2, f2), (t, ft)
                a = ((ft - f2) / (t - t2) - (f2 - f1) / (t2 - t1)) / (t - t1)
                if a > 0.0:
                    at = t2 + t - (ft - f2) / ((t - t2) * a)  # twice its minimizer
                    factor = min(max(0.5 * at / t, EXPAND), EXPAND_MAX)
            t1, f1 = t2, f2
            t2, f2 = t, ft
            t *= factor
            moved = False
            for i in range(n):
                x[i] = min(max(base[i] + t * d[i], lo[i]), hi[i])
                moved = moved or x[i] != best[i]
            if not moved:
                break
            fe = value(x, args, info)
            if not (fe < ft):
                break
            ft = fe
        for i in range(n):
            x[i] = best[i]
        return ft

    return extend


def make_box_search(value, gradient, extend):
    """``search(x, g, base, d, fx, t, lo, hi, scheme, steps, args, info, c1, max_ls, fv,
    expand, best) -> (status, f)``: the projected backtracking search (module docstring).
    On success x, f and g are those of the accepted point; on failure x is ``base`` again
    and ``fv[PREDICTED]`` the decrease the last trial that moved x predicted (inf if none
    did: a first step below the resolution of x says nothing of f's noise, and a run 1e16
    from its minimum claimed to have converged to it). ``expand`` > 0: an
    accepted trial is followed by longer trials while they decrease f further and still
    move x (values only; ``best`` (n,) holds the best point; see ``make_box_extend``), if
    the quadratic through ``f(x)``, the slope and f at the trial has its minimizer beyond
    ``expand`` times the trial step (1 for a steepest descent step, whose length the method
    does not know; :data:`QN_BEYOND` for a quasi-Newton one on forward differences). The
    caller takes the gradient at the accepted point."""

    def search(x, g, base, d, fx, t, lo, hi, scheme, steps, args, info, c1, max_ls, fv,
               expand, best):
        n = x.shape[0]
        predicted = np.inf
        for _ in range(max_ls):
            decrease = 0.0
            moved = False
            for i in range(n):
                xi = min(max(base[i] + t * d[i], lo[i]), hi[i])
                x[i] = xi
                decrease += g[i] * (xi - base[i])
                moved = moved or xi != base[i]
            if not moved:  # x cannot resolve this step: it tells nothing of f (predicted
                break  # stays the last trial's that moved, inf if none did)
            predicted = -decrease
            if predicted <= value_eps(steps) * abs(fx):
                break  # no trial can show a decrease this small
            ft = value(x, args, info)
            if np.isfinite(ft) and ft <= fx + c1 * decrease and ft < fx:
                # the quadratic through f(x), the slope and f(x(t)) has its minimizer at
                # -decrease / curvature times t: expand only if that is beyond expand t
                if expand > 0.0 and -decrease > expand * 2.0 * (ft - fx - decrease):
                    ft = extend(x, base, d, ft, t, lo, hi, args, info, max_ls, best)
                return RUNNING, ft
            trial = BACKTRACK_LOW * t
            if np.isfinite(ft) and decrease < 0.0:
                curvature = 2.0 * (ft - fx - decrease)  # of f(x(s t)) in s, at s = 1
                if curvature > 0.0:
                    trial = -decrease / curvature * t
            t = min(max(trial, BACKTRACK_LOW * t), BACKTRACK_HIGH * t)
        for i in range(n):
            x[i] = base[i]
        fv[PREDICTED] = predicted
        return LINE_SEARCH, fx

    return search
