"""Benchmarks: fastgrad against the reference and the tools its users would otherwise use.

``fastgrad bench [--quick] [--json FILE] [--plot FILE.png]`` runs every workload below in one
process, prints the median time of each contender with the ratios measured in the same run,
checks the performance goals (:data:`GOALS`), and saves JSON and a speedup chart. The
pytest-benchmark suite in ``bench/`` (``pytest bench``) is a thin wrapper over this module: it
runs the same workloads, one benchmark group per workload, so that there is one place for each.

Workloads (``--list`` prints their ids):

* ``gradient-rosen-n{2,10,100,1000}``: the gradient of Rosenbrock written with numpy slices
  (:func:`rosenbrock_numpy`, the function every contender gets; fastgrad compiles it), called
  from Python, at the standard start of :func:`fastgrad.problems.make_rosenbrock`.
* ``gradient-slow-n{...}``: the same for an objective that burns about 50 us per call
  (:func:`make_slow_objective`): the time is then the evaluations, not the overhead.
* ``compiled-rosen-n{...}``: gradients computed inside a compiled loop (no Python in between):
  fastgrad's kernel, ``fastgrad.grad(f)`` called from ``@njit`` code, the hand-written Numba
  floor (a central-difference loop that evaluates f 2n times and nothing else) and a jitted
  JAX loop. The scheme and the step are passed as run-time values, as ``fastgrad.gradient``
  passes them, so the compiler cannot fold them into either loop.
* ``overhead-n3``: the per-call overhead of ``fastgrad.gradient``: its time minus that of a
  compiled call doing the same 2n evaluations.
* ``seed-gd``: the seeds' example: gradient descent on ``2(x-1)^2 + (y-0.5)^2 + (z+4)^2`` from
  (10, 10, 10), lr 0.01, 500 steps.
* ``lbfgs-rosen-n{10,100}``: L-BFGS on numpy Rosenbrock to ``||g||_inf <= 1e-6``, against
  SciPy's L-BFGS-B with finite differences (its default, ``jac="2-point"``).
* ``batched-rastrigin``: 10,000 starts of gradient descent on Rastrigin n = 10, 1,000 steps,
  in one batched call, on 2 threads and on 1, against the same algorithm vectorized in numpy.
* ``cold-start``: a fresh process imports fastgrad and differentiates a new objective.

Peers, each only when installed (a row says ``skipped: not installed`` otherwise; ``pip
install 'fastgrad[bench]'`` installs them): ``fastgrad.reference``, SciPy
(``approx_fprime``, ``approx_derivative``, ``minimize``), numdifftools, JAX (``jax.jit``
of ``jax.grad``, exact reverse-mode autodiff, and jitted loops), and the hand-written Numba
floor. Peak memory of one call is measured for the batched workload and the n = 1000
gradient (:func:`memory`).

Timing: every contender is called once first (JIT warm-up, and the output whose error and
number of evaluations are recorded), then timed in rounds of enough calls to last
``min_round`` seconds; the median round is reported. SciPy and numpy are measured with
``OPENBLAS_NUM_THREADS=1``: on a shared machine OpenBLAS's own threads only add noise, and
the variable must be set before numpy is imported, so ``fastgrad bench`` runs the suite in a
child process with it set unless it is set already.
"""

from __future__ import annotations

import argparse
import functools
import gc
import importlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numba
import numpy as np

import fastgrad

from .. import problems, reference
from .._jit import JIT_OPTIONS, OBJECTIVE_OPTIONS
from .._validate import steps_array
from ..steps import CENTRAL, REL_STEPS

__all__ = [
    "SIZES", "WORKLOADS", "GOALS", "Contender", "Workload", "build", "measure",
    "run_workload", "run", "evaluate_goals", "crossover", "memory", "plot",
    "rosenbrock_numpy", "rastrigin_numpy", "rastrigin_numpy_batch", "make_slow_objective",
    "add_arguments", "run_cli", "main",
]

DIMS = (2, 10, 100, 1000)
"""Dimensions of the gradient workloads."""
LBFGS_DIMS = (10, 100)
LBFGS_GTOL = 1e-6
SEED_LR, SEED_STEPS = 0.01, 500
BATCH_DIM, BATCH_LR = 10, 1e-3
BATCH_SEED = 20240917
REL_CENTRAL = float(REL_STEPS[CENTRAL])
"""The relative step of central differences, ``eps**(1/3)``, as fastgrad uses it."""
INSTALL_HINT = "pip install 'fastgrad[bench]'"


@dataclass(frozen=True)
class Size:
    """How big the workloads are and how long each contender is timed."""

    starts: int          # batched: number of starts
    steps: int           # batched: gradient-descent steps
    ref_starts: int      # batched: starts run by the (slow) reference, its time scaled up
    slow_us: float       # cost of one call of the slow objective, microseconds
    reps_inside: int     # compiled workloads: gradients per call
    budget: float        # seconds of timing per contender (0: the warm-up call only)
    min_round: float     # seconds per timing round
    min_rounds: int
    max_rounds: int
    heavy_rounds: int    # rounds of the batched workload (each is one full run)
    cold_runs: int       # fresh processes per cold-start contender
    memory_steps: int    # batched steps when measuring memory (memory does not grow with them)
    lbfgs_max_iter: int  # L-BFGS iterations at most (smoke: a few, the result is not checked)
    skip_long: bool      # skip the contenders marked long (seconds per call)


SIZES = {
    "full": Size(starts=10_000, steps=1_000, ref_starts=10, slow_us=50.0, reps_inside=200,
                 budget=1.0, min_round=0.05, min_rounds=3, max_rounds=7, heavy_rounds=3,
                 cold_runs=5, memory_steps=5, lbfgs_max_iter=100_000, skip_long=False),
    "quick": Size(starts=1_000, steps=100, ref_starts=2, slow_us=50.0, reps_inside=50,
                  budget=0.05, min_round=0.005, min_rounds=1, max_rounds=5, heavy_rounds=1,
                  cold_runs=1, memory_steps=2, lbfgs_max_iter=100_000, skip_long=True),
    "smoke": Size(starts=64, steps=10, ref_starts=1, slow_us=2.0, reps_inside=2,
                  budget=0.0, min_round=0.0, min_rounds=1, max_rounds=1, heavy_rounds=1,
                  cold_runs=1, memory_steps=2, lbfgs_max_iter=20, skip_long=True),
}
"""``full`` (``fastgrad bench``), ``quick`` (``--quick``, under a minute on 2 cores) and
``smoke`` (every workload once at toy sizes: ``pytest bench --benchmark-disable``, CI)."""


# ---------------------------------------------------------------------------------------------
# Optional peers
# ---------------------------------------------------------------------------------------------

_PEERS: dict = {}


def peer(name: str):
    """The module of the optional peer ``name`` (scipy, numdifftools, jax), or None.

    JAX is switched to float64 (``jax_enable_x64``) so that it computes what the others do.
    """
    if name not in _PEERS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(name)
                if name == "jax":
                    module.config.update("jax_enable_x64", True)
                    importlib.import_module("jax.numpy")
                elif name == "scipy":
                    importlib.import_module("scipy.optimize")
        except ImportError:
            module = None
        _PEERS[name] = module
    return _PEERS[name]


def not_installed(name: str) -> str:
    return f"{name}: not installed ({INSTALL_HINT})"


def versions() -> dict:
    """Versions of Python, the core libraries and every peer (None: not installed)."""
    out = {"python": platform.python_version(), "numpy": np.__version__,
           "numba": numba.__version__, "fastgrad": fastgrad.__version__}
    for name in ("scipy", "numdifftools", "jax"):
        module = peer(name)
        out[name] = getattr(module, "__version__", "?") if module is not None else None
    return out


# ---------------------------------------------------------------------------------------------
# Objectives: numpy forms of problems of the shared table, the slow objective, JAX forms
# ---------------------------------------------------------------------------------------------


def rosenbrock_numpy(x):
    """:func:`fastgrad.problems.rosenbrock` written with numpy slices, as SciPy users write it."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rastrigin_numpy(x):
    """:func:`fastgrad.problems.rastrigin` written with numpy, for one point ``x`` (n,)."""
    return 10.0 * x.shape[0] + np.sum(x * x - 10.0 * np.cos(2.0 * np.pi * x))


def rastrigin_numpy_batch(X):
    """The same expression for a batch of points ``X`` (m, n): returns (m,)."""
    return 10.0 * X.shape[1] + np.sum(X * X - 10.0 * np.cos(2.0 * np.pi * X), axis=1)


_COMPILED: dict = {}


def compiled(f):
    """``f`` compiled with the options fastgrad uses for a user's objective (cached)."""
    if f not in _COMPILED:
        _COMPILED[f] = numba.njit(**OBJECTIVE_OPTIONS)(f)
    return _COMPILED[f]


