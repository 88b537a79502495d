"""Stopping tests shared by the single-start loop (:mod:`fastgrad.optimize.loop`) and the box
loop (:mod:`fastgrad.optimize.boxloop`): the relative change of f and x after a step, and
whether a gradient at most ``gtol`` may be claimed as converged."""

from __future__ import annotations

from .._core.jit import jit_cached
from ..diff.direction_check import check_resolution
from ..diff.steps import EPS, value_eps
from .accuracy import takes_refinement
from .columns import CURVATURE, FALLBACKS, FNOISE, GNOISE, REFINE, STEP
from .result import CONVERGED, FTOL, NOISE, RUNNING, XTOL


@jit_cached
def step_status(x, g, base, previous, fx, fprev, fv, ftol, xtol, auto):
    """After the step from ``base`` (gradient ``previous``) to ``x`` (gradient ``g``, f from
    ``fprev`` to ``fx``): ``FTOL`` when f changed by at most ``ftol max(|f|, |fprev|, 1)``,
    ``XTOL`` when ``||x - base||_inf <= xtol (xtol + ||x||_inf)`` (each test off at 0), else
    ``RUNNING``; with ``auto``, the curvature ``y'y / s'y`` of the step goes into ``fv``."""
    n = x.shape[0]
    if auto:
        sy = 0.0
        yy = 0.0
        for i in range(n):
            y = g[i] - previous[i]
            sy += (x[i] - base[i]) * y
            yy += y * y
        if sy > 0.0:
            fv[CURVATURE] = yy / sy
    if ftol > 0.0 and abs(fprev - fx) <= ftol * max(abs(fprev), abs(fx), 1.0):
        return FTOL
    if xtol > 0.0:
        dx = 0.0
        size = 0.0
        for i in range(n):
            dx = max(dx, abs(x[i] - base[i]))
            size = max(size, abs(x[i]))
        if dx <= xtol * (xtol + size):
            return XTOL
    return RUNNING


@jit_cached
def checks_gtol(differenced, steps):
    """Whether a gradient at most ``gtol`` must be checked against its own error
    (:func:`gtol_status`): a gradient that takes differences of f (``differenced``) of an f of
    lower precision than float64 (whose automatic steps are large). For a float64 f the check
    is not made: its finite-difference error lies below any useful gtol, and the check costs
    6n evaluations of f."""
    return differenced and value_eps(steps) > EPS


@jit_cached
def complex_unconfirmed(fx, n, gtol, steps, info):
    """Whether a complex-step gradient at most ``gtol`` must be taken again by central4
    before it is claimed: the directional check that confirms the complex step cannot see a
    component's error below its rounding bound (an objective that drops the imaginary part
    gives exactly 0 near its minimum). Taken

    * once the run has seen the check refute the complex step (``info[FALLBACKS]``): the
      objective is not complex-analytic, and near a minimum the bound, which grows with the
      curvature along the check's direction (``|p^T H p|``, of order n**2 for
      ``sum (i + 1) |x_i - 1|**2``), hides what it loses: such runs claimed
      ``||g|| = 0`` at a true 4e-6 (n = 100) to 2.5e-3 (``norm(A x - b)**2``);
    * where :func:`~fastgrad.diff.direction_check.check_resolution`, the bound from ``|f|``,
      exceeds ``gtol / 10`` (at ``|f| = 1e6`` it passes a lost derivative of 1e-3).

    Otherwise the claim holds to within 10 %."""
    return info[FALLBACKS] > 0 or check_resolution(fx, n, steps) > 0.1 * gtol


@jit_cached
def gtol_status(error, noise_f, factor, gtol, auto, steps, fv):
    """The status of a run whose gradient (projected, within a box) has reached
    ``||g||_inf <= gtol``, given the largest estimated error of its components, the noise of f
    and the refined step factor that :func:`fastgrad.optimize.accuracy.make_noise` measured
    there (every component): ``CONVERGED`` when the error is at most gtol (or NaN: nothing
    measured against the claim). Otherwise the gradient is smaller than its own error:
    ``REFINE`` when ``jac="auto"`` (``auto``) takes the refined step (its factor into
    ``fv[STEP]``; the loop takes the gradient again), else ``NOISE``, a success at the noise
    level, with the error and the noise of f in ``fv``."""
    if not error > gtol:
        return CONVERGED
    if auto and takes_refinement(fv[STEP], steps, factor):
        fv[STEP] = factor
        return REFINE
    fv[GNOISE] = error
    fv[FNOISE] = noise_f
    return NOISE
