"""Objectives and the kernels specialised for them (their cache: :mod:`fastgrad._core.cache`).

An :class:`Objective` wraps the user's ``f`` once: a Numba dispatcher is used as it is, a plain
Python function is compiled lazily, and anything Numba cannot compile runs on the Python engine
(the same kernel source, executed by the interpreter) after a :class:`FastgradWarning` that
names the reason. Kernels are built on first use and kept on the Objective, which is cached per
``f`` *by identity*: a second call with the same objective compiles nothing, and two callables
that merely compare equal never share one.

A kernel that Numba cannot compile for some argument types (a complex step through
``math.exp``, an ``args`` entry Numba cannot type) runs on the Python engine for those types
only; the other kernels and argument types stay compiled (:meth:`Objective.run`).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import types
import warnings

import numba
import numpy as np
from numba.core.errors import NumbaError, UnsupportedBytecodeError
from numba.core.registry import CPUDispatcher, cpu_target

from .jit import (
    JIT_OPTIONS, is_dispatcher, jit, jit_inline, jit_objective, jit_parallel, launch_parallel,
)
from .scalar import RETURN_MARKER, ObjectiveReturnError


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
KERNELS: dict = {}
"""Kernel name -> its entry of the kernel table (:mod:`fastgrad.diff.registry`, which fills
this dict when it is imported): the objective builds (``factory``, ``inner``), compiles
(``parallel``) and names (``what``) kernels by reading it, without importing the layer that
defines them."""

OBJECTIVE = "objective"
"""Failure scope of the objective itself: every kernel fails for such argument types."""

_SCOPES = {OBJECTIVE: "every kernel", "grad": "grad()",
           "compile_minimizer": "compile_minimizer()",
           "compile_least_squares": "compile_least_squares()"}
"""Names in messages of the failure scopes that are not kernels."""

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
        "failures", "fast", "drivers", "arities", "slow_calls", "parallel_sizes", "warned",
        "probes", "plans", "recent", "shared_writes", "watch", "__weakref__",
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
        # State of the layers above, each field written under the objectives' lock:
        self.drivers: dict = {}  # (gradient kernel, jac Objective, engine) -> minimize's Driver
        self.arities: set = set()  # len(args) for which f(x, *args) was checked callable
        self.slow_calls: dict = {}  # n -> (slow serial gradients in a row, fastest seconds)
        self.parallel_sizes: dict = {}  # n -> serial seconds or None (see fastgrad.diff.api)
        self.probes: dict = {}  # probe_key(n, args) -> automatic steps (fastgrad.diff.probe)
        self.plans: dict = {}  # minimize's checked calls (see fastgrad.optimize.plans)
        self.recent = None  # the plan minimize used last, by its options (plans.recall)
        self.shared_writes = ""  # "args[i]" once f was seen writing into that array
        self.watch = ()  # the globals Numba froze into the compiled f (fastgrad._core.cache)
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

    def inline_kernel(self, name: str, deep: bool = False):
        """The compiled kernel ``name`` for Numba to inline into each compiled caller (the
        loop of ``minimize`` calls its gradient kernel once per iteration: inlined, the
        reference counting of its array arguments, which cost as much as gradient descent's
        whole update, goes). Its inner kernel is :meth:`kernel`'s, called; with ``deep``,
        inlined as well, for a small caller that calls it at every step (the fixed-step
        methods' steps, :mod:`fastgrad.optimize.fixed_steps`, where the compiler does not
        always inline it: the call cost 2 ns a step of the seeds' gd, 20.1 against 18.1 ns).
        Each caller of a deep kernel compiles the inner one again, so few should. A parallel
        kernel is :meth:`kernel` itself."""
        spec = KERNELS[name]
        if spec.parallel or self.engine == "python":
            return self.kernel(name)
        deep = deep and spec.inner is not None
        key = ("inline", name, deep)
        kern = self.kernels.get(key)
        if kern is None:
            with _LOCK:
                kern = self.kernels.get(key)
                if kern is None:
                    if deep:
                        below = KERNELS[spec.inner]
                        inner = jit_inline(below.factory(
                            None if below.inner is None else self.kernel(below.inner),
                            self.compiled))
                    else:
                        inner = self.kernel(spec.inner) if spec.inner is not None else None
                    kern = jit_inline(spec.factory(inner, self.compiled))
                    self.kernels[key] = kern
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
        """Kernel ``name`` as its entry of :data:`KERNELS` composes it: its factory over its
        inner kernel (built first, for the same engine) and the objective."""
        spec = KERNELS[name]
        inner = None
        if spec.inner is not None:
            inner = self.python_kernel(spec.inner) if python else self.kernel(spec.inner)
        source = spec.factory(inner, self.python_f if python else self.compiled)
        if python:
            return source
        return jit_parallel(source) if spec.parallel else jit(source)

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
            if KERNELS[name].parallel:
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
            if scope == OBJECTIVE:  # f runs on the Python engine, which reads its globals
                self.watch = ()  # anew (fastgrad._core.cache.stale): nothing to recompile
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


_dispatch = CPUDispatcher.__call__
"""Numba's call of a dispatcher from Python (looked up once: ``super()`` costs a lookup per
call)."""


class _CheckedDispatcher(_FallbackDispatcher):
    """A :class:`_FallbackDispatcher` that runs ``fastgrad_before(x, more)`` before every call
    from Python (a cached check that may raise: about a microsecond). Calls from compiled
    code do not pass through ``__call__`` and are not checked."""

    def __call__(self, *args, **kws):
        if args:
            self.fastgrad_before(args[0], args[1:])
        return _dispatch(self, *args, **kws)


def fallback_jit(source, fallback, on_failure, before=None) -> CPUDispatcher:
    """``source(x, *more)`` compiled with fastgrad's options (lazily), running
    ``fallback(x, *more)`` for the argument types Numba cannot compile it for, after
    ``on_failure(exc, (x, *more))`` (see :class:`_FallbackDispatcher`). ``before(x, more)``,
    if given, runs before every call from Python (:class:`_CheckedDispatcher`)."""
    kind = _FallbackDispatcher if before is None else _CheckedDispatcher
    dispatcher = kind(py_func=source, locals={},
                      targetoptions={**JIT_OPTIONS, "nopython": True})
    dispatcher.fastgrad_failed = set()
    dispatcher.fastgrad_before = before

    def unpacked(x, more):  # Numba hands ``*more`` over as one tuple
        return fallback(x, *more)

    dispatcher.fastgrad_fallback = unpacked
    dispatcher.fastgrad_on_failure = lambda exc, args: on_failure(exc, (args[0], *args[1]))
    return dispatcher


def threads_may_share(obj: Objective) -> bool:
    """Whether threads may run ``obj`` at the same time: not once f was seen writing into an
    array of its ``args`` (``obj.shared_writes``, set by the first-call check of
    :mod:`fastgrad.diff.probe`), such as a scratch buffer, which threads running f at once
    would overwrite under each other (measured: a batch of 256 gradients off by up to 6e6).
    Then the caller runs one row after another, after a :class:`FastgradWarning`. (The
    Python engine runs rows one after another anyway: True.)"""
    if not obj.shared_writes or obj.engine == "python":
        return True
    warnings.warn(
        f"the objective {obj.name} writes into its argument {obj.shared_writes}, which "
        "threads running f at once would share: this batch runs on one thread. Allocate "
        "scratch arrays inside f (or pass a read-only array) to run it in parallel.",
        FastgradWarning, stacklevel=_user_level())
    return False


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _user_level() -> int:
    """The ``stacklevel`` of a warning raised by the caller that points at the user's call:
    the first frame outside the fastgrad package (call paths differ in depth)."""
    frame, level = sys._getframe(2), 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    return level


def not_compilable(reason: str) -> TypeError:
    """The error of ``jit=True`` for an objective Numba cannot compile."""
    return TypeError(f"jit=True but Numba cannot compile the objective f: {reason}")


def warn_python_engine(obj: Objective, reason: str | None = None, scope=OBJECTIVE,
                       stacklevel: int | None = 4) -> None:
    """Say that ``obj`` (or its kernel ``scope`` for some argument types) runs on the Python
    engine, and why (``stacklevel=None``: at the first caller outside fastgrad)."""
    if stacklevel is None:
        frame, stacklevel = sys._getframe(0), 1
        while frame is not None and frame.f_globals.get("__name__", "").startswith("fastgrad"):
            frame, stacklevel = frame.f_back, stacklevel + 1
    if obj.engine == "python":
        what = ""
    else:
        spec = KERNELS.get(scope) if isinstance(scope, str) else None
        noun = spec.what if spec is not None else _SCOPES.get(
            scope, "minimize" if isinstance(scope, tuple) else str(scope))
        what = (" for " + noun
                + " with these argument types (other kernels and types stay compiled)")
    warnings.warn(
        f"fastgrad runs the objective {obj.name} on the Python engine (much slower){what} "
        f"because Numba cannot compile it: {reason or obj.reason}. Pass jit=False to choose "
        "the Python engine without this warning.",
        FastgradWarning,
        stacklevel=stacklevel,
    )


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
