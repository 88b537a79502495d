"""Shared table of test problems with analytic derivatives.

One table serves the tests, the benchmarks and the examples:

* :data:`PROBLEMS` maps a name to a :class:`Problem`: an objective
  ``f: R^n -> R`` with its analytic gradient, a standard starting point, the
  known minimizer and minimum where they exist and, for many problems, the
  analytic Hessian;
* :data:`SCALAR_FUNCTIONS` maps a name to a :class:`ScalarFunction`: a
  function ``f: R -> R`` with its analytic derivative, for tests of scalar
  differentiation.

Rules every function here obeys
-------------------------------
* It is a module-level function that ``numba.njit`` compiles in nopython
  mode: plain loops over ``range(x.shape[0])``, scalar math through
  ``np.exp``, ``np.sin``, ..., constants as literals or module-level arrays
  (Numba freezes global arrays as constants), no calls to other Python
  functions.
* Every objective ``f`` also works on complex128 input, so that the
  complex-step derivative ``Im f(x + i h e_k) / h`` is exact: no ``abs``,
  no comparisons on ``x``, no ``max``/``min``, no ``math.*`` and no integer
  powers ``**k`` with ``k >= 3`` (written as products instead, because
  Numba evaluates complex ``z**k`` for ``k >= 3`` in polar form, which is
  inexact).
* No function modifies its argument; ``grad`` and ``hess`` return new
  float64 arrays of shape ``(n,)`` and ``(n, n)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

__all__ = [
    "Problem",
    "ScalarFunction",
    "PROBLEMS",
    "SCALAR_FUNCTIONS",
    "get",
    "get_scalar",
    "make_rosenbrock",
    "make_rastrigin",
    "rosenbrock",
    "rosenbrock_grad",
    "rosenbrock_hess",
    "RANDOM_QUADRATIC_A",
    "RANDOM_QUADRATIC_B",
    "ILL_CONDITIONED_D",
]


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


# ---------------------------------------------------------------------------
# Module-level constant data (built once; frozen by Numba as constants).
# ---------------------------------------------------------------------------


def _random_quadratic_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = rng.standard_normal((n, n))
    a = m @ m.T + n * np.eye(n)  # symmetric positive definite
    b = rng.standard_normal(n)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


#: Seeded symmetric positive definite matrix and vector of ``random_quadratic5``.
RANDOM_QUADRATIC_A, RANDOM_QUADRATIC_B = _random_quadratic_data(5, seed=20240917)

#: Diagonal of the ``ill_conditioned_quadratic10`` problem (condition number 1e4).
ILL_CONDITIONED_D = np.logspace(0.0, 4.0, 10)
ILL_CONDITIONED_D.setflags(write=False)

_RANDOM_QUADRATIC_XMIN = np.linalg.solve(RANDOM_QUADRATIC_A, RANDOM_QUADRATIC_B)
_RANDOM_QUADRATIC_FMIN = float(-0.5 * RANDOM_QUADRATIC_B @ _RANDOM_QUADRATIC_XMIN)

#: Coordinate of the Styblinski-Tang minimizer, root of 2x^3 - 16x + 2.5 = 0.
_STYBLINSKI_TANG_XI = -2.903534027771177
_STYBLINSKI_TANG_FI = -39.16616570377141


# ---------------------------------------------------------------------------
# Elementary functions and compositions.
# ---------------------------------------------------------------------------


def sum_exp(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.exp(x[i])
    return s


def sum_exp_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = np.exp(x[i])
    return g


def sum_exp_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = np.exp(x[i])
    return h


def sum_sin(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.sin(x[i])
    return s


def sum_sin_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = np.cos(x[i])
    return g


def sum_sin_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = -np.sin(x[i])
    return h


def log_squares(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.log(1.0 + x[i] * x[i])
    return s


def log_squares_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = 2.0 * x[i] / (1.0 + x[i] * x[i])
    return g


def log_squares_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        q = 1.0 + x[i] * x[i]
        h[i, i] = 2.0 * (1.0 - x[i] * x[i]) / (q * q)
    return h


def product_xyz(x):
    return x[0] * x[1] * x[2]


def product_xyz_grad(x):
    g = np.zeros(3)
    g[0] = x[1] * x[2]
    g[1] = x[0] * x[2]
    g[2] = x[0] * x[1]
    return g


def product_xyz_hess(x):
    h = np.zeros((3, 3))
    h[0, 1] = h[1, 0] = x[2]
    h[0, 2] = h[2, 0] = x[1]
    h[1, 2] = h[2, 1] = x[0]
    return h


def lorentzian_well(x):
    s = 0.0
    for i in range(x.shape[0]):
        s -= 1.0 / (1.0 + x[i] * x[i])
    return s


def lorentzian_well_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        q = 1.0 + x[i] * x[i]
        g[i] = 2.0 * x[i] / (q * q)
    return g


def lorentzian_well_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        q = 1.0 + x[i] * x[i]
        h[i, i] = (2.0 - 6.0 * x[i] * x[i]) / (q * q * q)
    return h


def sigmoid_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += 1.0 / (1.0 + np.exp(-x[i]))
    return s


def sigmoid_sum_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        s = 1.0 / (1.0 + np.exp(-x[i]))
        g[i] = s * (1.0 - s)
    return g


def tanh_squares(x):
    s = 0.0
    for i in range(x.shape[0]):
        t = np.tanh(x[i])
        s += t * t
    return s


def tanh_squares_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        t = np.tanh(x[i])
        g[i] = 2.0 * t * (1.0 - t * t)
    return g


def sigmoid_neuron(x):
    # x = (input, weight, bias); output sigmoid(w * x + b)
    return 1.0 / (1.0 + np.exp(-(x[1] * x[0] + x[2])))


def sigmoid_neuron_grad(x):
    s = 1.0 / (1.0 + np.exp(-(x[1] * x[0] + x[2])))
    ds = s * (1.0 - s)
    g = np.zeros(3)
    g[0] = x[1] * ds
    g[1] = x[0] * ds
    g[2] = ds
    return g


def composite(x):
    return (
        np.exp(0.5 * x[0] * x[1])
        + np.sin(x[1] + x[2])
        + np.sqrt(1.0 + x[0] * x[0] + x[2] * x[2])
        + np.arctan(x[2])
    )


def composite_grad(x):
    e = np.exp(0.5 * x[0] * x[1])
    c = np.cos(x[1] + x[2])
    r = np.sqrt(1.0 + x[0] * x[0] + x[2] * x[2])
    g = np.zeros(3)
    g[0] = 0.5 * x[1] * e + x[0] / r
    g[1] = 0.5 * x[0] * e + c
    g[2] = c + x[2] / r + 1.0 / (1.0 + x[2] * x[2])
    return g


# ---------------------------------------------------------------------------
# Functions from the seed documents.
# ---------------------------------------------------------------------------


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def function_2_grad(x):
    g = np.zeros(2)
    g[0] = 2.0 * x[0]
    g[1] = 2.0 * x[1]
    return g


def function_2_hess(x):
    return 2.0 * np.eye(2)


def saddle_xy(x):
    return x[0] ** 2 + x[0] * x[1] - x[1] ** 2


def saddle_xy_grad(x):
    g = np.zeros(2)
    g[0] = 2.0 * x[0] + x[1]
    g[1] = x[0] - 2.0 * x[1]
    return g


def saddle_xy_hess(x):
    h = np.zeros((2, 2))
    h[0, 0] = 2.0
    h[0, 1] = h[1, 0] = 1.0
    h[1, 1] = -2.0
    return h


def sphere3(x):
    return x[0] ** 2 + x[1] ** 2 + x[2] ** 2


def sphere3_grad(x):
    g = np.zeros(3)
    for i in range(3):
        g[i] = 2.0 * x[i]
    return g


def sphere3_hess(x):
    return 2.0 * np.eye(3)


def seed_quadratic3(x):
    return 2.0 * (x[0] - 1.0) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4.0) ** 2


def seed_quadratic3_grad(x):
    g = np.zeros(3)
    g[0] = 4.0 * (x[0] - 1.0)
    g[1] = 2.0 * (x[1] - 0.5)
    g[2] = 2.0 * (x[2] + 4.0)
    return g


def seed_quadratic3_hess(x):
    h = np.zeros((3, 3))
    h[0, 0] = 4.0
    h[1, 1] = 2.0
    h[2, 2] = 2.0
    return h


def parabola(x):
    return 2.0 * x[0] ** 2


def parabola_grad(x):
    g = np.zeros(1)
    g[0] = 4.0 * x[0]
    return g


def parabola_hess(x):
    return 4.0 * np.eye(1)


# ---------------------------------------------------------------------------
# Quadratics with constant matrices.
# ---------------------------------------------------------------------------


def random_quadratic5(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        for j in range(n):
            s += 0.5 * x[i] * RANDOM_QUADRATIC_A[i, j] * x[j]
        s -= RANDOM_QUADRATIC_B[i] * x[i]
    return s


def random_quadratic5_grad(x):
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n):
        s = -RANDOM_QUADRATIC_B[i]
        for j in range(n):
            s += RANDOM_QUADRATIC_A[i, j] * x[j]
        g[i] = s
    return g


def random_quadratic5_hess(x):
    return RANDOM_QUADRATIC_A.copy()


def ill_conditioned_quadratic10(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += 0.5 * ILL_CONDITIONED_D[i] * x[i] * x[i]
    return s


def ill_conditioned_quadratic10_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = ILL_CONDITIONED_D[i] * x[i]
    return g


def ill_conditioned_quadratic10_hess(x):
    return np.diag(ILL_CONDITIONED_D)


# ---------------------------------------------------------------------------
# Classic optimization test functions.
# ---------------------------------------------------------------------------


def rosenbrock(x):
    """Rosenbrock function ``sum 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2``.

    The chained form, identical to :func:`scipy.optimize.rosen`; any
    dimension ``n >= 2``, minimum 0 at ``(1, ..., 1)``.
    """
    s = 0.0
    for i in range(x.shape[0] - 1):
        a = x[i + 1] - x[i] * x[i]
        b = 1.0 - x[i]
        s += 100.0 * a * a + b * b
    return s


def rosenbrock_grad(x):
    """Analytic gradient of :func:`rosenbrock` (as :func:`scipy.optimize.rosen_der`)."""
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n - 1):
        a = x[i + 1] - x[i] * x[i]
        g[i] += -400.0 * x[i] * a - 2.0 * (1.0 - x[i])
        g[i + 1] += 200.0 * a
    return g


def rosenbrock_hess(x):
    """Analytic Hessian of :func:`rosenbrock` (as :func:`scipy.optimize.rosen_hess`)."""
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0
        h[i, i + 1] -= 400.0 * x[i]
        h[i + 1, i] -= 400.0 * x[i]
        h[i + 1, i + 1] += 200.0
    return h


def beale(x):
    y = x[1]
    a = 1.5 - x[0] + x[0] * y
    b = 2.25 - x[0] + x[0] * y * y
    c = 2.625 - x[0] + x[0] * y * y * y
    return a * a + b * b + c * c


def beale_grad(x):
    y = x[1]
    a = 1.5 - x[0] + x[0] * y
    b = 2.25 - x[0] + x[0] * y * y
    c = 2.625 - x[0] + x[0] * y * y * y
    g = np.zeros(2)
    g[0] = 2.0 * (a * (y - 1.0) + b * (y * y - 1.0) + c * (y * y * y - 1.0))
    g[1] = 2.0 * x[0] * (a + 2.0 * b * y + 3.0 * c * y * y)
    return g


def himmelblau(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    return a * a + b * b


def himmelblau_grad(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    g = np.zeros(2)
    g[0] = 4.0 * x[0] * a + 2.0 * b
    g[1] = 2.0 * a + 4.0 * x[1] * b
    return g


def himmelblau_hess(x):
    a = x[0] * x[0] + x[1] - 11.0
    b = x[0] + x[1] * x[1] - 7.0
    h = np.zeros((2, 2))
    h[0, 0] = 4.0 * a + 8.0 * x[0] * x[0] + 2.0
    h[0, 1] = h[1, 0] = 4.0 * (x[0] + x[1])
    h[1, 1] = 2.0 + 4.0 * b + 8.0 * x[1] * x[1]
    return h


def booth(x):
    a = x[0] + 2.0 * x[1] - 7.0
    b = 2.0 * x[0] + x[1] - 5.0
    return a * a + b * b


def booth_grad(x):
    a = x[0] + 2.0 * x[1] - 7.0
    b = 2.0 * x[0] + x[1] - 5.0
    g = np.zeros(2)
    g[0] = 2.0 * a + 4.0 * b
    g[1] = 4.0 * a + 2.0 * b
    return g


def booth_hess(x):
    h = np.zeros((2, 2))
    h[0, 0] = h[1, 1] = 10.0
    h[0, 1] = h[1, 0] = 8.0
    return h


def matyas(x):
    return 0.26 * (x[0] * x[0] + x[1] * x[1]) - 0.48 * x[0] * x[1]


def matyas_grad(x):
    g = np.zeros(2)
    g[0] = 0.52 * x[0] - 0.48 * x[1]
    g[1] = 0.52 * x[1] - 0.48 * x[0]
    return g


def matyas_hess(x):
    h = np.zeros((2, 2))
    h[0, 0] = h[1, 1] = 0.52
    h[0, 1] = h[1, 0] = -0.48
    return h


def three_hump_camel(x):
    u = x[0] * x[0]
    return 2.0 * u - 1.05 * u * u + u * u * u / 6.0 + x[0] * x[1] + x[1] * x[1]


def three_hump_camel_grad(x):
    u = x[0] * x[0]
    g = np.zeros(2)
    g[0] = 4.0 * x[0] - 4.2 * u * x[0] + u * u * x[0] + x[1]
    g[1] = x[0] + 2.0 * x[1]
    return g


def three_hump_camel_hess(x):
    u = x[0] * x[0]
    h = np.zeros((2, 2))
    h[0, 0] = 4.0 - 12.6 * u + 5.0 * u * u
    h[0, 1] = h[1, 0] = 1.0
    h[1, 1] = 2.0
    return h


def powell_singular(x):
    a = x[0] + 10.0 * x[1]
    b = x[2] - x[3]
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    return a * a + 5.0 * b * b + c * c * c * c + 10.0 * d * d * d * d


def powell_singular_grad(x):
    a = x[0] + 10.0 * x[1]
    b = x[2] - x[3]
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    c3 = c * c * c
    d3 = d * d * d
    g = np.zeros(4)
    g[0] = 2.0 * a + 40.0 * d3
    g[1] = 20.0 * a + 4.0 * c3
    g[2] = 10.0 * b - 8.0 * c3
    g[3] = -10.0 * b - 40.0 * d3
    return g


def powell_singular_hess(x):
    c = x[1] - 2.0 * x[2]
    d = x[0] - x[3]
    c2 = 12.0 * c * c
    d2 = 120.0 * d * d
    h = np.zeros((4, 4))
    h[0, 0] = 2.0 + d2
    h[0, 1] = h[1, 0] = 20.0
    h[0, 3] = h[3, 0] = -d2
    h[1, 1] = 200.0 + c2
    h[1, 2] = h[2, 1] = -2.0 * c2
    h[2, 2] = 10.0 + 4.0 * c2
    h[2, 3] = h[3, 2] = -10.0
    h[3, 3] = 10.0 + d2
    return h


def wood(x):
    a = x[0] * x[0] - x[1]
    c = x[2] * x[2] - x[3]
    return (
        100.0 * a * a
        + (x[0] - 1.0) ** 2
        + (x[2] - 1.0) ** 2
        + 90.0 * c * c
        + 10.1 * ((x[1] - 1.0) ** 2 + (x[3] - 1.0) ** 2)
        + 19.8 * (x[1] - 1.0) * (x[3] - 1.0)
    )


def wood_grad(x):
    a = x[0] * x[0] - x[1]
    c = x[2] * x[2] - x[3]
    g = np.zeros(4)
    g[0] = 400.0 * x[0] * a + 2.0 * (x[0] - 1.0)
    g[1] = -200.0 * a + 20.2 * (x[1] - 1.0) + 19.8 * (x[3] - 1.0)
    g[2] = 360.0 * x[2] * c + 2.0 * (x[2] - 1.0)
    g[3] = -180.0 * c + 20.2 * (x[3] - 1.0) + 19.8 * (x[1] - 1.0)
    return g


def wood_hess(x):
    h = np.zeros((4, 4))
    h[0, 0] = 1200.0 * x[0] * x[0] - 400.0 * x[1] + 2.0
    h[0, 1] = h[1, 0] = -400.0 * x[0]
    h[1, 1] = 220.2
    h[1, 3] = h[3, 1] = 19.8
    h[2, 2] = 1080.0 * x[2] * x[2] - 360.0 * x[3] + 2.0
    h[2, 3] = h[3, 2] = -360.0 * x[2]
    h[3, 3] = 200.2
    return h


def rastrigin(x):
    n = x.shape[0]
    s = 10.0 * n
    for i in range(n):
        s += x[i] * x[i] - 10.0 * np.cos(2.0 * np.pi * x[i])
    return s


def rastrigin_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = 2.0 * x[i] + 20.0 * np.pi * np.sin(2.0 * np.pi * x[i])
    return g


def rastrigin_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = 2.0 + 40.0 * np.pi * np.pi * np.cos(2.0 * np.pi * x[i])
    return h


def styblinski_tang(x):
    s = 0.0
    for i in range(x.shape[0]):
        u = x[i] * x[i]
        s += 0.5 * (u * u - 16.0 * u + 5.0 * x[i])
    return s


def styblinski_tang_grad(x):
    g = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        g[i] = 2.0 * x[i] * x[i] * x[i] - 16.0 * x[i] + 2.5
    return g


def styblinski_tang_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = 6.0 * x[i] * x[i] - 16.0
    return h


def trid(x):
    n = x.shape[0]
    s = 0.0
    for i in range(n):
        s += (x[i] - 1.0) ** 2
    for i in range(1, n):
        s -= x[i] * x[i - 1]
    return s


def trid_grad(x):
    n = x.shape[0]
    g = np.zeros(n)
    for i in range(n):
        g[i] = 2.0 * (x[i] - 1.0)
        if i > 0:
            g[i] -= x[i - 1]
        if i < n - 1:
            g[i] -= x[i + 1]
    return g


def trid_hess(x):
    n = x.shape[0]
    h = np.zeros((n, n))
    for i in range(n):
        h[i, i] = 2.0
        if i < n - 1:
            h[i, i + 1] = h[i + 1, i] = -1.0
    return h


# ---------------------------------------------------------------------------
# Problem constructors for variable dimension.
# ---------------------------------------------------------------------------


def make_rosenbrock(n: int) -> Problem:
    """Rosenbrock problem of dimension `n`.

    Parameters
    ----------
    n : int
        Dimension, at least 2.

    Returns
    -------
    Problem
        Start ``(-1.2, 1, -1.2, 1, ...)``, minimizer ``(1, ..., 1)``,
        minimum 0.
    """
    if n < 2:
        raise ValueError(f"n must be at least 2; got {n!r}")
    return Problem(
        name=f"rosenbrock{n}",
        f=rosenbrock,
        grad=rosenbrock_grad,
        n=n,
        x0=tuple(-1.2 if i % 2 == 0 else 1.0 for i in range(n)),
        xmin=(1.0,) * n,
        fmin=0.0,
        hess=rosenbrock_hess,
        notes=(
            "Chained Rosenbrock function, as scipy.optimize.rosen. Curved narrow "
            "valley: gradient descent with a fixed step needs lr < ~1/(1200 x^2) and "
            "crawls along the valley floor. The gradient has terms of size ~1e3 "
            "that cancel near the valley, so finite-difference relative errors "
            "there are large."
        ),
    )


def make_rastrigin(n: int) -> Problem:
    """Rastrigin problem of dimension `n`.

    Parameters
    ----------
    n : int
        Dimension, at least 1.

    Returns
    -------
    Problem
        A fixed start in ``[-3.3, 3.1]^n``, minimizer 0, minimum 0.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1; got {n!r}")
    pattern = (3.1, -2.3, 1.7, -0.6, 0.4, 2.8, -1.9, 1.2, -3.3, 0.9)
    return Problem(
        name=f"rastrigin{n}",
        f=rastrigin,
        grad=rastrigin_grad,
        n=n,
        x0=tuple(pattern[i % len(pattern)] for i in range(n)),
        xmin=(0.0,) * n,
        fmin=0.0,
        hess=rastrigin_hess,
        notes=(
            "Highly multimodal (a local minimum near every integer point): local "
            "methods stop in a local minimum, so only the gradient, not the "
            "minimum, is a fair test from x0."
        ),
    )


