"""In-place ops, out= forms and operators: semantics, aliasing, version counter, errors."""
import math

import numpy as np
import pytest

import ember
from conftest import assert_close_elementwise as check, make_tensor

rng = np.random.default_rng(1)


def f32(shape):
    return rng.standard_normal(shape).astype(np.float32)


def test_inplace_ops_write_self_and_bump_the_version_once():
    a = f32((3, 4))
    t = make_tensor(a)
    v0 = t._version
    assert t.add_(1.5) is t
    assert t._version == v0 + 1
    t.sub_(make_tensor(np.ones(4, np.float32)), alpha=2)
    t.mul_(3)
    t.div_(2)
    assert t._version == v0 + 4
    check(t, (a + 1.5 - 2) * 3 / 2, ember.float32)
    t.clamp_(-1, 1)
    check(t, np.clip((a + 1.5 - 2) * 3 / 2, -1, 1), ember.float32)
    t.exp_()
    assert t._version == v0 + 6
    t.div_(make_tensor(np.full(4, 2.0, np.float32)), rounding_mode="floor")
    assert t._version == v0 + 7


def test_views_see_inplace_writes():
    t = make_tensor(np.zeros((3, 3), np.float32))
    row = t[1]
    row.add_(2)
    check(t, np.array([[0, 0, 0], [2, 2, 2], [0, 0, 0]]), ember.float32)
    t.t()[0].mul_(5)  # a strided view
    check(t, np.array([[0, 0, 0], [10, 2, 2], [0, 0, 0]]), ember.float32)


def test_aliased_inputs_give_the_right_answer():
    a = f32((5, 5))
    t = make_tensor(a)
    t.add_(t)
    check(t, a + a, ember.float32)
    t = make_tensor(a)
    t.add_(t.t())  # partially overlapping: read before written
    check(t, a + a.T, ember.float32)
    t = make_tensor(a)
    t.sub_(t[0])  # a broadcast row of self
    check(t, a - a[0], ember.float32)
    t = make_tensor(a)
    t[1:].mul_(t[:-1])  # shifted views of one storage
    want = a.copy()
    want[1:] = a[1:] * a[:-1]
    check(t, want, ember.float32)
    t = make_tensor(a)
    x = make_tensor(np.arange(6, dtype=np.float32))
    x[1:].exp_()
    check(x, np.concatenate([[0], np.exp(np.arange(1, 6, dtype=np.float32))]), ember.float32)


def test_inplace_keeps_self_dtype_when_castable():
    t = make_tensor(np.array([1.0, 2.0], np.float32))
    t.add_(make_tensor(np.array([1, 2])))  # int64 into float32
    check(t, np.array([2.0, 4.0]), ember.float32)
    t.add_(make_tensor(np.array([0.5, 0.25])))  # float64 computed, stored as float32
    check(t, np.array([2.5, 4.25]), ember.float32)
    i = make_tensor(np.array([1, 2], np.int32))
    i.add_(make_tensor(np.array([1, 2])))  # int64 into int32
    check(i, np.array([2, 4]), ember.int32)
    u = make_tensor(np.array([1, 2], np.uint8))
    u.mul_(-1)
    check(u, np.array([255, 254]), ember.uint8)
    b = make_tensor(np.array([True, False]))
    b.logical_and_(make_tensor(np.array([1.0, 1.0])))
    check(b, np.array([True, False]), ember.bool)
    f = make_tensor(np.array([1.0, 2.0], np.float32))
    f.eq_(1.0)  # bool result stored as float
    check(f, np.array([1.0, 0.0]), ember.float32)


@pytest.mark.parametrize("call", [
    lambda t: t.add_(make_tensor(np.array([1.5, 2.0], np.float32))),
    lambda t: t.div_(2),
    lambda t: t.exp_(),
    lambda t: t.mul_(2.5),
    lambda t: t.clamp_(min=1.5),
    lambda t: t.sqrt_(),
])
def test_inplace_refuses_a_result_self_cannot_hold(call):
    t = make_tensor(np.array([1, 2]))
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
        call(t)
    check(t, np.array([1, 2]), ember.int64)
    assert t._version == 0


def test_inplace_shape_and_overlap_errors():
    t = make_tensor(np.ones(2, np.float32))
    with pytest.raises(ValueError, match=r"\[2\].*\[2, 2\]"):
        t.add_(make_tensor(np.ones((2, 2), np.float32)))
    e = make_tensor(np.ones(1, np.float32)).expand(3)
    with pytest.raises(RuntimeError, match="single memory location"):
        e.add_(1)
    with pytest.raises(RuntimeError, match="single memory location"):
        e.neg_()
    check(t, np.ones(2), ember.float32)


def test_out_forms():
    a, b = f32((3, 4)), f32((4,))
    out = make_tensor(np.zeros((3, 4), np.float32))
    assert ember.mul(make_tensor(a), make_tensor(b), out=out) is out
    check(out, a * b, ember.float32)
    ember.exp(make_tensor(a), out=out)
    check(out, np.exp(a), ember.float32)
    d = make_tensor(np.zeros((3, 4)))
    ember.maximum(make_tensor(a), make_tensor(b), out=d)  # float32 result into float64
    check(d, np.maximum(a, b).astype(np.float64), ember.float64)
    with pytest.raises(ValueError, match="shape"):
        ember.mul(make_tensor(a), make_tensor(b), out=make_tensor(np.zeros(4, np.float32)))
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.exp(make_tensor(a), out=make_tensor(np.zeros((3, 4), np.int64)))
    with pytest.raises(ValueError, match="unknown"):
        ember._C.binary_out("nope", make_tensor(a)._impl, 1, out._impl)


