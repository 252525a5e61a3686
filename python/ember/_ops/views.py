"""The view ops as functions (ember.transpose, ember.flatten, ...): each calls the Tensor method,
which shares storage and copies nothing."""
from .._tensor import Tensor

__all__ = ["reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "squeeze", "unsqueeze",
           "flatten", "unflatten", "narrow", "select", "diagonal", "as_strided", "movedim",
           "moveaxis", "contiguous", "clone"]


def reshape(input, shape):
    return input.reshape(shape)


def permute(input, dims):
    return input.permute(dims)


def transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


swapaxes = swapdims = transpose


def t(input):
    return input.t()


def squeeze(input, dim=None):
    return input.squeeze(dim)


def unsqueeze(input, dim):
    return input.unsqueeze(dim)


def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


def unflatten(input, dim, sizes):
    return input.unflatten(dim, sizes)


def narrow(input, dim, start, length):
    return input.narrow(dim, start, length)


def select(input, dim, index):
    return input.select(dim, index)


def diagonal(input, offset=0, dim1=0, dim2=1):
    return input.diagonal(offset, dim1, dim2)


def as_strided(input, size, stride, storage_offset=None):
    return input.as_strided(size, stride, storage_offset)


def contiguous(input):
    return input.contiguous()


def clone(input):
    return input.clone()


def movedim(input, source, destination):
    """Moves dims to new positions, keeping the others in order (a permute view)."""
    n = input.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {src} and destination {dst} must have the same length")
    src = [s % max(n, 1) for s in src]
    dst = [d % max(n, 1) for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: repeated dims in source {src} or destination {dst}")
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    order = [o if o is not None else next(rest) for o in order]
    return input.permute(order)


moveaxis = movedim
Tensor.movedim = Tensor.moveaxis = movedim
