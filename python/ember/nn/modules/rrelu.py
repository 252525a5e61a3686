"""RReLU: the randomized leaky ReLU (random slopes in training, their mean in evaluation)."""
from .. import functional as F
from .module import Module

__all__ = ["RReLU"]


class RReLU(Module):
    __constants__ = ["lower", "upper", "inplace"]

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace_str}"


# Named by PyTorch's file (torch.nn.modules.activation), which re-exports them, so that whole
# modules saved by ember.save load in torch and back.
for _cls in (RReLU,):
    _cls.__module__ = "ember.nn.modules.activation"
del _cls
