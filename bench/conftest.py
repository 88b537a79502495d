"""pytest-benchmark suite of fastgrad: ``pytest bench``.

Every workload and contender lives in :mod:`fastgrad.benchmarks` (what ``fastgrad bench``
runs); the test files here are thin wrappers that hand them to pytest-benchmark, one benchmark
group per workload, fastgrad and its peers side by side, with the evaluations of f (``nfev``)
and the error of the result in ``extra_info``. A peer that is not installed is skipped with
"not installed".

Sizes (``--bench-size``): ``full`` when timing (the default of ``pytest bench``), ``smoke``
under ``--benchmark-disable`` (CI: every workload once at toy sizes, checked for correct
results; a slow machine cannot fail it), ``quick`` in between. With timing on, the goals of
:data:`fastgrad.benchmarks.GOALS` are evaluated at the end of the run and printed with
met / NOT met.

OpenBLAS reads ``OPENBLAS_NUM_THREADS`` once, when numpy is first imported; it is set to 1
here (unless set already) for SciPy's and numpy's timings. When numpy was imported before
this file (``pytest tests bench``: the tests' conftest comes first) the setting comes too
late; the report header says so. Run ``OPENBLAS_NUM_THREADS=1 pytest bench`` to be sure.
"""

from __future__ import annotations

import os
import sys

_NUMPY_FIRST = "numpy" in sys.modules and "OPENBLAS_NUM_THREADS" not in os.environ
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from fastgrad import benchmarks as B  # noqa: E402

_RESULTS = pytest.StashKey[dict]()
_MEMORY = pytest.StashKey[list]()


def pytest_addoption(parser):
    group = parser.getgroup("fastgrad benchmarks")
    group.addoption("--bench-size", choices=sorted(B.SIZES), default=None,
                    help="workload sizes: full (default when timing), quick, smoke "
                    "(default with --benchmark-disable)")


def bench_size(config) -> str:
    size = config.getoption("--bench-size", None)
    if size:
        return size
    return "smoke" if config.getoption("benchmark_disable", False) else "full"


def pytest_report_header(config):
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    late = " (numpy was imported before bench/conftest.py: not applied)" if _NUMPY_FIRST else ""
    return f"fastgrad benchmarks: size {bench_size(config)}, OPENBLAS_NUM_THREADS={blas}{late}"


@pytest.fixture(scope="session")
def size(request) -> str:
    return bench_size(request.config)


@pytest.fixture
def run_contender(request, benchmark, size):
    """``run_contender(workload_id, name)``: benchmark one contender of one workload."""
    results = request.config.stash.setdefault(_RESULTS, {})

    def run(workload_id: str, name: str) -> dict:
        w = B.build(workload_id, size)
        c = w.contender(name)
        reason = B.skip_reason(c, size)
        if reason:
            pytest.skip(reason)
        benchmark.group = f"{w.id}: {w.title}"
        outputs = []

        def call():
            out = c.fn()
            outputs.append(out)
            return out

        if c.heavy:
            benchmark.pedantic(call, rounds=c.rounds or B.SIZES[size].heavy_rounds,
                               iterations=1)
        else:
            c.fn()  # warm: the builder compiled it; some kernels finish on a second call
            benchmark(call)
        out = outputs[0]
        info = c.check(out) if c.check else {}
        if c.per_call > 1:
            info["gradients_per_call"] = c.per_call
        if c.scale != 1.0:
            info["time_scale"] = c.scale
        for key, value in info.items():
            for k, v in (value.items() if isinstance(value, dict) else [(key, value)]):
                if isinstance(v, (int, float, str, type(None))):
                    benchmark.extra_info[k] = v
        if c.note:
            benchmark.extra_info["note"] = c.note
        # smoke checks: a broken benchmark fails, a slow machine does not
        error = info.get("error")
        if error is not None:
            assert np.isfinite(error), f"{name}: error {error}"
            if c.tol is not None:
                assert error <= c.tol, f"{name}: error {error:.3g} > {c.tol:g}"
        if info.get("nfev") is not None:
            assert info["nfev"] > 0
        if not benchmark.disabled and benchmark.stats is not None:
            if c.seconds:
                seconds = float(np.median([c.seconds(o) for o in outputs]))
            else:
                seconds = benchmark.stats.stats.median
            row = {"peer": c.peer, "median_s": seconds * c.scale / c.per_call, **info}
            entry = results.setdefault(w.id, {"id": w.id, "title": w.title, "kind": w.kind,
                                              "fastgrad": w.fastgrad,
                                              "reference": w.reference, "contenders": {}})
            entry["contenders"][name] = row
        return info

    return run


@pytest.fixture
def memory_rows(request):
    rows = request.config.stash.setdefault(_MEMORY, [])
    return rows


def pytest_terminal_summary(terminalreporter, config):
    results = config.stash.get(_RESULTS, None)
    memory = config.stash.get(_MEMORY, None)
    if memory:
        terminalreporter.write_line(B.format_memory(memory))
    if not results:
        return
    terminalreporter.write_line(B.format_goals(B.evaluate_goals(results), bench_size(config)))
    for c in B.crossover(results).values():
        terminalreporter.write_line(f"\nJAX crossover, {c['sentence']}")
