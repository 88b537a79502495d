"""Checks on what an objective returns, usable from Python and from compiled code.

``as_scalar``, ``as_real`` and ``as_vector`` are plain Python functions for the Python engine,
and have Numba overloads for compiled kernels. A compiled objective that returns the wrong kind
of value is rejected while the kernel is typed, with :data:`RETURN_MARKER` in the message so the
public layer can report it as a ``ValueError`` instead of treating it as a function Numba
cannot compile.
"""

from __future__ import annotations

import numpy as np
from numba.core import errors, types
from numba.extending import overload

RETURN_MARKER = "fastgrad: objective return"


class ObjectiveReturnError(ValueError):
    """The objective returned a value of the wrong kind or shape."""


def _describe(value) -> str:
    arr = np.asarray(value)
    if arr.dtype == object:
        return f"a {type(value).__name__} ({value!r:.60})"
    return f"an array of shape {arr.shape} and dtype {arr.dtype}"


def as_scalar(value):
    """Return ``value`` as a Python/numpy scalar, or raise if it is not one."""
    if isinstance(value, (float, int, complex, np.number)) and not isinstance(value, bool):
        return value
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "fiuc":
        return arr[()]
    raise ObjectiveReturnError(
        f"the objective f must return a scalar (a float); it returned {_describe(value)}"
    )


def as_real(value):
    """Return ``value`` as a float, or raise if it is not a real scalar (a complex or boolean
    value included): what an objective must return at a real point."""
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    ):
        return float(value)
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "fiu":
        return float(arr)
    what = f"a complex number ({value!r:.60})" if arr.dtype.kind == "c" else _describe(value)
    raise ObjectiveReturnError(
        f"the objective f must return a real scalar (a float); it returned {what}"
    )


def as_real_vector(value, size):
    """:func:`as_vector` for a point x of real numbers: a complex result is refused (a real
    scheme would drop its imaginary part)."""
    arr = as_vector(value, size)
    if arr.dtype.kind == "c":
        raise ObjectiveReturnError(
            "the objective f must return real values at a real x; it returned an array of "
            f"dtype {arr.dtype}"
        )
    return arr


def as_vector(value, size):
    """Return ``value`` as a 1-D array of length ``size`` (a scalar counts as length 1)."""
    arr = np.asarray(value)
    if arr.ndim == 0 and arr.dtype.kind in "fiuc":
        arr = arr.reshape(1)
    if arr.ndim != 1 or arr.dtype.kind not in "fiuc":
        raise ObjectiveReturnError(
            f"the objective f must return a 1-D array of floats; it returned {_describe(value)}"
        )
    if size >= 0 and arr.shape[0] != size:
        raise ObjectiveReturnError(
            f"the objective f must return arrays of one length; it returned length "
            f"{arr.shape[0]} after length {size}"
        )
    return arr


def copy_values(value, out):
    """Copy what the objective returned at a real point (a real scalar, or a 1-D array of
    ``out``'s length) into ``out``, without allocating in compiled code."""
    arr = as_vector(value, out.shape[0])
    if arr.dtype.kind == "c":
        raise ObjectiveReturnError(
            f"the objective f must return real values at a real point; it returned "
            f"{_describe(value)}"
        )
    out[:] = arr


@overload(as_scalar)
def _as_scalar_jit(value):
    if isinstance(value, (types.Float, types.Integer, types.Boolean)):
        return lambda value: float(value)
    if isinstance(value, types.Complex):
        return lambda value: value
    if isinstance(value, types.Array) and value.ndim == 0:
        return lambda value: value[()]
    raise errors.TypingError(
        f"{RETURN_MARKER}: the objective f must return a scalar (a float); "
        f"its compiled version returns {value}"
    )


@overload(as_real)
def _as_real_jit(value):
    if isinstance(value, (types.Float, types.Integer)) and not isinstance(value, types.Boolean):
        return lambda value: float(value)
    if (isinstance(value, types.Array) and value.ndim == 0
            and isinstance(value.dtype, (types.Float, types.Integer))):
        return lambda value: float(value[()])
    raise errors.TypingError(
        f"{RETURN_MARKER}: the objective f must return a real scalar (a float); "
        f"its compiled version returns {value}"
    )


@overload(as_vector)
def _as_vector_jit(value, size):
    if isinstance(value, types.Array) and value.ndim == 1:

        def impl(value, size):
            if size >= 0 and value.shape[0] != size:
                raise ValueError("the objective f must return arrays of one length")
            return value

        return impl
    if isinstance(value, types.Array) and value.ndim == 0:
        return lambda value, size: np.full(1, value[()])
    if isinstance(value, (types.Float, types.Integer)):
        return lambda value, size: np.full(1, float(value))
    if isinstance(value, types.Complex):
        return lambda value, size: np.full(1, value)
    raise errors.TypingError(
        f"{RETURN_MARKER}: the objective f must return a 1-D array of floats; "
        f"its compiled version returns {value}"
    )


@overload(as_real_vector)
def _as_real_vector_jit(value, size):
    if isinstance(value, types.Array) and value.ndim == 1 and isinstance(
        value.dtype, (types.Float, types.Integer)
    ):

        def impl(value, size):
            if size >= 0 and value.shape[0] != size:
                raise ValueError("the objective f must return arrays of one length")
            return value

        return impl
    if isinstance(value, (types.Float, types.Integer)) and not isinstance(value, types.Boolean):
        return lambda value, size: np.full(1, float(value))
    if (isinstance(value, types.Array) and value.ndim == 0
            and isinstance(value.dtype, (types.Float, types.Integer))):
        return lambda value, size: np.full(1, float(value[()]))
    if isinstance(getattr(value, "dtype", value), types.Complex):
        raise errors.TypingError(
            f"{RETURN_MARKER}: the objective f must return real values at a real x; its "
            f"compiled version returns {value}"
        )
    raise errors.TypingError(
        f"{RETURN_MARKER}: the objective f must return a 1-D array of floats; "
        f"its compiled version returns {value}"
    )


@overload(copy_values)
def _copy_values_jit(value, out):
    if isinstance(value, types.Array) and value.ndim == 1 and not isinstance(
            value.dtype, types.Complex):

        def impl(value, out):
            if value.shape[0] != out.shape[0]:
                raise ValueError("the objective f must return arrays of one length")
            for k in range(out.shape[0]):
                out[k] = value[k]

        return impl
    if isinstance(value, types.Array) and value.ndim == 0 and not isinstance(
            value.dtype, types.Complex):

        def impl(value, out):
            out[0] = value[()]

        return impl
    if isinstance(value, (types.Float, types.Integer)):

        def impl(value, out):
            out[0] = value

        return impl
    raise errors.TypingError(
        f"{RETURN_MARKER}: the objective f must return real values at a real point; "
        f"its compiled version returns {value}"
    )
