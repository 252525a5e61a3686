"""ember.onnx.load: ONNX's node tests (a sample across op families, run as tools/onnx_node_tests.py
runs them), hand-built and PyTorch-exported models against numpy and torch, fine-tuning a
loaded model, state_dict names, and the errors for bad files, unknown ops and bad inputs."""
import importlib.util
import io
import os
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import ember  # noqa: E402
import ember.onnx  # noqa: E402
from ember.onnx import backend  # noqa: E402
from ember.onnx.importer import (InvalidModelError, UnsupportedDTypeError,  # noqa: E402
                                 UnsupportedOpError, initializer_name)


def _node_tests_script():
    path = os.path.join(os.path.dirname(__file__), "..", "tools", "onnx_node_tests.py")
    spec = importlib.util.spec_from_file_location("onnx_node_tests", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


node_tests = _node_tests_script()

# A sample of ONNX's node tests across the op families (the script runs all of them).
NODE_CASES = [
    # elementwise, comparison, logic, bitwise
    "test_add_bcast", "test_add_uint8", "test_div_int32_trunc", "test_pow_types_int32_float32",
    "test_mod_mixed_sign_int32", "test_mod_mixed_sign_float32", "test_bitshift_left_uint8",
    "test_bitwise_xor_ui8_bcast_4v3d", "test_and_bcast4v3d", "test_less_equal_bcast", "test_isinf_negative",
    "test_sign", "test_round", "test_erf", "test_clip_default_int8_min", "test_clip_splitbounds",
    "test_max_int64", "test_mean_example", "test_sum_example", "test_where_long_example",
    # activations, softmax family (pre-13 and 13+)
    "test_selu", "test_gelu_tanh_1", "test_hardsigmoid", "test_prelu_broadcast", "test_thresholdedrelu",
    "test_softplus", "test_mish", "test_softmax_axis_0", "test_softmax_axis_1_expanded_ver18",
    "test_logsoftmax_axis_1", "test_hardmax_axis_1",
    # constants, shapes, casts
    "test_constant", "test_constantofshape_int_shape_zero", "test_shape_start_negative_1", "test_size",
    "test_cast_FLOAT_to_BFLOAT16", "test_castlike_DOUBLE_to_FLOAT16_expanded",
    "test_eyelike_populate_off_main_diagonal", "test_range_int32_type_negative_delta",
    "test_dropout_default_mask",
    # layout
    "test_reshape_allowzero_reordered", "test_flatten_negative_axis1", "test_squeeze_negative_axes",
    "test_unsqueeze_unsorted_axes", "test_transpose_all_permutations_4", "test_expand_dim_changed",
    "test_tile_precomputed", "test_split_2d_uneven_split_opset18", "test_split_variable_parts_2d_opset13",
    "test_slice_neg_steps", "test_slice_end_out_of_bounds", "test_edge_pad", "test_reflect_pad",
    "test_wrap_pad", "test_depthtospace_crd_mode_example", "test_triu_one_row", "test_reversesequence_batch",
    "test_center_crop_pad_crop_and_pad",
    # indexing
    "test_gather_negative_indices", "test_gather_elements_negative_indices",
    "test_gathernd_example_int32_batch_dim1", "test_scatter_elements_with_reduction_max",
    "test_scatternd_multiply", "test_nonzero_example", "test_onehot_negative_indices",
    "test_compress_negative_axis",
    # reductions, scans, sorting
    "test_reduce_max_empty_set", "test_reduce_sum_empty_axes_input_noop",
    "test_reduce_log_sum_exp_negative_axes_keepdims_random", "test_cumsum_1d_reverse_exclusive",
    "test_argmax_negative_axis_keepdims_example_select_last_index", "test_unique_not_sorted_without_axis",
    "test_top_k_smallest", "test_top_k_same_values_2d",
    # matrices
    "test_matmul_4d_1d", "test_gemm_all_attributes", "test_einsum_batch_diagonal", "test_det_nd",
    "test_matmulinteger",
    # convolutions and pools
    "test_conv_with_strides_and_asymmetric_padding", "test_conv_with_autopad_same",
    "test_convtranspose_output_shape", "test_convtranspose_3d", "test_convinteger_with_padding",
    "test_maxpool_2d_ceil", "test_maxpool_with_argmax_2d_precomputed_strides", "test_maxpool_3d_dilations",
    "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True", "test_lppool_2d_pads",
    "test_maxunpool_export_with_output_shape",
    # normalizations
    "test_batchnorm_epsilon_training_mode", "test_instancenorm_epsilon", "test_layer_normalization_3d_axis1_epsilon",
    "test_group_normalization_example", "test_rms_normalization_3d_axis1_epsilon", "test_lrn", "test_mvn",
    # resizing
    "test_resize_downsample_scales_cubic_antialias", "test_resize_tf_crop_and_resize_axes_3_2",
    "test_upsample_nearest",
    # recurrent, control flow, attention, losses
    "test_lstm_with_peepholes", "test_gru_seq_length", "test_rnn_seq_length", "test_if", "test_loop11",
    "test_scan9_sum", "test_attention_4d_gqa_with_past_and_present", "test_rotary_embedding_interleaved",
    "test_sce_mean_weight_ii_3d_log_prob", "test_nllloss_NCd1d2_with_weight_reduction_mean",
]


@pytest.fixture(scope="module")
def node_cases():
    return {case.name: case for case, _ in node_tests.collect()}


@pytest.mark.parametrize("name", NODE_CASES)
def test_node_case(node_cases, name):
    case = node_cases[name]
    assert node_tests.is_eligible(case)
    data_sets = [([node_tests._array(x) for x in i], [node_tests._array(x) for x in o]) for i, o in case.data_sets]
    message = node_tests.run_case(case.model.SerializeToString(), data_sets, case.rtol, case.atol)
    assert message is None, message


# ---- a hand-built MLP -------------------------------------------------------------------------
def _mlp(rng):
    weights = {
        "fc1.weight": rng.standard_normal((4, 8)).astype(np.float32),
        "fc1.bias": rng.standard_normal(8).astype(np.float32),
        "fc2.weight": rng.standard_normal((8, 3)).astype(np.float32),
        "fc2.bias": rng.standard_normal(3).astype(np.float32),
    }
    nodes = [
        helper.make_node("MatMul", ["x", "fc1.weight"], ["h1"]),
        helper.make_node("Add", ["h1", "fc1.bias"], ["h2"]),
        helper.make_node("Relu", ["h2"], ["h3"]),
        helper.make_node("MatMul", ["h3", "fc2.weight"], ["h4"]),
        helper.make_node("Add", ["h4", "fc2.bias"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])],
        [numpy_helper.from_array(v, k) for k, v in weights.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), weights


def _mlp_numpy(weights, x):
    h = np.maximum(x @ weights["fc1.weight"] + weights["fc1.bias"], 0)
    return h @ weights["fc2.weight"] + weights["fc2.bias"]


def test_mlp_matches_numpy():
    rng = np.random.default_rng(0)
    model, weights = _mlp(rng)
    module = ember.onnx.load(model.SerializeToString())
    x = rng.standard_normal((5, 4)).astype(np.float32)
    y = module(ember.tensor(x))
    assert isinstance(y, ember.Tensor) and y.shape == (5, 3)
    np.testing.assert_allclose(y.detach().numpy(), _mlp_numpy(weights, x), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(module(x).detach().numpy(), y.detach().numpy())  # numpy input
    np.testing.assert_allclose(module(x=x).detach().numpy(), y.detach().numpy())  # by name
    assert module.input_names == ["x"] and module.output_names == ["y"]
    assert module.input_specs[0].shape == ["batch", 4] and module.input_specs[0].dtype == ember.float32


def test_mlp_state_dict_keys_are_initializer_names():
    model, weights = _mlp(np.random.default_rng(1))
    module = ember.onnx.load(model)
    assert list(module.state_dict()) == list(weights)
    assert isinstance(module.fc1.weight, ember.nn.Parameter)
    np.testing.assert_array_equal(module.state_dict()["fc2.bias"].numpy(), weights["fc2.bias"])


def test_mlp_fine_tunes():
    rng = np.random.default_rng(2)
    model, _ = _mlp(rng)
    module = ember.onnx.load(model)
    x = ember.tensor(rng.standard_normal((16, 4)).astype(np.float32))
    target = ember.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    optimizer = ember.optim.SGD(module.parameters(), lr=0.05)
    loss = ember.nn.functional.mse_loss(module(x), target)
    optimizer.zero_grad()
    loss.backward()
    for name, p in module.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
        assert float(p.grad.abs().sum()) > 0, name
    optimizer.step()
    new_loss = ember.nn.functional.mse_loss(module(x), target)
    assert float(new_loss) < float(loss)


def test_load_state_dict_changes_the_model():
    rng = np.random.default_rng(3)
    model, weights = _mlp(rng)
    module = ember.onnx.load(model)
    x = rng.standard_normal((2, 4)).astype(np.float32)
    state = {k: ember.zeros_like(v) for k, v in module.state_dict().items()}
    module.load_state_dict(state)
    np.testing.assert_array_equal(module(x).detach().numpy(), np.zeros((2, 3), np.float32))


def test_awkward_initializer_names_are_encoded_reversibly():
    names = ["a..b", "forward", "fc1", "fc1.weight", "onnx::Conv_3", "50%"]
    inits = [numpy_helper.from_array(np.full(2, i, np.float32), n) for i, n in enumerate(names)]
    nodes = [helper.make_node("Sum", ["x"] + names, ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])], inits)
    module = ember.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    keys = list(module.state_dict())
    assert [initializer_name(k) for k in keys] == names
    assert "onnx::Conv_3" in keys and "fc1" in keys  # names nn.Module can hold stay as they are
    assert "%a%2E%2Eb" in keys and "%fc1%2Eweight" in keys  # an empty part; a clash with 'fc1'
    np.testing.assert_allclose(module(np.zeros(2, np.float32)).detach().numpy(), [15.0, 15.0])


