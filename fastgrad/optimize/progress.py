"""``minimize(progress=True)``: a meter of a long run, drawn in Python between two compiled
chunks (:func:`fastgrad.optimize.chunks.iterate`): iterations, evaluations of f, the best f so
far, the starts still running (of a batch) and the time elapsed.

tqdm draws it when it can be imported (and :data:`USE_TQDM` is True); otherwise a plain
one-line meter. Either is drawn at once (Numba may compile the loop for seconds before the
first chunk), again after the first chunk with evaluations, then on a terminal rewritten in
place (``"\\r"``) at most every :data:`TERMINAL_SECONDS`; elsewhere (a file, a pipe, the log of
a batch job) a new line at most every :data:`LOG_SECONDS` at first, less often as the run grows
long (:data:`LOG_FRACTION`, up to :data:`LOG_MAX_SECONDS`), and a last line at the end. The meter
only reads the run's arrays between chunks: it never changes a number, and with
``progress=False`` none of it is created.

While a meter is shown the first chunk runs no longer than :data:`CHUNK_SECONDS` (the loop's
clock ends it, as it keeps ``max_time``), so the first line with evaluations comes within about
that long of the start of the iterations even where the first chunk's budget of evaluations
(:data:`fastgrad.optimize.chunks.FIRST_CHUNK`) would take seconds of a slow f; the next chunks
are sized from the rate measured on it. Only the first: a time limit on every chunk could keep
the starts of a batch that come last in a chunk from ever running (a start that comes after the
chunk's limit waits for the next chunk). Chunks never change a number: the loop stops between
two iterations and goes on from there in the next chunk.
"""

from __future__ import annotations

import concurrent.futures
import importlib
import sys
import time

import numpy as np

from .columns import NFEV, NIT, STATUS
from .result import NOT_STARTED

USE_TQDM = True
"""Draw with tqdm when it can be imported; False: always the plain meter."""

CHUNK_SECONDS = 0.25
"""While a meter is shown, the longest the first chunk of the loop runs (the next ones last
about :data:`fastgrad.optimize.chunks.CHUNK_SECONDS`, from the rate measured on it)."""

TERMINAL_SECONDS = 0.1
"""On a terminal, the line is redrawn at most this often."""

LOG_SECONDS = 1.0
"""Elsewhere (not a terminal), a new line is written at most this often ..."""

LOG_FRACTION = 0.1
"""... and at most once per this fraction of the time elapsed ..."""

LOG_MAX_SECONDS = 60.0
"""... but at least this often: a log gets about 10 lines in the first 10 s, one every 10 s
after 100 s, one a minute after 10 minutes."""


