"""Activation ONNX ops, and Softmax / LogSoftmax / Hardmax in their pre-13 and 13+ forms."""
import ember
import ember.nn.functional as F

from ..registry import imports
from .common import axis


@imports("Relu")
def relu(node, x):
    return F.relu(x) if x.is_floating_point() else ember.clamp(x, min=0)


@imports("LeakyRelu")
def leaky_relu(node, x):
    return F.leaky_relu(x, node.attr("alpha", 0.01))


@imports("Elu")
def elu(node, x):
    return F.elu(x, node.attr("alpha", 1.0))


@imports("Celu")
def celu(node, x):
    return F.celu(x, node.attr("alpha", 1.0))


_SELU_ALPHA, _SELU_GAMMA = 1.67326319217681884765625, 1.05070102214813232421875


@imports("Selu")
def selu(node, x):
    alpha, gamma = node.attr("alpha", _SELU_ALPHA), node.attr("gamma", _SELU_GAMMA)
    if alpha == _SELU_ALPHA and gamma == _SELU_GAMMA:
        return F.selu(x)
    return gamma * ember.where(x > 0, x, alpha * ember.expm1(x))


@imports("Gelu")
def gelu(node, x):
    return F.gelu(x, approximate=node.attr("approximate", "none"))


@imports("HardSigmoid")
def hard_sigmoid(node, x):
    return ember.clamp(node.attr("alpha", 0.2) * x + node.attr("beta", 0.5), 0.0, 1.0)


@imports("HardSwish")
def hard_swish(node, x):
    return F.hardswish(x)


@imports("Softplus")
def softplus(node, x):
    # log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))
    return ember.clamp(x, min=0) + ember.log1p(ember.exp(-ember.abs(x)))


@imports("Softsign")
def softsign(node, x):
    return F.softsign(x)


@imports("Mish")
def mish(node, x):
    return F.mish(x)


@imports("PRelu")
def prelu(node, x, slope):
    return ember.where(x < 0, x * slope, x)


@imports("ThresholdedRelu")
def thresholded_relu(node, x):
    return ember.where(x > node.attr("alpha", 1.0), x, ember.zeros_like(x))


@imports("Swish")
def swish(node, x):
    return x * ember.sigmoid(node.attr("alpha", 1.0) * x)


@imports("Shrink")
def shrink(node, x):
    lambd, bias = node.attr("lambd", 0.5), node.attr("bias", 0.0)
    zero = ember.zeros_like(x)
    return ember.where(x < -lambd, x + bias, ember.where(x > lambd, x - bias, zero))


# ---- softmax family ---------------------------------------------------------------------------
def _along_axis(node, x, fn):
    """Runs fn(x, dim) with the axis rule of the node's opset: from 13 one axis (default -1);
    before, the input is seen as 2-D [prod(dims before axis), prod(the rest)] (default axis 1)."""
    if node.opset >= 13:
        return fn(x, axis(node.attr("axis", -1), x.ndim))
    a = axis(node.attr("axis", 1), x.ndim) if x.ndim else 0
    shape = x.shape
    rows = 1
    for d in shape[:a]:
        rows *= d
    return fn(x.reshape(rows, -1), 1).reshape(shape)


@imports("Softmax")
def softmax(node, x):
    return _along_axis(node, x, lambda t, dim: ember.softmax(t, dim))


@imports("LogSoftmax")
def log_softmax(node, x):
    return _along_axis(node, x, lambda t, dim: ember.log_softmax(t, dim))


@imports("Hardmax")
def hardmax(node, x):
    def one_hot_of_max(t, dim):
        # argmax takes the first of equal maxima, as ONNX asks
        index = ember.argmax(t, dim=dim, keepdim=True)
        return ember.zeros_like(t).scatter(dim, index, 1.0)
    return _along_axis(node, x, one_hot_of_max)


@imports("SwiGLU")
def swiglu(node, a, b):
    return a * ember.sigmoid(node.attr("alpha", 1.0) * a) * b
