"""How a contender is timed: a warm-up call, then the median of rounds long enough to
measure (:func:`measure`)."""

from __future__ import annotations

import gc
import statistics
import time

from .sizes import SIZES


def median_seconds(fn, *, budget: float = 1.0, min_round: float = 0.05, min_rounds: int = 3,
                   max_rounds: int = 7):
    """Median seconds per call of ``fn`` (called once first, not timed)."""
    return _timed(fn, budget, min_round, min_rounds, max_rounds)[0]


def _timed(fn, budget, min_round, min_rounds, max_rounds, first_counts=False):
    """``(median seconds per call, rounds, output of the first call)``.

    ``first_counts``: the first call may be the only sample when it alone exceeds the budget
    and one round is enough (plain Python, nothing compiles on a first call).

    The timed rounds start after a full garbage collection: what the warm-up call (or the
    set-up before it) left for the collector is collected there, not in the rounds. Numba's
    first compilation leaves some 10**5 new objects, and until Python's full collections
    have gone over them (about a second of calls that allocate), a call costs up to 75% more
    (NIST Roszman1: 92 us per fit in the first second, 53 us after). Without it, whichever
    contender ran first after a compilation paid for it."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    if budget <= 0.0 or (first_counts and first >= budget and min_rounds <= 1):
        return first, 1, out
    gc.collect()  # see above
    number, elapsed = _calibrated(fn, first, min_round)
    rounds = int(min(max_rounds, max(min_rounds, budget // max(elapsed, 1e-12))))
    samples = [_round(fn, number) for _ in range(rounds)]
    return statistics.median(samples), rounds, out


def _calibrated(fn, first: float, min_round: float) -> tuple:
    """``(calls per round, seconds of such a round)``: calls enough to fill ``min_round``
    (``first``: the seconds of one call)."""
    number, elapsed = 1, first
    while elapsed < min_round and number < 1 << 22:
        number *= 2 if elapsed == 0.0 else max(2, min(10, int(min_round / elapsed) + 1))
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
    return number, elapsed


def _round(fn, number: int) -> float:
    """Seconds per call of ``number`` calls of ``fn``."""
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t0) / number


PAIRED_MIN_ROUNDS = 3
"""Rounds at least, in :func:`measure_together` (unless the size times nothing): a ratio of
two single samples is the machine's noise."""


def measure_together(contenders: list, size: str) -> list:
    """``[(median seconds, rounds, output), ...]`` of ``contenders`` (none heavy) timed side
    by side: after a warm-up call of each and a full collection, every round times each
    contender in turn (A B C, A B C, ...), so that a ratio of two medians compares times
    taken under the same load of a shared machine. Timed one after the other, a contender
    that happened to run while another process was busy differed from the next by as much as
    the goal they were compared against (the 2,000 fits: 1.4x to 2.1x in two runs of one
    tree). The size's budget is per contender, as :func:`measure` spends it."""
    s = SIZES[size]
    firsts, outs = [], []
    for c in contenders:
        t0 = time.perf_counter()
        outs.append(c.fn())
        firsts.append(time.perf_counter() - t0)
    if s.budget <= 0.0:
        return [(first, 1, out) for first, out in zip(firsts, outs)]
    gc.collect()  # as in _timed
    numbers, total = [], 0.0
    for c, first in zip(contenders, firsts):
        number, elapsed = _calibrated(c.fn, first, s.min_round)
        numbers.append(number)
        total += elapsed
    budget = s.budget * len(contenders)
    rounds = int(min(s.max_rounds, max(s.min_rounds, PAIRED_MIN_ROUNDS,
                                        budget // max(total, 1e-12))))
    samples = [[] for _ in contenders]
    for _ in range(rounds):
        for c, number, row in zip(contenders, numbers, samples):
            row.append(_round(c.fn, number))
    return [(statistics.median(row), rounds, out) for row, out in zip(samples, outs)]


PYTHON_PEERS = ("reference", "scipy", "numdifftools", "numpy")
"""Peers whose first call compiles nothing (SciPy with a jac from fastgrad or JAX counts as
fastgrad or JAX)."""


def measure(contender: "Contender", size: str):
    """``(median seconds, rounds, output)`` of one contender at ``size``."""
    s = SIZES[size]
    if contender.heavy:
        rounds = contender.rounds or s.heavy_rounds
        samples, out = [], None
        for r in range(rounds):
            t0 = time.perf_counter()
            result = contender.fn()
            wall = time.perf_counter() - t0
            samples.append(contender.seconds(result) if contender.seconds else wall)
            if r == 0:
                out = result
        return statistics.median(samples), rounds, out
    return _timed(contender.fn, s.budget, s.min_round, s.min_rounds, s.max_rounds,
                  first_counts=contender.peer in PYTHON_PEERS)
