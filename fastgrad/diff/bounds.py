"""Step policy within bounds: how a stencil near a bound stays inside the box.

f is never evaluated outside ``[lb, ub]``. For coordinate ``i`` the scheme's own stencil is
used where all of its points fit (the result is then bit-identical to the one without
bounds); otherwise, as in SciPy's ``approx_derivative``:

* forward, backward: the step goes the other way (the side with more room);
* central (O(h**2)): the one-sided 3-point formula ``(-3 f(x) + 4 f(x+h) - f(x+2h)) / (2h)``
  (O(h**2), ``h`` negative towards a lower bound), with about 4 times central's rounding
  error (sum of |weights| 8 / 2 against 2 / 2);
* central4 (O(h**4)): the one-sided 5-point formula
  ``(-25 f(x) + 48 f(x+h) - 36 f(x+2h) + 16 f(x+3h) - 3 f(x+4h)) / (12h)``, also O(h**4),
  with about 7 times central4's rounding error (sum of |weights| 128 / 12 against 18 / 12);
* Hessian: per coordinate, central differences or one-sided ones, ``(2 f(x) - 5 f(x+h)
  + 4 f(x+2h) - f(x+3h)) / h**2`` on the diagonal and the one-sided 3-point first difference
  in each one-sided coordinate of a cross term (all O(h**2));
* where neither side has room for the full one-sided stencil, the step shrinks: to the
  larger of the one-sided stencil over the wider side and the two-sided stencil over the
  narrower one. The truncation error then shrinks and the rounding error grows (as
  ``eps / h``): the documented accuracy holds for a box at least a few steps wide.

The complex step moves x only in the imaginary direction, but its real directional check and
its central4 fallback evaluate f at real points around x: where those points do not fit in
the box (a coordinate within two central4 steps, ``1.5e-3 * max(1, |x_i|)``, of a bound, see
:func:`complex_reach`), the point (the row of a batch) is computed with the bounded central4
instead: O(h**4), about 1e-12 relative, rather than rounding only.

The plan of one coordinate is :func:`bounded_step`, compiled (kernels and ``grad`` call it)
and reproduced in numpy by :func:`natural_fits` to skip the bounded kernels when nothing is
near a bound.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .direction_check import CHECK_OFFSETS, check_step
from .steps import (
    BACKWARD, CENTRAL, CENTRAL4, COMPLEX, FORWARD,
    STENCIL_CENTRE_WEIGHT, STENCIL_DIVISOR, STENCIL_OFFSETS, STENCIL_POINTS, STENCIL_WEIGHTS,
    step_for, value_eps,
)
from .vectorized import scheme_steps

ONE_SIDED3 = 4
"""Row of the bounded stencil table: one-sided 3-point first difference (central's)."""
ONE_SIDED5 = 5
"""Row: one-sided 5-point first difference, O(h**4) (central4's)."""
HESSIAN_CENTRAL = 6
"""Row: the Hessian's central differences in this coordinate."""
HESSIAN_ONE_SIDED = 7
"""Row: the Hessian's one-sided differences in this coordinate (4-point second difference)."""
NO_ROOM_ROW = -1
"""Row returned with a zero step when the bounds leave no room to step."""


def _table(schemes, extra):
    rows = [list(schemes[code]) + [0.0] * (4 - len(schemes[code])) for code in range(4)]
    return np.array(rows + [list(r) + [0.0] * (4 - len(r)) for r in extra])


# The bounded stencil table: rows 0-3 are the schemes' own (fastgrad.diff.steps), so a
# coordinate far from the bounds is computed exactly as without bounds. The derivative is
# (CENTRE * f(x) + sum_p WEIGHTS[p] f(x + OFFSETS[p] h e_i)) / (DIVISOR h), h signed.
BOUNDED_POINTS = np.concatenate((STENCIL_POINTS, [2, 4, 2, 3]))
BOUNDED_OFFSETS = _table(STENCIL_OFFSETS.tolist(),
                         [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0], [1.0, -1.0], [1.0, 2.0, 3.0]])
BOUNDED_WEIGHTS = _table(STENCIL_WEIGHTS.tolist(),
                         [[4.0, -1.0], [48.0, -36.0, 16.0, -3.0], [], []])
