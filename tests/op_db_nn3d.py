"""op_db entries: the 3-D convolutions and pools, the *_with_indices pools, max_unpool,
lp_pool, fractional max pools, grid_sample, affine_grid, interpolate's 5-D and bicubic modes
and native_channel_shuffle.

The convolutions are checked against the direct N-d references of op_db_conv.py; the rest
against PyTorch (their index and coordinate conventions are PyTorch's own).
"""
import numpy as np

import ember
from op_db import Arg, ErrorCase, OpEntry, Sample, random_data
from op_db_conv import TOLERANCES as _CONV_TOL, _conv_reference, _conv_transpose_reference

_F32_64 = (ember.float32, ember.float64)
_TOL = {ember.float32: (1e-5, 1e-5), ember.float64: (1e-10, 1e-12)}


def _F(lib):
    return lib.nn.functional


def _fn(name):
    return lambda lib, *a, **k: getattr(_F(lib), name)(*a, **k)


def _r(rng, *shape):
    return random_data(rng, *shape, low=-1.0, high=1.0)


# ---- convolutions -----------------------------------------------------------------------------

def _conv3d_samples(rng, dtype):
    r = lambda *s: _r(rng, *s)  # noqa: E731
    yield Sample((r(2, 2, 4, 5, 4), r(3, 2, 2, 3, 2), r(3)), name="with bias")
    yield Sample((r(1, 4, 5, 4, 5), r(4, 2, 3, 2, 3)), dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1),
                                                          groups=2), name="strided, dilated, groups 2")
    yield Sample((r(2, 3, 3, 4), r(2, 2, 2, 2, 3), r(2)), dict(padding="same"), name="unbatched same even kernel")
    yield Sample((r(1, 2, 3, 3, 3), r(2, 2, 1, 1, 1)), dict(padding="valid"), name="1x1x1 valid")
    yield Sample((r(0, 2, 3, 3, 3), r(2, 2, 2, 2, 2)), name="empty batch")


def _conv_transpose3d_samples(rng, dtype):
    r = lambda *s: _r(rng, *s)  # noqa: E731
    yield Sample((r(2, 2, 3, 2, 3), r(2, 3, 2, 3, 2), r(3)), name="with bias")
    yield Sample((r(1, 4, 2, 3, 2), r(4, 1, 2, 2, 3)),
                 dict(stride=(2, 1, 3), padding=(1, 0, 1), output_padding=(1, 0, 2), groups=2, dilation=(1, 2, 1)),
                 name="strided, padded, output_padding, groups 2")
    yield Sample((r(2, 2, 3, 2), r(2, 2, 2, 2, 2)), dict(stride=2), name="unbatched")
    yield Sample((r(0, 2, 2, 2, 2), r(2, 2, 2, 2, 2)), name="empty batch")


def _conv3d_errors():
    x, w = np.zeros((1, 4, 3, 3, 3)), np.zeros((2, 4, 2, 2, 2))
    yield ErrorCase((x, np.zeros((2, 3, 2, 2, 2))), exc=ValueError,
                    match=r"conv3d.*expects the input to have 3 channels.*\[1, 4, 3, 3, 3\]")
    yield ErrorCase((x, np.zeros((2, 4, 2, 2))), exc=ValueError, match="conv3d: expected a 5-D weight")
    yield ErrorCase((np.zeros((3, 3, 3)), w), exc=ValueError, match=r"4-D \(unbatched\) or 5-D.*\[3, 3, 3\]")
    yield ErrorCase((x, np.zeros((2, 4, 4, 4, 4))), exc=ValueError, match="smaller than the dilated kernel")
    yield ErrorCase((x, w), dict(stride=0), exc=ValueError, match="non-positive stride")
    yield ErrorCase((x, w), dict(padding="same", stride=2), exc=ValueError, match="strided")
    yield ErrorCase((x, w), dict(padding="full"), exc=ValueError, match="invalid padding string")
    yield ErrorCase((x, w, np.zeros(3)), exc=ValueError, match="bias.*2 elements")
    yield ErrorCase((x, Arg(w, ember.float64)), exc=TypeError, match="same dtype")
    yield ErrorCase((Arg(x, ember.int64), Arg(w, ember.int64)), exc=TypeError, match="floating")


