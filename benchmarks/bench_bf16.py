"""bfloat16 against float32: square matrix products and a conv2d layer, ember and PyTorch in one
process.

    python benchmarks/bench_bf16.py [--repeats R] [--threads N] [--cpu-time] [--json out.json]

Cases: n x n @ n x n for n = 512, 1024, 2048, and a 3x3 convolution layer (8 images of 64
channels, 56 x 56, padding 1, 64 output channels, with bias). Every case runs ember float32,
ember bfloat16, torch float32 and torch bfloat16 on the same values: one warm-up, then R timed
runs each, the median reported. --cpu-time with --threads 1 times the calling thread's CPU
seconds (every peer then computes on it), which a machine loaded by other processes measures
far better than wall time. The table gives times, GFLOP/s and the ratios: ember float32 /
ember bfloat16 (above 1: bfloat16 is faster) and torch bfloat16 / ember bfloat16 (above 1:
ember is faster). ember's variant (`cpu_capability`: avx512_bf16 runs the dot-product GEMM)
is printed with the machine.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

import ember
from timing import git_commit

try:
    import torch
except ImportError:  # the PyTorch columns are optional
    torch = None


def cases():
    out = [(f"{n}x{n} @ {n}x{n}", "matmul", dict(n=n), 2.0 * n ** 3) for n in (512, 1024, 2048)]
    n, c, h, co, k = 8, 64, 56, 64, 3
    out.append(("conv2d 8x64x56x56, 64 out, 3x3 pad 1", "conv2d", dict(n=n, c=c, h=h, co=co, k=k),
                2.0 * n * co * c * k * k * h * h))
    return out


def make(lib, kind, params, dtype, rng_seed=0):
    rng = np.random.default_rng(rng_seed)
    if kind == "matmul":
        n = params["n"]
        a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
        ta, tb = lib.tensor(a).to(dtype), lib.tensor(b).to(dtype)
        return lambda: ta @ tb
    x = rng.standard_normal((params["n"], params["c"], params["h"], params["h"])).astype(np.float32)
    w = (rng.standard_normal((params["co"], params["c"], params["k"], params["k"])) * 0.05).astype(np.float32)
    bias = rng.standard_normal(params["co"]).astype(np.float32)
    tx, tw, tbias = (lib.tensor(v).to(dtype) for v in (x, w, bias))
    conv = lib.nn.functional.conv2d
    return lambda: conv(tx, tw, tbias, padding=1)


def median_time(fn, repeats, cpu_time):
    clock = time.thread_time if cpu_time else time.perf_counter
    fn()
    times = []
    for _ in range(repeats):
        t0 = clock()
        fn()
        times.append(clock() - t0)
    times.sort()
    return times[len(times) // 2]


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            info = f.read()
        cpu = next(line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name"))
        flags = next(line for line in info.splitlines() if line.startswith("flags")).split()
        cpu += " (avx512_bf16)" if "avx512_bf16" in flags else " (no avx512_bf16)"
    except (OSError, StopIteration):
        pass
    return cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--cpu-time", action="store_true", help="time the calling thread's CPU seconds")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    if args.threads:
        ember.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    info = {"machine": machine(), "cpu_capability": ember._C.build_info()["cpu_capability"],
            "threads": ember.get_num_threads(), "commit": git_commit(), "cpu_time": args.cpu_time,
            "torch": torch.__version__ if torch is not None else None, "load": os.getloadavg()[0]}
    print(json.dumps(info))
    rows = []
    print("| case | ember f32 | ember bf16 | GFLOP/s bf16 | f32/bf16 | torch f32 | torch bf16 | torch bf16 / ember bf16 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, kind, params, flops in cases():
        row = {"case": name}
        for lib, label in ((ember, "ember"), (torch, "torch")):
            if lib is None:
                continue
            for dtype_name in ("float32", "bfloat16"):
                fn = make(lib, kind, params, getattr(lib, dtype_name))
                row[f"{label} {dtype_name}"] = median_time(fn, args.repeats, args.cpu_time)
        rows.append(row)
        ef, eb = row["ember float32"], row["ember bfloat16"]
        tf, tb = row.get("torch float32"), row.get("torch bfloat16")
        ms = lambda s: "-" if s is None else f"{s * 1e3:.1f} ms"  # noqa: E731
        ratio = "-" if tb is None else f"{tb / eb:.2f}"
        print(f"| {name} | {ms(ef)} | {ms(eb)} | {flops / eb / 1e9:.0f} | {ef / eb:.2f} | {ms(tf)} | {ms(tb)} | "
              f"{ratio} |", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
