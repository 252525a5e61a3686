"""The resident memory a training step adds, per library, in the suite's one process.

Method (Linux): after the warm-up steps, free what can be freed (garbage collection, ember's
cache of large CPU buffers, glibc's free heap pages through malloc_trim), reset the kernel's
high-water mark of this process's resident set (`5` written to /proc/self/clear_refs), read the
resident set (VmRSS), run the steps, read the high-water mark (VmHWM). The difference is the
peak memory the steps touched beyond what was live before them: activations, gradients,
temporaries, and any buffers an allocator keeps for reuse. It is exact (the kernel tracks the
peak, no sampling) but counts pages, not bytes, and a library that reuses pages it already
holds shows less than it allocates. On a GPU the libraries' own peak-allocated counters are
used instead.
"""
import ctypes
import gc


def _status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} is not in /proc/self/status")


def _release_free_memory(lib):
    gc.collect()
    cpu = getattr(lib, "cpu", None)
    if cpu is not None and hasattr(cpu, "empty_cache"):
        cpu.empty_cache()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: freed heap pages stay counted
        pass


def _reset_high_water_mark():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def cpu_step_memory(step, lib, steps=2):
    """Bytes of resident memory `steps` calls of step add at their peak, or None where the
    kernel does not offer the reset (not Linux, or Linux before 4.0)."""
    _release_free_memory(lib)
    try:
        _reset_high_water_mark()
        before = _status_kib("VmRSS")
    except OSError:
        return None
    for _ in range(steps):
        step()
    return max(0, _status_kib("VmHWM") - before) * 1024


def gpu_step_memory(step, lib, steps=2):
    """Bytes of device memory `steps` calls of step allocate at their peak beyond what was
    allocated before, from lib.cuda's peak counters."""
    lib.cuda.synchronize()
    gc.collect()
    lib.cuda.reset_peak_memory_stats()
    before = lib.cuda.memory_allocated()
    for _ in range(steps):
        step()
    lib.cuda.synchronize()
    return max(0, lib.cuda.max_memory_allocated() - before)
