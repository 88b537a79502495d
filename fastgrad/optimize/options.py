"""``minimize``'s arguments, validated into one :class:`Options` object: every check in one
place, before anything runs."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .. import scaleout
from .._core.boxcheck import project_rows
from .._core.objective import _LOCK
from .._core.validate import (
    _show,
    all_finite,
    as_float_array,
    bounds_arrays,
    check_args,
    check_bool,
    check_callable,
    check_count,
    check_float,
    check_int,
    check_max_time,
    check_progress,
    nonfinite_message,
    scheme_code,
    steps_array,
    unknown_keyword_hint,
)
from ..diff import registry
from .._core.schemes import CENTRAL, COMPLEX, FORWARD
from .methods import Method, get_method
from .per_start import row_args, split_args

DEFAULT_METHOD = "lbfgs"
"""The method of ``method=None``: a quasi-Newton method, which needs no learning rate. L-BFGS
rather than dense BFGS at every size: on the MGH-20 problems (n <= 11) it spent fewer
evaluations of f by median (``python bench/bench_mgh.py``), and its update is O(n) memory."""


BFGS_MAX_BYTES = 2**30
"""``bfgs`` refuses a run whose inverse Hessians would take more memory than this."""


LATER = object()
"""``x0`` of :func:`validate` when the starts come later (:func:`fastgrad.compile_minimizer`);
``x0=None`` itself is refused as any other non-array."""


def default_jac(meth: Method) -> str:
    """The gradient of ``jac=None``: "auto" for the quasi-Newton methods, "central" for gd,
    momentum, nesterov and adam (their results stay those of fixed central differences)."""
    return "auto" if meth.searches else "central"


@dataclass
class Options:
    """A call of ``minimize``, checked: the starts as a float64 (m, n) copy, the method with its
    parameters, the gradient (``kind``: the registry's driver kernel or "analytic"), the stopping
    rules and what runs around the loop."""

    f: Callable
    x0: Any  # as given: its precision decides the automatic steps
    X: np.ndarray  # (m, n) float64, the iterate
    batched: bool
    method: Method
    method_name: str | None
    method_options: dict
    params: np.ndarray
    jac: Any
    kind: str
    code: int
    auto: bool
    lr: float
    max_iter: int
    gtol: float
    ftol: float
    xtol: float
    history: bool
    callback: Callable | None
    every: int
    args: tuple
    step: Any
    user_steps: np.ndarray | None
    jit: bool | None
    max_time: float | None
    workers: Any
    progress: Any = False  # False, True (stderr) or a file: the meter of a long run
    mask: tuple = ()  # which of args are per-start (fastgrad.per_start): row i gets A[i]
    bounds: Any = None  # as given
    box: tuple | None = None  # (LB, UB) (m, n) float64, or None: no bounds
    projected: np.ndarray | None = None  # (m,) True where x0 was outside the box

    @property
    def per_start(self) -> bool:
        """True if some argument of ``args`` is per-start data."""
        return any(self.mask)

    @property
    def first_args(self) -> tuple:
        """The arguments of the first start (what f is checked and compiled with)."""
        return row_args(self.args, self.mask, 0) if self.per_start else self.args

    @property
    def strict(self) -> bool:
        """``jit=True``: a kernel Numba cannot compile is an error, not a fallback."""
        return self.jit is True

    def keywords(self) -> dict:
        """The keyword arguments that give this call again (for the chunks of a batch)."""
        return dict(method=self.method_name, jac=self.jac, lr=self.lr, max_iter=self.max_iter,
                    gtol=self.gtol, ftol=self.ftol, xtol=self.xtol, history=self.history,
                    args=self.args, step=self.step, jit=self.jit, max_time=self.max_time,
                    bounds=self.bounds, **self.method_options)


def validate(f, x0, *, method, jac, lr, max_iter, gtol, ftol, xtol, history, callback,
             callback_every, args, step, jit, max_time, workers, method_options: dict,
             known: tuple, progress=False, bounds=None) -> Options:
    """Check every argument of ``minimize`` (``known``: its keyword names, for the hint of a
    misspelt one) in the order the messages are documented."""
    check_callable(f)
    meth = get_method(DEFAULT_METHOD if method is None else method)
    kind, code, auto = _check_jac(default_jac(meth) if jac is None else jac, step)
    lr = check_float(lr, "lr", "positive")
    max_iter = check_count(max_iter, "max_iter")
    gtol = check_float(gtol, "gtol", "nonnegative")
    if ftol.__class__ is not float or ftol != 0.0:  # the default (off) needs no check
        ftol = check_float(ftol, "ftol", "nonnegative")
    if xtol.__class__ is not float or xtol != 0.0:
        xtol = check_float(xtol, "xtol", "nonnegative")
    if history is not False and history is not True:
        history = check_bool(history, "history")
    if callback is not None:
        check_callable(callback, "callback")
    if callback_every is not None:
        if callback is None:
            raise ValueError(
                f"callback_every={callback_every!r} is given but callback is None"
            )
        callback_every = check_int(callback_every, "callback_every", 1)
    check_args(args)
    if jit is not None and jit is not True and jit is not False:
        raise TypeError(f"jit must be None, True or False, got {_show(jit)}")
    if max_time is not None:
        max_time = check_max_time(max_time)
    if progress is not False:
        progress = check_progress(progress)
    if method_options:
        _check_method_options(meth, method_options, known)
    params = meth.params(lr, method_options)
    if meth.searches and meth.option(params, "c1", 0.0) >= meth.option(params, "c2", 1.0):
        raise ValueError(
            f"c1 must be smaller than c2 (the line search's sufficient decrease and curvature "
            f"constants, 0 < c1 < c2 < 1), got c1={meth.option(params, 'c1', 0.0)!r}, "
            f"c2={meth.option(params, 'c2', 1.0)!r}"
        )
    X2, batched, user_steps = _check_starts(x0, meth, step)
    mask = ()
    if X2 is not None:
        args, mask = split_args(args, X2.shape[0] if batched else None)
    if workers is not None:
        workers = _check_workers(workers, callback, batched, kind)
        if any(mask):
            raise ValueError("workers= cannot be combined with per_start arguments yet: a "
                             "batch with per-start data runs over this machine's cores "
                             "without workers")
    box, projected = None, None
    if bounds is not None and X2 is not None:
        box, projected = check_box(bounds, X2, batched, code, kind, workers)
        if box is not None and any(mask):
            raise ValueError("bounds= cannot be combined with per_start arguments yet: give "
                             "each start's data through a loop of minimize calls, or drop "
                             "bounds")
    return Options(f, x0, X2, batched, meth, method, method_options, params, jac, kind, code,
                   auto, lr, max_iter, gtol, ftol, xtol, history, callback, callback_every or 1,
                   args, step, user_steps, jit, max_time, workers, progress=progress,
                   mask=mask, bounds=bounds, box=box, projected=projected)


def check_box(bounds, X2: np.ndarray, batched: bool, code: int, kind: str, workers):
    """``((LB, UB) (m, n), projected (m,))`` for ``minimize(bounds=)``, or ``(None, None)``
    when the bounds bound nothing: the bounds of :func:`fastgrad._core.validate.bounds_arrays`
    broadcast to the starts (shared, one per coordinate, or one box per start of a batch).
    ``X2`` is projected into the box in place; ``projected`` says which starts moved."""
    arrays = bounds_arrays(bounds, X2.shape if batched else X2.shape[1:], pairs=True)
    if arrays is None:
        return None, None
    LB, UB = (a.reshape(X2.shape) for a in arrays)
    refuse_for_bounds(code, kind)
    if workers is not None and not batched:
        raise ValueError("bounds= with workers= and one start is not supported: the "
                         "gradients on workers have no bounded stencils; pass a batch of "
                         "starts (m, n) or drop workers")
    moved = np.empty(X2.shape[0], dtype=np.bool_)
    project_rows(X2, LB, UB, moved)
    return (LB, UB), moved


def refuse_for_bounds(code: int, kind: str) -> None:
    """The gradient a run within bounds cannot take: the complex step, whose points may lie
    outside the box. (A coordinate fixed by ``lb == ub`` takes no
    finite-difference step: the loop's bounded kernel gives it a zero component.)"""
    if kind != "analytic" and code == COMPLEX:
        raise ValueError("bounds= takes a real finite-difference scheme or an analytic "
                         "jac: jac='complex' evaluates f at real points around x that may "
                         "lie outside the box; use jac='central4' (bounded) instead")


def _check_starts(x0, meth: Method, step):
    """``(X (m, n) float64, batched, steps array or None)``. ``x0`` :data:`LATER` (the starts
    come at each call: :func:`fastgrad.compile_minimizer`): ``X`` is None and ``step`` is
    checked as one float, or as an array of its own length (x must then have that length)."""
    if x0 is LATER:
        if step is None:
            return None, False, None
        n = 1 if np.ndim(step) == 0 else len(step)
        return None, False, steps_array(step, n)
    X = as_float_array(x0, "x0", ndims=(1, 2))
    batched = X.ndim == 2
    X2 = X if batched else X[None, :]
    if not all_finite(X2):
        raise ValueError(nonfinite_message(X, "x0"))
    m, n = X2.shape
    if meth.name == "bfgs" and 8 * m * n * n > BFGS_MAX_BYTES:
        raise ValueError(
            f"method='bfgs' keeps a dense n x n matrix per start: {m} start(s) with n = {n} "
            f"need {8 * m * n * n / 2**30:.1f} GiB; use method='lbfgs' (O(n) memory)"
        )
    return X2, batched, None if step is None else steps_array(step, n)


def _check_workers(workers, callback, batched: bool, kind: str):
    workers = scaleout.check_workers(workers)
    if callback is not None:
        raise ValueError("workers= cannot be combined with a callback")
    if not batched and kind == "analytic":
        raise ValueError("workers= sends out the evaluations of finite differences; with "
                         "an analytic jac there are none: drop workers or jac")
    return workers


def _check_jac(jac, step):
    """``(kind, scheme code, auto)``: kind "analytic" or the registry's driver kernel of the
    scheme; "auto" starts with forward differences (:mod:`fastgrad.optimize.accuracy`)."""
    if isinstance(jac, str) and jac == "auto":
        return registry.for_scheme("driver_gradient", FORWARD), FORWARD, True
    if callable(jac):
        if step is not None:
            raise ValueError(
                f"step applies to finite-difference gradients only; jac is a callable, "
                f"so step must be None, got {_show(step)}"
            )
        return "analytic", CENTRAL, False
    if not isinstance(jac, str):
        raise TypeError(
            "jac must be None, 'auto', a finite-difference scheme name or a callable "
            f"jac(x, *args), got {type(jac).__name__} {_show(jac)}"
        )
    try:
        code = scheme_code(jac, "jac")
    except ValueError as exc:
        raise ValueError(f"{exc}; or 'auto', or pass a callable jac(x, *args)") from None
    return registry.for_scheme("driver_gradient", code), code, False


def check_arity(obj, count: int, name: str) -> None:
    """Check once per objective and ``len(args)`` that ``f(x, *args)`` can be called: Numba
    would otherwise report a missing argument as a function it cannot compile."""
    if count in obj.arities:
        return
    fn = getattr(obj.f, "py_func", obj.f)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (a ufunc, a builtin)
        signature = None
    if signature is not None:
        try:
            signature.bind(*range(1 + count))
        except TypeError:
            raise TypeError(
                f"{name} must accept x and the {count} extra argument(s) in args, as "
                f"{name}(x, *args); {getattr(fn, '__name__', name)}{signature} cannot be called "
                f"with {1 + count} positional argument(s)"
            ) from None
    with _LOCK:
        obj.arities.add(count)


def check_jac_output(jac_obj, x: np.ndarray, args: tuple, strict: bool) -> None:
    """Call ``jac`` once at the first start and check that it returns shape (n,)."""
    value = jac_obj.call(x.copy(), args, strict)
    arr = np.asarray(value)
    if arr.shape != x.shape or arr.dtype.kind not in "fiu":
        raise ValueError(
            f"jac must return a real array of shape {x.shape} (the shape of x), got "
            f"{'shape ' + str(arr.shape) if arr.dtype.kind in 'fiuc' else _show(value)} "
            f"of dtype {arr.dtype}"
        )


def _check_method_options(meth, given: dict, known: tuple) -> None:
    """A keyword that is neither an option of the method nor an argument of minimize, but is
    close to an argument (``setp``, ``maxiter``, ``tol``), is reported as that typo; other
    unknown options get the method's own message (:meth:`fastgrad.optimize.methods.Method.params`)."""
    for name in given:
        if name not in meth.options:
            hint = unknown_keyword_hint(name, known)
            if hint:
                raise TypeError(
                    f"minimize got an unexpected keyword argument {name!r}{hint} (it is not "
                    f"an option of method {meth.name!r} either)"
                )
