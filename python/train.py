"""Trains the course's Net (seq2vec, cell rnn | lstm | gru) on a CSV series in PyTorch and
exports it to rnncast's safetensors model file, which `rnncast run` / `rnncast backtest`
then serve unchanged. The PyTorch counterpart of `rnncast train` (cmd/rnncast/train.go,
train/): same flags where they make sense, same defaults, same data semantics.

    python train.py --data ../testdata/ett/ETTh1.csv --target OT \\
        --train-end 8640 --val-end 11520 --mode window --cell rnn --hidden 32 --layers 2 \\
        --window 96 --horizon 24 --out model.safetensors

Semantics shared with rnncast's trainer (docs/design/training.md):
- CSV: a header row, the time column first (or --date-col), the target column, optional
  --features (the target is appended when missing); the interval is the step between the
  first two rows. Splits: rows [0, train-end) train; validation targets [train-end, val-end)
  (defaults 60% / 80% of the rows).
- Scaler: each feature's mean and population std (ddof 0) over the train rows (std 1 for a
  constant feature); the loss is the MSE on that standardized scale.
- Window regime (--mode window, the course's Net): a window of L rows from a zero state, the
  head on the last step; window ends e with targets [e, e+H) in the train rows; each epoch
  draws --samples of them at random, in minibatches of --batch (a last partial batch is
  dropped); validation scores every window whose targets lie in the validation rows.
  Norm last subtracts the window's last scaled target from the target feature's inputs and
  from the targets (rnncast adds it back to the outputs: model/runner.go).
- Stateful regime (--mode stateful): --batch parallel streams over the train rows (random
  offset per epoch), each with --window warm-up steps whose loss does not count, in chunks of
  --chunk steps with the state carried (gradient truncated) between chunks, the head at every
  step (after row r the targets are r+1 .. r+H), one optimizer step per chunk; a random level
  in +-shift std per stream and epoch is added to the target feature. Norm last: inputs
  unchanged, targets minus the current reading's scaled target. Validation runs one stream
  from row 0 and scores the rows whose targets lie in the validation rows.
- Adam (lr, betas 0.9/0.999, eps 1e-8), global gradient-norm clipping (--clip), early
  stopping after --patience epochs without a better validation MSE (the best epoch's weights
  are exported), the learning rate halved every patience/2 such epochs.
Not the same: PyTorch's own weight init and random streams, float32 training (rnncast trains
in float64), so the two trainers do not produce the same weights for the same seed.

Each epoch prints its wall and CPU seconds (training + validation); the last line is the mean
seconds per epoch. --golden writes PyTorch's forecasts (original units, computed as
model.Runner computes them) for the given origins, for rnncast's Go tests.
"""

import argparse
import csv
import json
import os
import sys
import time
from datetime import datetime

import numpy as np
import torch

from export import export
from nets import Net

TIME_LAYOUTS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]


def parse_time(s):
    for layout in TIME_LAYOUTS:
        try:
            return datetime.strptime(s, layout)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return datetime.utcfromtimestamp(int(s) / 1000)


def go_duration(seconds):
    """Formats a whole number of seconds as a Go duration string ("1h", "15m", "30s")."""
    seconds = int(round(seconds))
    for unit, n in (("h", 3600), ("m", 60)):
        if seconds % n == 0:
            return f"{seconds // n}{unit}"
    return f"{seconds}s"


