"""Running the compiled loop of ``minimize`` chunk by chunk: between chunks Python calls the
callback, grows the history, keeps the time limit, sizes the next chunk and notices Ctrl-C."""

from __future__ import annotations

import signal
import threading

import numpy as np

from .._core.clock import clock
from .._core.objective import is_compile_error, threads_may_share
from .driver import Driver, Run
from .columns import HELD, NFEV, NIT, NJEV, STATUS
from .progress import Progress
from .result import CALLBACK, MAX_TIME, NOT_STARTED, RUNNING, OptimizeResult, callback_halts

HISTORY_CHUNK = 1024
"""History arrays start with this many rows and double when full, so their memory follows
the iterations actually run, not ``max_iter``."""

FIRST_CHUNK = 10_000
"""Evaluations of f per start in the first compiled chunk of a run. A short run is one
compiled call (the seeds' 500 iterations of gd in 3-d take 3,008 evaluations); a long one
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
:data:`fastgrad.optimize.loop.CLOCK_SECONDS`). The evaluation budget of the next chunk is the
measured rate times this (at most 16 times the previous budget)."""

FIRST_CHUNK_TIMED = 1
"""The first chunk of a batch with ``max_time``, or run as a chunk of ``workers=``: each start
only evaluates f and its gradient at x0, so that every start begins before the first one runs
on, and the rate of evaluations is known for the next chunks (which last about
:data:`CHUNK_SECONDS`: a ``workers=`` chunk notices the batch's stop that soon)."""


class SigintGuard:
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


