"""Public differentiation API: derivative, gradient, jacobian, hessian (grad and check_grad:
:mod:`fastgrad.diff.grad`).

Each function validates its input (:mod:`fastgrad._core.validate`), makes a float64
workspace, and runs the kernel the registry (:mod:`fastgrad.diff.registry`) names for the
scheme, specialised for the objective (:mod:`fastgrad._core.objective`).
"""

from __future__ import annotations

import math
import sys
import time
from functools import partial
from typing import Any, Callable

import numpy as np

from .. import scaleout
from .._core import cache
from .._core.objective import _LOCK, is_compile_error, threads_may_share
from .._core.validate import (
    _show,
    all_finite,
    as_float_array,
    check_args,
    check_callable,
    low_precision as _low_precision,
    nonfinite_message,
    scheme_code,
    steps_array,
)
from . import bounded as _bounded
from . import probe as _probe
from . import registry
from .rows import check_status, run_rows as _run_rows
from .steps import COMPLEX, HESSIAN
from .vectorized import vectorized_gradient

_SCHEMES_DOC = """method : {"central", "forward", "backward", "central4", "complex"}, optional
        Finite-difference scheme (SciPy's "2-point", "3-point" and "cs" are accepted as
        aliases of "forward", "central" and "complex"). Default "central"."""

_BOUNDS_DOC = """bounds : None, (lb, ub), (lo, hi) pairs or scipy.optimize.Bounds, optional
        The box f may be evaluated in, as in SciPy's ``approx_derivative``: ``lb`` and ``ub``
        scalars or arrays that broadcast to x (per row for a batch), None or infinite for no
        bound; a sequence of n ``(lo, hi)`` pairs; or an object with ``lb`` and ``ub``
        (``scipy.optimize.Bounds``). A sequence of exactly two entries is ``(lb, ub)``.
        f is never evaluated outside the box: near a bound a stencil becomes one-sided (of
        the same order) or shrinks its step (see :mod:`fastgrad.diff.bounds` and the guide
        on schemes). x outside the box is a ``ValueError``. Default None."""


_F64 = np.dtype(np.float64)
_PLANS = cache.PLANS


def _plan(f, method, jit):
    """Validate ``f`` and ``method`` once per (f, method, jit) and remember the result.

    Plans are keyed by ``id(f)`` (two objectives that compare equal are still two) and
    dropped when f dies (:func:`fastgrad._core.cache.remember`), before its id can be reused.
    A bound method is a new object at every attribute access: it gets no plan (its
    Objective is still cached, by its instance and function)."""
    check_callable(f)
    code = scheme_code(method)
    obj = cache.get(f, jit)
    names = (None, registry.for_scheme("gradient", code),
             registry.for_scheme("batched_gradient", code))
    if cache.identity(f) == id(f):
        try:
            key = (id(f), method, jit)
            hash(key)
        except TypeError:  # an unhashable method: no plan
            return obj, code, names
        with _LOCK:
            cache.remember(f, _PLANS, key, (obj, code, names))
    return obj, code, names


PARALLEL_MIN_SECONDS = 1e-3
"""A single-point gradient (``gradient(f, x)`` with x of shape (n,)) that takes at least this
long on one thread (three calls in a row) is computed over all threads from then on, for the
same objective and n (``parallel=None``). Launching the parallel loop and copying x per thread costs tens of
microseconds on an idle machine, a few per cent of 1 ms; see ``bench/bench_scaleout.py``."""

PARALLEL_AFTER_SLOW_CALLS = 3
"""Consecutive slow serial gradients needed before the switch to the parallel kernel."""

PARALLEL_MIN_COORDS = 8
"""Fewer coordinates than this are never split over threads."""

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
    if seconds < PARALLEL_MIN_SECONDS:
        if n in obj.slow_calls:
            with _LOCK:
                obj.slow_calls.pop(n, None)
        return
    with _LOCK:
        if n in obj.parallel_sizes:  # another thread decided meanwhile
            return
        count, fastest = obj.slow_calls.get(n, (0, seconds))
        count, fastest = count + 1, min(fastest, seconds)
        if count >= PARALLEL_AFTER_SLOW_CALLS:
            obj.slow_calls.pop(n, None)
            obj.parallel_sizes[n] = fastest
        else:
            obj.slow_calls[n] = (count, fastest)


