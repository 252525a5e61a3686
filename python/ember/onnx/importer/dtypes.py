"""ONNX element types <-> ember dtypes and numpy dtypes."""
import numpy as np

import ember
from onnx import TensorProto

from .errors import UnsupportedDTypeError

_TO_EMBER = {
    TensorProto.FLOAT: ember.float32,
    TensorProto.DOUBLE: ember.float64,
    TensorProto.FLOAT16: ember.float16,
    TensorProto.BFLOAT16: ember.bfloat16,
    TensorProto.INT8: ember.int8,
    TensorProto.UINT8: ember.uint8,
    TensorProto.INT16: ember.int16,
    TensorProto.INT32: ember.int32,
    TensorProto.INT64: ember.int64,
    TensorProto.BOOL: ember.bool,
}
_TO_ONNX = {v: k for k, v in _TO_EMBER.items()}

_NUMPY_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.float16): TensorProto.FLOAT16, np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8, np.dtype(np.int16): TensorProto.INT16,
    np.dtype(np.int32): TensorProto.INT32, np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.bool_): TensorProto.BOOL,
}


def onnx_type_name(elem_type):
    """'FLOAT', 'UINT32', ... (or the number when ONNX does not know it)."""
    try:
        return TensorProto.DataType.Name(elem_type)
    except ValueError:
        return str(elem_type)


def is_supported(elem_type):
    return elem_type in _TO_EMBER


def to_ember_dtype(elem_type, what="a value"):
    """The ember dtype of an ONNX element type; UnsupportedDTypeError naming `what` when ember
    has none."""
    try:
        return _TO_EMBER[elem_type]
    except KeyError:
        raise UnsupportedDTypeError(
            f"{what} has ONNX element type {onnx_type_name(elem_type)}, which ember does not "
            f"support (ember has {', '.join(onnx_type_name(t) for t in _TO_EMBER)})") from None


def to_onnx_type(dtype):
    """The ONNX element type of an ember dtype."""
    return _TO_ONNX[dtype]


def numpy_to_onnx_type(np_dtype):
    """The ONNX element type of a numpy dtype (ml_dtypes' bfloat16 included), or None."""
    np_dtype = np.dtype(np_dtype)
    if np_dtype.name == "bfloat16":
        return TensorProto.BFLOAT16
    return _NUMPY_TO_ONNX.get(np_dtype)
