"""Local response normalisation across channels: LocalResponseNorm (nn.functional's) and the
older CrossMapLRN2d (4-D input, its own window convention)."""
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


class CrossMapLRN2d(Module):
    """x / (k + alpha / size * sum of x^2 over nearby channels)^beta for a 4-D input, the
    window of channel c being [c - p + 1, c + p - 1] with p = (size - 1) // 2 + 1 (as PyTorch's
    CrossMapLRN2d: the same as LocalResponseNorm for odd sizes)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        n, c, h, w = input.shape
        reach = int((self.size - 1) / 2 + 1) - 1  # channels on each side of c in the window
        squares = input * input
        pad = ember.zeros((n, reach, h, w), dtype=input.dtype)
        padded = ember.cat([pad, squares, pad], 1)
        window = padded.narrow(1, 0, c)
        for j in range(1, 2 * reach + 1):
            window = window + padded.narrow(1, j, c)
        scale = window * (self.alpha / self.size) + self.k
        return input * scale.pow(-self.beta)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)
