"""Public :func:`minimize`: validate, allocate, run the compiled driver in chunks, report."""

from __future__ import annotations

import concurrent.futures
import inspect
import itertools
import signal
import threading
import time
import warnings
from typing import Any, Callable

import numpy as np
from . import _objective, _probe
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from . import _scaleout
from ._clock import clock
from ._driver import (
    FALLBACKS, NFEV, NIT, NJEV, STATUS, Driver, Run, driver_scope, get_driver, pooled_driver,
)
from ._scaleout import check_workers
from ._methods import get_method
from .differentiate import complex_step_message
from ._objective import FastgradWarning, is_compile_error
from ._validate import (
    _show,
    all_finite,
    as_float_array,
    check_args,
    check_bool,
    check_callable,
    check_float,
    check_int,
    check_max_time,
    low_precision as _low_precision,
    nonfinite_message,
    scheme_code,
    steps_array,
    unknown_keyword_hint,
)
from .result import (
    CALLBACK,
    INTERRUPTED,
    MAX_TIME,
    NOT_RUN,
    NOT_STARTED,
    RUNNING,
    OptimizeResult,
    status_message,
)
from .steps import CENTRAL, CENTRAL4, COMPLEX

HISTORY_CHUNK = 1024
"""History arrays start with this many rows and double when full, so their memory follows
the iterations actually run, not ``max_iter``."""

FIRST_CHUNK = 10_000
"""Evaluations of f per start in the first compiled chunk of a run. A short run is one
compiled call (the seeds' 500 iterations of gd in 3-d take 3,507 evaluations); a long one
comes back to Python after the first chunk, and then about every :data:`CHUNK_SECONDS`."""

FIRST_CHUNK_PYTHON = 200
"""The same on the Python engine, where one evaluation costs microseconds, not nanoseconds."""

PARALLEL_MIN_ROWS = 64
"""Batches of at least this many starts run over threads from the first chunk on."""

PARALLEL_MIN_SECONDS = 5e-3
"""A smaller batch runs its starts one after another, and over threads from the next chunk on
once a chunk took this long: short runs of a few starts pay neither the compilation of the
parallel loop (seconds, once per objective) nor its launch (tens of microseconds on an idle
machine, milliseconds when the other cores are busy)."""

CHUNK_SECONDS = 0.05
"""Target duration of a chunk after the first: how often a long run notices Ctrl-C (the
deadline of ``max_time`` is also checked inside a chunk, see
:data:`fastgrad._driver.CLOCK_SECONDS`). The evaluation budget of the next chunk is the
measured rate times this (at most 16 times the previous budget)."""

FIRST_CHUNK_TIMED = 1
"""The first chunk of a batch with ``max_time``, or run as a chunk of ``workers=``: each start
only evaluates f and its gradient at x0, so that every start begins before the first one runs
on, and the rate of evaluations is known for the next chunks (which last about
:data:`CHUNK_SECONDS`: a ``workers=`` chunk notices the batch's stop that soon)."""


def _gradient_cost(code: int, n: int) -> int:
    """Evaluations of f per finite-difference gradient. Complex step: two steps per
    component and the 4 of the real directional check; evaluations beyond (central4
    fallbacks, third steps) are reported by the kernel and counted apart."""
    if code == COMPLEX:
        return 2 * n + 4
    if code == CENTRAL:
        return 2 * n
    if code == CENTRAL4:
        return 4 * n
    return n  # forward, backward: n steps; f(x) is the loop's own value at the iterate


def _check_jac(jac, step):
    """``(kind, scheme code)``: kind "analytic" or a finite-difference kernel name."""
    if callable(jac):
        if step is not None:
            raise ValueError(
                f"step applies to finite-difference gradients only; jac is a callable, "
                f"so step must be None, got {_show(step)}"
            )
        return "analytic", CENTRAL
    if not isinstance(jac, str):
        raise TypeError(
            "jac must be a finite-difference scheme name or a callable jac(x, *args), "
            f"got {type(jac).__name__} {_show(jac)}"
        )
    try:
        code = scheme_code(jac, "jac")
    except ValueError as exc:
        raise ValueError(f"{exc}; or pass a callable jac(x, *args)") from None
    return ("complex_gradient" if code == COMPLEX else "gradient"), code


