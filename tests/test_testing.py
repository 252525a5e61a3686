"""ember.testing against torch.testing: the same inputs pass or fail alike, with the same
exception type and message (ember's names in place of torch's)."""
import math
import warnings

import numpy as np
import pytest

import ember
from ember.testing import assert_allclose, assert_close, make_tensor

torch = pytest.importorskip("torch")

# Each case builds its inputs with `lib` (ember or torch) and gives assert_close's keywords.
CASES = {
    "equal": lambda L: ((L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0])), {}),
    "within default tolerance": lambda L: ((L.tensor([1.0, 2.0]), L.tensor([1.0, 2.0 + 1e-6])), {}),
    "one element off": lambda L: ((L.tensor([1.0, 2.0, 3.0]), L.tensor([1.0, 2.5, 3.0])), {}),
    "2-d index": lambda L: ((L.tensor([[1.0, 2.0], [3.0, 4.0]]), L.tensor([[1.0, 2.0], [3.0, 5.0]])), {}),
    "float64 tolerances": lambda L: ((L.tensor([1.0], dtype=L.float64), L.tensor([1.0 + 1e-6], dtype=L.float64)), {}),
    "float16 tolerances": lambda L: ((L.tensor([1.0], dtype=L.float16), L.tensor([1.001], dtype=L.float16)), {}),
    "integers exact": lambda L: ((L.tensor([1, 2]), L.tensor([1, 3])), {}),
    "bool": lambda L: ((L.tensor([True]), L.tensor([False])), {}),
    "shape": lambda L: ((L.tensor([1.0]), L.tensor([1.0, 2.0])), {}),
    "dtype": lambda L: ((L.tensor([1.0]), L.tensor([1.0], dtype=L.float64)), {}),
    "dtype unchecked": lambda L: ((L.tensor([1.0]), L.tensor([1], dtype=L.int64)), dict(check_dtype=False)),
    "tensor and number": lambda L: ((L.tensor([1.0]), 1.0), {}),
    "nan": lambda L: ((L.tensor([math.nan]), L.tensor([math.nan])), {}),
    "nan equal": lambda L: ((L.tensor([math.nan, 1.0]), L.tensor([math.nan, 1.0])), dict(equal_nan=True)),
    "inf": lambda L: ((L.tensor([math.inf, 1.0]), L.tensor([math.inf, 1.0])), {}),
    "explicit tolerances": lambda L: ((L.tensor([1.0]), L.tensor([1.1])), dict(rtol=0.2, atol=0.0)),
    "one tolerance": lambda L: ((L.tensor([1.0]), L.tensor([1.0])), dict(rtol=0.0)),
    "msg": lambda L: ((L.tensor([1.0]), L.tensor([2.0])), dict(msg="custom")),
    "msg callable": lambda L: ((L.tensor([1.0]), L.tensor([2.0])), dict(msg=lambda m: m.upper())),
    "stride": lambda L: ((L.ones(2, 2), L.ones(2, 2).t().contiguous().t()), dict(check_stride=True)),
    "stride unchecked": lambda L: ((L.ones(2, 2), L.ones(2, 2).t().contiguous().t()), {}),
    "zero-size": lambda L: ((L.ones(0, 3), L.ones(0, 3)), {}),
    "0-dim": lambda L: ((L.tensor(1.0), L.tensor(1.5)), {}),
    "floats": lambda L: ((1.0, 2.0), {}),
    "ints": lambda L: ((1, 2), {}),
    "int and float": lambda L: ((1, 1.0), {}),
    "list item": lambda L: (([L.tensor(1.0), L.tensor(2.0)], [L.tensor(1.0), L.tensor(3.0)]), {}),
    "nested": lambda L: (({"a": [L.tensor([1.0, 2.0])]}, {"a": [L.tensor([1.0, 2.5])]}), {}),
    "dict item": lambda L: (({"a": L.tensor(1.0)}, {"a": L.tensor(3.0)}), {}),
    "dict keys": lambda L: (({"a": 1}, {"b": 1}), {}),
    "lengths": lambda L: (([1.0], [1.0, 2.0]), {}),
    "numpy": lambda L: ((np.array([1.0]), np.array([2.0])), {}),
    "none": lambda L: ((None, None), {}),
    "strings": lambda L: (("a", "a"), {}),
}


def _outcome(lib, check):
    (actual, expected), kwargs = CASES[check](lib)
    try:
        check_fn = ember.testing.assert_close if lib is ember else torch.testing.assert_close
        check_fn(actual, expected, **kwargs)
    except Exception as e:  # noqa: BLE001 - the outcome compared is the exception itself
        return type(e), str(e).replace("torch.", "ember.").replace("ember._tensor.Tensor", "ember.Tensor")
    return None, None


@pytest.mark.parametrize("case", sorted(CASES))
def test_assert_close_matches_torch(case):
    ours = _outcome(ember, case)
    theirs = _outcome(torch, case)
    assert ours[0] is theirs[0], (case, ours, theirs)
    assert ours[1] == theirs[1], case


def test_assert_close_never_records_or_changes_inputs():
    a = ember.ones(3, requires_grad=True)
    b = ember.ones(3)
    assert_close(a * 1, b)
    with pytest.raises(AssertionError):
        assert_close(a * 2, b)
    assert a.grad is None and b.tolist() == [1.0, 1.0, 1.0]


def test_assert_allclose_is_deprecated_and_compares_values():
    with pytest.warns(FutureWarning):
        assert_allclose(ember.tensor([1.0, math.nan]), [1.0, math.nan])
    with warnings.catch_warnings(), pytest.raises(AssertionError, match="not close"):
        warnings.simplefilter("ignore")
        assert_allclose(ember.tensor([1.0]), ember.tensor([1.5], dtype=ember.float64))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.float16, ember.bfloat16,
                                   ember.int64, ember.int8, ember.uint8, ember.bool])
def test_make_tensor_ranges_and_flags(dtype):
    t = make_tensor(20, 30, dtype=dtype, low=-3, high=4)
    assert t.shape == (20, 30) and t.dtype == dtype
    values = t.float().numpy()
    if dtype != ember.bool:
        assert values.min() >= (0 if dtype == ember.uint8 else -3) and values.max() <= 4
    else:
        assert set(np.unique(values)) <= {0.0, 1.0}
    nz = make_tensor((5, 6), dtype=dtype, exclude_zero=True, noncontiguous=True)
    assert not nz.is_contiguous() and nz.shape == (5, 6)
    if dtype != ember.bool:
        assert (nz.float().numpy() != 0).all()


def test_make_tensor_defaults_grad_and_bad_arguments():
    t = make_tensor((1000,), dtype=ember.float32)
    assert -9 <= t.min().item() and t.max().item() <= 9
    i = make_tensor((1000,), dtype=ember.int64)
    assert -9 <= i.min().item() and i.max().item() <= 9
    g = make_tensor(3, dtype=ember.float64, requires_grad=True)
    assert g.requires_grad and g.is_leaf
    assert make_tensor((0, 4), dtype=ember.float32).shape == (0, 4)
    assert make_tensor((), dtype=ember.float32).dim() == 0
    with pytest.raises(ValueError, match="low"):
        make_tensor(3, dtype=ember.float32, low=2, high=1)
    with pytest.raises(ValueError, match="NaN"):
        make_tensor(3, dtype=ember.float32, low=math.nan)
    with pytest.raises(ValueError, match="requires_grad"):
        make_tensor(3, dtype=ember.int64, requires_grad=True)
