"""Running the suite: select workloads, time every contender, keep the rows, evaluate the
goals and the crossover, measure memory, and echo the tables as it goes."""

from __future__ import annotations

import time
from typing import Sequence

from . import boxed
from .contenders import Contender, skip_reason
from .goals import crossover, evaluate_goals
from .memory_use import MEMORY_WORKLOADS, memory
from .least_squares import nist_lines, nist_summary
from .mgh20 import format_table, problem_rows, summary
from .peers import machine
from .report import format_goals, format_memory, format_workload
from .timing import measure, measure_together
from .workloads import WORKLOADS, build


def record(contender: Contender, seconds, rounds, out) -> dict:
    """What is kept of one contender's run: time per call, rounds, nfev, error and details."""
    row = {"peer": contender.peer, "median_s": seconds * contender.scale / contender.per_call,
           "rounds": rounds, "note": contender.note}
    if contender.check is not None:
        row.update(contender.check(out))
    return row


def run_workload(workload_id: str, size: str = "full", echo=print) -> dict:
    """Build and time every contender of one workload; the result as a JSON-ready dict."""
    t0 = time.perf_counter()
    try:
        w = build(workload_id, size)
    except Exception as exc:  # report it and go on with the other workloads
        return {"id": workload_id, "title": workload_id, "failed": f"{type(exc).__name__}: "
                f"{exc}", "contenders": {}}
    result = {"id": w.id, "title": w.title, "kind": w.kind, "fastgrad": w.fastgrad,
              "reference": w.reference, "params": w.params, "error": w.error,
              "contenders": {}}
    together = [c for c in w.contenders  # (a heavy contender has rounds of its own)
                if c.name in w.paired and not c.heavy and not skip_reason(c, size)]
    timed = {}
    if len(together) > 1:
        try:
            timed = dict(zip((c.name for c in together), measure_together(together, size)))
        except Exception:  # noqa: BLE001 - each is timed alone below, and says what failed
            timed = {}
    for c in w.contenders:
        reason = skip_reason(c, size)
        if reason:
            result["contenders"][c.name] = {"peer": c.peer, "skipped": reason}
            continue
        try:
            seconds, rounds, out = timed[c.name] if c.name in timed else measure(c, size)
            result["contenders"][c.name] = record(c, seconds, rounds, out)
        except Exception as exc:
            result["contenders"][c.name] = {"peer": c.peer,
                                            "failed": f"{type(exc).__name__}: {exc}"}
    result["seconds"] = time.perf_counter() - t0
    if echo:
        echo(format_workload(result))
    return result


def select(patterns: Sequence[str] | None) -> list:
    """Workload ids equal to one of ``patterns`` or, for a pattern that is no id, starting
    with it (all when None or empty), in the order of :data:`WORKLOADS`."""
    if not patterns:
        return list(WORKLOADS)
    ids = [wid for wid in WORKLOADS
           if any(wid == p or (p not in WORKLOADS and wid.startswith(p)) for p in patterns)]
    if not ids:
        raise ValueError(f"no workload id starts with {', '.join(patterns)}; "
                         f"ids: {', '.join(WORKLOADS)}")
    return ids


def run(size: str = "full", workloads: Sequence[str] | None = None, memory_too: bool = True,
        echo=print, command: str = "") -> dict:
    """Run the workloads (ids as :func:`select` takes them); the whole report as a dict."""
    ids = select(workloads)
    report = {"command": command, "size": size, "machine": machine(),
              "date": time.strftime("%Y-%m-%d %H:%M:%S"), "workloads": []}
    if echo:
        m = report["machine"]
        echo(f"fastgrad bench ({size}): {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
             f"numpy {m['numpy']}, numba {m['numba']}, scipy {m['scipy']}, "
             f"numdifftools {m['numdifftools']}, jax {m['jax']}; "
             f"OPENBLAS_NUM_THREADS={m['OPENBLAS_NUM_THREADS']}")
        if m["load_average"] and m["load_average"][0] > 0.5:
            echo(f"load average {m['load_average'][0]:g}: other processes are using the CPU, "
                 "so thread scaling and ratios will be noisy")
        echo("median time per call; 'vs ref.' = t(reference) / t(row); 'fastgrad' = t(row) / "
             "t(fastgrad): above 1, fastgrad is faster; error and nfev from the same run")
    for wid in ids:
        report["workloads"].append(run_workload(wid, size, echo=echo))
    results = {r["id"]: r for r in report["workloads"]}
    report["load_average_after"] = machine()["load_average"]
    report["goals"] = evaluate_goals(results)
    report["crossover"] = crossover(results)
    if problem_rows(results):
        report["mgh"] = summary(results)
    box_table = boxed.format_table(results)
    if box_table:
        report["bounds"] = boxed.summary(results)
    if nist_summary(results)["problems"]:
        report["nist"] = nist_summary(results)
    if memory_too and any(w in ids for w in MEMORY_WORKLOADS):
        try:
            report["memory"] = memory(size)
        except Exception as exc:  # report it with the rest
            report["memory"] = []
            report["memory_failed"] = f"{type(exc).__name__}: {exc}"
    if echo:
        if "mgh" in report:
            echo(format_table(results))
        if box_table:
            echo(box_table)
        for line in nist_lines(results):
            echo(line)
        echo(format_goals(report["goals"], size))
        for c in report["crossover"].values():
            echo(f"\nJAX crossover, {c['sentence']}")
        if report.get("memory"):
            echo(format_memory(report["memory"]))
        if report.get("memory_failed"):
            echo(f"\nmemory: FAILED: {report['memory_failed']}")
    return report
