"""ember.onnx: export models to ONNX (torch.onnx's API), verify the files against ember, and
load ONNX models as ember modules.

    ember.onnx.export(model, (x,), "model.onnx", dynamic_axes={"x": {0: "batch"}})
    report = ember.onnx.verify(model, (x,))      # onnxruntime and onnx's reference vs ember
    module = ember.onnx.load("model.onnx")      # an nn.Module running the graph with ember ops

The exporter traces one forward pass through the op layer (tracing.py) and writes each op with
its exporter from the registry (registry.py, ops/); the importer runs each ONNX node with the
ember ops of the same registry's other table (importer/). docs/onnx.md lists the supported ops.
"""
from . import ops as _ops  # noqa: F401  (fills the registry's export table)
from .errors import OnnxExporterError, TracerWarning, UnsupportedOperatorError, VerificationError  # noqa: F401
from .exporter import (ONNXProgram, OperatorExportTypes, TrainingMode, export, is_in_onnx_export,  # noqa: F401
                       select_model_mode_for_export)

__all__ = ["export", "verify", "load", "ONNXProgram", "TrainingMode", "OperatorExportTypes", "is_in_onnx_export",
           "select_model_mode_for_export", "OnnxExporterError", "UnsupportedOperatorError", "VerificationError",
           "TracerWarning"]


def load(f):
    """Loads an ONNX model (a path, bytes, a file object or a ModelProto) as an nn.Module whose
    forward runs the graph with ember ops."""
    from .importer import load as _load
    return _load(f)


def verify(model, args, **kwargs):
    """Exports `model`, checks the file and compares onnxruntime's and onnx's reference outputs
    with ember's; see ember.onnx.verification.verify."""
    from .verification import verify as _verify
    return _verify(model, args, **kwargs)
