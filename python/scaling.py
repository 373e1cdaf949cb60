"""rnncast's input scalings (package scale, model metadata key "scaling"), as model.Runner applies them.

A model declares how its inputs are put on its scale:

- global: one mean and std per feature from the metadata (today's files).
- window (mode window, RevIN-style): each window standardized per feature by its own mean
  and sqrt(population variance + EPS); the outputs de-standardized with the target's.
- sensor (mode stateful): each sensor's running mean and variance, updated with every
  reading before it is scaled (weight a = max(1/n, alpha), alpha = 1 - 2**(-1/half_life)),
  stored as float32 (Mean, Var, N) per feature after the recurrent state.

Arithmetic follows the Go code step for step: statistics in float64 from float32 values,
stored statistics rounded to float32, scaled inputs rounded to float32, outputs
(y + ref)·std + mean in float64 rounded to float32 (ref: the scaled last target value under
norm "last", else 0). Training in PyTorch with these functions trains the function rnncast
serves, so a file that declares a scaling is served unchanged.
"""

import numpy as np
import torch

EPS = 1e-5


def alpha(half_life):
    """The weight of a new reading in a running estimate of the given half-life (readings)."""
    return 1.0 - 2.0 ** (-1.0 / half_life)


def window_stats(w):
    """Per-feature mean and std of windows w (..., steps, features), float64."""
    w = np.asarray(w, dtype=np.float64)
    mean = w.mean(axis=-2)
    var = ((w - mean[..., None, :]) ** 2).mean(axis=-2)
    return mean, np.sqrt(var + EPS)


def window_forecast(net, windows, target, norm="none"):
    """Window scaling: forecasts in original units of windows (b, L, F) float32 from a zero
    state, as Runner.Window. For seq2seq nets the per-step outputs (b, L, H) are unscaled too."""
    w = np.asarray(windows, dtype=np.float32)
    mean, std = window_stats(w)
    xs = ((w.astype(np.float64) - mean[:, None, :]) / std[:, None, :]).astype(np.float32)
    ref = xs[:, -1, target].copy() if norm == "last" else np.zeros(len(xs), np.float32)
    xs[:, :, target] -= ref[:, None]
    with torch.no_grad():
        y = net(torch.from_numpy(xs)).numpy().astype(np.float64)
    r = ref.astype(np.float64).reshape((-1,) + (1,) * (y.ndim - 1))
    m = mean[:, target].reshape(r.shape)
    s = std[:, target].reshape(r.shape)
    return ((y + r) * s + m).astype(np.float32)


class Running:
    """Sensor scaling's running statistics of a batch of sensors: float32 (batch, features)
    arrays mean, var and n; the zero value is a sensor that has seen nothing."""

    def __init__(self, batch, features, half_life):
        self.mean = np.zeros((batch, features), np.float32)
        self.var = np.zeros((batch, features), np.float32)
        self.n = np.zeros((batch, features), np.float32)
        self.alpha = alpha(half_life)

    def update(self, x):
        """Adds readings x (batch, features) and returns the float64 mean and std after them."""
        n = self.n.astype(np.float64) + 1
        self.n = np.where(n <= 2 ** 24, n, self.n.astype(np.float64)).astype(np.float32)
        a = np.maximum(1.0 / n, self.alpha)
        d = np.asarray(x, np.float32).astype(np.float64) - self.mean.astype(np.float64)
        m = self.mean.astype(np.float64) + a * d
        v = (1 - a) * (self.var.astype(np.float64) + a * d * d)
        self.mean, self.var = m.astype(np.float32), v.astype(np.float32)
        return self.mean.astype(np.float64), np.sqrt(self.var.astype(np.float64) + EPS)


def sensor_step(net, x_t, state, running, target, norm="none"):
    """Sensor scaling: one carried step of readings x_t (batch, F) float32, as Runner.Step.
    Returns (forecasts in original units (batch, H) float32, the new network state)."""
    x = np.asarray(x_t, np.float32)
    mean, std = running.update(x)
    xs = ((x.astype(np.float64) - mean) / std).astype(np.float32)
    ref = xs[:, target].copy() if norm == "last" else np.zeros(len(xs), np.float32)
    with torch.no_grad():
        y, state = net.step(torch.from_numpy(xs), state)
    y = y.numpy().astype(np.float64)
    out = (y + ref[:, None].astype(np.float64)) * std[:, target, None] + mean[:, target, None]
    return out.astype(np.float32), state
