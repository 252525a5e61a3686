"""ember.cuda.amp (torch.cuda.amp): the deprecated CUDA spellings of ember.amp. Each warns
(FutureWarning) as PyTorch does; without CUDA, autocast and GradScaler then warn again and
disable themselves, as PyTorch's do on a machine without a GPU."""
from . import autocast_mode, common, grad_scaler
from .autocast_mode import autocast, custom_bwd, custom_fwd
from .common import amp_definitely_not_available
from .grad_scaler import GradScaler

__all__ = ["amp_definitely_not_available", "autocast", "custom_bwd", "custom_fwd", "GradScaler"]
