"""ember.autocast against torch.autocast on the CPU: per-op result dtypes (the lower-precision,
float32 and promote lists, and ops on neither), values within bfloat16 tolerance, autograd
through the casts, nesting, enabled=False inside, the decorator, thread-locality, the weight
cast cache, custom_fwd/custom_bwd, and the constructors' warnings and errors."""
import threading
import warnings

import numpy as np
import pytest

import ember
from ember import _op_layer

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
ARRAYS = {name: rng.standard_normal(shape).astype(np.float32) for name, shape in {
    "x": (4, 8), "w": (3, 8), "b": (3,), "m": (8, 5), "sq": (4, 4), "b3": (2, 4, 8), "b3b": (2, 8, 5),
    "img": (2, 3, 8, 8), "k": (4, 3, 3, 3), "seq": (2, 3, 10), "k1": (4, 3, 3), "t": (4, 3), "q": (2, 2, 5, 8),
}.items()}


def arg(lib, name, dtype=None):
    t = lib.tensor(ARRAYS[name])
    return t if dtype is None else t.to(getattr(lib, dtype))


def F(lib):
    return lib.nn.functional


def bf(lib, name):
    return arg(lib, name, "bfloat16")


# name -> fn(lib): one op under autocast; lower-precision ops get float32 inputs, float32 ops
# bfloat16 ones, so that every cast shows in the result's dtype.
OPS = {
    "mm": lambda L: L.mm(arg(L, "x"), arg(L, "m")),
    "matmul": lambda L: L.matmul(arg(L, "x"), arg(L, "m")),
    "operator @": lambda L: arg(L, "x") @ arg(L, "m"),
    "Tensor.matmul": lambda L: arg(L, "x").matmul(arg(L, "m")),
    "bmm": lambda L: L.bmm(arg(L, "b3"), arg(L, "b3b")),
    "addmm": lambda L: L.addmm(L.zeros(4, 5), arg(L, "x"), arg(L, "m")),
    "baddbmm": lambda L: L.baddbmm(L.zeros(2, 4, 5), arg(L, "b3"), arg(L, "b3b")),
    "addbmm": lambda L: L.addbmm(L.zeros(4, 5), arg(L, "b3"), arg(L, "b3b")),
    "linear": lambda L: F(L).linear(arg(L, "x"), arg(L, "w"), arg(L, "b")),
    "conv2d": lambda L: F(L).conv2d(arg(L, "img"), arg(L, "k"), padding=1),
    "conv1d": lambda L: F(L).conv1d(arg(L, "seq"), arg(L, "k1")),
    "conv_transpose2d": lambda L: F(L).conv_transpose2d(arg(L, "img"), arg(L, "k").transpose(0, 1).contiguous()),
    "conv_transpose1d": lambda L: F(L).conv_transpose1d(arg(L, "seq"), arg(L, "k1").transpose(0, 1).contiguous()),
    "prelu": lambda L: F(L).prelu(arg(L, "img"), L.full((3,), 0.25)),
    "sdpa": lambda L: F(L).scaled_dot_product_attention(arg(L, "q"), arg(L, "q"), arg(L, "q")),
    "linalg.vecdot": lambda L: L.linalg.vecdot(arg(L, "x"), arg(L, "x")),
    "linalg.matmul": lambda L: L.linalg.matmul(arg(L, "x"), arg(L, "m")),
    "einsum contraction": lambda L: L.einsum("ij,jk->ik", arg(L, "x"), arg(L, "m")),
    "einsum implicit": lambda L: L.einsum("ij,jk", arg(L, "x"), arg(L, "m")),
    "einsum elementwise": lambda L: L.einsum("ij,ij->ij", arg(L, "x"), arg(L, "x")),
    "einsum one operand": lambda L: L.einsum("ij->j", arg(L, "x")),
    "tensordot": lambda L: L.tensordot(arg(L, "x"), arg(L, "m"), dims=1),
    "mv (not listed)": lambda L: L.mv(arg(L, "x"), arg(L, "w")[0]),
    "dot (not listed)": lambda L: L.dot(arg(L, "b"), arg(L, "b")),
    "bilinear (not listed)": lambda L: F(L).bilinear(arg(L, "x"), arg(L, "x"), L.ones(2, 8, 8)),
    "mm float64": lambda L: L.mm(arg(L, "x", "float64"), arg(L, "m", "float64")),
    "mse_loss": lambda L: F(L).mse_loss(bf(L, "t"), bf(L, "t")),
    "l1_loss": lambda L: F(L).l1_loss(bf(L, "t"), bf(L, "t")),
    "smooth_l1_loss": lambda L: F(L).smooth_l1_loss(bf(L, "t"), bf(L, "t")),
    "huber_loss": lambda L: F(L).huber_loss(bf(L, "t"), bf(L, "t")),
    "cross_entropy": lambda L: F(L).cross_entropy(bf(L, "t"), L.tensor([0, 1, 2, 0])),
    "nll_loss": lambda L: F(L).nll_loss(bf(L, "t"), L.tensor([0, 1, 2, 0])),
    "kl_div": lambda L: F(L).kl_div(bf(L, "t"), bf(L, "t"), reduction="batchmean"),
    "binary_cross_entropy": lambda L: F(L).binary_cross_entropy(bf(L, "t").sigmoid(), bf(L, "t").sigmoid()),
    "bce_with_logits": lambda L: F(L).binary_cross_entropy_with_logits(bf(L, "t"), bf(L, "t").sigmoid()),
    "cosine_embedding_loss": lambda L: F(L).cosine_embedding_loss(bf(L, "t"), bf(L, "t"), L.ones(4)),
    "hinge_embedding_loss": lambda L: F(L).hinge_embedding_loss(bf(L, "t"), L.ones(4, 3)),
    "margin_ranking_loss": lambda L: F(L).margin_ranking_loss(bf(L, "b"), bf(L, "b"), L.ones(3)),
    "soft_margin_loss": lambda L: F(L).soft_margin_loss(bf(L, "t"), L.ones(4, 3)),
    "triplet_margin_loss": lambda L: F(L).triplet_margin_loss(bf(L, "t"), bf(L, "t"), bf(L, "t")),
    "multi_margin_loss": lambda L: F(L).multi_margin_loss(bf(L, "t"), L.tensor([0, 1, 2, 0])),
    "poisson_nll_loss": lambda L: F(L).poisson_nll_loss(bf(L, "t"), bf(L, "t").abs()),
    "gaussian_nll_loss (not listed)": lambda L: F(L).gaussian_nll_loss(bf(L, "t"), bf(L, "t"),
                                                                       L.ones(4, 3, dtype=L.bfloat16)),
    "prod": lambda L: L.prod(bf(L, "t")),
    "Tensor.prod": lambda L: bf(L, "t").prod(dim=0),
    "cdist": lambda L: L.cdist(bf(L, "x"), bf(L, "x")),
    "trace": lambda L: L.trace(bf(L, "sq")),
    "quantile": lambda L: L.quantile(bf(L, "b"), 0.5),
    "linalg.inv": lambda L: L.linalg.inv(bf(L, "sq") + 4 * L.eye(4, dtype=L.bfloat16)),
    "linalg.solve": lambda L: L.linalg.solve(bf(L, "sq") + 4 * L.eye(4, dtype=L.bfloat16), bf(L, "sq")),
    "linalg.qr": lambda L: L.linalg.qr(bf(L, "sq"))[0],
    "linalg.svd": lambda L: L.linalg.svd(bf(L, "sq"))[1],
    "linalg.eigh": lambda L: L.linalg.eigh(bf(L, "sq") @ bf(L, "sq").T)[0],
    "linalg.cholesky": lambda L: L.linalg.cholesky(bf(L, "sq") @ bf(L, "sq").T + L.eye(4, dtype=L.bfloat16)),
    "pinverse": lambda L: L.pinverse(bf(L, "sq")),
    "pad reflect": lambda L: F(L).pad(bf(L, "img"), (1, 1, 1, 1), mode="reflect"),
    "pad replicate": lambda L: F(L).pad(bf(L, "img"), (1, 1, 1, 1), mode="replicate"),
    "pad constant (not listed)": lambda L: F(L).pad(bf(L, "img"), (1, 1, 1, 1)),
    "cat mixed": lambda L: L.cat([bf(L, "x"), arg(L, "x")]),
    "cat bfloat16": lambda L: L.cat([bf(L, "x"), bf(L, "x")]),
    "stack mixed": lambda L: L.stack([bf(L, "x"), arg(L, "x")]),
    "index_copy": lambda L: bf(L, "x").index_copy(0, L.tensor([0, 2]), arg(L, "x")[:2]),
    "relu": lambda L: F(L).relu(arg(L, "x")),
    "softmax": lambda L: L.softmax(bf(L, "x"), dim=1),
    "log_softmax": lambda L: F(L).log_softmax(bf(L, "x"), dim=1),
    "layer_norm": lambda L: F(L).layer_norm(bf(L, "x"), (8,)),
    "group_norm": lambda L: F(L).group_norm(bf(L, "img"), 1),
    "batch_norm": lambda L: F(L).batch_norm(bf(L, "img"), None, None, training=True),
    "sum": lambda L: bf(L, "x").sum(),
    "add mixed": lambda L: bf(L, "x") + arg(L, "x"),
    "gelu": lambda L: F(L).gelu(bf(L, "x")),
    "max_pool2d": lambda L: F(L).max_pool2d(bf(L, "img"), 2),
    "embedding": lambda L: F(L).embedding(L.tensor([0, 1]), arg(L, "x")),
    "interpolate": lambda L: F(L).interpolate(bf(L, "img"), scale_factor=2, mode="bilinear"),
    "multi_head_attention": lambda L: L.nn.MultiheadAttention(8, 2)(*(arg(L, "b3").transpose(0, 1),) * 3)[0],
    "lstm": lambda L: L.nn.LSTM(8, 4)(arg(L, "b3"))[0],
    "lstm hidden": lambda L: L.nn.LSTM(8, 4)(arg(L, "b3"))[1][0],
    "rnn": lambda L: L.nn.RNN(8, 4)(arg(L, "b3"))[0],
    "gru (not listed)": lambda L: L.nn.GRU(8, 4)(arg(L, "b3"))[0],
    "lstm cell (not listed)": lambda L: L.nn.LSTMCell(8, 4)(arg(L, "x"))[0],
}


