"""The spatial attributes convolutions and pools share: kernel, strides, dilations, and the
pads (explicit, or from auto_pad), as per-dim lists."""
import ember.nn.functional as F


def spatial_attrs(node, n, kernel=None):
    """(kernel, strides, dilations) for `n` spatial dims, with ONNX's defaults."""
    kernel = node.attr("kernel_shape", kernel)
    strides = node.attr("strides") or [1] * n
    dilations = node.attr("dilations") or [1] * n
    return list(kernel), list(strides), list(dilations)


def pads(node, sizes, kernel, strides, dilations):
    """(begins, ends) of the padding of each spatial dim: the `pads` attribute, or what
    auto_pad asks for (SAME_*: an output of ceil(size / stride), the odd pad at the end for
    SAME_UPPER and at the beginning for SAME_LOWER; VALID: none)."""
    n = len(sizes)
    auto_pad = node.attr("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begins, ends = [], []
        for size, k, s, d in zip(sizes, kernel, strides, dilations):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            small, big = total // 2, total - total // 2
            begins.append(small if auto_pad == "SAME_UPPER" else big)
            ends.append(big if auto_pad == "SAME_UPPER" else small)
        return begins, ends
    if auto_pad == "VALID":
        return [0] * n, [0] * n
    values = node.attr("pads") or [0] * (2 * n)
    return list(values[:n]), list(values[n:])


def pad_spatial(x, begins, ends, value=0.0):
    """x padded (negative values crop) in its trailing spatial dims by begins/ends."""
    if not any(begins) and not any(ends):
        return x
    torch_pads = []
    for b, e in zip(reversed(begins), reversed(ends)):  # F.pad starts from the last dim
        torch_pads += [b, e]
    return F.pad(x, torch_pads, value=value)
