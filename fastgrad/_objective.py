"""Objectives, the kernels specialised for them, and their cache.

An :class:`Objective` wraps the user's ``f`` once: a Numba dispatcher is used as it is, a plain
Python function is compiled lazily, and anything Numba cannot compile runs on the Python engine
(the same kernel source, executed by the interpreter) after a :class:`FastgradWarning` that
names the reason. Kernels are built on first use and kept on the Objective, which is cached per
``f`` *by identity*: a second call with the same objective compiles nothing, and two callables
that merely compare equal never share one.

A kernel that Numba cannot compile for some argument types (a complex step through
``math.exp``, an ``args`` entry Numba cannot type) runs on the Python engine for those types
only; the other kernels and argument types stay compiled (:meth:`Objective.run`).

The cache does not keep an objective alive: it holds a copy of a plain function (same code,
globals, closure cells and defaults) and a weak reference to the function itself, so the
Objective, its kernels and the closure's data are freed with the function
(:func:`clear_cache` drops everything). Numba itself never frees the machine code it has
compiled (numba/numba#5976): each distinct compiled objective keeps about 3 MiB for the life
of the process. So a fresh function of the same code and the same captured values as a
recent one (a ``lambda`` written in a loop) shares that one's Objective
(:data:`SHARED_OBJECTIVES`): it compiles nothing.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import threading
import types
import warnings
import weakref
from collections import OrderedDict

import numba
import numpy as np
from numba.core.errors import NumbaError, UnsupportedBytecodeError
from numba.core.registry import CPUDispatcher, cpu_target

from . import _fd_kernels as K
from ._jit import (
    JIT_OPTIONS, is_dispatcher, jit, jit_objective, jit_parallel, launch_parallel,
)
from ._scalar import RETURN_MARKER, ObjectiveReturnError


COMPILE_ERRORS = (NumbaError, UnsupportedBytecodeError)
"""What Numba raises when it cannot compile a function. ``UnsupportedBytecodeError`` (for
example ``except E as e:``) is the one such error that does not derive from ``NumbaError``.
Numba also lets other exceptions out of its compiler (see :func:`is_compile_error`)."""

_NUMBA_DIR = os.path.dirname(numba.__file__) + os.sep


def is_compile_error(exc: BaseException) -> bool:
    """True if ``exc`` is Numba refusing to compile, False if compiled code raised it.

    Numba's own errors are :data:`COMPILE_ERRORS`; other exceptions escape its compiler too
    (``ValueError: Cannot determine Numba type of <class 'dict'>`` for a dict default
    argument, ``TypeError: No matching definition`` of a dispatcher with explicit
    signatures). Those passed through Numba's Python frames; an exception of the objective
    raised by compiled code did not (compiled code has no Python frames), so the objective's
    own ``ValueError`` still reaches the caller.
    """
    if isinstance(exc, COMPILE_ERRORS):
        return True
    if not isinstance(exc, Exception):
        return False
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_NUMBA_DIR):
            return True
        tb = tb.tb_next
    return False


class FastgradWarning(UserWarning):
    """fastgrad had to do something slower or less accurate than asked, and says why."""


# name -> (factory, batched?)  Batched kernels wrap the row kernel of the same scheme family.
_FACTORIES = {
    "gradient_range": K.make_gradient_range,
    "complex_check": K.make_complex_check,
    "jacobian": K.make_jacobian,
    "hessian": K.make_hessian,
}
_BATCHED = {
    "batched_gradient": "gradient",
    "batched_complex_gradient": "complex_gradient",
}
# name -> (factory(inner kernel, f), inner kernel name, parallel?)
_WRAPPERS = {
    "gradient": (K.make_gradient, "gradient_range", False),
    "parallel_gradient": (K.make_parallel_gradient, "gradient_range", True),
    "complex_gradient": (K.make_complex_gradient, "complex_check", False),
    "complex_jacobian": (K.make_complex_jacobian, "complex_check", False),
}
ROW_KERNELS = _BATCHED
"""Batched kernel name -> name of the row kernel it runs over the rows of a batch."""
PARALLEL_KERNELS = frozenset(_BATCHED) | {"parallel_gradient"}
"""Kernels compiled with ``parallel=True`` (launched through :func:`fastgrad._jit.launch_parallel`)."""

OBJECTIVE = "objective"
"""Failure scope of the objective itself: every kernel fails for such argument types."""

_WHAT = {
    "gradient": "gradients",
    "parallel_gradient": "gradients",
    "batched_gradient": "gradients",
    "complex_gradient": "complex-step gradients",
    "batched_complex_gradient": "complex-step gradients",
    "jacobian": "Jacobians",
    "complex_jacobian": "complex-step Jacobians",
    "hessian": "Hessians",
    "grad": "grad()",
    OBJECTIVE: "every kernel",
}

_LOCK = threading.RLock()
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _reason(exc: BaseException) -> str:
    """The first informative lines of a Numba error, without colour codes."""
    lines = [ln.strip() for ln in _ANSI.sub("", str(exc)).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("During:", "File ", "^"))]
    return " ".join(lines[:3])[:400]


def _ufunc_call(ufunc):
    def call(x, *args):
        return ufunc(x, *args)

    call.__name__ = ufunc.__name__
    return call


def _vector_form(g):
    def vector_form(x, *args):
        return g(x[0], *args)

    return vector_form


def type_key(value):
    """A hashable key of the Numba type of ``value`` (element by element for a tuple; the
    Python type for a value Numba cannot type): what decides whether a kernel compiles."""
    if value.__class__ is tuple:
        return tuple(type_key(v) for v in value)
    try:
        return numba.typeof(value)
    except Exception:  # noqa: BLE001 - any value Numba cannot type
        return ("untyped", type(value))


class Objective:
    """A user's objective with its engine, compiled kernels and per-signature fallbacks.

    ``engine`` is "jit" (``compiled`` exists) or "python" (``jit=False``, or Numba cannot
    compile ``f`` at all, such as a callable object). ``failures`` maps ``(scope, type key
    of args)`` to the reason Numba gave, where scope is a kernel name, :data:`OBJECTIVE`
    (``f`` itself does not compile for those argument types: every kernel falls back), or a
    key of another module (``minimize``'s driver). ``fast`` is True while the engine is
    "jit" and nothing has failed: the hot path of :func:`fastgrad.gradient` checks only it.
    """

    __slots__ = (
        "f", "python_f", "compiled", "engine", "reason", "kernels", "python_kernels",
        "failures", "fast", "extra", "parallel_sizes", "warned", "probes", "__weakref__",
    )

    def __init__(self, f, engine: str, scalar: bool = False, attempt=None):
        """``f``: what the objective runs (a plain function's detached copy, see
        :func:`get`); ``attempt``: what to hand Numba when ``f`` is a stand-in (a weak
        trampoline for a bound method or a callable object), to learn why it cannot compile."""
        self.f = f
        self.engine = engine  # "jit" or "python"
        self.reason = ""
        self.compiled = None
        self.kernels: dict = {}
        self.python_kernels: dict = {}
        self.failures: dict = {}
        self.warned = False  # the Python engine was announced (for a shared objective)
        self.extra: dict = {}  # other modules' per-objective caches (e.g. optimizer drivers)
        self.parallel_sizes: dict = {}  # n -> serial seconds or None (see differentiate.py)
        self.probes: dict = {}  # (n, len(args)) -> automatic steps (see fastgrad._probe)
        # A scalar function f(t) is seen by the kernels as f(x[0]) of a 1-vector x. The
        # Python engine runs a Numba function's own Python source.
        python_f = f.py_func if is_dispatcher(f) else f
        self.python_f = _vector_form(python_f) if scalar else python_f
        if engine == "jit":
            try:
                if attempt is not None:
                    numba.njit(attempt)  # raises: Numba compiles plain functions only
                    raise TypeError(f"Numba cannot compile a {type(attempt).__name__}")
                if isinstance(f, np.ufunc):  # np.exp and friends: Numba compiles a call to them
                    f = _ufunc_call(f)
                    self.python_f = _vector_form(f) if scalar else f
                compiled = _compiled_form(f)
                self.compiled = jit(_vector_form(compiled)) if scalar else compiled
            except Exception as exc:  # numba.njit rejects some callables outright
                self.engine, self.reason = "python", _reason(exc)
        if self.engine == "python":
            self.python_kernels = self.kernels
        self.fast = self.engine == "jit"

    @property
    def callable(self):
        """The function the kernels call: compiled, or the user's own on the Python engine."""
        return self.compiled if self.engine == "jit" else self.python_f

    @property
    def name(self) -> str:
        return getattr(self.f, "__name__", None) or repr(self.f)

    def kernel(self, name: str):
        """The kernel ``name`` for this objective's engine, built on first use."""
        kern = self.kernels.get(name)
        if kern is None:
            with _LOCK:
                kern = self.kernels.get(name)
                if kern is None:
                    kern = self._build(name, self.engine == "python")
                    self.kernels[name] = kern
        return kern

    def python_kernel(self, name: str):
        """The kernel ``name`` on the Python engine (the same source, run by the interpreter
        over :attr:`python_f`), built on first use."""
        kern = self.python_kernels.get(name)
        if kern is None:
            with _LOCK:
                kern = self.python_kernels.get(name)
                if kern is None:
                    kern = self._build(name, True)
                    self.python_kernels[name] = kern
        return kern

    def _build(self, name: str, python: bool):
        inner = self.python_kernel if python else self.kernel
        f = self.python_f if python else self.compiled
        if name in _BATCHED:
            batched = K.make_batched(inner(_BATCHED[name]))
            return batched if python else jit_parallel(batched)
        if name in _WRAPPERS:
            factory, inner_name, parallel = _WRAPPERS[name]
            source = factory(inner(inner_name), f)
            if python:
                return source
            return jit_parallel(source) if parallel else jit(source)
        source = _FACTORIES[name](f)
        return source if python else jit(source)

    def failed(self, name, args: tuple) -> str | None:
        """Why kernel ``name`` cannot be compiled for the types of ``args`` (None if it can,
        or if that is not known to fail). Free while nothing has failed."""
        if not self.failures:
            return None
        key = type_key(args)
        return self.failures.get((OBJECTIVE, key)) or self.failures.get((name, key))

    def run(self, name: str, *arguments, strict: bool = False):
        """Run kernel ``name`` (its last argument is ``args``). Where Numba cannot compile it
        for these argument types, run it on the Python engine after a warning (once per
        kernel and types); with ``strict=True`` (``jit=True`` from the user) raise instead.
        An exception of ``f`` itself reaches the caller unchanged."""
        if self.engine == "python":
            if strict:
                raise not_compilable(self.reason)
            return self.kernel(name)(*arguments)
        if not self.fast:
            reason = self.failed(name, arguments[-1])
            if reason is not None:
                if strict:
                    raise not_compilable(reason)
                return self.python_kernel(name)(*arguments)
        kern = self.kernels.get(name) or self.kernel(name)
        try:
            if name in PARALLEL_KERNELS:
                return launch_parallel(kern, arguments)
            return kern(*arguments)
        except Exception as exc:
            if not is_compile_error(exc):
                raise
            self.recover(exc, strict, name, arguments[-1])
        return self.python_kernel(name)(*arguments)

    def call(self, x, args: tuple, strict: bool = False):
        """``f(x, *args)`` itself, compiled where it compiles for these types."""
        if self.engine == "jit":
            if self.failed(OBJECTIVE, args) is None:
                try:
                    return self.compiled(x, *args)
                except Exception as exc:
                    if not is_compile_error(exc):
                        raise
                    self.recover(exc, strict, OBJECTIVE, args)
            elif strict:
                raise not_compilable(self.failed(OBJECTIVE, args))
        elif strict:
            raise not_compilable(self.reason)
        return self.python_f(x, *args)

    def recover(self, exc: BaseException, strict: bool, scope, args: tuple,
                stacklevel: int = 5) -> None:
        """Handle Numba's refusal to compile kernel ``scope`` for the types of ``args``.

        A wrong return kind of ``f`` becomes a ``ValueError``. Otherwise the failure is
        remembered (Numba would try again, slowly, at every call), for the objective itself
        when ``f`` alone does not compile for these types, else for that kernel alone, and a
        warning says so; with ``strict`` a ``TypeError`` is raised instead.
        """
        text = _ANSI.sub("", str(exc))
        if RETURN_MARKER in text:
            message = text.split(RETURN_MARKER + ": ", 1)[1].splitlines()[0]
            raise ObjectiveReturnError(message) from None
        reason = _reason(exc)
        if strict:
            raise not_compilable(reason) from None
        if scope != OBJECTIVE and not self._compiles_for(args):
            scope = OBJECTIVE
        with _LOCK:
            key = (scope, type_key(args))
            if key in self.failures:
                return  # another thread met it first and warned
            self.failures[key] = reason
            self.fast = False
        warn_python_engine(self, reason, scope, stacklevel=stacklevel)

    def _compiles_for(self, args: tuple) -> bool:
        """Whether ``f(x, *args)`` compiles for a float64 ``x`` and these ``args`` (compiles
        it, which the kernels need anyway; nothing runs)."""
        try:
            argtypes = (numba.float64[::1],) + tuple(numba.typeof(a) for a in args)
            context = cpu_target.typing_context
            context.refresh()
            signature = context.resolve_function_type(
                context.resolve_value_type(self.compiled), argtypes, {})
        except Exception:  # noqa: BLE001 - any refusal
            return False
        return signature is not None


def _compiled_form(f):
    """The dispatcher the kernels call for a plain function or a user's dispatcher.

    A dispatcher is used as it is, except one that asks to be inlined
    (``inline="always"``): Numba cannot inline it into a call with ``*args``, so a
    non-inlining twin is compiled from its Python source with its other options.
    """
    if not is_dispatcher(f):
        return jit_objective(f)
    if f.targetoptions.get("inline", "never") == "never":
        return f
    options = {k: v for k, v in f.targetoptions.items() if k != "inline"}
    options["nopython"] = True
    return numba.jit(**options)(_detached_function(f.py_func))


class _FallbackDispatcher(CPUDispatcher):
    """A Numba dispatcher that runs a Python function instead for the argument types it
    cannot compile (the Python engine of the same source), after ``on_failure(exc, args)``
    (which warns or raises); those types are remembered, so Numba does not try again at
    every call. Compiled code can call it as any dispatcher."""

    def _compile_for_args(self, *args, **kws):
        # Numba's dispatcher calls this for argument types that have no compiled version
        # yet, and calls whatever it returns: a compiled entry point, or here the fallback
        # (with the arguments as the dispatcher passes them: ``*more`` packed in a tuple).
        key = type_key(args)
        if key in self.fastgrad_failed:
            return self.fastgrad_fallback
        try:
            return super()._compile_for_args(*args, **kws)
        except Exception as exc:
            if not is_compile_error(exc):
                raise
            self.fastgrad_on_failure(exc, args)
            self.fastgrad_failed.add(key)
            return self.fastgrad_fallback


def fallback_jit(source, fallback, on_failure) -> CPUDispatcher:
    """``source(x, *more)`` compiled with fastgrad's options (lazily), running
    ``fallback(x, *more)`` for the argument types Numba cannot compile it for, after
    ``on_failure(exc, (x, *more))`` (see :class:`_FallbackDispatcher`)."""
    dispatcher = _FallbackDispatcher(py_func=source, locals={},
                                     targetoptions={**JIT_OPTIONS, "nopython": True})
    dispatcher.fastgrad_failed = set()

    def unpacked(x, more):  # Numba hands ``*more`` over as one tuple
        return fallback(x, *more)

    dispatcher.fastgrad_fallback = unpacked
    dispatcher.fastgrad_on_failure = lambda exc, args: on_failure(exc, (args[0], *args[1]))
    return dispatcher


def not_compilable(reason: str) -> TypeError:
    """The error of ``jit=True`` for an objective Numba cannot compile."""
    return TypeError(f"jit=True but Numba cannot compile the objective f: {reason}")


def warn_python_engine(obj: Objective, reason: str | None = None, scope=OBJECTIVE,
                       stacklevel: int = 4) -> None:
    """Say that ``obj`` (or its kernel ``scope`` for some argument types) runs on the Python
    engine, and why."""
    if obj.engine == "python":
        what = ""
    else:
        what = (" for " + _WHAT.get(scope, "minimize" if isinstance(scope, tuple) else str(scope))
                + " with these argument types (other kernels and types stay compiled)")
    warnings.warn(
        f"fastgrad runs the objective {obj.name} on the Python engine (much slower){what} "
        f"because Numba cannot compile it: {reason or obj.reason}. Pass jit=False to choose "
        "the Python engine without this warning.",
        FastgradWarning,
        stacklevel=stacklevel,
    )


# ---------------------------------------------------------------------------------------------
# The cache: identity keys, weak anchors
# ---------------------------------------------------------------------------------------------

_REGISTRY: dict = {}
"""(identity of f, engine, scalar) -> Objective (see :func:`identity`)."""
PLANS: dict = {}
"""(id(f), method, jit) -> plan of :func:`fastgrad.gradient` (kept in this module so that one
function forgets everything about an objective)."""
_ANCHORS: dict = {}
"""identity -> a weak reference to f whose callback forgets it, or f itself when f cannot be
weakly referenced (it then stays until :func:`clear_cache`)."""
_OWNED: dict = {}
"""identity -> [(cache, key), ...]: the entries to drop when f dies."""


def identity(f):
    """The key of ``f``: ``id(f)``, or for a bound method (a new object at every attribute
    access) the ids of its instance and function."""
    if f.__class__ is types.MethodType:
        return ("method", id(f.__self__), id(f.__func__))
    return id(f)


def _forget(ident) -> None:
    """Drop every cache entry of a dead objective. Runs as a weak-reference callback, in
    whatever thread frees f: it takes no lock (single dict operations are atomic), and it
    runs before the memory of f, hence its id, can be reused."""
    _ANCHORS.pop(ident, None)
    for cache, key in _OWNED.pop(ident, ()):
        cache.pop(key, None)


def _anchor(f, ident) -> None:
    """Tie the lifetime of ``ident``'s entries to ``f`` (the instance of a bound method)."""
    if ident in _ANCHORS:
        return
    owner = f.__self__ if f.__class__ is types.MethodType else f
    try:
        _ANCHORS[ident] = weakref.ref(owner, lambda _ref, ident=ident: _forget(ident))
    except TypeError:  # cannot be weakly referenced (a builtin, a ufunc): kept for good
        _ANCHORS[ident] = f


def remember(f, cache: dict, key, value) -> None:
    """``cache[key] = value``, dropped when ``f`` dies (call with ``_LOCK`` held, ``key``
    built from :func:`identity`)."""
    ident = identity(f)
    _anchor(f, ident)
    cache[key] = value
    _OWNED.setdefault(ident, []).append((cache, key))


def _detached_function(f):
    """A copy of the plain function ``f`` sharing its code, globals, closure cells, defaults
    and attributes, but not ``f`` itself: compiled or run, it does what ``f`` does (Numba
    reads globals and closure variables when it compiles), and holding it does not keep
    ``f`` alive."""
    copy = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                              f.__closure__)
    copy.__kwdefaults__ = f.__kwdefaults__
    copy.__qualname__ = f.__qualname__
    copy.__module__ = f.__module__
    copy.__doc__ = f.__doc__
    copy.__dict__.update(f.__dict__)
    return copy


