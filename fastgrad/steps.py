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

from ._jit import jit_cached

EPS = float(np.finfo(np.float64).eps)

# Scheme codes, as the kernels see them.
FORWARD = 0
BACKWARD = 1
CENTRAL = 2
CENTRAL4 = 3
COMPLEX = 4
HESSIAN = 5

SCHEME_CODES = {
    "forward": FORWARD,
    "backward": BACKWARD,
    "central": CENTRAL,
    "central4": CENTRAL4,
    "complex": COMPLEX,
}
"""Public scheme names and their codes."""

SCHEME_ALIASES = {"2-point": "forward", "3-point": "central", "cs": "complex"}
"""SciPy's names, accepted so that code migrates unchanged."""

# Relative steps, indexed by scheme code. The last entry is for second derivatives
# (Hessian, central second differences: truncation O(h**2), rounding O(eps/h**2)).
REL_STEPS = np.array(
    [EPS ** 0.5, EPS ** 0.5, EPS ** (1 / 3), EPS ** 0.2, 2.0 ** -60, EPS ** 0.25]
)

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
difference (:data:`DIRECTION_STEP`, ``fastgrad._fd_kernels.make_complex_check``)."""

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
``fastgrad._fd_kernels.direction_agrees``)."""


@jit_cached
def rel_step(scheme):
    """Relative step of a scheme code."""
    return REL_STEPS[scheme]


@jit_cached
def step_for(scheme, xi, steps, i):
    """The step actually taken for coordinate ``i`` at value ``xi`` (0.0 if it vanishes).

    ``steps`` holds the user's absolute steps: empty for the automatic relative step, one
    value for all coordinates, or one per coordinate.
    """
    if steps.shape[0] == 0:
        h = REL_STEPS[scheme] * max(1.0, abs(xi))
    elif steps.shape[0] == 1:
        h = steps[0]
    else:
        h = steps[i]
    if scheme == COMPLEX:
        return h
    return (xi + h) - xi
