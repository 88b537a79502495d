"""Input normalization and every user-facing message about bad input.

Each check names the argument, states the rule and shows the value it got.
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

from .boxcheck import BOUNDED, HAS_NAN, INVERTED, box_flags
from .schemes import SCHEME_ALIASES, SCHEME_CODES

_F64 = np.dtype(np.float64)
# The automatic-step marker. Writable like every other steps array (it has no element to
# protect): Numba types a read-only array differently, and one steps type means one compiled
# signature per kernel, whether the step is automatic or given.
_EMPTY = np.empty(0)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def check_callable(value, name: str = "f"):
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {_show(value)}")
    return value


def check_args(args):
    if not isinstance(args, tuple):
        raise TypeError(
            f"args must be a tuple of extra arguments for f, got {type(args).__name__} "
            f"{_show(args)}; write args=(value,) for a single argument"
        )
    return args


def frozen_args(args: tuple) -> tuple:
    """``args`` with a copy of each array (within tuples too), for solvers that compile
    them in as constants (``compile_minimizer``, ``compile_least_squares``): Numba freezes an
    array when it compiles a specialization, so the caller's array changed in place later
    would reach some specializations and not others; the copies freeze them all at the
    values they had when the solver was made."""
    return tuple(a.copy() if isinstance(a, np.ndarray)
                 else frozen_args(a) if type(a) is tuple else a for a in args)


def scheme_code(method, name: str = "method", allowed=None) -> int:
    """The kernel code of a finite-difference scheme name (SciPy's aliases accepted)."""
    valid = SCHEME_CODES if allowed is None else allowed
    key = SCHEME_ALIASES.get(method, method) if isinstance(method, str) else None
    if key not in valid:
        aliases = [a for a, k in SCHEME_ALIASES.items() if k in valid]
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, valid))} "
            f"(or SciPy's {', '.join(map(repr, aliases))}), got {_show(method)}"
        )
    return SCHEME_CODES[key]


_SHAPES = {0: "()", 1: "(n,)", 2: "(m, n)", 3: "(l, m, n)"}


def as_float_array(x, name: str = "x", ndims=(1,)) -> np.ndarray:
    """A float64 copy of ``x`` (fastgrad's own workspace), after checking kind and shape.

    Any real dtype is accepted (float16/32/64, signed and unsigned integers) and converted to
    float64; boolean, complex, string and object data are refused with a ``TypeError``.
    """
    if type(x) is np.ndarray and x.dtype == _F64 and x.ndim in ndims and x.size:
        return x.copy()  # the common case, kept fast
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except ValueError as exc:  # nested sequences of unequal lengths
            raise TypeError(
                f"{name} must be an array of real numbers, got {_show(x)}: nested sequences "
                "must have equal lengths"
            ) from exc
        except Exception as exc:
            raise TypeError(f"{name} must be an array of real numbers, got {_show(x)}") from exc
    kind = arr.dtype.kind
    if kind not in "fiu":
        what = {"c": "complex", "b": "boolean", "O": "object", "U": "string", "S": "bytes"}
        raise TypeError(
            f"{name} must be an array of real numbers (float or int), got "
            f"{what.get(kind, kind)} dtype {arr.dtype}: {_show(x)}"
        )
    if arr.ndim not in ndims:
        shapes = " or ".join(_SHAPES[d] for d in ndims)
        raise ValueError(f"{name} must have shape {shapes}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    return np.array(arr, dtype=np.float64)


def low_precision(x):
    """The dtype of ``x`` when it is a float array of lower precision than float64 (its
    values are then known to that precision only, and the automatic step follows it), else
    None."""
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        return dtype
    return None


def all_finite(a: np.ndarray) -> bool:
    """True if every element of ``a`` is finite (plain Python for a few elements: a numpy
    reduction costs microseconds of overhead on a small array). A finite sum of the
    elements answers at once (an infinity or a NaN among them makes the sum infinite or
    NaN); only a sum that overflows, or a real non-finite element, looks at each one."""
    if a.size <= 32:
        values = (a if a.ndim == 1 else a.ravel()).tolist()
        return math.isfinite(sum(values)) or all(map(math.isfinite, values))
    return bool(np.isfinite(a).all())


def nonfinite_message(x: np.ndarray, name: str = "x") -> str:
    if x.ndim == 0:
        return f"{name} must be finite, got {float(x)!r}"
    bad = np.argwhere(~np.isfinite(x))[0]
    where = tuple(int(i) for i in bad) if x.ndim > 1 else int(bad[0])
    return f"{name} must be finite, got {float(x[tuple(bad)])!r} at index {where}"


def steps_array(step, n: int, name: str = "step") -> np.ndarray:
    """The kernels' step array: empty (automatic), one value, or one per coordinate."""
    if step is None:
        return _EMPTY
    if isinstance(step, (bool, np.bool_)):
        raise TypeError(
            f"{name} must be None, a positive float or an array of {n} positive floats, "
            f"got bool {step!r}"
        )
    if isinstance(step, numbers.Real):
        value = float(step)
        if not (math.isfinite(value) and value > 0.0):
            raise ValueError(f"{name} must be a positive finite float or None, got {_show(step)}")
        return np.full(1, value)
    try:
        arr = np.asarray(step, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be None, a positive float or an array of {n} positive floats, "
            f"got {_show(step)}"
        ) from exc
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"{name} must be None, a positive float or an array of shape ({n},), "
            f"got shape {arr.shape}"
        )
    if not (np.all(np.isfinite(arr)) and np.all(arr > 0.0)):
        raise ValueError(f"{name} must contain positive finite values, got {_show(step)}")
    return np.ascontiguousarray(arr)


