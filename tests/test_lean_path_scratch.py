"""The lean path's state block (fastgrad.optimize.plans.runner): a planned run that ended
with its result leaves FV, STATE, SCAL and WORK (views of one block) to the next call,
which makes them fresh by one copy. Whatever came before (a converged run, a run stopped by
max_iter, a run that went on after its first chunk, an objective that raised, another
thread's run), every planned call gives what the full pipeline gives, and no result shares
memory with another."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from test_lean_path import assert_same, rosen

import fastgrad
from fastgrad._core import cache
from fastgrad.optimize.chunks import FIRST_CHUNK


def full_pipeline(f, x0, **options):
    """minimize's full pipeline (an x0 given as a list has no plan key)."""
    return fastgrad.minimize(f, list(x0), **options)


STARTS = [np.array(s) for s in ([-1.2, 1.0, 0.5], [0.3, -0.4, 2.0], [2.0, 2.0, -1.0],
                                [0.9, 0.8, 1.1], [-0.5, 0.2, 0.0])]


@pytest.mark.parametrize("options", [
    {},  # converged: the pending result
    {"max_iter": 4},  # stopped by max_iter: a message written at once
    {"method": "bfgs", "jac": "central4"},
    {"method": "gd", "lr": 1e-3, "max_iter": 300},
    {"bounds": (-1.0, 1.5)},  # the bounded loop's state in the block
])
def test_consecutive_planned_calls_each_equal_the_full_pipeline(options):
    def f(x):
        return rosen(x)

    fastgrad.minimize(f, STARTS[0], **options)  # the plan
    planned = [fastgrad.minimize(f, x0, **options) for x0 in STARTS for _ in range(2)]
    assert cache.peek(f, None).plans  # the calls above were planned
    for k, res in enumerate(planned):
        assert_same(res, full_pipeline(f, STARTS[k // 2], **options))
    arrays = [a for res in planned for a in (res.x, res.jac)]
    for i, a in enumerate(arrays):  # each result's own x and jac
        assert not any(np.shares_memory(a, b) for b in arrays[i + 1:])


def test_a_run_that_went_on_keeps_its_state_and_the_next_call_starts_fresh():
    def f(x):
        return rosen(x)

    long = {"method": "gd", "lr": 1e-4, "max_iter": 2000, "gtol": 0.0}
    fastgrad.minimize(f, STARTS[0], **long)
    went_on = fastgrad.minimize(f, STARTS[1], **long)
    assert went_on.nfev > FIRST_CHUNK  # past its first chunk: a Run of its own state
    after = fastgrad.minimize(f, STARTS[2], **long)
    assert_same(went_on, full_pipeline(f, STARTS[1], **long))
    assert_same(after, full_pipeline(f, STARTS[2], **long))


def test_an_objective_that_raises_leaves_no_stale_state_for_the_next_call():
    def f(x):
        if x[2] > 50.0:
            raise ValueError("out of range")
        return rosen(x)

    fastgrad.minimize(f, STARTS[0])
    with pytest.raises(ValueError, match="out of range"):
        fastgrad.minimize(f, np.array([0.5, 0.5, 60.0]))
    for x0 in STARTS[1:]:
        assert_same(fastgrad.minimize(f, x0), full_pipeline(f, x0))


def test_threads_running_one_plan_each_get_the_full_pipelines_results():
    """The compiled loop releases the GIL: calls on several threads run together, each on a
    block of its own."""
    def f(x):
        return rosen(x)

    options = [{}, {"max_iter": 4}, {"method": "gd", "lr": 1e-3, "max_iter": 300}]
    expected = {(i, j): full_pipeline(f, x0, **o)
                for i, o in enumerate(options) for j, x0 in enumerate(STARTS)}
    for o in options:
        fastgrad.minimize(f, STARTS[0], **o)

    def work(k):
        return [((i, j), fastgrad.minimize(f, STARTS[j], **options[i]))
                for _ in range(20) for i in range(len(options))
                for j in range((k + i) % len(STARTS), len(STARTS))]

    with ThreadPoolExecutor(4) as pool:
        for results in pool.map(work, range(4)):
            for key, res in results:
                assert_same(res, expected[key])


def test_a_state_larger_than_spare_bytes_is_made_at_each_call_and_held_once(monkeypatch):
    """A plan keeps a finished run's block for the next call only up to SPARE_BYTES (a
    large state is made at each call, as the full pipeline does); the prototype's arrays
    are views of the plan's one copy of the fresh state."""
    from fastgrad.optimize import plans

    def f(x):
        return rosen(x)

    monkeypatch.setattr(plans, "SPARE_BYTES", 0)  # read when the plan is made
    fastgrad.minimize(f, STARTS[0], method="bfgs")
    (plan,) = cache.peek(f, None).plans.values()
    proto = plan.prototype
    block = proto.FV.base
    assert block is not None and all(a.base is block for a in (proto.STATE, proto.SCAL,
                                                                 proto.WORK))
    assert block.nbytes == sum(a.nbytes for a in (proto.FV, proto.STATE, proto.SCAL,
                                                  proto.WORK))
    kept = block.copy()
    for x0 in STARTS:
        assert_same(fastgrad.minimize(f, x0, method="bfgs"),
                    full_pipeline(f, x0, method="bfgs"))
    np.testing.assert_array_equal(block, kept)  # never written
    assert plan.run.__closure__ is not None
    spare = [c.cell_contents for c in plan.run.__closure__
             if isinstance(c.cell_contents, list)]
    assert spare == [[]]  # no block was kept
