"""Whole models through ember.onnx: each of the issue's models exports, passes the full checker
and strict shape inference, and onnxruntime and onnx's reference evaluator reproduce ember's
outputs at the traced batch size and at others (ember.onnx.verify); with PyTorch's weights,
ember's file and PyTorch's own export (`torch.onnx.export(..., dynamo=False)`) give the same
onnxruntime outputs."""
import numpy as np
import pytest

import ember

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


# Each model is written once against a module `lib` (ember or torch), so both libraries build
# the same network; `inputs(lib, rng, batch)` makes its arguments.

def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def encoder(lib):
    return lib.nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.1, batch_first=True)


def _word_lm(lib):
    nn = lib.nn

    class WordLM(nn.Module):
        """PyTorch's word_language_model: embedding, LSTM, decoder; forward(input, hidden)."""

        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(50, 12)
            self.rnn = nn.LSTM(12, 16, num_layers=2)
            self.decoder = nn.Linear(16, 50)

        def forward(self, input, hidden):
            output, hidden = self.rnn(self.encoder(input), hidden)
            return self.decoder(output), hidden

    return WordLM()


def _gru_classifier(lib):
    nn = lib.nn

    class GRUClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(8, 12, batch_first=True)
            self.head = nn.Linear(12, 3)

        def forward(self, x):
            output, _ = self.gru(x)
            return self.head(output[:, -1])

    return GRUClassifier()


def bilstm(lib):
    return lib.nn.LSTM(8, 10, bidirectional=True)


def decoder(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(6, 32), nn.Unflatten(1, (8, 2, 2)),
                         nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                         nn.ConvTranspose2d(4, 1, 2, stride=2), nn.Sigmoid())


def _floats(lib, rng, *shape):
    return lib.tensor(rng.standard_normal(shape).astype(np.float32))


