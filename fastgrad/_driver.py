"""The one generic optimization loop, for one start and for a batch of starts.

Factories here take the objective and a gradient kernel ``*_into(x, scheme, steps, out,
args, f0)`` (``f0 = f(x)``, which the loop always has: the one-sided schemes use it, the others
ignore it) and return plain Python functions: compiled by :mod:`fastgrad._jit` for the Numba
engine, run as they are on the Python engine (one source for both). The methods' updates
(:mod:`fastgrad._methods`) do not depend on the objective: one compiled loop per objective
serves every method, and the updates are compiled once for all objectives.

A run's state lives in arrays with a leading axis of starts, so that one start is row 0 of a
batch of one and a batched run calls the very same compiled single-start loop for each row,
one after another or in a ``prange`` over threads (row i of a batch therefore equals the
single run from ``x0[i]``, bit for bit, either way):

========  ===============  ===============================================================
array     shape            content
========  ===============  ===============================================================
X, G      (m, n)           iterate and gradient there
FV        (m, 2)           f at the iterate, f at x0
INFO      (m, 5)           nit, nfev, njev, status, complex-step fallbacks
STATE     (m, rows, n)     method memory (:mod:`fastgrad._methods`)
SCAL      (m, k)           method scalars
WORK      (m, 2, n)        line search: direction and starting point
XH, FH    (m, H, n), (m,H) history (H = 0 without history); row j holds iterate j
========  ===============  ===============================================================

The loop runs until the run stops, reaches iteration ``stop``, has spent a budget of
evaluations of f, or has passed the deadline of ``max_time``, then returns: Python calls the
callback, checks the time limit and notices a KeyboardInterrupt between such chunks
(:mod:`fastgrad.minimize` sizes the budget so that a chunk lasts about 50 ms). The deadline is
also checked inside the loop, on :func:`fastgrad._clock.clock` read about every
:data:`CLOCK_SECONDS`, and before a start is first evaluated: a start that has not begun when
time is up is left untouched (status ``NOT_STARTED``). Every chunk leaves the whole state in
the arrays, so a run can stop between two chunks and still report its last iterate; a short
run is one call.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from . import _fd_kernels as K
from . import _jit
from ._clock import clock
from ._fd_kernels import ZERO_STEP, extra_evaluations_of, fallbacks_of
from ._jit import jit_cached
from ._objective import _LOCK, OBJECTIVE, not_compilable
from ._methods import Method, update
from ._scalar import as_real
from .result import (
    CONVERGED,
    DIVERGED,
    LINE_SEARCH,
    MAX_ITER,
    NOT_STARTED,
    RUNNING,
    STEP_TOO_SMALL,
)

NIT, NFEV, NJEV, STATUS, FALLBACKS = range(5)
"""Columns of INFO."""

UNLIMITED = 2**62
"""A budget of evaluations that no chunk reaches."""

CLOCK_SECONDS = 1e-3
"""With a deadline, the loop reads the clock about this often (it doubles the evaluations
between two reads while they come sooner, halves them when they come more than twice as
late): a run stops at most about this long, plus one iteration, after its deadline, and a read
(30 ns) costs well under 1% of the run."""


def make_value(f):
    """``value(x, args, info) -> f(x, *args)`` as a float, counted in ``info``."""

    def value(x, args, info):
        info[NFEV] += 1
        return as_real(f(x, *args))

    return value


def make_gradient(gradient_into):
    """``gradient(x, g, scheme, steps, args, cost, info, fx) -> status``: the kernel into
    ``g`` at ``x``, where f is ``fx``, counted (``cost`` evaluations of f per gradient) and
    checked."""

    def gradient(x, g, scheme, steps, args, cost, info, fx):
        code = gradient_into(x, scheme, steps, g, args, fx)
        info[NJEV] += 1
        info[NFEV] += cost
        if code > 0:  # complex step: components recomputed by central4, evaluations beyond
            info[NFEV] += extra_evaluations_of(code)  # the 2n + 4 counted in cost
            info[FALLBACKS] += fallbacks_of(code)
        if code == ZERO_STEP:
            return STEP_TOO_SMALL
        if code < 0:
            return DIVERGED
        for i in range(g.shape[0]):
            if not np.isfinite(g[i]):
                return DIVERGED
        return RUNNING

    return gradient


@jit_cached
def backtrack(t, ft, fx, slope):
    """Next trial step after ``t`` failed: the minimizer of the quadratic through f(0),
    f'(0) = slope and f(t), kept in [t/10, t/2]; t/10 when f(t) is not finite."""
    if not np.isfinite(ft):
        return 0.1 * t
    curvature = 2.0 * (ft - fx - slope * t)
    trial = -slope * t * t / curvature if curvature > 0.0 else 0.5 * t
    return min(max(trial, 0.1 * t), 0.5 * t)


