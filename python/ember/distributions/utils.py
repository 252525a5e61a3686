"""Helpers shared by the distributions: broadcasting of parameters, probabilities and logits,
floating-point limits per dtype, and the cached-property decorator the classes use."""
import collections
import functools
import math
import numbers

import ember

_Limits = collections.namedtuple("_Limits", "eps tiny max")
_LIMITS = {
    ember.float16: _Limits(0.0009765625, 6.103515625e-05, 65504.0),
    ember.bfloat16: _Limits(0.0078125, 1.1754943508222875e-38, 3.3895313892515355e38),
    ember.float32: _Limits(1.1920928955078125e-07, 1.1754943508222875e-38, 3.4028234663852886e38),
    ember.float64: _Limits(2.220446049250313e-16, 2.2250738585072014e-308, 1.7976931348623157e308),
}

euler_constant = 0.57721566490153286060


def finfo(dtype):
    """eps, tiny and max of a floating dtype (ember has no ember.finfo of its own)."""
    try:
        return _LIMITS[dtype]
    except KeyError:
        raise TypeError(f"finfo: expected a floating dtype, got {dtype}") from None


def _is_number(x):
    return isinstance(x, numbers.Number) and not isinstance(x, bool)


def broadcast_all(*values):
    """The values as tensors of one broadcast shape. Numbers take the dtype of the tensors
    among the values (float32 when there are none)."""
    for v in values:
        if not isinstance(v, ember.Tensor) and not isinstance(v, numbers.Number):
            raise ValueError("Input arguments must all be instances of numbers.Number, "
                             f"ember.Tensor or objects implementing __torch_function__, got {type(v).__name__}")
    tensors = [v for v in values if isinstance(v, ember.Tensor)]
    if len(tensors) < len(values):
        dtype = tensors[0].dtype if tensors else ember.float32
        values = [v if isinstance(v, ember.Tensor) else ember.tensor(float(v), dtype=dtype) for v in values]
    return tuple(ember.broadcast_tensors(*values))


def _standard_normal(shape, dtype, generator=None):
    return ember.randn(*shape, dtype=dtype, generator=generator) if len(shape) else \
        ember.randn((), dtype=dtype, generator=generator)


def _flatten_rightmost(value, dim):
    """value with its `dim` rightmost dims flattened into one (an explicit size, as reshape's
    -1 is ambiguous for zero-size tensors)."""
    cut = value.dim() - dim
    return value.reshape(tuple(value.shape[:cut]) + (math.prod(value.shape[cut:]),))


def _sum_rightmost(value, dim):
    """Sums out the `dim` rightmost dims of value."""
    if dim == 0:
        return value
    return _flatten_rightmost(value, dim).sum(-1)


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, -1)


def clamp_probs(probs):
    """probs clamped into [eps, 1 - eps] of their dtype: log and log1p of the result are finite."""
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    """Logits whose (sigmoid | softmax) are probs: log-odds for binary, log-probabilities else."""
    clamped = clamp_probs(probs)
    if is_binary:
        return ember.log(clamped) - ember.log1p(-clamped)
    return ember.log(clamped)


class lazy_property:
    """A property computed on first access and stored on the instance, so parameters given as
    probs compute their logits only when asked (and the other way round)."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return _lazy_property_and_property(self.wrapped)
        with ember.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


class _lazy_property_and_property(lazy_property, property):
    """What a lazy_property looks like on the class: a property too, for introspection."""

    def __init__(self, wrapped):
        property.__init__(self, wrapped)
        lazy_property.__init__(self, wrapped)