def _check_arity(obj, count: int, name: str) -> None:
    """Check once per objective and ``len(args)`` that ``f(x, *args)`` can be called: Numba
    would otherwise report a missing argument as a function it cannot compile."""
    key = ("arity", count)
    if key in obj.extra:
        return
    fn = getattr(obj.f, "py_func", obj.f)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (a ufunc, a builtin)
        signature = None
    if signature is not None:
        try:
            signature.bind(*range(1 + count))
        except TypeError:
            raise TypeError(
                f"{name} must accept x and the {count} extra argument(s) in args, as "
                f"{name}(x, *args); {getattr(fn, '__name__', name)}{signature} cannot be called "
                f"with {1 + count} positional argument(s)"
            ) from None
    obj.extra[key] = True


def _check_jac_output(jac_obj, x: np.ndarray, args: tuple, strict: bool) -> None:
    """Call ``jac`` once at the first start and check that it returns shape (n,)."""
    value = jac_obj.call(x.copy(), args, strict)
    arr = np.asarray(value)
    if arr.shape != x.shape or arr.dtype.kind not in "fiu":
        raise ValueError(
            f"jac must return a real array of shape {x.shape} (the shape of x), got "
            f"{'shape ' + str(arr.shape) if arr.dtype.kind in 'fiuc' else _show(value)} "
            f"of dtype {arr.dtype}"
        )