def iterate(run: Run, driver: Driver, fall_back, batched: bool, max_iter: int, callback,
            every: int, history: bool, deadline: float | None, stopped=None,
            guard: "SigintGuard | None" = None, progress=False, objectives: tuple = ()) -> bool:
    """Run the compiled loop chunk by chunk until every start has stopped.

    Long because the chunk's running state (budget, rate, mode, deadline, guard) lives in
    locals of one loop; split, it would travel in an object through every chunk.

    Between chunks: the callback (every ``every`` iterations, once all running starts have
    reached the same iteration), the history's growth, the time limit (status
    :data:`MAX_TIME`; ``deadline`` is a time of :func:`fastgrad._core.clock.clock`, moved on by
    the time Numba spends compiling the loop, which :meth:`Driver.prepare` does apart), the
    size of the next chunk and whether a batch goes on over threads
    (:data:`PARALLEL_MIN_ROWS`, :data:`PARALLEL_MIN_SECONDS`). Returns True when a
    KeyboardInterrupt (or ``stopped()``, a ``workers=`` batch's stop) ended the run; the
    starts still running then keep status RUNNING, and those not begun NOT_STARTED, for the
    caller to mark. ``guard``: a SIGINT guard installed before the run (while Numba compiled
    the objective for its first-call check): an interrupt it caught then is handled as one
    caught while the first chunk compiles, at the end of that chunk. ``progress``: False, or
    True or a file for a :class:`~fastgrad.optimize.progress.Progress` meter, drawn after each
    chunk (the first then lasts at most :data:`fastgrad.optimize.progress.CHUNK_SECONDS`, the
    loop compiled before it begins) and closed at the end, however the run ends.
    ``objectives``: f's (and an analytic jac's) :class:`~fastgrad._core.objective.Objective`;
    a batch runs on one thread if one of them writes into its args
    (:func:`~fastgrad._core.objective.threads_may_share`).
    """
    INFO = run.INFO
    budget = FIRST_CHUNK if driver.engine == "jit" else FIRST_CHUNK_PYTHON
    if batched and (deadline is not None or stopped is not None):
        budget = FIRST_CHUNK_TIMED  # every start begins; chunks of ~50 ms follow
    threads = None  # may threads run the objectives? (asked once, when a chunk could use them)
    parallel = batched and INFO.shape[0] >= PARALLEL_MIN_ROWS
    if parallel:
        threads = parallel = all(threads_may_share(o) for o in objectives)
    next_callback = every
    first = True
    finished_interrupted = False  # Ctrl-C came (deferred) in a chunk after which all stopped
    rate = 0.0  # evaluations of f per second and start, measured on the last chunk
    prepared = set()  # loops compiled for this run (with a deadline: before the clock)
    meter = None if progress is False else Progress(progress, INFO.shape[0], max_iter, batched)
    try:
        while True:
            stop = max_iter
            if callback is not None:
                stop = min(stop, next_callback)
            if history:
                stop = min(stop, run.capacity - 1)
            if guard is None and (driver.engine == "python" or driver.compiles(parallel)):
                guard = SigintGuard()  # Python code runs in the chunk: defer Ctrl-C
            if stopped is not None and stopped():  # the workers= batch was interrupted
                driver.refresh(run)
                return True
            if guard is not None and guard.caught and not first:
                driver.refresh(run)
                return interrupt_consumed(INFO)
            first = False
            before = INFO[:, NFEV].copy() if batched else INFO[0, NFEV]
            attempt = clock()
            try:
                if (deadline is not None or meter is not None) and parallel not in prepared:
                    compiling = driver.prepare(run, parallel)  # compilation is not counted
                    deadline = None if deadline is None else deadline + compiling
                    prepared.add(parallel)
                begin = clock()
                limit = np.inf if deadline is None else deadline
                if meter is not None:  # the first line comes soon, even with a slow f
                    limit = meter.limit(limit, begin)
                running = driver.run(run, stop, budget, parallel, limit)
            except Exception as exc:  # Numba's refusal comes before the loop ran: the
                if driver.engine == "python" or not is_compile_error(exc):  # state is intact
                    raise
                driver = fall_back(exc)
                if deadline is not None:  # nor is the time of a compilation that failed
                    deadline += clock() - attempt
                budget = FIRST_CHUNK_PYTHON
                prepared.clear()
                continue
            if not running:
                finished_interrupted = guard is not None and guard.caught
                return False
            now = clock()
            if (guard is not None and guard.caught) or (deadline is not None and now >= deadline):
                driver.refresh(run)  # f for the report (lazy runs leave it unvalued)
            if meter is not None:  # the meter's f is for display only: the run is unchanged
                meter.update(run, lambda: driver.shown_f(run))
            if guard is not None and guard.caught:
                return interrupt_consumed(INFO)
            if deadline is not None and now >= deadline:
                INFO[INFO[:, STATUS] == RUNNING, STATUS] = MAX_TIME
                return False
            # the next chunk: about CHUNK_SECONDS long, and not past the deadline
            done = int((INFO[:, NFEV] - before).max()) if batched else int(INFO[0, NFEV] - before)
            elapsed = now - begin
            if batched and elapsed >= PARALLEL_MIN_SECONDS and not parallel:
                if threads is None:
                    threads = all(threads_may_share(o) for o in objectives)
                parallel = threads
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
                driver.refresh(run)
                live = INFO[:, STATUS] == RUNNING  # a refreshed f may have diverged
                if callback_halts(callback, _intermediate(run, batched)):
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
        driver.refresh(run)
        return interrupt_consumed(INFO)
    finally:
        if guard is not None:
            guard.restore()
        if meter is not None:
            meter.close(run)
        if finished_interrupted:  # the run ended by itself: the interrupt is the caller's
            raise KeyboardInterrupt


def interrupt_consumed(INFO: np.ndarray) -> bool:
    """True (the run was interrupted: consume the interrupt) if the interrupt stopped a run:
    some start had begun, and some start had not finished (running, or not begun). Otherwise
    (none had begun, or all had stopped by themselves) it is the caller's: raised."""
    status = INFO[:, STATUS]
    if (status != NOT_STARTED).any() and (status < 0).any():
        return True
    raise KeyboardInterrupt


def _intermediate(run: Run, batched: bool) -> OptimizeResult:
    """The callback's result: a copy of the run's state; ``jac`` NaN at the components the
    bounded loop held (:data:`~fastgrad.optimize.columns.HELD`: not taken at this x)."""
    X, FV, INFO = run.X, run.FV, run.INFO
    G = run.G.copy()
    held = run.WORK[:, HELD] != 0.0
    if held.any():
        G[held] = np.nan
    if batched:
        return OptimizeResult(
            x=X.copy(), fun=FV[:, 0].copy(), jac=G, nit=INFO[:, NIT].copy(),
            nfev=INFO[:, NFEV].copy(), njev=INFO[:, NJEV].copy(),
        )
    return OptimizeResult(
        x=X[0].copy(), fun=float(FV[0, 0]), jac=G[0], nit=int(INFO[0, NIT]),
        nfev=int(INFO[0, NFEV]), njev=int(INFO[0, NJEV]),
    )