def read_csv(path, target, features, date_col):
    """Returns (names, values rows×F float64, target index, interval seconds)."""
    feats = [f for f in features.split(",") if f] if features else [target]
    if target not in feats:
        feats.append(target)
    with open(path, newline="") as fh:
        rd = csv.reader(fh)
        head = next(rd)
        tcol = head.index(date_col) if date_col else 0
        cols = []
        for f in feats:
            if f not in head or head.index(f) == tcol:
                sys.exit(f"train.py: csv has no feature column {f!r} (columns {head})")
            cols.append(head.index(f))
        times, rows = [], []
        for rec in rd:
            times.append(parse_time(rec[tcol]))
            rows.append([float(rec[c]) for c in cols])
    if len(times) < 2:
        sys.exit("train.py: csv needs at least 2 rows")
    step = (times[1] - times[0]).total_seconds()
    for i in range(2, len(times)):
        if (times[i] - times[i - 1]).total_seconds() != step:
            sys.exit(f"train.py: csv rows {i} and {i + 1} are off the grid step {step}s")
    return feats, np.asarray(rows, dtype=np.float64), feats.index(target), step


def scaler(values, rows):
    """Mean and population std (ddof 0) of each feature over the first rows rows."""
    mean = values[:rows].mean(axis=0)
    std = values[:rows].std(axis=0, ddof=0)
    std[std == 0] = 1.0
    return mean, std


def seq_forward(net, x, state):
    """The Net with its head at every step: (B, T, F) -> (B, T, H), new state."""
    out, state = net.rnn(x, state)
    return net.fc(out), state


def detach(state):
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


class WindowRegime:
    def __init__(self, a, s, target):
        self.a, self.s, self.target = a, torch.from_numpy(s.astype(np.float32)), target
        L, H = a.window, a.horizon
        self.train = np.arange(L, a.train_end - H + 1)
        self.val = np.arange(max(a.train_end, L), a.val_end - H + 1)
        self.steps, self.ks = torch.arange(L), torch.arange(H)

    def batch(self, ends):
        e = torch.from_numpy(ends)
        x = self.s[(e[:, None] - self.a.window + self.steps)]  # (B, L, F)
        want = self.s[e[:, None] + self.ks, self.target]  # (B, H)
        if self.a.norm == "last":
            last = self.s[e - 1, self.target]
            x = x.clone()
            x[:, :, self.target] -= last[:, None]
            want = want - last[:, None]
        return x, want

    def epoch(self, net, opt, rng):
        a = self.a
        perm = rng.permutation(len(self.train))[:a.samples]
        total, steps = 0.0, 0
        for i in range(0, len(perm) - a.batch + 1, a.batch):
            x, want = self.batch(self.train[perm[i:i + a.batch]])
            loss = torch.mean((net(x) - want) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), a.clip)
            opt.step()
            total, steps = total + loss.item(), steps + 1
        return total / max(steps, 1)

    @torch.no_grad()
    def validate(self, net):
        total = 0.0
        for i in range(0, len(self.val), self.a.batch):
            x, want = self.batch(self.val[i:i + self.a.batch])
            total += torch.sum((net(x) - want) ** 2).item()
        return total / (len(self.val) * self.a.horizon)


