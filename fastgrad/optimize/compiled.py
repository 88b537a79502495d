"""``compile_minimizer(f, ...)``: ``minimize`` as a compiled function ``solve(x0, *args)``
that the user's own ``@njit`` code can call (in a ``prange`` over pixels, inside a Bellman
operator), and that Python can call with less overhead than :func:`fastgrad.minimize`.

``solve`` is the driver's very loop (:func:`fastgrad.optimize.loop.make_single`, the one
``minimize`` compiles for the objective) run once, from iteration 0 to the end, on state
arrays ``solve`` allocates itself, with the settings ``minimize`` would pass: its results are
those of ``minimize`` with the same options, bit for bit. What ``minimize`` does in Python
around the loop (callbacks, history, chunks for Ctrl-C, workers, messages) is not there.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Callable

import numba
import numpy as np

from .._core import cache
from .._core.clock import clock
from .._core.objective import fallback_jit, is_compile_error, not_compilable
from .._core.jit import jit_inline
from .._core.validate import _show, all_finite, bounds_arrays, check_args, frozen_args
from ..diff import probe as _probe
from ..diff import registry
from ..diff.grad import _needs_more_args, precision_steps
from .driver import get_driver
from .columns import FV_ROW, WORK_ROWS, F, NFEV, NIT, SCHEME, STATUS
from .loop import UNLIMITED, family_of
from .options import LATER, Options, check_arity, refuse_for_bounds, validate
from .per_start import has_per_start
from .result import MAX_TIME, NOT_RUN, NOT_STARTED, RUNNING

Solution = namedtuple("Solution", ["x", "fun", "nit", "nfev", "status"])
"""What ``solve`` returns: the last iterate (a new float64 array), f there, the iterations
and evaluations of f it took, and the status code (:data:`fastgrad.result.STATUS`; success
for the codes of :data:`fastgrad.result.SUCCESS`). A named tuple: compiled code can unpack it
or read its fields by name."""

UNSUPPORTED = {
    "history": False, "callback": None, "callback_every": None, "workers": None,
    "progress": False,
}
"""Options of ``minimize`` that run in Python around the loop, and so have no place in a
compiled ``solve`` (with the value that means "not used")."""


def compile_minimizer(
    f: Callable[..., float],
    *,
    method: str | None = None,
    jac=None,
    lr: float = 1e-2,
    max_iter: int = 1000,
    gtol: float = 1e-6,
    ftol: float = 0.0,
    xtol: float = 0.0,
    args: tuple = (),
    step=None,
    jit: bool | None = None,
    max_time: float | None = None,
    bounds=None,
    **options,
):
    """Compile ``minimize(f, x0, ...)`` into a function ``solve(x0, *more_args)`` that Python
    and the user's own ``@numba.njit`` code can call.

    Parameters
    ----------
    f, method, jac, lr, max_iter, gtol, ftol, xtol, step, jit, max_time, **options
        As in :func:`fastgrad.minimize` (same defaults, same checks); ``step`` is None, a
        float, or one value per coordinate (x0 must then have that length). ``max_time``
        is counted from the start of each call of ``solve``.
    bounds : None, (lb, ub), sequence of (lo, hi) pairs or scipy.optimize.Bounds, optional
        As in :func:`fastgrad.minimize`, with one value or one per coordinate on each side
        (x0 must then have that length): ``solve`` runs minimize's loop within bounds, and
        projects an x0 outside the box into it, as ``minimize`` does (without a message to
        say so: compare ``x0`` with the box if it matters).
    args : tuple, optional
        Extra arguments of ``f`` bound here, passed before the ``more_args`` of each call:
        ``f(x, *args, *more_args)``. They are frozen into the compiled ``solve`` as
        constants (arrays as copies made here: a later change of yours does not reach
        ``solve``); pass large or changing data (each pixel's data) at call time instead.

    Returns
    -------
    solve : function
        ``solve(x0, *more_args) -> Solution(x, fun, nit, nfev, status)`` for one start
        ``x0`` of shape (n,) (a 1-D float array). A named tuple: ``x`` is a new float64
        array, ``status`` the code of :data:`fastgrad.result.STATUS` (success for those of
        :data:`fastgrad.result.SUCCESS`). Equal, bit for bit, to ``minimize(f, x0, args=args
        + more_args, ...)`` with the same options (its ``x``, ``fun``, ``nit``, ``nfev``,
        ``status``). Numba compiles ``solve`` here for a float64 ``x0`` when ``f`` takes no more
        arguments than ``args``, otherwise on its first call (and again for each new type
        of arguments).

    Notes
    -----
    ``solve`` is a Numba dispatcher, so ``@njit`` code (also a ``prange`` loop) can call it
    like any compiled function: ``prange`` over many fits, each with its own data passed as
    ``more_args``, runs them on every core (see ``examples/fit_every_pixel.py``): that is
    how per-start data reaches ``solve``, ``solve(x0, A[i])``; ``per_start(A)`` is for a
    batched :func:`fastgrad.minimize` (here a ``ValueError``). The threads of a ``prange``
    share whatever array they pass: ``f`` must not write into an argument that two fits
    share (a scratch buffer); give each fit its own row, or allocate it inside ``f``. An
    exception raised inside a ``prange`` (by ``f``, or ``solve``'s own ``ValueError`` for
    a wrong length) does not reach you: Numba's parallel loops drop it, and that fit's
    result is undefined; call ``solve`` once outside the loop first. Calls from Python
    check, once per length of x and types of the arguments, that ``f`` reads only within
    ``x`` and leaves ``x`` as it was (as ``minimize`` does); calls from compiled code are
    not checked. What ``minimize`` does in Python around its loop is not available:
    ``history``, ``callback``, ``workers``, ``progress`` (a ``TypeError`` says so), and
    Ctrl-C does not stop a compiled ``solve``: use ``max_time``. If Numba cannot compile
    ``f``, ``solve`` is a plain Python function that calls ``minimize`` (after a
    ``FastgradWarning``; ``jit=True`` raises ``TypeError``): Python can call it, compiled
    code cannot.

    Examples
    --------
    >>> import numpy as np, numba, fastgrad
    >>> def f(x, c):
    ...     return ((x - c) ** 2).sum()
    >>> solve = fastgrad.compile_minimizer(f)
    >>> @numba.njit
    ... def fit_all(C):
    ...     out = np.empty_like(C)
    ...     for i in range(C.shape[0]):
    ...         out[i] = solve(np.zeros(C.shape[1]), C[i]).x
    ...     return out
    >>> np.round(fit_all(np.array([[1.0, 2.0], [3.0, 4.0]])), 6)
    array([[1., 2.],
           [3., 4.]])
    """
    for name in UNSUPPORTED:
        if name in options:
            raise TypeError(
                f"compile_minimizer does not take {name}=: it runs in Python around "
                "minimize's loop, and solve is compiled; use fastgrad.minimize for it"
            )
    _refuse_per_start(args)
    args = frozen_args(check_args(args))
    opts = validate(
        f, LATER, method=method, jac=jac, lr=lr, max_iter=max_iter, gtol=gtol, ftol=ftol,
        xtol=xtol, args=args, step=step, jit=jit, max_time=max_time, method_options=options,
        known=_PARAMETERS, **UNSUPPORTED)
    box = bounds_arrays(bounds, None, pairs=True)
    if box is not None:
        refuse_for_bounds(opts.code, opts.kind)
    obj = cache.get(f, jit)
    jac_obj = cache.get(opts.jac, jit) if opts.kind == "analytic" else None
    fallback = _python_solve(opts, bounds if box is not None else None)
    if obj.engine != "jit" or (jac_obj is not None and jac_obj.engine != "jit"):
        if jit is True:
            raise not_compilable(obj.reason)
        return fallback
    if any(each is not None and _probe.binds_by_position(each, args, jit is True)
           for each in (obj, jac_obj)):
        return fallback  # keyword-only parameters: bound as Python binds them
    driver = get_driver(obj, opts.kind, jac_obj, args, strict=jit is True,
                        bounded=box is not None, family=family_of(opts.method))
    if driver.engine != "jit":
        return fallback
    source = make_solve(driver.single, opts, obj.compiled, box)

    def failed(exc, call_args):  # Numba cannot compile solve for these argument types
        obj.recover(exc, jit is True, "compile_minimizer", args + tuple(call_args[1:]),
                    stacklevel=6)

    check = _python_check(obj, opts, box, args, jit)
    solve = fallback_jit(source, fallback, failed, before=check)
    solve.objective = f  # the cache holds f weakly: solve keeps it alive
    if _needs_more_args(f, 1 + len(args)):
        return solve  # f wants the call's more_args: solve compiles on its first call
    try:  # f(x, *args) alone: compile now, for a float64 x0 (and say now if Numba cannot)
        solve.compile((numba.float64[::1], numba.types.Tuple(())))
    except Exception as exc:
        if not is_compile_error(exc):
            raise
        obj.recover(exc, jit is True, "compile_minimizer", args, stacklevel=4)
        return fallback
    return solve


_PARAMETERS = ("method", "jac", "lr", "max_iter", "gtol", "ftol", "xtol", "args", "step",
               "jit", "max_time")
"""compile_minimizer's own keyword arguments, for the hint of a misspelt one."""


def _settings(opts: Options) -> tuple:
    """The constants of ``solve``: the scheme, the gradient's cost as ``a + b n``, the
    method's state rows as ``a + b n`` and scalars, and the line search's settings."""
    meth, params = opts.method, opts.params
    if opts.kind == "analytic":
        cost = (0, 0)
    else:
        one, two = (registry.gradient_cost(opts.code, n) for n in (1, 2))
        cost = (2 * one - two, two - one)
        assert registry.gradient_cost(opts.code, 5) == cost[0] + 5 * cost[1]
    rows = (meth.state_rows(params, 0), meth.state_rows(params, 1) - meth.state_rows(params, 0))
    assert meth.state_rows(params, 7) == rows[0] + 7 * rows[1]
    scalars = max(1, meth.n_scalars(params))
    if meth.searches:
        search = (meth.option(params, "c1", 1e-4), meth.option(params, "c2", 0.9),
                  int(meth.option(params, "max_linesearch", 20)))
    else:
        search = (1e-4, 0.9, 20)
    return cost, rows, scalars, search


def make_loop_call(single, box):
    """``run_loop(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
    settings)``: the driver's ``single`` loop on row 0; with ``box`` (lb, ub), each of one
    value or one per coordinate, the bounded loop (see :mod:`fastgrad.optimize.boxloop`)
    within that box, x projected into it first. Inlined into ``solve``."""
    if box is None:
        def run_loop(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
                     settings):
            single(np.int64(0), X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params,
                   steps, args, settings)

        return jit_inline(run_loop)
    lb, ub = box

    def run_loop(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params, steps, args,
                 settings):
        n = X.shape[1]
        if lb.shape[0] != 1 and lb.shape[0] != n:
            raise ValueError("bounds have one value per coordinate, not as many as x0 has")
        LB = np.empty((1, n))
        UB = np.empty((1, n))
        for i in range(n):
            LB[0, i] = lb[0] if lb.shape[0] == 1 else lb[i]
            UB[0, i] = ub[0] if ub.shape[0] == 1 else ub[i]
            X[0, i] = min(max(X[0, i], LB[0, i]), UB[0, i])
        single(np.int64(0), X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, LB, UB, method, params,
               steps, args, settings)

    return jit_inline(run_loop)


def make_solve(single, opts: Options, compiled_f, box=None):
    """The source of ``solve(x0, *more)`` over the driver's compiled ``single`` loop (the
    bounded one with ``box``: see :func:`make_loop_call`)."""
    # Long because solve allocates the run's state arrays as minimize's Run does, in one
    # compiled function (what makes it callable from compiled code).
    (cost0, cost1), (rows0, rows1), n_scalars, (c1, c2, max_ls) = _settings(opts)
    method, params, code, bound = np.int64(opts.method.code), opts.params, opts.code, opts.args
    gtol, max_iter, ftol, xtol = opts.gtol, np.int64(opts.max_iter), opts.ftol, opts.xtol
    auto = np.int64(1 if opts.auto else 0)
    max_time = np.inf if opts.max_time is None else float(opts.max_time)
    user_steps = np.empty(0) if opts.user_steps is None else opts.user_steps
    run_loop = make_loop_call(single, box)
    unbounded = box is None

    def solve(x0, *more):
        # Long because it is the one compiled entry: state arrays, settings, loop, result.
        n = x0.shape[0]
        args = bound + more
        X = np.empty((1, n))
        for i in range(n):
            X[0, i] = x0[i]
        G = np.zeros((1, n))
        FV = np.empty((1, len(FV_ROW)))
        for j in range(len(FV_ROW)):
            FV[0, j] = FV_ROW[j]
        INFO = np.zeros((1, 6), dtype=np.int64)
        INFO[0, STATUS] = NOT_STARTED
        INFO[0, SCHEME] = code
        STATE = np.zeros((1, max(1, rows0 + rows1 * n), n))
        SCAL = np.zeros((1, n_scalars))
        WORK = np.zeros((1, WORK_ROWS, n))
        XH = np.empty((1, 0, n))
        FH = np.empty((1, 0))
        if user_steps.shape[0] > 1 and user_steps.shape[0] != n:
            raise ValueError("step has one value per coordinate, not as many as x0 has")
        steps = precision_steps(compiled_f, x0, args, user_steps.copy())
        deadline = clock() + max_time if max_time < np.inf else np.inf
        # np.int64() makes the constants plain int64 values, as minimize passes them:
        # Numba would otherwise type them as literals and compile the loop a second time
        settings = (np.int64(code), cost0 + cost1 * n, gtol, max_iter, max_iter,
                    np.int64(UNLIMITED), c1, c2, np.int64(max_ls), ftol, xtol, auto, deadline)
        run_loop(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params.copy(), steps, args,
                 settings)
        status = INFO[0, STATUS]
        if status == RUNNING and unbounded:  # the loop stops early only at the deadline; a
            run_loop(X, G, FV, INFO, STATE, SCAL, WORK, XH, FH, method, params.copy(), steps,
                     args, settings[:4] + (np.int64(-1),) + settings[5:])  # lazy run's f:
            status = INFO[0, STATUS]  # stop -1 values it (the box loop values every iterate;
            # params copied as above: the frozen array is read-only, another signature)
        if status == RUNNING:
            status = MAX_TIME
        elif status == NOT_STARTED:  # the deadline passed before x0 was evaluated
            status = NOT_RUN
        return Solution(X[0].copy(), FV[0, F], INFO[0, NIT], INFO[0, NFEV], status)

    return solve


def _python_check(obj, opts: Options, box, args: tuple, jit):
    """The check of a call of ``solve`` from Python: x0 a finite 1-D float array whose
    length fits ``step`` and ``bounds``, no per-start data, and, once per length of x0 and
    types of the arguments, f reading within x (as ``minimize`` checks: f compiles per
    argument types, and data of another type may make it read past x). A length and types
    seen before cost only the type and finiteness tests (about 1 us)."""
    checked = set()  # (shape, dtype char, probe key of more) of x0 and args that passed

    def check(x0, more):
        if obj.watch:
            cache.refuse_stale(obj, "compile_minimizer")
        kinds = _probe.probe_key(0, more) if more else ()
        if (x0.__class__ is np.ndarray and (x0.shape, x0.dtype.char, kinds) in checked
                and all_finite(x0) and not (more and has_per_start(more))):
            return
        _check_start(x0, opts.user_steps, box)
        _refuse_per_start(more)
        if _probe.probe_key(x0.shape[0], args + tuple(more)) not in obj.probes:
            check_arity(obj, len(args) + len(more), "f")
            x = np.array(x0, dtype=np.float64)
            if box is not None:  # f is evaluated within the box only, as solve will
                np.clip(x, *box, out=x)
            _probe.probe(obj, x, args + tuple(more), strict=jit is True)
        checked.add((x0.shape, x0.dtype.char, kinds))  # x0: 1-D float (_check_start)

    return check


def _refuse_per_start(args: tuple) -> None:
    """``solve`` runs one start: each start's data is an argument of its own call."""
    if has_per_start(args):
        raise ValueError(
            "solve runs one start, so per_start(A) has no rows to pick from: pass start i's "
            "data when calling it, solve(x0, A[i]) (in a prange over i for many starts), or "
            "use fastgrad.minimize(f, X0, args=(per_start(A),)) for a batch"
        )


def _check_start(x0, steps, box=None) -> None:
    """A call from Python: x0 must be a 1-D array of real floats (``solve`` compiles for the
    type it is given: a list or an integer array would compile it again, for nothing), and
    ``steps`` (the user's steps: None, one, or one per coordinate) and ``box`` (bounds: one
    value or one per coordinate) fit its length."""
    if not (isinstance(x0, np.ndarray) and x0.ndim == 1 and x0.dtype.kind == "f"):
        raise TypeError(
            "x0 must be a 1-D numpy array of floats (np.asarray(x0, dtype=float)), got "
            f"{type(x0).__name__} {_show(x0)}"
            + (f" of dtype {x0.dtype} and shape {x0.shape}" if isinstance(x0, np.ndarray)
               else "")
        )
    if not all_finite(x0):
        raise ValueError(f"x0 must be finite, got {_show(x0)}")
    if steps is not None and steps.shape[0] > 1 and steps.shape[0] != x0.shape[0]:
        raise ValueError(
            f"step has one value per coordinate ({steps.shape[0]}), but x0 has shape "
            f"{x0.shape}"
        )
    if box is not None and box[0].shape[0] > 1 and box[0].shape[0] != x0.shape[0]:
        raise ValueError(
            f"bounds have one value per coordinate ({box[0].shape[0]}), but x0 has shape "
            f"{x0.shape}"
        )


def _python_solve(opts: Options, bounds=None):
    """``solve`` on the Python engine: ``minimize`` with the same options."""
    from .api import minimize

    keywords = opts.keywords()
    keywords.pop("history")
    bound = keywords.pop("args")
    keywords["bounds"] = bounds

    def solve(x0, *more):
        res = minimize(opts.f, x0, args=bound + more, **keywords)
        return Solution(res.x, res.fun, res.nit, res.nfev, res.status)

    solve.objective = opts.f
    return solve
