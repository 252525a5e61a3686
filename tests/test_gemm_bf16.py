"""The bfloat16 GEMM (AVX512-BF16 dot products where the CPU has them, EMBER_CPU_ISA=avx512_bf16;
the float32-packing fallback under every other variant) against a float64 reference: tile and
depth-block edges, odd shapes, transposed, stepped and negative-stride operands, batches,
alpha/beta (beta = 0 ignores NaN), depth 0 and zero-size outputs, and bfloat16 convolutions
(im2col, 1x1, grouped, depthwise, with bias). The dot-product path and the fallback must agree
to within their rounding."""
import os

import numpy as np
import pytest

import ember
from conftest import run_isa_subprocess

SCRIPT = r"""
import itertools, os, sys
import numpy as np
import ember

isa = os.environ.get("EMBER_CPU_ISA")
if isa is not None:
    assert ember._C.build_info()["cpu_capability"] == isa, "the variant was not chosen"
rng = np.random.default_rng(0)
bf = ember.bfloat16
results = {}

def layout(a, kind):
    # float64 array -> bfloat16 ember view with those values in layout `kind`
    if kind == "row":
        return ember.tensor(a, dtype=bf)
    if kind == "col":
        return ember.tensor(np.ascontiguousarray(a.T), dtype=bf).t()
    if kind == "step":
        big = np.zeros((2 * a.shape[0] + 1, 3 * a.shape[1] + 1))
        big[::2, ::3][: a.shape[0], : a.shape[1]] = a
        return ember.tensor(big, dtype=bf)[::2, ::3][: a.shape[0], : a.shape[1]]
    if kind == "neg":
        return ember.tensor(np.ascontiguousarray(a[::-1, ::-1]), dtype=bf)[::-1, ::-1]
    raise ValueError(kind)

def f64(t):
    return t.double().numpy()

def check(name, got, ta, tb, extra=None, alpha=1.0, beta=0.0, c=None):
    # one float32 sum of exact products, rounded once to bfloat16:
    # |got - exact| <= 2^-9 |exact| + k 2^-23 (|A| @ |B|) (with slack)
    assert got.dtype == bf, (name, got.dtype)
    a, b = f64(ta), f64(tb)
    exact = alpha * (a @ b)
    if c is not None:
        exact = exact + beta * c
    k = a.shape[-1]
    bound = 2.0 ** -8 * np.abs(exact) + (k + 2) * 2.0 ** -22 * (abs(alpha) * (np.abs(a) @ np.abs(b)) + (
        abs(beta) * np.abs(c) if c is not None else 0)) + 1e-30
    err = np.abs(f64(got) - exact)
    assert np.all(err <= bound), f"{name}: max error {err.max()} over bound {bound[err > bound].min()}"
    results[name] = f64(got)
    results[name + "|bound"] = bound

# 1. the 12 x 32 tile's edges and the 512-deep block's, every layout pair in turn
kinds = ["row", "col", "step", "neg"]
for i, (m, n) in enumerate(itertools.product([2, 5, 11, 12, 13, 25], [2, 17, 31, 32, 33, 65])):
    k = [1, 2, 3, 7, 64, 511, 512, 513, 1030][i % 9]
    ka, kb = kinds[i % 4], kinds[(i // 4) % 4]
    ta, tb = layout(rng.standard_normal((m, k)), ka), layout(rng.standard_normal((k, n)), kb)
    check(f"{m}x{k}x{n} {ka} {kb}", ta @ tb, ta, tb)

# 2. big enough to split over threads and cross the NC column block; tall and wide
for m, k, n in [(300, 700, 600), (2, 300, 1100), (1100, 64, 3), (96, 96, 96)]:
    ta, tb = layout(rng.standard_normal((m, k)), "row"), layout(rng.standard_normal((k, n)), "col")
    check(f"{m}x{k}x{n}", ta @ tb, ta, tb)

# 3. matrix-vector shapes (kept on the dot/axpy path) and batches with broadcast strides
for m, k, n in [(1, 50, 40), (40, 50, 1), (1, 1, 1)]:
    ta, tb = layout(rng.standard_normal((m, k)), "row"), layout(rng.standard_normal((k, n)), "row")
    check(f"gemv {m}x{k}x{n}", ta @ tb, ta, tb)
a3 = ember.tensor(rng.standard_normal((1, 13, 70)), dtype=bf).expand(5, 13, 70)
b3 = ember.tensor(rng.standard_normal((5, 70, 45)), dtype=bf).transpose(1, 2).contiguous().transpose(1, 2)
check("bmm broadcast", ember.bmm(a3, b3), a3, b3)

# 4. alpha and beta through addmm, into a strided output; beta = 0 ignores NaN in the input
for (alpha, beta), kind in itertools.product([(1.0, 0.0), (2.5, 0.0), (1.0, 1.0), (-0.5, 2.0)], kinds):
    ta, tb = layout(rng.standard_normal((21, 40)), "row"), layout(rng.standard_normal((40, 35)), "row")
    c = layout(rng.standard_normal((21, 35)), kind)
    cin = c.clone()
    if beta == 0.0:
        cin.fill_(float("nan"))
    out = layout(np.zeros((21, 35)), kind)
    ember.addmm(cin, ta, tb, beta=beta, alpha=alpha, out=out)
    check(f"addmm {alpha} {beta} out {kind}", out, ta, tb, alpha=alpha, beta=beta, c=f64(c))

# 5. depth 0 and zero-size outputs
z1, z2 = ember.ones(4, 0, dtype=bf), ember.ones(0, 5, dtype=bf)
assert np.all(f64(z1 @ z2) == 0)
c = ember.tensor(rng.standard_normal((4, 5)), dtype=bf)
assert np.array_equal(f64(ember.addmm(c, z1, z2, beta=3)), f64((c.float() * 3).to(bf)))
assert (ember.ones(0, 7, dtype=bf) @ ember.ones(7, 3, dtype=bf)).shape == (0, 3)
assert (ember.ones(4, 7, dtype=bf) @ ember.ones(7, 0, dtype=bf)).shape == (4, 0)
assert ember.bmm(ember.ones(0, 3, 4, dtype=bf), ember.ones(0, 4, 2, dtype=bf)).shape == (0, 3, 2)

# 6. special values propagate: inf and NaN in A reach their rows only
a, b = rng.standard_normal((13, 40)), rng.standard_normal((40, 33))
a[3, 5], a[7, 0] = np.inf, np.nan
got = f64(ember.tensor(a, dtype=bf) @ ember.tensor(np.abs(b), dtype=bf))
assert np.all(np.isinf(got[3])) and np.all(np.isnan(got[7]))
assert np.all(np.isfinite(np.delete(got, [3, 7], axis=0)))

# 7. convolutions in bfloat16 against float64 on the same rounded values
F = ember.nn.functional
def conv_ref(x, w, b, stride, padding, groups):
    import torch
    out = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b),
                                     stride=stride, padding=padding, groups=groups)
    return out.numpy()
for (n, cin, h, cout, kh, stride, padding, groups, bias) in [
        (2, 3, 11, 8, 3, 1, 1, 1, True), (1, 16, 9, 33, 1, 1, 0, 1, True), (2, 8, 10, 12, 3, 2, 1, 2, False),
        (3, 6, 7, 6, 3, 1, 1, 6, True), (1, 64, 16, 40, 3, 1, 1, 1, True)]:
    x = ember.tensor(rng.standard_normal((n, cin, h, h)), dtype=bf)
    w = ember.tensor(rng.standard_normal((cout, cin // groups, kh, kh)), dtype=bf)
    b = ember.tensor(rng.standard_normal(cout), dtype=bf) if bias else None
    got = F.conv2d(x, w, b, stride=stride, padding=padding, groups=groups)
    assert got.dtype == bf
    want = conv_ref(f64(x), f64(w), None if b is None else f64(b), stride, padding, groups)
    absw = conv_ref(np.abs(f64(x)), np.abs(f64(w)), None if b is None else np.abs(f64(b)), stride, padding, groups)
    k = cin // groups * kh * kh
    err = np.abs(f64(got) - want)
    bound = 2.0 ** -8 * np.abs(want) + (k + 2) * 2.0 ** -22 * absw + 1e-30
    assert np.all(err <= bound), (n, cin, cout, err.max())
    results[f"conv {n} {cin} {cout} {groups}"] = f64(got)
    results[f"conv {n} {cin} {cout} {groups}|bound"] = bound
# conv1d and the backward pass (float32 inside) keep bfloat16 in and out
x = ember.tensor(rng.standard_normal((2, 4, 20)), dtype=bf).requires_grad_()
w = ember.tensor(rng.standard_normal((5, 4, 3)), dtype=bf).requires_grad_()
y = F.conv1d(x, w, padding=1)
y.float().sum().backward()
assert y.dtype == x.grad.dtype == w.grad.dtype == bf
np.savez(sys.argv[1], **results)
print("OK")
"""