def _conv_transpose3d_errors():
    x, w = np.zeros((1, 2, 2, 2, 2)), np.zeros((2, 3, 2, 2, 2))
    yield ErrorCase((x, np.zeros((3, 3, 2, 2, 2))), exc=ValueError, match="conv_transpose3d.*3 channels")
    yield ErrorCase((x, w), dict(output_padding=1), exc=ValueError, match="output padding must be smaller")
    yield ErrorCase((x, w), dict(padding=2), exc=ValueError, match="too small")


# ---- pools ------------------------------------------------------------------------------------

def _max_pool3d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)  # noqa: E731
    yield Sample((r(2, 2, 4, 5, 4), 2), name="2x2x2")
    yield Sample((r(1, 2, 5, 4, 5), 3), dict(stride=2, padding=1, return_indices=True), name="overlap pad indices")
    yield Sample((r(1, 1, 6, 5, 6), (2, 3, 2)), dict(stride=(1, 2, 2), padding=(1, 1, 0), dilation=(2, 1, 2)),
                 name="dilation")
    yield Sample((r(1, 2, 5, 5, 5), 2), dict(stride=2, ceil_mode=True, return_indices=True), name="ceil_mode")
    yield Sample((r(2, 3, 4, 4), 2), dict(stride=1), name="unbatched")
    yield Sample((r(0, 2, 3, 3, 3), 2), name="empty batch")


def _avg_pool3d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)  # noqa: E731
    yield Sample((r(2, 2, 4, 5, 4), 2), name="2x2x2")
    yield Sample((r(1, 2, 5, 4, 5), 3), dict(stride=2, padding=1), name="pad include")
    yield Sample((r(1, 2, 5, 4, 5), 3), dict(stride=2, padding=1, count_include_pad=False), name="pad exclude")
    yield Sample((r(1, 2, 5, 5, 5), (3, 2, 3)), dict(stride=2, padding=1, ceil_mode=True), name="ceil_mode")
    yield Sample((r(1, 2, 4, 4, 4), 3), dict(padding=1, divisor_override=5), name="divisor_override")
    yield Sample((r(2, 3, 4, 4), 2), name="unbatched")
    yield Sample((r(0, 2, 3, 3, 3), 2), name="empty batch")


def _adaptive3d_samples(rng, dtype):
    r = lambda *s: random_data(rng, *s)  # noqa: E731
    yield Sample((r(1, 2, 5, 7, 6), (2, 3, 4)), name="shrink")
    yield Sample((r(1, 2, 2, 3, 3), (3, 4, 5)), name="grow")
    yield Sample((r(1, 2, 4, 5, 6), (None, 2, 3)), name="None keeps")
    yield Sample((r(2, 3, 3, 3), 1), name="unbatched global")
    yield Sample((r(0, 2, 3, 3, 3), 2), name="empty batch")


def _adaptive_max3d_samples(rng, dtype):
    yield from _adaptive3d_samples(rng, dtype)
    yield Sample((random_data(rng, 1, 2, 5, 7, 6), (2, 3, 4)), dict(return_indices=True), name="indices")


def _with_indices_samples(nd):
    def samples(rng, dtype):
        shape = [(1, 2, 9), (1, 2, 6, 7), (1, 2, 4, 5, 4)][nd - 1]
        yield Sample((random_data(rng, *shape), 2), name="window 2")
        yield Sample((random_data(rng, *shape), 3), dict(stride=2, padding=1, ceil_mode=True), name="pad ceil")
    return samples


