"""Tests of ``fastgrad bench`` and of :mod:`fastgrad.benchmarks` (the workloads themselves
run in ``pytest bench``)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from fastgrad import benchmarks as B
from fastgrad import cli, problems


@pytest.fixture
def rng():
    return np.random.default_rng(20240917)


@pytest.fixture
def pinned(monkeypatch):
    """OPENBLAS_NUM_THREADS set: ``fastgrad bench`` runs in this process."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")


def test_bench_is_a_registered_subcommand():
    parser = cli.build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    assert "bench" in action.choices
    assert cli.add_bench in cli.SUBCOMMANDS


def test_list_names_every_workload(capsys):
    assert cli.main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    for wid in ("gradient-rosen-n1000", "gradient-slow-n10", "compiled-rosen-n100",
                "overhead-n3", "seed-gd", "lbfgs-rosen-n10", "lbfgs-rosen-n100",
                "batched-rastrigin", "cold-start"):
        assert wid in out
    assert "jax.jit(jax.grad)" in out and "numba floor" in out and "scipy approx_fprime" in out


def test_smoke_run_prints_table_goals_and_saves_json_and_chart(pinned, tmp_path, capsys):
    path, png = tmp_path / "out" / "bench.json", tmp_path / "chart.png"
    argv = ["bench", "--smoke", "--workload", "overhead", "--workload", "compiled-rosen-n10",
            "--no-memory", "--json", str(path), "--plot", str(png)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "per-call overhead of fastgrad.gradient" in out and "[overhead-n3" in out
    assert "numba floor" in out and "itself" in out
    assert "GOALS" in out and "smoke run" in out
    assert "NOT met" in out or " met" in out
    assert "not measured" in out  # the workloads not run
    report = json.loads(path.read_text())
    assert report["size"] == "smoke" and report["machine"]["OPENBLAS_NUM_THREADS"] == "1"
    assert [w["id"] for w in report["workloads"]] == ["compiled-rosen-n10", "overhead-n3"]
    row = report["workloads"][0]["contenders"]["fastgrad kernel"]
    assert row["median_s"] > 0 and row["nfev"] == 20 and row["error"] < 1e-6
    goals = {g["goal"]: g for g in report["goals"]}
    assert goals["compiled gradient vs Numba floor, n = 10"]["status"] in ("met", "NOT met")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "chart: not drawn" in out
    else:
        assert png.stat().st_size > 1000 and f"chart: {png}" in out


def test_without_openblas_pinned_it_runs_in_a_child_with_it_set(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    calls = []
    monkeypatch.setattr(B.subprocess, "call", lambda argv, env: calls.append((argv, env)) or 0)
    path = tmp_path / "bench.json"
    assert cli.main(["bench", "--quick", "--workload", "seed-gd", "--json", str(path)]) == 0
    (argv, env), = calls
    assert argv[1:] == ["-m", "fastgrad.benchmarks", "--quick", "--json", str(path),
                        "--workload", "seed-gd"]
    assert env["OPENBLAS_NUM_THREADS"] == "1"


def test_python_dash_m_fastgrad_benchmarks():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "fastgrad.benchmarks", "--list"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0 and "batched-rastrigin" in done.stdout


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bench", "--workload", "nonesuch"], "no workload id starts with nonesuch"),
        (["bench", "--plot", "chart.svg"], "--plot must name a .png file"),
    ],
)
def test_bad_options_exit_with_status_2(pinned, argv, message, capsys):
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_quick_and_smoke_are_exclusive(capsys):
    with pytest.raises(SystemExit):
        cli.main(["bench", "--quick", "--smoke"])


