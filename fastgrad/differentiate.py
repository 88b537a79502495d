"""Public differentiation API: derivative, gradient, jacobian, hessian, grad, check_grad.

Each function validates its input (:mod:`fastgrad._validate`), makes a float64 workspace,
and runs a compiled kernel specialised for the objective (:mod:`fastgrad._objective`).
"""

from __future__ import annotations

import inspect
import time
import warnings
from typing import Any, Callable

import numpy as np

from . import _fd_kernels as K
from . import _objective, _probe, _scaleout
from ._scaleout import check_workers
from ._fd_kernels import NONFINITE_X, OBJECTIVE_RAISED, ZERO_STEP
from ._jit import jit as _jit
from ._objective import FastgradWarning
from ._validate import (
    all_finite,
    as_float_array,
    low_precision as _low_precision,
    check_args,
    check_callable,
    nonfinite_message,
    scheme_code,
    steps_array,
    zero_step_message,
)
from ._vectorized import vectorized_gradient
from .steps import COMPLEX, HESSIAN

_SCHEMES_DOC = """method : {"central", "forward", "backward", "central4", "complex"}, optional
        Finite-difference scheme (SciPy's "2-point", "3-point" and "cs" are accepted as
        aliases of "forward", "central" and "complex"). Default "central"."""


_F64 = np.dtype(np.float64)
_PLANS = _objective.PLANS
_GRADIENT_KERNELS = {  # complex? -> kernel name by x.ndim
    False: (None, "gradient", "batched_gradient"),
    True: (None, "complex_gradient", "batched_complex_gradient"),
}


def _plan(f, method, jit):
    """Validate ``f`` and ``method`` once per (f, method, jit) and remember the result.

    Plans are keyed by ``id(f)`` (two objectives that compare equal are still two) and
    dropped when f dies (:func:`fastgrad._objective.remember`), before its id can be reused.
    A bound method is a new object at every attribute access: it gets no plan (its
    Objective is still cached, by its instance and function)."""
    check_callable(f)
    code = scheme_code(method)
    obj = _objective.get(f, jit)
    names = _GRADIENT_KERNELS[code == COMPLEX]
    if _objective.identity(f) == id(f):
        try:
            key = (id(f), method, jit)
            hash(key)
        except TypeError:  # an unhashable method: no plan
            return obj, code, names
        with _objective._LOCK:
            _objective.remember(f, _PLANS, key, (obj, code, names))
    return obj, code, names


def _kernel_name(code: int, base: str) -> str:
    return ("complex_" if code == COMPLEX else "") + base


PARALLEL_MIN_SECONDS = 1e-3
"""A single-point gradient (``gradient(f, x)`` with x of shape (n,)) that takes at least this
long on one thread (three calls in a row) is computed over all threads from then on, for the
same objective and n (``parallel=None``). Launching the parallel loop and copying x per thread costs tens of
microseconds on an idle machine, a few per cent of 1 ms; see ``bench/bench_scaleout.py``."""

PARALLEL_AFTER_SLOW_CALLS = 3
"""Consecutive slow serial gradients needed before the switch to the parallel kernel."""

PARALLEL_MIN_COORDS = 8
"""Fewer coordinates than this are never split over threads."""

PARALLEL_MIN_ROWS = 64
"""Batches with fewer rows run their row kernel one row at a time from Python: the parallel
kernel then is neither compiled (about 1-2 s the first time) nor launched (tens of
microseconds on an idle machine, milliseconds when the other cores are busy), which a few
rows of work do not repay."""


def _adapt_parallel(obj, n: int, name: str, seconds: float) -> None:
    """Learn, per objective and n, whether a single-point gradient should run in parallel.

    ``obj.parallel_sizes[n]``: absent (serial, still timed), the serial time (parallel, since
    :data:`PARALLEL_AFTER_SLOW_CALLS` serial gradients in a row took
    :data:`PARALLEL_MIN_SECONDS` or more: one hiccup of a busy machine does not switch), or
    None (serial for good: the parallel gradient was slower than the serial one, as on a
    machine whose other cores are busy).

    Threads may call this at the same time for one objective: every read is taken once into
    a local, and the count of slow calls is updated under the objectives' lock (a slow call
    takes a millisecond; the lock costs a microsecond).
    """
    if name == "parallel_gradient":
        serial = obj.parallel_sizes.get(n)
        if serial is not None and seconds > serial:
            obj.parallel_sizes[n] = None
        return
    key = ("slow serial gradients", n)
    if seconds < PARALLEL_MIN_SECONDS:
        obj.extra.pop(key, None)
        return
    with _objective._LOCK:
        if n in obj.parallel_sizes:  # another thread decided meanwhile
            return
        count, fastest = obj.extra.get(key, (0, seconds))
        count, fastest = count + 1, min(fastest, seconds)
        if count >= PARALLEL_AFTER_SLOW_CALLS:
            obj.extra.pop(key, None)
            obj.parallel_sizes[n] = fastest
        else:
            obj.extra[key] = (count, fastest)


