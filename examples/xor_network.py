"""The seeds' 2-2-1 sigmoid network learning XOR, trained with finite-difference gradients.

Document 004 trains a network with two inputs, two sigmoid hidden units and one sigmoid
output (9 parameters) on the four XOR cases with the squared error

    C(w) = sum over (x1, x2, t) of (o(x1, x2) - t)^2,
    h1 = s(w0 x1 + w1 x2 + w2), h2 = s(w3 x1 + w4 x2 + w5), o = s(w6 h1 + w7 h2 + w8),

by gradient descent with lr = 0.1 for 30,000 epochs, its gradients coming from a
hand-written reverse-mode autodiff. Here the same training runs with
``fastgrad.minimize(method="gd", lr=0.1)`` twice from the same random start: once with
fastgrad's central-difference gradient, once with the analytic gradient (backpropagation
written by hand, passed as ``jac``). The script prints the four outputs and shows that
the two loss curves are the same.

Run ``python examples/xor_network.py [--epochs N] [--out DIR | --no-plot]``.
"""

from __future__ import annotations

import numpy as np

import fastgrad

from _common import command_line, pyplot, save

INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
TARGETS = np.array([0.0, 1.0, 1.0, 0.0])
EPOCHS, LR, SEED = 30000, 0.1, 2


def forward(w, x1, x2):
    """Hidden activations and output of the network for one input."""
    h1 = 1.0 / (1.0 + np.exp(-(w[0] * x1 + w[1] * x2 + w[2])))
    h2 = 1.0 / (1.0 + np.exp(-(w[3] * x1 + w[4] * x2 + w[5])))
    o = 1.0 / (1.0 + np.exp(-(w[6] * h1 + w[7] * h2 + w[8])))
    return h1, h2, o


def loss(w, inputs, targets):
    """Squared error over the four cases (the seeds' C)."""
    total = 0.0
    for k in range(inputs.shape[0]):
        x1, x2 = inputs[k, 0], inputs[k, 1]
        h1 = 1.0 / (1.0 + np.exp(-(w[0] * x1 + w[1] * x2 + w[2])))
        h2 = 1.0 / (1.0 + np.exp(-(w[3] * x1 + w[4] * x2 + w[5])))
        o = 1.0 / (1.0 + np.exp(-(w[6] * h1 + w[7] * h2 + w[8])))
        total += (o - targets[k]) * (o - targets[k])
    return total


def backprop(w, inputs, targets):
    """The analytic gradient of ``loss``: the chain rule, layer by layer (s' = s (1 - s))."""
    g = np.zeros(9)
    for k in range(inputs.shape[0]):
        x1, x2 = inputs[k, 0], inputs[k, 1]
        h1 = 1.0 / (1.0 + np.exp(-(w[0] * x1 + w[1] * x2 + w[2])))
        h2 = 1.0 / (1.0 + np.exp(-(w[3] * x1 + w[4] * x2 + w[5])))
        o = 1.0 / (1.0 + np.exp(-(w[6] * h1 + w[7] * h2 + w[8])))
        d_out = 2.0 * (o - targets[k]) * o * (1.0 - o)  # dC/d(output pre-activation)
        d_h1 = d_out * w[6] * h1 * (1.0 - h1)  # dC/d(hidden 1 pre-activation)
        d_h2 = d_out * w[7] * h2 * (1.0 - h2)
        g[0] += d_h1 * x1
        g[1] += d_h1 * x2
        g[2] += d_h1
        g[3] += d_h2 * x1
        g[4] += d_h2 * x2
        g[5] += d_h2
        g[6] += d_out * h1
        g[7] += d_out * h2
        g[8] += d_out
    return g


def main(out: str | None = None, epochs: int = EPOCHS, seed: int = SEED) -> dict:
    """Train twice, print the outputs and the curves' difference; return the numbers."""
    w0 = np.random.default_rng(seed).standard_normal(9)  # the seeds' np.random.randn()
    args = (INPUTS, TARGETS)
    runs = {}
    for name, jac in (("finite differences", "central"), ("backpropagation", backprop)):
        runs[name] = fastgrad.minimize(loss, w0, method="gd", jac=jac, lr=LR, max_iter=epochs,
                                       gtol=0.0, args=args, history=True)
    fd, exact = runs["finite differences"], runs["backpropagation"]
    print(f"gd, lr = {LR}, {epochs} epochs from w ~ N(0, 1) (seed {seed})")
    for name, res in runs.items():
        print(f"  {name:>18}: C = {res.fun:.6e} after {res.nit} epochs, {res.nfev} "
              "evaluations of C")
    outputs = np.array([forward(fd.x, x1, x2)[2] for x1, x2 in INPUTS])
    for (x1, x2), o in zip(INPUTS, outputs):
        print(f"f({x1:.0f},{x2:.0f}) = {o:.6f}")
    curve_gap = np.max(np.abs(fd.f_history - exact.f_history))
    weight_gap = np.max(np.abs(fd.x - exact.x))
    print(f"largest difference between the two loss curves: {curve_gap:.1e} "
          f"(final weights: {weight_gap:.1e})")
    results = {"runs": runs, "outputs": outputs, "curve_gap": curve_gap,
               "weight_gap": weight_gap,
               "grad_error_at_start": fastgrad.check_grad(loss, backprop, w0, args=args)}
    print(f"check_grad(loss, backprop, w0) = {results['grad_error_at_start']:.1e}")
    if out is not None:
        results["figure"] = plot(results, out)
    return results


def plot(results: dict, out: str) -> str | None:
    """Both loss curves on a log scale; returns the PNG's path."""
    plt = pyplot()
    if plt is None:
        return None

    fig, (ax, ax_gap) = plt.subplots(1, 2, figsize=(10, 4))
    fd, exact = results["runs"]["finite differences"], results["runs"]["backpropagation"]
    ax.semilogy(fd.f_history, lw=3, alpha=0.5, label="fastgrad central differences")
    ax.semilogy(exact.f_history, "k--", lw=1, label="analytic gradient (backprop)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("squared error C")
    ax.set_title("XOR, 2-2-1 sigmoid network, gd lr = 0.1", fontsize=10)
    ax.legend(fontsize=8)
    epochs = np.arange(1, fd.f_history.size)  # epoch 0: the same start, no difference
    ax_gap.semilogy(epochs, np.abs(fd.f_history - exact.f_history)[1:], lw=0.8)
    ax_gap.set_xlabel("epoch")
    ax_gap.set_title("|C (finite differences) − C (backprop)|", fontsize=10)
    for axis in (ax, ax_gap):
        axis.grid(True, alpha=0.3)
    fig.tight_layout()
    return save(fig, out, "xor_network")


if __name__ == "__main__":
    parser = command_line(__doc__)
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="training epochs")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the initial weights")
    options = parser.parse_args()
    main(options.out, epochs=options.epochs, seed=options.seed)
