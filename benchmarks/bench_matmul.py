"""Matrix-product benchmarks: ember against numpy (and PyTorch when installed) in one process.

    python benchmarks/bench_matmul.py [--repeats R] [--quick] [--threads N] [--json out.json]

Cases: square float32 products from 64 to 2048, float64 ones, tall-skinny shapes, transposed
operands (read in place by ember's packing), and batches of small matrices. Each case runs
every peer on the same data: one warm-up, then R timed runs of that peer alone (calls shorter
than 2 ms are repeated within a run; see time_in_blocks on why peers do not take turns);
--cpu-time with --threads 1 measures the kernels by the calling thread's CPU time, for a
machine that other processes load (the wall time then measures them). The table gives the median time, ember's
GFLOP/s and the ratios peer time / ember time (above 1: ember is faster).
"""
import argparse
import json
import os
import platform
import sys
import time


def _early_threads():
    """--threads N also caps numpy's BLAS, which reads its thread count when it loads."""
    for i, arg in enumerate(sys.argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else (
            sys.argv[i + 1] if arg == "--threads" and i + 1 < len(sys.argv) else None)
        if value:
            for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
                os.environ.setdefault(var, value)


_early_threads()
import numpy as np  # noqa: E402

import ember  # noqa: E402
from timing import git_commit  # noqa: E402

try:
    import torch
except ImportError:  # parity peers are optional
    torch = None


def cases(quick):
    """(name, shapes of A and B per batch entry, batch, dtype, transpose A, transpose B)."""
    sizes = [64, 128, 256, 512, 1024] + ([] if quick else [2048])
    out = [(f"{n}x{n} @ {n}x{n}", (n, n, n), None, "float32", False, False) for n in sizes]
    out += [(f"{n}x{n} @ {n}x{n}", (n, n, n), None, "float64", False, False) for n in (256, 1024)]
    out += [
        ("A.T @ B, 1024", (1024, 1024, 1024), None, "float32", True, False),
        ("A @ B.T, 1024", (1024, 1024, 1024), None, "float32", False, True),
        ("A.T @ B.T, 512", (512, 512, 512), None, "float32", True, True),
        ("tall 8192x64 @ 64x64", (8192, 64, 64), None, "float32", False, False),
        ("tall 8192x512 @ 512x32", (8192, 512, 32), None, "float32", False, False),
        ("wide 64x4096 @ 4096x4096", (64, 4096, 4096), None, "float32", False, False),
        ("inner 64x16384 @ 16384x64", (64, 16384, 64), None, "float32", False, False),
        ("linear 128x768 @ (3072x768).T", (128, 768, 3072), None, "float32", False, True),
        ("matrix-vector 4096x4096 @ 4096", (4096, 4096, 1), None, "float32", False, False),
        ("batched 64 x (64x64 @ 64x64)", (64, 64, 64), 64, "float32", False, False),
        ("batched 512 x (32x32 @ 32x32)", (32, 32, 32), 512, "float32", False, False),
        ("batched 8 x (256x256 @ 256x256)", (256, 256, 256), 8, "float32", False, False),
    ]
    return out


def operands(rng, mkn, batch, dtype, ta, tb):
    m, k, n = mkn
    lead = () if batch is None else (batch,)
    a = rng.standard_normal(lead + ((k, m) if ta else (m, k))).astype(dtype)
    b = rng.standard_normal(lead + ((n, k) if tb else (k, n))).astype(dtype)
    if n == 1 and not tb:
        b = b[..., 0]
    return a, b


def make_peers(a_np, b_np, ta, tb):
    def t(x, flag):
        return x.swapaxes(-1, -2) if flag else x

    ea, eb = ember.from_numpy(a_np), ember.from_numpy(b_np)
    ea, eb = t(ea, ta), t(eb, tb)
    na, nb = t(a_np, ta), t(b_np, tb)
    peers = {"ember": lambda: ea @ eb, "numpy": lambda: na @ nb}
    if torch is not None:
        xa, xb = t(torch.from_numpy(a_np), ta), t(torch.from_numpy(b_np), tb)
        peers["torch"] = lambda: xa @ xb
    return peers


def time_in_blocks(peers, repeats, clock=time.perf_counter):
    """The median time of each peer, timed in a block of its own calls.

    Not round robin: each library keeps its own thread pool spinning for a while after a call
    (OpenMP's default wait policy, OpenBLAS's threads), and interleaved calls then share the
    cores with the previous peer's spinning workers, which doubled some times on 2 cores.
    """
    times = {name: [] for name in peers}
    for name, fn in peers.items():
        fn()  # warm-up: first-touch of buffers, thread start
        for _ in range(repeats):
            # short calls are repeated so that the clock's resolution does not matter
            calls, t0 = 0, clock()
            while True:
                fn()
                calls += 1
                elapsed = clock() - t0
                if elapsed > 2e-3 or calls >= 1000:
                    break
            times[name].append(elapsed / calls)
    return {name: sorted(ts)[len(ts) // 2] for name, ts in times.items()}



def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="skip the 2048 case")
    parser.add_argument("--threads", type=int, default=None, help="threads for ember and torch")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with the calling thread's CPU time (with --threads 1, where every peer "
                             "computes on the calling thread: the kernels' speed on a machine shared with "
                             "other work, where wall time measures the other work)")
    parser.add_argument("--json", default=None, help="write results to this file")
    args = parser.parse_args()
    if args.threads:
        ember.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = []
    print(f"ember {ember.__version__} ({ember._C.build_info()['cpu_capability']}), "
          f"{ember.get_num_threads()} threads; numpy {np.__version__}"
          + (f"; torch {torch.__version__}, {torch.get_num_threads()} threads" if torch else ""))
    header = f"{'case':34} {'dtype':8} {'ember':>10} {'GFLOP/s':>8} {'numpy/ember':>12} {'torch/ember':>12}"
    print(header)
    print("-" * len(header))
    for name, mkn, batch, dtype, ta, tb in cases(args.quick):
        a_np, b_np = operands(rng, mkn, batch, dtype, ta, tb)
        peers = make_peers(a_np, b_np, ta, tb)
        med = time_in_blocks(peers, args.repeats, time.thread_time if args.cpu_time else time.perf_counter)
        m, k, n = mkn
        flops = 2.0 * m * k * n * (batch or 1)
        row = {"case": name, "dtype": dtype, "m": m, "k": k, "n": n, "batch": batch or 1,
               "seconds": med, "ember_gflops": flops / med["ember"] / 1e9}
        rows.append(row)
        ratio = lambda p: f"{med[p] / med['ember']:12.2f}" if p in med else f"{'-':>12}"
        print(f"{name:34} {dtype:8} {med['ember'] * 1e3:8.3f}ms {row['ember_gflops']:8.1f} {ratio('numpy')} "
              f"{ratio('torch')}")
    if args.json:
        meta = {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count(),
                "python": sys.version.split()[0], "numpy": np.__version__,
                "torch": torch.__version__ if torch else None,
                "cpu_capability": ember._C.build_info()["cpu_capability"], "ember_threads": ember.get_num_threads(),
                "commit": git_commit(), "repeats": args.repeats, "clock": "cpu" if args.cpu_time else "wall", "time": time.strftime("%Y-%m-%d %H:%M:%S")}
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
