"""``compile_least_squares(fun, ...)``: :func:`fastgrad.least_squares` as a compiled function
``solve(x0, *args)`` that the user's own ``@njit`` code can call (in a ``prange`` over
pixels, curves, customers), and that Python can call with less overhead.

``solve`` runs the very solver ``least_squares`` compiles for ``fun`` (the single-problem
Levenberg-Marquardt of :func:`fastgrad.optimize.lm.make_lm`) once, to the end, on arrays it
allocates itself, with the settings :func:`fastgrad.optimize.lsq_setup.lm_setup` builds for
``least_squares``: its results are those of ``least_squares`` with the same options, bit for
bit. What ``least_squares`` does in Python around the solver (callback, chunks for Ctrl-C,
messages, batches) is not there.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable

import numba
import numpy as np
from numba.core import types
from numba.extending import overload

from .._core import cache
from .._core.clock import clock
from .._core.objective import fallback_jit, is_compile_error, not_compilable
from .._core.scalar import copy_values
from .._core.validate import check_args, check_callable, frozen_args, unknown_keyword_hint
from ..diff.grad import _needs_more_args
from ..diff.probe import binds_by_position, probe_key
from ..diff.steps import auto_steps, is_auto
from . import lm
from .compiled import _check_start, _refuse_per_start
from .least_squares import _probe
from .lsq_drive import _engine, _solver
from .lsq_setup import lm_setup
from .lm_linalg import summarize

LsqSolution = namedtuple("LsqSolution",
                         ["x", "cost", "fun", "jac", "nit", "nfev", "njev", "status"])
"""What ``solve`` returns: the solution (a new float64 array), the cost ``0.5 sum r**2``, the
residuals there, the Jacobian (as ``least_squares`` returns it), the iterations, the
evaluations of ``fun`` and of the Jacobian, and the status code
(:data:`fastgrad.optimize.lsq_report.LSQ_STATUS`; success for 1 to 5). The arrays are
``solve``'s own (returning them costs nothing). A named tuple: compiled code can unpack it or
read its fields by name."""

_REFUSED = {
    "callback": "it runs in Python between chunks of the solver, and solve is compiled",
    "callback_every": "it runs in Python between chunks of the solver, and solve is compiled",
    "bounds": "bounds need method 'trf', which solve does not run",
}
"""Options of ``least_squares`` that a compiled ``solve`` cannot take, and why."""

_PARAMETERS = ("jac", "method", "args", "ftol", "xtol", "gtol", "max_nfev", "x_scale", "step",
               "jit", "max_time")
"""compile_least_squares' own keyword arguments, for the hint of a misspelt one."""


