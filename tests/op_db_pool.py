"""op_db entries: pooling, interpolation and embedding (nn.functional).

Pooling and embedding have short NumPy references (window loops over a padded plane);
interpolate's coordinate maps are PyTorch's own, so PyTorch is its oracle.
"""
import math

import numpy as np

import ember
from conftest import FLOAT_DTYPES, INT_DTYPES
from op_db import ErrorCase, OpEntry, Sample, random_data

_LOW = {ember.float16: (3e-3, 3e-3), ember.bfloat16: (2e-2, 2e-2)}


def _F(lib):
    return lib.nn.functional


# ---------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------

def _pair(v, n):
    if v is None:
        return None
    return [v] * n if np.isscalar(v) else list(v)


def _out_size(n, k, s, p, d, ceil_mode):
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def _planes(x, spatial):
    """x as (planes, H, W), and a function restoring a (planes, oh, ow) result's leading dims."""
    lead = x.shape[:-spatial]
    h, w = (x.shape[-2], x.shape[-1]) if spatial == 2 else (1, x.shape[-1])
    flat = x.reshape(-1, h, w)

    def restore(y):
        return y.reshape(lead + (y.shape[1:] if spatial == 2 else y.shape[2:]))
    return flat, restore


def _window_args(spatial, kernel_size, stride, padding, dilation):
    k = _pair(kernel_size, spatial)
    s = _pair(stride, spatial) or k
    p = _pair(padding, spatial)
    d = _pair(dilation, spatial)
    if spatial == 1:
        k, s, p, d = [1] + k, [1] + s, [0] + p, [1] + d
    return k, s, p, d


def np_max_pool(spatial):
    def ref(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
        k, s, p, d = _window_args(spatial, kernel_size, stride, padding, dilation)
        flat, restore = _planes(x, spatial)
        n, h, w = flat.shape
        oh, ow = (_out_size(h, k[0], s[0], p[0], d[0], ceil_mode), _out_size(w, k[1], s[1], p[1], d[1], ceil_mode))
        out = np.zeros((n, oh, ow))
        idx = np.zeros((n, oh, ow), dtype=np.int64)
        for i in range(oh):
            hs = [i * s[0] - p[0] + j * d[0] for j in range(k[0])]
            hs = [v for v in hs if 0 <= v < h]
            for j in range(ow):
                ws = [j * s[1] - p[1] + t * d[1] for t in range(k[1])]
                ws = [v for v in ws if 0 <= v < w]
                flat_ix = np.array([a * w + b for a in hs for b in ws])
                vals = flat.reshape(n, h * w)[:, flat_ix]
                # NaN wins (the last one), else the first maximum.
                nan = np.isnan(vals)
                last_nan = vals.shape[1] - 1 - np.argmax(nan[:, ::-1], axis=1)
                pick = np.where(nan.any(axis=1), last_nan, np.argmax(np.where(nan, -np.inf, vals), axis=1))
                out[:, i, j] = vals[np.arange(n), pick]
                idx[:, i, j] = flat_ix[pick]
        return (restore(out), restore(idx)) if return_indices else restore(out)
    return ref


def np_avg_pool(spatial):
    def ref(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
        k, s, p, _ = _window_args(spatial, kernel_size, stride, padding, 1)
        flat, restore = _planes(x, spatial)
        n, h, w = flat.shape
        oh, ow = (_out_size(h, k[0], s[0], p[0], 1, ceil_mode), _out_size(w, k[1], s[1], p[1], 1, ceil_mode))
        out = np.zeros((n, oh, ow))
        for i in range(oh):
            h0 = i * s[0] - p[0]
            h1 = min(h0 + k[0], h + p[0])
            for j in range(ow):
                w0 = j * s[1] - p[1]
                w1 = min(w0 + k[1], w + p[1])
                padded = (h1 - h0) * (w1 - w0)
                a0, a1, b0, b1 = max(h0, 0), min(h1, h), max(w0, 0), min(w1, w)
                total = flat[:, a0:a1, b0:b1].sum(axis=(1, 2))
                div = divisor_override or (padded if count_include_pad else (a1 - a0) * (b1 - b0))
                out[:, i, j] = total / div
        return restore(out)
    return ref


def _adaptive_bounds(o, out, n):
    return (o * n) // out, -(-((o + 1) * n) // out)


def np_adaptive(spatial, reduce):
    def ref(x, output_size, return_indices=False):
        flat, restore = _planes(x, spatial)
        n, h, w = flat.shape
        size = _pair(output_size, spatial)
        size = [x.shape[-spatial + i] if v is None else v for i, v in enumerate(size)]
        oh, ow = (size[0], size[1]) if spatial == 2 else (1, size[0])
        out = np.zeros((n, oh, ow))
        idx = np.zeros((n, oh, ow), dtype=np.int64)
        for i in range(oh):
            a0, a1 = _adaptive_bounds(i, oh, h)
            for j in range(ow):
                b0, b1 = _adaptive_bounds(j, ow, w)
                win = flat[:, a0:a1, b0:b1].reshape(n, (a1 - a0) * (b1 - b0))
                if reduce == "mean":
                    out[:, i, j] = win.mean(axis=1)
                else:
                    pick = np.argmax(win, axis=1)
                    out[:, i, j] = win[np.arange(n), pick]
                    idx[:, i, j] = (a0 + pick // (b1 - b0)) * w + b0 + pick % (b1 - b0)
        return (restore(out), restore(idx)) if return_indices else restore(out)
    return ref


def np_embedding(indices, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 sparse=False):
    return weight[indices]


# ---------------------------------------------------------------------------
# Samples
# ---------------------------------------------------------------------------

def _max_pool2d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 7, 6), 2), name="2x2")
    yield Sample((r(2, 3, 7, 6), 3), dict(stride=2, padding=1, return_indices=True), name="overlap pad indices")
    yield Sample((r(1, 2, 9, 8), (3, 2)), dict(stride=(2, 1), padding=(1, 0), dilation=(2, 1)), name="dilation")
    yield Sample((r(2, 2, 7, 7), 3), dict(stride=2, ceil_mode=True, return_indices=True), name="ceil_mode")
    yield Sample((r(1, 1, 5, 5), 2), dict(stride=2, padding=1, ceil_mode=True), name="ceil drops last window")
    yield Sample((r(3, 6, 5), 2), dict(stride=1), name="unbatched")
    yield Sample((r(0, 3, 4, 4), 2), name="empty batch")


