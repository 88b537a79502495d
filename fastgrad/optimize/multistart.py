"""``fastgrad.multistart``: many starts sampled in a box, one batched bounded ``minimize``,
the best result with every start's result and the distinct minima found."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._core.validate import _show, bounds_arrays, check_float, check_int
from .per_start import has_per_start
from .api import minimize
from .result import SUCCESS, OptimizeResult

SAMPLERS = ("sobol", "lhs", "uniform")


def sample(sampler: str, n_starts: int, lb: np.ndarray, ub: np.ndarray,
           seed) -> np.ndarray:
    """``n_starts`` points (n_starts, n) in the box ``[lb, ub]`` (finite), deterministic for
    ``seed``: scrambled Sobol (``scipy.stats.qmc.Sobol``) or Latin hypercube
    (``scipy.stats.qmc.LatinHypercube``) when SciPy is installed; without SciPy, "sobol" and
    "lhs" fall back to fastgrad's own Latin hypercube (each coordinate's n_starts strata,
    one uniform point in each, in a random order, from ``numpy.random.default_rng(seed)``).
    "uniform": independent uniform points from ``numpy.random.default_rng(seed)``. A unit
    point u maps to ``lb (1 - u) + ub u``, which cannot overflow for finite bounds (``ub -
    lb`` can: ``(-1e308, 1e308)``), clipped into the box against rounding."""
    n = lb.shape[0]
    if sampler == "uniform":
        unit = np.random.default_rng(seed).random((n_starts, n))
    else:
        try:
            from scipy.stats import qmc
        except ImportError:
            qmc = None
        if qmc is None:
            unit = latin_hypercube(n_starts, n, seed)
        elif sampler == "sobol":
            engine = qmc.Sobol(n, scramble=True, seed=seed)
            count = 1 << max(0, int(np.ceil(np.log2(n_starts))))  # balanced: a power of 2
            unit = engine.random(count)[:n_starts]
        else:
            unit = qmc.LatinHypercube(n, seed=seed).random(n_starts)
    return np.minimum(np.maximum(lb * (1.0 - unit) + ub * unit, lb), ub)


def latin_hypercube(m: int, n: int, seed) -> np.ndarray:
    """fastgrad's own Latin hypercube on [0, 1)^n (the fallback without SciPy)."""
    rng = np.random.default_rng(seed)
    strata = np.argsort(rng.random((n, m)), axis=1).T  # a permutation per coordinate
    return (strata + rng.random((m, n))) / m


def distinct_minima(x: np.ndarray, fun: np.ndarray, ok: np.ndarray, tol: float) -> list:
    """The successful results ``x[ok]`` clustered: a point within ``tol`` (max norm, relative
    to ``max(1, |x|)``) of a cluster's best point joins it. One ``(x, fun, count)`` per
    cluster, lowest f first."""
    order = [int(r) for r in np.argsort(fun) if ok[r] and np.isfinite(fun[r])]
    minima: list = []
    for r in order:
        for k, (xk, fk, count) in enumerate(minima):
            if np.max(np.abs(x[r] - xk) / np.maximum(1.0, np.abs(xk))) <= tol:
                minima[k] = (xk, fk, count + 1)
                break
        else:
            minima.append((x[r].copy(), float(fun[r]), 1))
    return minima


def _sides(bounds) -> tuple:
    """``(lo, hi)`` of ``bounds`` as given (before broadcasting), to tell scalar bounds, which
    say nothing of n, from one bound per coordinate; () for a sequence of pairs."""
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        return bounds.lb, bounds.ub
    return (bounds[0], bounds[1]) if len(bounds) == 2 else ()


