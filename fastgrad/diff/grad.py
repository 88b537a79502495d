"""``grad(f)``, a compiled gradient function for SciPy and for the user's own ``@njit`` code,
and ``check_grad``."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np
from numba.core import types
from numba.core.registry import cpu_target
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from .._core import cache
from .._core.jit import jit_cached
from .._core.objective import fallback_jit, is_compile_error, not_compilable
from .._core.validate import (
    bounds_arrays, check_args, check_callable, low_precision, outside_bounds_message,
    scheme_code, steps_array,
)
from . import registry
from .api import gradient
from . import probe as _probe
from .bounded_kernels import NO_ROOM
from .bounds import box_of, central4_steps, complex_fits, within
from .kernels import NONFINITE_X
from .steps import CENTRAL4, COMPLEX, EPS, auto_steps, precision_eps

def precision_steps(f, x, args, steps):
    """The steps array for ``f(x, *args)``: ``steps`` itself, except that the automatic step
    (an empty array) becomes the one of the lower precision of f's values and of ``x``
    (:func:`fastgrad.diff.steps.auto_steps`). In compiled code (the overload below) both
    precisions are known from the types, at compile time, with no evaluation; the Python
    ``g`` gets them from :func:`fastgrad.diff.probe.probe` instead, so here it is ``steps``."""
    return steps


@overload(precision_steps)
def _precision_steps_jit(f, x, args, steps):
    eps = EPS
    if isinstance(x, types.Array) and isinstance(x.dtype, types.Float):
        eps = max(eps, precision_eps(as_dtype(x.dtype)))
    if isinstance(f, types.Dispatcher):
        try:  # the return type Numba infers for f(float64 array, *args)
            argtypes = (types.float64[::1],) + tuple(args.types)
            signature = f.get_call_type(cpu_target.typing_context, argtypes, {})
            value = signature.return_type
            eps = max(eps, precision_eps(as_dtype(getattr(value, "dtype", value))))
        except Exception:  # noqa: BLE001 - not typable here: the kernel will say why
            pass
    if eps <= EPS:
        return lambda f, x, args, steps: steps
    table = auto_steps(eps)

    def impl(f, x, args, steps):
        if steps.shape[0] == 0:
            return table.copy()
        return steps

    return impl


def _make_grad_function(kernel, code, steps, bound, f=None):
    """``g(x, *more)``; ``f`` (the compiled objective) lets compiled ``g`` choose the
    automatic step of f's precision; the Python ``g`` (``f`` None) gets it from the probe."""

    def g(x, *more):
        xw = np.asarray(x, dtype=np.float64).copy()
        out = np.empty(xw.shape[0])
        # Compiled g freezes ``code`` and ``steps`` as constants (a literal int, a read-only
        # array): passing them as they are would compile the kernel a second time, for types
        # its other callers never pass.
        status = kernel(xw, np.int64(code), precision_steps(f, x, bound + more, steps.copy()),
                        out, bound + more)
        if status < 0:
            if status == NONFINITE_X:
                raise ValueError("x must be finite")
            raise ValueError("step is too small for x: x + step == x")
        return out

    return g


def _make_bounded_grad_function(kernels, code, steps, bound, box, f=None):
    """``g(x, *more)`` within the box ``(lb, ub)`` (one value or n each): the bounded gradient
    kernel (:mod:`fastgrad.diff.bounded_kernels`), or for the complex step the complex kernel
    where its real evaluations fit in the box and the bounded central4 elsewhere."""
    complex_kernel, bounded_kernel = kernels
    lb, ub = box
    scheme = CENTRAL4 if code == COMPLEX else code

    def real_g(x, *more):
        xw, out, lo, hi = _workspace(x, lb, ub)
        st = precision_steps(f, x, bound + more, steps.copy())
        return _result(bounded_kernel(xw, np.int64(scheme), st, lo, hi, out, bound + more),
                       out)

    def complex_g(x, *more):
        xw, out, lo, hi = _workspace(x, lb, ub)
        st = precision_steps(f, x, bound + more, steps.copy())
        if complex_fits(xw, st, lo, hi):
            status = complex_kernel(xw, np.int64(code), st, out, bound + more)
        else:  # the bounded central4, with its automatic step (a user's is the complex one's)
            status = bounded_kernel(xw, np.int64(scheme), central4_steps(st), lo, hi, out,
                                    bound + more)
        return _result(status, out)

    return complex_g if code == COMPLEX else real_g


