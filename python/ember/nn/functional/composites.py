"""More of ember.nn.functional, with PyTorch's signatures: encodings, normalizations, shuffles,
im2col (unfold / fold) and the margin and likelihood losses.

Each function is a composite of existing ember ops (elementwise math, reductions, indexing,
reshapes), so a gradient follows from those ops' own gradients; none needs a kernel of its own.
"""
import math

import ember
from .loss import _reduction
from ..._tensor import Tensor
from ... import _warnings
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["one_hot", "normalize", "cosine_similarity", "pairwise_distance", "softmin", "glu",
           "prelu", "softshrink", "hardshrink", "rms_norm", "instance_norm", "local_response_norm",
           "pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "unfold", "fold",
           "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "poisson_nll_loss", "gaussian_nll_loss", "multi_margin_loss"]

_LOW_PRECISION = (ember.float16, ember.bfloat16)
# torch.finfo(dtype).eps of the floating types.
_FINFO_EPS = {ember.float16: 2.0 ** -10, ember.bfloat16: 2.0 ** -7, ember.float32: 2.0 ** -23,
              ember.float64: 2.0 ** -52}


def _tensor(x, op, name):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _float(x, op, name):
    _tensor(x, op, name)
    if not x.is_floating_point():
        raise ember.DTypeError(f"{op}: expected {name} to be a floating tensor, but got dtype {x.dtype}")
    return x


def _reduce(loss, reduction, op):
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def _check_reduction(reduction, op):
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{op}: {reduction} is not a valid value for reduction")


def _norm(x, p, dim, keepdim=False):
    """The p-norm along `dim`, accumulated in float32 for the 16-bit types (as PyTorch does)."""
    # linalg.vector_norm rather than sqrt(sum(x * x)): its gradient at a zero vector is 0, as
    # PyTorch's, where the composite's would be 0 * inf = nan (normalize of a zero row).
    dtype = x.dtype
    y = x.to(ember.float32) if dtype in _LOW_PRECISION else x
    return ember.linalg.vector_norm(y, p, dim, keepdim).to(dtype)


# ---- encodings and activations ------------------------------------------------------------

@op
def one_hot(tensor, num_classes=-1):
    _tensor(tensor, "one_hot", "tensor")
    if tensor.dtype != ember.int64:
        raise ember.DTypeError(f"one_hot is only applicable to index tensor of type int64, got {tensor.dtype}")
    if tensor.numel() == 0 and num_classes <= 0:
        raise ValueError("one_hot: can not infer the number of classes from an empty tensor")
    if num_classes == -1:
        num_classes = int(tensor.max().item()) + 1
    elif num_classes < -1:
        raise ValueError(f"one_hot: num_classes should be -1 or non-negative, got {num_classes}")
    if tensor.numel() > 0:
        if int(tensor.min().item()) < 0:
            raise ValueError("one_hot: class values must be non-negative")
        if int(tensor.max().item()) >= num_classes:
            raise ValueError(f"one_hot: class values must be smaller than num_classes ({num_classes})")
    classes = ember.arange(num_classes, dtype=ember.int64)
    return (tensor.unsqueeze(-1) == classes).to(ember.int64)


@op
def softmin(input, dim=None, _stacklevel=3, dtype=None):
    _tensor(input, "softmin", "input")
    if dim is None:
        _warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the call to "
                       "include dim=X as an argument.")
        dim = 0 if input.dim() in (0, 1, 3) else 1  # PyTorch's legacy implicit dim
    return ember.nn.functional.softmax(-input, dim, dtype=dtype)