def minimize(
    f: Callable[..., float],
    x0,
    *,
    method: str = "gd",
    jac: str | Callable[..., Any] = "central",
    lr: float = 1e-2,
    max_iter: int = 1000,
    gtol: float = 1e-6,
    history: bool = False,
    callback: Callable[[OptimizeResult], Any] | None = None,
    callback_every: int | None = None,
    args: tuple = (),
    step=None,
    jit: bool | None = None,
    max_time: float | None = None,
    workers=None,
    **method_options,
) -> OptimizeResult:
    """Minimize ``f(x, *args) -> float`` from ``x0``, or from each row of ``x0`` in parallel.

    Parameters
    ----------
    f : callable
        Objective ``f(x, *args)`` of a float64 array ``x`` of shape (n,), returning a float.
        Compiled with Numba in nopython mode (a ``numba.njit`` function is used as it is);
        if Numba cannot compile it, the whole run uses the Python engine after a
        ``FastgradWarning``. ``f`` gets fastgrad's own workspace, never the caller's array.
    x0 : array_like, shape (n,) or (m, n)
        Start, or m starts run as m independent optimizations: over cores when there are
        64 or more of them, or once a chunk of the run has taken 5 ms (a short run of a few
        starts runs them one after another, which is faster than starting threads).
        Copied to float64 (integers are fine); never modified.
    method : {"gd", "momentum", "nesterov", "adam", "lbfgs"}, optional
        Update rule (see Notes). Default "gd". Use "lbfgs" when you do not want to tune a
        learning rate.
    jac : str or callable, optional
        Finite-difference scheme ("central" (default), "forward", "backward", "central4",
        "complex", or SciPy's aliases), or an analytic gradient ``jac(x, *args) -> (n,)``,
        compiled like ``f``.
    lr : float, optional
        Learning rate of gd, momentum, nesterov and adam (default 1e-2); lbfgs ignores it.
    max_iter : int, optional
        Maximum number of iterations (default 1000).
    gtol : float, optional
        Success when ``||g||_inf <= gtol`` (default 1e-6). ``gtol=0`` runs ``max_iter``
        iterations unless the gradient is exactly zero.
    history : bool, optional
        If True, the result also holds ``x_history`` (nit + 1, n) and ``f_history``
        (nit + 1,). Memory grows with the iterations run: 8 (n + 1) bytes per iteration and
        start (a batch of m starts keeps m such histories).
    callback : callable, optional
        ``callback(intermediate_result)`` after every ``callback_every`` iterations while
        the run goes on; ``intermediate_result`` is an :class:`OptimizeResult` with ``x``,
        ``fun``, ``jac``, ``nit``, ``nfev``, ``njev`` (batched: of every start). Raising
        ``StopIteration`` or returning True stops the run (status 3) and keeps its result.
    callback_every : int, optional
        Iterations between callbacks (default 1 when a callback is given). The loop runs
        compiled between callbacks, so without a callback it is one compiled call.
    args : tuple, optional
        Extra arguments passed to ``f`` and ``jac`` (data arrays such as ``X, y``).
    step : None, float or array_like of shape (n,), optional
        Absolute finite-difference step; None (default) chooses the relative step of the
        scheme (see :func:`fastgrad.gradient`).
    jit : bool or None, optional
        None (default): compile when Numba can; True: require compilation; False: Python.
    workers : int or executor, optional
        Scale out (see :func:`fastgrad.gradient`). One start: the run stays here, on the
        Python engine, and the evaluations of each finite-difference gradient go to the
        pool in one batch (results identical to ``jit=False``). A batch of starts (m, n):
        the starts are split into chunks, each chunk is run by ``minimize`` (compiled) on a
        worker, and the results are gathered into one (identical to the local batched run).
        An int is a local thread pool of that size; otherwise an executor with ``map``
        (``concurrent.futures``, ``dask.distributed.Client.get_executor()``). Not with a
        callback; one start needs a finite-difference ``jac``.
    max_time : float or None, optional
        Wall-clock limit in seconds on the iterations: counted from when they begin, after
        the arguments are checked; the time Numba spends compiling (the objective and the
        loop on the first call with an objective, the parallel loop the first time a batch
        goes over threads) is not counted, everything else is (f, the callback, Python
        between chunks). The loop reads the clock about every millisecond and stops within
        one iteration after the limit: every start still running stops with status 5 and
        its last iterate; a start of a batch that had not begun stops with status 8 (x is
        its x0, ``fun`` NaN). With ``workers=`` and a batch, all chunks share the one
        deadline (a chunk that begins after it runs nothing). None (default): no limit.
    **method_options
        Options of the method, by name: momentum, nesterov: ``momentum=0.9`` (in [0, 1));
        adam: ``beta1=0.9``, ``beta2=0.999`` (in [0, 1)), ``eps=1e-8``; lbfgs:
        ``memory=10`` (pairs kept), ``c1=1e-4`` (Armijo constant, in (0, 1)),
        ``max_linesearch=40`` (trial steps per iteration).

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, nit, nfev, njev, success, status, message`` (and the histories). For
        a batch, the same fields with a leading axis m, ``message`` a list, ``best`` the
        index of the lowest finite ``fun``, and history rows padded with NaN after their own
        ``nit + 1`` entries. Status codes: :data:`fastgrad.result.STATUS`.

    Notes
    -----
    With g the gradient at the iterate x, the updates are:

    * gd: ``x <- x - lr g``.
    * momentum (heavy ball): ``v <- momentum v - lr g``, ``x <- x + v``.
    * nesterov: ``v <- momentum v - lr g``, ``x <- x + momentum v - lr g`` (the look-ahead
      form of Sutskever et al.: one gradient per iteration).
    * adam: ``m <- beta1 m + (1 - beta1) g``, ``v <- beta2 v + (1 - beta2) g**2``,
      ``x <- x - lr (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)``, t = 1, 2, ...
    * lbfgs: ``d = -H g`` by the two-loop recursion over the last ``memory`` pairs
      ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k`` (``H_0 = s'y / y'y``; pairs with
      ``s'y <= 0`` are skipped), then a backtracking line search from t = 1 (safeguarded
      quadratic interpolation) accepts the first t with ``f(x + t d) <= f(x) + c1 t g'd``
      and ``f(x + t d) < f(x)``: f decreases at every iteration. If no step decreases f
      along d, the search restarts along -g; if that fails too the run stops (status 4).

    f is evaluated at every iterate; ``nfev`` counts every evaluation of f, including
    those inside finite differences (forward and backward differences reuse f at the
    iterate: n evaluations per gradient, not n + 1). A non-finite f or gradient stops that run with
    status 2 ("diverged"; the message says at which iteration, which value and x); in a
    batch, only that start. Row i of a batched result equals the single-start result from
    ``x0[i]``, and results are bit-identical from call to call.

    The compiled loop runs in chunks and returns to Python between them. Ctrl-C
    (KeyboardInterrupt) during a run that has started is *consumed*: every start still
    running stops with status 7 ("interrupted", ``success`` False) and its last iterate, a
    start of a batch that had not begun stops with status 8 ("not started": x is its x0,
    ``fun`` and ``jac`` NaN, never ``best``), ``minimize`` returns that result and emits a
    ``FastgradWarning`` saying so; check ``res.status`` to stop a script. With ``workers=``
    and a batch the same holds: chunks not yet begun are cancelled, chunks running in this
    process (thread pools) stop at the end of their current chunk of iterations, and the
    rows of chunks whose result is not back (other processes, a cluster: after 5 s) get
    status 8; an executor with ``map`` only (no ``submit``) gives no partial result. An
    interrupt that stops no run (it comes before any start has begun, or after every start
    has stopped by itself) is raised as usual. While Python code runs inside a chunk (Numba
    compiling the loop, or f on the Python engine) SIGINT is deferred to the end of the
    chunk when ``minimize`` runs in the main thread under Python's default handler;
    otherwise an interrupt on the Python engine is raised, as the state may be
    mid-iteration. Starts of a batch run one after another (fewer than 64, until a chunk
    took 5 ms) notice Ctrl-C between two starts; over threads, at the end of the chunk.
    ``max_time`` is kept inside the chunks (see above), with status 5.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> def f(x):
    ...     return 2 * (x[0] - 1) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4) ** 2
    >>> res = fastgrad.minimize(f, [10, 10, 10], method="lbfgs")
    >>> res.success, np.round(res.x, 6)
    (True, array([ 1. ,  0.5, -4. ]))
    """
    # ---- validation: every check in one place, before anything runs -------------------
    control = _CHUNK.control  # set when this call is a chunk of workers=
    check_callable(f)
    meth = get_method(method)
    kind, code = _check_jac(jac, step)
    lr = check_float(lr, "lr", "positive")
    max_iter = check_int(max_iter, "max_iter", 1)
    gtol = check_float(gtol, "gtol", "nonnegative")
    if history is not False and history is not True:
        history = check_bool(history, "history")
    if callback is not None:
        check_callable(callback, "callback")
    if callback_every is not None:
        if callback is None:
            raise ValueError(
                f"callback_every={callback_every!r} is given but callback is None"
            )
        callback_every = check_int(callback_every, "callback_every", 1)
    check_args(args)
    if jit is not None and jit is not True and jit is not False:
        raise TypeError(f"jit must be None, True or False, got {_show(jit)}")
    if max_time is not None:
        max_time = check_max_time(max_time)
    if method_options:
        _check_method_options(meth, method_options)
    params = meth.params(lr, method_options)
    X = as_float_array(x0, "x0", ndims=(1, 2))
    batched = X.ndim == 2
    X2 = X if batched else X[None, :]
    if not all_finite(X2):
        raise ValueError(nonfinite_message(X, "x0"))
    n = X2.shape[1]
    user_steps = None if step is None else steps_array(step, n)
    strict = jit is True

    if workers is not None:
        workers = check_workers(workers)
        if callback is not None:
            raise ValueError("workers= cannot be combined with a callback")
        if batched:
            return _scaleout_batch(f, X2, workers, dict(
                method=method, jac=jac, lr=lr, max_iter=max_iter, gtol=gtol,
                history=history, args=args, step=step, jit=jit, max_time=max_time,
                **method_options), None if max_time is None else time.time() + max_time)
        if kind == "analytic":
            raise ValueError("workers= sends out the evaluations of finite differences; with "
                             "an analytic jac there are none: drop workers or jac")
        jit = False

    # ---- objective, gradient and driver -------------------------------------------------
    obj = _objective.get(f, jit)
    _check_arity(obj, len(args), "f")
    jac_obj = None
    if kind == "analytic":
        jac_obj = _objective.get(jac, jit)
        _check_arity(jac_obj, len(args), "jac")
        _check_jac_output(jac_obj, X2[0], args, strict)
        _probe.probe(jac_obj, X2[0], args, strict=strict)  # jac reads within x too
    guard = None
    if workers is None:  # first call for this n: bounds and precision of f (fastgrad._probe)
        if (n, len(args)) not in obj.probes:  # Numba may compile f here: defer Ctrl-C
            guard = _SigintGuard()  # as in a chunk that compiles (see _iterate)
        try:
            auto = _probe.probe(obj, X2[0], args, x_dtype=_low_precision(x0), strict=strict)
        except BaseException:
            if guard is not None:
                guard.restore()
            raise
    else:  # f is evaluated on the pool only
        auto = _probe.x_steps(_low_precision(x0))
    # writable: one compiled signature for all
    steps = np.array(auto if user_steps is None else user_steps)
    cost = 0 if kind == "analytic" else _gradient_cost(code, n)
    pool = None
    if workers is None:
        driver = get_driver(obj, kind, jac_obj, args, strict)
    else:
        pool = ThreadPoolExecutor(workers) if isinstance(workers, int) else None
        driver = pooled_driver(obj, kind, pool or workers)
    run = Run(X2, meth, params, steps, args, (code, cost, gtol, max_iter),
              min(max_iter + 1, HISTORY_CHUNK) if history else 0, keep_x0=batched)

    # ---- chunks of compiled iterations; callback, time limit and Ctrl-C between them ----
    def fall_back(exc: BaseException) -> Driver:
        # raises, or runs this driver on Python for these argument types, with a warning
        obj.recover(exc, strict, driver_scope(kind, jac_obj), args)
        return get_driver(obj, kind, jac_obj, args)

    deadline = None
    if control is not None and control.deadline is not None:  # the batch's one deadline
        deadline = clock() + (control.deadline - time.time())
    elif max_time is not None:
        deadline = clock() + max_time
    try:
        interrupted = _iterate(run, driver, fall_back, batched, max_iter, callback,
                               callback_every or 1, history, deadline,
                               None if control is None else control.stopped, guard)
    finally:
        if pool is not None:
            pool.shutdown()
    INFO = run.INFO
    if interrupted:
        INFO[INFO[:, STATUS] == RUNNING, STATUS] = INTERRUPTED
    if interrupted or deadline is not None:  # the only ways a start may not have begun
        INFO[INFO[:, STATUS] == NOT_STARTED, STATUS] = NOT_RUN
        _clear_not_run(run, history)
    if interrupted and control is None:
        _warn_interrupted(INFO[:, STATUS], INFO[:, NIT])
    fallbacks = INFO[0, FALLBACKS] if not batched else INFO[:, FALLBACKS].sum()
    if fallbacks:
        warnings.warn(complex_step_message(int(fallbacks), "gradient component(s)"),
                      FastgradWarning, stacklevel=2)
    return _result(run, batched, history, gtol, max_iter, lr if meth.uses_lr else None,
                   max_time)