# ---------------------------------------------------------------------------
# The table.
# ---------------------------------------------------------------------------

_PROBLEM_LIST = [
    # Elementary functions and compositions.
    Problem(
        "sum_exp", sum_exp, sum_exp_grad, 3, (0.5, -1.0, 2.0), None, None, sum_exp_hess,
        "sum exp(x_i): convex, unbounded below direction -inf (infimum 0, no minimum).",
    ),
    Problem(
        "sum_sin", sum_sin, sum_sin_grad, 3, (0.1, 0.5, 1.0),
        (-0.5 * np.pi,) * 3, -3.0, sum_sin_hess,
        "sum sin(x_i): periodic, one of infinitely many minimizers given; "
        "grad at xmin is cos(-pi/2) = 6e-17, not exactly 0.",
    ),
    Problem(
        "log_squares", log_squares, log_squares_grad, 3, (2.0, -3.0, 0.5),
        (0.0, 0.0, 0.0), 0.0, log_squares_hess,
        "sum log(1 + x_i^2): non-convex for |x_i| > 1, gradient -> 0 at infinity.",
    ),
    Problem(
        "product_xyz", product_xyz, product_xyz_grad, 3, (1.0, 2.0, 3.0), None, None,
        product_xyz_hess,
        "x*y*z: unbounded, saddle at 0 (no minimum). Gradient (yz, xz, xy).",
    ),
    Problem(
        "lorentzian_well", lorentzian_well, lorentzian_well_grad, 2, (1.5, -0.7),
        (0.0, 0.0), -2.0, lorentzian_well_hess,
        "-sum 1/(1 + x_i^2): minimum -n at 0, flat tails (gradient ~ 2/x^3).",
    ),
    Problem(
        "sigmoid_sum", sigmoid_sum, sigmoid_sum_grad, 3, (-1.0, 0.0, 2.0), None, None,
        None,
        "sum sigmoid(x_i): derivative s(1-s) in (0, 1/4]; infimum 0 not attained. "
        "exp(-x) overflows for x < -709 (sigmoid still returns 0).",
    ),
    Problem(
        "tanh_squares", tanh_squares, tanh_squares_grad, 3, (0.3, -1.2, 2.5),
        (0.0, 0.0, 0.0), 0.0, None,
        "sum tanh(x_i)^2: saturates for large |x_i| (vanishing gradient, "
        "~8 exp(-2|x|)); gradient descent from far away barely moves.",
    ),
    Problem(
        "sigmoid_neuron", sigmoid_neuron, sigmoid_neuron_grad, 3, (1.0, 0.0, 0.0),
        None, None, None,
        "sigmoid(w*x + b) as a function of (x, w, b), as in the seeds' computational "
        "graph example: at (1, 0, 0) the gradient is (0, 0.25, 0.25).",
    ),
    Problem(
        "composite", composite, composite_grad, 3, (0.5, -1.0, 2.0), None, None, None,
        "exp(x0 x1 / 2) + sin(x1 + x2) + sqrt(1 + x0^2 + x2^2) + arctan(x2): "
        "chain rule through exp, sin, sqrt and arctan; unbounded below.",
    ),
    # From the seed documents.
    Problem(
        "function_2", function_2, function_2_grad, 2, (-3.0, 4.0), (0.0, 0.0), 0.0,
        function_2_hess,
        "x0^2 + x1^2, the seeds' function_2; gradient [6, 8] at (3, 4). Fixed-step "
        "descent from (-3, 4), 100 steps: lr 0.2 and 0.1 converge, lr 0.01 is too "
        "slow, lr 1.0 oscillates between (3, -4) and (-3, 4), lr > 1 diverges.",
    ),
    Problem(
        "saddle_xy", saddle_xy, saddle_xy_grad, 2, (3.0, 4.0), None, None, saddle_xy_hess,
        "x^2 + x*y - y^2 from the seeds' gradient example: indefinite Hessian, "
        "saddle at 0, unbounded below (no minimum).",
    ),
    Problem(
        "sphere3", sphere3, sphere3_grad, 3, (512.0, -301.0, 777.0), (0.0, 0.0, 0.0),
        0.0, sphere3_hess,
        "x^2 + y^2 + z^2 with gradient (2x, 2y, 2z); the seeds start from random "
        "integers in [-1000, 1000] and run lr 1e-2 for 1000 epochs.",
    ),
    Problem(
        "seed_quadratic3", seed_quadratic3, seed_quadratic3_grad, 3, (10.0, 10.0, 10.0),
        (1.0, 0.5, -4.0), 0.0, seed_quadratic3_hess,
        "2(x-1)^2 + (y-0.5)^2 + (z+4)^2; the seeds' descent with lr 0.01, 500 steps "
        "gives [1.00000001, 0.50038973, -3.99942566].",
    ),
    Problem(
        "parabola", parabola, parabola_grad, 1, (500.0,), (0.0,), 0.0, parabola_hess,
        "y = 2x^2 with derivative 4x (one variable, as an array of length 1); the "
        "seeds use lr 1e-2, 1000 epochs from a random integer in [-1000, 1000].",
    ),
    # Quadratics.
    Problem(
        "random_quadratic5", random_quadratic5, random_quadratic5_grad, 5,
        (1.0, -1.0, 2.0, 0.5, -0.5),
        tuple(float(v) for v in _RANDOM_QUADRATIC_XMIN), _RANDOM_QUADRATIC_FMIN,
        random_quadratic5_hess,
        "0.5 x^T A x - b^T x with the seeded SPD matrix RANDOM_QUADRATIC_A and "
        "vector RANDOM_QUADRATIC_B; minimizer solve(A, b). xmin and fmin are "
        "computed in floating point, so f(xmin) == fmin holds to ~1e-15 only.",
    ),
    Problem(
        "ill_conditioned_quadratic10", ill_conditioned_quadratic10,
        ill_conditioned_quadratic10_grad, 10, (1.0,) * 10, (0.0,) * 10, 0.0,
        ill_conditioned_quadratic10_hess,
        "0.5 sum d_i x_i^2 with d = logspace(0, 4, 10), condition number 1e4: "
        "fixed-step descent needs lr < 2e-4 and then needs ~1e4 steps.",
    ),
    # Classic test functions.
    make_rosenbrock(2),
    make_rosenbrock(10),
    make_rosenbrock(100),
    Problem(
        "beale", beale, beale_grad, 2, (1.0, 1.0), (3.0, 0.5), 0.0, None,
        "Beale: flat region near the x axis, steep walls for |y| > 1.",
    ),
    Problem(
        "himmelblau", himmelblau, himmelblau_grad, 2, (0.0, 0.0), (3.0, 2.0), 0.0,
        himmelblau_hess,
        "Himmelblau: four global minima (value 0); only (3, 2) is listed. "
        "Descent from (0, 0) reaches (3, 2).",
    ),
    Problem(
        "booth", booth, booth_grad, 2, (0.0, 0.0), (1.0, 3.0), 0.0, booth_hess,
        "Booth: convex quadratic, condition number 9.",
    ),
    Problem(
        "matyas", matyas, matyas_grad, 2, (5.0, -3.0), (0.0, 0.0), 0.0, matyas_hess,
        "Matyas: convex quadratic with condition number 25 (eigenvalues 1.0, 0.04); "
        "nearly flat along the diagonal.",
    ),
    Problem(
        "three_hump_camel", three_hump_camel, three_hump_camel_grad, 2, (-1.0, -1.0),
        (0.0, 0.0), 0.0, three_hump_camel_hess,
        "Three-hump camel: global minimum 0 at the origin and two local minima "
        "near (+-1.75, -+0.87).",
    ),
    Problem(
        "powell_singular", powell_singular, powell_singular_grad, 4,
        (3.0, -1.0, 0.0, 1.0), (0.0, 0.0, 0.0, 0.0), 0.0, powell_singular_hess,
        "Powell singular function, f(x0) = 215: the Hessian is singular at the "
        "minimizer, so the gradient vanishes like |x - xmin|^3 and iterates "
        "approach xmin slowly; expect ||x - xmin|| ~ 1e-3 when ||g|| ~ 1e-8.",
    ),
    Problem(
        "wood", wood, wood_grad, 4, (-3.0, -1.0, -3.0, -1.0), (1.0, 1.0, 1.0, 1.0), 0.0,
        wood_hess,
        "Wood (Colville) function, f(x0) = 19192; a nearly stationary saddle "
        "region near (-0.97, 0.95, -0.97, 0.95) slows local methods.",
    ),
    make_rastrigin(10),
    Problem(
        "styblinski_tang", styblinski_tang, styblinski_tang_grad, 4, (0.0,) * 4,
        (_STYBLINSKI_TANG_XI,) * 4, 4 * _STYBLINSKI_TANG_FI, styblinski_tang_hess,
        "Styblinski-Tang: 0.5 sum(x^4 - 16x^2 + 5x), 2^n local minima; the global "
        "one has x_i = -2.9035340277711770 (root of 2x^3 - 16x + 2.5), rounded to "
        "double, so f(xmin) == fmin and grad(xmin) == 0 hold to ~1e-14 only.",
    ),
    Problem(
        "trid6", trid, trid_grad, 6, (0.0,) * 6, (6.0, 10.0, 12.0, 12.0, 10.0, 6.0),
        -50.0, trid_hess,
        "Trid: sum (x_i - 1)^2 - sum x_i x_{i-1}; convex, minimizer i (n + 1 - i), "
        "minimum -n (n + 4)(n - 1) / 6.",
    ),
]

