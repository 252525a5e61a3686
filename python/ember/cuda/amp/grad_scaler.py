"""torch.cuda.amp.GradScaler: ember.amp.GradScaler("cuda", ...), deprecated."""
import warnings

from ...amp import grad_scaler as _amp

__all__ = ["GradScaler"]


class GradScaler(_amp.GradScaler):
    """`torch.cuda.amp.GradScaler(args...)` is deprecated: use `ember.amp.GradScaler("cuda", args...)`.
    Without CUDA it warns and disables itself, as PyTorch's does."""

    def __init__(self, init_scale=2.0**16, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000,
                 enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor, backoff_factor=backoff_factor,
                         growth_interval=growth_interval, enabled=enabled)