@jit_cached
def _workspace(x, lb, ub):
    """``g``'s copy of x, its output and its box; the error of an x outside the box."""
    xw = np.asarray(x, dtype=np.float64).copy()
    n = xw.shape[0]
    lo, hi = box_of(lb, ub, n)
    if not within(xw, lo, hi):
        raise ValueError("x must lie within the bounds given to grad (f is never "
                         "evaluated outside them)")
    return xw, np.empty(n), lo, hi


@jit_cached
def _result(status, out):
    """``out``, or the error of a negative kernel status (compiled ``g``: fixed messages)."""
    if status < 0:
        if status == NONFINITE_X:
            raise ValueError("x must be finite")
        if status == NO_ROOM:
            raise ValueError("bounds leave no room for a finite-difference step")
        raise ValueError("step is too small for x: x + step == x")
    return out


def _grad_source(kernel_of, code, steps, bound, box, f=None):
    """The source of ``g``, with or without bounds; ``kernel_of(name)`` builds a kernel."""
    if box is None:
        return _make_grad_function(kernel_of(registry.for_scheme("gradient", code)), code,
                                   steps, bound, f)
    first = registry.for_scheme("gradient", code) if code == COMPLEX else "bounded_gradient"
    return _make_bounded_grad_function((kernel_of(first), kernel_of("bounded_gradient")),
                                       code, steps, bound, box, f)


def _make_python_grad(obj, code, steps, bound, box=None):
    """The Python-engine ``g``: the first call for each length of x checks f as every other
    function does (reads past x, precision of its values: :mod:`fastgrad.diff.probe`)."""
    inner = _grad_source(obj.python_kernel, code, steps, bound, box)
    automatic = steps.shape[0] == 0

    def g(x, *more):
        xw = np.asarray(x, dtype=np.float64)
        if xw.ndim == 1 and xw.shape[0]:
            _check_box(xw, box)
            auto = _probe.probe(obj, xw, bound + more, x_dtype=low_precision(x))
            if automatic and auto.shape[0]:  # a lower precision: its automatic step
                return _grad_source(obj.python_kernel, code, auto, bound, box)(x, *more)
        return inner(x, *more)

    return g


def _check_box(xw, box):
    """The detailed error of a call from Python with x outside the box of ``grad``."""
    if box is None or xw.ndim != 1:
        return
    lb, ub = box
    if lb.shape[0] not in (1, xw.shape[0]):
        raise ValueError(f"x has {xw.shape[0]} coordinates but the bounds given to grad have "
                         f"{lb.shape[0]}")
    message = outside_bounds_message(xw, np.broadcast_to(lb, xw.shape),
                                     np.broadcast_to(ub, xw.shape))
    if message is not None:
        raise ValueError(message)


def _needs_more_args(f, count: int) -> bool:
    """True if ``f`` cannot be called with ``count`` positional arguments (as far as its
    signature tells; a callable without a signature is assumed to accept them)."""
    try:
        signature = inspect.signature(getattr(f, "py_func", f))
    except (TypeError, ValueError):
        return False
    try:
        signature.bind(*range(count))
    except TypeError:
        return True
    return False


