"""ember.accelerator: the device-agnostic questions PyTorch scripts ask (is there an
accelerator, which one)."""
from . import _C, cuda

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize"]


def is_available():
    """True when a GPU ember can use is present (ember's accelerator is CUDA)."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """The accelerator's device type (`ember.device('cuda')`), or None when the build or the
    machine has none."""
    if not cuda.is_available():
        return None
    return _C.device("cuda")


def device_count():
    return cuda.device_count() if cuda.is_available() else 0


def current_device_index():
    return cuda.current_device() if cuda.is_available() else -1


def set_device_index(device):
    if cuda.is_available():
        cuda.set_device(device)


def synchronize(device=None):
    if cuda.is_available():
        cuda.synchronize(device)
