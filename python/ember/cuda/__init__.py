"""ember.cuda: the CUDA backend with torch.cuda's names: devices and their properties, streams
and events, the caching allocator's statistics, and seeding.

A build without CUDA (or a machine without a GPU) answers as torch does there: is_available()
is False, device_count() is 0, the memory counters are 0, seeding is a no-op, and the calls
that need a device raise an error (a RuntimeError that is also an AssertionError, torch's type
for it) saying why.

ember has one Philox generator for every device (see docs/differences.md): manual_seed,
seed and initial_seed here act on that generator, so a seeded script draws the same numbers
on the CPU and on the GPU.
"""
from .. import _C
from . import _runtime
from ._runtime import CudaUnavailableError, call, device_index  # noqa: F401  (the error, for except clauses)
from .memory import (empty_cache, max_memory_allocated, max_memory_reserved, mem_get_info, memory_allocated,
                     memory_reserved, memory_stats, memory_summary, reset_max_memory_allocated,
                     reset_peak_memory_stats)
from .streams import (Event, ExternalStream, Stream, StreamContext, current_stream, default_stream, set_stream,
                      stream)
from . import memory, nvtx, streams  # noqa: F401  (torch.cuda.memory, .nvtx, .streams)

__all__ = ["is_built", "is_available", "device_count", "current_device", "set_device", "device", "device_of",
           "synchronize", "get_device_name", "get_device_properties", "get_device_capability", "manual_seed",
           "manual_seed_all", "seed", "seed_all", "initial_seed", "get_rng_state", "set_rng_state",
           "get_rng_state_all", "set_rng_state_all", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved", "memory_stats", "memory_summary", "empty_cache",
           "reset_peak_memory_stats", "reset_max_memory_allocated", "mem_get_info", "Event", "Stream",
           "ExternalStream", "StreamContext", "stream", "current_stream", "default_stream", "set_stream",
           "OutOfMemoryError", "is_bf16_supported", "get_arch_list", "is_initialized", "init",
           "is_current_stream_capturing"]

is_built = _runtime.is_built
is_available = _runtime.is_available


def device_count():
    """The number of CUDA devices (0 without CUDA)."""
    return int(_C.cuda.device_count())


# The error a failed device allocation raises. The C++ side raises this class; if the extension
# defines its own, that one is the name (one class, whichever side made it).
_native_oom = getattr(_C.cuda, "OutOfMemoryError", None) or getattr(_C, "OutOfMemoryError", None)
if isinstance(_native_oom, type) and issubclass(_native_oom, RuntimeError):
    OutOfMemoryError = _native_oom
else:
    class OutOfMemoryError(RuntimeError):
        """Raised when a device allocation fails (torch.cuda.OutOfMemoryError)."""
    OutOfMemoryError.__module__ = "ember.cuda"

_initialized = False


def init():
    """Initializes CUDA (raises when ember has none); ember's runtime initializes itself on first
    use, so this only checks."""
    global _initialized
    _runtime.require("ember.cuda.init")
    _initialized = True


def _touch():
    global _initialized
    _initialized = True


def is_initialized():
    """Whether this process has used CUDA through ember.cuda (always False without a GPU)."""
    return _initialized and is_available()


# ---- devices ---------------------------------------------------------------------------------------

def current_device():
    """The index of the device CUDA work goes to by default."""
    _touch()
    return int(call("current_device"))


def set_device(device):
    """Makes `device` the current device (a negative index changes nothing, as in torch)."""
    index = device_index(device)
    if index >= 0:
        _touch()
        call("set_device", index)


class device:
    """`with ember.cuda.device(d):` makes `d` the current device inside the block and restores the
    previous one after. None or -1 changes nothing."""

    def __init__(self, device):
        self.idx = -1 if device is None else device_index(device)
        self.prev_idx = -1

    def __enter__(self):
        if self.idx < 0:
            return self
        self.prev_idx = int(call("current_device"))
        if self.prev_idx != self.idx:
            call("set_device", self.idx)
        _touch()
        return self

    def __exit__(self, *exc):
        if self.idx >= 0 and self.prev_idx != self.idx:
            call("set_device", self.prev_idx)
        return False


