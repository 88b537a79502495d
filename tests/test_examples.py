"""Run every script of ``examples/`` and check the numbers it finds.

Each example has ``main(out=None) -> dict``: it prints its findings and returns its key
numbers, without drawing anything when ``out`` is None. Every example runs once per test
session (Numba compilation dominates the time); its figure is drawn into a temporary
folder when matplotlib is installed. The tolerances are those of the schemes: central
differences have a relative error of about 1e-10 with the automatic step, the complex
step is exact to rounding (1e-16 relative), forward differences about 1e-8.
"""

from __future__ import annotations

import functools
import importlib.util
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:  # the scripts import their helpers from _common.py
    sys.path.append(str(EXAMPLES))
NAMES = [
    "derivatives",
    "gradient_descent_path",
    "seed_quadratic",
    "linear_regression",
    "xor_network",
    "vanishing_gradients",
    "multistart",
    "loss_functions",
    "fit_every_pixel",
]
WITH_FIGURE = [
    "derivatives",
    "gradient_descent_path",
    "linear_regression",
    "xor_network",
    "vanishing_gradients",
    "multistart",
    "fit_every_pixel",
]


@functools.lru_cache(maxsize=None)
def load(name: str):
    """Import ``examples/<name>.py`` as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"fastgrad_example_{name}",
                                                  EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=None)
def run(name: str) -> dict:
    """The example's ``main()`` results, computed once per session, no figure."""
    return load(name).main(out=None)


def test_every_example_is_tested_and_listed():
    scripts = sorted(p.stem for p in EXAMPLES.glob("[!_]*.py"))
    assert scripts == sorted(NAMES)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in NAMES:
        assert f"{name}.py" in readme
    for name in WITH_FIGURE:
        assert f"figures/{name}.png" in readme
        assert (EXAMPLES / "figures" / f"{name}.png").is_file()


# ---- 1. derivatives ---------------------------------------------------------------------


def test_derivatives_seed_values():
    r = run("derivatives")
    # Forward differences with h = 1e-4: the seeds' (mislabelled) values. fastgrad divides
    # by the step actually taken, (x + h) - x, which moves the 13th digit: rounding error
    # eps |f| / h ~ 2e-12 at most here.
    np.testing.assert_allclose(r["seed_step"]["forward"], [0.20000099999917254,
                                                           0.3000009999976072], atol=1e-11)
    # Central, central4 and complex with h = 1e-4: no truncation error on a quadratic,
    # only rounding (< 1e-11); the complex step is exact.
    for scheme in ("central", "central4"):
        np.testing.assert_allclose(r["seed_step"][scheme], [0.2, 0.3], atol=1e-11)
    np.testing.assert_allclose(r["seed_step"]["complex"], [0.2, 0.3], rtol=1e-15)
    # The automatic step: each scheme's documented accuracy.
    for scheme, rtol in (("forward", 1e-7), ("central", 1e-10), ("central4", 1e-12),
                         ("complex", 1e-15)):
        np.testing.assert_allclose(r["auto"][scheme], [0.2, 0.3], rtol=rtol)


def test_derivatives_error_against_step():
    sweeps = run("derivatives")["sweeps"]
    steps = load("derivatives").STEPS
    quad_a, quad_b, exp = sweeps.values()
    # Forward difference on a x^2 + b x: the truncation error is exactly a h.
    assert quad_a["errors"]["forward"][0] == pytest.approx(0.01 * 0.1, rel=1e-6)
    assert quad_b["errors"]["forward"][0] == pytest.approx(0.1 * 0.1, rel=1e-6)
    # On e^x every real scheme has the V: its smallest error lies where truncation meets
    # rounding (h ~ eps^(1/2), eps^(1/3), eps^(1/5)), with errors 1000 times larger at
    # both ends of the sweep, and the automatic step lands near the bottom of the V.
    errors, best = exp["errors"], exp["best_step"]
    assert 1e-9 <= best["forward"] <= 1e-7
    assert 1e-6 <= best["central"] <= 1e-4
    assert 1e-4 <= best["central4"] <= 1e-2
    for scheme in ("forward", "central", "central4"):
        lowest = np.nanmin(errors[scheme])
        assert errors[scheme][0] > 1e3 * lowest
        assert errors[scheme][-1] > 1e3 * lowest
        assert exp["auto_error"][scheme] <= 10 * lowest
    # Complex step: no rounding cancellation; truncation e h^2 / 6 where fastgrad used h.
    used = ~np.isnan(errors["complex"])
    assert used[-10:].all()
    bound = np.e * steps ** 2 / 6 * 1.01 + 1e-15
    assert np.all(errors["complex"][used] <= bound[used])
    for quad in (quad_a, quad_b):
        assert np.all(quad["errors"]["complex"] <= 2 * np.finfo(float).eps * quad["exact"])