def _max_pool1d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 11), 3), dict(stride=2, padding=1, return_indices=True), name="overlap pad")
    yield Sample((r(2, 3, 10), 2), dict(dilation=3, ceil_mode=True), name="dilation ceil")
    yield Sample((r(4, 9), 4), name="unbatched")


def _avg_pool2d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 7, 6), 2), name="2x2")
    yield Sample((r(2, 3, 7, 6), 3), dict(stride=2, padding=1), name="pad include")
    yield Sample((r(2, 3, 7, 6), 3), dict(stride=2, padding=1, count_include_pad=False), name="pad exclude")
    yield Sample((r(2, 2, 7, 7), 3), dict(stride=2, padding=1, ceil_mode=True), name="ceil_mode")
    yield Sample((r(2, 2, 7, 7), (3, 2)), dict(stride=(2, 3), ceil_mode=True, count_include_pad=False),
                 name="ceil exclude")
    yield Sample((r(1, 2, 6, 6), 3), dict(padding=1, divisor_override=4), name="divisor_override")
    yield Sample((r(3, 6, 5), 2), name="unbatched")
    yield Sample((r(0, 3, 4, 4), 2), name="empty batch")


def _avg_pool1d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 11), 3), dict(stride=2, padding=1), name="pad")
    yield Sample((r(2, 3, 11), 4), dict(stride=3, padding=2, ceil_mode=True, count_include_pad=False),
                 name="ceil exclude")
    yield Sample((r(4, 9), 4), name="unbatched")


def _adaptive2d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 7, 9), (3, 4)), name="shrink")
    yield Sample((r(2, 3, 4, 5), (6, 7)), name="grow")
    yield Sample((r(2, 3, 7, 9), (None, 2)), name="None keeps")
    yield Sample((r(3, 5, 5), 1), name="unbatched global")
    yield Sample((r(0, 3, 4, 4), 2), name="empty batch")


def _adaptive_max2d_samples(rng, dtype):
    for s in _adaptive2d_samples(rng, dtype):
        yield s
    yield Sample((random_data(rng, 2, 3, 7, 9), (3, 4)), dict(return_indices=True), name="indices")


def _adaptive1d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    yield Sample((r(2, 3, 10), 4), name="shrink")
    yield Sample((r(3, 4), 7), name="unbatched grow")


