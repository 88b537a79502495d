"""First-call checks of an objective: does it read past the end of x, does it write into
x, and in which precision does it compute?

Numba does not check bounds in compiled code: an objective that reads ``x[3]`` of a
3-vector reads whatever lies after the array and returns a meaningless number with no error
(an ``x0`` of shape (2,) for a 3-parameter model, or (3, 1) meant as one start of 3
coordinates). And an objective that computes in float32 needs steps chosen for float32's
rounding, not float64's.

:func:`probe` answers both once per objective, length of x and types of the extra arguments,
before the first result is returned; later calls find the answer in ``Objective.probes``
(a dictionary lookup). It costs two evaluations of f on the compiled engine (one, when x
is read within bounds, on the Python engine, where numpy raises ``IndexError`` by itself),
which are not counted in ``nfev``:

* Compiled engine: f is evaluated at x placed inside a larger buffer whose padding on both
  sides holds first an ordinary number, then NaN. A result that is finite the first time and
  NaN (or different) the second time can only come from reading the padding, that is from
  reading past the end (or before the start) of x. The padding positions that were read are
  then found one by one for the message. The precision is the return type Numba inferred for
  f (float32 when f returns float32).
* Python engine: f is evaluated at x; an ``IndexError`` of numpy about an axis of the length
  of x becomes an :class:`ObjectiveIndexError` naming f; the precision is the dtype of the
  value f returned.

Both engines give f a copy of x in the first evaluation and compare it with x after: an
objective that changes it raises :class:`ObjectiveWriteError` naming the coordinate (f gets
the workspace that the kernels perturb in place and use again after the call, so a write
would make every later number meaningless).

An objective that reads past x or writes into it only at some points, or only in some
branches, can escape the checks; an objective that computes in float32 but returns float64
is taken as float64 (as in SciPy, the precision is that of the value returned).
"""

from __future__ import annotations

import inspect
import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
from numba.np.numpy_support import as_dtype

from .. import scaleout
from .._core.objective import OBJECTIVE, is_compile_error
from .._core.scalar import ObjectiveReturnError
from .steps import EPS, auto_steps, precision_eps

PAD = 64
"""Padding (elements) on each side of x for the compiled check: reads up to this far past
either end are detected. A read further away lands outside the buffer, where nothing can be
told about it."""

_FILL = 0.8125
"""The ordinary padding value of the first evaluation (exactly representable, not 0 or 1, so
that it changes what f computes from it)."""

_NUMPY_INDEX = re.compile(r"index (-?\d+) is out of bounds for axis 0 with size (\d+)")


class ObjectiveIndexError(IndexError):
    """The objective reads coordinates of x that do not exist."""


class ObjectiveWriteError(ValueError):
    """The objective changes its argument x (fastgrad's workspace, which it perturbs in
    place and uses again after the call)."""


def _name(obj) -> str:
    f = obj.f
    return getattr(f, "__name__", None) or type(f).__name__


def _message(obj, n: int, read: str) -> str:
    return (
        f"the objective {_name(obj)} reads {read} but x has only {n} coordinate(s) (shape "
        f"({n},)); in compiled code this reads memory past x and gives a meaningless result. "
        "Pass an x of the length f expects (a batch of m starts of n coordinates has shape "
        "(m, n): one start of 3 coordinates is shape (3,), not (3, 1))"
    )


def _check_unchanged(obj, x: np.ndarray, after: np.ndarray) -> None:
    """Raise :class:`ObjectiveWriteError` when ``after`` (the array f was given, a copy of
    the float64 ``x``) differs from ``x`` in any bit."""
    changed = np.flatnonzero(x.reshape(-1).view(np.int64) != after.reshape(-1).view(np.int64))
    if changed.shape[0] == 0:
        return
    j = int(changed[0]) % x.shape[-1]
    old, new = float(x.reshape(-1)[changed[0]]), float(after.reshape(-1)[changed[0]])
    more = "" if changed.shape[0] == 1 else f", and {changed.shape[0] - 1} more coordinate(s)"
    raise ObjectiveWriteError(
        f"the objective {_name(obj)} changes its argument x (x[{j}]: {old!r} -> {new!r}"
        f"{more}); fastgrad evaluates f at a workspace that it perturbs in place and uses "
        "again after the call, so every derivative and iterate after such a call would be "
        "meaningless. Compute into a new array inside f (y = x - c, or y = x.copy()) "
        "instead of writing into x"
    )


