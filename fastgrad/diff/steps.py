"""Step-size policy of the finite-difference schemes, written once.

For coordinate value ``x`` the automatic step is ``h = rel * max(1, |x|)`` with a relative
step ``rel`` per scheme chosen to balance truncation against rounding error:

=============  ===============  =================  ============================
scheme         error order      ``rel``            error of the result (about)
=============  ===============  =================  ============================
forward        O(h)             eps**(1/2)         1e-8 relative
backward       O(h)             eps**(1/2)         1e-8 relative
central        O(h**2)          eps**(1/3)         1e-11 relative
central4       O(h**4)          eps**(1/5)         1e-13 relative
complex        O(h**2), no      2**-60 ~ 8.7e-19   rounding only (checked, see
               cancellation                        COMPLEX_CHECK_FACTOR)
=============  ===============  =================  ============================

A step given by the user (a float or one per coordinate) is an absolute step. In both cases
the difference quotient divides by the step actually taken, ``(x + h) - x``, which is exactly
representable, so the rounding of ``x + h`` does not bias the result. This module must never
be compiled with fastmath: it would reassociate ``(x + h) - x`` into ``h``.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .._core.schemes import (  # noqa: F401 - re-exported: fastgrad.steps names them
    BACKWARD, CENTRAL, CENTRAL4, COMPLEX, FORWARD, HESSIAN, SCHEME_ALIASES, SCHEME_CODES,
)

EPS = float(np.finfo(np.float64).eps)

# Relative steps, indexed by scheme code. The last entry is for second derivatives
# (Hessian, central second differences: truncation O(h**2), rounding O(eps/h**2)).
REL_POWERS = np.array([0.5, 0.5, 1.0 / 3.0, 0.2, 0.0, 0.25])
"""``rel_k = eps ** REL_POWERS[k]`` for every scheme code k except the complex step, whose
step is not limited by rounding (no subtraction) and is 2**-60 in any precision."""

COMPLEX_REL = 2.0 ** -60


def rel_steps_for(eps: float) -> np.ndarray:
    """Relative steps of every scheme code for values of unit roundoff ``eps``."""
    return np.array([COMPLEX_REL if code == COMPLEX else eps ** power
                     for code, power in enumerate(REL_POWERS.tolist())])


REL_STEPS = rel_steps_for(EPS)

# Stencils of the real schemes, indexed by scheme code: the derivative along e_i is
# (CENTRE_WEIGHT * f(x) + sum_p WEIGHTS[p] * f(x + OFFSETS[p] * h e_i)) / (DIVISOR * h).
# Multiplying h by these small integers is exact, so x + 1.0 * h is exactly x + h.
STENCIL_POINTS = np.array([1, 1, 2, 4])
STENCIL_OFFSETS = np.array(
    [[1.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [1.0, -1.0, 0.0, 0.0], [2.0, 1.0, -1.0, -2.0]]
)
STENCIL_WEIGHTS = np.array(
    [[1.0, 0.0, 0.0, 0.0], [-1.0, 0.0, 0.0, 0.0], [1.0, -1.0, 0.0, 0.0], [-1.0, 8.0, -8.0, 1.0]]
)
STENCIL_CENTRE_WEIGHT = np.array([-1.0, 1.0, 0.0, 0.0])
STENCIL_DIVISOR = np.array([1.0, 1.0, 2.0, 12.0])

COMPLEX_CHECK_FACTOR = 2.0 ** -6
"""The complex step is taken twice, with ``h`` and ``h * 2**-6``. For an analytic objective
evaluated in exact complex arithmetic the two quotients agree to rounding (the imaginary part
is linear in a tiny ``h``, and a power-of-two factor scales it exactly). A disagreement means
the objective is not complex-analytic as compiled (for instance Numba evaluates ``z ** k`` for
complex ``z`` and integer ``k >= 3`` in polar form, which is inexact where ``Re z < 0``), or,
with a step given by the user, the O(h**2) truncation of that step: a third step
``h * 2**-12`` tells the two apart (:data:`COMPLEX_TRUNCATION_RTOL`). A rejected component is
computed with ``central4`` instead.

