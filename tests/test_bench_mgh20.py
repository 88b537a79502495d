"""The MGH-20 and simulation workloads of ``fastgrad bench`` at the smoke size (a few
problems, 2 iterations of the fit), and the goals computed from given rows."""

import numpy as np
import pytest

from fastgrad import benchmarks as B
from fastgrad.benchmarks import mgh20, simulation, sizes
from fastgrad.problems import MGH, at_local_minimum, is_solved

ROW_KEYS = {"peer", "median_s", "rounds", "note", "nfev", "fun", "error", "solved", "success",
            "local_minimum", "nit", "message"}


def test_every_new_workload_is_listed():
    for name in MGH:
        assert B.WORKLOADS[f"mgh-{name}"][1] == mgh20.MGH_CONTENDERS
    assert B.select(["simulation"]) == ["simulation-serial", "simulation-2-processes"]
    assert len(B.select(["mgh-"])) == 20


@pytest.mark.parametrize("name", ["rosenbrock", "freudenstein_roth"])
def test_mgh_workload_rows_at_smoke_size(name):
    p = MGH[name]
    result = B.run_workload(f"mgh-{name}", "smoke", echo=None)
    assert result["kind"] == "mgh" and result["params"]["minimize_kw"] == sizes.minimize_kw()
    for contender, row in result["contenders"].items():
        assert set(row) == ROW_KEYS, contender
        assert row["median_s"] > 0 and row["nfev"] > 0 and isinstance(row["success"], bool)
        assert row["solved"] == is_solved(p, row["fun"])
    lbfgsb = result["contenders"][mgh20.LBFGSB]
    if name == "rosenbrock":
        assert lbfgsb["solved"] and lbfgsb["success"] and lbfgsb["error"] < 1e-6
    else:  # SciPy stops at the documented local minimum 48.98..., with success
        assert lbfgsb["local_minimum"] and lbfgsb["success"] and not lbfgsb["solved"]
        assert not mgh20.disagrees(lbfgsb)


def test_smoke_size_skips_the_other_mgh_problems():
    result = B.run_workload("mgh-wood", "smoke", echo=None)
    assert all("runs 3 of the 20 MGH problems" in row["skipped"]
               for row in result["contenders"].values())
    assert mgh20.summary({"mgh-wood": result})["problems"] == 0


def test_method_override_is_said(monkeypatch):
    monkeypatch.delenv(sizes.METHOD_ENV, raising=False)
    assert sizes.minimize_kw() == sizes.DEFAULT_KW == {}
    assert sizes.kw_text(sizes.minimize_kw()) == "defaults"
    monkeypatch.setenv(sizes.METHOD_ENV, "lbfgs")
    assert sizes.minimize_kw() == {"method": "lbfgs"}
    assert "NOT the default call" in sizes.kw_text(sizes.minimize_kw())


def test_simulation_serial_at_smoke_size():
    result = B.run_workload("simulation-serial", "smoke", echo=None)
    assert result["params"]["max_iter"] == 2
    for row in result["contenders"].values():
        assert row["median_s"] > 0 and row["nfev"] > 0 and row["nit"] <= 2
        assert row["rounds"] == 1 and isinstance(row["fun"], float)
    assert np.isfinite(result["contenders"][simulation.SIM_SCIPY]["fun"])


def test_simulation_on_a_process_pool_at_smoke_size():
    result = B.run_workload("simulation-2-processes", "smoke", echo=None)
    rows = result["contenders"]
    assert rows[simulation.SIM_SCIPY]["nfev"] > 0 and rows[simulation.SIM_SCIPY]["nit"] <= 2
    assert "failed" not in rows[simulation.SIM_FASTGRAD], rows[simulation.SIM_FASTGRAD]
    assert rows[simulation.SIM_FASTGRAD]["nfev"] > 0


def test_quick_size_skips_the_simulation_without_starting_a_pool(monkeypatch):
    monkeypatch.setattr(simulation, "start_pool", lambda n: pytest.fail("pool started"))
    w = simulation.simulation_workload("quick", 2)
    assert [c.skip for c in w.contenders] == [B.LONG, B.LONG]


# ---------------------------------------------------------------------------
# Goals from given rows
# ---------------------------------------------------------------------------


def _row(p, fun, success, nfev, seconds):
    return {"median_s": seconds, "nfev": nfev, "fun": fun, "success": success,
            "solved": is_solved(p, fun), "local_minimum": at_local_minimum(p, fun)}


