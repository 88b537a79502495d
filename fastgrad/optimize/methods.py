"""Optimizer methods as (init, update) pairs over an explicit state.

A method owns only its update; the driver (:mod:`fastgrad.optimize.loop`) owns the iterations, the
evaluations of f and of the gradient, the line search, the convergence tests and the status.
Updates never see the objective, so they are compiled once (and cached on disk) for every
objective, and every method has the same signature, so one driver serves them all:

    ``update(x, g, state, scalars, params, it, d, restart) -> t``

* ``x``, ``g``: the iterate and the gradient there (``it`` iterations done so far);
* ``state``: float64 ``(rows, n)`` memory (velocities, moments, L-BFGS pairs) and
  ``scalars``: float64 vector, both zeros at the start, of the sizes :meth:`Method.sizes` gives;
* ``params``: float64 vector ``[lr, option_1, option_2, ...]`` (options in the order of
  :attr:`Method.options`).

The update either moves ``x`` itself and returns ``0.0`` (the driver then evaluates f and g
at the new x), or writes a descent direction into ``d`` and returns the first trial step
``t > 0`` (the driver then searches along ``d`` for a step that decreases f). If no step does,
the driver calls the update once more with ``restart=True`` at the same x: the method forgets
its memory and proposes steepest descent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable

import numpy as np

from .._core.jit import jit_cached
from .._core.validate import COUNT_LIMIT, MAX_COUNT, check_float, check_int

GD, MOMENTUM, NESTEROV, ADAM, LBFGS, BFGS = range(6)
"""Method codes, as the driver sees them."""


@jit_cached
def gd_update(x, g, state, scalars, params, it, d, restart):
    """Fixed-learning-rate gradient descent (the seeds' loop): ``x <- x - lr g``."""
    lr = params[0]
    for i in range(x.shape[0]):
        x[i] -= lr * g[i]
    return 0.0


@jit_cached
def momentum_update(x, g, state, scalars, params, it, d, restart):
    """Heavy ball: ``v <- momentum v - lr g``, ``x <- x + v``."""
    lr = params[0]
    mu = params[1]
    v = state[0]
    for i in range(x.shape[0]):
        v[i] = mu * v[i] - lr * g[i]
        x[i] += v[i]
    return 0.0


@jit_cached
def nesterov_update(x, g, state, scalars, params, it, d, restart):
    """Nesterov momentum: ``v <- momentum v - lr g``, ``x <- x + momentum v - lr g``."""
    lr = params[0]
    mu = params[1]
    v = state[0]
    for i in range(x.shape[0]):
        v[i] = mu * v[i] - lr * g[i]
        x[i] += mu * v[i] - lr * g[i]
    return 0.0


@jit_cached
def adam_update(x, g, state, scalars, params, it, d, restart):
    """Adam, with the bias corrections ``1 - beta1**t`` and ``1 - beta2**t``, t = it + 1."""
    lr = params[0]
    b1 = params[1]
    b2 = params[2]
    eps = params[3]
    t = it + 1.0
    c1 = 1.0 - b1 ** t
    c2 = 1.0 - b2 ** t
    m = state[0]
    v = state[1]
    for i in range(x.shape[0]):
        m[i] = b1 * m[i] + (1.0 - b1) * g[i]
        v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i]
        x[i] -= lr * (m[i] / c1) / (np.sqrt(v[i] / c2) + eps)
    return 0.0


PAIR_EPS = float(np.finfo(np.float64).eps)
"""A curvature pair is stored only when ``s'y > PAIR_EPS |s'g_prev|`` (L-BFGS-B's test)."""


