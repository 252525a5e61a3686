"""Predicates and metadata queries with torch's names: `ember.is_complex(t)`, `t.is_signed()`,
`ember.is_nonzero(t)`, `t.is_same_size(u)`, `t.get_device()`, `t.is_cpu`, ... They read a
tensor's dtype, shape or device (is_nonzero its one value) and make no tensor, so they are not
ops of the op layer.

The properties for kinds of tensor ember has none of (meta, quantized, nested, MKL-DNN, ...)
answer False, as torch's do for an ordinary CPU tensor.
"""
from . import _C
from ._tensor import Tensor

__all__ = ["is_complex", "is_signed", "is_nonzero", "is_same_size", "is_floating_point", "is_conj", "is_neg",
           "get_device", "is_storage", "typename"]

_UNSIGNED = (_C.dtype.uint8, _C.dtype.bool)
_TYPED_NAMES = {_C.dtype.float32: "FloatTensor", _C.dtype.float64: "DoubleTensor", _C.dtype.float16: "HalfTensor",
                _C.dtype.bfloat16: "BFloat16Tensor", _C.dtype.uint8: "ByteTensor", _C.dtype.int8: "CharTensor",
                _C.dtype.int16: "ShortTensor", _C.dtype.int32: "IntTensor", _C.dtype.int64: "LongTensor",
                _C.dtype.bool: "BoolTensor"}


def _tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def is_complex(input):
    return _tensor(input, "is_complex").dtype.is_complex


def is_conj(input):
    """False: ember conjugates eagerly (conj() copies), so no tensor is lazily conjugated."""
    _tensor(input, "is_conj")
    return False


def is_neg(input):
    """False: ember never negates lazily."""
    _tensor(input, "is_neg")
    return False


def is_signed(input):
    """Whether the dtype holds negative values (every dtype but uint8 and bool)."""
    return _tensor(input, "is_signed").dtype not in _UNSIGNED


def is_floating_point(input):
    return _tensor(input, "is_floating_point").dtype.is_floating_point


def is_nonzero(input):
    """The truth of a one-element tensor; torch's errors for more or fewer elements."""
    n = _tensor(input, "is_nonzero").numel()
    if n == 0:
        raise RuntimeError("is_nonzero: Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError(f"is_nonzero: Boolean value of Tensor with more than one value is ambiguous "
                           f"({n} elements)")
    return bool(input.item())


def is_same_size(input, other):
    _tensor(input, "is_same_size")
    _tensor(other, "is_same_size", "other")
    return tuple(input.shape) == tuple(other.shape)


def get_device(input):
    """The CUDA device index of a tensor, -1 for a CPU tensor."""
    device = _tensor(input, "get_device").device
    return -1 if device.type == "cpu" else (device.index or 0)


def is_storage(obj):
    """False: ember exposes no storage objects of torch's kinds."""
    return False


def typename(obj):
    """'ember.FloatTensor' for a float32 tensor (torch's legacy type names), else the type's name."""
    if isinstance(obj, Tensor):
        return f"ember.{_TYPED_NAMES[obj.dtype]}"
    module = getattr(type(obj), "__module__", "builtins")
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


def _false(self):
    return False


def _is_cpu(self):
    return self._impl.device.type == "cpu"


_METHODS = {"is_complex": is_complex, "is_conj": is_conj, "is_neg": is_neg, "is_signed": is_signed,
            "is_nonzero": is_nonzero, "is_same_size": is_same_size, "get_device": get_device}
# is_shared: ember._shared_memory; is_pinned and pin_memory: _tensor.py
_FALSE_PROPERTIES = ("is_meta", "is_quantized", "is_nested", "is_mkldnn", "is_sparse_csr", "is_mps", "is_xpu",
                     "is_ipu", "is_xla", "is_vulkan", "is_maia", "is_mtia")


def install(tensor_class):
    for name, fn in _METHODS.items():
        setattr(tensor_class, name, fn)
    tensor_class.is_cpu = property(_is_cpu, doc="Whether the tensor is on the CPU.")
    for name in _FALSE_PROPERTIES:
        setattr(tensor_class, name, property(_false, doc="False: ember has no tensors of this kind."))
