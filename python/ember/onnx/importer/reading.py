"""Reading a model: a path, bytes, a file object or a ModelProto -> a checked ModelProto."""
import os

import onnx
from google.protobuf.message import DecodeError

from .errors import InvalidModelError


def read_model(source):
    """(ModelProto, base_dir) for `source`; base_dir is the folder external tensor data is
    read from (the file's folder, or None). Corrupt, truncated and non-ONNX input raises
    InvalidModelError."""
    base_dir = None
    if isinstance(source, onnx.ModelProto):
        model = source
    else:
        if isinstance(source, (str, os.PathLike)):
            path = os.fspath(source)
            with open(path, "rb") as f:
                data = f.read()
            base_dir = os.path.dirname(os.path.abspath(path))
            what = f"{path!r}"
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data, what = bytes(source), "the bytes given"
        elif hasattr(source, "read"):
            data = source.read()
            if isinstance(data, str):
                raise TypeError("ember.onnx.load: the file is open in text mode; open it with 'rb'")
            what = f"{getattr(source, 'name', 'the file object')!r}"
        else:
            raise TypeError("ember.onnx.load takes a path, bytes, a binary file object or an "
                            f"onnx.ModelProto, got {type(source).__name__}")
        model = _parse(data, what)
        _check_header(model, what)
        if base_dir is not None and _has_external_data(model):
            try:
                onnx.external_data_helper.load_external_data_for_model(model, base_dir)
            except (OSError, ValueError) as e:
                raise InvalidModelError(f"{what}: external tensor data could not be read: {e}") from None
    _check_header(model, "the model")
    if model.functions:  # model-local functions run as the nodes they are made of
        model = onnx.inliner.inline_local_functions(model)
    return model, base_dir


def _parse(data, what):
    if not data:
        raise InvalidModelError(f"{what} is empty, not an ONNX model")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise InvalidModelError(f"{what} is not a valid ONNX model (corrupt or truncated protobuf: "
                                f"{e})") from None
    return model


def _check_header(model, what):
    """The fields every ONNX model has: a file of another format often parses as a protobuf of
    unknown fields, and a file cut between top-level fields parses without them."""
    if model.ir_version <= 0 or not model.HasField("graph"):
        raise InvalidModelError(f"{what} is not an ONNX model (no IR version or no graph: another "
                                "file format, or a truncated file)")
    if not model.opset_import and model.ir_version >= 3:
        raise InvalidModelError(f"{what} has no opset_import (a truncated file?)")
    if not model.graph.output:
        raise InvalidModelError(f"{what}: the graph has no outputs (a truncated file?)")


def _has_external_data(model):
    tensors = list(model.graph.initializer)
    return any(t.data_location == onnx.TensorProto.EXTERNAL for t in tensors)


__all__ = ["read_model"]
