"""The floors fastgrad is measured against, and loops around fastgrad's own kernel.

* The Numba floor: a hand-written central-difference loop that evaluates f 2n times and does
  nothing else, in the shapes the workloads need (called from Python, repeated inside a
  compiled loop, inside gradient descent).
* Compiled loops that call fastgrad's kernel or ``fastgrad.grad(f)`` many times, so that a
  gradient inside compiled code is timed without Python in between.
* The numpy floor: gradient descent vectorized in numpy over a batch of starts.
"""

from __future__ import annotations

import functools

import numba
import numpy as np

import fastgrad

from .._core.jit import JIT_OPTIONS
from .objectives import compiled
from .sizes import REL_CENTRAL


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


def floor_gd(f):
    """The hand-written gradient descent on ``f`` (a problem's objective):
    ``gd(x0, rel, lr, steps) -> x``, compiled on first call."""
    return _floor_gd(_floor_into(compiled(f)))


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
    from .._core import cache as _objective

    fastgrad.gradient(f, np.ones(2))
    return _objective.get(f, None).kernel("gradient")


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