def _weak_call(f):
    """A stand-in for a callable that Numba cannot compile (a bound method, a callable
    object), calling it through a weak reference so that the cache does not keep it (and
    its data) alive; None if it cannot be weakly referenced."""
    if f.__class__ is types.MethodType:
        func = f.__func__
        try:
            owner = weakref.ref(f.__self__)
        except TypeError:
            return None

        def call(x, *args):
            return func(owner(), x, *args)
    else:
        try:
            ref = weakref.ref(f)
        except TypeError:
            return None

        def call(x, *args):
            return ref()(x, *args)

    call.__name__ = getattr(f, "__name__", type(f).__name__)
    call.__qualname__ = getattr(f, "__qualname__", call.__name__)
    try:
        call.__signature__ = inspect.signature(f)
    except (TypeError, ValueError):
        pass
    return call


def _held(f):
    """(what the Objective holds instead of ``f``, what to hand Numba to learn why it cannot
    compile a stand-in or None)."""
    if f.__class__ is types.FunctionType:
        return _detached_function(f), None
    if is_dispatcher(f) or isinstance(f, np.ufunc):
        return f, None
    stand_in = _weak_call(f)
    return (f, None) if stand_in is None else (stand_in, f)


SHARED_OBJECTIVES = 8
"""Objectives kept for fresh copies of one function (see :func:`_share_key`), most recently
used first: a loop that passes a new ``lambda`` with the same code and the same captured
values at every call compiles once, and fastgrad keeps at most this many such objectives
(with the values they captured, at most :data:`SHARED_ARRAY_BYTES` of arrays each) beyond
the lifetime of their functions."""

