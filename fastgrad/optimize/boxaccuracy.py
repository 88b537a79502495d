"""``jac="auto"`` within bounds: when the loop of :mod:`fastgrad.optimize.boxloop` needs
central differences.

The rule is that of :mod:`fastgrad.optimize.accuracy` (switch for good once the estimated
error of the forward gradient exceeds :data:`~fastgrad.optimize.accuracy.SWITCH_FRACTION` of
the projected gradient), with what the bounds change:

* the error counts only on the coordinates that are not held on a bound by a gradient
  component larger than the error (a more accurate gradient would not free them), and the
  curvature in the truncation error is that of the free coordinates
  (:func:`free_curvature`);
* a forward projected gradient ``p`` whose error ``e`` is small enough that
  ``p + ERROR_MARGIN e <= gtol`` shows convergence as it is (central differences would not
  change the verdict);
* when the forward gradient at the next iterate would be switched at once (its projected
  gradient predicted from the last two, :func:`needs_central`), the central gradient is
  taken directly, which saves the n evaluations of the forward one;
* the difference tables that estimate the gradient's error
  (:func:`fastgrad.optimize.accuracy.make_noise`) stay in the box.
"""

from __future__ import annotations

from .._core.jit import jit_cached
from .._core.schemes import FORWARD
from ..diff.steps import step_for, value_eps
from .accuracy import SWITCH_FRACTION
from .columns import CURVATURE

ERROR_MARGIN = 5.0
"""``jac="auto"``: a forward-difference projected gradient ``p`` with the estimated error
``e`` (:func:`box_forward_error`) shows convergence without central differences when
``p + ERROR_MARGIN e <= gtol`` (the estimate, from the curvature along the last step, is good
to a factor of a few)."""


@jit_cached
def box_forward_error(x, g, fx, lo, hi, steps, curvature):
    """The estimated error of a forward-difference gradient
    (:func:`fastgrad.optimize.accuracy.forward_error`, the largest over the coordinates) on the coordinates where it matters: those not on a
    bound that their gradient points out of by more than the error (such a coordinate is
    held whatever the error: a more accurate gradient would not free it)."""
    eps = value_eps(steps)
    worst = 0.0
    for i in range(x.shape[0]):
        h = step_for(FORWARD, x[i], steps, i)
        if h > 0.0 and lo[i] < hi[i]:  # a fixed coordinate takes no difference
            error = 0.5 * h * curvature + 2.0 * eps * abs(fx) / h
            if not ((x[i] <= lo[i] and g[i] > error) or (x[i] >= hi[i] and g[i] < -error)):
                worst = max(worst, error)
    return worst


@jit_cached
def free_curvature(x, g, base, previous, lo, hi, fv):
    """The curvature ``y'y / s'y`` of the step from ``base`` (gradient ``previous``) to ``x``
    (gradient ``g``) on the coordinates that moved or are off the bounds, into
    ``fv[CURVATURE]`` (kept when ``s'y <= 0``): the change of the gradient of a coordinate
    held on a bound says nothing about the truncation error of its free neighbours'
    differences (see :func:`box_forward_error`)."""
    sy = 0.0
    yy = 0.0
    for i in range(x.shape[0]):
        if x[i] != base[i] or lo[i] < x[i] < hi[i]:
            y = g[i] - previous[i]
            sy += (x[i] - base[i]) * y
            yy += y * y
    if sy > 0.0:
        fv[CURVATURE] = yy / sy


@jit_cached
def needs_central(x, g, fx, lo, hi, steps, curvature, predicted, gtol):
    """True if the forward gradient at the new iterate ``x`` (f there ``fx``; ``g`` is still
    the gradient of the previous one) would be switched to central differences at once: its
    estimated error (:func:`box_forward_error`) exceeds ``SWITCH_FRACTION`` of the projected
    gradient ``predicted`` there, and does not show convergence (module docstring). Taking
    the central gradient directly saves the n evaluations of the forward one."""
    error = box_forward_error(x, g, fx, lo, hi, steps, curvature)
    return error > SWITCH_FRACTION * predicted and predicted + ERROR_MARGIN * error > gtol
