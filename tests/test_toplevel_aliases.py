"""torch's top-level spellings (ember/_ops/toplevel_aliases.py): the in-place functions against
torch, the F aliases being the F functions, the (input, p, train) dropouts' statistics, and
gradients of the composites by gradcheck (float64)."""
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember._ops import toplevel_aliases
from ember.autograd import gradcheck

torch = pytest.importorskip("torch")

UNIT = ["acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_",
        "atan_", "atanh_", "abs_", "ceil_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_", "exp2_", "exp_", "expm1_",
        "fix_", "floor_", "frac_", "log10_", "log1p_", "log2_", "log_", "neg_", "negative_", "rad2deg_",
        "reciprocal_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_",
        "relu_", "selu_", "celu_", "zero_", "detach_"]


def _domain(name):
    if name in ("acosh_", "arccosh_"):
        return np.linspace(1.1, 3.0, 6)
    if name in ("acos_", "asin_", "arccos_", "arcsin_", "atanh_", "arctanh_"):
        return np.linspace(-0.9, 0.9, 6)
    if name in ("log_", "log10_", "log2_", "log1p_", "sqrt_", "rsqrt_", "reciprocal_"):
        return np.linspace(0.2, 3.0, 6)
    return np.linspace(-2.7, 2.7, 6)


@pytest.mark.parametrize("name", UNIT)
def test_inplace_functions_match_torch(name):
    values = _domain(name).reshape(2, 3)
    ours, theirs = ember.tensor(values), torch.tensor(values)
    result = getattr(ember, name)(ours)
    getattr(torch, name)(theirs)
    assert result is ours
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name,args", [("clamp_", (-1.0, 1.0)), ("clip_", (-0.5, None)), ("clamp_min_", (0.3,)),
                                       ("clamp_max_", (0.3,)), ("xlogy_", (2.0,)), ("threshold_", (0.5, -3.0)),
                                       ("fill_", (4.0,)), ("nan_to_num_", ())])
def test_inplace_functions_with_arguments(name, args):
    values = np.array([[-2.0, np.nan, 0.4], [1.5, np.inf, 0.1]])
    ours, theirs = ember.tensor(values), torch.tensor(values)
    assert getattr(ember, name)(ours, *args) is ours
    getattr(torch, name)(theirs, *args)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), equal_nan=True)


