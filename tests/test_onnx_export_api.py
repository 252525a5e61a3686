"""ember.onnx.export as PyTorch export scripts call it: argument forms, names, dynamic axes in
both spellings, opsets, parameters as initializers, file targets, training mode, tracing rules
(constants, control flow, in-place ops) and the errors for what cannot be exported."""
import io
import warnings

import numpy as np
import pytest

import ember
from ember import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
F = nn.functional


def _session(model_or_path):
    data = model_or_path.SerializeToString() if hasattr(model_or_path, "SerializeToString") else str(model_or_path)
    return ort.InferenceSession(data, providers=["CPUExecutionProvider"])


def _run(program, *arrays, **named):
    session = _session(program.model_proto)
    feed = dict(zip(program.input_names, arrays))
    feed.update(named)
    return session.run(None, feed)


def _close(a, b, rtol=1e-5, atol=1e-6):
    b = b.detach().numpy() if isinstance(b, ember.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, y, scale=2.0):
        return self.fc(x) * scale + y


# ---- arguments and names -------------------------------------------------------------------

def test_a_single_tensor_a_tuple_and_keyword_arguments(tmp_path):
    model = TwoInputs().eval()
    x, y = ember.randn(2, 4), ember.randn(2, 3)
    program = ember.onnx.export(model, (x, y, {"scale": 3.0}), tmp_path / "m.onnx")
    assert program.input_names == ["x", "y"]  # the forward's parameter names
    _close(_run(program, x.numpy(), y.numpy())[0], model(x, y, scale=3.0))
    program = ember.onnx.export(model, (x,), kwargs={"y": y}, f=None)
    _close(_run(program, x.numpy(), y.numpy())[0], model(x, y))
    lin = nn.Linear(4, 2).eval()
    program = ember.onnx.export(lin, x, None)  # a bare tensor
    _close(_run(program, x.numpy())[0], lin(x))


def test_nested_arguments_and_outputs_flatten_in_order():
    lstm = nn.LSTM(3, 5).eval()
    x, h = ember.randn(4, 2, 3), (ember.randn(1, 2, 5), ember.randn(1, 2, 5))
    program = ember.onnx.export(lstm, (x, h), None)
    assert program.input_names == ["input", "hx.0", "hx.1"]
    assert program.output_names == ["output_0", "output_1", "output_2"]
    out, (hn, cn) = lstm(x, h)
    for got, want in zip(_run(program, x.numpy(), h[0].numpy(), h[1].numpy()), (out, hn, cn)):
        _close(got, want)


def test_input_and_output_names_as_given(tmp_path):
    model = TwoInputs().eval()
    program = ember.onnx.export(model, (ember.randn(2, 4), ember.randn(2, 3)), tmp_path / "m.onnx",
                                input_names=["features"], output_names=["logits"])
    graph = onnx.load(tmp_path / "m.onnx").graph
    assert [i.name for i in graph.input] == ["features", "y"]
    assert [o.name for o in graph.output] == ["logits"]
    with pytest.raises(ValueError, match="input_names"):
        ember.onnx.export(model, (ember.randn(2, 4), ember.randn(2, 3)), None, input_names=["a", "b", "c"])
    del program


def test_an_output_that_is_an_input_or_repeated_gets_its_own_name():
    def f(x):
        y = x * 2
        return x, y, y

    x = ember.randn(3)
    program = ember.onnx.export(f, (x,), None)
    a, b, c = _run(program, x.numpy())
    _close(a, x)
    _close(b, x * 2)
    _close(c, x * 2)
    assert len(set(program.output_names)) == 3


def test_a_constant_output():
    def f(x):
        return x + 1, ember.arange(3)

    program = ember.onnx.export(f, (ember.zeros(2),), None)
    _, second = _run(program, np.zeros(2, np.float32))
    assert second.tolist() == [0, 1, 2] and second.dtype == np.int64


# ---- dynamic sizes ---------------------------------------------------------------------------

class Flattening(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, padding=1)
        self.fc = nn.Linear(3 * 4 * 4, 5)

    def forward(self, x):
        b = x.size(0)
        y = self.conv(x).reshape(b, -1)
        return self.fc(y) + ember.zeros(b, 5)