#: All test problems by name, in a stable order.
PROBLEMS: dict[str, Problem] = {p.name: p for p in _PROBLEM_LIST}


def get(name: str) -> Problem:
    """Return the problem called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`PROBLEMS`.

    Returns
    -------
    Problem

    Raises
    ------
    KeyError
        If there is no such problem; the message lists the valid names.
    """
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(
            f"unknown problem {name!r}; valid names: {', '.join(PROBLEMS)}"
        ) from None


# ---------------------------------------------------------------------------
# Scalar functions f: R -> R.
# ---------------------------------------------------------------------------


def constant(x):
    return 3.0 + 0.0 * x


def constant_d(x):
    return 0.0 * x


def identity(x):
    return x


def identity_d(x):
    return 1.0 + 0.0 * x


def exp_(x):
    return np.exp(x)


def exp_d(x):
    return np.exp(x)


def square(x):
    return x ** 2


def square_d(x):
    return 2.0 * x


def cube(x):
    return x * x * x


def cube_d(x):
    return 3.0 * x * x


def reciprocal(x):
    return 1.0 / x


def reciprocal_d(x):
    return -1.0 / (x * x)


def log_(x):
    return np.log(x)


def log_d(x):
    return 1.0 / x


def sqrt_(x):
    return np.sqrt(x)


