"""docs/onnx.md lists every op ember.onnx exports and imports (tools/onnx_op_lists.py)."""
import os
import subprocess
import sys

import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_the_op_lists_in_the_docs_are_current():
    pytest.importorskip("onnx")
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(ember.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "onnx_op_lists.py"), "--check"],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
