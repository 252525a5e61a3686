"""Indexing ops with PyTorch's names and semantics: index_select, gather, scatter, scatter_add,
index_add / index_copy / index_fill, index_put, masked_fill / masked_select / masked_scatter,
take_along_dim, nonzero, argwhere, as ember.* functions and Tensor methods (with the in-place
`_` forms). t[...] itself lives on the Tensor (_tensor.py).

The private *_backward helpers compute the gradients these ops need (each an accumulating op
on zeros), for the autograd layer to wire.
"""
import numbers

from .. import _C
from .._op_layer import install_methods, op
from .._tensor import Tensor, _index_key, _index_tensor, _wrap

__all__ = ["index_select", "gather", "scatter", "scatter_add", "index_add", "index_copy", "index_fill",
           "index_put", "masked_fill", "masked_select", "masked_scatter", "take_along_dim", "nonzero",
           "argwhere"]


def _tensor_arg(x, op, name):
    if isinstance(x, Tensor):
        return x._impl
    raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _value_arg(x, op, name):
    """A number or a tensor (a 0-dim one where the op takes a value)."""
    if isinstance(x, Tensor):
        return x._impl
    if isinstance(x, numbers.Number):
        return x
    raise TypeError(f"{op}(): argument '{name}' must be a Tensor or a number, not {type(x).__name__}")


def _index_list(indices, op):
    """index_put's indices: a tuple of tensors (lists and arrays converted), None for a whole dim."""
    if isinstance(indices, Tensor):
        raise TypeError(f"{op}(): argument 'indices' must be a tuple of Tensors, not Tensor")
    out = []
    for k in indices:
        if k is None or isinstance(k, Tensor):
            out.append(None if k is None else k._impl)
        else:
            out.append(_index_tensor(k))
    return out


# ---- one index vector along a dim ---------------------------------------------------------------

@op
def index_select(input, dim, index):
    return _wrap(_C.index_select(_tensor_arg(input, "index_select", "input"), dim,
                                 _tensor_arg(index, "index_select", "index")))


@op
def index_add(input, dim, index, source, *, alpha=1):
    op = "index_add"
    return _wrap(_C.index_add(_tensor_arg(input, op, "input"), dim, _tensor_arg(index, op, "index"),
                              _tensor_arg(source, op, "source"), alpha))


def _index_add_(self, dim, index, source, *, alpha=1):
    op = "index_add_"
    _C.index_add_(self._impl, dim, _tensor_arg(index, op, "index"), _tensor_arg(source, op, "source"), alpha)
    return self


@op
def index_copy(input, dim, index, source):
    op = "index_copy"
    return _wrap(_C.index_copy(_tensor_arg(input, op, "input"), dim, _tensor_arg(index, op, "index"),
                               _tensor_arg(source, op, "source")))


def _index_copy_(self, dim, index, source):
    op = "index_copy_"
    _C.index_copy_(self._impl, dim, _tensor_arg(index, op, "index"), _tensor_arg(source, op, "source"))
    return self


@op
def index_fill(input, dim, index, value):
    op = "index_fill"
    return _wrap(_C.index_fill(_tensor_arg(input, op, "input"), dim, _tensor_arg(index, op, "index"),
                               _value_arg(value, op, "value")))


def _index_fill_(self, dim, index, value):
    op = "index_fill_"
    _C.index_fill_(self._impl, dim, _tensor_arg(index, op, "index"), _value_arg(value, op, "value"))
    return self


# ---- an index per element -------------------------------------------------------------------------

@op
def gather(input, dim, index, *, sparse_grad=False):
    return _wrap(_C.gather(_tensor_arg(input, "gather", "input"), dim, _tensor_arg(index, "gather", "index")))


def _scatter_src(op, src, value, reduce):
    if reduce is not None and reduce != "add":
        raise NotImplementedError(f"{op}(): reduce={reduce!r} is not supported; reduce='add' (scatter_add) is")
    if (src is None) == (value is None):
        raise TypeError(f"{op}(): expected exactly one of 'src' and 'value'")
    return _value_arg(src if src is not None else value, op, "src")


@op
def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    op = "scatter"
    s = _scatter_src(op, src, value, reduce)
    fn = _C.scatter_add if reduce == "add" else _C.scatter
    if reduce == "add" and not isinstance(s, _C.Tensor):
        s = _full_like_index(input, index, s)
    return _wrap(fn(_tensor_arg(input, op, "input"), dim, _tensor_arg(index, op, "index"), s))


def _scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    op = "scatter_"
    s = _scatter_src(op, src, value, reduce)
    if reduce == "add":
        if not isinstance(s, _C.Tensor):
            s = _full_like_index(self, index, s)
        _C.scatter_add_(self._impl, dim, _tensor_arg(index, op, "index"), s)
    else:
        _C.scatter_(self._impl, dim, _tensor_arg(index, op, "index"), s)
    return self


def _full_like_index(input, index, value):
    """A value for every index position, as scatter_add takes its source."""
    return _C.full(list(index.shape), value, input.dtype, input.device)


@op
def scatter_add(input, dim, index, src):
    op = "scatter_add"
    return _wrap(_C.scatter_add(_tensor_arg(input, op, "input"), dim, _tensor_arg(index, op, "index"),
                                _tensor_arg(src, op, "src")))


def _scatter_add_(self, dim, index, src):
    op = "scatter_add_"
    _C.scatter_add_(self._impl, dim, _tensor_arg(index, op, "index"), _tensor_arg(src, op, "src"))
    return self


@op
def take_along_dim(input, indices, dim=None):
    op = "take_along_dim"
    return _wrap(_C.take_along_dim(_tensor_arg(input, op, "input"), _tensor_arg(indices, op, "indices"), dim))