def _run(isa, tmp_path):
    path = tmp_path / f"{isa}.npz"
    assert run_isa_subprocess(isa, SCRIPT, path).strip().endswith("OK")
    return dict(np.load(path))


def _cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def _has_bf16_isa():
    return "avx512_bf16" in _cpu_flags() and ember._C.build_info()["cpu_capability"].startswith("avx512")


@pytest.mark.parametrize("isa", ["base", "avx2", "avx512"])
def test_bf16_fallback_variants(isa, tmp_path):
    _run(isa, tmp_path)


def test_bf16_dot_product_path_agrees_with_the_fallback(tmp_path):
    if not _has_bf16_isa():
        pytest.skip("this CPU has no AVX512-BF16 (or the build lacks the variant)")
    fast = _run("avx512_bf16", tmp_path)
    slow = _run("avx512", tmp_path)
    assert fast.keys() == slow.keys()
    for name in fast:
        if name.endswith("|bound"):
            continue
        a, b, bound = fast[name], slow[name], fast[name + "|bound"]
        # each is within `bound` of the exact product (checked in the script), so within twice
        # that of the other; summed in another order, most round to the same bfloat16
        ok = (np.abs(a - b) <= 2 * bound) | (np.isnan(a) & np.isnan(b))
        assert ok.all(), f"{name}: {np.abs(a - b)[~ok].max()}"
        assert np.mean(a == b) > 0.9, name


def test_default_variant_is_the_best_the_cpu_has():
    if os.environ.get("EMBER_CPU_ISA"):
        pytest.skip("EMBER_CPU_ISA caps the variant")
    cap = ember._C.build_info()["cpu_capability"]
    if cap.startswith("avx512"):  # AVX-512 chosen: the dot-product GEMM too where the CPU has it
        assert (cap == "avx512_bf16") == ("avx512_bf16" in _cpu_flags())
    else:
        assert cap != "avx512_bf16"
