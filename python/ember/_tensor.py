"""ember.Tensor: the Python face of a native strided tensor.

The class wraps an `ember._C.Tensor` in `_impl` and adds the PyTorch method surface. Operators
call straight into `_C` and wrap the result: this path runs on every user's hot loop, so it
builds no dicts or closures and looks nothing up that it can bind at import time.
"""
import numbers

import numpy as np

from . import _C, _op_layer, _printing
from ._op_layer import _ACTIVE

_new = object.__new__
_CTensor = _C.Tensor


# _wrap(impl): a constant Tensor holding the native tensor impl (no edge, not a view), and
# _wrap_view(impl, base): a Tensor holding impl as a view of base (of base's own base when base
# is a view: in-place writes into it then reach that base's gradient). Both run for every op's
# result, so they are native (python/src/autograd_record.cpp), bound below once the class exists.


def _wrap_maybe_view(impl, base):
    """The result of an op that returns a view when it can and a copy when it must."""
    return _wrap_view(impl, base) if impl._same_storage(base._impl) else _wrap(impl)


def _unwrap(x):
    """An operand for _C: a native tensor, or a Python number left as it is."""
    if type(x) is Tensor or isinstance(x, Tensor):
        return x._impl
    if isinstance(x, (bool, int, float, complex)) or isinstance(x, np.generic):
        return x
    if isinstance(x, (list, tuple, np.ndarray)):
        from ._ops.creation import tensor
        return tensor(x)._impl
    raise TypeError(f"expected a Tensor or a number, got {type(x).__name__}")


_BASIC_KEYS = (int, slice, type(None), type(Ellipsis))


def _index_tensor(k):
    """A list, numpy array or bool used as an index, as a native tensor: bools and bool arrays
    are masks, integer ones int64 (int32 stays int32), an empty list an empty int64 index."""
    if isinstance(k, (bool, np.bool_)):
        return _C.from_numpy(np.array(bool(k)))
    a = np.array(k)
    if a.dtype.kind == "b":
        return _C.from_numpy(a)
    if a.dtype.kind in "iu":
        return _C.from_numpy(a if a.dtype == np.int32 else a.astype(np.int64))
    if a.size == 0:
        return _C.from_numpy(a.astype(np.int64))
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors, got an index of "
                     f"numpy dtype {a.dtype}")


def _sequence_is_tuple(key):
    """PyTorch (after old numpy) reads a short list holding slices, None, ..., tensors or
    sequences as a tuple of indices: t[[0, slice(None)]] is t[0, :], t[[[0, 1], [1, 2]]] is
    t[[0, 1], [1, 2]]."""
    if len(key) >= 32:
        return False
    return any(k is None or k is Ellipsis or isinstance(k, (slice, Tensor, list, tuple, np.ndarray)) for k in key)


def _index_entry(k):
    if type(k) in _BASIC_KEYS:
        return k
    if isinstance(k, Tensor):
        return k._impl
    if isinstance(k, (bool, np.bool_, list, tuple, np.ndarray)):
        return _index_tensor(k)
    return k  # an integer-like object (np.int64, __index__), or a bad key _C names


def _index_key(key):
    """A user's key as _C's getitem takes it: a tuple of ints, slices, None, ... and native tensors."""
    if isinstance(key, tuple) or (isinstance(key, list) and _sequence_is_tuple(key)):
        return tuple(_index_entry(k) for k in key)
    return _index_entry(key)


def _dims(dim):
    """dim=None | int | sequence -> None or a list, as _C reductions take it."""
    if dim is None:
        return None
    if isinstance(dim, numbers.Integral):
        return [int(dim)]
    return [int(d) for d in dim]


def _size_args(size):
    """f(2, 3), f((2, 3)), f([2, 3]) and f(ember.Size) all name the shape (2, 3)."""
    if len(size) == 1 and type(size[0]) is not int and not isinstance(size[0], numbers.Integral):
        size = size[0]
    for s in size:
        if type(s) is not int or not _INT64_MIN <= s <= _INT64_MAX:
            return _checked_sizes(size)
    return list(size)


_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def _checked_sizes(size):
    """The slow path of _size_args: int subclasses (traced sizes) kept, other integers converted,
    and a size past int64 refused (the native shape could not hold it)."""
    out = [s if isinstance(s, int) else int(s) for s in size]
    for s in out:
        if not _INT64_MIN <= s <= _INT64_MAX:
            raise _C.ShapeError(f"size {s} in shape {tuple(out)} does not fit in int64")
    return out


class Size(tuple):
    """The shape of a tensor: a tuple of ints, as torch.Size."""

    __slots__ = ()

    def __repr__(self):
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


