"""Small PyTorch programs, written for PyTorch in the manner of public examples, run unchanged
with `torch` resolved to ember (tests/programs/torch_is_ember/ first on PYTHONPATH) and must learn: each program
asserts its own learning criterion and prints its figures on a `RESULT` line.

With PyTorch installed, each program also runs under PyTorch, and the two sets of figures must
agree within the program's tolerance (the libraries draw different random numbers, so "agree"
means seed noise, not equal bits). The checkpoint program crosses libraries: what one saves,
the other loads.
"""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import backend_is_torch

pytestmark = pytest.mark.skipif(backend_is_torch(), reason="runs programs against ember itself")

PROGRAMS = Path(__file__).parent / "programs"
HAVE_TORCH = importlib.util.find_spec("torch") is not None

# program -> {figure: absolute tolerance between the ember and PyTorch runs}
AGREEMENT = {
    "char_lm.py": {"final_loss": 0.25, "known_words": 0.35},
    "lbfgs_sine.py": {"final_loss": 0.02},
    "gcn.py": {"accuracy": 0.1},
    "amp_bf16.py": {"accuracy": 0.05},
    "vae.py": {"median_distance": 0.5},
    "reinforce_bandit.py": {"agreement": 0.1},
    "hogwild.py": {"after": 0.2},
    "gpt_mini.py": {"final_loss": 0.3, "follows": 0.3},
}


def _run(script, *args, library="ember"):
    env = dict(os.environ)
    if library == "ember":
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROGRAMS / "torch_is_ember"), env.get("PYTHONPATH")]))
    else:
        env["TORCHDYNAMO_DISABLE"] = "1"  # torch.compile would spend minutes compiling
    cmd = [sys.executable, str(PROGRAMS / script), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, f"{script} under {library} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _figures(stdout):
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, stdout
    return json.loads(lines[-1][len("RESULT "):])


@pytest.mark.parametrize("script", sorted(AGREEMENT))
def test_program_learns_under_ember(script):
    ours = _figures(_run(script))
    if not HAVE_TORCH:
        return
    theirs = _figures(_run(script, library="torch"))
    for key, tol in AGREEMENT[script].items():
        assert abs(ours[key] - theirs[key]) <= tol, (script, key, ours, theirs)


@pytest.mark.skipif(not HAVE_TORCH, reason="crosses to PyTorch")
@pytest.mark.parametrize("saver,loader", [("ember", "torch"), ("torch", "ember")])
def test_checkpoint_crosses_libraries(tmp_path, saver, loader):
    path = str(tmp_path / "ckpt.pt")
    assert "saved" in _run("checkpoint_cross.py", "save", path, library=saver)
    assert "loaded" in _run("checkpoint_cross.py", "load", path, library=loader)


def test_tensorboard_program_writes_events(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    assert "logged" in _run("tensorboard_log.py", str(tmp_path))
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    losses = [e.value for e in acc.Scalars("train/loss")]
    assert len(losses) == 30 and losses[-1] < 0.1 * losses[0]
