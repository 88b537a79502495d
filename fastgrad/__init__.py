"""fastgrad: JIT-compiled numerical differentiation and gradient-based minimization."""

from . import reference
from ._core.cache import clear_cache
from ._core.objective import FastgradWarning
from .diff.api import derivative, gradient, hessian, jacobian
from .diff.grad import check_grad, grad
from .diff.probe import ObjectiveIndexError, ObjectiveWriteError
from .optimize.api import minimize
from .optimize.compiled import Solution, compile_minimizer
from .optimize.compiled_lsq import LsqSolution, compile_least_squares
from .optimize.curve_fit import curve_fit
from .optimize.least_squares import least_squares
from .optimize.per_start import per_start
from .optimize.multistart import multistart
from .optimize.result import OptimizeResult

__version__ = "0.1.0"

__all__ = [
    "FastgradWarning",
    "ObjectiveIndexError",
    "ObjectiveWriteError",
    "check_grad",
    "clear_cache",
    "compile_least_squares",
    "compile_minimizer",
    "curve_fit",
    "derivative",
    "grad",
    "gradient",
    "hessian",
    "jacobian",
    "least_squares",
    "LsqSolution",
    "minimize",
    "per_start",
    "multistart",
    "OptimizeResult",
    "Solution",
]
