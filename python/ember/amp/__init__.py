"""ember.amp (torch.amp): automatic mixed precision. `autocast` runs the ops that tolerate it in
bfloat16 (or float16) and the ones that do not in float32 (autocast_mode.py); `GradScaler`
scales the loss so that 16-bit gradients keep their small values (grad_scaler.py)."""
from . import autocast_mode, grad_scaler
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
