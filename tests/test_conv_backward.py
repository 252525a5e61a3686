"""The convolution backward kernels (ember.nn.functional.conv.conv2d_backward and friends): finite
differences in float64 (op_db.assert_vjp), PyTorch's autograd where it is installed, the
16-bit dtypes, output_mask, and bad input."""
import numpy as np
import pytest

import ember
from ember.nn.functional import conv as C
from conftest import assert_unchanged, snapshot, to_numpy
from op_db import assert_vjp

# (input shape, weight shape, keyword arguments)
CONV2D = [
    ((2, 2, 5, 5), (3, 2, 3, 3), {}),
    ((2, 2, 6, 5), (3, 2, 3, 3), dict(stride=2, padding=1)),
    ((1, 2, 7, 6), (2, 2, 3, 2), dict(dilation=2, padding=(2, 1))),
    ((1, 2, 7, 7), (2, 2, 3, 3), dict(stride=3)),  # the last rows and columns are never read
    ((2, 4, 5, 5), (4, 2, 3, 3), dict(groups=2, padding=1)),
    ((2, 3, 5, 5), (3, 1, 3, 3), dict(groups=3, padding=1, stride=2)),  # depthwise
    ((2, 2, 5, 6), (4, 1, 2, 3), dict(groups=2, dilation=(1, 2))),  # depthwise, multiplier 2
    ((2, 3, 4, 5), (4, 3, 1, 1), {}),  # 1x1: a plain GEMM
    ((2, 4, 4, 4), (6, 2, 1, 1), dict(groups=2)),
    ((2, 2, 5, 6), (3, 2, 2, 4), dict(padding="same")),  # even kernel: extra padding at the end
    ((2, 2, 6, 6), (2, 2, 3, 3), dict(padding="same", dilation=2)),
    ((2, 5, 5), (3, 2, 3, 3), dict(padding=1)),  # unbatched
    ((0, 2, 5, 5), (3, 2, 3, 3), {}),  # no images
    # stride 1 with 16 input channels a group: the input gradient runs as a forward convolution
    # with the flipped weight
    ((2, 16, 4, 5), (3, 16, 3, 3), dict(padding=(1, 2), dilation=(1, 2))),  # same width, dilated
    ((1, 16, 5, 4), (2, 16, 3, 3), dict(padding=(2, 0))),  # the output narrower than the input
    ((1, 32, 3, 4), (4, 16, 3, 3), dict(groups=2, padding=1)),
    ((1, 16, 3, 3), (2, 16, 3, 3), dict(padding=(3, 1))),  # padding past the kernel: col2im instead
    ((1, 2, 5, 6), (2, 2, 3, 3), dict(padding=(2, 0))),  # few input channels: col2im instead
    ((2, 6, 4, 5), (4, 3, 3, 3), dict(groups=2, padding=(0, 1))),  # thin columns: dot products
    ((2, 8, 5, 5), (4, 4, 3, 3), dict(groups=2, padding=1)),  # the weight gradient's GEMM, grouped
]
CONV1D = [
    ((2, 2, 7), (3, 2, 3), {}),
    ((2, 2, 9), (3, 2, 3), dict(stride=2, padding=2, dilation=2)),
    ((2, 4, 6), (4, 2, 2), dict(groups=2, padding=1)),
    ((2, 3, 6), (3, 1, 3), dict(groups=3, padding="same")),
    ((2, 3, 6), (2, 3, 1), {}),
    ((3, 6), (2, 3, 4), dict(padding="same")),
]
# conv_transpose: the weight is (in, out / groups, ...)
CONV_TRANSPOSE2D = [
    ((2, 2, 4, 4), (2, 3, 3, 3), {}),
    ((2, 2, 3, 4), (2, 2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((1, 2, 3, 3), (2, 2, 3, 2), dict(stride=(3, 2), output_padding=(2, 1), padding=(0, 1))),
    ((1, 2, 3, 3), (2, 2, 2, 2), dict(dilation=3, output_padding=2)),
    ((2, 4, 3, 3), (4, 2, 3, 3), dict(groups=2, stride=2)),
    ((2, 3, 4, 4), (3, 1, 3, 3), dict(groups=3, padding=1)),  # depthwise
    ((2, 3, 3, 4), (3, 2, 1, 1), {}),
    ((2, 3, 3), (2, 3, 2, 2), dict(stride=2)),  # unbatched
]
CONV_TRANSPOSE1D = [
    ((2, 2, 5), (2, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((2, 4, 4), (4, 1, 3), dict(groups=4, dilation=2)),
]


def _ids(cases):
    return [f"{x}-{w}-{kw}" for x, w, kw in cases]


def _data(rng, shape):
    return ember.tensor(rng.uniform(-1, 1, size=shape), dtype=ember.float64)


def _bias_size(weight_shape, kw, transposed):
    return weight_shape[1] * kw.get("groups", 1) if transposed else weight_shape[0]


FORMS = {  # name: (forward, combined backward, transposed)
    "conv2d": (ember.nn.functional.conv2d, C.conv2d_backward, False),
    "conv1d": (ember.nn.functional.conv1d, C.conv1d_backward, False),
    "conv_transpose2d": (ember.nn.functional.conv_transpose2d, C.conv_transpose2d_backward, True),
    "conv_transpose1d": (ember.nn.functional.conv_transpose1d, C.conv_transpose1d_backward, True),
}
CASES = ([("conv2d",) + c for c in CONV2D] + [("conv1d",) + c for c in CONV1D] +
         [("conv_transpose2d",) + c for c in CONV_TRANSPOSE2D] +
         [("conv_transpose1d",) + c for c in CONV_TRANSPOSE1D])
CASE_IDS = [f"{name}-{x}-{w}-{kw}" for name, x, w, kw in CASES]


@pytest.mark.parametrize("name,x_shape,w_shape,kw", CASES, ids=CASE_IDS)
def test_vjp_finite_differences(name, x_shape, w_shape, kw):
    forward, backward, transposed = FORMS[name]
    rng = np.random.default_rng(0)
    x, w = _data(rng, x_shape), _data(rng, w_shape)
    b = _data(rng, (_bias_size(w_shape, kw, transposed),))
    out = forward(x, w, b, **kw)
    grad_output = rng.uniform(-1, 1, size=tuple(out.shape))
    assert_vjp(lambda x, w, b: forward(x, w, b, **kw),
               lambda go, x, w, b: backward(go, x, w, **kw), [x, w, b], grad_output)


@pytest.mark.parametrize("dtype", [ember.float64, ember.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name,x_shape,w_shape,kw", CASES, ids=CASE_IDS)
def test_matches_torch_autograd(name, x_shape, w_shape, kw, dtype):
    torch = pytest.importorskip("torch")
    forward, backward, transposed = FORMS[name]
    rng = np.random.default_rng(1)
    x, w = _data(rng, x_shape).to(dtype), _data(rng, w_shape).to(dtype)
    b = _data(rng, (_bias_size(w_shape, kw, transposed),)).to(dtype)
    t_args = [torch.tensor(to_numpy(t), requires_grad=True) for t in (x, w, b)]
    t_out = getattr(torch.nn.functional, name)(*t_args, **kw)
    go = torch.tensor(rng.uniform(-1, 1, size=tuple(t_out.shape)), dtype=t_out.dtype)
    expected = torch.autograd.grad(t_out, t_args, go)
    got = backward(ember.tensor(go.numpy()), x, w, **kw)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == ember.float64 else dict(rtol=1e-5, atol=1e-5)
    for g, e, what in zip(got, expected, ("input", "weight", "bias")):
        assert g.dtype == dtype, what
        np.testing.assert_allclose(to_numpy(g), e.numpy(), err_msg=f"grad of {what}", **tol)


@pytest.mark.parametrize("x_shape,w_shape,kw", CONV2D, ids=_ids(CONV2D))
def test_separate_kernels_match_combined(x_shape, w_shape, kw):
    rng = np.random.default_rng(2)
    x, w = _data(rng, x_shape), _data(rng, w_shape)
    go = _data(rng, tuple(ember.nn.functional.conv2d(x, w, **kw).shape))
    gi, gw, _ = C.conv2d_backward(go, x, w, **kw)
    np.testing.assert_array_equal(to_numpy(C.conv2d_backward_input(go, x.shape, w, **kw)), to_numpy(gi))
    np.testing.assert_array_equal(to_numpy(C.conv2d_backward_weight(go, x, w.shape, **kw)), to_numpy(gw))


@pytest.mark.parametrize("x_shape,w_shape,kw", CONV1D, ids=_ids(CONV1D))
def test_separate_kernels_match_combined_1d(x_shape, w_shape, kw):
    rng = np.random.default_rng(3)
    x, w = _data(rng, x_shape), _data(rng, w_shape)
    go = _data(rng, tuple(ember.nn.functional.conv1d(x, w, **kw).shape))
    gi, gw, _ = C.conv1d_backward(go, x, w, **kw)
    np.testing.assert_array_equal(to_numpy(C.conv1d_backward_input(go, x.shape, w, **kw)), to_numpy(gi))
    np.testing.assert_array_equal(to_numpy(C.conv1d_backward_weight(go, x, w.shape, **kw)), to_numpy(gw))


def test_output_mask():
    rng = np.random.default_rng(4)
    x, w = _data(rng, (2, 3, 5, 5)), _data(rng, (4, 3, 3, 3))
    go = _data(rng, (2, 4, 3, 3))
    full = C.conv2d_backward(go, x, w)
    for mask in [(True, False, False), (False, True, False), (False, False, True), (False, False, False)]:
        got = C.conv2d_backward(go, x, w, output_mask=mask)
        for g, f, m in zip(got, full, mask):
            if m:
                np.testing.assert_array_equal(to_numpy(g), to_numpy(f))
            else:
                assert g is None
    gi, gw, gb = C.conv_transpose2d_backward(_data(rng, (2, 3, 5, 5)), go, w, output_mask=(False, True, False))
    assert gi is None and gb is None and tuple(gw.shape) == (4, 3, 3, 3)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16], ids=["float16", "bfloat16"])
def test_low_precision_dtypes(dtype):
    """16-bit gradients: computed in float32 from the same values, rounded once."""
    rng = np.random.default_rng(5)
    x, w = _data(rng, (2, 3, 6, 6)).to(dtype), _data(rng, (4, 3, 3, 3)).to(dtype)
    go = _data(rng, (2, 4, 6, 6)).to(dtype)
    got = C.conv2d_backward(go, x, w, padding=1)
    want = C.conv2d_backward(go.float(), x.float(), w.float(), padding=1)
    for g, e in zip(got, want):
        assert g.dtype == dtype
        expected = to_numpy(e.to(dtype).float())
        np.testing.assert_allclose(to_numpy(g.float()), expected, rtol=1e-2, atol=1e-2)
    got = C.conv_transpose2d_backward(go, x[:, :, :, :], w.transpose(0, 1).contiguous(), padding=1)
    assert [g.dtype for g in got] == [dtype] * 3


def test_many_images_split_over_threads():
    """More images than threads: each thread sums the weight gradient of its images; the
    result must not depend on the thread count beyond rounding."""
    rng = np.random.default_rng(6)
    x, w = _data(rng, (9, 3, 8, 8)).float(), _data(rng, (5, 3, 3, 3)).float()
    go = _data(rng, (9, 5, 8, 8)).float()
    threads = ember.get_num_threads()
    try:
        ember.set_num_threads(1)
        one = [to_numpy(g) for g in C.conv2d_backward(go, x, w, padding=1)]
        ember.set_num_threads(max(2, threads))
        many = [to_numpy(g) for g in C.conv2d_backward(go, x, w, padding=1)]
    finally:
        ember.set_num_threads(threads)
    for a, b in zip(one, many):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_noncontiguous_operands():
    rng = np.random.default_rng(7)
    x, w = _data(rng, (2, 3, 6, 7)), _data(rng, (4, 3, 3, 3))
    go = _data(rng, (2, 4, 6, 7))
    want = [to_numpy(g) for g in C.conv2d_backward(go, x, w, padding=1)]
    # the same values through reversed, transposed and stepped views
    x_nc = ember.tensor(to_numpy(x)[:, :, ::-1, :].copy())[:, :, ::-1, :]
    w_nc = w.transpose(2, 3).contiguous().transpose(2, 3)
    go_big = ember.zeros((2, 4, 6, 14), dtype=ember.float64)
    go_big[:, :, :, ::2] = go
    got = C.conv2d_backward(go_big[:, :, :, ::2], x_nc, w_nc, padding=1)
    for g, e in zip(got, want):
        np.testing.assert_allclose(to_numpy(g), e, rtol=1e-12, atol=1e-12)


def test_bad_input():
    rng = np.random.default_rng(8)
    x, w = _data(rng, (2, 3, 5, 5)), _data(rng, (4, 3, 3, 3))
    go = _data(rng, (2, 4, 3, 3))
    snap = snapshot(x, w, go)
    with pytest.raises(ValueError, match=r"conv2d_backward: expected grad_output of size \[2, 4, 3, 3\].*\[2, 4, 4, 4\]"):
        C.conv2d_backward(_data(rng, (2, 4, 4, 4)), x, w)
    with pytest.raises(TypeError, match="float64 and float32"):
        C.conv2d_backward(go.float(), x, w)
    with pytest.raises(ValueError, match=r"conv2d_backward_input: .*3 channels"):
        C.conv2d_backward_input(go, (2, 5, 5, 5), w)
    with pytest.raises(ValueError, match=r"conv2d_backward_weight: expected a 4-D weight"):
        C.conv2d_backward_weight(go, x, (4, 3, 3))
    with pytest.raises(TypeError, match="grad_output and input"):
        C.conv2d_backward_weight(go.float(), x, w.shape)
    with pytest.raises(ValueError, match="output_mask"):
        C.conv2d_backward(go, x, w, output_mask=(True, True))
    with pytest.raises(ValueError, match=r"conv_transpose2d_backward: expected grad_output of size \[2, 3, 5, 5\]"):
        C.conv_transpose2d_backward(_data(rng, (2, 3, 6, 6)), go, w)
    with pytest.raises(ValueError, match=r"conv1d_backward: expected grad_output"):
        C.conv1d_backward(_data(rng, (2, 4, 2)), _data(rng, (2, 3, 5)), _data(rng, (4, 3, 3)))
    assert_unchanged(snap)


@pytest.mark.parametrize("x_shape,w_shape,kw", [
    ((3, 16, 8, 8), (16, 16, 3, 3), dict(padding=1)),  # ResNet 3x3, stride 1
    ((3, 8, 8, 8), (16, 8, 3, 3), dict(padding=1, stride=2)),  # downsampling 3x3
    ((3, 40, 8, 8), (48, 40, 1, 1), dict(stride=2)),  # 1x1 shortcut
    ((4, 1, 12, 12), (4, 1, 3, 3), dict(padding=1)),  # one input channel
    ((3, 8, 9, 9), (8, 1, 3, 3), dict(padding=1, groups=8)),  # depthwise
], ids=["3x3", "3x3-stride2", "1x1-stride2", "one-channel", "depthwise"])
@pytest.mark.parametrize("threads", [1, 2])
def test_layer_shapes_match_torch(x_shape, w_shape, kw, threads):
    """The layer classes of a small ResNet and a digits CNN, in float32 against PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x, w = _data(rng, x_shape).float(), _data(rng, w_shape).float()
    tx, tw = (torch.tensor(to_numpy(t), requires_grad=True) for t in (x, w))
    tout = torch.nn.functional.conv2d(tx, tw, None, **kw)
    go = _data(rng, tuple(tout.shape)).float()
    tout.backward(torch.tensor(to_numpy(go)))
    saved = ember.get_num_threads()
    try:
        ember.set_num_threads(threads)
        out = ember.conv2d(x, w, None, **kw)
        gi, gw, gb = C.conv2d_backward(go, x, w, **kw)
    finally:
        ember.set_num_threads(saved)
    np.testing.assert_allclose(to_numpy(out), tout.detach().numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(to_numpy(gi), tx.grad.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(to_numpy(gw), tw.grad.numpy(), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(to_numpy(gb), to_numpy(go).sum(axis=(0, 2, 3)), rtol=1e-4, atol=1e-3)
