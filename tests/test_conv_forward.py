"""Focused convolution tests beyond the op database: the kernels' threading and direct paths on
larger shapes, views with negative steps, names, and the cases where ember and PyTorch
part ways."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from conftest import assert_unchanged, snapshot, supports_negative_strides, to_numpy
from op_db_conv import _conv_reference

conv2d_reference = _conv_reference(2)


def _data(rng, *shape, dtype=ember.float32):
    return ember.tensor(rng.uniform(-1, 1, size=shape), dtype=dtype)


def test_exposed_like_torch():
    assert ember.conv2d is F.conv2d and ember.conv1d is F.conv1d
    assert ember.conv_transpose2d is F.conv_transpose2d and ember.conv_transpose1d is F.conv_transpose1d


@pytest.mark.parametrize("x_shape,w_shape,kw", [
    ((1, 16, 20, 20), (32, 16, 3, 3), dict(padding=1)),  # one image: packing and GEMM split over threads
    ((6, 8, 12, 12), (16, 8, 3, 3), dict(padding=1, stride=2)),  # images split over threads
    ((3, 16, 14, 14), (24, 16, 1, 1), {}),  # 1x1: GEMM on the image itself
    ((3, 32, 17, 15), (32, 1, 3, 3), dict(padding=1, groups=32)),  # depthwise
    ((2, 12, 16, 16), (12, 3, 5, 5), dict(padding=2, groups=4, dilation=1)),
], ids=["one-image", "many-images", "1x1", "depthwise", "groups-5x5"])
@pytest.mark.parametrize("threads", [1, 2])
def test_larger_shapes(x_shape, w_shape, kw, threads):
    rng = np.random.default_rng(0)
    x, w, b = _data(rng, *x_shape), _data(rng, *w_shape), _data(rng, w_shape[0])
    saved = ember.get_num_threads()
    try:
        ember.set_num_threads(threads)
        out = F.conv2d(x, w, b, **kw)
    finally:
        ember.set_num_threads(saved)
    want = conv2d_reference(to_numpy(x).astype(np.float64), to_numpy(w).astype(np.float64),
                            to_numpy(b).astype(np.float64), **kw)
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(not supports_negative_strides(), reason="negative-step views are ember's")
def test_negative_step_views():
    rng = np.random.default_rng(1)
    x_np, w_np = rng.uniform(-1, 1, (2, 3, 7, 8)), rng.uniform(-1, 1, (4, 3, 3, 2))
    x = ember.tensor(x_np)[:, ::-1, :, ::-1]
    w = ember.tensor(w_np)[::-1, :, ::-1]
    snap = snapshot(x, w)
    out = F.conv2d(x, w, padding=1, stride=(1, 2))
    want = conv2d_reference(x_np[:, ::-1, :, ::-1], w_np[::-1, :, ::-1], padding=1, stride=(1, 2))
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-12)
    assert_unchanged(snap)


def test_broadcast_weight_view():
    """A weight expanded from one filter (stride 0) is read like any other view."""
    rng = np.random.default_rng(2)
    x = _data(rng, 2, 3, 6, 6, dtype=ember.float64)
    one = _data(rng, 1, 3, 3, 3, dtype=ember.float64)
    out = F.conv2d(x, one.expand(4, 3, 3, 3))
    want = conv2d_reference(to_numpy(x), np.broadcast_to(to_numpy(one), (4, 3, 3, 3)))
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12, atol=1e-12)


def test_no_input_channels_gives_the_bias():
    """With zero input channels the sum over channels is empty: the result is the bias in every
    position (PyTorch 2.13 returns zero output channels here, which contradicts the weight's
    shape; ember follows the definition)."""
    b = ember.tensor([1.0, -2.0, 3.0])
    out = F.conv2d(ember.zeros((2, 0, 5, 5)), ember.zeros((3, 0, 3, 3)), b)
    assert tuple(out.shape) == (2, 3, 3, 3)
    np.testing.assert_array_equal(to_numpy(out), np.broadcast_to(np.array([1.0, -2.0, 3.0])[:, None, None],
                                                                 (2, 3, 3, 3)))


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16], ids=["float16", "bfloat16"])
def test_low_precision_rounds_once(dtype):
    """16-bit convolutions compute in float32 and round the result once."""
    rng = np.random.default_rng(3)
    x, w = _data(rng, 2, 8, 9, 9, dtype=dtype), _data(rng, 6, 8, 3, 3, dtype=dtype)
    got = F.conv2d(x, w, padding=1)
    want = F.conv2d(x.float(), w.float(), padding=1).to(dtype)
    np.testing.assert_array_equal(to_numpy(got.float()), to_numpy(want.float()))


def test_error_messages_name_op_and_shapes():
    x, w = ember.zeros((2, 4, 5, 5)), ember.zeros((8, 3, 3, 3))
    with pytest.raises(ember.ShapeError, match=r"conv2d: given groups=1, weight of size \[8, 3, 3, 3\].*"
                                               r"\[2, 4, 5, 5\] with 4 channels"):
        F.conv2d(x, w)
    with pytest.raises(RuntimeError):  # PyTorch-style code catches RuntimeError
        F.conv2d(x, w)
    with pytest.raises(TypeError, match="conv2d.*'input' must be Tensor"):
        F.conv2d(np.zeros((2, 3, 5, 5)), w)
    with pytest.raises(TypeError, match="conv_transpose2d.*'bias' must be Tensor"):
        F.conv_transpose2d(ember.zeros((2, 8, 5, 5)), w, [1.0])
    with pytest.raises(TypeError, match="groups"):
        F.conv2d(x, ember.zeros((8, 2, 3, 3)), groups=2.0)


@pytest.mark.parametrize("x_shape,kw", [((1, 256, 70, 70), {}), ((2, 256, 71, 70), dict(stride=2, padding=1)),
                                        ((1, 256, 40, 41), dict(padding=2))],
                         ids=["stride-1", "stride-2", "stride-1-same-width"])
def test_large_image_packed_in_bands(x_shape, kw):
    """An image whose column buffer would pass the per-thread bound (16 MiB) is packed a band
    of output rows at a time; forward and both gradients must not notice."""
    from ember.nn.functional import conv as _nn_conv
    from op_db_conv import _conv_transpose_reference
    rng = np.random.default_rng(4)
    x = _data(rng, *x_shape, dtype=ember.float64)
    w = _data(rng, 2, 256, 5, 5, dtype=ember.float64)
    out = F.conv2d(x, w, **kw)
    np.testing.assert_allclose(to_numpy(out), conv2d_reference(to_numpy(x), to_numpy(w), **kw), rtol=1e-10,
                               atol=1e-10)
    go = _data(rng, *out.shape, dtype=ember.float64)
    gi, gw, _ = _nn_conv.conv2d_backward(go, x, w, **kw)
    # the input gradient is the transposed convolution; output_padding restores the size
    full = F.conv_transpose2d(go, w, **kw).shape
    output_padding = tuple(x.shape[d] - full[d] for d in (2, 3))
    want_gi = _conv_transpose_reference(2)(to_numpy(go), to_numpy(w), output_padding=output_padding, **kw)
    np.testing.assert_allclose(to_numpy(gi), want_gi, rtol=1e-10, atol=1e-10)
    # the weight gradient: tap (i, j) correlates grad_output with the shifted padded input
    s, p = kw.get("stride", 1), kw.get("padding", 0)
    xp = np.pad(to_numpy(x), [(0, 0), (0, 0), (p, p), (p, p)])
    oh, ow = go.shape[2:]
    want_gw = np.empty((2, 256, 5, 5))
    for i in range(5):
        for j in range(5):
            patch = xp[:, :, i:i + s * (oh - 1) + 1:s, j:j + s * (ow - 1) + 1:s]
            want_gw[:, :, i, j] = np.einsum("nohw,nchw->oc", to_numpy(go), patch)
    np.testing.assert_allclose(to_numpy(gw), want_gw, rtol=1e-10, atol=1e-10)
