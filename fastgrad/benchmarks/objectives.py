"""The objectives the contenders differentiate: numpy forms of problems of the shared table
(:mod:`fastgrad.problems`), the slow objective, and the JAX forms."""

from __future__ import annotations

import time

import numba
import numpy as np

from .. import problems
from .._core.jit import JIT_OPTIONS, OBJECTIVE_OPTIONS
from .peers import peer
from .timing import median_seconds


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
