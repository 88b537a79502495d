"""The watch of what Numba freezes into a compiled objective: the globals its code names,
the values its closure captured and its default arguments (:func:`_watch_list`), compared
at every call with what they are now (:func:`changed_globals`, :func:`stale`), and the keys
of values as Numba freezes them (:func:`_frozen`, also the keys by which
:mod:`fastgrad._core.cache` shares compiled code between fresh copies of a function)."""

from __future__ import annotations

import dis
import hashlib
import types

import numpy as np
from numba.core.registry import CPUDispatcher

from .objective import Objective


MODULE_DEPTH = 3
"""How deep the watch (and :func:`fastgrad._core.cache._frozen_global`) follows modules into
modules (``cfg.sub.scale``)."""

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
    if isinstance(value, tuple):  # a named tuple by its class as well
        head = tuple if value.__class__ is tuple else _Same(value.__class__)
        return (head,) + tuple(_frozen(v, budget) for v in value)
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


def _cell_contents(cell):
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return _MISSING


WATCH_IDENTITY, WATCH_VALUE, WATCH_ARRAY, WATCH_CONTENTS = 0, 1, 2, 3
"""How an entry of an objective's watch list (:func:`_watch_list`) is compared:
WATCH_CONTENTS is a tuple holding arrays, compared by value even when it is the same
object (its arrays may have changed in place)."""


def _watch_list(f) -> tuple:
    """The globals and captured values Numba freezes into the compiled ``f`` as the values
    they have when it compiles: the globals its code names (and the attributes of a module
    global that its code names, as :func:`fastgrad._core.cache._frozen_global` follows
    them), the values of its closure cells and its default arguments (:class:`_Captured`),
    each as ``(namespace, name, value, how, key)``: numbers, strings and tuples by value,
    arrays by their bytes (a change in place counts), functions by identity. :func:`stale`
    compares them with the values the names have now: Python would read the new values, and
    the compiled ``f`` would not. Give it the Objective's own copy of f (a watch that held f
    would keep it alive)."""
    entries: list = []
    loaded, attributes = _loaded_names(f.__code__)
    attributes = sorted(attributes)
    for name in sorted(loaded):
        _watch(f.__globals__, name, attributes, entries, 0)
    captured = _Captured(f)
    for name in captured.names():
        _watch(captured, name, attributes, entries, 0)
    return tuple(entries)


class _Captured:
    """What a function holds besides its globals, read as a namespace (``get`` as a dict's):
    the value each closure cell holds now (by the name of its free variable, ``nonlocal``
    rebinding included), and each default argument (by its parameter's name)."""

    __slots__ = ("f",)

    def __init__(self, f):
        self.f = f

    def names(self) -> list:
        f, code = self.f, self.f.__code__
        defaulted = code.co_varnames[code.co_argcount - len(f.__defaults__ or ()):code.co_argcount]
        return list(code.co_freevars) + list(defaulted) + sorted(f.__kwdefaults__ or {})

    def get(self, name: str, default):
        f, code = self.f, self.f.__code__
        if name in code.co_freevars:
            value = _cell_contents(f.__closure__[code.co_freevars.index(name)])
            return default if value is _MISSING else value
        if name in (f.__kwdefaults__ or {}):
            return f.__kwdefaults__[name]
        defaults = f.__defaults__ or ()  # (positional parameters come first in co_varnames)
        index = code.co_varnames.index(name) - (code.co_argcount - len(defaults))
        return defaults[index] if 0 <= index < len(defaults) else default


def _loaded_names(code) -> tuple:
    """``(globals, attributes)``: the names ``code`` (and the code nested in it) loads as
    globals, and those it looks up as attributes (``co_names`` mixes both: a global ``T``
    is not read by ``x.T``)."""
    loaded, attributes = set(), set()
    for instruction in dis.get_instructions(code):
        if instruction.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            loaded.add(instruction.argval)
        elif instruction.opname in ("LOAD_ATTR", "LOAD_METHOD"):
            attributes.add(instruction.argval)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            inner_loaded, inner_attributes = _loaded_names(const)
            loaded |= inner_loaded
            attributes |= inner_attributes
    return loaded, attributes


def _watch(space: dict, name: str, names: list, entries: list, depth: int) -> None:
    value = space.get(name, _MISSING)
    if value is _MISSING:
        return
    if value.__class__ is types.ModuleType:
        if depth < MODULE_DEPTH:
            inner = value.__dict__
            for attribute in names:
                if attribute in inner:
                    _watch(inner, attribute, names, entries, depth + 1)
        return
    if isinstance(value, np.ndarray):
        if not value.dtype.hasobject:
            entries.append((space, name, value, WATCH_ARRAY,
                            (value.dtype.str, value.shape, value.tobytes())))
    elif isinstance(value, (bool, int, float, complex, str, bytes, np.generic, tuple)):
        how = WATCH_CONTENTS if _holds_array(value) else WATCH_VALUE
        try:
            entries.append((space, name, value, how, _frozen(value, [np.inf])))
        except _NotShareable:  # a tuple of what has no value key: rebinding, at least
            entries.append((space, name, value, WATCH_IDENTITY, None))
    elif isinstance(value, (types.FunctionType, CPUDispatcher)):
        entries.append((space, name, value, WATCH_IDENTITY, None))


def _holds_array(value) -> bool:
    """Whether ``value``, a tuple (or not), holds an array, at any depth."""
    return isinstance(value, tuple) and any(
        isinstance(v, np.ndarray) or _holds_array(v) for v in value)


def changed_globals(obj: Objective) -> list:
    """The names of the globals of ``obj``'s watch list (:func:`_watch_list`) whose value
    is no longer the one Numba froze when it compiled ``f`` (empty while none changed)."""
    changed = []
    for space, name, value, how, key in obj.watch:
        now = space.get(name, _MISSING)
        if how == WATCH_ARRAY:
            same = (isinstance(now, np.ndarray) and now.dtype.str == key[0]
                    and now.shape == key[1] and now.tobytes() == key[2])
        elif now is value and how != WATCH_CONTENTS:
            same = True
        elif how == WATCH_VALUE or how == WATCH_CONTENTS:
            try:
                same = _frozen(now, [np.inf]) == key
            except _NotShareable:
                same = False
        else:
            same = False
        if not same:
            changed.append(name)
    return changed


def stale(obj: Objective) -> bool:
    """True if a global that Numba froze into the compiled objective ``obj`` has changed
    since (:func:`changed_globals`): its kernels would compute with the old value. (An
    objective Numba could not compile runs on the Python engine, which reads globals
    anew.) The test compares arrays by their bytes: about 0.1 ms a call per MB of the
    global arrays f reads (data passed through ``args=`` costs nothing)."""
    return bool(obj.watch) and obj.engine == "jit" and bool(changed_globals(obj))


def refuse_stale(obj: Objective, maker: str) -> None:
    """Raise ``ValueError`` if ``obj`` is :func:`stale`: a compiled function that ``maker``
    built (``compile_minimizer``'s ``solve``, ``grad(f)``) holds the globals of f as they
    were then, and cannot be compiled again in place."""
    names = changed_globals(obj) if obj.watch and obj.engine == "jit" else []
    if names:
        raise ValueError(
            f"{maker} compiled the objective with the global or captured value(s) "
            f"{', '.join(names)} as they were then, and they have changed since (Numba "
            "freezes globals, closure variables and default arguments into compiled code): "
            f"call {maker} again, or pass data that changes as arguments")
