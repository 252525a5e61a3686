"""Dropout with torch.nn.functional's names: dropout, dropout1d, dropout2d, dropout3d,
alpha_dropout, feature_alpha_dropout, and torch.dropout. Masks come from the Philox stream, so ember.manual_seed reproduces them.

_dropout_with_mask returns (output, mask) and dropout_backward(grad, mask, scale) is the
gradient, for the autograd layer to wire.
"""
import math

from ... import _C
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace, op as _top_level_op

op = namespace("nn.functional")

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _check(input, p, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _generator(generator):
    return None if generator is None else generator._impl


@op
def _dropout_with_mask(input, p, generator=None, mask_shape=None):
    """(output, bool keep-mask); mask_shape broadcasts to the input (None: the input's shape)."""
    out, mask = _C.native_dropout(input._impl, float(p), _generator(generator), list(mask_shape or []))
    return _wrap(out), _wrap(mask)


def dropout_scale(p):
    """The factor kept values are multiplied by: 1 / (1 - p), 0 when p = 1."""
    return 0.0 if p == 1 else 1.0 / (1.0 - p)


def dropout_backward(grad_output, mask, scale):
    """grad_output * mask * scale."""
    return _wrap(_C.dropout_backward(grad_output._impl, mask._impl, float(scale)))


def _apply(input, p, training, inplace, mask_shape):
    if not training or p == 0:
        return input
    out, _ = _dropout_with_mask(input, p, mask_shape=mask_shape)
    if inplace:
        input.copy_(out)
        return input
    return out


@op
def dropout(input, p=0.5, training=True, inplace=False):
    _check(input, p, "dropout")
    return _apply(input, p, training, inplace, None)


def _feature_mask(input):
    """One draw per (N, C) channel, broadcast over the remaining dims."""
    return list(input.shape[:2]) + [1] * (input.dim() - 2)


@op
def dropout1d(input, p=0.5, training=True, inplace=False):
    _check(input, p, "dropout1d")
    if input.dim() not in (2, 3):
        raise _C.ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    out = _apply(x, p, training, inplace, _feature_mask(x))
    return input if out is x else (out if batched else out.squeeze(0))


@op
def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout of (N, C, H, W); as in PyTorch, a 3-D input is taken as (N, C, L)."""
    _check(input, p, "dropout2d")
    if input.dim() < 2:
        raise _C.ShapeError(f"dropout2d: Expected a 3D or 4D input, but received a {input.dim()}D input")
    return _apply(input, p, training, inplace, _feature_mask(input))


@op
def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel-wise dropout of (N, C, D, H, W) or unbatched (C, D, H, W)."""
    _check(input, p, "dropout3d")
    if input.dim() not in (4, 5):
        raise _C.ShapeError(f"dropout3d: Expected a 4D (unbatched) or 5D (batched) input, but received a "
                            f"{input.dim()}D input")
    batched = input.dim() == 5
    x = input if batched else input.unsqueeze(0)
    out = _apply(x, p, training, inplace, _feature_mask(x))
    return input if out is x else (out if batched else out.squeeze(0))


# SELU's fixed point: alpha' = -scale * alpha of SELU.
_ALPHA = 1.7580993408473766


@op
def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps a SELU network's mean and variance: dropped values become -alpha', then
    an affine map a * x + b restores the statistics."""
    _check(input, p, "alpha_dropout")
    return _alpha(input, p, training, inplace, None)


@op
def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels: one draw per (N, C), as torch."""
    _check(input, p, "feature_alpha_dropout")
    if input.dim() < 2:
        raise _C.ShapeError(f"feature_alpha_dropout: Feature dropout requires at least 2 dimensions in the input, "
                            f"but got input of shape {list(input.shape)}")
    return _alpha(input, p, training, inplace, _feature_mask(input))


def _alpha(input, p, training, inplace, mask_shape):
    if not training or p == 0 or input.numel() == 0:
        return input
    if p == 1:
        out = input * 0.0
    else:
        _, mask = _dropout_with_mask(input, p, mask_shape=mask_shape)
        keep = mask.to(input.dtype)
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = (keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p
        out = input * keep * a + b
    if inplace:
        input.copy_(out)
        return input
    return out


@_top_level_op("dropout")
def _torch_dropout(input, p, train):
    """torch.dropout(input, p, train)."""
    return dropout(input, p, train)
