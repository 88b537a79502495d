"""``minimize(f, X, workers=...)`` for a batch of starts: the starts split into chunks, each
chunk run by ``minimize`` (compiled) on a worker, the results gathered into one batched result
(row for row what the local batched run gives)."""

from __future__ import annotations

import concurrent.futures
import itertools
import threading
from functools import partial

import numpy as np

from .. import scaleout
from .progress import Progress
from .report import warn_interrupted
from .result import INTERRUPTED, NOT_RUN, OptimizeResult, status_message


class _ChunkLocal(threading.local):
    control = None


CHUNK = _ChunkLocal()
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
    from .api import minimize  # the public function, which routes here: imported late

    previous = CHUNK.control
    CHUNK.control = control
    if X.ndim == 3:  # the starts with their own bounds (see scaleout_batch)
        X, options = X[:, 0], dict(options, bounds=(X[:, 1], X[:, 2]))
    try:
        return minimize(f, X, **options)
    finally:
        CHUNK.control = previous


INTERRUPT_WAIT_SECONDS = 5.0
"""After Ctrl-C, how long a ``workers=`` batch waits for the running chunks of an executor
other than a thread pool (another process, a cluster: they run on to their end) to come back;
the rows of a chunk not back by then get status 8. The chunks of a thread pool stop within a
chunk of iterations (about 50 ms; more while Numba compiles): they are waited for."""


def scaleout_batch(f, X: np.ndarray, workers, options: dict,
                    deadline: float | None, progress=False) -> OptimizeResult:
    """Split the starts into chunks, run each with the compiled engine on a worker, and
    gather one batched result (row for row what the local batched run gives).

    The chunks share ``deadline`` (``time.time()`` seconds). On Ctrl-C, chunks not yet begun
    are cancelled, those running in this process are told to stop, and the result so far is
    returned, as :func:`minimize` does without workers. ``progress`` (True or a file): a
    meter of the chunks' results as they come back (:class:`fastgrad.optimize.progress.Progress`).
    """
    m = X.shape[0]
    count = min(m, workers if isinstance(workers, int) else max(1, CLUSTER_CHUNKS))
    box = options.get("bounds")
    if box is not None:  # (LB, UB) (m, n): each chunk gets its rows, stacked with its starts
        options = dict(options, bounds=None)
        X = np.stack((X, box[0], box[1]), axis=1)
    chunks = np.array_split(X, count)
    control = _ChunkControl(deadline, next(_TOKENS))
    stop = _STOPS[control.token] = threading.Event()
    parts: list = [None] * count
    meter = None if progress is False else Progress(progress, m, options["max_iter"], True)
    interrupted = False
    try:
        with scaleout.executor_for(workers) as executor:
            run_chunk = partial(_minimize_chunk, f, options, control)
            submit = getattr(executor, "submit", None)
            if submit is None:  # an executor with map only: no partial results
                parts = list(executor.map(run_chunk, chunks))
            else:
                futures = [submit(run_chunk, chunk) for chunk in chunks]
                try:
                    if meter is not None:
                        meter.watch(futures)
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
        if meter is not None:
            meter.finish([p for p in parts if p is not None])
    parts = [p if p is not None else _not_run(chunk, options) for p, chunk in zip(parts, chunks)]
    merged = _merge(parts, options, box is not None)
    if interrupted:
        stopped = (merged.status == INTERRUPTED) | (merged.status == NOT_RUN)
        if not stopped.any() or (merged.status == NOT_RUN).all():
            raise KeyboardInterrupt  # it stopped no run: the caller's, as without workers
        warn_interrupted(merged.status, merged.nit)
    return merged


def _merge(parts: list, options: dict, bounded: bool) -> OptimizeResult:
    """The results of the chunks, in order, as one batched result."""
    merged = OptimizeResult()
    for key in ("x", "fun", "jac", "nit", "nfev", "njev", "success", "status"):
        merged[key] = np.concatenate([p[key] for p in parts])
    if bounded:
        merged.active_mask = np.concatenate([
            p.get("active_mask", np.zeros(p.x.shape, dtype=np.int64)) for p in parts])
        merged.projected_gradient = np.concatenate([
            p.get("projected_gradient", np.max(np.abs(p.jac), axis=1)) for p in parts])
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
    if X.ndim == 3:
        X = X[:, 0]
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