def probe_key(n: int, args: tuple) -> tuple:
    """The key of ``Objective.probes`` for x of length ``n`` and ``args``: n and the type of
    each argument (an array by its dtype and dimensions). f may compute in the precision of
    its arguments (``c * x`` with a float32 ``c`` is float32), and Numba compiles it once
    per argument types: the steps found for float64 data must not serve float32 data."""
    if not args:
        return (n,)
    return (n,) + tuple((a.dtype, a.ndim) if type(a) is np.ndarray else argument_kind(a)
                        for a in args)


def argument_kind(a) -> object:
    """The part of :func:`probe_key` for one argument ``a`` other than a plain array: an
    array of a subclass (``np.memmap``) by its type, dtype and dimensions; a tuple by the
    kinds of its items and a list by that of its first (Numba's lists hold one type), so
    that float32 data nested in a tuple, ``args=((X32, y32),)``, does not get the steps of
    float64 data; Numba's typed containers by their Numba type; anything else by its type."""
    kind = type(a)
    if isinstance(a, np.ndarray):
        return (kind, a.dtype, a.ndim)
    if isinstance(a, tuple):
        return (kind,) + tuple(map(argument_kind, a))
    if isinstance(a, list):
        return (kind,) + ((argument_kind(a[0]),) if a else ())
    typed = getattr(a, "_numba_type_", None)
    return kind if typed is None else (kind, typed)


def probe(obj, x: np.ndarray, args: tuple, *, x_dtype=None, bounds: bool = True,
          strict: bool = False) -> np.ndarray:
    """Check ``obj`` at the float64 point ``x`` (shape (n,)) with ``args``, once per
    :func:`probe_key` (n and the types of args), and return the automatic steps array for
    the precision of its values (:func:`fastgrad.steps.auto_steps`), combined with that of
    ``x_dtype`` when given.

    ``bounds=False`` skips the out-of-bounds check (a scalar objective ``f(t)``, which gets no
    array). Raises :class:`ObjectiveIndexError` when f reads past x. With ``strict`` (jit=True)
    a compilation failure is left to the kernel to report.
    """
    return checked_value(obj, x, args, x_dtype=x_dtype, bounds=bounds, strict=strict)[0]


def checked_value(obj, x: np.ndarray, args: tuple, *, x_dtype=None, bounds: bool = True,
                  strict: bool = False) -> tuple:
    """:func:`probe`, and the value of f at x that its check computed (None when it computed
    none: the check was done before, x is not finite or f could not be compiled), so that a
    caller who needs f(x) too can spare an evaluation."""
    key = probe_key(x.shape[0], args)
    steps = obj.probes.get(key)
    if steps is not None:
        return _with_x(steps, x_dtype), None
    if not np.isfinite(x).all():  # the kernel refuses x: nothing to learn here
        return x_steps(x_dtype), None
    found = _probe(obj, x, args, bounds, strict)
    if found is None:  # f could not be compiled: the kernel reports it or falls back
        return _with_x(auto_steps(EPS), x_dtype), None
    steps, value = found
    obj.probes[key] = steps
    return _with_x(steps, x_dtype), value


def x_steps(x_dtype, value_eps: float = EPS) -> np.ndarray:
    """The automatic steps array when only the dtype of x is known (``workers=``, where f is
    evaluated on the pool only), or that and the unit roundoff ``value_eps`` of f's values
    (checked by the caller)."""
    return _with_x(auto_steps(value_eps), x_dtype)