MODELS = {
    # name: (builder, inputs(lib, rng, batch), input names, dynamic axes)
    "mlp": (mlp, lambda lib, rng, b: (_floats(lib, rng, b, 20),), ["x"], {"x": {0: "batch"}}),
    "cnn": (cnn, lambda lib, rng, b: (_floats(lib, rng, b, 1, 12, 12),), ["image"], {"image": {0: "batch"}}),
    "encoder": (encoder, lambda lib, rng, b: (_floats(lib, rng, b, 5, 16),), ["src"],
                {"src": {0: "batch", 1: "seq"}}),
    "word_lm": (_word_lm, lambda lib, rng, b: (lib.tensor(rng.integers(0, 50, (7, b))),
                                                (_floats(lib, rng, 2, b, 16), _floats(lib, rng, 2, b, 16))),
                ["input", "h0", "c0"], {"input": {0: "seq", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"}}),
    "gru": (_gru_classifier, lambda lib, rng, b: (_floats(lib, rng, b, 6, 8),), ["x"],
            {"x": {0: "batch", 1: "seq"}}),
    "bilstm": (bilstm, lambda lib, rng, b: (_floats(lib, rng, 6, b, 8),), ["x"], {"x": {0: "seq", 1: "batch"}}),
    "decoder": (decoder, lambda lib, rng, b: (_floats(lib, rng, b, 6),), ["z"], {"z": {0: "batch"}}),
}


def _randomize_statistics(model):
    """Batch norms with running statistics that are not the initial zeros and ones, so that
    eval mode matters."""
    rng = np.random.default_rng(1)
    for name, buffer in model.named_buffers():
        if name.endswith("running_mean"):
            buffer.copy_(ember.tensor(rng.standard_normal(buffer.shape).astype(np.float32)))
        elif name.endswith("running_var"):
            buffer.copy_(ember.tensor(rng.uniform(0.5, 2.0, buffer.shape).astype(np.float32)))


def _ember_model(name):
    ember.manual_seed(0)
    model = MODELS[name][0](ember)
    _randomize_statistics(model)
    return model.eval()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_verifies_at_every_batch_size(name, tmp_path):
    build, inputs, names, dynamic_axes = MODELS[name]
    model = _ember_model(name)
    args = inputs(ember, np.random.default_rng(0), 2)
    report = ember.onnx.verify(model, args, path=tmp_path / f"{name}.onnx", input_names=names,
                               dynamic_axes=dynamic_axes, batch_sizes=(1, 3))
    assert report.ok
    labels = {row[0] for row in report.rows}
    assert "traced" in labels and len(labels) == 3, labels  # the traced sizes and two others
    assert {row[2] for row in report.rows} == {"onnxruntime", "reference"}
    file = onnx.load(tmp_path / f"{name}.onnx")
    for vi in file.graph.input:
        dims = [d.dim_param for d in vi.type.tensor_type.shape.dim]
        for axis, dim_name in dynamic_axes.get(vi.name, {}).items():
            assert dims[axis] == dim_name
    # parameters and buffers are initializers under their state_dict keys
    keys = set(model.state_dict())
    initializers = {i.name for i in file.graph.initializer}
    assert initializers <= keys, initializers - keys
    assert any("weight" in k for k in initializers)


def _run(path, feed):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feed)


def _flat(x):
    if isinstance(x, (tuple, list)):
        for item in x:
            yield from _flat(item)
    else:
        yield x


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_file_matches_pytorchs_export(name, tmp_path):
    torch = pytest.importorskip("torch")
    build, inputs, names, dynamic_axes = MODELS[name]
    model = _ember_model(name)
    reference = build(torch)
    reference.load_state_dict({k: torch.tensor(v.detach().numpy().copy()) for k, v in model.state_dict().items()})
    reference.eval()
    ember_args = inputs(ember, np.random.default_rng(0), 2)
    torch_args = inputs(torch, np.random.default_rng(0), 2)
    ember.onnx.export(model, ember_args, tmp_path / "ember.onnx", input_names=names, dynamic_axes=dynamic_axes)
    import warnings
    # PyTorch 2.13's TorchScript exporter fails on attention layers (multi_head_attention_forward
    # passes a traced is_causal to scaled_dot_product_attention): there PyTorch's own forward
    # is the reference.
    torch_file = name != "encoder"
    if torch_file:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(reference, torch_args, str(tmp_path / "torch.onnx"), input_names=names,
                              dynamic_axes=dynamic_axes, dynamo=False)
    for batch in (2, 1, 4):
        feed_args = inputs(torch, np.random.default_rng(batch), batch)
        feed = dict(zip(names, (t.numpy() for t in _flat(feed_args))))
        ours = _run(tmp_path / "ember.onnx", feed)
        if torch_file:
            theirs = _run(tmp_path / "torch.onnx", feed)
        else:
            with torch.no_grad():
                theirs = [t.numpy() for t in _flat(reference(*feed_args))]
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_loaded_file_runs_in_ember_and_exports_an_equivalent_file(name, tmp_path):
    """ember.onnx.load of an exported model computes what the model does, keeps the state_dict
    names, and exporting the loaded module again gives a file that runs alike at other sizes
    (its shape arithmetic stays dynamic through the round trip)."""
    build, inputs, names, dynamic_axes = MODELS[name]
    model = _ember_model(name)
    args = inputs(ember, np.random.default_rng(0), 2)
    ember.onnx.export(model, args, tmp_path / "first.onnx", input_names=names, dynamic_axes=dynamic_axes)
    loaded = ember.onnx.load(tmp_path / "first.onnx")
    assert set(loaded.state_dict()) <= set(model.state_dict())
    flat_args = list(_flat(args))
    ember.onnx.export(loaded, tuple(flat_args), tmp_path / "second.onnx", input_names=names,
                      dynamic_axes=dynamic_axes)
    for batch in (2, 3):
        call_args = inputs(ember, np.random.default_rng(batch), batch)
        with ember.no_grad():
            want = [t.numpy() for t in _flat(model(*call_args))]
            got = [t.numpy() for t in _flat(loaded(*_flat(call_args)))]
        feed = dict(zip(names, (t.numpy() for t in _flat(call_args))))
        again = _run(tmp_path / "second.onnx", feed)
        for w, g, a in zip(want, got, again):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
            np.testing.assert_allclose(a, w, rtol=1e-4, atol=1e-5)
