"""Convolutions: Conv, ConvTranspose, ConvInteger, over 1, 2 or 3 spatial dims.

ember has 1-D and 2-D convolutions; a 3-D one is a sum over the kernel's depth of 2-D ones
on depth slices of the input (and, transposed, of 2-D transposed convolutions added into
strided depth positions).
"""
import ember
import ember.nn.functional as F

from ..registry import imports
from .common import ints
from .padding import pad_spatial, pads, spatial_attrs


@imports("Conv")
def conv(node, x, w, b=None):
    n = x.ndim - 2
    kernel, strides, dilations = spatial_attrs(node, n, w.shape[2:])
    begins, ends = pads(node, list(x.shape[2:]), kernel, strides, dilations)
    groups = node.attr("group", 1)
    if begins != ends:  # ember pads symmetrically: pad the input first
        x, padding = pad_spatial(x, begins, ends), [0] * n
    else:
        padding = begins
    return _conv(x, w, b, strides, padding, dilations, groups)


def _conv(x, w, b, strides, padding, dilations, groups):
    n = x.ndim - 2
    if n == 1:
        return F.conv1d(x, w, b, strides, padding, dilations, groups)
    if n == 2:
        return F.conv2d(x, w, b, strides, padding, dilations, groups)
    if n == 3:
        return _conv3d(x, w, b, strides, padding, dilations, groups)
    raise NotImplementedError(f"Conv over {n} spatial dims (ember runs 1, 2 and 3)")


def _conv3d(x, w, b, strides, padding, dilations, groups):
    x = pad_spatial(x, [padding[0], 0, 0], [padding[0], 0, 0])  # depth padding; H, W by conv2d
    batch, _, depth, height, width = x.shape
    kd = w.shape[2]
    sd, dd = strides[0], dilations[0]
    out_depth = (depth - (kd - 1) * dd - 1) // sd + 1
    total = None
    for k in range(kd):
        # the depth slices kernel plane k meets: k*dd, k*dd + sd, ... (out_depth of them)
        planes = x[:, :, k * dd: k * dd + (out_depth - 1) * sd + 1: sd]
        planes = planes.permute(0, 2, 1, 3, 4).reshape(batch * out_depth, -1, height, width)
        y = F.conv2d(planes, w[:, :, k], None, strides[1:], padding[1:], dilations[1:], groups)
        total = y if total is None else total + y
    y = total.reshape(batch, out_depth, *total.shape[1:]).permute(0, 2, 1, 3, 4)
    return y if b is None else y + b.reshape(1, -1, 1, 1, 1)


