"""nn.functional.embedding_bag with PyTorch's semantics: sums, means or maxima of bags of
embedding rows, the bags given by offsets into a 1-D input or by the rows of a 2-D input.

A composite of gathering (index_select), index_add and a padded max, so the dense gradient to
the weight follows from those ops' gradients. padding_idx entries are left out of their bag
(a mean divides by the entries kept; an empty bag is zeros); scale_grad_by_freq divides each
row's gradient by how often the input names it, without changing the forward values.
"""
import ember
from ... import _C
from ..._tensor import Tensor
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["embedding_bag"]

_MODES = ("sum", "mean", "max")


def _check_tensor(x, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"embedding_bag(): argument '{name}' must be Tensor, not {type(x).__name__}")


def _bags(input, offsets, include_last_offset):
    """(indices, bag of each index, number of bags): the flat indices and, for each, its bag."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets of type Tensor")
        bags, length = input.shape
        bag_of = ember.arange(bags).repeat_interleave(length)
        return input.reshape(-1), bag_of, bags
    if offsets is None:
        raise ValueError("embedding_bag: offsets has to be a 1D Tensor but got None")
    _check_tensor(offsets, "offsets")
    if offsets.dim() != 1:
        raise ValueError(f"embedding_bag: offsets has to be a 1D Tensor, but got Tensor of dimension {offsets.dim()}")
    if offsets.is_floating_point() or offsets.dtype == ember.bool:
        raise ember.DTypeError(f"embedding_bag: expected offsets of an integer dtype, got {offsets.dtype}")
    starts = offsets.to(ember.int64)
    bags = starts.shape[0] - (1 if include_last_offset else 0)
    if include_last_offset and starts.shape[0] == 0:
        raise ValueError("embedding_bag: include_last_offset needs at least one offset")
    n = input.shape[0]
    if starts.shape[0] > 0:
        values = starts.tolist()
        if values[0] != 0:
            raise ValueError(f"embedding_bag: offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                             f"has to start from position 0. However, got {values[0]}")
        if any(b < a for a, b in zip(values, values[1:])) or values[-1] > n:
            raise ValueError(f"embedding_bag: offsets must be non-decreasing and at most the input size {n}, "
                             f"got {values}")
    if bags <= 0:  # no bags: no index is used
        return input[:0], ember.zeros(0, dtype=ember.int64), 0
    if n == 0:
        return input, ember.zeros(0, dtype=ember.int64), bags
    # The bag of position j: the last offset <= j. With include_last_offset the final offset
    # ends the last bag (it should be the input's size; positions past it belong to no bag).
    bag_of = ember.searchsorted(starts[:bags], ember.arange(n), right=True) - 1
    if include_last_offset:
        end = int(starts[-1].item())
        input, bag_of = input[:end], bag_of[:end]
    return input, bag_of, bags


def _scale_grad(rows, indices, num):
    """rows unchanged, but each row's gradient divided by the count of its index."""
    counts = ember.bincount(indices, minlength=num).to(rows.dtype)
    scale = (1.0 / counts.index_select(0, indices)).unsqueeze(1)
    frozen = rows.detach()
    return frozen + (rows - frozen) * scale


@op
def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode="mean",
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """(number of bags, embedding_dim): per bag, the sum, mean or max of its rows of weight."""
    _check_tensor(input, "input")
    _check_tensor(weight, "weight")
    if weight.dim() != 2:
        raise ValueError(f"embedding_bag: weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    if input.is_floating_point() or input.dtype == ember.bool:
        raise ember.DTypeError(f"embedding_bag: expected input of an integer dtype (int32 or int64), got {input.dtype}")
    if input.dim() not in (1, 2):
        raise ValueError(f"embedding_bag: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if mode not in _MODES:
        raise ValueError(f"embedding_bag: mode has to be one of sum, mean or max, got {mode!r}")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse gradients are not implemented")
    if scale_grad_by_freq and mode == "max":
        raise ValueError("embedding_bag: max mode does not support scaling the gradient by the frequency")
    num, dim = weight.shape
    if padding_idx is not None:
        padding_idx = int(padding_idx)
        if not -num <= padding_idx < num:
            raise ValueError(f"embedding_bag: padding_idx must be within the number of embeddings {num}, "
                             f"got {padding_idx}")
        padding_idx %= num
    if per_sample_weights is not None:
        _check_tensor(per_sample_weights, "per_sample_weights")
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}')")
        if list(per_sample_weights.shape) != list(input.shape):
            raise ValueError(f"embedding_bag: per_sample_weights of shape {list(per_sample_weights.shape)} must "
                             f"have the shape of input {list(input.shape)}")
        if per_sample_weights.dtype != weight.dtype:
            raise ember.DTypeError(f"embedding_bag: expected per_sample_weights of dtype {weight.dtype} (the "
                                   f"weight's), got {per_sample_weights.dtype}")
        per_sample_weights = per_sample_weights.reshape(-1)
    flat = input.reshape(-1).to(ember.int64)
    if flat.numel() and (int(flat.min().item()) < 0 or int(flat.max().item()) >= num):
        raise IndexError(f"embedding_bag: index out of range: indices must be in [0, {num}), got values in "
                         f"[{int(flat.min().item())}, {int(flat.max().item())}]")
    if max_norm is not None:
        _C.embedding_renorm_(weight._impl, flat._impl, float(max_norm), float(norm_type))

    indices, bag_of, bags = _bags(input.to(ember.int64) if input.dim() == 2 else flat, offsets, include_last_offset)
    if per_sample_weights is not None:
        per_sample_weights = per_sample_weights[:indices.shape[0]]
    if padding_idx is not None:
        keep = indices != padding_idx
        indices, bag_of = indices[keep], bag_of[keep]
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights[keep]
    rows = weight.index_select(0, indices)
    if scale_grad_by_freq and rows.shape[0]:
        rows = _scale_grad(rows, indices, num)
    if mode == "max":
        return _bag_max(rows, bag_of, bags, dim, weight)
    out = ember.zeros((bags, dim), dtype=weight.dtype, device=weight.device)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.unsqueeze(1)
    out = out.index_add(0, bag_of, rows)
    if mode == "mean":
        counts = ember.bincount(bag_of, minlength=bags).clamp(min=1).to(weight.dtype)
        out = out / counts.unsqueeze(1)
    return out


def _bag_max(rows, bag_of, bags, dim, weight):
    """Per bag the elementwise max of its rows (zeros for an empty bag): the rows placed in a
    (bags, longest bag, dim) block padded with -inf, maximised over the middle dim."""
    if rows.shape[0] == 0 or bags == 0:
        # all bags empty: zeros, still connected to the weight (a zero gradient, as PyTorch's)
        return ember.zeros((bags, dim), dtype=weight.dtype, device=weight.device) + rows.sum() * 0
    counts = ember.bincount(bag_of, minlength=bags)
    longest = int(counts.max().item())
    # the position of each row within its bag: its index minus where its bag starts
    starts = ember.cumsum(counts, 0) - counts
    position = ember.arange(rows.shape[0]) - starts.index_select(0, bag_of)
    block = ember.full((bags * longest, dim), float("-inf"), dtype=weight.dtype, device=weight.device)
    block = block.index_copy(0, bag_of * longest + position, rows)
    best = block.reshape(bags, longest, dim).max(1).values
    return ember.where(counts.unsqueeze(1) > 0, best, ember.zeros((), dtype=weight.dtype))
