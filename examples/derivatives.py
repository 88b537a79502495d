"""Forward, central, central4 and complex-step derivatives of the seeds' quadratics.

The seed documents differentiate f(x) = 0.01x^2 + 0.1x at x = 5 and 10 with a fixed step
h = 1e-4, draw the tangent lines of f(x) = 0.1x^2 + 0.01x at x = 5 and 14, and explain in
words why h cannot go to zero: a smaller h reduces the truncation error of the difference
formula but magnifies the rounding error of f, roughly eps |f| / h.

This script

* prints fastgrad's derivative of 0.01x^2 + 0.1x with every scheme, with the seeds' step
  h = 1e-4 and with fastgrad's automatic step;
* sweeps h from 1e-1 down to 1e-15 and prints the error of each scheme for both quadratics
  (on a quadratic, central differences have no truncation error at all, so a third
  function, e^x, shows the rounding-versus-truncation "V" of every scheme);
* draws the tangent lines and the error curves, with the automatic step of each scheme
  marked on them.

Run ``python examples/derivatives.py [--out DIR | --no-plot]``.
"""

from __future__ import annotations

import warnings

import numpy as np

import fastgrad

from _common import command_line, pyplot, save

SCHEMES = ("forward", "central", "central4", "complex")
EPS = np.finfo(np.float64).eps
# fastgrad's automatic step is h = rel * max(1, |x|) with this rel per scheme (see README).
REL_STEP = {"forward": EPS ** 0.5, "central": EPS ** (1 / 3), "central4": EPS ** 0.2,
            "complex": 2.0 ** -60}
STEPS = 10.0 ** -np.arange(1, 16)  # 1e-1 ... 1e-15
ERROR_FLOOR = 1e-17  # an error of exactly 0 is drawn here on the log scale


def f(x, a, b, c):
    """a x^2 + b x + c e^x, with f'(x) = 2 a x + b + c e^x.

    The seeds' quadratics are (a, b, c) = (0.01, 0.1, 0) (document 003) and (0.1, 0.01, 0)
    (document 000); (0, 0, 1) is e^x. The coefficients travel in ``args``: fastgrad
    compiles the kernels of this one objective once for all three.
    """
    return a * x * x + b * x + c * np.exp(x)


SEED_A = (0.01, 0.1, 0.0)  # 0.01x^2 + 0.1x
SEED_B = (0.1, 0.01, 0.0)  # 0.1x^2 + 0.01x
EXP = (0.0, 0.0, 1.0)  # e^x

CASES = [  # (name, args, x, exact f'(x))
    ("0.01x^2 + 0.1x at x = 5", SEED_A, 5.0, 0.02 * 5.0 + 0.1),
    ("0.1x^2 + 0.01x at x = 14", SEED_B, 14.0, 0.2 * 14.0 + 0.01),
    ("e^x at x = 1", EXP, 1.0, float(np.exp(1.0))),
]


def auto_step(scheme: str, x: float) -> float:
    return REL_STEP[scheme] * max(1.0, abs(x))


def error_sweep(args: tuple, x: float, exact: float) -> dict:
    """|fastgrad.derivative(f, x, step=h) - exact| for every scheme and every h in STEPS.

    The complex step checks itself (steps h and h / 64, a third h / 4096 that recognises
    the O(h^2) truncation of a large given step, and a real directional difference). Where
    the check fails fastgrad recomputes that derivative with central4 and warns; such
    points (none for these analytic functions) are NaN: they are not the complex step
    with that h.
    """
    errors = {}
    for scheme in SCHEMES:
        err = np.empty(STEPS.size)
        for k, h in enumerate(STEPS):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", fastgrad.FastgradWarning)
                d = fastgrad.derivative(f, x, method=scheme, step=h, args=args)
            err[k] = np.nan if caught else abs(d - exact)
        errors[scheme] = err
    return errors


