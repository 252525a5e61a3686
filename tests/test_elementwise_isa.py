"""Every ISA variant of the elementwise kernels gives the results of the default one. The
variant is chosen once per process (EMBER_CPU_ISA caps it), so each runs in a subprocess."""
import os
import subprocess
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# Writes the results of a few ops (contiguous, scalar-broadcast, strided, tiled, 16-bit) to a file.
SCRIPT = r"""
import sys
import numpy as np
import ember
sys.path.insert(0, sys.argv[2])
from _helpers_elementwise import from_array, to_array
rng = np.random.default_rng(3)
x = rng.uniform(-30, 30, (130, 70)).astype(np.float32)
y = rng.uniform(0.5, 4, (130, 70)).astype(np.float32)
big = np.concatenate([x.ravel(), np.array([np.inf, -np.inf, np.nan, 1e-40, 1e5, -0.0], np.float32)])
tx, ty, tb = from_array(x), from_array(y), from_array(big)
h = from_array(x, ember.float16)
i = from_array(rng.integers(-1000, 1000, (70,)).astype(np.int32))
out = {}
for name in ["exp", "log", "tanh", "sigmoid", "sin", "cos", "erf", "sqrt", "round", "abs", "expm1"]:
    out[name] = to_array(getattr(ember, name)(tb))
    out[name + "_f16"] = to_array(getattr(ember, name)(h)).astype(np.float32)
out["add_t"] = to_array(tx.t() + ty.t())
out["mul_tiled"] = to_array(from_array(rng.standard_normal((200, 200)).astype(np.float32)).t() * 3 + tx[:1, :1])
out["div"] = to_array(tx / ty)
out["pow"] = to_array(ty ** 2.5)
out["max"] = to_array(ember.maximum(tb, 0.5))
out["where"] = to_array(ember.where(tx > 0, tx, ty))
out["clamp"] = to_array(ember.clamp(tx, -3, 3))
out["int"] = to_array((i * 7 - 3) // 5 % 11)
out["shift"] = to_array(i << 3)
out["cmp"] = to_array(tx >= ty)
np.savez(sys.argv[1], **out)
"""


def run_variant(isa, path):
    env = dict(os.environ)
    env.pop("EMBER_CPU_ISA", None)
    if isa is not None:
        env["EMBER_CPU_ISA"] = isa
    env["PYTHONPATH"] = os.pathsep.join(p for p in [os.path.dirname(os.path.dirname(__import__("ember").__file__)),
                                                    env.get("PYTHONPATH", "")] if p)
    subprocess.run([sys.executable, "-c", SCRIPT, str(path), HERE], check=True, env=env, timeout=120)
    return dict(np.load(path))


@pytest.fixture(scope="module")
def default_results(tmp_path_factory):
    return run_variant(None, tmp_path_factory.mktemp("isa") / "default.npz")


@pytest.mark.parametrize("isa", ["base", "avx2"])
def test_isa_variant_matches_default(isa, default_results, tmp_path):
    got = run_variant(isa, tmp_path / f"{isa}.npz")
    assert got.keys() == default_results.keys()
    for key, want in default_results.items():
        # FMA contraction differs between variants: a few ulp apart at most
        np.testing.assert_allclose(got[key], want, rtol=2e-6, atol=1e-30, equal_nan=True, err_msg=f"{isa}: {key}")
