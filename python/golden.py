"""Generates rnncast's golden files: PyTorch models with seeded random weights and their outputs.

    python golden.py [--out ../model/testdata/golden]

For each configuration it writes <name>.safetensors (via export.py) and
<name>.json with PyTorch's outputs in window mode (each window from a zero
state) and in stateful mode (a carried state over `steps` readings), in this
layout:

    {"torch_version": "...", "model": "<name>.safetensors", "arch": ..., "cell": ...,
     "window": {"batch": B, "steps": W, "inputs": [B*W*F, b-major then t then f],
                "outputs": [B*H], "seq_outputs": [B*W*H] (seq2seq only)},
     "stateful": {"batch": B, "steps": T, "inputs": [T*B*F, t-major then b then f],
                  "outputs": [T*B*H: after each step, the forecast from the carried state]}}

Models have mean 0, std 1 and norm none, so raw outputs are original units.
Numbers are written as the shortest decimal that round-trips to the same
float32; inputs are float32 values of 3-decimal numbers.
"""

import argparse
import os

import numpy as np
import torch
from safetensors import safe_open

from export import export
from nets import ARCHS

BATCH = 4        # keys per call, window and stateful mode
STEPS = 500      # carried steps in stateful mode
SEED = 20261126


def configs():
    """Every arch and cell (rnn-tanh, rnn-relu, lstm, gru), twice each: 1 to 3 layers,
    input sizes 1 and 3, horizon 1 and 4; plus the course's Net, a bias=False net and
    files stored as F16, BF16 and F64."""
    cells = [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")]
    out, i = [], 0
    for arch in ["seq2vec", "seq2seq", "encdec", "vec2seq"]:
        for cell, nl in cells:
            label = f"{cell}-{nl}" if cell == "rnn" else cell
            for variant, (inputs, horizon, hidden, target) in enumerate([(1, 1, 8, 0), (3, 4, 12, 2)]):
                layers = 1 + (i + variant) % 3
                out.append(dict(name=f"{arch}_{label}_l{layers}_f{inputs}_h{horizon}", arch=arch,
                                cell=cell, nonlinearity=nl, label=label, layers=layers,
                                inputs=inputs, horizon=horizon, hidden=hidden, target=target,
                                window=12))
            i += 1
    course = dict(arch="seq2vec", cell="rnn", nonlinearity="tanh", label="rnn-tanh", layers=2,
                  inputs=1, horizon=1, hidden=32, target=0, window=24)
    out.append(dict(course, name="course_net"))
    out.append(dict(course, name="nobias_gru", cell="gru", label="gru", horizon=3, hidden=16,
                    bias=False))
    for dt in ["F16", "BF16", "F64"]:
        out.append(dict(course, name=f"dtype_{dt.lower()}_lstm", cell="lstm", label="lstm",
                        inputs=3, horizon=2, hidden=16, target=1, dtype=dt))
    return out


DTYPES = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}


def build(cfg, seed):
    """Returns the seeded network; weights are rounded to the stored dtype so the
    file and the network compute the same function."""
    torch.manual_seed(seed)
    net = ARCHS[cfg["arch"]](cell=cfg["cell"], input_size=cfg["inputs"], hidden_size=cfg["hidden"],
                             num_layers=cfg["layers"], horizon=cfg["horizon"],
                             nonlinearity=cfg["nonlinearity"], bias=cfg.get("bias", True),
                             target=cfg["target"], **({"highway": cfg["highway"]} if cfg.get("highway") else {}))
    dt = DTYPES[cfg.get("dtype", "F32")]
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(p.to(dt).to(torch.float32))
    return net.eval()


def f32(a):
    """Returns a as float32 values of 3-decimal numbers."""
    return np.round(np.asarray(a, dtype=np.float64), 3).astype(np.float32)


def window_inputs(rng, cfg):
    return f32(rng.normal(size=(BATCH, cfg["window"], cfg["inputs"])))


