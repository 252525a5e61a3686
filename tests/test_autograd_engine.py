"""The autograd engine: leaves and flags, backward and grad, saved-tensor lifetimes and
versions, hooks, grad modes, deep graphs. The ops used are the simplest (add, mul, exp, sum,
view) so that these tests check the engine rather than the rules."""
import gc
import threading
import weakref

import numpy as np
import pytest

import ember
from ember.autograd import Node


def leaf(values, dtype=ember.float64):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


# ---- flags ----------------------------------------------------------------------------------------

def test_leaf_flags():
    x = leaf([1.0, 2.0])
    assert x.requires_grad and x.is_leaf and x.grad_fn is None and x.grad is None
    c = ember.ones(2)
    assert not c.requires_grad and c.is_leaf
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    assert y.grad_fn.name() == "MulBackward0"
    (prev, nr), _ = y.grad_fn.next_functions
    assert prev.name() == "AccumulateGrad" and prev.variable is x and nr == 0


def test_requires_grad_setter_and_errors():
    x = ember.ones(3)
    x.requires_grad = True
    assert x.requires_grad and x.is_leaf
    x.requires_grad_(False)
    assert not x.requires_grad
    with pytest.raises(RuntimeError, match="floating point"):
        ember.arange(3).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        ember.tensor([1, 2], requires_grad=True)
    y = leaf([1.0]) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_creation_functions_take_requires_grad():
    for t in (ember.zeros(2, requires_grad=True), ember.ones(2, 3, requires_grad=True),
              ember.randn(2, requires_grad=True), ember.full((2,), 1.5, requires_grad=True),
              ember.tensor([1.0], requires_grad=True)):
        assert t.requires_grad and t.is_leaf


def test_non_float_results_never_require_grad():
    x = leaf([1.0, -2.0, 3.0])
    assert not (x > 0).requires_grad
    assert not x.argmax().requires_grad
    assert not (x == x).requires_grad


def test_repr_shows_graph():
    x = leaf([1.0])
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<MulBackward0>" in repr(x * 2)
    assert "grad" not in repr(ember.ones(1))


def test_detach_shares_storage_and_leaves_graph():
    x = leaf([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    d[0] = 10.0
    assert y[0].item() == 10.0
    z = x * 1
    assert z.detach_() is z and not z.requires_grad


def test_data_is_a_detached_alias():
    x = leaf([1.0, 2.0])
    x.data.mul_(2)  # allowed: bypasses autograd
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 4.0])
    assert x.requires_grad and not x.data.requires_grad


def test_numpy_refuses_tensors_that_require_grad():
    with pytest.raises(RuntimeError, match="detach"):
        leaf([1.0]).numpy()


# ---- backward --------------------------------------------------------------------------------------

def test_backward_scalar_accumulates():
    x = leaf([1.0, 2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0, 12.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 3.0])


def test_backward_non_scalar_needs_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="scalar outputs"):
        y.backward()
    with pytest.raises(RuntimeError, match="shape"):
        y.backward(ember.ones(3, dtype=ember.float64))
    y.backward(ember.tensor([1.0, 10.0], dtype=ember.float64))
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 20.0])


def test_backward_of_a_constant_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.ones(1).sum().backward()


def test_backward_on_a_leaf():
    x = leaf([1.0, 2.0])
    x.backward(ember.tensor([3.0, 4.0], dtype=ember.float64))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_grad_is_not_shared_between_leaves_or_with_the_caller():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = ember.ones(2, dtype=ember.float64)
    (a + b).backward(g)
    a.grad.mul_(5)
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(g.numpy(), [1.0, 1.0])


def test_broadcast_gradients_are_summed_to_each_input():
    x = leaf(np.arange(3.0).reshape(3, 1))
    w = leaf([1.0, 2.0, 3.0, 4.0])
    (x * w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 1), 10.0))
    np.testing.assert_allclose(w.grad.numpy(), np.full(4, 3.0))


