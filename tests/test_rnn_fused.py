"""The fused recurrence (csrc/ops/rnn.cpp, ember/_ops/rnn_fused.py): nn.LSTM/GRU/RNN and the cells
run one graph node per layer and direction (or per cell step), give PyTorch's values and
gradients, the op-by-op recurrence's, and correct first and second derivatives; bad operands
raise errors that name the op."""
import numpy as np
import pytest

import ember
from ember import _C, nn
from ember._ops import rnn as rnn_ops
from ember.autograd import gradcheck, gradgradcheck

F64 = ember.float64
_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
_LAYERS = {"LSTM": (nn.LSTM, {}), "GRU": (nn.GRU, {}), "RNN_TANH": (nn.RNN, {}),
           "RNN_RELU": (nn.RNN, {"nonlinearity": "relu"})}


def _rand(rng, *shape, dtype=F64, scale=1.0, requires_grad=True):
    return ember.tensor(rng.standard_normal(shape) * scale, dtype=dtype, requires_grad=requires_grad)


def _direction_inputs(mode, rng, T=4, B=3, H=5, dtype=F64, bias=True):
    G = _GATES[mode]
    x_gates = _rand(rng, T, B, G * H, dtype=dtype)
    h0 = _rand(rng, B, H, dtype=dtype)
    c0 = _rand(rng, B, H, dtype=dtype) if mode == "LSTM" else None
    w_hh = _rand(rng, G * H, H, dtype=dtype, scale=0.5)
    b_hh = _rand(rng, G * H, dtype=dtype) if bias else None
    return x_gates, h0, c0, w_hh, b_hh


@pytest.mark.parametrize("mode", list(_GATES))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_layer_matches_op_by_op(mode, reverse, bias):
    rng = np.random.default_rng(0)
    inputs = _direction_inputs(mode, rng, bias=bias)
    fused = rnn_ops.rnn_fused.layer(mode, *inputs, reverse)
    assert fused[0].grad_fn.name().endswith("LayerBackward0")
    slow = rnn_ops.run_direction_composite(mode, *inputs, reverse)
    seeds = [ember.tensor(rng.standard_normal(tuple(o.shape))) for o in slow if o is not None]
    for a, b in zip(fused, slow):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    leaves = [t for t in inputs if t is not None]
    got = ember.autograd.grad([o for o in fused if o is not None], leaves, seeds)
    want = ember.autograd.grad([o for o in slow if o is not None], leaves, seeds)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("mode", list(_GATES))
def test_layer_gradcheck_and_gradgradcheck(mode):
    rng = np.random.default_rng(1)
    x_gates, h0, c0, w_hh, b_hh = _direction_inputs(mode, rng, T=3, B=2, H=3)
    leaves = [t for t in (x_gates, h0, c0, w_hh, b_hh) if t is not None]

    def fn(*args):
        it = iter(args)
        xg, h, c = next(it), next(it), (next(it) if mode == "LSTM" else None)
        w, b = next(it), next(it)
        return tuple(o for o in rnn_ops.rnn_fused.layer(mode, xg, h, c, w, b, True) if o is not None)

    assert gradcheck(fn, tuple(leaves))
    assert gradgradcheck(fn, tuple(leaves))


def _torch_pair(torch, mode, dtype, **kwargs):
    cls, extra = _LAYERS[mode]
    t_cls = getattr(torch.nn, cls.__name__)
    t_layer = t_cls(3, 5, **extra, **kwargs).to(getattr(torch, dtype))
    e_layer = cls(3, 5, **extra, **kwargs).to(getattr(ember, dtype))
    e_layer.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t_layer.state_dict().items()})
    return t_layer, e_layer


@pytest.mark.parametrize("mode", list(_GATES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("config", [dict(num_layers=2), dict(bidirectional=True, batch_first=True),
                                    dict(bias=False), dict(num_layers=2, bidirectional=True, bias=False)])
def test_layers_match_torch(mode, dtype, config):
    torch = pytest.importorskip("torch")
    t_layer, e_layer = _torch_pair(torch, mode, dtype, **config)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6, 3)).astype(dtype)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_out, t_h = t_layer(tx)
    e_out, e_h = e_layer(ex)
    t_states = t_h if mode == "LSTM" else (t_h,)
    e_states = e_h if mode == "LSTM" else (e_h,)
    # A loss that reaches every output, with different weights, so that each gradient path is used.
    t_loss = (t_out ** 2).sum() + sum((s * (k + 2)).sum() for k, s in enumerate(t_states))
    e_loss = (e_out ** 2).sum() + sum((s * (k + 2)).sum() for k, s in enumerate(e_states))
    t_loss.backward()
    e_loss.backward()
    tol = dict(rtol=1e-4, atol=2e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), **tol)
    for e_s, t_s in zip(e_states, t_states):
        np.testing.assert_allclose(e_s.detach().numpy(), t_s.detach().numpy(), **tol)
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), **tol)
    for name, p in t_layer.named_parameters():
        np.testing.assert_allclose(getattr(e_layer, name).grad.numpy(), p.grad.numpy(), err_msg=name, **tol)


