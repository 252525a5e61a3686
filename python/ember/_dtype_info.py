"""ember.finfo and ember.iinfo: the numerical limits of a dtype, with torch's fields and
repr (`finfo(ember.float32).eps`, `iinfo(ember.int64).max`)."""
import numpy as np

from . import _C

__all__ = ["finfo", "iinfo"]

# bits, eps, max, smallest normal, decimal digits of precision (resolution = 10 ** -digits)
_FLOAT_LIMITS = {
    _C.dtype.float32: (32, float(np.finfo(np.float32).eps), float(np.finfo(np.float32).max),
                       float(np.finfo(np.float32).tiny), 6),
    _C.dtype.float64: (64, float(np.finfo(np.float64).eps), float(np.finfo(np.float64).max),
                       float(np.finfo(np.float64).tiny), 15),
    _C.dtype.float16: (16, float(np.finfo(np.float16).eps), float(np.finfo(np.float16).max),
                       float(np.finfo(np.float16).tiny), 3),
    # bfloat16: float32's exponent with 8 bits of significand
    _C.dtype.bfloat16: (16, 2.0 ** -7, (2.0 - 2.0 ** -7) * 2.0 ** 127, 2.0 ** -126, 2),
}
_INT_LIMITS = {_C.dtype.uint8: (8, 0, 255), _C.dtype.int8: (8, -128, 127), _C.dtype.int16: (16, -(1 << 15), (1 << 15) - 1),
               _C.dtype.int32: (32, -(1 << 31), (1 << 31) - 1), _C.dtype.int64: (64, -(1 << 63), (1 << 63) - 1)}


class _DTypeName(str):
    """finfo(...).dtype: torch gives the dtype's name (a str); the array API asks for the dtype.
    This is the name, and also equals the dtype object itself."""

    def __new__(cls, dtype):
        self = super().__new__(cls, dtype.name)
        self._dtype = dtype
        return self

    def __eq__(self, other):
        return other == self._dtype if isinstance(other, _C.dtype) else str.__eq__(self, other)

    def __ne__(self, other):
        return not self == other

    __hash__ = str.__hash__


def _dtype_of(type):
    """The dtype of `type`: a dtype, or an array (the array API's finfo(x) / iinfo(x))."""
    impl = getattr(type, "_impl", None)
    return impl.dtype if impl is not None and isinstance(getattr(impl, "dtype", None), _C.dtype) else type


class finfo:  # noqa: N801  (torch's name)
    """The limits of a floating dtype (the default dtype when none is given): bits, eps, max,
    min, tiny (= smallest_normal), resolution and dtype (its name, as in torch)."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):
        if type is None:
            from ._defaults import get_default_dtype
            type = get_default_dtype()
        type = _dtype_of(type)
        # a complex dtype has its parts' limits (torch: finfo(complex64) is finfo(float32))
        type = {_C.dtype.complex64: _C.dtype.float32, _C.dtype.complex128: _C.dtype.float64}.get(type, type)
        if not isinstance(type, _C.dtype) or type not in _FLOAT_LIMITS:
            raise TypeError(f"ember.finfo() requires a floating point input type, got {type}. "
                            "Use ember.iinfo to handle integer types")
        bits, eps, big, tiny, digits = _FLOAT_LIMITS[type]
        self.bits, self.eps, self.max, self.min = bits, eps, big, -big
        self.tiny = self.smallest_normal = tiny
        self.resolution = 10.0 ** -digits
        self.dtype = _DTypeName(type)

    def __eq__(self, other):
        return isinstance(other, finfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """The limits of an integer dtype: bits, min, max and dtype (its name)."""

    __slots__ = ("bits", "min", "max", "dtype")

    def __init__(self, type):
        type = _dtype_of(type)
        if not isinstance(type, _C.dtype) or type not in _INT_LIMITS:
            if type == _C.dtype.bool:
                raise TypeError("ember.bool is not supported by ember.iinfo")
            raise TypeError(f"ember.iinfo() requires an integer input type, got {type}. "
                            "Use ember.finfo to handle floating types")
        self.bits, self.min, self.max = _INT_LIMITS[type]
        self.dtype = _DTypeName(type)

    def __eq__(self, other):
        return isinstance(other, iinfo) and other.dtype == self.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