def zero_step_message(x: np.ndarray, steps: np.ndarray, name: str = "step") -> str:
    if steps.shape[0] == 0 or np.isnan(steps[0]):  # the automatic step
        given = "the automatic step"
    else:
        given = f"step {_show(steps.tolist())}"
    return (
        f"{name} is too small for x: x + {name} == x in float64 for some coordinate "
        f"({given}, |x| up to {np.max(np.abs(x)):.3g}); "
        "use a larger step or step=None"
    )


_FLOAT_RULES = {
    "positive": (lambda v: v > 0.0, "a positive finite float"),
    "nonnegative": (lambda v: v >= 0.0, "a finite float >= 0"),
    "unit": (lambda v: 0.0 <= v < 1.0, "a float in [0, 1)"),
    "open_unit": (lambda v: 0.0 < v < 1.0, "a float in (0, 1)"),
}


def check_float(value, name: str, rule: str = "positive") -> float:
    """A real number obeying ``rule`` (a key of ``_FLOAT_RULES``), as a Python float."""
    if value.__class__ is float or value.__class__ is int:  # the common case, kept fast
        number = float(value)
    elif isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        number = float(value)
    else:
        raise TypeError(
            f"{name} must be {_FLOAT_RULES[rule][1]}, got {type(value).__name__} {_show(value)}"
        )
    test, words = _FLOAT_RULES[rule]
    if not (math.isfinite(number) and test(number)):
        raise ValueError(f"{name} must be {words}, got {_show(value)}")
    return number


MAX_COUNT = 2**62
"""The largest iteration or evaluation count accepted (``max_iter``, ``max_nfev``,
``max_linesearch``): the compiled loops count in int64 (at most 2**63 - 1), and 2**62 leaves
headroom for their arithmetic on a count (``max_iter + 1`` rows of history, evaluations past
a budget); no run comes near it."""

COUNT_LIMIT = "2**62 (the compiled loops count in int64)"
"""How :data:`MAX_COUNT` is shown in a message."""


def check_int(value, name: str, minimum: int = 1, maximum: int | None = None,
              limit: str | None = None) -> int:
    """An integer (Python or numpy, not bool) ``>= minimum`` and, unless ``maximum`` is None,
    ``<= maximum``, as a Python int. ``limit`` shows the maximum in the message of a value
    above it, with its reason (``"2**62 (...)"``; default: the number)."""
    if value.__class__ is not int and (
        not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_))
    ):
        raise TypeError(
            f"{name} must be an integer >= {minimum}, got {type(value).__name__} {_show(value)}"
        )
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {_show(value)}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be an integer >= {minimum} and <= "
                         f"{maximum if limit is None else limit}, got {_show(value)}")
    return int(value)


def check_count(value, name: str) -> int:
    """An iteration or evaluation count: an integer in ``[1, MAX_COUNT]``."""
    return check_int(value, name, 1, MAX_COUNT, COUNT_LIMIT)


def check_max_time(value) -> float | None:
    """``max_time`` of :func:`fastgrad.minimize`: None or a positive finite number of seconds."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            "max_time must be None or a positive finite number of seconds, got "
            f"{type(value).__name__} {_show(value)}"
        )
    seconds = float(value)
    if not (math.isfinite(seconds) and seconds > 0.0):
        raise ValueError(
            f"max_time must be None or a positive finite number of seconds, got {_show(value)}"
        )
    return seconds


def check_bool(value, name: str) -> bool:
    """True or False (numpy booleans included), as a Python bool."""
    if value is True or value is False or isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {_show(value)}")


def check_progress(value):
    """``minimize(progress=)``: True or False (numpy booleans included), or a file-like object
    with a ``write`` method, where the meter is drawn."""
    if callable(getattr(value, "write", None)):
        return value
    if value is True or value is False or isinstance(value, np.bool_):
        return bool(value)
    raise TypeError("progress must be True, False or a file-like object with a write method "
                    f"(an open file, sys.stdout), got {_show(value)}")


def unknown_keyword_hint(name: str, known) -> str:
    """``"; did you mean 'step'?"`` when ``name`` is close to one of ``known``, else ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)
    return f"; did you mean {close[0]!r}?" if close else ""