Agreement is not proof: an objective that drops the imaginary part (``abs``, a norm,
``.real``, ``conj``, ``math.*``) gives the same wrong quotient, often 0, for every step.
Every accepted complex-step gradient is therefore confirmed by one real directional
difference (:data:`DIRECTION_STEP`, ``fastgrad.diff.complex_step.make_complex_check``)."""

COMPLEX_CHECK_RTOL = 1e-10
"""Two complex-step quotients agree when they differ by at most this, relative."""

COMPLEX_TRUNCATION_RTOL = 0.25
"""With a user's step, quotients ``d1, d2, d3`` at ``h, h r, h r**2`` (r = 2**-6) that disagree
are accepted as the truncation of an analytic objective when ``d1 - d2 = (d2 - d3) / r**2`` to
this relative tolerance: O(h**2) truncation shrinks by ``r**2`` per step, while the rounding
noise of a non-analytic evaluation (``z**k`` in polar form) grows like ``1 / h``."""

DIRECTION_STEP = EPS ** (1 / 3)
"""Step ``t`` of the real directional check of a complex-step gradient: central differences
of ``f`` along ``p`` (``p_i = w_i * max(1, |x_i|)``, fixed weights ``|w_i|`` in [0.5, 1]) at
``t`` and ``2 t``, combined by Richardson extrapolation (error O(t**4)) and compared with
``g . p``."""

DIRECTION_ROUNDING = 4.0
"""Safety factor of the rounding bound of the directional check,
``DIRECTION_ROUNDING * (4 + sqrt(n)) * eps * M / t``, where ``M`` is the size of the values of
``f`` and of its first and second directional variations (see
``fastgrad.diff.direction_check.direction_agrees``)."""


PRECISION_HEADER = 2
"""An automatic step for a precision other than float64 is passed to the kernels as the steps
array ``[nan, eps, rel_0, ..., rel_5]``: a NaN first element (never a valid user step) marks
it, ``eps`` is the unit roundoff of the objective's values and ``rel_k`` the relative step of
scheme code k for that precision. An empty array is the automatic float64 step; a user's step
is one value or one per coordinate."""


def precision_eps(dtype) -> float:
    """Unit roundoff of the values an objective returns: that of ``dtype`` (float16, float32,
    complex64 ...) when it is a floating type of lower precision than float64, else float64's
    (integers and anything else count as float64)."""
    dt = np.dtype(dtype)
    if dt.kind not in "fc":
        return EPS
    return max(EPS, float(np.finfo(dt).eps))


def auto_steps(eps: float) -> np.ndarray:
    """The kernels' steps array for the automatic step at unit roundoff ``eps``."""
    if eps <= EPS:
        return np.empty(0)
    return np.concatenate(([np.nan, eps], rel_steps_for(eps)))


def is_auto(steps: np.ndarray) -> bool:
    """True for an automatic step (float64 or another precision), False for a user's step."""
    return steps.shape[0] == 0 or bool(np.isnan(steps[0]))


def relative_step(code: int, steps: np.ndarray) -> float:
    """The relative step of scheme ``code`` for an automatic ``steps`` array."""
    if steps.shape[0] == 0:
        return float(REL_STEPS[code])
    return float(steps[PRECISION_HEADER + code])


@jit_cached
def is_automatic(steps):
    """True for the kernels' automatic steps (any precision), False for a user's steps."""
    return steps.shape[0] == 0 or steps[0] != steps[0]


SCALED_SIZE = PRECISION_HEADER + len(REL_POWERS)
"""Length of the steps array of :func:`scaled_steps`."""


@jit_cached
def scaled_steps(steps, factor, out):
    """The automatic ``steps`` (float64's, empty, or another precision's) with every relative
    step multiplied by ``factor``, in the form of :data:`PRECISION_HEADER`, written into
    ``out`` (:data:`SCALED_SIZE` values) and returned; a user's steps (absolute) are
    returned as they are. ``factor == 1`` gives the same steps exactly."""
    if not is_automatic(steps):
        return steps
    k = steps.shape[0]
    out[0] = np.nan
    out[1] = value_eps(steps)
    for code in range(REL_STEPS.shape[0]):
        rel = REL_STEPS[code] if k == 0 else steps[PRECISION_HEADER + code]
        out[PRECISION_HEADER + code] = rel if code == COMPLEX else rel * factor
    return out