# ---- index_put ------------------------------------------------------------------------------------

@op
def index_put(input, indices, values, accumulate=False):
    op = "index_put"
    return _wrap(_C.index_put(_tensor_arg(input, op, "input"), _index_list(indices, op),
                              _value_arg(values, op, "values"), accumulate))


def _index_put_(self, indices, values, accumulate=False):
    op = "index_put_"
    _C.index_put_(self._impl, _index_list(indices, op), _value_arg(values, op, "values"), accumulate)
    return self


# ---- masks ----------------------------------------------------------------------------------------

@op
def masked_fill(input, mask, value):
    op = "masked_fill"
    return _wrap(_C.masked_fill(_tensor_arg(input, op, "input"), _tensor_arg(mask, op, "mask"),
                                _value_arg(value, op, "value")))


def _masked_fill_(self, mask, value):
    op = "masked_fill_"
    _C.masked_fill_(self._impl, _tensor_arg(mask, op, "mask"), _value_arg(value, op, "value"))
    return self


@op
def masked_select(input, mask):
    op = "masked_select"
    return _wrap(_C.masked_select(_tensor_arg(input, op, "input"), _tensor_arg(mask, op, "mask")))


@op
def masked_scatter(input, mask, source):
    op = "masked_scatter"
    return _wrap(_C.masked_scatter(_tensor_arg(input, op, "input"), _tensor_arg(mask, op, "mask"),
                                   _tensor_arg(source, op, "source")))


def _masked_scatter_(self, mask, source):
    op = "masked_scatter_"
    _C.masked_scatter_(self._impl, _tensor_arg(mask, op, "mask"), _tensor_arg(source, op, "source"))
    return self


@op
def nonzero(input, *, as_tuple=False):
    """Coordinates of the non-zero elements: [n, input.dim()] int64, or with as_tuple one 1-D
    tensor per dim (a 0-dim input counts as 1-D)."""
    impl = _tensor_arg(input, "nonzero", "input")
    if impl.dtype.is_complex:  # non-zero: either part
        impl = _C.ne(impl, 0)
    if not as_tuple:
        return _wrap(_C.nonzero(impl))
    coords = _C.nonzero(impl if impl.ndim > 0 else impl.reshape([1]))
    return tuple(_wrap(coords.select(1, d)) for d in range(coords.shape[1]))


@op
def argwhere(input):
    impl = _tensor_arg(input, "argwhere", "input")
    return _wrap(_C.argwhere(_C.ne(impl, 0) if impl.dtype.is_complex else impl))


# ---- gradients (for the autograd layer) -----------------------------------------------------------

def _getitem_backward(grad, shape, key):
    """The gradient of input[key] for an input of `shape`: grad summed into zeros at key."""
    out = _C.zeros(list(shape), grad.dtype, grad.device)
    parts = key if isinstance(key, tuple) else (key,)
    if any(type(k) is bool for k in parts):
        # A Python bool is an index of its own kind (a new dim of 1 or 0, which also broadcasts
        # with other advanced indices): the forward's own indexing of the element positions
        # says where each gradient element goes.
        positions = _C.arange(0, out.numel(), 1, _C.dtype.int64, out.device).reshape(list(shape))
        picked = positions.getitem(_index_key(key)).reshape([-1])
        flat = out.reshape([-1])
        _C.index_add_(flat, 0, picked, grad._impl.reshape([-1]), 1)
        return _wrap(out)
    out.setitem(_index_key(key) if not isinstance(key, (int, slice)) else key, grad._impl, accumulate=True)
    return _wrap(out)


def _index_put_backward_values(grad, indices, values_shape):
    """The gradient of index_put's `values`: grad gathered at the indices, summed to values' shape."""
    g = _wrap(grad._impl.getitem(tuple(_index_list(indices, "index_put"))))
    extra = g.dim() - len(values_shape)
    if extra > 0:
        g = g.sum(dim=list(range(extra)))
    dims = [i for i, s in enumerate(values_shape) if s == 1 and g.shape[i] != 1]
    return g.sum(dim=dims, keepdim=True) if dims else g


def _gather_backward(grad, input_shape, dim, index):
    """The gradient of gather(input, dim, index): grad scatter-added into zeros."""
    out = _C.zeros(list(input_shape), grad.dtype, grad.device)
    _C.scatter_add_(out, dim, index._impl, grad._impl)
    return _wrap(out)


def _index_select_backward(grad, input_shape, dim, index):
    """The gradient of index_select(input, dim, index): grad index-added into zeros."""
    out = _C.zeros(list(input_shape), grad.dtype, grad.device)
    _C.index_add_(out, dim, index._impl, grad._impl, 1)
    return _wrap(out)


def _masked_select_backward(grad, input_shape, mask):
    """The gradient of masked_select(input, mask) for an input of `input_shape` (mask broadcast)."""
    zeros = _C.zeros(list(input_shape), grad.dtype, grad.device)
    full = _C.masked_scatter(zeros, mask._impl, grad._impl)
    return _wrap(full)


# ---- Tensor methods -------------------------------------------------------------------------------

for _name in ("index_select", "gather", "scatter", "scatter_add", "index_add", "index_copy", "index_fill",
              "index_put", "masked_fill", "masked_select", "masked_scatter", "take_along_dim", "nonzero",
              "argwhere"):
    setattr(Tensor, _name, globals()[_name])
install_methods({"index_add_": _index_add_, "index_copy_": _index_copy_, "index_fill_": _index_fill_,
                 "scatter_": _scatter_, "scatter_add_": _scatter_add_, "index_put_": _index_put_,
                 "masked_fill_": _masked_fill_, "masked_scatter_": _masked_scatter_})
del _name