def _where(index, scalar: bool = False) -> str:
    """An index of ``np.argwhere`` as the messages show it: ``3``, ``(1, 0)``, or empty for
    a 0-d array (``scalar``)."""
    idx = tuple(int(i) for i in index)
    return "" if scalar or not idx else str(idx[0]) if len(idx) == 1 else str(idx)


def _bound_side(value, name: str, fill: float) -> np.ndarray:
    """One side of the bounds as a new float64 array, None (anywhere) meaning no bound
    (``fill``); NaN is left for :func:`bounds_arrays` to find."""
    if value is None:
        return np.array(fill)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":  # the common case, fast
        return value.astype(np.float64)
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        return np.array(value, dtype=np.float64)
    try:  # lists, object arrays: None anywhere means no bound
        arr = np.asarray(value, dtype=object)
        return np.where(np.equal(arr, None), fill, arr).astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be real numbers or None, got {_show(value)}") from exc


def _is_pair(entry) -> bool:
    """A list or tuple of two values (numbers or None)."""
    return (isinstance(entry, (list, tuple)) and len(entry) == 2
            and all(v is None or np.ndim(v) == 0 for v in entry))


def _two_entries(bounds, name: str, shape):
    """``(lo, hi)`` of a minimizer's ``bounds`` of two entries for an x of ``shape`` (None:
    not known yet): ``(lb, ub)``, except that two
    lists or tuples of two values, or a numpy array of shape (2, 2), also read as one
    ``(lo, hi)`` pair per coordinate of an x of two coordinates (SciPy's ``minimize``). The
    reading that is a box (no lower bound above its upper bound; ``lo == hi`` fixes a
    coordinate at a finite value, but not every one: nothing would be left to minimize, as
    ``([-1, -1], [1, 1])`` read as pairs) is taken; when both are boxes and differ, the
    call is refused as ambiguous, also where one of them fixes a coordinate (``[(0, 0), (2,
    5)]``: SciPy's minimize fixes x[0] at 0, ``(lb, ub)`` would not): a tuple of two 1-D
    numpy arrays ``(lb, ub)`` or ``scipy.optimize.Bounds`` says which is meant."""
    first, second = bounds[0], bounds[1]
    if shape is not None and tuple(shape)[-1:] != (2,):  # x has no two coordinates
        return first, second
    if isinstance(bounds, np.ndarray) and bounds.shape == (2, 2):  # SciPy: rows are pairs
        first, second = tuple(bounds[0].tolist()), tuple(bounds[1].tolist())
    elif not (_is_pair(first) and _is_pair(second)):
        return first, second
    (a, b), (c, d) = first, second
    sides, pairs = ((a, b), (c, d)), ((a, c), (b, d))  # (lb, ub) of each reading
    sized = [(_bound_side(lo, f"{name} lower bounds", -np.inf),
              _bound_side(hi, f"{name} upper bounds", np.inf)) for lo, hi in (sides, pairs)]
    boxes = [bool(np.all(lb <= ub) and np.all(np.isfinite(lb[lb == ub])) and np.any(lb < ub))
             for lb, ub in sized]
    if boxes == [True, True] and sides != pairs:
        raise ValueError(
            f"{name}={_show(bounds)} is ambiguous for two coordinates: read as (lb, ub) "
            f"(as SciPy's approx_derivative does) it gives x[0] in [{a}, {c}] and x[1] in "
            f"[{b}, {d}], read as one (lo, hi) pair per coordinate (as SciPy's minimize does) "
            f"x[0] in [{a}, {b}] and x[1] in [{c}, {d}]; pass (lb, ub) as two numpy arrays, "
            "or scipy.optimize.Bounds(lb, ub)")
    return pairs if boxes[1] else sides


