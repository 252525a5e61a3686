"""The README's main job: python -m ember.demo trains the digits CNN to >= 97% held-out accuracy."""
import numpy as np

import ember
from ember import demo


def test_demo_training_reaches_its_accuracy_and_saves_weights(tmp_path):
    out = tmp_path / "digits_cnn.pt"
    model, accuracy = demo.train(epochs=12, seed=0, out=str(out), quiet=True)
    assert accuracy >= 0.97, accuracy
    loaded = demo.DigitsNet()
    loaded.load_state_dict(ember.load(out))
    loaded.eval()
    model.eval()
    x = ember.datasets.load_digits()[0][:8].unsqueeze(1)
    with ember.no_grad():
        np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), rtol=1e-6, atol=1e-6)


def test_demo_command_line(tmp_path, capsys):
    demo.main(["--epochs", "1", "--out", str(tmp_path / "w.pt")])
    text = capsys.readouterr().out
    assert "held-out accuracy" in text and "saved the trained weights" in text
    assert (tmp_path / "w.pt").exists()