def without_f0(gradient_into):
    """A kernel ``*_into(x, scheme, steps, out, args)`` that has no use for ``f(x)`` (the
    complex step) with the driver's signature, which passes it."""

    def gradient_at(x, scheme, steps, out, args, f0):
        return gradient_into(x, scheme, steps, out, args)

    return gradient_at


def make_jac_into(jac):
    """Adapter giving an analytic ``jac(x, *args) -> (n,)`` the gradient kernels' signature."""

    def jac_into(x, scheme, steps, out, args, f0):
        value = jac(x, *args)
        if len(value) != x.shape[0]:  # checked at x0 in Python; here at every iterate
            raise ValueError(
                "jac must return an array of shape (n,), the shape of x: it returned another "
                "length at an iterate after x0"
            )
        for i in range(x.shape[0]):
            out[i] = value[i]
        return 0

    return jac_into


def make_single(value, gradient):
    """The loop of start ``r`` of the state arrays: test, update, evaluate, record, until it
    stops, reaches iteration ``stop`` or has evaluated f ``budget`` times in this call;
    returns the status (``RUNNING`` if the run goes on in a later call).

    ``settings = (scheme, cost, gtol, max_iter, stop, budget, c1, max_linesearch,
    deadline)`` (scalars only: a ``prange`` cannot pass nested tuples; ``deadline`` is a time
    of :func:`fastgrad._clock.clock`, ``inf`` for none); ``work`` (2, n) holds the search
    direction and the point the line search starts from. The row is taken here, in compiled
    code, so that a single start costs Python no indexing. A start that has not been
    evaluated yet when the deadline has passed is not started (it returns ``NOT_STARTED``).
    """

    def single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
               settings):
        x, g, fv, info, state, scalars = X[r], G[r], FV[r], INFO[r], STATE[r], SCAL[r]
        work, xh, fh = WORK[r], XH[r], FH[r]
        scheme, cost, gtol, max_iter, stop, budget, c1, max_ls, deadline = settings
        status = info[STATUS]
        if status >= 0:
            return status
        timed = deadline < np.inf
        if timed and status == NOT_STARTED and clock() >= deadline:
            return status
        fev_stop = info[NFEV] + budget
        clock_at = info[NFEV]  # read the clock once this many evaluations have been made
        interval = 1
        last = -np.inf
        n = x.shape[0]
        record = xh.shape[0] > 0
        if status == NOT_STARTED:
            fx = value(x, args, info)
            if np.isfinite(fx):
                status = gradient(x, g, scheme, steps, args, cost, info, fx)
            else:
                status = DIVERGED
                for i in range(n):
                    g[i] = np.nan
            fv[0] = fx
            fv[1] = fx
            if record:
                for i in range(n):
                    xh[0, i] = x[i]
                fh[0] = fx
        fx = fv[0]
        nit = info[NIT]
        d = work[0]
        base = work[1]
        while status == RUNNING:
            gnorm = 0.0
            for i in range(n):
                gnorm = max(gnorm, abs(g[i]))
            if gnorm <= gtol:
                status = CONVERGED
                break
            if nit >= max_iter:
                status = MAX_ITER
                break
            if nit >= stop or info[NFEV] >= fev_stop:
                break
            if timed and info[NFEV] >= clock_at:
                now = clock()
                if now >= deadline:
                    break
                if now - last < CLOCK_SECONDS:
                    interval *= 2
                elif now - last > 2.0 * CLOCK_SECONDS and interval > 1:
                    interval //= 2
                last = now
                clock_at = info[NFEV] + interval
            for i in range(n):
                base[i] = x[i]
            for attempt in range(2):  # the second, if any, restarts the method
                t = update(method, x, g, state, scalars, params, nit, d, attempt == 1)
                if t == 0.0:  # the method moved x: evaluate there
                    fx = value(x, args, info)
                    if np.isfinite(fx):
                        status = gradient(x, g, scheme, steps, args, cost, info, fx)
                    else:
                        status = DIVERGED
                        for i in range(n):
                            g[i] = np.nan
                    break
                # backtracking line search along d from base: f must decrease
                status = LINE_SEARCH
                slope = 0.0
                for i in range(n):
                    slope += g[i] * d[i]
                if slope < 0.0:
                    for _ in range(max_ls):
                        for i in range(n):
                            x[i] = base[i] + t * d[i]
                        ft = value(x, args, info)
                        if ft < fx and ft <= fx + c1 * t * slope:
                            fx = ft
                            status = gradient(x, g, scheme, steps, args, cost, info, fx)
                            break
                        t = backtrack(t, ft, fx, slope)
                if status != LINE_SEARCH:
                    break
                steepest = True
                for i in range(n):
                    x[i] = base[i]
                    steepest = steepest and d[i] == -g[i]
                if steepest:  # a restart would search along the same direction
                    break
            if status == LINE_SEARCH:  # x, f and g are those of the last iterate
                break
            nit += 1
            if record:
                for i in range(n):
                    xh[nit, i] = x[i]
                fh[nit] = fx
        fv[0] = fx
        info[NIT] = nit
        info[STATUS] = status
        return status

    return single