_PARAMETERS = tuple(inspect.signature(minimize).parameters)[2:-1]
"""minimize's own keyword arguments, for the hint of an unknown keyword."""


def _warn_interrupted(status: np.ndarray, nit: np.ndarray) -> None:
    """The one warning of a consumed KeyboardInterrupt (stack level: minimize's caller)."""
    not_run = int(np.count_nonzero(status == NOT_RUN))
    rest = (f"; {not_run} of {status.shape[0]} starts had not begun (status {NOT_RUN}, "
            "'not started': x is x0, fun NaN)" if not_run else "")
    warnings.warn(
        f"minimize was interrupted by KeyboardInterrupt after {int(nit.max())} "
        "iterations; the interrupt was consumed and the result reached so far is "
        f"returned (status {INTERRUPTED}, 'interrupted', success False){rest}",
        FastgradWarning,
        stacklevel=3,
    )


class _ChunkLocal(threading.local):
    control = None


_CHUNK = _ChunkLocal()
"""``control``: the :class:`_ChunkControl` of the batch while a thread runs one of its
chunks (``minimize(workers=)`` with a batch), read by that chunk's :func:`minimize`."""

_STOPS: dict = {}
"""Token of a running ``workers=`` batch -> its stop event: a chunk run by a thread of this
process finds it here; a chunk in another process does not, and runs to its end."""

