"""ember.cuda: the CUDA backend's status. A build without CUDA (or a machine without a GPU)
answers False, and asking for a CUDA tensor raises a RuntimeError that says why."""
from .. import _C

is_built = _C.cuda.is_built
is_available = _C.cuda.is_available
device_count = _C.cuda.device_count


def _require():
    if not is_available():
        raise RuntimeError("ember.cuda: no CUDA device is available (built with CUDA: "
                           f"{is_built()}); use the CPU")


def current_device():
    _require()
    return 0


def set_device(device):
    _require()


def synchronize(device=None):
    """Waits for the GPU's queued work; nothing to wait for without one."""
    if is_available():
        _require()


def manual_seed(seed):
    """Seeds the GPU generators; a no-op without a GPU (scripts call it unconditionally)."""


manual_seed_all = manual_seed


# ---- the queries scripts make whether or not a GPU is present (torch's answers without one) ----

class OutOfMemoryError(RuntimeError):
    """Raised when a device allocation fails (torch.cuda.OutOfMemoryError)."""


def _not_compiled(what):
    """torch's error for a device query without CUDA: an AssertionError when the build has no
    CUDA, a RuntimeError when it has but the machine has no GPU."""
    if not is_built():
        raise AssertionError(f"ember.cuda.{what}: ember not compiled with CUDA enabled")
    _require()


def is_initialized():
    return is_available()


def get_device_name(device=None):
    _not_compiled("get_device_name")


def get_device_properties(device=None):
    _not_compiled("get_device_properties")


def get_device_capability(device=None):
    _not_compiled("get_device_capability")


def empty_cache():
    """Frees cached GPU memory; nothing is cached without a GPU."""


def memory_allocated(device=None):
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0


def memory_stats(device=None):
    return {}


def reset_peak_memory_stats(device=None):
    """Nothing to reset without a GPU."""


def is_bf16_supported(including_emulation=True):
    return False


def get_arch_list():
    return []


def seed():
    """Reseeds the GPU generators; a no-op without a GPU, like manual_seed."""


seed_all = seed

from . import amp  # noqa: E402,F401  (torch.cuda.amp)
