"""The complex-to-complex transforms: fft, ifft, fft2, ifft2, fftn, ifftn. Real input is promoted to
complex (float32 -> complex64, float64 -> complex128, integers and bool -> the default float
dtype's complex); each input dim is cropped or zero-padded to its transform size first."""
import math

from .._op_layer import namespace
from ._args import check_input, check_norm, complex_of, dims_and_sizes, into, real_dtype, resize, scale
from ._engine import c2c

op = namespace("fft")

__all__ = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn"]


def plan(name, input, s, dim, norm, one_dim):
    """(dims, sizes, norm) of a call, as the op and its backward rule both read it."""
    check_input(name, input)
    norm = check_norm(name, norm)
    dims, sizes = dims_and_sizes(name, input, s, dim, one_dim=one_dim)
    return dims, sizes, norm


def _transform(name, input, s, dim, norm, out, forward, one_dim=False):
    dims, sizes, norm = plan(name, input, s, dim, norm, one_dim)
    x = input.to(complex_of(real_dtype(name, input)))
    x = resize(x, dims, sizes)
    return into(name, c2c(x, dims, forward, scale(norm, math.prod(sizes), forward)), out)


@op
def fft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D discrete Fourier transform along `dim`, of n points (the input cropped or
    zero-padded to n; its length by default). norm: "backward" (None; unscaled), "ortho"
    (1/sqrt(n)) or "forward" (1/n)."""
    return _transform("fft", input, n, dim, norm, out, True, one_dim=True)


@op
def ifft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D inverse discrete Fourier transform along `dim` (scaled by 1/n under "backward")."""
    return _transform("ifft", input, n, dim, norm, out, False, one_dim=True)


@op
def fft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-D discrete Fourier transform over `dim` (the last two dims by default)."""
    return _transform("fft2", input, s, dim, norm, out, True)


@op
def ifft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-D inverse discrete Fourier transform over `dim`."""
    return _transform("ifft2", input, s, dim, norm, out, False)


@op
def fftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-D discrete Fourier transform over `dim`: every dim by default, the last len(s) dims
    when only s is given; an entry -1 of s keeps the input's size."""
    return _transform("fftn", input, s, dim, norm, out, True)


@op
def ifftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-D inverse discrete Fourier transform over `dim`."""
    return _transform("ifftn", input, s, dim, norm, out, False)