@numba.njit(**JIT_OPTIONS)
def _burn(s, iterations):
    acc = 0.0
    for _ in range(iterations):
        acc = 0.5 * acc + s
    return 0.5 * acc


_SLOW: dict = {}


def make_slow_objective(microseconds: float = 50.0):
    """Rosenbrock that costs about ``microseconds`` per call: a compiled busy loop.

    ``acc <- acc / 2 + f`` converges to ``2 f`` exactly, so the value is Rosenbrock's, bit for
    bit (and its gradient the table's); the chain of dependent operations cannot be shortened
    by the compiler. The iteration count is calibrated once on this machine and frozen into
    the function, a ``numba.njit`` dispatcher that every contender calls (Python peers pay a
    call from Python into compiled code: well under a microsecond). Returns ``(f, measured
    microseconds per call)``.
    """
    key = float(microseconds)
    if key not in _SLOW:
        _burn(1.0, 10)
        probe = 200_000
        t0 = time.perf_counter()
        _burn(1.0, probe)
        per_iteration = (time.perf_counter() - t0) / probe
        iterations = max(1, int(round(key * 1e-6 / per_iteration)))
        rosen = compiled(problems.rosenbrock)

        def slow_rosenbrock(x):
            s = rosen(x)
            acc = 0.0
            for _ in range(iterations):
                acc = 0.5 * acc + s
            return 0.5 * acc

        f = numba.njit(**OBJECTIVE_OPTIONS)(slow_rosenbrock)
        x = np.linspace(-1.0, 2.0, 10)
        f(x)
        _SLOW[key] = (f, median_seconds(lambda: f(x), budget=0.05, min_round=0.01) * 1e6)
    return _SLOW[key]


def _jax_rosenbrock(x):
    jnp = peer("jax").numpy
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _jax_rastrigin(x):
    jnp = peer("jax").numpy
    return 10.0 * x.shape[0] + jnp.sum(x * x - 10.0 * jnp.cos(2.0 * jnp.pi * x))


# ---------------------------------------------------------------------------------------------
# Compiled helpers: the Numba floor and loops around fastgrad's kernel
# ---------------------------------------------------------------------------------------------


@functools.cache
def _floor_into(fc):
    """The floor: a hand-written central-difference loop, 2n evaluations of ``fc``, the same
    step rule as fastgrad (``h = rel * max(1, |x_i|)``, divided by ``(x + h) - x``), with
    ``rel`` a run-time argument; no checks."""

    @numba.njit(**JIT_OPTIONS)
    def floor_into(x, rel, out):
        for i in range(x.shape[0]):
            xi = x[i]
            h = rel * max(1.0, abs(xi))
            h = (xi + h) - xi
            x[i] = xi + h
            fp = fc(x)
            x[i] = xi - h
            fm = fc(x)
            x[i] = xi
            out[i] = (fp - fm) / (2.0 * h)

    return floor_into


@functools.cache
def _floor_call(floor_into):
    """The floor called from Python: copies ``x`` and returns a new array, as fastgrad does."""

    @numba.njit(**JIT_OPTIONS)
    def floor(x, rel):
        xw = x.copy()
        out = np.empty_like(xw)
        floor_into(xw, rel, out)
        return out

    return floor


@functools.cache
def _floor_repeat(floor_into):
    @numba.njit(**JIT_OPTIONS)
    def repeat(x, rel, out, reps):
        for _ in range(reps):
            floor_into(x, rel, out)
        return out[0]

    return repeat


@functools.cache
def _floor_gd(floor_into):
    @numba.njit(**JIT_OPTIONS)
    def gd(x0, rel, lr, steps):
        x = x0.copy()
        g = np.empty_like(x)
        for _ in range(steps):
            floor_into(x, rel, g)
            for i in range(x.shape[0]):
                x[i] -= lr * g[i]
        return x

    return gd


@functools.cache
def _kernel_repeat(kernel):
    @numba.njit(**JIT_OPTIONS)
    def repeat(x, scheme, steps, out, reps):
        for _ in range(reps):
            kernel(x, scheme, steps, out, ())
        return out[0]

    return repeat


@functools.cache
def _grad_repeat(g):
    @numba.njit(**JIT_OPTIONS)
    def repeat(x, reps):
        s = 0.0
        for _ in range(reps):
            s += g(x)[0]
        return s

    return repeat


@functools.cache
def _evaluations(fc):
    @numba.njit(**JIT_OPTIONS)
    def evaluations(x, k):
        s = 0.0
        for _ in range(k):
            s += fc(x)
        return s

    return evaluations


@functools.cache
def _fastgrad_grad(f):
    return fastgrad.grad(f)


def _fastgrad_kernel(f):
    """fastgrad's compiled central-difference kernel for ``f``:
    ``kernel(x, scheme, steps, out, args) -> status`` (built by one call of gradient)."""
    from .. import _objective

    fastgrad.gradient(f, np.ones(2))
    return _objective.get(f, None).kernel("gradient")


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def median_seconds(fn, *, budget: float = 1.0, min_round: float = 0.05, min_rounds: int = 3,
                   max_rounds: int = 7):
    """Median seconds per call of ``fn`` (called once first, not timed)."""
    return _timed(fn, budget, min_round, min_rounds, max_rounds)[0]