def _adaptive_with_indices_samples(nd):
    def samples(rng, dtype):
        shape = [(1, 2, 9), (1, 2, 6, 7), (1, 2, 4, 5, 4)][nd - 1]
        yield Sample((random_data(rng, *shape), [4, 3, 2][:nd]), name="shrink")
    return samples


def _pool3d_errors(kind):
    def errors():
        x = np.zeros((1, 2, 4, 4, 4))
        yield ErrorCase((x, 5), exc=ValueError, match="too small")
        yield ErrorCase((x, 2), dict(padding=2), exc=ValueError, match="half of kernel")
        yield ErrorCase((x, 0), exc=ValueError, match="greater than zero")
        yield ErrorCase((x, 2), dict(stride=0), exc=ValueError, match="stride")
        yield ErrorCase((np.zeros((4, 4, 4)), 2), exc=ValueError, match=r"4-D or 5-D.*\[4, 4, 4\]")
        yield ErrorCase((np.zeros((1, 2, 0, 4, 4)), 2), exc=ValueError, match="non-zero")
        yield ErrorCase((x, (2, 2)), exc=ValueError, match="kernel_size")
        if kind == "avg":
            yield ErrorCase((Arg(x, ember.int64), 2), exc=TypeError, match="int64")
    return errors


def _adaptive3d_errors():
    yield ErrorCase((np.zeros((1, 2, 4, 4, 4)), (-2, 2, 2)), exc=ValueError, match="non-negative")
    yield ErrorCase((np.zeros((4, 4)), 2), exc=ValueError, match="4-D or 5-D")
    yield ErrorCase((np.zeros((1, 2, 4, 4, 4)), (1, 2)), exc=ValueError, match="output_size")


def _max_unpool_samples(nd):
    def samples(rng, dtype):
        # the indices of a max pool of a (window 2, stride 2) grid, without ties
        shape = [(2, 2, 8), (2, 2, 4, 6), (1, 2, 4, 4, 6)][nd - 1]
        sizes = shape[2:]
        vol = int(np.prod(sizes))
        planes = shape[0] * shape[1]
        pooled = [s // 2 for s in sizes]
        grid = np.stack(np.meshgrid(*[np.arange(p) * 2 for p in pooled], indexing="ij"), -1)
        strides = [int(np.prod(sizes[d + 1:])) for d in range(nd)]
        base = (grid * np.array(strides)).sum(-1)
        offsets = [rng.integers(0, 2, size=(planes,) + tuple(pooled)) for _ in range(nd)]
        idx = base[None] + sum(o * s for o, s in zip(offsets, strides))
        assert idx.max() < vol
        idx = idx.reshape(shape[:2] + tuple(pooled)).astype(np.int64)
        x = random_data(rng, *(shape[:2] + tuple(pooled)))
        yield Sample((x, idx, 2), name="stride 2")
        yield Sample((x, idx, 2), dict(stride=2, output_size=[s + 1 for s in sizes]), name="output_size")
        yield Sample((x[0], idx[0], 2), name="unbatched")
    return samples


def _max_unpool_errors():
    x, idx = np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 2, 2), dtype=np.int64)
    yield ErrorCase((x, np.full((1, 1, 2, 2), 99), 2), exc=IndexError, match="invalid max index: 99")
    yield ErrorCase((x, idx.astype(np.int32), 2), exc=TypeError, match="int64")
    yield ErrorCase((x, idx[..., :1], 2), exc=ValueError, match="indices of the input's shape")
    yield ErrorCase((x, idx, 2), dict(output_size=(9, 9)), exc=ValueError, match="invalid output_size")
    yield ErrorCase((np.zeros(4), np.zeros(4, dtype=np.int64), 2), exc=ValueError, match="3-D or 4-D")


def _lp_samples(nd):
    def samples(rng, dtype):
        shape = [(2, 2, 9), (1, 2, 6, 7), (1, 2, 5, 4, 5)][nd - 1]
        x = random_data(rng, *shape, low=0.2, high=2.0)  # positive: every p-norm is smooth there
        yield Sample((x, 2, 2), name="p=2")
        yield Sample((x, 3.0, 3), dict(stride=2, ceil_mode=True), name="p=3 ceil")
        yield Sample((x, 1.5, 2), dict(stride=1), name="p=1.5 overlap")
    return samples


