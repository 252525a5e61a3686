"""The Tensor-only methods of torch's surface (in-place forms, geometry changes, resize_,
fill_diagonal_, sum_to_size, type_as, ...) and the gradients the op database does not check
(mode, in-place forms while recording), against torch 2.13 where it is installed."""
import numpy as np
import pytest

import ember
from ember.autograd import gradcheck


def _libs():
    try:
        import torch
        return (ember, torch)
    except ImportError:
        return (ember,)


def _same(make):
    results = []
    for m in _libs():
        r = make(m)
        results.append([x.tolist() if hasattr(x, "tolist") else x for x in (r if isinstance(r, tuple) else (r,))])
    for other in results[1:]:
        assert other == results[0], results
    return results[0]


# ---- in-place forms of the composites ------------------------------------------------------------

INPLACE = [
    lambda m: m.tensor([0.2, 0.5, 0.9]).logit_(),
    lambda m: m.tensor([0.0, 0.5, 1.5]).sinc_(),
    lambda m: m.tensor([-2.0, 0.0, 3.0]).sgn_(),
    lambda m: m.tensor([2.0, 3.0], dtype=m.float64).float_power_(2),
    lambda m: m.tensor([-1.0, 0.0, 2.0]).heaviside_(m.tensor([0.5, 0.5, 0.5])),
    lambda m: m.tensor([12, 18]).gcd_(m.tensor([8, 12])),
    lambda m: m.tensor([4, 6]).lcm_(m.tensor([6, 4])),
    lambda m: m.tensor([1.0, 2.0]).ldexp_(m.tensor([3, -1])),
    lambda m: m.zeros(2, 3).addr_(m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0]), alpha=2),
    lambda m: m.tensor([[3.0, 4.0], [0.3, 0.4]]).renorm_(2, 0, 1),
    lambda m: m.tensor([1.0, 2.0, 3.0]).cumsum_(0),
    lambda m: m.tensor([[1, 2], [3, 4]]).cumprod_(1),
    lambda m: m.tensor([[1, 2], [3, 4]]).put_(m.tensor([-1, 0]), m.tensor([9, 8])),
    lambda m: m.ones(3).scatter_reduce_(0, m.tensor([0, 1, 0]), m.tensor([5.0, 2.0, 7.0]), "amax"),
    lambda m: m.ones(3).scatter_reduce_(0, m.tensor([0, 1, 0]), m.tensor([5.0, 2.0, 7.0]), "sum",
                                        include_self=False),
]


@pytest.mark.parametrize("case", range(len(INPLACE)))
def test_inplace_forms_match_torch_and_return_self(case):
    _same(INPLACE[case])
    t = ember.tensor([0.2, 0.5, 0.9])
    assert t.logit_() is t


def test_inplace_forms_record_when_tensors_require_grad():
    x = ember.tensor([0.2, 0.5, 0.7], dtype=ember.float64, requires_grad=True)
    y = x * 1.0
    y.logit_()
    y.sum().backward()
    expected = 1.0 / (x.detach() * (1 - x.detach()))
    assert ember.allclose(x.grad, expected)
    x.grad = None
    z = x * 2
    z.cumsum_(0)
    z.sum().backward()
    assert x.grad.tolist() == [6.0, 4.0, 2.0]
    with pytest.raises(RuntimeError, match="leaf"):
        x.logit_()
    w = ember.ones(4, dtype=ember.float64, requires_grad=True)
    y = w * 2
    y.put_(ember.tensor([0]), ember.tensor([5.0], dtype=ember.float64))
    y.scatter_reduce_(0, ember.tensor([1, 1]), ember.tensor([1.0, 9.0], dtype=ember.float64), "amax")
    (y * ember.arange(1.0, 5.0, dtype=ember.float64)).sum().backward()
    assert y.tolist() == [5.0, 9.0, 2.0, 2.0] and w.grad.tolist() == [0.0, 0.0, 6.0, 8.0]


def test_inplace_form_refuses_a_float_result_into_ints():
    with pytest.raises(TypeError, match="logit_"):
        ember.tensor([1, 2]).logit_()


# ---- geometry changes in place ----------------------------------------------------------------------

GEOMETRY = [
    lambda m: tuple(m.zeros(2, 1, 3).squeeze_().shape),
    lambda m: tuple(m.zeros(2, 1, 3).squeeze_(1).shape),
    lambda m: tuple(m.zeros(2, 3).unsqueeze_(0).shape),
    lambda m: (tuple(m.zeros(2, 3).t_().shape), m.zeros(2, 3).t_().stride()),
    lambda m: tuple(m.zeros(2, 3, 4).transpose_(0, 2).shape),
    lambda m: tuple(m.zeros(2, 3, 4).swapaxes_(0, 1).shape),
    lambda m: tuple(m.zeros(2, 3, 4).swapdims_(1, 2).shape),
]


@pytest.mark.parametrize("case", range(len(GEOMETRY)))
def test_geometry_changes_match_torch(case):
    _same(GEOMETRY[case])


