"""Evaluating f and its gradient at an iterate of ``minimize``'s loop, counted in the run's
INFO row (:mod:`fastgrad.optimize.loop`; the box loop, :mod:`fastgrad.optimize.boxloop`,
shares :func:`make_value`)."""

from __future__ import annotations

import numpy as np

from .._core.jit import jit_cached
from .._core.scalar import as_real
from ..diff.complex_step import extra_evaluations_of, fallbacks_of
from ..diff.kernels import ZERO_STEP
from .columns import FALLBACKS, NFEV, NJEV
from .result import DIVERGED, RUNNING, STEP_TOO_SMALL


def make_value(f):
    """``value(x, args, info) -> f(x, *args)`` as a float, counted in ``info``."""

    def value(x, args, info):
        info[NFEV] += 1
        return as_real(f(x, *args))

    return value


@jit_cached
def gradient_status(code, g):
    """The run's status after a gradient kernel returned ``code`` into ``g`` (of
    :mod:`fastgrad.diff.kernels`, a bounded or an adapted analytic one): a vanished step
    stops the run (``STEP_TOO_SMALL``), a kernel's error or a non-finite component is
    divergence, anything else runs on."""
    if code == ZERO_STEP:
        return STEP_TOO_SMALL
    if code < 0:
        return DIVERGED
    for i in range(g.shape[0]):
        if not np.isfinite(g[i]):
            return DIVERGED
    return RUNNING


def make_gradient(gradient_into):
    """``gradient(x, g, scheme, steps, args, cost, info, fx) -> status``: the kernel into
    ``g`` at ``x``, where f is ``fx``, counted (``cost`` evaluations of f per gradient) and
    checked."""

    def gradient(x, g, scheme, steps, args, cost, info, fx):
        code = gradient_into(x, scheme, steps, g, args, fx)
        info[NJEV] += 1
        info[NFEV] += cost
        if code > 0:  # complex step: components recomputed by central4, evaluations beyond
            info[NFEV] += extra_evaluations_of(code)  # the 2n + 4 counted in cost
            info[FALLBACKS] += fallbacks_of(code)
        return gradient_status(code, g)

    return gradient


def make_jac_into(jac):
    """Adapter giving an analytic ``jac(x, *args) -> (n,)`` the gradient kernels' signature."""

    def jac_into(x, scheme, steps, out, args, f0):
        value = jac(x, *args)
        if len(value) != x.shape[0]:  # checked at x0 in Python; here at every iterate
            raise ValueError(
                "jac must return an array of shape (n,), the shape of x: it returned another "
                "length at an iterate after x0"
            )
        for i in range(x.shape[0]):
            out[i] = value[i]
        return 0

    return jac_into


def make_evaluate(value, gradient):
    """``evaluate(x, g, scheme, steps, args, cost, info, lazy) -> (f(x), status)``: f at a
    new iterate and, where it is finite, the gradient there into ``g``; a non-finite f gives
    a NaN gradient and ``DIVERGED``. ``lazy``: the gradient only, with f NaN (for a gradient
    that does not use f(x): its caller values f where it needs it)."""

    def evaluate(x, g, scheme, steps, args, cost, info, lazy):
        fx = np.nan  # one call site of the gradient: each is compiled (inlined) apart
        if not lazy:
            fx = value(x, args, info)
        if not (lazy or np.isfinite(fx)):
            for i in range(x.shape[0]):
                g[i] = np.nan
            return fx, DIVERGED
        return fx, gradient(x, g, scheme, steps, args, cost, info, fx)

    return evaluate
