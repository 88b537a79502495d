"""The lean path of :func:`fastgrad.minimize`: a call repeated with a new ``x0`` and the
same options (a Python loop over fits, an outer optimization) skips what depends only on
the objective and the options.

The first such call runs the whole pipeline (validation, the objective's first-call checks,
the choice of the compiled loop) and leaves a :class:`Plan` on the objective's cache entry,
under a key of the options; later calls with an equal key and a 1-D float64 ``x0`` of the
same length check only ``x0`` (finite) and run the same chunked loop on it (the first chunk
called directly by the plan's ``run``, :func:`runner`), so their results are those of the
full pipeline, bit for bit, and Ctrl-C, chunks and messages behave alike.

Only plain calls have a plan: no ``history``, ``callback``, ``max_time``, ``workers`` or
``progress``; ``jac`` None or a scheme name; ``step`` None or a number; method options that
are numbers or strings; ``args`` of arrays and numbers (the key holds their types, each call
passes its own); ``bounds`` None or a tuple ``(lb, ub)`` of numbers or 1-D float64 arrays
(the key holds their values: the plan holds the checked box, and each call projects its own
x0 into it as the full pipeline does). Anything else (an array ``step``, a float32 or 2-D
``x0``, ``per_start`` data) takes the full pipeline every time. The key holds each value with its
type, so ``lr=1`` and ``lr=True`` (which validation refuses) do not share a plan.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

import numpy as np

from .._core.boxcheck import project_rows
from .._core.objective import is_compile_error
from .chunks import FIRST_CHUNK, interrupt_consumed, iterate
from .driver import Driver, Run, driver_scope, get_driver
from .loop import family_of
from .columns import FALLBACKS
from .boxreport import bounded_single_result
from .report import single_result

SCALARS = frozenset((int, float, str, bool, type(None)))
"""Types of the values a key may hold (their equality is that of the values)."""

FLOAT64 = np.dtype(np.float64)
"""numpy's float64 dtype: an ``x0`` whose dtype is this very object may have a plan."""

_LOCK = threading.Lock()

SPARE_BYTES = 1 << 20
"""A plan keeps the state block of a run that ended (:func:`runner`) for its next call only up
to this size: for a small problem, where a call's Python counts, that saves copies; a larger
state (bfgs at n = 400 holds 1.3 MB) is made at each call, as the full pipeline does, rather
than held between calls."""

MAX_PLANS = 8
"""Plans kept per objective: a loop that changes its options at every call does not grow the
cache (the oldest plan goes)."""


@dataclass(frozen=True)
class Plan:
    """A checked call of minimize for one objective, one length of x and equal options, and
    ``run(obj, x0, args)`` (:func:`runner`), which runs it again from another ``x0``."""

    options: object  # the first call's Options, without its f, x0 and args (see detached)
    driver: Driver
    prototype: Run  # an unstarted run (zeros for x, no args): each call renews it
    settings: tuple = field(init=False)  # of a call's first chunk (see run)
    report: tuple = field(init=False)  # of the result's message (report.single_result)
    constants: tuple = field(init=False)  # the loop's arguments after the state (see run)
    run: object = field(init=False, repr=False, compare=False)  # runner(self)

    def __post_init__(self):
        options, proto = self.options, self.prototype
        object.__setattr__(self, "settings", proto.settings(options.max_iter, FIRST_CHUNK))
        box = () if options.box is None else (proto.LB, proto.UB)
        object.__setattr__(self, "constants", (proto.XH, proto.FH) + box + (
            proto.method, proto.params, proto.steps))
        object.__setattr__(self, "report", (
            options.gtol, options.max_iter, options.lr if options.method.uses_lr else None,
            options.max_time, (options.ftol, options.xtol)))
        object.__setattr__(self, "run", runner(self))


