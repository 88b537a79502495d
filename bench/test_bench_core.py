"""pytest-benchmark suite of the differentiation core (``pytest bench``).

The contenders of one workload share a benchmark group, so pytest-benchmark prints them side
by side with their ratios. With ``--benchmark-disable`` (as in CI) each runs once as a smoke
test, and the contenders that compute the same thing are checked to agree.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from _core_workloads import CONTENDERS, WORKLOADS  # noqa: E402

_BUILT: dict = {}


def _workload(wid):
    if wid not in _BUILT:
        _BUILT[wid] = WORKLOADS[wid]()
    return _BUILT[wid]


@pytest.mark.parametrize(
    "wid, contender", [(w, c) for w, names in CONTENDERS.items() for c in names]
)
def test_core(benchmark, wid, contender):
    workload = _workload(wid)
    assert sorted(workload["contenders"]) == sorted(CONTENDERS[wid])
    fn = workload["contenders"][contender]
    benchmark.group = workload["name"]
    benchmark.extra_info["nfev"] = workload["nfev"]
    if "errors" in workload:
        benchmark.extra_info["max_rel_error"] = workload["errors"][contender]
        assert workload["errors"][contender] < 1e-6
    if workload["same_result"]:
        baseline = workload["contenders"][workload["baseline"]]()
        np.testing.assert_allclose(fn(), baseline, rtol=1e-12)
    benchmark(fn)
