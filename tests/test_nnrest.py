"""The rest of nn: EmbeddingBag, CTCLoss and ctc_loss's gradient, the random activations
(gumbel_softmax, rrelu), the distance and margin modules, LocalResponseNorm / CrossMapLRN2d,
AdaptiveLogSoftmaxWithLoss, the lazy modules, SyncBatchNorm, RNNCellBase, NLLLoss2d,
MultiheadAttention through multi_head_attention_forward, nn.grad, nn.attention and
nn.factory_kwargs. PyTorch is the oracle where it is installed; the functional ops' catalogue
entries (op_db_nnrest.py) cover their layouts, dtypes and bad input."""
import warnings

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck

torch = pytest.importorskip("torch")


def _t(a, lib=ember, dtype=None, requires_grad=False):
    x = lib.tensor(np.asarray(a))
    if dtype is not None:
        x = x.to(dtype)
    return x.requires_grad_(requires_grad) if requires_grad else x


def _np(x):
    return x.detach().numpy()


def _copy_params(src, dst):
    """dst (ember) takes src's (torch) parameters and buffers, by name."""
    state = {k: ember.tensor(v.detach().numpy()) for k, v in src.state_dict().items()}
    dst.load_state_dict(state)


# ---- embedding_bag ---------------------------------------------------------------------------