# ---- models exported by PyTorch ---------------------------------------------------------------
def _export(torch, model, args, **kwargs):
    f = io.BytesIO()
    with warnings.catch_warnings():  # the TorchScript exporter's deprecation and tracer notes
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, f, dynamo=False, **kwargs)
    return f.getvalue()


def test_torch_cnn():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    torch.manual_seed(0)

    class CNN(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(1, 4, 3, padding=1)
            self.bn = tnn.BatchNorm2d(4)
            self.conv2 = tnn.Conv2d(4, 8, 3, stride=2)
            self.fc = tnn.Linear(8 * 3 * 3, 10)

        def forward(self, x):
            x = torch.relu(self.bn(self.conv1(x)))
            x = tnn.functional.max_pool2d(x, 2)
            x = torch.relu(self.conv2(x))
            return torch.log_softmax(self.fc(x.flatten(1)), -1)

    model = CNN().eval()
    x = torch.randn(3, 1, 16, 16)
    data = _export(torch, model, (x,), input_names=["x"], output_names=["y"],
                   dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    module = ember.onnx.load(data)
    assert "fc.weight" in module.state_dict()
    with torch.no_grad():
        expected = model(x).numpy()
    np.testing.assert_allclose(module(x.numpy()).detach().numpy(), expected, rtol=1e-4, atol=1e-5)
    x5 = torch.randn(5, 1, 16, 16)  # another batch size: the dim is symbolic
    with torch.no_grad():
        np.testing.assert_allclose(module(x5.numpy()).detach().numpy(), model(x5).numpy(), rtol=1e-4, atol=1e-5)


def test_torch_lstm():
    torch = pytest.importorskip("torch")
    tnn = torch.nn
    torch.manual_seed(0)

    class Tagger(tnn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = tnn.LSTM(5, 7, num_layers=2, batch_first=True, bidirectional=True)
            self.head = tnn.Linear(14, 3)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.head(out), h

    model = Tagger().eval()
    x = torch.randn(2, 6, 5)
    module = ember.onnx.load(_export(torch, model, (x,), input_names=["x"], output_names=["y", "h"]))
    y, h = module(x.numpy())
    with torch.no_grad():
        ty, th = model(x)
    np.testing.assert_allclose(y.detach().numpy(), ty.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h.detach().numpy(), th.numpy(), rtol=1e-4, atol=1e-5)


def test_recurrent_ops_match_onnxruntime_with_sequence_lengths():
    ort = pytest.importorskip("onnxruntime")
    rng = np.random.default_rng(4)
    seq, batch, size, hidden = 5, 3, 4, 6
    for op, gates in (("RNN", 1), ("GRU", 3), ("LSTM", 4)):
        inputs = {
            "X": rng.standard_normal((seq, batch, size)).astype(np.float32),
            "W": (rng.standard_normal((2, gates * hidden, size)) * 0.5).astype(np.float32),
            "R": (rng.standard_normal((2, gates * hidden, hidden)) * 0.5).astype(np.float32),
            "B": (rng.standard_normal((2, 2 * gates * hidden)) * 0.5).astype(np.float32),
            "L": np.array([5, 2, 4], np.int32),
            "H0": rng.standard_normal((2, batch, hidden)).astype(np.float32),
        }
        outputs = ["Y", "Y_h"] + (["Y_c"] if op == "LSTM" else [])
        node = helper.make_node(op, list(inputs), outputs, hidden_size=hidden, direction="bidirectional")
        graph = helper.make_graph(
            [node], op, [helper.make_tensor_value_info(k, TensorProto.INT32 if k == "L" else TensorProto.FLOAT,
                                                       v.shape) for k, v in inputs.items()],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
        model.ir_version = 8
        expected = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, inputs)
        got = ember.onnx.load(model)(*inputs.values())
        for g, e in zip(got, expected):
            np.testing.assert_allclose(g.numpy(), e, rtol=1e-4, atol=1e-5, err_msg=op)


# Version-dependent forms at old opsets (the node tests use each op's newest), against onnxruntime:
# (op, opset, inputs, initializer inputs ("" for an omitted one), number of outputs, attributes).
_F = np.random.default_rng(9).standard_normal((2, 3, 4)).astype(np.float32)
_IMG = np.random.default_rng(10).standard_normal((1, 2, 6, 6)).astype(np.float32)
OLD_OPSET_CASES = [
    ("ReduceSum", 11, {"x": _F}, {}, 1, {"axes": [1], "keepdims": 0}),
    ("ReduceSum", 13, {"x": _F}, {"axes": np.array([0, 2])}, 1, {}),
    ("ReduceMean", 13, {"x": _F}, {}, 1, {"axes": [-1]}),
    ("ReduceL1", 18, {"x": _F}, {"axes": np.array([], np.int64)}, 1, {"noop_with_empty_axes": 1}),
    ("Split", 11, {"x": _F}, {}, 2, {"axis": 2, "split": [1, 3]}),
    ("Split", 13, {"x": _F}, {"split": np.array([3, 1])}, 2, {"axis": 2}),
    ("Unsqueeze", 11, {"x": _F}, {}, 1, {"axes": [0, -1]}),
    ("Squeeze", 13, {"x": _F[:1]}, {"axes": np.array([0])}, 1, {}),
    ("Clip", 7, {"x": _F}, {}, 1, {"min": -0.5, "max": 0.5}),
    ("Clip", 11, {"x": _F}, {"min": np.array(-0.2, np.float32), "max": ""}, 1, {}),
    ("Pad", 7, {"x": _F}, {}, 1, {"pads": [0, 1, 2, 0, 1, 0], "mode": "constant", "value": 1.5}),
    ("Pad", 11, {"x": _F}, {"pads": np.array([0, 0, 2, 0, 0, 3])}, 1, {"mode": "edge"}),
    ("Slice", 9, {"x": _F}, {}, 1, {"starts": [0, 1], "ends": [2, 100], "axes": [1, 2]}),
    ("Slice", 10, {"x": _F}, {"starts": np.array([3, -1]), "ends": np.array([0, -100]),
                               "axes": np.array([2, 1]), "steps": np.array([-1, -1])}, 1, {}),
    ("Resize", 10, {"x": _IMG}, {"scales": np.array([1, 1, 2, 1.5], np.float32)}, 1, {"mode": "nearest"}),
    ("Resize", 11, {"x": _IMG}, {"roi": np.array([], np.float32), "scales": np.array([], np.float32),
                                 "sizes": np.array([1, 2, 9, 4])}, 1,
     {"mode": "cubic", "coordinate_transformation_mode": "align_corners"}),
    ("Upsample", 7, {"x": _IMG}, {}, 1, {"mode": "nearest", "scales": [1.0, 1.0, 2.0, 3.0]}),
    ("Upsample", 9, {"x": _IMG}, {"scales": np.array([1, 1, 2, 2], np.float32)}, 1, {"mode": "linear"}),
    ("Softmax", 11, {"x": _F}, {}, 1, {"axis": 1}),
    ("LogSoftmax", 7, {"x": _F}, {}, 1, {}),
    ("Hardmax", 11, {"x": _F}, {}, 1, {"axis": 1}),
    ("TopK", 7, {"x": _F}, {}, 2, {"k": 2, "axis": 1}),
    ("TopK", 11, {"x": _F}, {"k": np.array([3])}, 2, {"largest": 0}),
    ("Gemm", 7, {"a": _F[0], "b": _F[1]}, {"c": np.ones((3, 3), np.float32)}, 1,
     {"transB": 1, "alpha": 0.5, "beta": 2.0}),
    ("MaxPool", 8, {"x": _IMG}, {}, 2, {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 0]}),
    ("MaxPool", 12, {"x": _IMG}, {}, 2, {"kernel_shape": [2, 2], "dilations": [2, 2], "storage_order": 1}),
    ("AveragePool", 7, {"x": _IMG}, {}, 1, {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                                           "count_include_pad": 1}),
    ("AveragePool", 10, {"x": _IMG}, {}, 1, {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [0, 1, 1, 0],
                                            "ceil_mode": 1}),
    ("Flatten", 9, {"x": _F}, {}, 1, {"axis": 2}),
    ("Reshape", 5, {"x": _F}, {"shape": np.array([0, -1])}, 1, {}),
    ("BatchNormalization", 9, {"x": _IMG}, {"s": np.ones(2, np.float32), "b": np.zeros(2, np.float32),
                                            "m": np.full(2, 0.5, np.float32), "v": np.full(2, 2.0, np.float32)}, 1, {}),
    ("Dropout", 12, {"x": _F}, {"ratio": np.array(0.4, np.float32)}, 1, {}),
    ("ArgMin", 12, {"x": _F}, {}, 1, {"axis": -1, "select_last_index": 1}),
    ("OneHot", 9, {"i": np.array([0, 2, -1, 5])}, {"depth": np.array(4.0, np.float32),
                                                   "values": np.array([0, 3], np.float32)}, 1, {"axis": 0}),
    ("ConvTranspose", 11, {"x": _IMG}, {"w": np.random.default_rng(11).standard_normal((2, 3, 3, 3)).astype(np.float32)},
     1, {"strides": [2, 2], "output_padding": [1, 0], "pads": [1, 0, 0, 1]}),
]


@pytest.mark.parametrize("op, opset, inputs, constants, n_out, attrs", OLD_OPSET_CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(OLD_OPSET_CASES)])
def test_old_opsets_match_onnxruntime(op, opset, inputs, constants, n_out, attrs):
    ort = pytest.importorskip("onnxruntime")
    names = list(inputs) + [k if not isinstance(v, str) else "" for k, v in constants.items()]
    inits = [numpy_helper.from_array(np.asarray(v), k) for k, v in constants.items() if not isinstance(v, str)]
    outputs = [f"y{i}" for i in range(n_out)]
    graph = helper.make_graph(
        [helper.make_node(op, names, outputs, **attrs)], op,
        [helper.make_tensor_value_info(k, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for k, v in inputs.items()],
        [helper.make_tensor_value_info(o, TensorProto.UNDEFINED, None) for o in outputs], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    got = ember.onnx.load(model)(*inputs.values())
    got = [t.detach().numpy() for t in (got if isinstance(got, tuple) else (got,))]
    del model.graph.output[:]  # onnxruntime wants the output types: ember's must agree with it
    model.graph.output.extend([helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(a.dtype), None)
                               for o, a in zip(outputs, got)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    for g, e in zip(got, session.run(None, inputs)):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


# ---- subgraphs, external data ----------------------------------------------------------------
def test_if_branches_read_the_enclosing_graph():
    def branch(name, op):
        return helper.make_graph([helper.make_node(op, ["x", "k"], [f"{name}_out"])], name, [],
                                 [helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, [3])])
    nodes = [helper.make_node("ReduceSum", ["x"], ["total"], keepdims=0),
             helper.make_node("Greater", ["total", "zero"], ["positive"]),
             helper.make_node("If", ["positive"], ["y"], then_branch=branch("then", "Mul"),
                              else_branch=branch("else", "Sub"))]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
                              [numpy_helper.from_array(np.array(2.0, np.float32), "k"),
                               numpy_helper.from_array(np.array(0.0, np.float32), "zero")])
    module = ember.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    np.testing.assert_allclose(module(np.array([1, 2, 3], np.float32)).detach().numpy(), [2, 4, 6])
    np.testing.assert_allclose(module(np.array([-1, -2, -3], np.float32)).detach().numpy(), [-3, -4, -5])
    x = ember.tensor([1.0, 2.0, 3.0])
    module(x).sum().backward()  # the taken branch's constant is a parameter: it gets a gradient
    assert float(module.k.grad) == 6.0


def test_external_data(tmp_path):
    model, weights = _mlp(np.random.default_rng(12))
    path = tmp_path / "mlp.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="mlp.weights", size_threshold=0)
    assert (tmp_path / "mlp.weights").exists()
    module = ember.onnx.load(path)
    x = np.ones((2, 4), np.float32)
    # atol: an output near zero differs by an ulp between GEMM kernels (the baseline-ISA one)
    np.testing.assert_allclose(module(x).detach().numpy(), _mlp_numpy(weights, x), rtol=1e-5, atol=1e-6)


# ---- errors -----------------------------------------------------------------------------------
def test_corrupt_file(tmp_path):
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(b"\x08\x07\x12\xff\xff\xff\xff\x0f garbage that is not a model")
    with pytest.raises(InvalidModelError, match="not a valid ONNX model"):
        ember.onnx.load(str(path))
    path.write_text("name,value\nalpha,1\n")
    with pytest.raises(ValueError, match="not"):
        ember.onnx.load(path)


def test_truncated_file(tmp_path):
    model, _ = _mlp(np.random.default_rng(5))
    data = model.SerializeToString()
    for cut in (len(data) // 3, len(data) - 7, len(data) - 1):
        path = tmp_path / f"cut{cut}.onnx"
        path.write_bytes(data[:cut])
        with pytest.raises(InvalidModelError):
            ember.onnx.load(path)
    with open(path, "rb") as f:  # a file object too
        with pytest.raises(InvalidModelError, match="truncated"):
            ember.onnx.load(f)


def test_unsupported_op_names_type_domain_and_node():
    nodes = [helper.make_node("Relu", ["x"], ["h"], name="first"),
             helper.make_node("FancyOp", ["h"], ["y"], name="fancy_1", domain="com.example")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    with pytest.raises(UnsupportedOpError, match=r"FancyOp \(domain 'com.example', node 'fancy_1'\)"):
        ember.onnx.load(model)
    assert issubclass(UnsupportedOpError, NotImplementedError)


def test_unsupported_dtype():
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.UINT32, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.UINT32, [2])])
    with pytest.raises(UnsupportedDTypeError, match="UINT32"):
        ember.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))


