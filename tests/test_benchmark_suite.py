"""The benchmark suite (benchmarks/run.py): it runs from a checkout and writes the JSON it
documents, and every ops case computes in ember what numpy and PyTorch compute. No timing is
asserted."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = os.path.join(ROOT, "benchmarks")
sys.path.insert(0, BENCHMARKS)

from suite import models, ops, timer  # noqa: E402


def _run_suite(*args, cwd):
    # the ember this suite imports (the installed wheel, or a development tree on PYTHONPATH)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, os.path.join(BENCHMARKS, "run.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_quick_run_writes_the_documented_json(tmp_path):
    out = tmp_path / "bench.json"
    result = _run_suite("--quick", "--suite", "ops", "--filter", "overhead view(-1)", "--threads", "1", "--check",
                        "--json", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "| overhead view(-1)" in result.stdout and "peer/ember" in result.stdout
    assert "1/" in result.stderr  # the progress bar
    meta = json.loads(out.read_text())
    for key in ("machine", "commit", "versions", "numpy_blas", "roofline", "threads", "cases", "timing",
                "environment_removed"):
        assert key in meta, key
    assert {"cpu_model", "logical_cpus", "usable_cpus", "isa"} <= set(meta["machine"])
    assert meta["machine"]["isa"] == ember._C.build_info()["cpu_capability"]
    assert meta["versions"]["ember"] == ember.__version__ and meta["versions"]["numpy"] == np.__version__
    assert meta["threads"] == 1 and meta["thread_counts"]["ember"] == 1
    assert "bandwidth" in meta["roofline"] and meta["roofline"]["bandwidth"]["gbps"] > 0
    assert [c["name"] for c in meta["cases"]] == ["overhead view(-1)", "overhead view(-1) (requires_grad)"]
    case = meta["cases"][0]
    assert case["suite"] == "ops" and case["check"] in ("ok", "no peer")
    entry = case["results"]["ember"]
    assert 0 < entry["q1_s"] <= entry["median_s"] <= entry["q3_s"] and entry["repeats"] >= timer.QUICK.min_repeats
    assert "numpy" in case["results"] and case["best_peer"] is not None and case["ratio"] > 0


def test_cuda_without_a_gpu_skips_cleanly(tmp_path):
    if ember.cuda.is_available():
        pytest.skip("a GPU is here: the skip path does not apply")
    out = tmp_path / "bench.json"
    result = _run_suite("--device", "cuda", "--filter", "overhead add", "--json", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no GPU" in result.stderr
    assert "skipped" in json.loads(out.read_text())


CHECK_CASES = ops.cases("check")


@pytest.mark.parametrize("case", CHECK_CASES, ids=[c.name for c in CHECK_CASES])
def test_ops_case_agrees_with_its_peers(case):
    torch = None
    try:
        import torch
    except ImportError:
        pass
    data = case.data()
    got = ops.to_numpy(case.torchlike(ember, "cpu", data)())
    peers = []
    if torch is not None:
        peers.append(ops.to_numpy(case.torchlike(torch, "cpu", data)()))
    if case.numpy is not None:
        peers.append(ops.to_numpy(case.numpy(data)()))
    if not peers:
        pytest.skip("no peer installed for this case")
    for reference in peers:
        ops.compare(case, reference, got)


@pytest.mark.parametrize("name", ["mlp", "cnn", "gpt", "char_transformer"])
def test_model_step_runs_the_same_program_in_both(name):
    # deterministic models (no dropout): the first step's loss comes before any update
    torch = pytest.importorskip("torch")
    losses = []
    for lib in (ember, torch):
        lib.manual_seed(0)
        losses.append(models.CASES[name](lib, "cpu")().item())
    assert losses[0] == pytest.approx(losses[1], rel=1e-5)


def test_every_scale_has_the_same_cases():
    full, quick = ops.cases("full"), ops.cases("quick")
    assert len(full) == len(CHECK_CASES) == len(quick) + 1  # quick leaves out the 2048 GEMM
    assert len({c.name for c in full}) == len(full)
    with pytest.raises(ValueError, match="scale"):
        ops.cases("huge")


def test_summary_quantiles():
    s = timer.summary([4.0, 1.0, 3.0, 2.0, 5.0], inner=10)
    assert (s["q1_s"], s["median_s"], s["q3_s"], s["iqr_s"]) == (2.0, 3.0, 4.0, 2.0)
    assert s["repeats"] == 5 and s["calls_per_repeat"] == 10
