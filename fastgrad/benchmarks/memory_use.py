"""Peak memory of one warm call of each contender of :data:`MEMORY_WORKLOADS`."""

from __future__ import annotations

import gc

from .contenders import skip_reason
from .minimize_workloads import _batched_workload
from .sizes import SIZES
from .workloads import build

MEMORY_WORKLOADS = ("gradient-rosen-n1000", "batched-rastrigin")


def _rss_kib(field_name: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise OSError(field_name)


def _release_freed_memory() -> None:
    """Give memory freed by earlier work back to the OS (glibc), so that the resident set
    is what is in use and a new allocation shows in it."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def peak_memory(fn) -> tuple[float, str]:
    """Bytes of memory one call of ``fn`` needs at its peak, above what the process holds.

    On Linux: the peak resident set (VmHWM, reset through /proc/self/clear_refs just before
    the call, after freed memory was given back to the OS) minus the resident set before the
    call: every allocation counts, compiled code's and JAX's included. Elsewhere: the peak
    that tracemalloc sees (Python and numpy allocations only). ``fn`` should be warm.
    """
    _release_freed_memory()
    try:
        rss0 = _rss_kib("VmRSS")
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        fn()
        return max(0, _rss_kib("VmHWM") - rss0) * 1024.0, "peak RSS"
    except OSError:
        import tracemalloc

        tracemalloc.start()
        try:
            fn()
            return float(tracemalloc.get_traced_memory()[1]), "tracemalloc"
        finally:
            tracemalloc.stop()


def memory(size: str = "full") -> list:
    """Peak memory of one call of each contender of :data:`MEMORY_WORKLOADS` (warm).

    The batched workload runs ``memory_steps`` steps here (its memory does not grow with
    the steps); the fastgrad.reference subset of it is left out (it runs starts one by one).
    """
    rows = []
    for wid in MEMORY_WORKLOADS:
        if wid == "batched-rastrigin":
            w = _batched_workload(size, steps=SIZES[size].memory_steps)
        else:
            w = build(wid, size)
        for c in w.contenders:
            if skip_reason(c, size) or (w.kind == "batched" and c.peer == "reference"):
                continue
            c.fn()  # warm, twice: a kernel may finish compiling on its second call
            c.fn()
            peak, how = peak_memory(c.fn)
            rows.append({"workload": w.id, "title": w.title, "contender": c.name,
                         "peak_bytes": peak, "method": how})
    return rows
