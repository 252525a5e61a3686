"""The GEMM kernel under every ISA variant (EMBER_CPU_ISA=base / avx2 / avx512, each in a fresh
interpreter) against numpy in float64: every operand layout (row-major, column-major, stepped,
negative strides, on A, B and the output), sizes around the micro-tile edges (1..MR+1 rows,
1..NR+1 columns, for every ISA's MR x NR), depths 0, 1 and across the KC depth block, alpha and
beta values (beta = 0 must ignore NaN in C), broadcast batch strides of 0, sizes that split
over threads (2, 3 and 1 of them) and cross the NC column block, and the 16-bit dtypes."""
import pytest

from conftest import run_isa_subprocess

SCRIPT = r"""
import itertools
import os
import numpy as np
import ember

assert ember._C.build_info()["cpu_capability"] == os.environ["EMBER_CPU_ISA"], "the variant was not chosen"

rng = np.random.default_rng(0)
TOL = {ember.float64: 1e-12, ember.float32: 2e-5, ember.float16: 4e-3, ember.bfloat16: 2e-2}

def ref64(t):
    return t.double().numpy()

def layout(a, kind, dtype):
    # a 2-D float64 array -> an ember view with the same values in the layout `kind`
    if kind == "row":
        return ember.tensor(a, dtype=dtype)
    if kind == "col":
        return ember.tensor(np.ascontiguousarray(a.T), dtype=dtype).t()
    if kind == "step":
        big = np.zeros((2 * a.shape[0] + 1, 3 * a.shape[1] + 1))
        big[::2, ::3][: a.shape[0], : a.shape[1]] = a
        return ember.tensor(big, dtype=dtype)[::2, ::3][: a.shape[0], : a.shape[1]]
    if kind == "neg":
        return ember.tensor(np.ascontiguousarray(a[::-1, ::-1]), dtype=dtype)[::-1, ::-1]
    raise ValueError(kind)

def check(got, want, dtype, what):
    got = got.double().numpy()
    scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    assert err <= TOL[dtype] * scale, f"{what}: max error {err} (scale {scale})"

def product(ta, tb):
    return ref64(ta) @ ref64(tb)

# 1. Tile edges x layouts of A and B (float32 and float64), plain products.
edges_m = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 25]
edges_n = [1, 2, 4, 5, 8, 9, 15, 16, 17, 31, 32, 33, 65]
kinds = ["row", "col", "step", "neg"]
for dtype in (ember.float32, ember.float64):
    for m, n in itertools.product(edges_m, edges_n):
        k = int(rng.choice([1, 3, 17, 40]))
        ka, kb = kinds[(m + n) % 4], kinds[(m * 3 + n) % 4]
        a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
        ta, tb = layout(a, ka, dtype), layout(b, kb, dtype)
        check(ta @ tb, product(ta, tb), dtype, f"{dtype} {m}x{k}x{n} A {ka} B {kb}")
    # every pair of layouts on one odd-sized problem that crosses the KC depth block
    for ka, kb in itertools.product(kinds, kinds):
        a, b = rng.standard_normal((29, 300)), rng.standard_normal((300, 37))
        ta, tb = layout(a, ka, dtype), layout(b, kb, dtype)
        check(ta @ tb, product(ta, tb), dtype, f"{dtype} 29x300x37 A {ka} B {kb}")

# 2. The output's layout, alpha and beta (addmm writing into a strided out=).
for dtype in (ember.float32, ember.float64):
    for (m, k, n), kc, (alpha, beta) in itertools.product(
            [(13, 5, 33), (7, 0, 9), (1, 7, 30), (30, 7, 1), (40, 260, 70)], kinds,
            [(1, 0), (2.5, 0), (1, 1), (-0.5, 2), (0, 3)]):
        a, b, c = rng.standard_normal((m, k)), rng.standard_normal((k, n)), rng.standard_normal((m, n))
        ta, tb = ember.tensor(a, dtype=dtype), ember.tensor(b, dtype=dtype)
        out = layout(c, kc, dtype)
        want = alpha * (ref64(ta) @ ref64(tb)) + beta * ref64(out)
        inp = out.clone()
        if beta == 0:
            inp.fill_(float("nan"))  # beta == 0 ignores NaN in input
        ember.addmm(inp, ta, tb, beta=beta, alpha=alpha, out=out)
        check(out, want, dtype, f"{dtype} addmm {m}x{k}x{n} out {kc} alpha {alpha} beta {beta}")

# 3. Batch broadcast (stride-0 batch dims) and batched add forms.
for dtype in (ember.float32, ember.float64):
    a, b = rng.standard_normal((1, 3, 13, 7)), rng.standard_normal((4, 1, 7, 33))
    ta, tb = ember.tensor(a, dtype=dtype), ember.tensor(b, dtype=dtype)
    check(ta @ tb, ref64(ta) @ ref64(tb), dtype, "broadcast batch")
    ea = ember.tensor(a[0, 0], dtype=dtype).expand(5, 13, 7)
    tb3 = ember.tensor(b[:, 0].repeat(2, axis=0)[:5], dtype=dtype)
    inp = ember.tensor(rng.standard_normal((1, 33)), dtype=dtype)
    got = ember.baddbmm(inp, ea, tb3, beta=0.5, alpha=2)
    check(got, 0.5 * ref64(inp) + 2 * (ref64(ea) @ ref64(tb3)), dtype, "baddbmm expanded")
    many = ember.tensor(rng.standard_normal((70, 9, 11)), dtype=dtype)
    other = ember.tensor(rng.standard_normal((70, 11, 5)), dtype=dtype)
    check(ember.bmm(many, other), ref64(many) @ ref64(other), dtype, "bmm many")

# 4. Big enough to split over threads and cross the NC/KC blocks; tall, wide, vectors.
for dtype in (ember.float32, ember.float64):
    for m, k, n in [(300, 520, 700), (2, 600, 1100), (1100, 300, 3), (1, 900, 800), (800, 900, 1), (70, 70, 70)]:
        for ka, kb in [("row", "row"), ("col", "col"), ("neg", "step")]:
            a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
            ta, tb = layout(a, ka, dtype), layout(b, kb, dtype)
            check(ta @ tb, product(ta, tb), dtype, f"{dtype} {m}x{k}x{n} A {ka} B {kb}")

# 5. float16 / bfloat16: converted while packing, accumulated in float32, rounded once.
for dtype in (ember.float16, ember.bfloat16):
    for m, k, n in [(13, 40, 33), (1, 50, 20), (20, 50, 1), (64, 300, 64)]:
        for ka, kb in [("row", "row"), ("col", "neg")]:
            a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
            ta, tb = layout(a, ka, dtype), layout(b, kb, dtype)
            got = ta @ tb
            assert got.dtype == dtype
            want = product(ta, tb)
            # one rounding of the float32 sum
            check(got, want, dtype, f"{dtype} {m}x{k}x{n}")
            c = ember.tensor(rng.standard_normal((m, n)), dtype=dtype)
            check(ember.addmm(c, ta, tb, beta=0.5, alpha=2), 0.5 * ref64(c) + 2 * want, dtype, f"{dtype} addmm")

    # a wide output: the float32 workspace covers it in several bands of rows
    a, b = rng.standard_normal((50, 20)), rng.standard_normal((20, 40000))
    ta, tb, c = ember.tensor(a, dtype=dtype), ember.tensor(b, dtype=dtype), ember.ones(50, 40000, dtype=dtype)
    check(ember.addmm(c, ta, tb, alpha=0.5), 1 + 0.5 * product(ta, tb), dtype, f"{dtype} banded workspace")

# 6. Depth 0 with beta: C = beta * C, or zeros for beta == 0 (NaN ignored).
for dtype in (ember.float32, ember.float64, ember.float16):
    z1, z2 = ember.ones(4, 0, dtype=dtype), ember.ones(0, 5, dtype=dtype)
    c = ember.tensor(rng.standard_normal((4, 5)), dtype=dtype)
    check(ember.addmm(c, z1, z2, beta=3), 3 * ref64(c), dtype, "k=0 beta=3")
    nan = ember.full((4, 5), float("nan"), dtype=dtype)
    check(ember.addmm(nan, z1, z2, beta=0), np.zeros((4, 5)), dtype, "k=0 beta=0")
# 7. Other thread counts: the output splits into 3 uneven tiles, or stays on one thread.
for threads in (3, 1):
    ember.set_num_threads(threads)
    for dtype in (ember.float32, ember.float16):
        for shape_a, shape_b in [((301, 200), (200, 129)), ((2, 77, 90), (90, 300)), ((5, 64, 64), (5, 64, 64))]:
            a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
            ta, tb = ember.tensor(a, dtype=dtype), ember.tensor(b, dtype=dtype)
            check(ta @ tb, ref64(ta) @ ref64(tb), dtype, f"{threads} threads {shape_a} @ {shape_b}")
# 8. A few rows times a transposed B (x @ W.t(), a Linear layer's forward), which runs as
# C^T = W @ x^T into a buffer: rows either side of its range, every layout of A and of the
# output, alpha and beta with NaN in C, 1 and 2 threads.
for threads in (1, 2):
    ember.set_num_threads(threads)
    for dtype in (ember.float32, ember.float64):
        for m, k, n in [(16, 40, 300), (17, 40, 300), (24, 300, 97), (32, 7, 1030), (33, 260, 130), (64, 129, 65),
                        (65, 50, 200), (40, 1, 70)]:
            ka, kc = kinds[(m + n) % 4], kinds[(m + k) % 4]
            a, w, c = rng.standard_normal((m, k)), rng.standard_normal((n, k)), rng.standard_normal((m, n))
            ta, tw = layout(a, ka, dtype), ember.tensor(w, dtype=dtype)
            check(ta @ tw.t(), ref64(ta) @ ref64(tw).T, dtype, f"{threads} threads {dtype} {m}x{k}x{n} x@W.t() A {ka}")
            for alpha, beta in [(1, 0), (-0.5, 2)]:
                out = layout(c, kc, dtype)
                want = alpha * (ref64(ta) @ ref64(tw).T) + beta * ref64(out)
                inp = out.clone()
                if beta == 0:
                    inp.fill_(float("nan"))
                ember.addmm(inp, ta, tw.t(), beta=beta, alpha=alpha, out=out)
                check(out, want, dtype, f"{dtype} addmm {m}x{k}x{n} x@W.t() out {kc} alpha {alpha} beta {beta}")
print("OK")
"""


@pytest.mark.parametrize("isa", ["base", "avx2", "avx512"])
def test_gemm_isa_variant(isa):
    assert run_isa_subprocess(isa, SCRIPT).strip().endswith("OK")
