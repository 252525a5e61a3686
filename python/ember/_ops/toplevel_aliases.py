"""torch's top-level spellings of functions that ember defines elsewhere.

- In-place functions (`torch.abs_(x)`, `torch.clamp_(x, 0, 1)`, `torch.zero_(x)`): the Tensor
  methods themselves, bound as module functions (the same ops, so grad recording and tracing
  see them under their method names).
- nn.functional ops that torch also exposes at top level with F's signature (`torch.celu`,
  `torch.pixel_shuffle`, `torch.cosine_similarity`): the F functions themselves.
- Those whose top-level signature differs from F's: the ATen form, where losses take
  `reduction` as an int (0 none, 1 mean, 2 sum; the strings work too), dropouts take
  `(input, p, train)` and instance_norm/native_* take every argument positionally. These are
  composites over the F functions.
"""
import math

from .. import _C
from .._op_layer import op
from .._tensor import Tensor
from ..nn import functional as F
from ..nn.functional.dropouts import _ALPHA, _dropout_with_mask

_INPLACE_METHODS = [
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
    "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_",
    "cosh_", "deg2rad_", "detach_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_",
    "frac_", "index_put_", "log10_", "log1p_", "log2_", "log_", "nan_to_num_", "neg_", "negative_",
    "rad2deg_", "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_",
    "tanh_", "trunc_", "xlogy_", "zero_", "detach"]

_SAME_AS_F = ["celu", "celu_", "selu", "selu_", "relu_", "prelu", "threshold", "threshold_", "bilinear",
              "pixel_shuffle", "pixel_unshuffle", "pairwise_distance", "cosine_similarity", "hardshrink",
              "rms_norm", "rrelu", "rrelu_", "pdist"]

for _name in _INPLACE_METHODS:
    globals()[_name] = getattr(Tensor, _name)
for _name in _SAME_AS_F:
    globals()[_name] = getattr(F, _name)

__all__ = _INPLACE_METHODS + _SAME_AS_F + [
    "fill", "margin_ranking_loss", "hinge_embedding_loss", "kl_div", "poisson_nll_loss", "triplet_margin_loss",
    "cosine_embedding_loss", "binary_cross_entropy_with_logits", "instance_norm", "constant_pad_nd",
    "adaptive_max_pool1d", "alpha_dropout_", "feature_dropout", "feature_dropout_", "feature_alpha_dropout",
    "feature_alpha_dropout_", "dropout_", "embedding_renorm_", "native_layer_norm", "native_batch_norm"]


@op
def fill(input, value):
    """torch.fill: a new tensor of input's shape and dtype holding `value` (a number or a 0-dim
    tensor, through which the gradient flows)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fill(): argument 'input' must be Tensor, not {type(input).__name__}")
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise _C.ArgumentError(f"fill() only supports 0-dimension value tensor but got tensor with "
                                   f"{value.dim()} dimensions.")
        return value.to(input.dtype).expand(input.shape).clone()
    # where() rather than full_like, so that the result is in the graph (with a zero gradient
    # to input) when input requires grad, as torch's is
    from .creation import full_like, ones_like
    from .elementwise import where
    return where(ones_like(input, dtype=_C.dtype.bool), full_like(input, value), input)


# ---- losses with ATen's integer reduction ----------------------------------------------------

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(reduction, name):
    if isinstance(reduction, str):
        return reduction
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}(): reduction must be 0 (none), 1 (mean) or 2 (sum), got {reduction!r}")
    return _REDUCTIONS[reduction]


@op
def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.margin_ranking_loss(input1, input2, target, margin=margin,
                                 reduction=_reduction(reduction, "margin_ranking_loss"))


@op
def hinge_embedding_loss(input, target, margin=1.0, reduction=1):
    return F.hinge_embedding_loss(input, target, margin=margin, reduction=_reduction(reduction, "hinge_embedding_loss"))


@op
def kl_div(input, target, reduction=1, *, log_target=False):
    return F.kl_div(input, target, reduction=_reduction(reduction, "kl_div"), log_target=log_target)


@op
def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input=log_input, full=full, eps=eps,
                              reduction=_reduction(reduction, "poisson_nll_loss"))


@op
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, reduction=1):
    return F.triplet_margin_loss(anchor, positive, negative, margin=margin, p=p, eps=eps, swap=swap,
                                 reduction=_reduction(reduction, "triplet_margin_loss"))


@op
def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=1):
    return F.cosine_embedding_loss(input1, input2, target, margin=margin,
                                   reduction=_reduction(reduction, "cosine_embedding_loss"))


@op
def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return F.binary_cross_entropy_with_logits(input, target, weight=weight, pos_weight=pos_weight,
                                              reduction=_reduction(reduction, "binary_cross_entropy_with_logits"))


# ---- normalization and padding in ATen's argument order --------------------------------------

@op
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum, eps, cudnn_enabled):
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


@op
def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """(layer_norm(input), mean, 1/std): the statistics over the normalized dims, kept as size-1
    dims, as ATen returns them for the backward pass."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    dims = tuple(range(input.dim() - len(normalized_shape), input.dim()))
    out = F.layer_norm(input, list(normalized_shape), weight, bias, eps)
    mean = input.mean(dim=dims, keepdim=True)
    rstd = ((input - mean) ** 2).mean(dim=dims, keepdim=True).add(eps).rsqrt()
    return out, mean, rstd


