"""ONNX export, one op at a time: every exporter in ember.onnx's registry has at least one case
(onnx_cases.py) that exports a function calling that op, checks that the op's exporter wrote
it, runs the file with onnxruntime and compares with ember's own result (values, shapes and
dtypes), at the traced batch size and, where the inputs have a dynamic dim, at another.
Opset-dependent exporters are exported on each side of the opset they change at; the errors
(an op without an export, an option ONNX cannot express, an opset too old) are checked last."""
import io
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import ember  # noqa: E402
import ember.nn.functional as F  # noqa: E402
from ember import _op_layer  # noqa: E402
from ember.onnx import OnnxExporterError, TracerWarning, UnsupportedOperatorError  # noqa: E402
from ember.onnx.registry import EXPORTERS  # noqa: E402

from conftest import to_numpy  # noqa: E402
from onnx_cases import CASES  # noqa: E402

TRACED_BATCH, OTHER_BATCH = 2, 3

_NUMPY_OF = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
             "int8": np.int8, "uint8": np.uint8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
             "bool": np.bool_}


def _clear_exporter_caches():
    # the tracer caches each op's exporter on the op; drop it so the table below is read again
    for od in _op_layer.OPS.values():
        od.cache.pop("onnx", None)


@pytest.fixture(scope="module")
def exporter_calls():
    """The keys of the exporters called during an export, in order: each exporter is wrapped in
    one that records its key, for the module's duration."""
    calls = []
    originals = dict(EXPORTERS)

    def recording(key, fn):
        def export(g, result, *args, **kwargs):
            calls.append(key)
            return fn(g, result, *args, **kwargs)
        return export

    for key, fn in originals.items():
        EXPORTERS[key] = recording(key, fn)
    _clear_exporter_caches()
    yield calls
    EXPORTERS.clear()
    EXPORTERS.update(originals)
    _clear_exporter_caches()


def _outputs(result):
    """The tensors of a function's result, in order (nested tuples flattened)."""
    if isinstance(result, ember.Tensor):
        return [result]
    return [t for r in result for t in _outputs(r)]


def _check_outputs(case, got, expected, where):
    assert len(got) == len(expected), f"{where}: {len(got)} outputs, ember returns {len(expected)}"
    for k, (g, e) in enumerate(zip(got, expected)):
        what = f"{where}, output {k}"
        want_dtype = np.dtype(_NUMPY_OF[e.dtype.name])
        assert g.dtype == want_dtype, f"{what}: dtype {g.dtype}, ember's is {e.dtype}"
        assert g.shape == tuple(e.shape), f"{what}: shape {g.shape}, ember's is {tuple(e.shape)}"
        if not case.values:
            continue
        want = to_numpy(e)
        if e.dtype.is_floating_point:
            np.testing.assert_allclose(g.astype(np.float64), want.astype(np.float64), rtol=case.rtol,
                                       atol=case.atol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(g, want, err_msg=what)


def _export(fn, tensors, names, dynamic_axes=None, opset=None):
    f = io.BytesIO()
    with warnings.catch_warnings():
        # a single op reads no traced value: the file must not depend on the example's values
        warnings.simplefilter("error", TracerWarning)
        ember.onnx.export(fn, tuple(tensors), f, input_names=names, dynamic_axes=dynamic_axes,
                          opset_version=opset)
    return f.getvalue()


def _node_types(model):
    return {n.op_type for n in model.graph.node}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_export_op(case, exporter_calls):
    if case.skip:
        pytest.skip(case.skip)
    rng = np.random.default_rng(case.seed)
    made = [s.make(rng, TRACED_BATCH) for s in case.inputs]
    arrays = [a for a, _ in made]
    names = [f"input_{i}" for i in range(len(made))]
    expected = _outputs(case.fn(*[t for _, t in made]))
    # the export traces its own copies: an op that writes in place must not see ember's run
    tensors = [s.make(np.random.default_rng(case.seed), TRACED_BATCH)[1] for s in case.inputs]
    dynamic_axes = {n: {d: "batch" for d in s.dynamic_dims} for n, s in zip(names, case.inputs)
                    if case.dynamic and s.dynamic_dims}
    del exporter_calls[:]
    data = _export(case.fn, tensors, names, dynamic_axes or None, case.opset)
    assert case.op in exporter_calls, f"the exporter of {case.op!r} was not called (called: {exporter_calls})"

    model = onnx.load_from_string(data)
    onnx.checker.check_model(model, full_check=True)
    onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    if case.opset is not None:
        assert model.opset_import[0].version == case.opset
    types = _node_types(model)
    for op_type in case.nodes:
        assert op_type in types, f"no {op_type} node in the file (nodes: {sorted(types)})"
    for op_type in case.absent:
        assert op_type not in types, f"a {op_type} node in the file (nodes: {sorted(types)})"

    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    got = session.run(None, dict(zip(names, arrays)))
    _check_outputs(case, got, expected, f"batch {TRACED_BATCH}")
    if case.dynamic:
        made = [s.make(rng, OTHER_BATCH) for s in case.inputs]
        expected = _outputs(case.fn(*[t for _, t in made]))
        got = session.run(None, {n: a for n, (a, _) in zip(names, made)})
        _check_outputs(case, got, expected, f"batch {OTHER_BATCH}")


def test_every_exporter_has_a_case():
    covered = {c.op for c in CASES}
    missing = sorted(set(EXPORTERS) - covered)
    assert not missing, f"ONNX exporters without an export test in onnx_cases.py: {missing}"
    unknown = sorted(covered - set(EXPORTERS))
    assert not unknown, f"onnx_cases.py has cases for ops with no exporter: {unknown}"


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


# ---- errors ---------------------------------------------------------------------------------------------

def _ints(*shape):
    return ember.tensor(np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape) - 2)


