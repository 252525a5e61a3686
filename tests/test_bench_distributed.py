"""benchmarks/bench_distributed.py: its quick mode starts the 2 workers, times ember and torch
(gloo) and writes the JSON its table comes from. No timing is asserted."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "benchmarks", "bench_distributed.py")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or importlib.util.find_spec("torch") is None,
    reason="needs mpi4py (ember.distributed) and torch (the gloo peer)")


def test_quick_run_times_both_libraries(tmp_path):
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    out = tmp_path / "dist.json"
    result = subprocess.run([sys.executable, SCRIPT, "--quick", "--sizes", "1K,64K", "--json", str(out)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "torch/ember" in result.stdout and "| 64K" in result.stdout and "hidden" in result.stdout
    data = json.loads(out.read_text())
    assert data["nproc"] == 2 and [c["bytes"] for c in data["all_reduce"]] == [1024, 65536]
    for case in data["all_reduce"]:
        assert set(case["results"]) == {"ember", "torch", "mpi"}
        for entry in case["results"].values():
            assert 0 < entry["q1_s"] <= entry["median_s"] <= entry["q3_s"] and entry["samples"] >= 3
    assert set(data["ddp"]) == {"ember", "torch"}
    for d in data["ddp"].values():
        assert all(d[v]["median_s"] > 0 for v in ("local", "comm", "serial", "ddp"))
        assert sum(d["buckets_bytes"]) == d["param_bytes"]
