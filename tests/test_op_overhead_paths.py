"""The short paths of the hottest small-tensor calls: the native op wrapper (op_wrapper.cpp),
the native bodies of Tensor.view, basic-key Tensor.__getitem__ and sum (fast_ops.cpp), their
native rule setups (autograd_setups.cpp) and the native grad-mode state. Each must give what
the Python paths they shortcut gave: values, gradients, grad_fn names, errors, version checks,
and the same view of the call to modes."""
import inspect
import pickle
import threading

import numpy as np
import pytest
import torch

import ember
from ember import _op_layer
from ember._op_layer import OPS, op_of


def _pair(values, grad=True):
    a = np.asarray(values, np.float32)
    return ember.tensor(a, requires_grad=grad), torch.tensor(a, requires_grad=grad)


X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)


# ---- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(-1,), (4, 6), ((6, 4),), ([3, 8],), (2, -1, 2), ((24,),)])
def test_view_values_and_grads(shape):
    e, t = _pair(X)
    ye, yt = e.view(*shape), t.view(*shape)
    assert tuple(ye.shape) == tuple(yt.shape)
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    assert ye.grad_fn.name() == "ViewBackward0"
    w = np.random.default_rng(0).standard_normal(tuple(yt.shape)).astype(np.float32)
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


def test_view_takes_a_size_and_keeps_other_spellings():
    e = ember.tensor(X)
    assert tuple(e.view(ember.ones(6, 4).shape).shape) == (6, 4)
    assert tuple(e.view(np.int64(4), 6).shape) == (4, 6)  # not an exact int: the Python body
    with pytest.raises(NotImplementedError):
        e.view(ember.float64)


def test_view_errors_are_the_python_bodys():
    e = ember.tensor(X)
    with pytest.raises(ember.ShapeError, match="invalid for input of size 24"):
        e.view(5)
    with pytest.raises(ember.ShapeError):
        e.view(-1, -1)
    with pytest.raises((TypeError, ValueError)):  # what the Python body raises
        e.view("a")


KEYS = [0, -1, 1, slice(None), slice(1, None), slice(None, None, 2), slice(-2, None, 1), None, Ellipsis,
        (slice(None), 1), (0, 1, 2), (Ellipsis, 1), (None, 0, slice(1, 3)), (slice(None), slice(None), -1),
        (0, None, Ellipsis, None)]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_basic_getitem_values_and_grads(key):
    e, t = _pair(X)
    ye, yt = e[key], t[key]
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    assert ye.grad_fn.name() == "IndexBackward0"
    assert ye._impl._same_storage(e._impl)  # a view
    w = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(np.float32)
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("key", [[0, 1], (slice(None), [0, 2]), np.int64(1), (np.int64(0), 1),
                                 slice(np.int64(1), None)], ids=repr)
def test_other_keys_take_the_python_path(key):
    e, t = _pair(X)
    tkey = tuple(torch.tensor(k) if isinstance(k, list) else k for k in key) if isinstance(key, tuple) else key
    ye, yt = e[key], t[tkey]
    np.testing.assert_array_equal(ye.detach().numpy(), yt.detach().numpy())
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


def test_getitem_errors():
    e = ember.tensor(X)
    with pytest.raises(IndexError, match="out of bounds"):
        e[5]
    with pytest.raises(IndexError):
        e[0, 0, 0, 0]
    with pytest.raises((ValueError, RuntimeError)):
        e[::0]


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 1, "keepdim": True}, {"dim": (0, 2)},
                                    {"dim": [2]}, {"dim": -1, "keepdim": False}, {"dtype": "float64"}])
def test_sum_values_and_grads(kwargs):
    e, t = _pair(X)
    ek = {k: (getattr(ember, v) if k == "dtype" else v) for k, v in kwargs.items()}
    tk = {k: (getattr(torch, v) if k == "dtype" else v) for k, v in kwargs.items()}
    ye, yt = e.sum(**ek), t.sum(**tk)
    assert tuple(ye.shape) == tuple(yt.shape)
    assert ye.dtype.name == str(yt.dtype).replace("torch.", "")
    np.testing.assert_allclose(ye.detach().numpy(), yt.detach().numpy())
    assert ye.grad_fn.name() == "SumBackward0"
    ye.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


