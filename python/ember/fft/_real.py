"""The transforms between real signals and one-sided spectra: rfft / rfft2 / rfftn (real input,
n // 2 + 1 bins along the last transformed dim) and their inverses irfft / irfft2 / irfftn
(n real points, 2 * (m - 1) by default, from the first n // 2 + 1 bins; the spectrum is taken
as Hermitian, so the imaginary parts of bin 0 and, for even n, bin n / 2 are ignored)."""
import math

from .._op_layer import namespace
from ._args import (check_input, check_norm, check_real, complex_of, dims_and_sizes, into, real_dtype, resize,
                    scale)
from ._engine import c2r, r2c

op = namespace("fft")

__all__ = ["rfft", "irfft", "rfft2", "irfft2", "rfftn", "irfftn"]


def r2c_plan(name, input, s, dim, norm, one_dim):
    """(dims, sizes, norm) of a transform of real input to a one-sided spectrum; sizes are the
    real transform sizes."""
    check_input(name, input)
    norm = check_norm(name, norm)
    check_real(name, input)
    dims, sizes = dims_and_sizes(name, input, s, dim, one_dim=one_dim, need_dims=True)
    return dims, sizes, norm


def c2r_plan(name, input, s, dim, norm, one_dim):
    """(dims, sizes, norm) of a transform of a one-sided spectrum to real output; sizes are the
    output sizes (the last one 2 * (m - 1) unless given)."""
    check_input(name, input)
    norm = check_norm(name, norm)
    dims, sizes = dims_and_sizes(name, input, s, dim, one_dim=one_dim, halved_last=True, need_dims=True)
    return dims, sizes, norm


def one_sided(name, input, s, dim, norm, one_dim, forward):
    """r2c of the real input resized to the plan's sizes (forward: the norm's forward scale)."""
    dims, sizes, norm = r2c_plan(name, input, s, dim, norm, one_dim)
    x = resize(input.to(real_dtype(name, input)), dims, sizes)
    return r2c(x, dims, scale(norm, math.prod(sizes), forward))


def from_one_sided(name, input, s, dim, norm, one_dim, forward, conjugate):
    """c2r of the (conjugated) complex input, its other dims resized to the plan's sizes (the
    engine crops or zero-pads the last one to sizes[-1] // 2 + 1 bins itself)."""
    dims, sizes, norm = c2r_plan(name, input, s, dim, norm, one_dim)
    x = input.to(complex_of(real_dtype(name, input)))
    if conjugate:
        x = x.conj()
    x = resize(x, dims[:-1], sizes[:-1])
    return c2r(x, dims, sizes[-1], scale(norm, math.prod(sizes), forward))


@op
def rfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D transform of real input: the n // 2 + 1 non-negative frequency bins."""
    return into("rfft", one_sided("rfft", input, n, dim, norm, True, True), out)


@op
def irfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of rfft: n real points (2 * (m - 1) by default) from m one-sided bins."""
    return into("irfft", from_one_sided("irfft", input, n, dim, norm, True, False, False), out)


@op
def rfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-D transform of real input, one-sided in the last of `dim`."""
    return into("rfft2", one_sided("rfft2", input, s, dim, norm, False, True), out)


@op
def irfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The inverse of rfft2."""
    return into("irfft2", from_one_sided("irfft2", input, s, dim, norm, False, False, False), out)


@op
def rfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-D transform of real input, one-sided in the last of `dim`."""
    return into("rfftn", one_sided("rfftn", input, s, dim, norm, False, True), out)


@op
def irfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of rfftn: real output of sizes s (the last 2 * (m - 1) by default)."""
    return into("irfftn", from_one_sided("irfftn", input, s, dim, norm, False, False, False), out)