def detached(options):
    """``options`` without what the objective's cache entry must not hold: the objective
    itself (the entry would keep it alive), the first call's x0 and data, and the bounds as
    given (the detached options keep copies of the checked box, so that a change of the
    caller's arrays in place cannot reach the plan)."""
    box = None if options.box is None else tuple(a.copy() for a in options.box)
    return replace(options, f=None, x0=None, X=None, args=(), bounds=None, box=box,
                   projected=None)


def key_of(x0, args, method, jac, lr, max_iter, gtol, ftol, xtol, step, jit,
           method_options, bounds):
    """The plan key of a call with ``x0``, ``args`` (a tuple) and these options (the caller
    has checked that the others are at their defaults), or None when the call cannot have a
    plan. ``args`` enter by their types only (arrays by dtype and dimensions): their values
    are the call's data, passed to the loop as they are, as the full pipeline does.
    ``bounds`` enter by their values (:func:`bounds_key`)."""
    if type(x0) is not np.ndarray or x0.dtype is not FLOAT64 or x0.ndim != 1:
        return None  # (a float64 dtype that is not numpy's own object: the full pipeline)
    values = (method, jac, lr, max_iter, gtol, ftol, xtol, step, jit)
    types = tuple(map(type, values))
    if not SCALARS.issuperset(types):
        return None
    key = (x0.shape[0], values, types)
    if bounds is not None:
        box = bounds_key(bounds)
        if box is None:
            return None
        key += (("bounds", box),)
    if args:
        kinds = args_key(args)
        if kinds is None:
            return None
        key += (kinds,)
    if method_options:
        extra = tuple(sorted(method_options.items()))
        extra_types = tuple(type(value) for _, value in extra)
        if not SCALARS.issuperset(extra_types):
            return None
        key += (extra, extra_types)
    return key


def find(obj, x0, args, method, jac, lr, max_iter, gtol, ftol, xtol, step, jit,
         method_options, bounds):
    """``(plan, key)`` of a call of minimize with these arguments on the objective's cache
    entry ``obj`` (compiled, nothing failed), by the call's plan key (:func:`key_of`; None
    when the call cannot have one): the plan it may run, or None, and that key. A plan
    found so becomes the entry's recent plan, when the call has no ``bounds`` and no method
    options: a loop that passes the same option objects then finds it by :func:`recall`
    (which minimize tries first)."""
    key = key_of(x0, args, method, jac, lr, max_iter, gtol, ftol, xtol, step, jit,
                 method_options, bounds)
    plan = None if key is None else obj.plans.get(key)
    if plan is not None and not method_options and bounds is None:
        obj.recent = (method, jac, lr, max_iter, gtol, ftol, xtol, step, jit, x0.shape[0],
                      args_key(args) if args else (), plan)
    return plan, key


def recall(obj, x0, args, method, jac, lr, max_iter, gtol, ftol, xtol, step, jit):
    """The objective's recent plan (see :func:`find`) when this call passes the very objects of
    the options that found it (``is``: the values of a loop's own constants and of
    minimize's defaults), a 1-D float64 ``x0`` of its length and ``args`` of its types; else
    None. The objects are those of a key (numbers, strings, None: immutable), so the same
    objects are the same key, and the check costs a fraction of :func:`key_of`'s."""
    recent = obj.recent
    if recent is None:
        return None
    m, j, r, mi, g, f, x, s, jt, n, kinds, plan = recent
    if (method is m and jac is j and lr is r and max_iter is mi and gtol is g and ftol is f
            and xtol is x and step is s and jit is jt and type(x0) is np.ndarray
            and x0.dtype is FLOAT64 and x0.ndim == 1 and x0.shape[0] == n
            and (args_key(args) == kinds if args else not kinds)):
        return plan
    return None


def args_key(args: tuple):
    """The key of ``args`` (a tuple): the type of each (an array by dtype and dimensions),
    or None when one is not an array, a float or an int: a per-start marker, a list or
    another object takes the full pipeline."""
    key = []
    for a in args:
        kind = type(a)
        if kind is np.ndarray:
            key.append(a.dtype)
            key.append(a.ndim)
        elif kind is float or kind is int:
            key.append(kind)
        else:
            return None
    return tuple(key)


