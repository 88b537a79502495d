"""The driver of ``minimize``: the compiled loop of :mod:`fastgrad.optimize.loop` built once
per objective, gradient kernel and engine (kept in ``Objective.drivers``), how it runs a chunk
of a :class:`Run` (one start after another, or over threads), and the state arrays of a run.
"""

from __future__ import annotations

import warnings
from functools import partial

import numba
import numpy as np

from .._core import jit as _jit
from .._core.clock import clock
from .. import scaleout
from .._core.objective import _LOCK, OBJECTIVE, FastgradWarning, not_compilable
from ..diff import registry
from .columns import FV_ROW, WORK_ROWS, F, SCHEME, STATUS
from .evaluations import make_gradient, make_jac_into, make_value
from .loop import EVERY, SEARCHING, UNLIMITED, make_batched, make_loop
from .boxloop import make_box_batched, make_box_jac, make_box_loop
from .methods import Method
from .per_start import make_picker, row_args
from .result import NOT_STARTED, RUNNING


class Driver:
    """The compiled (or Python) single-start loop of one objective and gradient.

    One driver serves every method of a family (the method is an argument;
    :func:`~fastgrad.optimize.loop.make_loop`), or every method within bounds. ``single`` is
    built at once; ``batched`` (the parallel loop) on its first use only, so a run that
    never needs threads never compiles it.
    """

    __slots__ = ("engine", "single", "_batched", "warm", "prepared", "bounded")

    def __init__(self, engine: str, single, bounded: bool = False):
        self.engine = engine
        self.single = single
        self.bounded = bounded  # the loop within bounds (fastgrad.optimize.boxloop)
        self._batched = {}  # per-start mask -> parallel loop
        self.warm = set()  # the modes (parallel or not) that have run: compiled for good
        self.prepared = set()  # (parallel, Numba type of args) compiled by prepare()

    def compiles(self, parallel: bool) -> bool:
        """True if a chunk in this mode may compile first (Numba compiles on the first call;
        an interrupt in the middle of that is not safe, so the caller defers it)."""
        return self.engine == "jit" and parallel not in self.warm

    def batched_for(self, mask: tuple = ()):
        """The parallel loop over the rows of a batch whose per-start arguments are those of
        ``mask`` (one compiled loop per mask, built on first use; the bounded loop takes no
        per-start arguments)."""
        loop = self._batched.get(mask)
        if loop is None:
            python = self.engine != "jit"
            if self.bounded:
                source = make_box_batched(self.single)
            else:
                source = make_batched(self.single, make_picker(mask, python) if mask else None)
            loop = source if python else _jit.jit_parallel(source)
            self._batched[mask] = loop
        return loop

    def prepare(self, run: "Run", parallel: bool) -> float:
        """Compile the loop for ``run`` (the parallel one with ``parallel=True``) without
        running it; the seconds it took (0 when it was compiled already, and on the Python
        engine). ``minimize`` does not count them against ``max_time``."""
        if self.engine != "jit":
            return 0.0
        # Of the loop's arguments only the types of the extra arguments of f vary from run
        # to run: the key of what is compiled (typing all of them would cost 0.3 ms a call)
        key = (parallel, run.mask, numba.typeof(run.args))
        if key in self.prepared:
            return 0.0
        begin = clock()
        arguments = self._arguments(run, run.settings(0, 0))
        if parallel:
            arguments += (np.zeros(0, dtype=np.bool_),)
        loop = self.batched_for(run.mask) if parallel else self.single
        if not parallel:  # the serial loop gets the arguments of one start
            arguments = (0,) + self._arguments(run, arguments[-1], run.row_args(0))
        loop.compile(tuple(numba.typeof(a) for a in arguments))
        self.warm.add(parallel)
        self.prepared.add(key)
        return clock() - begin

    def _arguments(self, run: "Run", settings: tuple, args: tuple | None = None) -> tuple:
        """The loop's arguments after the row: ``args`` in place of ``run.args`` if given."""
        box = (run.LB, run.UB) if self.bounded else ()
        return (run.X, run.G, run.FV, run.INFO, run.STATE, run.SCAL, run.WORK, run.XH, run.FH,
                *box, run.method, run.params, run.steps, run.args if args is None else args,
                settings)

    def run(self, run: "Run", stop: int, budget: int, parallel: bool = False,
            deadline: float = np.inf) -> bool:
        """Advance every unfinished start of ``run`` up to iteration ``stop``, spending at
        most about ``budget`` evaluations of f per start, and not past ``deadline`` (a time
        of :func:`fastgrad._core.clock.clock`); True if some start goes on (or has not started).

        The starts run one after another, or with ``parallel=True`` over threads (the
        parallel loop is compiled on its first use)."""
        settings = run.settings(stop, budget, deadline)
        if self.engine == "python":  # silent, as compiled code: non-finite values are
            with np.errstate(all="ignore"):  # reported in the result instead
                return self._run(run, settings, parallel)
        if parallel not in self.warm:
            running = self._run(run, settings, parallel)
            self.warm.add(parallel)
            return running
        return self._run(run, settings, parallel)

    def run_serial(self, run: "Run", settings: tuple) -> bool:
        """The serial loop over the starts of ``run`` with ``settings``
        (:meth:`Run.settings`), as it is: no engine or compilation bookkeeping (the caller's,
        see :meth:`run`); True if some start goes on."""
        single, left = self.single, False
        if self.bounded:
            arguments = self._arguments(run, settings)
            for r in range(run.X.shape[0]):
                left |= single(r, *arguments) < 0
            return left
        for r in range(run.X.shape[0]):
            left |= single(r, run.X, run.G, run.FV, run.INFO, run.STATE, run.SCAL,
                           run.WORK, run.XH, run.FH, run.method, run.params, run.steps,
                           run.row_args(r), settings) < 0
        return left

    def refresh(self, run: "Run", FV: np.ndarray | None = None,
                INFO: np.ndarray | None = None) -> None:
        """Value f at the iterate of each running start whose last chunk left it unvalued
        (NaN: a lazy fixed-step run, :func:`~fastgrad.optimize.loop.make_single`), before
        Python reads the run (a callback, a stop by the deadline or an interrupt): one
        evaluation each, counted; a non-finite value stops the start with ``DIVERGED``. The
        loop's chunk with ``stop = -1`` does only that. ``FV`` and ``INFO``: arrays to write
        in place of the run's own (copies of them, :meth:`shown_f`)."""
        FV = run.FV if FV is None else FV
        INFO = run.INFO if INFO is None else INFO
        stale = np.flatnonzero((INFO[:, STATUS] == RUNNING) & np.isnan(FV[:, F]))
        if stale.size == 0 or self.bounded:  # (the box loop values f at every iterate)
            return
        settings = run.settings(-1, 0)
        with np.errstate(all="ignore"):
            for r in stale.tolist():
                self.single(r, run.X, run.G, FV, INFO, run.STATE, run.SCAL, run.WORK, run.XH,
                            run.FH, run.method, run.params, run.steps, run.row_args(r),
                            settings)

    def shown_f(self, run: "Run") -> np.ndarray:
        """f at each start's iterate (m,) for the progress meter: where a lazy chunk left it
        unvalued, evaluated into copies of the run's FV and INFO, so that the run, its
        ``nfev`` included, is what it is without the meter (these evaluations are not
        counted)."""
        FV, INFO = run.FV.copy(), run.INFO.copy()
        self.refresh(run, FV, INFO)
        return FV[:, F]

    def _run(self, run: "Run", settings: tuple, parallel: bool) -> bool:
        if not parallel:
            return self.run_serial(run, settings)
        finished = np.zeros(run.X.shape[0], dtype=np.bool_)
        left = 0
        previous = numba.set_parallel_chunksize(1)  # runs differ in length: hand out
        try:  # rows one at a time instead of equal blocks per thread
            left = _jit.launch_parallel(self.batched_for(run.mask),
                                        self._arguments(run, settings) + (finished,))
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
        settings = settings[:5] + (UNLIMITED,) + settings[6:-1] + (np.inf,)
        fresh = run.start(r)
        self.single(0, *self._arguments(fresh, settings))
        raise RuntimeError(
            f"the objective raised an exception for start {r} of the batch in a parallel "
            "thread, and did not raise it again when that start was rerun alone"
        )


