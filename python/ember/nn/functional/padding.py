"""ember.nn.functional.pad (PyTorch's semantics) and its gradient kernel."""
import numbers

from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_list(pad):
    if isinstance(pad, numbers.Integral) or not hasattr(pad, "__len__"):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, not {type(pad).__name__}")
    return [int(p) for p in pad]


@op
def pad(input, pad, mode="constant", value=None):
    """Pads `input`: `pad` runs from the last dim backwards, (left, right) per dim, so (1, 2, 3, 4)
    pads the last dim by 1 and 2 and the one before it by 3 and 4. Modes: 'constant' (with
    `value`, 0 by default; negative pads crop), 'reflect' (mirror without the edge), 'replicate'
    (repeat the edge) and 'circular' (wrap around); the last three pad the last 1-3 dims of a
    tensor with one or two leading dims, as PyTorch does."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode not in _MODES:
        raise ValueError(f"pad: unrecognised padding mode {mode!r} (expected one of {', '.join(_MODES)})")
    if mode != "constant" and value is not None and value != 0:
        raise ValueError(f'pad: padding mode "{mode}" doesn\'t take in value argument')
    return _wrap(_C.pad(input._impl, _pad_list(pad), mode, 0 if value is None else value))


def pad_backward(grad_output, input_shape, pad, mode="constant"):
    """The gradient of pad with respect to its input (of shape `input_shape`): each pad region's
    gradient is added to the positions it copied (constant mode: the opposite padding)."""
    return _wrap(_C.pad_backward(grad_output._impl, [int(s) for s in input_shape], _pad_list(pad), mode))