def make_batched(single):
    """Run ``single`` over the rows of a batch; compiled with ``parallel=True``. Returns the
    number of rows still running (or not started).

    ``finished[r]`` is set once row r has run its chunk: a row whose objective raised stays
    False (Numba does not carry an exception out of a parallel loop).
    """

    def batched(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
                settings, finished):
        left = 0
        for r in prange(X.shape[0]):
            status = single(r, X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params,
                            steps, args, settings)
            finished[r] = True
            if status < 0:
                left += 1
        return left

    return batched


class Driver:
    """The compiled (or Python) single-start loop of one objective and gradient.

    One driver serves every method (the method is an argument). ``single`` is built at
    once; ``batched`` (the parallel loop) on its first use only, so a run that never needs
    threads never compiles it.
    """

    __slots__ = ("engine", "single", "_batched", "warm", "prepared")

    def __init__(self, engine: str, single):
        self.engine = engine
        self.single = single
        self._batched = None
        self.warm = set()  # the modes (parallel or not) that have run: compiled for good
        self.prepared = set()  # (parallel, Numba type of args) compiled by prepare()

    def compiles(self, parallel: bool) -> bool:
        """True if a chunk in this mode may compile first (Numba compiles on the first call;
        an interrupt in the middle of that is not safe, so the caller defers it)."""
        return self.engine == "jit" and parallel not in self.warm

    @property
    def batched(self):
        if self._batched is None:
            source = make_batched(self.single)
            self._batched = _jit.jit_parallel(source) if self.engine == "jit" else source
        return self._batched

    def prepare(self, run: "Run", parallel: bool) -> float:
        """Compile the loop for ``run`` (the parallel one with ``parallel=True``) without
        running it; the seconds it took (0 when it was compiled already, and on the Python
        engine). ``minimize`` does not count them against ``max_time``."""
        if self.engine != "jit":
            return 0.0
        # Of the loop's arguments only the types of the extra arguments of f vary from run
        # to run: the key of what is compiled (typing all of them would cost 0.3 ms a call)
        key = (parallel, numba.typeof(run.args))
        if key in self.prepared:
            return 0.0
        begin = clock()
        arguments = self._arguments(run, run.fixed + (0, 0) + run.line_search + (np.inf,))
        if parallel:
            arguments += (np.zeros(0, dtype=np.bool_),)
        loop = self.batched if parallel else self.single
        if not parallel:
            arguments = (0,) + arguments
        loop.compile(tuple(numba.typeof(a) for a in arguments))
        self.warm.add(parallel)
        self.prepared.add(key)
        return clock() - begin

    @staticmethod
    def _arguments(run: "Run", settings: tuple) -> tuple:
        return (run.X, run.G, run.FV, run.INFO, run.STATE, run.SCAL, run.WORK, run.XH, run.FH,
                run.method, run.params, run.steps, run.args, settings)

    def run(self, run: "Run", stop: int, budget: int, parallel: bool = False,
            deadline: float = np.inf) -> bool:
        """Advance every unfinished start of ``run`` up to iteration ``stop``, spending at
        most about ``budget`` evaluations of f per start, and not past ``deadline`` (a time
        of :func:`fastgrad._clock.clock`); True if some start goes on (or has not started).

        The starts run one after another, or with ``parallel=True`` over threads (the
        parallel loop is compiled on its first use)."""
        settings = run.fixed + (stop, budget) + run.line_search + (deadline,)
        if self.engine == "python":  # silent, as compiled code: non-finite values are
            with np.errstate(all="ignore"):  # reported in the result instead
                return self._run(run, settings, parallel)
        if parallel not in self.warm:
            running = self._run(run, settings, parallel)
            self.warm.add(parallel)
            return running
        return self._run(run, settings, parallel)

    def _run(self, run: "Run", settings: tuple, parallel: bool) -> bool:
        if not parallel:
            single, left = self.single, False
            for r in range(run.X.shape[0]):
                left |= single(r, run.X, run.G, run.FV, run.INFO, run.STATE, run.SCAL,
                               run.WORK, run.XH, run.FH, run.method, run.params, run.steps,
                               run.args, settings) < 0
            return left
        finished = np.zeros(run.X.shape[0], dtype=np.bool_)
        left = 0
        previous = numba.set_parallel_chunksize(1)  # runs differ in length: hand out
        try:  # rows one at a time instead of equal blocks per thread
            left = _jit.launch_parallel(self.batched, (
                run.X, run.G, run.FV, run.INFO, run.STATE, run.SCAL, run.WORK, run.XH,
                run.FH, run.method, run.params, run.steps, run.args, settings, finished))
        except SystemError:  # the objective raised on the main thread
            pass
        finally:
            numba.set_parallel_chunksize(previous)
        for r in np.flatnonzero(~finished):
            self._raise_from_row(run, r, settings)
        return left > 0

    def _raise_from_row(self, run: "Run", r: int, settings: tuple) -> None:
        """Run start ``r`` again from its x0 on this thread, so that the exception its
        objective raised in the parallel loop reaches the caller (up to the same iteration
        ``stop``, with no budget: the rerun is deterministic and raises where the row did)."""
        settings = settings[:5] + (UNLIMITED,) + settings[6:8] + (np.inf,)
        fresh = run.start(r)
        self.single(0, fresh.X, fresh.G, fresh.FV, fresh.INFO, fresh.STATE, fresh.SCAL,
                    fresh.WORK, fresh.XH, fresh.FH, fresh.method, fresh.params, fresh.steps,
                    fresh.args, settings)
        raise RuntimeError(
            f"the objective raised an exception for start {r} of the batch in a parallel "
            "thread, and did not raise it again when that start was rerun alone"
        )


