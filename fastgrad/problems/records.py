"""The records of the problem tables: :class:`Problem` and :class:`ScalarFunction`.

A module of objectives (``elementary``, ``classic``, ...) defines plain functions; the
tables (:mod:`fastgrad.problems.table`, :mod:`fastgrad.problems.scalar`) wrap them in
these records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np


@dataclass(frozen=True)
class Problem:
    """A test problem ``min f(x)``, ``x`` in ``R^n``.

    Attributes
    ----------
    name : str
        Key of the problem in :data:`PROBLEMS`.
    f : callable
        Objective ``f(x) -> float`` for a 1-D float64 (or complex128) array.
    grad : callable
        Analytic gradient ``grad(x) -> ndarray`` of shape ``(n,)``.
    n : int
        Dimension.
    x0 : tuple of float
        Standard starting point.
    xmin : tuple of float or None
        A known minimizer, or None if `f` has no minimum.
    fmin : float or None
        The minimum value ``f(xmin)``, or None.
    hess : callable or None
        Analytic Hessian ``hess(x) -> ndarray`` of shape ``(n, n)``, or None.
    notes : str
        Remarks: origin, pitfalls, why a tolerance may fail at some points.
    """

    name: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    n: int
    x0: tuple
    xmin: Optional[tuple] = None
    fmin: Optional[float] = None
    hess: Optional[Callable[[np.ndarray], np.ndarray]] = None
    notes: str = ""

    def __post_init__(self) -> None:
        if len(self.x0) != self.n:
            raise ValueError(f"{self.name}: x0 has length {len(self.x0)}, expected n={self.n}")
        if self.xmin is not None and len(self.xmin) != self.n:
            raise ValueError(
                f"{self.name}: xmin has length {len(self.xmin)}, expected n={self.n}"
            )


@dataclass(frozen=True)
class ScalarFunction:
    """A function ``f: R -> R`` with its analytic derivative.

    Attributes
    ----------
    name : str
        Key of the function in :data:`SCALAR_FUNCTIONS`.
    f : callable
        ``f(x)`` for a float (or complex) scalar `x`.
    df : callable
        Analytic derivative ``f'(x)``.
    domain : {"real", "positive"}
        Where `f` is defined and smooth.
    notes : str
        Remarks (origin in the seed documents, pitfalls).
    """

    name: str
    f: Callable[[float], float]
    df: Callable[[float], float]
    domain: str = "real"
    notes: str = ""


@dataclass(frozen=True)
class LeastSquaresProblem(Problem):
    """A :class:`Problem` whose objective is a sum of squares ``f(x) = sum_i r_i(x)^2``.

    It has every attribute of :class:`Problem`, and these.

    Attributes
    ----------
    m : int
        Number of residuals.
    residuals : callable or None
        ``residuals(x) -> ndarray`` of shape ``(m,)`` (dtype of x, so complex-step safe).
    number : int
        Number of the problem in its source (Moré, Garbow and Hillstrom 1981: 1 to 35).
    local_minima : tuple of (float, str)
        Other documented local minima or limits: ``(value of f, where)``. A run that ends at
        one of them is not solved by the ``fmin`` criterion.
    source : str
        Where ``x0``, ``fmin`` and ``xmin`` come from.
    """

    m: int = 0
    residuals: Optional[Callable[[np.ndarray], np.ndarray]] = None
    number: int = 0
    local_minima: tuple = ()
    source: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.m < 1:
            raise ValueError(f"{self.name}: m must be positive, got {self.m}")
