"""Bound-constrained test problems: Hock-Schittkowski problems with bounds only and
box-constrained variants of classic and MGH problems, for ``minimize(..., bounds=)``.

:data:`BOXED` maps a name to a :class:`BoxedProblem` (objective, start, bounds and, where
known, the minimizer). The objectives obey the rules of :mod:`fastgrad.problems`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .classic import beale, himmelblau, rosenbrock, wood


@dataclass(frozen=True)
class BoxedProblem:
    """A problem ``min f(x)`` over ``lb <= x <= ub``."""

    name: str
    f: Callable
    x0: tuple
    lb: tuple
    ub: tuple
    x_star: tuple | None = None
    """The exact minimizer where it is known in closed form (else None)."""


def hs2(x):
    """HS 2: Rosenbrock with ``x2 >= 1.5`` (a bound active at the solution)."""
    return 100.0 * (x[1] - x[0] * x[0]) ** 2 + (1.0 - x[0]) ** 2


def hs3(x):
    """HS 3: ``x2 + 1e-5 (x2 - x1)^2``, ``x2 >= 0``; minimum 0 at (0, 0)."""
    return x[1] + 1e-5 * (x[1] - x[0]) ** 2


def hs4(x):
    """HS 4: ``(x1 + 1)^3 / 3 + x2``, ``x1 >= 1``, ``x2 >= 0``; minimum 8/3 at (1, 0)."""
    return (x[0] + 1.0) ** 3 / 3.0 + x[1]


def hs5(x):
    """HS 5: ``sin(x1 + x2) + (x1 - x2)^2 - 1.5 x1 + 2.5 x2 + 1`` in
    ``[-1.5, 4] x [-3, 3]``; minimum at (-pi/3 + 1/2, -pi/3 - 1/2)."""
    return (np.sin(x[0] + x[1]) + (x[0] - x[1]) ** 2 - 1.5 * x[0] + 2.5 * x[1] + 1.0)


def hs45(x):
    """HS 45: ``2 - x1 x2 x3 x4 x5 / 120``, ``0 <= x_i <= i``; minimum 1 at (1, 2, 3, 4, 5)
    (every upper bound active)."""
    return 2.0 - x[0] * x[1] * x[2] * x[3] * x[4] / 120.0


def hs110(x):
    """HS 110: ``sum (log(x_i - 2)^2 + log(10 - x_i)^2) - (prod x_i)^0.2`` over
    ``2.001 <= x_i <= 9.999`` (n = 10); minimum at x_i = 9.35025655."""
    s = 0.0
    p = 1.0
    for i in range(x.shape[0]):
        s += np.log(x[i] - 2.0) ** 2 + np.log(10.0 - x[i]) ** 2
        p *= x[i]
    return s - p ** 0.2


def six_hump_camel(x):
    """Six-hump camel: two global minima -1.0316284535 at +-(0.0898420131, -0.7126564030)
    in ``[-3, 3] x [-2, 2]``."""
    a = x[0] * x[0]
    return ((4.0 - 2.1 * a + a * a / 3.0) * a + x[0] * x[1]
            + (-4.0 + 4.0 * x[1] * x[1]) * x[1] * x[1])


def quadratic_box(x):
    """``sum (i + 1) (x_i - 2)^2`` (n = 6) in ``[-1, 1]^6``: the minimizer is the upper
    corner, every bound active."""
    s = 0.0
    for i in range(x.shape[0]):
        s += (i + 1.0) * (x[i] - 2.0) ** 2
    return s


BOXED = {p.name: p for p in (
    BoxedProblem("hs1", rosenbrock, (-2.0, 1.0), (-np.inf, -1.5), (np.inf, np.inf),
                 (1.0, 1.0)),
    # from HS 2's start both fastgrad and SciPy's L-BFGS-B reach the local minimizer near
    # (-1.2244, 1.5), f = 4.94 (HS 2's global one is (1.2244, 1.5), f = 0.0504)
    BoxedProblem("hs2", hs2, (-2.0, 1.0), (-np.inf, 1.5), (np.inf, np.inf), None),
    BoxedProblem("hs3", hs3, (10.0, 1.0), (-np.inf, 0.0), (np.inf, np.inf), (0.0, 0.0)),
    BoxedProblem("hs4", hs4, (1.125, 0.125), (1.0, 0.0), (np.inf, np.inf), (1.0, 0.0)),
    BoxedProblem("hs5", hs5, (0.0, 0.0), (-1.5, -3.0), (4.0, 3.0),
                 (-np.pi / 3 + 0.5, -np.pi / 3 - 0.5)),
    BoxedProblem("hs38", wood, (-3.0, -1.0, -3.0, -1.0), (-10.0,) * 4, (10.0,) * 4,
                 (1.0,) * 4),
    BoxedProblem("hs45", hs45, (0.5, 1.0, 1.5, 2.0, 2.5), (0.0,) * 5, (1.0, 2.0, 3.0, 4.0, 5.0),
                 (1.0, 2.0, 3.0, 4.0, 5.0)),
    BoxedProblem("hs110", hs110, (9.0,) * 10, (2.001,) * 10, (9.999,) * 10, None),
    BoxedProblem("rosenbrock_box", rosenbrock, (-1.2, 1.0), (-2.0, -2.0), (0.5, 2.0),
                 (0.5, 0.25)),
    BoxedProblem("beale_box", beale, (1.0, 1.0), (0.0, 0.0), (2.0, 0.4), None),
    BoxedProblem("quadratic_box", quadratic_box, (0.0,) * 6, (-1.0,) * 6, (1.0,) * 6,
                 (1.0,) * 6),
)}
"""Name -> :class:`BoxedProblem`."""


@dataclass(frozen=True)
class GlobalProblem:
    """A box with several global minima, for multistart: every one of ``minima`` (f =
    ``fmin``) should be found."""

    name: str
    f: Callable
    lb: tuple
    ub: tuple
    minima: tuple
    fmin: float


GLOBAL = {p.name: p for p in (
    GlobalProblem("himmelblau", himmelblau, (-5.0, -5.0), (5.0, 5.0),
                  ((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                   (-3.779310253377747, -3.283185991286170),
                   (3.584428340330492, -1.848126526964404)), 0.0),
    GlobalProblem("six_hump_camel", six_hump_camel, (-3.0, -2.0), (3.0, 2.0),
                  ((0.0898420131, -0.7126564030), (-0.0898420131, 0.7126564030)),
                  -1.0316284535),
)}
"""Name -> :class:`GlobalProblem`: Himmelblau's four global minima in [-5, 5]^2, the six-hump
camel's two in [-3, 3] x [-2, 2]."""


