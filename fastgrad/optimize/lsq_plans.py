"""The lean path of :func:`fastgrad.least_squares` and :func:`fastgrad.curve_fit`: a fit
repeated with a new ``x0`` (or new data) and the same options, as in a Python loop over
fits, skips the checks and the set-up that depend only on the options.

The first such call runs the whole pipeline and leaves an :class:`LsqPlan` on the residual
function's cache entry, next to :func:`fastgrad.minimize`'s plans (:mod:`.plans`, whose
limit on the number of plans it shares). Later calls with an equal key and a finite 1-D
float64 ``x0`` of the same length run the same solver from the same constants: the same
probe of the residuals at ``x0`` (their number k, which the data may change), the same
chunked driver, the same report, so their results are those of the full pipeline, bit for
bit.

Only plain calls have a plan: method "lm" (no bounds), ``jac`` a scheme name (not a
callable), ``ftol``, ``xtol``, ``gtol``, ``max_nfev``, ``x_scale`` and ``step`` numbers,
strings or None, no ``max_time`` and no callback, no ``per_start`` argument. The key holds
nothing of ``args``: what the plan keeps depends on the options only, and each call passes
its own arguments to the same probe and solver as the full pipeline does (Numba picks the
compiled version for their types). Anything else, and ``x0`` of another dtype or of shape
(m, n), takes the full pipeline every time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lsq_setup import LmSetup
from .per_start import PerStart
from .plans import SCALARS, remember

__all__ = ["LsqPlan", "key_of", "remember"]


@dataclass(frozen=True)
class LsqPlan:
    """The constants of a checked call of :func:`fastgrad.least_squares` (one residual
    function, one length of x, equal options): what a later call needs besides its own x0
    and args."""

    setup: LmSetup  # the checked options (lsq_setup.lm_setup)
    scale: np.ndarray  # the scale D of the parameters, (1, n): copied for each run
    solver: object  # the compiled solver (lsq_drive._Solver): the plan is for "jit"


def key_of(x0, args: tuple, k, method, jac, ftol, xtol, gtol, max_nfev, x_scale, step, jit,
           value_eps):
    """The plan key of a call (whose caller has checked that bounds, ``max_time`` and the
    callback are absent), or None when the call cannot have a plan. ``k`` and
    ``value_eps`` are :func:`fastgrad.optimize.least_squares.fit`'s: given by curve_fit,
    None from least_squares (then the probe at each call's x0 finds k)."""
    if type(x0) is not np.ndarray or x0.ndim != 1 or x0.dtype != np.float64:
        return None
    if type(args) is not tuple:
        return None
    for a in args:
        if isinstance(a, PerStart):  # refused for a single start by the full pipeline
            return None
    if method is not None and method != "lm":
        return None
    values = (k, value_eps, method, jac, ftol, xtol, gtol, max_nfev, x_scale, step, jit)
    types = tuple(map(type, values))
    if not SCALARS.issuperset(types):
        return None
    return ("least_squares", x0.shape[0], values, types)
