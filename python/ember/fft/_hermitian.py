"""The transforms of Hermitian-symmetric signals, as torch defines them: hfft / hfft2 / hfftn take
the one-sided half of a signal whose full form is Hermitian and return its (real) forward
transform, irfftn of the conjugate with the forward transform's scaling; ihfft / ihfft2 /
ihfftn are their inverses, the conjugate of rfftn with the inverse transform's scaling."""
from .._op_layer import namespace
from ._args import into
from ._real import from_one_sided, one_sided

op = namespace("fft")

__all__ = ["hfft", "ihfft", "hfft2", "ihfft2", "hfftn", "ihfftn"]


def _conj_one_sided(name, input, s, dim, norm, one_dim):
    return one_sided(name, input, s, dim, norm, one_dim, False).conj()


@op
def hfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The 1-D transform of a Hermitian signal given by its first m points: n real points
    (2 * (m - 1) by default); unscaled under "backward"."""
    return into("hfft", from_one_sided("hfft", input, n, dim, norm, True, True, True), out)


@op
def ihfft(input, n=None, dim=-1, norm=None, *, out=None):
    """The inverse of hfft: the n // 2 + 1 first points of the inverse transform of real input."""
    return into("ihfft", _conj_one_sided("ihfft", input, n, dim, norm, True), out)


@op
def hfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The 2-D hfft over `dim` (one-sided in the last of them)."""
    return into("hfft2", from_one_sided("hfft2", input, s, dim, norm, False, True, True), out)


@op
def ihfft2(input, s=None, dim=(-2, -1), norm=None, *, out=None):
    """The inverse of hfft2."""
    return into("ihfft2", _conj_one_sided("ihfft2", input, s, dim, norm, False), out)


@op
def hfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The N-D hfft over `dim` (one-sided in the last of them)."""
    return into("hfftn", from_one_sided("hfftn", input, s, dim, norm, False, True, True), out)


@op
def ihfftn(input, s=None, dim=None, norm=None, *, out=None):
    """The inverse of hfftn."""
    return into("ihfftn", _conj_one_sided("ihfftn", input, s, dim, norm, False), out)
