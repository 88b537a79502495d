"""multistart's inputs: a huge finite box is sampled without overflow, scalar bounds (which
say nothing of n) and per_start arguments are refused with multistart's own messages."""

import numpy as np
import pytest

import fastgrad
from fastgrad.optimize.multistart import SAMPLERS, sample


def bowl(x):
    return (x[0] - 1.0) ** 2 + x[1] ** 2


HUGE = [(-1e308, 1e308), (-5.0, 5.0)]


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_huge_finite_box_starts_are_finite_and_inside(sampler):
    res = fastgrad.multistart(bowl, HUGE, n_starts=8, sampler=sampler)
    lb, ub = np.array([-1e308, -5.0]), np.array([1e308, 5.0])
    assert res.starts.shape == (8, 2)
    assert np.all(np.isfinite(res.starts))
    assert np.all((res.starts >= lb) & (res.starts <= ub))


@pytest.mark.parametrize("lb, ub", [(np.array([-1.7e308, 1e308]), np.array([1.7e308, 1.7e308])),
                                    (np.array([-1.0, 0.0]), np.array([1.0, 1e-300]))])
def test_sample_stays_in_the_box(lb, ub):
    for sampler in SAMPLERS:
        x = sample(sampler, 64, lb, ub, 0)
        assert np.all(np.isfinite(x)) and np.all((x >= lb) & (x <= ub))


def test_scalar_bounds_are_refused():
    with pytest.raises(ValueError, match=r"bounds must give one bound per coordinate.*"
                                         r"got scalar bounds \(-5, 5\)"):
        fastgrad.multistart(lambda x: x[0] ** 2 + x[1] ** 2, (-5, 5), n_starts=8)


def test_one_coordinate_as_a_pair_still_runs():
    res = fastgrad.multistart(lambda x: (x[0] - 1.0) ** 2, [(-5.0, 5.0)], n_starts=4)
    assert res.starts.shape == (4, 1)
    np.testing.assert_allclose(res.x, [1.0], atol=1e-6)


def test_per_start_args_are_refused_with_multistart_message():
    C = np.ones((8, 2))
    with pytest.raises(ValueError, match="multistart does not support per_start") as info:
        fastgrad.multistart(lambda x, c: (x[0] - c[0]) ** 2 + x[1] ** 2, ([-5, -5], [5, 5]),
                            n_starts=8, args=(fastgrad.per_start(C),))
    assert "drop bounds" not in str(info.value)