def _dtype_name(dtype):
    return str(dtype).split(".")[-1]


@pytest.mark.parametrize("name", list(OPS))
def test_result_dtype_matches_torch(name):
    fn = OPS[name]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        want = fn(torch)
    with ember.autocast("cpu", dtype=ember.bfloat16):
        got = fn(ember)
    assert _dtype_name(got.dtype) == _dtype_name(want.dtype)


VALUE_OPS = ["mm", "matmul", "bmm", "addmm", "baddbmm", "linear", "conv2d", "conv1d", "conv_transpose2d",
             "sdpa", "einsum contraction", "tensordot", "mse_loss", "cross_entropy", "cat mixed", "prod", "cdist"]


@pytest.mark.parametrize("name", VALUE_OPS)
def test_values_match_torch_within_bfloat16_rounding(name):
    with torch.autocast("cpu"):
        want = OPS[name](torch).float().detach().numpy()
    with ember.autocast("cpu"):
        got = OPS[name](ember).float().detach().numpy()
    scale = max(1.0, float(np.abs(want).max()))
    # inputs rounded to bfloat16 in both, float32 sums, one rounding of the result: a few bf16 ulps
    np.testing.assert_allclose(got, want, rtol=2e-2, atol=2e-2 * scale)


def test_float16_autocast_and_is_autocast_enabled():
    assert not ember.is_autocast_enabled("cpu")
    assert ember.get_autocast_dtype("cpu") == ember.bfloat16 and ember.get_autocast_dtype("cuda") == ember.float16
    with ember.autocast("cpu", dtype=ember.float16):
        assert ember.is_autocast_enabled("cpu") and not ember.is_autocast_enabled()  # no argument: CUDA's
        assert ember.get_autocast_dtype("cpu") == ember.float16
        assert ember.is_autocast_cpu_enabled() and ember.get_autocast_cpu_dtype() == ember.float16
        assert (arg(ember, "x") @ arg(ember, "m")).dtype == ember.float16
        # promote starts from the autocast dtype: float16 with bfloat16 meets at float32
        assert ember.cat([bf(ember, "x"), bf(ember, "x")]).dtype == ember.float32
    assert not ember.is_autocast_enabled("cpu") and ember.get_autocast_dtype("cpu") == ember.bfloat16


