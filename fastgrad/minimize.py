"""Public :func:`minimize`: validate, allocate, run the compiled driver in chunks, report."""

from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np
from . import _objective
from ._driver import FALLBACKS, NFEV, NIT, NJEV, STATUS, Run, get_driver
from ._methods import get_method
from ._objective import COMPILE_ERRORS, FastgradWarning
from ._validate import (
    _show,
    as_float_array,
    check_args,
    check_callable,
    check_float,
    check_int,
    nonfinite_message,
    scheme_code,
    steps_array,
)
from .result import CALLBACK, RUNNING, OptimizeResult, status_message
from .steps import CENTRAL, CENTRAL4, COMPLEX

HISTORY_CHUNK = 1024
"""History arrays start with this many rows and double when full, so their memory follows
the iterations actually run, not ``max_iter``."""


def _gradient_cost(code: int, n: int) -> int:
    """Evaluations of f per finite-difference gradient (complex fallbacks counted apart)."""
    if code in (CENTRAL, COMPLEX):
        return 2 * n
    if code == CENTRAL4:
        return 4 * n
    return n + 1  # forward, backward: f(x) inside the kernel plus n steps


def _check_jac(jac, step):
    """``(kind, scheme code)``: kind "analytic" or a finite-difference kernel name."""
    if callable(jac):
        if step is not None:
            raise ValueError(
                f"step applies to finite-difference gradients only; jac is a callable, "
                f"so step must be None, got {_show(step)}"
            )
        return "analytic", CENTRAL
    if not isinstance(jac, str):
        raise TypeError(
            "jac must be a finite-difference scheme name or a callable jac(x, *args), "
            f"got {type(jac).__name__} {_show(jac)}"
        )
    try:
        code = scheme_code(jac, "jac")
    except ValueError as exc:
        raise ValueError(f"{exc}; or pass a callable jac(x, *args)") from None
    return ("complex_gradient" if code == COMPLEX else "gradient"), code


def _check_jac_output(jac_obj, x: np.ndarray, args: tuple, strict: bool) -> None:
    """Call ``jac`` once at the first start and check that it returns shape (n,)."""
    try:
        value = jac_obj.callable(x.copy(), *args)
    except COMPILE_ERRORS as exc:
        jac_obj.recover(exc, strict)
        value = jac_obj.callable(x.copy(), *args)
    arr = np.asarray(value)
    if arr.shape != x.shape or arr.dtype.kind not in "fiu":
        raise ValueError(
            f"jac must return a real array of shape {x.shape} (the shape of x), got "
            f"{'shape ' + str(arr.shape) if arr.dtype.kind in 'fiuc' else _show(value)} "
            f"of dtype {arr.dtype}"
        )