@imports("ConvTranspose")
def conv_transpose(node, x, w, b=None):
    n = x.ndim - 2
    sizes = list(x.shape[2:])
    kernel, strides, dilations = spatial_attrs(node, n, w.shape[2:])
    groups = node.attr("group", 1)
    output_padding = node.attr("output_padding") or [0] * n
    # The full output (no padding) spans s*(in-1) + (k-1)*d + 1; the node's output is a window
    # of it starting at the begin pad (positions past its end are zeros, as output_padding asks).
    full = [s * (i - 1) + (k - 1) * d + 1 for i, k, s, d in zip(sizes, kernel, strides, dilations)]
    output_shape = node.attr("output_shape")
    if output_shape is not None:
        output_shape = list(output_shape[-n:])
    auto_pad = node.attr("auto_pad", "NOTSET")
    if node.attr("pads") is None and (output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER")):
        # the pads follow from the output shape (SAME_*: input size * stride), the odd one at
        # the end for SAME_UPPER, at the beginning otherwise
        if output_shape is None:
            output_shape = [i * s for i, s in zip(sizes, strides)]
        begins = []
        for f, op, out in zip(full, output_padding, output_shape):
            total = f + op - out
            begins.append(total // 2 if auto_pad == "SAME_UPPER" else total - total // 2)
    else:
        begins, ends = pads(node, sizes, kernel, strides, dilations)
        if output_shape is None:
            output_shape = [f + op - bg - e for f, op, bg, e in zip(full, output_padding, begins, ends)]
    y = _conv_transpose(x, w, strides, dilations, groups)
    y = pad_spatial(y, [-bg for bg in begins],
                    [out - (f - bg) for out, f, bg in zip(output_shape, full, begins)])
    if b is not None:
        y = y + b.reshape([1, -1] + [1] * n)
    return y


def _conv_transpose(x, w, strides, dilations, groups):
    n = x.ndim - 2
    if n == 1:
        return F.conv_transpose1d(x, w, None, strides, 0, 0, groups, dilations)
    if n == 2:
        return F.conv_transpose2d(x, w, None, strides, 0, 0, groups, dilations)
    if n == 3:
        return _conv_transpose3d(x, w, strides, dilations, groups)
    raise NotImplementedError(f"ConvTranspose over {n} spatial dims (ember runs 1, 2 and 3)")


def _conv_transpose3d(x, w, strides, dilations, groups):
    batch, _, depth, height, width = x.shape
    kd = w.shape[2]
    sd, dd = strides[0], dilations[0]
    full_depth = sd * (depth - 1) + (kd - 1) * dd + 1
    planes = x.permute(0, 2, 1, 3, 4).reshape(batch * depth, -1, height, width)
    total = None
    for k in range(kd):
        y = F.conv_transpose2d(planes, w[:, :, k], None, strides[1:], 0, 0, groups, dilations[1:])
        y = y.reshape(batch, depth, *y.shape[1:])
        if total is None:
            total = ember.zeros(batch, full_depth, *y.shape[2:], dtype=y.dtype)
        # input depth i lands at output depth i*sd + k*dd
        positions = ember.arange(depth) * sd + k * dd
        total = total.index_add(1, positions, y)
    return total.permute(0, 2, 1, 3, 4)


@imports("ConvInteger")
def conv_integer(node, x, w, x_zero_point=None, w_zero_point=None):
    # ember's convolutions take floats; float64 holds every int8/uint8 product sum exactly.
    x = x.to(ember.float64)
    w = w.to(ember.float64)
    if x_zero_point is not None:
        x = x - x_zero_point.to(ember.float64)
    if w_zero_point is not None:
        zp = w_zero_point.to(ember.float64)
        w = w - (zp.reshape([-1] + [1] * (w.ndim - 1)) if zp.numel() > 1 else zp)  # per channel
    n = x.ndim - 2
    kernel, strides, dilations = spatial_attrs(node, n, w.shape[2:])
    begins, ends = pads(node, list(x.shape[2:]), kernel, strides, dilations)
    x = pad_spatial(x, begins, ends)
    return _conv(x, w, None, strides, [0] * n, dilations, node.attr("group", 1)).to(ember.int32)


@imports("Col2Im")
def col2im(node, x, image_shape, block_shape):
    """Sums the columns x [N, C * prod(block), L] back into images [N, C, *image_shape]: the
    inverse of unfolding (F.fold), in any number of spatial dims."""
    image, block = ints(image_shape), ints(block_shape)
    n = len(image)
    strides = node.attr("strides") or [1] * n
    dilations = node.attr("dilations") or [1] * n
    pad_values = node.attr("pads") or [0] * (2 * n)
    begins, ends = pad_values[:n], pad_values[n:]
    padded = [i + b + e for i, b, e in zip(image, begins, ends)]
    counts = [(p - (k - 1) * d - 1) // s + 1 for p, k, d, s in zip(padded, block, dilations, strides)]
    # the padded-image position of each (kernel offset, block position) pair, row-major
    position = ember.zeros([1] * (2 * n), dtype=ember.int64)
    stride = 1
    for d in reversed(range(n)):
        kernel_offsets = ember.arange(block[d]) * dilations[d]
        block_offsets = ember.arange(counts[d]) * strides[d]
        shape_k = [1] * (2 * n)
        shape_k[d] = block[d]
        shape_b = [1] * (2 * n)
        shape_b[n + d] = counts[d]
        position = position + (kernel_offsets.reshape(shape_k) + block_offsets.reshape(shape_b)) * stride
        stride *= padded[d]
    batch = x.shape[0]
    channels = x.shape[1] // _prod(block)
    columns = x.reshape(batch, channels, -1)  # [N, C, prod(block) * L]
    out = ember.zeros(batch, channels, stride, dtype=x.dtype).index_add(2, position.reshape(-1), columns)
    out = out.reshape(batch, channels, *padded)
    return pad_spatial(out, [-b for b in begins], [-e for e in ends])


def _prod(values):
    total = 1
    for v in values:
        total *= v
    return total


@imports("CausalConvWithState")
def causal_conv_with_state(node, x, w, b=None, past_state=None):
    """A depthwise causal 1-D convolution that carries its last k - 1 inputs between calls:
    returns (output, present_state), optionally through SiLU."""
    batch, channels, _ = x.shape
    k = w.shape[2]
    if past_state is None:
        past_state = ember.zeros(batch, channels, k - 1, dtype=x.dtype)
    padded = ember.cat([past_state, x], dim=2)
    y = F.conv1d(padded, w, b, 1, 0, 1, channels)
    if node.attr("activation", "none") in ("silu", "swish"):
        y = F.silu(y)
    return y, padded[:, :, padded.shape[2] - (k - 1):]


@imports("DeformConv")
def deform_conv(node, x, w, offset, b=None, mask=None):
    """A 2-D convolution whose taps sit at learned offsets: each (kernel tap, output position)
    samples the input bilinearly (zeros outside) at its regular place plus its offset, scaled by
    the mask, and the samples go through the weights as im2col columns."""
    if x.ndim != 4:
        raise NotImplementedError("DeformConv: ember runs the 2-D form")
    n, channels, height, width = x.shape
    kh, kw = w.shape[2:]
    sh, sw = node.attr("strides") or [1, 1]
    dh, dw = node.attr("dilations") or [1, 1]
    top, left = (node.attr("pads") or [0, 0, 0, 0])[:2]
    groups, offset_groups = node.attr("group", 1), node.attr("offset_group", 1)
    oh, ow = offset.shape[2:]
    offset = offset.reshape(n, offset_groups, kh, kw, 2, oh, ow)
    # regular tap positions [kh, kw, oh, ow], shifted by the offsets
    rows = (ember.arange(kh) * dh).reshape(kh, 1, 1, 1) + (ember.arange(oh) * sh - top).reshape(1, 1, oh, 1)
    cols = (ember.arange(kw) * dw).reshape(1, kw, 1, 1) + (ember.arange(ow) * sw - left).reshape(1, 1, 1, ow)
    y = rows.to(x.dtype) + offset[:, :, :, :, 0]  # [N, G, kh, kw, oh, ow]
    xx = cols.to(x.dtype) + offset[:, :, :, :, 1]
    planes = x.reshape(n, offset_groups, channels // offset_groups, height * width)
    points = kh * kw * oh * ow
    y0, x0 = ember.floor(y), ember.floor(xx)
    samples = None
    for dy, wy in ((0, 1 - (y - y0)), (1, y - y0)):
        for dx, wx in ((0, 1 - (xx - x0)), (1, xx - x0)):
            yi, xi = y0 + dy, x0 + dx
            inside = (yi >= 0) & (yi <= height - 1) & (xi >= 0) & (xi <= width - 1)
            flat = (ember.clamp(yi, 0, height - 1) * width + ember.clamp(xi, 0, width - 1)).to(ember.int64)
            flat = flat.reshape(n, offset_groups, 1, points).expand(*planes.shape[:3], points)
            weight = ember.where(inside, wy * wx, ember.zeros((), dtype=x.dtype))
            term = ember.gather(planes, 3, flat) * weight.reshape(n, offset_groups, 1, points)
            samples = term if samples is None else samples + term
    if mask is not None:
        samples = samples * mask.reshape(n, offset_groups, 1, points)
    columns = samples.reshape(n, groups, (channels // groups) * kh * kw, oh * ow)
    weights = w.reshape(groups, w.shape[0] // groups, -1)  # [g, OC/g, C/g * kh * kw]
    out = ember.matmul(weights.unsqueeze(0), columns).reshape(n, w.shape[0], oh, ow)
    return out if b is None else out + b.reshape(1, -1, 1, 1)
