"""The errors and warnings of ember.onnx, with torch.onnx.errors' names."""


class OnnxExporterError(RuntimeError):
    """An export that cannot be written correctly: the message says what and where."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op the model calls has no ONNX export (or none at the opset asked for)."""


class VerificationError(AssertionError):
    """ember.onnx.verify found outputs that differ beyond the tolerance (the report is attached)."""

    def __init__(self, message, report=None):
        super().__init__(message)
        self.report = report


class TracerWarning(Warning):
    """The trace may not generalise: a traced value decided Python control flow or left as a number."""
