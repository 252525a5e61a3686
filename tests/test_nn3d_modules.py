"""The 3-D, pooling, padding, sampling and normalisation layers against PyTorch with identical
weights: forward values, input and parameter gradients, running statistics; and the
channel-wise 3-D and alpha dropouts by their statistics."""
import numpy as np
import pytest

import ember
from ember import nn
import ember.nn.functional as F

torch = pytest.importorskip("torch")


def _port(tmod, emod):
    state = {k: ember.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()}
    emod.load_state_dict(state)


# name, constructor args, kwargs (the same for both libraries), input shape, train mode
LAYERS = [
    ("Conv3d", (2, 4, 3), {"padding": 1}, (2, 2, 4, 5, 4), True),
    ("Conv3d", (4, 4, (2, 3, 1)), {"groups": 2, "stride": (1, 2, 1), "dilation": (2, 1, 1), "bias": False},
     (1, 4, 5, 5, 3), True),
    ("Conv3d", (2, 3, 3), {"padding": "same", "padding_mode": "reflect"}, (1, 2, 4, 4, 4), True),
    ("Conv3d", (2, 3, 2), {"padding": 1, "padding_mode": "circular"}, (1, 2, 3, 4, 3), True),
    ("Conv3d", (2, 3, 3), {"padding": (1, 0, 1), "padding_mode": "replicate"}, (2, 3, 4, 3), True),
    ("ConvTranspose3d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, (1, 3, 2, 3, 2), True),
    ("ConvTranspose3d", (4, 2, 2), {"groups": 2, "dilation": 2}, (2, 4, 2, 2, 3), True),
    ("MaxPool3d", (2,), {}, (2, 2, 4, 4, 6), True),
    ("MaxPool3d", (3,), {"stride": 2, "padding": 1, "ceil_mode": True}, (1, 2, 5, 6, 5), True),
    ("AvgPool3d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}, (1, 2, 5, 6, 5), True),
    ("AvgPool3d", (2,), {"divisor_override": 3}, (2, 4, 4, 4), True),
    ("AdaptiveAvgPool3d", ((2, 3, None),), {}, (1, 2, 5, 7, 4), True),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 5, 7, 4), True),
    ("LPPool1d", (2, 3), {"stride": 2}, (2, 3, 9), True),
    ("LPPool2d", (3.0, 2), {}, (1, 2, 6, 6), True),
    ("LPPool3d", (2, (2, 3, 2)), {"ceil_mode": True}, (1, 2, 5, 5, 5), True),
    ("BatchNorm3d", (3,), {}, (2, 3, 3, 4, 2), True),
    ("BatchNorm3d", (3,), {"momentum": None, "affine": False}, (2, 3, 2, 2, 2), True),
    ("BatchNorm3d", (3,), {}, (2, 3, 2, 3, 2), False),
    ("InstanceNorm1d", (3,), {}, (2, 3, 6), True),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 6), True),
    ("InstanceNorm2d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 4, 5), True),
    ("InstanceNorm2d", (3,), {"track_running_stats": True}, (2, 3, 4, 5), False),
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 2, 3, 4, 3), True),
    ("Upsample", (), {"scale_factor": 2, "mode": "trilinear", "align_corners": True}, (1, 2, 2, 3, 2), True),
    ("Upsample", (), {"size": (3, 5, 4), "mode": "nearest"}, (1, 2, 2, 3, 2), True),
    ("Upsample", (), {"scale_factor": 1.5, "mode": "bicubic"}, (1, 2, 4, 5), True),
    ("UpsamplingNearest2d", (), {"scale_factor": 2}, (1, 2, 3, 3), True),
    ("UpsamplingBilinear2d", (), {"size": (5, 4)}, (1, 2, 3, 3), True),
    ("Fold", ((4, 5), 2), {"stride": 1}, (2, 12, 12), True),
    ("Unfold", (2,), {"padding": 1, "stride": 2}, (2, 3, 4, 5), True),
    ("ChannelShuffle", (2,), {}, (2, 4, 3, 3), True),
    ("Softmax2d", (), {}, (2, 3, 4, 4), True),
    ("PixelShuffle", (2,), {}, (1, 8, 2, 3), True),
    ("PixelUnshuffle", (2,), {}, (1, 2, 4, 6), True),
    ("FeatureAlphaDropout", (0.5,), {}, (2, 3, 4), False),
    ("Dropout3d", (0.5,), {}, (2, 3, 2, 2, 2), False),
]
for _dims, _shape in ((1, (2, 3, 6)), (2, (2, 2, 4, 5)), (3, (1, 2, 3, 4, 5))):
    _pad = (1, 2, 2, 0, 1, 1)[:2 * _dims]
    LAYERS += [(f"ZeroPad{_dims}d", (_pad,), {}, _shape, True),
               (f"ConstantPad{_dims}d", (_pad, 1.5), {}, _shape, True),
               (f"ReflectionPad{_dims}d", (_pad,), {}, _shape, True),
               (f"ReplicationPad{_dims}d", (1,), {}, _shape, True),
               (f"CircularPad{_dims}d", (_pad,), {}, _shape, True),
               (f"ReflectionPad{_dims}d", (1,), {}, _shape[1:], True)]


