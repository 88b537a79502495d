"""Per-start arguments of a batch: :func:`per_start` marks an argument whose leading axis
runs over the m problems of a batch, so that problem i receives ``A[i]``.

One mechanism for every batched solver: the public layer calls :func:`split_args` (which
validates the marked arguments against m and says which argument and which shapes when they
do not match), and the compiled batch loop calls the picker of :func:`make_picker` to build
the arguments of row i, ``(A[i], shared, ...)``, without copying anything.
"""

from __future__ import annotations

import numpy as np

from .._core.jit import jit


class PerStart:
    """An argument marked by :func:`per_start`: ``array`` has one entry per start."""

    __slots__ = ("array",)

    def __init__(self, array):
        self.array = array

    def __repr__(self) -> str:
        return f"per_start(array of shape {np.shape(self.array)})"


def per_start(A) -> PerStart:
    """Mark ``A`` as per-start data of a batch: with ``x0`` of shape (m, n), problem ``i``
    receives ``A[i]`` in place of ``A``.

    Parameters
    ----------
    A : array_like
        An array whose leading axis has length m (the number of starts). It is converted to
        a contiguous numpy array of its own dtype: start i gets what a single run given
        ``A[i]`` gets (float32 data stay float32, and f computes in their precision with
        the steps of that precision, in a batch as in a single run).

    Returns
    -------
    PerStart
        The marker, to pass in ``args`` of :func:`fastgrad.least_squares` (or as ``ydata``,
        ``sigma`` or ``xdata`` of :func:`fastgrad.curve_fit`).

    Examples
    --------
    >>> import numpy as np, fastgrad
    >>> def residuals(p, t, y):
    ...     return p[0] * np.exp(-p[1] * t) - y
    >>> t = np.linspace(0, 1, 20)
    >>> Y = np.array([2.0 * np.exp(-1.5 * t), 3.0 * np.exp(-0.5 * t)])
    >>> res = fastgrad.least_squares(residuals, [[1.0, 1.0], [1.0, 1.0]],
    ...                              args=(t, fastgrad.per_start(Y)))
    >>> np.round(res.x, 6)
    array([[2. , 1.5],
           [3. , 0.5]])
    """
    if isinstance(A, PerStart):
        return A
    arr = np.ascontiguousarray(A)
    if arr.ndim == 0:
        raise ValueError(
            f"per_start(A) needs an array whose leading axis runs over the starts, got a "
            f"scalar {A!r}")
    return PerStart(arr)


def has_per_start(args: tuple) -> bool:
    """Whether some argument is marked by :func:`per_start` (by exact type: only
    :func:`per_start` makes a PerStart, and the test runs at every call of a compiled
    ``solve`` from Python)."""
    return PerStart in map(type, args)


def split_args(args: tuple, m: int | None, names=None) -> tuple:
    """``(plain args, mask)``: the arrays of the marked arguments in place of their markers,
    and a tuple of bools saying which are per-start. ``m`` is the number of starts (None for
    a single start: a marked argument is then an error). ``names`` names the arguments in
    messages (default ``args[i]``)."""
    mask = tuple(isinstance(a, PerStart) for a in args)
    if not any(mask):
        return args, mask
    plain = []
    for i, a in enumerate(args):
        label = names[i] if names is not None else f"args[{i}]"
        if not mask[i]:
            plain.append(a)
            continue
        if m is None:
            raise ValueError(
                f"{label} is marked per_start, but x0 is a single start of shape (n,): "
                "per_start(A) needs x0 of shape (m, n), one row per start")
        if a.array.shape[0] != m:
            raise ValueError(
                f"{label} is marked per_start and must have a leading axis of length m = {m} "
                f"(the number of rows of x0), got shape {a.array.shape}")
        plain.append(a.array)
    return tuple(plain), mask


def row_args(args: tuple, mask: tuple, i: int) -> tuple:
    """The arguments of start ``i`` in Python: ``A[i]`` for a per-start argument."""
    if True not in mask:
        return args
    return tuple(a[i] if per else a for a, per in zip(args, mask))


_PICKERS: dict = {}


def make_picker(mask: tuple, python: bool = False):
    """``pick(args, i)``: the arguments of start ``i`` (compiled unless ``python``), one
    function per mask, composed argument by argument and cached."""
    key = (mask, python)
    picker = _PICKERS.get(key)
    if picker is None:
        picker = _build_picker(mask, python)
        _PICKERS[key] = picker
    return picker


def _build_picker(mask: tuple, python: bool):
    compile_ = (lambda fn: fn) if python else jit
    if not mask:
        def pick_none(args, i):
            return ()

        return compile_(pick_none)
    rest = make_picker(mask[1:], python)
    if mask[0]:
        def pick_row(args, i):
            return (args[0][i],) + rest(args[1:], i)

        return compile_(pick_row)

    def pick_same(args, i):
        return (args[0],) + rest(args[1:], i)

    return compile_(pick_same)
