"""Objectives and the kernels specialised for them.

An :class:`Objective` wraps the user's ``f`` once: a Numba dispatcher is used as it is, a plain
Python function is compiled lazily, and anything Numba cannot compile runs on the Python engine
(the same kernel source, executed by the interpreter) after a :class:`FastgradWarning` that
names the reason. Kernels are built on first use and kept on the Objective, which is cached per
``f``: a second call with the same objective compiles nothing.
"""

from __future__ import annotations

import re
import threading
import warnings

import numpy as np
from numba.core.errors import NumbaError, UnsupportedBytecodeError

from . import _fd_kernels as K
from ._jit import is_dispatcher, jit, jit_objective, jit_parallel
from ._scalar import RETURN_MARKER, ObjectiveReturnError


COMPILE_ERRORS = (NumbaError, UnsupportedBytecodeError)
"""What Numba raises when it cannot compile a function. ``UnsupportedBytecodeError`` (for
example ``except E as e:``) is the one such error that does not derive from ``NumbaError``."""


class FastgradWarning(UserWarning):
    """fastgrad had to do something slower or less accurate than asked, and says why."""


# name -> (factory, batched?)  Batched kernels wrap the row kernel of the same scheme family.
_FACTORIES = {
    "gradient_range": K.make_gradient_range,
    "complex_check": K.make_complex_check,
    "jacobian": K.make_jacobian,
    "hessian": K.make_hessian,
}
_BATCHED = {
    "batched_gradient": "gradient",
    "batched_complex_gradient": "complex_gradient",
}
# name -> (factory(inner kernel, f), inner kernel name, parallel?)
_WRAPPERS = {
    "gradient": (K.make_gradient, "gradient_range", False),
    "parallel_gradient": (K.make_parallel_gradient, "gradient_range", True),
    "complex_gradient": (K.make_complex_gradient, "complex_check", False),
    "complex_jacobian": (K.make_complex_jacobian, "complex_check", False),
}
ROW_KERNELS = _BATCHED
"""Batched kernel name -> name of the row kernel it runs over the rows of a batch."""

_LOCK = threading.RLock()
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _reason(exc: BaseException) -> str:
    """The first informative lines of a Numba error, without colour codes."""
    lines = [ln.strip() for ln in _ANSI.sub("", str(exc)).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("During:", "File ", "^"))]
    return " ".join(lines[:3])[:400]


def _ufunc_call(ufunc):
    def call(x, *args):
        return ufunc(x, *args)

    call.__name__ = ufunc.__name__
    return call


def _vector_form(g):
    def vector_form(x, *args):
        return g(x[0], *args)

    return vector_form


