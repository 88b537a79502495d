"""Columns of a run's state arrays (the table in :mod:`fastgrad.optimize.loop`), shared by the
single-start loop, the box loop, their stopping tests and the Python side that reads a run."""

from __future__ import annotations

import numpy as np

from ..diff.steps import SCALED_SIZE

NIT, NFEV, NJEV, STATUS, FALLBACKS, SCHEME = range(6)
"""Columns of INFO (SCHEME: the scheme of the gradient now, which ``jac="auto"`` changes)."""

F, F0, GNOISE, FNOISE, PREDICTED, CURVATURE, STEP, PNORM, MASKED, STEPS = range(10)
"""Columns of FV: f at the iterate, f at x0; when the run measured them (else NaN: a failed
line search, or a lower-precision f claiming ``gtol``) the estimated error of the gradient,
the noise of f and the largest decrease of f predicted along the last direction
(:mod:`fastgrad.optimize.accuracy`); the curvature ``y'y / s'y`` of the last step (for
``jac="auto"``); the factor of ``jac="auto"``'s refined automatic step (1.0 until it is
refined, :func:`fastgrad.optimize.loop.make_iteration`); the box loop's projected gradient
norm at the previous iteration (0.0 before one: kept in the row, not in a local, so that a
run split into chunks is the run in one piece); the slope of f that a finer table measured
where it refused a claim at the noise level (NaN otherwise:
:func:`fastgrad.optimize.accuracy.make_masked`); from ``STEPS`` on, the refined steps
(:func:`fastgrad.diff.steps.scaled_steps`; the row's own, so that the loop allocates nothing
for them)."""

FV_ROW = (np.nan,) * CURVATURE + (0.0, 1.0, 0.0, np.nan) + (np.nan,) * SCALED_SIZE  # before f

WORK_ROWS = 5
"""Rows of a start's WORK (n,) vectors: the search direction, the point the line search
starts from, a scratch row, the gradient at the previous iterate, and (the box loop's)
:data:`HELD`."""

HELD = 4
"""The row of WORK that marks the gradient components the box loop did not take again at
the iterate, those of coordinates held on a bound (nonzero; see
:mod:`fastgrad.optimize.boxloop`): their values in G are from an earlier iterate."""

REFINE = -3
"""Internal status of an iteration or a stopping test: the step was refined (the loop takes
the gradient again at the same iterate, with the new steps)."""

NO_BOX = np.empty(0)  # the bounds of a run without bounds, for accuracy.make_noise