def sqrt_d(x):
    return 0.5 / np.sqrt(x)


def sin_(x):
    return np.sin(x)


def sin_d(x):
    return np.cos(x)


def tanh_(x):
    return np.tanh(x)


def tanh_d(x):
    t = np.tanh(x)
    return 1.0 - t * t


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_d(x):
    s = 1.0 / (1.0 + np.exp(-x))
    return s * (1.0 - s)


def inv_exp(x):
    return 1.0 / np.exp(x)


def inv_exp_d(x):
    return -1.0 / np.exp(x)


def seed_poly_a(x):
    return 0.01 * x ** 2 + 0.1 * x


def seed_poly_a_d(x):
    return 0.02 * x + 0.1


def seed_poly_b(x):
    return 0.1 * x ** 2 + 0.01 * x


def seed_poly_b_d(x):
    return 0.2 * x + 0.01


def seed_parabola(x):
    return 2.0 * x ** 2


def seed_parabola_d(x):
    return 4.0 * x


def softplus(x):
    return np.log(1.0 + np.exp(x))


def softplus_d(x):
    return 1.0 / (1.0 + np.exp(-x))


def arctan_(x):
    return np.arctan(x)


def arctan_d(x):
    return 1.0 / (1.0 + x * x)


def exp_sin(x):
    return np.exp(np.sin(x))