def minimize(
    f: Callable[..., float],
    x0,
    *,
    method: str = "gd",
    jac: str | Callable[..., Any] = "central",
    lr: float = 1e-2,
    max_iter: int = 1000,
    gtol: float = 1e-6,
    history: bool = False,
    callback: Callable[[OptimizeResult], Any] | None = None,
    callback_every: int | None = None,
    args: tuple = (),
    step=None,
    jit: bool | None = None,
    **method_options,
) -> OptimizeResult:
    """Minimize ``f(x, *args) -> float`` from ``x0``, or from each row of ``x0`` in parallel.

    Parameters
    ----------
    f : callable
        Objective ``f(x, *args)`` of a float64 array ``x`` of shape (n,), returning a float.
        Compiled with Numba in nopython mode (a ``numba.njit`` function is used as it is);
        if Numba cannot compile it, the whole run uses the Python engine after a
        ``FastgradWarning``. ``f`` gets fastgrad's own workspace, never the caller's array.
    x0 : array_like, shape (n,) or (m, n)
        Start, or m starts run as m independent optimizations in parallel over cores.
        Copied to float64 (integers are fine); never modified.
    method : {"gd", "momentum", "nesterov", "adam", "lbfgs"}, optional
        Update rule (see Notes). Default "gd". Use "lbfgs" when you do not want to tune a
        learning rate.
    jac : str or callable, optional
        Finite-difference scheme ("central" (default), "forward", "backward", "central4",
        "complex", or SciPy's aliases), or an analytic gradient ``jac(x, *args) -> (n,)``,
        compiled like ``f``.
    lr : float, optional
        Learning rate of gd, momentum, nesterov and adam (default 1e-2); lbfgs ignores it.
    max_iter : int, optional
        Maximum number of iterations (default 1000).
    gtol : float, optional
        Success when ``||g||_inf <= gtol`` (default 1e-6). ``gtol=0`` runs ``max_iter``
        iterations unless the gradient is exactly zero.
    history : bool, optional
        If True, the result also holds ``x_history`` (nit + 1, n) and ``f_history``
        (nit + 1,). Memory grows with the iterations run: 8 (n + 1) bytes per iteration and
        start (a batch of m starts keeps m such histories).
    callback : callable, optional
        ``callback(intermediate_result)`` after every ``callback_every`` iterations while
        the run goes on; ``intermediate_result`` is an :class:`OptimizeResult` with ``x``,
        ``fun``, ``jac``, ``nit``, ``nfev``, ``njev`` (batched: of every start). Raising
        ``StopIteration`` or returning True stops the run (status 3) and keeps its result.
    callback_every : int, optional
        Iterations between callbacks (default 1 when a callback is given). The loop runs
        compiled between callbacks, so without a callback it is one compiled call.
    args : tuple, optional
        Extra arguments passed to ``f`` and ``jac`` (data arrays such as ``X, y``).
    step : None, float or array_like of shape (n,), optional
        Absolute finite-difference step; None (default) chooses the relative step of the
        scheme (see :func:`fastgrad.gradient`).
    jit : bool or None, optional
        None (default): compile when Numba can; True: require compilation; False: Python.
    **method_options
        Options of the method, by name: momentum, nesterov: ``momentum=0.9`` (in [0, 1));
        adam: ``beta1=0.9``, ``beta2=0.999`` (in [0, 1)), ``eps=1e-8``; lbfgs:
        ``memory=10`` (pairs kept), ``c1=1e-4`` (Armijo constant, in (0, 1)),
        ``max_linesearch=40`` (trial steps per iteration).

    Returns
    -------
    OptimizeResult
        ``x, fun, jac, nit, nfev, njev, success, status, message`` (and the histories). For
        a batch, the same fields with a leading axis m, ``message`` a list, ``best`` the
        index of the lowest finite ``fun``, and history rows padded with NaN after their own
        ``nit + 1`` entries. Status codes: :data:`fastgrad.result.STATUS`.

    Notes
    -----
    With g the gradient at the iterate x, the updates are:

    * gd: ``x <- x - lr g``.
    * momentum (heavy ball): ``v <- momentum v - lr g``, ``x <- x + v``.
    * nesterov: ``v <- momentum v - lr g``, ``x <- x + momentum v - lr g`` (the look-ahead
      form of Sutskever et al.: one gradient per iteration).
    * adam: ``m <- beta1 m + (1 - beta1) g``, ``v <- beta2 v + (1 - beta2) g**2``,
      ``x <- x - lr (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)``, t = 1, 2, ...
    * lbfgs: ``d = -H g`` by the two-loop recursion over the last ``memory`` pairs
      ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k`` (``H_0 = s'y / y'y``; pairs with
      ``s'y <= 0`` are skipped), then a backtracking line search from t = 1 (safeguarded
      quadratic interpolation) accepts the first t with ``f(x + t d) <= f(x) + c1 t g'd``
      and ``f(x + t d) < f(x)``: f decreases at every iteration. If no step decreases f
      along d, the search restarts along -g; if that fails too the run stops (status 4).

    f is evaluated at every iterate; ``nfev`` counts every evaluation of f, including
    those inside finite differences. A non-finite f or gradient stops that run with
    status 2 ("diverged"); in a batch, only that start. Row i of a batched result equals
    the single-start result from ``x0[i]``.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> def f(x):
    ...     return 2 * (x[0] - 1) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4) ** 2
    >>> res = fastgrad.minimize(f, [10, 10, 10], method="lbfgs")
    >>> res.success, np.round(res.x, 6)
    (True, array([ 1. ,  0.5, -4. ]))
    """
    # ---- validation: every check in one place, before anything runs -------------------
    check_callable(f)
    meth = get_method(method)
    kind, code = _check_jac(jac, step)
    lr = check_float(lr, "lr", "positive")
    max_iter = check_int(max_iter, "max_iter", 1)
    gtol = check_float(gtol, "gtol", "nonnegative")
    if not isinstance(history, (bool, np.bool_)):
        raise TypeError(f"history must be True or False, got {_show(history)}")
    if callback is not None:
        check_callable(callback, "callback")
    if callback_every is not None:
        if callback is None:
            raise ValueError(
                f"callback_every={callback_every!r} is given but callback is None"
            )
        callback_every = check_int(callback_every, "callback_every", 1)
    every = callback_every or 1
    check_args(args)
    if jit not in (None, True, False):
        raise TypeError(f"jit must be None, True or False, got {_show(jit)}")
    params = meth.params(lr, method_options)
    X = as_float_array(x0, "x0", ndims=(1, 2))
    if not np.all(np.isfinite(X)):
        raise ValueError(nonfinite_message(X, "x0"))
    batched = X.ndim == 2
    X2 = X if batched else X[None, :]
    n = X2.shape[1]
    steps = np.array(steps_array(step, n))  # writable: one compiled signature for all
    strict = jit is True

    # ---- objective, gradient and driver -------------------------------------------------
    obj = _objective.get(f, jit)
    jac_obj = None
    if kind == "analytic":
        jac_obj = _objective.get(jac, jit)
        _check_jac_output(jac_obj, X2[0], args, strict)
    cost = 0 if kind == "analytic" else _gradient_cost(code, n)
    driver = get_driver(obj, kind, jac_obj)
    run = Run(X2, meth, params, steps, args, (code, cost, gtol, max_iter),
              min(max_iter + 1, HISTORY_CHUNK) if history else 0)

    # ---- chunks of compiled iterations, the callback between them -----------------------
    next_callback = every
    while True:
        stop = max_iter
        if callback is not None:
            stop = min(stop, next_callback)
        if history:
            stop = min(stop, run.capacity - 1)
        try:
            driver.run(run, stop, batched)
        except COMPILE_ERRORS as exc:
            if driver.engine == "python":
                raise
            obj.recover(exc, strict)  # raises, or falls back to Python with a warning
            driver = get_driver(obj, kind, jac_obj)
            driver.run(run, stop, batched)
        running = run.INFO[:, STATUS] == RUNNING
        if not running.any():
            break
        if callback is not None and stop == next_callback:
            next_callback += every
            try:
                halt = callback(_intermediate(run, batched)) is True
            except StopIteration:
                halt = True
            if halt:
                run.INFO[running, STATUS] = CALLBACK
                break
        if history and stop == run.capacity - 1:
            run.grow_history(min(max_iter + 1, 2 * run.capacity))

    fallbacks = int(run.INFO[:, FALLBACKS].sum())
    if fallbacks:
        warnings.warn(
            f"the complex step disagreed with itself for {fallbacks} gradient component(s): "
            "the objective is not complex-analytic as compiled (see fastgrad.gradient); "
            "those components were computed with central4",
            FastgradWarning,
            stacklevel=2,
        )
    return _result(run, batched, history, gtol, max_iter, lr if meth.uses_lr else None)