def _interpolate_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)
    x4, x3 = r(2, 3, 5, 6), r(2, 3, 7)
    yield Sample((x4,), dict(scale_factor=2), name="nearest x2")
    yield Sample((x4,), dict(size=(7, 4)), name="nearest size")
    yield Sample((x4,), dict(scale_factor=1.7), name="nearest 1.7")
    yield Sample((x4,), dict(scale_factor=(0.5, 1.3), recompute_scale_factor=True), name="nearest recompute")
    yield Sample((x4,), dict(size=(9, 4), mode="nearest-exact"), name="nearest-exact")
    yield Sample((x3,), dict(scale_factor=2.5), name="nearest 1-D")
    for ac in (False, True):
        yield Sample((x4,), dict(size=(9, 11), mode="bilinear", align_corners=ac), name=f"bilinear up {ac}")
        yield Sample((x4,), dict(size=(3, 4), mode="bilinear", align_corners=ac), name=f"bilinear down {ac}")
        yield Sample((x3,), dict(scale_factor=1.5, mode="linear", align_corners=ac), name=f"linear {ac}")
    yield Sample((x4,), dict(scale_factor=1.5, mode="bilinear"), name="bilinear scale")
    yield Sample((x4,), dict(size=1, mode="bilinear", align_corners=True), name="bilinear to 1")
    yield Sample((x4,), dict(size=(2, 3), mode="area"), name="area")
    yield Sample((r(0, 2, 3, 3),), dict(scale_factor=2, mode="bilinear"), name="empty batch")


def _nearest_samples(rng, dtype):
    for sample in _interpolate_samples(rng, dtype):
        if sample.kwargs.get("mode", "nearest").startswith("nearest"):
            yield sample


def _keep_dtype(dtype):
    """Max pools keep the input's dtype (integers too) and give int64 indices."""
    return (dtype, ember.int64)


def _embedding_samples(rng, dtype):
    w = random_data(rng, 10, 4)
    yield Sample((rng.integers(0, 10, size=(3, 5)), w), name="2-D indices")
    yield Sample((np.array([1, 1, 9, 0]), w), dict(padding_idx=1), name="padding_idx")
    yield Sample((np.array(3), w), name="0-dim index")
    yield Sample((np.zeros((0, 2), dtype=np.int64), w), name="no indices")
    yield Sample((rng.integers(0, 10, size=(4,)).astype(np.int32), w), name="int32 indices")


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def _pool_errors(op_kw):
    def errors():
        x = np.zeros((1, 2, 4, 4))
        yield ErrorCase((x, 5), exc=ValueError, match="too small")
        yield ErrorCase((x, 2), dict(padding=2), exc=ValueError, match="half of kernel")
        yield ErrorCase((x, 0), exc=ValueError, match="greater than zero")
        yield ErrorCase((x, 2), dict(stride=0), exc=ValueError, match="stride")
        yield ErrorCase((x, 2), dict(padding=-1), exc=ValueError, match="non-negative")
        yield ErrorCase((np.zeros((4, 4)), 2), exc=ValueError, match=r"3-D or 4-D.*\[4, 4\]")
        yield ErrorCase((np.zeros((1, 2, 0, 4)), 2), exc=ValueError, match="non-zero")
        yield ErrorCase((x, (2, 2, 2)), exc=ValueError, match="kernel_size")
        if op_kw == "avg":
            yield ErrorCase((np.zeros((1, 2, 4, 4), dtype=np.int64), 2), exc=TypeError, match="int64")
        else:
            yield ErrorCase((np.zeros((1, 2, 4, 4), dtype=bool), 2), exc=TypeError, match="bool")
        if op_kw == "max":
            yield ErrorCase((x, 2), dict(dilation=0), exc=ValueError, match="dilation")
    return errors


def _pool1d_errors():
    yield ErrorCase((np.zeros((1, 2, 3)), 4), exc=ValueError, match="too small")
    yield ErrorCase((np.zeros(5), 2), exc=ValueError, match="2-D or 3-D")


def _adaptive_errors():
    yield ErrorCase((np.zeros((1, 2, 4, 4)), (-2, 2)), exc=ValueError, match="non-negative")
    yield ErrorCase((np.zeros((4, 4)), 2), exc=ValueError, match="3-D or 4-D")
    yield ErrorCase((np.zeros((1, 2, 4, 4)), (1, 2, 3)), exc=ValueError, match="output_size")


