"""The view ops as functions (ember.transpose, ember.flatten, ...): each calls the Tensor method,
which shares storage and copies nothing."""
from .._op_layer import op
from .._tensor import Tensor

__all__ = ["reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "squeeze", "unsqueeze",
           "flatten", "unflatten", "narrow", "select", "diagonal", "as_strided", "movedim",
           "moveaxis", "contiguous", "clone"]


@op
def reshape(input, shape, *, copy=None):
    """input with a new shape (a view where the strides allow); copy= as the array API has it:
    True always copies, False never (ValueError where a view is impossible)."""
    out = input.reshape(shape)
    if copy:
        return out.clone() if out.data_ptr() == input.data_ptr() or out.numel() == 0 else out
    if copy is False and out.numel() and out.data_ptr() != input.data_ptr():
        raise ValueError(f"reshape(): shape {tuple(input.shape)} cannot become {tuple(shape)} without a copy, "
                         "but copy=False")
    return out


@op
def permute(input, dims):
    return input.permute(dims)


@op
def transpose(input, dim0, dim1):
    return input.transpose(dim0, dim1)


swapaxes = swapdims = transpose


@op
def t(input):
    return input.t()


@op
def squeeze(input, dim=None, *, axis=None):
    if axis is not None:  # the array API's squeeze(x, axis): only axes of size 1
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        for a in axes:
            if not -max(input.dim(), 1) <= a < max(input.dim(), 1):
                raise IndexError(f"squeeze(): axis {a} is out of range for shape {tuple(input.shape)}")
            if input.shape[a] != 1:
                raise ValueError(f"squeeze(): axis {a} of shape {tuple(input.shape)} does not have size 1")
        dim = axes
    return input.squeeze(dim)


@op
def unsqueeze(input, dim):
    return input.unsqueeze(dim)


@op
def flatten(input, start_dim=0, end_dim=-1):
    return input.flatten(start_dim, end_dim)


@op
def unflatten(input, dim, sizes):
    return input.unflatten(dim, sizes)


@op
def narrow(input, dim, start, length):
    return input.narrow(dim, start, length)


@op
def select(input, dim, index):
    return input.select(dim, index)


@op
def diagonal(input, offset=0, dim1=0, dim2=1):
    return input.diagonal(offset, dim1, dim2)


@op
def as_strided(input, size, stride, storage_offset=None):
    return input.as_strided(size, stride, storage_offset)


@op
def contiguous(input):
    return input.contiguous()


@op
def clone(input):
    return input.clone()


@op
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
