"""Pure-numpy reference implementations of the basic algorithms.

These functions follow the textbook algorithms as literally as possible:
a finite difference for a scalar derivative, a coordinate loop for the
gradient and a fixed-step gradient descent.  They are deliberately simple
(no Numba, no vectorization) and serve as the correctness and benchmark
baseline for the compiled engine.

Two defects of the textbook versions are fixed:

* the gradient loop works on a float64 copy of ``x``, so an integer input
  gives the right answer (writing ``3 + 1e-4`` into an integer array would
  truncate it) and the caller's array is never modified;
* gradient descent starts from a copy of ``x0`` instead of updating the
  caller's array in place.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["numerical_diff", "numerical_gradient", "gradient_descent"]

_DIFF_METHODS = ("forward", "central")


def numerical_diff(
    f: Callable[[float], float],
    x: float,
    h: float = 1e-4,
    method: str = "central",
) -> float:
    """Finite-difference derivative of a scalar function.

    Parameters
    ----------
    f : callable
        Function of one real variable, ``f(x) -> float``.
    x : float
        Point at which to differentiate (Python or numpy scalar; it is
        converted to ``float``).
    h : float, optional
        Step size, by default ``1e-4``.
    method : {"central", "forward"}, optional
        ``"forward"`` computes ``(f(x + h) - f(x)) / h`` (error O(h)),
        ``"central"`` computes ``(f(x + h) - f(x - h)) / (2 h)``
        (error O(h**2)).  Default ``"central"``.

    Returns
    -------
    float
        The approximate derivative ``f'(x)``.

    Raises
    ------
    ValueError
        If `method` is not one of the valid values.

    Examples
    --------
    >>> numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5.0)  # exact: 0.2
    0.1999999999990898
    >>> numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, method="forward")
    0.20000099999917254
    """
    if method not in _DIFF_METHODS:
        raise ValueError(
            f"method must be one of {', '.join(repr(m) for m in _DIFF_METHODS)}; "
            f"got {method!r}"
        )
    x = float(x)
    if method == "forward":
        return float((f(x + h) - f(x)) / h)
    return float((f(x + h) - f(x - h)) / (2 * h))


def _gradient_1d(f: Callable[[np.ndarray], float], x: np.ndarray, h: float) -> np.ndarray:
    """Central-difference gradient of `f` at the 1-D float64 array `x`.

    `x` is perturbed in place and restored coordinate by coordinate, as in
    the textbook loop; callers pass a private copy.
    """
    grad = np.zeros_like(x)
    for i in range(x.size):
        tmp = x[i]
        x[i] = tmp + h
        f_plus = f(x)
        x[i] = tmp - h
        f_minus = f(x)
        grad[i] = (f_plus - f_minus) / (2 * h)
        x[i] = tmp
    return grad


def numerical_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    h: float = 1e-4,
) -> np.ndarray:
    """Central-difference gradient of a function of several variables.

    For each coordinate ``i`` the function is evaluated at ``x + h e_i`` and
    ``x - h e_i`` and ``g_i = (f(x + h e_i) - f(x - h e_i)) / (2 h)``.

    Parameters
    ----------
    f : callable
        Objective ``f(x) -> float`` taking a 1-D array.
    x : array_like
        Point of shape ``(n,)``, or a batch of points of shape ``(m, n)``
        whose gradients are computed row by row.  Integer input is
        accepted; the computation always runs on a float64 copy and `x`
        itself is never modified.
    h : float, optional
        Step size, by default ``1e-4``.

    Returns
    -------
    numpy.ndarray
        Float64 array of the same shape as `x`: the gradient, or one
        gradient per row for a 2-D `x`.

    Raises
    ------
    ValueError
        If `x` has more than two dimensions.

    Examples
    --------
    >>> numerical_gradient(lambda x: x[0]**2 + x[1]**2, np.array([3, 4]))
    array([6., 8.])
    """
    x = np.array(x, dtype=np.float64)  # always a copy
    if x.ndim == 0:
        x = x.reshape(1)
    if x.ndim == 1:
        return _gradient_1d(f, x, h)
    if x.ndim == 2:
        grad = np.zeros_like(x)
        for row in range(x.shape[0]):
            grad[row] = _gradient_1d(f, x[row].copy(), h)
        return grad
    raise ValueError(f"x must be 1-D or 2-D; got an array of shape {x.shape}")


def gradient_descent(
    f: Callable[[np.ndarray], float],
    x0: np.ndarray,
    lr: float = 0.01,
    step_num: int = 100,
    history: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Fixed-step gradient descent with central-difference gradients.

    Starting from a float64 copy ``x`` of `x0`, performs `step_num` updates
    ``x -= lr * numerical_gradient(f, x)``.  There is no stopping test:
    exactly `step_num` steps are taken whatever happens (convergence,
    oscillation or divergence).

    Parameters
    ----------
    f : callable
        Objective ``f(x) -> float`` taking a 1-D array.
    x0 : array_like
        Starting point of shape ``(n,)``; never modified.
    lr : float, optional
        Learning rate (step length), by default ``0.01``.
    step_num : int, optional
        Number of updates, by default ``100``.
    history : bool, optional
        If True, also return every iterate.

    Returns
    -------
    x : numpy.ndarray
        Final iterate, float64 of shape ``(n,)``.
    x_history : numpy.ndarray
        Only if `history` is True: array of shape ``(step_num + 1, n)``
        whose row ``k`` is the iterate after ``k`` steps (row 0 is `x0`,
        the last row equals `x`).

    Examples
    --------
    >>> f = lambda x: x[0]**2 + x[1]**2
    >>> x, hist = gradient_descent(f, [-3.0, 4.0], lr=0.1, history=True)
    >>> hist.shape
    (101, 2)
    """
    x = np.array(x0, dtype=np.float64).reshape(-1)  # always a copy
    x_history = np.empty((step_num + 1, x.size)) if history else None
    if history:
        x_history[0] = x
    for k in range(step_num):
        x -= lr * numerical_gradient(f, x)
        if history:
            x_history[k + 1] = x
    if history:
        return x, x_history
    return x