SHARED_ARRAY_BYTES = 1 << 20
"""A function whose captured arrays (globals its code names, closure cells, defaults) hold
more than this (1 MiB) is not shared: hashing them must stay much cheaper than a
compilation, and the shared cache must not keep large data alive."""

_SHARED: OrderedDict = OrderedDict()
_MISSING = object()
_IDENTITY_TYPES = (types.FunctionType, types.ModuleType, types.BuiltinFunctionType, type,
                   np.ufunc, CPUDispatcher)


class _NotShareable(Exception):
    pass


def _frozen(value, budget: list):
    """A key of ``value`` as Numba freezes it into compiled code (by value for numbers,
    strings and arrays, by identity for functions, modules and types); raises
    :class:`_NotShareable` for anything else, or when the arrays exceed ``budget[0]`` bytes."""
    if value is None or value is _MISSING or value.__class__ in (bool, int, str, bytes):
        return (value.__class__, value)
    if value.__class__ is float:
        return (float, value.hex())  # -0.0 and 0.0 differ, and NaN equals NaN
    if value.__class__ is complex:
        return (complex, value.real.hex(), value.imag.hex())
    if isinstance(value, np.generic):
        return (value.__class__, value.dtype.str, value.tobytes())
    if isinstance(value, np.ndarray):
        budget[0] -= value.nbytes
        if budget[0] < 0 or value.dtype.hasobject:
            raise _NotShareable
        digest = hashlib.blake2b(np.ascontiguousarray(value).tobytes(), digest_size=20)
        return (np.ndarray, value.dtype.str, value.shape, value.flags.writeable,
                value.flags.c_contiguous, value.flags.f_contiguous, digest.digest())
    if value.__class__ is tuple:
        return (tuple,) + tuple(_frozen(v, budget) for v in value)
    if isinstance(value, _IDENTITY_TYPES):
        return (_Same(value),)
    raise _NotShareable