_TOKENS = itertools.count()


class _ChunkControl:
    """What a chunk of a ``workers=`` batch shares with the batch (picklable): its one
    deadline (``time.time()`` seconds, or None) and the token of its stop event."""

    __slots__ = ("deadline", "token")

    def __init__(self, deadline: float | None, token: int):
        self.deadline = deadline
        self.token = token

    def __getstate__(self):
        return self.deadline, self.token

    def __setstate__(self, state):
        self.deadline, self.token = state

    def stopped(self) -> bool:
        """True once the batch was interrupted (only known in the batch's own process)."""
        event = _STOPS.get(self.token)
        return event is not None and event.is_set()


def _minimize_chunk(f, options: dict, control: _ChunkControl, X: np.ndarray) -> OptimizeResult:
    """One chunk of a batched run, on a worker: ``minimize`` under the batch's control, which
    gives it the remaining time and stops it when the batch is interrupted (it then returns
    its result so far, with no warning: the batch warns once)."""
    previous = _CHUNK.control
    _CHUNK.control = control
    try:
        return minimize(f, X, **options)
    finally:
        _CHUNK.control = previous


INTERRUPT_WAIT_SECONDS = 5.0
"""After Ctrl-C, how long a ``workers=`` batch waits for the running chunks of an executor
other than a thread pool (another process, a cluster: they run on to their end) to come back;
the rows of a chunk not back by then get status 8. The chunks of a thread pool stop within a
chunk of iterations (about 50 ms; more while Numba compiles): they are waited for."""


