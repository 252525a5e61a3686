"""Autograd benchmarks: ember against PyTorch (when installed) in one process.

    python benchmarks/bench_autograd.py [--repeats R] [--json out.json]

- tiny ops: the per-call cost of `a * b` on one-element tensors without grad, with an operand
  that requires grad (recording a node), and of `backward()` through a 100-op chain;
- an MLP training step: forward, cross-entropy, backward for a 784-256-128-10 network on a
  batch of 64, float32, 2 hidden ReLU layers (the time of one step, median of R);
- a deep elementwise chain: 1,000 small ops and their backward (the engine's per-node cost).

Ratios are torch time / ember time (above 1: ember is faster).
"""
import argparse
import json
import os
import platform
import sys
import timeit

import numpy as np

import ember
from timing import git_commit, median_seconds

try:
    import torch
except ImportError:  # the peer is optional
    torch = None


def per_call_seconds(fn, number=5000, repeats=7):
    fn()
    return sorted(timeit.repeat(fn, number=number, repeat=repeats))[repeats // 2] / number


def tiny_cases(lib):
    a = lib.ones(1)
    b = lib.ones(1)
    w = lib.ones(1, requires_grad=True)

    def chain_backward():
        y = w
        for _ in range(100):
            y = y * 1.0
        y.sum().backward()

    return {
        "mul, no grad": (lambda: a * b, True),
        "mul, recording": (lambda: w * b, True),
        "100-op chain, forward + backward": (chain_backward, False),
    }


def mlp_step(lib, repeats):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 784), dtype=np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    sizes = [784, 256, 128, 10]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = lib.tensor((rng.standard_normal((fan_out, fan_in)) / np.sqrt(fan_in)).astype(np.float32),
                       requires_grad=True)
        b = lib.zeros(fan_out, requires_grad=True)
        params += [w, b]
    F = lib.nn.functional

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = F.linear(h, params[i], params[i + 1])
            if i + 2 < len(params):
                h = F.relu(h)
        loss = F.cross_entropy(h, y)
        for p in params:
            p.grad = None
        loss.backward()

    return median_seconds(step, repeats)


def deep_chain(lib, repeats):
    w = lib.ones(16, requires_grad=True)

    def run():
        y = w
        for _ in range(250):
            y = (y * 1.001 + 0.001).tanh() * 2.0 - y * 0.5
        y.sum().backward()

    return median_seconds(run, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = []
    libs = [("ember", ember)] + ([("torch", torch)] if torch is not None else [])
    tiny = {name: tiny_cases(lib) for name, lib in libs}
    for case in tiny["ember"]:
        times = {}
        for name, _ in libs:
            fn, per_call = tiny[name][case]
            times[name] = per_call_seconds(fn) if per_call else median_seconds(fn, args.repeats)
        rows.append((case, times))
    rows.append(("MLP 784-256-128-10 train step, batch 64",
                 {name: mlp_step(lib, args.repeats) for name, lib in libs}))
    rows.append(("1,000-op elementwise chain, forward + backward",
                 {name: deep_chain(lib, args.repeats) for name, lib in libs}))

    print(f"{'case':50s} {'ember':>12s} {'torch':>12s} {'torch/ember':>12s}")
    for case, times in rows:
        e = times["ember"]
        t = times.get("torch")
        print(f"{case:50s} {e * 1e6:10.1f}us {'' if t is None else f'{t * 1e6:10.1f}us':>12s} "
              f"{'' if t is None else f'{t / e:12.2f}'}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": platform.machine(), "cpus": os.cpu_count(), "commit": git_commit(),
                       "python": sys.version.split()[0], "torch": getattr(torch, "__version__", None),
                       "threads": ember.get_num_threads(),
                       "results": [{"case": c, "seconds": t} for c, t in rows]}, f, indent=1)


if __name__ == "__main__":
    if torch is not None:
        torch.set_num_threads(ember.get_num_threads())
    main()