def bounds_key(bounds):
    """The key of ``bounds`` given as a tuple ``(lb, ub)`` of numbers (int or float) or 1-D
    float64 arrays: each by its type and value (an array by its bytes, so that a plan never
    serves bounds changed in place since), or None for any other form of bounds (those take
    the full pipeline every time)."""
    if type(bounds) is not tuple or len(bounds) != 2:
        return None
    key = ()
    for b in bounds:
        kind = type(b)
        if kind is float or kind is int:
            key += ((kind, b),)
        elif kind is np.ndarray and b.ndim == 1 and b.dtype == np.float64:
            key += ((b.shape[0], b.tobytes()),)
        else:
            return None
    return key


def remember(obj, key, plan: Plan) -> None:
    """Keep ``plan`` on the objective's cache entry ``obj`` under ``key`` (at most
    :data:`MAX_PLANS`)."""
    with _LOCK:  # threads calling minimize together
        plans = obj.plans
        if len(plans) >= MAX_PLANS:
            plans.pop(next(iter(plans)))
        plans[key] = plan


def prototype(options, n: int, steps: np.ndarray, fixed: tuple) -> Run:
    """The unstarted run of a plan with the (detached) ``options``, for x of length ``n``
    (:meth:`Run.renewed` makes each call's run from it): one start at zeros, no args, the
    plan's bounds; ``steps`` copied."""
    return Run(np.zeros((1, n)), options.method, options.params, steps.copy(), (), fixed, 0,
               stopping=(options.ftol, options.xtol, options.auto), box=options.box)


