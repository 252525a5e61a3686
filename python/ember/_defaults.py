"""The default dtype and device of creation ops: `ember.set_default_dtype(ember.float64)`
makes `zeros(2)`, `rand(2)`, `tensor([1.5])`, `arange(1.0)`, ... float64, as in torch.

Creation ops ask `float_dtype(dtype)` for the dtype of a result whose dtype the caller left
out and that would be floating.
"""
from . import _C

_FLOATING = (_C.dtype.float32, _C.dtype.float64, _C.dtype.float16, _C.dtype.bfloat16)
_default = _C.dtype.float32
_CPU = _C.device("cpu")


def get_default_dtype():
    """The dtype of floating tensors made without a dtype (float32 unless set)."""
    return _default


def default_complex_dtype():
    """The dtype of complex tensors made without a dtype (tensor([1j]), full((2,), 1j)):
    complex128 when the default is float64, else complex64 (ember has no complex32)."""
    return _C.dtype.complex128 if _default == _C.dtype.float64 else _C.dtype.complex64


def set_default_dtype(d):
    """Sets the dtype of floating tensors made without a dtype: float32, float64, float16 or
    bfloat16."""
    global _default
    if not isinstance(d, _C.dtype):
        raise TypeError(f"set_default_dtype: invalid dtype object: only floating-point types are supported "
                        f"as the default type, got {type(d).__name__}")
    if d not in _FLOATING:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type, "
                        f"got {d}")
    _default = d


def float_dtype(dtype):
    """`dtype`, or the default floating dtype when it is None."""
    return _default if dtype is None else dtype


def get_default_device():
    """Where creation ops place tensors made without a device: ember's is the CPU."""
    return _CPU


def set_default_device(device):
    """Accepts the CPU (or None, which restores it): ember's creation ops make CPU tensors by
    default, and a GPU default is refused rather than ignored."""
    if device is None:
        return
    d = device if isinstance(device, _C.device) else _C.device(device if isinstance(device, str) else str(device))
    if d.type != "cpu":
        raise RuntimeError(f"set_default_device: ember makes new tensors on the CPU by default; a default "
                           f"device of {d} is not supported (pass device= to each creation op instead)")
