"""The matrix-product ops beyond what the op database expresses: out= forms (written in place,
aliasing an operand, wrong shape or dtype), the in-place add forms, beta = 0 ignoring NaN,
linear's bias epilogue over leading dims and views, outer's promotion, and error messages."""
import numpy as np
import pytest

import ember
from conftest import assert_close, assert_unchanged, make_tensor, snapshot


def t64(a):
    return make_tensor(a, ember.float64)


def test_out_forms_write_in_place(rng):
    a, b, v = rng.standard_normal((4, 6)), rng.standard_normal((6, 5)), rng.standard_normal(6)
    out = ember.empty(4, 5, dtype=ember.float64)
    ptr = out.data_ptr()
    assert ember.mm(t64(a), t64(b), out=out) is out and out.data_ptr() == ptr
    assert_close(out, a @ b, dtype=ember.float64)
    outv = ember.empty(4, dtype=ember.float64)
    ember.mv(t64(a), t64(v), out=outv)
    assert_close(outv, a @ v, dtype=ember.float64)
    c = rng.standard_normal((4, 5))
    ember.addmm(t64(c), t64(a), t64(b), beta=2, alpha=0.5, out=out)
    assert_close(out, 2 * c + 0.5 * (a @ b), dtype=ember.float64)
    ba, bb = rng.standard_normal((3, 4, 6)), rng.standard_normal((3, 6, 5))
    outb = ember.empty(3, 4, 5, dtype=ember.float64)
    ember.bmm(t64(ba), t64(bb), out=outb)
    assert_close(outb, ba @ bb, dtype=ember.float64)
    ember.baddbmm(t64(c), t64(ba), t64(bb), beta=-1, out=outb)
    assert_close(outb, -c + ba @ bb, dtype=ember.float64)
    # ops without a native out form copy into it
    outm = ember.empty(3, 4, 5, dtype=ember.float64)
    ember.matmul(t64(ba), t64(bb), out=outm)
    assert_close(outm, ba @ bb, dtype=ember.float64)


def test_out_into_a_strided_view(rng):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 4))
    buf = ember.zeros(4, 10, dtype=ember.float64)
    view = buf.t()[::2]  # (5, 4), non-contiguous
    ember.mm(t64(a), t64(b), out=view)
    want = np.zeros((4, 10))
    want.T[::2] = a @ b
    assert_close(buf, want, dtype=ember.float64)


def test_out_aliasing_an_operand(rng):
    a = rng.standard_normal((4, 4))
    ta = t64(a)
    ember.mm(ta, ta, out=ta)  # computed into a temporary, then copied
    assert_close(ta, a @ a, dtype=ember.float64)
    c, m1, m2 = rng.standard_normal((4, 4)), rng.standard_normal((4, 3)), rng.standard_normal((3, 4))
    tc = t64(c)
    ember.addmm(tc, t64(m1), t64(m2), beta=0.5, out=tc)  # out is input: accumulates in place
    assert_close(tc, 0.5 * c + m1 @ m2, dtype=ember.float64)


def test_inplace_add_forms(rng):
    c, m1, m2, v = (rng.standard_normal(s) for s in ((3, 5), (3, 4), (4, 5), (4,)))
    tc = t64(c)
    version = tc._version if hasattr(tc, "_version") else None
    assert tc.addmm_(t64(m1), t64(m2), beta=2, alpha=3) is tc
    assert_close(tc, 2 * c + 3 * (m1 @ m2), dtype=ember.float64)
    if version is not None:
        assert tc._version > version
    y = t64(c[:, 0])
    y.addmv_(t64(m1), t64(v), alpha=-1)
    assert_close(y, c[:, 0] - m1 @ v, dtype=ember.float64)
    bc = t64(np.stack([c, c]))
    bc.baddbmm_(t64(np.stack([m1, m1])), t64(np.stack([m2, -m2])), beta=0)
    assert_close(bc, np.stack([m1 @ m2, -(m1 @ m2)]), dtype=ember.float64)


def test_out_errors_leave_out_unchanged():
    a, b = ember.ones(2, 3), ember.ones(3, 4)
    wrong_shape, wrong_dtype = ember.zeros(2, 5), ember.zeros(2, 4, dtype=ember.float64)
    snap = snapshot(a, b, wrong_shape, wrong_dtype)
    with pytest.raises(ember.ShapeError, match=r"mm: out has shape \[2, 5\], expected \[2, 4\]"):
        ember.mm(a, b, out=wrong_shape)
    with pytest.raises(ember.DTypeError, match="out has dtype float64"):
        ember.mm(a, b, out=wrong_dtype)
    with pytest.raises(RuntimeError, match="single memory location"):
        ember.mm(a, b, out=ember.zeros(1, 4).expand(2, 4))
    assert_unchanged(snap)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16])