def _fractional_samples(nd):
    def samples(rng, dtype):
        shape = [(2, 2, 7, 8), (1, 2, 5, 6, 5)][nd - 2]
        x = random_data(rng, *shape)
        u = rng.uniform(0, 1, size=(shape[0], shape[1], nd))
        # the samples place the windows: not differentiated (grad_args), as in torch
        yield Sample((x, 2), dict(output_size=[3, 4, 3][:nd], _random_samples=u), name="output_size", grad_args=(0,))
        yield Sample((x, 2), dict(output_ratio=[0.5, 0.6, 0.7][:nd], return_indices=True, _random_samples=u),
                     name="output_ratio indices", grad_args=(0,))
        yield Sample((x[0], 2), dict(output_size=2, _random_samples=u[:1]), name="unbatched", grad_args=(0,))
    return samples


def _fractional_errors():
    x = np.zeros((1, 2, 4, 4))
    u = np.zeros((1, 2, 2))
    yield ErrorCase((x, 2), exc=ValueError, match="either an output_size or an output_ratio")
    yield ErrorCase((x, 3), dict(output_size=3, _random_samples=u), exc=ValueError, match="too large")
    yield ErrorCase((x, 2), dict(output_size=2, _random_samples=np.zeros((1, 3, 2))), exc=ValueError,
                    match="_random_samples of shape")
    yield ErrorCase((np.zeros((4, 4)), 2), dict(output_size=2), exc=ValueError, match="3-D or 4-D")


# ---- sampling ---------------------------------------------------------------------------------

def _grid_sample_samples(rng, dtype):
    x4, x5 = random_data(rng, 2, 2, 4, 5), random_data(rng, 1, 2, 3, 4, 3)
    # grid points kept off the integer lattice (where floor and round are not differentiable)
    g4 = rng.uniform(-1.2, 1.2, size=(2, 3, 2, 2))
    g5 = rng.uniform(-1.2, 1.2, size=(1, 2, 2, 2, 3))
    for mode in ("bilinear", "nearest", "bicubic"):
        for padding in ("zeros", "border", "reflection"):
            for align in (False, True):
                yield Sample((x4, g4), dict(mode=mode, padding_mode=padding, align_corners=align),
                             name=f"4-D {mode} {padding} {align}")
                if mode != "bicubic":
                    yield Sample((x5, g5), dict(mode=mode, padding_mode=padding, align_corners=align),
                                 name=f"5-D {mode} {padding} {align}")
    yield Sample((random_data(rng, 0, 2, 3, 3), rng.uniform(-1, 1, size=(0, 2, 2, 2))), dict(align_corners=False),
                 name="empty batch")


def _grid_sample_errors():
    x, g = np.zeros((1, 2, 3, 3)), np.zeros((1, 2, 2, 2))
    yield ErrorCase((x, g), dict(mode="cubic"), exc=ValueError, match="expected mode")
    yield ErrorCase((x, g), dict(padding_mode="wrap"), exc=ValueError, match="padding_mode")
    yield ErrorCase((x, np.zeros((2, 2, 2, 2))), exc=ValueError, match="same batch size")
    yield ErrorCase((x, np.zeros((1, 2, 2, 3))), exc=ValueError, match="size 2 in last dimension")
    yield ErrorCase((np.zeros((1, 2, 2, 2, 2)), np.zeros((1, 2, 2, 2, 3))), dict(mode="bicubic"), exc=ValueError,
                    match="bicubic")
    yield ErrorCase((x, Arg(g, ember.float64)), exc=TypeError, match="same dtype")
    yield ErrorCase((np.zeros((2, 3)), g), exc=ValueError, match="4-D or 5-D")


