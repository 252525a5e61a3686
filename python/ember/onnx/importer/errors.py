"""The errors ember.onnx.load and a loaded model raise, each naming what is wrong."""


class InvalidModelError(ValueError):
    """The bytes or file are not a well-formed ONNX model (corrupt, truncated, another format),
    or the graph is inconsistent (a value used before any node or input defines it)."""


class UnsupportedOpError(NotImplementedError):
    """A node's op type (in its domain, at the model's opset) has no ember implementation."""


class UnsupportedDTypeError(NotImplementedError, TypeError):
    """An ONNX element type that ember has no dtype for (string, complex, uint16/32/64,
    float8, 4-bit types...). A TypeError too, as a wrong dtype is elsewhere."""
