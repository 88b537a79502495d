"""How big the workloads are (:data:`SIZES`) and the constants they share."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..steps import CENTRAL, REL_STEPS

DIMS = (2, 10, 100, 1000)
"""Dimensions of the gradient workloads."""
LBFGS_DIMS = (10, 100)
LBFGS_GTOL = 1e-6
SEED_LR, SEED_STEPS = 0.01, 500
BATCH_DIM, BATCH_LR = 10, 1e-3
BATCH_SEED = 20240917
REL_CENTRAL = float(REL_STEPS[CENTRAL])
"""The relative step of central differences, ``eps**(1/3)``, as fastgrad uses it."""

DEFAULT_KW: dict = {}
"""The keyword arguments of ``fastgrad.minimize`` in the MGH-20 and simulation workloads:
none, so that they measure its default method and options (what the goals are about)."""
METHOD_ENV = "FASTGRAD_BENCH_METHOD"
"""An environment variable that, when set, adds ``method=<its value>`` to :data:`DEFAULT_KW`
(to try a method before it is the default; the reports say so)."""


def minimize_kw() -> dict:
    """:data:`DEFAULT_KW`, with ``method`` from :data:`METHOD_ENV` when that is set."""
    method = os.environ.get(METHOD_ENV)
    return {**DEFAULT_KW, "method": method} if method else dict(DEFAULT_KW)


def kw_text(kw: dict) -> str:
    """How a report names the call's options: "defaults", or the ones given."""
    given = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return "defaults" if not kw else f"{given}, from {METHOD_ENV}, NOT the default call"


@dataclass(frozen=True)
class Size:
    """How big the workloads are and how long each contender is timed."""

    starts: int          # batched: number of starts
    steps: int           # batched: gradient-descent steps
    ref_starts: int      # batched: starts run by the (slow) reference, its time scaled up
    slow_us: float       # cost of one call of the slow objective, microseconds
    reps_inside: int     # compiled workloads: gradients per call
    budget: float        # seconds of timing per contender (0: the warm-up call only)
    min_round: float     # seconds per timing round
    min_rounds: int
    max_rounds: int
    heavy_rounds: int    # rounds of the batched workload (each is one full run)
    cold_runs: int       # fresh processes per cold-start contender
    memory_steps: int    # batched steps when measuring memory (memory does not grow with them)
    lbfgs_max_iter: int  # L-BFGS iterations at most (smoke: a few, the result is not checked)
    skip_long: bool      # skip the contenders marked long (seconds per call)
    mgh_problems: tuple | None  # MGH-20: the problems run (None: all 20; others are skipped)
    simulation_max_iter: int | None  # the simulation fit: None runs it to convergence (long)
    nist_problems: tuple | None = None  # least squares: the NIST problems run (None: all)
    box_problems: tuple | None = None  # bounds and multistart: the problems run (None: all)


SIZES = {
    "full": Size(starts=10_000, steps=1_000, ref_starts=10, slow_us=50.0, reps_inside=200,
                 budget=1.0, min_round=0.05, min_rounds=3, max_rounds=7, heavy_rounds=3,
                 cold_runs=5, memory_steps=5, lbfgs_max_iter=100_000, skip_long=False,
                 mgh_problems=None, simulation_max_iter=None),
    "quick": Size(starts=1_000, steps=100, ref_starts=2, slow_us=50.0, reps_inside=50,
                  budget=0.05, min_round=0.005, min_rounds=1, max_rounds=5, heavy_rounds=1,
                  cold_runs=1, memory_steps=2, lbfgs_max_iter=100_000, skip_long=True,
                  mgh_problems=None, simulation_max_iter=None),
    "smoke": Size(starts=64, steps=10, ref_starts=1, slow_us=2.0, reps_inside=2,
                  budget=0.0, min_round=0.0, min_rounds=1, max_rounds=1, heavy_rounds=1,
                  cold_runs=1, memory_steps=2, lbfgs_max_iter=20, skip_long=True,
                  mgh_problems=("rosenbrock", "freudenstein_roth", "beale"),
                  simulation_max_iter=2, nist_problems=("Misra1a", "DanWood"),
                  box_problems=("hs3", "beale_box", "himmelblau")),
}
"""``full`` (``fastgrad bench``), ``quick`` (``--quick``, smaller and fewer rounds) and
``smoke`` (every workload once at toy sizes: ``pytest bench --benchmark-disable``, CI).

MGH-20 runs its 20 problems but at ``smoke`` (3 of them); each compiles a new objective, about
3 s apiece. The simulation fit (seconds per run) is skipped by ``quick`` and cut to 2
iterations by ``smoke``."""
