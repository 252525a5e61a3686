"""Conversions between ONNX TensorProtos, numpy arrays and ember tensors."""
import numpy as np

import ember
from onnx import TensorProto, numpy_helper

from .dtypes import numpy_to_onnx_type, onnx_type_name, to_ember_dtype
from .errors import InvalidModelError, UnsupportedDTypeError


def from_numpy(array, what="an array"):
    """A new ember tensor holding a copy of `array`. bfloat16 arrays (ml_dtypes) go through
    float32, which holds every bfloat16 exactly; dtypes ember lacks raise UnsupportedDTypeError."""
    array = np.asarray(array)
    elem_type = numpy_to_onnx_type(array.dtype)
    if elem_type is None:
        raise UnsupportedDTypeError(f"{what} has numpy dtype {array.dtype}, which ember does not support")
    if elem_type == TensorProto.BFLOAT16:
        return ember.tensor(array.astype(np.float32)).to(ember.bfloat16)
    return ember.tensor(array)


def to_numpy(tensor):
    """A numpy array of `tensor`'s values (a copy, detached); bfloat16 becomes ml_dtypes'
    bfloat16 where ml_dtypes is installed (onnx depends on it), else float32."""
    tensor = tensor.detach()
    if tensor.dtype == ember.bfloat16:
        values = tensor.float().numpy().copy()
        try:
            import ml_dtypes
        except ImportError:
            return values
        return values.astype(ml_dtypes.bfloat16)
    return tensor.numpy().copy()


def proto_to_tensor(proto, base_dir=None):
    """The ember tensor of a TensorProto (an initializer, a Constant's value, an attribute)."""
    what = f"tensor {proto.name!r}" if proto.name else "a tensor attribute"
    to_ember_dtype(proto.data_type, what)  # refuse the types ember lacks before decoding
    try:
        array = numpy_helper.to_array(proto, base_dir) if base_dir else numpy_helper.to_array(proto)
    except (ValueError, TypeError, OSError) as e:
        raise InvalidModelError(f"{what} of type {onnx_type_name(proto.data_type)} and shape "
                                f"{list(proto.dims)} cannot be decoded: {e}") from None
    return from_numpy(array, what)
