"""Windows, logspace, torch.range and the math constants (ember/_ops/windows.py) against torch:
values for each length and periodicity, dtypes, requires_grad, and bad arguments."""
import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

WINDOWS = ["hann_window", "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("length", [0, 1, 2, 7, 8])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows_match_torch(name, length, periodic):
    for edtype, tdtype, tol in ((ember.float64, torch.float64, 1e-12), (ember.float32, torch.float32, 1e-6)):
        ours = getattr(ember, name)(length, periodic, dtype=edtype)
        theirs = getattr(torch, name)(length, periodic, dtype=tdtype)
        assert ours.dtype == edtype and tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=tol)
    assert getattr(ember, name)(4).dtype == ember.float32


def test_window_parameters_grad_and_errors():
    np.testing.assert_allclose(ember.hamming_window(9, False, 0.5, 0.5, dtype=ember.float64).numpy(),
                               torch.hamming_window(9, False, 0.5, 0.5, dtype=torch.float64).numpy(), atol=1e-12)
    np.testing.assert_allclose(ember.kaiser_window(9, True, 5.0, dtype=ember.float64).numpy(),
                               torch.kaiser_window(9, True, 5.0, dtype=torch.float64).numpy(), atol=1e-12)
    assert ember.hann_window(5, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="non-negative"):
        ember.hann_window(-1)
    with pytest.raises(TypeError, match="floating point"):
        ember.hann_window(4, dtype=ember.int64)
    with pytest.raises(TypeError, match="window_length"):
        ember.blackman_window(4.0)


@pytest.mark.parametrize("args,kwargs", [((-2, 3, 7), {}), ((0, 1, 5), dict(base=2.0)), ((1, -1, 4), {}),
                                         ((0, 2, 0), {}), ((0, 2, 1), {}), ((0, 3, 4), dict(dtype="float64"))])
def test_logspace_matches_torch(args, kwargs):
    ek = {k: (getattr(ember, v) if k == "dtype" else v) for k, v in kwargs.items()}
    tk = {k: (getattr(torch, v) if k == "dtype" else v) for k, v in kwargs.items()}
    ours, theirs = ember.logspace(*args, **ek), torch.logspace(*args, **tk)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="steps"):
        ember.logspace(0, 1, -1)


@pytest.mark.parametrize("args", [(1, 4), (1, 4, 0.5), (3, 0, -1), (0, 1, 0.3)])
def test_range_is_end_inclusive_and_warns(args):
    with pytest.warns(UserWarning, match="deprecated"):
        ours = ember.range(*args)
    with pytest.warns(UserWarning):
        theirs = torch.range(*args)
    assert ours.dtype == ember.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="step"):
        ember.range(0, 3, 0)
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="inconsistent"):
        ember.range(0, 3, -1)
    with pytest.warns(UserWarning), pytest.raises(TypeError, match="end"):
        ember.range(5)


def test_constants():
    assert ember.pi == math.pi and ember.e == math.e and ember.inf == math.inf and math.isnan(ember.nan)
    assert ember.newaxis is None and ember.ones(2)[:, ember.newaxis].shape == (2, 1)


@pytest.mark.parametrize("row,col,offset", [(3, 4, 0), (4, 3, -1), (3, 3, 2), (0, 3, 0), (3, 3, -5)])
def test_triangle_indices_match_torch(row, col, offset):
    for name in ("tril_indices", "triu_indices"):
        ours, theirs = getattr(ember, name)(row, col, offset), getattr(torch, name)(row, col, offset)
        assert ours.dtype == ember.int64 and ours.tolist() == theirs.tolist()
    assert ember.tril_indices(3, 3, dtype=ember.int32).dtype == ember.int32
    with pytest.raises(ValueError, match="non-negative"):
        ember.tril_indices(-1, 3)
    with pytest.raises(TypeError, match="row"):
        ember.triu_indices(2.0, 3)


def test_combinatorics_gradients():
    from ember.autograd import gradcheck
    rng = np.random.default_rng(0)
    leaf = lambda *s: ember.tensor(rng.uniform(-2, 2, s), dtype=ember.float64, requires_grad=True)
    a, b = leaf(3), leaf(2)
    assert gradcheck(lambda x, y: ember.cartesian_prod(x, y), (a, b))
    assert gradcheck(lambda x: ember.combinations(x, 2, True), (a,))
    assert gradcheck(lambda x: ember.vander(x, 4), (a,))
    assert gradcheck(lambda x, y: ember.rsub(x, y, alpha=3), (a, leaf(3)))
    assert gradcheck(lambda x, y, z: ember.chain_matmul(x, y, z), (leaf(2, 3), leaf(3, 2), leaf(2, 2)))
    assert gradcheck(lambda y: ember.trapz(y, 0.5, dim=0), (leaf(4, 2),))


@pytest.mark.parametrize("call", [lambda L, x: L.view_copy(x, (4, 3)), lambda L, x: L.split_copy(x, 2)[1],
                                  lambda L, x: L.unfold_copy(x, 1, 2, 2), lambda L, x: L.slice_copy(x, 1, 0, 3, 2),
                                  lambda L, x: L.diagonal_copy(x, 1), lambda L, x: L.permute_copy(x, (1, 0)),
                                  lambda L, x: L.expand_copy(x[:1], (2, 4)), lambda L, x: L.narrow_copy(x, 0, 1, 2)])
def test_view_copies_gradients_match_torch(call):
    values = np.random.default_rng(5).standard_normal((3, 4))
    ours = ember.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    (call(ember, ours) ** 2).sum().backward()
    (call(torch, theirs) ** 2).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