def driver_scope(gradient_key: str, jac_obj=None) -> tuple:
    """The failure scope of a compiled driver (:meth:`fastgrad._core.objective.Objective.recover`)."""
    return ("minimize", gradient_key, jac_obj)


def get_driver(obj, gradient_key: str, jac_obj=None, args: tuple = (),
               strict: bool = False, bounded: bool = False, family: str = EVERY) -> Driver:
    """The cached :class:`Driver` of objective ``obj`` (kept in ``obj.drivers``).

    ``gradient_key`` is the finite-difference kernel name ("gradient" or "complex_gradient")
    or "analytic", with ``jac_obj`` the :class:`~fastgrad._core.objective.Objective` of ``jac``.
    The Python engine is used when either ``f`` or ``jac`` runs on it, or when Numba could
    not compile this driver (or ``f``, ``jac`` or the gradient kernel) for the types of
    ``args`` before (``strict``: a ``TypeError`` instead). ``bounded``: the loop within
    bounds (:mod:`fastgrad.optimize.boxloop`), with the bounded gradient kernel.
    ``family``: the methods the loop runs (:func:`fastgrad.optimize.loop.family_of`; a loop
    for one family compiles less, :func:`~fastgrad.optimize.loop.make_loop`); the bounded
    loop serves every method.
    """
    engine = obj.engine if jac_obj is None or jac_obj.engine == "jit" else "python"
    if engine == "jit" and not (obj.fast and (jac_obj is None or jac_obj.fast)):
        reason = obj.failed(driver_scope(gradient_key, jac_obj), args) or (
            (obj.failed(gradient_key, args)
             or obj.failed(registry.twin(gradient_key, "gradient"), args)) if jac_obj is None
            else jac_obj.failed(OBJECTIVE, args))
        if reason is not None:
            if strict:
                raise not_compilable(reason)
            engine = "python"
    key = (gradient_key, jac_obj, engine) + (("bounded",) if bounded else (family,))
    driver = obj.drivers.get(key)
    if driver is None:
        with _LOCK:  # threads that start together build one driver (Numba compiles lazily)
            driver = obj.drivers.get(key)
            if driver is None:
                driver = (_build_box_driver(obj, engine, gradient_key, jac_obj) if bounded
                          else _build_driver(obj, engine, gradient_key, jac_obj, family))
                obj.drivers[key] = driver
    return driver