@pytest.mark.parametrize("name,args,kwargs,shape,train", LAYERS,
                         ids=[f"{layer[0]}-{i}" for i, layer in enumerate(LAYERS)])
def test_layer_matches_torch(name, args, kwargs, shape, train):
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    tmod = getattr(torch.nn, name)(*args, **kwargs).double()
    emod = getattr(nn, name)(*args, **kwargs).double()
    _port(tmod, emod)
    tmod.train(train)
    emod.train(train)
    x = rng.standard_normal(shape)
    xt = torch.tensor(x, requires_grad=True)
    xe = ember.tensor(x, requires_grad=True)
    yt, ye = tmod(xt), emod(xe)
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    go = rng.standard_normal(tuple(yt.shape))
    yt.backward(torch.tensor(go))
    ye.backward(ember.tensor(go))
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    for (k, pt), (_, pe) in zip(tmod.named_parameters(), emod.named_parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=k)
    for (k, bt), (_, be) in zip(tmod.named_buffers(), emod.named_buffers()):
        np.testing.assert_allclose(be.numpy(), bt.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)
    assert repr(emod) == repr(tmod)


def test_conv_transpose3d_output_size():
    tmod = torch.nn.ConvTranspose3d(2, 3, 3, stride=2).double()
    emod = nn.ConvTranspose3d(2, 3, 3, stride=2).double()
    _port(tmod, emod)
    x = np.random.default_rng(1).standard_normal((1, 2, 2, 3, 2))
    yt = tmod(torch.tensor(x), output_size=[6, 8, 5])
    ye = emod(ember.tensor(x), output_size=[6, 8, 5])
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="output size"):
        emod(ember.tensor(x), output_size=[9, 8, 5])


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_unpool_inverts_max_pool(dims):
    shape = [(2, 3, 8), (2, 3, 6, 8), (1, 2, 4, 6, 4)][dims - 1]
    x = np.random.default_rng(2).standard_normal(shape)
    pool_t = getattr(torch.nn, f"MaxPool{dims}d")(2, return_indices=True)
    pool_e = getattr(nn, f"MaxPool{dims}d")(2, return_indices=True)
    unpool_t = getattr(torch.nn, f"MaxUnpool{dims}d")(2)
    unpool_e = getattr(nn, f"MaxUnpool{dims}d")(2)
    xt, xe = torch.tensor(x), ember.tensor(x, requires_grad=True)
    yt, it = pool_t(xt)
    ye, ie = pool_e(xe)
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    ue = unpool_e(ye, ie, output_size=list(shape))
    np.testing.assert_array_equal(ue.detach().numpy(), unpool_t(yt, it, output_size=list(shape)).numpy())
    ue.sum().backward()  # every maximum is restored once: its gradient is 1, the rest 0
    np.testing.assert_array_equal(xe.grad.numpy(), (ue.detach().numpy() != 0).astype(np.float64))


