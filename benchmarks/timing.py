"""Timing helpers shared by the benchmark scripts (run as `python benchmarks/bench_*.py`, which
puts this folder on sys.path)."""
import os
import subprocess
import time


def median_seconds(fn, repeats):
    """The median wall time of `repeats` calls of fn, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def gpu_seconds(fn, lib, repeats, warmup=3, block_s=2e-3, max_inner=2000):
    """The median seconds per call of fn on the GPU, timed by lib.cuda events (lib: ember or
    torch) on the current stream: after `warmup` calls and a synchronize, `repeats` blocks of
    enough calls to last about `block_s` each."""
    for _ in range(warmup):
        fn()
    lib.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    lib.cuda.synchronize()
    once = max(time.perf_counter() - t0, 1e-6)
    inner = max(1, min(max_inner, int(block_s / once)))
    times = []
    for _ in range(repeats):
        start, end = lib.cuda.Event(enable_timing=True), lib.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3 / inner)
    times.sort()
    return times[len(times) // 2]


def git_commit():
    """The short hash of the checked-out commit, or "" outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        return ""