def _scaleout_batch(f, X: np.ndarray, workers, options: dict,
                    deadline: float | None) -> OptimizeResult:
    """Split the starts into chunks, run each with the compiled engine on a worker, and
    gather one batched result (row for row what the local batched run gives).

    The chunks share ``deadline`` (``time.time()`` seconds). On Ctrl-C, chunks not yet begun
    are cancelled, those running in this process are told to stop, and the result so far is
    returned, as :func:`minimize` does without workers."""
    m = X.shape[0]
    count = min(m, workers if isinstance(workers, int) else max(1, CLUSTER_CHUNKS))
    chunks = np.array_split(X, count)
    control = _ChunkControl(deadline, next(_TOKENS))
    stop = _STOPS[control.token] = threading.Event()
    parts: list = [None] * count
    interrupted = False
    try:
        with _scaleout.executor_for(workers) as executor:
            run_chunk = partial(_minimize_chunk, f, options, control)
            submit = getattr(executor, "submit", None)
            if submit is None:  # an executor with map only: no partial results
                parts = list(executor.map(run_chunk, chunks))
            else:
                futures = [submit(run_chunk, chunk) for chunk in chunks]
                try:
                    for i, future in enumerate(futures):
                        parts[i] = future.result()
                except BaseException as exc:
                    stop.set()
                    for future in futures:
                        future.cancel()
                    if not isinstance(exc, KeyboardInterrupt):
                        raise
                    interrupted = True
                    in_process = isinstance(executor, concurrent.futures.ThreadPoolExecutor)
                    parts = _gather(futures, parts,
                                    None if in_process else INTERRUPT_WAIT_SECONDS)
    finally:
        del _STOPS[control.token]
    parts = [p if p is not None else _not_run(chunk, options) for p, chunk in zip(parts, chunks)]
    merged = OptimizeResult()
    for key in ("x", "fun", "jac", "nit", "nfev", "njev", "success", "status"):
        merged[key] = np.concatenate([p[key] for p in parts])
    merged.message = [message for p in parts for message in p.message]
    if options.get("history"):
        rows = int(merged.nit.max()) + 1
        for key in ("x_history", "f_history"):
            padded = []
            for p in parts:
                h = p[key]
                pad = np.full((h.shape[0], rows) + h.shape[2:], np.nan)
                pad[:, : h.shape[1]] = h
                padded.append(pad)
            merged[key] = np.concatenate(padded)
    finite = np.isfinite(merged.fun)
    merged.best = (int(np.flatnonzero(finite)[np.argmin(merged.fun[finite])])
                   if finite.any() else None)
    if interrupted:
        stopped = (merged.status == INTERRUPTED) | (merged.status == NOT_RUN)
        if not stopped.any() or (merged.status == NOT_RUN).all():
            raise KeyboardInterrupt  # it stopped no run: the caller's, as without workers
        _warn_interrupted(merged.status, merged.nit)
    return merged


def _gather(futures: list, parts: list, timeout: float | None) -> list:
    """After Ctrl-C: the results of the chunks that are back, or come back within ``timeout``
    seconds (None: all; a second Ctrl-C is raised)."""
    pending = [f for f, p in zip(futures, parts) if p is None and not f.cancelled()]
    concurrent.futures.wait(pending, timeout=timeout)
    for i, future in enumerate(futures):
        if parts[i] is None and future.done() and not future.cancelled():
            parts[i] = future.result()  # an exception of f is raised, as without Ctrl-C
    return parts


def _not_run(X: np.ndarray, options: dict) -> OptimizeResult:
    """The result of a chunk of starts that never ran (status 8)."""
    m, n = X.shape
    res = OptimizeResult(
        x=X.copy(), fun=np.full(m, np.nan), jac=np.full((m, n), np.nan),
        nit=np.zeros(m, dtype=np.int64), nfev=np.zeros(m, dtype=np.int64),
        njev=np.zeros(m, dtype=np.int64), success=np.zeros(m, dtype=bool),
        status=np.full(m, NOT_RUN, dtype=np.int64),
        message=[status_message(NOT_RUN, nit=0, g=None, x=None, gtol=0.0, max_iter=0,
                                f0=np.nan, fun=np.nan, lr=None)] * m,
    )
    if options.get("history"):
        res.x_history = X[:, None, :].copy()
        res.f_history = np.full((m, 1), np.nan)
    return res


CLUSTER_CHUNKS = 8
"""Chunks a batch of starts is split into for an executor (an int ``workers`` gives one
chunk per worker)."""


def _check_method_options(meth, given: dict) -> None:
    """A keyword that is neither an option of the method nor an argument of minimize, but is
    close to an argument (``setp``, ``maxiter``, ``tol``), is reported as that typo; other
    unknown options get the method's own message (:meth:`fastgrad._methods.Method.params`)."""
    for name in given:
        if name not in meth.options:
            hint = unknown_keyword_hint(name, _PARAMETERS)
            if hint:
                raise TypeError(
                    f"minimize got an unexpected keyword argument {name!r}{hint} (it is not "
                    f"an option of method {meth.name!r} either)"
                )