@pytest.mark.parametrize("spelling", ["dict", "list", "dynamic_shapes_dict", "dynamic_shapes_tuple"])
def test_dynamic_axes_in_both_spellings_run_at_any_batch(spelling, tmp_path):
    model = Flattening().eval()
    x = ember.randn(2, 2, 4, 4)
    options = {"dict": dict(dynamic_axes={"x": {0: "batch"}}),
               "list": dict(dynamic_axes={"x": [0]}),
               "dynamic_shapes_dict": dict(dynamic_shapes={"x": {0: "batch"}}),
               "dynamic_shapes_tuple": dict(dynamic_shapes=({0: "batch"},))}[spelling]
    ember.onnx.export(model, (x,), tmp_path / "m.onnx", **options)
    graph = onnx.load(tmp_path / "m.onnx").graph
    dim = graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param == ("x_dynamic_axes_1" if spelling == "list" else "batch")
    assert graph.output[0].type.tensor_type.shape.dim[0].dim_param  # the batch follows through
    session = _session(tmp_path / "m.onnx")
    for batch in (1, 5):
        xb = ember.randn(batch, 2, 4, 4)
        _close(session.run(None, {"x": xb.numpy()})[0], model(xb), rtol=1e-4, atol=1e-5)


def test_sizes_read_from_inputs_stay_in_the_graph():
    def f(x):
        n = x.shape[1]
        return x[:, : n - 1] * ember.arange(n - 1).float() + x.new_ones(x.size(0), n - 1)

    program = ember.onnx.export(f, (ember.randn(2, 5),), None, dynamic_axes={"x": {0: "b", 1: "n"}})
    assert "Shape" in {node.op_type for node in program.model_proto.graph.node}
    for shape in [(2, 5), (3, 8)]:
        x = ember.randn(*shape)
        _close(_run(program, x.numpy())[0], f(x))


def test_without_dynamic_axes_the_file_is_static_and_shapes_fold():
    program = ember.onnx.export(Flattening().eval(), (ember.randn(2, 2, 4, 4),), None)
    graph = program.model_proto.graph
    assert [d.dim_value for d in graph.input[0].type.tensor_type.shape.dim] == [2, 2, 4, 4]
    assert "Shape" not in {node.op_type for node in graph.node}  # folded into constants


def test_dynamic_axes_naming_unknown_values_is_refused():
    with pytest.raises(ValueError, match="neither an input nor an output"):
        ember.onnx.export(nn.Linear(2, 2), (ember.randn(1, 2),), None, dynamic_axes={"inputs": [0]})


# ---- opsets and options ------------------------------------------------------------------------

@pytest.mark.parametrize("opset", [13, 17, 18, 21])
def test_supported_opsets(opset):
    model = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.GELU()).eval()
    x = ember.randn(3, 4)
    program = ember.onnx.export(model, (x,), None, opset_version=opset)
    assert program.model_proto.opset_import[0].version == opset
    ops = {node.op_type for node in program.model_proto.graph.node}
    assert ("LayerNormalization" in ops) == (opset >= 17)
    assert ("Gelu" in ops) == (opset >= 20)
    _close(_run(program, x.numpy())[0], model(x), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("opset", [12, 22])
def test_unsupported_opsets_are_refused(opset):
    with pytest.raises(ValueError, match="opset_version"):
        ember.onnx.export(nn.Linear(2, 2), (ember.randn(1, 2),), None, opset_version=opset)


def test_an_op_needing_a_newer_opset_names_it():
    with pytest.raises(ember.onnx.OnnxExporterError, match="opset 19"):
        ember.onnx.export(lambda x: F.pad(x, (1, 1), mode="circular"), (ember.randn(1, 2, 3),), None,
                          opset_version=18)


def test_dynamo_and_pipeline_options_are_accepted():
    x = ember.randn(2, 3)
    program = ember.onnx.export(nn.ReLU(), (x,), dynamo=True, optimize=True, report=False, verify=False)
    assert isinstance(program, ember.onnx.ONNXProgram)
    assert "ONNXProgram" in repr(program)


def test_parameters_are_initializers_named_by_state_dict_keys(tmp_path):
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 2 * 2, 3)).eval()
    x = ember.randn(1, 1, 4, 4)
    graph = ember.onnx.export(model, (x,), None).model_proto.graph
    names = {i.name for i in graph.initializer}
    assert {"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var", "3.weight",
            "3.bias"} <= names
    weight = next(i for i in graph.initializer if i.name == "3.weight")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(weight), model[3].weight.detach().numpy())


