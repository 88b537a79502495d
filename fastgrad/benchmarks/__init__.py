"""Benchmarks: fastgrad against the reference and the tools its users would otherwise use.

``fastgrad bench [--quick] [--json FILE] [--plot FILE.png]`` runs every workload below in one
process, prints the median time of each contender with the ratios measured in the same run,
checks the performance goals (:data:`GOALS`), and saves JSON and a speedup chart. The
pytest-benchmark suite in ``bench/`` (``pytest bench``) is a thin wrapper over this module: it
runs the same workloads, one benchmark group per workload, so that there is one place for each.

Where things are (modules of this package):

* ``workloads``: the table of workloads, built by ``gradient_workloads``,
  ``minimize_workloads`` and ``cold_start`` from the rows (:class:`Contender`) of
  ``contenders``; a row calls fastgrad, a peer (``peers``) or a floor (``floors``) on an
  objective of ``objectives``, at a size of ``sizes``;
* ``suite``: runs the workloads, each contender timed by ``timing``, and the peak memory
  (``memory_use``);
* ``goals``: the performance goals and the JAX crossover; ``report``: the text and Markdown
  tables; ``chart``: the speedup chart;
* this module: the command line (``fastgrad bench``, ``python -m fastgrad.benchmarks``).

Workloads (``--list`` prints their ids):

* ``gradient-rosen-n{2,10,100,1000}``: the gradient of Rosenbrock written with numpy slices
  (:func:`rosenbrock_numpy`, the function every contender gets; fastgrad compiles it), called
  from Python, at the standard start of :func:`fastgrad.problems.make_rosenbrock`.
* ``gradient-slow-n{...}``: the same for an objective that burns about 50 us per call
  (:func:`make_slow_objective`): the time is then the evaluations, not the overhead.
* ``compiled-rosen-n{...}``: gradients computed inside a compiled loop (no Python in between):
  fastgrad's kernel, ``fastgrad.grad(f)`` called from ``@njit`` code, the hand-written Numba
  floor (a central-difference loop that evaluates f 2n times and nothing else) and a jitted
  JAX loop. The scheme and the step are passed as run-time values, as ``fastgrad.gradient``
  passes them, so the compiler cannot fold them into either loop.
* ``overhead-n3``: the per-call overhead of ``fastgrad.gradient``: its time minus that of a
  compiled call doing the same 2n evaluations.
* ``seed-gd``: the seeds' example: gradient descent on ``2(x-1)^2 + (y-0.5)^2 + (z+4)^2`` from
  (10, 10, 10), lr 0.01, 500 steps.
* ``lbfgs-rosen-n{10,100}``: L-BFGS on numpy Rosenbrock to ``||g||_inf <= 1e-6``, against
  SciPy's L-BFGS-B with finite differences (its default, ``jac="2-point"``).
* ``batched-rastrigin``: 10,000 starts of gradient descent on Rastrigin n = 10, 1,000 steps,
  in one batched call, on 2 threads and on 1, against the same algorithm vectorized in numpy.
* ``mgh-<problem>``: ``fastgrad.minimize(f, x0)`` with its default method against SciPy's
  L-BFGS-B and BFGS (finite differences) on each of the 20 Moré-Garbow-Hillstrom problems
  (``mgh20``): solved, success flag, nfev and warm time, one table of all 20.
* ``simulation-serial``, ``simulation-2-processes``: the same against L-BFGS-B on a 5 ms
  pure-Python simulation fit, serial and on a shared 2-process pool (``simulation``).
* ``box-<problem>``: ``fastgrad.minimize(f, x0, bounds=)`` against SciPy's L-BFGS-B on the
  box-constrained problems of :data:`fastgrad.problems.boxed.BOXED` (``boxed``): nfev, warm
  time and the distance to the minimizer; ``multistart-<problem>``: ``fastgrad.multistart``
  against a loop of L-BFGS-B over the same 64 starts (global minima found, time).
* ``cold-start``: a fresh process imports fastgrad and differentiates a new objective.

Peers, each only when installed (a row says ``skipped: not installed`` otherwise; ``pip
install 'fastgrad[bench]'`` installs them): ``fastgrad.reference``, SciPy
(``approx_fprime``, ``approx_derivative``, ``minimize``), numdifftools, JAX (``jax.jit``
of ``jax.grad``, exact reverse-mode autodiff, and jitted loops), and the hand-written Numba
floor. Peak memory of one call is measured for the batched workload and the n = 1000
gradient (:func:`memory`).

Timing: every contender is called once first (JIT warm-up, and the output whose error and
number of evaluations are recorded), then timed in rounds of enough calls to last
``min_round`` seconds; the median round is reported. SciPy and numpy are measured with
``OPENBLAS_NUM_THREADS=1``: on a shared machine OpenBLAS's own threads only add noise, and
the variable must be set before numpy is imported, so ``fastgrad bench`` runs the suite in a
child process with it set unless it is set already.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Sequence

import numpy as np

# Every name of the one module this package was, importable from here as before (tests/,
# bench/ and fastgrad.cli use them as fastgrad.benchmarks.X).
from .chart import PEER_COLOURS, plot
from .cold_start import COLD_CHILD, COLD_CONTENDERS, _child_env, cold_child
from .contenders import LONG, Contender, Workload, skip_reason
from .floors import numpy_gradient_descent
from .goals import GOALS, Goal, crossover, evaluate_goals
from .gradient_workloads import COMPILED_CONTENDERS, GRADIENT_CONTENDERS, SLOW_CONTENDERS
from .memory_use import MEMORY_WORKLOADS, memory, peak_memory
from .minimize_workloads import BATCHED_CONTENDERS, LBFGS_CONTENDERS, SEED_CONTENDERS
from .objectives import (
    compiled, make_slow_objective, rastrigin_numpy, rastrigin_numpy_batch, rosenbrock_numpy,
)
from .peers import _PEERS, INSTALL_HINT, machine, not_installed, peer, versions
from .report import (
    MARKDOWN_COLUMNS, fmt_bytes, fmt_ratio, fmt_time, format_goals, format_memory,
    format_workload, markdown,
)
from .sizes import (
    BATCH_DIM, BATCH_LR, BATCH_SEED, DIMS, LBFGS_DIMS, LBFGS_GTOL, REL_CENTRAL, SEED_LR,
    SEED_STEPS, SIZES, Size,
)
from .suite import record, run, run_workload, select
from .timing import PYTHON_PEERS, measure, median_seconds
from .workloads import WORKLOADS, build, parameter_id, parameters

__all__ = [
    "SIZES", "WORKLOADS", "GOALS", "Contender", "Workload", "build", "measure",
    "run_workload", "run", "evaluate_goals", "crossover", "memory", "plot",
    "rosenbrock_numpy", "rastrigin_numpy", "rastrigin_numpy_batch", "make_slow_objective",
    "add_arguments", "run_cli", "main",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``fastgrad bench`` (also of ``python -m fastgrad.benchmarks``)."""
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_const", dest="size", const="quick",
                       default="full", help="smaller workloads, fewer rounds")
    sizes.add_argument("--smoke", action="store_const", dest="size", const="smoke",
                       help="every workload once at toy sizes (a test that it runs; the "
                       "times mean nothing)")
    parser.add_argument("--json", metavar="FILE", help="save the full report as JSON")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="draw the speedup chart (needs matplotlib)")
    parser.add_argument("--workload", action="append", metavar="ID",
                        help="run only the workload ID, or those whose id starts with ID "
                        "(repeatable; --list shows the ids)")
    parser.add_argument("--no-memory", dest="memory", action="store_false",
                        help="skip the peak-memory measurement")
    parser.add_argument("--markdown", metavar="FILE",
                        help="also write the results as one Markdown table")
    parser.add_argument("--list", action="store_true", help="list the workload ids and exit")