def main(out: str | None = None) -> dict:
    """Print the comparison, save the figure in ``out`` (if given) and return the numbers."""
    results: dict = {"seed_step": {}, "auto": {}, "sweeps": {}}

    print("f(x) = 0.01x^2 + 0.1x; exact f'(5) = 0.2, f'(10) = 0.3")
    print(f"{'scheme':>9} {'step':>6} {'f(5)':>21} {'f(10)':>21}")
    for scheme in SCHEMES:
        for label, step in (("1e-4", 1e-4), ("auto", None)):
            d = fastgrad.derivative(f, np.array([5.0, 10.0]), method=scheme,
                                    step=step, args=SEED_A)
            results["seed_step" if step else "auto"][scheme] = d
            print(f"{scheme:>9} {label:>6} {float(d[0])!r:>21} {float(d[1])!r:>21}")
    print("The seeds print 0.20000099999917254 and 0.3000009999976072 (h = 1e-4) and call them\n"
          "central differences: they are forward differences. fastgrad divides by the step\n"
          "actually taken, (x + h) - x, so its forward values differ in the 13th digit.")

    for name, args, x, exact in CASES:
        sweep = error_sweep(args, x, exact)
        auto = {s: abs(fastgrad.derivative(f, x, method=s, args=args) - exact)
                for s in SCHEMES}
        best = {s: float(STEPS[np.nanargmin(sweep[s])]) for s in SCHEMES}
        results["sweeps"][name] = {"x": x, "exact": exact, "errors": sweep,
                                   "auto_error": auto, "best_step": best}
        print(f"\n|error| of f'(x), f = {name} (exact {exact:.15g})")
        print(f"{'h':>7}" + "".join(f"{s:>11}" for s in SCHEMES))
        for k, h in enumerate(STEPS):
            print(f"{h:7.0e}" + "".join(f"{sweep[s][k]:11.2e}" for s in SCHEMES))
        print(f"{'auto':>7}" + "".join(f"{auto[s]:11.2e}" for s in SCHEMES)
              + "   <- fastgrad's automatic step")
    print("\nOn the quadratics, central and central4 have no truncation error (the third\n"
          "derivative is 0): their error is rounding only, about eps |f| / h, and the complex\n"
          "step is exact for every h. On e^x every scheme has its V; the smallest error is at\n"
          "h = " + ", ".join(f"{h:.0e} ({s})" for s, h in best.items()) + ".")
    print("nan: the complex step's self-check rejected that step (see error_sweep).")

    if out is not None:
        results["figure"] = plot(results, out)
    return results


def plot(results: dict, out: str) -> str | None:
    """Tangent lines of 0.1x^2 + 0.01x and the error curves; returns the PNG's path."""
    plt = pyplot()
    if plt is None:
        return None

    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    ax = axes[0, 0]
    xs = np.arange(0.0, 20.0, 0.1)
    ax.plot(xs, f(xs, *SEED_B), "k", label="f(x) = 0.1x² + 0.01x")
    for x0, colour in ((5.0, "tab:blue"), (14.0, "tab:red")):
        y0 = f(x0, *SEED_B)
        slope = fastgrad.derivative(f, x0, args=SEED_B)
        ax.plot(xs, y0 + slope * (xs - x0), colour, lw=1,
                label=f"tangent at x = {x0:g}, slope {slope:.6g}")
        ax.plot([x0], [y0], "o", color=colour)
    ax.set_ylim(-5, 45)
    ax.set_xlabel("x")
    ax.set_title("tangent lines (slopes from fastgrad.derivative)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")

    colours = dict(zip(SCHEMES, ("tab:orange", "tab:blue", "tab:green", "tab:purple")))
    for ax, (name, sweep) in zip(axes.flat[1:], results["sweeps"].items()):
        for s in SCHEMES:
            ax.loglog(STEPS, np.maximum(sweep["errors"][s], ERROR_FLOOR), ".-",
                      color=colours[s], label=s)
            ax.loglog([auto_step(s, sweep["x"])], [max(sweep["auto_error"][s], ERROR_FLOOR)],
                      "*", ms=13, color=colours[s], mec="k")
        ax.set_xlim(1e-19, 1)
        ax.set_ylim(ERROR_FLOOR / 3, 10)
        ax.set_xlabel("step h")
        ax.set_ylabel("|error|")
        ax.set_title(f"f = {name}", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.text(1.5e-19, 2.2e-17, "exact (error 0) drawn at 1e-17", fontsize=7)
    axes[0, 1].legend(fontsize=8, title="★ automatic step", title_fontsize=8)
    fig.suptitle("derivative error against the step: rounding (small h) vs truncation (large h)")
    fig.tight_layout()
    return save(fig, out, "derivatives")


if __name__ == "__main__":
    main(command_line(__doc__).parse_args().out)