def test_sum_positional_and_function_forms():
    e, t = _pair(X)
    np.testing.assert_allclose(e.sum(1, True).detach().numpy(), t.sum(1, True).detach().numpy())
    np.testing.assert_allclose(ember.sum(e, 2).detach().numpy(), torch.sum(t, 2).detach().numpy())
    np.testing.assert_allclose(ember.sum(e, dim=0, keepdim=True).detach().numpy(),
                               torch.sum(t, dim=0, keepdim=True).detach().numpy())


def test_sum_numpy_spelling_and_errors_take_the_python_body():
    e = ember.tensor(X)
    np.testing.assert_allclose(e.sum(axis=1, keepdims=True).numpy(), X.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(np.sum(e), X.sum())
    out = ember.zeros(2, 4)
    e.sum(axis=1, out=out)
    np.testing.assert_allclose(out.numpy(), X.sum(axis=1))
    with pytest.raises(TypeError):
        e.sum(1, dim=1)
    with pytest.raises(TypeError):
        e.sum(unknown=1)
    with pytest.raises(IndexError):
        e.sum(dim=3)
    with pytest.raises(TypeError):
        ember.sum(X)


def test_sum_of_numpy_axis_records_with_its_dims():
    e, t = _pair(X)
    e.sum(axis=(0, 2)).sum().backward()
    t.sum(dim=(0, 2)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


# ---- grad mode, version counters, hooks ---------------------------------------------------------------

def test_no_grad_and_inference_mode():
    e = ember.tensor(X, requires_grad=True)
    with ember.no_grad():
        for y in (e.view(-1), e[:, 1], e.sum(dim=1, keepdim=True)):
            assert not y.requires_grad and y.grad_fn is None
    with ember.inference_mode():
        assert ember.is_inference_mode_enabled() and not ember.is_grad_enabled()
        assert not e.view(-1).requires_grad
    assert ember.is_grad_enabled() and not ember.is_inference_mode_enabled()
    assert e.view(-1).requires_grad


def test_grad_mode_is_per_thread():
    seen = []
    with ember.no_grad():
        thread = threading.Thread(target=lambda: seen.append(ember.is_grad_enabled()))
        thread.start()
        thread.join()
        assert not ember.is_grad_enabled()
    assert seen == [True]


def test_saved_view_modified_in_place_is_detected():
    e = ember.tensor(X, requires_grad=True)
    y = e * 1
    v = y.view(-1)
    z = (v * v).sum()  # saves v
    y.add_(1)  # bumps the version v shares
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_saved_basic_index_modified_in_place_is_detected():
    e = ember.tensor(X, requires_grad=True)
    y = e * 1
    v = y[:, 1]
    z = (v * v).sum()
    y[0, 0, 0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_view_made_before_an_in_place_change_of_its_base():
    e, t = _pair(X)
    outs = []
    for x in (e, t):
        y = x * 1
        v = y.view(-1)
        g = y[:, 1]
        y.mul_(2)
        (v * 3).sum().backward(retain_graph=True)
        (g * 5).sum().backward()
        outs.append(x.grad.detach().numpy())
    np.testing.assert_allclose(*outs)


def test_in_place_write_into_a_view_reaches_the_base():
    e, t = _pair(X)
    for x in (e, t):
        y = x * 1
        y[:, 1].mul_(3)
        y.view(-1)[0:2].add_(1)
        y.sum(dim=1, keepdim=True).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy())


def test_leaf_views_refuse_in_place_writes():
    e = ember.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        e.view(-1).add_(1)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        e[:, 1].zero_()


def test_hooks_and_retain_grad_on_fast_path_results():
    e = ember.tensor(X, requires_grad=True)
    calls = []
    v = e.view(-1)
    v.register_hook(lambda g: calls.append("view") or g * 2)
    s = e.sum(dim=1, keepdim=True)
    s.retain_grad()
    g = e[:, 1]
    g.grad_fn.register_hook(lambda gi, go: calls.append("index"))
    (v.sum() + s.sum() + g.sum()).backward()
    assert sorted(calls) == ["index", "view"]
    np.testing.assert_allclose(s.grad.numpy(), np.ones((2, 1, 4), np.float32))
    expected = np.full(X.shape, 3.0, np.float32)
    expected[:, 1] += 1
    np.testing.assert_allclose(e.grad.numpy(), expected)


def test_anomaly_mode_sees_the_fast_path_nodes():
    e = ember.tensor(X, requires_grad=True)
    with ember.autograd.detect_anomaly():
        (e.view(-1).sum() + e[:, 1].sum() + e.sum(dim=0).sum()).backward()
    assert e.grad is not None


def test_create_graph_through_the_fast_paths():
    e, t = _pair(X)
    for x in (e, t):
        y = (x.view(-1) ** 2).sum() + (x[:, 1] ** 3).sum() + (x.sum(dim=1, keepdim=True) ** 2).sum()
        (g,) = (ember if x is e else torch).autograd.grad(y, x, create_graph=True)
        g.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5)


# ---- the op wrapper -------------------------------------------------------------------------------------

class _Seen(_op_layer.Mode):
    def __init__(self):
        self.names = []

    def __call__(self, op, args, kwargs, proceed):
        self.names.append(op.name)
        return proceed(*args, **kwargs)


def test_modes_see_the_fast_path_ops_with_their_arguments():
    e = ember.tensor(X, requires_grad=True)
    with _Seen() as seen:
        y = e.view(-1)
        g = e[:, 1]
        s = e.sum(dim=1, keepdim=True)
    assert seen.names == ["Tensor.view", "Tensor.__getitem__", "sum"]
    assert y.grad_fn.name() == "ViewBackward0" and g.grad_fn.name() == "IndexBackward0"
    assert s.grad_fn.name() == "SumBackward0"


def test_onnx_export_traces_the_fast_path_ops(tmp_path):
    pytest.importorskip("onnx")

    class M(ember.nn.Module):
        def forward(self, x):
            return x.view(-1, 4)[:, 1:3].sum(dim=1, keepdim=True)

    path = tmp_path / "m.onnx"
    ember.onnx.export(M(), (ember.tensor(X),), str(path))
    import onnx
    ops = [n.op_type for n in onnx.load(str(path)).graph.node]
    assert "Reshape" in ops and "ReduceSum" in ops


def test_wrapper_finds_grad_in_lists_and_keywords():
    a, b = ember.ones(2, requires_grad=True), ember.ones(2)
    assert ember.cat([b, a]).grad_fn is not None  # inside a list argument
    x = ember.ones(1, 2)
    w = ember.full((1, 2), 0.5, requires_grad=True)
    y = ember.nn.functional.linear(x, weight=w)  # a keyword argument
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((1, 2), np.float32))


def test_wrappers_look_like_their_functions():
    assert str(inspect.signature(ember.Tensor.view)) == "(self, *shape)"
    assert list(inspect.signature(ember.sum).parameters)[:3] == ["input", "dim", "keepdim"]
    assert ember.Tensor.view.__qualname__ == "Tensor.view" and ember.sum.__name__ == "sum"
    assert op_of(ember.Tensor.view) is OPS["Tensor.view"] and op_of(ember.Tensor.sum) is OPS["sum"]
    assert op_of(ember.Tensor.__getitem__) is OPS["Tensor.__getitem__"]
    assert pickle.loads(pickle.dumps(ember.sum)) is ember.sum
    assert pickle.loads(pickle.dumps(ember.Tensor.view)) is ember.Tensor.view
    e = ember.ones(2, 3)
    assert ember.Tensor.view(e, 6).shape == (6,)  # called through the class
    bound = e.view
    assert bound(3, 2).shape == (3, 2)
