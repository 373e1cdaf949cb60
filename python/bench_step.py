"""Measures PyTorch's stateful step, the counterpart of rnncast's BenchmarkStep.

    python bench_step.py [--seconds 2]

Same cells and shapes as model/bench_test.go: a seq2vec model (one input
feature, 2 layers, a linear head to a 12-step horizon) for cell rnn|lstm|gru,
hidden 32|64 and batch 1|32|256. One call advances every key of the batch by
one step with a carried state: nn.RNN/LSTM/GRU over a sequence of length 1,
then the head, under torch.no_grad() with torch.set_num_threads(1). Prints
key-steps per second (batch × calls / second) per configuration, per second
of wall time and per second of the process's CPU time (the latter, like the
Go benchmark's cpu-keysteps/s, shows what one core does on a loaded machine).
"""

import argparse
import time

import torch

from nets import Net

LAYERS, HORIZON = 2, 12


def measure(cell, hidden, batch, seconds):
    torch.manual_seed(9)
    net = Net(cell=cell, input_size=1, hidden_size=hidden, num_layers=LAYERS, horizon=HORIZON).eval()
    x = torch.randn(batch, 1)
    state = net.zeros(batch)
    with torch.no_grad():
        for _ in range(50):  # warm-up
            _, state = net.step(x, state)
        calls, start, cpu0 = 0, time.perf_counter(), time.process_time()
        while True:
            for _ in range(100):
                _, state = net.step(x, state)
            calls += 100
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                cpu = time.process_time() - cpu0
                return calls * batch / elapsed, calls * batch / cpu


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=2.0, help="measuring time per configuration")
    a = p.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    for cell in ["rnn", "lstm", "gru"]:
        for hidden in [32, 64]:
            for batch in [1, 32, 256]:
                ks, cks = measure(cell, hidden, batch, a.seconds)
                print(f"cell={cell}/hidden={hidden}/layers={LAYERS}/batch={batch}\t"
                      f"{ks:12.0f} keysteps/s\t{cks:12.0f} cpu-keysteps/s")


if __name__ == "__main__":
    main()
