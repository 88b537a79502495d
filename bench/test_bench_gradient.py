"""Gradients: numpy Rosenbrock and a slow objective from Python, compiled loops, overhead.

Thin wrappers over :mod:`fastgrad.benchmarks` (see ``bench/conftest.py``).
"""

import pytest

from fastgrad import benchmarks as B

IDS = [w for w in B.WORKLOADS if w.startswith(("gradient-", "compiled-", "overhead-"))]


@pytest.mark.parametrize(("workload", "contender"), B.parameters(IDS), ids=B.parameter_id)
def test_gradient(run_contender, workload, contender):
    run_contender(workload, contender)
