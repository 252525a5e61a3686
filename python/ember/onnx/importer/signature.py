"""The declared type and shape of a graph input or output, and the call-time input checks."""
import numpy as np

import ember

from .dtypes import onnx_type_name, to_ember_dtype
from .tensors import from_numpy


class ValueSpec:
    """A graph input's or output's declared ONNX type: `name`, `dtype` (ember dtype, or None
    for a non-tensor or untyped value), `elem_type` (the ONNX number) and `shape`: None when
    the rank is unknown, else one entry per dim: an int (static), a str (a symbolic dim such as
    'batch') or None (unknown)."""

    def __init__(self, name, dtype, elem_type, shape):
        self.name = name
        self.dtype = dtype
        self.elem_type = elem_type
        self.shape = shape

    @classmethod
    def from_proto(cls, value_info, what):
        t = value_info.type
        kind = t.WhichOneof("value")
        if kind != "tensor_type":
            if kind is None:
                return cls(value_info.name, None, None, None)
            raise NotImplementedError(f"{what} {value_info.name!r} is a {kind.replace('_', ' ')}; "
                                      "ember loads only tensor inputs and outputs")
        tt = t.tensor_type
        dtype = None
        if tt.elem_type:
            dtype = to_ember_dtype(tt.elem_type, f"{what} {value_info.name!r}")
        shape = None
        if tt.HasField("shape"):
            shape = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                     for d in tt.shape.dim]
        return cls(value_info.name, dtype, tt.elem_type or None, shape)

    def describe(self):
        dims = "?" if self.shape is None else "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"
        return f"{self.name}: {onnx_type_name(self.elem_type) if self.elem_type else '?'}{dims}"

    __repr__ = describe

    def check(self, value):
        """`value` as an ember tensor (numpy arrays are converted), after checking it against
        this spec: TypeError for a wrong dtype, ValueError for a wrong rank or static dim."""
        if isinstance(value, (np.ndarray, np.generic)):
            value = from_numpy(value, f"input {self.name!r}")
        elif not isinstance(value, ember.Tensor):
            raise TypeError(f"input {self.name!r}: expected an ember Tensor or a numpy array, "
                            f"got {type(value).__name__}")
        if self.dtype is not None and value.dtype != self.dtype:
            raise TypeError(f"input {self.name!r}: expected dtype {_dtype_name(self.dtype)} "
                            f"(ONNX {onnx_type_name(self.elem_type)}), got {_dtype_name(value.dtype)}")
        if self.shape is not None:
            actual = list(value.shape)
            if len(actual) != len(self.shape):
                raise ValueError(f"input {self.name!r}: expected rank {len(self.shape)} "
                                 f"(shape {self._shape_text()}), got rank {len(actual)} "
                                 f"(shape {actual})")
            for i, (want, got) in enumerate(zip(self.shape, actual)):
                if isinstance(want, int) and want != got:
                    raise ValueError(f"input {self.name!r}: expected size {want} in dim {i} "
                                     f"(shape {self._shape_text()}), got shape {actual}")
        return value

    def _shape_text(self):
        return "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"


def _dtype_name(dtype):
    return str(dtype).replace("ember.", "")