def _gradient_factory(f):
    return K.make_gradient(K.make_gradient_range(f), f)


def _complex_gradient_factory(f):
    return K.make_complex_gradient(K.make_complex_check(f), f)


def _complex_jacobian_factory(f):
    return K.make_complex_jacobian(K.make_complex_check(f), f)


def _run_serial(obj, name, xw, code, steps, out, args, strict):
    row_name = _objective.ROW_KERNELS[name]
    total = 0
    for r in range(xw.shape[0]):
        status = obj.run(row_name, xw[r], code, steps, out[r], args, strict=strict)
        if status < 0:
            return status
        total += status
    return total


def _run_rows(obj, name, x, xw, code, steps, out, args, strict):
    """Run the batched kernel ``name`` over the rows of the workspace ``xw``.

    Small batches (fewer than :data:`PARALLEL_MIN_ROWS` rows) run row by row. Numba does not
    carry an exception of ``f`` out of a parallel loop: raised on a worker thread it is lost
    (the row keeps the status ``OBJECTIVE_RAISED``), raised on the main thread it surfaces as
    a ``SystemError``. Either way the rows are run again one at a time from the caller's
    ``x`` (a raising row leaves its workspace perturbed), so that ``f``'s own exception
    reaches the caller.
    """
    if xw.shape[0] < PARALLEL_MIN_ROWS:
        return _run_serial(obj, name, xw, code, steps, out, args, strict)
    try:
        status = obj.run(name, xw, code, steps, out, args, strict=strict)
    except SystemError:
        status = OBJECTIVE_RAISED
    if status != OBJECTIVE_RAISED:
        return status
    fresh = np.array(x, dtype=np.float64).reshape(xw.shape)
    return _run_serial(obj, name, fresh, code, steps, out, args, strict)


def check_status(status: int, x: np.ndarray, steps: np.ndarray, name: str = "x") -> None:
    """Turn a kernel status into the user-facing error or warning."""
    if status == 0:
        return
    if status == NONFINITE_X:
        raise ValueError(nonfinite_message(x, name))
    if status == ZERO_STEP:
        raise ValueError(zero_step_message(x, steps))
    if status > 0 and K.fallbacks_of(status):  # complex step: recomputed components
        warnings.warn(complex_step_message(K.fallbacks_of(status)), FastgradWarning,
                      stacklevel=3)


def complex_step_message(count: int, what: str = "derivative component(s)") -> str:
    """The warning for ``count`` complex-step components recomputed by central4."""
    return (
        f"the complex step could not be trusted for {count} {what}: the objective is not "
        "complex-analytic as compiled, so Im f(x + ih)/h lost or changed part of the "
        "derivative, or disagreed with itself. Likely causes: abs, np.linalg.norm, "
        "comparisons or max/min on x, np.conj, .real or .imag, math.* functions (which drop "
        "the imaginary part), or z**k with integer k >= 3, which Numba evaluates in polar "
        "form, inexact where Re z < 0 (write z*z*z). Those components were recomputed with "
        "method='central4' (real differences, with the same step policy or the step you "
        "gave); use a real method for this objective."
    )


