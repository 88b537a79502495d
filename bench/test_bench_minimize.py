"""Minimization: the seeds' gradient-descent example, L-BFGS, batched multi-start, MGH-20,
bounds and multistart, and the simulation fit.

Thin wrappers over :mod:`fastgrad.benchmarks` (see ``bench/conftest.py``).
"""

import pytest

from fastgrad import benchmarks as B

IDS = [w for w in B.WORKLOADS
       if w.startswith(("seed-", "lbfgs-", "batched-", "mgh-", "box-", "multistart-",
                        "simulation-"))]


@pytest.mark.parametrize(("workload", "contender"), B.parameters(IDS), ids=B.parameter_id)
def test_minimize(run_contender, workload, contender):
    run_contender(workload, contender)
