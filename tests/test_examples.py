"""The example scripts run as a user runs them (a fresh process, from another folder)."""
import os
import subprocess
import sys

import ember

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")


def _run(script, *args, cwd):
    # the ember this suite imports (the installed wheel, or a development tree on PYTHONPATH)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, os.path.join(EXAMPLES, script), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_train_digits_script(tmp_path):
    result = _run("train_digits.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("epoch 10:") and float(last.rsplit(" ", 1)[1].rstrip("%")) >= 95.0, last
    assert (tmp_path / "digits_cnn.pt").exists()


def test_char_lm_script_trains_and_samples(tmp_path):
    result = _run("char_lm.py", "--steps", "100", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "step 100: loss" in result.stdout and "sampled text:" in result.stdout
    loss = float(result.stdout.split("step 100: loss ")[1].split()[0])
    assert loss < 2.0, loss  # from log(vocabulary) ~ 3.3 at the start


def test_onnx_export_script_runs_at_every_batch_size(tmp_path):
    import pytest
    pytest.importorskip("onnxruntime")
    result = _run("export_onnx.py", "--steps", "30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "onnxruntime reproduces ember at every size" in result.stdout
    assert "batch  16" in result.stdout and (tmp_path / "char_lm.onnx").exists()
