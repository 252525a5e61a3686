"""The 3-D, pooling and sampling functions beyond their op_db entries (op_db_nn3d.py):
float32 gradients against PyTorch, second derivatives, the top-level torch names, and the
padding modes of F.pad on 3-D data."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

# (name, args after the input, kwargs, input shape): each differentiable in its input
CASES = [
    ("conv3d", [(4, 2, 2, 3, 2)], dict(stride=(1, 2, 1), padding=1, groups=2), (2, 4, 4, 5, 4)),
    ("conv_transpose3d", [(4, 1, 2, 2, 3)], dict(stride=2, padding=(0, 1, 1), output_padding=1, groups=2),
     (1, 4, 3, 2, 3)),
    ("max_pool3d", [3], dict(stride=2, padding=1), (2, 2, 5, 6, 5)),
    ("avg_pool3d", [3], dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False), (2, 2, 5, 6, 5)),
    ("adaptive_avg_pool3d", [(2, 3, 4)], {}, (2, 2, 5, 6, 7)),
    ("adaptive_max_pool3d", [(2, 3, 4)], {}, (2, 2, 5, 6, 7)),
    ("lp_pool3d", [2.0, 2], {}, (1, 2, 4, 4, 4)),
    ("interpolate", [], dict(size=(5, 3, 7), mode="trilinear", align_corners=False), (1, 2, 3, 4, 5)),
    ("interpolate", [], dict(scale_factor=1.7, mode="bicubic", align_corners=True), (1, 2, 4, 5)),
    ("interpolate", [], dict(scale_factor=(2, 1.5, 0.7), mode="nearest-exact"), (1, 2, 3, 4, 5)),
]


def _weights(name, args, rng):
    """Array arguments (weights) become fixed float tensors of the input's dtype."""
    return [rng.standard_normal(a) if isinstance(a, tuple) and name.startswith("conv") else a for a in args]


@pytest.mark.parametrize("name,args,kwargs,shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_float32_values_and_gradients_match_torch(name, args, kwargs, shape):
    rng = np.random.default_rng(0)
    args = _weights(name, args, rng)
    x = rng.standard_normal(shape).astype(np.float32)
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    to_e = [ember.tensor(a.astype(np.float32), requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
    to_t = [torch.tensor(a.astype(np.float32), requires_grad=True) if isinstance(a, np.ndarray) else a for a in args]
    ye = getattr(F, name)(xe, *to_e, **kwargs)
    yt = getattr(torch.nn.functional, name)(xt, *to_t, **kwargs)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    go = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
    ye.backward(ember.tensor(go))
    yt.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for a, b in zip(to_e, to_t):
        if isinstance(a, ember.Tensor):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-4)


# (conv_transpose3d has no second derivative: conv_transpose2d's backward kernel has none)
@pytest.mark.parametrize("name,args,kwargs,shape", [c for c in CASES if c[0] not in (
    "max_pool3d", "adaptive_max_pool3d", "conv_transpose3d")])
def test_second_derivatives(name, args, kwargs, shape):
    rng = np.random.default_rng(1)
    small = tuple(min(s, 4) for s in shape)
    args = _weights(name, args, rng)
    weights = [ember.tensor(a, dtype=ember.float64, requires_grad=True) for a in args if isinstance(a, np.ndarray)]
    rest = [a for a in args if not isinstance(a, np.ndarray)]
    x = ember.tensor(rng.uniform(0.5, 1.5, small), dtype=ember.float64, requires_grad=True)

    def fn(x, *w):
        return getattr(F, name)(x, *w, *rest, **kwargs)
    assert gradgradcheck(fn, (x, *weights))


@pytest.mark.parametrize("mode", ["bilinear", "bicubic", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_gradients(mode, padding_mode):
    rng = np.random.default_rng(2)
    x = ember.tensor(rng.standard_normal((1, 2, 3, 4)), requires_grad=True)
    grid = ember.tensor(rng.uniform(-1.1, 1.1, (1, 2, 3, 2)), requires_grad=mode != "nearest")
    assert gradcheck(lambda x, g: F.grid_sample(x, g, mode, padding_mode, align_corners=False), (x, grid))


def test_top_level_names_are_the_functions():
    assert ember.conv3d is F.conv3d and ember.conv_transpose3d is F.conv_transpose3d
    assert ember.max_pool3d is F.max_pool3d and ember.max_pool1d_with_indices is F.max_pool1d_with_indices
    x = ember.randn(2, 6, 3, 3)
    np.testing.assert_array_equal(ember.native_channel_shuffle(x, 3).numpy(),
                                  torch.native_channel_shuffle(torch.tensor(x.numpy()), 3).numpy())
    np.testing.assert_array_equal(ember.channel_shuffle(x, 2).numpy(),
                                  torch.channel_shuffle(torch.tensor(x.numpy()), 2).numpy())


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape", [(2, 2, 3, 4, 5), (2, 3, 4, 5)])
def test_pad_3d(mode, shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    pad = (1, 2, 0, 2, 2, 1)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = F.pad(xe, pad, mode), torch.nn.functional.pad(xt, pad, mode)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    go = rng.standard_normal(tuple(yt.shape))
    ye.backward(ember.tensor(go))
    yt.backward(torch.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_errors_leave_inputs_alone_and_name_the_op():
    x = ember.randn(1, 2, 3, 3, 3)
    before = x.numpy().copy()
    with pytest.raises(ValueError, match=r"max_pool3d: .*\[1, 2, 3, 3, 3\].*too small"):
        F.max_pool3d(x, 4)
    with pytest.raises(TypeError, match=r"conv_transpose3d.*padding"):
        F.conv_transpose3d(x, ember.randn(2, 2, 1, 1, 1), padding="same")
    with pytest.raises(TypeError, match="conv3d.*'input' must be Tensor"):
        F.conv3d(x.numpy(), ember.randn(2, 2, 1, 1, 1))
    with pytest.raises(ValueError, match=r"adaptive_avg_pool3d: .*\[2, 3\]"):
        F.adaptive_avg_pool3d(ember.randn(2, 3), 2)
    np.testing.assert_array_equal(x.numpy(), before)
