"""The fused scaled_dot_product_attention paths. CPU (float32/float64): forward and backward
against the composite and NumPy over head dims, ragged tiles, causal alignment (L != S), masks,
broadcast batch dims, scale and GQA; float64 gradcheck; transposed (non-contiguous) operands;
zero sizes; fully masked rows; the autograd rule saving the forward's logsumexp; every ISA
variant; torch parity; bad input. CUDA (float32/float16/bfloat16, skipped without a device):
against the CPU composite, deterministic gradients, and the cases that keep the composite."""
import numpy as np
import pytest

import ember
from conftest import cuda_available, run_isa_subprocess, to_numpy
from ember.nn.functional import attention as AT
from test_attention import reference

F = ember.nn.functional
needs_cuda = pytest.mark.skipif(not cuda_available(), reason="needs a CUDA device")
TOL = {"float32": (2e-5, 2e-4), "float16": (2e-3, 2e-2), "bfloat16": (1.6e-2, 6e-2)}


def _inputs(rng, qs, ks, vs, dtype, device):
    arrs = [rng.standard_normal(s).astype(np.float32) for s in (qs, ks, vs)]
    ts = [ember.tensor(a).to(getattr(ember, dtype)).to(device) for a in arrs]
    for t in ts:
        t.requires_grad_(True)
    return ts


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



# ---- the CPU kernel ---------------------------------------------------------------------------

# NumPy attention: softmax(q k^T scale + mask) v, zeros for rows with every key masked.
_reference = reference


def _cpu_case(c, dtype, rng):
    np_dt = np.float64 if dtype == "float64" else np.float32
    arrs = [rng.standard_normal(s).astype(np_dt) for s in (c["q"], c["k"], c["v"])]
    mask = None
    if "mask" in c:
        shape = (c["q"][0], 1, c["q"][-2], c["k"][-2])
        mask = rng.random(shape) > 0.3 if c["mask"] == "bool" else rng.standard_normal(shape).astype(np_dt)
        if c["mask"] == "bool":
            mask[0, 0, 3, :] = False  # a row with every key masked: zeros
    return arrs, mask


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_cpu_fused_matches_composite_and_numpy(case, dtype):
    c = CASES[case]
    rng = np.random.default_rng(case)
    causal, gqa = c.get("causal", False), c.get("gqa", False)
    (qa, ka, va), mask_np = _cpu_case(c, dtype, rng)
    q, k, v = (ember.tensor(a) for a in (qa, ka, va))
    m = None if mask_np is None else ember.tensor(mask_np)
    assert AT.scaled_dot_product_attention_fused_available(q, k, v, m, 0.0, gqa)
    out, lse = AT.scaled_dot_product_attention_fused_forward(q, k, v, m, causal, None, gqa)
    assert lse.dtype == q.dtype and tuple(lse.shape) == tuple(out.shape[:-1])
    ref_out, attn, _ = AT.scaled_dot_product_attention_forward(q, k, v, m, 0.0, causal, None, gqa)
    tol = dict(atol=1e-12, rtol=1e-10) if dtype == "float64" else dict(atol=2e-6, rtol=2e-5)
    np.testing.assert_allclose(to_numpy(out), to_numpy(ref_out), **tol)
    np.testing.assert_allclose(to_numpy(out), _reference(qa, ka, va, mask_np, causal, gqa=gqa), **tol)
    g = ember.tensor(rng.standard_normal(tuple(out.shape)).astype(qa.dtype))
    fused = AT.scaled_dot_product_attention_fused_backward(g, q, k, v, out, lse, m, causal, None, gqa)
    composite = AT.scaled_dot_product_attention_backward(g, q, k, v, attn, None, 0.0, None, gqa)
    for a, b, x in zip(fused, composite, (q, k, v)):
        assert a.shape == x.shape and a.dtype == x.dtype
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=tol["atol"] * 10, rtol=tol["rtol"] * 10)


GRADCHECK_CASES = [
    dict(q=(1, 2, 5, 4), k=(1, 2, 7, 4), v=(1, 2, 7, 3)),
    dict(q=(2, 1, 6, 3), k=(2, 1, 4, 3), v=(2, 1, 4, 5), causal=True),  # L > S
    dict(q=(1, 1, 3, 4), k=(1, 1, 6, 4), v=(1, 1, 6, 4), causal=True, scale=0.3),  # L < S
    dict(q=(1, 4, 4, 3), k=(1, 2, 5, 3), v=(1, 2, 5, 3), gqa=True),
    dict(q=(2, 2, 4, 3), k=(2, 2, 5, 3), v=(2, 2, 5, 3), mask="bool"),
    dict(q=(2, 2, 4, 3), k=(1, 2, 5, 3), v=(2, 1, 5, 3), mask="float"),  # broadcast batch
]