def compile_least_squares(
    fun: Callable[..., Any],
    *,
    jac: str | Callable[..., Any] = "auto",
    method: str = "lm",
    args: tuple = (),
    ftol: float = 1e-8,
    xtol: float = 1e-8,
    gtol: float = 1e-8,
    max_nfev: int | None = None,
    x_scale="jac",
    step=None,
    jit: bool | None = None,
    max_time: float | None = None,
    **unknown,
):
    """Compile ``least_squares(fun, x0, ...)`` into a function ``solve(x0, *more_args)`` that
    Python and the user's own ``@numba.njit`` code can call.

    Parameters
    ----------
    fun, jac, method, ftol, xtol, gtol, max_nfev, x_scale, step, jit, max_time
        As in :func:`fastgrad.least_squares` (same defaults, same checks; ``method`` "lm"
        only). ``x_scale`` and ``step`` may be one value or one per parameter (each call
        checks that length against x0's); ``max_nfev`` None is the default of each call's
        n. ``max_time`` is counted from the start of each call of ``solve``.
    args : tuple, optional
        Extra arguments of ``fun`` (and ``jac``) bound here, passed before the ``more_args``
        of each call: ``fun(x, *args, *more_args)``. They are frozen into the compiled
        ``solve`` as constants (arrays as copies made here: a later change of yours does not
        reach ``solve``); pass large or changing data (each fit's data) at call time.

    Returns
    -------
    solve : function
        ``solve(x0, *more_args) -> LsqSolution(x, cost, fun, jac, nit, nfev, njev, status)``
        for one start ``x0`` of shape (n,) (a 1-D float array). Equal, bit for bit, to the
        fields of ``least_squares(fun, x0, args=args + more_args, ...)`` with the same options.
        Numba compiles ``solve`` here for a float64 ``x0`` when ``fun`` takes no more
        arguments than ``args``, otherwise on its first call (and again for each new type of
        arguments).

    Notes
    -----
    ``solve`` evaluates ``fun`` exactly ``nfev`` times: its first evaluation, at x0, tells it
    the number k of residuals (to allocate the residuals and the Jacobian) and is the run's
    first counted evaluation. (``least_squares`` evaluates ``fun`` once more at x0, uncounted,
    to check what it returns and that it reads no x past its end; ``solve`` does so on its
    first call from Python for each length of x0 and number of arguments only.) Float32
    residuals get the automatic step of float32, as in ``least_squares``. With fewer
    residuals than parameters ``solve`` raises ``ValueError``. Calls from compiled code are
    not checked otherwise.

    ``solve`` is a Numba dispatcher: ``@njit`` code (a ``prange`` loop too) calls it like any
    compiled function, each fit's data passed as ``more_args``: ``solve(x0, Y[i])``
    (``per_start(Y)`` is for a batched :func:`fastgrad.least_squares`; here a
    ``ValueError``). The threads of a ``prange`` share whatever array they pass: ``fun``
    must not write into an argument that two fits share. An exception raised inside a
    ``prange`` does not reach you (Numba's parallel loops drop it; that fit's result is
    undefined): call ``solve`` once outside the loop first. ``callback`` and ``bounds`` are
    refused (``TypeError``), and Ctrl-C does not stop a compiled ``solve``: use
    ``max_time``. If Numba cannot compile ``fun``, ``solve`` is a plain Python function that
    calls ``least_squares`` (after a ``FastgradWarning``; ``jit=True`` raises
    ``TypeError``): Python can call it, compiled code cannot.

    Examples
    --------
    >>> import numpy as np, numba, fastgrad
    >>> t = np.linspace(0.0, 3.0, 30)
    >>> def decay(p, t, y):
    ...     return p[0] * np.exp(-p[1] * t) + p[2] - y
    >>> solve = fastgrad.compile_least_squares(decay, args=(t,))
    >>> @numba.njit(parallel=True)
    ... def fit_all(Y):
    ...     out = np.empty((Y.shape[0], 3))
    ...     for i in numba.prange(Y.shape[0]):
    ...         out[i] = solve(np.array([1.0, 1.0, 0.0]), Y[i]).x
    ...     return out
    >>> Y = np.array([2.5 * np.exp(-1.3 * t) + 0.5, 1.5 * np.exp(-0.7 * t) - 0.2])
    >>> np.round(fit_all(Y), 6)
    array([[ 2.5,  1.3,  0.5],
           [ 1.5,  0.7, -0.2]])
    """
    _refuse(unknown)
    check_callable(fun, "fun")
    if method != "lm":
        raise ValueError(f"method must be one of 'lm' here (solve runs Levenberg-Marquardt; "
                         f"'trf', with bounds, runs in fastgrad.least_squares), got {method!r}")
    bound = frozen_args(check_args(args))
    _refuse_per_start(bound)
    setup = lm_setup(jac, ftol, xtol, gtol, max_nfev, x_scale, step, max_time, None)
    keywords = dict(jac=jac, ftol=ftol, xtol=xtol, gtol=gtol, max_nfev=max_nfev,
                    x_scale=x_scale, step=step, max_time=max_time, jit=jit)
    fallback = _python_solve(fun, bound, keywords)
    obj = cache.get(fun, jit)
    jac_obj = None if setup.jac is None else cache.get(setup.jac, jit)
    for each in (obj, jac_obj):
        if each is not None and each.engine != "jit":
            if jit is True:
                raise not_compilable(each.reason)
            return fallback
    if _engine(obj, jac_obj) != "jit" and jit is not True:
        return fallback  # least_squares met a compile failure: its Python engine
    if any(each is not None and binds_by_position(each, bound, jit is True)
           for each in (obj, jac_obj)):
        return fallback  # keyword-only parameters: bound as Python binds them
    solve = fallback_jit(make_solve(_solver(obj, jac_obj, "jit").single, obj.callable, setup,
                                    bound), fallback, _on_failure(obj, bound, jit),
                         before=_checker(obj, setup, bound, jit))
    solve.objective = fun  # the cache holds fun weakly: solve keeps it alive
    if _needs_more_args(fun, 1 + len(bound)):
        return solve  # fun wants the call's more_args: solve compiles on its first call
    try:  # fun(x, *args) alone: compile now, for a float64 x0 (and say now if Numba cannot)
        solve.compile((numba.float64[::1], numba.types.Tuple(())))
    except Exception as exc:
        if not is_compile_error(exc):
            raise
        obj.recover(exc, jit is True, "compile_least_squares", bound, stacklevel=4)
        return fallback
    return solve