@jit_cached
def lbfgs_update(x, g, state, scalars, params, it, d, restart):
    """L-BFGS direction ``d = -H g`` by the two-loop recursion; first trial step 1.

    Layout for memory M: state rows ``[0, M)`` hold the steps s, ``[M, 2M)`` the gradient
    changes y, then the previous x and g; scalars ``[0, M)`` hold ``rho = 1 / s'y``,
    ``[M, 2M)`` the two-loop's alphas, then the number of stored pairs, the index of the
    newest one, and 1 once a previous point is stored.
    """
    # Long because the two-loop recursion and its memory bookkeeping are one compiled pass over
    # the state rows; split, each part would need the whole layout again.
    n = x.shape[0]
    mem = int(params[1])
    xp = state[2 * mem]
    gp = state[2 * mem + 1]
    count = int(scalars[2 * mem])
    head = int(scalars[2 * mem + 1])
    if restart:
        count = 0
    elif scalars[2 * mem + 2] > 0.0:  # store the pair of the step that led here
        sy = 0.0
        yy = 0.0
        sg = 0.0
        for i in range(n):
            sy += (x[i] - xp[i]) * (g[i] - gp[i])
            yy += (g[i] - gp[i]) * (g[i] - gp[i])
            sg += (x[i] - xp[i]) * gp[i]
        if sy > PAIR_EPS * abs(sg) and sy > 0.0 and yy > 0.0:  # positive curvature only
            head = (head + 1) % mem
            for i in range(n):
                state[head, i] = x[i] - xp[i]
                state[mem + head, i] = g[i] - gp[i]
            scalars[head] = 1.0 / sy
            count = min(count + 1, mem)
    for i in range(n):
        xp[i] = x[i]
        gp[i] = g[i]
        d[i] = g[i]
    scalars[2 * mem] = count
    scalars[2 * mem + 1] = head
    scalars[2 * mem + 2] = 1.0
    if count == 0:  # steepest descent, first step at most 1 in every coordinate
        gmax = 0.0
        for i in range(n):
            d[i] = -g[i]
            gmax = max(gmax, abs(g[i]))
        return min(1.0, 1.0 / gmax) if gmax > 0.0 else 1.0
    k = head
    for _ in range(count):  # newest to oldest
        a = 0.0
        for i in range(n):
            a += state[k, i] * d[i]
        a *= scalars[k]
        scalars[mem + k] = a
        for i in range(n):
            d[i] -= a * state[mem + k, i]
        k = (k - 1 + mem) % mem
    yy = 0.0
    for i in range(n):
        yy += state[mem + head, i] * state[mem + head, i]
    gamma = 1.0 / (scalars[head] * yy)  # H0 = s'y / y'y of the newest pair
    for i in range(n):
        d[i] *= gamma
    k = (head - count + 1 + mem) % mem
    for _ in range(count):  # oldest to newest
        b = 0.0
        for i in range(n):
            b += state[mem + k, i] * d[i]
        b = scalars[mem + k] - scalars[k] * b
        for i in range(n):
            d[i] += b * state[k, i]
        k = (k + 1) % mem
    for i in range(n):
        d[i] = -d[i]
    return 1.0


@jit_cached
def bfgs_update(x, g, state, scalars, params, it, d, restart):
    """Dense BFGS: ``d = -H g`` with the inverse Hessian approximation ``H`` updated by the
    pair of the step that led here (skipped unless ``s'y > 0``; before the first update
    ``H = (s'y / y'y) I``, Nocedal and Wright, 6.20); first trial step 1.

    Layout: state rows ``[0, n)`` hold H, then the previous x and g; scalars ``[0]`` is 1 once
    a previous point is stored, ``[1]`` is 1 once H has been updated.
    """
    # Long because the rank-two update of H, its first scaling and the product H g are one
    # pass over the n rows of the state.
    n = x.shape[0]
    xp = state[n]
    gp = state[n + 1]
    if restart:
        scalars[1] = 0.0
    elif scalars[0] > 0.0:
        sy = 0.0
        yy = 0.0
        sg = 0.0
        for i in range(n):
            sy += (x[i] - xp[i]) * (g[i] - gp[i])
            yy += (g[i] - gp[i]) * (g[i] - gp[i])
            sg += (x[i] - xp[i]) * gp[i]
        if sy > PAIR_EPS * abs(sg) and sy > 0.0 and yy > 0.0:
            s = x - xp
            y = g - gp
            if scalars[1] == 0.0:  # the first pair scales H = gamma I
                gamma = sy / yy
                for i in range(n):
                    for j in range(n):
                        state[i, j] = gamma if i == j else 0.0
                scalars[1] = 1.0
            hy = np.zeros(n)
            for i in range(n):
                for j in range(n):
                    hy[i] += state[i, j] * y[j]
            yhy = 0.0
            for i in range(n):
                yhy += y[i] * hy[i]
            rho = 1.0 / sy
            c = (rho * yhy + 1.0) * rho
            for i in range(n):  # H <- H - rho (s hy' + hy s') + (rho^2 y'Hy + rho) s s'
                for j in range(n):
                    state[i, j] += c * s[i] * s[j] - rho * (s[i] * hy[j] + hy[i] * s[j])
    for i in range(n):
        xp[i] = x[i]
        gp[i] = g[i]
    scalars[0] = 1.0
    if scalars[1] == 0.0:  # no curvature known yet: steepest descent, at most 1 per coordinate
        gmax = 0.0
        for i in range(n):
            d[i] = -g[i]
            gmax = max(gmax, abs(g[i]))
        return min(1.0, 1.0 / gmax) if gmax > 0.0 else 1.0
    for i in range(n):
        acc = 0.0
        for j in range(n):
            acc -= state[i, j] * g[j]
        d[i] = acc
    return 1.0


@jit_cached
def update(method, x, g, state, scalars, params, it, d, restart):
    """The update of method code ``method`` (one call site for the driver's line-search
    iteration; the driver's loop calls the fixed-step updates itself, see
    :func:`fastgrad.optimize.loop.make_single`)."""
    if method == GD:
        return gd_update(x, g, state, scalars, params, it, d, restart)
    if method == MOMENTUM:
        return momentum_update(x, g, state, scalars, params, it, d, restart)
    if method == NESTEROV:
        return nesterov_update(x, g, state, scalars, params, it, d, restart)
    if method == ADAM:
        return adam_update(x, g, state, scalars, params, it, d, restart)
    if method == LBFGS:
        return lbfgs_update(x, g, state, scalars, params, it, d, restart)
    return bfgs_update(x, g, state, scalars, params, it, d, restart)


