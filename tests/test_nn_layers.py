"""Every layer and loss against PyTorch with identical weights: forward values, parameter
gradients, input gradients and running statistics."""
import numpy as np
import pytest

import ember
from ember import nn

torch = pytest.importorskip("torch")


def _port(tmod, emod):
    """Copies torch's parameters and buffers into the ember module (by state_dict keys)."""
    state = {k: ember.tensor(v.detach().numpy()) for k, v in tmod.state_dict().items()}
    emod.load_state_dict(state)


def _inputs(shapes, rng, dtype=np.float32):
    out = []
    for s in shapes:
        if isinstance(s, tuple) and s and s[0] == "int":
            _, high, shape = s
            out.append(rng.integers(0, high, shape))
        else:
            out.append(rng.standard_normal(s).astype(dtype))
    return out


# name, constructor args/kwargs (the same for both libraries), input shapes, train mode
LAYERS = [
    ("Linear", (5, 3), {}, [(4, 5)], True),
    ("Linear", (5, 3), {"bias": False}, [(2, 6, 5)], True),
    ("Bilinear", (3, 4, 2), {}, [(5, 3), (5, 4)], True),
    ("Conv1d", (2, 3, 3), {"stride": 2, "padding": 1}, [(2, 2, 9)], True),
    ("Conv2d", (2, 4, 3), {"padding": 1}, [(2, 2, 6, 6)], True),
    ("Conv2d", (4, 4, 3), {"groups": 2, "dilation": 2, "bias": False}, [(1, 4, 7, 7)], True),
    ("Conv2d", (2, 3, 3), {"padding": "same", "padding_mode": "reflect"}, [(1, 2, 5, 5)], True),
    ("ConvTranspose1d", (3, 2, 3), {"stride": 2}, [(2, 3, 5)], True),
    ("ConvTranspose2d", (3, 2, 3), {"stride": 2, "padding": 1, "output_padding": 1}, [(1, 3, 4, 4)], True),
    ("MaxPool1d", (2,), {}, [(2, 3, 8)], True),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}, [(2, 2, 7, 7)], True),
    ("AvgPool1d", (3,), {"stride": 2}, [(2, 3, 9)], True),
    ("AvgPool2d", (2,), {}, [(2, 2, 6, 6)], True),
    ("AdaptiveAvgPool1d", (3,), {}, [(2, 3, 7)], True),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, [(2, 2, 7, 8)], True),
    ("BatchNorm1d", (4,), {}, [(6, 4)], True),
    ("BatchNorm1d", (3,), {"momentum": None}, [(4, 3, 5)], True),
    ("BatchNorm2d", (3,), {}, [(4, 3, 5, 5)], True),
    ("BatchNorm2d", (3,), {"affine": False}, [(2, 3, 4, 4)], False),
    ("LayerNorm", ((4, 5),), {}, [(3, 4, 5)], True),
    ("GroupNorm", (2, 4), {}, [(3, 4, 5)], True),
    ("Embedding", (10, 4), {"padding_idx": 1}, [("int", 10, (3, 5))], True),
    ("Dropout", (0.5,), {}, [(4, 5)], False),
    ("Flatten", (), {}, [(2, 3, 4)], True),
    ("Unflatten", (1, (2, 3)), {}, [(4, 6)], True),
    ("Identity", (), {}, [(3,)], True),
    ("Upsample", (), {"scale_factor": 2, "mode": "nearest"}, [(1, 2, 3, 3)], True),
    ("Upsample", (), {"scale_factor": 2, "mode": "bilinear", "align_corners": False}, [(1, 2, 3, 3)], True),
    ("ReLU", (), {}, [(3, 4)], True),
    ("GELU", (), {}, [(3, 4)], True),
    ("GELU", (), {"approximate": "tanh"}, [(3, 4)], True),
    ("SiLU", (), {}, [(3, 4)], True),
    ("Tanh", (), {}, [(3, 4)], True),
    ("Sigmoid", (), {}, [(3, 4)], True),
    ("Softmax", (), {"dim": 1}, [(3, 4)], True),
    ("LogSoftmax", (), {"dim": -1}, [(3, 4)], True),
    ("LeakyReLU", (0.2,), {}, [(3, 4)], True),
    ("ELU", (), {"alpha": 0.5}, [(3, 4)], True),
    ("Softplus", (), {"beta": 2.0}, [(3, 4)], True),
    ("Mish", (), {}, [(3, 4)], True),
    ("Hardswish", (), {}, [(3, 4)], True),
    ("ReLU6", (), {}, [(3, 4)], True),
    ("SELU", (), {}, [(3, 4)], True),
    ("CELU", (), {"alpha": 0.7}, [(3, 4)], True),
    ("Hardtanh", (-0.5, 0.5), {}, [(3, 4)], True),
    ("Hardsigmoid", (), {}, [(3, 4)], True),
    ("Softsign", (), {}, [(3, 4)], True),
    ("Tanhshrink", (), {}, [(3, 4)], True),
    ("LogSigmoid", (), {}, [(3, 4)], True),
    ("Softmin", (), {"dim": 1}, [(3, 4)], True),
    ("GLU", (), {"dim": 1}, [(3, 4)], True),
    ("PReLU", (), {"num_parameters": 4}, [(3, 4)], True),
    ("Hardshrink", (0.3,), {}, [(3, 4)], True),
    ("Softshrink", (0.3,), {}, [(3, 4)], True),
    ("Threshold", (0.1, 20.0), {}, [(3, 4)], True),
    ("RMSNorm", (5,), {"eps": 1e-6}, [(3, 5)], True),
    ("AdaptiveMaxPool2d", (2,), {}, [(2, 2, 5, 5)], True),
    ("AdaptiveMaxPool1d", (3,), {}, [(2, 2, 7)], True),
    ("PixelShuffle", (2,), {}, [(1, 8, 2, 3)], True),
    ("Dropout1d", (0.0,), {}, [(2, 3, 4)], True),
    ("Embedding", (6, 3), {"max_norm": None}, [("int", 6, (7,))], True),
    ("RNN", (3, 4), {"num_layers": 2}, [(5, 2, 3)], True),
    ("RNN", (3, 4), {"nonlinearity": "relu", "bias": False}, [(4, 2, 3)], True),
    ("LSTM", (3, 4), {"num_layers": 2, "proj_size": 2}, [(4, 2, 3)], True),
    ("GRU", (3, 4), {"bidirectional": True, "batch_first": True}, [(2, 4, 3)], True),
    ("RNNCell", (3, 4), {}, [(2, 3)], True),
    ("LSTMCell", (3, 4), {}, [(2, 3)], True),
    ("GRUCell", (3, 4), {}, [(2, 3)], True),
    ("MultiheadAttention", (8, 2), {"batch_first": True, "kdim": 5, "vdim": 3},
     [(2, 4, 8), (2, 5, 5), (2, 5, 3)], True),
    ("TransformerEncoderLayer", (8, 2, 16), {"dropout": 0.0, "norm_first": True, "activation": "gelu"},
     [(5, 2, 8)], True),
    ("LSTM", (3, 4), {"batch_first": True, "bidirectional": True}, [(2, 5, 3)], True),
    ("GRU", (3, 4), {}, [(5, 3)], True),
    ("MultiheadAttention", (8, 2), {}, [(4, 2, 8), (5, 2, 8), (5, 2, 8)], True),
    ("TransformerEncoderLayer", (8, 2, 16), {"dropout": 0.0}, [(5, 2, 8)], True),
    ("TransformerDecoderLayer", (8, 2, 16), {"dropout": 0.0, "batch_first": True},
     [(2, 5, 8), (2, 4, 8)], True),
]


