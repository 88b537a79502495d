"""The bounds and multistart workloads of ``fastgrad bench`` (box-<problem>,
multistart-<problem>) at the smoke size, and their summary and goals from given rows."""

import pytest

from fastgrad import benchmarks as B
from fastgrad.benchmarks import boxed
from fastgrad.benchmarks.goals import evaluate_goals
from fastgrad.problems.boxed import BOXED, GLOBAL


def test_every_workload_is_listed():
    assert B.select(["box-"]) == [f"box-{name}" for name in BOXED]
    assert B.select(["multistart-"]) == [f"multistart-{name}" for name in GLOBAL]


def test_box_workload_at_smoke_size():
    pytest.importorskip("scipy")
    result = B.run_workload("box-hs3", "smoke", echo=None)
    rows = result["contenders"]
    ours, theirs = rows[boxed.BOX_FASTGRAD], rows[boxed.BOX_SCIPY]
    assert ours["success"] and ours["error"] <= boxed.SAME_POINT  # HS 3: x* = (0, 0)
    assert ours["nfev"] > 0 and theirs["nfev"] > 0 and theirs["median_s"] > 0
    assert ours["x"][1] >= 0.0  # the bound x2 >= 0


def test_other_box_problems_are_skipped_at_smoke_size():
    result = B.run_workload("box-hs110", "smoke", echo=None)
    assert all("runs hs3, beale_box, himmelblau only" in row["skipped"]
               for row in result["contenders"].values())


def test_multistart_workload_at_smoke_size():
    pytest.importorskip("scipy")
    result = B.run_workload("multistart-himmelblau", "smoke", echo=None)
    for row in result["contenders"].values():
        assert row["found"] == row["minima"] == 4 and row["nfev"] > 0


def _row(t, nfev, error=0.0, **more):
    return {"median_s": t, "nfev": nfev, "error": error, **more}


def test_summary_and_goals_from_given_rows():
    """Ratios are medians over the problems; goals read only complete sets."""
    results = {}
    for k, name in enumerate(BOXED):
        results[f"box-{name}"] = {"contenders": {
            boxed.BOX_FASTGRAD: _row(1e-4, 10 + k, 1e-9 if k else 1e-3),
            boxed.BOX_SCIPY: _row(3e-3, 10, 1e-9)}}
    s = boxed.summary(results)
    assert s["box_complete"] and s["time_ratio"] == pytest.approx(30.0)
    median_k = sorted(range(len(BOXED)))[len(BOXED) // 2]
    assert s["nfev_ratio"] == pytest.approx((10 + median_k) / 10)
    assert s["fastgrad_reached"] == len(BOXED) - 1 and s["scipy_reached"] == len(BOXED)
    goals = {g["goal"]: g for g in evaluate_goals(results)}
    assert goals["bounds: warm time vs SciPy L-BFGS-B, median ratio"]["status"] == "met"
    assert goals["bounds: median nfev(fastgrad) / nfev(L-BFGS-B)"]["status"] == "NOT met"
    assert goals["bounds: box problems fastgrad.minimize reaches to 1e-6"]["status"] == \
        "NOT met"
    assert goals["multistart: global minima found (Himmelblau 4, six-hump camel 2)"][
        "status"] == "not measured"
    del results[f"box-{next(iter(BOXED))}"]
    assert boxed.goal_value(results, "nfev_ratio") is None  # part of the set: not a goal
    assert "median nfev(fastgrad) / nfev(L-BFGS-B)" in boxed.format_table(results)
