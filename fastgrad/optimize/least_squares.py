"""Public :func:`least_squares`: validate, build (once per residual function and method) the
compiled Levenberg-Marquardt solver of :mod:`fastgrad.optimize.lm` or the bounded
trust-region solver of :mod:`fastgrad.optimize.trf`, run one problem or a batch over cores,
and report (:mod:`fastgrad.optimize.lsq_report`)."""

from __future__ import annotations

import inspect
from typing import Any, Callable

import numpy as np

from .._core import cache
from .._core.clock import clock
from .._core.scalar import ObjectiveReturnError
from .._core.validate import (
    all_finite, as_float_array, check_args, check_callable, check_int, unknown_keyword_hint,
)
from ..diff import probe
from . import lm, lsq_plans, trf
from .lsq_bounds import METHODS, box_array, method_and_bounds, strictly_feasible
from .lsq_drive import _solver, drive
from .lsq_report import lsq_result
from .per_start import row_args, split_args
from .lsq_setup import lm_setup
from .result import OptimizeResult


def least_squares(
    fun: Callable[..., Any],
    x0,
    *,
    jac: str | Callable[..., Any] = "auto",
    bounds=None,
    method: str | None = None,
    args: tuple = (),
    ftol: float = 1e-8,
    xtol: float = 1e-8,
    gtol: float = 1e-8,
    max_nfev: int | None = None,
    x_scale=None,
    step=None,
    max_time: float | None = None,
    callback: Callable[[OptimizeResult], Any] | None = None,
    callback_every: int | None = None,
    jit: bool | None = None,
    **unknown,
):
    """Minimize ``0.5 * sum(fun(x, *args)**2)`` by Levenberg-Marquardt, or within bounds by a
    trust-region reflective method, for one problem or for each row of ``x0`` in parallel.

    Parameters
    ----------
    fun : callable
        Residuals ``fun(x, *args) -> (k,)`` of a float64 array ``x`` of shape (n,), with
        ``k >= n`` for "lm". Compiled with Numba in nopython mode (a ``numba.njit`` function
        is used as it is); if Numba cannot compile it, the Python engine runs the same
        solver after a ``FastgradWarning``.
    x0 : array_like, shape (n,) or (m, n)
        Start, or m starts run as m independent problems over cores. Row i of a batched
        result equals the single fit from ``x0[i]`` with the arguments of row i.
    jac : {"auto", "forward", "backward", "central", "central4"} or callable, optional
        "auto" (default): forward differences reusing the residuals at the iterate (n
        evaluations per Jacobian, as MINPACK's ``lmdif``) until the run converges, then,
        from that solution, central differences (2n) until it converges again: one central
        Jacobian and a step or two, which recover the digits the O(h) error of forward
        differences costs (and ``jac``, ``grad`` and the covariance of
        :func:`fastgrad.curve_fit` get its accuracy). The Jacobian returned is the last one
        computed, or one at the solution when the steps since moved x by more than 1e-6
        relative (an analytic one: always at the solution). A scheme name uses
        that scheme throughout (SciPy's "2-point" and "3-point" are accepted). A callable
        ``jac(x, *args) -> (k, n)`` is an analytic Jacobian, compiled like ``fun``.
    bounds : None, (lb, ub) or scipy.optimize.Bounds, optional
        SciPy's convention: ``lb`` and ``ub`` scalars or arrays of shape (n,) (or (m, n):
        one box per problem of a batch), ``-np.inf``/``np.inf`` where a side is unbounded,
        each ``lb < ub``. ``x0`` must lie within them ("x0 is infeasible" otherwise); a
        start within 1e-10 (relative) of a bound is moved that far inside, as SciPy does.
        ``fun`` is never evaluated outside ``[lb, ub]``: the iterates stay strictly
        inside, and a finite-difference stencil that does not fit goes the other way or
        becomes one-sided (:func:`fastgrad.diff.bounds.bounded_step`).
    method : {None, "lm", "trf"}, optional
        None (default): "lm" without bounds, "trf" with finite bounds. "lm":
        Levenberg-Marquardt (Moré's scaled variant, see Notes); it refuses bounds. "trf":
        the trust-region reflective method of SciPy's ``least_squares`` (see Notes).
    args : tuple, optional
        Extra arguments of ``fun`` and ``jac``. With ``x0`` of shape (m, n), an argument
        wrapped as :func:`fastgrad.per_start` ``(A)`` gives problem i its own ``A[i]``.
    ftol, xtol, gtol : float, optional
        MINPACK's tests for "lm" (default 1e-8 each, as SciPy): ``ftol`` on the relative
        reduction of the sum of squares (actual and predicted), ``xtol`` on the trust radius
        relative to ``||D x||``, ``gtol`` on the largest cosine between the residual vector
        and a column of the Jacobian. SciPy's for "trf": ``ftol`` when the reduction of the
        cost is below ``ftol * cost`` (and the step's ratio above 0.25), ``xtol`` when
        ``||dx|| < xtol (xtol + ||x||)``, ``gtol`` when ``optimality < gtol``. Both methods
        claim ``ftol`` only on a Gauss-Newton step, one that the trust radius did not cut: a
        cut step, far from the solution, can lower the cost by less than ftol too.
    max_nfev : int, optional
        Maximum number of evaluations of ``fun``, those of finite differences included,
        that the iterations may begin (the iteration in progress is finished). A run that
        stops on it then takes the Jacobian at the returned x, if x moved since the last
        one (n or 2n evaluations more, counted in ``nfev``), so that ``jac``, ``grad`` and
        ``optimality`` describe x, as SciPy's do. Default: ``100 n`` with an analytic
        ``jac``, else ``100 n (n + 1)`` (SciPy's).
    x_scale : None, "jac", float or array_like of shape (n,), optional
        "jac": the scale ``D`` of each parameter is the running maximum of the norms of the
        Jacobian's columns (MINPACK's ``mode=1``), which makes the method invariant to the
        units of the parameters. A float or an array: the characteristic size of each
        parameter, ``D = 1 / x_scale``. None (default): SciPy's defaults, "jac" for "lm"
        and 1.0 for "trf" (whose Coleman-Li scaling "jac" can make unstable: a parameter
        with a small column takes huge first steps).
    step : None, float or array_like of shape (n,), optional
        Absolute finite-difference step; None (default): ``sqrt(eps) |x_i|`` for forward
        differences (``sqrt(eps)`` where ``x_i = 0``), ``eps**(1/3) |x_i|`` for central ones:
        relative to each parameter, so parameters of order 1e-7 get steps of their scale;
        a column that step leaves without a digit (a parameter far below 1 whose residuals
        are not) is taken again with the step relative to ``max(1, |x_i|)``.
    max_time : float, optional
        Wall-clock limit in seconds (checked after every trial step; status 8); Numba's
        compilation of the solver is not counted, as in ``minimize``. As after
        ``max_nfev``, the Jacobian at the returned x is then taken if x moved since the last
        one.
    callback : callable, optional
        ``callback(intermediate_result)`` after every ``callback_every`` iterations (default
        1) while the run goes on; ``intermediate_result`` is an :class:`OptimizeResult` with
        the fields of the result (batched: of every problem; its ``jac``, ``grad`` and
        ``optimality`` are of the last Jacobian, maybe taken at an earlier iterate). Raising
        ``StopIteration`` or returning True stops the run (status 10) and keeps its result,
        after the Jacobian at x (as after ``max_nfev``).
    callback_every : int, optional
        Iterations between callbacks. The solver runs compiled between callbacks; without
        a callback it returns to Python only every 0.25 s (or at the end), which is where
        Ctrl-C is noticed.
    jit : bool or None, optional
        None (default): compile when Numba can; True: require it; False: Python engine.

    Returns
    -------
    OptimizeResult
        SciPy's fields: ``x``, ``cost`` (``0.5 sum r**2``), ``fun`` (the residuals), ``jac``,
        ``grad`` (``J' r``), ``optimality`` (``||grad||_inf``; "trf": ``||v grad||_inf``
        with ``v`` the distance to the bound the gradient points to, 1 where that bound is
        infinite, as SciPy), ``active_mask`` ("trf": -1 at a lower bound, +1 at an upper one,
        within ``xtol`` relative, as SciPy; zeros for "lm"),
        ``nfev``, ``njev``, ``status``, ``message``, ``success``, and ``nit``. Batched: a
        leading axis m on every field, ``message`` a list, ``best`` the lowest cost.
        Status codes: :data:`fastgrad.optimize.lsq_report.LSQ_STATUS` (0 to 4 as SciPy's).

    Notes
    -----
    Moré's scaled Levenberg-Marquardt method as MINPACK's ``lmder`` runs it: the step
    minimizes ``||J p + r||`` within the trust region ``||D p|| <= delta``, with the
    Levenberg-Marquardt parameter from Moré's safeguarded Newton iteration on
    ``||D p(lam)|| = delta`` (solved through an SVD of ``J D**-1``); ``delta`` starts at
    ``100 ||D x0||`` and is adjusted from the ratio of actual to predicted reduction.

    "trf" follows SciPy's ``trf`` with ``tr_solver="exact"``: Coleman-Li scaling by the
    distances to the bounds, the exact subproblem in the scaled variables (an SVD of the
    augmented Jacobian, the Levenberg-Marquardt parameter to 1% as SciPy's), and a step
    that stays strictly inside the box (cut back at the first bound, reflected off it, or
    scaled steepest descent, whichever the model prefers), see
    :mod:`fastgrad.optimize.trf`. Its Jacobians are those of "lm" (with "auto", forward
    then central), within the box.

    ``nfev`` counts every evaluation of ``fun`` (one per trial step, plus n per forward
    Jacobian, 2n for the central Jacobians of "auto"; SciPy's "trf" does not count those
    of its finite differences); one more evaluation at
    ``x0[0]``, to learn k and check the arguments, is not counted (SciPy does the same).
    The first time a compiled ``fun`` meets a length of x and a number of arguments, that
    check is two evaluations: x within padding of two kinds, so that residuals read past
    the end of x raise :class:`~fastgrad.ObjectiveIndexError` instead of giving a
    meaningless fit; the precision of the residuals (float32's: a larger automatic step) is
    learnt there too (:mod:`fastgrad.diff.probe`).

    Ctrl-C (KeyboardInterrupt) during a run is consumed: every problem still running stops
    with status 11 and its last iterate, and a ``FastgradWarning`` says so.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> t = np.linspace(0, 3, 30)
    >>> y = 2.5 * np.exp(-1.3 * t) + 0.5
    >>> def residuals(p, t, y):
    ...     return p[0] * np.exp(-p[1] * t) + p[2] - y
    >>> res = fastgrad.least_squares(residuals, [1.0, 1.0, 0.0], args=(t, y))
    >>> res.success, np.round(res.x, 6)
    (True, array([2.5, 1.3, 0.5]))
    """
    if unknown:
        name = next(iter(unknown))
        raise TypeError(f"least_squares() got an unexpected keyword argument {name!r}"
                        + unknown_keyword_hint(name, _PARAMETERS))
    check_callable(fun, "fun")
    return fit(fun, x0, args, None, jac=jac, bounds=bounds, method=method, ftol=ftol,
               xtol=xtol, gtol=gtol,
               max_nfev=max_nfev, x_scale=x_scale, step=step, max_time=max_time, jit=jit,
               callback=callback, callback_every=callback_every)