def _argv(options) -> list:
    argv = {"quick": ["--quick"], "smoke": ["--smoke"]}.get(options.size, [])
    if options.json:
        argv += ["--json", options.json]
    if options.plot:
        argv += ["--plot", options.plot]
    if options.markdown:
        argv += ["--markdown", options.markdown]
    for w in options.workload or []:
        argv += ["--workload", w]
    if not options.memory:
        argv.append("--no-memory")
    return argv


def run_cli(options) -> int:
    """``fastgrad bench``: run, print, save. Exit status 0, or 1 if a workload failed.

    Without ``OPENBLAS_NUM_THREADS`` in the environment the suite runs in a child process
    that has it set to 1 (OpenBLAS reads it once, when numpy is imported).
    """
    if options.list:
        for wid, (_, names) in WORKLOADS.items():
            print(f"{wid:22s} {', '.join(names)}")
        return 0
    ids = select(options.workload)  # a bad id fails here, before anything runs
    if options.plot and not options.plot.lower().endswith(".png"):
        raise ValueError(f"--plot must name a .png file, got {options.plot!r}")
    if os.environ.get("OPENBLAS_NUM_THREADS") is None:
        env = {**_child_env(), "OPENBLAS_NUM_THREADS": "1"}
        return subprocess.call([sys.executable, "-m", "fastgrad.benchmarks", *_argv(options)],
                               env=env)
    command = "fastgrad bench " + " ".join(_argv(options))
    report = run(options.size, ids, memory_too=options.memory, command=command.strip())
    if options.json:
        os.makedirs(os.path.dirname(os.path.abspath(options.json)), exist_ok=True)
        with open(options.json, "w") as fh:
            json.dump(report, fh, indent=1, default=_json_default)
        print(f"\nJSON: {options.json}")
    if options.markdown:
        with open(options.markdown, "w") as fh:
            fh.write(markdown(report) + "\n")
        print(f"Markdown: {options.markdown}")
    if options.plot:
        drawn = plot(report, options.plot)
        print(f"chart: {drawn}" if drawn else "chart: not drawn, matplotlib is not installed "
              "(pip install 'fastgrad[plot]')")
    failed = [r["id"] for r in report["workloads"] if r.get("failed")] + [
        f"{r['id']}: {name}" for r in report["workloads"]
        for name, row in r["contenders"].items() if row.get("failed")]
    if failed:
        print(f"\nFAILED: {'; '.join(failed)}")
        return 1
    return 0


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m fastgrad.benchmarks``: the same options as ``fastgrad bench``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m fastgrad.benchmarks",
                                     description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run_cli(parser.parse_args(argv))
