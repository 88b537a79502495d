"""``grad(f)``, a compiled gradient function for SciPy and for the user's own ``@njit`` code,
and ``check_grad``."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .._core import cache
from .._core.objective import fallback_jit, is_compile_error, not_compilable
from .._core.validate import check_args, check_callable, scheme_code, steps_array
from . import registry
from .api import gradient
from .kernels import NONFINITE_X

def _make_grad_function(kernel, code, steps, bound):
    def g(x, *more):
        xw = np.asarray(x, dtype=np.float64).copy()
        out = np.empty(xw.shape[0])
        # Compiled g freezes ``code`` and ``steps`` as constants (a literal int, a read-only
        # array): passing them as they are would compile the kernel a second time, for types
        # its other callers never pass.
        status = kernel(xw, np.int64(code), steps.copy(), out, bound + more)
        if status < 0:
            if status == NONFINITE_X:
                raise ValueError("x must be finite")
            raise ValueError("step is too small for x: x + step == x")
        return out

    return g


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
):
    """Return the gradient function ``g(x, *more_args)`` of ``f``, compiled with Numba.

    ``g`` can be passed to SciPy, ``scipy.optimize.minimize(f, x0, jac=fastgrad.grad(f))``
    (SciPy's ``args`` reach ``g`` as ``more_args``), and called from the user's own
    ``@numba.njit`` code. ``g(x)`` returns a new float64 array of shape (n,) for ``x`` of
    shape (n,). ``args`` given here are bound first (and frozen into the compiled function
    as constants: pass large data at call time instead). Parameters as in :func:`gradient`;
    ``step`` may only be None or a float here.

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
    obj = cache.get(f, jit)
    name = registry.for_scheme("gradient", code)
    strict = jit is True
    python_g = _make_grad_function(obj.python_kernel(name), code, steps, args)
    # The cache calls a callable object or a bound method through a weak reference (so as
    # not to keep it alive): g, which outlives this call, keeps it.
    python_g.objective = f
    if obj.engine != "jit":
        return python_g
    reason = obj.failed(name, args)
    if reason is not None:
        if strict:
            raise not_compilable(reason)
        return python_g

    def failed(exc, call_args):  # Numba cannot compile g for the types of SciPy's args
        obj.recover(exc, strict, name, args + tuple(call_args[1:]), stacklevel=6)

    g = fallback_jit(_make_grad_function(obj.kernel(name), code, steps, args),
                                python_g, failed)
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