def test_embedding_bag_module_matches_torch_and_its_weight_gradient():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 3))
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 0], dtype=np.int64)
    offsets = np.array([0, 3, 3, 5], dtype=np.int64)
    for mode in ("sum", "mean", "max"):
        e = ember.nn.EmbeddingBag.from_pretrained(_t(w), freeze=False, mode=mode, padding_idx=2)
        t = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), freeze=False, mode=mode, padding_idx=2)
        ye, yt = e(_t(idx), _t(offsets)), t(torch.tensor(idx), torch.tensor(offsets))
        np.testing.assert_allclose(_np(ye), _np(yt), atol=1e-12)
        g = rng.standard_normal(ye.shape)
        ye.backward(_t(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(e.weight.grad.numpy(), t.weight.grad.numpy(), atol=1e-12)
    assert repr(e) == repr(t).replace("torch", "ember")


def test_embedding_bag_max_norm_renormalises_the_rows_it_reads():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((6, 4)) * 3
    idx = np.array([0, 2, 2, 5], dtype=np.int64)
    we, wt = _t(w), torch.tensor(w)
    ye = F.embedding_bag(_t(idx), we, _t(np.array([0, 2])), max_norm=1.0)
    yt = torch.nn.functional.embedding_bag(torch.tensor(idx), wt, torch.tensor([0, 2]), max_norm=1.0)
    np.testing.assert_allclose(_np(ye), _np(yt), atol=1e-12)
    np.testing.assert_allclose(we.numpy(), wt.numpy(), atol=1e-12)  # rows 0, 2, 5 rescaled in place


def test_embedding_bag_gradcheck_float64():
    rng = np.random.default_rng(2)
    w = _t(rng.standard_normal((5, 3)), requires_grad=True)
    psw = _t(rng.standard_normal(6), requires_grad=True)
    idx, offsets = _t(np.array([0, 1, 1, 4, 3, 2])), _t(np.array([0, 4]))
    assert gradcheck(lambda w, p: F.embedding_bag(idx, w, offsets, mode="sum", per_sample_weights=p), (w, psw))
    assert gradcheck(lambda w: F.embedding_bag(idx, w, offsets, mode="max"), (w,))


def test_embedding_bag_without_bags():
    w = _t(np.ones((4, 2)), requires_grad=True)
    idx = _t(np.array([1, 2, 3]))
    for offsets, last in ((np.zeros(0, dtype=np.int64), False), (np.array([0]), True)):
        out = F.embedding_bag(idx, w, _t(offsets), include_last_offset=last, mode="sum")
        assert out.shape == (0, 2)


def test_embedding_bag_sparse_is_not_implemented():
    with pytest.raises(NotImplementedError, match="sparse"):
        ember.nn.EmbeddingBag(4, 2, sparse=True)


# ---- ctc_loss ----------------------------------------------------------------------------------

def _ctc_case(seed=0, T=10, N=3, C=6):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((T, N, C))
    targets = rng.integers(1, C, size=(N, 4)).astype(np.int64)
    targets[1, 2] = targets[1, 1]
    return x, targets, np.array([10, 9, 6]), np.array([4, 3, 2])


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_loss_value_and_raw_gradient_match_torch(reduction):
    x, targets, il, tl = _ctc_case()
    le = _t(x, requires_grad=True)
    lt = torch.tensor(x, requires_grad=True)
    ye = F.ctc_loss(le, _t(targets), _t(il), _t(tl), reduction=reduction)
    yt = torch.nn.functional.ctc_loss(lt, torch.tensor(targets), torch.tensor(il), torch.tensor(tl),
                                      reduction=reduction)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-12, atol=1e-12)
    ye.sum().backward()
    yt.sum().backward()
    # PyTorch's gradient with respect to (unnormalised) log_probs, reproduced as such
    np.testing.assert_allclose(le.grad.numpy(), lt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_ctc_loss_gradcheck_through_log_softmax_float64():
    x, targets, il, tl = _ctc_case(1, T=6, N=2, C=4)
    il, tl, targets = il[:2] - 4, tl[:2] - 1, targets[:2] % 3 + 1
    xe = _t(x, requires_grad=True)
    fn = lambda x: F.ctc_loss(x.log_softmax(2), _t(targets), _t(il), _t(tl), reduction="sum")
    assert gradcheck(fn, (xe,))


def test_ctc_loss_float32_and_module_and_infinite_losses():
    x, targets, il, tl = _ctc_case(2)
    lp = torch.tensor(x, dtype=torch.float32).log_softmax(2)
    short = np.array([2, 9, 6])
    for zero_infinity in (False, True):
        ye = ember.nn.CTCLoss(zero_infinity=zero_infinity, reduction="none")(
            _t(lp.numpy()), _t(targets), tuple(short.tolist()), tuple(tl.tolist()))
        yt = torch.nn.CTCLoss(zero_infinity=zero_infinity, reduction="none")(
            lp, torch.tensor(targets), tuple(short.tolist()), tuple(tl.tolist()))
        assert ye.dtype == ember.float32
        np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-5)
    assert np.isinf(_np(F.ctc_loss(_t(lp.numpy()), _t(targets), _t(short), _t(tl), reduction="none"))[0])


def test_ctc_loss_zero_infinity_gradient_is_zero_for_the_impossible_sequence():
    x, targets, il, tl = _ctc_case(3)
    xe = _t(x, requires_grad=True)
    F.ctc_loss(xe.log_softmax(2), _t(targets), _t(np.array([2, 9, 6])), _t(tl), zero_infinity=True).backward()
    g = xe.grad.numpy()
    assert np.all(g[:, 0] == 0) and np.all(np.isfinite(g)) and np.any(g[:, 1] != 0)


# ---- random activations ------------------------------------------------------------------------

def test_gumbel_softmax_samples_the_softmax_distribution():
    ember.manual_seed(0)
    logits = _t(np.log(np.array([[0.1, 0.2, 0.7]])).repeat(4000, 0))
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(_np(soft).sum(1), 1.0, rtol=1e-6)
    hard = F.gumbel_softmax(logits, tau=1.0, hard=True)
    h = _np(hard)
    assert set(np.unique(h)) == {0.0, 1.0} and np.all(h.sum(1) == 1)
    np.testing.assert_allclose(h.mean(0), [0.1, 0.2, 0.7], atol=0.03)  # argmax of logits + Gumbel noise


def test_gumbel_softmax_hard_has_the_soft_samples_gradient():
    logits = _t(np.random.default_rng(0).standard_normal((3, 5)), requires_grad=True)
    ember.manual_seed(5)
    hard = F.gumbel_softmax(logits, hard=True, dim=1)
    weights = _t(np.arange(15.0).reshape(3, 5))
    (hard * weights).sum().backward()
    grad_hard = logits.grad.clone()
    logits.grad = None
    ember.manual_seed(5)
    (F.gumbel_softmax(logits, dim=1) * weights).sum().backward()
    np.testing.assert_allclose(grad_hard.numpy(), logits.grad.numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="floating"):
        F.gumbel_softmax(_t(np.array([1, 2])))


def test_rrelu_training_uses_its_sampled_slopes_in_backward():
    ember.manual_seed(0)
    x = _t(np.random.default_rng(0).standard_normal((200, 50)), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    xv, yv, g = x.detach().numpy(), _np(y), x.grad.numpy()
    neg = xv < 0
    slopes = yv[neg] / xv[neg]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    np.testing.assert_allclose(g[neg], slopes, rtol=1e-12)  # d y / d x is the slope drawn
    assert np.all(g[~neg] == 1) and np.all(yv[~neg] == xv[~neg])
    m = ember.nn.RReLU(0.1, 0.3)
    m.eval()
    np.testing.assert_allclose(_np(m(x)), np.where(xv >= 0, xv, 0.2 * xv))
    assert repr(m) == repr(torch.nn.RReLU(0.1, 0.3))


def test_rrelu_inplace():
    ember.manual_seed(1)
    x = _t(np.array([-1.0, 2.0, -3.0]))
    out = F.rrelu_(x, training=True)
    assert out is x and x[1].item() == 2.0 and -1.0 / 3 <= x[0].item() <= -1.0 / 8
    leaf = _t(np.array([-1.0, 2.0, -0.5, -3.0]), requires_grad=True)
    z = leaf * 1
    F.rrelu_(z, training=True)
    z.sum().backward()  # through the in-place write: the drawn slopes
    np.testing.assert_allclose(leaf.grad.numpy(), _np(z) / leaf.detach().numpy(), rtol=1e-12)
    y = _t(np.array([-1.0, 2.0]))
    ember.nn.RReLU(inplace=True).eval()(y)
    np.testing.assert_allclose(y.numpy(), [-(1 / 8 + 1 / 3) / 2, 2.0])


# ---- distance, margin and normalisation modules ----------------------------------------------------

def test_distance_and_margin_modules_match_torch():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((4, 5)) for _ in range(3))
    pairs = [
        (ember.nn.CosineSimilarity(dim=1), torch.nn.CosineSimilarity(dim=1), (a, b)),
        (ember.nn.PairwiseDistance(p=1.5, keepdim=True), torch.nn.PairwiseDistance(p=1.5, keepdim=True), (a, b)),
        (ember.nn.TripletMarginWithDistanceLoss(swap=True), torch.nn.TripletMarginWithDistanceLoss(swap=True),
         (a, b, c)),
        (ember.nn.MultiLabelMarginLoss(reduction="sum"), torch.nn.MultiLabelMarginLoss(reduction="sum"),
         (a, np.array([[1, 3, -1, 0, 0], [0, 1, 2, 3, 4], [-1, 0, 0, 0, 0], [4, -1, 2, 2, 2]]))),
    ]
    for e, t, args in pairs:
        ea = [_t(x, requires_grad=x.dtype.kind == "f") for x in args]
        ta = [torch.tensor(x, requires_grad=x.dtype.kind == "f") for x in args]
        ye, yt = e(*ea), t(*ta)
        np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-12, atol=1e-12)
        ye.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(ea[0].grad.numpy(), ta[0].grad.numpy(), rtol=1e-10, atol=1e-12)