def test_peers_not_installed_are_skipped_with_a_reason(monkeypatch):
    monkeypatch.setitem(B._PEERS, "jax", None)
    monkeypatch.setitem(B._PEERS, "numdifftools", None)
    w = B.WORKLOADS["gradient-rosen-n2"][0]("smoke")
    skipped = {c.name: c.skip for c in w.contenders if c.skip}
    assert set(skipped) == {"jax.jit(jax.grad)", "numdifftools Gradient"}
    assert all("not installed" in reason for reason in skipped.values())
    result = {"id": w.id, "title": w.title, "fastgrad": w.fastgrad, "reference": w.reference,
              "contenders": {c.name: ({"peer": c.peer, "skipped": c.skip} if c.skip else
                                      {"peer": c.peer, "median_s": 1e-6, "nfev": 4,
                                       "error": 1e-10}) for c in w.contenders}}
    table = B.format_workload(result)
    assert "skipped: jax: not installed (pip install 'fastgrad[bench]')" in table


def test_long_contenders_are_skipped_when_quick():
    c = B.Contender("x", "numdifftools", fn=lambda: None, long=True)
    assert B.skip_reason(c, "quick") == B.LONG and B.skip_reason(c, "full") is None


def test_paired_contenders_are_timed_in_alternating_rounds(monkeypatch):
    from fastgrad.benchmarks import suite, timing

    calls = []

    def contender(name, seconds):
        def fn():
            calls.append(name)
            t0 = timing.time.perf_counter()
            while timing.time.perf_counter() - t0 < seconds:
                pass
            return name

        return B.Contender(name, "fastgrad", fn, lambda out: {"error": 0.0, "out": out})

    slow, fast = contender("slow", 2e-3), contender("fast", 1e-3)
    alone = contender("alone", 1e-4)
    w = B.Workload("pair", "a pair", "gd", "fast", [slow, fast, alone], paired=("slow", "fast"))
    monkeypatch.setattr(suite, "build", lambda wid, size: w)
    result = suite.run_workload("pair", "quick", echo=None)
    rows = result["contenders"]
    assert rows["slow"]["out"] == "slow" and rows["fast"]["out"] == "fast"
    assert rows["slow"]["rounds"] == rows["fast"]["rounds"] >= timing.PAIRED_MIN_ROUNDS
    assert 1.3 < rows["slow"]["median_s"] / rows["fast"]["median_s"] < 4.0
    paired = [name for name in calls if name != "alone"]
    # after each one's warm-up and calibration, the timed rounds alternate the two (each
    # round calls one contender several times in a row: the runs of equal names)
    rounds = rows["slow"]["rounds"]
    sequence = [name for i, name in enumerate(paired) if i == 0 or paired[i - 1] != name]
    assert sequence[-2 * rounds:] == ["slow", "fast"] * rounds
    assert calls[-1] == "alone"  # timed alone, after the pair


def test_paired_timing_of_the_smoke_size_times_the_first_call_only():
    from fastgrad.benchmarks import timing

    calls = []
    pair = [B.Contender(name, "fastgrad", lambda name=name: calls.append(name) or name)
            for name in ("a", "b")]
    out = timing.measure_together(pair, "smoke")
    assert calls == ["a", "b"] and [o[1:] for o in out] == [(1, "a"), (1, "b")]


def _results(times: dict) -> dict:
    out = {}
    for (wid, name), seconds in times.items():
        out.setdefault(wid, {"contenders": {}})["contenders"][name] = {"median_s": seconds}
    return out


def test_goals_report_met_not_met_and_not_measured():
    results = _results({
        ("compiled-rosen-n10", "fastgrad kernel"): 1.1e-6,
        ("compiled-rosen-n10", "numba floor"): 1.0e-6,
        ("compiled-rosen-n100", "fastgrad kernel"): 1.5e-5,
        ("compiled-rosen-n100", "numba floor"): 1.0e-5,
        ("overhead-n3", "fastgrad.gradient"): 2.5e-6,
        ("overhead-n3", "compiled 2n evaluations"): 0.5e-6,
        ("batched-rastrigin", "fastgrad, 1 thread"): 2.0,
        ("batched-rastrigin", "fastgrad, 2 threads"): 1.5,
    })
    rows = {r["goal"]: r for r in B.evaluate_goals(results)}
    assert rows["compiled gradient vs Numba floor, n = 10"]["status"] == "met"
    assert rows["compiled gradient vs Numba floor, n = 100"]["status"] == "NOT met"
    assert rows["per-call overhead of fastgrad.gradient (n = 3)"]["status"] == "met"
    assert rows["per-call overhead of fastgrad.gradient (n = 3)"]["measured"] == "2 us"
    assert rows["batched gd, 1 -> 2 threads"]["status"] == "NOT met"
    assert rows["seeds' example vs fastgrad.reference"]["status"] == "not measured"
    assert len(rows) == len(B.GOALS)
    text = B.format_goals(list(rows.values()))
    assert "GOAL" in text and "NOT met" in text


