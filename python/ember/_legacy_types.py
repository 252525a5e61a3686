"""The legacy typed-tensor constructors that PyTorch scripts still use: `ember.FloatTensor(2, 3)`
(uninitialised, of that shape), `ember.LongTensor([1, 2])` (from data), and `isinstance(t,
ember.FloatTensor)` (true for float32 tensors)."""
import numbers

from . import _C
from ._tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "ByteTensor", "CharTensor",
           "ShortTensor", "IntTensor", "LongTensor", "BoolTensor"]


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype

    def __call__(cls, *args, device=None):
        from ._ops.creation import empty, tensor
        if len(args) == 1 and isinstance(args[0], Tensor):
            return args[0].to(cls.dtype)
        if not args or all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args):
            return empty(*args, dtype=cls.dtype, device=device) if args else empty(0, dtype=cls.dtype,
                                                                                     device=device)
        from ._tensor import Size
        if len(args) == 1 and isinstance(args[0], Size):
            return empty(*args[0], dtype=cls.dtype, device=device)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}(): expected sizes or one sequence of data, got {args!r}")
        return tensor(args[0], dtype=cls.dtype, device=device)


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