def test_pdist_of_no_rows_and_one_row():
    assert F.pdist(ember.zeros(0, 3)).shape == (0,)
    assert F.pdist(ember.ones(1, 3)).shape == (0,)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_local_response_norm_matches_torch(size):
    x = np.random.default_rng(size).standard_normal((2, 6, 3, 3))
    e, t = ember.nn.LocalResponseNorm(size, 0.3, 0.7, 1.5), torch.nn.LocalResponseNorm(size, 0.3, 0.7, 1.5)
    xe, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ye, yt = e(xe), t(xt)
    np.testing.assert_allclose(_np(ye), _np(yt), rtol=1e-10)
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    assert repr(e) == repr(t)


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 8])
def test_cross_map_lrn2d_values_match_torch_and_its_gradient_is_the_derivative(size):
    x = np.random.default_rng(size).standard_normal((2, 6, 3, 3))
    e, t = ember.nn.CrossMapLRN2d(size, 0.3, 0.7, 2), torch.nn.CrossMapLRN2d(size, 0.3, 0.7, 2)
    np.testing.assert_allclose(_np(e(_t(x))), _np(t(torch.tensor(x))), rtol=1e-10)
    # PyTorch's hand-written backward is not its forward's derivative (it fails gradcheck);
    # ember differentiates the forward.
    small = _t(x[:1, :, :2, :2], requires_grad=True)
    assert gradcheck(e, (small,))
    with pytest.raises(ValueError, match="4D"):
        ember.nn.CrossMapLRN2d(3)(ember.ones(2, 3, 4))


