"""ChannelShuffle (F.channel_shuffle) and Softmax2d (softmax over the channels of (N, C, H, W)
or (C, H, W))."""
from .. import functional as F
from .module import Module

__all__ = ["ChannelShuffle", "Softmax2d"]


class ChannelShuffle(Module):
    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"


class Softmax2d(Module):
    def forward(self, input):
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.dim()}D instead")
        return F.softmax(input, -3)