def derivative(
    f: Callable[..., float],
    x,
    *,
    method: str = "central",
    step: float | None = None,
    args: tuple = (),
    jit: bool | None = None,
):
    """Derivative of a scalar function ``f(t, *args) -> float``, elementwise over ``x``.

    Parameters
    ----------
    f : callable
        ``f(t, *args)`` with ``t`` a float, returning a float. Compiled with Numba in nopython
        mode unless it cannot be (then the Python engine runs it, with a ``FastgradWarning``).
    x : float or array_like of real numbers
        Point(s). An array gives an array of the same shape.
    {schemes}
    step : float or None, optional
        Absolute step; None (default) chooses a relative step per scheme (see Notes).
    args : tuple, optional
        Extra arguments passed to ``f``.
    jit : bool or None, optional
        None (default): compile when Numba can; True: require compilation; False: use the
        Python engine.

    Returns
    -------
    float or ndarray of float64

    Notes
    -----
    Forward: ``(f(t+h) - f(t)) / h``, error O(h); central: ``(f(t+h) - f(t-h)) / (2h)``,
    O(h**2); central4: ``(f(t-2h) - f(t+2h) + 8 (f(t+h) - f(t-h))) / (12h)``, O(h**4);
    complex: ``Im f(t + ih) / h``, O(h**2) with no subtractive cancellation, confirmed as in
    :func:`gradient` (6 evaluations per point; central4 with a warning where f is not
    complex-analytic as compiled). The automatic
    step is ``h = rel * max(1, |t|)`` with rel = eps**(1/2), eps**(1/3), eps**(1/5) and
    2**-60 respectively; the quotient divides by the step actually taken, ``(t + h) - t``.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> round(fastgrad.derivative(np.sin, 0.0), 8)
    1.0
    """
    check_callable(f)
    check_args(args)
    code = scheme_code(method)
    xw = as_float_array(x, "x", ndims=(0, 1, 2, 3))
    if not all_finite(xw):  # before any element runs: this error comes first
        raise ValueError(nonfinite_message(xw))
    obj = _objective.get(f, jit, scalar=True)
    columns = xw.reshape(-1, 1)
    auto = _probe.probe(obj, columns[0], args, x_dtype=_low_precision(x), bounds=False,
                        strict=jit is True)
    steps = auto if step is None else steps_array(step, 1)
    out = np.empty_like(columns)
    name = "batched_" + _kernel_name(code, "gradient")
    status = _run_rows(obj, name, x, columns, code, steps, out, args, jit is True)
    check_status(status, xw, steps)
    return float(out[0, 0]) if xw.ndim == 0 else out.reshape(xw.shape)