def test_nll_loss_2d_is_nll_loss_with_a_deprecation_warning():
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        m = ember.nn.NLLLoss2d()
    assert isinstance(m, ember.nn.NLLLoss)
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    y = np.random.default_rng(1).integers(0, 3, (2, 4, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.nn.NLLLoss2d()(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(m(_t(x), _t(y)).item(), expected.item(), rtol=1e-12)


# ---- AdaptiveLogSoftmaxWithLoss -------------------------------------------------------------------

def test_adaptive_log_softmax_matches_torch():
    torch.manual_seed(0)
    t = torch.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0, head_bias=True).double()
    e = ember.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [4, 10, 15], div_value=2.0, head_bias=True, dtype=ember.float64)
    assert sorted(e.state_dict()) == sorted(t.state_dict())
    _copy_params(t, e)
    x = np.random.default_rng(0).standard_normal((6, 8))
    target = np.array([0, 3, 5, 12, 19, 9])
    xe, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    oe, ot = e(xe, _t(target)), t(xt, torch.tensor(target))
    np.testing.assert_allclose(_np(oe.output), _np(ot.output), rtol=1e-10)
    np.testing.assert_allclose(oe.loss.item(), ot.loss.item(), rtol=1e-10)
    oe.loss.backward()
    ot.loss.backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(e.tail[1][0].weight.grad.numpy(), t.tail[1][0].weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(e.log_prob(_t(x))), _np(t.log_prob(torch.tensor(x))), rtol=1e-10)
    np.testing.assert_array_equal(e.predict(_t(x)).numpy(), t.predict(torch.tensor(x)).numpy())
    single = e(_t(x[0]), _t(np.array(3)))
    assert single.output.shape == ()
    with pytest.raises(RuntimeError, match="Target values should be in"):
        e(_t(x), _t(np.array([0, 1, 2, 3, 4, 20])))
    with pytest.raises(ValueError, match="cutoffs"):
        ember.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [10, 4])


# ---- lazy modules -----------------------------------------------------------------------------