def test_export_params_false_and_initializers_as_inputs():
    model = nn.Linear(3, 2).eval()
    x = ember.randn(4, 3)
    graph = ember.onnx.export(model, (x,), None, export_params=False).model_proto.graph
    assert not graph.initializer
    assert [i.name for i in graph.input] == ["input", "weight", "bias"]
    program = ember.onnx.export(model, (x,), None, keep_initializers_as_inputs=True)
    graph = program.model_proto.graph
    assert {"weight", "bias"} <= {i.name for i in graph.input} and len(graph.initializer) == 2
    _close(_run(program, x.numpy())[0], model(x))


def test_file_objects_paths_and_external_data(tmp_path):
    model = nn.Linear(40, 40).eval()
    x = ember.randn(1, 40)
    buffer = io.BytesIO()
    ember.onnx.export(model, (x,), buffer)
    assert onnx.load_from_string(buffer.getvalue()).graph.node
    ember.onnx.export(model, (x,), str(tmp_path / "plain.onnx"))
    ember.onnx.export(model, (x,), tmp_path / "big.onnx", external_data=True)
    assert (tmp_path / "big.onnx.data").exists()
    assert (tmp_path / "big.onnx").stat().st_size < (tmp_path / "plain.onnx").stat().st_size
    _close(_session(tmp_path / "big.onnx").run(None, {"input": x.numpy()})[0], model(x), atol=1e-5)
    program = ember.onnx.export(model, (x,))
    program.save(tmp_path / "saved.onnx")
    assert onnx.load(tmp_path / "saved.onnx").graph.node
    with pytest.raises(TypeError, match="path or a binary file"):
        ember.onnx.export(model, (x,), 42)


def test_the_model_is_exported_in_eval_mode_and_its_mode_restored():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.BatchNorm1d(4))
    model.train()
    x = ember.randn(3, 4)
    program = ember.onnx.export(model, (x,), None)
    assert model.training and all(m.training for m in model.modules())
    assert "Dropout" not in {n.op_type for n in program.model_proto.graph.node}
    model.eval()
    _close(_run(program, x.numpy())[0], model(x), rtol=1e-5, atol=1e-5)
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="_dropout_with_mask"):  # dropout kept: no export
        ember.onnx.export(model, (x,), None, training=ember.onnx.TrainingMode.TRAINING)


def test_is_in_onnx_export():
    seen = []

    def f(x):
        seen.append(ember.onnx.is_in_onnx_export())
        return x + 1

    ember.onnx.export(f, (ember.ones(1),), None)
    assert seen == [True] and not ember.onnx.is_in_onnx_export()


def test_verbose_prints_the_graph(capsys):
    ember.onnx.export(nn.ReLU(), (ember.randn(2),), None, verbose=True)
    assert "Relu" in capsys.readouterr().out


# ---- tracing -------------------------------------------------------------------------------------

def test_ops_on_constants_fold_while_tracing():
    table = ember.randn(5, 3)

    def f(x):
        scaled = (table * 2).exp()  # no traced operand: a constant of the file
        return x @ scaled.t()

    x = ember.randn(2, 3)
    graph = ember.onnx.export(f, (x,), None).model_proto.graph
    assert {n.op_type for n in graph.node} <= {"MatMul", "Constant"}
    _close(_run(ember.onnx.export(f, (x,), None), x.numpy())[0], f(x), rtol=1e-5)


def test_a_branch_on_a_traced_value_warns_and_unrolls():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x * 3

    x = ember.ones(3)
    with pytest.warns(ember.onnx.TracerWarning, match="Python boolean"):
        program = ember.onnx.export(f, (x,), None)
    _close(_run(program, -np.ones(3, np.float32))[0], -2 * np.ones(3))  # the branch taken while tracing


def test_python_loops_unroll():
    def f(x):
        for _ in range(3):
            x = x * 2 + 1
        return x

    x = ember.randn(4)
    _close(_run(ember.onnx.export(f, (x,), None), x.numpy())[0], f(x))