def fit(fun, x0, args: tuple, k: int | None, *, jac="auto", bounds=None, method=None, ftol=1e-8,
        xtol=1e-8, gtol=1e-8, max_nfev=None, x_scale=None, step=None, max_time=None,
        jit=None, callback=None, callback_every=None, value_eps=None):
    """:func:`least_squares` after its own checks of ``fun`` and of unknown keywords, for
    :func:`fastgrad.curve_fit` too; ``k``: the number of residuals when the caller has
    checked them already (else :func:`_probe` at the first start learns it), and then
    ``value_eps``: the unit roundoff of the values they are computed from (float64's if
    None), for the automatic finite-difference step. A call repeated with the options of an
    earlier one takes the lean path (:mod:`fastgrad.optimize.lsq_plans`)."""
    key = None
    if bounds is None and max_time is None and callback is None and callback_every is None:
        key = lsq_plans.key_of(x0, args, k, method, jac, ftol, xtol, gtol, max_nfev, x_scale,
                               step, jit, value_eps)
    if key is not None:
        obj = cache.peek(fun, jit)
        plan = None if obj is None or not obj.fast else obj.plans.get(key)
        if plan is not None and all_finite(x0):
            X = x0.reshape(1, -1).copy()
            return _solve(obj, None, X, args, (False,) * len(args), k, "lm", plan.setup,
                          plan.scale.copy(), value_eps, jit is True, solver=plan.solver)
    X = as_float_array(x0, "x0", ndims=(1, 2))
    batched = X.ndim == 2
    X = X if batched else X[None, :]
    m, n = X.shape
    if not all_finite(X):
        raise ValueError("x0 must be finite, got non-finite values at rows/columns "
                         f"{np.argwhere(~np.isfinite(X))[:3].tolist()}")
    method, lb, ub = method_and_bounds(method, bounds, X)
    typical = X  # the start as given: the typical size of each parameter for "trf"
    if lb is not None:
        X = strictly_feasible(X, lb, ub)
    plain, mask = split_args(check_args(args), m if batched else None)
    given_scale = x_scale
    if x_scale is None:
        x_scale = 1.0 if method == "trf" else "jac"
    setup = lm_setup(jac, ftol, xtol, gtol, max_nfev, x_scale, step, max_time, n)
    row = lm.scale_row(setup.scale, n).reshape(1, n)
    D = np.tile(row, (m, 1))
    obj = cache.get(fun, jit)
    jac_obj = None if setup.jac is None else cache.get(setup.jac, jit)
    every = _callback_every(callback, callback_every)
    if method == "trf":  # the kernel's box: scale and bounds of each problem
        D = box_array(D, lb, ub, typical, given_scale)
    res = _solve(obj, jac_obj, X, plain, mask, k, method, setup, D, value_eps, jit is True,
                 callback, every, batched)
    if key is not None and obj.fast:  # compiled, no failure: the solver of every next call
        solver = _solver(obj, None, "jit", "lm")
        lsq_plans.remember(obj, key, lsq_plans.LsqPlan(setup, row, solver))
    return res