BOUNDED_CENTRE = np.concatenate((STENCIL_CENTRE_WEIGHT, [-3.0, -25.0, 0.0, 0.0]))
BOUNDED_DIVISOR = np.concatenate((STENCIL_DIVISOR, [2.0, 12.0, 1.0, 1.0]))
REACH_UP = np.array([1.0, 0.0, 1.0, 2.0, 2.0, 4.0, 1.0, 3.0])
"""How far above x each row reaches, in units of a positive h."""
REACH_DOWN = np.array([0.0, 1.0, 1.0, 2.0, 0.0, 0.0, 1.0, 0.0])
"""How far below x each row reaches, in units of a positive h."""

AMPLIFICATION = np.concatenate((
    (np.abs(BOUNDED_CENTRE[:6]) + np.abs(BOUNDED_WEIGHTS[:6]).sum(axis=1)) / BOUNDED_DIVISOR[:6],
    [4.0, 12.0]))
"""Per row: the sum of the stencil's |weights| over its divisor, the factor by which the
rounding error of f (about ``eps |f|``) reaches the difference quotient before the division
by ``h`` (a first difference) or ``h**2`` (the Hessian's rows: central ``1, -2, 1``,
one-sided ``2, -5, 4, -1``)."""

ROUNDING_WARN = 1e-6
"""Where the box shrinks a coordinate's step so far that the rounding error of f, amplified
by the stencil (:data:`AMPLIFICATION`), may exceed this fraction of ``|f| / max(1, |x_i|)``
(``**2`` for the Hessian), the derivative functions warn
(:func:`fastgrad.diff.bounded.warn_shrunk`): the unshrunk schemes stay below it (forward
differences about 3e-8, the Hessian's one-sided rows about 2e-7)."""


# scheme code -> its own row, and the one-sided row used near a bound (-1: none, complex)
NATURAL_ROW = np.array([FORWARD, BACKWARD, CENTRAL, CENTRAL4, -1, HESSIAN_CENTRAL])
ONE_SIDED_ROW = np.array([FORWARD, FORWARD, ONE_SIDED3, ONE_SIDED5, -1, HESSIAN_ONE_SIDED])

# The Hessian's first differences in a coordinate, for its cross terms (offset 0 is f(x)):
# central (f(x+h) - f(x-h)) / 2h, one-sided (-3 f(x) + 4 f(x+h) - f(x+2h)) / 2h.
FIRST_POINTS = np.array([2, 3])
FIRST_OFFSETS = np.array([[1.0, -1.0, 0.0], [0.0, 1.0, 2.0]])
FIRST_WEIGHTS = np.array([[0.5, -0.5, 0.0], [-1.5, 2.0, -0.5]])


@jit_cached
def inside(row, xi, h, lo, hi):
    """True if every point ``xi + offset * h`` of ``row`` (as the kernels compute it) lies
    in ``[lo, hi]``."""
    for p in range(BOUNDED_POINTS[row]):
        point = xi + BOUNDED_OFFSETS[row, p] * h
        if point < lo or point > hi:
            return False
    return True


@jit_cached
def bounded_step(scheme, xi, steps, i, lo, hi):
    """``(row, h)`` for coordinate ``i`` at ``xi`` in ``[lo, hi]``: the stencil row and the
    signed step actually taken (see the module docstring). ``h`` is 0.0 where the step
    vanishes (``row`` the scheme's own: the step is too small for x) or where the bounds
    leave no room (``row`` :data:`NO_ROOM_ROW`)."""
    return fit_step(scheme, xi, step_for(scheme, xi, steps, i), lo, hi)


