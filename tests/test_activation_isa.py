"""Every ISA variant of the activation kernels (float32 math from vec_math, vectorized) agrees
with the float64 kernels (libm) within float32 rounding, forward and backward, over a wide
range with specials. The variant is chosen once per process, so each runs in a subprocess."""
import pytest

from conftest import run_isa_subprocess

SCRIPT = r"""
import numpy as np
import ember
from ember.nn.functional import activation as A
F = ember.nn.functional
rng = np.random.default_rng(5)
x = np.concatenate([rng.uniform(-30, 30, 3000), rng.uniform(-4, 4, 3000),
                    [0.0, -0.0, 1e-30, -1e-30, 3.0, -3.0, 20.0, 88.0, -88.0, 1e30, -1e30]])
g = rng.normal(size=x.size)
calls = [("gelu", {}, ("none",)), ("gelu", {"approximate": "tanh"}, ("tanh",)), ("silu", {}, ()),
         ("softplus", {"beta": 1.5, "threshold": 10.0}, (1.5, 10.0)), ("elu", {"alpha": 0.7}, (0.7,)),
         ("selu", {}, ()), ("celu", {"alpha": 2.0}, (2.0,)), ("leaky_relu", {}, ()), ("hardtanh", {}, ()),
         ("mish", {}, ()), ("hardswish", {}, ()), ("hardsigmoid", {}, ()), ("logsigmoid", {}, ()),
         ("softsign", {}, ()), ("tanhshrink", {}, ())]
bad = []
for name, kw, params in calls:
    for dt in ("float32",):
        x32 = ember.tensor(x.astype(np.float32))
        xs = ember.tensor(np.stack([x, x]).T.astype(np.float32))[:, 0]  # strided
        want = getattr(F, name)(ember.tensor(x.astype(np.float32)).double(), **kw).numpy()
        # float32 rounding of the result, plus the cancellation some formulas have near zero
        # (gelu of large negative x, x - tanh(x)): an absolute part that scales with |x|
        tol = 2e-5 * np.abs(want) + 1e-6 * np.maximum(1, np.abs(x))
        for got in (getattr(F, name)(x32, **kw).numpy(), getattr(F, name)(xs, **kw).numpy()):
            err = np.abs(got - want) - tol
            if not np.all(np.isfinite(got) == np.isfinite(want)) or np.nanmax(err) > 0:
                bad.append((name, kw, "forward", float(np.nanmax(err))))
        gb = getattr(A, name + "_backward")(ember.tensor(g.astype(np.float32)), x32, *params).numpy()
        wb = getattr(A, name + "_backward")(ember.tensor(g.astype(np.float32)).double(), x32.double(), *params).numpy()
        err = np.abs(gb - wb) - (2e-5 * np.abs(wb) + 1e-6 * np.maximum(1, np.abs(x)) * np.abs(g))
        if np.nanmax(err) > 0:
            bad.append((name, kw, "backward", float(np.nanmax(err))))
assert not bad, bad
"""


@pytest.mark.parametrize("isa", [None, "base", "avx2"])
def test_activation_isa_variant(isa):
    run_isa_subprocess(isa, SCRIPT)


# The exact GELU's float32 paths (the normal-CDF polynomials of activation_functors.h, the
# AVX-512 table of activation.cpp) against x Phi(x) from math.erfc,
# which has no cancellation for negative x: ulp bounds where the result is not small next to
# |x|, an absolute one in the negative tail, and the special values.
GELU_SCRIPT = r"""
import math
import numpy as np
import ember
F = ember.nn.functional
x = np.concatenate([np.linspace(-12, 12, 240001), np.linspace(-1e-3, 1e-3, 2001)]).astype(np.float32)
ref = np.array([0.5 * v * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
for layout in ("contiguous", "strided"):
    t = ember.tensor(x) if layout == "contiguous" else ember.tensor(np.stack([x, x]).T)[:, 0]
    got = F.gelu(t).numpy().astype(np.float64)
    err = np.abs(got - ref) / np.spacing(np.abs(ref).astype(np.float32)).astype(np.float64)
    assert err[x >= 0].max() <= 2.5, (layout, err[x >= 0].max())
    assert err[(x < 0) & (x > -1)].max() <= 3.5, (layout, err[(x < 0) & (x > -1)].max())
    tail = x <= -1
    assert (np.abs(got - ref)[tail] <= 1e-7 * np.abs(x[tail])).all()
    assert (got[tail] <= 0).all()
# the same value whatever the layout or position (vector body, masked tail, strided gather)
c = F.gelu(ember.tensor(x)).numpy()
np.testing.assert_array_equal(F.gelu(ember.tensor(np.stack([x, x]).T)[:, 0]).numpy(), c)
np.testing.assert_array_equal(F.gelu(ember.tensor(x)[5:]).numpy(), c[5:])
np.testing.assert_array_equal(F.gelu(ember.tensor(x[:13])).numpy(), c[:13])
specials = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-40, -1e-40, 1e30, -1e30, 3.9 * 2**0.5], np.float32)
got = F.gelu(ember.tensor(specials)).numpy()
want = np.array([np.inf, np.nan, np.nan, 0.0, -0.0, 5e-41, -5e-41, 1e30, -0.0, 3.9 * 2**0.5], np.float32)
np.testing.assert_array_equal(got[np.isfinite(want)], want[np.isfinite(want)])
assert np.isnan(got[1]) and np.isnan(got[2]) and got[0] == np.inf
assert np.signbit(got[4]) and np.signbit(got[8])
"""


@pytest.mark.parametrize("isa", [None, "base", "avx2"])
def test_exact_gelu_accuracy(isa):
    run_isa_subprocess(isa, GELU_SCRIPT)
