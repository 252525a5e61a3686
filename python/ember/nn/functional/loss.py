"""Loss functions with PyTorch's signatures (ember.nn.functional.cross_entropy, mse_loss, ...).

Each calls one native op; the `*_backward` functions at the end are the gradients the autograd
layer wires to them. The deprecated `size_average` / `reduce` arguments are honoured like
PyTorch's (with its warning), and a `weight` for mse/l1/huber is applied here, as PyTorch does.
"""

from ... import _C
from ... import _warnings
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss",
           "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"]


def _reduction(size_average, reduce, reduction):
    """PyTorch's legacy rule: size_average and reduce, when given, decide the reduction."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    _warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{result}' "
                   "instead.")
    return result


def _tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x._impl


def _optional(x, op, name):
    return None if x is None else _tensor(x, op, name)


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        _warnings.warn(f"Using a target size ({target.shape}) that is different to the input size "
                       f"({input.shape}). This will likely lead to incorrect results due to "
                       "broadcasting. Please ensure they have the same size.")


def _weighted(op, input, target, weight, reduction, per_element, mean_by_weight):
    """PyTorch's weighted mse/l1/huber: the unreduced loss times `weight` (input-shaped), then
    reduced; 'mean' divides by the sum of weights (mse, l1) or the count (huber)."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"{op}: weights and input must have the same size, got {list(weight.shape)} "
                         f"and {list(input.shape)}")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    loss = per_element() * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / weight.sum() if mean_by_weight else loss.mean()


@op
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    i, t = _tensor(input, "mse_loss", "input"), _tensor(target, "mse_loss", "target")
    if weight is not None:
        return _weighted("mse_loss", input, target, weight, reduction,
                         lambda: _wrap(_C.mse_loss(i, t, "none")), mean_by_weight=True)
    return _wrap(_C.mse_loss(i, t, reduction))


@op
def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    i, t = _tensor(input, "l1_loss", "input"), _tensor(target, "l1_loss", "target")
    if weight is not None:
        return _weighted("l1_loss", input, target, weight, reduction,
                         lambda: _wrap(_C.l1_loss(i, t, "none")), mean_by_weight=True)
    return _wrap(_C.l1_loss(i, t, reduction))


@op
def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    _warn_size(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    return _wrap(_C.smooth_l1_loss(_tensor(input, "smooth_l1_loss", "input"),
                                   _tensor(target, "smooth_l1_loss", "target"), reduction, float(beta)))


@op
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    _warn_size(input, target)
    i, t = _tensor(input, "huber_loss", "input"), _tensor(target, "huber_loss", "target")
    if weight is not None:
        return _weighted("huber_loss", input, target, weight, reduction,
                         lambda: _wrap(_C.huber_loss(i, t, "none", float(delta))), mean_by_weight=False)
    return _wrap(_C.huber_loss(i, t, reduction, float(delta)))


@op
def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    op = "binary_cross_entropy"
    return _wrap(_C.binary_cross_entropy(_tensor(input, op, "input"), _tensor(target, op, "target"),
                                         _optional(weight, op, "weight"), reduction))


@op
def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    op = "binary_cross_entropy_with_logits"
    return _wrap(_C.binary_cross_entropy_with_logits(
        _tensor(input, op, "input"), _tensor(target, op, "target"), _optional(weight, op, "weight"),
        _optional(pos_weight, op, "pos_weight"), reduction))


@op
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    reduction = _reduction(size_average, reduce, reduction)
    return _wrap(_C.kl_div(_tensor(input, "kl_div", "input"), _tensor(target, "kl_div", "target"),
                           reduction, bool(log_target)))


@op
def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    return _wrap(_C.nll_loss(_tensor(input, "nll_loss", "input"), _tensor(target, "nll_loss", "target"),
                             _optional(weight, "nll_loss", "weight"), reduction, int(ignore_index)))


@op
def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    op = "cross_entropy"
    return _wrap(_C.cross_entropy(_tensor(input, op, "input"), _tensor(target, op, "target"),
                                  _optional(weight, op, "weight"), reduction, int(ignore_index),
                                  float(label_smoothing)))


# ---- backward ops (for the autograd layer) --------------------------------------------------

def _wrap_all(results):
    return tuple(None if r is None else _wrap(r) for r in results)


def mse_loss_backward(grad, input, target, reduction):
    return _wrap_all(_C.mse_loss_backward(grad._impl, input._impl, target._impl, reduction))


def l1_loss_backward(grad, input, target, reduction):
    return _wrap_all(_C.l1_loss_backward(grad._impl, input._impl, target._impl, reduction))


def smooth_l1_loss_backward(grad, input, target, reduction, beta):
    return _wrap_all(_C.smooth_l1_loss_backward(grad._impl, input._impl, target._impl, reduction, float(beta)))


def huber_loss_backward(grad, input, target, reduction, delta):
    return _wrap_all(_C.huber_loss_backward(grad._impl, input._impl, target._impl, reduction, float(delta)))


def binary_cross_entropy_backward(grad, input, target, weight, reduction):
    return _wrap_all(_C.binary_cross_entropy_backward(grad._impl, input._impl, target._impl,
                                                      None if weight is None else weight._impl, reduction))


def binary_cross_entropy_with_logits_backward(grad, input, target, weight, pos_weight, reduction):
    return _wrap_all(_C.binary_cross_entropy_with_logits_backward(
        grad._impl, input._impl, target._impl, None if weight is None else weight._impl,
        None if pos_weight is None else pos_weight._impl, reduction))


def kl_div_backward(grad, input, target, reduction, log_target):
    return _wrap_all(_C.kl_div_backward(grad._impl, input._impl, target._impl, reduction, bool(log_target)))


def nll_loss_backward(grad, input, target, weight, reduction, ignore_index):
    return _wrap(_C.nll_loss_backward(grad._impl, input._impl, target._impl,
                                      None if weight is None else weight._impl, reduction, int(ignore_index)))


def cross_entropy_backward(grad, input, target, weight, reduction, ignore_index, label_smoothing):
    """(grad_input, grad_target): grad_target is None for class-index targets."""
    return _wrap_all(_C.cross_entropy_backward(grad._impl, input._impl, target._impl,
                                               None if weight is None else weight._impl, reduction,
                                               int(ignore_index), float(label_smoothing)))
