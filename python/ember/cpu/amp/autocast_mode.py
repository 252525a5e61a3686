"""torch.cpu.amp.autocast: ember.amp.autocast("cpu", ...), deprecated."""
import warnings

from ... import _C
from ...amp import autocast_mode as _amp

__all__ = ["autocast"]


class autocast(_amp.autocast):  # noqa: N801 (PyTorch's name)
    """`torch.cpu.amp.autocast(args...)` is deprecated: use `ember.amp.autocast("cpu", args...)`."""

    def __init__(self, enabled=True, dtype=_C.dtype.bfloat16, cache_enabled=True):
        warnings.warn("`torch.cpu.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cpu', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cpu", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)
