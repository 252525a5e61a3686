"""pad_backward, the gradient kernel of nn.functional.pad: finite differences in float64 and
torch.autograd."""
import numpy as np
import pytest

import ember
from conftest import to_numpy
from op_db import assert_vjp
from ember.nn.functional.padding import pad_backward

F = ember.nn.functional

CASES = [
    ((2, 5), (2, 3), "reflect"),
    ((1, 2, 4), (3, 1), "reflect"),
    ((1, 2, 3, 4), (2, 1, 1, 2), "reflect"),
    ((1, 1, 3, 3, 4), (1, 1, 2, 0, 1, 2), "reflect"),
    ((2, 3), (3, 4), "replicate"),
    ((1, 2, 3, 4), (2, 1, 1, 3), "replicate"),
    ((1, 1, 2, 2, 3), (1, 2, 1, 1, 2, 1), "replicate"),
    ((2, 4), (4, 2), "circular"),
    ((1, 2, 3, 4), (2, 1, 3, 1), "circular"),
    ((1, 1, 2, 3, 2), (1, 1, 2, 1, 1, 0), "circular"),
    ((2, 6), (-1, 2), "reflect"),
    ((2, 6), (2, -3), "replicate"),
    ((2, 6), (-2, 1), "circular"),
    ((2, 3, 4), (1, 2, 0, 1), "constant"),
    ((3, 5), (-1, 2, 1, -2), "constant"),
]


def _ids(case):
    return f"{case[2]}-{'x'.join(map(str, case[0]))}-{'_'.join(map(str, case[1]))}"


@pytest.mark.parametrize("shape,pad,mode", CASES, ids=[_ids(c) for c in CASES])
def test_pad_backward_finite_differences(shape, pad, mode):
    rng = np.random.default_rng(0)
    x = ember.tensor(rng.standard_normal(shape), dtype=ember.float64)
    out_shape = tuple(F.pad(x, pad, mode=mode).shape)
    grad = rng.standard_normal(out_shape)
    assert_vjp(lambda t: F.pad(t, pad, mode=mode),
               lambda g, t: pad_backward(g, t.shape, pad, mode), [x], grad)


@pytest.mark.parametrize("shape,pad,mode", CASES, ids=[_ids(c) for c in CASES])
def test_pad_backward_matches_torch(shape, pad, mode):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.pad(tx, pad, mode=mode)
    grad = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ty.backward(torch.tensor(grad))
    got = pad_backward(ember.tensor(grad), shape, pad, mode)
    assert got.dtype == ember.float32 and tuple(got.shape) == shape
    np.testing.assert_allclose(to_numpy(got), tx.grad.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16, ember.float64])
def test_pad_backward_dtypes(dtype):
    g = ember.ones((1, 2, 7), dtype=dtype)
    got = pad_backward(g, (1, 2, 4), (2, 1), "reflect")
    assert got.dtype == dtype
    # positions 1, 2 receive the left pad's reflection; position 2 the right one's too
    np.testing.assert_array_equal(to_numpy(got).astype(np.float64)[0, 0], [1, 2, 3, 1])


def test_pad_backward_non_contiguous_grad():
    rng = np.random.default_rng(2)
    g = ember.tensor(rng.standard_normal((7, 2)), dtype=ember.float64).t()  # shape (2, 7)
    got = pad_backward(g, (2, 4), (2, 1), "circular")
    want = pad_backward(g.contiguous(), (2, 4), (2, 1), "circular")
    np.testing.assert_array_equal(to_numpy(got), to_numpy(want))


def test_pad_backward_bad_grad_shape():
    g = ember.ones((2, 6))
    before = to_numpy(g).copy()
    with pytest.raises(ValueError, match=r"grad_output has shape \[2, 6\]"):
        pad_backward(g, (2, 4), (2, 1), "reflect")
    np.testing.assert_array_equal(to_numpy(g), before)