def test_nesting_enabled_false_inside_and_decorator():
    x, m = arg(ember, "x"), arg(ember, "m")
    with ember.autocast("cpu"):
        assert (x @ m).dtype == ember.bfloat16
        with ember.autocast("cpu", enabled=False):
            assert not ember.is_autocast_enabled("cpu")
            assert (x @ m).dtype == ember.float32
            assert not _op_layer._ACTIVE  # off: ops take the fast path again
            with ember.autocast("cpu", dtype=ember.float16):
                assert (x @ m).dtype == ember.float16
            assert (x @ m).dtype == ember.float32
        assert (x @ m).dtype == ember.bfloat16
    assert (x @ m).dtype == ember.float32 and not _op_layer._ACTIVE

    @ember.autocast("cpu")
    def product(a, b):
        return a @ b

    assert product(x, m).dtype == ember.bfloat16 and (x @ m).dtype == ember.float32
    with pytest.raises(ZeroDivisionError):  # an exception inside leaves autocast as it was
        with ember.autocast("cpu"):
            raise ZeroDivisionError
    assert not ember.is_autocast_enabled("cpu")


def test_autocast_is_per_thread():
    seen = {}

    def worker():
        seen["enabled"] = ember.is_autocast_enabled("cpu")
        seen["dtype"] = (arg(ember, "x") @ arg(ember, "m")).dtype
        with ember.autocast("cpu"):
            seen["inside"] = (arg(ember, "x") @ arg(ember, "m")).dtype

    with ember.autocast("cpu"):
        t = threading.Thread(target=worker)
        t.start()
        t.join()
        assert (arg(ember, "x") @ arg(ember, "m")).dtype == ember.bfloat16
    assert seen == {"enabled": False, "dtype": ember.float32, "inside": ember.bfloat16}