def grad(
    f: Callable[..., float],
    *,
    method: str = "central",
    step=None,
    args: tuple = (),
    jit: bool | None = None,
    bounds=None,
):
    """Return the gradient function ``g(x, *more_args)`` of ``f``, compiled with Numba.

    ``g`` can be passed to SciPy, ``scipy.optimize.minimize(f, x0, jac=fastgrad.grad(f))``
    (SciPy's ``args`` reach ``g`` as ``more_args``), and called from the user's own
    ``@numba.njit`` code. ``g(x)`` returns a new float64 array of shape (n,) for ``x`` of
    shape (n,). ``args`` given here are bound first (and frozen into the compiled function
    as constants: pass large data at call time instead). Parameters as in :func:`gradient`;
    ``step`` may only be None or a float here; ``bounds`` gives one value or one per
    coordinate on each side (``g`` then raises ``ValueError`` for an x outside them or of
    another length).

    If Numba cannot compile ``f``, ``g`` is a plain Python function (with a
    ``FastgradWarning``), which SciPy can call but ``@njit`` code cannot. This is checked
    when ``g`` is made, unless ``f`` needs more arguments than ``args`` (SciPy's ``args``):
    then ``g`` compiles on its first call, for the types of those arguments, and where Numba
    cannot compile it for them ``g`` runs on the Python engine (with the warning; with
    ``jit=True`` it raises ``TypeError``). With ``method="complex"``, ``g`` checks the
    complex step as :func:`gradient` does and recomputes by central4 what the check does not
    confirm, but silently: compiled code cannot warn. Call :func:`gradient` once with the same
    objective to be told.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> from scipy.optimize import minimize
    >>> def rosen(x):
    ...     return 100.0 * (x[1] - x[0] ** 2) ** 2 + (1.0 - x[0]) ** 2
    >>> res = minimize(rosen, [-1.2, 1.0], jac=fastgrad.grad(rosen), method="BFGS")
    >>> np.allclose(res.x, 1.0, atol=1e-4)
    True
    """
    import numba

    check_callable(f)
    check_args(args)
    code = scheme_code(method)
    steps = steps_array(step, 1)
    box = bounds_arrays(bounds, None)
    obj = cache.get(f, jit)
    name = registry.for_scheme("gradient", code) if box is None else "bounded_gradient"
    strict = jit is True
    python_g = _make_python_grad(obj, code, steps, args, box)
    # The cache calls a callable object or a bound method through a weak reference (so as
    # not to keep it alive): g, which outlives this call, keeps it.
    python_g.objective = f
    if obj.engine != "jit":
        return python_g
    reason = obj.failed(name, args)
    if reason is not None or _probe.binds_by_position(obj, args, strict):
        if strict:
            raise not_compilable(reason)
        return python_g

    def failed(exc, call_args):  # Numba cannot compile g for the types of SciPy's args
        obj.recover(exc, strict, name, args + tuple(call_args[1:]), stacklevel=6)

    def check(x, more):  # a call from Python: f reads within x (checked once per length)
        if obj.watch:
            cache.refuse_stale(obj, "grad")
        if box is not None:
            _check_box(np.asarray(x, dtype=np.float64), box)
        if (x.__class__ is np.ndarray and x.ndim == 1
                and _probe.probe_key(x.shape[0], args + tuple(more)) in obj.probes):
            return
        xw = np.asarray(x, dtype=np.float64)
        if xw.ndim == 1 and xw.shape[0]:
            _probe.probe(obj, xw, args + tuple(more), strict=strict)

    g = fallback_jit(_grad_source(obj.kernel, code, steps, args, box, obj.compiled),
                     python_g, failed, before=check)
    if _needs_more_args(f, 1 + len(args)):
        return g  # f wants SciPy's args as well: g compiles on its first call, with them
    try:
        g.compile((numba.float64[::1], numba.types.Tuple(())))
    except Exception as exc:
        if not is_compile_error(exc):
            raise
        obj.recover(exc, strict, name, args, stacklevel=4)
        return python_g
    return g


def check_grad(
    f: Callable[..., float],
    grad: Callable[..., Any],
    x,
    *,
    method: str = "central",
    step=None,
    args: tuple = (),
    jit: bool | None = None,
) -> float:
    """2-norm of ``grad(x, *args) - gradient(f, x)``, like ``scipy.optimize.check_grad``.

    With the default central scheme the numerical gradient has a relative error of about
    1e-10, so a correct analytic ``grad`` gives a norm of that order times ``|grad|``;
    use ``method="complex"`` (or "central4") for a sharper check.
    """
    check_callable(grad, "grad")
    numeric = gradient(f, x, method=method, step=step, args=args, jit=jit)
    analytic = np.asarray(grad(np.array(x, dtype=np.float64), *args), dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(
            f"grad must return an array of shape {numeric.shape}, got shape {analytic.shape}"
        )
    return float(np.linalg.norm(analytic - numeric))