class Objective:
    """A user's objective with its engine and compiled kernels."""

    __slots__ = (
        "f", "python_f", "compiled", "engine", "reason", "kernels", "extra", "parallel_sizes"
    )

    def __init__(self, f, engine: str, scalar: bool = False):
        self.f = f
        self.engine = engine  # "jit" or "python"
        self.reason = ""
        self.compiled = None
        self.kernels: dict = {}
        self.extra: dict = {}  # other modules' per-objective caches (e.g. optimizer drivers)
        self.parallel_sizes: dict = {}  # n -> serial seconds or None (see differentiate.py)
        # A scalar function f(t) is seen by the kernels as f(x[0]) of a 1-vector x.
        self.python_f = _vector_form(f) if scalar else f
        if engine == "jit":
            try:
                if isinstance(f, np.ufunc):  # np.exp and friends: Numba compiles a call to them
                    f = _ufunc_call(f)
                    self.python_f = _vector_form(f) if scalar else f
                compiled = f if is_dispatcher(f) else jit_objective(f)
                self.compiled = jit(_vector_form(compiled)) if scalar else compiled
            except Exception as exc:  # numba.njit rejects some callables outright
                self.engine, self.reason = "python", _reason(exc)

    @property
    def callable(self):
        """The function the kernels call: compiled, or the user's own on the Python engine."""
        return self.compiled if self.engine == "jit" else self.python_f

    def kernel(self, name: str):
        """The kernel ``name`` for this objective's engine, built on first use."""
        kern = self.kernels.get(name)
        if kern is None:
            with _LOCK:
                kern = self.kernels.get(name)
                if kern is None:
                    kern = self._build(name)
                    self.kernels[name] = kern
        return kern

    def _build(self, name: str):
        if name in _BATCHED:
            batched = K.make_batched(self.kernel(_BATCHED[name]))
            return jit_parallel(batched) if self.engine == "jit" else batched
        if name in _WRAPPERS:
            factory, inner, parallel = _WRAPPERS[name]
            source = factory(self.kernel(inner), self.callable)
            if self.engine != "jit":
                return source
            return jit_parallel(source) if parallel else jit(source)
        source = _FACTORIES[name](self.callable)
        return jit(source) if self.engine == "jit" else source

    def fall_back(self, reason: str) -> None:
        """Switch to the Python engine, dropping the compiled kernels."""
        with _LOCK:
            self.engine, self.reason = "python", reason
            self.kernels = {}
            self.extra = {}

    def run(self, name: str, *arguments, strict: bool = False):
        """Run kernel ``name``; on a Numba typing failure fall back to Python and warn.

        With ``strict=True`` (``jit=True`` from the user) the failure is raised instead.
        """
        if strict and self.engine == "python":  # fell back in an earlier call without jit=True
            raise not_compilable(self.reason)
        kern = self.kernels.get(name) or self.kernel(name)
        try:
            return kern(*arguments)
        except COMPILE_ERRORS as exc:
            if self.engine == "python":
                raise
            self.recover(exc, strict)
        return self.kernel(name)(*arguments)

    def recover(self, exc: BaseException, strict: bool) -> None:
        """Handle a Numba compilation error of one of this objective's kernels.

        A wrong return kind of ``f`` becomes a ``ValueError``; otherwise the objective falls
        back to the Python engine with a warning (or a ``TypeError`` when ``strict``).
        """
        text = _ANSI.sub("", str(exc))
        if RETURN_MARKER in text:
            message = text.split(RETURN_MARKER + ": ", 1)[1].splitlines()[0]
            raise ObjectiveReturnError(message) from None
        reason = _reason(exc)
        if strict:
            raise not_compilable(reason) from None
        self.fall_back(reason)
        warn_python_engine(self, stacklevel=5)


def not_compilable(reason: str) -> TypeError:
    """The error of ``jit=True`` for an objective Numba cannot compile."""
    return TypeError(f"jit=True but Numba cannot compile the objective f: {reason}")


def warn_python_engine(obj: Objective, stacklevel: int = 4) -> None:
    warnings.warn(
        f"fastgrad runs the objective {getattr(obj.f, '__name__', repr(obj.f))} on the Python "
        f"engine (much slower) because Numba cannot compile it: {obj.reason}. Pass jit=False "
        "to choose the Python engine without this warning.",
        FastgradWarning,
        stacklevel=stacklevel,
    )


_REGISTRY: dict = {}
"""(f, engine, scalar) -> Objective. Strong references: an objective's compiled kernels are
kept for the life of the process, so define an objective once and reuse it."""


def get(f, jit_mode, scalar: bool = False) -> Objective:
    """The cached :class:`Objective` of ``f``.

    ``jit_mode``: None compiles when Numba can (else Python engine and a warning), True
    requires compilation, False chooses the Python engine. ``scalar`` marks ``f(t) -> float``
    of a scalar ``t`` (for :func:`fastgrad.derivative`).
    """
    if jit_mode is not None and jit_mode is not True and jit_mode is not False:
        raise TypeError(f"jit must be None, True or False, got {jit_mode!r}")
    engine = "python" if jit_mode is False else "jit"
    try:
        key = (f, engine, scalar)
        obj = _REGISTRY.get(key)
    except TypeError:  # an unhashable callable object
        key = (id(f), engine, scalar)
        obj = _REGISTRY.get(key)
    if obj is None:
        with _LOCK:
            obj = _REGISTRY.get(key)
            if obj is None:
                obj = Objective(f, engine, scalar)
                if obj.engine == "python" and engine == "jit":
                    if jit_mode is True:
                        raise not_compilable(obj.reason)
                    warn_python_engine(obj)
                _REGISTRY[key] = obj
    if jit_mode is True and obj.engine == "python":  # fell back in an earlier call
        raise not_compilable(obj.reason)
    return obj
