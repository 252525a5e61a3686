"""Focused tests for ember.nn.functional ops of nn/functional/composites.py that the op database cannot express:
running-statistics updates of instance_norm, unfold/fold as adjoints, and zero-size shapes."""
import numpy as np
import pytest

import ember
from conftest import make_tensor, to_numpy

F = ember.nn.functional


def test_instance_norm_updates_running_stats_like_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 4, 5))
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    rm, rv = make_tensor(mean.copy()), make_tensor(var.copy())
    trm, trv = torch.tensor(mean.copy()), torch.tensor(var.copy())
    out = F.instance_norm(make_tensor(x), rm, rv, momentum=0.2)
    expected = torch.nn.functional.instance_norm(torch.tensor(x), trm, trv, momentum=0.2)
    np.testing.assert_allclose(to_numpy(out), expected.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_numpy(rm), trm.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(to_numpy(rv), trv.numpy(), rtol=1e-10, atol=1e-12)


def test_instance_norm_eval_leaves_running_stats():
    rm, rv = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    F.instance_norm(ember.randn(2, 3, 4, dtype=ember.float64), rm, rv, use_input_stats=False)
    assert to_numpy(rm).tolist() == [0.0] * 3 and to_numpy(rv).tolist() == [1.0] * 3


def test_fold_is_the_adjoint_of_unfold():
    # <unfold(x), y> == <x, fold(y)> for any x, y: fold sums overlapping blocks back.
    rng = np.random.default_rng(1)
    args = dict(kernel_size=(3, 2), dilation=(1, 2), padding=(1, 2), stride=(2, 1))
    x = make_tensor(rng.normal(size=(2, 3, 6, 5)))
    cols = F.unfold(x, **args)
    y = make_tensor(rng.normal(size=tuple(cols.shape)))
    lhs = float((cols * y).sum().item())
    rhs = float((x * F.fold(y, (6, 5), **args)).sum().item())
    assert lhs == pytest.approx(rhs, rel=1e-12)


def test_pixel_unshuffle_zero_size_shape():
    # The shape follows the formula even with no elements (PyTorch returns zero-size inputs as
    # they are).
    out = F.pixel_unshuffle(ember.zeros(0, 1, 4, 2), 2)
    assert tuple(out.shape) == (0, 4, 2, 1)
    assert tuple(F.pixel_shuffle(out, 2).shape) == (0, 1, 4, 2)


def test_one_hot_matches_eye_rows():
    idx = ember.tensor([[2, 0], [1, 2]])
    out = F.one_hot(idx)
    assert out.dtype == ember.int64
    np.testing.assert_array_equal(to_numpy(out), np.eye(3, dtype=np.int64)[to_numpy(idx)])


def _layout_cases():
    from op_db_nn_extra import ENTRIES
    return [pytest.param(e, id=e.name) for e in ENTRIES]


@pytest.mark.parametrize("entry", _layout_cases())
def test_noncontiguous_inputs_give_the_same_result_and_stay_unchanged(entry):
    # PyTorch is these ops' reference, so the generated forward test (which runs the
    # non-contiguous layouts) skips them; compare the two layouts with each other here.
    from conftest import assert_unchanged, snapshot
    from op_db import as_tuple, ember_args, tensors_in
    dtype = entry.dtypes[0] if ember.float64 not in entry.dtypes else ember.float64
    for sample in entry.samples(np.random.default_rng(2), dtype):
        if "running" in sample.name:
            continue  # updates its running-stat inputs on purpose
        args, kwargs = ember_args(sample, dtype)
        expected = as_tuple(entry.op(ember, *args, **kwargs))
        args, kwargs = ember_args(sample, dtype, noncontiguous=True)
        inputs = snapshot(*tensors_in(args), *tensors_in(kwargs))
        actual = as_tuple(entry.op(ember, *args, **kwargs))
        assert_unchanged(inputs)
        for a, e in zip(actual, expected):
            assert tuple(a.shape) == tuple(e.shape) and a.dtype == e.dtype, sample.name
            np.testing.assert_allclose(to_numpy(a), to_numpy(e), rtol=1e-12, atol=1e-12, err_msg=sample.name)


def test_softmin_implicit_dim_warns_and_uses_the_legacy_choice():
    x = ember.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 1.0]])
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = F.softmin(x)
    np.testing.assert_allclose(to_numpy(out), to_numpy(F.softmin(x, 1)), rtol=1e-6)