@op
def glu(input, dim=-1):
    _float(input, "glu", "input")
    if input.dim() == 0:
        raise ember.ShapeError("glu does not support scalars because halving size must be even")
    d = dim + input.dim() if dim < 0 else dim
    if not 0 <= d < input.dim():
        raise IndexError(f"glu: dim {dim} out of range for a {input.dim()}-D input")
    if input.shape[d] % 2:
        raise ember.ShapeError(f"glu: halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d) if input.shape[d] else (input.narrow(d, 0, 0), input.narrow(d, 0, 0))
    return a * ember.sigmoid(b)


@op
def prelu(input, weight):
    _float(input, "prelu", "input")
    _tensor(weight, "prelu", "weight")
    if weight.dim() > 1:
        raise ember.ShapeError(f"prelu: expected weight to be a scalar or 1-D tensor, got {weight.dim()}-D")
    if input.dim() == 0:
        raise ember.ShapeError("prelu: zero-dim input is not allowed")
    if weight.dtype != input.dtype:
        raise ember.DTypeError(f"prelu: weight dtype {weight.dtype} differs from input dtype {input.dtype}")
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() > 1 else 1
        if weight.numel() != channels:
            raise ember.ShapeError(f"prelu: mismatch of parameter numbers and input channel size: "
                                   f"{weight.numel()} parameters, {channels} channels (input {list(input.shape)})")
        weight = weight.reshape([channels] + [1] * (input.dim() - 2))
    else:
        weight = weight.reshape([])
    return ember.where(input > 0, input, weight * input)


@op
def softshrink(input, lambd=0.5):
    _float(input, "softshrink", "input")
    if lambd < 0:
        raise ValueError(f"softshrink: lambda must be greater or equal to 0, but found to be {lambd}")
    # input * 0 keeps NaN where a literal zero would hide it.
    return ember.where(input > lambd, input - lambd, ember.where(input < -lambd, input + lambd, input * 0))


@op
def hardshrink(input, lambd=0.5):
    _float(input, "hardshrink", "input")
    return ember.where((input >= -lambd) & (input <= lambd), ember.zeros_like(input), input)


# ---- distances -----------------------------------------------------------------------------

@op
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    _float(input, "normalize", "input")
    result = input / ember.clamp(_norm(input, p, dim, keepdim=True), min=eps)
    if out is not None:
        out.copy_(result)
        return out
    return result


@op
def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    _float(x1, "cosine_similarity", "x1")
    _float(x2, "cosine_similarity", "x2")
    shape = ember.broadcast_shapes(x1.shape, x2.shape)
    x1, x2 = x1.expand(shape), x2.expand(shape)
    # Each vector is divided by its own clamped norm first: the result stays within [-1, 1].
    n1 = ember.clamp(_norm(x1, 2, dim, keepdim=True), min=eps)
    n2 = ember.clamp(_norm(x2, 2, dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


@op
def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    _float(x1, "pairwise_distance", "x1")
    _float(x2, "pairwise_distance", "x2")
    diff = x1 - x2 + eps
    if diff.dim() == 0:
        return _norm(diff.reshape(1), p, 0, keepdim=False).reshape([1] if keepdim else [])
    return _norm(diff, p, -1, keepdim=keepdim)


# ---- normalizations ------------------------------------------------------------------------

@op
def rms_norm(input, normalized_shape, weight=None, eps=None):
    _float(input, "rms_norm", "input")
    shape = [normalized_shape] if isinstance(normalized_shape, int) else list(normalized_shape)
    n = len(shape)
    if n == 0 or n > input.dim() or list(input.shape[input.dim() - n:]) != shape:
        raise ember.ShapeError(f"rms_norm: given normalized_shape={shape}, expected input with shape "
                               f"[*, {', '.join(map(str, shape))}], but got input of size {list(input.shape)}")
    if weight is not None and list(weight.shape) != shape:
        raise ember.ShapeError(f"rms_norm: expected weight of shape {shape}, got {list(weight.shape)}")
    dtype = input.dtype
    x = input.to(ember.float32) if dtype in _LOW_PRECISION else input
    if eps is None:
        eps = _FINFO_EPS[x.dtype]
    dims = list(range(input.dim() - n, input.dim()))
    result = (x * ember.rsqrt((x * x).mean(dims, keepdim=True) + eps)).to(dtype)
    return result if weight is None else result * weight


@op
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-05):
    _float(input, "instance_norm", "input")
    if input.dim() < 2:
        raise ember.ShapeError(f"instance_norm: expected an input of at least 2 dimensions, got {list(input.shape)}")
    if use_input_stats:
        spatial = 1
        for s in input.shape[2:]:
            spatial *= s
        if spatial == 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when training, "
                             f"got input size {list(input.shape)}")
    n, c = input.shape[0], input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        if t is not None and list(t.shape) != [c]:
            raise ember.ShapeError(f"instance_norm: expected {name} of shape [{c}], got {list(t.shape)}")
    # Each (sample, channel) pair is its own batch-norm channel.
    repeat = lambda t: None if t is None else t.repeat(n)
    rm, rv = repeat(running_mean), repeat(running_var)
    x = input.reshape([1, n * c] + list(input.shape[2:]))
    out = ember.nn.functional.batch_norm(x, rm, rv, repeat(weight), repeat(bias), use_input_stats,
                                         momentum, eps)
    if use_input_stats:
        if running_mean is not None:
            running_mean.copy_(rm.reshape(n, c).mean(0))
        if running_var is not None:
            running_var.copy_(rv.reshape(n, c).mean(0))
    return out.reshape(input.shape)


@op
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    _float(input, "local_response_norm", "input")
    if input.dim() < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher dimensionality input "
                         f"(got {input.dim()} dimensions)")
    if size <= 0:
        raise ValueError(f"local_response_norm: size must be positive, got {size}")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    sq = input * input
    # The mean of squares over a window of `size` channels, zero-padded like PyTorch's avg_pool.
    pad_shape = list(input.shape)
    before, after = size // 2, (size - 1) // 2
    padded = ember.cat([ember.zeros([pad_shape[0], before] + pad_shape[2:], dtype=input.dtype), sq,
                        ember.zeros([pad_shape[0], after] + pad_shape[2:], dtype=input.dtype)], 1)
    window = padded.narrow(1, 0, channels)
    for j in range(1, size):
        window = window + padded.narrow(1, j, channels)
    div = (window / size * alpha + k).pow(beta)
    return input / div


