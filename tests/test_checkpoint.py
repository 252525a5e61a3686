"""ember.utils.checkpoint: gradients equal to the plain run's, the intermediate results freed
after the forward pass, dropout recomputed with the same mask, and PyTorch's argument rules."""
import gc
import warnings
import weakref

import numpy as np
import pytest

import ember
import ember.utils.checkpoint as C
from ember import nn

REENTRANT = [True, False]


def _net():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))


def _grads(model, x):
    return [p.grad.clone() for p in model.parameters()] + ([x.grad.clone()] if x.grad is not None else [])


def _zero(model, x):
    model.zero_grad()
    x.grad = None


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_gradients_equal_the_plain_run_with_dropout(use_reentrant):
    model = _net()
    x = ember.randn(5, 4, requires_grad=True)
    state = ember.get_rng_state()
    plain = model(x)
    plain.pow(2).sum().backward()
    expected = _grads(model, x)
    _zero(model, x)
    ember.set_rng_state(state)
    out = C.checkpoint(model, x, use_reentrant=use_reentrant)
    np.testing.assert_array_equal(out.detach().numpy(), plain.detach().numpy())
    after_forward = ember.get_rng_state()
    out.pow(2).sum().backward()
    # the recomputation replays the forward's random numbers and leaves the generator as it was
    assert ember.get_rng_state().numpy().tolist() == after_forward.numpy().tolist()
    for e, a in zip(expected, _grads(model, x)):
        np.testing.assert_array_equal(a.numpy(), e.numpy())


def test_without_preserved_rng_state_dropout_draws_new_masks():
    model = _net()
    x = ember.randn(64, 4, requires_grad=True)
    ember.manual_seed(1)
    model(x).sum().backward()
    expected = _grads(model, x)
    _zero(model, x)
    ember.manual_seed(1)
    C.checkpoint(model, x, use_reentrant=False, preserve_rng_state=False).sum().backward()
    assert any(not np.array_equal(a.numpy(), e.numpy()) for a, e in zip(_grads(model, x), expected))


@pytest.mark.parametrize("use_reentrant", REENTRANT)
def test_intermediate_results_are_not_kept(use_reentrant):
    kept = []
    x = ember.randn(3, 4, requires_grad=True)

    def fn(a):
        h = a.sin() * 2
        kept.append(weakref.ref(h))
        return h.cos()

    out = C.checkpoint(fn, x, use_reentrant=use_reentrant)
    gc.collect()
    assert kept[0]() is None  # freed right after the forward pass
    assert out.grad_fn is not None and len(out.grad_fn.saved_tensors) >= 1
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), (-np.sin(2 * np.sin(x.detach().numpy())) * 2 *
                                                np.cos(x.detach().numpy())), rtol=1e-5)
    assert len(kept) == 2  # the function ran again in backward


def test_non_reentrant_reaches_parameters_when_the_input_needs_no_grad_and_works_with_autograd_grad():
    model = _net()
    x = ember.randn(5, 4)
    state = ember.get_rng_state()
    expected = ember.autograd.grad(model(x).sum(), list(model.parameters()))
    ember.set_rng_state(state)
    out = C.checkpoint(model, x, use_reentrant=False)
    assert out.requires_grad
    got = ember.autograd.grad(out.sum(), list(model.parameters()))
    for e, a in zip(expected, got):
        np.testing.assert_array_equal(a.numpy(), e.numpy())


def test_reentrant_with_no_input_requiring_grad_warns_and_gives_no_graph():
    model = _net()
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        out = C.checkpoint(model, ember.randn(2, 4), use_reentrant=True)
    assert not out.requires_grad


def test_keyword_arguments_tuple_outputs_and_non_tensor_arguments():
    x = ember.randn(3, requires_grad=True)
    y = ember.randn(3, requires_grad=True)

    def fn(a, scale, b=None):
        return a * scale + b, (a * b).sum()

    s, t = C.checkpoint(fn, x, 3.0, b=y, use_reentrant=False)
    (s.sum() + t).backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 + y.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(y.grad.numpy(), 1.0 + x.detach().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: b"):
        C.checkpoint(fn, x, 3.0, b=y, use_reentrant=True)


def test_context_fn_wraps_forward_and_recomputation():
    calls = []

    class Tag:
        def __init__(self, name):
            self.name = name

        def __enter__(self):
            calls.append(self.name)

        def __exit__(self, *exc):
            return False

    x = ember.randn(3, requires_grad=True)
    out = C.checkpoint(lambda a: a.exp(), x, use_reentrant=False, context_fn=lambda: (Tag("forward"), Tag("recompute")))
    out.sum().backward()
    assert calls == ["forward", "recompute"]
    with pytest.raises(ValueError, match="context_fn"):
        C.checkpoint(lambda a: a, x, use_reentrant=True, context_fn=lambda: (Tag("f"), Tag("r")))


def test_determinism_check_catches_a_recomputation_that_differs():
    runs = []

    def fn(a):
        runs.append(1)
        return a * 2 if len(runs) == 1 else a[:2] * 2

    x = ember.randn(3, requires_grad=True)
    out = C.checkpoint(fn, x, use_reentrant=False)
    with pytest.raises(C.CheckpointError, match="different metadata"):
        out.sum().backward()
    with pytest.raises(ValueError, match="determinism_check"):
        C.checkpoint(fn, x, use_reentrant=False, determinism_check="strict")


def test_use_reentrant_must_be_passed_or_it_warns():
    x = ember.randn(2, requires_grad=True)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        C.checkpoint(lambda a: a * 2, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        C.checkpoint(lambda a: a * 2, x, use_reentrant=False)


@pytest.mark.parametrize("use_reentrant", REENTRANT)
@pytest.mark.parametrize("segments", [1, 2, 3])
def test_checkpoint_sequential_matches_the_plain_model(use_reentrant, segments):
    model = _net()
    model.eval()  # no dropout: the segments need no replayed random numbers to agree
    x = ember.randn(4, 4, requires_grad=True)
    model(x).sum().backward()
    expected = _grads(model, x)
    _zero(model, x)
    C.checkpoint_sequential(model, segments, x, use_reentrant=use_reentrant).sum().backward()
    for e, a in zip(expected, _grads(model, x)):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="Unexpected keyword arguments"):
        C.checkpoint_sequential(model, 2, x, use_reentrant=use_reentrant, bad=1)


def test_reachable_as_an_attribute_of_ember_utils():
    assert ember.utils.checkpoint.checkpoint is C.checkpoint
    assert C.detach_variable((ember.ones(2, requires_grad=True), 3))[0].requires_grad


def test_checkpoint_function_and_device_state_helpers():
    x = ember.randn(3, requires_grad=True)
    out = C.CheckpointFunction.apply(lambda a: a * a, True, x)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
    assert C.get_device_states(x) == ([], [])
    C.set_device_states([], [])
    assert C.DefaultDeviceType.get_device_type() == "cuda"
    C.DefaultDeviceType.set_device_type("cpu")
    assert C.DefaultDeviceType.get_device_type() == "cpu"
    C.DefaultDeviceType.set_device_type("cuda")
