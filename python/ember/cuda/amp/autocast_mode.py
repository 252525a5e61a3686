"""torch.cuda.amp.autocast, custom_fwd, custom_bwd: the ember.amp forms for "cuda", deprecated."""
import functools
import warnings

from ... import _C
from ...amp import autocast_mode as _amp

__all__ = ["autocast", "custom_fwd", "custom_bwd"]


class autocast(_amp.autocast):  # noqa: N801 (PyTorch's name)
    """`torch.cuda.amp.autocast(args...)` is deprecated: use `ember.amp.autocast("cuda", args...)`."""

    def __init__(self, enabled=True, dtype=_C.dtype.float16, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", enabled=enabled, dtype=dtype, cache_enabled=cache_enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """`torch.cuda.amp.custom_fwd(args...)` is deprecated: use
    `ember.amp.custom_fwd(args..., device_type="cuda")`."""
    warnings.warn("`torch.cuda.amp.custom_fwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_fwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return functools.partial(_amp.custom_fwd, device_type="cuda")(fwd=fwd, cast_inputs=cast_inputs)


def custom_bwd(bwd):
    """`torch.cuda.amp.custom_bwd(args...)` is deprecated: use
    `ember.amp.custom_bwd(args..., device_type="cuda")`."""
    warnings.warn("`torch.cuda.amp.custom_bwd(args...)` is deprecated. Please use "
                  "`torch.amp.custom_bwd(args..., device_type='cuda')` instead.", FutureWarning, stacklevel=2)
    return functools.partial(_amp.custom_bwd, device_type="cuda")(bwd)
