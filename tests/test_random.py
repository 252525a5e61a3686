"""Random numbers: reproducible from a seed, in range, with the right moments.

Values are never compared with PyTorch's: the generators differ. Moment checks use
100k samples and bounds of several standard errors, so they do not flake.
"""
import math

import numpy as np
import pytest

import ember
from conftest import dtype_name, to_numpy

N = 100_000


def _draw(fn):
    ember.manual_seed(1234)
    return to_numpy(fn())


GENERATORS = [
    pytest.param(lambda: ember.rand(1000), id="rand"),
    pytest.param(lambda: ember.randn(1000), id="randn"),
    pytest.param(lambda: ember.randint(0, 100, (1000,)), id="randint"),
    pytest.param(lambda: ember.randperm(1000), id="randperm"),
    pytest.param(lambda: ember.empty(1000).normal_(0, 1), id="normal_"),
    pytest.param(lambda: ember.empty(1000).uniform_(-1, 1), id="uniform_"),
    pytest.param(lambda: ember.bernoulli(ember.full((1000,), 0.5)), id="bernoulli"),
    pytest.param(lambda: ember.rand_like(ember.zeros(1000)), id="rand_like"),
    pytest.param(lambda: ember.randn_like(ember.zeros(1000)), id="randn_like"),
]


@pytest.mark.parametrize("fn", GENERATORS)
def test_same_seed_gives_same_numbers(fn):
    first, second = _draw(fn), _draw(fn)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("fn", GENERATORS)
def test_different_seeds_give_different_numbers(fn):
    ember.manual_seed(1)
    first = to_numpy(fn())
    ember.manual_seed(2)
    second = to_numpy(fn())
    assert not np.array_equal(first, second)


def test_successive_draws_differ():
    ember.manual_seed(0)
    assert not np.array_equal(to_numpy(ember.rand(100)), to_numpy(ember.rand(100)))


def test_rand_shapes_and_dtypes():
    assert ember.rand(2, 3).shape == (2, 3)
    assert ember.rand((4,)).shape == (4,)
    assert ember.rand(2, 3).dtype == ember.float32
    assert ember.rand(5, dtype=ember.float64).dtype == ember.float64
    assert ember.randn(3, 2, dtype=ember.float64).shape == (3, 2)
    assert ember.rand(0).shape == (0,)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16],
                         ids=dtype_name)
def test_rand_is_uniform_on_zero_one(dtype):
    ember.manual_seed(0)
    x = to_numpy(ember.rand(N, dtype=dtype)).astype(np.float64)
    assert x.min() >= 0.0 and x.max() <= 1.0
    if dtype in (ember.float32, ember.float64):
        assert x.max() < 1.0
    assert abs(x.mean() - 0.5) < 0.01
    assert abs(x.std() - math.sqrt(1 / 12)) < 0.01
    counts, _ = np.histogram(x, bins=10, range=(0, 1))
    assert counts.min() > N / 10 * 0.9


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64], ids=dtype_name)
def test_randn_is_standard_normal(dtype):
    ember.manual_seed(0)
    x = to_numpy(ember.randn(N, dtype=dtype))
    assert x.dtype == np.dtype(dtype_name(dtype))
    assert abs(x.mean()) < 0.02
    assert abs(x.std() - 1.0) < 0.02
    assert abs((np.abs(x) < 1).mean() - 0.6827) < 0.01
    assert np.isfinite(x).all()


def test_randint_range_and_dtype():
    ember.manual_seed(0)
    t = ember.randint(-3, 7, (N,))
    assert t.dtype == ember.int64
    x = to_numpy(t)
    assert x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3)
    assert len(counts) == 10 and counts.min() > N / 10 * 0.9


def test_randint_with_only_high_and_dtype():
    ember.manual_seed(0)
    t = ember.randint(5, (2, 50))
    assert t.shape == (2, 50)
    x = to_numpy(t)
    assert x.min() >= 0 and x.max() <= 4
    assert ember.randint(0, 10, (3,), dtype=ember.int32).dtype == ember.int32


@pytest.mark.parametrize("n", [0, 1, 2, 10, 1000, 70_000])
def test_randperm_is_a_permutation(n):
    ember.manual_seed(n)
    t = ember.randperm(n)
    assert t.dtype == ember.int64
    assert t.shape == (n,)
    np.testing.assert_array_equal(np.sort(to_numpy(t)), np.arange(n))


def test_randperm_is_shuffled():
    ember.manual_seed(0)
    p = to_numpy(ember.randperm(1000))
    assert (p == np.arange(1000)).mean() < 0.05


def test_normal_inplace_moments():
    ember.manual_seed(0)
    t = ember.empty(N, dtype=ember.float64)
    ptr = t.data_ptr()
    result = t.normal_(2.0, 3.0)
    assert result.data_ptr() == ptr
    x = to_numpy(t)
    assert abs(x.mean() - 2.0) < 0.06
    assert abs(x.std() - 3.0) < 0.06


def test_normal_inplace_defaults_and_keyword_arguments():
    ember.manual_seed(0)
    x = to_numpy(ember.empty(N).normal_())
    assert abs(x.mean()) < 0.02 and abs(x.std() - 1.0) < 0.02
    y = to_numpy(ember.empty(N).normal_(mean=-1.0, std=0.5))
    assert abs(y.mean() + 1.0) < 0.01 and abs(y.std() - 0.5) < 0.01


def test_uniform_inplace_bounds_and_moments():
    ember.manual_seed(0)
    t = ember.empty(N)
    ptr = t.data_ptr()
    result = t.uniform_(-1.0, 3.0)
    assert result.data_ptr() == ptr
    x = to_numpy(t)
    assert x.min() >= -1.0 and x.max() <= 3.0
    assert abs(x.mean() - 1.0) < 0.03
    assert abs(x.std() - 4 / math.sqrt(12)) < 0.03
    y = to_numpy(ember.empty(N).uniform_())
    assert y.min() >= 0.0 and y.max() <= 1.0


def test_inplace_random_fills_a_strided_view_only():
    ember.manual_seed(0)
    t = ember.zeros(100, 100)
    t[:, ::2].uniform_(1.0, 2.0)
    x = to_numpy(t)
    assert (x[:, 1::2] == 0).all()
    assert (x[:, ::2] >= 1.0).all()


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_bernoulli(p):
    ember.manual_seed(0)
    probs = ember.full((N,), p)
    t = ember.bernoulli(probs)
    assert t.dtype == ember.float32 and t.shape == (N,)
    x = to_numpy(t)
    assert set(np.unique(x)) <= {0.0, 1.0}
    assert abs(x.mean() - p) < 0.01


def test_bernoulli_uses_each_probability():
    ember.manual_seed(0)
    probs = ember.tensor([[0.0, 1.0, 0.5]]).expand(N // 4, 3).contiguous()
    x = to_numpy(ember.bernoulli(probs))
    assert (x[:, 0] == 0).all() and (x[:, 1] == 1).all()
    assert abs(x[:, 2].mean() - 0.5) < 0.02


def test_manual_seed_also_drives_normal_and_randint():
    ember.manual_seed(7)
    a = (to_numpy(ember.randn(10)), to_numpy(ember.randint(0, 9, (10,))),
         to_numpy(ember.randperm(10)))
    ember.manual_seed(7)
    b = (to_numpy(ember.randn(10)), to_numpy(ember.randint(0, 9, (10,))),
         to_numpy(ember.randperm(10)))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