def _timed(fn, budget, min_round, min_rounds, max_rounds, first_counts=False):
    """``(median seconds per call, rounds, output of the first call)``.

    ``first_counts``: the first call may be the only sample when it alone exceeds the budget
    and one round is enough (plain Python, nothing compiles on a first call)."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    if budget <= 0.0 or (first_counts and first >= budget and min_rounds <= 1):
        return first, 1, out
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


def fmt_ratio(value) -> str:
    """``12.3x``, ``1,170x``, ``0.00521x``."""
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:,.0f}x" if value >= 1000 else f"{value:.3g}x"


def fmt_time(seconds) -> str:
    if seconds is None or not np.isfinite(seconds):
        return "-"
    if seconds >= 100.0:
        return f"{seconds:,.0f} s"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


# ---------------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------------


@dataclass
class Contender:
    """One way of computing a workload's result: ``fn()`` (warm) and ``check(output)``.

    ``check`` returns what is recorded beside the time: ``nfev`` (evaluations of f, None
    where there are none: autodiff) and ``error`` (see the workload). ``skip`` is the reason
    the contender cannot run here (a peer not installed). ``per_call`` divides the time of
    one call (compiled loops run several gradients per call). A ``heavy`` contender is timed
    by ``heavy_rounds`` full calls with no warm-up call (its builder compiled it on a small
    input); ``seconds(output)``, when given, replaces the wall time of a call (cold start:
    the time the child process measured itself).
    """

    name: str
    peer: str
    fn: Callable[[], Any] | None = None
    check: Callable[[Any], dict] | None = None
    note: str = ""
    skip: str | None = None
    per_call: int = 1
    heavy: bool = False
    rounds: int | None = None
    seconds: Callable[[Any], float] | None = None
    tol: float | None = None  # smoke test: error must be below this
    long: bool = False        # seconds per call: skipped by --quick and the smoke test
    scale: float = 1.0        # the time is multiplied by this (a timed subset of the work)


@dataclass
class Workload:
    id: str
    title: str
    kind: str
    fastgrad: str                     # the contender that is fastgrad
    contenders: list = field(default_factory=list)
    params: dict = field(default_factory=dict)
    error: str = ""                   # what the error column means
    reference: str | None = None      # the contender the "vs reference" ratios divide

    def contender(self, name: str) -> Contender:
        return next(c for c in self.contenders if c.name == name)


def _rel_error(g, exact) -> float:
    g = np.asarray(g, dtype=np.float64)
    return float(np.max(np.abs(g - exact)) / max(np.max(np.abs(exact)), 1e-300))


def _counted(f):
    count = [0]

    def counted(*args):
        count[0] += 1
        return f(*args)

    return counted, count


def _python_peer(name, peer_name, make, check_out, count_with, note="", tol=None):
    """A contender that calls ``f`` from Python: ``make(f)`` returns the zero-argument call.
    Its evaluations are counted once, with a counting wrapper around ``count_with``."""

    def check(out):
        counted, count = _counted(count_with)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            make(counted)()
        return {"nfev": count[0], **check_out(out)}

    return Contender(name, peer_name, make(None), check, note=note, tol=tol)


GRADIENT_CONTENDERS = [
    "fastgrad.gradient", "fastgrad.reference", "scipy approx_fprime",
    "scipy approx_derivative", "numdifftools Gradient", "jax.jit(jax.grad)", "numba floor",
]
SLOW_CONTENDERS = [c for c in GRADIENT_CONTENDERS if not c.startswith("jax")]


def _gradient_workload(n: int, size: str, slow: bool) -> Workload:
    prob = problems.make_rosenbrock(n)
    x = np.array(prob.x0)
    exact = prob.grad(x)
    if slow:
        f, us = make_slow_objective(SIZES[size].slow_us)
        title = (f"gradient, slow Rosenbrock ({us:.3g} us per call), n = {n}, "
                 "called from Python")
        params = {"n": n, "f_call_us": us}
    else:
        f = rosenbrock_numpy
        title = f"gradient, numpy Rosenbrock, n = {n}, called from Python"
        params = {"n": n}

    def check_gradient(out):
        return {"error": _rel_error(out, exact)}

    def with_f(make):  # make(f or None) -> call; None means the real objective
        return lambda g: make(f if g is None else g)

    w = Workload(f"gradient-{'slow' if slow else 'rosen'}-n{n}", title,
                 "slow" if slow else "gradient", "fastgrad.gradient", params=params,
                 error="max relative error of the gradient", reference="fastgrad.reference")
    fastgrad.gradient(f, x)  # compile
    w.contenders.append(Contender(
        "fastgrad.gradient", "fastgrad", lambda: fastgrad.gradient(f, x),
        lambda out: {"nfev": 2 * n, **check_gradient(out)},
        note="central differences, compiled", tol=1e-5))
    w.contenders.append(_python_peer(
        "fastgrad.reference", "reference",
        with_f(lambda g: lambda: reference.numerical_gradient(g, x)), check_gradient,
        rosenbrock_numpy, note="pure Python loop, central, h = 1e-4", tol=1e-3))
    scipy = peer("scipy")
    if scipy is None:
        w.contenders.append(Contender("scipy approx_fprime", "scipy", skip=not_installed("scipy")))
        w.contenders.append(Contender("scipy approx_derivative", "scipy",
                                      skip=not_installed("scipy")))
    else:
        from scipy.optimize import approx_fprime
        from scipy.optimize._numdiff import approx_derivative

        eps = float(np.sqrt(np.finfo(float).eps))
        w.contenders.append(_python_peer(
            "scipy approx_fprime", "scipy",
            with_f(lambda g: lambda: approx_fprime(x, g, eps)), check_gradient,
            rosenbrock_numpy, note="forward differences (its only scheme)", tol=1e-3))
        w.contenders.append(_python_peer(
            "scipy approx_derivative", "scipy",
            with_f(lambda g: lambda: approx_derivative(g, x, method="3-point")),
            check_gradient, rosenbrock_numpy, note="method='3-point' (central)", tol=1e-5))
    nd = peer("numdifftools")
    if nd is None:
        w.contenders.append(Contender("numdifftools Gradient", "numdifftools",
                                      skip=not_installed("numdifftools")))
    else:
        def make_nd(g):
            gradient_fn = nd.Gradient(f if g is None else g)
            return lambda: gradient_fn(x)

        w.contenders.append(_python_peer(
            "numdifftools Gradient", "numdifftools", make_nd, check_gradient, rosenbrock_numpy,
            note="central, Richardson extrapolation", tol=1e-5))
        w.contenders[-1].long = n >= 1000
    if not slow:
        jax = peer("jax")
        if jax is None:
            w.contenders.append(Contender("jax.jit(jax.grad)", "jax", skip=not_installed("jax")))
        else:
            g = jax.jit(jax.grad(_jax_rosenbrock))
            xj = jax.numpy.asarray(x)
            g(xj).block_until_ready()
            w.contenders.append(Contender(
                "jax.jit(jax.grad)", "jax", lambda: g(xj).block_until_ready(),
                lambda out: {"nfev": None, **check_gradient(np.asarray(out))},
                note="exact reverse-mode autodiff, jnp form of f, x on the device", tol=1e-12))
    floor = _floor_call(_floor_into(compiled(f) if not slow else f))
    floor(x, REL_CENTRAL)
    w.contenders.append(Contender(
        "numba floor", "numba", lambda: floor(x, REL_CENTRAL),
        lambda out: {"nfev": 2 * n, **check_gradient(out)},
        note="hand-written @njit loop, 2n evaluations, called from Python", tol=1e-5))
    return w


COMPILED_CONTENDERS = ["fastgrad kernel", "fastgrad.grad from @njit", "numba floor",
                       "jax jitted loop"]


def _compiled_workload(n: int, size: str) -> Workload:
    reps = SIZES[size].reps_inside
    prob = problems.make_rosenbrock(n)
    x = np.array(prob.x0)
    exact = prob.grad(x)
    fc = compiled(problems.rosenbrock)  # the table's loop form, compiled as fastgrad would
    w = Workload(f"compiled-rosen-n{n}",
                 f"gradient inside a compiled loop, Rosenbrock (loop form), n = {n} "
                 f"(x{reps} per call)", "compiled", "fastgrad kernel", params={"n": n,
                 "reps_inside": reps}, error="max relative error of the gradient",
                 reference=None)
    scheme, steps = CENTRAL, steps_array(None, n)  # run-time values, as fastgrad.gradient
    kern_rep = _kernel_repeat(_fastgrad_kernel(fc))
    xk, outk = x.copy(), np.empty(n)
    kern_rep(xk, scheme, steps, outk, 1)
    w.contenders.append(Contender(
        "fastgrad kernel", "fastgrad", lambda: kern_rep(xk, scheme, steps, outk, reps),
        lambda out: {"nfev": 2 * n, "error": _rel_error(outk, exact)}, per_call=reps,
        note="fastgrad's kernel, scheme and steps passed at run time", tol=1e-5))
    g = _fastgrad_grad(fc)
    grad_rep = _grad_repeat(g)
    xg = x.copy()
    grad_rep(xg, 1)
    w.contenders.append(Contender(
        "fastgrad.grad from @njit", "fastgrad", lambda: grad_rep(xg, reps),
        lambda out: {"nfev": 2 * n, "error": _rel_error(g(x.copy()), exact)}, per_call=reps,
        note="g = fastgrad.grad(f) called from the user's @njit code (allocates)", tol=1e-5))
    floor_rep = _floor_repeat(_floor_into(fc))
    xf, outf = x.copy(), np.empty(n)
    floor_rep(xf, REL_CENTRAL, outf, 1)
    w.contenders.append(Contender(
        "numba floor", "numba", lambda: floor_rep(xf, REL_CENTRAL, outf, reps),
        lambda out: {"nfev": 2 * n, "error": _rel_error(outf, exact)}, per_call=reps,
        note="hand-written loop, 2n evaluations, rel step passed at run time", tol=1e-5))
    jax = peer("jax")
    if jax is None:
        w.contenders.append(Contender("jax jitted loop", "jax", skip=not_installed("jax")))
    else:
        gj = jax.jit(jax.grad(_jax_rosenbrock))
        xj = jax.numpy.asarray(x)

        @jax.jit
        def loop(xj):
            def body(i, s):
                return s + gj(xj + 0.0 * s)[0]  # depends on the carry: not hoisted

            return jax.lax.fori_loop(0, reps, body, 0.0)

        loop(xj).block_until_ready()
        w.contenders.append(Contender(
            "jax jitted loop", "jax", lambda: loop(xj).block_until_ready(),
            lambda out: {"nfev": None, "error": _rel_error(np.asarray(gj(xj)), exact)},
            per_call=reps, note="jax.grad inside jax.lax.fori_loop, jitted (exact)",
            tol=1e-12))
    return w


def _overhead_workload(size: str) -> Workload:
    def trivial(x):
        return x[0] + x[1] + x[2]

    fc = compiled(trivial)
    x = np.array([1.0, 2.0, 3.0])
    evaluations = _evaluations(fc)
    fastgrad.gradient(fc, x)
    evaluations(x, 6)
    w = Workload("overhead-n3", "per-call overhead of fastgrad.gradient, n = 3", "overhead",
                 "fastgrad.gradient", params={"n": 3}, error="max abs. error of the gradient")
    w.contenders.append(Contender(
        "fastgrad.gradient", "fastgrad", lambda: fastgrad.gradient(fc, x),
        lambda out: {"nfev": 6, "error": float(np.max(np.abs(out - 1.0)))}, tol=1e-8))
    w.contenders.append(Contender(
        "compiled 2n evaluations", "numba", lambda: evaluations(x, 6),
        lambda out: {"nfev": 6, "error": None},
        note="one compiled call evaluating f 6 times, called from Python"))
    return w


SEED_CONTENDERS = ["fastgrad.minimize gd", "fastgrad.reference", "numba floor",
                   "jax jitted loop"]


def _seed_workload(size: str) -> Workload:
    prob = problems.get("seed_quadratic3")
    f, xmin, x0 = prob.f, np.array(prob.xmin), np.array(prob.x0)

    def err(x):
        return {"error": float(np.max(np.abs(np.asarray(x) - xmin)))}

    w = Workload("seed-gd", f"the seeds' example: gradient descent, lr {SEED_LR}, "
                 f"{SEED_STEPS} steps, n = 3", "gd", "fastgrad.minimize gd",
                 params={"lr": SEED_LR, "steps": SEED_STEPS}, error="max |x - xmin|",
                 reference="fastgrad.reference")

    def run_fastgrad():
        return fastgrad.minimize(f, x0, method="gd", lr=SEED_LR, max_iter=SEED_STEPS,
                                 gtol=0.0)

    run_fastgrad()
    w.contenders.append(Contender(
        "fastgrad.minimize gd", "fastgrad", run_fastgrad,
        lambda res: {"nfev": int(res.nfev), **err(res.x)}, note="gtol=0: all 500 steps",
        tol=1e-2))
    w.contenders.append(Contender(
        "fastgrad.reference", "reference",
        lambda: reference.gradient_descent(f, x0, lr=SEED_LR, step_num=SEED_STEPS),
        lambda x: {"nfev": 6 * SEED_STEPS, **err(x)},
        note="reference.gradient_descent: the seeds' loop", tol=1e-2))
    gd = _floor_gd(_floor_into(compiled(f)))
    gd(x0, REL_CENTRAL, SEED_LR, 1)
    w.contenders.append(Contender(
        "numba floor", "numba", lambda: gd(x0, REL_CENTRAL, SEED_LR, SEED_STEPS),
        lambda x: {"nfev": 6 * SEED_STEPS, **err(x)},
        note="hand-written @njit gd loop, central differences", tol=1e-2))
    jax = peer("jax")
    if jax is None:
        w.contenders.append(Contender("jax jitted loop", "jax", skip=not_installed("jax")))
    else:
        gj = jax.grad(f)

        @jax.jit
        def loop(x):
            return jax.lax.fori_loop(0, SEED_STEPS, lambda i, x: x - SEED_LR * gj(x), x)

        xj = jax.numpy.asarray(x0)
        loop(xj).block_until_ready()
        w.contenders.append(Contender(
            "jax jitted loop", "jax", lambda: loop(xj).block_until_ready(),
            lambda x: {"nfev": None, **err(np.asarray(x))},
            note="jax.grad inside jax.lax.fori_loop, jitted (exact)", tol=1e-2))
    return w


LBFGS_CONTENDERS = ["fastgrad.minimize lbfgs", "scipy L-BFGS-B 2-point",
                    "scipy L-BFGS-B 3-point", "scipy L-BFGS-B jac=fastgrad.grad",
                    "scipy L-BFGS-B jac=jax"]


def _lbfgs_workload(n: int, size: str) -> Workload:
    prob = problems.make_rosenbrock(n)
    x0 = np.array(prob.x0)
    xmin = np.array(prob.xmin)
    f = rosenbrock_numpy
    max_iter = SIZES[size].lbfgs_max_iter
    tol = None if size == "smoke" else 1e-4  # smoke: a few iterations, not converged

    def result(res, **extra):
        g = np.asarray(res.jac) if getattr(res, "jac", None) is not None else None
        return {"nfev": int(res.nfev), "error": float(np.max(np.abs(res.x - xmin))),
                "success": bool(res.success), "nit": int(res.nit),
                "gnorm": float(np.max(np.abs(g))) if g is not None else None,
                "message": str(res.message), **extra}

    w = Workload(f"lbfgs-rosen-n{n}", f"L-BFGS to ||g||_inf <= {LBFGS_GTOL:g}, numpy "
                 f"Rosenbrock, n = {n}", "lbfgs", "fastgrad.minimize lbfgs",
                 params={"n": n, "gtol": LBFGS_GTOL}, error="max |x - xmin|",
                 reference=None)

    def run_fastgrad():
        return fastgrad.minimize(f, x0, method="lbfgs", gtol=LBFGS_GTOL, max_iter=max_iter)

    run_fastgrad()
    w.contenders.append(Contender(
        "fastgrad.minimize lbfgs", "fastgrad", run_fastgrad, result,
        note="central differences, memory 10", tol=tol))
    scipy = peer("scipy")
    names = LBFGS_CONTENDERS[1:]
    if scipy is None:
        for name in names:
            w.contenders.append(Contender(name, "scipy", skip=not_installed("scipy")))
        return w
    from scipy.optimize import minimize as sp_minimize

    options = {"gtol": LBFGS_GTOL, "ftol": 0.0, "maxiter": max_iter, "maxfun": 10**8}

    def scipy_run(jac, fun=f):
        def run():
            return sp_minimize(fun, x0, jac=jac, method="L-BFGS-B", options=options)
        return run

    for name, jac, note in (
        ("scipy L-BFGS-B 2-point", None, "SciPy's default: forward differences, maxcor 10"),
        ("scipy L-BFGS-B 3-point", "3-point", "central differences"),
        ("scipy L-BFGS-B jac=fastgrad.grad", fastgrad.grad(f), "SciPy's loop, fastgrad's "
         "compiled gradient (README usage)"),
    ):
        w.contenders.append(Contender(name, "scipy" if "fastgrad" not in name else "fastgrad",
                                      scipy_run(jac), result, note=note,
                                      long=jac == "3-point" and n >= 100))
    jax = peer("jax")
    if jax is None:
        w.contenders.append(Contender("scipy L-BFGS-B jac=jax", "jax", skip=not_installed("jax")))
    else:
        vg = jax.jit(jax.value_and_grad(_jax_rosenbrock))

        def fun_and_grad(x):
            value, grad = vg(x)
            return float(value), np.asarray(grad)

        fun_and_grad(x0)
        w.contenders.append(Contender(
            "scipy L-BFGS-B jac=jax", "jax", scipy_run(True, fun_and_grad), result,
            note="jax.jit(jax.value_and_grad) as fun with jac=True (exact)"))
    return w


BATCHED_CONTENDERS = ["fastgrad, 2 threads", "fastgrad, 1 thread", "numpy vectorized",
                      "jax jitted vmap loop", "fastgrad.reference"]


def numpy_gradient_descent(fb, X0, lr, steps, gtol=0.0):
    """Gradient descent vectorized in numpy over the starts (rows of ``X0``): the gradient by
    central differences with fastgrad's step rule, 2n evaluations of the batch objective
    ``fb(X) -> (m,)`` per step; a start stops when ``||g||_inf <= gtol``, as in
    :func:`fastgrad.minimize`, and only running starts are evaluated. Returns ``(X, nfev)``."""
    X = np.array(X0, dtype=np.float64)
    n = X.shape[1]
    active = np.arange(X.shape[0])
    nfev = 0
    for _ in range(steps):
        if active.size == 0:
            break
        Xa = X[active]
        G = np.empty_like(Xa)
        H = REL_CENTRAL * np.maximum(1.0, np.abs(Xa))
        for i in range(n):
            xi = Xa[:, i].copy()
            h = (xi + H[:, i]) - xi
            Xa[:, i] = xi + h
            fp = fb(Xa)
            Xa[:, i] = xi - h
            fm = fb(Xa)
            Xa[:, i] = xi
            G[:, i] = (fp - fm) / (2.0 * h)
        nfev += 2 * n * active.size
        running = np.max(np.abs(G), axis=1) > gtol
        X[active[running]] = Xa[running] - lr * G[running]
        active = active[running]
    return X, nfev


def _batch_starts(m: int) -> np.ndarray:
    return np.random.default_rng(BATCH_SEED).uniform(-5.12, 5.12, (m, BATCH_DIM))


def _batched_workload(size: str, steps: int | None = None) -> Workload:
    s = SIZES[size]
    m, steps = s.starts, steps or s.steps
    X0 = _batch_starts(m)
    f = rastrigin_numpy

    def best(X):
        return float(np.min(rastrigin_numpy_batch(np.asarray(X))))

    w = Workload("batched-rastrigin", f"batched multi-start gd: {m:,} starts, Rastrigin "
                 f"n = {BATCH_DIM}, {steps:,} steps, lr {BATCH_LR:g}", "batched",
                 "fastgrad, 2 threads", params={"starts": m, "steps": steps, "n": BATCH_DIM,
                                               "lr": BATCH_LR},
                 error="lowest f over the starts (minimum 0)", reference="fastgrad.reference")

    def run_fastgrad(threads, X, max_iter=steps):
        old = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            return fastgrad.minimize(f, X, method="gd", lr=BATCH_LR, max_iter=max_iter,
                                     gtol=0.0)
        finally:
            numba.set_num_threads(old)

    for threads, name in ((2, "fastgrad, 2 threads"), (1, "fastgrad, 1 thread")):
        if numba.config.NUMBA_NUM_THREADS < threads:
            w.contenders.append(Contender(name, "fastgrad", skip=f"needs {threads} cores"))
            continue
        # warm on the whole batch (one step): a small batch may take another path
        run_fastgrad(threads, X0, max_iter=1)
        w.contenders.append(Contender(
            name, "fastgrad", lambda t=threads: run_fastgrad(t, X0),
            lambda res: {"nfev": int(np.sum(res.nfev)), "error": best(res.x)}, heavy=True,
            note=f"one batched fastgrad.minimize call, numba.set_num_threads({threads})",
            tol=1e3))
    w.contenders.append(Contender(
        "numpy vectorized", "numpy",
        lambda: numpy_gradient_descent(rastrigin_numpy_batch, X0, BATCH_LR, steps),
        lambda out: {"nfev": int(out[1]), "error": best(out[0])}, heavy=True,
        note="the same gd and stopping rule, each step 2n batch evaluations", tol=1e3))
    jax = peer("jax")
    if jax is None:
        w.contenders.append(Contender("jax jitted vmap loop", "jax", skip=not_installed("jax")))
    else:
        jnp = jax.numpy
        gb = jax.vmap(jax.grad(_jax_rastrigin))

        def loop(X):
            def body(i, carry):
                X, active = carry
                G = gb(X)
                active = active & (jnp.max(jnp.abs(G), axis=1) > 0.0)
                return jnp.where(active[:, None], X - BATCH_LR * G, X), active

            return jax.lax.fori_loop(0, steps, body, (X, jnp.ones(X.shape[0], bool)))[0]

        Xj = jnp.asarray(X0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled_loop = jax.jit(loop).lower(Xj).compile()  # compile without running
        w.contenders.append(Contender(
            "jax jitted vmap loop", "jax", lambda: compiled_loop(Xj).block_until_ready(),
            lambda X: {"nfev": None, "error": best(X)}, heavy=True,
            note="jax.vmap(jax.grad) in a jitted fori_loop (exact)", tol=1e3))
    k = min(s.ref_starts, m)

    def run_reference():
        return np.array([reference.gradient_descent(f, X0[r], lr=BATCH_LR, step_num=steps)
                         for r in range(k)])

    w.contenders.append(Contender(
        "fastgrad.reference", "reference", lambda: run_reference(),
        lambda X: {"nfev": 2 * BATCH_DIM * steps * m, "error": best(X)}, heavy=True,
        note=f"{k} of the {m:,} starts timed, time scaled by {m / k:g}; fixed steps (no "
        "stopping test)", scale=m / k, tol=1e3))
    return w


COLD_CHILD = {
    "fastgrad": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import fastgrad
t1 = time.perf_counter()
def f(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s
fastgrad.gradient(f, np.linspace(-1.0, 2.0, 10))
t2 = time.perf_counter()
def f2(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += (x[i] - 1.0) ** 2 * (i + 1.0)
    return s
fastgrad.gradient(f2, np.linspace(-1.0, 2.0, 10))
t3 = time.perf_counter()
def f3(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
fastgrad.gradient(f3, np.linspace(-1.0, 2.0, 10))
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0,
                  "next new objective (loop)": t3 - t2,
                  "next new objective (numpy style)": t4 - t3}))
""",
    "scipy": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from scipy.optimize import approx_fprime
