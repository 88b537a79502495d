"""fastgrad: JIT-compiled numerical differentiation and gradient-based minimization."""

from . import reference
from ._objective import FastgradWarning, clear_cache
from ._probe import ObjectiveIndexError
from .differentiate import check_grad, derivative, grad, gradient, hessian, jacobian
from .minimize import minimize
from .result import OptimizeResult

__version__ = "0.1.0"

__all__ = [
    "FastgradWarning",
    "ObjectiveIndexError",
    "check_grad",
    "clear_cache",
    "derivative",
    "grad",
    "gradient",
    "hessian",
    "jacobian",
    "minimize",
    "OptimizeResult",
]
