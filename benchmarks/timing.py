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


def git_commit():
    """The short hash of the checked-out commit, or "" outside a git checkout."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(os.path.abspath(__file__))).stdout.strip()
    except OSError:
        return ""
