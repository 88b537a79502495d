"""fastgrad.multistart: starts sampled in the box, one batched bounded minimize, the best
result, every start's result and the distinct minima; deterministic for a seed."""

import warnings

import numpy as np
import pytest

import fastgrad
from fastgrad.optimize.multistart import latin_hypercube, sample
from fastgrad.problems.boxed import six_hump_camel

HIMMELBLAU_MINIMA = np.array([
    [3.0, 2.0], [-2.805118086952745, 3.131312518250573],
    [-3.779310253377747, -3.283185991286170], [3.584428340330492, -1.848126526964404],
])
CAMEL_MINIMA = np.array([[0.0898420131, -0.7126564030], [-0.0898420131, 0.7126564030]])


def himmelblau(x):
    return (x[0] * x[0] + x[1] - 11.0) ** 2 + (x[0] + x[1] * x[1] - 7.0) ** 2


def found(minima, targets, fun, atol):
    """Every target is among the minima with f within 1e-8 of ``fun``."""
    points = np.array([m.x for m in minima if m.fun <= fun + 1e-8])
    return all(np.min(np.max(np.abs(points - t), axis=1)) <= atol for t in targets)


@pytest.mark.parametrize("sampler", ("sobol", "lhs", "uniform"))
def test_himmelblau_every_global_minimum(sampler):
    res = fastgrad.multistart(himmelblau, ([-5, -5], [5, 5]), n_starts=32, seed=1,
                              sampler=sampler)
    assert res.success and res.fun <= 1e-12
    assert found(res.minima, HIMMELBLAU_MINIMA, 0.0, 1e-6)
    assert res.starts.shape == (32, 2) and res.all.x.shape == (32, 2)
    assert np.all(res.starts >= -5) and np.all(res.starts <= 5)
    assert res.x is not None and np.array_equal(res.x, res.all.x[res.best])


def test_six_hump_camel_both_global_minima():
    res = fastgrad.multistart(six_hump_camel, ([-3, -2], [3, 2]), n_starts=32, seed=0)
    assert abs(res.fun - (-1.0316284534898774)) <= 1e-9
    assert found(res.minima, CAMEL_MINIMA, -1.0316284534898774, 1e-6)
    assert sum(m.count for m in res.minima) <= 32
    assert [m.fun for m in res.minima] == sorted(m.fun for m in res.minima)


def test_deterministic_for_a_seed():
    a = fastgrad.multistart(himmelblau, ([-5, -5], [5, 5]), n_starts=8, seed=3)
    b = fastgrad.multistart(himmelblau, ([-5, -5], [5, 5]), n_starts=8, seed=3)
    c = fastgrad.multistart(himmelblau, ([-5, -5], [5, 5]), n_starts=8, seed=4)
    assert np.array_equal(a.starts, b.starts) and np.array_equal(a.all.x, b.all.x)
    assert not np.array_equal(a.starts, c.starts)


def test_fallback_latin_hypercube_is_a_latin_hypercube():
    unit = latin_hypercube(10, 3, 0)
    assert np.array_equal(unit, latin_hypercube(10, 3, 0))
    for j in range(3):  # one point in each of the 10 strata of every coordinate
        assert sorted(np.floor(unit[:, j] * 10).astype(int).tolist()) == list(range(10))
    points = sample("uniform", 5, np.array([1.0, 2.0]), np.array([2.0, 4.0]), 0)
    assert np.all(points >= [1, 2]) and np.all(points <= [2, 4])


def test_multistart_validation_messages():
    with pytest.raises(ValueError, match="sampler must be one of"):
        fastgrad.multistart(himmelblau, ([-5, -5], [5, 5]), sampler="grid")
    with pytest.raises(ValueError, match="bounds must be finite in every coordinate"):
        fastgrad.multistart(himmelblau, ([-5, -np.inf], [5, 5]))
    with pytest.raises(ValueError, match="n_starts"):
        fastgrad.multistart(himmelblau, ([-5, -5], [5, 5]), n_starts=0)


def test_no_finite_start_has_no_best():
    """No start has a finite f: ``best`` is None, as ``all.best`` (it said 0 while
    ``all.best`` said None); the fields are start 0's, its failure reported."""
    def nowhere(x):
        return np.nan

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fastgrad.FastgradWarning)
        res = fastgrad.multistart(nowhere, [(0.0, 1.0), (0.0, 1.0)], n_starts=4)
    assert res.best is None and res.all.best is None
    assert not res.success and res.status == 2 and np.isnan(res.fun)
    np.testing.assert_array_equal(res.x, res.all.x[0])
