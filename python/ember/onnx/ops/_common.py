"""Helpers the exporter families share."""
from ... import _C
from ..._tensor import Tensor


def no_out(g, out):
    if out is not None:
        raise g.unsupported("an op's out= argument (writing into an existing tensor)")


def result_dtype(a, b):
    """The dtype ember computes a binary op of a and b in (tensors or Python numbers)."""
    operands = [x._impl if isinstance(x, Tensor) else (int(x) if isinstance(x, int) and not isinstance(x, bool) else x)
                for x in (a, b)]
    return _C.result_type(operands)


def normalize_dim(dim, ndim):
    return dim + ndim if dim < 0 else dim


def dims_list(dim, ndim):
    """dim=None | int | sequence -> a sorted list of nonnegative dims (None: every dim)."""
    if dim is None:
        return list(range(ndim))
    if isinstance(dim, int):
        dim = [dim]
    dims = sorted(normalize_dim(int(d), max(ndim, 1)) for d in dim)
    return dims if dims else list(range(ndim))


def compute_dtype(dtype, missing, wide=None):
    """The dtype to compute an ONNX op in whose ONNX definition or onnxruntime CPU kernel lacks
    the dtypes named in `missing` (often bool, int8, uint8 or int16): int32, which holds their
    values exactly, unless `wide` says otherwise (int64 for products, whose wrapped bits match
    after the cast back); else `dtype` itself."""
    if dtype.name not in missing:
        return dtype
    return wide if wide is not None else _C.dtype.int32


def cast_back(g, name, computed, dtype):
    """`name`, computed in `computed`, as `dtype`."""
    return name if computed == dtype else g.cast(name, dtype)
