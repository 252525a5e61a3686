"""The caching allocator's statistics with torch.cuda.memory's names.

ember keeps freed device blocks for reuse (memory_reserved >= memory_allocated); empty_cache
returns the unused ones to the driver. Without a GPU nothing is allocated: the counts are 0
and memory_stats is empty, as in torch.
"""
import collections

from . import _runtime
from ._runtime import call, device_index

__all__ = ["memory_stats", "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
           "reset_peak_memory_stats", "reset_max_memory_allocated", "empty_cache", "memory_summary", "mem_get_info"]


def _raw(device):
    return call("memory_stats", device_index(device))


def memory_stats(device=None):
    """The allocator's counters for `device` under torch's key names, sorted by key:
    allocated_bytes.all.{current,peak}, reserved_bytes.all.{current,peak},
    allocation.all.{current,allocated,freed}, num_alloc_retries, num_ooms. Empty without a GPU."""
    if not _runtime.is_available():
        return collections.OrderedDict()
    raw = _raw(device)
    stats = {
        "allocated_bytes.all.current": int(raw["allocated"]),
        "allocated_bytes.all.peak": int(raw["max_allocated"]),
        "reserved_bytes.all.current": int(raw["reserved"]),
        "reserved_bytes.all.peak": int(raw["max_reserved"]),
        "allocation.all.allocated": int(raw["allocation_count"]),
        "allocation.all.freed": int(raw["free_count"]),
        "allocation.all.current": int(raw["allocation_count"]) - int(raw["free_count"]),
        "num_alloc_retries": int(raw["num_alloc_retries"]),
        "num_ooms": int(raw["num_ooms"]),
    }
    return collections.OrderedDict(sorted(stats.items()))


def _stat(device, key):
    if not _runtime.is_available():
        return 0
    return int(_raw(device)[key])


def memory_allocated(device=None):
    """Bytes of device memory held by tensors now."""
    return _stat(device, "allocated")


def max_memory_allocated(device=None):
    """The most bytes held by tensors since the start (or the last reset_peak_memory_stats)."""
    return _stat(device, "max_allocated")


def memory_reserved(device=None):
    """Bytes the allocator holds from the driver (in use or cached for reuse)."""
    return _stat(device, "reserved")


def max_memory_reserved(device=None):
    return _stat(device, "max_reserved")


def reset_peak_memory_stats(device=None):
    """Starts the peaks (max_memory_allocated / max_memory_reserved) again from the current values."""
    if _runtime.is_available():
        call("reset_peak_memory_stats", device_index(device))


def reset_max_memory_allocated(device=None):
    reset_peak_memory_stats(device)


def empty_cache():
    """Returns the cached, unused device blocks to the driver (nothing to do without a GPU)."""
    if _runtime.is_available():
        call("empty_cache")


def mem_get_info(device=None):
    """(free, total) bytes of `device`, as the driver counts them (cudaMemGetInfo): memory held
    by ember's cache, the CUDA context and other processes is not free."""
    _runtime.require("ember.cuda.mem_get_info")
    free, total = call("mem_get_info", device_index(device))
    return int(free), int(total)


def _format_bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.2f} {unit}"
        n /= 1024.0
    return f"{n} B"


def memory_summary(device=None, abbreviated=False):
    """A printable table of memory_stats(device)."""
    _runtime.require("ember.cuda.memory_summary")
    index = device_index(device)
    s = memory_stats(index)
    width = 60
    rows = [
        ("Allocated memory", _format_bytes(s["allocated_bytes.all.current"]),
         _format_bytes(s["allocated_bytes.all.peak"])),
        ("Reserved memory", _format_bytes(s["reserved_bytes.all.current"]),
         _format_bytes(s["reserved_bytes.all.peak"])),
        ("Live allocations", str(s["allocation.all.current"]), ""),
    ]
    if not abbreviated:
        rows += [("Allocations made", str(s["allocation.all.allocated"]), ""),
                 ("Allocations freed", str(s["allocation.all.freed"]), ""),
                 ("Allocation retries", str(s["num_alloc_retries"]), ""),
                 ("Out-of-memory errors", str(s["num_ooms"]), "")]
    lines = ["=" * width, f"ember CUDA memory summary, device cuda:{index}".center(width), "-" * width,
             f"{'':24}{'current':>18}{'peak':>18}", "-" * width]
    lines += [f"{name:24}{cur:>18}{peak:>18}" for name, cur, peak in rows]
    lines.append("=" * width)
    return "\n".join(lines) + "\n"