def test_beta_zero_ignores_nan(dtype, rng):
    m1, m2 = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    nan = ember.full((3, 5), float("nan"), dtype=dtype)
    out = ember.addmm(nan, make_tensor(m1, dtype), make_tensor(m2, dtype), beta=0, alpha=2)
    assert not np.isnan(out.float().numpy()).any()
    nanv = ember.full((3,), float("nan"), dtype=dtype)
    assert not np.isnan(ember.addmv(nanv, make_tensor(m1, dtype), make_tensor(m2[:, 0], dtype), beta=0)
                        .float().numpy()).any()
    nanb = ember.full((2, 3, 5), float("nan"), dtype=dtype)
    b1, b2 = make_tensor(np.stack([m1, m1]), dtype), make_tensor(np.stack([m2, m2]), dtype)
    assert not np.isnan(ember.baddbmm(nanb, b1, b2, beta=0).float().numpy()).any()
    assert not np.isnan(ember.addbmm(nan, b1, b2, beta=0).float().numpy()).any()


def test_linear_bias_epilogue_and_views(rng):
    x, w, bias = rng.standard_normal((2, 3, 7)), rng.standard_normal((5, 7)), rng.standard_normal(5)
    tx, tw, tb = t64(x), t64(w), t64(bias)
    snap = snapshot(tx, tw, tb)
    F = ember.nn.functional
    assert_close(F.linear(tx, tw, tb), x @ w.T + bias, dtype=ember.float64)
    assert_close(F.linear(tx, tw), x @ w.T, dtype=ember.float64)
    # a transposed input (reshape copies), a transposed weight, a 0-dim bias
    xt = t64(np.ascontiguousarray(x.transpose(2, 1, 0))).permute(2, 1, 0)
    wt = t64(np.ascontiguousarray(w.T)).t()
    assert_close(F.linear(xt, wt, t64(np.array(1.5))), x @ w.T + 1.5, dtype=ember.float64)
    assert_unchanged(snap)


def test_linear_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((4, 2, 70), (33, 70), (33,)))
    ours = ember.nn.functional.linear(ember.from_numpy(x), ember.from_numpy(w), ember.from_numpy(b)).numpy()
    theirs = torch.nn.functional.linear(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_outer_promotes_like_torch(rng):
    a, b = ember.tensor([1, 2, 3]), ember.tensor([0.5, 2.0], dtype=ember.float64)
    out = ember.outer(a, b)
    assert out.dtype == ember.float64
    assert_close(out, np.outer([1, 2, 3], [0.5, 2.0]), dtype=ember.float64)
    assert ember.ger(a, a).dtype == ember.int64


def test_methods(rng):
    a, b, v = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(4)
    ta, tb, tv = t64(a), t64(b), t64(v)
    assert_close(ta.mm(tb), a @ b, dtype=ember.float64)
    assert_close(ta.mv(tv), a @ v, dtype=ember.float64)
    assert_close(tv.dot(tv), v @ v, dtype=ember.float64)
    assert_close(tv.outer(tv), np.outer(v, v), dtype=ember.float64)
    c = rng.standard_normal((3, 2))
    assert_close(t64(c).addmm(ta, tb, beta=2), 2 * c + a @ b, dtype=ember.float64)


@pytest.mark.parametrize("call", [
    lambda: ember.mm(ember.ones(2, 3), ember.ones(2, 3)),
    lambda: ember.bmm(ember.ones(2, 2, 3), ember.ones(2, 2, 3)),
    lambda: ember.mv(ember.ones(2, 3), ember.ones(2)),
    lambda: ember.addmm(ember.ones(2, 2), ember.ones(2, 3), ember.ones(2, 2)),
    lambda: ember.nn.functional.linear(ember.ones(2, 3), ember.ones(4, 2)),
])
def test_shape_errors_name_both_shapes(call):
    with pytest.raises(ember.ShapeError) as info:
        call()
    assert str(info.value).count("[") >= 2


def test_mixed_dtypes_are_refused():
    f32, f64 = ember.ones(2, 2), ember.ones(2, 2, dtype=ember.float64)
    for call in (lambda: ember.mm(f32, f64), lambda: ember.bmm(f32[None], f64[None]),
                 lambda: ember.mv(f32, f64[0]), lambda: ember.dot(f32[0], f64[0]),
                 lambda: ember.addmm(f64, f32, f32), lambda: ember.nn.functional.linear(f32, f32, f64[0])):
        with pytest.raises(ember.DTypeError, match="float32|float64"):
            call()


def test_integer_coefficients():
    i = ember.ones(2, 2, dtype=ember.int64)
    assert ember.addmm(i, i, i, beta=2, alpha=3).tolist() == [[8, 8], [8, 8]]
    with pytest.raises(ValueError, match="integer"):
        ember.addmm(i, i, i, alpha=0.5)