# ---- 2. gradient descent paths ----------------------------------------------------------


def test_gradient_descent_path_verdicts():
    r = run("gradient_descent_path")
    x0 = np.array([-3.0, 4.0])
    for lr in (0.2, 0.1):
        assert r[lr]["run"].status == 0
    assert r[0.01]["run"].status == 1 and r[0.01]["patient"].status == 0
    assert r[1.0]["run"].status == 1
    assert r[1.0]["run"].fun == pytest.approx(25.0, rel=1e-9)  # back at (-3, 4): f(x0)
    assert r[1.0]["patient"].status == 1
    assert r[1.1]["run"].status == 1 and r[1.1]["patient"].status == 2
    for lr in (0.2, 0.1, 0.01, 1.0, 1.1):
        run_ = r[lr]["run"]
        assert run_.x_history.shape == (run_.nit + 1, 2)
        np.testing.assert_array_equal(run_.x_history[0], x0)
    # 100 exact steps of x <- (1 - 2 lr) x: the seeds' numbers. Central differences of
    # a quadratic are exact to rounding, so the iterates agree to ~1e-10 relative.
    for lr in (0.1, 0.01, 1.0, 1.1):
        np.testing.assert_allclose(r[lr]["exact_100"].x, (1 - 2 * lr) ** 100 * x0,
                                   rtol=1e-6)
    np.testing.assert_allclose(r[0.1]["exact_100"].x, [-6.11e-10, 8.15e-10], rtol=2e-3)
    np.testing.assert_allclose(r[0.01]["exact_100"].x, [-0.39785867, 0.53047822], atol=1e-8)


# ---- 3. the seeds' quadratic ------------------------------------------------------------


def test_seed_quadratic():
    r = run("seed_quadratic")
    gd, lbfgs = r["gd"]["res"], r["lbfgs"]["res"]
    np.testing.assert_allclose(gd.x, [1.00000001, 0.50038973, -3.99942566], atol=1e-8)
    np.testing.assert_allclose(r["reference"]["x"], gd.x, rtol=1e-9)
    assert gd.nit == 500
    assert gd.nfev == (gd.nit + 1) * 2 * 3 + 2  # a central gradient per iterate; f at x0, x
    assert lbfgs.success
    np.testing.assert_allclose(lbfgs.x, [1.0, 0.5, -4.0], atol=1e-5)
    assert lbfgs.nfev * 10 < gd.nfev


# ---- 4. linear regression ---------------------------------------------------------------


def test_linear_regression():
    r = run("linear_regression")
    for method in ("gd", "momentum", "adam", "lbfgs"):
        res = r[method]["res"]
        assert res.success, res.message
        # ||g||_inf <= 1e-6 and a smallest Hessian eigenvalue of 0.137 bound the distance
        # to the least-squares solution by about 3e-5.
        assert r[method]["theta_error"] < 1e-4
        assert -1e-12 < r[method]["loss_gap"] < 1e-9  # lstsq is the exact minimizer
        assert res.f_history.shape == (res.nit + 1,)
    nit = {m: r[m]["res"].nit for m in ("gd", "momentum", "adam", "lbfgs")}
    assert nit["lbfgs"] < nit["momentum"] < nit["gd"]
    assert nit["adam"] < nit["gd"]
    # The fit is noise-limited: within a few standard errors of the true weights.
    assert np.max(np.abs(r["lbfgs"]["res"].x[:-1] - r["w_true"])) < 0.5


# ---- 5. XOR network ---------------------------------------------------------------------


def test_xor_network():
    r = run("xor_network")
    o = r["outputs"]
    assert o[0] < 0.05 and o[3] < 0.05 and o[1] > 0.95 and o[2] > 0.95
    fd, exact = r["runs"]["finite differences"], r["runs"]["backpropagation"]
    assert fd.nit == exact.nit == 30000
    assert fd.nfev == (fd.nit + 1) * (2 * 9 + 1)
    # Central differences are ~1e-10 relative; over 30,000 steps the loss curves stay
    # within 1e-8 of each other (measured: 6e-11).
    assert r["curve_gap"] < 1e-8
    assert r["weight_gap"] < 1e-6
    assert r["grad_error_at_start"] < 1e-8


# ---- 6. vanishing gradients -------------------------------------------------------------


def test_vanishing_gradients():
    r = run("vanishing_gradients")
    for name in ("sigmoid", "leaky ReLU"):
        # Complex step against the chain-rule product: exact to rounding in every layer.
        assert np.all(r[name]["rel_error"] < 1e-13)
    assert r["sigmoid"]["ratio"] < 1e-6
    assert 0.1 < r["leaky ReLU"]["ratio"] < 10
    # Central differences: fine for the last layer, poor for the tiny first-layer gradient.
    central = r["sigmoid"]["rel_error_central"]
    assert central[-1] < 1e-8 and central[0] > 1e-5


