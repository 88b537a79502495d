"""The one place for Numba options.

Every compiled function of fastgrad is built through :func:`jit`, :func:`jit_inline`,
:func:`jit_parallel` or :func:`jit_objective`, so the options below are the whole story:

* ``nogil=True``: kernels release the GIL, so Python threads can run them side by side.
* ``error_model="numpy"``: ``1/0`` gives ``inf`` as it does for numpy scalars, instead of
  raising ``ZeroDivisionError`` inside compiled code; a NaN or inf from the objective is passed
  through to the caller, never hidden.
* ``fastmath=False``: the step policy relies on ``(x + h) - x`` being evaluated exactly as
  written; fastmath may reassociate it to ``h``.
* Threading layer: Numba's ``workqueue`` layer (what Numba falls back to when neither OpenMP
  nor TBB can be loaded) aborts the process when two threads launch parallel kernels at the
  same time; :func:`launch_parallel` then runs such launches one after another.
* ``cache``: only the module-level helpers that do not close over a user's objective are cached
  on disk; a kernel specialised for one objective is a closure, which Numba cannot cache.
"""

from __future__ import annotations

import threading

import numba

JIT_OPTIONS = {"nogil": True, "error_model": "numpy", "fastmath": False}
"""Options of every compiled kernel."""

CACHED_OPTIONS = {**JIT_OPTIONS, "cache": True}
"""Options of module-level helpers that do not depend on a user's objective."""

PARALLEL_OPTIONS = {**JIT_OPTIONS, "parallel": True}
"""Options of the kernels that run over the rows of a batch with ``prange``."""

OBJECTIVE_OPTIONS = {**JIT_OPTIONS}
"""Options used to compile a user's plain Python objective."""


def jit(fn=None, **overrides):
    """Compile ``fn`` with :data:`JIT_OPTIONS` (usable as ``@jit`` or ``jit(fn)``)."""
    options = {**JIT_OPTIONS, **overrides}
    if fn is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(fn)


def jit_cached(fn):
    """Compile a module-level helper with on-disk caching."""
    return numba.njit(**CACHED_OPTIONS)(fn)


def jit_inline(fn):
    """Compile a small helper that Numba inlines into each compiled caller (``inline="always"``):
    the hot loop of ``minimize`` calls it once per iteration, and a call between separately
    compiled functions costs the reference counting of every array argument (about 25 ns
    for six arrays, as much as the whole update of gradient descent). A Python caller gets
    it compiled as usual."""
    return numba.njit(inline="always", **JIT_OPTIONS)(fn)


def jit_parallel(fn):
    """Compile a batched kernel whose outer loop is a ``prange``."""
    return numba.njit(**PARALLEL_OPTIONS)(fn)


def jit_objective(fn):
    """Compile a user's plain Python objective (lazily: nothing happens until its first call)."""
    return numba.njit(**OBJECTIVE_OPTIONS)(fn)


def is_dispatcher(obj) -> bool:
    """True for a function already compiled by ``numba.njit`` (a CPU dispatcher)."""
    return isinstance(obj, numba.core.registry.CPUDispatcher)


_LAUNCH_LOCK = threading.Lock()
_CONCURRENT_LAYERS = ("omp", "tbb")
_concurrent = False  # True once a launch has shown a layer that allows concurrent launches


def launch_parallel(kernel, arguments: tuple):
    """``kernel(*arguments)`` for a kernel compiled with ``parallel=True``.

    Under the ``omp`` and ``tbb`` threading layers parallel kernels may be launched from
    several threads at once. Under ``workqueue`` (and before the first launch has told which
    layer Numba chose) launches are serialized by a process-wide lock: a second thread waits
    for the first launch to end instead of aborting the process.
    """
    if _concurrent:
        return kernel(*arguments)
    with _LAUNCH_LOCK:
        try:
            return kernel(*arguments)
        finally:
            _learn_layer()


def _learn_layer() -> None:
    global _concurrent
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel region has run yet (the kernel ran as Python)
        return
    _concurrent = layer in _CONCURRENT_LAYERS