def test_layer_is_one_node_per_direction():
    layer = nn.LSTM(3, 4, num_layers=1)
    out, _ = layer(ember.randn(6, 2, 3))
    assert out.grad_fn.name() == "LstmLayerBackward0"


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_noncontiguous_and_empty_batch(mode):
    rng = np.random.default_rng(3)
    cls, extra = _LAYERS[mode]
    layer = cls(3, 4, **extra).double()
    x = ember.tensor(rng.standard_normal((2, 5, 3)), dtype=F64).transpose(0, 1)  # (5, 2, 3), strided
    assert not x.is_contiguous()
    out, _ = layer(x)
    ref, _ = layer(x.contiguous())
    np.testing.assert_array_equal(out.detach().numpy(), ref.detach().numpy())
    out, h = layer(ember.zeros(5, 0, 3, dtype=F64))
    assert tuple(out.shape) == (5, 0, 4)
    out.sum().backward()
    assert tuple(layer.weight_hh_l0.grad.shape) == (_GATES[mode] * 4, 4)
    assert not layer.weight_hh_l0.grad.numpy().any()


def test_output_changed_in_place_is_refused():
    layer = nn.GRU(3, 4)
    out, _ = layer(ember.randn(5, 2, 3))
    out.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


@pytest.mark.parametrize("cell_cls,mode", [(nn.LSTMCell, "LSTM"), (nn.GRUCell, "GRU"), (nn.RNNCell, "RNN_TANH")])
def test_cells_match_torch_and_gradcheck(cell_cls, mode):
    torch = pytest.importorskip("torch")
    t_cell = getattr(torch.nn, cell_cls.__name__)(3, 4).double()
    e_cell = cell_cls(3, 4).double()
    e_cell.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t_cell.state_dict().items()})
    rng = np.random.default_rng(4)
    x, h, c = (rng.standard_normal(s) for s in [(2, 3), (2, 4), (2, 4)])
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    ex, eh, ec = (ember.tensor(a, dtype=F64, requires_grad=True) for a in (x, h, c))
    if mode == "LSTM":
        t_h, t_c = t_cell(tx, (th, tc))
        e_h, e_c = e_cell(ex, (eh, ec))
        (t_h.sum() + (t_c * 3).sum()).backward()
        (e_h.sum() + (e_c * 3).sum()).backward()
        np.testing.assert_allclose(e_c.detach().numpy(), t_c.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(ec.grad.numpy(), tc.grad.numpy(), rtol=1e-12, atol=1e-14)
        assert gradgradcheck(lambda a, b, c: e_cell(a, (b, c)), (ex, eh, ec))
    else:
        t_h = t_cell(tx, th)
        e_h = e_cell(ex, eh)
        t_h.sum().backward()
        e_h.sum().backward()
        assert gradgradcheck(lambda a, b: e_cell(a, b), (ex, eh))
    assert e_h.grad_fn.name().endswith("CellBackward0")
    np.testing.assert_allclose(e_h.detach().numpy(), t_h.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(eh.grad.numpy(), th.grad.numpy(), rtol=1e-12, atol=1e-14)
    for name, p in t_cell.named_parameters():
        np.testing.assert_allclose(getattr(e_cell, name).grad.numpy(), p.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_half_precision_and_projections_run_op_by_op():
    out, _ = nn.LSTM(3, 4, proj_size=2)(ember.randn(5, 2, 3))
    assert out.grad_fn.name() == "StackBackward0"
    assert not rnn_ops.rnn_fused.fusable(ember.randn(2, 3, dtype=ember.float16))
    assert not rnn_ops.rnn_fused.fusable(ember.randn(2, 3), ember.randn(2, 3, dtype=F64))


def test_bad_operands_raise_named_errors():
    x = ember.randn(4, 2, 12)._impl
    h0 = ember.randn(2, 3)._impl
    w = ember.randn(12, 3)._impl
    with pytest.raises(ValueError, match="recurrent_mode: unknown mode 'LTSM'"):
        _C.recurrent_layer("LTSM", x, h0, h0, w, None, False)
    with pytest.raises(ember.ShapeError, match=r"recurrent_layer\(GRU\).*x_gates of shape \[4, 2, 9\]"):
        _C.recurrent_layer("GRU", x, h0, None, w, None, False)
    with pytest.raises(ValueError, match=r"recurrent_layer\(LSTM\): c0 is required"):
        _C.recurrent_layer("LSTM", x, h0, None, w, None, False)
    with pytest.raises(ember.ShapeError, match=r"h0 of shape \[2, 3\], got \[3, 3\]"):
        _C.recurrent_layer("LSTM", x, ember.randn(3, 3)._impl, h0, w, None, False)
    with pytest.raises(TypeError, match="w_hh of dtype float32 .*got float64"):
        _C.recurrent_layer("LSTM", x, h0, h0, ember.randn(12, 3, dtype=F64)._impl, None, False)
    with pytest.raises(TypeError, match="takes float32 and float64, got int64"):
        _C.recurrent_cell("RNN_TANH", ember.zeros(2, 3, dtype=ember.int64)._impl,
                          ember.zeros(2, 3, dtype=ember.int64)._impl, ember.zeros(2, 3, dtype=ember.int64)._impl, None)


def test_second_backward_without_retain_graph_is_refused():
    layer = nn.LSTM(3, 4)
    out, _ = layer(ember.randn(5, 2, 3))
    loss = out.sum()
    loss.backward(retain_graph=True)
    loss.backward()  # retained: runs again and accumulates
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


# ---- torch's functional cells: torch.lstm_cell, gru_cell, rnn_tanh_cell, rnn_relu_cell ----------

_CELL_FUNCS = {"lstm_cell": 4, "gru_cell": 3, "rnn_tanh_cell": 1, "rnn_relu_cell": 1}


def _cell_operands(rng, gates, dtype, bias=True, batch=3, inputs=4, hidden=5):
    def t(*shape):
        return rng.uniform(-1, 1, size=shape).astype(dtype)
    ops = [t(batch, inputs), t(batch, hidden), t(gates * hidden, inputs), t(gates * hidden, hidden)]
    ops += [t(gates * hidden), t(gates * hidden)] if bias else [None, None]
    return ops, t(batch, hidden)


def _call_cell(lib, name, ops, c):
    x, h, w_ih, w_hh, b_ih, b_hh = [None if a is None else lib.tensor(a) for a in ops]
    hx = (h, lib.tensor(c)) if name == "lstm_cell" else h
    out = getattr(lib, name)(x, hx, w_ih, w_hh, b_ih, b_hh)
    return out if isinstance(out, tuple) else (out,)


@pytest.mark.parametrize("name", list(_CELL_FUNCS))
@pytest.mark.parametrize("bias", [True, False])
def test_functional_cell_matches_torch(name, bias):
    torch = pytest.importorskip("torch")
    ops, c = _cell_operands(np.random.default_rng(11), _CELL_FUNCS[name], np.float64, bias)
    ours, theirs = _call_cell(ember, name, ops, c), _call_cell(torch, name, ops, c)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(_CELL_FUNCS))
def test_functional_cell_gradcheck(name):
    ops, c = _cell_operands(np.random.default_rng(12), _CELL_FUNCS[name], np.float64, batch=2, inputs=3, hidden=2)
    x, h, w_ih, w_hh, b_ih, b_hh = [ember.tensor(a).requires_grad_() for a in ops]
    cx = ember.tensor(c).requires_grad_()

    def f(x, h, cx, w_ih, w_hh, b_ih, b_hh):
        hx = (h, cx) if name == "lstm_cell" else h
        out = getattr(ember, name)(x, hx, w_ih, w_hh, b_ih, b_hh)
        return out if isinstance(out, tuple) else (out,)
    assert ember.autograd.gradcheck(f, (x, h, cx, w_ih, w_hh, b_ih, b_hh))


def test_functional_cell_errors():
    rng = np.random.default_rng(13)
    (x, h, w_ih, w_hh, b_ih, b_hh), c = _cell_operands(rng, 4, np.float32)
    x, h, c, w_ih, w_hh = (ember.tensor(a) for a in (x, h, c, w_ih, w_hh))
    with pytest.raises(RuntimeError, match="lstm_cell expects two hidden states"):
        ember.lstm_cell(x, (h,), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"lstm_cell: expected 2-D input"):
        ember.lstm_cell(x[0], (h[0], c[0]), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"gru_cell: expected weight_ih \(3 \* hidden_size"):
        ember.gru_cell(x, h, w_ih, w_hh)
    with pytest.raises(ValueError, match=r"rnn_tanh_cell: hx has shape \(2, 5\), expected \(3, 5\)"):
        ember.rnn_tanh_cell(x, h[:2], w_ih[:5], w_hh[:5])