def _interpolate_errors():
    x = np.zeros((1, 2, 3, 3))
    yield ErrorCase((x,), dict(size=(-1, 2)), exc=ValueError, match="greater than 0")
    yield ErrorCase((x,), dict(size=(0, 2)), exc=ValueError, match="greater than 0")
    yield ErrorCase((x,), dict(size=2, scale_factor=2), exc=ValueError, match="only one")
    yield ErrorCase((x,), dict(), exc=ValueError, match="either size or scale_factor")
    yield ErrorCase((x,), dict(size=(2, 2, 2)), exc=ValueError, match="spatial dimensions")
    yield ErrorCase((x,), dict(size=4, align_corners=True), exc=ValueError, match="align_corners")
    yield ErrorCase((x,), dict(size=4, mode="linear"), exc=NotImplementedError, match="linear mode needs 3D")
    yield ErrorCase((np.zeros((2, 3)),), dict(size=4), exc=NotImplementedError, match="3-D and 4-D")
    yield ErrorCase((x,), dict(size=4, mode="cubic"), exc=ValueError, match="unknown mode")
    yield ErrorCase((np.zeros((1, 2, 3), dtype=np.uint8),), dict(size=4, mode="linear"), exc=TypeError,
                    match="floating-point input, got uint8")


def _embedding_errors():
    w = np.zeros((5, 3))
    yield ErrorCase((np.array([0, 5]), w), exc=IndexError, match="index 5 .*num_embeddings 5")
    yield ErrorCase((np.array([-1]), w), exc=IndexError, match="index -1")
    yield ErrorCase((np.array([0.5]), w), exc=TypeError, match="int64 or int32")
    yield ErrorCase((np.array([0]), np.zeros(5)), exc=ValueError, match="2-D weight")
    yield ErrorCase((np.array([0]), w), dict(padding_idx=5), exc=ValueError, match="padding_idx")


ENTRIES = [
    OpEntry("nn.functional.max_pool2d", lambda lib, *a, **k: _F(lib).max_pool2d(*a, **k), _max_pool2d_samples,
            dtypes=FLOAT_DTYPES + INT_DTYPES, out_dtypes=_keep_dtype, reference=np_max_pool(2),
            errors=_pool_errors("max")),
    OpEntry("nn.functional.max_pool1d", lambda lib, *a, **k: _F(lib).max_pool1d(*a, **k), _max_pool1d_samples,
            dtypes=FLOAT_DTYPES + INT_DTYPES, out_dtypes=_keep_dtype, reference=np_max_pool(1),
            errors=_pool1d_errors),
    OpEntry("nn.functional.avg_pool2d", lambda lib, *a, **k: _F(lib).avg_pool2d(*a, **k), _avg_pool2d_samples,
            reference=np_avg_pool(2), tolerances=_LOW, errors=_pool_errors("avg")),
    OpEntry("nn.functional.avg_pool1d", lambda lib, *a, **k: _F(lib).avg_pool1d(*a, **k), _avg_pool1d_samples,
            reference=np_avg_pool(1), tolerances=_LOW, errors=_pool1d_errors),
    OpEntry("nn.functional.adaptive_avg_pool2d", lambda lib, *a, **k: _F(lib).adaptive_avg_pool2d(*a, **k),
            _adaptive2d_samples, reference=np_adaptive(2, "mean"), tolerances=_LOW, errors=_adaptive_errors),
    OpEntry("nn.functional.adaptive_avg_pool1d", lambda lib, *a, **k: _F(lib).adaptive_avg_pool1d(*a, **k),
            _adaptive1d_samples, reference=np_adaptive(1, "mean"), tolerances=_LOW),
    OpEntry("nn.functional.adaptive_max_pool2d", lambda lib, *a, **k: _F(lib).adaptive_max_pool2d(*a, **k),
            _adaptive_max2d_samples, reference=np_adaptive(2, "max"), errors=_adaptive_errors),
    OpEntry("nn.functional.adaptive_max_pool1d", lambda lib, *a, **k: _F(lib).adaptive_max_pool1d(*a, **k),
            _adaptive1d_samples, reference=np_adaptive(1, "max")),
    OpEntry("nn.functional.interpolate", lambda lib, *a, **k: _F(lib).interpolate(*a, **k), _interpolate_samples,
            reference=None, tolerances=_LOW, errors=_interpolate_errors),
    OpEntry("nn.functional.interpolate.nearest_uint8", lambda lib, *a, **k: _F(lib).interpolate(*a, **k),
            _nearest_samples, dtypes=(ember.uint8,), reference=None),
    OpEntry("nn.functional.embedding", lambda lib, *a, **k: _F(lib).embedding(*a, **k), _embedding_samples,
            reference=np_embedding, errors=_embedding_errors),
]
