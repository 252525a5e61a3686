"""The fused scaled_dot_product_attention path (CUDA): forward and backward against the CPU
composite for float32/float16/bfloat16 over head dims, ragged tiles, causal alignment, masks and
GQA; deterministic gradients; and the cases that keep the composite. Without a CUDA device only
the CPU checks run (the CPU never takes the fused path)."""
import numpy as np
import pytest

import ember
from conftest import cuda_available, to_numpy
from ember.nn.functional import attention as AT

F = ember.nn.functional
needs_cuda = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")
TOL = {"float32": (2e-5, 2e-4), "float16": (2e-3, 2e-2), "bfloat16": (1.6e-2, 6e-2)}


def _inputs(rng, qs, ks, vs, dtype, device):
    arrs = [rng.standard_normal(s).astype(np.float32) for s in (qs, ks, vs)]
    ts = [ember.tensor(a).to(getattr(ember, dtype)).to(device) for a in arrs]
    for t in ts:
        t.requires_grad_(True)
    return ts


def test_cpu_never_fuses():
    q = ember.randn(2, 3, 5, 8)
    assert not AT.scaled_dot_product_attention_fused_available(q, q, q)


CASES = [
    dict(q=(2, 3, 70, 64), k=(2, 3, 70, 64), v=(2, 3, 70, 64)),
    dict(q=(1, 2, 33, 32), k=(1, 2, 130, 32), v=(1, 2, 130, 16), causal=True),
    dict(q=(1, 2, 130, 40), k=(1, 2, 65, 40), v=(1, 2, 65, 40), causal=True),
    dict(q=(2, 2, 64, 128), k=(2, 2, 96, 128), v=(2, 2, 96, 128)),
    dict(q=(2, 2, 50, 80), k=(2, 2, 70, 80), v=(2, 2, 70, 100), causal=True),
    dict(q=(1, 6, 40, 64), k=(1, 2, 77, 64), v=(1, 2, 77, 64), gqa=True),
    dict(q=(1, 6, 90, 64), k=(1, 2, 90, 64), v=(1, 2, 90, 64), gqa=True, causal=True),
    dict(q=(2, 2, 45, 24), k=(2, 2, 67, 24), v=(2, 2, 67, 24), mask="bool"),
    dict(q=(2, 2, 45, 64), k=(1, 2, 67, 64), v=(2, 1, 67, 64), mask="float"),
    dict(q=(37, 16), k=(50, 16), v=(50, 8)),
]


@needs_cuda
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_fused_matches_cpu(case, dtype):
    c = CASES[case]
    rng = np.random.default_rng(case)
    kw = dict(is_causal=c.get("causal", False), enable_gqa=c.get("gqa", False))
    gq, gk, gv = _inputs(rng, c["q"], c["k"], c["v"], dtype, "cuda")
    cq, ck, cv = [ember.tensor(to_numpy(t.detach().cpu()).astype(np.float32)).requires_grad_(True) for t in (gq, gk, gv)]
    mask_np = None
    if "mask" in c:
        shape = (c["q"][0], 1, c["q"][-2], c["k"][-2])
        mask_np = rng.random(shape) > 0.3 if c["mask"] == "bool" else rng.standard_normal(shape).astype(np.float32)
        if c["mask"] == "bool":
            mask_np[0, 0, 3, :] = False  # a row with every key masked: zeros
    gm = None if mask_np is None else ember.tensor(mask_np).to("cuda")
    cm = None if mask_np is None else ember.tensor(mask_np)
    assert AT.scaled_dot_product_attention_fused_available(gq, gk, gv, gm, 0.0, kw["enable_gqa"])
    go = F.scaled_dot_product_attention(gq, gk, gv, attn_mask=gm, **kw)
    co = F.scaled_dot_product_attention(cq, ck, cv, attn_mask=cm, **kw)
    atol, rtol = TOL[dtype]
    np.testing.assert_allclose(to_numpy(go.detach().cpu()).astype(np.float32), to_numpy(co.detach()), atol=atol, rtol=rtol)
    grad = rng.standard_normal(co.shape).astype(np.float32)
    go.backward(ember.tensor(grad).to(getattr(ember, dtype)).to("cuda"))
    co.backward(ember.tensor(to_numpy(ember.tensor(grad).to(getattr(ember, dtype))).astype(np.float32)))
    for a, b in ((gq, cq), (gk, ck), (gv, cv)):
        ref = to_numpy(b.grad)
        scale = max(1.0, float(np.abs(ref).max()))
        np.testing.assert_allclose(to_numpy(a.grad.cpu()).astype(np.float32), ref, atol=atol * 4 * scale, rtol=rtol * 2)


@needs_cuda
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_fused_backward_is_deterministic(dtype):
    rng = np.random.default_rng(7)
    q, k, v = _inputs(rng, (2, 4, 200, 64), (2, 2, 200, 64), (2, 2, 200, 64), dtype, "cuda")
    out, lse = AT.scaled_dot_product_attention_fused_forward(q.detach(), k.detach(), v.detach(), None, True, None, True)
    assert lse.dtype == ember.float32 and tuple(lse.shape) == (2, 4, 200)
    g = ember.randn(*out.shape).to(out.dtype).to("cuda")
    r1 = AT.scaled_dot_product_attention_fused_backward(g, q.detach(), k.detach(), v.detach(), out, lse, None, True, None, True)
    r2 = AT.scaled_dot_product_attention_fused_backward(g, q.detach(), k.detach(), v.detach(), out, lse, None, True, None, True)
    for a, b in zip(r1, r2):
        assert np.array_equal(to_numpy(a.cpu()), to_numpy(b.cpu()))


@needs_cuda
def test_composite_keeps_the_other_cases():
    q = ember.randn(1, 2, 8, 16).to("cuda")
    assert not AT.scaled_dot_product_attention_fused_available(q.double(), q.double(), q.double())
    assert not AT.scaled_dot_product_attention_fused_available(q, q, q, None, 0.1)
    big = ember.randn(1, 2, 8, 256).to("cuda")
    assert not AT.scaled_dot_product_attention_fused_available(big, big, big)
    out = F.scaled_dot_product_attention(big, big, big)
    ref = F.scaled_dot_product_attention(big.cpu(), big.cpu(), big.cpu())
    np.testing.assert_allclose(to_numpy(out.cpu()), to_numpy(ref), atol=1e-5, rtol=1e-4)