@pytest.mark.parametrize("case", range(len(GRADCHECK_CASES)))
def test_cpu_fused_gradcheck_float64(case):
    c = GRADCHECK_CASES[case]
    rng = np.random.default_rng(100 + case)
    q, k, v = (ember.tensor(rng.standard_normal(s)).requires_grad_(True) for s in (c["q"], c["k"], c["v"]))
    mask = None
    if c.get("mask") == "bool":
        m = rng.random((c["q"][-2], c["k"][-2])) > 0.4
        m[:, 0] = True
        mask = ember.tensor(m)
    elif c.get("mask") == "float":
        mask = ember.tensor(rng.standard_normal((c["q"][-2], c["k"][-2])))
    assert AT.scaled_dot_product_attention_fused_available(q, k, v, mask, 0.0, c.get("gqa", False))
    kw = dict(attn_mask=mask, is_causal=c.get("causal", False), scale=c.get("scale"), enable_gqa=c.get("gqa", False))
    assert ember.autograd.gradcheck(lambda a, b, d: F.scaled_dot_product_attention(a, b, d, **kw), (q, k, v))


def test_cpu_backward_uses_the_saved_logsumexp(monkeypatch):
    rng = np.random.default_rng(3)
    q, k, v = (ember.tensor(rng.standard_normal((2, 3, 9, 8)).astype(np.float32)).requires_grad_(True) for _ in range(3))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def refuse(*args, **kwargs):
        raise AssertionError("backward ran the forward again")
    monkeypatch.setattr(AT, "scaled_dot_product_attention_fused_forward", refuse)
    monkeypatch.setattr(AT, "scaled_dot_product_attention_forward", refuse)
    g = ember.tensor(rng.standard_normal((2, 3, 9, 8)).astype(np.float32))
    out.backward(g)
    monkeypatch.undo()
    ref_out, attn, _ = AT.scaled_dot_product_attention_forward(q.detach(), k.detach(), v.detach(), None, 0.0, True)
    ref = AT.scaled_dot_product_attention_backward(g, q.detach(), k.detach(), v.detach(), attn)
    np.testing.assert_allclose(to_numpy(out.detach()), to_numpy(ref_out), atol=2e-6, rtol=2e-5)
    for t, r in zip((q, k, v), ref):
        np.testing.assert_allclose(to_numpy(t.grad), to_numpy(r), atol=2e-6, rtol=2e-5)


def test_cpu_saved_output_changed_in_place_is_caught():
    q = ember.randn(1, 2, 4, 8, requires_grad=True)
    out = F.scaled_dot_product_attention(q, q, q)
    out.mul_(2)
    with pytest.raises(RuntimeError):
        out.sum().backward()