@op
def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """(batch_norm(input), batch mean, 1/batch std): the saved statistics per channel when
    training, empty tensors otherwise (as ATen's CPU kernel)."""
    if not training:
        # written out, so that the gradient reaches the running statistics too, as ATen's does
        from .creation import empty
        shape = [1, -1] + [1] * (input.dim() - 2)
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
        if weight is not None:
            out = out * weight.reshape(shape)
        if bias is not None:
            out = out + bias.reshape(shape)
        return out, empty(0, dtype=input.dtype), empty(0, dtype=input.dtype)
    out = F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
    dims = (0,) + tuple(range(2, input.dim()))
    mean = input.mean(dim=dims)
    shape = [1, -1] + [1] * (input.dim() - 2)
    var = ((input - mean.reshape(shape)) ** 2).mean(dim=dims)
    return out, mean, var.add(eps).rsqrt()


@op
def constant_pad_nd(input, pad, value=0):
    return F.pad(input, list(pad), mode="constant", value=value)


@op
def adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: (values, indices), always both."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# ---- dropouts as torch.<name>(input, p, train) -----------------------------------------------

def _check_dropout(input, p, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_shape(input, name):
    if input.dim() < 2:
        raise _C.ShapeError(f"{name}: Feature dropout requires at least 2 dimensions in the input, "
                            f"got a {input.dim()}D input")
    return list(input.shape[:2]) + [1] * (input.dim() - 2)


def _dropout(input, p, train, *, alpha, feature, name):
    _check_dropout(input, p, name)
    if not train or p == 0 or input.numel() == 0:
        return input
    mask_shape = _feature_shape(input, name) if feature else None
    if not alpha:
        if p == 1:
            return input * 0.0
        return _dropout_with_mask(input, p, mask_shape=mask_shape)[0]
    if p == 1:
        return input * 0.0
    _, mask = _dropout_with_mask(input, p, mask_shape=mask_shape)
    keep = mask.to(input.dtype)
    # SELU's fixed point: dropped values go to -alpha', then a * x + b restores mean and variance
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    return input * keep * a + ((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p)


def _in_place(input, out):
    if out is not input:
        input.copy_(out)
    return input


@op
def feature_dropout(input, p, train):
    return _dropout(input, p, train, alpha=False, feature=True, name="feature_dropout")


@op
def feature_alpha_dropout(input, p, train):
    return _dropout(input, p, train, alpha=True, feature=True, name="feature_alpha_dropout")


@op
def dropout_(input, p, train):
    return _in_place(input, _dropout(input, p, train, alpha=False, feature=False, name="dropout_"))


@op
def alpha_dropout_(input, p, train):
    return _in_place(input, _dropout(input, p, train, alpha=True, feature=False, name="alpha_dropout_"))


@op
def feature_dropout_(input, p, train):
    return _in_place(input, _dropout(input, p, train, alpha=False, feature=True, name="feature_dropout_"))


@op
def feature_alpha_dropout_(input, p, train):
    return _in_place(input, _dropout(input, p, train, alpha=True, feature=True, name="feature_alpha_dropout_"))


@op
def embedding_renorm_(input, indices, max_norm, norm_type):
    """Rescales, in place, the rows of the embedding table `input` named in `indices` whose
    norm exceeds max_norm down to max_norm (as F.embedding's max_norm does). Not recorded by
    autograd, as in torch."""
    from ..autograd.grad_mode import no_grad
    from .creation import ones_like
    if not isinstance(input, Tensor) or input.dim() != 2:
        raise _C.ShapeError(f"embedding_renorm_(): expected a 2-D weight, got "
                            f"{'a ' + str(input.dim()) + '-D tensor' if isinstance(input, Tensor) else type(input).__name__}")
    if indices.is_floating_point():
        raise _C.DTypeError(f"embedding_renorm_(): indices must be an integer tensor, got {indices.dtype}")
    with no_grad():
        rows = indices.reshape(-1).unique()
        if rows.numel() == 0:
            return input
        selected = input.index_select(0, rows)
        norms = selected.norm(p=norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, ones_like(norms))
        input.index_copy_(0, rows, selected * scale)
    return input
