"""nn.utils gradient clipping and parameter/vector conversion against torch.nn.utils: the same
total norms (value and dtype) and clipped gradients for every norm type and floating dtype
(mixed too), the same errors and warnings, and signatures as torch 2.13's."""
import inspect
import math

import numpy as np
import pytest

import ember
from ember import nn

torch = pytest.importorskip("torch")

NAMES = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_",
         "parameters_to_vector", "vector_to_parameters"]


@pytest.mark.parametrize("name", NAMES)
def test_signatures_match_torch(name):
    ours = inspect.signature(getattr(nn.utils, name))
    theirs = inspect.signature(getattr(torch.nn.utils, name))
    assert [(p.name, p.default, p.kind) for p in ours.parameters.values()] == \
        [(p.name, p.default, p.kind) for p in theirs.parameters.values()]


def _pairs(dtypes, seed=0, shapes=((3, 4), (5,), (), (2, 0))):
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for shape, dtype in zip(shapes, dtypes):
        value = rng.standard_normal(shape).astype(np.float32)
        grad = (rng.standard_normal(shape) * 3).astype(np.float32)
        p = nn.Parameter(ember.tensor(value).to(getattr(ember, dtype)))
        tp = torch.nn.Parameter(torch.tensor(value).to(getattr(torch, dtype)))
        p.grad, tp.grad = ember.tensor(grad).to(p.dtype), torch.tensor(grad).to(tp.dtype)
        ours.append(p)
        theirs.append(tp)
    return ours, theirs


def _same_dtype(a, b):
    return str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]


def _assert_grads_match(ours, theirs, rtol):
    for p, tp in zip(ours, theirs):
        assert _same_dtype(p.grad, tp.grad)
        np.testing.assert_allclose(p.grad.float().numpy(), tp.grad.float().numpy(), rtol=rtol, atol=0)


DTYPES = {"float32": ["float32"] * 4, "float64": ["float64"] * 4, "float16": ["float16"] * 4,
          "bfloat16": ["bfloat16"] * 4, "mixed": ["float16", "float32", "float64", "bfloat16"]}


@pytest.mark.parametrize("dtypes", DTYPES, ids=list(DTYPES))
@pytest.mark.parametrize("norm_type", [2.0, 1, 0.5, 3, 0, "inf", "-inf"])
@pytest.mark.parametrize("max_norm", [1.0, 1e6])
def test_clip_grad_norm_matches_torch(dtypes, norm_type, max_norm):
    norm_type = float(norm_type)
    # The empty gradient has no inf/-inf norm (both libraries raise), so it joins finite orders only.
    shapes = ((3, 4), (5,), (), (2, 0)) if math.isfinite(norm_type) else ((3, 4), (5,), (), (1,))
    ours, theirs = _pairs(DTYPES[dtypes], shapes=shapes)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert _same_dtype(total, ttotal)
    np.testing.assert_allclose(total.float().numpy(), ttotal.float().numpy(), rtol=1e-6)
    _assert_grads_match(ours, theirs, rtol=3e-7)


def test_get_total_norm_and_clip_grads_with_norm_match_torch():
    ours, theirs = _pairs(["float32"] * 4)
    total = nn.utils.get_total_norm([p.grad for p in ours], 3.0, foreach=False)
    ttotal = torch.nn.utils.get_total_norm([p.grad for p in theirs], 3.0, foreach=False)
    np.testing.assert_allclose(total.numpy(), ttotal.numpy(), rtol=1e-6)
    nn.utils.clip_grads_with_norm_(ours, 2.0, total, foreach=True)
    torch.nn.utils.clip_grads_with_norm_(theirs, 2.0, ttotal, foreach=True)
    _assert_grads_match(ours, theirs, rtol=3e-7)
    # A single tensor is accepted where an iterable is.
    one = nn.utils.get_total_norm(ours[0].grad)
    np.testing.assert_allclose(one.numpy(), torch.nn.utils.get_total_norm(theirs[0].grad).numpy(), rtol=1e-6)


def test_no_gradients():
    p, tp = nn.Parameter(ember.ones(3)), torch.nn.Parameter(torch.ones(3))
    total, ttotal = nn.utils.clip_grad_norm_([p], 1.0), torch.nn.utils.clip_grad_norm_([tp], 1.0)
    assert total.item() == ttotal.item() == 0.0 and _same_dtype(total, ttotal)
    assert p.grad is None
    with pytest.warns(UserWarning, match="`parameters` is an empty generator"):
        nn.utils.clip_grad_norm_((q for q in []), 1.0)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_error_if_nonfinite_matches_torch(bad):
    for lib, make in ((ember, nn.Parameter), (torch, torch.nn.Parameter)):
        p = make(lib.ones(3))
        p.grad = lib.tensor([1.0, bad, 2.0])
        with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                               "non-finite, so it cannot be clipped"):
            lib.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
        total = lib.nn.utils.clip_grad_norm_(p, 1.0)  # without the check, the gradients take the NaN scale
        assert not math.isfinite(total.item())


def test_clip_grad_norm_is_not_recorded_by_autograd():
    p = nn.Parameter(ember.ones(3))
    p.grad = ember.full((3,), 5.0)
    total = nn.utils.clip_grad_norm_(p, 1.0)
    assert total.grad_fn is None and p.grad.grad_fn is None and p.is_leaf


def test_deprecated_clip_grad_norm_warns():
    ours, theirs = _pairs(["float32"] * 4)
    with pytest.warns(FutureWarning, match="deprecated in favor of"):
        total = nn.utils.clip_grad_norm(ours, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_allclose(total.numpy(), ttotal.numpy(), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("clip_value", [0.5, 2])
def test_clip_grad_value_matches_torch(dtype, clip_value):
    ours, theirs = _pairs([dtype] * 4, seed=1)
    assert nn.utils.clip_grad_value_(ours, clip_value, foreach=None) is None
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    _assert_grads_match(ours, theirs, rtol=0)
    single = nn.Parameter(ember.ones(2))
    single.grad = ember.tensor([-3.0, 0.25])
    nn.utils.clip_grad_value_(single, 1)
    np.testing.assert_array_equal(single.grad.numpy(), [-1.0, 0.25])


def test_parameters_to_vector_and_back_match_torch():
    ours, theirs = _pairs(["float32"] * 3, shapes=((3, 4), (5,), ()))
    vec, tvec = nn.utils.parameters_to_vector(ours), torch.nn.utils.parameters_to_vector(theirs)
    np.testing.assert_array_equal(vec.detach().numpy(), tvec.detach().numpy())
    # Differentiable: the gradient of a function of the vector reaches the parameters.
    for p in ours:
        p.grad = None
    (vec * ember.arange(vec.numel(), dtype=vec.dtype)).sum().backward()
    np.testing.assert_array_equal(ours[1].grad.numpy(), np.arange(12, 17, dtype=np.float32))
    new = np.arange(18, dtype=np.float32) / 7
    nn.utils.vector_to_parameters(ember.tensor(new), ours)
    torch.nn.utils.vector_to_parameters(torch.tensor(new), theirs)
    for p, tp in zip(ours, theirs):
        assert tuple(p.shape) == tuple(tp.shape)
        np.testing.assert_array_equal(p.detach().numpy(), tp.detach().numpy())
    with pytest.raises(TypeError, match="expected ember.Tensor, but got: ndarray"):
        nn.utils.vector_to_parameters(new, ours)
