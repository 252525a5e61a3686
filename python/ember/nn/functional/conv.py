"""Convolutions with PyTorch's names and semantics: ember.nn.functional.conv1d / conv2d / conv3d /
conv_transpose1d / conv_transpose2d / conv_transpose3d, also ember.conv1d, ember.conv2d, ...
like torch.

NCHW (NCL for 1-D, NCDHW for 3-D). stride, padding, dilation and output_padding are an int or a tuple with one
int per spatial dim; padding may also be 'valid' or 'same' (plain convolutions, stride 1). An
unbatched input (C, H, W) / (C, L) gives an unbatched result.

The private functions at the end are the backward kernels the autograd layer wires in; they
take and return ember Tensors (None for a gradient that output_mask leaves out).
"""
import operator

from ... import _C
from ..._tensor import Size, Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


def _impl(x, name, op):
    if isinstance(x, Tensor):
        return x._impl
    raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _bias(bias, op):
    return None if bias is None else _impl(bias, "bias", op)


def _int(value):
    """An integer (int, numpy integer, anything with __index__ but bool) or None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def _ints(value, name, op):
    """An int or a sequence of ints as a list (the native layer expands one value to all dims)."""
    one = _int(value)
    if one is not None:
        return [one]
    if isinstance(value, (tuple, list, Size)):
        items = [_int(v) for v in value]
        if None not in items:
            return items
    raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of ints, not {value!r}")


def _padding(value, op):
    return value if isinstance(value, str) else _ints(value, "padding", op)


def _groups(value, op):
    if _int(value) is not None:
        return _int(value)
    raise TypeError(f"{op}(): argument 'groups' must be int, not {type(value).__name__}")


def _wrap_grads(grads):
    return tuple(None if g is None else _wrap(g) for g in grads)


def _mask(output_mask):
    mask = [bool(m) for m in output_mask]
    if len(mask) != 3:
        raise ValueError(f"output_mask must have 3 entries (input, weight, bias), got {output_mask!r}")
    return mask


@op
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of input (N, C_in, H, W) or (C_in, H, W) with weight
    (C_out, C_in / groups, kH, kW), plus bias (C_out) when given."""
    op = "conv2d"
    return _wrap(_C.conv2d(_impl(input, "input", op), _impl(weight, "weight", op), _bias(bias, op),
                           _ints(stride, "stride", op), _padding(padding, op), _ints(dilation, "dilation", op),
                           _groups(groups, op)))


@op
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of input (N, C_in, L) or (C_in, L) with weight (C_out, C_in / groups, kW)."""
    op = "conv1d"
    return _wrap(_C.conv1d(_impl(input, "input", op), _impl(weight, "weight", op), _bias(bias, op),
                           _ints(stride, "stride", op), _padding(padding, op), _ints(dilation, "dilation", op),
                           _groups(groups, op)))


@op
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight
    (C_out, C_in / groups, kD, kH, kW), plus bias (C_out) when given."""
    op = "conv3d"
    return _wrap(_C.conv3d(_impl(input, "input", op), _impl(weight, "weight", op), _bias(bias, op),
                           _ints(stride, "stride", op), _padding(padding, op), _ints(dilation, "dilation", op),
                           _groups(groups, op)))


@op
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution of input (N, C_in, D, H, W) with weight
    (C_in, C_out / groups, kD, kH, kW): the gradient of conv3d with respect to its input."""
    op = "conv_transpose3d"
    return _wrap(_C.conv_transpose3d(_impl(input, "input", op), _impl(weight, "weight", op), _bias(bias, op),
                                     _ints(stride, "stride", op), _ints(padding, "padding", op),
                                     _ints(output_padding, "output_padding", op), _groups(groups, op),
                                     _ints(dilation, "dilation", op)))


@op
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution ("deconvolution") of input (N, C_in, H, W) with weight
    (C_in, C_out / groups, kH, kW): the gradient of conv2d with respect to its input."""
    op = "conv_transpose2d"
    return _wrap(_C.conv_transpose2d(_impl(input, "input", op), _impl(weight, "weight", op), _bias(bias, op),
                                     _ints(stride, "stride", op), _ints(padding, "padding", op),
                                     _ints(output_padding, "output_padding", op), _groups(groups, op),
                                     _ints(dilation, "dilation", op)))


