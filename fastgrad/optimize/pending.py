"""A result whose message is written when it is first read.

A Python loop of many small fits (minimize's lean path, :mod:`fastgrad.optimize.plans`)
reads ``x`` or ``fun`` of each result and seldom its message, and writing the message of the
common end, ``"converged after 12 iterations: ||g||_inf = 3.2e-07 <= gtol = 1e-06"``, costs
about 2 µs inside such a loop: some 6 % of a 3-parameter fit of 30 µs. So a single start that
converged (status 0) returns a :class:`PendingResult`: an
:class:`~fastgrad.optimize.result.OptimizeResult` whose ``"message"`` holds a
:class:`PendingMessage`, the numbers the message quotes, taken when the run ended (the
gradient's components copied: changing ``res.jac`` in place cannot change the message).

Every way to read the dict's values (``res.message``, ``res["message"]``, ``get``,
``values``, ``items``, iteration, ``dict(res)``, ``{**res}``, ``copy``, ``==``, ``repr``,
``|``, ``pop``, pickling and :mod:`copy`) first *settles* the result: it writes the
message, a str equal to the one written at once, into the dict and turns the object into a
plain :class:`~fastgrad.optimize.result.OptimizeResult`, so that from then on it is one in
every respect. Its keys, their order, ``len`` and ``in`` are those of any result from the
start. Code that reads a dict's storage directly, bypassing its methods (``dict.get(res,
"message")``, C code calling ``PyDict_GetItem``), sees the :class:`PendingMessage`, whose
``str`` is the message.
"""

from __future__ import annotations

from .result import OptimizeResult, bounded_message, converged_message_of_norm

_get = dict.__getitem__

SHORT = 32
"""The longest vector whose components a :class:`PendingMessage` keeps (of a longer one it
keeps the norm)."""


class PendingMessage(tuple):
    """``(nit, norm, gtol, bounded, projected)`` of a converged run: its iterations, the
    max norm of the vector the message quotes (or, for a vector of at most :data:`SHORT`
    components, the components themselves, a list of floats: cheaper to make), gtol,
    whether the run was within bounds (that vector is then the projected gradient) and
    minimize projected x0 into them. A tuple, so that making one costs no Python
    ``__init__``; ``str`` gives the message."""

    __slots__ = ()

    def text(self) -> str:
        nit, norm, gtol, bounded, projected = self
        if type(norm) is list:
            norm = max(map(abs, norm))
        message = converged_message_of_norm(nit, norm, gtol)
        return bounded_message(message, projected) if bounded else message

    __str__ = text

    def __repr__(self) -> str:
        return repr(self.text())


def _settling(name: str):
    """The dict method ``name`` of a pending result: settle, then the method of the plain
    result it has become."""

    def method(self, *args, **kwargs):
        settle(self)
        return getattr(self, name)(*args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


class PendingResult(OptimizeResult):
    """An :class:`~fastgrad.optimize.result.OptimizeResult` whose message is written when
    it is first read (see the module's docstring); then it is a plain one."""

    __slots__ = ()  # (its fields but the message read the stored values: result._field)

    @property
    def message(self):
        settle(self)
        return self.message

    def __eq__(self, other):
        settle(self)
        if type(other) is PendingResult:
            settle(other)
        return dict.__eq__(self, other)

    def __ne__(self, other):
        settle(self)
        if type(other) is PendingResult:
            settle(other)
        return dict.__ne__(self, other)

    __hash__ = None  # (as a dict's)

    for _name in ("__getitem__", "get", "pop", "popitem", "setdefault", "values", "items",
                  "copy", "__iter__", "__repr__", "__reduce__", "__reduce_ex__", "__or__",
                  "__ror__", "__getattr__"):
        locals()[_name] = _settling(_name)
    del _name


def settle(res: PendingResult) -> None:
    """Write the message of the pending result ``res`` into it (unless something else was
    stored under ``"message"`` meanwhile) and make it a plain result."""
    try:
        pending = _get(res, "message")
    except KeyError:  # deleted by the caller
        pending = None
    if type(pending) is PendingMessage:
        dict.__setitem__(res, "message", pending.text())
    object.__setattr__(res, "__class__", OptimizeResult)  # (its __setattr__ sets keys)