@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_max_pool_module_matches_torch(dims):
    rng = np.random.default_rng(3)
    shape = [(2, 3, 9, 8), (1, 2, 6, 7, 6)][dims - 2]
    samples = rng.uniform(0, 1, size=(shape[0], shape[1], dims))
    x = rng.standard_normal(shape)
    tmod = getattr(torch.nn, f"FractionalMaxPool{dims}d")(2, output_ratio=0.5, return_indices=True,
                                                          _random_samples=torch.tensor(samples))
    emod = getattr(nn, f"FractionalMaxPool{dims}d")(2, output_ratio=0.5, return_indices=True,
                                                    _random_samples=ember.tensor(samples))
    (yt, it), (ye, ie) = tmod(torch.tensor(x)), emod(ember.tensor(x))
    np.testing.assert_array_equal(ye.numpy(), yt.numpy())
    np.testing.assert_array_equal(ie.numpy(), it.numpy())
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        getattr(nn, f"FractionalMaxPool{dims}d")(2, output_ratio=1.5)
    with pytest.raises(ValueError, match="either an output size"):
        getattr(nn, f"FractionalMaxPool{dims}d")(2)


def test_fractional_max_pool_draws_samples():
    x = ember.randn(2, 3, 9, 9)
    ember.manual_seed(0)
    a = F.fractional_max_pool2d(x, 2, output_size=4)
    ember.manual_seed(0)
    b = F.fractional_max_pool2d(x, 2, output_size=4)
    assert a.shape == (2, 3, 4, 4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_dropout3d_drops_whole_channels():
    ember.manual_seed(0)
    x = ember.ones(8, 16, 2, 3, 2)
    y = F.dropout3d(x, 0.5, training=True)
    per_channel = y.numpy().reshape(8, 16, -1)
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert (per_channel.min(-1) == per_channel.max(-1)).all()  # one draw per (sample, channel)
    assert 0.25 < (per_channel[..., 0] == 0).mean() < 0.75
    assert F.dropout3d(x, 0.5, training=False) is x
    unbatched = F.dropout3d(ember.ones(16, 2, 2, 2), 0.5)
    assert unbatched.shape == (16, 2, 2, 2)
    with pytest.raises(ValueError, match="dropout3d.*4D .*5D.*3D input"):
        F.dropout3d(ember.ones(2, 3, 4))
    m = nn.Dropout3d(0.5)
    m.eval()
    assert m(x) is x


def test_feature_alpha_dropout_keeps_selu_statistics_per_channel():
    ember.manual_seed(0)
    x = ember.randn(64, 32, 50)
    y = F.feature_alpha_dropout(x, 0.2, training=True).numpy()
    # dropped channels are one constant, kept ones an affine map of the input
    a = 1.0 / np.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    xn = x.numpy()
    kept = np.isclose(y, xn * a + 1.7580993408473766 * a * 0.2, atol=1e-5).all(-1)
    dropped = np.isclose(y, -1.7580993408473766 * a + 1.7580993408473766 * a * 0.2, atol=1e-5).all(-1)
    assert (kept | dropped).all()
    assert 0.1 < dropped.mean() < 0.3
    assert abs(y.mean()) < 0.1 and abs(y.std() - 1) < 0.1
    assert F.feature_alpha_dropout(x, 0.2, training=False) is x
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(ember.ones(3), 0.5, training=True)


def test_batch_norm3d_rejects_other_ranks():
    with pytest.raises(ValueError, match="expected 5D input"):
        nn.BatchNorm3d(3)(ember.ones(2, 3, 4, 4))
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        nn.InstanceNorm2d(3)(ember.ones(2, 3, 4, 4, 4))
    with pytest.raises(ValueError, match="num_features"):
        nn.InstanceNorm1d(4, affine=True)(ember.ones(2, 3, 5))