def runner(plan: Plan):
    """The function ``run(obj, x0, args)`` that runs ``plan`` of objective ``obj`` from
    ``x0`` (1-D float64 of the plan's length, finite) with ``args``: a closure over what the
    plan holds, so that a call reads no attribute of it (the lean path's one Python frame
    between minimize and the compiled loop). ``run`` returns the result itself when the run
    ended in its first chunk with no warning to give
    (:func:`~fastgrad.optimize.report.single_result`); otherwise ``(run, True if Ctrl-C
    stopped it, projected)`` for minimize's report, ``projected`` (1,) saying whether x0 was
    projected into the plan's box (None without bounds).

    On a compiled driver whose serial loop has run, the first chunk is one direct call of
    that loop on fresh state arrays (those of the prototype, and its box) with the plan's
    ``settings`` (those :meth:`Driver.run` builds for it: stop ``max_iter``, budget
    :data:`FIRST_CHUNK`, no deadline), and a :class:`Run` is made of them only if the run
    goes on, was interrupted or took complex-step fallbacks (a few microseconds a call); a
    bounded run's result is :func:`~fastgrad.optimize.boxreport.bounded_single_result`.
    x, its gradient and INFO are new arrays at every call; the other state arrays are views
    of one block (:func:`_scratch`), which a run that ended with its result leaves to the
    next call (up to :data:`SPARE_BYTES`), made fresh again by one copy of the prototype's
    values (a run that goes on keeps its own; calls on several threads each take a block of
    their own).
    Chunks never change a result; Ctrl-C and Numba's refusal of new argument types are
    handled as :func:`~fastgrad.optimize.chunks.iterate` handles them. Anything else (Python
    engine, a loop that may compile first) runs in iterate."""
    # Long because it is that one frame: the state, the call and the result in one place.
    options, driver, proto, report = plan.options, plan.driver, plan.prototype, plan.report
    single, constants, settings, box = driver.single, plan.constants, plan.settings, options.box
    g0, INFO0 = proto.G[0], proto.INFO
    shapes = (proto.FV.shape, proto.STATE.shape, proto.SCAL.shape, proto.WORK.shape)
    fresh, proto.FV, proto.STATE, proto.SCAL, proto.WORK = _scratch(np.concatenate(
        [a.ravel() for a in (proto.FV, proto.STATE, proto.SCAL, proto.WORK)]), shapes)
    # (the prototype's arrays are views of fresh from now: the plan holds its state once)
    spare = []  # state blocks of finished runs (_scratch), taken again by later calls
    keep = fresh.nbytes <= SPARE_BYTES
    differenced = options.kind != "analytic"

    def run(obj, x0: np.ndarray, args: tuple):
        x, g, INFO = x0.copy(), g0.copy(), INFO0.copy()  # the run's own: the result's x, jac
        X, G = x[None], g[None]
        try:  # (a call on another thread may have taken the last one: pop, not a test)
            block, FV, STATE, SCAL, WORK = scratch = spare.pop()
            block[...] = fresh
        except IndexError:
            block, FV, STATE, SCAL, WORK = scratch = _scratch(fresh.copy(), shapes)
        moved = None
        if box is not None:  # x0 into the box, as minimize's validation does
            moved = np.empty(1, dtype=np.bool_)
            project_rows(X, box[0], box[1], moved)
        if driver.engine != "jit" or False not in driver.warm:
            state = proto.renewed(X, args, (G, FV, INFO, STATE, SCAL, WORK))
            return state, _iterate(state, driver, plan, obj, args), moved
        try:
            status = single(0, X, G, FV, INFO, STATE, SCAL, WORK, *constants, args, settings)
        except KeyboardInterrupt:  # raised once the compiled chunk returned: the state holds
            state = proto.renewed(X, args, (G, FV, INFO, STATE, SCAL, WORK))
            driver.refresh(state)
            return state, interrupt_consumed(INFO), moved
        except Exception as exc:  # Numba's refusal comes before the loop ran
            if not is_compile_error(exc):
                raise
            state = proto.renewed(X, args, (G, FV, INFO, STATE, SCAL, WORK))
            return state, _iterate(state, _fall_back(exc, plan, obj, args), plan, obj,
                                   args), moved
        if status >= 0 and INFO.item(0, FALLBACKS) == 0:  # no warning to give: the result
            if box is None:
                res = single_result(x, g, FV, INFO, report)
            else:
                res = bounded_single_result(X, G, FV, INFO, report, box, differenced, moved)
            if keep:  # (the result holds none of it)
                spare.append(scratch)
            return res
        state = proto.renewed(X, args, (G, FV, INFO, STATE, SCAL, WORK))  # the run's now
        return state, status < 0 and _iterate(state, driver, plan, obj, args), moved

    return run


def _scratch(block: np.ndarray, shapes: tuple) -> tuple:
    """``(block, FV, STATE, SCAL, WORK)``: the state arrays of one start a run writes besides
    its x, gradient and INFO, of ``shapes``, as views of ``block`` (float64, as long as all
    of them), so that one copy into ``block`` makes them fresh again (:func:`runner`)."""
    views, start = [block], 0
    for shape in shapes:
        size = int(np.prod(shape))
        views.append(block[start:start + size].reshape(shape))
        start += size
    return tuple(views)


def _iterate(state: Run, driver: Driver, plan: Plan, obj, args: tuple) -> bool:
    """The rest of a planned run, chunk by chunk (:func:`~fastgrad.optimize.chunks.iterate`,
    with no callback, history, deadline or progress); True if Ctrl-C stopped it."""
    options = plan.options
    return iterate(state, driver, lambda exc: _fall_back(exc, plan, obj, args), False,
                   options.max_iter, None, options.every, False, None)


def _fall_back(exc: BaseException, plan: Plan, obj, args: tuple) -> Driver:
    """As minimize's: Numba refused these argument types (the Python engine's driver)."""
    options = plan.options
    obj.recover(exc, options.strict, driver_scope(options.kind), args)
    return get_driver(obj, options.kind, None, args, family=family_of(options.method))