def _mgh_results(fastgrad_fun=None, fastgrad_nfev=50, fastgrad_s=1e-4, skip=()):
    """Rows of all 20 problems: SciPy solves each with 100 evaluations in 3 ms (BFGS 2 ms);
    fastgrad reaches ``fastgrad_fun[name]`` (default fmin), with success when that solves the
    problem or is a documented local minimum."""
    out = {}
    for name, p in MGH.items():
        if name in skip:
            continue
        fun = (fastgrad_fun or {}).get(name, p.fmin)
        success = is_solved(p, fun) or at_local_minimum(p, fun)
        rows = {mgh20.FASTGRAD: _row(p, fun, success, fastgrad_nfev, fastgrad_s),
                mgh20.LBFGSB: _row(p, p.fmin, True, 100, 3e-3),
                mgh20.BFGS: _row(p, p.fmin, True, 100, 2e-3)}
        out[f"mgh-{name}"] = {"contenders": rows}
    return out


def _goals(results):
    return {r["goal"]: r for r in B.evaluate_goals(results) if r["goal"].startswith("MGH")}


SOLVED, NFEV, FLAGS, TIME = (
    "MGH-20: problems fastgrad.minimize solves (default method)",
    "MGH-20: median nfev(fastgrad) / nfev(L-BFGS-B), both solve",
    "MGH-20: success flags != solved (but at a local minimum)",
    "MGH-20: warm time vs SciPy L-BFGS-B, median ratio")


def test_mgh_goals_met():
    local = {"freudenstein_roth": 48.98425367924003, "biggs_exp6": 5.65565e-3}
    goals = _goals(_mgh_results(local))
    assert goals[SOLVED]["value"] == 18 and goals[SOLVED]["measured"] == "18"
    assert goals[NFEV]["value"] == 0.5 and goals[TIME]["value"] == pytest.approx(30.0)
    assert goals[FLAGS]["value"] == 0  # success at the two documented local minima
    assert all(g["status"] == "met" for g in goals.values())


def test_mgh_goals_not_met():
    results = _mgh_results({"rosenbrock": 1.0, "wood": 2.0, "watson": 1.0},
                           fastgrad_nfev=95, fastgrad_s=2e-4)
    results["mgh-rosenbrock"]["contenders"][mgh20.FASTGRAD]["success"] = True  # a false claim
    goals = _goals(results)
    assert goals[SOLVED]["value"] == 17 and goals[NFEV]["value"] == 0.95
    assert goals[FLAGS]["value"] == 1 and goals[TIME]["value"] == pytest.approx(15.0)
    assert all(g["status"] == "NOT met" for g in goals.values())


def test_mgh_goals_need_all_20_problems():
    goals = _goals(_mgh_results(skip=("watson",)))
    assert all(g["status"] == "not measured" for g in goals.values())
    summary = mgh20.summary(_mgh_results(skip=("watson",)))
    assert summary["problems"] == 19 and not summary["complete"]
    assert summary[mgh20.FASTGRAD]["solved"] == 19


def test_disagreement_rule():
    assert not mgh20.disagrees({"success": True, "solved": False, "local_minimum": True})
    assert mgh20.disagrees({"success": True, "solved": False, "local_minimum": False})
    assert mgh20.disagrees({"success": False, "solved": True, "local_minimum": False})
    assert not mgh20.disagrees({"success": False, "solved": False, "local_minimum": True})


def test_simulation_goals_from_given_rows():
    def results(serial, pooled):
        return {wid: {"contenders": {simulation.SIM_FASTGRAD: {"median_s": t},
                                     simulation.SIM_SCIPY: {"median_s": 10.0}}}
                for wid, t in (("simulation-serial", serial),
                               ("simulation-2-processes", pooled)) if t is not None}

    names = ("simulation fit, serial: t(fastgrad) / t(SciPy L-BFGS-B)",
             "simulation fit, 2 processes: t(fastgrad) / t(SciPy)")
    rows = {r["goal"]: r for r in B.evaluate_goals(results(7.0, 9.0))}
    assert [rows[n]["status"] for n in names] == ["met", "NOT met"]
    assert rows[names[0]]["measured"] == "0.7x"
    rows = {r["goal"]: r for r in B.evaluate_goals(results(8.0, None))}
    assert [rows[n]["status"] for n in names] == ["met", "not measured"]


def test_mgh_table_lists_each_problem_and_the_summary():
    results = _mgh_results({"freudenstein_roth": 48.98425367924003})
    text = mgh20.format_table(results)
    assert " 1 rosenbrock" in text and "20 watson" in text
    assert "solved 19/20" in text and "median over the 19 problems both solve: 0.5" in text
    assert mgh20.format_table({}) == ""
