"""The kernel registry: one table describes every finite-difference kernel.

Each entry names a kernel, the factory that writes its plain-Python source, the kernel it runs
inside (``inner``: the row kernel of a batch, the check of the complex step), its form, its
scheme family and how many evaluations of f one use of it costs. Everything else reads this
table: :class:`~fastgrad._core.objective.Objective` builds and compiles kernels by name from
it (this module fills :data:`fastgrad._core.objective.KERNELS`), the public API and
``minimize``'s driver choose kernels by scheme with :func:`for_scheme`, scale-out composes
the Python source with :func:`source`, and ``minimize`` counts evaluations with
:func:`gradient_cost`.

Forms: ``"part"`` a building block run by other kernels; ``"row"`` one point;
``"parallel"`` one point, its components over threads; ``"batched"`` the row kernel over the
rows of a batch, in a ``prange``; ``"driver"`` the gradient ``minimize``'s loop calls,
``*_into(x, scheme, steps, out, args, f0)`` with ``f0 = f(x)``. ``parallel`` forms are
compiled with ``parallel=True`` and launched by :func:`fastgrad._core.jit.launch_parallel`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .._core import objective
from .._core.schemes import COMPLEX
from . import bounded_kernels as B
from . import complex_step as C
from . import kernels as K
from .steps import STENCIL_POINTS


@dataclass(frozen=True)
class KernelSpec:
    """One kernel of the table (see the module docstring)."""

    name: str
    factory: Callable  # factory(inner kernel or None, f) -> the kernel's Python source
    inner: str | None  # the kernel this one runs, built first for the same engine
    form: str  # "part", "row", "parallel", "batched" or "driver"
    family: str  # "real", "complex" or "hessian"
    what: str  # what it computes, plural, for messages
    evaluations: Callable[[int, int], int] | None  # (scheme, n) -> evaluations of f per use

    @property
    def parallel(self) -> bool:
        """Compiled with ``parallel=True`` (a ``prange``)."""
        return self.form in ("parallel", "batched")


def _real(code: int, n: int) -> int:
    """A real-scheme gradient: the stencil's points per component; f(x) of the one-sided
    schemes is the caller's (the driver's value at the iterate)."""
    return n * int(STENCIL_POINTS[code])


def _complex(code: int, n: int) -> int:
    """Two complex steps per component and the 4 evaluations of the real directional check;
    evaluations beyond (central4 fallbacks, third steps) are reported in the status."""
    return 2 * n + 4


def _jacobian(code: int, n: int) -> int:
    """The real stencil per column, and f(x) once to learn the number of outputs."""
    return n * int(STENCIL_POINTS[code]) + 1


def _hessian(code: int, n: int) -> int:
    return 2 * n * n + 1


def _batched(inner, f):
    return K.make_batched(inner)


TABLE = (
    KernelSpec("gradient_range", lambda inner, f: K.make_gradient_range(f), None, "part",
               "real", "gradients", _real),
    KernelSpec("gradient", K.make_gradient, "gradient_range", "row", "real", "gradients",
               _real),
    KernelSpec("parallel_gradient", K.make_parallel_gradient, "gradient_range", "parallel",
               "real", "gradients", _real),
    KernelSpec("batched_gradient", _batched, "gradient", "batched", "real", "gradients",
               _real),
    KernelSpec("driver_gradient", lambda inner, f: K.make_gradient_at(inner),
               "gradient_range", "driver", "real", "gradients", _real),
    KernelSpec("complex_check", lambda inner, f: C.make_complex_check(f), None, "part",
               "complex", "complex-step gradients", _complex),
    KernelSpec("complex_gradient", C.make_complex_gradient, "complex_check", "row", "complex",
               "complex-step gradients", _complex),
    KernelSpec("batched_complex_gradient", _batched, "complex_gradient", "batched",
               "complex", "complex-step gradients", _complex),
    KernelSpec("driver_complex_gradient", lambda inner, f: K.without_f0(inner),
               "complex_gradient", "driver", "complex", "complex-step gradients", _complex),
    KernelSpec("jacobian", lambda inner, f: K.make_jacobian(f), None, "row", "real",
               "Jacobians", _jacobian),
    KernelSpec("jacobian_at", lambda inner, f: K.make_jacobian_at(f), None, "driver", "real",
               "least-squares Jacobians", _real),
    KernelSpec("complex_jacobian", C.make_complex_jacobian, "complex_check", "row", "complex",
               "complex-step Jacobians", None),
    KernelSpec("hessian", lambda inner, f: K.make_hessian(f), None, "row", "hessian",
               "Hessians", _hessian),
    # within bounds (fastgrad.diff.bounds): *_into(x, scheme, steps, lo, hi, out, args);
    # the evaluations are those of the stencils away from the bounds
    KernelSpec("bounded_gradient_at", lambda inner, f: B.make_bounded_gradient_at(f), None,
               "part", "real", "gradients within bounds", _real),
    KernelSpec("driver_bounded_gradient",
               lambda inner, f: B.make_bounded_gradient_at(f, fixed=True), None, "driver",
               "real", "gradients within bounds", _real),
    KernelSpec("bounded_gradient", lambda inner, f: B.make_bounded_gradient(inner),
               "bounded_gradient_at", "row", "real", "gradients within bounds", _real),
    KernelSpec("bounded_batched_gradient", lambda inner, f: B.make_bounded_batched(inner),
               "bounded_gradient", "batched", "real", "gradients within bounds", _real),
    KernelSpec("bounded_jacobian", lambda inner, f: B.make_bounded_jacobian(f), None, "row",
               "real", "Jacobians within bounds", _jacobian),
    KernelSpec("bounded_jacobian_at", lambda inner, f: B.make_bounded_jacobian_at(f), None,
               "driver", "real", "least-squares Jacobians within bounds", _real),
    KernelSpec("bounded_cross", lambda inner, f: B.make_bounded_cross(f), None, "part",
               "hessian", "Hessians within bounds", None),
    KernelSpec("bounded_hessian", B.make_bounded_hessian, "bounded_cross", "row", "hessian",
               "Hessians within bounds", _hessian),
)

KERNELS = {spec.name: spec for spec in TABLE}
"""Kernel name -> :class:`KernelSpec`."""

_BY_SCHEME = {
    "gradient": ("gradient", "complex_gradient"),
    "batched_gradient": ("batched_gradient", "batched_complex_gradient"),
    "driver_gradient": ("driver_gradient", "driver_complex_gradient"),
    "jacobian": ("jacobian", "complex_jacobian"),
}
"""Kernel of a real scheme -> (it, its complex-step twin)."""

objective.KERNELS.update(KERNELS)


def for_scheme(kernel: str, code: int) -> str:
    """The kernel computing what ``kernel`` computes, with scheme ``code``: its complex-step
    twin for the complex step."""
    return _BY_SCHEME[kernel][code == COMPLEX]


def twin(name: str, kernel: str) -> str:
    """The kernel ``kernel`` (a key of :data:`_BY_SCHEME`) of the scheme family of ``name``:
    ``twin("driver_complex_gradient", "gradient")`` is ``"complex_gradient"``."""
    return _BY_SCHEME[kernel][KERNELS[name].family == "complex"]


def row_kernel(name: str) -> str:
    """The row kernel that the batched kernel ``name`` runs over the rows of a batch."""
    return KERNELS[name].inner


def source(name: str, f):
    """The plain-Python source of kernel ``name`` over ``f``, its inner kernels composed as
    the table says (the Python engine's kernel; scale-out runs it over a recorder)."""
    spec = KERNELS[name]
    inner = None if spec.inner is None else source(spec.inner, f)
    return spec.factory(inner, f)


def gradient_cost(code: int, n: int) -> int:
    """Evaluations of f per finite-difference gradient of scheme ``code`` in ``n``
    coordinates, as the driver counts them (see :data:`TABLE`)."""
    return KERNELS[for_scheme("gradient", code)].evaluations(code, n)
