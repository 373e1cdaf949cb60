"""Tests of train.py's data semantics and export (python -m unittest test_train, from python/).

The Go side (cmd/rnncast/pytorch_model_test.go) checks that the models train.py writes are
served and backtested as PyTorch computes them; these check the training semantics that Go
test cannot see: the scaler, Norm last in both regimes, the splits, the exported metadata.
"""

import json
import os
import subprocess
import sys
import tempfile
import types
import unittest

import numpy as np
import torch
from safetensors import safe_open

import train

HERE = os.path.dirname(os.path.abspath(__file__))


def args(**kw):
    a = dict(mode="window", window=5, horizon=3, norm="last", train_end=60, val_end=80, batch=4,
             samples=16, chunk=4, shift=0.0, clip=1.0)
    a.update(kw)
    return types.SimpleNamespace(**a)


def series(rows=100, features=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, features)).cumsum(axis=0) + 10


class TrainTest(unittest.TestCase):
    def test_scaler_is_population_std_of_train_rows(self):
        v = series()
        mean, std = train.scaler(v, 60)
        np.testing.assert_allclose(mean, v[:60].mean(axis=0))
        np.testing.assert_allclose(std, np.sqrt(((v[:60] - v[:60].mean(axis=0)) ** 2).mean(axis=0)))
        const = np.ones((10, 1))
        self.assertEqual(train.scaler(const, 10)[1][0], 1.0)

    def test_window_norm_last(self):
        s = series()
        r = train.WindowRegime(args(), s, target=1)
        self.assertEqual(r.train[0], 5)
        self.assertEqual(r.train[-1], 60 - 3)
        self.assertEqual(r.val[0], 60)
        self.assertEqual(r.val[-1], 80 - 3)
        x, want = r.batch(np.array([10, 20]))
        s32 = s.astype(np.float32)
        for i, e in enumerate([10, 20]):
            last = s32[e - 1, 1]
            np.testing.assert_allclose(x[i, :, 0].numpy(), s32[e - 5:e, 0])  # other features unchanged
            np.testing.assert_allclose(x[i, :, 1].numpy(), s32[e - 5:e, 1] - last, atol=1e-6)
            np.testing.assert_allclose(want[i].numpy(), s32[e:e + 3, 1] - last, atol=1e-6)

    def test_stateful_targets(self):
        s = series()
        s32 = s.astype(np.float32)
        rows = np.array([7, 30])
        last = train.StatefulRegime(args(mode="stateful"), s, target=0)
        want = last.targets(rows, torch.tensor([0.5, -0.5])).numpy()
        for i, r in enumerate(rows):  # Norm last: minus the current reading, shift cancels.
            np.testing.assert_allclose(want[i], s32[r + 1:r + 4, 0] - s32[r, 0], atol=1e-6)
        none = train.StatefulRegime(args(mode="stateful", norm="none"), s, target=0)
        want = none.targets(rows, torch.tensor([0.5, -0.5])).numpy()
        np.testing.assert_allclose(want[0], s32[8:11, 0] + 0.5, atol=1e-6)
        np.testing.assert_allclose(want[1], s32[31:34, 0] - 0.5, atol=1e-6)

    def test_go_duration(self):
        self.assertEqual(train.go_duration(3600), "1h")
        self.assertEqual(train.go_duration(900), "15m")
        self.assertEqual(train.go_duration(90), "90s")

    def test_command_exports_metadata(self):
        with tempfile.TemporaryDirectory() as d:
            csv = os.path.join(d, "s.csv")
            v = series(rows=200)
            with open(csv, "w") as fh:
                fh.write("time,a,temp\n")
                for i, (a, t) in enumerate(v):
                    fh.write(f"2024-01-{1 + i // 24:02d} {i % 24:02d}:00:00,{a:.3f},{t:.3f}\n")
            for mode in ["window", "stateful"]:
                out, golden = os.path.join(d, f"{mode}.safetensors"), os.path.join(d, f"{mode}.json")
                subprocess.run([sys.executable, os.path.join(HERE, "train.py"), "--data", csv, "--target", "temp",
                                "--features", "a,temp", "--mode", mode, "--cell", "gru", "--hidden", "4",
                                "--window", "12", "--horizon", "3", "--batch", "4", "--samples", "32",
                                "--epochs", "2", "--threads", "1", "--out", out, "--golden", golden,
                                "--golden-origins", "170,190", "--golden-test", "160,200"],
                               check=True, capture_output=True)
                with safe_open(out, "pt") as f:
                    m = f.metadata()
                    self.assertEqual(f.get_tensor("rnn.weight_ih_l0").shape, (12, 2))
                self.assertEqual((m["mode"], m["norm"], m["window"], m["horizon"], m["interval"]),
                                 (mode, "last", "12", "3", "1h"))
                self.assertEqual((m["input_size"], m["target"], m["cell"], m["arch"], m["target_name"]),
                                 ("2", "1", "gru", "seq2vec", "temp"))
                mean, std = train.scaler(np.round(v, 3), 120)
                np.testing.assert_allclose(json.loads(m["mean"]), mean, rtol=1e-12)
                np.testing.assert_allclose(json.loads(m["std"]), std, rtol=1e-12)
                g = json.load(open(golden))
                self.assertEqual([w["origin"] for w in g["windows"]], [170, 190])
                self.assertEqual(g["test"]["forecasts"], 38)


if __name__ == "__main__":
    unittest.main()
