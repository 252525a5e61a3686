"""Bad input to the reductions: the right exception, a message that names the op and what was
wrong, and the input left as it was."""
import numpy as np
import pytest

import ember
from conftest import make_tensor, to_numpy


@pytest.fixture
def t():
    return make_tensor(np.arange(6, dtype=np.float32).reshape(2, 3))


@pytest.mark.parametrize("call", [
    lambda t: t.sum(2), lambda t: t.mean(-3), lambda t: t.prod(5), lambda t: t.amax((0, 2)),
    lambda t: t.amin(-4), lambda t: t.max(2), lambda t: t.min(-3), lambda t: t.argmax(2),
    lambda t: t.argmin(-3), lambda t: t.all(2), lambda t: t.any(3), lambda t: t.var(2),
    lambda t: t.std((0, 9)), lambda t: t.logsumexp(2), lambda t: t.norm(dim=2), lambda t: t.cumsum(2),
    lambda t: t.cumprod(-3), lambda t: t.softmax(2), lambda t: t.log_softmax(-3),
])
def test_dim_out_of_range(t, call):
    before = to_numpy(t)
    with pytest.raises(IndexError, match="out of range"):
        call(t)
    np.testing.assert_array_equal(to_numpy(t), before)


def test_out_of_range_message_names_op(t):
    with pytest.raises(IndexError, match=r"sum: dimension 2 out of range.*\[-2, 1\]"):
        t.sum(2)


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "amax", "amin", "all", "any", "var", "std",
                                "logsumexp", "norm"])
def test_repeated_dim(t, op):
    with pytest.raises(ValueError, match="multiple times"):
        getattr(ember, op)(t, dim=(0, -2)) if op != "norm" else ember.norm(t, 2, (0, -2))


def test_empty_without_identity():
    e = ember.zeros(0, 3)
    with pytest.raises(RuntimeError, match=r"max\(\): Expected reduction dim to be specified"):
        e.max()
    with pytest.raises(RuntimeError, match=r"amin\(\): Expected reduction dim to be specified"):
        e.amin()
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 0 to have non-zero size"):
        e.amax(0)
    with pytest.raises(IndexError, match=r"max\(\): Expected reduction dim 0 to have non-zero size"):
        e.max(0)
    with pytest.raises(IndexError, match=r"min\(\): Expected reduction dim 0"):
        e.min(dim=0)
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified"):
        e.argmax()
    with pytest.raises(IndexError, match=r"argmin\(\): Expected reduction dim 0"):
        e.argmin(0)
    with pytest.raises(RuntimeError, match="inf norm on an empty tensor"):
        e.norm(float("inf"), 0)
    with pytest.raises(RuntimeError, match="-inf norm on an empty tensor"):
        e.norm(float("-inf"))


def test_wrong_dtypes():
    i = make_tensor(np.arange(4, dtype=np.int32))
    with pytest.raises(TypeError, match=r"mean\(\): could not infer output dtype.*int32"):
        i.mean()
    with pytest.raises(TypeError, match=r"Optional dtype must be either a floating point.*int64"):
        ember.mean(i, dtype=ember.int64)
    with pytest.raises(TypeError, match="std and var only support floating point.*int32"):
        i.var()
    with pytest.raises(TypeError, match="vector_norm.*int32"):
        i.norm()
    with pytest.raises(TypeError, match="softmax.*int32"):
        i.softmax(0)
    with pytest.raises(TypeError, match="log_softmax.*int32"):
        i.log_softmax(0)
    with pytest.raises(TypeError, match=r"argmax\(\): does not support bool"):
        make_tensor(np.array([True, False])).argmax()
    np.testing.assert_array_equal(to_numpy(i), np.arange(4))


def test_bad_arguments(t):
    with pytest.raises(TypeError):
        ember.sum([1, 2, 3])
    with pytest.raises(TypeError):
        t.max(dim=(0, 1))
    with pytest.raises(TypeError):
        t.argmax(dim=1.5)
    with pytest.raises(TypeError):
        t.sum(dim="x")
    with pytest.raises(TypeError):
        ember.softmax(t)  # dim is required
    with pytest.raises(NotImplementedError):
        t.norm(p="nuc")


def test_max_of_two_tensors(t):
    if not hasattr(ember._C, "maximum"):
        pytest.skip("the elementwise family provides maximum")
    u = make_tensor(np.array([[5, 0, 5], [0, 9, 0]], np.float32))
    np.testing.assert_array_equal(to_numpy(ember.max(t, u)), np.maximum(to_numpy(t), to_numpy(u)))
    np.testing.assert_array_equal(to_numpy(t.min(u)), np.minimum(to_numpy(t), to_numpy(u)))