@pytest.mark.parametrize("name,args,shape", [
    ("Linear", (3,), (2, 5)), ("Conv1d", (4, 3), (2, 6, 7)), ("Conv2d", (4, 3), (1, 6, 5, 5)),
    ("ConvTranspose1d", (4, 3), (2, 6, 7)), ("ConvTranspose2d", (4, 3), (6, 5, 5)),
    ("BatchNorm1d", (), (4, 3, 5)), ("BatchNorm2d", (), (2, 3, 4, 4)), ("BatchNorm3d", (), (2, 3, 2, 2, 2)),
    ("InstanceNorm1d", (), (2, 3, 5)), ("InstanceNorm2d", (), (2, 3, 4, 4)), ("InstanceNorm3d", (), (2, 3, 2, 2, 2)),
    ("Conv3d", (4, 2), (1, 3, 4, 4, 4)), ("ConvTranspose3d", (4, 2), (1, 3, 4, 4, 4)),
])
def test_lazy_modules_infer_their_input_size_and_become_the_eager_layer(name, args, shape):
    if name.endswith("3d") and "Conv" in name and not hasattr(ember._C, "conv3d"):
        pytest.skip("this build has no 3-D convolution kernels")
    lazy = getattr(ember.nn, f"Lazy{name}")(*args)
    assert isinstance(lazy.weight, ember.nn.UninitializedParameter) and lazy.has_uninitialized_params()
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        lazy.weight.shape
    assert repr(lazy).startswith(f"Lazy{name}(")
    x = ember.randn(*shape)
    y = lazy(x)
    assert type(lazy) is getattr(ember.nn, name) and type(lazy.weight) is ember.nn.Parameter
    eager_t = getattr(torch.nn, f"Lazy{name}")(*args)
    eager_t(torch.tensor(x.numpy()))
    assert repr(lazy) == repr(eager_t)
    assert {k: tuple(v.shape) for k, v in lazy.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in eager_t.state_dict().items()}
    np.testing.assert_allclose(_np(y), _np(eager_t(torch.tensor(x.numpy()))), rtol=1e-4, atol=1e-4) \
        if "Norm" in name else None  # (the norms start from the same statistics; layers' weights are random)
    assert tuple(y.shape) == tuple(eager_t(torch.tensor(x.numpy())).shape)


def test_lazy_linear_initialises_as_linear_would_and_loads_a_state_dict():
    ember.manual_seed(3)
    lazy = ember.nn.LazyLinear(4)
    lazy(ember.ones(1, 6))
    ember.manual_seed(3)
    eager = ember.nn.Linear(6, 4)
    np.testing.assert_array_equal(_np(lazy.weight), _np(eager.weight))
    fresh = ember.nn.LazyLinear(4)
    fresh.load_state_dict(eager.state_dict())
    np.testing.assert_array_equal(_np(fresh.weight), _np(eager.weight))
    fresh(ember.ones(2, 6))
    assert type(fresh) is ember.nn.Linear and fresh.in_features == 6
    buffer = ember.nn.UninitializedBuffer()
    buffer.materialize((2, 3), dtype=ember.float64)
    assert type(buffer) is ember.Tensor and buffer.shape == (2, 3) and buffer.dtype == ember.float64


def test_an_optimizer_made_before_the_first_forward_pass_updates_the_materialized_parameters():
    lazy = ember.nn.LazyLinear(2)
    opt = ember.optim.SGD(lazy.parameters(), lr=0.5)
    lazy(ember.ones(3, 4)).sum().backward()
    before = _np(lazy.weight).copy()
    opt.step()
    np.testing.assert_allclose(_np(lazy.weight), before - 0.5 * 3, rtol=1e-6)


# ---- SyncBatchNorm, RNNCellBase ------------------------------------------------------------------

def test_sync_batch_norm_without_a_process_group_is_batch_norm():
    x = np.random.default_rng(0).standard_normal((4, 3, 5)).astype(np.float32)
    e, t = ember.nn.SyncBatchNorm(3, momentum=0.3), torch.nn.SyncBatchNorm(3, momentum=0.3)
    np.testing.assert_allclose(_np(e(_t(x))), _np(t(torch.tensor(x))), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e.running_var.numpy(), t.running_var.numpy(), rtol=1e-5)
    with pytest.raises(ValueError, match="at least 2D"):
        e(ember.ones(3))
    with pytest.raises(ValueError, match="non-zero"):
        ember.nn.SyncBatchNorm(0)(ember.ones(2, 0))
    net = ember.nn.Sequential(ember.nn.Linear(3, 3), ember.nn.BatchNorm1d(3))
    converted = ember.nn.SyncBatchNorm.convert_sync_batchnorm(net)
    assert type(converted[1]) is ember.nn.SyncBatchNorm and converted[1].weight is net[1].weight


