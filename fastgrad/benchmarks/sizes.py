"""How big the workloads are (:data:`SIZES`) and the constants they share."""

from __future__ import annotations

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


SIZES = {
    "full": Size(starts=10_000, steps=1_000, ref_starts=10, slow_us=50.0, reps_inside=200,
                 budget=1.0, min_round=0.05, min_rounds=3, max_rounds=7, heavy_rounds=3,
                 cold_runs=5, memory_steps=5, lbfgs_max_iter=100_000, skip_long=False),
    "quick": Size(starts=1_000, steps=100, ref_starts=2, slow_us=50.0, reps_inside=50,
                  budget=0.05, min_round=0.005, min_rounds=1, max_rounds=5, heavy_rounds=1,
                  cold_runs=1, memory_steps=2, lbfgs_max_iter=100_000, skip_long=True),
    "smoke": Size(starts=64, steps=10, ref_starts=1, slow_us=2.0, reps_inside=2,
                  budget=0.0, min_round=0.0, min_rounds=1, max_rounds=1, heavy_rounds=1,
                  cold_runs=1, memory_steps=2, lbfgs_max_iter=20, skip_long=True),
}
"""``full`` (``fastgrad bench``), ``quick`` (``--quick``, under a minute on 2 cores) and
``smoke`` (every workload once at toy sizes: ``pytest bench --benchmark-disable``, CI)."""