def _affine_grid_samples(rng, dtype):
    for align in (False, True):
        yield Sample((random_data(rng, 2, 2, 3), [2, 3, 4, 5]), dict(align_corners=align), name=f"2-D {align}")
        yield Sample((random_data(rng, 1, 3, 4), [1, 2, 3, 2, 4]), dict(align_corners=align), name=f"3-D {align}")


def _affine_grid_errors():
    yield ErrorCase((np.zeros((1, 3, 3)), [1, 1, 2, 2]), exc=ValueError, match="Nx2x3")
    yield ErrorCase((np.zeros((1, 2, 3)), [1, 1, 2, 2, 2]), exc=ValueError, match="Nx3x4")
    yield ErrorCase((np.zeros((1, 2, 3)), [1, 1, 0, 2]), exc=ValueError, match="positive output size")
    yield ErrorCase((np.zeros((1, 2, 3)), [1, 2]), exc=NotImplementedError, match="4D and 5D")


def _interpolate_nd_samples(rng, dtype):
    x5, x4 = random_data(rng, 1, 2, 3, 4, 3), random_data(rng, 1, 2, 4, 5)
    yield Sample((x5,), dict(scale_factor=2), name="5-D nearest x2")
    yield Sample((x5,), dict(size=(4, 3, 5)), name="5-D nearest size")
    yield Sample((x5,), dict(scale_factor=(1.5, 0.8, 1.7), mode="nearest-exact"), name="5-D nearest-exact")
    yield Sample((x5,), dict(scale_factor=(1.5, 0.8, 1.7), recompute_scale_factor=True), name="5-D recompute")
    for align in (False, True):
        yield Sample((x5,), dict(size=(4, 3, 5), mode="trilinear", align_corners=align), name=f"trilinear {align}")
        yield Sample((x4,), dict(size=(7, 3), mode="bicubic", align_corners=align), name=f"bicubic size {align}")
        yield Sample((x4,), dict(scale_factor=1.6, mode="bicubic", align_corners=align), name=f"bicubic scale {align}")
    yield Sample((x5,), dict(scale_factor=1.5, mode="trilinear"), name="trilinear scale")
    yield Sample((x5,), dict(size=(2, 3, 2), mode="area"), name="5-D area")
    yield Sample((random_data(rng, 0, 2, 2, 2, 2),), dict(scale_factor=2, mode="trilinear"), name="empty batch")


def _interpolate_nd_errors():
    x5 = np.zeros((1, 1, 2, 2, 2))
    yield ErrorCase((x5,), dict(size=4, mode="bilinear"), exc=NotImplementedError, match="bilinear mode needs 4D")
    yield ErrorCase((np.zeros((1, 1, 2, 2)),), dict(size=4, mode="trilinear"), exc=NotImplementedError,
                    match="trilinear mode needs 5D")
    yield ErrorCase((x5,), dict(size=(0, 2, 2)), exc=ValueError, match="greater than 0")
    yield ErrorCase((Arg(np.zeros((1, 1, 2, 2)), ember.uint8),), dict(size=4, mode="bicubic"), exc=TypeError,
                    match="floating-point input, got uint8")


def _channel_shuffle_samples(rng, dtype):
    yield Sample((random_data(rng, 2, 6, 3, 2), 3), name="4-D")
    yield Sample((random_data(rng, 1, 4, 2, 2, 2), 2), name="5-D")


def _keep_indices(dtype):
    return (dtype, ember.int64)


