"""The activations that sample: gumbel_softmax and rrelu (randomized leaky ReLU), with
PyTorch's signatures.

Both are composites: the random part (Gumbel noise, the slopes) is drawn once as a tensor
that is not differentiated, and the rest is ember ops, so the gradient of rrelu in training
uses exactly the slopes the forward drew.
"""
import ember
from ..._tensor import Tensor
from ..._op_layer import namespace
from .activation import leaky_relu

op = namespace("nn.functional")

__all__ = ["gumbel_softmax", "rrelu", "rrelu_"]


def _check(input, name, arg):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' must be Tensor, not {type(input).__name__}")
    if not input.is_floating_point():
        raise ember.DTypeError(f"{name}: expected a floating {arg}, got dtype {input.dtype}")


@op
def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """A sample of the Gumbel-softmax distribution over `dim`: softmax((logits + g) / tau) with
    g Gumbel(0, 1) noise. hard=True returns one-hot vectors whose gradient is the soft
    sample's (the straight-through estimator)."""
    _check(logits, "gumbel_softmax", "logits")
    # -log(Exp(1)) is Gumbel(0, 1)
    gumbels = -ember.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    y_hard = ember.zeros_like(logits).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def _rrelu(input, lower, upper, training):
    if not training:
        return leaky_relu(input, (lower + upper) / 2)
    slopes = ember.empty_like(input).uniform_(lower, upper)
    return ember.where(input >= 0, input, input * slopes)


@op
def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """x where x >= 0, else a * x: a drawn uniformly from [lower, upper] per element in
    training, the fixed (lower + upper) / 2 in evaluation."""
    _check(input, "rrelu", "input")
    if lower > upper:
        raise ValueError(f"rrelu: lower bound should be less than or equal to the upper bound, got lower={lower} "
                         f"and upper={upper}")
    out = _rrelu(input, float(lower), float(upper), training)
    return input.copy_(out) if inplace else out


@op
def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)
