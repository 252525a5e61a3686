"""Small helpers the handlers share: reading shape-like inputs, axes, dtypes."""
import ember


def ints(t):
    """A shape-like input (a 1-D or 0-d integer tensor) as a list of Python ints; None stays None.
    Int subclasses are kept: while the module is traced for export they are sizes computed in
    the graph (ember.onnx's SymInts), so a re-exported model keeps its dynamic shapes."""
    if t is None:
        return None
    values = t.tolist()
    values = values if isinstance(values, list) else [values]
    return [v if isinstance(v, int) else int(v) for v in values]


def scalar(t, default=None):
    """A 0-d or one-element tensor as a Python number; `default` when the input is omitted."""
    if t is None:
        return default
    return t.reshape(-1)[0].item()


def axis(a, rank):
    """An ONNX axis (negative counts from the end) as a dim index of a rank-`rank` tensor."""
    if not -rank <= a < max(rank, 1):
        raise ValueError(f"axis {a} is out of range for a tensor of rank {rank}")
    return a + rank if a < 0 else a


def axes(values, rank):
    return [axis(a, rank) for a in values]


def is_float(t):
    return t.is_floating_point()


def float_of(t):
    """`t` when it is floating, else `t` as float32 (for ops whose math needs floats)."""
    return t if t.is_floating_point() else t.to(ember.float32)