def driver_scope(gradient_key: str, jac_obj=None) -> tuple:
    """The failure scope of a compiled driver (:meth:`fastgrad._objective.Objective.recover`)."""
    return ("minimize", gradient_key, jac_obj)


def get_driver(obj, gradient_key: str, jac_obj=None, args: tuple = (),
               strict: bool = False) -> Driver:
    """The cached :class:`Driver` of objective ``obj`` (kept in ``obj.extra``).

    ``gradient_key`` is the finite-difference kernel name ("gradient" or "complex_gradient")
    or "analytic", with ``jac_obj`` the :class:`~fastgrad._objective.Objective` of ``jac``.
    The Python engine is used when either ``f`` or ``jac`` runs on it, or when Numba could
    not compile this driver (or ``f``, ``jac`` or the gradient kernel) for the types of
    ``args`` before (``strict``: a ``TypeError`` instead).
    """
    engine = obj.engine if jac_obj is None or jac_obj.engine == "jit" else "python"
    if engine == "jit" and not (obj.fast and (jac_obj is None or jac_obj.fast)):
        reason = obj.failed(driver_scope(gradient_key, jac_obj), args) or (
            obj.failed(gradient_key, args) if jac_obj is None
            else jac_obj.failed(OBJECTIVE, args))
        if reason is not None:
            if strict:
                raise not_compilable(reason)
            engine = "python"
    key = ("minimize", gradient_key, jac_obj, engine)
    driver = obj.extra.get(key)
    if driver is None:
        with _LOCK:  # threads that start together build one driver (Numba compiles lazily)
            driver = obj.extra.get(key)
            if driver is None:
                driver = _build_driver(obj, engine, gradient_key, jac_obj)
                obj.extra[key] = driver
    return driver