def _as_it_is(fn):
    """The Python engine's "compiler": the function as it is."""
    return fn


def _build_driver(obj, engine: str, gradient_key: str, jac_obj, family: str) -> Driver:
    """The loop of the methods of ``family`` over the value of f and the gradient: ``jac``
    adapted, or the registry's driver kernel ``gradient_key`` of the objective."""
    python = engine == "python"
    compile_ = _as_it_is if python else _jit.jit
    if jac_obj is not None:
        kernel = deep = compile_(make_jac_into(jac_obj.python_f if python else jac_obj.callable))
    elif python:
        kernel = deep = obj.python_kernel(gradient_key)
    else:  # the fixed-step methods' steps inline the whole kernel (fixed_steps)
        kernel = obj.inline_kernel(gradient_key)
        deep = kernel if family == SEARCHING else obj.inline_kernel(gradient_key, True)
    value = make_value(obj.python_f if python else obj.callable)
    stepping = None if deep is kernel else make_gradient(deep)  # else the loop's own
    return Driver(engine, make_loop(value, make_gradient(kernel), compile_,
                                    None if python else _jit.jit_inline, stepping, family))


def _build_box_driver(obj, engine: str, gradient_key: str, jac_obj) -> Driver:
    """The loop within bounds over the value of f and the bounded gradient: ``jac``
    adapted, or the registry's ``driver_bounded_gradient`` (every real scheme; ``minimize``
    refuses the complex step with bounds; a coordinate fixed by ``lb == ub`` gets a zero
    component, without evaluations)."""
    python = engine == "python"
    compile_ = _as_it_is if python else _jit.jit
    if jac_obj is not None:
        jac_into = compile_(make_jac_into(jac_obj.python_f if python else jac_obj.callable))
        kernel = compile_(make_box_jac(jac_into))
    else:
        kernel = obj.python_kernel("driver_bounded_gradient") if python else (
            obj.inline_kernel("driver_bounded_gradient"))
    value = make_value(obj.python_f if python else obj.callable)
    return Driver(engine, make_box_loop(value, kernel, compile_,
                                        None if python else _jit.jit_inline), bounded=True)


