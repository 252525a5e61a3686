"""ember.set_printoptions: reprs under every option and profile read exactly like torch's,
and the default dtype decides which float dtype is left unnamed."""
import pytest

import ember

torch = pytest.importorskip("torch")

CASES = [
    lambda m: m.arange(10.0) / 3, lambda m: m.tensor([1e-5, 1e5]), lambda m: m.tensor([1, 2, 300]),
    lambda m: m.tensor([True, False]), lambda m: m.tensor([float("nan"), float("inf"), -float("inf"), 1.5]),
    lambda m: m.zeros(0, 3), lambda m: m.zeros(0, dtype=m.int64), lambda m: m.tensor(3.5),
    lambda m: m.tensor([1.0, 2.5], dtype=m.float16), lambda m: m.arange(3000).reshape(30, 100),
    lambda m: m.arange(2000.0).reshape(2, 10, 100) / 7, lambda m: m.tensor([[0.1, 0.2], [1.5, 3.0]], dtype=m.float64),
    lambda m: m.arange(40.0).reshape(2, 4, 5) * 1.25, lambda m: m.tensor([-0.0, 0.0]),
    lambda m: m.tensor([1.5, 2.25], dtype=m.bfloat16), lambda m: m.arange(200.0) * 1e3,
    lambda m: m.ones(2, requires_grad=True),
]
OPTIONS = [dict(precision=2), dict(profile="short"), dict(profile="full"), dict(sci_mode=True), dict(sci_mode=False),
           dict(threshold=5, edgeitems=2), dict(linewidth=40), dict(precision=6, linewidth=120),
           dict(edgeitems=1, threshold=10), dict(profile="default")]


@pytest.fixture
def restore():
    yield
    for m in (ember, torch):
        m.set_printoptions(profile="default")
        m.set_default_dtype(m.float32)


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_reprs_under_print_options_match_torch(options, restore):
    for m in (ember, torch):
        m.set_printoptions(**options)
    for make in CASES:
        assert repr(make(ember)).replace("ember.", "torch.") == repr(make(torch))
        assert str(make(ember)).replace("ember.", "torch.") == str(make(torch))


@pytest.mark.parametrize("default", ["float64", "float16", "bfloat16"])
def test_the_default_dtype_goes_unnamed_like_torch(default, restore):
    for m in (ember, torch):
        m.set_default_dtype(getattr(m, default))
    for make in [lambda m: m.tensor([1.5, 2.0]), lambda m: m.tensor([1.5], dtype=m.float32),
                 lambda m: m.zeros(0, dtype=m.float32), lambda m: m.zeros(2, 0), lambda m: m.tensor(2)]:
        assert repr(make(ember)).replace("ember.", "torch.") == repr(make(torch))


def test_options_accumulate_and_reset(restore):
    ember.set_printoptions(precision=2)
    ember.set_printoptions(linewidth=100)
    assert repr(ember.tensor([1 / 3])) == "tensor([0.33])"
    ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1 / 3])) == "tensor([0.3333])"
    ember.set_printoptions(sci_mode=True)
    ember.set_printoptions(precision=4)  # sci_mode is set on every call: back to automatic
    assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
