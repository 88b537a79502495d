"""Vanishing gradients in a chain of 10 one-unit layers: sigmoid against leaky ReLU.

Document 004 builds a chain of ten one-unit layers, a_i = act(w_i a_(i-1)) with a_0 = x = 1,
a loss C = (Y - a_10)^2 with Y = 3, and random weights w_i ~ N(0, 1); it shows that with
the sigmoid the gradient of C with respect to the first weights is orders of magnitude
smaller than with respect to the last ones (each layer multiplies it by sigma'(z) w with
sigma' <= 1/4), and that the leaky ReLU (slope 1 for z > 0, 0.01 below) reduces the effect.

This script computes dC/dw_i for every layer with fastgrad, for both activations and the
same weights, and checks each against the analytic chain-rule product

    dC/dw_i = -2 (Y - a_10) * prod_(j > i) act'(z_j) w_j * act'(z_i) a_(i-1).

It uses the complex step, which is exact to rounding however small the gradient. Central
differences have an absolute error of about 1e-10 |C|, so the gradients of the first
layers, far smaller than C, come out with a large relative error: the script prints it.

Run ``python examples/vanishing_gradients.py [--out DIR | --no-plot]``.
"""

from __future__ import annotations

import numpy as np

import fastgrad

from _common import command_line, pyplot, save

LAYERS = 10
X_IN, TARGET = 1.0, 3.0
SIGMOID, LEAKY_RELU = 0, 1
ACTIVATIONS = {"sigmoid": SIGMOID, "leaky ReLU": LEAKY_RELU}
SEED = 1


def loss(w, x, target, activation):
    """C = (target - a_10)^2 for the chain a_i = act(w_i a_(i-1)), a_0 = x.

    Written with a loop and ``z.real`` in the comparison so that Numba compiles it for
    float and complex input (the complex step); leaky ReLU is analytic away from z = 0.
    """
    a = x
    for i in range(w.shape[0]):
        z = w[i] * a
        if activation == SIGMOID:
            a = 1.0 / (1.0 + np.exp(-z))
        elif z.real > 0.0:
            a = z
        else:
            a = 0.01 * z
    d = target - a
    return d * d


def chain_rule(w, x, target, activation):
    """The analytic gradient: forward pass, then the product of local derivatives."""
    n = w.shape[0]
    a = np.empty(n + 1)
    slope = np.empty(n)  # act'(z_i)
    a[0] = x
    for i in range(n):
        z = w[i] * a[i]
        if activation == SIGMOID:
            a[i + 1] = 1.0 / (1.0 + np.exp(-z))
            slope[i] = a[i + 1] * (1.0 - a[i + 1])
        else:
            a[i + 1] = z if z > 0.0 else 0.01 * z
            slope[i] = 1.0 if z > 0.0 else 0.01
    grad = np.empty(n)
    upstream = -2.0 * (target - a[n])  # dC/da_n
    for i in range(n - 1, -1, -1):
        grad[i] = upstream * slope[i] * a[i]  # dC/dw_i
        upstream *= slope[i] * w[i]  # dC/da_(i-1)
    return grad


def main(out: str | None = None, seed: int = SEED) -> dict:
    """Print the per-layer gradients, save the bar chart in ``out``, return the numbers."""
    w = np.random.default_rng(seed).standard_normal(LAYERS)
    print(f"weights w ~ N(0, 1) (seed {seed}): {np.array2string(w, precision=3)}")
    results: dict = {"weights": w}
    for name, activation in ACTIVATIONS.items():
        args = (X_IN, TARGET, activation)
        exact = chain_rule(w, *args)
        grad = fastgrad.gradient(loss, w, args=args, method="complex")
        central = fastgrad.gradient(loss, w, args=args)
        rel = np.abs(grad - exact) / np.abs(exact)
        rel_central = np.abs(central - exact) / np.abs(exact)
        ratio = abs(grad[0] / grad[-1])
        results[name] = {"loss": float(loss(w, *args)), "grad": grad, "exact": exact,
                         "rel_error": rel, "rel_error_central": rel_central,
                         "ratio": ratio}
        print(f"\n{name}: C = {results[name]['loss']:.6g}")
        print(f"{'layer':>5} {'|dC/dw| (complex)':>18} {'chain rule':>12} {'rel. error':>11} "
              f"{'central: rel. error':>20}")
        for i in range(LAYERS):
            print(f"{i + 1:>5} {abs(grad[i]):18.6e} {abs(exact[i]):12.6e} {rel[i]:11.1e} "
                  f"{rel_central[i]:20.1e}")
        print(f"|dC/dw_1| / |dC/dw_10| = {ratio:.3g}")
    print(f"\n|dC/dw_1| / |dC/dw_10|: sigmoid {results['sigmoid']['ratio']:.1e}, leaky ReLU "
          f"{results['leaky ReLU']['ratio']:.2g}.\nThe leaky ReLU gradients are all small here "
          "only because its output is small (|w| < 1 in\nmost layers, slope 0.01 where z < 0); "
          "they do not shrink from the last layer to the first.")
    if out is not None:
        results["figure"] = plot(results, out)
    return results


def plot(results: dict, out: str) -> str | None:
    """Bar chart of |dC/dw_i| per layer, log scale; returns the PNG's path."""
    plt = pyplot()
    if plt is None:
        return None

    fig, ax = plt.subplots(figsize=(8, 4.5))
    layers = np.arange(1, LAYERS + 1)
    for k, name in enumerate(ACTIVATIONS):
        r = results[name]
        ax.bar(layers + (k - 0.5) * 0.4, np.abs(r["grad"]), width=0.4,
               label=f"{name}: first / last = {r['ratio']:.2g}")
        ax.plot(layers + (k - 0.5) * 0.4, np.abs(r["exact"]), "k_", ms=12)
    ax.plot([], [], "k_", ms=12, label="analytic chain-rule product")
    ax.set_yscale("log")
    ax.set_xticks(layers)
    ax.set_xlabel("layer i (1 = nearest the input)")
    ax.set_ylabel("|dC/dw_i|")
    ax.set_title("gradient per layer, 10 one-unit layers (fastgrad, complex step)")
    ax.legend(fontsize=9)
    fig.tight_layout()
    return save(fig, out, "vanishing_gradients")


if __name__ == "__main__":
    parser = command_line(__doc__)
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the random weights")
    options = parser.parse_args()
    main(options.out, seed=options.seed)