def multistart(f: Callable[..., float], bounds, *, n_starts: int = 64,
               method: str | None = None, seed=0, sampler: str = "sobol",
               tol: float = 1e-4, **options) -> OptimizeResult:
    """Minimize ``f(x, *args)`` over a box from ``n_starts`` starts sampled in it.

    Parameters
    ----------
    f : callable
        Objective, as for :func:`fastgrad.minimize`.
    bounds : (lb, ub), sequence of (lo, hi) pairs or scipy.optimize.Bounds
        The box, finite in every coordinate (the starts are sampled in it); as
        ``minimize``'s ``bounds``, one bound per coordinate: n is read from them (scalar
        ``(lo, hi)`` is refused; ``[(lo, hi)]`` for one coordinate).
    n_starts : int, optional
        Number of starts (default 64).
    method : str or None, optional
        ``minimize``'s method (default lbfgs).
    seed : int, numpy Generator or None, optional
        Seed of the sampler (default 0): the same seed gives the same starts and result.
    sampler : {"sobol", "lhs", "uniform"}, optional
        "sobol" (default): scrambled Sobol points (``scipy.stats.qmc.Sobol``, the first
        ``n_starts`` of the next power of 2); "lhs": a Latin hypercube
        (``scipy.stats.qmc.LatinHypercube``); without SciPy both fall back to fastgrad's own
        Latin hypercube (:func:`latin_hypercube`, seeded by ``numpy.random.default_rng``).
        "uniform": independent uniform points (``numpy.random.default_rng(seed)``).
    tol : float, optional
        Two successful results closer than ``tol`` (max norm, relative to ``max(1, |x|)``)
        are the same minimum in ``minima`` (default 1e-4).
    **options
        Passed to :func:`fastgrad.minimize` (``args``, ``jac``, ``gtol``, ``workers``, ...);
        every start runs with the same ``args`` (``per_start`` data is refused).

    Returns
    -------
    OptimizeResult
        The result of the best start (lowest finite f) as ``minimize`` gives it for one
        start, plus ``starts`` (n_starts, n), ``all`` (the batched result of every start),
        ``best`` (its index; None, as ``all.best``, when no start has a finite f: the
        fields are then those of start 0) and ``minima``: the distinct minima of the
        successful starts,
        lowest f first, each an :class:`OptimizeResult` with ``x``, ``fun`` and ``count``
        (the starts that reached it).
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {SAMPLERS}, got {_show(sampler)}")
    n_starts = check_int(n_starts, "n_starts", 1)
    tol = check_float(tol, "tol", "nonnegative")
    box = bounds_arrays(bounds, None, pairs=True)
    if box is None or not (np.all(np.isfinite(box[0])) and np.all(np.isfinite(box[1]))):
        raise ValueError("multistart samples its starts in the box: bounds must be finite in "
                         f"every coordinate, got {_show(bounds)}")
    sides = _sides(bounds)
    if sides and all(np.ndim(side) == 0 for side in sides):
        raise ValueError(
            "multistart learns n, the number of coordinates, from bounds: bounds must give one "
            "bound per coordinate (a sequence of n (lo, hi) pairs, or (lb, ub) of arrays of "
            f"length n; [(lo, hi)] for one coordinate), got scalar bounds {_show(bounds)}")
    args = options.get("args", ())
    if isinstance(args, tuple) and has_per_start(args):
        raise ValueError("multistart does not support per_start arguments: every start runs "
                         "with the same args (its starts are sampled, not given row by row); "
                         "got args with a per_start marker")
    lb, ub = box
    starts = sample(sampler, n_starts, lb, ub, seed)
    batch = minimize(f, starts, method=method, bounds=(lb, ub), **options)
    best = 0 if batch.best is None else batch.best
    res = OptimizeResult({key: value[best] for key, value in batch.items()
                          if key not in ("best", "x_history", "f_history")})
    res.success = bool(res.success)
    res.starts = starts
    res.all = batch
    res.best = batch.best
    res.minima = [OptimizeResult(x=x, fun=fun, count=count) for x, fun, count in
                  distinct_minima(batch.x, batch.fun, np.isin(batch.status, SUCCESS), tol)]
    return res