def pool_steps(obj, f, workers, x: np.ndarray, args: tuple, x_dtype=None) -> np.ndarray:
    """The automatic steps for an objective ``f`` evaluated on ``workers`` only
    (``workers=``): the precision of its value at ``x`` (shape (n,)), learned from one
    evaluation on the pool (not counted), once per :func:`probe_key`, and kept on its
    objective ``obj``; combined with that of ``x_dtype``. As :func:`probe` on the Python
    engine (``jit=False``), whose results ``workers=`` reproduces, a float32 f gets float32's
    steps. This evaluation checks two things more, seen where the pool shares memory
    (threads): that f leaves x as it was (a write would change the points under the kernel),
    and whether it writes into its args (a thread pool is then refused: its threads would
    share them). A compiled f is not the caller's on the pool: reads past x are not checked."""
    key = ("pool",) + probe_key(x.shape[0], args)
    steps = obj.probes.get(key)
    if steps is None:
        if not np.isfinite(x).all():  # the kernel refuses x: nothing to learn here
            return x_steps(x_dtype)
        given, before = x.copy(), _writable_arrays(args)
        with scaleout.executor_for(workers) as executor:
            value = next(iter(executor.map(partial(scaleout.evaluate, f, args), [given])))
        _check_unchanged(obj, x, given)  # seen where the pool shares memory (threads)
        _note_shared_writes(obj, args, before)
        steps = obj.probes[key] = auto_steps(precision_eps(np.asarray(value).dtype))
    if obj.shared_writes and isinstance(workers, (int, ThreadPoolExecutor)):
        raise ValueError(
            f"the objective {_name(obj)} writes into its argument {obj.shared_writes}, which "
            f"the threads of workers={workers!r} would share while they run f at once (and "
            "overwrite under each other): allocate scratch arrays inside f, or pass a "
            "process pool (concurrent.futures.ProcessPoolExecutor) as workers")
    return _with_x(steps, x_dtype)


def probe_vectorized(obj, X: np.ndarray, args: tuple, *, x_dtype=None,
                     given: np.ndarray | None = None) -> np.ndarray:
    """:func:`probe` for a vectorized objective ``f(X (k, n), *args) -> (k,)``: the
    precision of its values, from one call with the first row, once per :func:`probe_key`;
    ``given``: the caller's steps, returned as they are (no precision to find). Either way,
    once per key, :func:`_check_rows_apart`. No bounds check: a batch function indexes its
    rows itself and numpy checks those bounds."""
    key = ("vectorized",) + probe_key(X.shape[1], args)
    steps = obj.probes.get(key)
    if steps is None:
        if not np.isfinite(X[0]).all():
            return x_steps(x_dtype) if given is None else given
        first = X[:1].copy()
        value = obj.f(first, *args)
        _check_unchanged(obj, X[:1], first)
        steps = auto_steps(precision_eps(np.asarray(value).dtype))
        _check_rows_apart(obj, X, np.asarray(value), args, steps)
        obj.probes[key] = steps
    return _with_x(steps, x_dtype) if given is None else given


def _check_rows_apart(obj, X: np.ndarray, alone: np.ndarray, args: tuple,
                      steps: np.ndarray) -> None:
    """Raise :class:`ObjectiveReturnError` when f's value at ``x = X[0]`` in the batch
    ``(y, x, y)`` differs from ``alone``, its value in a batch of one: f mixes rows, and each
    stencil point's value would depend on the others sent with it (a plausible, wrong
    gradient). ``y`` is ``X[1]`` for a batch of starts, where a mean over the batch moves
    (the gradient evaluates f there anyway), else ``x`` itself: no point the gradient does
    not evaluate, so bounds and f's domain hold. That finds a factor ``len(X)`` or a sum over
    the batch always, and a mean over the batch across starts. The two values may differ by
    rounding (BLAS may sum a 1-row and a 3-row product in another order): up to
    ``max(1e-6, sqrt(eps))`` of their size, eps that of f's values."""
    if alone.shape != (1,) or alone.dtype.kind not in "fiu":
        return  # the shape or kind of the values is refused where the gradient calls f
    x = X[0]
    y = X[1] if X.shape[0] > 1 and np.isfinite(X[1]).all() else x
    values = np.asarray(obj.f(np.stack([y, x, y]), *args))
    if values.shape != (3,) or values.dtype.kind not in "fiu":
        return  # as above
    a, b = float(alone[0]), float(values[1])
    eps = steps[1] if steps.shape[0] else EPS
    if a == b or (a != a and b != b) or abs(a - b) <= max(1e-6, eps ** 0.5) * max(
            abs(a), abs(b)):
        return
    raise ObjectiveReturnError(
        f"with vectorized=True the objective {_name(obj)} must compute the value of each row "
        f"of its batch from that row alone, but its value at the same x was {a!r} in a batch "
        f"of one row and {b!r} in a batch of three: it mixes rows (a mean or sum over the "
        "batch, its length len(X), ...). The gradient sends all stencil points in one batch "
        "and would be wrong. Reduce over axis 1 only (np.sum(X ** 2, axis=1)), or drop "
        "vectorized=True"
    )