def test_operators():
    a, b = f32((2, 3)), f32((2, 3))
    ta, tb = make_tensor(a), make_tensor(b)
    check(ta + tb, a + b, ember.float32)
    check(ta - tb, a - b, ember.float32)
    check(ta * tb, a * b, ember.float32)
    check(ta / tb, a / b, ember.float32)
    check(ta // tb, np.floor_divide(a, b), ember.float32)
    check(ta % tb, np.remainder(a, b), ember.float32)
    check(abs(ta) ** tb, np.abs(a) ** b, ember.float32)
    check(1 + ta, 1 + a, ember.float32)
    check(1 - ta, 1 - a, ember.float32)
    check(2 * ta, 2 * a, ember.float32)
    check(2 / ta, 2 / a, ember.float32)
    check(2 // ta, np.floor_divide(2, a), ember.float32)
    check(2 % ta, np.remainder(np.float32(2), a), ember.float32)
    check(2 ** ta, np.float32(2) ** a, ember.float32)
    check(-ta, -a, ember.float32)
    assert (+ta) is ta
    check(abs(ta), np.abs(a), ember.float32)
    check(ta < tb, a < b, ember.bool)
    check(ta <= 0, a <= 0, ember.bool)
    check(ta > tb, a > b, ember.bool)
    check(ta >= 0, a >= 0, ember.bool)
    check(ta == tb, a == b, ember.bool)
    check(ta != ta, np.zeros((2, 3), bool), ember.bool)
    i, j = np.array([6, 3, -5]), np.array([3, 1, 2])
    ti, tj = make_tensor(i), make_tensor(j)
    check(ti & tj, i & j, ember.int64)
    check(ti | 1, i | 1, ember.int64)
    check(1 ^ ti, 1 ^ i, ember.int64)
    check(ti << tj, i << j, ember.int64)
    check(ti >> 1, i >> 1, ember.int64)
    check(1 << tj, 1 << j, ember.int64)
    check(~ti, ~i, ember.int64)
    check(~make_tensor(np.array([True, False])), np.array([False, True]), ember.bool)


def test_reflected_operators_keep_the_scalar_promotion():
    i = make_tensor(np.array([1, 2], np.int32))
    check(2.5 - i, np.array([1.5, 0.5]), ember.float32)
    check(2.5 * i, np.array([2.5, 5.0]), ember.float32)
    check(3 - i, np.array([2, 1]), ember.int32)
    check(1 / i, np.array([1.0, 0.5]), ember.float32)
    check(True + i, np.array([2, 3]), ember.int32)
    h = make_tensor(np.array([1.0, 2.0]), ember.float16)
    check(3 * h, np.array([3.0, 6.0]), ember.float16)


def test_augmented_assignment_is_in_place():
    t = make_tensor(np.array([1.0, 2.0], np.float32))
    alias = t
    t += 1
    t -= make_tensor(np.array([0.5, 0.5], np.float32))
    t *= 2
    t /= 4
    assert t is alias
    check(t, np.array([0.75, 1.25]), ember.float32)
    t **= 2
    check(t, np.array([0.5625, 1.5625]), ember.float32)
    i = make_tensor(np.array([7, 9]))
    i //= 2
    i %= 3
    i <<= 1
    i |= 1
    check(i, np.array([1, 3]), ember.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i /= 2
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5


def test_methods_and_aliases():
    a = f32((4,))
    t = make_tensor(a)
    check(t.exp(), np.exp(a), ember.float32)
    check(t.abs().sqrt(), np.sqrt(np.abs(a)), ember.float32)
    check(t.absolute(), np.abs(a), ember.float32)
    check(t.negative(), -a, ember.float32)
    check(t.clip(-0.5, 0.5), np.clip(a, -0.5, 0.5), ember.float32)
    check(t.sigmoid(), 1 / (1 + np.exp(-a.astype(np.float64))), ember.float32)
    check(t.where(t > 0, 0.0), np.where(a > 0, a, 0), ember.float32)
    check(t.greater(0), a > 0, ember.bool)
    check(t.true_divide(2), a / 2, ember.float32)
    check(ember.subtract(t, 1, alpha=2), a - 2, ember.float32)
    check(ember.square(t), a * a, ember.float32)
    check(ember.multiply(t, t), a * a, ember.float32)
    r = make_tensor(a.copy())
    r.relu_()
    check(r, np.maximum(a, 0), ember.float32)
    r.neg_().abs_().sigmoid_()
    check(r, 1 / (1 + np.exp(-np.maximum(a, 0).astype(np.float64))), ember.float32)
    p = make_tensor(np.array([1.0, 2.0, 3.0], np.float32))
    p.pow_(2)
    check(p, np.array([1.0, 4.0, 9.0]), ember.float32)
    names = ember._ops.elementwise.__all__
    assert "add" in names and "where" in names and "clip" in names
    for name in names:
        assert hasattr(ember, name)


def test_bad_operands():
    t = make_tensor(np.ones(2, np.float32))
    with pytest.raises(TypeError):
        t + "a"
    with pytest.raises(TypeError):
        t < None
    assert (t == "a") is False
    with pytest.raises(TypeError):
        ember.where(make_tensor(np.array([True, False])), t, "x")


def test_large_inplace_with_transposed_self():
    a = f32((300, 300))
    t = make_tensor(a)
    t.add_(t.t())
    check(t, a + a.T, ember.float32)
    t = make_tensor(a)
    t.t().mul_(make_tensor(a))
    check(t, a * a.T, ember.float32)


def test_nan_and_inf_through_operators():
    t = make_tensor(np.array([math.inf, -math.inf, math.nan, 0.0], np.float32))
    with np.errstate(all="ignore"):
        check(t * 0, np.array([math.nan, math.nan, math.nan, 0.0]), ember.float32)
        check(1 / t, np.array([0.0, -0.0, math.nan, math.inf]), ember.float32)