def test_rnn_cells_share_rnn_cell_base():
    for cls in (ember.nn.RNNCell, ember.nn.LSTMCell, ember.nn.GRUCell):
        assert issubclass(cls, ember.nn.RNNCellBase)
    base = ember.nn.RNNCellBase(3, 4, True, num_chunks=2)
    assert base.weight_ih.shape == (8, 3) and base.bias_hh.shape == (8,)


# ---- multi-head attention ---------------------------------------------------------------------

@pytest.mark.parametrize("kw,batch_first,need_weights", [
    ({}, False, True), ({"kdim": 3, "vdim": 5}, True, True), ({"add_bias_kv": True, "add_zero_attn": True}, False,
                                                              False)])
def test_multihead_attention_module_matches_torch(kw, batch_first, need_weights):
    torch.manual_seed(0)
    t = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first, **kw).double()
    e = ember.nn.MultiheadAttention(8, 2, batch_first=batch_first, dtype=ember.float64, **kw)
    _copy_params(t, e)
    rng = np.random.default_rng(0)
    L, S, N = 3, 4, 2
    q = rng.standard_normal((N, L, 8) if batch_first else (L, N, 8))
    k = rng.standard_normal((N, S, kw.get("kdim", 8)) if batch_first else (S, N, kw.get("kdim", 8)))
    v = rng.standard_normal((N, S, kw.get("vdim", 8)) if batch_first else (S, N, kw.get("vdim", 8)))
    kpm = np.array([[False, False, True, False], [False, False, False, False]])
    oe, we = e(_t(q), _t(k), _t(v), key_padding_mask=_t(kpm), need_weights=need_weights)
    ot, wt = t(torch.tensor(q), torch.tensor(k), torch.tensor(v), key_padding_mask=torch.tensor(kpm),
               need_weights=need_weights)
    np.testing.assert_allclose(_np(oe), _np(ot), rtol=1e-10, atol=1e-12)
    if need_weights:
        np.testing.assert_allclose(_np(we), _np(wt), rtol=1e-10, atol=1e-12)
    else:
        assert we is None and wt is None


