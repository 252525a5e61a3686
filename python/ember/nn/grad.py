"""nn.grad: the gradients of the convolutions with respect to their input and their weight,
given the gradient of the output (torch.nn.grad's helpers).

Each is the gradient of the convolution itself, taken by autograd: a convolution is linear in
its input and in its weight, so the gradient at any point (zeros here) is the gradient.
"""
import ember
from ..autograd import grad as _grad, enable_grad
from . import functional as F

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input", "conv3d_weight"]


def _conv(dims):
    name = f"conv{dims}d"
    conv = getattr(F, name, None)
    if conv is None:
        raise NotImplementedError(f"nn.grad.{name}_*: ember.nn.functional.{name} is not available")
    return conv


def _input_grad(dims, input_size, weight, grad_output, stride, padding, dilation, groups):
    conv = _conv(dims)
    input_size = tuple(input_size)
    if len(input_size) not in (dims + 1, dims + 2):
        raise ValueError(f"conv{dims}d_input: input_size must have {dims + 2} entries (or {dims + 1} unbatched), "
                         f"got {list(input_size)}")
    with enable_grad():
        x = ember.zeros(input_size, dtype=grad_output.dtype, device=grad_output.device, requires_grad=True)
        out = conv(x, weight.detach(), None, stride, padding, dilation, groups)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise ValueError(f"conv{dims}d_input: grad_output of shape {list(grad_output.shape)} does not match the "
                             f"convolution's output shape {list(out.shape)}")
        return _grad(out, x, grad_output)[0]


def _weight_grad(dims, input, weight_size, grad_output, stride, padding, dilation, groups):
    conv = _conv(dims)
    with enable_grad():
        w = ember.zeros(tuple(weight_size), dtype=input.dtype, device=input.device, requires_grad=True)
        out = conv(input.detach(), w, None, stride, padding, dilation, groups)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise ValueError(f"conv{dims}d_weight: grad_output of shape {list(grad_output.shape)} does not match "
                             f"the convolution's output shape {list(out.shape)}")
        return _grad(out, w, grad_output)[0]


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to an input of shape input_size."""
    return _input_grad(1, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv1d with respect to a weight of shape weight_size."""
    return _weight_grad(1, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to an input of shape input_size."""
    return _input_grad(2, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv2d with respect to a weight of shape weight_size."""
    return _weight_grad(2, input, weight_size, grad_output, stride, padding, dilation, groups)


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d with respect to an input of shape input_size (needs F.conv3d)."""
    return _input_grad(3, input_size, weight, grad_output, stride, padding, dilation, groups)


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """The gradient of conv3d with respect to a weight of shape weight_size (needs F.conv3d)."""
    return _weight_grad(3, input, weight_size, grad_output, stride, padding, dilation, groups)
