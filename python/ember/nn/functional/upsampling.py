"""nn.functional.interpolate with PyTorch's semantics for 3-D (N, C, W), 4-D (N, C, H, W) and
5-D (N, C, D, H, W) inputs: modes 'nearest' (PyTorch's legacy floor(dst * scale)),
'nearest-exact', 'linear', 'bilinear', 'bicubic', 'trilinear' (align_corners True or False)
and 'area' (adaptive average pooling); size or scale_factor, and recompute_scale_factor.
5-D inputs and bicubic run as separable stages (upsampling_nd.py).

interpolate_backward(grad_output, input, <interpolate's arguments>) is the gradient, for the
autograd layer to wire.
"""
import math
import numbers

import ember

from ... import _C
from . import upsampling_nd as _nd
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool1d_backward, \
    adaptive_avg_pool2d_backward
from ..._tensor import Tensor, _wrap
from ..._op_layer import namespace

op = namespace("nn.functional")

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_LINEAR = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _plan(input, size, scale_factor, mode, align_corners, recompute_scale_factor, antialias):
    """(mode, input shape, output size, scales or [], align_corners) of one interpolate call."""
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate(): argument 'input' must be Tensor, not {type(input).__name__}")
    if mode not in _MODES:
        raise ValueError(f"interpolate: unknown mode '{mode}', expected one of {', '.join(_MODES)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    shape = list(input.shape)
    dim = input.dim() - 2
    if dim not in (1, 2, 3):
        raise NotImplementedError(f"interpolate: only 3-D and 4-D input tensors, and 5-D ones, are supported (got "
                                  f"{input.dim()}-D) for mode {mode}")
    if mode in _LINEAR and _LINEAR[mode] != dim:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_LINEAR[mode] + 2}D input")
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    scales = []
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        output = [size] * dim if isinstance(size, numbers.Integral) else list(size)
        if len(output) != dim:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {shape[2:]} and output size of {output}.")
        output = [int(s) for s in output]
    elif scale_factor is not None:
        factors = [scale_factor] * dim if isinstance(scale_factor, numbers.Real) else list(scale_factor)
        if len(factors) != dim:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {shape[2:]} and scale_factor of {factors}.")
        factors = [float(f) for f in factors]
        if not all(math.isfinite(f) for f in factors):
            raise ValueError(f"interpolate: scale_factor must be finite, but got {factors}")
        output = [int(math.floor(float(n) * f)) for n, f in zip(shape[2:], factors)]
        if max(output, default=0) >= 1 << 63:
            raise ember.ShapeError(f"interpolate: the output size {output} of input {shape} with scale_factor "
                                   f"{factors} does not fit in int64")
        # The caller's factors steer the coordinate map unless asked to recompute them from
        # the sizes (area mode always works from sizes).
        if not recompute_scale_factor and mode != "area":
            scales = factors
    else:
        raise ValueError("either size or scale_factor should be defined")
    if dim == 3 or mode == "bicubic":  # the native kernels check the other cases
        if min(shape[2:] + output) <= 0:
            raise ember.ArgumentError(f"interpolate: input and output sizes should be greater than 0, but got input "
                                      f"{shape} and output_size {output}")
        if mode in ("bicubic", "trilinear") and not input.dtype.is_floating_point:
            raise _C.DTypeError(f"interpolate ({mode}): expected a floating-point input, got "
                                f"{str(input.dtype).replace('ember.', '')}")
    return mode, shape, output, scales, align_corners


@op
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    mode, _, output, scales, align_corners = _plan(input, size, scale_factor, mode, align_corners,
                                                   recompute_scale_factor, antialias)
    if len(output) == 3:
        return _nd.forward_5d(input, mode, output, scales, bool(align_corners))
    if mode == "bicubic":
        return _nd.forward_bicubic(input, output, scales, bool(align_corners))
    if mode == "area":
        return (adaptive_avg_pool1d if len(output) == 1 else adaptive_avg_pool2d)(input, output)
    if mode in _LINEAR:
        return _wrap(_C.upsample_linear(input._impl, output, bool(align_corners), scales))
    return _wrap(_C.upsample_nearest(input._impl, output, scales, mode == "nearest-exact"))


def interpolate_backward(grad_output, input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                         recompute_scale_factor=None, antialias=False):
    """The gradient of interpolate(input, ...) for grad_output (same arguments as the forward)."""
    mode, shape, output, scales, align_corners = _plan(input, size, scale_factor, mode, align_corners,
                                                       recompute_scale_factor, antialias)
    if len(shape) == 5:
        return _nd.backward_5d(grad_output, shape, mode, output, scales, bool(align_corners))
    if mode == "bicubic":
        return _nd.backward_bicubic(grad_output, shape, output, scales, bool(align_corners))
    if mode == "area":
        return (adaptive_avg_pool1d_backward if len(shape) == 3 else adaptive_avg_pool2d_backward)(grad_output, shape)
    if mode in _LINEAR:
        return _wrap(_C.upsample_linear_backward(grad_output._impl, shape, bool(align_corners), scales))
    return _wrap(_C.upsample_nearest_backward(grad_output._impl, shape, scales, mode == "nearest-exact"))


@op
def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    return interpolate(input, size, scale_factor, mode, align_corners)


@op
def upsample_nearest(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="nearest")


@op
def upsample_bilinear(input, size=None, scale_factor=None):
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