MGH_CUT = 0.2
""":func:`mgh_variants` puts its bounds this far (times ``1 + |x*_i|``) beyond the
unconstrained minimizer x*."""


def mgh_variants():
    """``(name, problem, lb, ub, x0)`` for every Moré-Garbow-Hillstrom problem of
    :data:`fastgrad.problems.MGH` with a known minimizer x*, in two variants that cut x* off,
    as the box-constrained MGH problems of the L-BFGS-B papers do: ``A``, an upper bound
    ``x*_i - 0.2 (1 + |x*_i|)`` on the even coordinates; ``B``, a lower bound
    ``x*_i + 0.2 (1 + |x*_i|)`` on the odd ones (so some bounds are active at the
    solution, which is not known in closed form); ``x0`` the standard start projected into
    the box."""
    from . import MGH

    for name, p in MGH.items():
        if p.xmin is None:
            continue
        xs = np.array(p.xmin, dtype=float)
        for kind, parity in (("A", 0), ("B", 1)):
            lb, ub = np.full(p.n, -np.inf), np.full(p.n, np.inf)
            for i in range(parity, p.n, 2):
                if kind == "A":
                    ub[i] = xs[i] - MGH_CUT * (1.0 + abs(xs[i]))
                else:
                    lb[i] = xs[i] + MGH_CUT * (1.0 + abs(xs[i]))
            yield f"{name}-{kind}", p, lb, ub, np.clip(np.array(p.x0, dtype=float), lb, ub)
