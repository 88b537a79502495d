"""No leaks, no drift: many calls keep memory flat and give bit-identical results.

Three measures of memory, each after a warm-up: Python allocations (``tracemalloc``; numpy
reports its buffers to it), allocations made inside compiled code (Numba's runtime counts
allocations and frees when its statistics are on: every allocation must be freed), and the
resident set size of the process (Linux ``/proc``; a generous bound, as the allocator keeps
freed pages).
"""

from __future__ import annotations

import os
import tracemalloc

import numpy as np
import pytest

import fastgrad
from fastgrad import problems
from fastgrad._core import cache

try:  # Numba's runtime statistics: allocations and frees made by compiled code
    from numba.core.runtime import _nrt_python as _nrt
    from numba.core.runtime import rtsys
except ImportError:  # pragma: no cover - a Numba without them
    _nrt = rtsys = None

ROSEN = problems.rosenbrock  # compiled objectives shared with the rest of the suite
SEED = problems.seed_quadratic3
MB = 2**20


def rss() -> int | None:
    """Resident set size in bytes (Linux), or None."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class Memory:
    """Python (with ``trace=True``: ``tracemalloc`` slows Python down several times, so it
    watches a tenth of the calls), compiled-code and process memory around a block of calls."""

    def __init__(self, trace: bool):
        self.trace = trace

    def __enter__(self):
        self.stats = _nrt is not None and not _nrt.memsys_stats_enabled()
        if self.stats:
            _nrt.memsys_enable_stats()
        if self.trace:
            tracemalloc.start()
            self.python = tracemalloc.get_traced_memory()[0]
        self.compiled = self._unfreed()
        self.rss = rss()
        return self

    def __exit__(self, *exc):
        if self.trace:
            self.python_growth = tracemalloc.get_traced_memory()[0] - self.python
            tracemalloc.stop()
        self.unfreed = self._unfreed() - self.compiled
        self.rss_growth = None if self.rss is None else rss() - self.rss
        if self.stats:
            _nrt.memsys_disable_stats()

    @staticmethod
    def _unfreed() -> int:
        if rtsys is None:
            return 0
        stats = rtsys.get_allocation_stats()
        return (stats.alloc - stats.free) + (stats.mi_alloc - stats.mi_free)

    def check(self, python_bytes: int = 256 * 1024, rss_bytes: int = 20 * MB) -> None:
        if self.trace:
            assert self.python_growth < python_bytes, self.python_growth
        assert self.unfreed == 0, f"{self.unfreed} allocation(s) of compiled code not freed"
        if self.rss_growth is not None:
            assert self.rss_growth < rss_bytes, self.rss_growth


def repeat(call, times: int):
    """Call ``call()`` ``times`` times; True if every result equals the first, bit for bit."""
    first = call()
    same = True
    for _ in range(times - 1):
        same &= np.array_equal(call(), first)
    return same


def measure(call, calls: int, warm_up: int) -> None:
    """Warm up, then ``calls`` calls untraced and a tenth of them traced: memory stays flat
    and every result equals the first."""
    repeat(call, warm_up)  # compile, fill caches
    objectives = len(cache._REGISTRY)
    for trace, times in ((False, calls), (True, calls // 10)):
        with Memory(trace) as memory:
            identical = repeat(call, times)
        assert identical
        memory.check()
    assert len(cache._REGISTRY) == objectives  # nothing cached per call


# x has fewer than 8 coordinates and a batch fewer than 64 rows: the gradient never switches
# to its parallel kernel (a switch compiles once, which a leak test would count as growth)


@pytest.mark.parametrize(("method", "shape", "calls"), [
    ("central", (6,), 100_000),
    ("complex", (6,), 10_000),  # the complex kernel allocates a workspace per call
    ("central4", (8, 6), 10_000),  # a batch of rows
])
def test_gradient_calls_keep_memory_flat_and_results_identical(method, shape, calls):
    x = np.linspace(-1.0, 1.5, int(np.prod(shape))).reshape(shape)
    measure(lambda: fastgrad.gradient(ROSEN, x, method=method), calls, warm_up=2_000)


@pytest.mark.parametrize(("x0", "options", "calls"), [
    ([10.0, 10.0, 10.0], dict(method="gd", lr=0.05, max_iter=20, gtol=0.0), 10_000),
    ([10.0, 10.0, 10.0], dict(method="lbfgs", history=True), 2_000),
    ([[10.0, 10.0, 10.0], [-3.0, 2.0, 1.0]], dict(method="adam", lr=0.1, max_iter=50), 200),
    ([10.0, 10.0, 10.0], dict(method="gd", lr=0.05, max_iter=5, jit=False), 1_000),
], ids=["gd", "lbfgs-history", "adam-batched", "gd-python-engine"])
def test_minimize_calls_keep_memory_flat_and_results_identical(x0, options, calls):
    x0 = np.array(x0)

    def call():
        res = fastgrad.minimize(SEED, x0, **options)
        return np.concatenate([np.ravel(res.x), np.ravel(res.fun), np.ravel(res.nfev)])

    measure(call, calls, warm_up=100)
