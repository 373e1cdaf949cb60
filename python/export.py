"""Exports a trained PyTorch forecaster to rnncast's safetensors model file.

As a library:
    from export import export
    export(net, "model.safetensors", window=24, interval="1h", mean=[m], std=[s])

As a command, from a state_dict saved with torch.save(net.state_dict(), "net.pt"):
    python export.py net.pt model.safetensors --arch seq2vec --cell rnn \
        --hidden-size 32 --layers 2 --input-size 1 --horizon 1 --window 24 \
        --interval 1h --mean 12.5 --std 3.1 --name demo --version 1

The file keeps PyTorch's state_dict names (rnn.weight_ih_l0, ..., fc.weight,
fc.bias; encoder.*/decoder.* for encdec) as F32 tensors, and the
__metadata__ keys defined in docs/design/model-format.md.
"""

import argparse
import json

import torch
from safetensors.torch import save_file

from nets import ARCHS

FORMAT_VERSION = "1"


def metadata(net, *, window, interval="1h", mean=None, std=None, norm="none", mode="window",
             name="", version="", target_name="", scaling="global", half_life=None):
    """Returns the __metadata__ map (all values strings) for one of nets.ARCHS.

    scaling is global (mean and std apply), window (mode window) or sensor (mode stateful,
    with half_life in readings); see scaling.py."""
    f = net.input_size
    if scaling not in ("global", "window", "sensor"):
        raise ValueError(f"scaling {scaling!r} is not global, window or sensor")
    if scaling == "window" and mode != "window":
        raise ValueError("window scaling needs mode window")
    if scaling == "sensor" and (mode != "stateful" or not half_life or half_life <= 0):
        raise ValueError("sensor scaling needs mode stateful and a half_life > 0")
    if scaling != "global" and (mean is not None or std is not None):
        raise ValueError(f"{scaling} scaling takes no mean or std")
    mean = [0.0] * f if mean is None else [float(v) for v in mean]
    std = [1.0] * f if std is None else [float(v) for v in std]
    if len(mean) != f or len(std) != f:
        raise ValueError(f"mean and std need {f} values (one per input feature)")
    kv = {
        "format_version": FORMAT_VERSION,
        "arch": net.arch,
        "cell": net.cell,
        "nonlinearity": net.nonlinearity if net.cell == "rnn" else "tanh",
        "layers": str(net.num_layers),
        "hidden_size": str(net.hidden_size),
        "input_size": str(f),
        "target": str(net.target),
        "window": str(window),
        "horizon": str(net.horizon),
        "interval": interval,
        "mean": json.dumps(mean),
        "std": json.dumps(std),
        "norm": norm,
        "mode": mode,
        "bias": "true" if net.bias else "false",
        "name": name,
        "version": version,
    }
    if target_name:
        kv["target_name"] = target_name
    if scaling != "global":
        del kv["mean"], kv["std"]
        kv["scaling"] = scaling
    if scaling == "sensor":
        kv["scaling_half_life"] = repr(float(half_life))
    if getattr(net, "highway_len", 0):
        if net.arch != "seq2vec" or mode != "window":
            raise ValueError("a highway needs arch seq2vec and mode window")
        kv["highway"] = str(net.highway_len)
    return kv


def tensors(net, dtype=torch.float32):
    """Returns the state_dict as contiguous tensors of dtype, detached."""
    return {k: v.detach().to(dtype).contiguous() for k, v in net.state_dict().items()}


def export(net, path, dtype=torch.float32, **meta):
    """Writes net's weights and metadata to path (see metadata for the keywords)."""
    save_file(tensors(net, dtype), path, metadata=metadata(net, **meta))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("state_dict", help="a state_dict saved with torch.save")
    p.add_argument("out", help="the .safetensors file to write")
    p.add_argument("--arch", choices=sorted(ARCHS), default="seq2vec")
    p.add_argument("--cell", choices=["rnn", "lstm", "gru"], default="rnn")
    p.add_argument("--nonlinearity", choices=["tanh", "relu"], default="tanh")
    p.add_argument("--hidden-size", type=int, default=32)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--input-size", type=int, default=1)
    p.add_argument("--target", type=int, default=0)
    p.add_argument("--horizon", type=int, default=1)
    p.add_argument("--no-bias", action="store_true", help="the network was built with bias=False")
    p.add_argument("--window", type=int, required=True)
    p.add_argument("--interval", default="1h", help="Go duration of the event-time grid")
    p.add_argument("--mean", type=float, nargs="*", help="scaler mean per feature")
    p.add_argument("--std", type=float, nargs="*", help="scaler std per feature")
    p.add_argument("--norm", choices=["none", "last"], default="none")
    p.add_argument("--mode", choices=["window", "stateful"], default="window")
    p.add_argument("--scaling", choices=["global", "window", "sensor"], default="global",
                   help="how inputs are scaled (window: mode window; sensor: mode stateful, --half-life)")
    p.add_argument("--half-life", type=float, default=None, help="sensor scaling's half-life in readings")
    p.add_argument("--name", default="")
    p.add_argument("--version", default="")
    p.add_argument("--target-name", default="", help="the target column's name (rnncast backtest's default -target)")
    a = p.parse_args()
    net = ARCHS[a.arch](cell=a.cell, input_size=a.input_size, hidden_size=a.hidden_size,
                        num_layers=a.layers, horizon=a.horizon, nonlinearity=a.nonlinearity,
                        bias=not a.no_bias, target=a.target)
    net.load_state_dict(torch.load(a.state_dict, weights_only=True), strict=True)
    export(net, a.out, window=a.window, interval=a.interval, mean=a.mean, std=a.std,
           norm=a.norm, mode=a.mode, name=a.name, version=a.version, target_name=a.target_name,
           scaling=a.scaling, half_life=a.half_life)


if __name__ == "__main__":
    main()