t1 = time.perf_counter()
def f(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
approx_fprime(np.linspace(-1.0, 2.0, 10), f, 1.49e-8)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0}))
""",
    "jax": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import jax, jax.numpy as jnp
jax.config.update("jax_enable_x64", True)
t1 = time.perf_counter()
def f(x):
    return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
jax.jit(jax.grad(f))(jnp.linspace(-1.0, 2.0, 10)).block_until_ready()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0}))
""",
    "numba": r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import numba
t1 = time.perf_counter()
@numba.njit
def f(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s
@numba.njit
def grad(x, rel):
    x = x.copy()
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        xi = x[i]
        h = rel * max(1.0, abs(xi))
        h = (xi + h) - xi
        x[i] = xi + h
        fp = f(x)
        x[i] = xi - h
        fm = f(x)
        x[i] = xi
        out[i] = (fp - fm) / (2.0 * h)
    return out
grad(np.linspace(-1.0, 2.0, 10), 6e-6)
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first call": t2 - t1, "total": t2 - t0}))
""",
}
COLD_CONTENDERS = ["fastgrad", "scipy", "jax", "numba"]
_COLD_NAMES = {"fastgrad": "fastgrad: import + first gradient",
               "scipy": "scipy: import + first approx_fprime",
               "jax": "jax: import + first jit(grad) call",
               "numba": "numba floor: import + compile + call"}


def _child_env() -> dict:
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def cold_child(tool: str) -> dict:
    """Run the cold-start script of ``tool`` in a fresh process; its own timings, seconds."""
    done = subprocess.run([sys.executable, "-c", COLD_CHILD[tool]], capture_output=True,
                          text=True, env=_child_env(), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold start of {tool} failed: {done.stderr.strip()[-500:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cold_workload(size: str) -> Workload:
    runs = SIZES[size].cold_runs
    w = Workload("cold-start", "cold start: fresh process, import + first call on a new "
                 f"objective (median of {runs})", "cold", _COLD_NAMES["fastgrad"],
                 params={"runs": runs}, error="")
    for tool in COLD_CONTENDERS:
        name = _COLD_NAMES[tool]
        if tool in ("scipy", "jax") and peer(tool) is None:
            w.contenders.append(Contender(name, tool, skip=not_installed(tool)))
            continue
        w.contenders.append(Contender(
            name, tool, lambda t=tool: cold_child(t),
            lambda out: {"nfev": None, "error": None, "parts": out}, heavy=True, rounds=runs,
            seconds=lambda out: out["total"], long=tool != "fastgrad"))
    return w


# Registry: id -> (builder(size), contender names), in the order of the report.
WORKLOADS: dict = {}
for _n in DIMS:
    WORKLOADS[f"gradient-rosen-n{_n}"] = (
        lambda size, n=_n: _gradient_workload(n, size, slow=False), GRADIENT_CONTENDERS)
for _n in DIMS:
    WORKLOADS[f"gradient-slow-n{_n}"] = (
        lambda size, n=_n: _gradient_workload(n, size, slow=True), SLOW_CONTENDERS)
for _n in DIMS:
    WORKLOADS[f"compiled-rosen-n{_n}"] = (
        lambda size, n=_n: _compiled_workload(n, size), COMPILED_CONTENDERS)
WORKLOADS["overhead-n3"] = (_overhead_workload, ["fastgrad.gradient",
                                                 "compiled 2n evaluations"])
WORKLOADS["seed-gd"] = (_seed_workload, SEED_CONTENDERS)
for _n in LBFGS_DIMS:
    WORKLOADS[f"lbfgs-rosen-n{_n}"] = (lambda size, n=_n: _lbfgs_workload(n, size),
                                       LBFGS_CONTENDERS)
WORKLOADS["batched-rastrigin"] = (_batched_workload, BATCHED_CONTENDERS)
WORKLOADS["cold-start"] = (_cold_workload, [_COLD_NAMES[t] for t in COLD_CONTENDERS])
del _n


_BUILT: dict = {}


def build(workload_id: str, size: str = "full") -> Workload:
    """The workload ``workload_id`` at ``size``, built and warmed (compiled) on first use."""
    key = (workload_id, size)
    if key not in _BUILT:
        builder, names = WORKLOADS[workload_id]
        w = builder(size)
        assert [c.name for c in w.contenders] == list(names), (workload_id, names)
        _BUILT[key] = w
    return _BUILT[key]


def parameters(ids: Sequence[str]) -> list:
    """``(workload id, contender name)`` pairs of the workloads ``ids`` (for pytest)."""
    return [(wid, name) for wid in ids for name in WORKLOADS[wid][1]]


def parameter_id(value) -> str:
    return str(value).replace(" ", "_")


LONG = "takes seconds per call: skipped by --quick and the smoke test"


def skip_reason(contender: Contender, size: str) -> str | None:
    """Why ``contender`` does not run at ``size`` (a peer not installed, or too long)."""
    if contender.skip:
        return contender.skip
    if contender.long and SIZES[size].skip_long:
        return LONG
    return None


def record(contender: Contender, seconds, rounds, out) -> dict:
    """What is kept of one contender's run: time per call, rounds, nfev, error and details."""
    row = {"peer": contender.peer, "median_s": seconds * contender.scale / contender.per_call,
           "rounds": rounds, "note": contender.note}
    if contender.check is not None:
        row.update(contender.check(out))
    return row


def run_workload(workload_id: str, size: str = "full", echo=print) -> dict:
    """Build and time every contender of one workload; the result as a JSON-ready dict."""
    t0 = time.perf_counter()
    try:
        w = build(workload_id, size)
    except Exception as exc:  # report it and go on with the other workloads
        return {"id": workload_id, "title": workload_id, "failed": f"{type(exc).__name__}: "
                f"{exc}", "contenders": {}}
    result = {"id": w.id, "title": w.title, "kind": w.kind, "fastgrad": w.fastgrad,
              "reference": w.reference, "params": w.params, "error": w.error,
              "contenders": {}}
    for c in w.contenders:
        reason = skip_reason(c, size)
        if reason:
            result["contenders"][c.name] = {"peer": c.peer, "skipped": reason}
            continue
        try:
            seconds, rounds, out = measure(c, size)
            result["contenders"][c.name] = record(c, seconds, rounds, out)
        except Exception as exc:
            result["contenders"][c.name] = {"peer": c.peer,
                                            "failed": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = time.perf_counter() - t0
    if echo:
        echo(format_workload(result))
    return result


# ---------------------------------------------------------------------------------------------
# Goals, crossover, report
# ---------------------------------------------------------------------------------------------


def _t(results: dict, wid: str, name: str):
    row = results.get(wid, {}).get("contenders", {}).get(name, {})
    return row.get("median_s")


def _ratio(a, b):
    return a / b if a is not None and b is not None and b > 0 else None


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    measure: Callable[[dict], Any]   # results -> measured value (None: not measured)
    met: Callable[[float], bool]
    fmt: Callable[[float], str]


def _x(v):
    return fmt_ratio(v)


GOALS = (
    [Goal(f"compiled gradient vs Numba floor, n = {n}", "<= 1.2x of the floor",
          lambda r, n=n: _ratio(_t(r, f"compiled-rosen-n{n}", "fastgrad kernel"),
                                _t(r, f"compiled-rosen-n{n}", "numba floor")),
          lambda v: v <= 1.2, _x) for n in DIMS]
    + [
        Goal("fastgrad.gradient vs scipy approx_fprime, numpy f, n = 10", ">= 100x faster",
             lambda r: _ratio(_t(r, "gradient-rosen-n10", "scipy approx_fprime"),
                              _t(r, "gradient-rosen-n10", "fastgrad.gradient")),
             lambda v: v >= 100.0, _x),
        Goal("per-call overhead of fastgrad.gradient (n = 3)", "<= 3 us",
             lambda r: (None if _t(r, "overhead-n3", "fastgrad.gradient") is None else
                        _t(r, "overhead-n3", "fastgrad.gradient")
                        - _t(r, "overhead-n3", "compiled 2n evaluations")),
             lambda v: v <= 3e-6, fmt_time),
        Goal("seeds' example vs fastgrad.reference", ">= 400x faster",
             lambda r: _ratio(_t(r, "seed-gd", "fastgrad.reference"),
                              _t(r, "seed-gd", "fastgrad.minimize gd")),
             lambda v: v >= 400.0, _x),
        Goal("lbfgs vs SciPy L-BFGS-B (finite differences), n = 10", ">= 30x faster",
             lambda r: _ratio(_t(r, "lbfgs-rosen-n10", "scipy L-BFGS-B 2-point"),
                              _t(r, "lbfgs-rosen-n10", "fastgrad.minimize lbfgs")),
             lambda v: v >= 30.0, _x),
        Goal("lbfgs vs SciPy L-BFGS-B (finite differences), n = 100", ">= 10x faster",
             lambda r: _ratio(_t(r, "lbfgs-rosen-n100", "scipy L-BFGS-B 2-point"),
                              _t(r, "lbfgs-rosen-n100", "fastgrad.minimize lbfgs")),
             lambda v: v >= 10.0, _x),
        Goal("batched gd vs numpy vectorized", ">= 2.5x faster",
             lambda r: _ratio(_t(r, "batched-rastrigin", "numpy vectorized"),
                              _t(r, "batched-rastrigin", "fastgrad, 2 threads")),
             lambda v: v >= 2.5, _x),
        Goal("batched gd, 1 -> 2 threads", ">= 1.8x faster",
             lambda r: _ratio(_t(r, "batched-rastrigin", "fastgrad, 1 thread"),
                              _t(r, "batched-rastrigin", "fastgrad, 2 threads")),
             lambda v: v >= 1.8, _x),
        Goal("cold start: import + first gradient", "<= 1.0 s",
             lambda r: _t(r, "cold-start", _COLD_NAMES["fastgrad"]),
             lambda v: v <= 1.0, fmt_time),
    ]
)
"""The performance goals this suite tracks; :func:`evaluate_goals` checks them."""


def evaluate_goals(results: dict) -> list:
    """One row per goal: name, target, measured (text), value, and "met" / "NOT met" / "not
    measured"."""
    rows = []
    for goal in GOALS:
        try:
            value = goal.measure(results)
        except (TypeError, KeyError):
            value = None
        if value is None:
            rows.append({"goal": goal.name, "target": goal.target, "measured": "-",
                         "value": None, "status": "not measured"})
        else:
            rows.append({"goal": goal.name, "target": goal.target, "measured": goal.fmt(value),
                         "value": value, "status": "met" if goal.met(value) else "NOT met"})
    return rows


def crossover(results: dict) -> dict:
    """Where JAX's exact autodiff beats fastgrad's finite differences, from the same run.

    Returns per context ("python": ``jax.jit(jax.grad)`` vs ``fastgrad.gradient``;
    "compiled": jitted loops) the ratios t_fastgrad / t_jax by n, the smallest n from which
    JAX is faster (None if never), and a sentence.
    """
    out = {}
    for context, prefix, fg, jx in (("python", "gradient-rosen-n", "fastgrad.gradient",
                                     "jax.jit(jax.grad)"),
                                    ("compiled", "compiled-rosen-n", "fastgrad kernel",
                                     "jax jitted loop")):
        ratios = {n: _ratio(_t(results, f"{prefix}{n}", fg), _t(results, f"{prefix}{n}", jx))
                  for n in DIMS}
        ratios = {n: v for n, v in ratios.items() if v is not None}
        if not ratios:
            continue
        faster = [n for n in sorted(ratios) if ratios[n] > 1.0]
        start = next((n for n in sorted(ratios) if all(ratios[k] > 1.0 for k in ratios
                                                        if k >= n)), None)
        where = "called from Python" if context == "python" else "inside compiled loops"
        big = max(ratios)
        if start is None:
            about = None
            text = (f"{where}: fastgrad's finite differences are faster than JAX's exact "
                    f"autodiff at every n measured (up to n = {big}).")
        else:
            small = min(ratios)
            below = max((n for n in ratios if n < start), default=None)
            about = None
            if below is not None:  # where the log-log line between them crosses 1
                lo, hi = math.log(ratios[below]), math.log(ratios[start])
                t = -lo / (hi - lo)
                about = float(f"{below * (start / below) ** t:.2g}")
            lead = ("JAX is faster at every n measured" if small >= start else
                    f"below it fastgrad is faster ({fmt_ratio(1 / ratios[small])} at "
                    f"n = {small}), where JAX's per-call cost dominates")
            where_n = f"from n = {start} on"
            if about:
                where_n += f" (the lines cross near n = {about:g}, interpolated)"
            text = (f"{where}: JAX's exact autodiff (one forward and one reverse pass, O(n) "
                    f"work) beats central differences (2n evaluations of an O(n) objective, "
                    f"O(n^2) work) {where_n}: {fmt_ratio(ratios[big])} faster at n = {big}; "
                    f"{lead}.")
        out[context] = {"ratios": ratios, "jax_faster_from": start, "crossover_n": about,
                        "faster_at": faster, "sentence": text}
    return out


def format_workload(result: dict) -> str:
    """The table of one workload: median, nfev, error, and the two ratios."""
    took = f", {result['seconds']:.1f} s" if result.get("seconds") else ""
    lines = [f"\n{result['title']}  [{result['id']}{took}]"]
    if result.get("failed"):
        lines.append(f"  FAILED: {result['failed']}")
        return "\n".join(lines)
    rows = result["contenders"]
    t_fg = rows.get(result["fastgrad"], {}).get("median_s")
    t_ref = rows.get(result.get("reference") or "", {}).get("median_s")
    lines.append(f"  {'contender':36s} {'median':>10s} {'nfev':>9s} {'error':>8s} "
                 f"{'vs ref.':>9s} {'fastgrad':>9s}")
    for name, row in rows.items():
        if row.get("skipped") or row.get("failed"):
            state = f"skipped: {row['skipped']}" if row.get("skipped") else \
                f"FAILED: {row['failed']}"
            lines.append(f"  {name:36s} {state}")
            continue
        t = row["median_s"]
        nfev = row.get("nfev")
        error = row.get("error")
        vs_ref = fmt_ratio(t_ref / t) if t_ref else "-"
        if name == result["fastgrad"]:
            vs_fg = "itself"
        else:
            vs_fg = fmt_ratio(t / t_fg) if t_fg else "-"
        lines.append(
            f"  {name:36s} {fmt_time(t):>10s} {'-' if nfev is None else nfev:>9} "
            f"{'-' if error is None else format(error, '.1e'):>8s} {vs_ref:>9s} {vs_fg:>9s}"
            + (f"  {row['message'][:60]}" if row.get("message") and not row.get("success")
               else ""))
    return "\n".join(lines)


def format_goals(rows: list, size: str = "full") -> str:
    note = {"smoke": ": smoke run, single calls at toy sizes, the verdicts mean nothing",
            "quick": ": --quick, smaller workloads and fewer rounds"}.get(size, "")
    lines = [f"\nGOALS (ratios from this run{note})",
             f"  {'goal':58s} {'target':>22s} {'measured':>10s}  GOAL"]
    for r in rows:
        lines.append(f"  {r['goal']:58s} {r['target']:>22s} {r['measured']:>10s}  "
                     f"{r['status']}")
    return "\n".join(lines)


MARKDOWN_COLUMNS = (("fastgrad.reference", ("reference",)), ("SciPy", ("scipy",)),
                    ("numdifftools", ("numdifftools",)), ("JAX", ("jax",)),
                    ("hand-written Numba / numpy", ("numba", "numpy")))
_SHORT = {"scipy approx_fprime": "approx_fprime", "scipy approx_derivative": "approx_derivative",
          "numdifftools Gradient": "", "jax.jit(jax.grad)": "jit(grad)", "numba floor": "",
          "fastgrad.reference": "", "jax jitted loop": "jitted loop",
          "jax jitted vmap loop": "jitted vmap loop", "compiled 2n evaluations": "2n evaluations",
          "scipy L-BFGS-B 2-point": "L-BFGS-B 2-point", "scipy L-BFGS-B 3-point":
          "L-BFGS-B 3-point", "scipy L-BFGS-B jac=jax": "L-BFGS-B + jax grad",
          "numpy vectorized": "numpy", "scipy: import + first approx_fprime":
          "import + approx_fprime", "jax: import + first jit(grad) call": "import + jit(grad)",
          "numba floor: import + compile + call": "import + compile"}


def markdown(report: dict) -> str:
    """The results as one Markdown table: fastgrad's median per workload, and each peer's
    median with ``t(peer) / t(fastgrad)`` in parentheses (above 1: fastgrad is faster)."""
    head = ["workload", "fastgrad"] + [c for c, _ in MARKDOWN_COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in report["workloads"]:
        if r.get("failed"):
            lines.append(f"| {r['id']} | FAILED | " + " | " * (len(head) - 3) + " |")
            continue
        rows = r["contenders"]
        t_fg = rows.get(r["fastgrad"], {}).get("median_s")
        cells = [_label(r), fmt_time(t_fg)]
        extra = [f"{name}: {fmt_time(row['median_s'])}" for name, row in rows.items()
                 if row.get("peer") == "fastgrad" and name != r["fastgrad"]
                 and row.get("median_s")]
        if extra:
            cells[1] += " (" + "; ".join(extra) + ")"
        for _, peers in MARKDOWN_COLUMNS:
            parts = []
            for name, row in rows.items():
                if row.get("peer") not in peers or name == r["fastgrad"]:
                    continue
                label = _SHORT.get(name, name)
                label = f"{label} " if label else ""
                if row.get("median_s") and t_fg:
                    parts.append(f"{label}{fmt_time(row['median_s'])} "
                                 f"({fmt_ratio(row['median_s'] / t_fg)})")
                elif row.get("skipped"):
                    parts.append(f"{label}skipped".strip())
            cells.append("; ".join(parts) or "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines).replace(" us", " µs").replace("x)", "×)")


def _label(r: dict) -> str:
    """A short name of a workload result, for the Markdown table."""
    p, kind = r.get("params", {}), r.get("kind")
    n = p.get("n")
    if kind == "gradient":
        return f"gradient from Python, numpy Rosenbrock, n = {n}"
    if kind == "slow":
        return f"gradient from Python, {p.get('f_call_us', 0):.0f} µs objective, n = {n}"
    if kind == "compiled":
        return f"gradient in a compiled loop, Rosenbrock, n = {n}"
    if kind == "overhead":
        return "per-call overhead, n = 3"
    if kind == "gd":
        return f"seeds' example: gd, {p.get('steps')} steps"
    if kind == "lbfgs":
        return f"L-BFGS to ‖g‖∞ ≤ {p.get('gtol'):g}, Rosenbrock n = {n}"
    if kind == "batched":
        return (f"batched gd: {p.get('starts'):,} starts × {p.get('steps'):,} steps, "
                f"Rastrigin n = {n}")
    if kind == "cold":
        return "cold start: import + first gradient"
    return r.get("title", r["id"])


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except (OSError, AttributeError):
        load = None
    return {"platform": platform.platform(), "machine": platform.machine(), "cpu": cpu,
            "load_average": load,
            "cores": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
            **versions()}


# ---------------------------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------------------------

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


def fmt_bytes(n: float) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n:.0f} B"


def format_memory(rows: list) -> str:
    lines = ["\nPEAK MEMORY (one warm call, above what the process held before it)"]
    current = None
    for r in rows:
        if r["workload"] != current:
            current = r["workload"]
            lines.append(f"  {r['title']}")
        lines.append(f"    {r['contender']:36s} {fmt_bytes(r['peak_bytes']):>9s}  ({r['method']})")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Chart
# ---------------------------------------------------------------------------------------------

PEER_COLOURS = {"reference": "tab:gray", "scipy": "tab:blue", "numdifftools": "tab:purple",
                "jax": "tab:red", "numba": "tab:green", "numpy": "tab:orange",
                "fastgrad": "tab:cyan"}


def plot(report: dict, path: str) -> str | None:
    """Speedup chart (log scale): fastgrad over every peer, workload by workload, and the
    gradient time against n (the crossover with JAX). None if matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = {r["id"]: r for r in report["workloads"]}
    fig = plt.figure(figsize=(13, 8.5))
    grid = fig.add_gridspec(2, 2, height_ratios=(1.15, 1.0))
    ax = fig.add_subplot(grid[0, :])
    labels, x = [], 0
    seen = set()
    for wid, r in results.items():
        if r.get("failed") or r.get("kind") in ("cold", "overhead"):
            continue
        t_fg = r["contenders"].get(r["fastgrad"], {}).get("median_s")
        bars = [(name, row) for name, row in r["contenders"].items()
                if name != r["fastgrad"] and row.get("median_s") and t_fg]
        if not bars:
            continue
        width = 0.8 / len(bars)
        for k, (name, row) in enumerate(bars):
            colour = PEER_COLOURS.get(row["peer"], "k")
            label = None
            if row["peer"] not in seen:
                label = "fastgrad, other use" if row["peer"] == "fastgrad" else row["peer"]
            seen.add(row["peer"])
            ax.bar(x - 0.4 + width * (k + 0.5), row["median_s"] / t_fg, width, color=colour,
                   label=label, edgecolor="white", linewidth=0.3)
        labels.append(wid.replace("gradient-", "grad-").replace("compiled-", "loop-"))
        x += 1
    heights = [p.get_height() for p in ax.patches] + [1.0]
    ax.set_ylim(min(heights) / 3.0, max(heights) * 3.0)
    ax.set_yscale("log")
    ax.axhline(1.0, color="k", linewidth=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("t(peer) / t(fastgrad)\n(> 1: fastgrad is faster)")
    if seen:
        ax.legend(fontsize=8, ncol=4, loc="upper right")
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.set_title("fastgrad's speedup over each peer, per workload (same run)", fontsize=10)

    cross = crossover(results)  # from the results (a report read back from JSON works too)
    for col, (prefix, names, title, context) in enumerate((
        ("gradient-rosen-n", GRADIENT_CONTENDERS, "gradient from Python (numpy Rosenbrock)",
         "python"),
        ("compiled-rosen-n", COMPILED_CONTENDERS, "gradient inside a compiled loop",
         "compiled"),
    )):
        ax = fig.add_subplot(grid[1, col])
        for name in names:
            ns = [n for n in DIMS if _t(results, f"{prefix}{n}", name)]
            if not ns:
                continue
            peer_name = results[f"{prefix}{ns[0]}"]["contenders"][name]["peer"]
            style = "-" if peer_name in ("fastgrad", "jax") else "--"
            ax.plot(ns, [_t(results, f"{prefix}{n}", name) for n in ns], style, marker="o",
                    markersize=3, color=PEER_COLOURS.get(peer_name, "k"), label=name,
                    linewidth=2.2 if name.startswith("fastgrad") else 1.2)
        ax.set_title(title, fontsize=10)
        if not ax.get_legend_handles_labels()[0]:
            ax.text(0.5, 0.5, "not measured", ha="center", transform=ax.transAxes)
            continue
        start = cross.get(context, {}).get("jax_faster_from")
        if start:
            start = cross[context].get("crossover_n") or start
            ax.axvline(start, color="tab:red", linestyle=":", linewidth=1)
            ax.annotate(f"JAX autodiff faster\nfrom n ~ {start:g}", (start, 0.04),
                        xycoords=("data", "axes fraction"), xytext=(4, 0),
                        textcoords="offset points", fontsize=8, color="tab:red",
                        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n")
        ax.set_ylabel("seconds per gradient")
        ax.legend(fontsize=7)
        ax.grid(which="major", alpha=0.3)
    m = report["machine"]
    fig.suptitle(f"fastgrad bench ({report['size']}): {m['cpu']}, {m['cores']} cores, "
                 f"Python {m['python']}, numba {m['numba']}", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=72)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------------------------
# Running the suite
# ---------------------------------------------------------------------------------------------


def select(patterns: Sequence[str] | None) -> list:
    """Workload ids equal to one of ``patterns`` or, for a pattern that is no id, starting
    with it (all when None or empty), in the order of :data:`WORKLOADS`."""
    if not patterns:
        return list(WORKLOADS)
    ids = [wid for wid in WORKLOADS
           if any(wid == p or (p not in WORKLOADS and wid.startswith(p)) for p in patterns)]
    if not ids:
        raise ValueError(f"no workload id starts with {', '.join(patterns)}; "
                         f"ids: {', '.join(WORKLOADS)}")
    return ids


def run(size: str = "full", workloads: Sequence[str] | None = None, memory_too: bool = True,
        echo=print, command: str = "") -> dict:
    """Run the workloads (ids as :func:`select` takes them); the whole report as a dict."""
    ids = select(workloads)
    report = {"command": command, "size": size, "machine": machine(),
              "date": time.strftime("%Y-%m-%d %H:%M:%S"), "workloads": []}
    if echo:
        m = report["machine"]
        echo(f"fastgrad bench ({size}): {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
             f"numpy {m['numpy']}, numba {m['numba']}, scipy {m['scipy']}, "
             f"numdifftools {m['numdifftools']}, jax {m['jax']}; "
             f"OPENBLAS_NUM_THREADS={m['OPENBLAS_NUM_THREADS']}")
        if m["load_average"] and m["load_average"][0] > 0.5:
            echo(f"load average {m['load_average'][0]:g}: other processes are using the CPU, "
                 "so thread scaling and ratios will be noisy")
        echo("median time per call; 'vs ref.' = t(reference) / t(row); 'fastgrad' = t(row) / "
             "t(fastgrad): above 1, fastgrad is faster; error and nfev from the same run")
    for wid in ids:
        report["workloads"].append(run_workload(wid, size, echo=echo))
    results = {r["id"]: r for r in report["workloads"]}
    report["load_average_after"] = machine()["load_average"]
    report["goals"] = evaluate_goals(results)
    report["crossover"] = crossover(results)
    if memory_too and any(w in ids for w in MEMORY_WORKLOADS):
        try:
            report["memory"] = memory(size)
        except Exception as exc:  # report it with the rest
            report["memory"] = []
            report["memory_failed"] = f"{type(exc).__name__}: {exc}"
    if echo:
        echo(format_goals(report["goals"], size))
        for c in report["crossover"].values():
            echo(f"\nJAX crossover, {c['sentence']}")
        if report.get("memory"):
            echo(format_memory(report["memory"]))
        if report.get("memory_failed"):
            echo(f"\nmemory: FAILED: {report['memory_failed']}")
    return report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``fastgrad bench`` (also of ``python -m fastgrad.benchmarks``)."""
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_const", dest="size", const="quick",
                       default="full", help="smaller workloads, fewer rounds: under a minute")
    sizes.add_argument("--smoke", action="store_const", dest="size", const="smoke",
                       help="every workload once at toy sizes (a test that it runs; the "
                       "times mean nothing)")
    parser.add_argument("--json", metavar="FILE", help="save the full report as JSON")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw the speedup chart (needs matplotlib)")
    parser.add_argument("--workload", action="append", metavar="ID",
                        help="run only the workload ID, or those whose id starts with ID "
                        "(repeatable; --list shows the ids)")
    parser.add_argument("--no-memory", dest="memory", action="store_false",
                        help="skip the peak-memory measurement")
    parser.add_argument("--markdown", metavar="FILE",
                        help="also write the results as one Markdown table")
    parser.add_argument("--list", action="store_true", help="list the workload ids and exit")


