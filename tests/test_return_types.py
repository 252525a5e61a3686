"""Named result tuples (ember.return_types): unpacking, fields, pickling, and PyTorch's print
format."""
import pickle

import pytest

import ember


def test_fields_unpacking_and_pickle():
    r = ember.tensor([[3.0, 1.0], [0.0, 2.0]]).max(1)
    values, indices = r
    assert r.values is values and r.indices is indices
    assert type(r).__module__ == "ember.return_types" and type(r) is ember.return_types.max
    again = pickle.loads(pickle.dumps(ember.return_types.max(1, 2)))
    assert again == (1, 2) and type(again) is ember.return_types.max


@pytest.mark.parametrize("call", [
    lambda lib, t: lib.topk(t, 2),
    lambda lib, t: lib.sort(t),
    lambda lib, t: t.max(0),
    lambda lib, t: lib.linalg.slogdet(lib.eye(2) * 2),
])
def test_printed_like_torch(call):
    torch = pytest.importorskip("torch")
    values = [3.0, 1.0, 2.0]
    got = repr(call(ember, ember.tensor(values)))
    want = repr(call(torch, torch.tensor(values)))
    assert got == want.replace("torch.return_types", "ember.return_types")