@op
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution of input (N, C_in, L) with weight (C_in, C_out / groups, kW)."""
    op = "conv_transpose1d"
    return _wrap(_C.conv_transpose1d(_impl(input, "input", op), _impl(weight, "weight", op), _bias(bias, op),
                                     _ints(stride, "stride", op), _ints(padding, "padding", op),
                                     _ints(output_padding, "output_padding", op), _groups(groups, op),
                                     _ints(dilation, "dilation", op)))


# ---------------------------------------------------------------------------
# Backward kernels (private: the autograd layer calls them)
# ---------------------------------------------------------------------------

def _backward_input(native, op, grad_output, input_size, weight, stride, padding, dilation, groups):
    return _wrap(native(_impl(grad_output, "grad_output", op), _ints(list(input_size), "input_size", op),
                        _impl(weight, "weight", op), _ints(stride, "stride", op), _padding(padding, op),
                        _ints(dilation, "dilation", op), _groups(groups, op)))


def _backward_weight(native, op, grad_output, input, weight_size, stride, padding, dilation, groups):
    return _wrap(native(_impl(grad_output, "grad_output", op), _impl(input, "input", op),
                        _ints(list(weight_size), "weight_size", op), _ints(stride, "stride", op),
                        _padding(padding, op), _ints(dilation, "dilation", op), _groups(groups, op)))


def _backward(native, op, grad_output, input, weight, stride, padding, dilation, groups, output_mask):
    return _wrap_grads(native(_impl(grad_output, "grad_output", op), _impl(input, "input", op),
                              _impl(weight, "weight", op), _ints(stride, "stride", op), _padding(padding, op),
                              _ints(dilation, "dilation", op), _groups(groups, op), _mask(output_mask)))


def conv2d_backward_input(grad_output, input_size, weight, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to an input of shape input_size."""
    return _backward_input(_C.conv2d_backward_input, "conv2d_backward_input", grad_output, input_size, weight,
                           stride, padding, dilation, groups)


def conv2d_backward_weight(grad_output, input, weight_size, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to a weight of shape weight_size."""
    return _backward_weight(_C.conv2d_backward_weight, "conv2d_backward_weight", grad_output, input, weight_size,
                            stride, padding, dilation, groups)


def conv2d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1,
                    output_mask=(True, True, True)):
    """(grad_input, grad_weight, grad_bias) of conv2d; entries output_mask leaves out are None."""
    return _backward(_C.conv2d_backward, "conv2d_backward", grad_output, input, weight, stride, padding, dilation,
                     groups, output_mask)


def conv1d_backward_input(grad_output, input_size, weight, stride=1, padding=0, dilation=1, groups=1):
    return _backward_input(_C.conv1d_backward_input, "conv1d_backward_input", grad_output, input_size, weight,
                           stride, padding, dilation, groups)


def conv1d_backward_weight(grad_output, input, weight_size, stride=1, padding=0, dilation=1, groups=1):
    return _backward_weight(_C.conv1d_backward_weight, "conv1d_backward_weight", grad_output, input, weight_size,
                            stride, padding, dilation, groups)


def conv1d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1,
                    output_mask=(True, True, True)):
    return _backward(_C.conv1d_backward, "conv1d_backward", grad_output, input, weight, stride, padding, dilation,
                     groups, output_mask)


def _transpose_backward(native, op, grad_output, input, weight, stride, padding, output_padding, groups, dilation,
                        output_mask):
    return _wrap_grads(native(_impl(grad_output, "grad_output", op), _impl(input, "input", op),
                              _impl(weight, "weight", op), _ints(stride, "stride", op),
                              _ints(padding, "padding", op), _ints(output_padding, "output_padding", op),
                              _groups(groups, op), _ints(dilation, "dilation", op), _mask(output_mask)))


def conv_transpose2d_backward(grad_output, input, weight, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, output_mask=(True, True, True)):
    """(grad_input, grad_weight, grad_bias) of conv_transpose2d."""
    return _transpose_backward(_C.conv_transpose2d_backward, "conv_transpose2d_backward", grad_output, input,
                               weight, stride, padding, output_padding, groups, dilation, output_mask)


def conv_transpose1d_backward(grad_output, input, weight, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, output_mask=(True, True, True)):
    return _transpose_backward(_C.conv_transpose1d_backward, "conv_transpose1d_backward", grad_output, input,
                               weight, stride, padding, output_padding, groups, dilation, output_mask)


def conv3d_backward_input(grad_output, input_size, weight, stride=1, padding=0, dilation=1, groups=1):
    return _backward_input(_C.conv3d_backward_input, "conv3d_backward_input", grad_output, input_size, weight,
                           stride, padding, dilation, groups)


def conv3d_backward_weight(grad_output, input, weight_size, stride=1, padding=0, dilation=1, groups=1):
    return _backward_weight(_C.conv3d_backward_weight, "conv3d_backward_weight", grad_output, input, weight_size,
                            stride, padding, dilation, groups)


def conv3d_backward(grad_output, input, weight, stride=1, padding=0, dilation=1, groups=1,
                    output_mask=(True, True, True)):
    return _backward(_C.conv3d_backward, "conv3d_backward", grad_output, input, weight, stride, padding, dilation,
                     groups, output_mask)


def conv_transpose3d_backward(grad_output, input, weight, stride=1, padding=0, output_padding=0, groups=1,
                              dilation=1, output_mask=(True, True, True)):
    return _transpose_backward(_C.conv_transpose3d_backward, "conv_transpose3d_backward", grad_output, input,
                               weight, stride, padding, output_padding, groups, dilation, output_mask)
