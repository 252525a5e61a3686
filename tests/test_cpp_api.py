"""The C++ API as a C++ developer meets it: examples/cpp is configured with
find_package(ember) from the *installed* package (`python -m ember --cmake-dir`), built, and
run, and it must find libember at run time without any environment tweaks.

Runs after `pip install .`; skips when ember is imported from a source tree (no
emberConfig.cmake there) or when cmake or a C++ compiler is missing.
"""
import os
import re
import shutil
import subprocess
import sys

import pytest

import ember

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "cpp")


def _run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        pytest.fail(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                    f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")
    return proc.stdout


def _cmake_dir():
    return _run([sys.executable, "-m", "ember", "--cmake-dir"]).strip()


@pytest.fixture(scope="module")
def installed():
    cmake_dir = _cmake_dir()
    if not os.path.isfile(os.path.join(cmake_dir, "emberConfig.cmake")):
        pytest.skip(f"ember is imported from a source tree, not an installed wheel: no emberConfig.cmake "
                    f"in {cmake_dir} (run `pip install .` first)")
    return cmake_dir


@pytest.fixture(scope="module")
def demo(installed, tmp_path_factory):
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed")
    if not any(shutil.which(cxx) for cxx in ("c++", "g++", "clang++")):
        pytest.skip("no C++ compiler (c++, g++ or clang++) is installed")
    build = tmp_path_factory.mktemp("cpp_example")
    _run(["cmake", "-S", EXAMPLE, "-B", str(build), f"-Dember_DIR={installed}", "-DCMAKE_BUILD_TYPE=Release"])
    _run(["cmake", "--build", str(build)])
    exe = build / "demo"
    assert exe.is_file(), f"the example built no {exe}"
    return exe


def test_package_ships_library_headers_and_config(installed):
    root = os.path.dirname(os.path.dirname(os.path.dirname(installed)))  # <site-packages>/ember
    assert os.path.isfile(os.path.join(root, "lib", "libember.so"))
    for header in ("ember.h", "tensor.h", "ops.h", "random.h", "dtypes.def"):
        assert os.path.isfile(os.path.join(root, "include", "ember", header)), header
    assert os.path.isfile(os.path.join(installed, "emberConfigVersion.cmake"))
    # The extension loads libember from the package (its RPATH is $ORIGIN/lib).
    assert os.path.dirname(ember._C.__file__) == root


def test_example_builds_and_runs(demo):
    env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}  # RPATH alone must do
    out = _run([str(demo)], env=env)
    assert "a.t() has shape [3, 2], strides [1, 3], contiguous: false" in out
    assert "a @ a.t() =\ntensor([[ 5., 14.],\n        [14., 50.]])" in out
    assert "a * 2 + 1 =\ntensor([[ 1.,  3.,  5.],\n        [ 7.,  9., 11.]])" in out
    assert re.search(r"row sums: tensor\(\[1(\.|\.0000), 1(\.|\.0000)\]\)", out), out
    assert "same seed, same numbers: true" in out
    assert "caught ember::Error: matmul: shapes [2, 3] and [2, 3] cannot be multiplied" in out
