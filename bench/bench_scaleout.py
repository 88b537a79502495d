"""Scale-out measurements: ``workers=`` and the parallel single-point gradient.

Run from the repository root: ``python bench/bench_scaleout.py [--quick]``. Prints medians of
repeated runs and the ratios measured side by side in this one process:

1. an objective that sleeps 20 ms per call, n = 8 (16 evaluations per central gradient):
   serial (``jit=False``) vs ``workers=8`` threads vs a 2-worker ``distributed.LocalCluster``
   (when dask is installed);
2. batched multi-start (4,000 starts of gd on Rastrigin n = 10) in one process vs split in
   chunks over a 2-worker ``LocalCluster``;
3. the parallel single-point gradient of a compiled objective (``parallel=True`` vs
   ``parallel=False``) for Rosenbrock n = 100 and 1000 and for an objective costing ~0.3 ms
   per call, n = 8: where threads pay for themselves (the basis of
   ``fastgrad.diff.api.PARALLEL_MIN_SECONDS``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numba
import numpy as np

import fastgrad
from fastgrad import problems


def median_time(fn, repeat: int) -> float:
    fn()  # warm: compile, start pools
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


@numba.njit
def busy(x):
    """About 0.3 ms of arithmetic per call on this kind of machine."""
    s = 0.0
    for k in range(20000):
        s += np.sin(x[k % x.shape[0]] + k * 1e-9)
    return s


def workers_table(repeat: int) -> None:
    x = np.linspace(0.1, 0.8, 8)
    args = (0.02,)
    rows = {"serial (jit=False)": lambda: fastgrad.gradient(
        problems.sleepy_sphere, x, args=args, jit=False)}
    rows["workers=8 (threads)"] = lambda: fastgrad.gradient(
        problems.sleepy_sphere, x, args=args, workers=8)
    cluster = client = None
    try:
        import distributed

        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=50)
        client = distributed.Client(cluster)
        executor = client.get_executor()
        rows["2-worker LocalCluster"] = lambda: fastgrad.gradient(
            problems.sleepy_sphere, x, args=args, workers=executor)
    except ImportError:
        print("  2-worker LocalCluster: skipped: dask.distributed not installed")
    try:
        times = {k: median_time(fn, repeat) for k, fn in rows.items()}
    finally:
        if client is not None:
            client.close()
            cluster.close()
    base = times["serial (jit=False)"]
    print("\nobjective sleeping 20 ms per call, n = 8, central differences (16 evaluations)")
    for k, t in times.items():
        print(f"  {k:28s} {t * 1e3:9.1f} ms   {base / t:6.2f}x faster than serial")


def batch_table(repeat: int, starts: int = 4000, steps: int = 300) -> None:
    """Batched multi-start (Rastrigin n = 10, gd): one process vs 2 Dask worker processes."""
    try:
        import distributed
    except ImportError:
        print("\nbatched multi-start over a cluster: skipped: dask.distributed not installed")
        return
    rastrigin = problems.make_rastrigin(10)
    X = np.random.default_rng(0).uniform(-5.12, 5.12, (starts, 10))
    options = dict(method="gd", lr=1e-3, max_iter=steps, gtol=0.0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=50) as cluster, \
            distributed.Client(cluster) as client:
        executor = client.get_executor()
        local = median_time(lambda: fastgrad.minimize(rastrigin.f, X, **options), repeat)
        remote = median_time(lambda: fastgrad.minimize(rastrigin.f, X, workers=executor,
                                                       **options), repeat)
    print(f"\nbatched gd, {starts} starts x {steps} steps, Rastrigin n = 10")
    print(f"  one process ({numba.get_num_threads()} Numba threads) {local:8.3f} s")
    print(f"  2-worker LocalCluster (chunks)       {remote:8.3f} s   {local / remote:5.2f}x")


def parallel_table(repeat: int) -> None:
    print(f"\nsingle-point gradient over {numba.get_num_threads()} Numba threads "
          "(parallel=True) vs one (parallel=False)")
    rosen = numba.njit(problems.rosenbrock)
    for name, f, n in (("Rosenbrock", rosen, 100), ("Rosenbrock", rosen, 1000),
                       ("0.3 ms objective", busy, 8)):
        x = np.linspace(-1.0, 2.0, n)
        serial = median_time(lambda: fastgrad.gradient(f, x, parallel=False), repeat)
        parallel = median_time(lambda: fastgrad.gradient(f, x, parallel=True), repeat)
        print(f"  {name:18s} n={n:5d}  serial {serial * 1e3:8.3f} ms  parallel "
              f"{parallel * 1e3:8.3f} ms  speedup {serial / parallel:5.2f}x")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    options = parser.parse_args(argv)
    repeat = 3 if options.quick else 9
    workers_table(repeat)
    batch_table(max(3, repeat // 3))
    parallel_table(repeat * 5)


if __name__ == "__main__":
    main()