class device_of(device):
    """The `device` context of a tensor's device (changes nothing for a CPU tensor)."""

    def __init__(self, obj):
        dev = getattr(obj, "device", None)
        idx = dev.index if dev is not None and dev.type == "cuda" else -1
        super().__init__(-1 if idx is None else idx)


def synchronize(device=None):
    """Waits for all the work queued on `device` (the current device by default)."""
    _runtime.require("ember.cuda.synchronize")
    _touch()
    call("synchronize", device_index(device))


class _CudaDeviceProperties:
    """A device's properties with torch's attribute names."""

    def __init__(self, raw):
        self.name = str(raw["name"])
        self.major = int(raw["major"])
        self.minor = int(raw["minor"])
        self.multi_processor_count = int(raw["multi_processor_count"])
        self.total_memory = int(raw["total_memory"])
        self.warp_size = int(raw["warp_size"])
        self.max_threads_per_block = int(raw["max_threads_per_block"])
        self.shared_memory_per_block_optin = int(raw["shared_memory_per_block_optin"])
        self.L2_cache_size = int(raw["l2_cache_size"])
        self.is_integrated = False
        self.is_multi_gpu_board = False

    @property
    def l2_cache_size(self):
        return self.L2_cache_size

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count}, "
                f"L2_cache_size={self.L2_cache_size // (1024 * 1024)}MB)")


def _no_device_query(what):
    """Device queries without a GPU: torch raises an AssertionError when the build lacks CUDA."""
    _runtime.require(f"ember.cuda.{what}")


def get_device_properties(device=None):
    _no_device_query("get_device_properties")
    index = device_index(device)
    count = device_count()
    if not 0 <= index < count:
        raise AssertionError(f"Invalid device id {index}: ember sees {count} CUDA device(s)")
    return _CudaDeviceProperties(call("get_device_properties", index))


def get_device_name(device=None):
    _no_device_query("get_device_name")
    return get_device_properties(device).name


def get_device_capability(device=None):
    """(major, minor) compute capability of `device`."""
    _no_device_query("get_device_capability")
    p = get_device_properties(device)
    return p.major, p.minor


def is_bf16_supported(including_emulation=True):
    """Whether the current device computes bfloat16 natively (compute capability 8.0 or later)."""
    if not is_available():
        return False
    return get_device_capability()[0] >= 8


# The architectures the build compiles for (CMake's CMAKE_CUDA_ARCHITECTURES default) unless the
# extension reports its own.
_DEFAULT_ARCHES = ["sm_80", "sm_90", "compute_90"]


def get_arch_list():
    """The CUDA architectures ember's kernels are compiled for ([] without a GPU, as in torch)."""
    if not is_available():
        return []
    reported = getattr(_C.cuda, "arch_list", None)
    if callable(reported):
        return list(reported())
    return list(_DEFAULT_ARCHES)


def is_current_stream_capturing():
    """ember does not capture CUDA graphs: never."""
    return False


# ---- random numbers: ember's one generator ---------------------------------------------------------

def _random():
    from .._ops import random
    return random


def manual_seed(seed):
    """Seeds ember's generator, which CPU and CUDA share (torch seeds the GPU's own generator);
    a no-op without a GPU, as in torch."""
    if is_available():
        _random().manual_seed(seed)


def manual_seed_all(seed):
    """manual_seed: one generator serves every device."""
    manual_seed(seed)


def seed():
    """Reseeds ember's shared generator from the operating system's entropy (a no-op without a GPU)."""
    if is_available():
        _random().seed()


def seed_all():
    seed()


def initial_seed():
    """The seed of ember's shared generator."""
    _runtime.require("ember.cuda.initial_seed")
    return _random().initial_seed()


def get_rng_state(device="cuda"):
    """The shared generator's state (the CPU's get_rng_state)."""
    _runtime.require("ember.cuda.get_rng_state")
    return _random().get_rng_state()


def set_rng_state(new_state, device="cuda"):
    _runtime.require("ember.cuda.set_rng_state")
    _random().set_rng_state(new_state)


def get_rng_state_all():
    return [get_rng_state(i) for i in range(device_count())]


def set_rng_state_all(new_states):
    for state in new_states:
        set_rng_state(state)


from . import amp  # noqa: E402,F401  (torch.cuda.amp)