# ---- shuffles ------------------------------------------------------------------------------

@op
def pixel_shuffle(input, upscale_factor):
    _tensor(input, "pixel_shuffle", "input")
    r = upscale_factor
    if input.dim() < 3:
        raise ember.ShapeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input "
                               f"with {input.dim()} dimension(s)")
    if r <= 0:
        raise ValueError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise ember.ShapeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the "
                               f"square of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(batch)
    x = input.reshape(batch + [c // (r * r), r, r, h, w])
    x = x.permute(list(range(b)) + [b, b + 3, b + 1, b + 4, b + 2])
    return x.reshape(batch + [c // (r * r), h * r, w * r])


@op
def pixel_unshuffle(input, downscale_factor):
    _tensor(input, "pixel_unshuffle", "input")
    r = downscale_factor
    if input.dim() < 3:
        raise ember.ShapeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input "
                               f"with {input.dim()} dimension(s)")
    if r <= 0:
        raise ValueError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise ember.ShapeError(f"pixel_unshuffle expects height {h} and width {w} to be divisible by "
                               f"downscale_factor {r}")
    b = len(batch)
    x = input.reshape(batch + [c, h // r, r, w // r, r])
    x = x.permute(list(range(b)) + [b, b + 2, b + 4, b + 1, b + 3])
    return x.reshape(batch + [c * r * r, h // r, w // r])


@op
def channel_shuffle(input, groups):
    _tensor(input, "channel_shuffle", "input")
    if input.dim() < 3:
        raise ember.ShapeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input "
                               f"with {input.dim()} dimension(s)")
    if groups <= 0:
        raise ValueError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % groups:
        raise ember.ShapeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                               f"{groups} groups.")
    x = input.reshape([n, groups, c // groups] + rest).transpose(1, 2)
    return x.reshape(input.shape)


# ---- im2col and col2im ---------------------------------------------------------------------

def _pair(v, op, name, positive=True):
    v = (v, v) if isinstance(v, int) else tuple(v)
    if len(v) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {v}")
    if any(x <= 0 if positive else x < 0 for x in v):
        raise ValueError(f"{op}: {name} must be {'positive' if positive else 'non-negative'}, got {v}")
    return v


def _patch_index(size, kernel, dilation, padding, stride, op):
    """Row (or column) of the padded input read by each kernel offset and output position:
    shape (kernel, blocks)."""
    blocks = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    if blocks <= 0:
        raise ember.ShapeError(f"{op}: the sliding blocks do not fit: size {size}, kernel {kernel}, "
                               f"dilation {dilation}, padding {padding}, stride {stride}")
    k = ember.arange(kernel, dtype=ember.int64).reshape(kernel, 1) * dilation
    return k + ember.arange(blocks, dtype=ember.int64).reshape(1, blocks) * stride, blocks


def _im2col_args(kernel_size, dilation, padding, stride, op):
    return (_pair(kernel_size, op, "kernel_size"), _pair(dilation, op, "dilation"),
            _pair(padding, op, "padding", positive=False), _pair(stride, op, "stride"))


@op
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    _tensor(input, "unfold", "input")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _im2col_args(kernel_size, dilation, padding, stride, "unfold")
    if input.dim() not in (3, 4) or any(s == 0 for s in input.shape[1:]):
        raise ember.ShapeError(f"unfold: expected a 3-D or 4-D (batched) input with non-zero channel and "
                               f"spatial sizes, got {list(input.shape)}")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    n, c, h, w = x.shape
    rows, oh = _patch_index(h, kh, dh, ph, sh, "unfold")
    cols, ow = _patch_index(w, kw, dw, pw, sw, "unfold")
    x = ember.nn.functional.pad(x, (pw, pw, ph, ph)) if ph or pw else x
    # (N, C, kh, kw, oh, ow): every kernel offset at every block position.
    patches = x[:, :, rows.reshape(kh, 1, oh, 1), cols.reshape(1, kw, 1, ow)]
    out = patches.reshape(n, c * kh * kw, oh * ow)
    return out if batched else out.squeeze(0)


@op
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    _tensor(input, "fold", "input")
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _im2col_args(kernel_size, dilation, padding, stride, "fold")
    h, w = _pair(output_size, "fold", "output_size")
    if input.dim() not in (2, 3) or any(s == 0 for s in input.shape[-2:]):
        raise ember.ShapeError(f"fold: expected a 2-D or 3-D (batched) input with non-zero sizes besides the "
                               f"batch, got {list(input.shape)}")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    n, ck, length = x.shape
    if ck % (kh * kw):
        raise ember.ShapeError(f"fold: expected size of input's dimension 1 to be divisible by the product "
                               f"of kernel_size ({kh * kw}), but got input.size(1)={ck}")
    rows, oh = _patch_index(h, kh, dh, ph, sh, "fold")
    cols, ow = _patch_index(w, kw, dw, pw, sw, "fold")
    if oh * ow != length:
        raise ember.ShapeError(f"fold: given output_size=({h}, {w}), kernel_size=({kh}, {kw}), "
                               f"dilation=({dh}, {dw}), padding=({ph}, {pw}), stride=({sh}, {sw}), expected "
                               f"size of input's dimension 2 to match the calculated number of sliding "
                               f"blocks {oh} * {ow} = {oh * ow}, but got input.size(2)={length}")
    c = ck // (kh * kw)
    hp, wp = h + 2 * ph, w + 2 * pw
    # Each column entry adds into its position of the padded image; overlapping blocks sum.
    flat = (rows.reshape(kh, 1, oh, 1) * wp + cols.reshape(1, kw, 1, ow)).reshape(-1)
    out = ember.zeros((n, c, hp * wp), dtype=input.dtype)
    out = ember.index_add(out, 2, flat, x.reshape(n, c, kh * kw * length))
    out = out.reshape(n, c, hp, wp)[:, :, ph:ph + h, pw:pw + w]
    return out if batched else out.squeeze(0)


# ---- losses --------------------------------------------------------------------------------

@op
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    for name, t in (("input1", input1), ("input2", input2), ("target", target)):
        _tensor(t, "margin_ranking_loss", name)
    _check_reduction(reduction, "margin_ranking_loss")
    if not input1.dim() == input2.dim() == target.dim():
        raise ember.ShapeError(f"margin_ranking_loss: all input tensors should have the same dimension, but got "
                               f"sizes input1: {list(input1.shape)}, input2: {list(input2.shape)}, "
                               f"target: {list(target.shape)}")
    loss = ember.clamp(-target * (input1 - input2) + margin, min=0)
    return _reduce(loss, reduction, "margin_ranking_loss")


@op
def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _float(input, "hinge_embedding_loss", "input")
    _tensor(target, "hinge_embedding_loss", "target")
    _check_reduction(reduction, "hinge_embedding_loss")
    zeros = ember.zeros_like(input)
    margin_term = ember.where(target != 1, ember.clamp(margin - input, min=0), zeros)
    self_term = ember.where(target != -1, input, zeros)
    return _reduce(margin_term + self_term, reduction, "hinge_embedding_loss")


@op
def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _float(input, "soft_margin_loss", "input")
    _tensor(target, "soft_margin_loss", "target")
    _check_reduction(reduction, "soft_margin_loss")
    return _reduce(ember.log1p(ember.exp(-input * target)), reduction, "soft_margin_loss")


@op
def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _float(input, "multilabel_soft_margin_loss", "input")
    _tensor(target, "multilabel_soft_margin_loss", "target")
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    logsigmoid = ember.nn.functional.logsigmoid
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction, "multilabel_soft_margin_loss")


@op
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _float(input1, "cosine_embedding_loss", "input1")
    _float(input2, "cosine_embedding_loss", "input2")
    _tensor(target, "cosine_embedding_loss", "target")
    _check_reduction(reduction, "cosine_embedding_loss")
    tdim = target.dim()
    if tdim > 1:
        raise ember.ShapeError("cosine_embedding_loss: 0D or 1D target tensor expected, multi-target not supported")
    if input1.dim() != tdim + 1 or input2.dim() != tdim + 1:
        raise ember.ShapeError(f"cosine_embedding_loss: {tdim}D target tensor expects {tdim + 1}D input tensors, "
                               f"but found inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    prod = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + 1e-12
    mag2 = (input2 * input2).sum(tdim) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    zeros = ember.zeros_like(cos)
    loss = ember.where(target == 1, 1 - cos, zeros) + ember.where(target == -1, ember.clamp(cos - margin, min=0), zeros)
    return _reduce(loss, reduction, "cosine_embedding_loss")


@op
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    for name, t in (("anchor", anchor), ("positive", positive), ("negative", negative)):
        _float(t, "triplet_margin_loss", name)
    _check_reduction(reduction, "triplet_margin_loss")
    if not anchor.dim() == positive.dim() == negative.dim():
        raise ember.ShapeError(f"triplet_margin_loss: the anchor, positive, and negative tensors are expected to "
                               f"have the same number of dimensions, but got: anchor {anchor.dim()}D, positive "
                               f"{positive.dim()}D, and negative {negative.dim()}D inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = ember.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce(ember.clamp(margin + dist_pos - dist_neg, min=0), reduction, "triplet_margin_loss")


@op
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08, reduce=None,
                     reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _float(input, "poisson_nll_loss", "input")
    _tensor(target, "poisson_nll_loss", "target")
    _check_reduction(reduction, "poisson_nll_loss")
    loss = ember.exp(input) - target * input if log_input else input - target * ember.log(input + eps)
    if full:
        # Stirling's approximation of log(target!), counted only where target > 1.
        safe = ember.where(target > 1, target, ember.ones_like(target))
        stirling = safe * ember.log(safe) - safe + 0.5 * ember.log(2 * math.pi * safe)
        loss = loss + ember.where(target > 1, stirling, ember.zeros_like(stirling))
    return _reduce(loss, reduction, "poisson_nll_loss")


@op
def gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction="mean"):
    _float(input, "gaussian_nll_loss", "input")
    _tensor(target, "gaussian_nll_loss", "target")
    if isinstance(var, float):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = var * ember.ones_like(input)
    else:
        _tensor(var, "gaussian_nll_loss", "var")
        if bool((var < 0).any().item()):
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    ishape, vshape = list(input.shape), list(var.shape)
    if vshape != ishape:
        if ishape[:-1] == vshape:
            var = var.unsqueeze(-1)  # one variance per sample, broadcast over the last dim
        elif not (len(ishape) == len(vshape) and sum(v for i, v in zip(ishape, vshape) if i != v) == 1):
            raise ember.ShapeError(f"gaussian_nll_loss: var is of incorrect size {vshape} for input {ishape}")
    _check_reduction(reduction, "gaussian_nll_loss")
    # As in PyTorch, the clamp is not differentiated: var's gradient is taken as if unclamped
    # (var - var.detach() is an exact zero that carries it).
    var = ember.where(var < eps, var - var.detach() + eps, var)
    loss = 0.5 * (ember.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction, "gaussian_nll_loss")


@op
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    reduction = _reduction(size_average, reduce, reduction)
    _float(input, "multi_margin_loss", "input")
    _tensor(target, "multi_margin_loss", "target")
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError("multi_margin_loss: only p == 1 and p == 2 supported")
    if target.dtype != ember.int64:
        raise ember.DTypeError(f"multi_margin_loss: expected target of dtype int64, got {target.dtype}")
    if input.dim() > 2:
        raise ember.ShapeError(f"multi_margin_loss: expected a 0-D, 1-D or 2-D input, got {list(input.shape)}")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    n, c = x.shape
    if c == 0 and (input.dim() < 2 or n):  # an empty batch of no classes is allowed
        raise ember.ShapeError(f"multi_margin_loss: expected a non-empty class dimension, got {list(input.shape)}")
    if target.numel() != n or target.dim() > 1:
        raise ember.ShapeError(f"multi_margin_loss: inconsistent target size {list(target.shape)} for input "
                               f"of size {list(input.shape)}")
    t = target.reshape(n, 1)
    if t.numel() and (int(t.min().item()) < 0 or int(t.max().item()) >= c):
        raise IndexError(f"multi_margin_loss: target out of range for {c} classes")
    if weight is not None and (weight.dim() != 1 or weight.numel() != c):
        raise ember.ShapeError(f"multi_margin_loss: expected weight to be a 1-D tensor of size {c}, "
                               f"got {list(weight.shape)}")
    z = ember.clamp(margin - x.gather(1, t) + x, min=0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t]
    # The target class itself does not count.
    z = ember.where(ember.arange(c, dtype=ember.int64).reshape(1, c) == t, ember.zeros_like(z), z)
    loss = z.sum(1) / c
    loss = loss if input.dim() == 2 else loss.reshape(target.shape)
    return _reduce(loss, reduction, "multi_margin_loss")