def test_gradients_reach_float32_parameters_and_match_torch():
    w = ARRAYS["w"]
    results = {}
    for lib in (ember, torch):
        weight = lib.tensor(w, requires_grad=True)
        bias = lib.tensor(ARRAYS["b"], requires_grad=True)
        x = lib.tensor(ARRAYS["x"], requires_grad=True)
        with lib.autocast("cpu"):
            h = lib.nn.functional.linear(x, weight, bias)
            assert h.dtype == lib.bfloat16
            loss = lib.nn.functional.mse_loss(h.relu(), lib.zeros(4, 3))
            assert loss.dtype == lib.float32
        loss.backward()
        assert weight.grad.dtype == bias.grad.dtype == x.grad.dtype == lib.float32
        results[lib.__name__] = [t.grad.numpy() for t in (weight, bias, x)]
    for ours, theirs in zip(results["ember"], results["torch"]):
        np.testing.assert_allclose(ours, theirs, rtol=3e-2, atol=3e-2)


def test_float64_and_integer_inputs_are_not_cast():
    with ember.autocast("cpu"):
        assert ember.mm(arg(ember, "x", "float64"), arg(ember, "m", "float64")).dtype == ember.float64
        i = ember.ones(2, 3, dtype=ember.int64)
        assert ember.cat([i, i]).dtype == ember.int64
        assert F(ember).nll_loss(bf(ember, "t"), ember.tensor([0, 1, 2, 0])).dtype == ember.float32


class _Recorder(_op_layer.Mode):
    """Records every op it sees with its tensor operands' dtypes (the profiler's slot)."""

    priority = _op_layer.PROFILER

    def __init__(self):
        self.names, self.dtypes = [], []

    def __call__(self, op, args, kwargs, proceed):
        self.names.append(op.name)
        flat = [a for v in args for a in (v if isinstance(v, (list, tuple)) else (v,))]
        self.dtypes.append([a.dtype for a in flat if isinstance(a, ember.Tensor)])
        return proceed(*args, **kwargs)


def test_casts_are_ops_that_a_profiler_sees_and_weights_are_cast_once():
    weight = ember.nn.Parameter(ember.tensor(ARRAYS["w"]))
    x = arg(ember, "x")
    counts = {}
    for cache in (True, False):
        with _Recorder() as rec, ember.autocast("cpu", cache_enabled=cache):
            F(ember).linear(x, weight)
            F(ember).linear(x, weight)
        counts[cache] = rec.names.count("Tensor.to")
        assert rec.names.count("nn.functional.linear") == 2
    assert counts == {True: 3, False: 4}  # x twice; the weight once with the cache
    assert not ember.amp.autocast_mode._state.cache  # emptied when the outermost region ends