def _floats(*shape):
    return ember.tensor(np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np.float32))


def _where(fn):
    """The file:line an export error must name for a one-line lambda: the line of its op's call."""
    return f"{__file__}:{fn.__code__.co_firstlineno}"


_NEWER_OPSET = [  # (id, function, arguments, opset asked for, opset the op needs)
    ("bitwise_and_int", lambda x, y: x & y, (_ints(2, 3), _ints(2, 3)), 17, 18),
    ("bitwise_or_int", lambda x: ember.bitwise_or(x, 3), (_ints(2, 3),), 13, 18),
    ("bitwise_xor_reflected", lambda x: 5 ^ x, (_ints(2, 3),), 16, 18),
    ("bitwise_not_int", lambda x: ~x, (_ints(2, 3),), 17, 18),
    ("pad_circular", lambda x: F.pad(x, (1, 1), mode="circular"), (_floats(1, 2, 3),), 18, 19),
    ("scatter_add", lambda x, i, v: ember.scatter_add(x, 0, i, v), (_floats(3, 2), _ints(1, 2) + 2, _floats(1, 2)),
     15, 16),
    ("reshape_to_zero_size", lambda x: x.view(0, 3), (_floats(0, 3),), 13, 14),
]


@pytest.mark.parametrize("fn, args, opset, needed", [c[1:] for c in _NEWER_OPSET], ids=[c[0] for c in _NEWER_OPSET])
def test_op_needing_a_newer_opset_names_it(fn, args, opset, needed):
    with pytest.raises(OnnxExporterError) as info:
        ember.onnx.export(fn, args, io.BytesIO(), opset_version=opset)
    message = str(info.value)
    assert f"needs ONNX opset {needed}" in message and f"opset {opset} was asked" in message
    assert f"opset_version={needed}" in message
    assert _where(fn) in message
    # and at the opset it names, the same call exports
    ember.onnx.export(fn, args, io.BytesIO(), opset_version=needed)


_NO_EXPORT = [  # (op the message names, function, arguments): ops that compute natively, with no exporter
    ("erfinv", lambda x: ember.erfinv(x), (_floats(2, 3),)),
    ("cumprod", lambda x: ember.cumprod(x, 1), (_floats(2, 3),)),
    ("Tensor.lgamma", lambda x: x.lgamma() + 1, (_floats(2, 3),)),
    ("sort", lambda x: ember.sort(x, 1)[0], (_floats(2, 3),)),
    ("nn.functional.mse_loss", lambda x, y: F.mse_loss(x, y), (_floats(2, 3), _floats(2, 3))),
    ("nn.functional.cross_entropy", lambda x: F.cross_entropy(x, _ints(2) + 2), (_floats(2, 3),)),
    ("nn.functional._dropout_with_mask", lambda x: F.dropout(x, 0.5, training=True), (_floats(2, 3),)),
]


@pytest.mark.parametrize("op, fn, args", _NO_EXPORT, ids=[c[0] for c in _NO_EXPORT])
def test_op_without_export_names_op_and_line(op, fn, args):
    assert op not in EXPORTERS
    with pytest.raises(UnsupportedOperatorError) as info:
        ember.onnx.export(fn, args, io.BytesIO())
    message = str(info.value)
    assert f"ember op '{op}' has no ONNX export" in message
    assert _where(fn) in message