def test_index_put_addmv_and_detach():
    x, tx = ember.zeros(4), torch.zeros(4, dtype=torch.float32)
    ember.index_put_(x, (ember.tensor([1, 1, 3]),), ember.tensor([1.0, 2.0, 3.0]), accumulate=True)
    torch.index_put_(tx, (torch.tensor([1, 1, 3]),), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == tx.tolist()
    m, v = np.arange(6.0).reshape(2, 3), np.arange(3.0)
    y, ty = ember.ones(2, dtype=ember.float64), torch.ones(2, dtype=torch.float64)
    ember.addmv_(y, ember.tensor(m), ember.tensor(v), beta=2.0)
    torch.addmv_(ty, torch.tensor(m), torch.tensor(v), beta=2.0)
    assert y.tolist() == ty.tolist()
    w = ember.ones(2, requires_grad=True)
    d = ember.detach(w * 2)
    assert not d.requires_grad and d.tolist() == [2.0, 2.0]


def test_f_aliases_are_the_f_functions():
    for name in toplevel_aliases._SAME_AS_F:
        assert getattr(ember, name) is getattr(F, name), name


def _f64(*shape, low=-2.0, high=2.0, seed=0):
    values = np.random.default_rng(seed).uniform(low, high, size=shape)
    return ember.tensor(values, dtype=ember.float64, requires_grad=True)


def test_composite_gradients():
    a, b, sign = _f64(3, 4), _f64(3, 4, seed=1), ember.tensor([1.0, -1.0, 1.0], dtype=ember.float64)
    target01 = ember.tensor(np.random.default_rng(2).uniform(0, 1, (3, 4)), dtype=ember.float64)
    assert gradcheck(lambda x, y: ember.margin_ranking_loss(x, y, ember.ones(3, 4, dtype=ember.float64), 0.1, 2),
                     (a, b))
    assert gradcheck(lambda x, y: ember.cosine_embedding_loss(x, y, sign, 0.0, 1), (a, b))
    assert gradcheck(lambda x: ember.binary_cross_entropy_with_logits(x, target01, None, None, 0), (a,))
    assert gradcheck(lambda x: ember.kl_div(x, target01, 1), (a,))
    assert gradcheck(lambda x, y: ember.triplet_margin_loss(x, y, y * 0.5, 1.0, 2, 1e-6, False, 2), (a, b))
    assert gradcheck(lambda x: ember.poisson_nll_loss(x, target01, True, False, 1e-8, 1), (a,))
    assert gradcheck(lambda x: ember.hinge_embedding_loss(x, ember.ones(3, 4, dtype=ember.float64) * -1, 1.0, 2),
                     (a,))
    w = _f64(4, seed=3)
    assert gradcheck(lambda x, g: ember.native_layer_norm(x, [4], g, None, 1e-5)[0], (a, w))
    assert gradcheck(lambda x: ember.native_layer_norm(x, [4], None, None, 1e-5)[2], (a,))
    c = _f64(4, 3, 2, seed=4)
    assert gradcheck(lambda x: ember.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5)[2], (c,))
    assert gradcheck(lambda x: ember.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False), (c,))
    assert gradcheck(lambda x: ember.constant_pad_nd(x, [1, -1], 2.0), (a,))
    assert gradcheck(lambda x: ember.adaptive_max_pool1d(x, 2)[0], (c,))
    v = ember.tensor(1.5, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda s: ember.fill(a.detach(), s), (v,))


@pytest.mark.parametrize("name,feature,alpha", [("dropout_", False, False), ("alpha_dropout_", False, True),
                                                ("feature_dropout", True, False), ("feature_dropout_", True, False),
                                                ("feature_alpha_dropout", True, True),
                                                ("feature_alpha_dropout_", True, True)])
def test_dropouts(name, feature, alpha):
    fn = getattr(ember, name)
    ember.manual_seed(0)
    x = ember.randn(64, 32, 8)
    keep = x.clone()
    assert fn(x.clone(), 0.5, False).tolist() == keep.tolist()  # not training: the input
    out = fn(x if name.endswith("_") else x.clone(), 0.3, True)
    if name.endswith("_"):
        assert out is x
    values = out.numpy()
    if alpha:
        # alpha dropout keeps a standard normal input's mean and variance
        assert abs(values.mean()) < 0.05 and abs(values.std() - 1.0) < 0.05
    else:
        dropped = values == 0
        assert abs(dropped.mean() - 0.3) < 0.03
        np.testing.assert_allclose(values[~dropped], keep.numpy()[~dropped] / 0.7, rtol=1e-5)
    if feature and not alpha:  # one draw per (N, C): every value of a channel dropped or kept together
        dropped_channels = (values == 0).all(-1)
        assert dropped_channels.any() and ((values == 0).any(-1) == dropped_channels).all()
    ember.manual_seed(3)
    a = fn(ember.ones(4, 5, 6), 0.5, True)
    ember.manual_seed(3)
    b = fn(ember.ones(4, 5, 6), 0.5, True)
    assert a.tolist() == b.tolist()  # reproducible under manual_seed
    assert fn(ember.ones(2, 3), 1.0, True).abs().sum().item() == 0 or alpha


def test_dropout_errors():
    with pytest.raises(ValueError, match="probability"):
        ember.feature_dropout(ember.ones(2, 3), 1.5, True)
    with pytest.raises(ValueError, match="Feature dropout"):
        ember.feature_alpha_dropout(ember.ones(3), 0.5, True)
    with pytest.raises(TypeError, match="dropout_"):
        ember.dropout_([1.0], 0.5, True)