_FV_ROW = np.array([FV_ROW])
"""A start's row of FV before its first evaluation (see :mod:`fastgrad.optimize.loop`)."""
_INFO_ROW = np.zeros((1, 6), dtype=np.int64)
_INFO_ROW[0, STATUS] = NOT_STARTED
"""A start's row of INFO before its first evaluation (the scheme is the run's)."""


def _rows(row: np.ndarray, m: int) -> np.ndarray:
    """``m`` copies of the one-row array ``row``, a new (m, k) array."""
    return row.copy() if m == 1 else np.repeat(row, m, axis=0)


class Run:
    """The state arrays of m starts (see the module docstring), and what the loop needs."""

    __slots__ = ("x0", "method_spec", "method", "params", "steps", "args", "fixed",
                 "stopping", "line_search", "X", "G", "FV", "INFO", "STATE", "SCAL", "WORK", "XH",
                 "FH", "mask", "LB", "UB")

    def __init__(self, X: np.ndarray, method: Method, params: np.ndarray, steps: np.ndarray,
                 args: tuple, fixed: tuple, capacity: int, keep_x0: bool = False,
                 stopping: tuple = (0.0, 0.0, False), mask: tuple = (),
                 box: tuple | None = None):
        """``X`` (m, n) is the caller's own float64 copy of the starts: it becomes the
        iterate. ``fixed = (scheme, gradient cost, gtol, max_iter)`` (with ``jac="auto"`` the
        scheme it starts with); the line search constants come from the method's options
        ``c1``, ``c2`` and ``max_linesearch`` where it has them; ``stopping = (ftol, xtol,
        auto)``. ``keep_x0`` keeps a copy of the starts, to rerun one alone
        (:meth:`start`). ``mask``: which of ``args`` are per-start data (start r gets their
        row r, :meth:`row_args`). ``box``: ``(LB, UB)`` (m, n), the bounds of each start, or
        None."""
        m, n = X.shape
        self.x0 = X.copy() if keep_x0 else None
        self.method_spec = method
        self.method, self.params, self.steps, self.args = method.code, params, steps, args
        self.mask = mask if any(mask) else ()
        self.fixed = fixed
        self.stopping = stopping
        ftol, xtol, auto = stopping
        self.line_search = (
            method.option(params, "c1", 1e-4), method.option(params, "c2", 0.9),
            int(method.option(params, "max_linesearch", 20)), float(ftol), float(xtol),
            1 if auto else 0) if method.searches else (1e-4, 0.9, 20, float(ftol),
                                                         float(xtol), 1 if auto else 0)
        self.X = X
        self.LB, self.UB = box if box is not None else (None, None)
        # Each array allocated as it is (for a few starts, np.zeros of the final shape costs
        # less than views cut from one block); FV and INFO copied from their first rows
        rows, k = method.sizes(params, n)
        self.G = np.zeros((m, n))
        self.FV = _rows(_FV_ROW, m)  # what a failed line search measures: NaN until then;
        self.STATE = np.zeros((m, rows, n))  # f is set at the first evaluation, the
        self.SCAL = np.zeros((m, k))  # curvature starts at 0
        self.WORK = np.zeros((m, WORK_ROWS, n))
        self.INFO = _rows(_INFO_ROW, m)
        if m == 1:
            self.INFO[0, SCHEME] = fixed[0]
        else:
            self.INFO[:, SCHEME] = fixed[0]
        if capacity:
            self.XH = np.full((m, capacity, n), np.nan)
            self.FH = np.full((m, capacity), np.nan)
        else:
            self.XH = np.empty((m, 0, n))
            self.FH = np.empty((m, 0))

    def renewed(self, X: np.ndarray, args: tuple, arrays: tuple) -> "Run":
        """A run from the starts ``X`` (the caller's own float64 copy, of this run's shape)
        with ``args`` and the state ``arrays`` ``(G, FV, INFO, STATE, SCAL, WORK)`` (fresh
        ones of this run's shapes and values, maybe advanced by the loop since), for
        minimize's lean path (:mod:`fastgrad.optimize.plans`): this run is a
        plan's prototype, never started, with no history rows and no kept x0 (a planned call
        records neither). It lends its settings; what no run writes is shared: the steps
        (read only, by the kernels and the loop), params, the bounds and the empty history
        arrays."""
        new = object.__new__(Run)
        new.x0, new.args, new.X = None, args, X
        new.method_spec, new.method, new.params = self.method_spec, self.method, self.params
        new.steps, new.mask, new.LB, new.UB = self.steps, self.mask, self.LB, self.UB
        new.fixed, new.stopping, new.line_search = self.fixed, self.stopping, self.line_search
        new.G, new.FV, new.INFO, new.STATE, new.SCAL, new.WORK = arrays
        new.XH, new.FH = self.XH, self.FH
        return new

    def settings(self, stop: int, budget: int, deadline: float = np.inf) -> tuple:
        """The loop's ``settings`` for a chunk up to iteration ``stop`` with ``budget``
        evaluations per start and ``deadline`` (:func:`fastgrad.optimize.loop.make_single`)."""
        return self.fixed + (stop, budget) + self.line_search + (deadline,)

    def row_args(self, r: int) -> tuple:
        """The arguments of f for start ``r`` (its row of the per-start ones)."""
        return row_args(self.args, self.mask, r) if self.mask else self.args

    def start(self, r: int) -> "Run":
        """A fresh run of start ``r`` alone (with its own arguments), without history."""
        box = None if self.LB is None else (self.LB[r:r + 1], self.UB[r:r + 1])
        return Run(self.x0[r:r + 1].copy(), self.method_spec, self.params, self.steps,
                   self.row_args(r), self.fixed, 0, stopping=self.stopping, box=box)

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