def _with_x(steps: np.ndarray, x_dtype) -> np.ndarray:
    if x_dtype is None:
        return steps
    eps_x = precision_eps(x_dtype)
    if eps_x <= EPS:
        return steps
    eps_f = steps[1] if steps.shape[0] else EPS
    return auto_steps(max(eps_x, eps_f))


def _probe(obj, x, args, bounds, strict):
    before = _writable_arrays(args)
    found = _probe_engine(obj, x, args, bounds, strict)
    _note_shared_writes(obj, args, before)
    return found


def _writable_arrays(args: tuple) -> list:
    """Copies of the writable arrays among ``args``, by position (read-only ones, which f
    cannot change, are not copied)."""
    return [(i, a.copy()) for i, a in enumerate(args)
            if isinstance(a, np.ndarray) and a.flags.writeable]


def _note_shared_writes(obj, args: tuple, before: list) -> None:
    """Set ``obj.shared_writes`` (see :func:`fastgrad._core.objective.threads_may_share`)
    when f changed an array of ``args`` that :func:`_writable_arrays` copied."""
    for i, copy in before:
        if not _same(copy, args[i]) or copy.dtype != args[i].dtype:
            obj.shared_writes = f"args[{i}]"
            return


def _probe_engine(obj, x, args, bounds, strict):
    if obj.engine == "jit" and not binds_by_position(obj, args, strict) and (
            obj.failed(OBJECTIVE, args) is None):
        try:
            return _probe_compiled(obj, x, args, bounds)
        except Exception as exc:  # noqa: BLE001 - Numba rejects some code with any type
            if not is_compile_error(exc):
                raise  # raised by f itself, at run time
            if strict:
                return None
    return _probe_python(obj, x, args)


def binds_by_position(obj, args: tuple, strict: bool) -> bool:
    """True, after the warning of the Python engine (``TypeError`` if ``strict``), when f has
    keyword-only parameters (or ``**kwargs``): Numba binds them by position, to values of
    ``args`` that Python refuses (``f(x, a, *, s)`` with ``args=(a, s)`` runs with that s),
    or, when args leaves them to their defaults, not at all. f then runs on the Python engine
    for these types of args, which binds them as Python does. (``curve_fit`` binds a model's
    defaults itself: :func:`fastgrad.optimize.model_signature.keywords_after`.)"""
    names = obj.drivers.get("keyword-only")
    if names is None and isinstance(obj.f, np.ufunc):  # (out=, where=, ...): Numba compiles
        names = obj.drivers["keyword-only"] = ()  # a call of it with x and args alone
    if names is None:
        try:
            params = inspect.signature(getattr(obj.f, "py_func", obj.f)).parameters.values()
        except (TypeError, ValueError):  # no signature to read (a ufunc, a builtin)
            params = ()
        names = obj.drivers["keyword-only"] = tuple(
            ("**" if q.kind is q.VAR_KEYWORD else "") + q.name for q in params
            if q.kind is q.KEYWORD_ONLY or q.kind is q.VAR_KEYWORD)
    if not names:
        return False
    if obj.failed(OBJECTIVE, args) is None:
        obj.recover(TypeError(
            f"{obj.name} has keyword-only parameter(s) {', '.join(names)}, which Numba binds "
            "by position (to values of args, not as Python does); make them positional to "
            "compile f"), strict, OBJECTIVE, args, stacklevel=None)
    return True


