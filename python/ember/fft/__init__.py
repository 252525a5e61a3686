"""ember.fft: torch.fft's functions on CPU tensors (float32/float64 and complex64/complex128; other
real dtypes promote, float16/bfloat16 are refused), differentiable by the rules of
autograd/rules/fft.py. The transforms run in the native engine (csrc/cpu/fft through
python/src/bind_fft.cpp); this package resolves torch's arguments (n / s, dim, norm), crops
and pads, and promotes dtypes.
"""
from ._c2c import fft, ifft, fft2, ifft2, fftn, ifftn
from ._real import rfft, irfft, rfft2, irfft2, rfftn, irfftn
from ._hermitian import hfft, ihfft, hfft2, ihfft2, hfftn, ihfftn
from ._helpers import fftfreq, rfftfreq, fftshift, ifftshift

__all__ = [
    "fft", "ifft", "fft2", "ifft2", "fftn", "ifftn",
    "rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn",
    "hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]
