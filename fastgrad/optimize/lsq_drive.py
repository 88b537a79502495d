"""The chunked driver of :func:`fastgrad.least_squares`: the solver of one residual
function (compiled, or on the Python engine after Numba's refusal) run over the problems in
chunks, between which the callback runs and Ctrl-C is noticed; the Jacobian at x of the
problems the callback stops; and the compilation done before the clock of ``max_time``
starts, which (as for ``minimize``) does not count against it."""

from __future__ import annotations

import math
import warnings

import numba
import numpy as np

from .._core import jit as _jit
from .._core.clock import clock
from .._core.objective import (
    _LOCK, FastgradWarning, _reason, is_compile_error, not_compilable, threads_may_share)
from . import lm, trf
from .lsq_jacobian import copy_matrix, copy_matrix_jit, make_analytic_jacobian
from .lsq_report import lsq_result
from .resolution import make_fit_unresolved
from .per_start import make_picker, row_args
from .result import callback_halts

CHUNK_SECONDS = 0.25
"""A run returns to Python (where Ctrl-C is noticed) at least this often."""


def drive(obj, jac_obj, mask, strict, arrays, x_start, callback, every, batched,
          method="lm", solver=None) -> None:
    """Run the solver of ``method`` chunk by chunk until every problem has stopped: a chunk
    ends at the next multiple of ``every`` iterations (with a callback) or after
    :data:`CHUNK_SECONDS`; the callback runs once every running problem has reached that
    multiple (a chunk that ends on time, as the first can while it compiles, does not call
    it). Ctrl-C between chunks stops the problems still running (status 11)."""
    X, R, J, D, INFO, FS, settings = arrays[:7]
    due = math.inf if every is None else every
    threads = X.shape[0] == 1 or all(
        threads_may_share(o) for o in ((obj,) if jac_obj is None else (obj, jac_obj)))
    try:
        if settings[lm.DEADLINE_S] < math.inf:  # compiling is not counted against max_time
            begin = clock()
            solver = _prepare(obj, jac_obj, mask, strict, arrays, solver, method, threads)
            settings[lm.DEADLINE_S] += clock() - begin
        while True:
            settings[lm.CHUNK_ITER_S] = due
            settings[lm.CHUNK_END_S] = clock() + CHUNK_SECONDS
            solver, more = _run(obj, jac_obj, mask, strict, arrays, x_start, solver, method,
                                threads)
            if not more:
                return
            running = INFO[:, lm.STATUS] == lm.RUNNING
            if not running.any() or INFO[running, lm.NIT].min() < due:
                continue
            due += every
            if callback_halts(callback, lsq_result(
                X.copy(), R.copy(), J.copy(), INFO.copy(), settings, x_start, batched,
                D if method == "trf" else None)):
                _finish(obj, jac_obj, mask, strict, arrays, x_start, solver, method, threads)
                INFO[running, lm.STATUS] = lm.CALLBACK
                return
    except KeyboardInterrupt:
        left = (INFO[:, lm.STATUS] == lm.RUNNING) | (INFO[:, lm.STATUS] == lm.NOT_STARTED)
        if not left.any():
            raise
        INFO[left, lm.STATUS] = lm.INTERRUPTED
        warnings.warn(f"least_squares was interrupted (KeyboardInterrupt): {int(left.sum())} "
                      "problem(s) stopped with status 11 and their last iterate; the result "
                      "is returned", FastgradWarning, stacklevel=4)


def _finish(obj, jac_obj, mask, strict, arrays, x_start, solver, method, threads) -> None:
    """The Jacobian at x of the problems the callback stops, so that their ``jac``, ``grad``
    and ``optimality`` describe x: one more chunk with no budget left, where the solver
    takes it as after ``max_nfev`` (when x moved since the last one) and begins nothing else."""
    settings = arrays[6]
    kept = settings.copy()
    settings[lm.MAX_NFEV_S], settings[lm.CHUNK_ITER_S], settings[lm.CHUNK_END_S] = (
        0.0, math.inf, math.inf)
    try:
        _run(obj, jac_obj, mask, strict, arrays, x_start, solver, method, threads)
    finally:
        settings[:] = kept


