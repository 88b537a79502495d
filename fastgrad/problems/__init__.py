"""Shared table of test problems with analytic derivatives.

One table serves the tests, the benchmarks and the examples:

* :data:`PROBLEMS` maps a name to a :class:`Problem`: an objective
  ``f: R^n -> R`` with its analytic gradient, a standard starting point, the
  known minimizer and minimum where they exist and, for many problems, the
  analytic Hessian;
* :data:`SCALAR_FUNCTIONS` maps a name to a :class:`ScalarFunction`: a
  function ``f: R -> R`` with its analytic derivative, for tests of scalar
  differentiation.

Where things are
----------------
* :mod:`~fastgrad.problems.records`: the records :class:`Problem` and
  :class:`ScalarFunction`;
* :mod:`~fastgrad.problems.elementary`, :mod:`~fastgrad.problems.quadratics`,
  :mod:`~fastgrad.problems.classic`: the objectives ``R^n -> R`` with their
  gradients and Hessians, as plain functions;
* :mod:`~fastgrad.problems.table`: :data:`PROBLEMS`, :func:`get` and the
  problems of any dimension (:func:`make_rosenbrock`, :func:`make_rastrigin`);
* :mod:`~fastgrad.problems.scalar`: the functions ``R -> R``, their
  derivatives, :data:`SCALAR_FUNCTIONS` and :func:`get_scalar`;
* :mod:`~fastgrad.problems.mgh`: :data:`MGH`, the 20 Moré-Garbow-Hillstrom problems of
  fixed size as sums of squares (:class:`LeastSquaresProblem`: residuals, exact gradient,
  standard start, known minimum), with their functions in
  :mod:`~fastgrad.problems.mgh_1to10` and :mod:`~fastgrad.problems.mgh_11to20`;
* :mod:`~fastgrad.problems.blackbox`: objectives for the Python engine only
  (:func:`sleepy_sphere`, :func:`lotka_volterra_fit`).

Every name is importable from here (``fastgrad.problems.rosenbrock``), as the
tests, benchmarks and examples use them. A new family of problems is a new
module of functions beside these, whose rows join the table.

Rules every function obeys (but those of ``blackbox``)
-------------------------------------------------------
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

# Every function of every module, by name: fastgrad.problems.rosenbrock, problems.function_2.
from .blackbox import *  # noqa: F401,F403
from .classic import *  # noqa: F401,F403
from .elementary import *  # noqa: F401,F403
from .mgh import MGH, at_local_minimum, get_mgh, is_solved
from .mgh_1to10 import *  # noqa: F401,F403
from .mgh_11to20 import *  # noqa: F401,F403
from .quadratics import *  # noqa: F401,F403
from .records import LeastSquaresProblem, Problem, ScalarFunction
from .scalar import *  # noqa: F401,F403
from .scalar import SCALAR_FUNCTIONS, get_scalar
from .table import PROBLEMS, get, make_rastrigin, make_rosenbrock

__all__ = [
    "Problem",
    "LeastSquaresProblem",
    "ScalarFunction",
    "MGH",
    "get_mgh",
    "is_solved",
    "at_local_minimum",
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