class _SigintGuard:
    """Defers SIGINT while Python code runs inside a chunk: f on the Python engine, or Numba
    compiling the loop. The handler sets :attr:`caught` instead of raising KeyboardInterrupt
    there, which would leave the run mid-iteration (or Numba's compiler mid-way), and the loop
    stops at the end of the chunk. Installed only in the main thread over Python's default
    handler (a program's own SIGINT handler is left alone); it stays until minimize returns."""

    __slots__ = ("caught", "previous")

    def __init__(self):
        self.caught = False
        self.previous = None
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            self.previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame) -> None:
        self.caught = True

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            self.previous = None


def _iterate(run: Run, driver: Driver, fall_back, batched: bool, max_iter: int, callback,
             every: int, history: bool, deadline: float | None, stopped=None,
             guard: "_SigintGuard | None" = None) -> bool:
    """Run the compiled loop chunk by chunk until every start has stopped.

    Between chunks: the callback (every ``every`` iterations, once all running starts have
    reached the same iteration), the history's growth, the time limit (status
    :data:`MAX_TIME`; ``deadline`` is a time of :func:`fastgrad._clock.clock`, moved on by
    the time Numba spends compiling the loop, which :meth:`Driver.prepare` does apart), the
    size of the next chunk and whether a batch goes on over threads
    (:data:`PARALLEL_MIN_ROWS`, :data:`PARALLEL_MIN_SECONDS`). Returns True when a
    KeyboardInterrupt (or ``stopped()``, a ``workers=`` batch's stop) ended the run; the
    starts still running then keep status RUNNING, and those not begun NOT_STARTED, for the
    caller to mark. ``guard``: a SIGINT guard installed before the run (while Numba compiled
    the objective for its first-call check): an interrupt it caught then is handled as one
    caught while the first chunk compiles, at the end of that chunk.
    """
    INFO = run.INFO
    budget = FIRST_CHUNK if driver.engine == "jit" else FIRST_CHUNK_PYTHON
    if batched and (deadline is not None or stopped is not None):
        budget = FIRST_CHUNK_TIMED  # every start begins; chunks of ~50 ms follow
    parallel = batched and INFO.shape[0] >= PARALLEL_MIN_ROWS
    next_callback = every
    first = True
    finished_interrupted = False  # Ctrl-C came (deferred) in a chunk after which all stopped
    rate = 0.0  # evaluations of f per second and start, measured on the last chunk
    prepared = set()  # loops compiled for this run (with a deadline: before the clock)
    try:
        while True:
            stop = max_iter
            if callback is not None:
                stop = min(stop, next_callback)
            if history:
                stop = min(stop, run.capacity - 1)
            if guard is None and (driver.engine == "python" or driver.compiles(parallel)):
                guard = _SigintGuard()  # Python code runs in the chunk: defer Ctrl-C
            if stopped is not None and stopped():  # the workers= batch was interrupted
                return True
            if guard is not None and guard.caught and not first:
                return _interrupted(INFO)
            first = False
            before = INFO[:, NFEV].copy() if batched else INFO[0, NFEV]
            try:
                if deadline is not None and parallel not in prepared:
                    deadline += driver.prepare(run, parallel)  # compilation is not counted
                    prepared.add(parallel)
                begin = clock()
                running = driver.run(run, stop, budget, parallel,
                                     np.inf if deadline is None else deadline)
            except Exception as exc:  # Numba's refusal comes before the loop ran: the
                if driver.engine == "python" or not is_compile_error(exc):  # state is intact
                    raise
                driver = fall_back(exc)
                budget = FIRST_CHUNK_PYTHON
                prepared.clear()
                continue
            if not running:
                finished_interrupted = guard is not None and guard.caught
                return False
            now = clock()
            if guard is not None and guard.caught:
                return _interrupted(INFO)
            if deadline is not None and now >= deadline:
                INFO[INFO[:, STATUS] == RUNNING, STATUS] = MAX_TIME
                return False
            # the next chunk: about CHUNK_SECONDS long, and not past the deadline
            done = int((INFO[:, NFEV] - before).max()) if batched else int(INFO[0, NFEV] - before)
            elapsed = now - begin
            if batched and elapsed >= PARALLEL_MIN_SECONDS:
                parallel = True
            if done > 0 and elapsed > 0.0:
                rate = done / elapsed
            if done >= budget or elapsed > CHUNK_SECONDS:
                budget = max(1, min(16 * budget, int(rate * CHUNK_SECONDS)))
            if deadline is not None and rate > 0.0:
                budget = max(1, min(budget, int(rate * (deadline - now)) + 1))
            if callback is None and not history:
                continue
            live = INFO[:, STATUS] == RUNNING
            nits = INFO[live, NIT]
            if callback is not None and stop == next_callback and nits.min() >= stop:
                next_callback += every
                try:
                    halt = callback(_intermediate(run, batched)) is True
                except StopIteration:
                    halt = True
                if halt:
                    INFO[live, STATUS] = CALLBACK
                    return False
            if history and stop == run.capacity - 1 and nits.max() >= stop:
                run.grow_history(min(max_iter + 1, 2 * run.capacity))
    except KeyboardInterrupt:
        # Compiled chunks run to their end (the interrupt is raised once a chunk returns, or
        # between two starts run one after another), so the state is consistent. On the
        # Python engine it is not known to be.
        if driver.engine == "python":
            raise
        return _interrupted(INFO)
    finally:
        if guard is not None:
            guard.restore()
        if finished_interrupted:  # the run ended by itself: the interrupt is the caller's
            raise KeyboardInterrupt


