"""Every ISA variant of the elementwise kernels gives the results of the default one. The
variant is chosen once per process (EMBER_CPU_ISA caps it), so each runs in a subprocess."""
import numpy as np
import pytest

from conftest import run_isa_subprocess

# Writes the results of a few ops (contiguous, scalar-broadcast, strided, tiled, 16-bit) to a file.
SCRIPT = r"""
import sys
import numpy as np
import ember
from conftest import make_tensor, to_numpy
rng = np.random.default_rng(3)
x = rng.uniform(-30, 30, (130, 70)).astype(np.float32)
y = rng.uniform(0.5, 4, (130, 70)).astype(np.float32)
big = np.concatenate([x.ravel(), np.array([np.inf, -np.inf, np.nan, 1e-40, 1e5, -0.0], np.float32)])
tx, ty, tb = make_tensor(x), make_tensor(y), make_tensor(big)
h = make_tensor(x, ember.float16)
i = make_tensor(rng.integers(-1000, 1000, (70,)).astype(np.int32))
out = {}
for name in ["exp", "log", "tanh", "sigmoid", "sin", "cos", "erf", "sqrt", "round", "abs", "expm1",
             "sinh", "atan", "erfc", "lgamma", "digamma", "frac"]:
    out[name] = to_numpy(getattr(ember, name)(tb))
    out[name + "_f16"] = to_numpy(getattr(ember, name)(h)).astype(np.float32)
out["add_t"] = to_numpy(tx.t() + ty.t())
out["mul_tiled"] = to_numpy(make_tensor(rng.standard_normal((200, 200)).astype(np.float32)).t() * 3 + tx[:1, :1])
out["div"] = to_numpy(tx / ty)
out["pow"] = to_numpy(ty ** 2.5)
out["max"] = to_numpy(ember.maximum(tb, 0.5))
out["where"] = to_numpy(ember.where(tx > 0, tx, ty))
out["clamp"] = to_numpy(ember.clamp(tx, -3, 3))
out["int"] = to_numpy((i * 7 - 3) // 5 % 11)
out["shift"] = to_numpy(i << 3)
out["cmp"] = to_numpy(tx >= ty)
out["signbit"] = to_numpy(ember.signbit(tb)).astype(np.float32)
out["erfinv"] = to_numpy(ember.erfinv(tb / 31))
out["logaddexp"] = to_numpy(ember.logaddexp(tx, ty))
out["xlogy"] = to_numpy(ember.xlogy(tx, ty))
out["hypot"] = to_numpy(ember.hypot(tx.t(), ty.t()))
np.savez(sys.argv[1], **out)
"""


def run_variant(isa, path):
    run_isa_subprocess(isa, SCRIPT, path)
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