def test_listed_ops_do_not_cast_their_parts_again():
    # cdist is float32-listed and made of ember ops (matmul among them), which stay float32
    a, b = bf(ember, "x"), bf(ember, "x")
    with _Recorder() as rec, ember.autocast("cpu"):
        out = ember.cdist(a, b)
    assert out.dtype == ember.float32
    assert rec.names[:3] == ["cdist", "Tensor.to", "Tensor.to"] and rec.names.count("Tensor.to") == 2
    inner = [d for ds in rec.dtypes[3:] for d in ds if d.is_floating_point]
    assert inner and set(inner) == {ember.float32}
    np.testing.assert_allclose(out.numpy(), ember.cdist(a.float(), b.float()).numpy(), rtol=1e-6, atol=1e-6)


class _Scaled(ember.autograd.Function):
    @staticmethod
    @ember.amp.custom_fwd(device_type="cpu", cast_inputs=ember.float32)
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx.dtypes = (a.dtype, b.dtype, ember.is_autocast_enabled("cpu"))
        return a @ b

    @staticmethod
    @ember.amp.custom_bwd(device_type="cpu")
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ctx.backward_autocast = ember.is_autocast_enabled("cpu")
        return grad @ b.t(), a.t() @ grad


class _Plain(ember.autograd.Function):
    @staticmethod
    @ember.amp.custom_fwd(device_type="cpu")
    def forward(ctx, a):
        ctx.inside = ember.is_autocast_enabled("cpu")
        return a * 2

    @staticmethod
    @ember.amp.custom_bwd(device_type="cpu")
    def backward(ctx, grad):
        assert ember.is_autocast_enabled("cpu") == ctx.inside
        return grad * 2


def test_custom_fwd_and_custom_bwd():
    a = bf(ember, "x").requires_grad_()
    b = arg(ember, "m").requires_grad_()
    with ember.autocast("cpu"):
        out = _Scaled.apply(a, b)
    assert out.dtype == ember.float32  # forward ran with autocast off, on float32 copies
    out.sum().backward()
    assert a.grad.dtype == ember.bfloat16 and b.grad.dtype == ember.float32
    c = arg(ember, "x").requires_grad_()
    with ember.autocast("cpu"):
        _Plain.apply(c).sum().backward()
    _Plain.apply(c).sum().backward()
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.amp.custom_fwd(device_type=1)
    with pytest.warns(FutureWarning, match="torch.cuda.amp.custom_fwd"):
        ember.cuda.amp.custom_fwd(lambda ctx, x: x)


def test_constructors_warn_and_refuse_as_torch():
    with pytest.warns(FutureWarning, match="`torch.cpu.amp.autocast\\(args...\\)` is deprecated"):
        ctx = ember.cpu.amp.autocast()
    assert isinstance(ctx, ember.autocast) and ctx.fast_dtype == ember.bfloat16 and ctx._enabled
    with ctx:
        assert ember.is_autocast_enabled("cpu")
    assert ember.amp.autocast is ember.autocast and ember.amp.autocast_mode.autocast is ember.autocast
    if not ember.cuda.is_available():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ctx = ember.cuda.amp.autocast()
        assert [w.category for w in caught] == [FutureWarning, UserWarning]
        assert "CUDA is not available or torch_xla is imported. Disabling autocast." in str(caught[1].message)
        assert not ctx._enabled and ctx.fast_dtype == ember.float16
        with ctx:
            assert not ember.is_autocast_enabled("cuda") and not _op_layer._ACTIVE
        with pytest.warns(UserWarning, match="CUDA is not available"):
            ember.autocast("cuda")
    with pytest.warns(UserWarning, match="In CPU autocast, but the target dtype is not supported"):
        ctx = ember.autocast("cpu", dtype=ember.float32)
    assert not ctx._enabled
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        ember.autocast(1)
    with pytest.raises(RuntimeError, match="device type at start of device string: foo"):
        ember.autocast("foo")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'mps'"):
        ember.autocast("mps")
    assert ember.amp.is_autocast_available("cpu") and not ember.amp.is_autocast_available("mps")
