"""Least squares against SciPy: the NIST StRD problems and 2,000 fits with per-fit data.

Thin wrappers over :mod:`fastgrad.benchmarks.least_squares` (see ``bench/conftest.py``).
"""

import pytest

from fastgrad import benchmarks as B

IDS = [w for w in B.WORKLOADS if w.startswith("lsq-")]


@pytest.mark.parametrize(("workload", "contender"), B.parameters(IDS), ids=B.parameter_id)
def test_least_squares(run_contender, workload, contender):
    run_contender(workload, contender)