def _argv(options) -> list:
    argv = {"quick": ["--quick"], "smoke": ["--smoke"]}.get(options.size, [])
    if options.json:
        argv += ["--json", options.json]
    if options.plot:
        argv += ["--plot", options.plot]
    if options.markdown:
        argv += ["--markdown", options.markdown]
    for w in options.workload or []:
        argv += ["--workload", w]
    if not options.memory:
        argv.append("--no-memory")
    return argv


def run_cli(options) -> int:
    """``fastgrad bench``: run, print, save. Exit status 0, or 1 if a workload failed.

    Without ``OPENBLAS_NUM_THREADS`` in the environment the suite runs in a child process
    that has it set to 1 (OpenBLAS reads it once, when numpy is imported).
    """
    if options.list:
        for wid, (_, names) in WORKLOADS.items():
            print(f"{wid:22s} {', '.join(names)}")
        return 0
    ids = select(options.workload)  # a bad id fails here, before anything runs
    if options.plot and not options.plot.lower().endswith(".png"):
        raise ValueError(f"--plot must name a .png file, got {options.plot!r}")
    if os.environ.get("OPENBLAS_NUM_THREADS") is None:
        env = {**_child_env(), "OPENBLAS_NUM_THREADS": "1"}
        return subprocess.call([sys.executable, "-m", "fastgrad.benchmarks", *_argv(options)],
                               env=env)
    command = "fastgrad bench " + " ".join(_argv(options))
    report = run(options.size, ids, memory_too=options.memory, command=command.strip())
    if options.json:
        os.makedirs(os.path.dirname(os.path.abspath(options.json)), exist_ok=True)
        with open(options.json, "w") as fh:
            json.dump(report, fh, indent=1, default=_json_default)
        print(f"\nJSON: {options.json}")
    if options.markdown:
        with open(options.markdown, "w") as fh:
            fh.write(markdown(report) + "\n")
        print(f"Markdown: {options.markdown}")
    if options.plot:
        drawn = plot(report, options.plot)
        print(f"chart: {drawn}" if drawn else "chart: not drawn, matplotlib is not installed "
              "(pip install 'fastgrad[plot]')")
    failed = [r["id"] for r in report["workloads"] if r.get("failed")] + [
        f"{r['id']}: {name}" for r in report["workloads"]
        for name, row in r["contenders"].items() if row.get("failed")]
    if failed:
        print(f"\nFAILED: {'; '.join(failed)}")
        return 1
    return 0


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fastgrad.benchmarks``: the same options as ``fastgrad bench``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m fastgrad.benchmarks",
                                     description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_cli(parser.parse_args(argv))