def test_crossover_sentence_says_where_jax_autodiff_wins():
    times = {}
    for n, fg, jx in ((2, 5e-6, 2e-5), (10, 8e-6, 2e-5), (100, 7e-5, 1e-4), (1000, 5e-3, 1e-4)):
        times[(f"gradient-rosen-n{n}", "fastgrad.gradient")] = fg
        times[(f"gradient-rosen-n{n}", "jax.jit(jax.grad)")] = jx
    c = B.crossover(_results(times))["python"]
    assert c["jax_faster_from"] == 1000
    assert "from n = 1000 on (the lines cross near n = 120, interpolated)" in c["sentence"]
    assert "50x faster at n = 1000" in c["sentence"]
    assert c["crossover_n"] == 120
    assert "fastgrad is faster (4x at n = 2)" in c["sentence"]
    assert "compiled" not in B.crossover(_results(times))


def test_plot_draws_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    results = _results({(f"gradient-rosen-n{n}", name): t * n for n in B.DIMS
                        for name, t in (("fastgrad.gradient", 1e-6),
                                        ("jax.jit(jax.grad)", 1e-5))})
    workloads = []
    for wid, r in results.items():
        for name, row in r["contenders"].items():
            row["peer"] = "fastgrad" if name.startswith("fastgrad") else "jax"
        workloads.append({"id": wid, "kind": "gradient", "fastgrad": "fastgrad.gradient",
                          **r})
    report = {"workloads": workloads, "size": "full", "crossover": B.crossover(results),
              "machine": B.machine()}
    path = B.plot(report, str(tmp_path / "sub" / "speedups.png"))
    assert os.path.getsize(path) > 1000


def test_numpy_forms_agree_with_the_problem_table(rng):
    x = rng.uniform(-2.0, 2.0, 7)
    assert np.isclose(B.rosenbrock_numpy(x), problems.rosenbrock(x), rtol=1e-14)
    assert np.isclose(B.rastrigin_numpy(x), problems.rastrigin(x), rtol=1e-14)
    X = rng.uniform(-2.0, 2.0, (4, 7))
    np.testing.assert_allclose(B.rastrigin_numpy_batch(X), [B.rastrigin_numpy(r) for r in X],
                               rtol=1e-14)


def test_slow_objective_is_rosenbrock_bit_for_bit(rng):
    f, microseconds = B.make_slow_objective(2.0)
    x = rng.uniform(-2.0, 2.0, 5)
    assert f(x) == B.compiled(problems.rosenbrock)(x)
    assert microseconds > 0


def test_numpy_vectorized_gd_is_the_same_algorithm_as_fastgrad():
    import fastgrad

    X0 = np.random.default_rng(3).uniform(-3.0, 3.0, (6, 4))
    X, nfev = B.numpy_gradient_descent(B.rastrigin_numpy_batch, X0, 1e-3, 30)
    # the objective the batched benchmark gives fastgrad (compiled once for both)
    res = fastgrad.minimize(B.rastrigin_numpy, X0, method="gd", lr=1e-3, max_iter=30,
                            gtol=0.0)
    np.testing.assert_allclose(X, res.x, rtol=0, atol=1e-9)
    assert nfev == 2 * 4 * 30 * 6  # no start stopped: 30 gradients each


def test_peak_memory_sees_an_allocation():
    size, how = B.peak_memory(lambda: np.ones(2_000_000).sum())
    assert how in ("peak RSS", "tracemalloc")
    assert size >= 8 * 2_000_000 * 0.9