def _refuse(unknown: dict) -> None:
    for name in unknown:
        if name in _REFUSED:
            raise TypeError(f"compile_least_squares does not take {name}=: {_REFUSED[name]}; "
                            "use fastgrad.least_squares for it")
        raise TypeError(f"compile_least_squares() got an unexpected keyword argument {name!r}"
                        + unknown_keyword_hint(name, _PARAMETERS))


def make_solve(single, f, setup, bound: tuple):
    """The source of ``solve(x0, *more)`` over the compiled single-problem solver ``single``
    of the residual function ``f`` (compiled), with the constants ``setup`` of
    :func:`fastgrad.optimize.lsq_setup.lm_setup`."""
    template, inverse, steps = setup.settings, setup.scale, setup.steps
    low = auto_steps(EPS32) if is_auto(steps) else steps  # for float32 residuals
    scheme = np.int64(setup.scheme)  # a plain int64, as least_squares passes it

    def solve(x0, *more):
        n = x0.shape[0]
        if n == 0:
            raise ValueError("x0 must not be empty")
        args = bound + more
        x = np.empty(n)
        for i in range(n):
            x[i] = x0[i]
        value = f(x, *args)  # the run's first evaluation (lm.EVALUATED): k residuals
        k = value.shape[0]
        if k < n:
            raise ValueError("method 'lm' needs at least as many residuals as parameters: "
                             "fun returned fewer residuals than x0 has values")
        if steps.shape[0] > 1 and steps.shape[0] != n:
            raise ValueError("step has one value per parameter, but not as many as x0")
        h = precision_steps(value, steps, low)
        r = np.empty(k)
        copy_values(value, r)
        J = np.zeros((k, n))
        D = lm.scale_row(inverse, n)
        info = np.zeros(lm.INFO_SIZE, dtype=np.int64)
        info[lm.STATUS] = lm.EVALUATED
        info[lm.SCHEME] = scheme
        fs = np.zeros(lm.state_size(n))
        settings = lm.run_settings(template, n, clock())
        single(x, r, J, D, info, fs, settings, scheme, h, args)
        out = np.empty(2)
        summarize(J, r, np.empty(n), out)
        return LsqSolution(x, out[0], r, J, info[lm.NIT], info[lm.NFEV], info[lm.NJEV],
                           info[lm.STATUS])

    return solve


EPS32 = float(np.finfo(np.float32).eps)


def precision_steps(value, steps, low):
    """The steps array for residuals ``value``: ``low`` (the automatic step of float32,
    whose rounding a float64 step would not get through) when they are float32, else
    ``steps``; least_squares learns the same from :func:`fastgrad.diff.probe.probe`. In
    compiled code the overload below decides at compile time, from the type of ``value``."""
    return low if np.asarray(value).dtype == np.float32 else steps


@overload(precision_steps)
def _precision_steps_jit(value, steps, low):
    if isinstance(value, types.Array) and value.dtype == types.float32:
        return lambda value, steps, low: low
    return lambda value, steps, low: steps


def _checker(obj, setup, bound: tuple, jit):
    """The check of a call from Python: x0 a finite 1-D float array whose length fits
    ``step`` and ``x_scale``; once per length of x0 and types of the arguments (fun compiles
    per types, and data of another type may make it read past x), what ``fun`` returns
    (least_squares' own check: 1-D real residuals, at least n of them, read within x)."""
    seen = set()

    def check(x0, more):
        if obj.watch:
            cache.refuse_stale(obj, "compile_least_squares")
        _check_start(x0, setup.steps)
        if x0.shape[0] == 0:
            raise ValueError(f"x0 must not be empty, got shape {x0.shape}")
        size = setup.scale.shape[0]
        if size > 1 and size != x0.shape[0]:
            raise ValueError(f"x_scale has one value per parameter ({size}), but x0 has shape "
                             f"{x0.shape}")
        _refuse_per_start(more)
        key = probe_key(x0.shape[0], tuple(more))  # (bound's types never change)
        if key not in seen:
            _probe(obj, np.ascontiguousarray(x0, dtype=np.float64), bound + tuple(more),
                   x0.shape[0])
            seen.add(key)

    return check


def _on_failure(obj, bound: tuple, jit):
    def failed(exc, call_args):  # Numba cannot compile solve for these argument types
        obj.recover(exc, jit is True, "compile_least_squares", bound + tuple(call_args[1:]),
                    stacklevel=6)

    return failed


def _python_solve(fun, bound: tuple, keywords: dict):
    """``solve`` on the Python engine: ``least_squares`` with the same options."""
    from .least_squares import least_squares

    def solve(x0, *more):
        res = least_squares(fun, x0, args=bound + more, **keywords)
        return LsqSolution(res.x, res.cost, res.fun, res.jac, res.nit, res.nfev, res.njev,
                           res.status)

    solve.objective = fun
    return solve
