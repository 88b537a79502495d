"""Cold start (fresh processes) and peak memory.

Thin wrappers over :mod:`fastgrad.benchmarks` (see ``bench/conftest.py``).
"""

import pytest

from fastgrad import benchmarks as B


@pytest.mark.parametrize(("workload", "contender"), B.parameters(["cold-start"]),
                         ids=B.parameter_id)
def test_cold_start(run_contender, workload, contender):
    info = run_contender(workload, contender)
    assert 0.0 < info["parts"]["import"] < info["parts"]["total"]


def test_peak_memory(size, memory_rows):
    """Peak memory of the n = 1000 gradient and of the batched workload (printed at the end)."""
    rows = B.memory(size)
    memory_rows.extend(rows)
    measured = {(r["workload"], r["contender"]) for r in rows}
    assert ("gradient-rosen-n1000", "fastgrad.gradient") in measured
    assert ("batched-rastrigin", "fastgrad, 1 thread") in measured
    assert all(r["peak_bytes"] >= 0 for r in rows)
