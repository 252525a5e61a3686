"""scaled_dot_product_attention: forward against a NumPy reference and PyTorch (masks, causal
alignment, scale, broadcast batch dims, GQA, fully masked rows, dropout), and its backward
against finite differences (float64) and torch.autograd."""
import numpy as np
import pytest

import ember
from conftest import to_numpy
from op_db import assert_vjp
from ember.nn.functional import attention as AT

F = ember.nn.functional


def reference(q, k, v, mask=None, causal=False, scale=None, keep=None, p=0.0, gqa=False):
    if gqa:
        rep = q.shape[-3] // k.shape[-3]
        k, v = np.repeat(k, rep, axis=-3), np.repeat(v, rep, axis=-3)
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    L, S = s.shape[-2:]
    if causal:
        mask = np.tril(np.ones((L, S), dtype=bool))
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    m = s.max(axis=-1, keepdims=True)
    e = np.exp(s - np.where(np.isfinite(m), m, 0))
    a = e / np.where(e.sum(-1, keepdims=True) == 0, 1, e.sum(-1, keepdims=True))
    if keep is not None:
        a = a * keep / (1 - p)
    return a @ v


def t64(a):
    return ember.tensor(np.asarray(a, dtype=np.float64), dtype=ember.float64)


@pytest.fixture
def rng():
    return np.random.default_rng(11)


CASES = [
    ("plain", (2, 3, 4), (2, 5, 4), (2, 5, 6), {}),
    ("causal square", (2, 4, 4), (2, 4, 4), (2, 4, 3), {"is_causal": True}),
    ("causal L < S", (3, 4), (5, 4), (5, 2), {"is_causal": True}),
    ("causal L > S", (5, 4), (3, 4), (3, 2), {"is_causal": True, "scale": 0.4}),
    ("bool mask", (2, 3, 4), (3, 4), (3, 4), {"attn_mask": "bool"}),
    ("float mask", (2, 1, 3, 4), (1, 2, 5, 4), (1, 2, 5, 4), {"attn_mask": "float"}),
    ("gqa", (1, 4, 3, 4), (1, 2, 5, 4), (1, 2, 5, 3), {"enable_gqa": True}),
]


def _make(rng, qs, ks, vs, kw):
    q, k, v = rng.normal(size=qs), rng.normal(size=ks), rng.normal(size=vs)
    kw = dict(kw)
    L, S = qs[-2], ks[-2]
    if kw.get("attn_mask") == "bool":
        m = rng.uniform(size=(L, S)) > 0.4
        m[:, 0] = True
        kw["attn_mask"] = m
    elif kw.get("attn_mask") == "float":
        kw["attn_mask"] = rng.normal(size=(L, S))
    return q, k, v, kw


def _ember_kw(kw):
    out = dict(kw)
    if "attn_mask" in out:
        m = out["attn_mask"]
        out["attn_mask"] = ember.tensor(m) if m.dtype == bool else t64(m)
    return out


@pytest.mark.parametrize("name,qs,ks,vs,kw", CASES, ids=[c[0] for c in CASES])
def test_forward_numpy(rng, name, qs, ks, vs, kw):
    q, k, v, kw = _make(rng, qs, ks, vs, kw)
    got = F.scaled_dot_product_attention(t64(q), t64(k), t64(v), **_ember_kw(kw))
    want = reference(q, k, v, kw.get("attn_mask"), kw.get("is_causal", False), kw.get("scale"),
                     gqa=kw.get("enable_gqa", False))
    np.testing.assert_allclose(to_numpy(got), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,qs,ks,vs,kw", CASES, ids=[c[0] for c in CASES])
def test_backward_finite_differences(rng, name, qs, ks, vs, kw):
    q, k, v, kw = _make(rng, qs, ks, vs, kw)
    ekw = _ember_kw(kw)
    out = reference(q, k, v, kw.get("attn_mask"), kw.get("is_causal", False), kw.get("scale"),
                    gqa=kw.get("enable_gqa", False))
    scale, gqa = kw.get("scale"), kw.get("enable_gqa", False)

    def backward(g, q, k, v):
        _, attn, keep = AT.scaled_dot_product_attention_forward(q, k, v, **ekw)
        return AT.scaled_dot_product_attention_backward(g, q, k, v, attn, keep, 0.0, scale, gqa)
    assert_vjp(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **ekw), backward,
               [t64(q), t64(k), t64(v)], rng.normal(size=out.shape), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name,qs,ks,vs,kw", CASES, ids=[c[0] for c in CASES])
def test_vs_torch(rng, name, qs, ks, vs, kw):
    torch = pytest.importorskip("torch")
    q, k, v, kw = _make(rng, qs, ks, vs, kw)
    f32 = lambda a: a.astype(np.float32)
    tq, tk, tv = (torch.tensor(f32(a), requires_grad=True) for a in (q, k, v))
    tkw = dict(kw)
    if "attn_mask" in tkw:
        m = tkw["attn_mask"]
        tkw["attn_mask"] = torch.tensor(m if m.dtype == bool else f32(m))
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, **tkw)
    g = rng.normal(size=tuple(tout.shape)).astype(np.float32)
    tout.backward(torch.tensor(g))
    ekw = dict(kw)
    if "attn_mask" in ekw:
        m = ekw["attn_mask"]
        ekw["attn_mask"] = ember.tensor(m if m.dtype == bool else f32(m))
    eq, ek, ev = (ember.tensor(f32(a)) for a in (q, k, v))
    out, attn, keep = AT.scaled_dot_product_attention_forward(eq, ek, ev, **ekw)
    np.testing.assert_allclose(to_numpy(out), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    grads = AT.scaled_dot_product_attention_backward(ember.tensor(g), eq, ek, ev, attn, keep, 0.0,
                                                     kw.get("scale"), kw.get("enable_gqa", False))
    for got, want in zip(grads, (tq.grad, tk.grad, tv.grad)):
        assert tuple(got.shape) == tuple(want.shape)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-4, atol=1e-5)


