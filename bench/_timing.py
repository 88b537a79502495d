"""Median timing of callables measured side by side in one process."""

from __future__ import annotations

import statistics
import time


def median_seconds(fn, *, repeat: int = 7, min_time: float = 0.05) -> float:
    """Median over ``repeat`` rounds of the time per call of ``fn`` (warm: called first).

    Each round runs ``fn`` enough times to last about ``min_time`` seconds, so the timer's
    resolution does not matter.
    """
    fn()
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= min_time or number >= 1 << 22:
            break
        number *= 2 if elapsed == 0 else max(2, min(10, int(min_time / elapsed) + 1))
    rounds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - t0) / number)
    return statistics.median(rounds)


def fmt_time(seconds: float) -> str:
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