def gradient(
    f: Callable[..., float],
    x,
    *,
    method: str = "central",
    step=None,
    args: tuple = (),
    vectorized: bool = False,
    jit: bool | None = None,
    parallel: bool | None = None,
    workers=None,
) -> np.ndarray:
    """Gradient of ``f(x, *args) -> float`` at ``x`` of shape (n,), or at each row of (m, n).

    Parameters
    ----------
    f : callable
        ``f(x, *args)`` with ``x`` a float64 array of shape (n,), returning a float. A plain
        Python/numpy function is compiled with Numba (nopython mode) on first use; a
        ``numba.njit`` function is used as it is; a function Numba cannot compile runs on the
        Python engine after a ``FastgradWarning``. ``f`` receives fastgrad's own workspace,
        never the caller's array; it must not keep a reference to it.
    x : array_like, shape (n,) or (m, n)
        Point, or m points whose gradients are computed in parallel over rows.
    {schemes}
    step : None, float or array_like of shape (n,), optional
        None (default): automatic relative step (see Notes). A float: absolute step for every
        coordinate; an array: one absolute step per coordinate.
    args : tuple, optional
        Extra arguments passed to ``f`` (data arrays, parameters).
    vectorized : bool, optional
        If True, ``f`` takes a batch of points of shape (k, n) and returns k values (numpy
        style). The gradient then costs a few batched calls of ``f`` instead of one call per
        stencil point: the fast path for numpy objectives that Numba cannot compile.
    jit : bool or None, optional
        None (default): compile when Numba can; True: require compilation; False: use the
        Python engine without a warning.
    parallel : bool or None, optional
        For a single point x of shape (n,) with n >= 8 and a real scheme, spread the
        components over Numba's threads, each with its own copy of x (the result is
        bit-identical to the serial one). None (default): automatic, once three serial
        gradients in a row of the same objective and n took 1 ms or more each; True/False:
        always or never. Batches (m, n) are always parallel over rows (from 64 rows on).
    workers : int or executor, optional
        Evaluate ``f`` on a pool: all points of the stencil (of every row) in one parallel
        batch. An int is a local thread pool of that size (for objectives that release the
        GIL: numpy, I/O, external programs); an object with ``map`` such as a
        ``concurrent.futures`` executor, or ``dask.distributed.Client.get_executor()`` for a
        Dask cluster. ``f`` then runs as Python (not compiled), and the result is
        bit-identical to ``jit=False``. See :mod:`fastgrad._scaleout`.

    Returns
    -------
    ndarray of float64, same shape as ``x``

    Notes
    -----
    For coordinate i with step h (unit vector e_i): forward ``(f(x+h e_i) - f(x)) / h`` (error
    O(h), n+1 evaluations), backward ``(f(x) - f(x-h e_i)) / h`` (O(h), n+1), central
    ``(f(x+h e_i) - f(x-h e_i)) / (2h)`` (O(h**2), 2n), central4, the 5-point formula (O(h**4),
    4n), complex ``Im f(x + i h e_i) / h`` (exact to rounding for a complex-analytic f,
    2n + 4: each component is taken with two steps, and the gradient is confirmed by one real
    directional difference; components it does not confirm, for an f that is not
    complex-analytic as compiled, are recomputed by central4 with a ``FastgradWarning``, see
    :data:`fastgrad.steps.COMPLEX_CHECK_FACTOR`). The
    automatic step is ``h = rel * max(1, |x_i|)`` with rel = eps**(1/2) (forward, backward),
    eps**(1/3) (central), eps**(1/5) (central4), 2**-60 (complex), and the quotient divides by
    the step actually taken, ``(x_i + h) - x_i``. A NaN from ``f`` gives NaN in the affected
    components; it is never hidden.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> def f(x):
    ...     return x[0] ** 2 + x[1] ** 2
    >>> np.round(fastgrad.gradient(f, [3, 4]), 8)
    array([6., 8.])
    """
    try:
        obj, code, names = _PLANS[id(f), method, jit]
    except (KeyError, TypeError):
        obj, code, names = _plan(f, method, jit)
    if args.__class__ is not tuple:
        check_args(args)
    x_dtype = None
    if x.__class__ is np.ndarray and x.dtype == _F64 and x.ndim == 1 and x.shape[0]:
        xw = x.copy()  # the common case, kept fast
        out = np.empty(x.shape[0])
    else:
        xw = as_float_array(x, "x", ndims=(1, 2))
        out = np.empty(xw.shape)
        x_dtype = _low_precision(x)
    n = xw.shape[-1]
    if vectorized is not False and vectorized is not True:
        raise TypeError(f"vectorized must be True or False, got {vectorized!r}")
    if vectorized:
        if workers is not None:
            raise ValueError("workers= cannot be combined with vectorized=True: a vectorized "
                             "objective already evaluates the whole stencil in one call")
        steps = (_probe.probe_vectorized(obj, xw.reshape(-1, n), args, x_dtype=x_dtype)
                 if step is None else steps_array(step, n))
        out, status = vectorized_gradient(f, xw, code, steps, args)
        check_status(status, xw, steps)
        return out
    if workers is not None:
        steps = _probe.x_steps(x_dtype) if step is None else steps_array(step, n)
        factory = _complex_gradient_factory if code == COMPLEX else _gradient_factory
        wrap = K.make_batched if xw.ndim == 2 else None
        status = _scaleout.run(factory, f, check_workers(workers), (xw, code, steps, out),
                               args, wrap=wrap)
        check_status(status, xw, steps)
        return out
    auto = obj.probes.get((n, len(args)))
    if auto is None or x_dtype is not None:  # first call for this n (see fastgrad._probe)
        auto = _probe.probe(obj, xw if xw.ndim == 1 else xw[0], args, x_dtype=x_dtype,
                            strict=jit is True)
    steps = auto if step is None else steps_array(step, n)
    name = names[xw.ndim]
    timed = None
    serial = True
    if xw.ndim == 1 and n >= PARALLEL_MIN_COORDS and code != COMPLEX and parallel is not False:
        serial_seconds = obj.parallel_sizes.get(n, 0.0)
        if parallel or serial_seconds:
            name = "parallel_gradient"
            serial = False
        if parallel is None and serial_seconds is not None:
            timed = time.perf_counter()
    kern = obj.kernels.get(name)
    if xw.ndim == 2:
        if not all_finite(xw):  # before any row runs: this error comes first
            raise ValueError(nonfinite_message(xw))
        status = _run_rows(obj, name, x, xw, code, steps, out, args, jit is True)
    elif serial and kern is not None and obj.fast:
        try:  # hot path: the kernel exists; at worst it compiles for new argument types
            status = kern(xw, code, steps, out, args)
        except Exception as exc:
            if not _objective.is_compile_error(exc):
                raise  # f's own exception
            obj.recover(exc, jit is True, name, args, stacklevel=4)
            status = obj.python_kernel(name)(xw, code, steps, out, args)
    else:
        status = obj.run(name, xw, code, steps, out, args, strict=jit is True)
    if timed is not None and kern is not None and obj.engine == "jit":
        _adapt_parallel(obj, n, name, time.perf_counter() - timed)
    if status:
        check_status(status, xw, steps)
    return out


