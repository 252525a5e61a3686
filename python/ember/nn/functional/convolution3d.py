"""3-D convolutions with torch.nn.functional's names and semantics: conv3d and conv_transpose3d
over (N, C, D, H, W) or unbatched (C, D, H, W) inputs.

Both run on the 2-D GEMM kernels in one call each. conv3d stacks the kernel's depth taps into
the channels: the input slices each depth tap k meets (depth k*dilation, stepping by the
stride) become channels c*kD + k of a batch of N*D_out images, and the weight
(C_out, C_in/g, kD, kH, kW) read as (C_out, C_in/g*kD, kH, kW) matches that order, groups
included. conv_transpose3d folds kD into the output channels of one conv_transpose2d and adds
each tap's planes into the depth positions it reaches. Gradients are those of the 2-D ops and
of the views, pads and sums around them.
"""
import ember

from ..._tensor import Tensor
from ..._op_layer import namespace
from . import conv as _conv
from .padding import pad as _pad

op = namespace("nn.functional")

__all__ = ["conv3d", "conv_transpose3d"]


def _three(value, name, op):
    v = _conv._ints(value, name, op)
    if len(v) == 1:
        return v * 3
    if len(v) != 3:
        raise ValueError(f"{op}: expected {name} to be a single integer value or a list of 3 values to match the "
                         f"convolution dimensions, but got {name}={v}")
    return v


def _check(op, input, weight, bias, stride, dilation, groups, transposed):
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): argument '{name}' must be Tensor, not {type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"{op}: expected a floating input (float32, float64, float16 or bfloat16), "
                        f"but got {input.dtype}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"{op}: expected input and {name} to have the same dtype, but got {input.dtype} "
                            f"and {t.dtype}")
    if weight.dim() != 5:
        layout = "(in_channels, out_channels / groups, kD, kH, kW)" if transposed else \
            "(out_channels, in_channels / groups, kD, kH, kW)"
        raise ValueError(f"{op}: expected a 5-D weight {layout}, but got weight of size {list(weight.shape)}")
    if input.dim() not in (4, 5):
        raise ValueError(f"{op}: expected 4-D (unbatched) or 5-D (batched) input, but got input of size "
                         f"{list(input.shape)}")
    groups = _conv._groups(groups, op)
    if groups <= 0:
        raise ValueError(f"{op}: non-positive groups is not supported, got groups={groups}")
    stride, dilation = _three(stride, "stride", op), _three(dilation, "dilation", op)
    if min(stride) <= 0:
        raise ValueError(f"{op}: non-positive stride is not supported, got stride={stride}")
    if min(dilation) <= 0:
        raise ValueError(f"{op}: non-positive dilation is not supported, got dilation={dilation}")
    x = input if input.dim() == 5 else input.unsqueeze(0)
    shapes = f"input of size {list(input.shape)} and weight of size {list(weight.shape)}"
    c = x.shape[1]
    if weight.shape[0] % groups or weight.shape[0] == 0:
        raise ValueError(f"{op}: given groups={groups}, expected weight to be a positive multiple of {groups} at "
                         f"dimension 0, but got {shapes}")
    if transposed:
        if c != weight.shape[0]:
            raise ValueError(f"{op}: given weight of size {list(weight.shape)}, expected the input to have "
                             f"{weight.shape[0]} channels, but got {shapes}")
        out_channels = weight.shape[1] * groups
    else:
        if c != weight.shape[1] * groups:
            raise ValueError(f"{op}: given groups={groups}, weight of size {list(weight.shape)} expects the input "
                             f"to have {weight.shape[1] * groups} channels, but got {shapes}")
        out_channels = weight.shape[0]
    if bias is not None and list(bias.shape) != [out_channels]:
        raise ValueError(f"{op}: expected bias to be 1-D with {out_channels} elements (the output channels) for "
                         f"{shapes}, but got bias of size {list(bias.shape)}")
    if min(x.shape[2:]) <= 0:
        raise ValueError(f"{op}: only the batch and channel dims may be empty, but got {shapes}")
    return x, stride, dilation, groups, out_channels