def test_inplace_ops_are_written_out_of_place():
    class Residual(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            out = self.fc(x)
            out += x
            out = F.relu(out, inplace=True)
            out.mul_(0.5)
            out[:, 0] = 7.0
            return out

    model = Residual().eval()
    x = ember.randn(3, 4)
    program = ember.onnx.export(model, (x,), None, dynamic_axes={"x": {0: "b"}})
    for batch in (3, 1):
        xb = ember.randn(batch, 4)
        _close(_run(program, xb.numpy())[0], model(xb), rtol=1e-5, atol=1e-6)


def test_a_write_into_a_view_of_a_traced_tensor_is_refused():
    def f(x):
        y = x * 1
        view = y[0]
        view.add_(1)
        return y, view

    with pytest.raises(ember.onnx.OnnxExporterError, match="shares memory"):
        ember.onnx.export(f, (ember.randn(2, 3),), None)


def test_an_op_without_export_names_the_op_and_the_line():
    def f(x):
        return ember.erfinv(x.tanh())

    with pytest.raises(ember.onnx.UnsupportedOperatorError, match=r"erfinv.*test_onnx_export_api\.py:\d+"):
        ember.onnx.export(f, (ember.randn(3),), None)


def test_an_unsupported_op_inside_a_module_names_the_module():
    class Inner(nn.Module):
        def forward(self, x):
            return ember.cumprod(x, 0)

    model = nn.Sequential(nn.Linear(2, 2), Inner())
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="'cumprod' has no ONNX export in module '1'"):
        ember.onnx.export(model, (ember.randn(3, 2),), None)


def test_options_onnx_cannot_express_are_refused():
    emb = nn.Embedding(10, 3, max_norm=1.0)
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="max_norm"):
        ember.onnx.export(emb, (ember.tensor([1, 2]),), None)
    with pytest.raises(ember.onnx.UnsupportedOperatorError, match="proj_size"):
        ember.onnx.export(nn.LSTM(3, 4, proj_size=2), (ember.randn(2, 1, 3),), None)


def test_a_model_returning_no_tensor_is_refused():
    with pytest.raises(ember.onnx.OnnxExporterError, match="no tensors"):
        ember.onnx.export(lambda x: None, (ember.randn(2),), None)
    with pytest.raises(TypeError, match="nn.Module or a function"):
        ember.onnx.export(42, (ember.randn(2),), None)


def test_the_same_tensor_twice_is_refused():
    x = ember.randn(2)
    with pytest.raises(ember.onnx.OnnxExporterError, match="same tensor"):
        ember.onnx.export(lambda a, b: a + b, (x, x), None)


def test_tracing_leaves_no_mode_behind_after_an_error():
    from ember import _op_layer
    with pytest.raises(ember.onnx.UnsupportedOperatorError):
        ember.onnx.export(lambda x: ember.erfinv(x), (ember.randn(2),), None)
    assert not _op_layer._ACTIVE and not ember.onnx.is_in_onnx_export()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (ember.ones(2) + 1).sum().item() == 4.0


def test_a_tensor_computed_outside_the_op_layer_is_refused_not_baked_in():
    from ember import _C
    from ember._tensor import _wrap

    def f(x):
        return x + _wrap(_C.exp(x._impl))  # native code on a traced value: no op saw it

    with pytest.raises(ember.onnx.OnnxExporterError, match="outside ember's ops"):
        ember.onnx.export(f, (ember.randn(3),), None)
    weight = ember.randn(3)
    program = ember.onnx.export(lambda x: x * weight.data, (ember.randn(3),), None)  # an older tensor's alias
    x = ember.randn(3)
    _close(_run(program, x.numpy())[0], x * weight)


def test_pytorch_export_script_names():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    program = ember.onnx.export(model, (ember.randn(2, 3),), None,
                                operator_export_type=ember.onnx.OperatorExportTypes.ONNX,
                                training=ember.onnx.TrainingMode.EVAL)
    assert program.model_proto.graph.node
    model.train()
    with ember.onnx.select_model_mode_for_export(model, ember.onnx.TrainingMode.EVAL):
        assert not model.training and not model[1].training
    assert model.training and model[1].training
    with pytest.raises(NotImplementedError, match="custom_translation_table"):
        ember.onnx.export(model, (ember.randn(2, 3),), None, custom_translation_table={len: len})
    with pytest.raises(TypeError, match="input_name"):
        ember.onnx.export(model, (ember.randn(2, 3),), None, input_name=["x"])  # a typo is not swallowed
