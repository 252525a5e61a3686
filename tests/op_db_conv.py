"""op_db entries: convolutions (conv1d, conv2d, conv_transpose1d, conv_transpose2d).

The references are direct convolutions in NumPy (one einsum per kernel tap over the padded
input), written from the definition rather than the im2col scheme the kernels use, so they
check the kernels independently of PyTorch.
"""
import itertools

import numpy as np

import ember
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data

# Sample values in [-1, 1] keep float32 sums of a few dozen products within a small atol.
TOLERANCES = {ember.float32: (1e-5, 1e-5), ember.float64: (1e-10, 1e-12),
              ember.float16: (2e-3, 2e-3), ember.bfloat16: (1.6e-2, 1.6e-2)}


def _tuple(v, nd):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,) * nd


def _conv_reference(nd):
    def reference(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        unbatched = x.ndim == nd + 1
        if unbatched:
            x = x[None]
        stride, dilation = _tuple(stride, nd), _tuple(dilation, nd)
        kernel = w.shape[2:]
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":  # an odd total pads one more at the end, as PyTorch does
            total = [d * (k - 1) for d, k in zip(dilation, kernel)]
            lo = tuple(t // 2 for t in total)
            hi = tuple(t - t // 2 for t in total)
        else:
            lo = hi = _tuple(padding, nd)
        xp = np.pad(x, [(0, 0), (0, 0)] + list(zip(lo, hi)))
        n, c = x.shape[:2]
        cout = w.shape[0]
        cig, cog = c // groups, cout // groups
        out_sizes = [(xp.shape[2 + d] - dilation[d] * (kernel[d] - 1) - 1) // stride[d] + 1 for d in range(nd)]
        out = np.zeros((n, cout, *out_sizes))
        for g in range(groups):
            xg, wg = xp[:, g * cig:(g + 1) * cig], w[g * cog:(g + 1) * cog]
            for tap in itertools.product(*(range(k) for k in kernel)):
                window = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                               for t, d, s, o in zip(tap, dilation, stride, out_sizes))
                patch = xg[(slice(None), slice(None)) + window]
                out[:, g * cog:(g + 1) * cog] += np.einsum("nc...,oc->no...", patch, wg[(Ellipsis,) + tap])
        if b is not None:
            out += b.reshape((1, -1) + (1,) * nd)
        return out[0] if unbatched else out
    return reference


def _conv_transpose_reference(nd):
    def reference(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
        unbatched = x.ndim == nd + 1
        if unbatched:
            x = x[None]
        stride, padding = _tuple(stride, nd), _tuple(padding, nd)
        output_padding, dilation = _tuple(output_padding, nd), _tuple(dilation, nd)
        n, cin = x.shape[:2]
        cig, cog = cin // groups, w.shape[1]
        sizes, kernel = x.shape[2:], w.shape[2:]
        # Each input element scatters its kernel-weighted copy onto the uncropped output.
        full = [(i - 1) * s + d * (k - 1) + 1 + op
                for i, s, d, k, op in zip(sizes, stride, dilation, kernel, output_padding)]
        buf = np.zeros((n, cog * groups, *full))
        for g in range(groups):
            xg, wg = x[:, g * cig:(g + 1) * cig], w[g * cig:(g + 1) * cig]
            for tap in itertools.product(*(range(k) for k in kernel)):
                window = tuple(slice(t * d, t * d + s * (i - 1) + 1, s)
                               for t, d, s, i in zip(tap, dilation, stride, sizes))
                buf[(slice(None), slice(g * cog, (g + 1) * cog)) + window] += np.einsum(
                    "nc...,co->no...", xg, wg[(Ellipsis,) + tap])
        out = buf[(Ellipsis,) + tuple(slice(p, f - p) for p, f in zip(padding, full))]
        if b is not None:
            out = out + b.reshape((1, -1) + (1,) * nd)
        return out[0] if unbatched else out
    return reference


def _r(rng, *shape):
    return random_data(rng, *shape, low=-1.0, high=1.0)


# ---------------------------------------------------------------------------
# conv2d / conv1d
# ---------------------------------------------------------------------------

def _conv2d_samples(rng, dtype):
    r = lambda *s: _r(rng, *s)
    yield Sample((r(2, 3, 7, 8), r(4, 3, 3, 3), r(4)), name="3x3 with bias")
    yield Sample((r(2, 3, 7, 8), r(4, 3, 3, 3)), name="no bias")
    yield Sample((r(2, 3, 9, 8), r(5, 3, 3, 3), r(5)), dict(stride=2, padding=1), name="stride 2, padding 1")
    yield Sample((r(2, 3, 9, 10), r(4, 3, 3, 2), r(4)), dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
                 name="per-dim stride, padding, dilation")
    yield Sample((r(1, 2, 9, 9), r(3, 2, 3, 3)), dict(dilation=2, padding=2), name="dilation 2, one image")
    yield Sample((r(2, 4, 6, 7), r(6, 2, 3, 3), r(6)), dict(groups=2, padding=1), name="groups 2")
    yield Sample((r(2, 6, 5, 5), r(6, 2, 3, 1)), dict(groups=3, stride=(1, 2)), name="groups 3")
    yield Sample((r(2, 4, 7, 8), r(4, 1, 3, 3), r(4)), dict(groups=4, padding=1), name="depthwise")
    yield Sample((r(2, 3, 9, 8), r(6, 1, 3, 3), r(6)), dict(groups=3, stride=2, padding=2, dilation=2),
                 name="depthwise, multiplier 2, strided, dilated")
    yield Sample((r(2, 4, 5, 6), r(6, 4, 1, 1), r(6)), name="1x1")
    yield Sample((r(2, 4, 5, 6), r(6, 2, 1, 1)), dict(groups=2), name="1x1 groups 2")
    yield Sample((r(2, 4, 5, 6), r(6, 4, 1, 1)), dict(stride=2, padding=1), name="1x1 strided, padded")
    yield Sample((r(2, 3, 6, 7), r(4, 3, 3, 3), r(4)), dict(padding="same"), name="same, odd kernel")
    yield Sample((r(2, 3, 6, 7), r(4, 3, 2, 4)), dict(padding="same"), name="same, even kernel")
    yield Sample((r(2, 3, 6, 7), r(4, 3, 3, 2)), dict(padding="same", dilation=(2, 3)), name="same, dilated")
    yield Sample((r(2, 3, 6, 7), r(4, 3, 3, 3)), dict(padding="valid"), name="valid")
    yield Sample((r(3, 6, 7), r(4, 3, 3, 3), r(4)), dict(padding=1), name="unbatched")
    yield Sample((r(2, 3, 4, 5), r(4, 3, 4, 5), r(4)), name="kernel as large as the input")
    yield Sample((r(5, 3, 6, 6), r(4, 3, 3, 3), r(4)), dict(padding=1), name="batch of 5")
    yield Sample((r(0, 3, 6, 6), r(4, 3, 3, 3), r(4)), name="batch of 0")


def _conv1d_samples(rng, dtype):
    r = lambda *s: _r(rng, *s)
    yield Sample((r(2, 3, 10), r(4, 3, 3), r(4)), name="k3 with bias")
    yield Sample((r(2, 3, 11), r(4, 3, 3)), dict(stride=2, padding=2, dilation=2), name="strided, dilated")
    yield Sample((r(2, 4, 9), r(6, 2, 2)), dict(groups=2, padding=1), name="groups 2")
    yield Sample((r(2, 4, 9), r(4, 1, 5), r(4)), dict(groups=4, padding=2), name="depthwise")
    yield Sample((r(2, 4, 9), r(5, 4, 1), r(5)), name="1x1")
    yield Sample((r(2, 3, 8), r(4, 3, 4)), dict(padding="same"), name="same, even kernel")
    yield Sample((r(3, 8), r(4, 3, 3), r(4)), dict(padding="valid"), name="unbatched")
    yield Sample((r(0, 3, 8), r(4, 3, 3)), name="batch of 0")


def _conv2d_errors():
    x, w = np.zeros((2, 3, 5, 5)), np.zeros((4, 3, 3, 3))
    yield ErrorCase((x, np.zeros((4, 3, 3))), exc=ValueError, match=r"conv2d: expected a 4-D weight.*\[4, 3, 3\]")
    yield ErrorCase((np.zeros((5, 5)), w), exc=ValueError, match=r"3-D \(unbatched\) or 4-D \(batched\).*\[5, 5\]")
    yield ErrorCase((np.zeros((2, 4, 5, 5)), w), exc=ValueError, match=r"groups=1.*3 channels.*\[2, 4, 5, 5\]")
    yield ErrorCase((np.zeros((2, 6, 5, 5)), np.zeros((4, 2, 3, 3))), {"groups": 3}, exc=ValueError,
                    match="multiple of 3")
    yield ErrorCase((x, w, np.zeros(3)), exc=ValueError, match=r"bias.*4 elements.*\[3\]")
    yield ErrorCase((np.zeros((2, 3, 2, 2)), w), exc=ValueError, match=r"\(2 x 2\).*kernel size \(3 x 3\)")
    yield ErrorCase((np.zeros((2, 3, 4, 4)), w), {"dilation": 2}, exc=ValueError, match=r"\(5 x 5\)")
    yield ErrorCase((np.zeros((2, 3, 0, 5)), w), {"padding": 2}, exc=ValueError, match="batch and channel")
    yield ErrorCase((x, Arg(w, ember.float64)), exc=TypeError, match="float32 and float64")
    yield ErrorCase((x, w, Arg(np.zeros(4), ember.float64)), exc=TypeError, match="bias")
    yield ErrorCase((Arg(x, ember.int64), Arg(w, ember.int64)), exc=TypeError, match="floating.*int64")
    yield ErrorCase((x, w), {"stride": 0}, exc=ValueError, match="non-positive stride")
    yield ErrorCase((x, w), {"stride": (1, 2, 3)}, exc=ValueError, match="list of 2 values")
    yield ErrorCase((x, w), {"padding": -1}, exc=ValueError, match="negative padding")
    yield ErrorCase((x, w), {"dilation": 0}, exc=ValueError, match="non-positive dilation")
    yield ErrorCase((x, w), {"groups": 0}, exc=ValueError, match="non-positive groups")
    yield ErrorCase((x, w), {"padding": "same", "stride": 2}, exc=ValueError, match="strided")
    yield ErrorCase((x, w), {"padding": "full"}, exc=ValueError, match="invalid padding string 'full'")
    yield ErrorCase((x, w), {"stride": 1.5}, exc=TypeError, match="stride")


def _conv1d_errors():
    x, w = np.zeros((2, 3, 5)), np.zeros((4, 3, 3))
    yield ErrorCase((x, np.zeros((4, 3, 3, 3))), exc=ValueError, match=r"conv1d: expected a 3-D weight")
    yield ErrorCase((np.zeros(5), w), exc=ValueError, match=r"2-D \(unbatched\) or 3-D")
    yield ErrorCase((np.zeros((2, 3, 2)), w), exc=ValueError, match=r"\(2\).*kernel size \(3\)")
    yield ErrorCase((np.zeros((2, 2, 5)), w), exc=ValueError, match="3 channels")


# ---------------------------------------------------------------------------
# conv_transpose2d / conv_transpose1d
# ---------------------------------------------------------------------------

def _conv_transpose2d_samples(rng, dtype):
    r = lambda *s: _r(rng, *s)
    yield Sample((r(2, 3, 5, 6), r(3, 4, 3, 3), r(4)), name="3x3 with bias")
    yield Sample((r(2, 3, 5, 6), r(3, 4, 3, 3)), dict(stride=2, padding=1), name="stride 2, padding 1")
    yield Sample((r(2, 3, 5, 6), r(3, 4, 3, 3), r(4)), dict(stride=2, padding=1, output_padding=1),
                 name="output_padding 1")
    yield Sample((r(2, 3, 4, 5), r(3, 2, 3, 2)), dict(stride=(3, 2), padding=(1, 0), output_padding=(2, 1)),
                 name="per-dim output_padding")
    yield Sample((r(2, 3, 4, 5), r(3, 2, 3, 3)), dict(dilation=3, output_padding=2),
                 name="output_padding below the dilation")
    yield Sample((r(2, 4, 4, 5), r(4, 3, 3, 3), r(6)), dict(groups=2, stride=2), name="groups 2")
    yield Sample((r(2, 4, 4, 5), r(4, 1, 3, 3), r(4)), dict(groups=4, padding=1), name="depthwise")
    yield Sample((r(2, 4, 4, 5), r(4, 5, 1, 1), r(5)), name="1x1")
    yield Sample((r(3, 4, 5), r(3, 4, 2, 2), r(4)), dict(stride=2), name="unbatched")
    yield Sample((r(0, 3, 4, 5), r(3, 4, 3, 3), r(4)), name="batch of 0")


def _conv_transpose1d_samples(rng, dtype):
    r = lambda *s: _r(rng, *s)
    yield Sample((r(2, 3, 7), r(3, 4, 3), r(4)), name="k3 with bias")
    yield Sample((r(2, 3, 7), r(3, 4, 3)), dict(stride=3, padding=1, output_padding=2, dilation=2),
                 name="strided, padded, dilated, output_padding")
    yield Sample((r(2, 4, 7), r(4, 1, 3)), dict(groups=4), name="depthwise")
    yield Sample((r(3, 7), r(3, 2, 4)), dict(stride=2), name="unbatched")


def _conv_transpose2d_errors():
    x, w = np.zeros((2, 3, 5, 5)), np.zeros((3, 4, 3, 3))
    yield ErrorCase((x, w), {"output_padding": 1}, exc=ValueError, match="output padding must be smaller")
    yield ErrorCase((x, w), {"output_padding": -1, "stride": 2}, exc=ValueError, match="negative output_padding")
    yield ErrorCase((x, w), {"padding": 5}, exc=ValueError, match="output size")
    yield ErrorCase((x, np.zeros((4, 4, 3, 3))), exc=ValueError, match="4 channels.*\\[2, 3, 5, 5\\]")
    yield ErrorCase((np.zeros((2, 4, 5, 5)), np.zeros((4, 4, 3, 3))), {"groups": 3}, exc=ValueError,
                    match="multiple of 3")
    yield ErrorCase((x, w, np.zeros(3)), exc=ValueError, match="bias.*4 elements")
    yield ErrorCase((x, w), {"padding": "same"}, exc=TypeError, match="padding")
    yield ErrorCase((x, Arg(w, ember.float64)), exc=TypeError, match="same dtype")
    yield ErrorCase((x, np.zeros((3, 4, 3))), exc=ValueError, match="4-D weight")


def _conv2d(lib, x, w, b=None, **kw):
    return lib.nn.functional.conv2d(x, w, b, **kw)


def _conv1d(lib, x, w, b=None, **kw):
    return lib.nn.functional.conv1d(x, w, b, **kw)


def _conv_transpose2d(lib, x, w, b=None, **kw):
    return lib.nn.functional.conv_transpose2d(x, w, b, **kw)


def _conv_transpose1d(lib, x, w, b=None, **kw):
    return lib.nn.functional.conv_transpose1d(x, w, b, **kw)


ENTRIES = [
    OpEntry("conv2d", _conv2d, _conv2d_samples, reference=_conv_reference(2), tolerances=TOLERANCES,
            errors=_conv2d_errors),
    OpEntry("conv1d", _conv1d, _conv1d_samples, reference=_conv_reference(1), tolerances=TOLERANCES,
            errors=_conv1d_errors),
    OpEntry("conv_transpose2d", _conv_transpose2d, _conv_transpose2d_samples,
            reference=_conv_transpose_reference(2), tolerances=TOLERANCES, errors=_conv_transpose2d_errors),
    OpEntry("conv_transpose1d", _conv_transpose1d, _conv_transpose1d_samples,
            reference=_conv_transpose_reference(1), tolerances=TOLERANCES),
]
