"""ember.onnx: ONNX models in ember (`load` runs an ONNX model as an nn.Module)."""
from .importer import load  # noqa: F401
