"""ember.onnx.load: ONNX models as ember nn.Modules.

    model = ember.onnx.load("model.onnx")     # a path, bytes, a binary file or a ModelProto
    y = model(x)                              # runs the graph with ember ops
    loss = (y - target).square().mean()
    loss.backward()                           # floating initializers are Parameters

Each ONNX op is run by a handler of the family files (ops_*.py) registered in
ember.onnx.registry.IMPORTERS; handlers use public ember ops only, so a loaded model can be
traced and exported again.
"""
from . import (ops_activation, ops_attention, ops_constant, ops_control, ops_conv,  # noqa: F401
               ops_detection, ops_elementwise, ops_indexing, ops_linalg, ops_loss, ops_ml,
               ops_norm, ops_pool, ops_quantize, ops_random, ops_reduce, ops_resize, ops_rnn,
               ops_sampling, ops_shape, ops_sort, ops_spectral, ops_training)
from .errors import InvalidModelError, UnsupportedDTypeError, UnsupportedOpError
from .module import OnnxModule
from .naming import initializer_name
from .reading import read_model

__all__ = ["load", "OnnxModule", "InvalidModelError", "UnsupportedOpError", "UnsupportedDTypeError",
           "initializer_name"]


def load(f):
    """An OnnxModule running the ONNX model `f` (a path, bytes, a binary file object or an
    onnx.ModelProto) with ember ops.

    Raises InvalidModelError (a ValueError) for corrupt, truncated or non-ONNX input,
    UnsupportedOpError (a NotImplementedError) naming each op ember cannot run, and
    UnsupportedDTypeError for element types ember lacks."""
    model, base_dir = read_model(f)
    return OnnxModule(model, base_dir)
