"""The implicit-GEMM convolution (cpu/isa/conv_shifted.cpp): 2-D convolutions whose output rows
are as long as the input's, or as one stride phase of it, pack the GEMM's panels from the image
(or its phases) with masked loads. These cases reach it from every side: taps that fall off each
edge, strides with odd and even sizes, dilation, groups, more output channels than one
micro-panel, positions past one packed block, one image split over threads, and the input
gradient of a stride-1 convolution (computed as a forward convolution) and of a strided one
(computed phase by phase)."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from op_db_conv import _conv_reference

conv2d_reference = _conv_reference(2)

# (input shape, weight shape, conv kwargs); every one has out_w == ceil(in_w / stride_w)
GEOMETRIES = [
    ((2, 8, 16, 16), (16, 8, 3, 3), dict(padding=1)),
    ((3, 5, 7, 9), (13, 5, 3, 3), dict(padding=1)),  # odd sizes, out channels not a tile multiple
    ((2, 4, 5, 6), (7, 4, 5, 5), dict(padding=2)),  # taps reach two past each edge
    ((2, 4, 9, 8), (6, 4, 3, 3), dict(padding=(0, 1))),  # fewer output rows than input rows
    ((2, 6, 11, 10), (8, 6, 3, 3), dict(padding=2, dilation=2)),
    ((2, 6, 10, 10), (8, 3, 3, 3), dict(padding=1, groups=2)),
    ((2, 8, 16, 16), (16, 8, 3, 3), dict(padding=1, stride=2)),  # ResNet downsampling
    ((2, 8, 15, 13), (16, 8, 3, 3), dict(padding=1, stride=2)),  # odd sizes: ragged phases
    ((2, 8, 16, 16), (12, 8, 1, 1), dict(stride=2)),  # 1x1 stride 2: one phase
    ((2, 4, 12, 12), (6, 4, 3, 3), dict(padding=1, stride=3)),
    ((2, 4, 12, 10), (6, 4, 3, 3), dict(padding=1, stride=(2, 1))),
    ((1, 3, 40, 40), (24, 3, 3, 3), dict(padding=1)),  # 1600 positions: several column blocks
    ((2, 40, 6, 6), (8, 40, 3, 3), dict(padding=1)),  # 360 rows: several depth blocks
    ((1, 1, 1, 1), (2, 1, 3, 3), dict(padding=1)),
    ((1, 32, 16, 16), (40, 32, 3, 3), dict(padding=1)),  # one image: rows split over threads
    ((1, 32, 16, 16), (40, 32, 3, 3), dict(padding=1, stride=2)),  # ... and phases built by both
    ((2, 16, 9, 8), (8, 16, 3, 3), dict(padding=1, stride=2)),  # 16 input channels: input
    ((2, 16, 8, 8), (8, 16, 1, 1), dict(stride=2)),  # gradient phase by phase (all / one phase)
    ((2, 16, 12, 12), (8, 8, 5, 5), dict(padding=2, stride=3, groups=2, dilation=1)),
]
IDS = ["3x3", "odd", "5x5", "pad-w-only", "dilated", "groups", "stride2", "stride2-odd", "1x1-stride2",
       "stride3", "stride-h-only", "blocks", "depth-blocks", "1x1-image", "split-rows", "split-rows-stride2",
       "grad-phases", "grad-one-phase", "grad-phases-groups"]


def _data(rng, *shape, dtype):
    return ember.tensor(rng.uniform(-1, 1, size=shape), dtype=dtype)


@pytest.mark.parametrize("x_shape,w_shape,kw", GEOMETRIES, ids=IDS)
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("threads", [1, 2])
def test_forward_matches_reference(x_shape, w_shape, kw, dtype, threads):
    rng = np.random.default_rng(1)
    x, w, b = _data(rng, *x_shape, dtype=dtype), _data(rng, *w_shape, dtype=dtype), _data(rng, w_shape[0], dtype=dtype)
    saved = ember.get_num_threads()
    try:
        ember.set_num_threads(threads)
        out = F.conv2d(x, w, b, **kw)
        out_nobias = F.conv2d(x, w, None, **kw)
    finally:
        ember.set_num_threads(saved)
    expect = conv2d_reference(x.numpy().astype(np.float64), w.numpy().astype(np.float64), **kw)
    tol = 1e-4 if dtype == ember.float32 else 1e-12
    np.testing.assert_allclose(out_nobias.numpy(), expect, rtol=tol, atol=tol)
    np.testing.assert_allclose(out.numpy(), expect + b.numpy().reshape(1, -1, 1, 1), rtol=tol, atol=tol)


@pytest.mark.parametrize("x_shape,w_shape,kw", GEOMETRIES, ids=IDS)
def test_gradients_match_reference(x_shape, w_shape, kw):
    rng = np.random.default_rng(2)
    x = _data(rng, *x_shape, dtype=ember.float64).requires_grad_()
    w = _data(rng, *w_shape, dtype=ember.float64).requires_grad_()
    out = F.conv2d(x, w, **kw)
    g = rng.uniform(-1, 1, size=out.shape)
    out.backward(ember.tensor(g))
    # d<out, g>/dx by linearity: the reference conv of each basis input is too slow, so compare
    # against finite differences of the float64 reference along random directions.
    xn, wn = x.detach().numpy(), w.detach().numpy()
    for _ in range(3):
        dx, dw = rng.uniform(-1, 1, size=xn.shape), rng.uniform(-1, 1, size=wn.shape)
        eps = 1e-6
        f = lambda xx, ww: float((conv2d_reference(xx, ww, **kw) * g).sum())
        num_x = (f(xn + eps * dx, wn) - f(xn - eps * dx, wn)) / (2 * eps)
        num_w = (f(xn, wn + eps * dw) - f(xn, wn - eps * dw)) / (2 * eps)
        assert abs(num_x - float((x.grad.numpy() * dx).sum())) < 1e-6 * max(1.0, abs(num_x))
        assert abs(num_w - float((w.grad.numpy() * dw).sum())) < 1e-6 * max(1.0, abs(num_w))


def test_gradcheck_strided():
    rng = np.random.default_rng(3)
    x = _data(rng, 1, 2, 5, 6, dtype=ember.float64).requires_grad_()
    w = _data(rng, 3, 2, 3, 3, dtype=ember.float64).requires_grad_()
    b = _data(rng, 3, dtype=ember.float64).requires_grad_()
    assert ember.autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, padding=1, stride=2), (x, w, b))


def test_non_contiguous_input_and_weight():
    rng = np.random.default_rng(4)
    x = _data(rng, 2, 16, 8, 6, dtype=ember.float32).transpose(1, 3)  # (2, 6, 8, 16), strided
    w = _data(rng, 3, 3, 6, 10, dtype=ember.float32).permute(3, 2, 0, 1)  # (10, 6, 3, 3), strided
    out = F.conv2d(x, w, padding=1, stride=2)
    expect = conv2d_reference(x.numpy().astype(np.float64), w.numpy().astype(np.float64), padding=1, stride=2)
    np.testing.assert_allclose(out.numpy(), expect, rtol=1e-4, atol=1e-4)


def test_zero_batch_and_inputs_untouched():
    rng = np.random.default_rng(5)
    x = _data(rng, 0, 4, 8, 8, dtype=ember.float32)
    w = _data(rng, 6, 4, 3, 3, dtype=ember.float32)
    assert F.conv2d(x, w, padding=1, stride=2).shape == (0, 6, 4, 4)
    x = _data(rng, 2, 4, 8, 8, dtype=ember.float32)
    before_x, before_w = x.numpy().copy(), w.numpy().copy()
    F.conv2d(x, w, padding=1, stride=2)
    np.testing.assert_array_equal(x.numpy(), before_x)
    np.testing.assert_array_equal(w.numpy(), before_w)


def _input_gradient(g, w, x_shape, stride, pad):
    """d<conv2d(x, w), g>/dx: every tap adds g times its weight back where it read."""
    n, c, h, wd = x_shape
    grad = np.zeros((n, c, h + 2 * pad, wd + 2 * pad))
    oh, ow = g.shape[2:]
    for i in range(w.shape[2]):
        for j in range(w.shape[3]):
            grad[:, :, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride] += np.einsum(
                "nohw,oc->nchw", g, w[:, :, i, j])
    return grad[:, :, pad:pad + h, pad:pad + wd]


@pytest.mark.parametrize("threads", [1, 2])
def test_strided_input_gradient_threads(threads):
    # one image (tiles split over threads) and several (images split)
    rng = np.random.default_rng(7)
    for batch in (1, 3):
        x = _data(rng, batch, 32, 16, 16, dtype=ember.float64).requires_grad_()
        w = _data(rng, 40, 32, 3, 3, dtype=ember.float64)
        saved = ember.get_num_threads()
        try:
            ember.set_num_threads(threads)
            out = F.conv2d(x, w, padding=1, stride=2)
            g = rng.uniform(-1, 1, size=out.shape)
            out.backward(ember.tensor(g))
        finally:
            ember.set_num_threads(saved)
        np.testing.assert_allclose(x.grad.numpy(), _input_gradient(g, w.numpy(), x.shape, 2, 1), rtol=1e-12, atol=1e-12)


def test_matches_torch_resnet_layers():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    for x_shape, w_shape, kw in [((4, 16, 16, 16), (32, 16, 3, 3), dict(padding=1, stride=2)),
                                 ((4, 16, 16, 16), (16, 16, 3, 3), dict(padding=1)),
                                 ((4, 16, 16, 16), (32, 16, 1, 1), dict(stride=2))]:
        x = rng.standard_normal(x_shape).astype(np.float32)
        w = rng.standard_normal(w_shape).astype(np.float32)
        ex, ew = ember.tensor(x).requires_grad_(), ember.tensor(w).requires_grad_()
        tx, tw = torch.tensor(x).requires_grad_(), torch.tensor(w).requires_grad_()
        ours, theirs = F.conv2d(ex, ew, **kw), torch.nn.functional.conv2d(tx, tw, **kw)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-4, atol=1e-4)
        g = rng.standard_normal(ours.shape).astype(np.float32)
        ours.backward(ember.tensor(g))
        theirs.backward(torch.tensor(g))
        np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(ew.grad.numpy(), tw.grad.numpy(), rtol=1e-3, atol=1e-3)