ENTRIES = [
    OpEntry("conv3d", lambda lib, x, w, b=None, **k: _F(lib).conv3d(x, w, b, **k), _conv3d_samples, dtypes=_F32_64,
            reference=_conv_reference(3), tolerances=_CONV_TOL, errors=_conv3d_errors),
    OpEntry("conv_transpose3d", lambda lib, x, w, b=None, **k: _F(lib).conv_transpose3d(x, w, b, **k),
            _conv_transpose3d_samples, dtypes=_F32_64, reference=_conv_transpose_reference(3), tolerances=_CONV_TOL,
            errors=_conv_transpose3d_errors),
    OpEntry("nn.functional.max_pool3d", _fn("max_pool3d"), _max_pool3d_samples, dtypes=_F32_64,
            errors=_pool3d_errors("max")),
    OpEntry("nn.functional.avg_pool3d", _fn("avg_pool3d"), _avg_pool3d_samples, dtypes=_F32_64, tolerances=_TOL,
            errors=_pool3d_errors("avg")),
    OpEntry("nn.functional.adaptive_avg_pool3d", _fn("adaptive_avg_pool3d"), _adaptive3d_samples, dtypes=_F32_64,
            tolerances=_TOL, errors=_adaptive3d_errors),
    OpEntry("nn.functional.adaptive_max_pool3d", _fn("adaptive_max_pool3d"), _adaptive_max3d_samples,
            dtypes=_F32_64, errors=_adaptive3d_errors),
    OpEntry("nn.functional.max_unpool1d", _fn("max_unpool1d"), _max_unpool_samples(1), dtypes=_F32_64),
    OpEntry("nn.functional.max_unpool2d", _fn("max_unpool2d"), _max_unpool_samples(2), dtypes=_F32_64,
            errors=_max_unpool_errors),
    OpEntry("nn.functional.max_unpool3d", _fn("max_unpool3d"), _max_unpool_samples(3), dtypes=_F32_64),
    OpEntry("nn.functional.fractional_max_pool2d", _fn("fractional_max_pool2d"), _fractional_samples(2),
            dtypes=_F32_64, errors=_fractional_errors),
    OpEntry("nn.functional.fractional_max_pool3d", _fn("fractional_max_pool3d"), _fractional_samples(3),
            dtypes=_F32_64),
    OpEntry("nn.functional.fractional_max_pool2d_with_indices", _fn("fractional_max_pool2d_with_indices"),
            _fractional_samples(2), dtypes=_F32_64, out_dtypes=_keep_indices),
    OpEntry("nn.functional.fractional_max_pool3d_with_indices", _fn("fractional_max_pool3d_with_indices"),
            _fractional_samples(3), dtypes=_F32_64, out_dtypes=_keep_indices),
    OpEntry("nn.functional.grid_sample", _fn("grid_sample"), _grid_sample_samples, dtypes=_F32_64,
            tolerances={ember.float32: (1e-4, 1e-5), ember.float64: (1e-10, 1e-12)}, errors=_grid_sample_errors),
    OpEntry("nn.functional.affine_grid", _fn("affine_grid"), _affine_grid_samples, dtypes=_F32_64, tolerances=_TOL,
            errors=_affine_grid_errors),
    OpEntry("nn.functional.interpolate.nd", _fn("interpolate"), _interpolate_nd_samples, dtypes=_F32_64,
            tolerances={ember.float32: (1e-5, 1e-5), ember.float64: (1e-10, 1e-12)}, errors=_interpolate_nd_errors),
    OpEntry("nn.functional.native_channel_shuffle", _fn("native_channel_shuffle"), _channel_shuffle_samples),
]
for _nd in (1, 2, 3):
    ENTRIES += [
        OpEntry(f"nn.functional.max_pool{_nd}d_with_indices", _fn(f"max_pool{_nd}d_with_indices"),
                _with_indices_samples(_nd), dtypes=_F32_64, out_dtypes=_keep_indices),
        OpEntry(f"nn.functional.adaptive_max_pool{_nd}d_with_indices", _fn(f"adaptive_max_pool{_nd}d_with_indices"),
                _adaptive_with_indices_samples(_nd), dtypes=_F32_64, out_dtypes=_keep_indices),
        OpEntry(f"nn.functional.lp_pool{_nd}d", _fn(f"lp_pool{_nd}d"), _lp_samples(_nd), dtypes=_F32_64,
                tolerances=_TOL),
    ]
