"""Timing of one library's calls: warm-up, then timed samples, summarised as the median and the
interquartile range.

Each library is timed in a block of its own calls, never in turns with a peer: each keeps its
thread pool spinning for a while after a call (OpenMP's wait policy, OpenBLAS's threads), and
interleaved calls would share the cores with the previous peer's spinning workers.
"""
import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """How hard to time: at least `min_repeats` and at most `max_repeats` samples, as many as fit
    in `budget_s` of calls; a sample repeats calls shorter than `block_s` so that the clock's
    resolution and the loop's own cost do not matter."""
    warmup: int
    min_repeats: int
    max_repeats: int
    budget_s: float
    block_s: float


FULL = Profile(warmup=3, min_repeats=5, max_repeats=15, budget_s=0.5, block_s=2e-3)
QUICK = Profile(warmup=2, min_repeats=3, max_repeats=7, budget_s=0.2, block_s=1e-3)
# a training step is timed one step a sample (the call that sizes the samples is a second warm-up)
MODELS_FULL = Profile(warmup=2, min_repeats=5, max_repeats=15, budget_s=2.0, block_s=0.0)
MODELS_QUICK = Profile(warmup=1, min_repeats=3, max_repeats=7, budget_s=0.5, block_s=0.0)


def summary(per_call, inner):
    """Median and quartiles of the per-call seconds of each sample."""
    s = sorted(per_call)
    return {"median_s": _quantile(s, 0.5), "q1_s": _quantile(s, 0.25), "q3_s": _quantile(s, 0.75),
            "iqr_s": _quantile(s, 0.75) - _quantile(s, 0.25), "repeats": len(s), "calls_per_repeat": inner}


def _quantile(sorted_values, q):
    pos = (len(sorted_values) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _plan(once, profile):
    """Calls per sample and number of samples for a call that takes `once` seconds."""
    inner = max(1, min(10000, int(profile.block_s / max(once, 1e-9))))
    repeats = int(profile.budget_s / max(once * inner, 1e-9))
    return inner, max(profile.min_repeats, min(profile.max_repeats, repeats))


def time_cpu(fn, profile):
    """Wall-clock samples of fn on the CPU."""
    for _ in range(profile.warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    inner, repeats = _plan(time.perf_counter() - t0, profile)
    per_call = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        per_call.append((time.perf_counter() - t0) / inner)
    return summary(per_call, inner)


def time_gpu(fn, lib, profile):
    """Samples of fn on the GPU, timed by lib.cuda events (lib: ember or torch) on the current
    stream after a synchronize, as benchmarks/timing.gpu_seconds does, keeping every sample."""
    for _ in range(profile.warmup):
        fn()
    lib.cuda.synchronize()
    t0 = time.perf_counter()
    fn()
    lib.cuda.synchronize()
    inner, repeats = _plan(time.perf_counter() - t0, profile)
    per_call = []
    for _ in range(repeats):
        start, end = lib.cuda.Event(enable_timing=True), lib.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        per_call.append(start.elapsed_time(end) / 1e3 / inner)
    return summary(per_call, inner)
