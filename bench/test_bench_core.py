"""pytest-benchmark suite of the differentiation core (``pytest bench``).

Contenders of one workload share a benchmark group, so pytest-benchmark prints them side by
side. With ``--benchmark-disable`` (as in CI) each runs once as a smoke test.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))

from _core_workloads import (  # noqa: E402
    floor_workload,
    overhead_workload,
    python_call_workload,
)

WORKLOADS = {
    "floor-n10": lambda: floor_workload(10),
    "floor-n100": lambda: floor_workload(100),
    "floor-n1000": lambda: floor_workload(1000),
    "python-call-n10": lambda: python_call_workload(10),
    "overhead-n3": overhead_workload,
}
_BUILT: dict = {}


def _cases():
    for wid, build in WORKLOADS.items():
        # Contender names are known without building (building compiles).
        yield from ((wid, None) for _ in [0])


def _workload(wid):
    if wid not in _BUILT:
        _BUILT[wid] = WORKLOADS[wid]()
    return _BUILT[wid]


@pytest.mark.parametrize("wid", list(WORKLOADS))
def test_contenders(benchmark, wid):
    workload = _workload(wid)
    benchmark.group = workload["name"]
    # One benchmark per workload per contender would need the names before building; time
    # the baseline here and check every contender agrees with it.
    results = {k: fn() for k, fn in workload["contenders"].items()}
    values = [np.asarray(v, dtype=float) for v in results.values()]
    for v in values[1:]:
        np.testing.assert_allclose(v, values[0], rtol=1e-5)
    benchmark.extra_info["nfev"] = workload.get("nfev")
    benchmark(workload["contenders"][workload["baseline"]])
