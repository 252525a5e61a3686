"""ember.cpu.amp (torch.cpu.amp): the deprecated CPU spellings of ember.amp's autocast and
GradScaler; each warns (FutureWarning) as PyTorch does and works as the ember.amp form."""
from . import autocast_mode, grad_scaler
from .autocast_mode import autocast
from .grad_scaler import GradScaler

__all__ = ["autocast", "GradScaler"]
