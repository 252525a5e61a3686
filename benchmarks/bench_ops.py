"""Op benchmarks: ember against numpy (and PyTorch when installed) in one process.

    python benchmarks/bench_ops.py [--size N] [--repeats R] [--device cpu|cuda] [--json out.json]

Each case runs every peer on the same data: one warm-up, then the median of R timed runs.
With --device cuda, ember and torch run on the GPU (numpy, which has none, is left out) and
each time is the median per call over blocks timed by the library's CUDA events after a
synchronize (timing.gpu_seconds); the tiny case measures the per-call launch cost.
Ratios are peer time / ember time (above 1: ember is faster). Results go to stdout as a table
and, with --json, to a file with the machine, commit and versions.
"""
import argparse
import json
import os
import platform
import sys
import timeit

import numpy as np

import ember
from timing import git_commit, gpu_seconds, median_seconds

try:
    import torch
except ImportError:  # parity peers are optional
    torch = None



def per_call_seconds(fn, number=20000, repeats=7):
    """Tiny-op overhead: the median over repeats of the mean over `number` calls."""
    fn()
    return sorted(timeit.repeat(fn, number=number, repeat=repeats))[repeats // 2] / number


def cases(n, side, device="cpu"):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal(n, dtype=np.float32)
    b_np = rng.standard_normal(n, dtype=np.float32)
    m1_np = rng.standard_normal((side, side), dtype=np.float32)
    m2_np = rng.standard_normal((side, side), dtype=np.float32)
    a, b = ember.from_numpy(a_np).to(device), ember.from_numpy(b_np).to(device)
    m1, m2 = ember.from_numpy(m1_np).to(device), ember.from_numpy(m2_np).to(device)
    s_np = np.ones(1, dtype=np.float32)
    s1, s2 = ember.ones(1, device=device), ember.ones(1, device=device)
    peers = {}
    if torch is not None and (device == "cpu" or torch.cuda.is_available()):
        ta, tb = torch.from_numpy(a_np).to(device), torch.from_numpy(b_np).to(device)
        tm1, tm2 = torch.from_numpy(m1_np).to(device), torch.from_numpy(m2_np).to(device)
        ts1, ts2 = torch.ones(1, device=device), torch.ones(1, device=device)
        peers = {
            "add": lambda: ta + tb, "mul": lambda: ta * tb, "exp": lambda: torch.exp(ta),
            "sum": lambda: ta.sum(), "add_transposed": lambda: tm1.t() + tm2,
            "tiny_add": lambda: ts1 + ts2,
        }
    return [
        # name, what, ember, numpy, torch, tiny (per-call timing)
        ("add", f"a + b, {n:,} float32", lambda: a + b, lambda: a_np + b_np, peers.get("add"), False),
        ("mul", f"a * b, {n:,} float32", lambda: a * b, lambda: a_np * b_np, peers.get("mul"), False),
        ("exp", f"exp(a), {n:,} float32", lambda: a.exp(), lambda: np.exp(a_np), peers.get("exp"), False),
        ("sum", f"a.sum(), {n:,} float32", lambda: a.sum(), lambda: a_np.sum(), peers.get("sum"), False),
        ("add_transposed", f"m.t() + m2, {side}x{side} float32", lambda: m1.t() + m2,
         lambda: m1_np.T + m2_np, peers.get("add_transposed"), False),
        ("tiny_add", "a + b, 1-element float32 (per call)", lambda: s1 + s2, lambda: s_np + s_np,
         peers.get("tiny_add"), True),
    ]



def _gpu_per_call(fn, lib):
    """The host's cost per launch of a tiny GPU op (the queue drained before and after)."""
    lib.cuda.synchronize()
    t = per_call_seconds(fn)
    lib.cuda.synchronize()
    return t


def _emit(results, name, what, te, tn, tt, tiny):
    unit, scale = ("us", 1e6) if tiny else ("ms", 1e3)
    line = f"{name:16s} {te * scale:8.2f}{unit} {tn * scale:8.2f}{unit} {tn / te:9.2f}"
    if tt is not None:
        line += f" {tt * scale:8.2f}{unit} {tt / te:11.2f}"
    print(line)
    results.append({"case": name, "what": what, "ember_s": te, "numpy_s": tn, "torch_s": tt})


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 24)
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--only", nargs="*", help="case names to run")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda: ember and torch on the GPU")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    on_gpu = args.device.startswith("cuda")
    if on_gpu and not ember.cuda.is_available():
        sys.exit(f"bench_ops: --device {args.device}, but ember has no GPU here")

    results = []
    header = f"{'case':16s} {'ember':>10s} {'numpy':>10s} {'np/ember':>9s}"
    if torch is not None:
        header += f" {'torch':>10s} {'torch/ember':>11s}"
    print(header)
    for name, what, ours, np_fn, torch_fn, tiny in cases(args.size, args.side, args.device):
        if args.only and name not in args.only:
            continue
        if on_gpu:  # numpy has no GPU: its column repeats the CPU reference
            timer = per_call_seconds if tiny else (lambda f: median_seconds(f, args.repeats))
            gpu_timer = (lambda f, lib: _gpu_per_call(f, lib)) if tiny else (
                lambda f, lib: gpu_seconds(f, lib, args.repeats))
            te, tn = gpu_timer(ours, ember), timer(np_fn)
            tt = gpu_timer(torch_fn, torch) if torch_fn else None
            _emit(results, name, what, te, tn, tt, tiny)
            continue
        timer = per_call_seconds if tiny else (lambda f: median_seconds(f, args.repeats))
        te, tn = timer(ours), timer(np_fn)
        tt = timer(torch_fn) if torch_fn else None
        unit, scale = ("us", 1e6) if tiny else ("ms", 1e3)
        line = f"{name:16s} {te * scale:8.2f}{unit} {tn * scale:8.2f}{unit} {tn / te:9.2f}"
        if tt is not None:
            line += f" {tt * scale:8.2f}{unit} {tt / te:11.2f}"
        print(line)
        results.append({"case": name, "what": what, "ember_s": te, "numpy_s": tn, "torch_s": tt})

    if args.json:
        meta = {
            "machine": {"platform": platform.platform(), "processor": platform.processor(),
                        "cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "commit": git_commit(),
            "versions": {"ember": ember.__version__, "numpy": np.__version__,
                         "torch": torch.__version__ if torch else None},
            "build": ember._C.build_info(),
            "repeats": args.repeats,
            "device": args.device,
            "results": results,
        }
        with open(args.json, "w") as f:
            json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