def _build_driver(obj, engine: str, gradient_key: str, jac_obj) -> Driver:
    python = engine == "python"
    compile_ = (lambda fn: fn) if python else _jit.jit
    kernel_of = obj.python_kernel if python else obj.kernel
    if jac_obj is not None:
        kernel = compile_(make_jac_into(jac_obj.python_f if python else jac_obj.callable))
    elif gradient_key == "gradient":  # one-sided schemes reuse f at the iterate
        kernel = compile_(K.make_gradient_at(kernel_of("gradient_range")))
    else:
        kernel = compile_(without_f0(kernel_of(gradient_key)))
    value = compile_(make_value(obj.python_f if python else obj.callable))
    gradient = compile_(make_gradient(kernel))
    return Driver(engine, compile_(make_single(value, gradient)))


class Run:
    """The state arrays of m starts (see the module docstring), and what the loop needs."""

    __slots__ = ("x0", "method_spec", "method", "params", "steps", "args", "fixed",
                 "line_search", "X", "G", "FV", "INFO", "STATE", "SCAL", "WORK", "XH", "FH")

    def __init__(self, X: np.ndarray, method: Method, params: np.ndarray, steps: np.ndarray,
                 args: tuple, fixed: tuple, capacity: int, keep_x0: bool = False):
        """``X`` (m, n) is the caller's own float64 copy of the starts: it becomes the
        iterate. ``fixed = (scheme, gradient cost, gtol, max_iter)``; the line search
        constants come from the method's options ``c1`` and ``max_linesearch`` where it has
        them. ``keep_x0`` keeps a copy of the starts, to rerun one alone (:meth:`start`)."""
        m, n = X.shape
        self.x0 = X.copy() if keep_x0 else None
        self.method_spec = method
        self.method, self.params, self.steps, self.args = method.code, params, steps, args
        self.fixed = fixed
        self.line_search = (
            (method.option(params, "c1", 1e-4), int(method.option(params, "max_linesearch", 40)))
            if method.options else (1e-4, 40)
        )
        self.X = X
        self.G = np.zeros((m, n))
        self.FV = np.zeros((m, 2))
        self.INFO = np.zeros((m, 5), dtype=np.int64)
        self.INFO[:, STATUS] = NOT_STARTED
        self.STATE, self.SCAL = method.init(m, n, params)
        self.WORK = np.zeros((m, 2, n))
        if capacity:
            self.XH = np.full((m, capacity, n), np.nan)
            self.FH = np.full((m, capacity), np.nan)
        else:
            self.XH = np.empty((m, 0, n))
            self.FH = np.empty((m, 0))

    def start(self, r: int) -> "Run":
        """A fresh run of start ``r`` alone, without history."""
        return Run(self.x0[r:r + 1].copy(), self.method_spec, self.params, self.steps,
                   self.args, self.fixed, 0)

    @property
    def capacity(self) -> int:
        """Rows of history; iterations up to ``capacity - 1`` can be recorded."""
        return self.XH.shape[1]

    def grow_history(self, capacity: int) -> None:
        """Enlarge the history arrays to ``capacity`` rows, keeping what they hold."""
        m, old, n = self.XH.shape
        xh = np.full((m, capacity, n), np.nan)
        fh = np.full((m, capacity), np.nan)
        xh[:, :old] = self.XH
        fh[:, :old] = self.FH
        self.XH, self.FH = xh, fh


def pooled_driver(obj, gradient_key: str, executor) -> Driver:
    """A Python-engine driver whose finite-difference gradients are evaluated by
    ``executor`` (``minimize(..., workers=)``): the iterations, the line search and every
    decision stay here; only the stencil's evaluations of f go out, one batch per gradient
    (:mod:`fastgrad._scaleout`)."""
    from . import _scaleout

    if gradient_key == "complex_gradient":
        def factory(g):
            return without_f0(K.make_complex_gradient(K.make_complex_check(g), g))
    else:
        def factory(g):  # the same kernel as the Python engine's (_build_driver)
            return K.make_gradient_at(K.make_gradient_range(g))
    f = obj.python_f

    def pooled_into(x, scheme, steps, out, args, f0):
        def with_f0(kernel):  # _scaleout.run passes args last; f0 follows it
            return lambda *arguments: kernel(*arguments, f0)

        return _scaleout.run(factory, f, executor, (x, scheme, steps, out), args, wrap=with_f0)

    return Driver("python", make_single(make_value(f), make_gradient(pooled_into)))
