"""nn.functional.linear_cross_entropy: cross_entropy of a linear map's output, with PyTorch's
signature. ember computes PyTorch's reference form, cross_entropy(linear(input, W), target);
`options` (PyTorch's chunking of the batch and the classes) is accepted and changes nothing
but memory in PyTorch, so the results are the same."""
import math

from ..._tensor import Tensor
from ..._op_layer import namespace
from .linear_maps import linear
from .loss import cross_entropy

op = namespace("nn.functional")

__all__ = ["linear_cross_entropy"]


@op
def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None, reduction="mean",
                         ignore_index=None, label_smoothing=0.0, options=None):
    """cross_entropy(linear(input, linear_weight, linear_bias), target): input (N, in) or (in,),
    linear_weight (C, d1, ..., dK, in) giving logits (N, C, d1, ..., dK)."""
    for name, x in (("input", input), ("linear_weight", linear_weight), ("target", target)):
        if not isinstance(x, Tensor):
            raise TypeError(f"linear_cross_entropy(): argument '{name}' must be Tensor, not {type(x).__name__}")
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got {linear_weight.dim()}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions (in_features), got "
                           f"{in_features} and {linear_weight.shape[-1]}, respectively")
    num_classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape {tuple(linear_weight.shape)} "
                           f"requires batched input, (N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batches, num_classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains probabilities")
    outputs = math.prod(out_features, start=num_classes)
    logits = linear(input, linear_weight.reshape(outputs, in_features),
                    None if linear_bias is None else linear_bias.reshape(outputs))
    return cross_entropy(logits.reshape(logits_shape), target, weight=weight,
                         ignore_index=-100 if ignore_index is None else ignore_index, reduction=reduction,
                         label_smoothing=label_smoothing)