def derivative(
    f: Callable[..., float],
    x,
    *,
    method: str = "central",
    step: float | None = None,
    args: tuple = (),
    jit: bool | None = None,
    bounds=None,
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
    {bounds}

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
    box = None if bounds is None else _bounded.box_for(bounds, xw)
    obj = cache.get(f, jit, scalar=True)
    columns = xw.reshape(-1, 1)
    auto = _probe.probe(obj, columns[0], args, x_dtype=_low_precision(x), bounds=False,
                        strict=jit is True)
    steps = auto if step is None else steps_array(step, 1)
    out = np.empty_like(columns)
    if box is not None:
        box = (box[0].reshape(-1, 1), box[1].reshape(-1, 1))
        _bounded.engine_gradient(obj, columns, code, steps, args, box, out, jit is True,
                                 xw.shape)
        return float(out[0, 0]) if xw.ndim == 0 else out.reshape(xw.shape)
    name = registry.for_scheme("batched_gradient", code)
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
    bounds=None,
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
        stencil point: the fast path for numpy objectives that Numba cannot compile. Each
        value must depend on its own row only: an ``f`` that mixes rows (``len(X)``, a sum or,
        over a batch of starts, a mean over the batch) is refused on its first call.
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
        bit-identical to ``jit=False`` (the first call per length of x and types of
        ``args`` evaluates f once more on the pool to learn the precision of its values).
        See :mod:`fastgrad.scaleout`.
    {bounds}
        Within bounds a single point is computed serially (``parallel`` is not used).

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
    # Long because the hot path of gradient(f, x) stays inline: every extra call of a Python
    # function costs a noticeable share of a microseconds-long gradient.
    try:
        obj, code, names = _PLANS[id(f), method, jit]
        if obj.watch and cache.stale(obj):  # a global Numba froze into f has changed
            raise KeyError
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
    box = None if bounds is None else _bounded.box_for(bounds, xw)
    if vectorized:
        if workers is not None:
            raise ValueError("workers= cannot be combined with vectorized=True: a vectorized "
                             "objective already evaluates the whole stencil in one call")
        steps = _probe.probe_vectorized(obj, xw.reshape(-1, n), args, x_dtype=x_dtype,
                                        given=None if step is None else steps_array(step, n))
        if box is not None:
            return _bounded.vectorized_gradient_within(f, xw, code, steps, args, box)
        out, status = vectorized_gradient(f, xw, code, steps, args)
        check_status(status, xw, steps)
        return out
    if workers is not None:
        steps = (_probe.pool_steps(obj, f, scaleout.check_workers(workers),
                                   xw if xw.ndim == 1 else xw[0], args, x_dtype)
                 if step is None else steps_array(step, n))
        if box is not None:
            return _bounded.workers_gradient(f, scaleout.check_workers(workers), xw, code,
                                             steps, args, box, out)
        factory = partial(registry.source, names[xw.ndim])  # the row or the batched kernel
        status = scaleout.run(factory, f, scaleout.check_workers(workers),
                              (xw, code, steps, out), args)
        check_status(status, xw, steps)
        return out
    auto = obj.probes.get(_probe.probe_key(n, args))
    if auto is None or x_dtype is not None:  # first call for this n (see fastgrad.diff.probe)
        auto = _probe.probe(obj, xw if xw.ndim == 1 else xw[0], args, x_dtype=x_dtype,
                            strict=jit is True)
    steps = auto if step is None else steps_array(step, n)
    if box is not None:
        return _bounded.engine_gradient(obj, xw, code, steps, args, box, out, jit is True)
    name = names[xw.ndim]
    timed = None
    serial = True
    if xw.ndim == 1 and n >= PARALLEL_MIN_COORDS and code != COMPLEX and parallel is not False:
        serial_seconds = obj.parallel_sizes.get(n, 0.0)
        if (parallel or serial_seconds) and threads_may_share(obj):
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
            if not is_compile_error(exc):
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
    bounds=None,
) -> np.ndarray:
    """Jacobian of ``f(x, *args) -> array (k,)`` at ``x`` of shape (n,); returns (k, n).

    Parameters are those of :func:`gradient` (without ``vectorized`` and ``parallel``;
    ``bounds`` for x of shape (n,)). ``f`` is evaluated once more than the scheme needs, at
    ``x``, to learn k. A scalar return counts as k = 1.

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
    box = None if bounds is None else _bounded.box_for(bounds, xw)
    if workers is not None:
        pool = scaleout.check_workers(workers)
        steps = (_probe.pool_steps(cache.get(f, jit), f, pool, xw, args, x_dtype)
                 if step is None else steps_array(step, xw.shape[0]))
        if box is not None:
            out = _bounded.jacobian_within(None, f, pool, xw, code, steps, args, box, False)
            if out is not None:
                return out
        factory = partial(registry.source, registry.for_scheme("jacobian", code))
        status, out = scaleout.run(factory, f, pool, (xw, code, steps), args,
                                   dummy=np.zeros(1))
        check_status(status, xw, steps)
        return out
    obj = cache.get(f, jit)
    auto = _probe.probe(obj, xw, args, x_dtype=x_dtype, strict=jit is True)
    steps = auto if step is None else steps_array(step, xw.shape[0])
    if box is not None:
        out = _bounded.jacobian_within(obj, f, None, xw, code, steps, args, box, jit is True)
        if out is not None:
            return out
    status, out = obj.run(registry.for_scheme("jacobian", code), xw, code, steps, args,
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
    bounds=None,
) -> np.ndarray:
    """Hessian of ``f(x, *args) -> float`` at ``x`` of shape (n,); returns (n, n), symmetric.

    Notes
    -----
    Central second differences, error O(h**2): ``H_ii = (f(x+h_i e_i) - 2 f(x) +
    f(x-h_i e_i)) / h_i**2`` and ``H_ij = (f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j)``,
    2n**2 + 1 evaluations. Automatic step ``h_i = eps**(1/4) * max(1, |x_i|)`` (rounding error
    about eps / h**2 ~ 1e-8 relative), divided by the step actually taken. The upper triangle
    is mirrored, so the result is exactly symmetric. ``workers`` and ``bounds`` as in
    :func:`gradient`; near a bound the differences in that coordinate are one-sided, still
    O(h**2) (``(2 f(x) - 5 f(x+h) + 4 f(x+2h) - f(x+3h)) / h**2`` on the diagonal), with
    about three times the rounding error, and the evaluations are no longer ``2n**2 + 1``.
    """
    check_callable(f)
    check_args(args)
    xw = as_float_array(x, "x", ndims=(1,))
    n = xw.shape[0]
    x_dtype = _low_precision(x)
    out = np.empty((n, n))
    box = None if bounds is None else _bounded.box_for(bounds, xw)
    if workers is not None:
        pool = scaleout.check_workers(workers)
        steps = (_probe.pool_steps(cache.get(f, jit), f, pool, xw, args, x_dtype)
                 if step is None else hessian_steps(step, n))
        if box is not None and _bounded.hessian_within(None, f, pool, xw, steps, args, box,
                                                       out, False) is not None:
            return out
        status = scaleout.run(partial(registry.source, "hessian"), f, pool,
                              (xw, HESSIAN, steps, out), args)
        check_status(status, xw, steps)
        return out
    obj = cache.get(f, jit)
    auto = _probe.probe(obj, xw, args, x_dtype=x_dtype, strict=jit is True)
    steps = auto if step is None else hessian_steps(step, n)
    if box is not None and _bounded.hessian_within(obj, f, None, xw, steps, args, box, out,
                                                   jit is True) is not None:
        return out
    status = obj.run("hessian", xw, HESSIAN, steps, out, args, strict=jit is True)
    check_status(status, xw, steps)
    return out


HESSIAN_MIN_STEP = math.sqrt(sys.float_info.min)
"""The least step :func:`hessian` takes from the user (1.5e-154): below it ``h**2``, the
divisor of a second difference, underflows (to 0 at 1e-162: a NaN or inf Hessian)."""


def hessian_steps(step, n: int) -> np.ndarray:
    """The user's ``step`` of :func:`hessian` as the kernels' step array
    (:func:`steps_array`), refusing a step whose square underflows."""
    steps = steps_array(step, n)
    if steps.min() < HESSIAN_MIN_STEP:
        raise ValueError(
            f"step is too small for a Hessian: its square, the divisor of a second "
            f"difference, underflows below {HESSIAN_MIN_STEP:.2g} (got {_show(step)}); use a "
            "larger step or step=None"
        )
    return steps


SCHEMES_DOC = _SCHEMES_DOC

for _fn in (derivative, gradient, jacobian):
    _fn.__doc__ = _fn.__doc__.replace("{schemes}", _SCHEMES_DOC).replace("{bounds}", _BOUNDS_DOC)