def _prepare(obj, jac_obj, mask, strict, arrays, solver, method, threads):
    """Compile the solver (or the batched loop over threads) for these arguments without
    running it; the solver to run: the Python engine's where Numba refuses (after the
    warning, or TypeError if ``strict``)."""
    if solver is None:
        solver = _solver(obj, jac_obj, _engine(obj, jac_obj, strict), method)
    if solver.engine == "python":
        return solver
    X, R, J, D, INFO, FS, settings, scheme, steps, plain = arrays
    parallel = X.shape[0] > 1 and threads
    if parallel:
        loop = solver.batch_loop(mask)
        arguments = (X, R, J, D, INFO, FS, settings, scheme, steps, plain,
                     np.zeros(0, dtype=np.bool_))
    else:
        loop = solver.single
        arguments = (X[0], R[0], J[0], D[0], INFO[0], FS[0], settings, scheme, steps,
                     row_args(plain, mask, 0))
    try:
        loop.compile(tuple(numba.typeof(a) for a in arguments))
    except Exception as exc:
        if not is_compile_error(exc):
            raise
        solver = _fall_back(exc, obj, jac_obj, strict, plain, method)
    return solver


def _fall_back(exc, obj, jac_obj, strict: bool, plain: tuple, method: str):
    """The Python engine's solver after Numba refused to compile the solver (``exc``): the
    warning (at the user's line: call paths differ in depth), or TypeError if ``strict``;
    the refusal recorded so that later fits of this objective go to the Python engine at
    once."""
    obj.recover(exc, strict, "least_squares", plain, stacklevel=None)
    with _LOCK:
        obj.failures.setdefault(("least_squares", ()), _reason(exc))
    return _solver(obj, jac_obj, "python", method)


class _Solver:
    """The compiled (or Python) single-problem solver of one residual function and Jacobian,
    and its batched loops, one per per-start mask (built on first use)."""

    __slots__ = ("engine", "single", "batched")

    def __init__(self, engine: str, single):
        self.engine = engine
        self.single = single
        self.batched: dict = {}

    def batch_loop(self, mask: tuple):
        loop = self.batched.get(mask)
        if loop is None:
            python = self.engine == "python"
            source = lm.make_batched_lm(self.single, make_picker(mask, python))
            loop = source if python else _jit.jit_parallel(source)
            self.batched[mask] = loop
        return loop


def _solver(obj, jac_obj, engine: str, method: str = "lm") -> _Solver:
    key = ("least_squares", jac_obj, engine) + (() if method == "lm" else (method,))
    solver = obj.drivers.get(key)
    if solver is None:
        with _LOCK:
            solver = obj.drivers.get(key)
            if solver is None:
                solver = _build_solver(obj, jac_obj, engine, method)
                obj.drivers[key] = solver
    return solver


def _build_solver(obj, jac_obj, engine: str, method: str = "lm") -> _Solver:
    python = engine == "python"
    f = obj.python_f if python else obj.callable
    bounded = method == "trf"
    if jac_obj is None:
        name = "bounded_jacobian_at" if bounded else "jacobian_at"
        jacobian = obj.python_kernel(name) if python else obj.kernel(name)
    else:
        jac_f = jac_obj.python_f if python else jac_obj.callable
        make = trf.make_analytic_jacobian if bounded else make_analytic_jacobian
        jacobian = make(jac_f, copy_matrix if python else copy_matrix_jit)
        jacobian = jacobian if python else _jit.jit(jacobian)
    unresolved = make_fit_unresolved(f)
    unresolved = unresolved if python else _jit.jit(unresolved)
    if bounded:
        single = trf.make_trf(f, jacobian, jac_obj is not None, unresolved)
    else:
        single = lm.make_lm(f, jacobian, lm.difference_cost if jac_obj is None
                            else lm.analytic_cost, unresolved)
    return _Solver(engine, single if python else _jit.jit(single))