def test_fully_masked_row_gives_zeros_like_torch(rng):
    q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    m = np.array([[True, True, True], [False, False, False], [True, False, False]])
    out, attn, _ = AT.scaled_dot_product_attention_forward(t64(q), t64(k), t64(v), attn_mask=ember.tensor(m))
    assert np.all(to_numpy(out)[1] == 0) and np.all(np.isfinite(to_numpy(out)))
    fm = np.where(m, 0.0, -np.inf)
    out2 = F.scaled_dot_product_attention(t64(q), t64(k), t64(v), attn_mask=t64(fm))
    np.testing.assert_allclose(to_numpy(out2), to_numpy(out), rtol=1e-12)
    gq, gk, gv = AT.scaled_dot_product_attention_backward(t64(np.ones((3, 4))), t64(q), t64(k), t64(v), attn)
    assert np.all(to_numpy(gq)[1] == 0)
    torch = pytest.importorskip("torch")
    want = torch.nn.functional.scaled_dot_product_attention(*(torch.tensor(a) for a in (q, k, v)),
                                                            attn_mask=torch.tensor(m))
    np.testing.assert_allclose(to_numpy(out), want.numpy(), rtol=1e-10, atol=1e-12)


def test_dropout_with_fixed_mask(rng):
    p = 0.3
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    keep = (rng.uniform(size=(2, 3, 5)) > p).astype(np.float64)
    out, attn, kept = AT.scaled_dot_product_attention_forward(t64(q), t64(k), t64(v), dropout_p=p,
                                                              dropout_mask=t64(keep))
    np.testing.assert_allclose(to_numpy(out), reference(q, k, v, keep=keep, p=p), rtol=1e-10)

    def fn(q, k, v):
        return AT.scaled_dot_product_attention_forward(q, k, v, dropout_p=p, dropout_mask=t64(keep))[0]

    def backward(g, q, k, v):
        _, a, kk = AT.scaled_dot_product_attention_forward(q, k, v, dropout_p=p, dropout_mask=t64(keep))
        return AT.scaled_dot_product_attention_backward(g, q, k, v, a, kk, p)
    assert_vjp(fn, backward, [t64(q), t64(k), t64(v)], rng.normal(size=(2, 3, 2)), rtol=1e-5, atol=1e-7)


def test_random_dropout_is_reproducible_and_scaled():
    q = ember.ones((1, 64, 8))
    v = ember.tensor(np.arange(64 * 8, dtype=np.float32).reshape(1, 64, 8))
    g1 = ember.Generator().manual_seed(5)
    out1, attn, keep = AT.scaled_dot_product_attention_forward(q, q, v, dropout_p=0.25, generator=g1)
    keep_np = to_numpy(keep)
    assert set(np.unique(keep_np)) <= {0.0, 1.0}
    assert 0.6 < keep_np.mean() < 0.9
    np.testing.assert_allclose(to_numpy(out1), (to_numpy(attn) * keep_np / 0.75) @ to_numpy(v), rtol=1e-5)
    out2 = F.scaled_dot_product_attention(q, q, v, dropout_p=0.25, generator=ember.Generator().manual_seed(5))
    np.testing.assert_array_equal(to_numpy(out1), to_numpy(out2))
    zero = F.scaled_dot_product_attention(q, q, v, dropout_p=1.0)
    assert np.all(to_numpy(zero) == 0)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_16bit(rng, dtype):
    q, k, v = (rng.normal(size=(2, 3, 8)).astype(np.float32) for _ in range(3))
    got = F.scaled_dot_product_attention(*(ember.tensor(a).to(dtype) for a in (q, k, v)))
    assert got.dtype == dtype
    rounded = [to_numpy(ember.tensor(a).to(dtype)).astype(np.float64) for a in (q, k, v)]
    np.testing.assert_allclose(to_numpy(got).astype(np.float64), reference(*rounded), rtol=2e-2, atol=2e-2)


def test_bad_input_names_shapes():
    q = ember.ones((2, 3, 4))
    with pytest.raises(ember.ShapeError, match=r"query \[2, 3, 4\], key \[2, 3, 5\]"):
        F.scaled_dot_product_attention(q, ember.ones((2, 3, 5)), ember.ones((2, 3, 5)))
    with pytest.raises(ember.ShapeError, match="enable_gqa"):
        F.scaled_dot_product_attention(ember.ones((1, 3, 2, 4)), ember.ones((1, 2, 2, 4)), ember.ones((1, 2, 2, 4)),
                                       enable_gqa=True)
    with pytest.raises(TypeError, match="one dtype"):
        F.scaled_dot_product_attention(q, q.double(), q)
    with pytest.raises(TypeError, match="attn_mask"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=ember.ones((3, 3), dtype=ember.int64))
    with pytest.raises(ember.ShapeError, match="grad_output"):
        AT.scaled_dot_product_attention_backward(ember.ones((2, 3, 5)), q, q, q, ember.ones((2, 3, 3)))
