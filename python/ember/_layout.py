"""Layouts and memory formats, with torch's names: `ember.strided` (every dense tensor's
layout), `ember.sparse_coo` / `sparse_csr` / ... (the sparse layouts' names),
`ember.contiguous_format`, `preserve_format`, `channels_last` and `channels_last_3d`.

A memory format is an order of strides: channels_last lays a 4-D (N, C, H, W) tensor out as
N, H, W, C in memory, which a strided tensor represents exactly, so `clone`, `contiguous`,
`to` and the `*_like` creation functions honour it.
"""
from . import _C

__all__ = ["layout", "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr", "sparse_bsc",
           "memory_format", "contiguous_format", "preserve_format", "channels_last", "channels_last_3d"]


class _Named:
    """A singleton named like torch's (`ember.strided`): compared by identity, pickled by name."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"ember.{self._name}"

    def __reduce__(self):
        return self._name  # pickle finds the module-level object of that name


class layout(_Named):
    """How a tensor stores its elements (torch.layout)."""
    __slots__ = ()


class memory_format(_Named):
    """An order in which a dense tensor's elements lie in memory (torch.memory_format)."""
    __slots__ = ()


strided = layout("strided")
sparse_coo = layout("sparse_coo")
sparse_csr = layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr = layout("sparse_bsr")
sparse_bsc = layout("sparse_bsc")

contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")

# The order of dims from the innermost (stride 1) outwards, per format and rank.
_CHANNELS_LAST_ORDER = {channels_last: (4, (1, 3, 2, 0)), channels_last_3d: (5, (1, 4, 3, 2, 0))}


def _check_format(fmt, op):
    if not isinstance(fmt, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be ember.memory_format, not {type(fmt).__name__}")


def _inner_to_outer(fmt, ndim, op):
    """The dims of a rank-`ndim` tensor, innermost first, in the format `fmt`."""
    if fmt in _CHANNELS_LAST_ORDER:
        rank, order = _CHANNELS_LAST_ORDER[fmt]
        if ndim != rank:
            raise RuntimeError(f"{op}: required rank {rank} tensor to use {fmt._name} format, got rank {ndim}")
        return order
    return tuple(range(ndim - 1, -1, -1))


def format_strides(shape, fmt, op):
    """The strides of a dense tensor of `shape` laid out in the format `fmt` (not preserve)."""
    strides = [0] * len(shape)
    step = 1
    for d in _inner_to_outer(fmt, len(shape), op):
        strides[d] = step
        step *= shape[d]
    return strides


def is_in_format(impl, fmt, op="is_contiguous"):
    """Whether the native tensor `impl` is dense in the format `fmt` (size-1 dims' strides
    do not matter, as in torch)."""
    _check_format(fmt, op)
    if fmt is contiguous_format or fmt is preserve_format:
        return impl.is_contiguous()
    shape, strides = impl.shape, impl.stride()
    if fmt in _CHANNELS_LAST_ORDER and len(shape) != _CHANNELS_LAST_ORDER[fmt][0]:
        return False
    if impl.numel() == 0:
        return True
    expected = 1
    for d in _inner_to_outer(fmt, len(shape), op):
        if shape[d] != 1:
            if strides[d] != expected:
                return False
            expected *= shape[d]
    return True


def _dense_strides(impl):
    """The strides of `impl` if its elements cover a block of memory exactly once (a
    permutation of a contiguous layout), else None."""
    shape, strides = impl.shape, impl.stride()
    expected = 1
    for d in sorted((d for d in range(len(shape)) if shape[d] != 1), key=lambda d: strides[d]):
        if strides[d] != expected:
            return None
        expected *= shape[d]
    return list(strides)


def like_strides(impl, fmt, op):
    """The strides a copy or `*_like` tensor of `impl` gets in the format `fmt`; None for
    the contiguous layout. preserve_format keeps a dense input's strides (torch's rule)."""
    if fmt is None or fmt is preserve_format:
        if impl.is_contiguous() or impl.numel() == 0:
            return None
        return _dense_strides(impl)
    _check_format(fmt, op)
    if fmt is contiguous_format:
        return None
    return format_strides(list(impl.shape), fmt, op)


def copy_in_format(impl, fmt, op, dtype=None):
    """A copy of the native tensor `impl` laid out in the format `fmt`."""
    strides = like_strides(impl, fmt, op)
    if strides is None:
        return impl.clone() if dtype is None or dtype == impl.dtype else impl.to_dtype(dtype).contiguous()
    out = _C.empty_strided(list(impl.shape), strides, dtype or impl.dtype, impl.device)
    out.copy_(impl)
    return out


def _tensor_layout(self):
    return strided


def _tensor_is_sparse(self):
    return False


def install_tensor_properties(tensor_class):
    """Tensor.layout and Tensor.is_sparse for dense tensors (sparse tensors override them)."""
    tensor_class.layout = property(_tensor_layout, doc="The layout of a dense tensor: ember.strided.")
    tensor_class.is_sparse = property(_tensor_is_sparse, doc="False: a dense tensor.")
