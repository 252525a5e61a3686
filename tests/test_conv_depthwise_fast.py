"""Depthwise convolutions (groups == in_channels, the CPU's direct loops in
cpu/isa/conv_depthwise.cpp): forward, input gradient and weight gradient against a float64 NumPy
reference written from the definition, over strides, paddings, dilations, kernel sizes 1..7,
channel multipliers, odd and tiny images, 1-D convolutions, float32 and float64, non-contiguous
inputs and every ISA variant; gradcheck in float64; PyTorch where it is installed."""
import itertools

import numpy as np
import pytest

import ember
from conftest import run_isa_subprocess

F = ember.nn.functional


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def reference(x, w, b, g, stride, padding, dilation):
    """out, grad_input, grad_weight of a depthwise conv2d in float64, tap by tap: out[n, oc] sums
    w[oc, 0, i, j] * x[n, oc // mult] at (oh * sh + i * dh - ph, ow * sw + j * dw - pw)."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, c, h, wd = x.shape
    cout, _, kh, kw = w.shape
    mult = cout // c
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = np.zeros((n, c, h + 2 * ph + sh * oh + dh * kh, wd + 2 * pw + sw * ow + dw * kw))
    xp[:, :, ph:ph + h, pw:pw + wd] = x
    xe = np.repeat(xp, mult, axis=1)  # input channel of each output channel
    out = np.zeros((n, cout, oh, ow)) + (0 if b is None else b.astype(np.float64)[None, :, None, None])
    gxe = np.zeros_like(xe)
    gw = np.zeros_like(w)
    g = None if g is None else g.astype(np.float64)
    for i, j in itertools.product(range(kh), range(kw)):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        cols = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
        window = xe[:, :, rows, cols]
        out += window * w[None, :, 0, i, j, None, None]
        if g is not None:
            gxe[:, :, rows, cols] += g * w[None, :, 0, i, j, None, None]
            gw[:, 0, i, j] = np.einsum("nchw,nchw->c", g, window)
    gx = gxe.reshape(n, c, mult, *gxe.shape[2:]).sum(axis=2)[:, :, ph:ph + h, pw:pw + wd]
    return out, gx, gw


def run_ember(x, w, b, g, dtype, stride, padding, dilation, contiguous=True):
    c = x.shape[1]
    if contiguous:
        ex = ember.tensor(x, dtype=dtype, requires_grad=True)
        xin = ex
    else:  # the same values through a transposed copy: strided, not contiguous
        ex = ember.tensor(np.ascontiguousarray(np.swapaxes(x, 2, 3)), dtype=dtype, requires_grad=True)
        xin = ex.transpose(2, 3)
        assert not xin.is_contiguous()
    ew = ember.tensor(w, dtype=dtype, requires_grad=True)
    eb = None if b is None else ember.tensor(b, dtype=dtype, requires_grad=True)
    y = F.conv2d(xin, ew, eb, stride=stride, padding=padding, dilation=dilation, groups=c)
    gx, gw = ember.autograd.grad(y, (ex, ew), ember.tensor(g, dtype=dtype))
    gx = gx.numpy() if contiguous else np.swapaxes(gx.numpy(), 2, 3)
    return y.detach().numpy(), gx, gw.numpy()


def assert_close(got, want, dtype, what):
    assert got.shape == want.shape, what
    scale = max(1.0, float(np.abs(want).max())) if want.size else 1.0
    tol = (2e-5 if dtype == ember.float32 else 1e-12) * scale
    err = float(np.abs(got.astype(np.float64) - want).max()) if want.size else 0.0
    assert err <= tol, f"{what}: max error {err} > {tol}"


def check(shape, cout, kernel, stride=1, padding=0, dilation=1, dtype=ember.float32, bias=True,
          contiguous=True, seed=0):
    rng = np.random.default_rng(seed)
    n, c, h, wd = shape
    kh, kw = _pair(kernel)
    x = rng.uniform(-1, 1, shape)
    w = rng.uniform(-1, 1, (cout, 1, kh, kw))
    b = rng.uniform(-1, 1, cout) if bias else None
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    g = rng.uniform(-1, 1, (n, cout, oh, ow))
    np_dtype = np.float32 if dtype == ember.float32 else np.float64
    x, w, g = x.astype(np_dtype), w.astype(np_dtype), g.astype(np_dtype)
    b = None if b is None else b.astype(np_dtype)
    want = reference(x, w, b, g, stride, padding, dilation)
    got = run_ember(x, w, b, g, dtype, stride, padding, dilation, contiguous)
    for name, gv, wv in zip(("forward", "grad_input", "grad_weight"), got, want):
        assert_close(gv, wv, dtype, f"{name} {shape} {cout} k={kernel} s={stride} p={padding} d={dilation}")


# (input shape, output channels, kernel, stride, padding, dilation)
GEOMETRIES = [
    ((2, 4, 8, 8), 4, 3, 1, 1, 1),
    ((2, 4, 8, 8), 4, 3, 2, 1, 1),
    ((1, 3, 7, 5), 3, 3, 1, 1, 1),   # odd sizes: a partial vector in every row
    ((1, 3, 5, 7), 3, 3, 2, 1, 1),
    ((2, 2, 1, 1), 2, 1, 1, 0, 1),   # 1x1 images
    ((2, 2, 1, 1), 2, 3, 1, 1, 1),   # all but the centre tap in the padding
    ((1, 2, 1, 1), 4, 3, 2, 1, 1),
    ((2, 3, 9, 11), 3, 5, 1, 2, 1),
    ((1, 2, 13, 12), 2, 7, 1, 3, 1),
    ((1, 2, 13, 12), 2, 7, 2, 0, 1),
    ((1, 2, 9, 9), 2, 2, 1, 0, 1),   # even kernels
    ((1, 2, 9, 9), 2, 4, 2, 1, 1),
    ((1, 2, 9, 9), 2, 6, 3, 2, 1),
    ((2, 3, 10, 9), 3, (3, 1), 1, (1, 0), 1),
    ((2, 3, 10, 9), 3, (1, 3), 1, (0, 1), 1),
    ((2, 3, 10, 9), 3, (2, 5), (2, 1), (1, 2), 1),
    ((2, 3, 10, 9), 3, (5, 3), (1, 3), (2, 1), 1),
    ((1, 2, 12, 11), 2, 3, 1, 2, 2),        # dilation
    ((1, 2, 12, 11), 2, 3, 2, 1, (1, 2)),
    ((1, 2, 12, 11), 2, 3, 3, 0, (2, 3)),
    ((1, 2, 15, 14), 2, 3, (2, 3), 4, 1),   # padding past the kernel
    ((2, 2, 6, 7), 4, 3, 1, 1, 1),          # channel multiplier 2
    ((2, 2, 6, 7), 6, 3, 2, 1, 1),          # channel multiplier 3
    ((1, 3, 8, 9), 6, (2, 3), 1, 0, (1, 2)),
    ((1, 2, 7, 7), 2, 3, 3, 0, 1),          # the last rows and columns are never read
    ((1, 2, 3, 40), 2, 3, 1, 1, 1),         # rows of several vectors
    ((1, 2, 3, 70), 2, 3, 2, 1, 1),
    ((1, 2, 4, 130), 2, 5, 1, 2, 1),
    ((1, 2, 3, 33), 2, 3, 1, 1, 1),
    ((2, 4, 32, 32), 4, 3, 1, 1, 1),        # the common layer, bigger
    ((1, 2, 40, 9), 2, 3, 1, 1, 1),
]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape,cout,kernel,stride,padding,dilation", GEOMETRIES)
def test_matches_reference(shape, cout, kernel, stride, padding, dilation, dtype):
    check(shape, cout, kernel, stride, padding, dilation, dtype)


@pytest.mark.parametrize("kernel", range(1, 8))
@pytest.mark.parametrize("stride", [1, 2])
def test_kernel_sizes(kernel, stride):
    for dtype in (ember.float32, ember.float64):
        check((2, 3, 9, 10), 3, kernel, stride, kernel // 2, 1, dtype, seed=kernel)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["float32", "float64"])
def test_non_contiguous_input_and_no_bias(dtype):
    check((2, 3, 9, 7), 3, 3, 1, 1, 1, dtype, bias=False, contiguous=False)
    check((2, 3, 9, 7), 6, 3, 2, 1, 1, dtype, bias=True, contiguous=False)


def test_large_plane_goes_in_bands():
    # 400 rows of 300 float32 (or of 2 x 125 float64 phases) do not fit one band of 64 Ki
    # elements: the rows go a band at a time
    check((1, 2, 400, 300), 2, 3, 1, 1, 1, ember.float32)
    check((1, 2, 600, 250), 2, 5, 2, 2, 1, ember.float64)
    check((1, 1, 500, 200), 2, 3, 1, 1, 2, ember.float32)


def test_empty_batch():
    x = ember.zeros((0, 3, 5, 5), requires_grad=True)
    w = ember.ones((3, 1, 3, 3), requires_grad=True)
    y = F.conv2d(x, w, padding=1, groups=3)
    assert tuple(y.shape) == (0, 3, 5, 5)
    gx, gw = ember.autograd.grad(y, (x, w), ember.zeros((0, 3, 5, 5)))
    assert tuple(gx.shape) == (0, 3, 5, 5)
    np.testing.assert_array_equal(gw.numpy(), np.zeros((3, 1, 3, 3), np.float32))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=["float32", "float64"])
def test_conv1d_depthwise(dtype):
    rng = np.random.default_rng(3)
    np_dtype = np.float32 if dtype == ember.float32 else np.float64
    for (n, c, length), cout, k, stride, pad, dil in [((2, 4, 17), 4, 3, 1, 1, 1), ((2, 3, 9), 6, 5, 2, 2, 1),
                                                        ((1, 2, 1), 2, 3, 1, 1, 1), ((3, 2, 30), 2, 7, 3, 0, 2)]:
        x = rng.uniform(-1, 1, (n, c, length)).astype(np_dtype)
        w = rng.uniform(-1, 1, (cout, 1, k)).astype(np_dtype)
        b = rng.uniform(-1, 1, cout).astype(np_dtype)
        ex, ew = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
        y = F.conv1d(ex, ew, ember.tensor(b), stride=stride, padding=pad, dilation=dil, groups=c)
        g = rng.uniform(-1, 1, tuple(y.shape)).astype(np_dtype)
        gx, gw = ember.autograd.grad(y, (ex, ew), ember.tensor(g))
        out, rgx, rgw = reference(x[:, :, None], w[:, :, None], b, g[:, :, None], (1, stride), (0, pad), (1, dil))
        assert_close(y.detach().numpy(), out[:, :, 0], dtype, "conv1d forward")
        assert_close(gx.numpy(), rgx[:, :, 0], dtype, "conv1d grad_input")
        assert_close(gw.numpy(), rgw[:, :, 0], dtype, "conv1d grad_weight")


def test_infinity_past_the_row_stays_out_of_other_taps():
    # Only tap column 2 reads the last input column: an inf there must leave the weight gradient
    # of columns 0 and 1, and the outputs that do not read it, finite.
    x = np.random.default_rng(1).uniform(-1, 1, (1, 2, 4, 8)).astype(np.float32)
    x[:, :, :, 7] = np.inf
    w = np.full((2, 1, 3, 3), 0.5, np.float32)
    g = np.ones((1, 2, 2, 6), np.float32)
    ex, ew = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    y = F.conv2d(ex, ew, groups=2)
    gx, gw = ember.autograd.grad(y, (ex, ew), ember.tensor(g))
    assert np.all(np.isfinite(y.detach().numpy()[..., :5])) and np.all(np.isinf(y.detach().numpy()[..., 5]))
    gw = gw.numpy()
    assert np.all(np.isfinite(gw[..., :2])) and np.all(np.isinf(gw[..., 2]))
    _, _, want = reference(np.where(np.isinf(x), 0, x), w, None, g, 1, 0, 1)
    np.testing.assert_allclose(gw[..., :2], want[..., :2], rtol=1e-5, atol=1e-5)
    assert np.all(np.isfinite(gx.numpy()))


def test_gradcheck_float64():
    rng = np.random.default_rng(7)
    x = ember.tensor(rng.uniform(-1, 1, (2, 2, 5, 4)), requires_grad=True)
    w = ember.tensor(rng.uniform(-1, 1, (4, 1, 3, 2)), requires_grad=True)
    b = ember.tensor(rng.uniform(-1, 1, 4), requires_grad=True)
    for kw in (dict(padding=1), dict(stride=2, padding=(1, 0), dilation=(1, 2))):
        assert ember.autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, groups=2, **kw), (x, w, b))


def test_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(11)
    for shape, cout, k, stride, pad, dil in [((4, 8, 16, 16), 8, 3, 1, 1, 1), ((2, 8, 15, 17), 16, 3, 2, 1, 1),
                                            ((2, 4, 11, 9), 4, 5, 1, 2, 2), ((2, 4, 12, 12), 4, 7, 2, 3, 1)]:
        x = rng.standard_normal(shape).astype(np.float32)
        w = rng.standard_normal((cout, 1, k, k)).astype(np.float32)
        b = rng.standard_normal(cout).astype(np.float32)
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        ty = torch.nn.functional.conv2d(tx, tw, torch.tensor(b), stride=stride, padding=pad, dilation=dil,
                                        groups=shape[1])
        g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
        tgx, tgw = torch.autograd.grad(ty, (tx, tw), torch.tensor(g))
        got = run_ember(x, w, b, g, ember.float32, stride, pad, dil)
        for name, e, t in zip(("forward", "grad_input", "grad_weight"), got, (ty, tgx, tgw)):
            np.testing.assert_allclose(e, t.detach().numpy(), rtol=1e-4, atol=1e-4, err_msg=name)


ISA_SCRIPT = r"""
import sys
sys.argv = sys.argv[:1]
import test_conv_depthwise_fast as t
import ember
for geometry in t.GEOMETRIES[:28]:
    for dtype in (ember.float32, ember.float64):
        t.check(*geometry, dtype=dtype)
t.check((2, 3, 9, 7), 6, 3, 2, 1, 1, ember.float32, contiguous=False)
print(ember._C.cpu_capability() if hasattr(ember._C, "cpu_capability") else "")
"""


@pytest.mark.parametrize("isa", ["base", "avx2", None], ids=["base", "avx2", "default"])
def test_every_isa_variant(isa):
    run_isa_subprocess(isa, ISA_SCRIPT)
