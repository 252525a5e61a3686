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
from . import amp  # noqa: E402,F401  (torch.cuda.amp)