class StatefulRegime:
    def __init__(self, a, s, target):
        self.a, self.target = a, target
        self.s = torch.from_numpy(s.astype(np.float32))
        self.ks = torch.arange(1, a.horizon + 1)

    def targets(self, rows, level):
        """want (n, H): rows' targets r+1..r+H on the standardized scale plus level
        (n,), or minus the row's own scaled target under Norm last."""
        rows = torch.as_tensor(rows)
        idx = torch.clamp(rows[:, None] + self.ks, max=len(self.s) - 1)
        want = self.s[idx, self.target]
        if self.a.norm == "last":
            return want - self.s[rows, self.target][:, None]
        return want + level[:, None]

    def epoch(self, net, opt, rng):
        a = self.a
        B, K, W, H = a.batch, a.chunk, a.window, a.horizon
        hi = a.train_end - H
        offset = int(rng.integers(K))
        per = (hi - W - offset) // B
        pos = offset + np.arange(B) * per
        lo = pos + W
        shift = torch.from_numpy((a.shift * (2 * rng.random(B) - 1)).astype(np.float32))
        state = net.zeros(B)
        total, count = 0.0, 0
        t = np.arange(K)
        for done in range(0, W + per, K):
            rows = pos[:, None] + t  # (B, K)
            src = torch.from_numpy(np.minimum(rows, hi - 1))
            x = self.s[src].clone()  # (B, K, F)
            x[:, :, self.target] += shift[:, None]
            mask = torch.from_numpy(((rows >= lo[:, None]) & (rows < hi)).astype(np.float32))
            want = self.targets(rows.reshape(-1), shift.repeat_interleave(K)).reshape(B, K, H)
            pos = pos + K
            y, state = seq_forward(net, x, state)
            n = int(mask.sum().item())
            se = torch.sum(((y - want) * mask[:, :, None]) ** 2)
            if n > 0:
                opt.zero_grad(set_to_none=True)
                (se / (n * H)).backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), a.clip)
                opt.step()
            total, count = total + se.item(), count + n
            state = detach(state)
        return total / (max(count, 1) * H)

    @torch.no_grad()
    def validate(self, net):
        a = self.a
        hi = a.val_end - a.horizon
        lo = a.train_end - 1
        y, _ = seq_forward(net, self.s[None, :hi], net.zeros(1))
        rows = np.arange(lo, hi)
        want = self.targets(rows, torch.zeros(len(rows)))
        return torch.mean((y[0, lo:hi] - want) ** 2).item()


def defaults(a):
    """rnncast train's defaults, some depending on the regime (train/config.go)."""
    window = a.mode == "window"
    for k, stateful, win in (("hidden", 64, 32), ("epochs", 100, 20), ("patience", 10, 4),
                             ("batch", 8, 64)):
        if getattr(a, k) in (None, 0):
            setattr(a, k, win if window else stateful)
    if a.shift < 0 or window:
        a.shift = 0.0


