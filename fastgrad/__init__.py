"""fastgrad: JIT-compiled numerical differentiation and gradient-based minimization."""

from . import reference
from ._core.cache import clear_cache
from ._core.objective import FastgradWarning
from .diff.api import derivative, gradient, hessian, jacobian
from .diff.grad import check_grad, grad
from .diff.probe import ObjectiveIndexError
from .optimize.api import minimize
from .optimize.compiled import Solution, compile_minimizer
from .optimize.multistart import multistart
from .optimize.result import OptimizeResult

__version__ = "0.1.0"

__all__ = [
    "FastgradWarning",
    "ObjectiveIndexError",
    "check_grad",
    "clear_cache",
    "compile_minimizer",
    "derivative",
    "grad",
    "gradient",
    "hessian",
    "jacobian",
    "minimize",
    "multistart",
    "OptimizeResult",
    "Solution",
]