def _solve(obj, jac_obj, X, plain, mask, k, method, setup, D, value_eps, strict,
           callback=None, every=None, batched=False, solver=None):
    """Run the solver of ``method`` on the checked starts ``X`` (m, n) with the checked
    constants ``setup`` (:func:`fastgrad.optimize.lsq_setup.lm_setup`) and scale (or "trf"
    box) ``D``, after learning k (the probe, when the caller has not) and the automatic
    steps; the result of :func:`fastgrad.optimize.lsq_report.lsq_result`. ``solver``: the
    one to start with (by default the objective's for its engine,
    :func:`fastgrad.optimize.lsq_drive._run`)."""
    n = X.shape[1]
    if k is None:
        k, auto = _probe(obj, X[0], row_args(plain, mask, 0), n, method, strict)
    elif k < n and method == "lm":
        raise ValueError(_too_few(k, n))
    else:
        auto = probe.x_steps(None, probe.EPS if value_eps is None else value_eps)
    steps = setup.steps if setup.steps.shape[0] else auto  # else: the automatic step
    settings = lm.run_settings(setup.settings, n, clock())
    m = X.shape[0]
    R = np.empty((m, k))
    J = np.zeros((m, k, n))
    INFO = np.empty((m, lm.INFO_SIZE), dtype=np.int64)
    INFO[:] = lm.info_row(setup.scheme)
    FS = np.zeros((m, lm.state_size(n)))
    x_start = X.copy()
    arrays = (X, R, J, D, INFO, FS, settings, setup.scheme, steps, plain)
    drive(obj, jac_obj, mask, strict, arrays, x_start, callback, every, batched, method,
          solver)
    return lsq_result(X, R, J, INFO, settings, x_start, batched,
                      D if method == "trf" else None)


