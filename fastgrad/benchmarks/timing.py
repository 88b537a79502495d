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
    number, elapsed = 1, first
    while elapsed < min_round and number < 1 << 22:
        number *= 2 if elapsed == 0.0 else max(2, min(10, int(min_round / elapsed) + 1))
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
    rounds = int(min(max_rounds, max(min_rounds, budget // max(elapsed, 1e-12))))
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        samples.append((time.perf_counter() - t0) / number)
    return statistics.median(samples), rounds, out


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