def _padding_pairs(op, padding, stride, dilation, kernel):
    """(low, high) zero padding per spatial dim."""
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * 3
        if padding != "same":
            raise ValueError(f"{op}: invalid padding string '{padding}' (expected 'valid' or 'same')")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions, got stride={stride}")
        totals = [d * (k - 1) for d, k in zip(dilation, kernel)]
        return [(t // 2, t - t // 2) for t in totals]  # the odd element at the end, as torch
    p = _three(padding, "padding", op)
    if min(p) < 0:
        raise ValueError(f"{op}: negative padding is not supported, got padding={p}")
    return [(v, v) for v in p]


def _finish(y, batched):
    y = y.contiguous()
    return y if batched else y.squeeze(0)


@op
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution of input (N, C_in, D, H, W) or (C_in, D, H, W) with weight
    (C_out, C_in / groups, kD, kH, kW), plus bias (C_out) when given."""
    op = "conv3d"
    x, stride, dilation, groups, _ = _check(op, input, weight, bias, stride, dilation, groups, False)
    kernel = list(weight.shape[2:])
    pads = _padding_pairs(op, padding, stride, dilation, kernel)
    sizes = [s + lo + hi for s, (lo, hi) in zip(x.shape[2:], pads)]
    dilated = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if any(s < k for s, k in zip(sizes, dilated)):
        raise ValueError(f"{op}: padded input size per channel ({' x '.join(map(str, sizes))}) is smaller than the "
                         f"dilated kernel size ({' x '.join(map(str, dilated))}) for input of size "
                         f"{list(input.shape)} and weight of size {list(weight.shape)}")
    # depth padding (and any uneven 'same' padding) by F.pad; even H, W padding by conv2d
    even_hw = all(lo == hi for lo, hi in pads[1:])
    pad_now = [pads[0]] + ([(0, 0), (0, 0)] if even_hw else pads[1:])
    if any(lo or hi for lo, hi in pad_now):
        flat = []
        for lo, hi in reversed(pad_now):
            flat += [lo, hi]
        x = _pad(x, flat)
    hw_padding = [pads[1][0], pads[2][0]] if even_hw else [0, 0]
    n, c, depth, h, w = x.shape
    kd, sd, dd = kernel[0], stride[0], dilation[0]
    out_depth = (depth - dilated[0]) // sd + 1
    # (N, C, kD, OD, H, W): the depth slices each tap meets, then (N*OD, C*kD, H, W)
    taps = [x[:, :, k * dd: k * dd + (out_depth - 1) * sd + 1: sd] for k in range(kd)]
    stacked = taps[0].unsqueeze(2) if kd == 1 else ember.stack(taps, 2)
    planes = stacked.permute(0, 3, 1, 2, 4, 5).reshape(n * out_depth, c * kd, h, w)
    w2 = weight.reshape(weight.shape[0], weight.shape[1] * kd, kernel[1], kernel[2])
    y = _conv.conv2d(planes, w2, bias, stride[1:], hw_padding, dilation[1:], groups)
    y = y.reshape(n, out_depth, y.shape[1], y.shape[2], y.shape[3]).permute(0, 2, 1, 3, 4)
    return _finish(y, input.dim() == 5)


@op
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution of input (N, C_in, D, H, W) with weight
    (C_in, C_out / groups, kD, kH, kW): the gradient of conv3d with respect to its input."""
    op = "conv_transpose3d"
    x, stride, dilation, groups, out_channels = _check(op, input, weight, bias, stride, dilation, groups, True)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be a number or a list of numbers, not '{padding}'")
    padding = _three(padding, "padding", op)
    output_padding = _three(output_padding, "output_padding", op)
    if min(padding) < 0:
        raise ValueError(f"{op}: negative padding is not supported, got padding={padding}")
    for p, s, d in zip(output_padding, stride, dilation):
        if p < 0:
            raise ValueError(f"{op}: negative output_padding is not supported, got output_padding={output_padding}")
        if not (p < s or p < d):
            raise ValueError(f"{op}: output padding must be smaller than either stride or dilation, but got "
                             f"output_padding={output_padding}, stride={stride}, dilation={dilation}")
    kernel = list(weight.shape[2:])
    n, c, depth, h, w = x.shape
    out_sizes = [(i - 1) * s - 2 * p + d * (k - 1) + 1 + op_
                 for i, s, p, d, k, op_ in zip(x.shape[2:], stride, padding, dilation, kernel, output_padding)]
    if min(out_sizes) <= 0:
        raise ValueError(f"{op}: the output size ({' x '.join(map(str, out_sizes))}) is too small (padding "
                         f"{padding}) for input of size {list(input.shape)} and weight of size "
                         f"{list(weight.shape)}")
    kd, sd, dd, pd = kernel[0], stride[0], dilation[0], padding[0]
    cog = weight.shape[1]
    # one conv_transpose2d with the depth taps as output channels o*kD + k
    w2 = weight.reshape(weight.shape[0], cog * kd, kernel[1], kernel[2])
    planes = x.permute(0, 2, 1, 3, 4).reshape(n * depth, c, h, w)
    y = _conv.conv_transpose2d(planes, w2, None, stride[1:], padding[1:], output_padding[1:], groups,
                               dilation[1:])
    oh, ow = y.shape[2], y.shape[3]
    y = y.reshape(n, depth, out_channels, kd, oh, ow)
    # tap k of input depth i lands at output depth i*sd + k*dd - pd: spread the input depths
    # sd apart (zeros between), then shift each tap's planes to its offset, cropping the padding
    if sd > 1:
        y = _pad(y.unsqueeze(2), [0, 0, 0, 0, 0, 0, 0, 0, 0, sd - 1])
        y = y.reshape(n, depth * sd, out_channels, kd, oh, ow)
    out_depth = out_sizes[0]
    total = None
    for k in range(kd):
        front = k * dd - pd
        part = _pad(y[:, :, :, k], [0, 0, 0, 0, 0, 0, front, out_depth - front - depth * sd])
        total = part if total is None else total + part
    if bias is not None:
        total = total + bias.reshape(1, 1, out_channels, 1, 1)
    return _finish(total.permute(0, 2, 1, 3, 4), input.dim() == 5)
