"""Evaluating finite-difference stencils on a pool of workers (``workers=``).

For an expensive objective (a simulation, a model fit) the evaluations are the whole cost of a
gradient, and they are independent. With ``workers=`` fastgrad runs the Python engine's own
kernel twice: first with a recorder in place of ``f`` that only notes the points the kernel
asks for, then, once all those points have been evaluated in one parallel batch
(``executor.map``), with a replayer that hands the values back in the same order. The
arithmetic is therefore the serial Python engine's, and the results are bit-identical to a
serial run with ``jit=False``. A point the recording could not foresee (the complex step's
``central4`` fallback, which depends on values) is evaluated on the spot, serially.

``workers`` is an int (a local ``ThreadPoolExecutor`` of that many threads, created for the
call and shut down after it) or any object with a ``map(fn, iterable)`` method like
``concurrent.futures.Executor``: a ``ProcessPoolExecutor`` (objectives that hold the GIL:
pure-Python loops), or ``dask.distributed.Client(...).get_executor()`` to evaluate on a
Dask cluster.

Threads help only an objective that releases the GIL (numpy on large arrays, I/O, a call to
an external program); a pure-Python loop runs one thread at a time, and threads then cost
more than a serial run. ``minimize`` with ``workers=int`` on one start therefore times its
first batch (:func:`parallel_speedup`) and, when the threads ran no faster than one would,
evaluates serially for the rest of the run and says so (a ``ProcessPoolExecutor`` is what
such an objective needs).
"""

from __future__ import annotations

import numbers
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

import numpy as np


def check_workers(workers):
    """``workers`` as given, after checking it is a positive int or has a ``map`` method."""
    if isinstance(workers, numbers.Integral) and not isinstance(workers, bool):
        if workers < 1:
            raise ValueError(f"workers must be a positive int or an executor, got {workers!r}")
        return int(workers)
    if not callable(getattr(workers, "map", None)):
        raise TypeError(
            "workers must be a positive int or an executor with a map(fn, iterable) method "
            f"(concurrent.futures, dask.distributed Client.get_executor()), got "
            f"{type(workers).__name__} {workers!r:.60}"
        )
    return workers


@contextmanager
def executor_for(workers):
    """An executor for ``workers``: a thread pool owned by the block, or the user's own."""
    if isinstance(workers, int):
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fastgrad") as pool:
            yield pool
    else:
        yield workers


def evaluate(f, args, x):
    """``f(x, *args)``: what a worker runs (a module-level function, so it pickles)."""
    return f(x, *args)


def _evaluate_timed(f, args, x):
    """``(f(x, *args), CPU seconds its thread spent)``: run where the pool runs it. CPU
    time, not wall time: a thread waiting for the GIL spends none."""
    begin = time.thread_time()
    value = f(x, *args)
    return value, time.thread_time() - begin


class _Recorder:
    """Stands in for ``f`` while the kernel runs: notes each point, returns ``value``."""

    def __init__(self, value):
        self.points: list[np.ndarray] = []
        self.value = value

    def __call__(self, x, *args):
        self.points.append(x.copy())
        return self.value


class _Replayer:
    """Stands in for ``f`` on the second run: the recorded values, in the recorded order."""

    def __init__(self, f, points, values):
        self.f, self.points, self.values, self.next = f, points, values, 0

    def __call__(self, x, *args):
        i = self.next
        if i < len(self.points) and np.array_equal(x, self.points[i]):
            self.next = i + 1
            return self.values[i]
        return self.f(x, *args)  # not foreseen by the recording: evaluate here


def run(factory, f, workers, kernel_args: tuple, args: tuple, dummy=0.0, wrap=None,
        timing=None):
    """Run the Python kernel ``factory(f)`` with all its evaluations of ``f`` done by
    ``workers``; ``kernel_args`` are the kernel's arguments up to (not including) ``args``.

    ``kernel_args`` must start with the workspace the kernel perturbs; it is restored by the
    kernel itself, so both runs start from the same point. ``wrap(kernel)`` builds the
    runner around the row kernel (e.g. the batched loop); by default the kernel itself.
    ``timing``, a list, receives ``(number of evaluations, their summed CPU seconds, wall
    seconds of the batch)``: how much the pool ran in parallel (:func:`parallel_speedup`).
    """
    recorder = _Recorder(dummy)
    kernel = factory(recorder)
    (wrap(kernel) if wrap else kernel)(*kernel_args, args)
    with executor_for(workers) as executor:
        if timing is None:
            values = list(executor.map(partial(evaluate, f, args), recorder.points))
        else:
            begin = time.perf_counter()
            timed = list(executor.map(partial(_evaluate_timed, f, args), recorder.points))
            wall = time.perf_counter() - begin
            values = [value for value, _ in timed]
            timing.append((len(timed), sum(seconds for _, seconds in timed), wall))
    replayer = _Replayer(f, recorder.points, values)
    kernel = factory(replayer)
    return (wrap(kernel) if wrap else kernel)(*kernel_args, args)


GIL_SPEEDUP = 1.2
"""A pool of threads whose batch ran less than this many times faster than its evaluations
one after another is not running f in parallel (f holds the GIL)."""

GIL_MIN_SECONDS = 5e-3
"""Batches whose evaluations took less CPU time than this in all are not judged: the pool's
own overhead decides their time, not f."""


def parallel_speedup(timing: tuple) -> float | None:
    """``summed CPU seconds / wall seconds`` of a batch timed by :func:`run`, or None when
    the batch is too short to say (:data:`GIL_MIN_SECONDS` of CPU, or a single evaluation:
    an objective that waits, on a sleep or I/O, is never judged, and threads do help it)."""
    count, busy, wall = timing
    if count < 2 or busy < GIL_MIN_SECONDS or wall <= 0.0:
        return None
    return busy / wall
