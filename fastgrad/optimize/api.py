"""Public :func:`minimize`, a short pipeline: validate into one :class:`Options` object
(:mod:`fastgrad.optimize.options`), choose the route (here, one start with its gradients on
workers, a batch split over workers), run the compiled loop chunk by chunk
(:mod:`fastgrad.optimize.chunks`), report (:mod:`fastgrad.optimize.report`)."""

from __future__ import annotations

import inspect
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from .._core import cache
from .._core.clock import clock
from .._core.objective import FastgradWarning
from .._core.validate import all_finite, low_precision
from ..diff import probe, registry
from ..diff.rows import complex_step_message
from . import batch, boxreport, plans
from .chunks import HISTORY_CHUNK, SigintGuard, iterate
from .driver import Driver, Run, driver_scope, get_driver, pooled_driver
from .loop import family_of
from .columns import FALLBACKS, HELD, NIT, STATUS
from .options import Options, check_arity, check_jac_output, validate
from .report import clear_not_run, result, warn_interrupted
from .result import INTERRUPTED, NOT_RUN, NOT_STARTED, RUNNING, OptimizeResult


def minimize(
    f: Callable[..., float],
    x0,
    *,
    method: str | None = None,
    jac: str | Callable[..., Any] | None = None,
    lr: float = 1e-2,
    max_iter: int = 1000,
    gtol: float = 1e-6,
    ftol: float = 0.0,
    xtol: float = 0.0,
    history: bool = False,
    callback: Callable[[OptimizeResult], Any] | None = None,
    callback_every: int | None = None,
    args: tuple = (),
    step=None,
    jit: bool | None = None,
    max_time: float | None = None,
    workers=None,
    progress=False,
    bounds=None,
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
        Start, or m starts run as m independent optimizations: over cores when there are
        64 or more of them, or once a chunk of the run has taken 5 ms (a short run of a few
        starts runs them one after another, which is faster than starting threads).
        Copied to float64 (integers are fine); never modified.
    method : {None, "lbfgs", "bfgs", "gd", "momentum", "nesterov", "adam"}, optional
        Update rule (see Notes). None (default) is "lbfgs": a quasi-Newton method with a
        line search, which needs no learning rate. "bfgs" keeps a dense inverse Hessian
        (n up to a few hundred). gd, momentum, nesterov and adam take a learning rate ``lr``
        and are exactly the seeds' updates.
    jac : None, str or callable, optional
        None (default): "auto" for lbfgs and bfgs, "central" for the others. "auto" takes
        forward differences (n evaluations of f per gradient, reusing f at the iterate)
        while their estimated error is below a tenth of the gradient, and central ones (2n)
        from then on, or from the first line search that fails with forward differences
        (see Notes); a run that reaches gtol on forward differences checks it on central
        ones at the same step (n more evaluations) before it claims it. When it turns to
        central differences, and when a line search fails, a table of f along the largest
        gradient component (6 evaluations) tells whether the automatic step suits f: once
        in a run, "auto" takes a step that makes the gradient's estimated error at least 4
        times smaller (a badly scaled f such as MGH's Meyer problem needs a step some 25
        times smaller). For an f of lower precision than
        float64 (float32 values: an automatic step some 800 times larger), every
        finite-difference gradient's ``||g||_inf <= gtol`` is checked against that error (6
        evaluations): where the error is larger, "auto" refines the step, and the run
        otherwise stops with a success at the gradient's noise level (status 11) instead of
        claiming gtol. A scheme name ("forward", "backward", "central", "central4", "complex",
        or SciPy's aliases) forces that scheme; a callable ``jac(x, *args) -> (n,)`` is an
        analytic gradient, compiled like ``f``.
    lr : float, optional
        Learning rate of gd, momentum, nesterov and adam (default 1e-2); lbfgs and bfgs
        ignore it.
    max_iter : int, optional
        Maximum number of iterations (default 1000).
    gtol : float, optional
        Success when ``||g||_inf <= gtol`` (default 1e-6). ``gtol=0`` runs ``max_iter``
        iterations unless the gradient is exactly zero (or, for lbfgs and bfgs, the run
        reaches the accuracy of its gradient, see Notes).
    ftol : float, optional
        Success (status 9) when an iteration changes f by at most
        ``ftol * max(|f_k|, |f_k+1|, 1)`` (SciPy L-BFGS-B's test). Default 0: off. SciPy's
        default is 2.2e-9, which stops early, and also on plateaus far from a minimum.
    xtol : float, optional
        Success (status 10) when an iteration moves x by at most
        ``xtol * (xtol + ||x||_inf)`` in the max norm. Default 0: off.
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
        Extra arguments passed to ``f`` and ``jac`` (data arrays such as ``X, y``). With a
        batch of starts, an argument wrapped as :func:`fastgrad.per_start` ``(A)`` (leading
        axis m) gives start i its own ``A[i]`` (each start's data); row i of the result is
        then the single run from ``x0[i]`` with ``A[i]``.
    step : None, float or array_like of shape (n,), optional
        Absolute finite-difference step; None (default) chooses the relative step of the
        scheme (see :func:`fastgrad.gradient`).
    jit : bool or None, optional
        None (default): compile when Numba can; True: require compilation; False: Python.
    workers : int or executor, optional
        Scale out (see :func:`fastgrad.gradient`). One start: the run stays here, on the
        Python engine, and the evaluations of each finite-difference gradient go to the
        pool in one batch (results identical to ``jit=False``). A batch of starts (m, n):
        the starts are split into chunks, each chunk is run by ``minimize`` (compiled) on a
        worker, and the results are gathered into one (identical to the local batched run).
        An int is a local thread pool of that size; otherwise an executor with ``map``
        (``concurrent.futures``, ``dask.distributed.Client.get_executor()``). Not with a
        callback; one start needs a finite-difference ``jac``. With an int and one start,
        the first gradient long enough to judge is timed: if the threads ran f no faster
        than one thread (f holds the GIL: a pure-Python loop), the rest of the run
        evaluates serially, which is faster, with a ``FastgradWarning`` that suggests a
        ``ProcessPoolExecutor`` (the results are the same either way).
    max_time : float or None, optional
        Wall-clock limit in seconds on the iterations: counted from when they begin, after
        the arguments are checked; the time Numba spends compiling (the objective and the
        loop on the first call with an objective, the parallel loop the first time a batch
        goes over threads) is not counted, everything else is (f, the callback, Python
        between chunks). The loop reads the clock about every millisecond and stops within
        one iteration after the limit: every start still running stops with status 5 and
        its last iterate; a start of a batch that had not begun stops with status 8 (x is
        its x0, ``fun`` NaN). With ``workers=`` and a batch, all chunks share the one
        deadline (a chunk that begins after it runs nothing). None (default): no limit.
    progress : bool or file-like, optional
        True: show a meter of the run on ``sys.stderr`` (also when it is not a terminal: the
        log of a long job shows it), redrawn between the compiled chunks of the loop: the
        iterations (of the start furthest along among those still running, of
        ``max_iter``), the evaluations of f (of all starts), the lowest finite f so far, the
        starts of a batch still running, the time elapsed. Drawn by tqdm when it is
        installed; otherwise one line, rewritten in place on a terminal, or a new line every
        second or more (less often as the run grows long) elsewhere, and a last line at the
        end. The first line is drawn at once, the first with evaluations within about
        0.25 s of the start of the iterations (the first chunk then stops on the clock, at
        the end of an iteration). A file-like object (with ``write``: ``sys.stdout``, an
        open log file) gets the meter instead of ``sys.stderr``. With ``workers=`` and a
        batch the meter counts the chunks of starts as their results come back. False
        (default): nothing is shown, at no cost. Never changes a number of the result.
    bounds : None, (lb, ub), sequence of (lo, hi) pairs or scipy.optimize.Bounds, optional
        A box ``lb <= x <= ub`` (as :func:`fastgrad.gradient`'s ``bounds``; infinite or None
        entries bound nothing; for n = 2, two lists or tuples of two values, or an array of
        shape (2, 2), are read as in SciPy's ``minimize``, two ``(lo, hi)`` pairs, where only
        that reading is a box (no ``lo`` above its ``hi``), and are refused as ambiguous where
        both readings are boxes and differ, also where one of them fixes a coordinate
        (``lo == hi``; one that fixes both is no box): a tuple of two numpy arrays
        ``(lb, ub)`` or ``Bounds`` says which is meant): one for every
        start, or for a batch one per start (``lb``, ``ub`` of shape (m, n)). f is never
        evaluated outside it: gd, momentum, nesterov and adam project x after each update,
        lbfgs and bfgs are a projected quasi-Newton method (see
        :mod:`fastgrad.optimize.boxloop`), and the gradients use one-sided stencils next to a
        bound. lbfgs and bfgs do not difference a coordinate again while it stays on a bound
        that its gradient points out of (no evaluations: the step does not use that
        component, only its sign); before claiming convergence, and when they stop, they take
        it again at x (and free the coordinate if it now points into the box), so ``jac`` is
        the gradient at x (NaN there in a run stopped between chunks by Ctrl-C or
        ``max_time``, and in a callback's intermediate result). A start outside the box is projected into it and its message says so. The run
        converges when the projected gradient ``||P(x - g) - x||_inf <= gtol``; the result also
        has ``active_mask`` (as SciPy's: -1 where x is at its lower bound, +1 at its upper
        bound, 0 elsewhere) and ``projected_gradient`` (that norm). ``lb == ub`` fixes a
        coordinate, as in SciPy: it stays there, f is not differentiated along it (no
        evaluations) and, with finite differences, ``jac`` is NaN there. Not with
        ``jac="complex"``, or ``workers=`` with one start.
    **method_options
        Options of the method, by name: momentum, nesterov: ``momentum=0.9`` (in [0, 1));
        adam: ``beta1=0.9``, ``beta2=0.999`` (in [0, 1)), ``eps=1e-8``; lbfgs:
        ``memory=10`` (pairs kept, at most 10**4); lbfgs and bfgs: ``c1=1e-4`` (sufficient
        decrease), ``c2=0.9`` (curvature, ``c1 < c2 < 1``), ``max_linesearch=20`` (trial
        steps per line search).

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
      ``s'y <= 0`` are skipped); bfgs: the same direction with the dense BFGS inverse
      Hessian. Then a line search from t = 1 (the first iteration: ``1 / ||g||_inf`` if
      smaller) for a step with ``f(x + t d) <= f(x) + c1 t g'd`` and ``f(x + t d) < f(x)``
      (f decreases at every iteration) and ``g(x + t d)'d >= c2 g'd`` (weak Wolfe). The
      gradient is computed only at trial points that decrease f enough; the others are
      rejected on their value and the next trial is interpolated, so most iterations cost
      one evaluation of f and one gradient. If no step decreases f: with ``jac="auto"``
      still on forward differences the gradient is recomputed with central ones; then the
      search restarts along -g; if that fails too, six more evaluations of f next to x
      estimate the error of the gradient and the noise of f. When every component of the
      gradient is within 10 times its own estimated error (6 evaluations per component
      once the largest is: a noisy component must not mask an exact one), or the decrease
      of f predicted along -g is below 10
      times the noise of f, the run has converged as far as finite differences and f's
      rounding allow (status 11, ``success`` True, the message says which accuracy was
      reached); otherwise the line search failed (status 4).
    * Before any such claim of convergence (status 0 or 11) on finite differences, a
      component that rounding erased (f so large next to its change over the automatic
      step that ``f(x + h e_i)`` rounds to ``f(x)``: data of size 1e12 fitted from x = 0)
      is taken again at steps 4, 16, 64, ... times larger (two evaluations each, at most
      20): where f falls on one side of x and rises on the other, x is no minimum and the
      run stops with status 12 ("not resolved", ``success`` False; rescale x or f, or pass
      a larger ``step``) instead of claiming convergence at x0, as SciPy does there.

    f is evaluated at every iterate, except by the fixed-step methods (gd, momentum,
    nesterov, adam) with a finite-difference gradient that does not use it (central,
    central4, complex) and no ``ftol``, ``xtol`` or ``history``: those value f at x0, where the
    run stops, and where a callback, ``max_time`` or Ctrl-C reads it (2n evaluations per
    central step of gd, not 2n + 1; a non-finite f around an iterate still stops the run,
    through the gradient's stencil, but f is not checked at the iterate itself). ``nfev`` counts every evaluation of f, including
    those inside finite differences (forward and backward differences reuse f at the
    iterate: n evaluations per gradient, not n + 1) and in the noise estimate; not those
    the progress meter makes to show f of such a run (the run's numbers are the same with
    and without the meter). A non-finite f or gradient stops that run with status 2
    ("diverged"; the message says at which iteration, which value and x); in a batch, only
    that start. Row i of a batched result equals the single-start result from
    ``x0[i]``, and results are bit-identical from call to call.

    The compiled loop runs in chunks and returns to Python between them. Ctrl-C
    (KeyboardInterrupt) during a run that has started is *consumed*: every start still
    running stops with status 7 ("interrupted", ``success`` False) and its last iterate, a
    start of a batch that had not begun stops with status 8 ("not started": x is its x0,
    ``fun`` and ``jac`` NaN, never ``best``), ``minimize`` returns that result and emits a
    ``FastgradWarning`` saying so; check ``res.status`` to stop a script. With ``workers=``
    and a batch the same holds: chunks not yet begun are cancelled, chunks running in this
    process (thread pools) stop at the end of their current chunk of iterations, and the
    rows of chunks whose result is not back (other processes, a cluster: after 5 s) get
    status 8; an executor with ``map`` only (no ``submit``) gives no partial result. An
    interrupt that stops no run (it comes before any start has begun, or after every start
    has stopped by itself) is raised as usual. While Python code runs inside a chunk (Numba
    compiling the loop, or f on the Python engine) SIGINT is deferred to the end of the
    chunk when ``minimize`` runs in the main thread under Python's default handler;
    otherwise an interrupt on the Python engine is raised, as the state may be
    mid-iteration. Starts of a batch run one after another (fewer than 64, until a chunk
    took 5 ms) notice Ctrl-C between two starts; over threads, at the end of the chunk.
    ``max_time`` is kept inside the chunks (see above), with status 5.

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> def f(x):
    ...     return 2 * (x[0] - 1) ** 2 + (x[1] - 0.5) ** 2 + (x[2] + 4) ** 2
    >>> res = fastgrad.minimize(f, [10, 10, 10], method="lbfgs")
    >>> res.success, np.round(res.x, 6)
    (True, array([ 1. ,  0.5, -4. ]))
    """
    key = None
    if (history is False and callback is None and callback_every is None and max_time is None
            and workers is None and progress is False
            and type(args) is tuple and batch.CHUNK.control is None):
        obj = cache.peek(f, jit)
        if obj is None:  # the first call: its plan is made under this key
            key = plans.key_of(x0, args, method, jac, lr, max_iter, gtol, ftol, xtol, step,
                               jit, method_options, bounds)
        elif obj.fast:  # the lean path: these options were checked before
            plan = None
            if not method_options and bounds is None:  # a loop's call: by identity
                plan = plans.recall(obj, x0, args, method, jac, lr, max_iter, gtol, ftol,
                                    xtol, step, jit)
            if plan is None:  # by the key of the options
                plan, key = plans.find(obj, x0, args, method, jac, lr, max_iter, gtol, ftol,
                                       xtol, step, jit, method_options, bounds)
            if plan is not None and all_finite(x0):  # (else validation says what is wrong)
                outcome = plan.run(obj, x0, args)
                if type(outcome) is not tuple:  # ended in its first chunk: the result
                    return outcome
                return report_planned(plan, outcome)
    options = validate(
        f, x0, method=method, jac=jac, lr=lr, max_iter=max_iter, gtol=gtol, ftol=ftol,
        xtol=xtol, history=history,
        callback=callback, callback_every=callback_every, args=args, step=step, jit=jit,
        max_time=max_time, workers=workers, method_options=method_options, known=_PARAMETERS,
        progress=progress, bounds=bounds)
    route = choose_route(options)
    if route == BATCH_ON_WORKERS:
        deadline = None if options.max_time is None else time.time() + options.max_time
        keywords = options.keywords()
        keywords["bounds"] = options.box  # per start: the chunks take their rows
        res = batch.scaleout_batch(f, options.X, options.workers, keywords, deadline,
                                   options.progress)
        return boxreport.note_projected(res, options.projected, options.batched)
    return run_here(options, pooled=route == ONE_START_ON_WORKERS, key=key)


_PARAMETERS = tuple(inspect.signature(minimize).parameters)[2:-1]
"""minimize's own keyword arguments, for the hint of an unknown keyword."""

LOCAL, ONE_START_ON_WORKERS, BATCH_ON_WORKERS = "local", "one start on workers", "batch on workers"
"""The routes of a call: the compiled loop here; the loop here on the Python engine with each
gradient's evaluations on the pool; the starts split into chunks, each a local run on a
worker (:mod:`fastgrad.optimize.batch`)."""


def choose_route(options: Options) -> str:
    """Where the call runs (see :data:`LOCAL`)."""
    if options.workers is None:
        return LOCAL
    return BATCH_ON_WORKERS if options.batched else ONE_START_ON_WORKERS


def run_here(options: Options, pooled: bool, key=None) -> OptimizeResult:
    """Run the loop in this process, chunk by chunk (``pooled``: the gradients' evaluations
    go to ``options.workers``), and report; with ``key`` (:func:`plans.key_of`), leave the
    call's plan for the next call with the same options (:mod:`fastgrad.optimize.plans`)."""
    control = batch.CHUNK.control  # set when this call is a chunk of a workers= batch
    obj, jac_obj, guard, auto = _objectives(options, pooled)
    steps = np.array(auto if options.user_steps is None else options.user_steps)  # writable
    analytic = options.kind == "analytic"
    cost = 0 if analytic else registry.gradient_cost(options.code, options.X.shape[1])
    pool = None
    if pooled:
        workers = options.workers
        pool = ThreadPoolExecutor(workers) if isinstance(workers, int) else None
        driver = pooled_driver(obj, options.kind, pool or workers, options.f,
                               workers if pool is not None else 0)
    else:
        driver = get_driver(obj, options.kind, jac_obj, options.first_args, options.strict,
                            bounded=options.box is not None, family=family_of(options.method))
    run = Run(options.X, options.method, options.params, steps, options.args,
              (options.code, cost, options.gtol, options.max_iter),
              min(options.max_iter + 1, HISTORY_CHUNK) if options.history else 0,
              keep_x0=options.batched, stopping=(options.ftol, options.xtol, options.auto),
              mask=options.mask, box=options.box)

    def fall_back(exc: BaseException) -> Driver:
        # raises, or runs this driver on Python for these argument types, with a warning
        obj.recover(exc, options.strict, driver_scope(options.kind, jac_obj),
                    options.first_args)
        return get_driver(obj, options.kind, jac_obj, options.first_args,
                          bounded=options.box is not None, family=family_of(options.method))

    if key is not None and not pooled and obj.fast and driver.engine == "jit" and (
            probe.probe_key(options.X.shape[1], options.args) in obj.probes):
        kept = plans.detached(options)
        plans.remember(obj, key, plans.Plan(kept, driver, plans.prototype(
            kept, options.X.shape[1], steps, run.fixed)))
    deadline = _deadline(options.max_time, control)
    try:
        interrupted = iterate(run, driver, fall_back, options.batched, options.max_iter,
                              options.callback, options.every, options.history, deadline,
                              None if control is None else control.stopped, guard,
                              options.progress, (obj,) if jac_obj is None else (obj, jac_obj))
    finally:
        if pool is not None:
            pool.shutdown()
    return _report(run, options, interrupted, deadline is not None, control is None,
                   options.projected)


def report_planned(plan: plans.Plan, outcome: tuple) -> OptimizeResult:
    """:func:`run_here`'s report for a call with a plan (:mod:`fastgrad.optimize.plans`)
    whose run went on after its first chunk, was interrupted or has a warning to give:
    ``outcome = (run, interrupted, projected)`` of :attr:`Plan.run <plans.Plan>`
    (warnings point at minimize's caller alike)."""
    run, interrupted, projected = outcome
    return _report(run, plan.options, interrupted, False, True, projected)


def _objectives(options: Options, pooled: bool):
    """``(objective of f, of jac or None, SIGINT guard or None, automatic steps)``, after the
    first-call checks of f and jac (:mod:`fastgrad.diff.probe`). On the pool, f runs on the
    Python engine here and is evaluated only there."""
    x, args, strict = options.X[0], options.first_args, options.strict
    obj = cache.get(options.f, False if pooled else options.jit)
    check_arity(obj, len(args), "f")
    jac_obj = None
    if options.kind == "analytic":
        jac_obj = cache.get(options.jac, options.jit)
        check_arity(jac_obj, len(args), "jac")
        check_jac_output(jac_obj, x, args, strict)
        probe.probe(jac_obj, x, args, strict=strict)  # jac reads within x too
    if pooled:
        return obj, jac_obj, None, probe.pool_steps(obj, options.f, options.workers, x, args,
                                                    low_precision(options.x0))
    guard = None
    if probe.probe_key(x.shape[0], args) not in obj.probes:  # f may compile: defer Ctrl-C
        guard = SigintGuard()  # as in a chunk that compiles (see iterate)
    try:
        auto = probe.probe(obj, x, args, x_dtype=low_precision(options.x0), strict=strict)
    except BaseException:
        if guard is not None:
            guard.restore()
        raise
    return obj, jac_obj, guard, auto


def _deadline(max_time: float | None, control) -> float | None:
    """The time of :func:`fastgrad._core.clock.clock` at which the run stops: a chunk of a
    batch keeps the batch's one deadline."""
    if control is not None and control.deadline is not None:
        return clock() + (control.deadline - time.time())
    if max_time is not None:
        return clock() + max_time
    return None


def _report(run: Run, options: Options, interrupted: bool, timed: bool,
            warn: bool, projected) -> OptimizeResult:
    """Mark the starts an interrupt or the deadline stopped, warn, and build the result
    (``projected``: which starts were projected into the box; None without bounds)."""
    INFO = run.INFO
    if interrupted:
        INFO[INFO[:, STATUS] == RUNNING, STATUS] = INTERRUPTED
    if interrupted or timed:  # the only ways a start may not have begun
        INFO[INFO[:, STATUS] == NOT_STARTED, STATUS] = NOT_RUN
        clear_not_run(run, options.history)
    if interrupted and warn:
        warn_interrupted(INFO[:, STATUS], INFO[:, NIT], stacklevel=5)  # minimize's caller
    fallbacks = INFO[0, FALLBACKS] if INFO.shape[0] == 1 else INFO[:, FALLBACKS].sum()
    if fallbacks:
        warnings.warn(complex_step_message(int(fallbacks), "gradient component(s)"),
                      FastgradWarning, stacklevel=4)
    lr = options.lr if options.method.uses_lr else None
    arrays = None
    if options.box is not None:
        arrays = boxreport.box_arrays(run.X, run.G, run.LB, run.UB)
    res = result(run, options.batched, options.history, options.gtol, options.max_iter, lr,
                 options.max_time, (options.ftol, options.xtol),
                 None if arrays is None else arrays[0])
    if arrays is not None:
        boxreport.bounded_result(res, options, arrays, projected, run.WORK[:, HELD])
    return res