def exp_sin_d(x):
    return np.cos(x) * np.exp(np.sin(x))


_SCALAR_LIST = [
    ScalarFunction("constant", constant, constant_d, "real", "c -> 0 (seeds' derivative table)."),
    ScalarFunction("identity", identity, identity_d, "real", "x -> 1 (seeds' derivative table)."),
    ScalarFunction("exp", exp_, exp_d, "real", "e^x -> e^x (seeds' derivative table)."),
    ScalarFunction("square", square, square_d, "real", "x^2 -> 2x (seeds' derivative table)."),
    ScalarFunction("cube", cube, cube_d, "real", "x^3 written x*x*x (complex-step safe)."),
    ScalarFunction(
        "reciprocal", reciprocal, reciprocal_d, "positive",
        "1/x -> -1/x^2 (seeds' derivative table); pole at 0.",
    ),
    ScalarFunction(
        "log", log_, log_d, "positive", "ln x -> 1/x (seeds' derivative table)."
    ),
    ScalarFunction(
        "sqrt", sqrt_, sqrt_d, "positive", "Derivative unbounded as x -> 0+."
    ),
    ScalarFunction("sin", sin_, sin_d, "real"),
    ScalarFunction("tanh", tanh_, tanh_d, "real", "Derivative 1 - tanh^2 (seeds' activations)."),
    ScalarFunction(
        "sigmoid", sigmoid, sigmoid_d, "real",
        "Derivative s(1 - s), range (0, 1/4] (seeds' activations).",
    ),
    ScalarFunction(
        "inv_exp", inv_exp, inv_exp_d, "real", "1/e^x -> -1/e^x (seeds' chain-rule example)."
    ),
    ScalarFunction(
        "seed_poly_a", seed_poly_a, seed_poly_a_d, "real",
        "0.01x^2 + 0.1x: derivative 0.2 at 5 and 0.3 at 10; the seeds' h = 1e-4 "
        "forward difference gives 0.20000099999917254 and 0.3000009999976072.",
    ),
    ScalarFunction(
        "seed_poly_b", seed_poly_b, seed_poly_b_d, "real",
        "0.1x^2 + 0.01x: the seeds' tangent-line plot at x = 5 and 14.",
    ),
    ScalarFunction("seed_parabola", seed_parabola, seed_parabola_d, "real", "y = 2x^2 -> 4x."),
    ScalarFunction(
        "softplus", softplus, softplus_d, "real", "log(1 + e^x); overflows for x > ~709."
    ),
    ScalarFunction("arctan", arctan_, arctan_d, "real"),
    ScalarFunction("exp_sin", exp_sin, exp_sin_d, "real", "Composition exp(sin(x))."),
]

#: Scalar functions with analytic derivatives, by name.
SCALAR_FUNCTIONS: dict[str, ScalarFunction] = {s.name: s for s in _SCALAR_LIST}


def get_scalar(name: str) -> ScalarFunction:
    """Return the scalar function called `name`.

    Parameters
    ----------
    name : str
        A key of :data:`SCALAR_FUNCTIONS`.

    Returns
    -------
    ScalarFunction

    Raises
    ------
    KeyError
        If there is no such function; the message lists the valid names.
    """
    try:
        return SCALAR_FUNCTIONS[name]
    except KeyError:
        raise KeyError(
            f"unknown scalar function {name!r}; valid names: {', '.join(SCALAR_FUNCTIONS)}"
        ) from None


def sleepy_sphere(x, seconds=0.02):
    """``sum(x**2)`` after sleeping ``seconds``: an expensive black box (Python engine only).

    Module-level so that process pools and Dask workers can unpickle it; used by the
    scale-out tests and benchmarks (``workers=``).
    """
    import time

    time.sleep(seconds)
    x = np.asarray(x)
    return np.sum(x * x)  # a complex sum for the complex step