@jit_cached
def fit_step(scheme, xi, h, lo, hi):
    """``(row, h)`` of :func:`bounded_step` for the step ``h`` the scheme would take at
    ``xi`` without bounds (whatever rule chose it: least squares' relative steps too)."""
    row = NATURAL_ROW[scheme]
    if h == 0.0 or inside(row, xi, h, lo, hi):
        return row, h
    side = ONE_SIDED_ROW[scheme]
    up = hi - xi
    down = xi - lo
    room = max(up, down)
    direction = 1.0 if up >= down else -1.0
    size = abs(h)
    reach = REACH_UP[side]
    if size * reach > room:  # no side has room for the whole one-sided stencil: shrink
        size = room / reach
        both = REACH_DOWN[row]
        if both > 0.0 and REACH_UP[row] == both and min(up, down) / both >= size:
            size = min(up, down) / both  # the two-sided stencil takes the larger step
            side = row
            direction = 1.0
    for attempt in range(64):  # rounding of x + h can carry a point past a bound by an ulp
        taken = (xi + direction * size) - xi
        if taken == 0.0:
            break
        if inside(side, xi, taken, lo, hi):
            return side, taken
        size *= 0.875
    return NO_ROOM_ROW, 0.0


def natural_fits(X, lb, ub, code, steps) -> np.ndarray:
    """Per row of ``X`` (m, n) (or for x (n,), one value): True where every coordinate's own
    stencil of scheme ``code`` (or the real points of the complex step) lies in the box,
    so the kernels without bounds compute exactly what the bounded ones would."""
    X2 = X.reshape(-1, X.shape[-1])
    lb2, ub2 = lb.reshape(X2.shape), ub.reshape(X2.shape)
    if code == COMPLEX:
        up, down = complex_reach(X2, steps)
    else:
        h = scheme_steps(X2, code, steps)
        row = int(NATURAL_ROW[code])
        up, down = REACH_UP[row] * h, REACH_DOWN[row] * h
    # with a margin: x + 2h as the kernels round it may exceed x + 2 * h by an ulp
    ok = (ub2 - X2 > up * (1 + 1e-9)) | (up == 0)
    ok &= (X2 - lb2 > down * (1 + 1e-9)) | (down == 0)
    return ok.all(axis=1)


def complex_reach(X, steps):
    """How far the real evaluations of the complex step may go from x, above and below:
    the directional check (``x + s t p``, ``|p_i| <= max(1, |x_i|)``, ``|s| <= 2``) and the
    central4 fallback (``x +- 2 h``)."""
    t = check_step.py_func(value_eps.py_func(steps))
    check = float(np.max(np.abs(CHECK_OFFSETS))) * t * np.maximum(1.0, np.abs(X))
    reach = np.maximum(check, 2.0 * scheme_steps(X, CENTRAL4, steps)) * 1.01
    return reach, reach


@jit_cached
def complex_fits(x, steps, lo, hi):
    """True if the real evaluations of the complex step at ``x`` (n,) stay in ``[lo, hi]``
    (:func:`complex_reach` for one point, compiled for ``grad``)."""
    t = check_step(value_eps(steps))
    for i in range(x.shape[0]):
        h4 = step_for(CENTRAL4, x[i], steps, i)
        reach = max(2.0 * t * max(1.0, abs(x[i])), 2.0 * h4) * 1.01
        if not (hi[i] - x[i] > reach * (1 + 1e-9) and x[i] - lo[i] > reach * (1 + 1e-9)):
            return False
    return True


@jit_cached
def central4_steps(steps):
    """The steps of the bounded central4 standing in for the complex step: the automatic
    ones (``steps`` itself when automatic: a user's step is the complex step's, far too
    small for real differences)."""
    if steps.shape[0] == 0 or steps[0] != steps[0]:
        return steps
    return np.empty(0)


@jit_cached
def box_of(lb, ub, n):
    """``lb`` and ``ub`` (one value, or n) as arrays of n values, for ``grad``'s ``g``."""
    if lb.shape[0] != 1 and lb.shape[0] != n:
        raise ValueError("x has a different number of coordinates than the bounds given to "
                         "grad")
    lo = np.empty(n)
    hi = np.empty(n)
    for i in range(n):
        k = 0 if lb.shape[0] == 1 else i
        lo[i] = lb[k]
        hi[i] = ub[k]
    return lo, hi


@jit_cached
def within(x, lo, hi):
    """True if every coordinate of ``x`` lies in ``[lo, hi]`` (NaN is the kernels' error)."""
    for i in range(x.shape[0]):
        if x[i] < lo[i] or x[i] > hi[i]:
            return False
    return True