def bounds_arrays(bounds, shape, name: str = "bounds", pairs: bool = False):
    """``(lb, ub)``, float64 arrays broadcast to ``shape`` (that of x; None: to one value or
    one per coordinate, shape (1,) or (n,), for x not known yet), or None when
    ``bounds`` is None or bounds nothing (every value infinite or None).

    Accepted, as in SciPy: ``(lb, ub)`` with scalars or arrays that broadcast to x
    (``approx_derivative``), a sequence of n ``(lo, hi)`` pairs (``minimize``), or an object
    with ``lb`` and ``ub`` attributes (``scipy.optimize.Bounds``). A sequence of exactly two
    entries is ``(lb, ub)`` (SciPy's ``approx_derivative``, ``least_squares`` and
    ``curve_fit``), except with ``pairs`` (the minimizers, whose SciPy counterpart takes a
    sequence of pairs): there two lists or tuples of two values may also mean two
    ``(lo, hi)`` pairs (:func:`_two_entries`).
    """
    if bounds is None:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lo, hi = bounds.lb, bounds.ub
    elif isinstance(bounds, (str, bytes)) or not hasattr(bounds, "__len__"):
        raise TypeError(f"{name} must be None, (lb, ub), a sequence of (lo, hi) pairs or a "
                        f"scipy.optimize.Bounds, got {type(bounds).__name__} {_show(bounds)}")
    elif len(bounds) == 2:
        lo, hi = _two_entries(bounds, name, shape) if pairs else (bounds[0], bounds[1])
    else:
        pairs = [tuple(p) if hasattr(p, "__len__") and len(p) == 2 else None for p in bounds]
        if not pairs or any(p is None for p in pairs):
            raise ValueError(f"{name} must be (lb, ub) or a sequence of (lo, hi) pairs, one per "
                             f"coordinate, got {_show(bounds)}")
        lo, hi = [p[0] for p in pairs], [p[1] for p in pairs]
    lb = _bound_side(lo, f"{name} lower bounds", -np.inf)
    ub = _bound_side(hi, f"{name} upper bounds", np.inf)
    if shape is None:  # x not known yet (grad): one value or one per coordinate
        if lb.ndim > 1 or ub.ndim > 1:
            raise ValueError(f"{name} must be one value or one per coordinate here, got lower "
                             f"bounds of shape {lb.shape} and upper bounds of shape {ub.shape}")
        shape = (max(lb.size, ub.size),)
    try:
        shape = tuple(shape)  # fresh C-contiguous arrays either way (_bound_side copied)
        lb, ub = (a if a.shape == shape and a.flags.c_contiguous
                  else np.array(np.broadcast_to(a, shape), order="C") for a in (lb, ub))
    except ValueError:
        raise ValueError(f"{name} must broadcast to the shape of x {tuple(shape)}, got lower "
                         f"bounds of shape {lb.shape} and upper bounds of shape "
                         f"{ub.shape}") from None
    flags = box_flags(lb.reshape(-1), ub.reshape(-1))
    if flags & HAS_NAN:
        side, value = ("lower", lo) if np.isnan(lb).any() else ("upper", hi)
        raise ValueError(f"{name} {side} bounds must not contain NaN (None or +-inf mean no "
                         f"bound), got {_show(value)}")
    scalar = lb.ndim == 0
    if flags & INVERTED:
        bad = np.argwhere(lb.reshape(-1) > ub.reshape(-1) if scalar else lb > ub)
        where = ", ".join(_where(b, scalar) for b in bad[:3])
        first = () if scalar else tuple(bad[0])
        raise ValueError(f"{name}: lower bound above upper bound"
                         f"{' at index ' + where if where else ''} (lb = "
                         f"{float(lb[first])!r} > ub = {float(ub[first])!r})")
    if not flags & BOUNDED:
        return None
    return lb, ub


def outside_bounds_message(x: np.ndarray, lb: np.ndarray, ub: np.ndarray,
                           name: str = "x") -> str | None:
    """The error for an ``x`` outside the box ``[lb, ub]`` (None when it is inside), naming
    the first few coordinates outside with their values and bounds."""
    outside = (x < lb) | (x > ub)
    if not outside.any():
        return None
    scalar = x.ndim == 0
    bad = np.argwhere(outside.reshape(-1) if scalar else outside)
    parts = []
    for b in bad[:3]:
        idx = () if scalar else tuple(b)
        where = name if scalar else f"{name}[{_where(b)}]"
        parts.append(f"{where} = {float(x[idx])!r} not in "
                     f"[{float(lb[idx])!r}, {float(ub[idx])!r}]")
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    return (f"{name} must lie within the bounds (f is never evaluated outside them): "
            f"{'; '.join(parts)}{more}")


def no_room_message(x: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> str:
    """The error for bounds that leave no room for a step (``lb == ub``, or a box narrower
    than the rounding of x) at some coordinate."""
    narrow = (ub - lb) <= np.spacing(np.maximum(np.abs(lb), np.abs(ub))) * 4
    scalar = narrow.ndim == 0
    bad = np.argwhere(narrow.reshape(-1) if scalar else narrow)
    where = ""
    if len(bad):
        idx = () if scalar else tuple(bad[0])
        at = "" if scalar else f" at index {_where(bad[0])}"
        where = f"{at} (lb = {float(lb[idx])!r}, ub = {float(ub[idx])!r})"
    return (f"bounds leave no room for a finite-difference step{where}: the box must be wider "
            "than the rounding of x in every coordinate (a fixed coordinate, lb == ub, has no "
            "derivative to take)")