_INEXPRESSIBLE = [  # (id, what the message says, function, arguments): options ONNX cannot express
    ("embedding_max_norm", "max_norm", lambda i: F.embedding(i, ember.ones(5, 3), max_norm=1.0), (_ints(3) + 2,)),
    ("batch_norm_training", "training mode",
     lambda x: F.batch_norm(x, ember.zeros(3), ember.ones(3), training=True), (_floats(2, 3),)),
    ("batch_norm_no_statistics", "training mode", lambda x: F.batch_norm(x, None, None, training=True),
     (_floats(2, 3),)),
    ("avg_pool_divisor_override", "divisor_override", lambda x: F.avg_pool2d(x, 2, divisor_override=3),
     (_floats(1, 1, 4, 4),)),
    ("adaptive_avg_pool_uneven", "windows of different sizes", lambda x: F.adaptive_avg_pool2d(x, 3),
     (_floats(1, 1, 4, 4),)),
    ("adaptive_max_pool_uneven", "windows of different sizes", lambda x: F.adaptive_max_pool1d(x, 3),
     (_floats(1, 2, 4),)),
    ("interpolate_area_uneven", "windows of different sizes", lambda x: F.interpolate(x, size=3, mode="area"),
     (_floats(1, 2, 4),)),
    ("attention_dropout", "dropout", lambda q: F.scaled_dot_product_attention(q, q, q, dropout_p=0.5),
     (_floats(1, 2, 3),)),
    ("attention_grouped_heads", "grouped key/value heads",
     lambda q, k: F.scaled_dot_product_attention(q, k, k, enable_gqa=True), (_floats(1, 4, 2, 3), _floats(1, 2, 2, 3))),
    ("lstm_training_dropout", "dropout in training mode",
     lambda x: ember.lstm(x, (ember.zeros(2, 2, 2), ember.zeros(2, 2, 2)),
                          [_floats(8, 3), _floats(8, 2), _floats(8, 2), _floats(8, 2)], False, 2, 0.5, True, False,
                          False), (_floats(2, 2, 3),)),
    ("lstm_projections", "proj_size",
     lambda x: ember.lstm(x, (ember.zeros(1, 2, 1), ember.zeros(1, 2, 2)), [_floats(8, 3), _floats(8, 1),
                                                                            _floats(1, 2)],
                          False, 1, 0.0, False, False, False), (_floats(2, 2, 3),)),
    ("einsum_sublists", "sublist format", lambda a: ember.einsum(a, [0, 1], [1, 0]), (_floats(2, 2),)),
    ("index_python_bool", "Python bool", lambda x: x[True], (_floats(2, 3),)),
    ("index_none_and_tensor", "mixes None with tensor", lambda x: x[None, _ints(1) + 2], (_floats(2, 3),)),
    ("index_zero_dim_mask", "0-dim bool mask", lambda x: x[ember.tensor(True)], (_floats(2, 3),)),
    ("slice_traced_step", "traced step", lambda x: x[::x.size(1)], (_floats(2, 3),)),
    ("nonzero_zero_dim", "0-dim", lambda x: ember.nonzero(x), (ember.tensor(1.0),)),
    ("out_argument", "out= argument", lambda x: ember.add(x, x, out=ember.empty(2, 3)), (_floats(2, 3),)),
    ("max_pool_int64", "int64", lambda x: F.max_pool1d(x, 2), (_ints(1, 2, 4),)),
]


@pytest.mark.parametrize("what, fn, args", [c[1:] for c in _INEXPRESSIBLE], ids=[c[0] for c in _INEXPRESSIBLE])
def test_option_onnx_cannot_express_raises(what, fn, args):
    with pytest.raises(OnnxExporterError) as info:
        ember.onnx.export(fn, args, io.BytesIO())
    message = str(info.value)
    assert what in message and "has no ONNX export" in message
    assert f"called at {__file__}:" in message  # the user's line (multi-line lambdas name one of theirs)


@pytest.mark.skipif(ember.cuda.is_available(), reason="the build has CUDA: Tensor.cuda exports (its case runs)")
def test_cuda_in_a_cpu_build_fails_the_trace():
    # the op itself fails while tracing: an error, never a file
    f = io.BytesIO()
    with pytest.raises(RuntimeError, match="CUDA"):
        ember.onnx.export(lambda x: x.cuda(), (_floats(2, 3),), f)
    assert f.getvalue() == b""