def _first(out):
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("name,args,kwargs,shapes,train", LAYERS,
                         ids=[f"{spec[0]}-{i}" for i, spec in enumerate(LAYERS)])
def test_layer_matches_torch(name, args, kwargs, shapes, train):
    rng = np.random.default_rng(0)
    tmod = getattr(torch.nn, name)(*args, **kwargs)
    emod = getattr(nn, name)(*args, **kwargs)
    tmod.train(train)
    emod.train(train)
    assert list(tmod.state_dict()) == list(emod.state_dict())
    _port(tmod, emod)
    arrays = _inputs(shapes, rng)
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    e_in = [ember.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    t_out, e_out = _first(tmod(*t_in)), _first(emod(*e_in))
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    grad = rng.standard_normal(tuple(t_out.shape)).astype(np.float32)
    t_out.backward(torch.tensor(grad))
    e_out.backward(ember.tensor(grad))
    for (tn, tp), (en, ep) in zip(tmod.named_parameters(), emod.named_parameters()):
        assert tn == en
        if tp.grad is None:
            assert ep.grad is None or float(ep.grad.abs().sum()) == 0, en
            continue
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=en)
    for t, e in zip(t_in, e_in):
        if t.grad is not None:
            np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (tn, tb), (en, eb) in zip(tmod.named_buffers(), emod.named_buffers()):
        np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=1e-5, atol=1e-6, err_msg=en)


