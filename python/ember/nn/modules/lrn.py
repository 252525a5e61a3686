"""Local response normalisation across channels: LocalResponseNorm (nn.functional's) and the
older CrossMapLRN2d (4-D input, its own window convention)."""
import numpy as np

import ember
from .. import functional as F
from .module import Module

__all__ = ["LocalResponseNorm", "CrossMapLRN2d"]


class LocalResponseNorm(Module):
    __constants__ = ["size", "alpha", "beta", "k"]

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


def _cross_map_window(channels, size):
    """(channels, channels) 0/1 matrix: row c marks the channels whose squares channel c sums.

    PyTorch's CrossMapLRN2d builds the sums by a running recurrence: channel 0 sums channels
    [0, p) with p = (size - 1) // 2 + 1, each next channel adds the square p - 1 ahead and, past
    channel p, drops the one p behind; channel 0's square is never dropped. The same sums here."""
    window = np.zeros((channels, channels))
    p = int((size - 1) / 2 + 1)
    window[0, :min(p, channels)] = 1
    for c in range(1, channels):
        window[c] = window[c - 1]
        if c < channels - p + 1:
            window[c, c + p - 1] += 1
        if c > p:
            window[c, c - p] -= 1
    return window


class CrossMapLRN2d(Module):
    """x / (k + alpha / size * (sum of x^2 over a window of channels))^beta for a 4-D input,
    with PyTorch's CrossMapLRN2d window (see _cross_map_window)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        window = ember.from_numpy(_cross_map_window(input.shape[1], self.size)).to(input.dtype)
        sums = ember.einsum("cj,njhw->nchw", window, input * input)
        scale = sums * (self.alpha / self.size) + self.k
        return input * scale.pow(-self.beta)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


# Named by PyTorch's file (torch.nn.modules.normalization), which re-exports them, so that whole
# modules saved by ember.save load in torch and back.
for _cls in (LocalResponseNorm, CrossMapLRN2d,):
    _cls.__module__ = "ember.nn.modules.normalization"
del _cls
