"""Pooling with torch.nn.functional's names and semantics: max_pool1d/2d, avg_pool1d/2d,
adaptive_avg_pool1d/2d and adaptive_max_pool1d/2d over (N, C, [H,] W) or unbatched inputs.

The backward kernels are exposed as private functions (max_pool2d_backward, ...) taking and
returning ember tensors, for the autograd layer to wire.
"""
import numbers

from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]


def _check_tensor(x, op, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _ints(value, op, name):
    """An int-or-tuple window argument as a list (None or () -> [], meaning the default)."""
    if value is None:
        return []
    if isinstance(value, numbers.Integral):
        return [int(value)]
    try:
        return [int(v) for v in value]
    except TypeError:
        raise TypeError(f"{op}(): {name} must be an int or a tuple of ints, got {value!r}") from None


def _output_size(value, spatial, op):
    """adaptive output_size: an int or a tuple whose None entries keep the input's size (-1)."""
    if isinstance(value, numbers.Integral) or value is None:
        value = [value] * spatial
    value = list(value)
    if len(value) != spatial:
        raise ValueError(f"{op}: output_size must have {spatial} entries, got {value}")
    return [-1 if v is None else int(v) for v in value]


def _shape(input):
    """The input_size a backward kernel takes: a tensor's shape, or a shape as given."""
    return list(input.shape) if isinstance(input, Tensor) else [int(s) for s in input]


# The max pools always compute their indices: the public functions return them on request, and
# the private (values, indices) primitives are what autograd records, so backward reuses the
# indices instead of pooling again.
@op
def _max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode):
    _check_tensor(input, "max_pool1d")
    op = "max_pool1d"
    out, idx = _C.max_pool1d_with_indices(input._impl, _ints(kernel_size, op, "kernel_size"),
                                          _ints(stride, op, "stride"), _ints(padding, op, "padding"),
                                          _ints(dilation, op, "dilation"), bool(ceil_mode))
    return _wrap(out), _wrap(idx)


@op
def _max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode):
    _check_tensor(input, "max_pool2d")
    op = "max_pool2d"
    out, idx = _C.max_pool2d_with_indices(input._impl, _ints(kernel_size, op, "kernel_size"),
                                          _ints(stride, op, "stride"), _ints(padding, op, "padding"),
                                          _ints(dilation, op, "dilation"), bool(ceil_mode))
    return _wrap(out), _wrap(idx)


@op
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    out, idx = _max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


@op
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    out, idx = _max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


@op
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    _check_tensor(input, "avg_pool1d")
    op = "avg_pool1d"
    return _wrap(_C.avg_pool1d(input._impl, _ints(kernel_size, op, "kernel_size"), _ints(stride, op, "stride"),
                               _ints(padding, op, "padding"), bool(ceil_mode), bool(count_include_pad)))


@op
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    _check_tensor(input, "avg_pool2d")
    op = "avg_pool2d"
    return _wrap(_C.avg_pool2d(input._impl, _ints(kernel_size, op, "kernel_size"), _ints(stride, op, "stride"),
                               _ints(padding, op, "padding"), bool(ceil_mode), bool(count_include_pad),
                               divisor_override))


@op
def adaptive_avg_pool1d(input, output_size):
    _check_tensor(input, "adaptive_avg_pool1d")
    return _wrap(_C.adaptive_avg_pool1d(input._impl, _output_size(output_size, 1, "adaptive_avg_pool1d")))


@op
def adaptive_avg_pool2d(input, output_size):
    _check_tensor(input, "adaptive_avg_pool2d")
    return _wrap(_C.adaptive_avg_pool2d(input._impl, _output_size(output_size, 2, "adaptive_avg_pool2d")))


@op
def _adaptive_max_pool1d_with_indices(input, output_size):
    _check_tensor(input, "adaptive_max_pool1d")
    out, idx = _C.adaptive_max_pool1d(input._impl, _output_size(output_size, 1, "adaptive_max_pool1d"))
    return _wrap(out), _wrap(idx)


@op
def _adaptive_max_pool2d_with_indices(input, output_size):
    _check_tensor(input, "adaptive_max_pool2d")
    out, idx = _C.adaptive_max_pool2d(input._impl, _output_size(output_size, 2, "adaptive_max_pool2d"))
    return _wrap(out), _wrap(idx)


@op
def adaptive_max_pool1d(input, output_size, return_indices=False):
    out, idx = _adaptive_max_pool1d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


@op
def adaptive_max_pool2d(input, output_size, return_indices=False):
    out, idx = _adaptive_max_pool2d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


# ---- backward kernels (input: the forward input, or its shape) ----------------------------------

def max_pool2d_backward(grad_output, input, indices):
    """Gradient of max_pool2d / adaptive_max_pool2d: grad_output scattered through indices."""
    return _wrap(_C.max_pool2d_backward(grad_output._impl, _shape(input), indices._impl))


def max_pool1d_backward(grad_output, input, indices):
    """Gradient of max_pool1d / adaptive_max_pool1d."""
    return _wrap(_C.max_pool1d_backward(grad_output._impl, _shape(input), indices._impl))


adaptive_max_pool2d_backward = max_pool2d_backward
adaptive_max_pool1d_backward = max_pool1d_backward


def avg_pool2d_backward(grad_output, input, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True, divisor_override=None):
    op = "avg_pool2d_backward"
    return _wrap(_C.avg_pool2d_backward(grad_output._impl, _shape(input), _ints(kernel_size, op, "kernel_size"),
                                        _ints(stride, op, "stride"), _ints(padding, op, "padding"),
                                        bool(ceil_mode), bool(count_include_pad), divisor_override))


def avg_pool1d_backward(grad_output, input, kernel_size, stride=None, padding=0, ceil_mode=False,
                        count_include_pad=True):
    op = "avg_pool1d_backward"
    return _wrap(_C.avg_pool1d_backward(grad_output._impl, _shape(input), _ints(kernel_size, op, "kernel_size"),
                                        _ints(stride, op, "stride"), _ints(padding, op, "padding"),
                                        bool(ceil_mode), bool(count_include_pad)))


def adaptive_avg_pool2d_backward(grad_output, input):
    return _wrap(_C.adaptive_avg_pool2d_backward(grad_output._impl, _shape(input)))


def adaptive_avg_pool1d_backward(grad_output, input):
    return _wrap(_C.adaptive_avg_pool1d_backward(grad_output._impl, _shape(input)))
