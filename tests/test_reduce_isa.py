"""Every ISA variant of the reduction kernels (EMBER_CPU_ISA=base / avx2 / avx512, read at the
first kernel use) against numpy, each in a fresh interpreter. The shapes reach the vector lanes
(long contiguous rows), the column blocks, the strided loops and the thread splits."""
import pytest

from conftest import run_isa_subprocess

SCRIPT = r"""
import numpy as np
import ember
from conftest import assert_close, make_tensor, sample

rng = np.random.default_rng(0)
for dtype in (ember.float32, ember.float64, ember.float16, ember.int8, ember.int64, ember.bool):
    for shape, dim in (((3, 70001), 1), ((70001, 3), 0), ((257, 130), 0), ((5, 7, 300), (0, 2)), ((200003,), None)):
        a, t = sample(rng, shape, dtype, low=-3, high=4)
        for view_a, view_t in ((a, t), (a[..., ::-1], t[..., ::-1])):
            fl = dtype in (ember.float32, ember.float64, ember.float16, ember.bfloat16)
            sdt = dtype if fl else ember.int64
            assert_close(view_t.sum(dim), np.sum(view_a, axis=dim), sdt, rtol=1e-5 if dtype == ember.float32 else None,
                         atol=1e-3 if dtype == ember.float32 else None)
            assert_close(view_t.amax(dim), np.max(view_a, axis=dim), dtype)
            assert_close(view_t.amin(dim), np.min(view_a, axis=dim), dtype)
            assert_close(view_t.any(dim), np.any(view_a, axis=dim), ember.bool)
            assert_close(view_t.all(dim), np.all(view_a, axis=dim), ember.bool)
            if dtype != ember.bool:
                d = dim if isinstance(dim, int) else 0
                va = view_a.reshape(-1) if dim is None else view_a
                vt = view_t.reshape(-1) if dim is None else view_t
                assert_close(vt.argmax(d), np.argmax(va, axis=d), ember.int64)
                assert_close(vt.min(d).indices, np.argmin(va, axis=d), ember.int64)
            if fl:
                with np.errstate(all="ignore"):
                    assert_close(view_t.mean(dim), np.mean(view_a, axis=dim), dtype)
                    assert_close(view_t.var(dim), np.var(view_a, axis=dim, ddof=1), dtype)
                    assert_close(view_t.norm(2, dim), np.sqrt(np.sum(view_a ** 2, axis=dim)), dtype)
                    assert_close(view_t.norm(np.inf, dim), np.max(np.abs(view_a), axis=dim), dtype)
                    m = np.max(view_a, axis=dim, keepdims=True)
                    lse = np.log(np.sum(np.exp(view_a - m), axis=dim, keepdims=True)) + m
                    assert_close(view_t.logsumexp(() if dim is None else dim), lse.reshape(np.max(view_a, axis=dim).shape),
                                 dtype)
                if isinstance(dim, int):
                    e = np.exp(view_a - np.max(view_a, axis=dim, keepdims=True))
                    assert_close(view_t.softmax(dim), e / e.sum(axis=dim, keepdims=True), dtype, atol=1e-5)
                    assert_close(view_t.cumsum(dim), np.cumsum(view_a, axis=dim), dtype,
                                 rtol=1e-5 if dtype == ember.float32 else None, atol=1e-2)
x = rng.random(10_000_000, dtype=np.float32)
assert abs(make_tensor(x).sum().item() - x.astype(np.float64).sum()) / x.astype(np.float64).sum() < 1e-6
print("OK")
"""


@pytest.mark.parametrize("isa", ["base", "avx2", "avx512"])
def test_isa_variant(isa):
    assert run_isa_subprocess(isa, SCRIPT).strip().endswith("OK")