def stateful_inputs(rng, cfg):
    """A noisy daily sine per key and feature, t-major: (STEPS, BATCH, F)."""
    t = np.arange(STEPS)[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, size=(1, BATCH, cfg["inputs"]))
    noise = rng.normal(scale=0.2, size=(STEPS, BATCH, cfg["inputs"]))
    return f32(np.sin(2 * np.pi * t / 24 + phase) + noise)


@torch.no_grad()
def run_window(net, x):
    out = {"batch": BATCH, "steps": x.shape[1], "inputs": x.reshape(-1)}
    y = net(torch.from_numpy(x))
    if net.arch == "seq2seq":
        out["seq_outputs"] = y.numpy().reshape(-1)
        y = y[:, -1, :]
    out["outputs"] = y.numpy().reshape(-1)
    return out


@torch.no_grad()
def run_stateful(net, x):
    state, ys = None, []
    for t in range(x.shape[0]):
        y, state = net.step(torch.from_numpy(x[t]), state)
        ys.append(y.numpy())
    return {"batch": BATCH, "steps": x.shape[0], "inputs": x.reshape(-1),
            "outputs": np.stack(ys).reshape(-1)}


@torch.no_grad()
def check_step_matches_window(net, x):
    """Stepping a window from a zero state must end where forward() over it does,
    so the stateful goldens and the window goldens describe one network."""
    state, y = None, None
    for t in range(x.shape[1]):
        y, state = net.step(torch.from_numpy(x[:, t, :]), state)
    want = net(torch.from_numpy(x))
    if net.arch == "seq2seq":
        want = want[:, -1, :]
    if not torch.allclose(y, want, atol=1e-6):
        raise AssertionError(f"{net.arch}: step() and forward() disagree by {(y - want).abs().max()}")


def dumps(v, indent=""):
    """JSON with float32 arrays as shortest round-trip decimals."""
    if isinstance(v, np.ndarray):
        return "[" + ",".join(str(np.float32(x)) for x in v) + "]"
    if isinstance(v, dict):
        inner = indent + "  "
        items = [f'{inner}"{k}": {dumps(x, inner)}' for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(v, str):
        return '"' + v + '"'
    return str(v)


def same_model(a, b):
    """Reports whether two safetensors files hold the same tensors and metadata."""
    if not os.path.exists(b):
        return False
    with safe_open(a, "pt") as fa, safe_open(b, "pt") as fb:
        if fa.metadata() != fb.metadata() or set(fa.keys()) != set(fb.keys()):
            return False
        return all(fa.get_tensor(k).dtype == fb.get_tensor(k).dtype and
                   torch.equal(fa.get_tensor(k), fb.get_tensor(k)) for k in fa.keys())


def write_model(net, cfg, path):
    """Exports net to path, keeping an existing file that holds the same model:
    the safetensors writer orders metadata keys differently from run to run, and
    an unchanged model should not show up as a diff."""
    tmp = path + ".tmp"
    export(net, tmp, dtype=DTYPES[cfg.get("dtype", "F32")], window=cfg["window"],
           interval="1h", mode="window", name=cfg["name"], version="golden")
    if same_model(tmp, path):
        os.remove(tmp)
    else:
        os.replace(tmp, path)


def generate(cfg, seed, outdir):
    net = build(cfg, seed)
    rng = np.random.default_rng(seed)
    model = cfg["name"] + ".safetensors"
    write_model(net, cfg, os.path.join(outdir, model))
    win = window_inputs(rng, cfg)
    check_step_matches_window(net, win)
    doc = {"torch_version": torch.__version__, "model": model, "arch": cfg["arch"],
           "cell": cfg["label"], "window": run_window(net, win),
           "stateful": run_stateful(net, stateful_inputs(rng, cfg))}
    with open(os.path.join(outdir, cfg["name"] + ".json"), "w") as f:
        f.write(dumps(doc) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "model", "testdata", "golden"))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(1)
    for i, cfg in enumerate(configs()):
        generate(cfg, SEED + i, a.out)
        print(cfg["name"])


if __name__ == "__main__":
    main()