def jacobian(
    f: Callable[..., Any],
    x,
    *,
    method: str = "central",
    step=None,
    args: tuple = (),
    jit: bool | None = None,
    workers=None,
) -> np.ndarray:
    """Jacobian of ``f(x, *args) -> array (k,)`` at ``x`` of shape (n,); returns (k, n).

    Parameters are those of :func:`gradient` (without ``vectorized`` and ``parallel``). ``f`` is evaluated
    once more than the scheme needs, at ``x``, to learn k. A scalar return counts as k = 1.

    Notes
    -----
    Column i is the scheme's difference quotient of the vector ``f`` along e_i, with the step
    rule of :func:`gradient`. The complex step is confirmed as in :func:`gradient`, ``J p``
    output by output against one real directional difference.
    """
    check_callable(f)
    check_args(args)
    code = scheme_code(method)
    xw = as_float_array(x, "x", ndims=(1,))
    if not all_finite(xw):  # before f is evaluated at x
        raise ValueError(nonfinite_message(xw))
    x_dtype = _low_precision(x)
    if workers is not None:
        steps = _probe.x_steps(x_dtype) if step is None else steps_array(step, xw.shape[0])
        factory = _complex_jacobian_factory if code == COMPLEX else K.make_jacobian
        status, out = _scaleout.run(factory, f, check_workers(workers), (xw, code, steps),
                                    args, dummy=np.zeros(1))
        check_status(status, xw, steps)
        return out
    obj = _objective.get(f, jit)
    auto = _probe.probe(obj, xw, args, x_dtype=x_dtype, strict=jit is True)
    steps = auto if step is None else steps_array(step, xw.shape[0])
    status, out = obj.run(_kernel_name(code, "jacobian"), xw, code, steps, args,
                          strict=jit is True)
    check_status(status, xw, steps)
    return out


def hessian(
    f: Callable[..., float],
    x,
    *,
    step=None,
    args: tuple = (),
    jit: bool | None = None,
    workers=None,
) -> np.ndarray:
    """Hessian of ``f(x, *args) -> float`` at ``x`` of shape (n,); returns (n, n), symmetric.

    Notes
    -----
    Central second differences, error O(h**2): ``H_ii = (f(x+h_i e_i) - 2 f(x) +
    f(x-h_i e_i)) / h_i**2`` and ``H_ij = (f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j)``,
    2n**2 + 1 evaluations. Automatic step ``h_i = eps**(1/4) * max(1, |x_i|)`` (rounding error
    about eps / h**2 ~ 1e-8 relative), divided by the step actually taken. The upper triangle
    is mirrored, so the result is exactly symmetric. ``workers`` as in :func:`gradient`.
    """
    check_callable(f)
    check_args(args)
    xw = as_float_array(x, "x", ndims=(1,))
    n = xw.shape[0]
    x_dtype = _low_precision(x)
    out = np.empty((n, n))
    if workers is not None:
        steps = _probe.x_steps(x_dtype) if step is None else steps_array(step, n)
        status = _scaleout.run(K.make_hessian, f, check_workers(workers),
                               (xw, HESSIAN, steps, out), args)
        check_status(status, xw, steps)
        return out
    obj = _objective.get(f, jit)
    auto = _probe.probe(obj, xw, args, x_dtype=x_dtype, strict=jit is True)
    steps = auto if step is None else steps_array(step, n)
    status = obj.run("hessian", xw, HESSIAN, steps, out, args, strict=jit is True)
    check_status(status, xw, steps)
    return out


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
    obj = _objective.get(f, jit)
    name = _kernel_name(code, "gradient")
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
            raise _objective.not_compilable(reason)
        return python_g

    def failed(exc, call_args):  # Numba cannot compile g for the types of SciPy's args
        obj.recover(exc, strict, name, args + tuple(call_args[1:]), stacklevel=6)

    g = _objective.fallback_jit(_make_grad_function(obj.kernel(name), code, steps, args),
                                python_g, failed)
    if _needs_more_args(f, 1 + len(args)):
        return g  # f wants SciPy's args as well: g compiles on its first call, with them
    try:
        g.compile((numba.float64[::1], numba.types.Tuple(())))
    except Exception as exc:
        if not _objective.is_compile_error(exc):
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


for _fn in (derivative, gradient, jacobian):
    _fn.__doc__ = _fn.__doc__.replace("{schemes}", _SCHEMES_DOC)