def _interrupted(INFO: np.ndarray) -> bool:
    """True (the run was interrupted: consume the interrupt) if the interrupt stopped a run:
    some start had begun, and some start had not finished (running, or not begun). Otherwise
    (none had begun, or all had stopped by themselves) it is the caller's: raised."""
    status = INFO[:, STATUS]
    if (status != NOT_STARTED).any() and (status < 0).any():
        return True
    raise KeyboardInterrupt


def _intermediate(run: Run, batched: bool) -> OptimizeResult:
    X, G, FV, INFO = run.X, run.G, run.FV, run.INFO
    if batched:
        return OptimizeResult(
            x=X.copy(), fun=FV[:, 0].copy(), jac=G.copy(), nit=INFO[:, NIT].copy(),
            nfev=INFO[:, NFEV].copy(), njev=INFO[:, NJEV].copy(),
        )
    return OptimizeResult(
        x=X[0].copy(), fun=float(FV[0, 0]), jac=G[0].copy(), nit=int(INFO[0, NIT]),
        nfev=int(INFO[0, NFEV]), njev=int(INFO[0, NJEV]),
    )


def _clear_not_run(run: Run, history: bool) -> None:
    """Starts that never began (status 8): x stays x0, f and its gradient are unknown."""
    not_run = run.INFO[:, STATUS] == NOT_RUN
    if not_run.any():
        run.FV[not_run] = np.nan
        run.G[not_run] = np.nan
        if history:
            run.XH[not_run, 0] = run.X[not_run]


def _result(run: Run, batched, history, gtol, max_iter, lr, max_time) -> OptimizeResult:
    X, G, FV, INFO, XH, FH = run.X, run.G, run.FV, run.INFO, run.XH, run.FH
    if not batched:
        nit, nfev, njev, status, _ = INFO[0].tolist()
        fun, f0 = FV[0].tolist()
        x, g = X[0], G[0]
        res = OptimizeResult(
            x=x, fun=fun, jac=g, nit=nit, nfev=nfev, njev=njev, success=status == 0,
            status=status,
            message=status_message(status, nit=nit, g=g, x=x, gtol=gtol, max_iter=max_iter,
                                   f0=f0, fun=fun, lr=lr, max_time=max_time),
        )
        if history:
            res.x_history = XH[0, :nit + 1].copy()
            res.f_history = FH[0, :nit + 1].copy()
        return res
    status = INFO[:, STATUS].copy()
    messages = [
        status_message(code, nit=nit, g=G[r], x=X[r], gtol=gtol, max_iter=max_iter, f0=f0,
                       fun=fun, lr=lr, max_time=max_time)
        for r, (code, nit, (fun, f0)) in enumerate(
            zip(status.tolist(), INFO[:, NIT].tolist(), FV.tolist())
        )
    ]
    fun = FV[:, 0].copy()
    finite = np.isfinite(fun)
    res = OptimizeResult(
        x=X, fun=fun, jac=G, nit=INFO[:, NIT].copy(), nfev=INFO[:, NFEV].copy(),
        njev=INFO[:, NJEV].copy(), success=status == 0, status=status, message=messages,
        best=int(np.flatnonzero(finite)[np.argmin(fun[finite])]) if finite.any() else None,
    )
    if history:
        rows = int(res.nit.max()) + 1
        res.x_history = XH[:, :rows].copy()
        res.f_history = FH[:, :rows].copy()
    return res