def test_mixed_dtypes_give_gradients_of_each_input_dtype():
    x = leaf([1.0, 2.0], dtype=ember.float32)
    w = leaf([3.0, 4.0], dtype=ember.float64)
    (x * w).sum().backward()
    assert x.grad.dtype == ember.float32 and w.grad.dtype == ember.float64
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_diamond_graph_sums_both_paths():
    x = leaf([2.0])
    y = x * 3
    z = y * y + y.exp()
    z.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 * 6.0 * 3 + 3 * np.exp(6.0)])


def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]))


def test_graph_without_saved_tensors_can_run_twice():
    x = leaf([1.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_backward_inputs_limits_accumulation():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * w).sum().backward(inputs=[])


def test_multiple_roots():
    x = leaf([1.0, 2.0])
    a, b = (x * 2).sum(), (x * x).sum()
    ember.autograd.backward([a, b])
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 6.0])


# ---- autograd.grad ----------------------------------------------------------------------------------

def test_grad_returns_without_accumulating():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gw = ember.autograd.grad((x * w).sum(), (x, w))
    np.testing.assert_allclose(gx.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(gw.numpy(), [1.0, 2.0])
    assert x.grad is None and w.grad is None
    g, = ember.autograd.grad((x * 5).sum(), x)
    np.testing.assert_allclose(g.numpy(), [5.0, 5.0])


def test_grad_unused_and_not_requiring_inputs():
    x, u = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="allow_unused"):
        ember.autograd.grad((x * 2).sum(), [x, u])
    gx, gu = ember.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)
    assert gu is None
    gx, gu = ember.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
    np.testing.assert_allclose(gu.numpy(), [0.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        ember.autograd.grad((x * 2).sum(), [ember.ones(1)])


def test_grad_with_respect_to_a_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    g, = ember.autograd.grad(y, h)
    np.testing.assert_allclose(g.numpy(), [6.0, 12.0])


def test_higher_order_gradients():
    x = leaf([0.5, 1.5])
    y = (x * x * x).sum()
    g, = ember.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), [0.75, 6.75])
    h, = ember.autograd.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(h.detach().numpy(), [3.0, 9.0])
    t, = ember.autograd.grad(h.sum(), x)
    np.testing.assert_allclose(t.numpy(), [6.0, 6.0])


def test_create_graph_through_saved_outputs():
    x = leaf([0.3])
    y = x.exp()  # exp saves its output
    g, = ember.autograd.grad(y.sum(), x, create_graph=True)
    gg, = ember.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), np.exp([0.3]))


def test_backward_create_graph_accumulates_a_differentiable_grad():
    x = leaf([2.0])
    (x * x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g2, = ember.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(g2.numpy(), [12.0])


# ---- saved tensors and in-place safety -------------------------------------------------------------

def test_modified_saved_output_raises_naming_the_op():
    x = leaf([1.0, 2.0])
    y = x.exp()
    y.add_(1)
    with pytest.raises(RuntimeError, match="ExpBackward0.*version"):
        y.sum().backward()


def test_modified_saved_input_raises():
    x = leaf([1.0, 2.0])
    a = x * 1
    b = a * a
    a.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        b.sum().backward()


def test_in_place_on_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.mul_(2)
    with ember.no_grad():
        x.add_(1)  # allowed: that is how optimizers update parameters
    np.testing.assert_allclose(x.detach().numpy(), [2.0, 3.0])


def test_in_place_on_a_non_leaf_is_differentiable():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.mul_(x * 2)  # y = (2x)^2
    y.add_(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [8 * 1.0 + 1, 8 * 2.0 + 1])


def test_in_place_with_a_requiring_operand_makes_a_constant_require_grad():
    w = leaf([3.0])
    c = ember.ones(1, dtype=ember.float64)
    c.mul_(w)
    assert c.requires_grad and not c.is_leaf
    c.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [1.0])


def test_in_place_operator_forms():
    x = leaf([1.0, 2.0])
    y = x * 1
    y += x
    y *= 3
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


# ---- hooks --------------------------------------------------------------------------------------------

