"""Printing: repr(t) reads exactly like PyTorch's (same modes, widths, wrapping, summarization
and suffixes), checked against fixed strings and, where torch is installed, against torch
itself over many values, shapes and dtypes."""
import numpy as np
import pytest

import ember

nan, inf = float("nan"), float("inf")


@pytest.mark.parametrize("make,expected", [
    (lambda: ember.tensor([1.0, 2.0, 3.0]), "tensor([1., 2., 3.])"),
    (lambda: ember.tensor([[0.1, 0.2], [1.5, 3.0]]), "tensor([[0.1000, 0.2000],\n        [1.5000, 3.0000]])"),
    (lambda: ember.tensor([1e-5, 1e5]), "tensor([1.0000e-05, 1.0000e+05])"),
    (lambda: ember.tensor([1, 2, 300]), "tensor([  1,   2, 300])"),
    (lambda: ember.tensor([True, False]), "tensor([ True, False])"),
    (lambda: ember.tensor([nan, inf, -inf, 1.5]), "tensor([   nan,    inf,   -inf, 1.5000])"),
    (lambda: ember.tensor([nan, 2.0]), "tensor([nan, 2.])"),
    (lambda: ember.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: ember.zeros(0), "tensor([])"),
    (lambda: ember.zeros(0, dtype=ember.int64), "tensor([], dtype=ember.int64)"),
    (lambda: ember.tensor(3.5), "tensor(3.5000)"),
    (lambda: ember.tensor(3), "tensor(3)"),
    (lambda: ember.tensor(True), "tensor(True)"),
    (lambda: ember.tensor([1.0, 2.5], dtype=ember.float16), "tensor([1.0000, 2.5000], dtype=ember.float16)"),
    (lambda: ember.tensor([1, 2], dtype=ember.int32), "tensor([1, 2], dtype=ember.int32)"),
    (lambda: ember.tensor(2.0, dtype=ember.float64), "tensor(2., dtype=ember.float64)"),
    (lambda: ember.tensor([2**62 + 1, -(2**63)]), "tensor([ 4611686018427387905, -9223372036854775808])"),
    (lambda: ember.tensor([-0.0, 0.0]), "tensor([-0., 0.])"),
])
def test_fixed_strings(make, expected):
    assert repr(make()) == expected
    assert str(make()) == expected


def test_summarization():
    assert repr(ember.arange(2000)) == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"
    assert repr(ember.arange(3000).reshape(30, 100)) == (
        "tensor([[   0,    1,    2,  ...,   97,   98,   99],\n"
        "        [ 100,  101,  102,  ...,  197,  198,  199],\n"
        "        [ 200,  201,  202,  ...,  297,  298,  299],\n"
        "        ...,\n"
        "        [2700, 2701, 2702,  ..., 2797, 2798, 2799],\n"
        "        [2800, 2801, 2802,  ..., 2897, 2898, 2899],\n"
        "        [2900, 2901, 2902,  ..., 2997, 2998, 2999]])")
    small = repr(ember.arange(1000))  # at the threshold: printed in full
    assert "..." not in small and small.count("\n") > 10


def test_views_print_their_values():
    t = ember.arange(6).reshape(2, 3)
    assert repr(t.t()) == "tensor([[0, 3],\n        [1, 4],\n        [2, 5]])"
    assert repr(t[:, ::-1]) == "tensor([[2, 1, 0],\n        [5, 4, 3]])"
    assert repr(t.expand(2, 2, 3)[1, 0]) == "tensor([0, 1, 2])"


def test_extra_suffixes_and_cpp_operator():
    t = ember.tensor([1.0, 2.0])
    assert t._impl._repr(["requires_grad=True"]) == "tensor([1., 2.], requires_grad=True)"


# ---------------------------------------------------------------------------
# against torch
# ---------------------------------------------------------------------------
def _cases():
    rng = np.random.default_rng(7)
    floats = [
        [1.0, 2.0, 3.0], [0.1, 0.2], [1e-5, 1e5], [1.5, nan, inf, -inf], [0.0], [-0.0], [nan], [inf, -inf],
        [0.0, 0.0, 0.0], [123456789.0], [1e-4, 1.0], [1e-5], [0.00011], [1000.0, 1.0], [1001.0, 1.0],
        [1e9], [1e10, 1.0], [-1.5, 100.25], [1e-40, 1.0], [1e8, 1.0], [2.0**60], [-1e-3, 5e-4],
        [0.5, nan, 0.0], [3.14159, -2.71828, 1e3], [99999.5, 0.5], [1e-8, 1e-9],
    ]
    cases = [(np.array(v), "float32") for v in floats] + [(np.array(v), "float64") for v in floats[:12]]
    cases += [
        (rng.standard_normal(30), "float32"), (rng.standard_normal((3, 10)), "float16"),
        (rng.standard_normal((2, 3, 4)), "float64"), (rng.standard_normal((2, 2, 2, 3)), "float32"),
        (rng.standard_normal((4, 9)) * 1e6, "float32"), (rng.standard_normal((5, 7)) * 1e-6, "float64"),
        (rng.uniform(size=(40, 40)), "float32"), (rng.standard_normal((10, 20, 30)), "float32"),
        (rng.standard_normal((3, 11)), "bfloat16"), (rng.standard_normal(1001), "float64"),
        (rng.standard_normal((2, 600)), "float16"), (np.arange(12.0).reshape(3, 4) * 100, "float32"),
        (np.arange(500), "int64"), (np.arange(1001), "int64"), (np.arange(-50, 50).reshape(10, 10), "int8"),
        (np.arange(3000).reshape(3, 10, 100), "int32"), (np.array([2**62 + 1, -(2**63)]), "int64"),
        (np.arange(256).reshape(16, 16), "uint8"), (np.array([[-3, 300], [7, -32768]]), "int16"),
        (np.array([[True, False], [False, True]]), "bool"), (np.array([True] * 1200), "bool"),
        (np.array(3.5), "float32"), (np.array(-2), "int64"), (np.array(True), "bool"),
        (np.array(nan), "float16"), (np.array(1e-7), "float64"), (np.array(7), "uint8"),
        (np.zeros(0), "float32"), (np.zeros((0, 3)), "float32"), (np.zeros((2, 0, 4)), "int64"),
        (np.zeros(0), "bool"), (np.zeros((1, 0)), "float16"), (np.zeros(0), "int64"),
    ]
    return cases


@pytest.mark.parametrize("index", range(len(_cases())))
def test_matches_torch(index):
    torch = pytest.importorskip("torch")
    values, dtype_name = _cases()[index]
    e = ember.tensor(values.astype(np.float32) if dtype_name == "bfloat16" else values.astype(dtype_name),
                     dtype=getattr(ember, dtype_name))
    t = torch.tensor(values.astype(np.float32) if dtype_name == "bfloat16" else values.astype(dtype_name),
                     dtype=getattr(torch, dtype_name))
    assert repr(e).replace("ember.", "torch.") == repr(t)


@pytest.mark.parametrize("shape", [(3,), (2, 5), (4, 30)])
def test_requires_grad_suffix_matches_torch(shape):
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(1).standard_normal(shape)
    e = ember.tensor(values, dtype=ember.float16)
    t = torch.tensor(values, dtype=torch.float16, requires_grad=True)
    assert e._impl._repr(["requires_grad=True"]).replace("ember.", "torch.") == repr(t)