def test_unsupported_dtype_inside_the_graph():
    value = helper.make_tensor("v", TensorProto.UINT64, [2], [1, 2])
    graph = helper.make_graph([helper.make_node("Constant", [], ["y"], value=value)], "g", [],
                              [helper.make_tensor_value_info("y", TensorProto.INT64, [2])])
    with pytest.raises(UnsupportedDTypeError, match="UINT64"):  # at load, not at the first run
        ember.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    graph = helper.make_graph([helper.make_node("Cast", ["x"], ["y"], to=TensorProto.UINT16, name="to_u16")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, [2])])
    module = ember.onnx.load(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    with pytest.raises(UnsupportedDTypeError, match=r"Cast \(node 'to_u16'\).*UINT16"):
        module(np.zeros(2, np.float32))


def test_bad_inputs_at_run_time():
    model, _ = _mlp(np.random.default_rng(6))
    module = ember.onnx.load(model)
    with pytest.raises(ValueError, match=r"input 'x': expected rank 2 .*got rank 3"):
        module(np.zeros((2, 4, 1), np.float32))
    with pytest.raises(ValueError, match=r"input 'x': expected size 4 in dim 1"):
        module(np.zeros((2, 5), np.float32))
    with pytest.raises(TypeError, match=r"input 'x': expected dtype float32 \(ONNX FLOAT\), got float64"):
        module(np.zeros((2, 4), np.float64))
    with pytest.raises(ValueError, match="takes 1 input"):
        module()
    with pytest.raises(TypeError, match="does not have"):
        module(y=np.zeros((2, 4), np.float32))


# ---- the backend ------------------------------------------------------------------------------
def test_backend_run_node_and_run_model():
    assert backend.supports_device("CPU") and not backend.supports_device("CUDA")
    node = helper.make_node("Gemm", ["a", "b", "c"], ["y"], transB=1, alpha=0.5)
    a, b, c = (np.random.default_rng(7).standard_normal(s).astype(np.float32) for s in ((2, 3), (4, 3), (4,)))
    (y,) = backend.run_node(node, [a, b, c])
    np.testing.assert_allclose(y, 0.5 * a @ b.T + c, rtol=1e-5)
    model, weights = _mlp(np.random.default_rng(8))
    x = np.ones((1, 4), np.float32)
    outputs = backend.run_model(model, [x])
    np.testing.assert_allclose(outputs.y, _mlp_numpy(weights, x), rtol=1e-5)
