"""Batch, layer and group norm with PyTorch's functional signatures (ember.nn.functional), the
top-level ember.batch_norm / layer_norm / group_norm in torch's argument order, and the private
forward-with-statistics and backward wrappers the autograd layer calls."""
import numbers
import weakref

from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace, op as _top_level_op

op = namespace("nn.functional")

__all__ = ["batch_norm", "layer_norm", "group_norm"]


def _t(x, op, name):
    """The native tensor of an optional tensor argument."""
    if x is None:
        return None
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x._impl


def _shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return [int(normalized_shape)]
    return [int(s) for s in normalized_shape]


def _momentum(momentum):
    if momentum is None:
        raise TypeError("batch_norm(): momentum must be a float; a cumulative moving average "
                        "(momentum=None) is kept by the BatchNorm module, which passes 1 / num_batches_tracked")
    return float(momentum)


def _maybe(x):
    return None if x is None else _wrap(x)


# The statistics of the latest batch (training), layer or group norm forward whose operands
# require grad: the kernel computes them anyway, and the autograd rule's setup, which runs right
# after that forward, takes them (take_saved_stats) so that backward need not compute them again.
# Keyed by a weak reference to the output (a forward under no_grad keeps nothing big alive, and a
# setup never takes another output's statistics); every recorded forward overwrites the entry
# before its own setup reads it.
_saved_stats = None  # (weak reference to the output's native tensor, mean, rstd)


def _output_keeping_stats(result):
    global _saved_stats
    out, mean, rstd = result
    _saved_stats = (weakref.ref(out), mean, rstd)
    return _wrap(out)


def take_saved_stats(output):
    """(mean, rstd) of the forward that made `output`, if it was the latest one that kept them;
    else None. Clears the entry."""
    global _saved_stats
    saved, _saved_stats = _saved_stats, None
    if saved is None or saved[0]() is not output._impl:
        return None
    return _wrap(saved[1]), _wrap(saved[2])


@op
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-05):
    """Normalizes each channel (dim 1) of an (N, C, *) input. In training it uses the batch's
    statistics and updates running_mean / running_var in place (when given); in eval it uses them."""
    op = "batch_norm"
    args = (_t(input, op, "input"), _t(running_mean, op, "running_mean"), _t(running_var, op, "running_var"),
            _t(weight, op, "weight"), _t(bias, op, "bias"), bool(training), _momentum(momentum), float(eps))
    # in training, backward needs the batch's statistics: kept for the rule as layer_norm's are
    if training and (input._node is not None or (weight is not None and weight._node is not None) or
                     (bias is not None and bias._node is not None)):
        return _output_keeping_stats(_C.native_batch_norm(*args))
    return _wrap(_C.batch_norm(*args))


@op
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    op = "layer_norm"
    x, shape, w, b = _t(input, op, "input"), _shape(normalized_shape), _t(weight, op, "weight"), _t(bias, op, "bias")
    # (spelled out: this runs on every call, and a generator over the operands costs a microsecond)
    if input._node is not None or (weight is not None and weight._node is not None) or \
            (bias is not None and bias._node is not None):
        return _output_keeping_stats(_C.native_layer_norm(x, shape, w, b, float(eps)))
    return _wrap(_C.layer_norm(x, shape, w, b, float(eps)))


@op
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    op = "group_norm"
    x, w, b = _t(input, op, "input"), _t(weight, op, "weight"), _t(bias, op, "bias")
    if input._node is not None or (weight is not None and weight._node is not None) or \
            (bias is not None and bias._node is not None):
        return _output_keeping_stats(_C.native_group_norm(x, int(num_groups), w, b, float(eps)))
    return _wrap(_C.group_norm(x, int(num_groups), w, b, float(eps)))


# ---- top level, in torch's argument order --------------------------------------------------------
@_top_level_op("batch_norm")
def _batch_norm_top(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    return batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


@_top_level_op("layer_norm")
def _layer_norm_top(input, normalized_shape, weight=None, bias=None, eps=1e-05, cudnn_enable=True):
    return layer_norm(input, normalized_shape, weight, bias, eps)


@_top_level_op("group_norm")
def _group_norm_top(input, num_groups, weight=None, bias=None, eps=1e-05, cudnn_enabled=True):
    return group_norm(input, num_groups, weight, bias, eps)


_batch_norm_top.__name__ = _batch_norm_top.__qualname__ = "batch_norm"
_layer_norm_top.__name__ = _layer_norm_top.__qualname__ = "layer_norm"
_group_norm_top.__name__ = _group_norm_top.__qualname__ = "group_norm"


# ---- private: forward with saved statistics, and the backward kernels ---------------------------
def native_batch_norm(input, running_mean, running_var, weight, bias, training, momentum=0.1, eps=1e-05):
    """(output, save_mean, save_invstd): the statistics batch_norm_backward takes."""
    op = "batch_norm"
    out, mean, invstd = _C.native_batch_norm(
        _t(input, op, "input"), _t(running_mean, op, "running_mean"), _t(running_var, op, "running_var"),
        _t(weight, op, "weight"), _t(bias, op, "bias"), bool(training), _momentum(momentum), float(eps))
    return _wrap(out), _wrap(mean), _wrap(invstd)


def batch_norm_backward(grad_output, input, weight, save_mean, save_invstd, training,
                        output_mask=(True, True, True)):
    """(grad_input, grad_weight, grad_bias), None where output_mask is False."""
    op = "batch_norm_backward"
    r = _C.batch_norm_backward(_t(grad_output, op, "grad_output"), _t(input, op, "input"), _t(weight, op, "weight"),
                               _t(save_mean, op, "save_mean"), _t(save_invstd, op, "save_invstd"), bool(training),
                               list(output_mask))
    return tuple(_maybe(x) for x in r)


def native_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """(output, mean, rstd); mean/rstd keep the leading dims, size 1 on the normalized ones."""
    op = "layer_norm"
    r = _C.native_layer_norm(_t(input, op, "input"), _shape(normalized_shape), _t(weight, op, "weight"),
                             _t(bias, op, "bias"), float(eps))
    return tuple(_wrap(x) for x in r)


def layer_norm_backward(grad_output, input, normalized_shape, mean, rstd, weight=None,
                        output_mask=(True, True, True)):
    op = "layer_norm_backward"
    r = _C.layer_norm_backward(_t(grad_output, op, "grad_output"), _t(input, op, "input"), _shape(normalized_shape),
                               _t(mean, op, "mean"), _t(rstd, op, "rstd"), _t(weight, op, "weight"), list(output_mask))
    return tuple(_maybe(x) for x in r)


def native_group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """(output, mean, rstd) with mean/rstd of shape (N, num_groups)."""
    op = "group_norm"
    r = _C.native_group_norm(_t(input, op, "input"), int(num_groups), _t(weight, op, "weight"),
                             _t(bias, op, "bias"), float(eps))
    return tuple(_wrap(x) for x in r)


def group_norm_backward(grad_output, input, num_groups, mean, rstd, weight=None, output_mask=(True, True, True)):
    op = "group_norm_backward"
    r = _C.group_norm_backward(_t(grad_output, op, "grad_output"), _t(input, op, "input"), int(num_groups),
                               _t(mean, op, "mean"), _t(rstd, op, "rstd"), _t(weight, op, "weight"),
                               list(output_mask))
    return tuple(_maybe(x) for x in r)