def _engine(obj, jac_obj, strict: bool = False) -> str:
    """The engine of the solver: Python where f or jac runs on it or Numba refused the
    solver before; with ``strict`` (``jit=True``) a TypeError instead, as on the first call
    (a refusal remembered from a call with ``jit=None`` must not let ``jit=True`` run on
    Python)."""
    python = obj.engine == "python" or (jac_obj is not None and jac_obj.engine == "python")
    if not python and obj.failures:
        python = any(key[0] == "least_squares" for key in obj.failures)
    if not python:
        return "jit"
    if strict:
        reasons = [o.reason for o in (obj, jac_obj) if o is not None and o.engine == "python"]
        raise not_compilable(reasons[0] if reasons else next(iter(obj.failures.values())))
    return "python"


def _run(obj, jac_obj, mask: tuple, strict: bool, arrays: tuple, x_start: np.ndarray,
         solver=None, method: str = "lm", threads: bool = True):
    """Run one chunk of the solver over every row of ``X`` (in place; over threads where
    ``threads``), compiled where Numba can: ``(the solver used (the Python engine's after a
    compile failure), True if a problem is still running)``."""
    if solver is None:
        solver = _solver(obj, jac_obj, _engine(obj, jac_obj, strict), method)
    try:
        more = _run_rows(solver, mask, arrays, x_start, threads)
    except Exception as exc:
        if solver.engine == "python" or not is_compile_error(exc):
            raise
        solver = _fall_back(exc, obj, jac_obj, strict, arrays[-1], method)
        more = _run_rows(solver, mask, arrays, x_start, threads)
    return solver, more


def _run_rows(solver: _Solver, mask: tuple, arrays: tuple, x_start: np.ndarray,
              threads: bool = True) -> bool:
    """One chunk over the rows (in parallel where ``threads``, else one after another): True
    if a problem is still running after it."""
    X, R, J, D, INFO, FS, settings, scheme, steps, plain = arrays
    m = X.shape[0]
    if m == 1 and solver.engine != "python":  # (compiled code keeps no numpy error state)
        return solver.single(X[0], R[0], J[0], D[0], INFO[0], FS[0], settings, scheme, steps,
                             row_args(plain, mask, 0)) == lm.RUNNING
    if m == 1 or not threads:
        with np.errstate(all="ignore"):
            for i in range(m):
                solver.single(X[i], R[i], J[i], D[i], INFO[i], FS[i], settings, scheme, steps,
                              row_args(plain, mask, i))
        return bool((INFO[:, lm.STATUS] == lm.RUNNING).any())
    finished = np.zeros(m, dtype=np.bool_)
    loop = solver.batch_loop(mask)
    try:
        with np.errstate(all="ignore"):
            if solver.engine == "python":
                loop(X, R, J, D, INFO, FS, settings, scheme, steps, plain, finished)
            else:
                _jit.launch_parallel(loop, (X, R, J, D, INFO, FS, settings, scheme, steps,
                                            plain, finished))
    except SystemError:  # fun raised in the parallel loop, on the main thread
        pass
    for i in np.flatnonzero(~finished):  # rerun alone from x0, to raise what fun raised
        whole = settings.copy()
        whole[lm.CHUNK_ITER_S] = whole[lm.CHUNK_END_S] = math.inf
        info = np.zeros(lm.INFO_SIZE, dtype=np.int64)
        info[lm.STATUS] = lm.NOT_STARTED
        fs = np.zeros(lm.state_size(X.shape[1]))
        solver.single(x_start[i].copy(), R[i], J[i], D[i].copy(), info, fs, whole, scheme,
                      steps, row_args(plain, mask, i))
        raise RuntimeError(f"fun raised an exception for problem {i} of the batch in a "
                           "parallel thread, and did not raise it again when rerun alone")
    return bool((INFO[:, lm.STATUS] == lm.RUNNING).any())
