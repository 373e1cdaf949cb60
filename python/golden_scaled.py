"""Generates rnncast's golden files for the window and sensor scalings (scaling.py).

    python golden_scaled.py [--out ../model/testdata/golden_scaled]

Like golden.py, but each model declares a scaling and its outputs are in original units, on
keys of very different levels and spreads (a pressure near 1000, a rain gauge near 0.05, ...),
so that a wrong scaling shows. Each <name>.json holds:

    {"torch_version", "model", "arch", "cell", "scaling", "norm",
     "scale": [B] (each key's target spread, errors are measured in it),
     "window": {... as golden.py, outputs via scaling.window_forecast} (window scaling), or
     "stateful": {... as golden.py, outputs via scaling.sensor_step} (sensor scaling)}
"""

import argparse
import os

import numpy as np
import torch

from export import export
from golden import BATCH, STEPS, build, dumps, f32, same_model
from scaling import sensor_step, window_forecast

SEED = 20261204
LEVELS = np.array([1000.0, 0.05, 55.0, -20.0])   # per key
SPREADS = np.array([8.0, 0.02, 10.0, 3.0])      # per key


def configs():
    out = []
    base = [("seq2vec", "gru", "tanh", "gru", 2, 1, 4, 16, 0, "last"),
            ("seq2seq", "lstm", "tanh", "lstm", 1, 3, 2, 12, 1, "none"),
            ("encdec", "gru", "tanh", "gru", 2, 1, 3, 8, 0, "last"),
            ("vec2seq", "rnn", "relu", "rnn-relu", 1, 3, 4, 8, 2, "none"),
            ("seq2vec", "rnn", "tanh", "rnn-tanh", 2, 1, 1, 32, 0, "none")]
    for scaling in ("window", "sensor"):
        for arch, cell, nl, label, layers, inputs, horizon, hidden, target, norm in base:
            out.append(dict(name=f"{scaling}_{arch}_{label}_l{layers}_f{inputs}_h{horizon}_{norm}",
                            scaling=scaling, arch=arch, cell=cell, nonlinearity=nl, label=label,
                            layers=layers, inputs=inputs, horizon=horizon, hidden=hidden,
                            target=target, norm=norm, window=12, half_life=24.0))
    # LSTNet-style highway (nets.Net(highway=q)): the fleet model's default shape.
    for label, cell, inputs, target, norm, q in (("gru", "gru", 1, 0, "last", 12), ("lstm", "lstm", 2, 1, "none", 5)):
        out.append(dict(name=f"window_seq2vec_{label}_highway{q}_f{inputs}_{norm}", scaling="window",
                        arch="seq2vec", cell=cell, nonlinearity="tanh", label=label, layers=1,
                        inputs=inputs, horizon=4, hidden=8, target=target, norm=norm, window=12,
                        half_life=24.0, highway=q))
    return out


def series(rng, steps, inputs):
    """(steps, BATCH, F): a noisy daily sine per key and feature at the key's level and spread
    (features f > 0 at f+1 times the key's level and spread)."""
    t = np.arange(steps)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, size=(1, BATCH, inputs))
    mul = (1 + np.arange(inputs))[None, None, :]
    lvl, spr = LEVELS[None, :, None] * mul, SPREADS[None, :, None] * mul
    noise = rng.normal(scale=0.2, size=(steps, BATCH, inputs))
    return f32(lvl + spr * (np.sin(2 * np.pi * t / 24 + phase) + noise))


def write_model(net, cfg, path):
    tmp = path + ".tmp"
    mode = "window" if cfg["scaling"] == "window" else "stateful"
    export(net, tmp, window=cfg["window"], interval="1h", mode=mode, norm=cfg["norm"],
           name=cfg["name"], version="golden", scaling=cfg["scaling"],
           half_life=cfg["half_life"] if cfg["scaling"] == "sensor" else None)
    if same_model(tmp, path):
        os.remove(tmp)
    else:
        os.replace(tmp, path)


def run_window(net, cfg, rng):
    x = np.ascontiguousarray(series(rng, cfg["window"], cfg["inputs"]).transpose(1, 0, 2))  # (B, W, F)
    out = {"batch": BATCH, "steps": cfg["window"], "inputs": x.reshape(-1)}
    y = window_forecast(net, x, cfg["target"], cfg["norm"])
    if net.arch == "seq2seq":
        out["seq_outputs"] = y.reshape(-1)
        y = y[:, -1, :]
    out["outputs"] = y.reshape(-1)
    return out


def run_stateful(net, cfg, rng):
    from scaling import Running
    x = series(rng, STEPS, cfg["inputs"])
    run, state, ys = Running(BATCH, cfg["inputs"], cfg["half_life"]), None, []
    for t in range(STEPS):
        y, state = sensor_step(net, x[t], state, run, cfg["target"], cfg["norm"])
        ys.append(y)
    return {"batch": BATCH, "steps": STEPS, "inputs": x.reshape(-1), "outputs": np.stack(ys).reshape(-1)}


def generate(cfg, seed, outdir):
    net = build(cfg, seed)
    rng = np.random.default_rng(seed)
    model = cfg["name"] + ".safetensors"
    write_model(net, cfg, os.path.join(outdir, model))
    doc = {"torch_version": torch.__version__, "model": model, "arch": cfg["arch"], "cell": cfg["label"],
           "scaling": cfg["scaling"], "norm": cfg["norm"],
           "scale": (SPREADS * (1 + cfg["target"])).astype(np.float32)}
    if cfg["scaling"] == "window":
        doc["window"] = run_window(net, cfg, rng)
    else:
        doc["stateful"] = run_stateful(net, cfg, rng)
    with open(os.path.join(outdir, cfg["name"] + ".json"), "w") as f:
        f.write(dumps(doc) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "model", "testdata", "golden_scaled"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(1)
    for i, cfg in enumerate(configs()):
        generate(cfg, SEED + i, a.out)
        print(cfg["name"])


if __name__ == "__main__":
    main()
