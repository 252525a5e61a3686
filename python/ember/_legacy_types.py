"""The legacy constructors that PyTorch scripts still use: `ember.Tensor(2, 3)` (an
uninitialised tensor of the default dtype and that shape), `ember.Tensor([1, 2])` (from data),
the typed ones (`ember.FloatTensor(2, 3)`, `ember.LongTensor([1, 2])`, and
`isinstance(t, ember.FloatTensor)`, true for float32 tensors), and `Tensor.new(...)`, which
makes a tensor of its own dtype and device the same ways."""
import numbers

import numpy as np

from . import _C
from ._op_layer import install_methods
from ._tensor import Size, Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "ByteTensor", "CharTensor",
           "ShortTensor", "IntTensor", "LongTensor", "BoolTensor"]


def _is_size(args):
    return all(isinstance(a, numbers.Integral) and not isinstance(a, (bool, np.bool_)) for a in args)


def legacy_new(name, dtype, device, args, kwargs, strict_dtype):
    """What torch's legacy constructors make of their arguments: sizes (ints, an ember.Size
    or size=) give an uninitialised tensor, a sequence or array gives a tensor of its values
    in `dtype`, a tensor is returned as it is (when `strict_dtype`, only if it has `dtype`),
    and no arguments give an empty tensor."""
    from ._ops.creation import empty, tensor
    device = kwargs.pop("device", device)
    size = kwargs.pop("size", None)
    if kwargs:
        raise TypeError(f"{name}(): got unexpected keyword arguments {sorted(kwargs)}")
    if size is not None:
        if args:
            raise TypeError(f"{name}(): got both positional arguments and size=")
        args = (Size(size),)
    if not args:
        return empty(0, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], Tensor):
        t = args[0]
        if strict_dtype and t.dtype != dtype:
            raise TypeError(f"{name}(): expected a tensor of dtype {dtype}, got one of dtype {t.dtype}")
        return t
    if len(args) == 1 and isinstance(args[0], Size):
        args = tuple(args[0])
    if _is_size(args):
        return empty(*args, dtype=dtype, device=device)
    if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray)):
        return tensor(args[0], dtype=dtype, device=device)
    if len(args) == 1:
        raise TypeError(f"{name}(): data must be a sequence (got {type(args[0]).__name__})")
    raise TypeError(f"{name}(): expected sizes (ints), an ember.Size or one sequence of data, got "
                    f"({', '.join(type(a).__name__ for a in args)})")


def _tensor_new(cls, *args, **kwargs):
    """ember.Tensor(2, 3), ember.Tensor([1, 2]), ember.Tensor(): torch's legacy constructor,
    in the default dtype."""
    from ._defaults import get_default_dtype
    t = legacy_new("Tensor", get_default_dtype(), None, args, kwargs, strict_dtype=False)
    if cls is not Tensor and type(t) is not cls:  # a subclass without a __new__ of its own
        sub = object.__new__(cls)
        sub._impl, sub._node, sub._view_base = t._impl, None, None
        return sub
    return t


Tensor.__new__ = _tensor_new


def _new(self, *args, **kwargs):
    """self.new(2, 3), self.new([1, 2]), self.new(): a tensor of self's dtype and device."""
    return legacy_new("new", self.dtype, self.device, args, kwargs, strict_dtype=True)


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False, layout=None,
                       pin_memory=False):
    from ._ops.creation import empty_strided
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device or self.device,
                         requires_grad=requires_grad)


install_methods({"new": _new, "new_empty_strided": _new_empty_strided})


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, **kwargs):
        return legacy_new(cls.__name__, cls.dtype, None, args, kwargs, strict_dtype=True)


def _typed(name, dtype):
    return _TypedTensorMeta(name, (), {"dtype": dtype, "__module__": "ember"})


FloatTensor = _typed("FloatTensor", _C.dtype.float32)
DoubleTensor = _typed("DoubleTensor", _C.dtype.float64)
HalfTensor = _typed("HalfTensor", _C.dtype.float16)
BFloat16Tensor = _typed("BFloat16Tensor", _C.dtype.bfloat16)
ByteTensor = _typed("ByteTensor", _C.dtype.uint8)
CharTensor = _typed("CharTensor", _C.dtype.int8)
ShortTensor = _typed("ShortTensor", _C.dtype.int16)
IntTensor = _typed("IntTensor", _C.dtype.int32)
LongTensor = _typed("LongTensor", _C.dtype.int64)
BoolTensor = _typed("BoolTensor", _C.dtype.bool)