@jit_cached
def rel_step(scheme):
    """Relative step of a scheme code."""
    return REL_STEPS[scheme]


@jit_cached
def value_eps(steps):
    """Unit roundoff of the objective's values as encoded in ``steps`` (float64's unless the
    automatic step of a lower precision is passed): for rounding-error bounds."""
    if steps.shape[0] > PRECISION_HEADER and steps[0] != steps[0]:
        return steps[1]
    return EPS


@jit_cached
def step_for(scheme, xi, steps, i):
    """The step actually taken for coordinate ``i`` at value ``xi`` (0.0 if it vanishes).

    ``steps`` holds the user's absolute steps: empty for the automatic relative step, one
    value for all coordinates, or one per coordinate; or the automatic step of another
    precision (see :data:`PRECISION_HEADER`).
    """
    k = steps.shape[0]
    if k == 0:
        h = REL_STEPS[scheme] * max(1.0, abs(xi))
    elif k == 1:
        h = steps[0]
    elif steps[0] != steps[0]:  # automatic step of a lower precision
        h = steps[PRECISION_HEADER + scheme] * max(1.0, abs(xi))
    else:
        h = steps[i]
    if scheme == COMPLEX:
        return h
    return (xi + h) - xi


@jit_cached
def relative_step_for(scheme, xi, steps, i):
    """The step of a least-squares Jacobian (MINPACK's ``fdjac2``): with the automatic step,
    ``h = rel * |x_i|`` (``rel`` if ``x_i == 0``), so a parameter of order 1e-7 gets a step
    of order 1e-7 * rel, not ``rel`` as ``rel * max(1, |x_i|)`` would give; a user's step is
    an absolute step, as for :func:`step_for`. Returns the step actually taken,
    ``(x_i + h) - x_i`` (0.0 if it vanishes)."""
    k = steps.shape[0]
    if k == 0:
        h = REL_STEPS[scheme] * abs(xi)
        if h == 0.0:
            h = REL_STEPS[scheme]
    elif k == 1:
        h = steps[0]
    elif steps[0] != steps[0]:  # automatic step of a lower precision
        h = steps[PRECISION_HEADER + scheme] * abs(xi)
        if h == 0.0:
            h = steps[PRECISION_HEADER + scheme]
    else:
        h = steps[i]
    return (xi + h) - xi


LOST_ULPS = 4.0
"""A least-squares Jacobian column whose residuals all changed over the step by at most this
many units of roundoff of the largest residual carries no digit (:func:`column_lost`)."""


@jit_cached
def column_lost(out, i, h, r0, eps):
    """Whether column ``i`` of a Jacobian ``out`` (k, n) taken with step ``h`` at residuals
    ``r0`` (k,) lost every digit to rounding: the change of each residual over the step,
    ``|out[j, i]| h``, is at most :data:`LOST_ULPS` ``eps max_j |r0_j|``. MINPACK's relative
    step ``rel |x_i|`` does that to a parameter far below 1 in size whose residuals are not
    (x_i = 1e-12 gets a step of 1.5e-20): the column comes out zero, or a few ulps over h,
    and the solver never moves that parameter."""
    change = 0.0
    size = 0.0
    for j in range(r0.shape[0]):
        change = max(change, abs(out[j, i]) * h)
        size = max(size, abs(r0[j]))
    return change <= LOST_ULPS * eps * size


@jit_cached
def retake_step(scheme, xi, h, size, steps, i):
    """The step of a second try at a lost column (:func:`column_lost`) taken with step ``h``
    at ``x_i = xi``: the automatic step relative to ``max(1, size)`` (``size``: the
    parameter's size the first step was relative to), the step of the derivative functions;
    0.0 when there is no second try (a user's step, or one not larger than ``h``)."""
    if not is_automatic(steps):
        return 0.0
    retake = (xi + relative_step_for(scheme, max(1.0, size), steps, i)) - xi
    return retake if retake > 2.0 * h else 0.0
