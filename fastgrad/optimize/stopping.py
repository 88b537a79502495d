"""Stopping tests shared by the single-start loop (:mod:`fastgrad.optimize.loop`) and the box
loop (:mod:`fastgrad.optimize.boxloop`): the relative change of f and x after a step, and
whether a gradient at most ``gtol`` may be claimed as converged."""

from __future__ import annotations

from .._core.jit import jit_cached
from ..diff.direction_check import check_resolution
from ..diff.steps import CENTRAL4, EPS, FORWARD, value_eps
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
def checks_gtol(differenced, steps, scheme, auto):
    """Whether a gradient at most ``gtol`` must be checked against its own error
    (:func:`gtol_status`, 6n evaluations of f, once per claim): a gradient that takes
    differences of f (``differenced``)

    * of an f of lower precision than float64 (whose automatic steps are large);
    * of a float64 f, with a real scheme the user chose (not ``jac="auto"``): forward and
      backward differences err by about ``h f''/2`` with ``h ~ 1.5e-8 max(1, |x|)``, above
      gtol = 1e-6 where ``f'' > 100`` (Rosenbrock's minimum: a claim of 1.4e-7 at a true
      7.5e-6), and central ones by ``h**2 f'''/6`` with ``h ~ 6e-6 max(1, |x|)``, above it
      at ``|x| ~ 1e3`` (a claim of 3e-7 at a true 3.7e-5).

    ``jac="auto"`` confirms a forward claim on central differences at the same step (the
    loop does so before this check); its float64 claims are not checked further. Claims of
    the complex step are confirmed by :func:`complex_unconfirmed`."""
    if not differenced:
        return False
    return value_eps(steps) > EPS or (not auto and FORWARD <= scheme <= CENTRAL4)


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