def _callback_every(callback, every) -> int | None:
    if callback is None:
        if every is not None:
            raise ValueError("callback_every needs a callback")
        return None
    check_callable(callback, "callback")
    return 1 if every is None else check_int(every, "callback_every")


_PARAMETERS = tuple(inspect.signature(least_squares).parameters)[2:-1]
"""least_squares' keyword arguments, for the hint of an unknown keyword."""


def _probe(obj, x: np.ndarray, args: tuple, n: int, method: str = "lm",
           strict: bool = False) -> tuple[int, np.ndarray]:
    """The number k of residuals at the first start (one evaluation, not counted), after
    checking that they are a 1-D array of real numbers (with ``k >= n`` for "lm"), and the
    automatic steps array for the precision of the residuals (a float32 x0 is used as
    float64, its values exactly; the precision of fun's values is what counts): the
    first-call checks of :func:`fastgrad.diff.probe.probe`, which also raises
    :class:`~fastgrad.ObjectiveIndexError` when fun reads past the end of x (compiled, that
    read returns whatever lies after x: residuals of no meaning, and a false success)."""
    steps, value = probe.checked_value(obj, x, args, strict=strict)
    if value is None:  # checked before: one evaluation here
        value = obj.call(x.copy(), args, strict)
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.dtype.kind not in "fiu":
        raise ObjectiveReturnError(
            f"fun must return a 1-D array of real residuals; at x0 it returned an array of "
            f"shape {arr.shape} and dtype {arr.dtype}")
    k = arr.shape[0]
    if k < n and method == "lm":
        raise ValueError(_too_few(k, n))
    return k, steps


def _too_few(k: int, n: int) -> str:
    return (f"method 'lm' needs at least as many residuals as parameters: fun returned "
            f"{k} residuals at x0 for {n} parameters (k >= n is required; method 'trf' "
            "takes fewer)")