class _Same:
    """Compares by identity (and keeps the object alive while a key holds it)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return isinstance(other, _Same) and other.value is self.value

    def __hash__(self):
        return id(self.value)


def _global_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _share_key(f, engine: str, scalar: bool):
    """What makes two plain functions compile to the same code: the same code object,
    globals dict and closure cells, and the same values (as Numba freezes them) of the
    globals their code names, of the cells and of the defaults. None when a value cannot be
    compared that way (then the function is never shared)."""
    glob = f.__globals__
    budget = [SHARED_ARRAY_BYTES]
    try:
        names = sorted(_global_names(f.__code__))
        frozen = (
            tuple(_frozen(glob.get(name, _MISSING), budget) for name in names),
            tuple(_frozen(_cell_contents(c), budget) for c in f.__closure__ or ()),
            _frozen(f.__defaults__, budget),
            _frozen(tuple(sorted((f.__kwdefaults__ or {}).items())), budget),
        )
    except _NotShareable:
        return None
    cells = tuple(_Same(c) for c in f.__closure__ or ())
    return (f.__code__, _Same(glob), cells, frozen, engine, scalar)


def _cell_contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _MISSING


def _new_objective(f, engine: str, scalar: bool) -> Objective:
    """A new Objective of ``f``, or the one of an earlier function of the same code and
    captured values (see :data:`SHARED_OBJECTIVES`). Called with ``_LOCK`` held."""
    share = None
    if f.__class__ is types.FunctionType:
        share = _share_key(f, engine, scalar)
        obj = None if share is None else _SHARED.get(share)
        if obj is not None:
            _SHARED.move_to_end(share)
            return obj
    held, attempt = _held(f)
    obj = Objective(held, engine, scalar, attempt)
    if share is not None:
        _SHARED[share] = obj
        while len(_SHARED) > SHARED_OBJECTIVES:
            _SHARED.popitem(last=False)
    return obj


def get(f, jit_mode, scalar: bool = False) -> Objective:
    """The cached :class:`Objective` of ``f`` (by identity).

    ``jit_mode``: None compiles when Numba can (else Python engine and a warning), True
    requires compilation, False chooses the Python engine. ``scalar`` marks ``f(t) -> float``
    of a scalar ``t`` (for :func:`fastgrad.derivative`).
    """
    if jit_mode is not None and jit_mode is not True and jit_mode is not False:
        raise TypeError(f"jit must be None, True or False, got {jit_mode!r}")
    engine = "python" if jit_mode is False else "jit"
    # id(f) first: a live entry under a bare id belongs to a live object, hence to f itself
    obj = _REGISTRY.get((id(f), engine, scalar))
    if obj is None:
        key = (identity(f), engine, scalar)
        with _LOCK:
            obj = _REGISTRY.get(key)
            if obj is None:
                obj = _new_objective(f, engine, scalar)
                if obj.engine == "python" and engine == "jit" and not obj.warned:
                    if jit_mode is True:
                        raise not_compilable(obj.reason)
                    warn_python_engine(obj)
                    obj.warned = True
                remember(f, _REGISTRY, key, obj)
    if jit_mode is True and obj.engine == "python":  # warned in an earlier call
        raise not_compilable(obj.reason)
    return obj


def clear_cache() -> None:
    """Drop every cached objective with its compiled kernels, ``gradient`` plans and
    ``minimize`` drivers: the next call with any objective builds (and compiles) it anew.

    Cached objectives are already freed with their function (fastgrad keeps only a weak
    reference to it); this also drops those that cannot be freed that way (a Numba function,
    a builtin or any callable that cannot be weakly referenced) and lets a changed global
    variable be compiled in (Numba freezes globals when it compiles). Numba keeps the
    machine code it compiled for the life of the process.
    """
    with _LOCK:
        _REGISTRY.clear()
        _SHARED.clear()
        PLANS.clear()
        _ANCHORS.clear()
        _OWNED.clear()
