"""Activation functions with PyTorch's functional names and arguments (ember.nn.functional),
their in-place forms, and the private backward wrappers the autograd layer calls."""
from ... import _C
from ..._ops.elementwise import sigmoid, tanh
from ..._ops.reduce import log_softmax, softmax
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["gelu", "silu", "softplus", "elu", "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu",
           "leaky_relu_", "hardtanh", "hardtanh_", "relu6", "mish", "hardswish", "hardsigmoid", "logsigmoid",
           "softsign", "tanhshrink", "threshold", "threshold_", "relu", "relu_", "sigmoid", "tanh", "softmax",
           "log_softmax"]


def _impl(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input._impl


def _inplace(input, op, *params):
    _C.activation_(_impl(input, op), op, [float(p) for p in params])
    return input


@op
def gelu(input, approximate="none"):
    return _wrap(_C.gelu(_impl(input, "gelu"), approximate))


@op
def silu(input, inplace=False):
    if inplace:
        return _inplace(input, "silu")
    return _wrap(_C.silu(_impl(input, "silu")))


@op
def softplus(input, beta=1.0, threshold=20.0):
    return _wrap(_C.softplus(_impl(input, "softplus"), float(beta), float(threshold)))


@op
def elu(input, alpha=1.0, inplace=False):
    if inplace:
        return _inplace(input, "elu", alpha)
    return _wrap(_C.elu(_impl(input, "elu"), float(alpha)))


@op
def elu_(input, alpha=1.0):
    return _inplace(input, "elu", alpha)


@op
def selu(input, inplace=False):
    if inplace:
        return _inplace(input, "selu")
    return _wrap(_C.selu(_impl(input, "selu")))


@op
def selu_(input):
    return _inplace(input, "selu")


@op
def celu(input, alpha=1.0, inplace=False):
    if inplace:
        return _inplace(input, "celu", alpha)
    return _wrap(_C.celu(_impl(input, "celu"), float(alpha)))


@op
def celu_(input, alpha=1.0):
    return _inplace(input, "celu", alpha)


@op
def leaky_relu(input, negative_slope=0.01, inplace=False):
    if inplace:
        return _inplace(input, "leaky_relu", negative_slope)
    return _wrap(_C.leaky_relu(_impl(input, "leaky_relu"), float(negative_slope)))


@op
def leaky_relu_(input, negative_slope=0.01):
    return _inplace(input, "leaky_relu", negative_slope)


@op
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if inplace:
        return hardtanh_(input, min_val, max_val)
    return _wrap(_C.hardtanh(_impl(input, "hardtanh"), min_val, max_val))


@op
def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return _inplace(input, "hardtanh", min_val, max_val)


@op
def relu6(input, inplace=False):
    if inplace:
        return _inplace(input, "relu6")
    return _wrap(_C.relu6(_impl(input, "relu6")))


@op
def mish(input, inplace=False):
    if inplace:
        return _inplace(input, "mish")
    return _wrap(_C.mish(_impl(input, "mish")))


@op
def hardswish(input, inplace=False):
    if inplace:
        return _inplace(input, "hardswish")
    return _wrap(_C.hardswish(_impl(input, "hardswish")))


@op
def hardsigmoid(input, inplace=False):
    if inplace:
        return _inplace(input, "hardsigmoid")
    return _wrap(_C.hardsigmoid(_impl(input, "hardsigmoid")))


@op
def logsigmoid(input):
    return _wrap(_C.logsigmoid(_impl(input, "logsigmoid")))


@op
def softsign(input):
    return _wrap(_C.softsign(_impl(input, "softsign")))


@op
def tanhshrink(input):
    return _wrap(_C.tanhshrink(_impl(input, "tanhshrink")))


@op
def threshold(input, threshold, value, inplace=False):
    if inplace:
        return _inplace(input, "threshold", threshold, value)
    return _wrap(_C.threshold(_impl(input, "threshold"), threshold, value))


@op
def threshold_(input, threshold, value):
    return _inplace(input, "threshold", threshold, value)


@op
def relu(input, inplace=False):
    if inplace:
        return _inplace(input, "relu")
    return _wrap(_C.relu(_impl(input, "relu")))


@op
def relu_(input):
    return _inplace(input, "relu")


# ---- backward kernels (private: the autograd layer wires them) --------------------------------
def _backward(name, *params):
    fn = getattr(_C, name)

    def backward(grad_output, input, *args):
        return _wrap(fn(grad_output._impl, input._impl, *(args or params)))
    backward.__name__ = name
    backward.__doc__ = f"grad_input of {name[:-len('_backward')]} from (grad_output, input, parameters)."
    return backward


gelu_backward = _backward("gelu_backward", "none")
silu_backward = _backward("silu_backward")
softplus_backward = _backward("softplus_backward", 1.0, 20.0)
elu_backward = _backward("elu_backward", 1.0)
selu_backward = _backward("selu_backward")
celu_backward = _backward("celu_backward", 1.0)
leaky_relu_backward = _backward("leaky_relu_backward", 0.01)
hardtanh_backward = _backward("hardtanh_backward", -1.0, 1.0)
relu6_backward = _backward("relu6_backward")
mish_backward = _backward("mish_backward")
hardswish_backward = _backward("hardswish_backward")
hardsigmoid_backward = _backward("hardsigmoid_backward")
logsigmoid_backward = _backward("logsigmoid_backward")
softsign_backward = _backward("softsign_backward")
tanhshrink_backward = _backward("tanhshrink_backward")
threshold_backward = _backward("threshold_backward")
relu_backward = _backward("relu_backward")
# These two take the forward's output in place of its input.
sigmoid_backward = _backward("sigmoid_backward")
tanh_backward = _backward("tanh_backward")