LOSSES = [
    ("CrossEntropyLoss", {}, [(4, 5), ("int", 5, (4,))]),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 2}, [(4, 5), ("int", 5, (4,))]),
    ("NLLLoss", {"reduction": "sum"}, [(4, 5), ("int", 5, (4,))]),
    ("MSELoss", {}, [(3, 4), (3, 4)]),
    ("L1Loss", {"reduction": "none"}, [(3, 4), (3, 4)]),
    ("SmoothL1Loss", {"beta": 0.5}, [(3, 4), (3, 4)]),
    ("HuberLoss", {"delta": 0.7}, [(3, 4), (3, 4)]),
    ("BCEWithLogitsLoss", {}, [(3, 4), (3, 4)]),
    ("KLDivLoss", {"reduction": "batchmean"}, [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("name,kwargs,shapes", LOSSES, ids=[f"{s[0]}-{i}" for i, s in enumerate(LOSSES)])
def test_loss_matches_torch(name, kwargs, shapes):
    rng = np.random.default_rng(1)
    arrays = _inputs(shapes, rng)
    if name == "KLDivLoss":
        arrays[0] = np.log(np.abs(arrays[0]) / np.abs(arrays[0]).sum(1, keepdims=True)).astype(np.float32)
        arrays[1] = (np.abs(arrays[1]) / np.abs(arrays[1]).sum(1, keepdims=True)).astype(np.float32)
    if name == "BCEWithLogitsLoss":
        arrays[1] = (arrays[1] > 0).astype(np.float32)
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f" and i == 0) for i, a in enumerate(arrays)]
    e_in = [ember.tensor(a, requires_grad=a.dtype.kind == "f" and i == 0) for i, a in enumerate(arrays)]
    t_out = getattr(torch.nn, name)(**kwargs)(*t_in)
    e_out = getattr(nn, name)(**kwargs)(*e_in)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5, atol=1e-6)
    t_out.sum().backward()
    e_out.sum().backward()
    np.testing.assert_allclose(e_in[0].grad.numpy(), t_in[0].grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer_stacks_match_torch(batch_first):
    torch.manual_seed(0)
    kwargs = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16,
                  dropout=0.0, batch_first=batch_first)
    tmod, emod = torch.nn.Transformer(**kwargs), nn.Transformer(**kwargs)
    assert list(tmod.state_dict()) == list(emod.state_dict())
    _port(tmod, emod)
    rng = np.random.default_rng(4)
    src = rng.standard_normal((2, 5, 8) if batch_first else (5, 2, 8)).astype(np.float32)
    tgt = rng.standard_normal((2, 4, 8) if batch_first else (4, 2, 8)).astype(np.float32)
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4)
    e_mask = nn.Transformer.generate_square_subsequent_mask(4)
    np.testing.assert_allclose(e_mask.numpy(), t_mask.numpy())
    t_out = tmod(torch.tensor(src), torch.tensor(tgt), tgt_mask=t_mask)
    e_out = emod(ember.tensor(src), ember.tensor(tgt), tgt_mask=e_mask)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-4, atol=1e-5)
    t_out.sum().backward()
    e_out.sum().backward()
    for (name, tp), (_, ep) in zip(tmod.named_parameters(), emod.named_parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-3, atol=1e-5, err_msg=name)