def _intermediate(run: Run, batched: bool) -> OptimizeResult:
    X, G, FV, INFO = run.X, run.G, run.FV, run.INFO
    if batched:
        return OptimizeResult(
            x=X.copy(), fun=FV[:, 0].copy(), jac=G.copy(), nit=INFO[:, NIT].copy(),
            nfev=INFO[:, NFEV].copy(), njev=INFO[:, NJEV].copy(),
        )
    return OptimizeResult(
        x=X[0].copy(), fun=float(FV[0, 0]), jac=G[0].copy(), nit=int(INFO[0, NIT]),
        nfev=int(INFO[0, NFEV]), njev=int(INFO[0, NJEV]),
    )


def _result(run: Run, batched, history, gtol, max_iter, lr) -> OptimizeResult:
    X, G, FV, INFO, XH, FH = run.X, run.G, run.FV, run.INFO, run.XH, run.FH
    status = INFO[:, STATUS]
    gnorm = np.max(np.abs(G), axis=1)
    messages = [
        status_message(int(status[r]), nit=int(INFO[r, NIT]), gnorm=float(gnorm[r]),
                       gtol=gtol, max_iter=max_iter, f0=float(FV[r, 1]),
                       fun=float(FV[r, 0]), lr=lr)
        for r in range(X.shape[0])
    ]
    if not batched:
        res = OptimizeResult(
            x=X[0], fun=float(FV[0, 0]), jac=G[0], nit=int(INFO[0, NIT]),
            nfev=int(INFO[0, NFEV]), njev=int(INFO[0, NJEV]), success=bool(status[0] == 0),
            status=int(status[0]), message=messages[0],
        )
        if history:
            rows = res.nit + 1
            res.x_history = XH[0, :rows].copy()
            res.f_history = FH[0, :rows].copy()
        return res
    fun = FV[:, 0].copy()
    finite = np.isfinite(fun)
    res = OptimizeResult(
        x=X, fun=fun, jac=G, nit=INFO[:, NIT].copy(), nfev=INFO[:, NFEV].copy(),
        njev=INFO[:, NJEV].copy(), success=status == 0, status=status.copy(),
        message=messages,
        best=int(np.flatnonzero(finite)[np.argmin(fun[finite])]) if finite.any() else None,
    )
    if history:
        rows = int(res.nit.max()) + 1
        res.x_history = XH[:, :rows].copy()
        res.f_history = FH[:, :rows].copy()
    return res