# ---- 7. multi-start ---------------------------------------------------------------------

HIMMELBLAU_MINIMA = np.array([  # sorted by x
    [-3.779310, -3.283186], [-2.805118, 3.131312], [3.0, 2.0], [3.584428, -1.848126]
])


def test_multistart():
    r = run("multistart")
    for method in ("lbfgs", "gd"):
        res, minima, basin = r[method]["res"], r[method]["minima"], r[method]["basin"]
        assert res.x.shape == (900, 2) and len(res.message) == 900
        assert np.all(res.success)
        # Literature values to 6 decimals; the runs stop at ||g|| <= 1e-6.
        np.testing.assert_allclose(minima, HIMMELBLAU_MINIMA, atol=2e-6)
        counts = np.bincount(basin, minlength=4)
        assert counts.sum() == 900 and np.all(counts > 150)
        assert res.fun[res.best] == np.min(res.fun) < 1e-12


# ---- 8. loss functions ------------------------------------------------------------------


def test_loss_functions():
    r = run("loss_functions")
    assert r["mse"]["value"] == pytest.approx(0.0975, rel=1e-14)
    assert r["cross_entropy"]["value"] == pytest.approx(0.510825457099338, rel=1e-14)
    for name in ("mse", "cross_entropy"):
        assert np.max(r[name]["error"]["complex"]) <= 1e-15
        assert np.max(r[name]["error"]["forward"]) < 1e-6
    assert np.max(r["mse"]["error"]["central"]) < 1e-9
    # Central steps cross y = 0 into log of a negative number: NaN there, never hidden.
    ce = r["cross_entropy"]["grad"]["central"]
    zero = load("loss_functions").Y == 0
    assert np.all(np.isnan(ce[zero])) and np.all(np.isfinite(ce[~zero]))
    assert np.max(r["cross_entropy"]["error"]["central"][~zero]) < 1e-9


# ---- figures and command lines ----------------------------------------------------------


@pytest.mark.parametrize("name", WITH_FIGURE)
def test_figure(name, tmp_path):
    pytest.importorskip("matplotlib")
    path = Path(load(name).plot(run(name), str(tmp_path)))
    assert path.parent == tmp_path and path.name == f"{name}.png"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert 5_000 < len(data) < 150_000


def test_no_matplotlib(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    assert load("vanishing_gradients").plot(run("vanishing_gradients"), str(tmp_path)) is None
    assert "matplotlib is not installed" in capsys.readouterr().out
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("name", NAMES)
def test_command_line_help(name, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", [f"{name}.py", "--help"])
    with pytest.raises(SystemExit) as exit_:
        runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and "--out DIR" in out and "--no-plot" in out
    if name not in WITH_FIGURE:
        assert "draws no figure" in out


@pytest.mark.parametrize("name", sorted(set(NAMES) - set(WITH_FIGURE)))
def test_scripts_without_a_figure_accept_the_common_options(name, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", [f"{name}.py", "--out", str(tmp_path)])
    runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    assert not any(tmp_path.iterdir())  # nothing is drawn


# ---- fit_every_pixel -----------------------------------------------------------------------


def test_fit_every_pixel_prange_equals_serial_and_minimize():
    r = run("fit_every_pixel")
    assert set(r["status"].tolist()) <= {0, 9, 10, 11}
    np.testing.assert_array_equal(r["P"], r["P_serial"])  # prange changes nothing
    np.testing.assert_array_equal(r["status"], r["status_serial"])
    for i, res in zip(r["python_rows"], r["python"]):
        np.testing.assert_array_equal(r["P"][i], res.x)  # solve is minimize, bit for bit
    # Noise 0.01 on 30 points: the rate's standard error is about 0.01-0.03 for these
    # amplitudes and rates (the example prints a median error of 1.1e-2, max 9e-2 over
    # 2,304 pixels, about 4 sigma): the bounds leave room for another noise sample.
    error = np.abs(r["P"][:, 1] - r["truth"][:, 1])
    assert np.median(error) < 0.03 and error.max() < 0.2
    assert set(r["status_lsq"].tolist()) <= {1, 2, 3, 4, 5}
    for i, res in zip(r["python_rows"], r["lsq"]):
        np.testing.assert_array_equal(r["P_lsq"][i], res.x)  # least_squares, bit for bit
    # the same least-squares problem (minimize's gtol 1e-6 and lm's tolerances 1e-8 stop
    # within the rate's standard error of each other): the same bounds
    error = np.abs(r["P_lsq"][:, 1] - r["truth"][:, 1])
    assert np.median(error) < 0.03 and error.max() < 0.2
