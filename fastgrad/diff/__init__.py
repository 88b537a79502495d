"""The differentiation engine: step policy (:mod:`.steps`), the kernel registry
(:mod:`.registry`), the real stencils (:mod:`.kernels`), the complex step and its check
(:mod:`.complex_step`), the vectorized path (:mod:`.vectorized`), first-call checks
(:mod:`.probe`) and the public functions (:mod:`.api`, :mod:`.grad`)."""

from .api import derivative, gradient, hessian, jacobian
from .grad import check_grad, grad

__all__ = ["check_grad", "derivative", "grad", "gradient", "hessian", "jacobian"]