class Progress:
    """The meter of one call of ``minimize`` over ``m`` starts: :meth:`update` after each
    chunk of a local run (:meth:`watch` for a ``workers=`` batch), :meth:`close` (or
    :meth:`finish`) once at the end, also when the run raised or was interrupted.

    ``target``: True (``sys.stderr``) or a file-like object with a ``write`` method.
    """

    def __init__(self, target, m: int, max_iter: int, batched: bool):
        self.file = sys.stderr if target is True else target
        self.m, self.max_iter, self.batched = m, max_iter, batched
        self.begin = time.monotonic()
        self.tty = _isatty(self.file)
        self.every = TERMINAL_SECONDS if self.tty else LOG_SECONDS
        self.best = np.nan  # the lowest finite f seen so far
        self.shown = self.begin  # time.monotonic() of the last line drawn
        self.state = (0, 0, np.nan, m)  # the state it showed
        self.width = 0  # of the line on a terminal: a shorter one blanks what it leaves
        self.closed = False
        self.limited = False  # the first chunk has had its time limit
        drawn = USE_TQDM and self.file is not None  # None: sys.stderr of pythonw, no console
        self.bar = _tqdm_bar(self, self._fields(self.state)) if drawn else None
        if self.bar is None:  # tqdm draws at once; so does the plain meter:
            self._draw(self.state, self.begin)  # the loop may compile for seconds first

    def limit(self, deadline: float, begin: float) -> float:
        """The deadline (a time of :func:`fastgrad._core.clock.clock`) of a chunk that begins
        at ``begin``, where the run's is ``deadline`` (``inf``: none): the first chunk's is at
        most :data:`CHUNK_SECONDS` away."""
        if self.limited:
            return deadline
        self.limited = True
        return min(deadline, begin + CHUNK_SECONDS)

    def update(self, run, shown_f=None) -> None:
        """After a chunk of ``run`` (:class:`fastgrad.optimize.driver.Run`): draw its state
        if it is time to, or if it is the first with evaluations. ``shown_f()``, when given,
        gives f at each start's iterate (:meth:`~fastgrad.optimize.driver.Driver.shown_f`),
        called only for a line that is drawn."""
        now = time.monotonic()
        due = now - self.shown >= self._interval(now)
        if due or not self.state[1]:
            state = run_state(run, None if shown_f is None else shown_f())
            if due or state[1]:
                self._draw(state, now)

    def close(self, run) -> None:
        """Draw the last state of ``run`` and end the line (once; later calls do nothing)."""
        if not self.closed:
            self.closed = True
            self._draw(run_state(run), time.monotonic(), last=True)

    def watch(self, futures: list) -> None:
        """``workers=`` with a batch: wait for the chunks of starts (``futures`` of
        :class:`fastgrad.optimize.result.OptimizeResult`), drawing those back so far, until
        all are back or one failed or was cancelled."""
        pending = set(futures)
        while pending:
            done, pending = concurrent.futures.wait(
                pending, timeout=self.every, return_when=concurrent.futures.FIRST_COMPLETED)
            if any(f.cancelled() or f.exception() is not None for f in done):
                return
            self.update_results([f.result() for f in futures if f.done()], force=bool(done))

    def update_results(self, results: list, force: bool = False) -> None:
        """Draw the state of the batched results back so far (``force``: even if a line was
        drawn less than an interval ago: a chunk of starts has just come back)."""
        now = time.monotonic()
        if force or now - self.shown >= self._interval(now):
            self._draw(results_state(results, self.m), now)

    def finish(self, results: list) -> None:
        """:meth:`close` for a ``workers=`` batch: the results of the chunks that are back."""
        if not self.closed:
            self.closed = True
            self._draw(results_state(results, self.m), time.monotonic(), last=True)

    def _fields(self, state: tuple) -> str:
        """Evaluations, best f (of every line so far) and starts running (of a batch)."""
        fields = f"{state[1]:,} nfev, best f {_number(np.fmin(self.best, state[2]))}"
        return fields + (f", {state[3]}/{self.m} running" if self.batched else "")

    def _interval(self, now: float) -> float:
        if self.tty:
            return self.every
        return min(LOG_MAX_SECONDS, max(self.every, LOG_FRACTION * (now - self.begin)))

    def _draw(self, state: tuple, now: float, last: bool = False) -> None:
        nit, best = state[0], state[2]
        if self.file is None:
            return
        if last and state == self.state and self.bar is None and not self.tty:
            return  # a log has that line already
        self.best = np.fmin(self.best, best)
        self.shown, self.state = now, state
        fields = self._fields(state)
        if self.bar is not None:
            self.bar.n = nit
            self.bar.set_postfix_str(fields, refresh=False)
            if last:
                self.bar.close()
            else:
                self.bar.refresh()
            return
        line = (f"minimize: {nit}/{self.max_iter} it, {fields}, "
                f"{_duration(now - self.begin)}")
        if self.tty:
            self.file.write("\r" + line.ljust(self.width) + ("\n" if last else ""))
            self.width = len(line)
        else:
            self.file.write(line + "\n")
        flush = getattr(self.file, "flush", None)
        if flush is not None:
            flush()


def run_state(run, fun: np.ndarray | None = None) -> tuple:
    """``(iterations, evaluations, best f, running)`` of a local run: the most iterations of
    a start still running (of any start once none is), the evaluations of f of all starts,
    the lowest finite f of the starts begun (NaN if none; ``fun``, f of each start, in place
    of the run's own), the starts not finished."""
    INFO = run.INFO
    status = INFO[:, STATUS]
    live = status < 0
    nit = int(INFO[live, NIT].max() if live.any() else INFO[:, NIT].max())
    fun = (run.FV[:, 0] if fun is None else fun)[status != NOT_STARTED]
    return nit, int(INFO[:, NFEV].sum()), _lowest(fun), int(live.sum())


def results_state(results: list, m: int) -> tuple:
    """:func:`run_state` of a ``workers=`` batch, from the batched results of its chunks that
    are back (the starts of the others are running)."""
    if not results:
        return 0, 0, np.nan, m
    return (max(int(r.nit.max()) for r in results), sum(int(r.nfev.sum()) for r in results),
            _lowest(np.concatenate([r.fun for r in results])),
            m - sum(r.nit.shape[0] for r in results))


def _lowest(fun: np.ndarray) -> float:
    finite = fun[np.isfinite(fun)]
    return float(finite.min()) if finite.size else np.nan


def _number(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.6g}"


def _duration(seconds: float) -> str:
    """``12.3 s`` under a minute, else ``m:ss`` or ``h:mm:ss``."""
    if seconds < 60.0:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _isatty(file) -> bool:
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed file
        return False


def _tqdm_bar(meter: Progress, fields: str):
    """A tqdm bar of the iterations for ``meter``, or None where tqdm cannot be imported."""
    try:
        tqdm = importlib.import_module("tqdm")
    except ImportError:
        return None
    return tqdm.tqdm(total=meter.max_iter, desc="minimize", unit="it", file=meter.file,
                     leave=True, mininterval=meter.every, dynamic_ncols=meter.tty,
                     postfix=fields)