@dataclass(frozen=True)
class Method:
    """A method: its code, its options and the shape of its state (:meth:`sizes`)."""

    name: str
    code: int
    options: dict = field(default_factory=dict)
    """Option name -> (default, rule); a rule is a float rule of ``check_float`` or "int"."""
    uses_lr: bool = True
    state_rows: Callable[[np.ndarray, int], int] = lambda params, n: 0
    n_scalars: Callable[[np.ndarray], int] = lambda params: 0
    searches: bool = False
    """True for a method that proposes a direction and a first step (the line search's)."""

    def params(self, lr: float, given: dict) -> np.ndarray:
        """``[lr, option values...]`` after checking every option (unknown ones included)."""
        for name in given:
            if name not in self.options:
                raise TypeError(unknown_option_message(self.name, name))
        values = [lr]
        for name, (default, rule) in self.options.items():
            value = given.get(name, default)
            if rule == "int":
                top, shown = INT_LIMITS.get(name, (MAX_COUNT, COUNT_LIMIT))
                values.append(float(check_int(value, name, 1, top, shown)))
            else:
                values.append(check_float(value, name, rule))
        return np.array(values, dtype=np.float64)

    @cached_property
    def _positions(self) -> dict:
        """Option name -> its index in ``params``."""
        return {name: 1 + k for k, name in enumerate(self.options)}

    def option(self, params: np.ndarray, name: str, default: float) -> float:
        """The value of option ``name`` in ``params`` (``default`` if the method has none)."""
        k = self._positions.get(name)
        return default if k is None else float(params[k])

    def sizes(self, params: np.ndarray, n: int) -> tuple[int, int]:
        """``(rows, k)``: the state of one run is ``(rows, n)`` memory and ``k`` scalars,
        zeros at the start (at least one of each, so that every method types alike)."""
        return max(1, self.state_rows(params, n)), max(1, self.n_scalars(params))


MAX_MEMORY = 10**4
"""The largest L-BFGS ``memory`` (pairs kept) accepted. Each pair costs ``16 n`` bytes per
start and about ``4 n`` operations per iteration, and no more pairs are made than iterations:
SciPy's ``maxcor`` is typically 10 to a few hundred, and 10**4 pairs cost more per iteration
than dense ``bfgs`` (about n**2) for every n up to 4 * 10**4. Values such as 10**12 could not
be allocated (numpy refused them without naming the option)."""

INT_LIMITS = {
    "memory": (MAX_MEMORY, f"{MAX_MEMORY} (each pair kept costs 16 n bytes per start and 4 n "
                           "operations per iteration; a few hundred at most is useful)"),
}
"""Integer option name -> (largest value, how the message shows it); any other integer
option is a count, at most :data:`fastgrad._core.validate.MAX_COUNT`."""


LINE_SEARCH_OPTIONS = {
    "c1": (1e-4, "open_unit"),
    "c2": (0.9, "open_unit"),
    "max_linesearch": (20, "int"),
}
"""Options of the line search (:mod:`fastgrad.optimize.linesearch`): sufficient decrease
``c1``, curvature ``c2`` (weak Wolfe, ``c1 < c2 < 1``), trials per iteration."""

METHODS: dict[str, Method] = {
    "gd": Method("gd", GD),
    "momentum": Method(
        "momentum", MOMENTUM, {"momentum": (0.9, "unit")}, state_rows=lambda p, n: 1
    ),
    "nesterov": Method(
        "nesterov", NESTEROV, {"momentum": (0.9, "unit")}, state_rows=lambda p, n: 1
    ),
    "adam": Method(
        "adam",
        ADAM,
        {"beta1": (0.9, "unit"), "beta2": (0.999, "unit"), "eps": (1e-8, "positive")},
        state_rows=lambda p, n: 2,
    ),
    "lbfgs": Method(
        "lbfgs",
        LBFGS,
        {"memory": (10, "int"), **LINE_SEARCH_OPTIONS},
        uses_lr=False,
        state_rows=lambda p, n: 2 * int(p[1]) + 2,
        n_scalars=lambda p: 2 * int(p[1]) + 3,
        searches=True,
    ),
    "bfgs": Method(
        "bfgs",
        BFGS,
        dict(LINE_SEARCH_OPTIONS),
        uses_lr=False,
        state_rows=lambda p, n: n + 2,
        n_scalars=lambda p: 2,
        searches=True,
    ),
}
"""Method name -> :class:`Method`."""


def get_method(name) -> Method:
    """The method called ``name``; the message lists the valid names."""
    method = METHODS.get(name) if isinstance(name, str) else None
    if method is None:
        raise ValueError(
            f"method must be None or one of {', '.join(map(repr, METHODS))}, got {name!r}")
    return method


def unknown_option_message(method: str, name: str) -> str:
    valid = ", ".join(map(repr, METHODS[method].options)) or "none"
    owners = [m.name for m in METHODS.values() if name in m.options]
    where = f" ({name!r} is an option of {', '.join(map(repr, owners))})" if owners else ""
    return (
        f"unknown option {name!r} for method {method!r}; valid options for {method!r}: "
        f"{valid}{where}"
    )
