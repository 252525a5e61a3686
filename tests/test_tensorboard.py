"""ember.utils.tensorboard.SummaryWriter: events written and read back with TensorBoard's own
EventAccumulator (scalars, scalar groups, histograms, images, text, hparams, a traced graph)."""
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import ember

tensorboard = pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from ember.utils.tensorboard import SummaryWriter  # noqa: E402


def read(log_dir):
    acc = EventAccumulator(str(log_dir), size_guidance={"images": 0, "scalars": 0, "tensors": 0})
    acc.Reload()
    return acc


def test_scalars_read_back(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(10):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
        writer.add_scalar("acc", ember.tensor([0.75]), ember.tensor(3))
        writer.add_scalar("acc", np.float32(0.5), 4, walltime=123.0)
    acc = read(tmp_path)
    assert sorted(acc.Tags()["scalars"]) == ["acc", "loss"]
    loss = acc.Scalars("loss")
    assert [e.step for e in loss] == list(range(10))
    np.testing.assert_allclose([e.value for e in loss], [1.0 / (s + 1) for s in range(10)], rtol=1e-6)
    assert [(e.step, e.value) for e in acc.Scalars("acc")] == [(3, 0.75), (4, 0.5)]
    assert acc.Scalars("acc")[1].wall_time == 123.0
    with pytest.raises(ValueError, match="one element"):
        SummaryWriter(tmp_path / "bad").add_scalar("x", ember.ones(2))


def test_add_scalars_writes_one_run_per_curve(tmp_path):
    writer = SummaryWriter(tmp_path)
    for step in range(3):
        writer.add_scalars("run/train", {"a": step, "b": ember.tensor(2.0 * step)}, step)
    writer.close()
    for name, scale in (("a", 1.0), ("b", 2.0)):
        acc = read(tmp_path / f"run_train_{name}")
        assert [(e.step, e.value) for e in acc.Scalars("run/train")] == [(s, scale * s) for s in range(3)]


def test_histogram_image_text(tmp_path):
    values = ember.randn(2000)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weights", values, 1)
        writer.add_histogram("counts", np.arange(10), 2, bins=5)
        image = ember.zeros(3, 4, 5)
        image[0] = 1.0  # red
        writer.add_image("red", image, 0)
        writer.add_image("gray", np.full((4, 5), 128, np.uint8), 0, dataformats="HW")
        writer.add_text("notes", "learning rate 0.1", 7)
        batch = ember.zeros(10, 1, 4, 5)
        batch[9] = 1.0
        writer.add_images("batch", batch, 0)
    acc = read(tmp_path)
    h = acc.Histograms("weights")[0].histogram_value
    v = values.numpy().astype(np.float64)
    assert h.num == 2000 and sum(h.bucket) == 2000
    np.testing.assert_allclose([h.min, h.max, h.sum], [v.min(), v.max(), v.sum()], rtol=1e-6)
    c = acc.Histograms("counts")[0].histogram_value
    assert list(c.bucket) == [2, 2, 2, 2, 2] and len(c.bucket_limit) == 5
    red = acc.Images("red")[0]
    assert (red.width, red.height) == (5, 4)
    pil = pytest.importorskip("PIL.Image")
    pixels = np.asarray(pil.open(io.BytesIO(red.encoded_image_string)))
    assert pixels.shape == (4, 5, 3) and (pixels[..., 0] == 255).all() and (pixels[..., 1:] == 0).all()
    gray = np.asarray(pil.open(io.BytesIO(acc.Images("gray")[0].encoded_image_string)))
    assert (gray == 128).all()
    batch = acc.Images("batch")[0]
    assert (batch.width, batch.height) == (8 * 5, 2 * 4)  # 10 images, 8 per row
    tiles = np.asarray(pil.open(io.BytesIO(batch.encoded_image_string)))
    assert (tiles[4:8, 5:10] == 255).all()  # image 9 (row 1, column 1) is white, all else black
    assert int(tiles.astype(np.int64).sum()) == 255 * tiles.shape[2] * 4 * 5
    text = acc.Tensors("notes/text_summary")[0]
    assert text.step == 7 and text.tensor_proto.string_val == [b"learning rate 0.1"]
    with pytest.raises(ValueError, match="dataformats"):
        SummaryWriter(tmp_path / "bad").add_image("x", ember.zeros(3, 4, 5), dataformats="HWCN")


def test_hparams(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2
    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"lr": 0.1, "optimizer": "sgd", "nesterov": True}, {"hparam/accuracy": 0.9},
                           run_name="trial1")
    acc = read(tmp_path / "trial1")
    assert acc.Scalars("hparam/accuracy")[0].value == pytest.approx(0.9)
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"])
    hp = start.session_start_info.hparams
    assert hp["lr"].number_value == 0.1 and hp["optimizer"].string_value == "sgd" and hp["nesterov"].bool_value
    experiment = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/experiment"]).experiment
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy"]
    with pytest.raises(TypeError, match="dictionary"):
        SummaryWriter(tmp_path / "bad").add_hparams([("lr", 0.1)], {})


def test_graph_of_a_model(tmp_path):
    pytest.importorskip("onnx")
    model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.ReLU(), ember.nn.Linear(4, 2))
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, ember.randn(2, 3))
    graph = read(tmp_path).Graph()
    ops = [n.op for n in graph.node]
    assert ops.count("Gemm") == 2 and "Relu" in ops
    relu = next(n for n in graph.node if n.op == "Relu")
    assert len(relu.input) == 1 and next(n for n in graph.node if n.name == relu.input[0]).op == "Gemm"
    assert model.training  # tracing left the model's mode as it was
    with pytest.warns(UserWarning, match="add_graph"):
        SummaryWriter(tmp_path / "none").add_graph(model)  # nothing to run it on


def test_default_log_dir_and_reopen(tmp_path, monkeypatch):
    import socket
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_exp")
    assert writer.get_logdir().startswith("runs" + os.sep) and writer.get_logdir().endswith(socket.gethostname() + "_exp")
    writer.add_scalar("x", 1.0, 0)
    writer.close()
    writer.add_scalar("x", 2.0, 1)  # writing after close opens a new event file
    writer.flush()
    writer.close()
    assert [e.value for e in read(writer.get_logdir()).Scalars("x")] == [1.0, 2.0]


def test_import_error_names_the_package(tmp_path):
    # a tensorboard that cannot be imported: ember.utils.tensorboard says what to install
    (tmp_path / "tensorboard").mkdir()
    (tmp_path / "tensorboard" / "__init__.py").write_text("raise ImportError('absent')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path)] + sys.path))
    out = subprocess.run([sys.executable, "-c", "import ember.utils.tensorboard"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "pip install tensorboard" in out.stderr
