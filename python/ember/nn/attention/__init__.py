"""nn.attention: the choice of scaled_dot_product_attention backend (SDPBackend, sdpa_kernel).

ember has one attention implementation per device, so the backends named here do not change
which kernel runs; sdpa_kernel checks its argument as PyTorch does and records the selection
(readable as `_cur_sdpa_kernel_backends()`), so code written for PyTorch runs unchanged.
"""
import contextlib
import threading
from enum import IntEnum

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(IntEnum):
    """The scaled_dot_product_attention backends PyTorch names."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_ALL = [SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH, SDPBackend.CUDNN_ATTENTION,
        SDPBackend.OVERRIDEABLE]
_local = threading.local()


def _cur_sdpa_kernel_backends(with_priority=False):
    """The backends enabled now (all of them outside sdpa_kernel)."""
    return list(getattr(_local, "backends", _ALL))


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority=False):
    """Within the block, only `backends` (an SDPBackend or a list of them) are enabled for
    scaled_dot_product_attention; the previous selection comes back on exit."""
    if not isinstance(backends, (list, SDPBackend)):
        raise AssertionError(f"Backend must be an instance of SDPBackend or a list of SDPBackend instances, got "
                             f"{type(backends).__name__}")
    if isinstance(backends, SDPBackend):
        backends = [backends]
    if not all(isinstance(b, SDPBackend) for b in backends):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of SDPBackend instances")
    previous = _cur_sdpa_kernel_backends()
    _local.backends = list(dict.fromkeys(backends))
    try:
        yield {}
    finally:
        _local.backends = previous
