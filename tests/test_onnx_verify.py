"""ember.onnx.verify: the report, the default dynamic batch, and the error when a runtime
disagrees with ember."""
import pytest

import ember
from ember import nn
from ember._op_layer import OPS

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")


def test_report_rows_cover_sizes_outputs_and_runtimes():
    model = nn.Sequential(nn.Linear(6, 4), nn.Tanh()).eval()
    report = ember.onnx.verify(model, (ember.randn(2, 6),))
    assert report.ok
    assert [(r[0], r[2]) for r in report.rows] == [
        ("traced", "onnxruntime"), ("traced", "reference"), ("batch=1", "onnxruntime"), ("batch=1", "reference"),
        ("batch=3", "onnxruntime"), ("batch=3", "reference")]
    assert all(r[3] < 1e-5 for r in report.rows)
    text = str(report)
    assert text.splitlines()[0].split() == ["arguments", "output", "runtime", "max", "abs", "diff", "max", "rel",
                                            "diff"]
    assert "onnxruntime" in text and "reference" in text and "(rtol=0.0001, atol=1e-05)" in text


def test_the_file_is_kept_at_a_given_path(tmp_path):
    report = ember.onnx.verify(nn.ReLU(), (ember.randn(3, 2),), path=tmp_path / "relu.onnx", batch_sizes=(5,),
                               runtimes=("onnxruntime",))
    assert (tmp_path / "relu.onnx").exists() and report.path == tmp_path / "relu.onnx"
    assert {r[0] for r in report.rows} == {"traced", "batch=5"}
    model = onnx.load(tmp_path / "relu.onnx")
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_integer_inputs_are_resized_within_their_range():
    model = nn.Sequential(nn.Embedding(7, 3), nn.Flatten(), nn.Linear(6, 2)).eval()
    report = ember.onnx.verify(model, (ember.tensor([[1, 6], [0, 3]]),))
    assert report.ok and len(report.rows) == 6


def test_a_wrong_file_raises_with_the_report(monkeypatch):
    from ember.onnx.registry import EXPORTERS

    def wrong_relu(g, result, input, *args, **kwargs):
        return g.op("Sigmoid", g.value(input))

    monkeypatch.setitem(EXPORTERS, "nn.functional.relu", wrong_relu)
    monkeypatch.setattr(OPS["nn.functional.relu"], "cache", {})
    with pytest.raises(ember.onnx.VerificationError) as info:
        ember.onnx.verify(nn.ReLU(), (ember.randn(4, 3),))
    report = info.value.report
    assert not report.ok and "FAIL" in str(info.value)
    assert report.max_abs_diff() > 0.1


def test_a_model_in_training_mode_is_compared_in_eval_mode():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    model.train()
    assert ember.onnx.verify(model, (ember.randn(3, 4),)).ok
    assert model.training