def test_multi_head_attention_forward_static_kv_matches_torch():
    rng = np.random.default_rng(1)
    E, H, L, S, N = 4, 2, 3, 5, 2
    q = rng.standard_normal((L, N, E))
    sk, sv = rng.standard_normal((N * H, S, E // H)), rng.standard_normal((N * H, S, E // H))
    w, b, ow, ob = (rng.standard_normal(s) for s in ((3 * E, E), (3 * E,), (E, E), (E,)))
    def args(lib):
        t = (lambda x: _t(x)) if lib is ember else torch.tensor
        return [t(q), t(q), t(q), E, H, t(w), t(b), None, None, False, 0.0, t(ow), t(ob)]

    def kw(lib):
        t = (lambda x: _t(x)) if lib is ember else torch.tensor
        return {"static_k": t(sk), "static_v": t(sv), "training": False}
    oe, we = F.multi_head_attention_forward(*args(ember), **kw(ember))
    ot, wt = torch.nn.functional.multi_head_attention_forward(*args(torch), **kw(torch))
    np.testing.assert_allclose(_np(oe), _np(ot), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(_np(we), _np(wt), rtol=1e-10, atol=1e-12)


# ---- nn.grad, nn.attention, nn.factory_kwargs, nn.common_types --------------------------------------

@pytest.mark.parametrize("dims", [1, 2, 3])
def test_nn_grad_convolution_gradients_match_torch(dims):
    if dims == 3 and not hasattr(ember._C, "conv3d"):
        pytest.skip("this build has no 3-D convolution kernels")
    rng = np.random.default_rng(dims)
    spatial = (7,) * dims if dims < 3 else (5,) * 3
    x = rng.standard_normal((2, 4) + spatial)
    w = rng.standard_normal((6, 2) + (3,) * dims)
    kw = dict(stride=2, padding=1, dilation=1, groups=2)
    go = torch.nn.functional.__dict__[f"conv{dims}d"](torch.tensor(x), torch.tensor(w), **kw)
    g = rng.standard_normal(tuple(go.shape))
    e_in = getattr(ember.nn.grad, f"conv{dims}d_input")(x.shape, _t(w), _t(g), **kw)
    t_in = getattr(torch.nn.grad, f"conv{dims}d_input")(x.shape, torch.tensor(w), torch.tensor(g), **kw)
    np.testing.assert_allclose(_np(e_in), _np(t_in), rtol=1e-10, atol=1e-12)
    e_w = getattr(ember.nn.grad, f"conv{dims}d_weight")(_t(x), w.shape, _t(g), **kw)
    t_w = getattr(torch.nn.grad, f"conv{dims}d_weight")(torch.tensor(x), w.shape, torch.tensor(g), **kw)
    np.testing.assert_allclose(_np(e_w), _np(t_w), rtol=1e-10, atol=1e-12)
    assert not e_w.requires_grad
    with pytest.raises(ValueError, match="grad_output"):
        getattr(ember.nn.grad, f"conv{dims}d_weight")(_t(x), w.shape, _t(g[:1]), **kw)


def test_sdpa_kernel_selects_and_restores_backends():
    from ember.nn.attention import SDPBackend, _cur_sdpa_kernel_backends, sdpa_kernel
    assert {b.name: b.value for b in SDPBackend} == {
        name: int(b) for name, b in torch.nn.attention.SDPBackend.__members__.items()}
    before = _cur_sdpa_kernel_backends()
    q = ember.randn(1, 2, 3, 4)
    with sdpa_kernel(SDPBackend.MATH):
        assert _cur_sdpa_kernel_backends() == [SDPBackend.MATH]
        with sdpa_kernel([SDPBackend.FLASH_ATTENTION, SDPBackend.MATH, SDPBackend.MATH]):
            assert _cur_sdpa_kernel_backends() == [SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]
        out = F.scaled_dot_product_attention(q, q, q)
    assert _cur_sdpa_kernel_backends() == before and out.shape == (1, 2, 3, 4)
    with pytest.raises(AssertionError, match="SDPBackend"):
        with sdpa_kernel("math"):
            pass


def test_factory_kwargs_and_common_types():
    assert ember.nn.factory_kwargs({"device": "cpu", "factory_kwargs": {"dtype": ember.float64}}) == \
        {"device": "cpu", "dtype": ember.float64}
    assert ember.nn.factory_kwargs(None) == {}
    with pytest.raises(TypeError, match="unexpected kwargs"):
        ember.nn.factory_kwargs({"bias": True})
    with pytest.raises(TypeError, match="specified twice"):
        ember.nn.factory_kwargs({"dtype": ember.float32, "factory_kwargs": {"dtype": ember.float64}})
    from ember.nn.common_types import _size_2_t, _size_any_t  # noqa: F401
    assert set(n for n in dir(torch.nn.common_types) if n.startswith("_size")) <= set(dir(ember.nn.common_types))


# ---- whole modules cross to torch and back (ember.save writes torch.nn.modules' names) ---------------

@pytest.mark.parametrize("make", [
    lambda nn: nn.EmbeddingBag(5, 3, mode="max", padding_idx=1), lambda nn: nn.RReLU(0.1, 0.2),
    lambda nn: nn.LocalResponseNorm(3), lambda nn: nn.CrossMapLRN2d(3), lambda nn: nn.CTCLoss(blank=2),
    lambda nn: nn.MultiLabelMarginLoss(), lambda nn: nn.TripletMarginWithDistanceLoss(margin=2.0),
    lambda nn: nn.SyncBatchNorm(3), lambda nn: nn.AdaptiveLogSoftmaxWithLoss(8, 10, [4]),
    lambda nn: nn.PairwiseDistance(p=3.0)])
def test_whole_modules_round_trip_through_torch(make):
    import io
    module = make(ember.nn)
    buffer = io.BytesIO()
    ember.save(module, buffer)
    buffer.seek(0)
    in_torch = torch.load(buffer, weights_only=False)
    assert type(in_torch) is type(make(torch.nn)) and repr(in_torch) == repr(module)
    back_buffer = io.BytesIO()
    torch.save(in_torch, back_buffer)
    back_buffer.seek(0)
    back = ember.load(back_buffer, weights_only=False)
    assert type(back) is type(module) and repr(back) == repr(module)
    assert sorted(back.state_dict()) == sorted(module.state_dict())


def test_linear_cross_entropy_loss_module_matches_torch():
    torch.manual_seed(0)
    t = torch.nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True, label_smoothing=0.1,
                                        options=torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2)).double()
    e = ember.nn.LinearCrossEntropyLoss(4, 3, out_features=(2,), bias=True, label_smoothing=0.1,
                                        options=ember.nn.LinearCrossEntropyOptions(batch_chunk_size=2),
                                        dtype=ember.float64)
    assert repr(e) == repr(t).replace("torch", "ember") and sorted(e.state_dict()) == sorted(t.state_dict())
    _copy_params(t, e)
    rng = np.random.default_rng(0)
    x, target = rng.standard_normal((5, 4)), rng.integers(0, 3, (5, 2))
    xe, xt = _t(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    le, lt = e(xe, _t(target)), t(xt, torch.tensor(target))
    np.testing.assert_allclose(le.item(), lt.item(), rtol=1e-12)
    le.backward()
    lt.backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e.linear.weight.grad.numpy(), t.linear.weight.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match="label_smoothing"):
        ember.nn.LinearCrossEntropyLoss(4, 3, label_smoothing=1.5)


@pytest.mark.skipif(not hasattr(ember._C, "ctc_loss_forward"), reason="this build has no CTC kernels")
def test_ctc_kernel_and_ember_ops_recursions_agree():
    from ember.nn.functional import ctc
    x, targets, il, tl = _ctc_case(4)
    tl = np.array([4, 0, 3])
    il = np.array([10, 0, 7])  # an empty input too
    padded = ctc._padded_targets(_t(targets), list(tl), 3)
    labels, skip = ctc._extended(padded, list(tl), 0)
    for dtype in (ember.float64, ember.float32):
        a = _t(x, dtype=dtype).log_softmax(2).detach().requires_grad_(True)
        b = _t(x, dtype=dtype).log_softmax(2).detach().requires_grad_(True)
        for zero_infinity in (False, True):
            ka = ctc._CTCKernel.apply(a, ember.from_numpy(padded), list(il), list(tl), 0, zero_infinity)
            kb = ctc._CTC.apply(b, labels, skip, list(il), list(tl), 0, zero_infinity)
            np.testing.assert_allclose(_np(ka), _np(kb), rtol=1e-5 if dtype == ember.float32 else 1e-12)
            g = _t(np.array([1.0, 2.0, 3.0]), dtype=dtype)
            (ka * g).sum().backward()
            (kb * g).sum().backward()
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-6)
            a.grad = b.grad = None


def test_relu_keeps_its_result_for_backward_as_torch():
    # relu saves its output (so the input can be freed): changing that output in place before
    # backward is refused, as in PyTorch; relu6 and hardtanh save their input and allow it.
    x = ember.randn(5, requires_grad=True)
    y = F.relu(x * 1)
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation|in place"):
        y.sum().backward()
    for fn in (F.relu6, F.hardtanh):
        x = ember.tensor([-2.0, -0.5, 0.5, 2.0, 7.0], requires_grad=True)
        y = fn(x * 1)
        y.add_(1)
        y.sum().backward()
        lo, hi = (0.0, 6.0) if fn is F.relu6 else (-1.0, 1.0)
        np.testing.assert_array_equal(x.grad.numpy(), ((x.detach().numpy() > lo) & (x.detach().numpy() < hi)) * 1.0)
