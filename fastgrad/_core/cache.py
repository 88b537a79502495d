"""The cache of objectives: one :class:`~fastgrad._core.objective.Objective` per ``f``, by
identity, freed with ``f``.

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

import inspect
import types
import warnings
import weakref
from collections import OrderedDict

import numpy as np

from .jit import is_dispatcher
from .objective import (
    _LOCK, FastgradWarning, Objective, _detached_function, _user_level, not_compilable,
    warn_python_engine,
)
from .watch import (  # noqa: F401 (stale and refuse_stale: used as cache.stale elsewhere)
    MODULE_DEPTH, _MISSING, _NotShareable, _Same, _cell_contents, _frozen, _holds_array,
    _watch_list, changed_globals, refuse_stale, stale,
)


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
def _global_names(code) -> set:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _share_key(f, engine: str, scalar: bool):
    """What makes two plain functions compile to the same code: the same code object,
    globals dict and closure cells, and the same values (as Numba freezes them) of the
    globals their code names (and of a module global's attributes that their code names),
    of the cells and of the defaults. None when a value cannot be compared that way (then
    the function is never shared)."""
    glob = f.__globals__
    budget = [SHARED_ARRAY_BYTES]
    try:
        names = sorted(_global_names(f.__code__))
        frozen = (
            tuple(_frozen_global(glob.get(name, _MISSING), names, budget) for name in names),
            tuple(_frozen(_cell_contents(c), budget) for c in f.__closure__ or ()),
            _frozen(f.__defaults__, budget),
            _frozen(tuple(sorted((f.__kwdefaults__ or {}).items())), budget),
        )
    except _NotShareable:
        return None
    cells = tuple(_Same(c) for c in f.__closure__ or ())
    # an array among the defaults is watched on the function that compiled (_watch_list):
    # a fresh copy whose own array is changed in place later must not share its code
    mutable = tuple(_Same(v) for v in (f.__defaults__ or ()) + tuple(
        (f.__kwdefaults__ or {}).values()) if isinstance(v, np.ndarray) or _holds_array(v))
    return (f.__code__, _Same(glob), cells, mutable, frozen, engine, scalar)


def _frozen_global(value, names: list, budget: list, depth: int = 0):
    """:func:`_frozen` of a global the code names; for a module, also of those of its
    attributes that the code names (``co_names`` holds attribute names too): Numba freezes
    ``cfg.scale`` into the compiled code as the value it has when f compiles, so two fresh
    functions reading ``cfg.scale`` compile alike only while it is the same value. Read from
    the module's ``__dict__`` (a lazily loaded attribute is not loaded here)."""
    if depth == 0:
        key = _frozen(value, budget)
    else:  # a module's attribute: by value as _frozen does, else by identity (a numpy
        try:  # function is an _ArrayFunctionDispatcher, which Numba resolves by identity)
            key = _frozen(value, budget)
        except _NotShareable:
            if budget[0] < 0:
                raise
            key = (_Same(value),)
    if value.__class__ is types.ModuleType and depth < MODULE_DEPTH:
        space = value.__dict__
        key += tuple((name, _frozen_global(space[name], names, budget, depth + 1))
                     for name in names if name in space)
    return key


def _renew(f, obj: Objective) -> None:
    """Forget ``f``'s stale objective (:func:`stale`), after a warning naming the globals
    that changed: the next lookup compiles ``f`` again with their new values."""
    names = changed_globals(obj)
    with _LOCK:
        _forget(identity(f))
        for key in [k for k, v in _SHARED.items() if v is obj]:
            del _SHARED[key]
    if names:
        warnings.warn(
            f"the objective {getattr(f, '__name__', f)!s} reads the global or captured "
            f"value(s) {', '.join(names)}, whose value changed since Numba compiled it (Numba "
            "freezes globals, closure variables and default arguments into compiled code): "
            "it is compiled again with the new values. Pass data that changes through args= "
            "(no recompilation), or jit=False",
            FastgradWarning, stacklevel=_user_level())


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
    if obj.engine == "jit" and f.__class__ is types.FunctionType:
        obj.watch = _watch_list(held)  # the copy: a watch must not keep f alive
    if share is not None:
        _SHARED[share] = obj
        while len(_SHARED) > SHARED_OBJECTIVES:
            _SHARED.popitem(last=False)
    return obj


def peek(f, jit_mode):
    """The cached :class:`Objective` of ``f`` for ``jit_mode`` (None or True: the compiled
    engine; False: Python), or None when there is none yet (nothing is created, checked or
    announced: :func:`get` does that)."""
    if jit_mode is not None and jit_mode is not True and jit_mode is not False:
        return None
    obj = _REGISTRY.get((id(f), "python" if jit_mode is False else "jit", False))
    if obj is not None and obj.watch and stale(obj):
        return None  # get() compiles it again
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
    if obj is not None and obj.watch and stale(obj):
        _renew(f, obj)
        obj = None
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