def test_batch_norm_eval_uses_running_statistics():
    tmod, emod = torch.nn.BatchNorm2d(3), nn.BatchNorm2d(3)
    x = np.random.default_rng(2).standard_normal((4, 3, 2, 2)).astype(np.float32)
    for _ in range(3):
        tmod(torch.tensor(x))
        emod(ember.tensor(x))
    tmod.eval()
    emod.eval()
    np.testing.assert_allclose(emod(ember.tensor(x)).detach().numpy(), tmod(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    assert int(emod.num_batches_tracked) == 3


def test_small_cnn_training_step_matches_torch():
    """A whole step: forward, loss, backward, SGD update; parameters after the step agree."""
    def build(lib):
        n = lib.nn
        return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(), n.MaxPool2d(2),
                            n.Flatten(), n.Linear(4 * 4 * 4, 10))
    tnet, enet = build(torch), build(ember)
    _port(tnet, enet)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((8, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1, momentum=0.9)
    eopt = ember.optim.SGD(enet.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        tl = torch.nn.functional.cross_entropy(tnet(torch.tensor(x)), torch.tensor(y))
        el = ember.nn.functional.cross_entropy(enet(ember.tensor(x)), ember.tensor(y))
        np.testing.assert_allclose(el.item(), tl.item(), rtol=1e-5)
        topt.zero_grad()
        eopt.zero_grad()
        tl.backward()
        el.backward()
        topt.step()
        eopt.step()
    for (name, tp), (_, ep) in zip(tnet.named_parameters(), enet.named_parameters()):
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("name,kwargs", [("LSTM", dict(num_layers=2, bidirectional=True)),
                                         ("GRU", dict(bidirectional=True, batch_first=True)),
                                         ("RNN", dict()), ("LSTM", dict(proj_size=2))],
                         ids=["lstm-2-bi", "gru-bi-batch_first", "rnn", "lstm-proj"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_packed_sequences_match_torch(name, kwargs, enforce_sorted):
    R, TR = nn.utils.rnn, torch.nn.utils.rnn
    tmod, emod = getattr(torch.nn, name)(3, 4, **kwargs), getattr(nn, name)(3, 4, **kwargs)
    _port(tmod, emod)
    lengths = [5, 4, 2] if enforce_sorted else [2, 5, 4]
    batch_first = kwargs.get("batch_first", False)
    x = np.random.default_rng(5).standard_normal((3, 5, 3) if batch_first else (5, 3, 3)).astype(np.float32)
    h0 = np.random.default_rng(6).standard_normal(
        ((2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1), 3,
         kwargs.get("proj_size") or 4)).astype(np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tp = TR.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    ep = R.pack_padded_sequence(ex, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    np.testing.assert_array_equal(ep.batch_sizes.numpy(), tp.batch_sizes.numpy())
    if name == "LSTM":
        c0 = np.zeros((h0.shape[0], 3, 4), np.float32)
        t_out, (th, _) = tmod(tp, (torch.tensor(h0), torch.tensor(c0)))
        e_out, (eh, _) = emod(ep, (ember.tensor(h0), ember.tensor(c0)))
    else:
        t_out, th = tmod(tp, torch.tensor(h0))
        e_out, eh = emod(ep, ember.tensor(h0))
    assert isinstance(e_out, R.PackedSequence)
    t_pad, t_len = TR.pad_packed_sequence(t_out, batch_first=batch_first)
    e_pad, e_len = R.pad_packed_sequence(e_out, batch_first=batch_first)
    np.testing.assert_array_equal(e_len.numpy(), t_len.numpy())
    np.testing.assert_allclose(e_pad.detach().numpy(), t_pad.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(eh.detach().numpy(), th.detach().numpy(), rtol=1e-5, atol=1e-6)
    (t_pad.sum() + th.sum()).backward()
    (e_pad.sum() + eh.sum()).backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (n, tp_), (_, ep_) in zip(tmod.named_parameters(), emod.named_parameters()):
        np.testing.assert_allclose(ep_.grad.numpy(), tp_.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=n)


def test_pad_sequence_and_pack_sequence_match_torch():
    R, TR = nn.utils.rnn, torch.nn.utils.rnn
    seqs = [np.random.default_rng(i).standard_normal((n, 2)).astype(np.float32) for i, n in enumerate((3, 1, 2))]
    for kwargs in (dict(), dict(batch_first=True, padding_value=-1.0), dict(padding_side="left")):
        np.testing.assert_array_equal(R.pad_sequence([ember.tensor(s) for s in seqs], **kwargs).numpy(),
                                      TR.pad_sequence([torch.tensor(s) for s in seqs], **kwargs).numpy())
    packed = R.pack_sequence([ember.tensor(s) for s in seqs], enforce_sorted=False)
    for got, want in zip(R.unpack_sequence(packed), seqs):
        np.testing.assert_array_equal(got.numpy(), want)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        R.pack_padded_sequence(ember.zeros(3, 2, 1), [1, 3])


def _hooked_linear(lib, x_requires_grad):
    lin = lib.nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor((np.arange(6.0).reshape(2, 3) / 10).astype(np.float32)))
        lin.bias.fill_(0.1)
    seen = []
    lin.register_full_backward_pre_hook(lambda m, grad_output: (grad_output[0] * 2,))

    def hook(module, grad_input, grad_output):
        seen.append((None if grad_input[0] is None else grad_input[0].detach().numpy().copy(),
                     grad_output[0].detach().numpy().copy()))
        return None if grad_input[0] is None else (grad_input[0] * 3,)

    handle = lin.register_full_backward_hook(hook)
    x = lib.tensor(np.ones((4, 3), np.float32), requires_grad=x_requires_grad)
    lin(x).sum().backward()
    handle.remove()
    lin(x).sum().backward()  # removed: not called again
    return seen, (x.grad.numpy() if x_requires_grad else None), lin.weight.grad.numpy()


@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_module_backward_hooks_match_torch(x_requires_grad):
    theirs, ours = _hooked_linear(torch, x_requires_grad), _hooked_linear(ember, x_requires_grad)
    assert len(ours[0]) == len(theirs[0]) == 1
    (t_in, t_out), (e_in, e_out) = theirs[0][0], ours[0][0]
    assert (t_in is None) == (e_in is None)
    if t_in is not None:
        np.testing.assert_allclose(e_in, t_in)
        np.testing.assert_allclose(ours[1], theirs[1])
    np.testing.assert_allclose(e_out, t_out)
    np.testing.assert_allclose(ours[2], theirs[2])
