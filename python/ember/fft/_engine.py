"""The transforms on ember tensors through the native engine's bindings (python/src/bind_fft.cpp):
each call is one 1-D transform along one dim of the view_as_real layout [..., 2], so a
multi-dim transform is one call per dim, the scale applied by the last. The inputs are already
resized to the transform sizes (or, for c2r, hold at least the bins it reads) and of the
dtype the transform computes in. No autograd here: the ops of ember.fft call these with grad
recording done by their rules."""
from .. import _C
from .._tensor import _wrap


def _as_complex(impl):
    return _wrap(_C.view_as_complex(impl))


def c2c(x, dims, forward, scale):
    """The complex transform of complex x over dims (forward: e^{-2 pi i jk/n})."""
    if not dims:
        return x.clone() if scale == 1.0 else x * scale
    r = _C.view_as_real(x._impl)
    for i, d in enumerate(dims):
        r = _C._fft_c2c(r, d, forward, scale if i == len(dims) - 1 else 1.0)
    return _as_complex(r)


def r2c(x, dims, scale):
    """The one-sided transform of real x: r2c along dims[-1] (halved to n // 2 + 1 bins), then
    forward c2c along the others."""
    last = len(dims) == 1
    r = _C._fft_r2c(x._impl, dims[-1], scale if last else 1.0)
    for i, d in enumerate(dims[:-1]):
        r = _C._fft_c2c(r, d, True, scale if i == len(dims) - 2 else 1.0)
    return _as_complex(r)


def c2r(x, dims, last_size, scale):
    """The inverse of r2c: inverse c2c along dims[:-1], then c2r along dims[-1] to last_size real
    points from the first last_size // 2 + 1 bins (the imaginary parts of the bins that must be
    real, 0 and n / 2, are ignored)."""
    r = _C.view_as_real(x._impl)
    for d in dims[:-1]:
        r = _C._fft_c2c(r, d, False, 1.0)
    return _wrap(_C._fft_c2r(r, dims[-1], last_size, scale))