def _probe_python(obj, x, args):
    f = obj.python_f
    given = x.copy()
    try:
        with np.errstate(all="ignore"):  # the check is silent; f's own evaluations are not
            value = f(given, *args)
    except IndexError as exc:
        match = _NUMPY_INDEX.search(str(exc))
        if match and int(match.group(2)) == x.shape[0]:
            raise ObjectiveIndexError(
                _message(obj, x.shape[0], f"x[{match.group(1)}]")
            ) from exc
        raise
    _check_unchanged(obj, x, given)
    return auto_steps(precision_eps(np.asarray(value).dtype)), value


def _padded(x: np.ndarray, fill: float) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[0]
    buf = np.full(n + 2 * PAD, fill)
    view = buf[PAD:PAD + n]
    view[:] = x
    return buf, view


def _same(a, b) -> bool:
    """Equal values, NaN equal to NaN (scalars or arrays)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
    return bool(np.all(a == b))


def _probe_compiled(obj, x, args, bounds):
    f = obj.compiled
    _, view = _padded(x, _FILL)
    first = f(view, *args)
    _check_unchanged(obj, x, view)
    steps = auto_steps(_return_eps(f, (view,) + args))
    if not bounds:
        return steps, first
    buf_nan, view_nan = _padded(x, np.nan)
    second = f(view_nan, *args)
    if _same(first, second):
        return steps, first
    # Different results: either f reads the padding, or f is not deterministic
    # (random, stateful). Evaluate the first point again to tell them apart.
    if not _same(first, f(_padded(x, _FILL)[1], *args)):
        return steps, first
    read = _padding_read(f, x, args, first)
    raise ObjectiveIndexError(_message(obj, x.shape[0], read))


def _padding_read(f, x, args, reference) -> str:
    """Which padding positions f reads, as ``x[3], x[4]`` (an index below 0 is before x)."""
    n = x.shape[0]
    found = []
    for offset in list(range(n, n + PAD)) + list(range(-1, -PAD - 1, -1)):
        buf, view = _padded(x, _FILL)
        buf[PAD + offset] = np.nan
        if not _same(reference, f(view, *args)):
            found.append(offset)
            if len(found) == 3:
                break
    if not found:
        return "memory past the end of x"
    # Numba adds n to a negative index once: padding position -k before x is x[-k - n]
    words = ", ".join(f"x[{i if i >= 0 else i - n}]" for i in found)
    return f"{words}{', ...' if len(found) == 3 else ''}"


def _return_eps(dispatcher, values: tuple) -> float:
    """Unit roundoff of the return type of the compiled ``dispatcher`` called with
    ``values`` (the padded x first, then args).

    The overload of exactly these argument types counts. Failing that (a function taking
    ``*args`` is keyed by Numba on a tuple of their types), it is matched on the type of x,
    and should several overloads match (args of other types compiled before), the least
    precise return type counts.
    """
    try:
        types = tuple(dispatcher.typeof_pyval(v) for v in values)
        overloads = list(dispatcher.overloads.items())
        rtypes = [cres.signature.return_type for sig, cres in overloads if tuple(sig) == types]
        if not rtypes:
            rtypes = [cres.signature.return_type for sig, cres in overloads
                      if sig and sig[0] == types[0]]
    except (AttributeError, TypeError):
        return EPS
    eps = EPS
    for rtype in rtypes:
        dtype = getattr(rtype, "dtype", rtype)
        try:
            eps = max(eps, precision_eps(as_dtype(dtype)))
        except Exception:  # noqa: BLE001 - a type numpy has no dtype for: not a float
            pass
    return eps