def fit(a, regime, net):
    opt = torch.optim.Adam(net.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    rng = np.random.default_rng(a.seed)
    best, best_n = float("inf"), 0
    best_state = {k: v.clone() for k, v in net.state_dict().items()}
    times = []
    for n in range(1, a.epochs + 1):
        w0, c0 = time.perf_counter(), time.process_time()
        net.train()
        loss = regime.epoch(net, opt, rng)
        w1, c1 = time.perf_counter(), time.process_time()
        net.eval()
        val = regime.validate(net)
        w2, c2 = time.perf_counter(), time.process_time()
        times.append((w2 - w0, c2 - c0, w1 - w0, c1 - c0))
        if not (np.isfinite(loss) and np.isfinite(val)):
            sys.exit(f"train.py: loss is NaN at epoch {n} (lower the learning rate)")
        if val < best:
            best, best_n = val, n
            best_state = {k: v.clone() for k, v in net.state_dict().items()}
        print(f"epoch {n}/{a.epochs} loss {loss:.5f} val {val:.5f} best {best:.5f}@{best_n} "
              f"wall {w2 - w0:.2f}s cpu {c2 - c0:.2f}s (train {w1 - w0:.2f}s cpu {c1 - c0:.2f}s)",
              file=sys.stderr, flush=True)
        stale = n - best_n
        if stale >= a.patience:
            break
        if stale > 0 and stale % max(1, a.patience // 2) == 0:
            for g in opt.param_groups:
                g["lr"] /= 2
    net.load_state_dict(best_state)
    return best, best_n, times


@torch.no_grad()
def runner_forecasts(net, a, values, mean, std, target, origins):
    """PyTorch's forecasts for origins (rows e: targets [e, e+H)) in original units,
    computed as model.Runner does: float32 inputs scaled in float64 and rounded to
    float32, the network in float32, (y + ref)·std + mean in float64 rounded to float32.
    Window mode: Runner.Window over rows [e−L, e); stateful: one state stepped from row 0
    with Runner.Step, the forecast after row e−1."""
    x32 = values.astype(np.float32)
    scaled = ((x32.astype(np.float64) - mean) / std).astype(np.float32)
    out = []
    if a.mode == "window":
        L = a.window
        for lo in range(0, len(origins), 256):
            es = np.asarray(origins[lo:lo + 256])
            w = scaled[es[:, None] - L + np.arange(L)]  # (b, L, F)
            ref = w[:, -1, target].copy() if a.norm == "last" else np.zeros(len(es), np.float32)
            w[:, :, target] -= ref[:, None]
            y = net(torch.from_numpy(w)).numpy()
            fc = (y.astype(np.float64) + ref[:, None].astype(np.float64)) * std[target] + mean[target]
            out.extend(fc.astype(np.float32))
        return out
    ys, _ = seq_forward(net, torch.from_numpy(scaled[None, :max(origins)]), net.zeros(1))
    for e in origins:
        ref = scaled[e - 1, target] if a.norm == "last" else np.float32(0)
        y = ys[0, e - 1].numpy()
        out.append(((y.astype(np.float64) + float(ref)) * std[target] + mean[target]).astype(np.float32))
    return out


def test_mse(net, a, values, mean, std, target, start, end):
    """PyTorch's MSE (standardized by the train std) over origins [start, end−H], every
    origin scored as rnncast backtest scores them (float32 forecasts, float64 errors)."""
    H = a.horizon
    origins = list(range(start, end - H + 1))
    fc = np.asarray(runner_forecasts(net, a, values, mean, std, target, origins), dtype=np.float64)
    actual = values[np.asarray(origins)[:, None] + np.arange(H), target]
    return float(np.mean((fc - actual) ** 2) / std[target] ** 2), len(origins)


def write_golden(path, a, model_path, names, origins, forecasts, test=None):
    f32 = lambda v: "[" + ",".join(str(np.float32(x)) for x in v) + "]"
    rows = ",\n".join(f'    {{"origin": {e}, "forecast": {f32(y)}}}' for e, y in zip(origins, forecasts))
    with open(path, "w") as fh:
        fh.write("{\n")
        fh.write(f'  "torch_version": "{torch.__version__}",\n')
        fh.write(f'  "model": "{os.path.basename(model_path)}",\n')
        fh.write(f'  "data": "{os.path.basename(a.data)}",\n')
        fh.write(f'  "target": "{a.target}",\n')
        fh.write(f'  "features": {json.dumps(names)},\n')
        fh.write(f'  "mode": "{a.mode}",\n')
        fh.write(f'  "command": {json.dumps(" ".join(sys.argv))},\n')
        if test:
            fh.write(f'  "test": {{"start": {test[0]}, "end": {test[1]}, "forecasts": {test[3]}, "mse": {test[2]!r}}},\n')
        fh.write(f'  "windows": [\n{rows}\n  ]\n}}\n')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="CSV file: a header row, a time column, feature columns")
    p.add_argument("--date-col", default="", help="time column (default: the first column)")
    p.add_argument("--target", default="OT", help="target column")
    p.add_argument("--features", default="", help="comma-separated input columns (default: the target alone)")
    p.add_argument("--out", default="model.safetensors", help="output model file")
    p.add_argument("--train-end", type=int, default=0, help="rows [0,train-end) are the train split (default 60%%)")
    p.add_argument("--val-end", type=int, default=0, help="validation targets are rows [train-end,val-end) (default 80%%)")
    p.add_argument("--mode", choices=["stateful", "window"], default="stateful", help="training regime")
    p.add_argument("--cell", choices=["rnn", "lstm", "gru"], default="gru")
    p.add_argument("--nonlinearity", choices=["tanh", "relu"], default="tanh")
    p.add_argument("--hidden", type=int, default=0, help="hidden units per layer (default 64 stateful / 32 window)")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--horizon", type=int, default=24, help="H: values forecast per step (direct head)")
    p.add_argument("--window", type=int, default=336, help="L (window) or warm-up steps per stream (stateful)")
    p.add_argument("--norm", choices=["last", "none"], default="last")
    p.add_argument("--epochs", type=int, default=0, help="maximum epochs (default 100 stateful / 20 window)")
    p.add_argument("--patience", type=int, default=0, help="default 10 stateful / 4 window")
    p.add_argument("--batch", type=int, default=0, help="streams (stateful, default 8) or windows per minibatch (window, 64)")
    p.add_argument("--samples", type=int, default=2048, help="training windows drawn per epoch (window mode)")
    p.add_argument("--chunk", type=int, default=32, help="truncated back-propagation length (stateful)")
    p.add_argument("--shift", type=float, default=1.0, help="stateful: random target level shift, +- this many std")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm bound")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--name", default="rnncast")
    p.add_argument("--version", default="1")
    p.add_argument("--golden", default="", help="also write PyTorch's forecasts at --golden-origins to this JSON")
    p.add_argument("--golden-origins", default="", help="comma-separated origin rows for --golden")
    p.add_argument("--golden-test", default="", help="START,END: also put PyTorch's MSE over the test "
                   "origins [START, END-H] in the golden (rnncast backtest -test-start START -test-end END)")
    a = p.parse_args()
    defaults(a)
    if a.threads > 0:
        torch.set_num_threads(a.threads)
        torch.set_num_interop_threads(a.threads)
    torch.manual_seed(a.seed)

    names, values, target, interval = read_csv(a.data, a.target, a.features, a.date_col)
    rows = len(values)
    a.train_end = a.train_end or rows * 6 // 10
    a.val_end = a.val_end or rows * 8 // 10
    if a.train_end < a.window + a.horizon + a.batch or a.val_end > rows or a.val_end - a.train_end < a.horizon:
        sys.exit(f"train.py: splits {a.train_end}/{a.val_end} do not fit {rows} rows, window {a.window}, horizon {a.horizon}")
    mean, std = scaler(values, a.train_end)
    s = (values - mean) / std
    net = Net(cell=a.cell, input_size=len(names), hidden_size=a.hidden, num_layers=a.layers,
              horizon=a.horizon, nonlinearity=a.nonlinearity, target=target)
    regime = (WindowRegime if a.mode == "window" else StatefulRegime)(a, s, target)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}; {a.mode} {a.cell} hidden={a.hidden} "
          f"layers={a.layers} L={a.window} H={a.horizon} norm={a.norm} batch={a.batch}", file=sys.stderr)
    best, best_n, times = fit(a, regime, net)
    net.eval()
    export(net, a.out, window=a.window, interval=go_duration(interval), mean=mean.tolist(),
           std=std.tolist(), norm=a.norm, mode=a.mode, name=a.name, version=a.version, target_name=names[target])
    wall = [t[0] for t in times]
    cpu = [t[1] for t in times]
    print(f"trained {a.mode} {a.cell} hidden={a.hidden} layers={a.layers} H={a.horizon} L={a.window} "
          f"norm={a.norm}: {len(times)} epochs, best validation MSE {best:.4f} at epoch {best_n}; wrote {a.out}")
    print(f"seconds per epoch: wall {np.mean(wall):.2f} (min {np.min(wall):.2f}), cpu {np.mean(cpu):.2f} "
          f"(min {np.min(cpu):.2f}) over {len(times)} epochs, threads {torch.get_num_threads()}")
    if a.golden:
        origins = [int(v) for v in a.golden_origins.split(",") if v]
        fc = runner_forecasts(net, a, values, mean, std, target, origins)
        test = None
        if a.golden_test:
            start, end = (int(v) for v in a.golden_test.split(","))
            mse, n = test_mse(net, a, values, mean, std, target, start, end)
            test = (start, end, mse, n)
            print(f"test MSE {mse:.4f} over {n} origins [{start}, {end - a.horizon}]")
        write_golden(a.golden, a, a.out, names, origins, fc, test)


if __name__ == "__main__":
    main()