def test_geometry_changes_keep_the_storage_and_record():
    t = ember.arange(6.0).reshape(2, 3)
    same = t.t_()
    assert same is t and t.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    t[0, 1] = 10.0  # still the original storage: a view's write is seen through the old layout
    x = ember.randn(2, 1, dtype=ember.float64, requires_grad=True)
    y = x * 3
    y.squeeze_()
    assert tuple(y.shape) == (2,)
    (y * ember.tensor([1.0, 2.0], dtype=ember.float64)).sum().backward()
    assert x.grad.tolist() == [[3.0], [6.0]]
    for m in _libs():
        leaf = m.zeros(2, 1, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            leaf.squeeze_()


# ---- resize_ ------------------------------------------------------------------------------------

def test_resize_like_torch():
    for m in _libs():
        t = m.tensor([1, 2, 3, 4])
        assert t.resize_(3).tolist() == [1, 2, 3]
        t = m.tensor([1, 2, 3, 4])
        t.resize_(2, 3)
        assert tuple(t.shape) == (2, 3) and t.reshape(-1)[:4].tolist() == [1, 2, 3, 4]
        t = m.tensor([1, 2, 3, 4])
        assert t.resize_as_(m.ones(2, 2)).tolist() == [[1, 2], [3, 4]]
        with pytest.raises(RuntimeError, match="require grad"):
            m.ones(2, requires_grad=True).resize_(3)


def test_resize_shrink_shares_storage_and_out_arguments_resize():
    base = ember.arange(6)
    t = base.view(6)
    t.resize_(2, 2)
    t[0, 0] = 100
    assert base[0].item() == 100
    out = ember.empty(0)
    ember.zeros(2, 3, out=out)
    assert tuple(out.shape) == (2, 3) and (out == 0).all()


# ---- fill_diagonal_, sum_to_size, type_as ---------------------------------------------------------

FILL = [
    lambda m: m.zeros(3, 3).fill_diagonal_(5),
    lambda m: m.zeros(7, 3).fill_diagonal_(5, wrap=True),
    lambda m: m.zeros(7, 3).fill_diagonal_(5),
    lambda m: m.zeros(3, 5).fill_diagonal_(2.5, wrap=True),
    lambda m: m.zeros(2, 2, 2).fill_diagonal_(5),
    lambda m: m.zeros(4, 3).t().fill_diagonal_(1),
    lambda m: m.zeros(0, 3).fill_diagonal_(1),
]


@pytest.mark.parametrize("case", range(len(FILL)))
def test_fill_diagonal_matches_torch(case):
    _same(FILL[case])


def test_fill_diagonal_errors_and_grad():
    for m in _libs():
        with pytest.raises(RuntimeError, match="equal length"):
            m.zeros(2, 3, 2).fill_diagonal_(1)
        with pytest.raises(RuntimeError, match="larger than 1"):
            m.zeros(3).fill_diagonal_(1)
    x = ember.ones(3, 3, dtype=ember.float64, requires_grad=True)
    y = x * 2
    y.fill_diagonal_(0)
    y.sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0, 2.0], [2.0, 0.0, 2.0], [2.0, 2.0, 0.0]]


SUM_TO_SIZE = [
    lambda m: m.arange(24.0).reshape(2, 3, 4).sum_to_size(3, 1),
    lambda m: m.arange(24.0).reshape(2, 3, 4).sum_to_size((1, 3, 4)),
    lambda m: m.arange(6.0).reshape(2, 3).sum_to_size(2, 3),
    lambda m: m.arange(6.0).reshape(2, 3).sum_to_size(m.Size([1])),
]


@pytest.mark.parametrize("case", range(len(SUM_TO_SIZE)))
def test_sum_to_size_matches_torch(case):
    _same(SUM_TO_SIZE[case])


def test_sum_to_size_errors_and_grad():
    for m in _libs():
        with pytest.raises(RuntimeError, match="expandable"):
            m.ones(2, 3, 4).sum_to_size(2, 1)
    x = ember.randn(2, 3, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda t: t.sum_to_size(1, 3), (x,))


def test_type_as_and_ravel_method():
    _same(lambda m: (str(m.ones(2).type_as(m.ones(1, dtype=m.int64)).dtype).split(".")[-1],
                     m.arange(6).reshape(2, 3).t().ravel()))
    x = ember.randn(3, dtype=ember.float64, requires_grad=True)
    y = x.type_as(ember.ones(1, dtype=ember.float32))
    assert y.dtype == ember.float32 and y.requires_grad


# ---- gradients of mode and scatter_reduce, and their refusals ---------------------------------------

def test_mode_values_are_differentiable_through_gather():
    x = ember.tensor([[1.0, 2.0, 2.0, 3.0], [4.0, 4.0, 1.0, 1.0]], dtype=ember.float64, requires_grad=True)
    values, indices = ember.mode(x, 1)
    assert indices.tolist() == [2, 3] and values.tolist() == [2.0, 1.0]
    values.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    torch = _libs()[-1]
    if torch is not ember:
        t = torch.tensor(x.detach().numpy(), requires_grad=True)
        torch.mode(t, 1).values.sum().backward()
        assert t.grad.tolist() == x.grad.tolist()


def test_scatter_reduce_prod_refuses_gradients():
    x = ember.ones(3, requires_grad=True)
    with pytest.raises(NotImplementedError, match="prod"):
        ember.scatter_reduce(x, 0, ember.tensor([0]), ember.ones(1), "prod")


def test_take_and_nansum_gradients():
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda t: ember.take(t, ember.tensor([[0, -1], [5, 5]])), (x,))
    a = np.array([[1.0, np.nan], [2.0, 3.0]])
    t = ember.tensor(a, requires_grad=True)
    ember.nansum(t).backward()
    assert t.grad.tolist() == [[1.0, 0.0], [1.0, 1.0]]