def test_tensor_hook_sees_and_replaces_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    handle = y.register_hook(lambda g: g * 10)
    (y * 3).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [60.0, 60.0])
    handle.remove()
    x.grad = None
    y = x * 2
    (y * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_leaf_hook_runs_before_accumulation():
    x = leaf([1.0])
    x.register_hook(lambda g: g + 1)
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0])
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ember.ones(1).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    assert y.grad is None and not y.retains_grad
    y.retain_grad()
    assert y.retains_grad
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [4.0, 8.0])


def test_node_hooks():
    x = leaf([1.0])
    y = x * 2
    calls = []
    y.grad_fn.register_prehook(lambda grad_outputs: calls.append("pre"))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append("post"))
    y.sum().backward()
    assert calls == ["pre", "post"]


# ---- grad modes ---------------------------------------------------------------------------------------

def test_no_grad_records_nothing():
    x = leaf([1.0])
    with ember.no_grad():
        y = x * 2
        assert not y.requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    with ember.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_grad_mode_is_thread_local():
    x = leaf([1.0])
    results = []
    with ember.no_grad():
        t = threading.Thread(target=lambda: results.append((x * 2).requires_grad))
        t.start()
        t.join()
    assert results == [True]


# ---- graph lifetime, depth, memory --------------------------------------------------------------------

def test_dropping_the_output_frees_the_graph_without_gc():
    x = leaf([1.0, 2.0])
    y = (x * 2).exp()
    node = weakref.ref(y.grad_fn)
    inner = weakref.ref(y.grad_fn.next_functions[0][0])
    gc.disable()
    try:
        del y
        assert node() is None and inner() is None
    finally:
        gc.enable()


def test_a_chain_of_100000_ops_has_no_recursion_limit():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0])
    del y  # freeing the chain must not recurse either


def _count_nodes():
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Node))


def test_memory_stays_flat_over_a_training_loop():
    w = leaf(np.random.default_rng(0).standard_normal((8, 4)), dtype=ember.float32)
    x = ember.randn(16, 8)
    counts = []
    for step in range(1000):
        loss = ((x.view(16, 8, 1) * w).sum(1).exp() * 0.01).sum()
        loss.backward()
        with ember.no_grad():
            w.add_(w.grad * -0.001)
        w.grad = None
        if step in (10, 999):
            counts.append(_count_nodes())
    del loss
    assert counts[1] <= counts[0] + 1, counts


# ---- errors from rules ----------------------------------------------------------------------------------

def test_out_argument_with_grad_raises():
    x = leaf([1.0])
    out = ember.empty(1, dtype=ember.float64)
    with pytest.raises(RuntimeError, match="out="):
        ember.mul(x, 2, out=out)


# ---- views and in-place writes ---------------------------------------------------------------------

def test_a_view_made_before_an_in_place_change_of_its_base_sees_the_new_value():
    a = leaf([1.0, 2.0, 3.0, 4.0])
    b = a * 1
    v = b.view(2, 2)
    b.mul_(3)
    (v * ember.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=ember.float64)).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 6.0, 9.0, 12.0])


# ---- anomaly detection -----------------------------------------------------------------------------

def test_detect_anomaly_names_the_node_that_made_a_nan():
    x = leaf([0.0, 1.0])
    with ember.autograd.detect_anomaly():
        y = (x * x).exp() * float("nan")
        with pytest.raises(RuntimeError, match="MulBackward0.*nan"):
            y.sum().backward()
    assert not ember.autograd.anomaly_mode.is_anomaly_enabled()
    ember.autograd.set_detect_anomaly(True)
    try:
        assert ember.autograd.anomaly_mode.is_anomaly_enabled()
    finally:
        ember.autograd.set_detect_anomaly(False)
    (x * float("nan")).sum().backward()  # off: the NaN reaches the leaf
    assert np.isnan(x.grad.numpy()).all()


def test_warnings_from_ops_point_at_the_callers_line():
    import warnings
    x = leaf(np.ones((3, 2)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ember.nn.functional.mse_loss(x, ember.ones(2, dtype=ember.float64))  # recording
        ember.nn.functional.mse_loss(x.detach(), ember.ones(2, dtype=ember.float64))  # not recording
    assert [w.filename for w in caught] == [__file__, __file__]
