"""pdist, multilabel_margin_loss, triplet_margin_with_distance_loss and conv_tbc with PyTorch's
signatures: composites of ember ops, differentiable through them."""
import numpy as np

import ember
from ..._tensor import Tensor
from ..._op_layer import namespace
from .composites import _norm, _reduce, _check_reduction, pairwise_distance
from .conv import conv1d

op = namespace("nn.functional")

__all__ = ["pdist", "multilabel_margin_loss", "triplet_margin_with_distance_loss", "conv_tbc"]


def _tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


@op
def pdist(input, p=2):
    """The p-norm distances between the rows of input (N, M), pair (i, j) for i < j in
    row-major order: N (N - 1) / 2 values."""
    _tensor(input, "pdist", "input")
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if not input.is_floating_point():
        raise ember.DTypeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got {p}")
    n = input.shape[0]
    first, second = np.triu_indices(n, 1)
    rows_i = input.index_select(0, ember.from_numpy(first.astype(np.int64)))
    rows_j = input.index_select(0, ember.from_numpy(second.astype(np.int64)))
    return _norm(rows_i - rows_j, float(p), 1)


@op
def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over target classes j and other classes i of max(0, 1 - (x[j] - x[i])), divided by
    the number of classes. A row of target lists its classes up to the first -1."""
    from .loss import _reduction
    reduction = _reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "multilabel_margin_loss")
    _tensor(input, "multilabel_margin_loss", "input")
    _tensor(target, "multilabel_margin_loss", "target")
    if target.is_floating_point() or target.dtype == ember.bool:
        raise ember.DTypeError(f"multilabel_margin_loss: expected target of dtype int64, got {target.dtype}")
    if input.dim() > 2 or list(input.shape) != list(target.shape):
        raise ValueError(f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input of "
                         f"size: {list(input.shape)} (expected 0-D, 1-D or 2-D input of target's shape)")
    batched = input.dim() == 2
    x = input if batched else input.reshape(1, -1)
    labels = target.reshape(x.shape).to(ember.int64).cpu().numpy()
    n, c = x.shape
    # how often each class is named before the row's first -1 (a repeat counts again)
    counts = np.zeros((n, c))
    for row, values in enumerate(labels):
        for v in values:
            if v < 0:
                break
            if v >= c:
                raise IndexError(f"multilabel_margin_loss: target index {v} out of range for {c} classes")
            counts[row, v] += 1
    named = ember.from_numpy(counts).to(device=x.device, dtype=x.dtype)
    others = ember.from_numpy((counts == 0).astype(np.float64)).to(device=x.device, dtype=x.dtype)
    # pairs (j named, i not named): max(0, 1 - x_j + x_i)
    margins = (1.0 - x.unsqueeze(2) + x.unsqueeze(1)).clamp(min=0)
    loss = (margins * named.unsqueeze(2) * others.unsqueeze(1)).sum((1, 2)) / max(c, 1)
    if not batched:
        loss = loss.reshape(())
    return _reduce(loss, reduction, "multilabel_margin_loss")


@op
def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """max(d(anchor, positive) - d(anchor, negative) + margin, 0) with the distance function
    d (pairwise_distance by default); swap uses min(d(a, n), d(p, n)) as the negative's."""
    for name, x in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _tensor(x, "triplet_margin_with_distance_loss", name)
    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: expected margin to be greater than 0, got {margin} "
                         f"instead")
    if not anchor.dim() == positive.dim() == negative.dim():
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.dim()}D, positive {positive.dim()}D, and negative "
                           f"{negative.dim()}D inputs")
    distance = distance_function if distance_function is not None else pairwise_distance
    d_positive = distance(anchor, positive)
    d_negative = distance(anchor, negative)
    if swap:
        d_negative = ember.minimum(d_negative, distance(positive, negative))
    loss = (margin + d_positive - d_negative).clamp(min=0)
    return _reduce(loss, reduction, "triplet_margin_with_distance_loss")


@op
def conv_tbc(input, weight, bias, pad=0):
    """A 1-D convolution of input (time, batch, in_channels) by weight (kernel, in_channels,
    out_channels) plus bias (out_channels), zero-padded by `pad` at both ends of time."""
    for name, x in (("input", input), ("weight", weight), ("bias", bias)):
        _tensor(x, "conv_tbc", name)
    if input.dim() != 3 or weight.dim() != 3 or bias.dim() != 1:
        raise RuntimeError(f"conv_tbc: expected a 3-D input, 3-D weight and 1-D bias, got shapes "
                           f"{list(input.shape)}, {list(weight.shape)} and {list(bias.shape)}")
    if input.shape[2] != weight.shape[1] or bias.shape[0] != weight.shape[2]:
        raise RuntimeError(f"conv_tbc: input {list(input.shape)} (time, batch, channels), weight "
                           f"{list(weight.shape)} (kernel, in, out) and bias {list(bias.shape)} do not match")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=int(pad))
    return out.permute(2, 0, 1)