def pooled_driver(obj, gradient_key: str, executor, user_f, own_threads: int = 0) -> Driver:
    """A Python-engine driver whose finite-difference gradients are evaluated by
    ``executor`` (``minimize(..., workers=)``): the iterations, the line search and every
    decision stay here; only the stencil's evaluations of f go out, one batch per gradient
    (:mod:`fastgrad.scaleout`), from the registry's driver kernel ``gradient_key`` (the
    Python engine's own). The pool gets the user's own ``user_f``, as
    :func:`fastgrad.gradient` sends it: a process pool pickles a module-level function by
    its name, which the cache's detached copy does not carry.

    ``own_threads``: the executor is fastgrad's own pool of that many threads
    (``workers=int``). Its first batch long enough to judge is timed; if the threads ran f
    no faster than one thread would (f holds the GIL, :func:`fastgrad.scaleout.parallel_speedup`),
    the rest of the run evaluates serially, with a ``FastgradWarning`` (the values, and so
    the results, are the same either way)."""
    factory = partial(registry.source, gradient_key)
    f = obj.python_f
    state = {"executor": executor, "judged": not own_threads}

    def pooled_into(x, scheme, steps, out, args, f0):
        def with_f0(kernel):  # scaleout.run passes args last; f0 follows it
            return lambda *arguments: kernel(*arguments, f0)

        timing = None if state["judged"] else []
        status = scaleout.run(factory, user_f, state["executor"], (x, scheme, steps, out),
                              args, wrap=with_f0, timing=timing)
        speedup = scaleout.parallel_speedup(timing[0]) if timing else None
        if speedup is not None:
            state["judged"] = True
            if speedup < scaleout.GIL_SPEEDUP:
                state["executor"] = _SERIAL
                warnings.warn(gil_message(own_threads, timing[0][0], speedup),
                              FastgradWarning, stacklevel=2)
        return status

    return Driver("python", make_loop(make_value(f), make_gradient(pooled_into), _as_it_is))


class _Serial:
    """An "executor" that evaluates in this thread, one point after another."""

    map = staticmethod(map)


_SERIAL = _Serial()


def gil_message(threads: int, count: int, speedup: float) -> str:
    return (
        f"workers={threads}: {threads} threads evaluated the {count} points of a gradient only "
        f"{speedup:.2f} times faster than one thread would: f holds Python's GIL (a "
        "pure-Python loop runs one thread at a time), so minimize evaluates it serially for "
        "the rest of this run, which is faster (the results are the same). To evaluate it in "
        f"parallel, pass workers=concurrent.futures.ProcessPoolExecutor({threads}) (f must be "
        "a module-level function, to be pickled)"
    )
