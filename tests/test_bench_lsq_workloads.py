"""The least-squares workloads of ``fastgrad bench`` (:mod:`fastgrad.benchmarks.least_squares`):
registered, run in their quick form with the numbers they claim, and summarized for the goals."""

from __future__ import annotations

import pytest

from fastgrad import benchmarks as B
from fastgrad.benchmarks import least_squares as L
from fastgrad.benchmarks.goals import evaluate_goals
from fastgrad.benchmarks.suite import run, select
from fastgrad.problems import nist


def test_every_nist_problem_and_the_fits_are_workloads():
    ids = select(["lsq"])
    assert ids == [L.NIST_PREFIX + name for name in nist.NAMES] + ["lsq-fits-2000"]


def _row(digits, success, nfev, seconds):
    return {"digits": digits, "success": success, "nfev": nfev, "median_s": seconds}


def _results(names, fastgrad_row, scipy_row):
    return {L.NIST_PREFIX + name: {"contenders": {
        **{L.fastgrad_name(s): fastgrad_row(name, s) for s in L.STARTS},
        **{L.scipy_name(s): scipy_row(name, s) for s in L.STARTS}}} for name in names}


def test_nist_summary_and_goals_read_every_problem_or_none():
    names = list(nist.NAMES)
    results = _results(
        names, lambda name, s: _row(7.0 if name != "ENSO" else 3.0, True, 12, 1e-4),
        lambda name, s: _row(7.0 if name != "Hahn1" else 2.0, name != "ENSO", 10, 1e-3))
    s = L.nist_summary(results)
    assert s["complete"] and s["problems"] == 19
    assert s[1]["scipy_only"] == ["ENSO"] and "Hahn1" in s[1]["fastgrad"]
    assert s["both"] == 36  # ENSO's two runs: SciPy did not succeed
    assert s["time_ratio"] == pytest.approx(10.0) and s["nfev_ratio"] == pytest.approx(1.2)
    goals = {g["goal"]: g for g in evaluate_goals(results)}
    only = goals["NIST start 1: 6 digits by SciPy lm, not by least_squares"]
    assert (only["value"], only["status"]) == (1, "NOT met")
    assert goals["NIST: warm time vs SciPy least_squares lm, median"]["status"] == "met"
    del results[L.NIST_PREFIX + "Gauss1"]  # part of the problems: not measured
    goals = {g["goal"]: g for g in evaluate_goals(results)}
    assert goals["NIST: warm time vs SciPy least_squares lm, median"]["status"] == \
        "not measured"


@pytest.mark.slow
def test_quick_run_of_a_nist_problem_and_the_2000_fits(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    report = run("quick", ["lsq-nist-Misra1a", "lsq-fits-2000"], memory_too=False, echo=None)
    rows = {w["id"]: w["contenders"] for w in report["workloads"]}
    misra = rows["lsq-nist-Misra1a"]
    for s in L.STARTS:
        fg, sp = misra[L.fastgrad_name(s)], misra[L.scipy_name(s)]
        assert fg["success"] and fg["digits"] >= 6.0 and fg["median_s"] > 0
        assert sp["success"] and sp["nfev"] > 0
    fits = rows["lsq-fits-2000"]
    for name in (L.LSQ_BATCHED, L.LSQ_PRANGE, L.LSQ_SERIAL, L.LSQ_LOOP):
        assert fits[name]["error"] == 0.0 and fits[name]["median_s"] > 0  # bit for bit
    assert fits[L.LSQ_SCIPY]["error"] < 1e-5
    goals = {g["goal"]: g for g in report["goals"]}
    for name in ("2,000 lsq fits: batched call vs loop of SciPy's",
                 "2,000 lsq fits: batched call vs loop of least_squares"):
        assert goals[name]["status"] in ("met", "NOT met")
    assert report["nist"]["problems"] == 1 and not report["nist"]["complete"]