def test_cpu_transposed_operands_like_nanogpt():
    # nanoGPT passes (B, T, H, D) activations transposed to (B, H, T, D): non-contiguous views.
    rng = np.random.default_rng(5)
    B, T, H, D = 3, 70, 2, 16
    arrs = [rng.standard_normal((B, T, H, D)).astype(np.float32) for _ in range(3)]
    views = [ember.tensor(a).requires_grad_(True) for a in arrs]
    contig = [ember.tensor(np.ascontiguousarray(a.transpose(0, 2, 1, 3))).requires_grad_(True) for a in arrs]
    out = F.scaled_dot_product_attention(*(t.transpose(1, 2) for t in views), is_causal=True)
    ref = F.scaled_dot_product_attention(*contig, is_causal=True)
    np.testing.assert_allclose(to_numpy(out.detach()), to_numpy(ref.detach()), atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(out.detach()),
                               _reference(*(a.transpose(0, 2, 1, 3) for a in arrs), causal=True), atol=2e-6, rtol=2e-5)
    g = rng.standard_normal((B, H, T, D)).astype(np.float32)
    out.backward(ember.tensor(g))
    ref.backward(ember.tensor(g))
    for a, b in zip(views, contig):
        np.testing.assert_allclose(to_numpy(a.grad).transpose(0, 2, 1, 3), to_numpy(b.grad), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("shape", [((2, 0, 4), (2, 5, 4), (2, 5, 3)), ((2, 4, 4), (2, 0, 4), (2, 0, 3)),
                                   ((0, 2, 4, 4), (0, 2, 5, 4), (0, 2, 5, 3))])
@pytest.mark.parametrize("causal", [False, True])
def test_cpu_fused_zero_size(shape, causal):
    q, k, v = (ember.randn(*s, dtype=ember.float64, requires_grad=True) for s in shape)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    assert tuple(out.shape) == shape[0][:-1] + (shape[2][-1],)
    np.testing.assert_array_equal(to_numpy(out.detach()), np.zeros(out.shape))
    out.sum().backward()
    for t in (q, k, v):
        assert t.grad.shape == t.shape
        np.testing.assert_array_equal(to_numpy(t.grad), np.zeros(t.shape))


def test_cpu_fully_masked_rows_give_zero_output_and_gradients():
    rng = np.random.default_rng(8)
    q, k, v = (ember.tensor(rng.standard_normal((1, 2, 5, 4))).requires_grad_(True) for _ in range(3))
    m = rng.random((5, 5)) > 0.3
    m[2, :] = False
    fm = np.where(m, 0.0, -np.inf)
    for mask in (ember.tensor(m), ember.tensor(fm)):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        np.testing.assert_array_equal(to_numpy(out.detach())[:, :, 2], 0)
        np.testing.assert_allclose(to_numpy(out.detach()), _reference(*(to_numpy(t.detach()) for t in (q, k, v)), m),
                                   atol=1e-12)
        q.grad = k.grad = v.grad = None
        out.backward(ember.ones_like(out))
        np.testing.assert_array_equal(to_numpy(q.grad)[:, :, 2], 0)
        assert np.isfinite(to_numpy(k.grad)).all() and np.isfinite(to_numpy(v.grad)).all()


def test_cpu_fused_results_do_not_depend_on_threads():
    rng = np.random.default_rng(9)
    q, k, v = (ember.tensor(rng.standard_normal((2, 4, 100, 16)).astype(np.float32)) for _ in range(3))
    g = ember.tensor(rng.standard_normal((2, 4, 100, 16)).astype(np.float32))
    n = ember.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            ember.set_num_threads(threads)
            out, lse = AT.scaled_dot_product_attention_fused_forward(q, k, v, None, True)
            results.append([out, lse, *AT.scaled_dot_product_attention_fused_backward(g, q, k, v, out, lse, None, True)])
    finally:
        ember.set_num_threads(n)
    for a, b in zip(*results):
        assert np.array_equal(to_numpy(a), to_numpy(b))


def test_cpu_composite_keeps_the_other_cases():
    q = ember.randn(1, 2, 8, 16)
    for dt in (ember.float16, ember.bfloat16):
        assert not AT.scaled_dot_product_attention_fused_available(q.to(dt), q.to(dt), q.to(dt))
    assert not AT.scaled_dot_product_attention_fused_available(q, q, q, None, 0.1)
    big = ember.randn(1, 2, 8, 256)
    assert not AT.scaled_dot_product_attention_fused_available(big, big, big)
    empty_dim = ember.randn(1, 2, 8, 0)
    assert not AT.scaled_dot_product_attention_fused_available(empty_dim, empty_dim, empty_dim)
    # A float mask that requires grad takes the composite, which gives the mask its gradient.
    mask = ember.zeros(8, 8, requires_grad=True)
    qq = q.clone().requires_grad_(True)
    F.scaled_dot_product_attention(qq, qq, qq, attn_mask=mask).sum().backward()
    assert mask.grad is not None and qq.grad is not None


def test_cpu_fused_bad_input():
    q = ember.randn(2, 3, 5, 8)
    out, lse = AT.scaled_dot_product_attention_fused_forward(q, q, q)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        AT.scaled_dot_product_attention_fused_backward(q, q, q, q, out, lse.double())
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        AT.scaled_dot_product_attention_fused_backward(q, q, q, q, out, lse[:, :, :4])
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        AT.scaled_dot_product_attention_fused_forward(q, ember.randn(2, 3, 5, 7), q)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        AT.scaled_dot_product_attention_fused_forward(q, q, q, ember.ones(5, 5, dtype=ember.bool), True)
    with pytest.raises(ValueError, match="scaled_dot_product_attention"):
        AT.scaled_dot_product_attention_fused_forward(q, q, q, ember.ones(4, 5, dtype=ember.bool))
    with pytest.raises(TypeError, match="scaled_dot_product_attention"):
        h = q.half()
        AT.scaled_dot_product_attention_fused_forward(h, h, h)
    with pytest.raises(TypeError, match="scaled_dot_product_attention"):
        F.scaled_dot_product_attention(q, q.double(), q)


ISA_SCRIPT = r"""
import numpy as np
import ember
from ember.nn.functional import attention as AT
rng = np.random.default_rng(0)
for dt in (np.float32, np.float64):
    for (L, S, E, Ev, causal) in ((70, 130, 16, 16, True), (33, 20, 20, 17, False), (65, 65, 64, 64, True)):
        q, k, v = (ember.tensor(rng.standard_normal((2, 2, n, d)).astype(dt)) for n, d in ((L, E), (S, E), (S, Ev)))
        out, lse = AT.scaled_dot_product_attention_fused_forward(q, k, v, None, causal)
        ref, attn, _ = AT.scaled_dot_product_attention_forward(q, k, v, None, 0.0, causal)
        tol = 1e-12 if dt == np.float64 else 2e-6
        np.testing.assert_allclose(out.numpy(), ref.numpy(), atol=tol, rtol=tol * 10)
        g = ember.tensor(rng.standard_normal(tuple(out.shape)).astype(dt))
        fused = AT.scaled_dot_product_attention_fused_backward(g, q, k, v, out, lse, None, causal)
        comp = AT.scaled_dot_product_attention_backward(g, q, k, v, attn)
        for a, b in zip(fused, comp):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=tol * 10, rtol=tol * 100)
print("ok")
"""


@pytest.mark.parametrize("isa", ["base", "avx2", "avx512"])
def test_cpu_fused_every_isa_variant(isa):
    assert "ok" in run_isa_subprocess(isa, ISA_SCRIPT)


def test_cpu_fused_vs_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(12)
    for qs, ks, kw in (((2, 4, 40, 16), (2, 4, 70, 16), dict(is_causal=True)),
                       ((2, 4, 70, 16), (2, 4, 40, 16), dict(is_causal=True, scale=0.2)),
                       ((1, 4, 20, 32), (1, 2, 30, 32), dict(enable_gqa=True))):
        arrs = [rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks)]
        e = [ember.tensor(a).requires_grad_(True) for a in arrs]
        t = [torch.tensor(a, requires_grad=True) for a in arrs]
        eo = F.scaled_dot_product_attention(*e, **kw)
        to = torch.nn.functional.scaled_dot_product_attention(*t, **kw)
        np.testing.assert_allclose(to_numpy(eo.detach()), to.detach().numpy(), atol=2e-6, rtol=2e-5)
        g = rng.standard_normal(tuple(eo.shape)).astype(np.float32)
        eo.backward(ember.tensor(g))
        to.backward(torch.tensor(g))
        for a, b in zip(e, t):
            np.testing.assert_allclose(to_numpy(a.grad), b.grad.numpy(), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("mask_shape", [(2, 3, 1, 9), (9,), (1, 3, 7, 1)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_cpu_fused_mask_broadcast_over_size_one_dims(mask_shape, kind):
    # A key-padding mask has one row for every query: its size-1 dims broadcast.
    rng = np.random.default_rng(21)
    qa, ka, va = (rng.standard_normal(s) for s in ((2, 3, 7, 4), (2, 3, 9, 4), (2, 3, 9, 5)))
    m = rng.random(mask_shape) > 0.3
    if kind == "float":
        m = np.where(m, rng.standard_normal(mask_shape), -np.inf)
    q, k, v = (ember.tensor(a).requires_grad_(True) for a in (qa, ka, va))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(m))
    np.testing.assert_allclose(to_numpy(out.detach()), _reference(qa, ka, va, m), atol=1e-12)
    assert ember.autograd.gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=ember.tensor(m)),
                                    (q, k, v))


def test_cpu_fused_reads_any_strides():
    # Inner dims transposed (column stride != 1), flipped (negative strides) and expanded heads.
    rng = np.random.default_rng(31)
    qa = rng.standard_normal((2, 3, 6, 11))
    ka = rng.standard_normal((2, 3, 9, 6))
    va = rng.standard_normal((2, 1, 9, 5))
    q = ember.tensor(qa).transpose(-1, -2).requires_grad_(True)  # (2, 3, 11, 6), column stride 11
    kt = ember.tensor(ka).requires_grad_(True)
    vt = ember.tensor(va).requires_grad_(True)
    k = kt.flip(2)
    v = vt.expand(2, 3, 9, 5)
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    ref = _reference(np.swapaxes(qa, -1, -2), ka[:, :, ::-1], np.broadcast_to(va, (2, 3, 9, 5)), causal=True)
    np.testing.assert_allclose(to_numpy(out.detach()), ref, atol=1e-12)
    assert ember.autograd.gradcheck(
        lambda a, b, c: F.scaled_dot_product_attention(a.transpose(-1, -2), b.flip(2), c.expand(2, 3, 9, 5),
                                                       is_causal=True),
        (ember.tensor(qa).requires_grad_(True), kt, vt))