_op = _op_layer.namespace("Tensor")  # methods that compute are ops of the op layer


class Tensor:
    # _node: None for a constant, else the autograd edge (node, output_nr) that receives this
    # tensor's gradient (autograd/graph.py). The other slots are set only when used.
    __slots__ = ("_impl", "_node", "_grad_value", "_view_base", "_retains_grad", "_name", "__weakref__")

    # ---- metadata ---------------------------------------------------------------------------
    @property
    def shape(self):
        if _ACTIVE:  # a mode may report sizes of its own (tracing: sizes that stay in the graph)
            sizes = _op_layer.sizes_of(self)
            if sizes is not None:
                return sizes
        return Size(self._impl.shape)

    def size(self, dim=None):
        if _ACTIVE:
            sizes = _op_layer.sizes_of(self)
            if sizes is not None:
                if dim is None:
                    return sizes
                self._impl.size(dim)  # checks the dim
                return sizes[dim]
        if dim is None:
            return Size(self._impl.shape)
        return self._impl.size(dim)

    def stride(self, dim=None):
        if dim is None:
            return self._impl.stride()
        return self._impl.stride(dim)

    @property
    def dtype(self):
        return self._impl.dtype

    @property
    def device(self):
        return self._impl.device

    @property
    def is_cuda(self):
        return self._impl.device.type == "cuda"

    @property
    def ndim(self):
        return self._impl.ndim

    def dim(self):
        return self._impl.ndim

    ndimension = dim

    def numel(self):
        if _ACTIVE:  # with traced sizes, their product (a size that stays in the graph too)
            sizes = _op_layer.sizes_of(self)
            if sizes is not None:
                return sizes.numel()
        return self._impl.numel()

    nelement = numel

    def element_size(self):
        return self._impl.element_size()

    @property
    def itemsize(self):
        return self._impl.element_size()

    @property
    def nbytes(self):
        return self._impl.numel() * self._impl.element_size()

    def storage_offset(self):
        return self._impl.storage_offset()

    def data_ptr(self):
        return self._impl.data_ptr()

    def is_contiguous(self, memory_format=None):
        if memory_format is None:
            return self._impl.is_contiguous()
        from ._layout import is_in_format
        return is_in_format(self._impl, memory_format)

    def is_floating_point(self):
        return self._impl.dtype.is_floating_point

    @property
    def _version(self):
        return self._impl._version

    # ---- autograd (the graph itself lives in ember/autograd) ------------------------------------
    @property
    def requires_grad(self):
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        from .autograd import tensor_api
        return tensor_api.requires_grad_(self, requires_grad)

    @property
    def grad_fn(self):
        node = self._node
        if node is not None and type(node) is not tuple:  # a view's edge, maybe stale
            from .autograd.recording import current_edge
            node = current_edge(self)
        if node is None or node[0]._backward is None:  # a leaf's AccumulateGrad is not its grad_fn
            return None
        return node[0]

    @property
    def is_leaf(self):
        node = self._node
        return node is None or node[0]._backward is None

    @property
    def grad(self):
        return getattr(self, "_grad_value", None)

    @grad.setter
    def grad(self, value):
        from .autograd import tensor_api
        tensor_api.set_grad(self, value)

    @grad.deleter
    def grad(self):
        self._grad_value = None

    @property
    def retains_grad(self):
        return getattr(self, "_retains_grad", False)

    def retain_grad(self):
        from .autograd import tensor_api
        tensor_api.retain_grad(self)

    def register_hook(self, hook):
        from .autograd import tensor_api
        return tensor_api.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        from .autograd import tensor_api
        return tensor_api.register_post_accumulate_grad_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    @property
    def output_nr(self):
        node = self._node
        return 0 if node is None else node[1]

    @property
    def _base(self):
        return getattr(self, "_view_base", None)

    @property
    def is_view(self):
        return getattr(self, "_view_base", None) is not None

    @property
    def data(self):
        """The values, detached: in-place updates through `.data` bypass autograd."""
        return _wrap(self._impl.alias())

    @data.setter
    def data(self, value):
        self._impl = value._impl

    @_op
    def detach(self):
        return _wrap(self._impl.alias())

    @_op
    def detach_(self):
        if getattr(self, "_view_base", None) is not None and self._node is not None:
            raise RuntimeError("detach_: can't detach views in-place. Use detach() instead.")
        self._node = None
        return self

    @property
    def name(self):
        return getattr(self, "_name", None)

    # ---- Python protocol --------------------------------------------------------------------
    def __repr__(self):
        text = repr(self._impl) if _printing.native_repr_applies() else _printing.tensor_repr(self._impl)
        node = self._node
        if node is None:
            return text
        if node[0]._backward is None:
            return text[:-1] + ", requires_grad=True)"
        return text[:-1] + f", grad_fn=<{node[0]._name}>)"

    def __format__(self, format_spec):
        """f"{loss:.4f}": a 0-dim tensor formats as its number, as in torch (f"{t}" too); a
        tensor of other dims accepts only an empty spec (its str)."""
        if self._impl.ndim == 0 and type(self) is Tensor:
            return self._impl.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __len__(self):
        if self._impl.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        if _ACTIVE:
            _op_layer.value_read(self, "len")  # len() must give a plain int: tracing warns
        return self._impl.shape[0]

    def __iter__(self):
        if self._impl.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        impl = self._impl
        if self._node is not None or _ACTIVE:  # through select, so that the rows stay in the graph
            return (self.select(0, i) for i in range(impl.shape[0]))
        return (_wrap_view(impl.select(0, i), self) for i in range(impl.shape[0]))

    def __bool__(self):
        if _ACTIVE:
            _op_layer.value_read(self, "bool")
        if self._impl.numel() != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with {self._impl.numel()} elements is ambiguous")
        return bool(self._impl.item())

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._impl.dtype.is_floating_point or self._impl.dtype.name == "bool":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self):
        return id(self)

    def item(self):
        if _ACTIVE:
            value = _op_layer.value_read(self, "item")
            if value is not None:
                return value
        return self._impl.item()

    def _numpy_or_float(self):
        """numpy array of the values; bfloat16 (which numpy lacks) comes back as float32."""
        if self._impl.dtype.name == "bfloat16":
            return _wrap(self._impl.to_dtype(_C.dtype.float32)).numpy()
        return self.numpy()

    # ---- views ------------------------------------------------------------------------------
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], _C.dtype):
            raise NotImplementedError("view(dtype) is not supported; use .to(dtype)")
        return _wrap_view(self._impl.view(_size_args(shape)), self)

    # native for ints and a sequence of ints (python/src/fast_ops.cpp), this body for the rest
    _C._fast.set_fallback("view", view)
    view = _op_layer.native("Tensor.view", view, _C._fast.view)

    @_op
    def view_as(self, other):
        return _wrap_view(self._impl.view(list(other.shape)), self)

    @_op
    def reshape(self, *shape):
        return _wrap_maybe_view(self._impl.reshape(_size_args(shape)), self)

    @_op
    def reshape_as(self, other):
        return _wrap_maybe_view(self._impl.reshape(list(other.shape)), self)

    @_op
    def permute(self, *dims):
        return _wrap_view(self._impl.permute(_size_args(dims)), self)

    @_op
    def transpose(self, dim0, dim1):
        return _wrap_view(self._impl.transpose(dim0, dim1), self)

    swapaxes = transpose
    swapdims = transpose

    @_op
    def t(self):
        return _wrap_view(self._impl.t(), self)

    # T and mT are properties, not ops: they call the ops when a mode or autograd must see them
    @property
    def T(self):
        n = self._impl.ndim
        if self._node is None and not _ACTIVE:
            return _wrap_view(self._impl.permute(list(range(n - 1, -1, -1))), self)
        return self.permute(list(range(n - 1, -1, -1)))

    @property
    def mT(self):
        if self._node is None and not _ACTIVE:
            return _wrap_view(self._impl.transpose(-2, -1), self)
        return self.transpose(-2, -1)

    @_op
    def expand(self, *sizes):
        return _wrap_view(self._impl.expand(_size_args(sizes)), self)

    @_op
    def expand_as(self, other):
        return _wrap_view(self._impl.expand(list(other.shape)), self)

    @_op
    def squeeze(self, dim=None):
        if dim is None:
            return _wrap_view(self._impl.squeeze(), self)
        if isinstance(dim, (tuple, list)):
            impl = self._impl
            for d in sorted((d % max(impl.ndim, 1) for d in dim), reverse=True):
                impl = impl.squeeze(d)
            return _wrap_view(impl, self)
        return _wrap_view(self._impl.squeeze(dim), self)

    @_op
    def unsqueeze(self, dim):
        return _wrap_view(self._impl.unsqueeze(dim), self)

    @_op
    def flatten(self, start_dim=0, end_dim=-1):
        return _wrap_maybe_view(self._impl.flatten(start_dim, end_dim), self)

    @_op
    def unflatten(self, dim, sizes):
        return _wrap_view(self._impl.unflatten(dim, list(sizes)), self)

    @_op
    def narrow(self, dim, start, length):
        return _wrap_view(self._impl.narrow(dim, int(start), length), self)

    @_op
    def select(self, dim, index):
        return _wrap_view(self._impl.select(dim, index), self)

    @_op
    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _wrap_view(self._impl.diagonal(offset, dim1, dim2), self)

    @_op
    def as_strided(self, size, stride, storage_offset=None):
        return _wrap_view(self._impl.as_strided(list(size), list(stride), storage_offset), self)

    @_op
    def unfold(self, dimension, size, step):
        return _wrap_view(self._impl.unfold(dimension, size, step), self)

    def __getitem__(self, key):
        kind = type(key)
        if kind in _BASIC_KEYS:  # the common t[0] and t[1:3]: no key to rewrite
            return _wrap_view(self._impl.getitem(key), self)
        if kind is tuple:  # t[:, 1]: basic entries only are a view too, with nothing to rewrite
            for k in key:
                if type(k) not in _BASIC_KEYS:
                    break
            else:
                return _wrap_view(self._impl.getitem(key), self)
        return _wrap_maybe_view(self._impl.getitem(_index_key(key)), self)

    @_op
    def __setitem__(self, key, value):
        if type(key) not in _BASIC_KEYS:
            key = _index_key(key)
        self._impl.setitem(key, _unwrap(value))

    # ---- copies and conversion ----------------------------------------------------------------
    @_op
    def contiguous(self, memory_format=None):
        impl = self._impl
        if memory_format is not None:
            from ._layout import copy_in_format, is_in_format, preserve_format
            if memory_format is preserve_format:
                raise RuntimeError("contiguous: preserve memory format is unsupported by the contiguous operator")
            return self if is_in_format(impl, memory_format, "contiguous") else \
                _wrap(copy_in_format(impl, memory_format, "contiguous"))
        return self if impl.is_contiguous() else _wrap(impl.contiguous())

    @_op
    def clone(self, *, memory_format=None):
        if memory_format is not None:
            from ._layout import copy_in_format
            return _wrap(copy_in_format(self._impl, memory_format, "clone"))
        return _wrap(self._impl.clone())

    @_op
    def to(self, *args, **kwargs):
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        non_blocking = kwargs.pop("non_blocking", False)
        copy = kwargs.pop("copy", False)
        memory_format = kwargs.pop("memory_format", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _C.dtype):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif isinstance(a, (str, _C.device)):
                device = a
            elif isinstance(a, int) and not isinstance(a, bool) and device is None:
                device = f"cuda:{a}"  # t.to(0), as torch reads an int device
            elif isinstance(a, bool):
                non_blocking = a  # t.to(device, dtype, non_blocking) positionally
            else:
                raise TypeError(f"to() received an invalid argument {a!r}")
        impl = self._impl
        if device is not None:
            if isinstance(device, int):
                device = f"cuda:{device}"
            impl = impl.to_device(_C.device(device) if isinstance(device, str) else device, bool(non_blocking))
        if dtype is not None:
            impl = impl.to_dtype(dtype)
        if copy and impl is self._impl:
            impl = impl.clone()
        if memory_format is not None:
            from ._layout import copy_in_format, is_in_format, preserve_format
            if memory_format is not preserve_format and not is_in_format(impl, memory_format, "to"):
                impl = copy_in_format(impl, memory_format, "to")
        return self if impl is self._impl else _wrap(impl)

    @_op
    def type(self, dtype=None):
        if dtype is None:
            return f"ember.{self._impl.dtype.name}"
        return self.to(dtype)

    @_op
    def float(self):
        return self.to(_C.dtype.float32)

    @_op
    def double(self):
        return self.to(_C.dtype.float64)

    @_op
    def half(self):
        return self.to(_C.dtype.float16)

    @_op
    def bfloat16(self):
        return self.to(_C.dtype.bfloat16)

    @_op
    def int(self):
        return self.to(_C.dtype.int32)

    @_op
    def long(self):
        return self.to(_C.dtype.int64)

    @_op
    def short(self):
        return self.to(_C.dtype.int16)

    @_op
    def char(self):
        return self.to(_C.dtype.int8)

    @_op
    def byte(self):
        return self.to(_C.dtype.uint8)

    @_op
    def bool(self):
        return self.to(_C.dtype.bool)

    @_op
    def cpu(self):
        return self.to("cpu")

    @_op
    def cuda(self, device=None, non_blocking=False, memory_format=None):
        if device is None:
            from . import cuda as _cuda
            device = f"cuda:{_cuda.current_device()}" if _cuda.is_available() else "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device, non_blocking=non_blocking, memory_format=memory_format)

    @_op
    def pin_memory(self, device=None):
        """A copy in page-locked host memory, from which copies to the GPU are fast and can be
        asynchronous (`.to("cuda", non_blocking=True)`); this tensor when already pinned."""
        impl = self._impl.pin_memory()
        return self if impl is self._impl else _wrap(impl)

    def is_pinned(self, device=None):
        return self._impl.is_pinned()

    def record_stream(self, stream):
        """torch's hint that a tensor is used on another stream. ember's allocator reuses a block
        only on the stream that allocated it and frees after the host drops the tensor; work
        queued on another stream should be ordered with events (Stream.wait_event) first."""

    @_op
    def copy_(self, src, non_blocking=False):
        self._impl.copy_(_unwrap_tensor(src, self), bool(non_blocking))
        return self

    @_op
    def fill_(self, value):
        self._impl.fill_(value._impl if isinstance(value, Tensor) else value)
        return self

    @_op
    def zero_(self):
        self._impl.fill_(0)
        return self

    @_op
    def new_tensor(self, data, dtype=None):
        from ._ops.creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=self.device)

    @_op
    def new_zeros(self, *size, dtype=None):
        return _wrap(_C.zeros(_size_args(size), dtype or self.dtype, self.device))

    @_op
    def new_ones(self, *size, dtype=None):
        return _wrap(_C.ones(_size_args(size), dtype or self.dtype, self.device))

    @_op
    def new_full(self, size, fill_value, dtype=None):
        return _wrap(_C.full(_size_args((size,)), fill_value, dtype or self.dtype, self.device))

    @_op
    def new_empty(self, *size, dtype=None):
        return _wrap(_C.empty(_size_args(size), dtype or self.dtype, self.device))

    # ---- the out-of-place forms through which in-place specials are recorded and traced --------
    @_op
    def _setitem_out_of_place(self, key, value):
        """A new tensor equal to self with self[key] = value."""
        impl = self._impl.clone()
        impl.setitem(key if type(key) in _BASIC_KEYS else _index_key(key), _unwrap(value))
        return _wrap(impl)

    @_op
    def _copy_out_of_place(self, src, non_blocking=False):
        """A new tensor of self's shape and dtype holding src (broadcast and cast)."""
        impl = self._impl.clone()
        impl.copy_(_unwrap_tensor(src, self))
        return _wrap(impl)

    @_op
    def _fill_out_of_place(self, value):
        impl = self._impl.clone()
        impl.fill_(value._impl if isinstance(value, Tensor) else value)
        return _wrap(impl)

    @_op
    def _zero_out_of_place(self):
        return _wrap(_C.zeros(list(self._impl.shape), self._impl.dtype, self._impl.device))

    @_op
    def _view_backward(self, shape, method, args, accumulate=False):
        """zeros(shape) receiving `self` at the view `zeros.method(*args)`: the gradient of that
        view for an input of `shape` (differentiable: its backward is the view again). With
        `accumulate`, elements the view repeats are summed."""
        impl = self._impl
        if accumulate:
            if method == "__getitem__":
                from ._ops.indexing import _getitem_backward
                return _getitem_backward(self, shape, args[0])
            numel = 1
            for s in shape:
                numel *= s
            index = getattr(_wrap(_C.arange(0, numel, 1, _C.dtype.int64, impl.device)).reshape(list(shape)),
                            method)(*args)
            flat = _C.zeros([numel], impl.dtype, impl.device)
            _C.index_add_(flat, 0, index._impl.reshape([-1]), impl.reshape([-1]), 1)
            return _wrap(flat.reshape(list(shape)))
        out = _wrap(_C.zeros(list(shape), impl.dtype, impl.device))
        getattr(out, method)(*args)._impl.copy_(impl)
        return out


_op_layer.set_tensor_class(Tensor)

_C._autograd.setup_tensor(Tensor)
_C._fast.setup(Tensor)
_wrap = _C._autograd.wrap
_wrap_view = _C._autograd.wrap_view
# Indexing is as hot as an operator: the same fast-path test (an index never requires grad), and
# a basic key (ints, slices, None, ...) is handled natively (python/src/fast_ops.cpp).
_C._fast.set_fallback("getitem", Tensor.__getitem__)
Tensor.__getitem__ = _op_layer.operator("__getitem__", Tensor.__getitem__, _C._fast.getitem)


def _unwrap_tensor(x, like):
    """A tensor operand for copy-like methods: numbers and lists become tensors."""
    if isinstance(x, Tensor):
        return x._impl
    from ._ops.creation import tensor
    return tensor(x, dtype=like.dtype)._impl
